//! Proves with a per-thread allocation counter (the workspace's `allocation-counter`) that
//! decoding, iterating, printing and encoding every type allocates nothing.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

mod common;

use telecontrol_asdu::*;
use telecontrol_core::Encode;

/// A `fmt::Write` into a fixed buffer, so `Display` can be exercised without allocating.
struct Sink {
    buf: [u8; 512],
    len: usize,
}

impl core::fmt::Write for Sink {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        let end = self.len + s.len();
        if end > self.buf.len() {
            self.len = 0;
            return Ok(());
        }
        self.buf[self.len..end].copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

#[test]
fn decode_iterate_and_encode_allocate_nothing() {
    // Prepare every value before counting.
    let mut values = Vec::new();
    for t in TypeId::ALL {
        values.push(common::sample(*t).unwrap());
    }
    let raw = RawTypeId::new(200).unwrap();
    values.push(Value::Raw(raw, &[1, 2, 3]));
    let p = AsduParams::IEC104;
    let cot = Cot::new(Cause::SPONTANEOUS);
    let mut sink = Sink {
        buf: [0; 512],
        len: 0,
    };
    let mut checked = 0usize;

    let info = allocation_counter::measure(|| {
        for v in &values {
            let t = v.type_id();
            let n = if t == TypeId::FSgNa1 { 1 } else { 3 };
            for sq in [false, true] {
                let mut buf = [0u8; 255];
                let mut b = AsduBuilder::new(&p, t, cot, CommonAddress(7), sq, &mut buf).unwrap();
                for i in 0..n {
                    b.push(Ioa::new(100 + i).unwrap(), v).unwrap();
                }
                let bytes = b.finish();
                let view = AsduView::decode(&p, bytes).unwrap();
                for o in view.objects() {
                    assert_eq!(o.value.type_id(), t);
                    let _ = (o.quality(), o.time_tag());
                    core::fmt::Write::write_fmt(&mut sink, format_args!("{o}")).unwrap();
                    checked += 1;
                }
                if let Some(floats) = view.typed::<typed::MMeNc1>() {
                    for (ioa, set) in floats {
                        assert_eq!(Value::MMeNc1(set.0, set.1), *v);
                        assert!(ioa.value() >= 100);
                        checked += 1;
                    }
                }
                if let Some(events) = view.typed::<typed::MSpTb1>() {
                    checked += events.count();
                }
                // One-shot encode through the Encode trait.
                let objs = [InfoObject::new(Ioa::new(1).unwrap(), *v)];
                let whole = Asdu {
                    params: p,
                    type_id: t,
                    sq,
                    cot,
                    ca: CommonAddress(7),
                    objects: &objs,
                };
                let mut out = [0u8; 255];
                let len = whole.encode(&mut out).unwrap();
                assert_eq!(len, whole.encoded_len());
                assert!(AsduView::decode(&p, &out[..len]).is_ok());
            }
        }
    });
    assert_eq!(
        info.count_total, 0,
        "allocations during decode/iterate/encode"
    );
    // The counter works: the same measure sees an allocation.
    let seen = allocation_counter::measure(|| drop(std::hint::black_box(vec![1u8; 64])));
    assert_eq!(seen.count_total, 1);
    assert!(checked >= 2 * 3 * 67);
}

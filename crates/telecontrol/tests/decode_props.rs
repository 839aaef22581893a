//! Properties of the decoders on arbitrary input: no panic, and every input octet is in
//! exactly one report, in order (frames and malformed stretches tile the input).
#![allow(clippy::arithmetic_side_effects)] // test arithmetic on small lengths

use proptest::prelude::*;
use telecontrol::decode::{Report, hex, iec101, iec104};

fn tiles(input: &[u8], reports: &[Report]) -> Result<(), TestCaseError> {
    let mut next = 0usize;
    let mut joined = Vec::new();
    for r in reports {
        prop_assert_eq!(r.offset, next, "reports must be contiguous: {:?}", reports);
        let raw = hex::parse(&r.raw).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert!(!raw.is_empty());
        next += raw.len();
        joined.extend(raw);
        if let Some(e) = &r.error {
            prop_assert!(
                e.offset <= input.len(),
                "error offset {} past the input",
                e.offset
            );
        }
    }
    prop_assert_eq!(joined.as_slice(), input);
    Ok(())
}

/// Inputs that look like frames now and then: start octets and small lengths are common.
fn stream() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(
        prop_oneof![
            3 => any::<u8>(),
            1 => Just(0x68u8),
            1 => Just(0x04u8),
            1 => Just(0x10u8),
            1 => Just(0xE5u8),
            1 => Just(0x16u8),
        ],
        0..300,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn iec104_reports_tile_any_input(input in stream()) {
        tiles(&input, &iec104::decode_bytes(&input, Some(1)))?;
    }

    #[test]
    fn iec101_reports_tile_any_input(input in stream(), asize in 0u8..3) {
        let link_address = match asize {
            0 => iec101_link::AddressSize::None,
            1 => iec101_link::AddressSize::One,
            _ => iec101_link::AddressSize::Two,
        };
        let params = iec101::Params101 { link_address, ..iec101::Params101::default() };
        tiles(&input, &iec101::decode_bytes(&input, Some(1), params))?;
    }

    #[test]
    fn valid_104_frames_decode_whole_after_garbage(
        garbage in prop::collection::vec(any::<u8>().prop_filter("not a start", |b| *b != 0x68), 0..20),
        seqs in prop::collection::vec((0u16..32768, 0u16..32768), 1..10),
    ) {
        let mut input = garbage.clone();
        for (ns, nr) in &seqs {
            let [a, b] = (ns << 1).to_le_bytes();
            let [c, d] = (nr << 1).to_le_bytes();
            // I frame carrying C_IC_NA_1 act, CA 1, IOA 0, QOI 20.
            input.extend([0x68, 0x0E, a, b, c, d, 0x64, 0x01, 0x06, 0x00, 0x01, 0x00, 0, 0, 0, 0x14]);
        }
        let reports = iec104::decode_bytes(&input, None);
        tiles(&input, &reports)?;
        let frames: Vec<&Report> = reports.iter().filter(|r| r.error.is_none()).collect();
        prop_assert_eq!(frames.len(), seqs.len());
        prop_assert_eq!(reports.len(), seqs.len() + usize::from(!garbage.is_empty()));
        for (r, (ns, nr)) in frames.iter().zip(&seqs) {
            prop_assert_eq!(r.send_seq, Some(*ns));
            prop_assert_eq!(r.recv_seq, Some(*nr));
            prop_assert_eq!(r.asdu.as_ref().map(|a| a.type_id), Some(100));
        }
    }
}

//! Fuzz body of `asdu_decode`: decode with a parameter set chosen by the first input octet,
//! iterate every object, print it, and check the canonical round trip: whatever decodes
//! re-encodes to exactly the input (the codec keeps reserved bits and float bit patterns,
//! so this holds for every accepted input).
#![allow(
    clippy::expect_used,
    clippy::cast_possible_truncation,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::fmt::Write as _;

use asdu::{AsduBuilder, AsduParams, AsduView};

/// The parameter sets the first octet selects from (modulo their number): both presets of
/// 101, 104, and the smallest and mixed field sizes.
fn params(selector: u8) -> AsduParams {
    let sets: [(u8, u8, u8); 6] = [
        (2, 2, 3),
        (1, 1, 2),
        (2, 2, 3),
        (1, 1, 1),
        (2, 1, 2),
        (1, 2, 3),
    ];
    let idx = usize::from(selector) % sets.len();
    let (c, a, i) = sets[idx];
    let max = if idx == 0 { 249 } else { 255 };
    AsduParams::new(c, a, i, max).expect("valid sizes")
}

/// Decode `data[1..]` with the parameters `data[0]` selects.
pub fn asdu_decode(data: &[u8]) {
    let Some((&selector, asdu)) = data.split_first() else {
        return;
    };
    let p = params(selector);
    let Ok(view) = AsduView::decode(&p, asdu) else {
        return;
    };
    let mut text = String::new();
    let _ = write!(text, "{view}");
    let mut out = [0u8; 255];
    let mut b = AsduBuilder::new(
        &p,
        view.type_id(),
        view.cot(),
        view.ca(),
        view.sq(),
        &mut out,
    )
    .expect("a decoded header re-encodes");
    let mut n = 0usize;
    for o in view.objects() {
        let _ = (o.quality(), o.time_tag());
        b.push_object(&o).expect("a decoded object re-encodes");
        n += 1;
    }
    assert_eq!(n, usize::from(view.count()), "iterator yields every object");
    assert_eq!(b.finish(), asdu, "re-encoding differs from the input");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_seeds_decode_and_invalid_ones_do_not() {
        let dir =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/seeds/asdu_decode");
        let mut seen = 0;
        for e in std::fs::read_dir(dir).expect("seed folder").flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            let data = std::fs::read(e.path()).expect("seed");
            let (&sel, asdu) = data.split_first().expect("non-empty seed");
            let ok = AsduView::decode(&params(sel), asdu).is_ok();
            assert_eq!(ok, name.starts_with("valid"), "{name}");
            asdu_decode(&data);
            seen += 1;
        }
        assert!(seen >= 10);
    }
}

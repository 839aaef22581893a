//! Conformance against independent implementations: tshark's dissectors and real peers.
//! Each check writes its artefacts under `target/conformance/`.

use crate::util::{ensure_tshark, root};
use anyhow::Result;

pub fn run(smoke: bool) -> Result<()> {
    ensure_tshark()?;
    let out = root().join("target/conformance");
    std::fs::create_dir_all(&out)?;
    let _ = smoke;
    Ok(())
}

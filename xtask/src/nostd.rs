//! The no-std proof: a throw-away `#![no_std]` staticlib with its own panic handler and no
//! global allocator that links every core. If any core pulls in std, the panic handler
//! clashes with std's; if any core pulls in alloc, linking fails for want of an allocator.

use crate::util::{root, run_in};
use anyhow::Result;
use std::fmt::Write as _;

/// (directory under crates/, package name, library name) of every sans-IO core.
pub const CORES: &[(&str, &str, &str)] = &[
    ("telecontrol-core", "telecontrol-core", "telecontrol_core"),
    ("asdu", "telecontrol-asdu", "telecontrol_asdu"),
    (
        "iec104-apci",
        "telecontrol-iec104-apci",
        "telecontrol_iec104_apci",
    ),
    (
        "iec101-link",
        "telecontrol-iec101-link",
        "telecontrol_iec101_link",
    ),
    ("station", "telecontrol-station", "telecontrol_station"),
    (
        "iec104-session",
        "telecontrol-iec104-session",
        "telecontrol_iec104_session",
    ),
    (
        "iec101-session",
        "telecontrol-iec101-session",
        "telecontrol_iec101_session",
    ),
    ("mms-pdu", "telecontrol-mms-pdu", "telecontrol_mms_pdu"),
    (
        "tase2-transfer-sets",
        "telecontrol-tase2-transfer-sets",
        "telecontrol_tase2_transfer_sets",
    ),
];

pub fn run() -> Result<()> {
    let dir = root().join("target/nostd-check");
    std::fs::create_dir_all(dir.join("src"))?;
    let mut deps = String::new();
    let mut uses = String::new();
    for (path, pkg, lib) in CORES {
        let p = root().join("crates").join(path);
        if !p.join("Cargo.toml").exists() {
            continue;
        }
        writeln!(
            deps,
            "{lib} = {{ package = \"{pkg}\", path = \"{}\" }}",
            p.display()
        )?;
        writeln!(uses, "pub use {lib};")?;
    }
    let manifest = format!(
        "[package]\nname = \"nostd-check\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n\
         [lib]\ncrate-type = [\"staticlib\"]\npath = \"src/lib.rs\"\n\n[dependencies]\n{deps}\n\
         [profile.dev]\npanic = \"abort\"\n[profile.release]\npanic = \"abort\"\n\n[workspace]\n"
    );
    std::fs::write(dir.join("Cargo.toml"), manifest)?;
    // The bare-metal example of docs/guide.md, compiled without std or an allocator.
    let example = root().join("docs/examples/bare_metal_104.rs");
    let bare_metal = format!(
        "pub mod bare_metal {{\n    use telecontrol_iec104_apci as iec104_apci;\n    \
         use telecontrol_station as station;\n    include!({:?});\n}}\n",
        example.display().to_string()
    );
    let lib = format!(
        "#![no_std]\n{uses}\n{bare_metal}\n#[panic_handler]\nfn panic(_: &core::panic::PanicInfo<'_>) -> ! {{ loop {{}} }}\n"
    );
    std::fs::write(dir.join("src/lib.rs"), lib)?;
    let target_dir = root().join("target/nostd-check/target");
    run_in(
        &dir,
        "cargo",
        &[
            "build",
            "--release",
            "--target-dir",
            target_dir.to_str().unwrap_or("target"),
        ],
        &[],
    )
}

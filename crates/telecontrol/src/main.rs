//! The `telecontrol` command-line tool.
#![allow(clippy::arithmetic_side_effects)]

use clap::Parser;

/// IEC 60870-5-101/104 and TASE.2/ICCP tool.
#[derive(Parser, Debug)]
#[command(name = "telecontrol", version, about)]
struct Cli {}

fn main() {
    let Cli {} = Cli::parse();
}

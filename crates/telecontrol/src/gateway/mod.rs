//! `telecontrol gateway`: 60870-5-104 outstations' points published in a TASE.2 server for
//! other control centres, and TASE.2 device control forwarded back as 60870-5 commands.

pub mod bridge;
pub mod cli;
pub mod config;
pub mod line101;
pub mod map;
pub mod run;

//! The bodies of every fuzz target, shared by cargo-fuzz (`fuzz/fuzz_targets/*.rs`, nightly)
//! and the stable seed replay (`tests/fuzz_replay.rs`), so CI replays exactly what the fuzzer
//! runs. A body must never panic, whatever the input.

/// A fuzz target: its name (the file stem under `fuzz/fuzz_targets/`) and its body.
pub struct Target {
    pub name: &'static str,
    pub run: fn(&[u8]),
}

/// Every fuzz target of the workspace.
pub const TARGETS: &[Target] = &[
    Target {
        name: "admission",
        run: crate::fuzz_admission::admission,
    },
    Target {
        name: "mms_driver",
        run: crate::fuzz_mms_driver::mms_driver,
    },
    Target {
        name: "tase2_session",
        run: crate::fuzz_tase2_session::tase2_session,
    },
    Target {
        name: "iec101_runner",
        run: crate::fuzz_runner101::runner101,
    },
    Target {
        name: "asdu_decode",
        run: crate::fuzz_asdu::asdu_decode,
    },
    Target {
        name: "apci_frame",
        run: crate::fuzz_apci::apci_frame,
    },
    Target {
        name: "apci_connection",
        run: crate::fuzz_apci::apci_connection,
    },
    Target {
        name: "station_outstation",
        run: crate::fuzz_station::station_outstation,
    },
    Target {
        name: "ber_reader",
        run: crate::fuzz_osi::ber_reader,
    },
    Target {
        name: "osi_stack",
        run: crate::fuzz_osi::osi_stack,
    },
    Target {
        name: "mms_pdu",
        run: crate::fuzz_mms::mms_pdu,
    },
    Target {
        name: "link_frame",
        run: crate::fuzz_link::link_frame,
    },
    Target {
        name: "link_machines",
        run: crate::fuzz_link::link_machines,
    },
    Target {
        name: "mms_association",
        run: crate::fuzz_assoc::mms_association,
    },
    Target {
        name: "tase2_values",
        run: crate::fuzz_tase2::tase2_values,
    },
    Target {
        name: "tase2_client",
        run: crate::fuzz_tase2_client::tase2_client,
    },
    Target {
        name: "tase2_schedule",
        run: crate::fuzz_schedule::tase2_schedule,
    },
    Target {
        name: "tase2_station",
        run: crate::fuzz_tase2_station::tase2_station,
    },
    Target {
        name: "iec101_session",
        run: crate::fuzz_session101::iec101_session,
    },
    Target {
        name: "iec104_session",
        run: crate::fuzz_session104::iec104_session,
    },
    Target {
        name: "mms_server",
        run: crate::fuzz_mms_server::mms_server,
    },
    Target {
        name: "capture_pcap",
        run: crate::fuzz_capture::capture_pcap,
    },
    Target {
        name: "cli_decode",
        run: crate::fuzz_cli::cli_decode,
    },
    Target {
        name: "tase2_tracker",
        run: crate::fuzz_tase2_tracker::tase2_tracker,
    },
    Target {
        name: "config_toml",
        run: crate::fuzz_cli::config_toml,
    },
];

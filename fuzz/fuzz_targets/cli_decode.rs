#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| (telecontrol_testkit::fuzz_cli::cli_decode)(data));

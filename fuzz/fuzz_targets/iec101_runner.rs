#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| (telecontrol_testkit::fuzz_runner101::runner101)(data));

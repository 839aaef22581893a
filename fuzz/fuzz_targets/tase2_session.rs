#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| (telecontrol_testkit::fuzz_tase2_session::tase2_session)(data));

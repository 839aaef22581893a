#![no_main]
libfuzzer_sys::fuzz_target!(
    |data: &[u8]| (telecontrol_testkit::fuzz_session101::iec101_session)(data)
);

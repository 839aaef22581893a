#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| (telecontrol_testkit::fuzz_mms_driver::mms_driver)(data));

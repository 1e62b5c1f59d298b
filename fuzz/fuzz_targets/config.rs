//! Fuzzes the configuration, parsed and validated; the checks are `scour::fuzzing::config_text`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| scour::fuzzing::config_text(data));

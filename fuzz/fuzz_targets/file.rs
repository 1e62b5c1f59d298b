//! Fuzzes the whole per-file path, one file through a real run; the checks are `scour::fuzzing::whole_file`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| scour::fuzzing::whole_file(data));

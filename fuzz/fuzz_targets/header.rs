//! Fuzzes the title/date header line; the checks are `scour::fuzzing::header`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| scour::fuzzing::header(data));

//! Fuzzes the caption stage; the checks are `scour::fuzzing::captions`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| scour::fuzzing::captions(data));

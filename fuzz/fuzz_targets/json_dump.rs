//! Fuzzes the JSON / JSON Lines dump reader; the checks are `scour::fuzzing::json_dump`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| scour::fuzzing::json_dump(data));

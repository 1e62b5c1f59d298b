//! Fuzzes decoding raw bytes to text; the checks are `scour::fuzzing::decode_bytes`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| scour::fuzzing::decode_bytes(data));

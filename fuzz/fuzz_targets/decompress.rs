//! Fuzzes the four decompressors; the checks are `scour::fuzzing::decompress_bytes`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| scour::fuzzing::decompress_bytes(data));

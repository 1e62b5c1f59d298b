//! Fuzzes the WARC reader; the checks are `scour::fuzzing::warc_archive`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| scour::fuzzing::warc_archive(data));

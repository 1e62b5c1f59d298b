//! Fuzzes the HTTP payload of a WARC record; the checks are `scour::fuzzing::http_payload`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| scour::fuzzing::http_payload(data));

//! Fuzzes the markup lexer of text files; the checks are `scour::fuzzing::markup`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| scour::fuzzing::markup(data));

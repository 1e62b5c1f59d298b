//! Fuzzes the HTML stage (html5ever and the extraction); the checks are `scour::fuzzing::html_page`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| scour::fuzzing::html_page(data));

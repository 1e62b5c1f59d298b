//! scour's integration tests: the binary run on fixture trees, as a user runs it.
//!
//! One test binary (see `util.rs` for the helpers). Tests are named after what they guard.

mod util;

mod accounting;
mod boilerplate;
mod cli;
mod conventions;
mod dedup;
mod faults;
mod fuzz_corpus;
mod hostile;
mod house;
mod inputs;
mod markup;
mod near;
mod nights;
mod pages;
mod properties;
mod report;
mod samples;
mod schema;
mod shards;
mod text;
mod textgen;

use std::collections::BTreeSet;
use std::time::Duration;

use serde_json::Value;
use util::{Dir, Outputs, SEED_NAME, repo, seed, seed_expected, sha256_hex};

const NBSP: char = '\u{a0}';

fn assert_matches_expected(record: &Value, expected: &Value) {
    for field in ["title", "date", "text", "captions", "sha256"] {
        assert_eq!(record[field], expected[field], "field `{field}` differs");
    }
    assert_eq!(record["source"], expected["source"]);
    assert_eq!(
        record["sha256"].as_str().unwrap(),
        sha256_hex(record["text"].as_str().unwrap())
    );
}

// Helpers that more than one group of tests uses.
use accounting::*;
use nights::*;

//! scour turns directories of scraped articles into clean, de-duplicated JSONL.
//!
//! The library holds the whole job and never prints: the binary (`src/main.rs`) parses the command
//! line, implements [`report::Reporter`] for progress, and turns errors into exit codes. The flow
//! reads top to bottom in [`pipeline::run`]:
//!
//! 1. [`config`] reads `pipeline.toml` into raw structs, and [`config::plan`] validates them into a
//!    [`config::Plan`], reporting every problem at once with file, line and column;
//! 2. [`discover`] walks the input roots in a stable sorted order, streaming [`discover::Source`]s;
//! 3. each source is read, [`decode`]d and run through the per-article [`stages`] in parallel —
//!    pure functions of one article — and its text hashed;
//! 4. [`dedup`], the one stateful step, decides duplicates in sorted order, so the first source wins
//!    whatever the thread count;
//! 5. [`output`] writes `clean.jsonl`, `duplicates.jsonl`, `rejects.jsonl` and `report.json`
//!    atomically; with a nightly [`state`], the state's commit and the outputs move together.
//!
//! Every input ends in exactly one of the three JSONL files (see [`article`]).

// The library reports through `Reporter` and returns values; only the binary writes to the terminal.
#![deny(clippy::print_stdout, clippy::print_stderr)]

pub mod article;
pub mod at_dir;
pub mod boilerplate;
pub mod config;
pub mod decode;
pub mod decompress;
pub mod dedup;
pub mod discover;
pub mod error;
pub mod json;
pub mod near;
pub mod output;
pub mod pipeline;
pub mod records;
pub mod report;
pub mod shard;
pub mod stages;
pub mod state;
pub mod swar;
pub mod warc_dump;

pub use config::Plan;
pub use error::Error;
pub use pipeline::run;
pub use report::{NoReport, Reporter, RunSummary};

//! scour turns directories of scraped articles into clean, de-duplicated JSONL.
//!
//! The library holds the whole job and never prints: the binary (`src/bin/scour/`) parses the
//! command line, implements [`report::Reporter`] for progress, and turns errors into exit codes.
//! The flow reads top to bottom in [`run::run`]:
//!
//! 1. [`config`] reads `pipeline.toml` into raw structs, and [`config::plan`] validates them into a
//!    [`config::Plan`], reporting every problem at once with file, line and column;
//! 2. [`input`] walks the input roots in a stable sorted order and turns each file — a text or
//!    HTML page, a JSON dump, a WARC archive — into articles or rejects;
//! 3. each article runs through the per-article [`stages`] in parallel — pure functions of one
//!    article — and its text is hashed;
//! 4. [`dedup`], the one stateful step, decides duplicates in sorted order, so the first source wins
//!    whatever the thread count;
//! 5. [`output`] writes `clean.jsonl`, `duplicates.jsonl`, `rejects.jsonl` and `report.json`
//!    atomically; with a nightly [`state`], the state's commit and the outputs move together.
//!
//! Every input ends in exactly one of the three JSONL files (see [`article`]).
//!
//! Layering: `run` may import every module; `config` imports the plans of `input`, `stages`,
//! `dedup` and `output`; those import only the leaves (`article`, `error`, `report`, `crash`,
//! `json`, `swar`, `lock`, `cancel`) and `state`, which imports `dedup`. A test (`house_has_no_import_cycles`)
//! keeps it so.

// The library reports through `Reporter` and returns values; only the binary writes to the terminal.
#![deny(clippy::print_stdout, clippy::print_stderr)]

pub mod article;
pub mod cancel;
pub mod config;
pub(crate) mod crash;
pub mod dedup;
pub mod error;
#[doc(hidden)]
pub mod fuzzing;
pub mod input;
pub mod json;
pub mod lock;
pub mod output;
pub mod report;
pub mod run;
pub mod stages;
pub mod state;
pub mod swar;

/// The package version and, when built from a git checkout, the revision (`build.rs`).
pub const VERSION: &str = env!("SCOUR_VERSION");

pub use config::Plan;
pub use error::Error;
pub use report::{NoReport, Reporter, RunSummary};
pub use run::run;

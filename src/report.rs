//! What a run tells the world: progress while it runs and the summary (`report.json`) at the end.
//!
//! The library never prints. Like typos' `Report`, progress goes through the [`Reporter`] trait,
//! which the binary implements with an indicatif bar (and tests with nothing), and the summary is
//! a plain value the binary renders for people and [`crate::output`] writes for programs.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::article::{CleanStats, RejectReason};

pub mod figures;
pub mod html;

use figures::{
    ConfigFacts, DuplicateCluster, LengthBin, Night, RejectDetail, SiteTable, StepTime,
    ThroughputSample,
};

/// Receives progress events. Called from the thread that writes the output, in input order.
pub trait Reporter: Sync {
    /// Whether to walk the input twice so that progress has totals (and an ETA).
    fn wants_totals(&self) -> bool {
        false
    }
    fn started(&self, _totals: Option<InputTotals>) {}
    fn progressed(&self, _done: Progress) {}
    fn finished(&self, _summary: &RunSummary) {}
}

/// Reports nothing.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoReport;

impl Reporter for NoReport {}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct InputTotals {
    pub files: u64,
    pub bytes: u64,
}

/// Inputs accounted for so far.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    pub files: u64,
    pub bytes: u64,
}

/// How every input ended. `seen == kept + duplicates + rejected`.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub seen: u64,
    pub kept: u64,
    pub duplicates: u64,
    pub rejected: u64,
    /// Every reject code, with zero for those that did not occur, so the shape never changes.
    pub rejected_by_reason: BTreeMap<&'static str, u64>,
}

impl Counts {
    pub fn new() -> Counts {
        Counts {
            rejected_by_reason: RejectReason::ALL.iter().map(|r| (r.code(), 0)).collect(),
            ..Counts::default()
        }
    }

    pub fn reject(&mut self, reason: RejectReason) {
        self.seen += 1;
        self.rejected += 1;
        *self.rejected_by_reason.entry(reason.code()).or_default() += 1;
    }
}

#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize)]
pub struct Bytes {
    /// Bytes read from input files.
    #[serde(rename = "in")]
    pub input: u64,
    /// Bytes of `clean.jsonl`.
    #[serde(rename = "out")]
    pub output: u64,
    /// Bytes of kept `text` fields.
    pub text_out: u64,
}

/// Facts about this execution rather than the data: they differ between runs of the same input
/// (elapsed time, threads), which is why they are kept apart from everything else.
#[derive(Debug, Default, Clone, PartialEq, Serialize)]
pub struct RunFacts {
    pub scour_version: &'static str,
    pub threads: usize,
    pub elapsed_seconds: f64,
    pub files_per_second: f64,
    pub megabytes_per_second: f64,
    /// A resumed run: the inputs its killed attempt had finished at its last checkpoint.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resumed_after_inputs: Option<u64>,
    /// When this execution started and ended (RFC 3339, UTC).
    pub started_at: String,
    pub finished_at: String,
}

#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize)]
pub struct DuplicateKinds {
    pub exact: u64,
    pub near: u64,
}

/// The run summary; serialised as `report.json`.
#[derive(Debug, Default, Clone, PartialEq, Serialize)]
pub struct RunSummary {
    pub counts: Counts,
    pub bytes: Bytes,
    pub cleaning: CleanStats,
    /// Distinct contents in the dedup set at the end.
    pub distinct_texts: u64,
    /// Every file written, by name, with its path.
    pub outputs: BTreeMap<String, String>,
    /// Site boilerplate learned and removed, when `boilerplate.enabled` is on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub boilerplate: Option<crate::dedup::boilerplate::BoilerplateReport>,
    /// The nightly state, when the run has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<StateFacts>,
    /// Dates in kept articles that could not be read (written as `null`).
    pub unparsed_dates: UnparsedDates,
    pub run: RunFacts,
    /// Duplicates by how they were found (`exact + near == counts.duplicates`).
    pub duplicates_by_kind: DuplicateKinds,
    /// The configuration the run used, with its hash.
    pub config: ConfigFacts,
    /// The input roots, absolute.
    pub input_roots: Vec<String>,
    /// Seconds per step, in pipeline order (see [`figures`]).
    pub steps: Vec<StepTime>,
    /// Inputs accounted for over the run, for a throughput curve.
    pub throughput: Vec<ThroughputSample>,
    /// Counts per site: the url's host, else the first folder of the source.
    pub sites: SiteTable,
    /// Kept articles by text length, in log-2 bins.
    pub length_histogram: Vec<LengthBin>,
    /// The kept articles with the most copies in this run.
    pub duplicate_clusters: Vec<DuplicateCluster>,
    /// The most common reject details.
    pub reject_details: Vec<RejectDetail>,
    /// With a nightly state: every committed night, this one included, oldest first.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nights: Option<Vec<Night>>,
}

/// What the nightly state did in this run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StateFacts {
    pub path: String,
    /// This run's number; the output directory is `run-NNNNNN` unless `--output` named it.
    pub run: u64,
    /// Input files not read because the state had read them before, unchanged.
    pub files_unchanged: u64,
    /// Articles kept in this run (new to the state).
    pub kept_new: u64,
    pub outcome: StateOutcome,
    /// The backup of the state taken after this run (`[state] backups`). Taken after
    /// `report.json` is written, so only the summary on stderr names it.
    #[serde(skip)]
    pub backup: Option<String>,
}

/// How a run with state ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StateOutcome {
    /// The run was done and committed.
    Committed,
    /// This output directory already holds a committed run: nothing was done.
    AlreadyComplete,
    /// An earlier attempt had committed but was killed while publishing its files; this
    /// invocation finished publishing them and did nothing else.
    FinishedPublishing,
}

/// Dates the input gave that scour could not read for sure, so `date` is `null`: how many kept
/// records that is, and the first few as written, to see what form to teach it.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize)]
pub struct UnparsedDates {
    pub count: u64,
    pub examples: Vec<String>,
}

impl UnparsedDates {
    const EXAMPLES: usize = 5;

    pub fn note(&mut self, written: &str) {
        self.count += 1;
        if self.examples.len() < Self::EXAMPLES && !self.examples.iter().any(|e| e == written) {
            self.examples.push(written.chars().take(80).collect());
        }
    }
}

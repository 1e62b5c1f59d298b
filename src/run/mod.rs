//! The run, start to finish: discover → parallel stages and hashing → dedup → write.
//!
//! Inputs stream from the walk in sorted order in bounded batches. Each batch is cleaned in
//! parallel on the rayon pool (stages are pure functions of one article) while the previous
//! batch, already in order, is deduplicated and written on the calling side of a `rayon::join`.
//! Results are collected in input order, so the output is byte-identical for any thread count,
//! and memory holds at most two batches plus the dedup set.

use std::fs::File;
use std::io::Read;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::time::Instant;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::article::{
    Article, CleanRecord, DuplicateKind, DuplicateRecord, InputFormat, RejectReason, RejectRecord,
};
use crate::boilerplate::{self, BoilerplateReport, LearnedLine};
use crate::config::Plan;
use crate::decode::{self, DecodeFailure};
use crate::decompress::{self, DecompressFailure};
use crate::dedup::{self, ContentHash, MemoryIndex, RecordId};
use crate::discover::{self, Discovered, Source};
use crate::error::{Error, Result};
use crate::near::{self, MemoryNear};
use crate::output::{self, Outputs};
use crate::records;
use crate::report::{
    Counts, InputTotals, Progress, Reporter, RunFacts, RunSummary, StateFacts, StateOutcome,
};
use crate::stages::markup::MarkupStage;
use crate::stages::{self, Stage, header, html};
use crate::state::{self, FileStamp, Manifest, RunBatch, RunRecord, State};
use crate::warc_dump;

/// A batch closes at this many files…
pub(crate) const BATCH_FILES: usize = 512;
/// …or this many input bytes, whichever comes first, bounding memory for large files.
pub(crate) const BATCH_BYTES: u64 = 16 * 1024 * 1024;

/// How one input ended, before dedup.
pub(crate) enum Outcome {
    Cleaned(Box<Cleaned>),
    Rejected {
        source: String,
        reason: RejectReason,
        detail: String,
        bytes_in: u64,
    },
    /// A file read in this run, for the nightly state's manifest.
    FileRead {
        source: String,
        stamp: FileStamp,
    },
    /// A file the state had read before, unchanged.
    Unchanged,
}

pub(crate) struct Cleaned {
    pub(crate) source: String,
    pub(crate) article: Article,
    /// SHA-256 of the text as written.
    pub(crate) sha256: ContentHash,
    /// SHA-256 of the text before site boilerplate was removed: what duplicates and ids are
    /// decided on, so that learning a site's boilerplate later does not change an article's
    /// identity. The same as `sha256` when nothing was removed.
    pub(crate) dedup_hash: ContentHash,
    /// The article's site, for boilerplate.
    pub(crate) site: String,
    /// Indices of the boilerplate lines removed, in the run's table.
    pub(crate) boilerplate_removed: Vec<u32>,
    /// MinHash of the text, when near-duplicates are looked for.
    pub(crate) signature: Option<near::Signature>,
    pub(crate) encoding: &'static str,
    pub(crate) bytes_in: u64,
}

/// Runs the whole job described by `plan`.
///
/// With a nightly state the order is what makes a killed run safe to run again: the outputs
/// are written and synced in a staging directory, then the state's transaction commits (the
/// one moment the run becomes real), then the files are published by rename. Killed before
/// the commit, the state is untouched and the same command redoes the run into the same
/// directory with the same result; killed after it, the same command finds the committed run
/// and finishes publishing its staged files.
pub fn run(plan: &Plan, reporter: &dyn Reporter) -> Result<RunSummary> {
    let Some(state_path) = &plan.state_path else {
        return run_once(plan, plan.output_dir.clone(), None, reporter, None);
    };
    let state = State::open(state_path)?;
    match prepare_state_run(plan, &state, true)? {
        StatePrep::Done(summary) => Ok(*summary),
        StatePrep::Run { output_dir, resume } => {
            run_once(plan, output_dir, Some(&state), reporter, resume.map(|c| *c))
        }
    }
}

/// What a run with state is to do.
pub(crate) enum StatePrep {
    /// Nothing more: the run was already complete, or this invocation finished publishing a
    /// committed one.
    Done(Box<RunSummary>),
    /// A run into `output_dir`, from a checkpoint if one applies.
    Run {
        output_dir: std::path::PathBuf,
        resume: Option<Box<Checkpoint>>,
    },
}

/// Settles what earlier attempts left in the state before a run: a committed run not yet
/// published is published, a completed output directory is a no-op, a checkpoint is resumed
/// (if `resumable` and it still matches the inputs) or abandoned.
pub(crate) fn prepare_state_run(plan: &Plan, state: &State, resumable: bool) -> Result<StatePrep> {
    if let Some(near) = &plan.near {
        state.check_near_settings(near)?;
    }
    let runs = state.runs()?;
    let facts = |record: &RunRecord, outcome| StateFacts {
        path: state.path().display().to_string(),
        run: record.run,
        files_unchanged: record.files_unchanged,
        kept_new: record.kept,
        outcome,
    };
    let done = |record: &RunRecord, outcome| {
        Ok(StatePrep::Done(Box::new(RunSummary {
            state: Some(facts(record, outcome)),
            ..RunSummary::default()
        })))
    };
    if let Some(last) = runs.last() {
        let staging = last.output_dir.join(&last.staging_dir);
        if staging.is_dir() && !last.output_dir.join(output::REPORT_FILE).exists() {
            output::publish_staged(&last.output_dir, &staging)?;
            return done(last, StateOutcome::FinishedPublishing);
        }
    }
    let output_dir = if plan.output_dir_given {
        plan.output_dir.clone()
    } else {
        plan.output_dir.join(state::run_name(state.next_run()?))
    };
    let absolute = std::path::absolute(&output_dir).unwrap_or_else(|_| output_dir.clone());
    if let Some(complete) = runs.iter().find(|r| r.output_dir == absolute) {
        return done(complete, StateOutcome::AlreadyComplete);
    }
    let mut resume = None;
    if let Some(json) = state.in_progress()? {
        let checkpoint = serde_json::from_str::<Checkpoint>(&json).ok();
        match checkpoint {
            Some(checkpoint)
                if resumable
                    && checkpoint.output_dir == absolute
                    && walk_prefix_matches(plan, &checkpoint) =>
            {
                resume = Some(Box::new(checkpoint));
            }
            // Another output directory, or inputs that changed before the checkpoint: what
            // the killed attempt committed no longer applies, and the run starts over.
            _ => state.abandon(state.next_run()?)?,
        }
    }
    Ok(StatePrep::Run { output_dir, resume })
}

/// Where a run with state stood at its last checkpoint: enough to go on from there and end
/// exactly as a run that was never killed.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Checkpoint {
    output_dir: std::path::PathBuf,
    staging_dir: String,
    /// Top-level inputs of the walk done, and the source of the last one (to check that the
    /// inputs before it are still the same).
    walked: u64,
    last_source: String,
    writers: [output::WriterMark; 3],
    seen: u64,
    kept: u64,
    duplicates: u64,
    rejected: u64,
    rejected_by_reason: std::collections::BTreeMap<String, u64>,
    bytes_in: u64,
    text_out: u64,
    cleaning: crate::article::CleanStats,
    files_read: u64,
    files_unchanged: u64,
    kept_new: u64,
    boilerplate_removed: Vec<u64>,
    /// The boilerplate table the run learned before its first checkpoint.
    boilerplate: Vec<(String, String, u32)>,
    progress_files: u64,
    progress_bytes: u64,
}

/// Whether the first `checkpoint.walked` inputs of the walk still end with the same source.
fn walk_prefix_matches(plan: &Plan, checkpoint: &Checkpoint) -> bool {
    let skip_dir = checkpoint.output_dir.canonicalize().ok();
    let Some(index) = (checkpoint.walked as usize).checked_sub(1) else {
        return true;
    };
    discover::walk(plan, skip_dir)
        .nth(index)
        .is_some_and(|found| top_level_source(&found) == checkpoint.last_source)
}

pub(crate) fn top_level_source(found: &Discovered) -> String {
    match found {
        Discovered::File(source) => source.source.clone(),
        Discovered::Problem { source, .. } | Discovered::Unchanged { source } => source.clone(),
        Discovered::Chunk(chunk) => chunk.source.clone(),
        Discovered::WarcChunk(chunk) => chunk.source.clone(),
        Discovered::Streamed { source, .. } => source.clone(),
    }
}

/// A batch from the walker, with where it leaves the walk.
struct WalkBatch {
    items: Vec<Discovered>,
    /// Top-level inputs begun so far, and the last one's source.
    walked: u64,
    last_source: String,
    /// Every input begun is whole in this batch and those before: a checkpoint may follow.
    at_boundary: bool,
}

/// Walks (from input `skip` on), expands and batches the inputs for the run, on the walker
/// thread.
fn walk_batches(
    plan: &Plan,
    skip_dir: Option<std::path::PathBuf>,
    manifest: Option<&Manifest>,
    skip: u64,
    sender: std::sync::mpsc::SyncSender<WalkBatch>,
) {
    let mut top = discover::walk(plan, skip_dir).skip(skip as usize);
    let mut walked = skip;
    let mut last_source = String::new();
    let mut pending: Option<std::iter::Peekable<Box<dyn Iterator<Item = Discovered> + Send>>> =
        None;
    loop {
        let mut items = Vec::with_capacity(BATCH_FILES);
        let mut bytes = 0;
        while items.len() < BATCH_FILES && bytes < BATCH_BYTES {
            if let Some(item) = pending.as_mut().and_then(Iterator::next) {
                bytes += discovered_bytes(&item);
                items.push(item);
                continue;
            }
            let Some(found) = top.next() else { break };
            walked += 1;
            last_source = top_level_source(&found);
            pending = Some(expand(plan, found, manifest).peekable());
        }
        let at_boundary = pending.as_mut().is_none_or(|p| p.peek().is_none());
        if items.is_empty() {
            break;
        }
        let batch = WalkBatch {
            items,
            walked,
            last_source: last_source.clone(),
            at_boundary,
        };
        if sender.send(batch).is_err() {
            break;
        }
    }
}

/// The outputs of a run that starts afresh; with a state, staged under the run's name, so
/// that a resumed or finishing attempt finds them.
pub(crate) fn new_outputs(
    plan: &Plan,
    output_dir: &std::path::Path,
    state: Option<&State>,
) -> Result<Outputs> {
    match state {
        Some(state) => Outputs::create_staged(
            output_dir,
            plan.force,
            plan.output_format,
            state::run_name(state.next_run()?),
        ),
        None => Outputs::create(output_dir, plan.force, plan.output_format),
    }
}

fn run_once(
    plan: &Plan,
    output_dir: std::path::PathBuf,
    state: Option<&State>,
    reporter: &dyn Reporter,
    resume: Option<Checkpoint>,
) -> Result<RunSummary> {
    let started = Instant::now();
    let pool = thread_pool(plan)?;
    let mut outputs = match (&resume, state) {
        (Some(checkpoint), _) => Outputs::resume(
            &output_dir,
            &checkpoint.staging_dir,
            plan.output_format,
            &checkpoint.writers,
        )?,
        (None, state) => new_outputs(plan, &output_dir, state)?,
    };
    let skip_dir = outputs.dir().canonicalize().ok();
    let manifest = state.map(State::manifest).transpose()?;
    let mut writer = state.map(State::begin_run).transpose()?;

    let totals = reporter.wants_totals().then(|| {
        let (files, bytes) = discover::count(plan, skip_dir.clone());
        InputTotals { files, bytes }
    });
    reporter.started(totals);

    if let (Some(_), Some(checkpoint)) = (&plan.boilerplate, &resume) {
        let learned = checkpoint
            .boilerplate
            .iter()
            .map(|(site, line, count)| ((site.clone(), line.clone()), *count))
            .collect();
        let _ = plan.boilerplate_table.set(boilerplate::Table::new(learned));
    } else if let Some(bp) = &plan.boilerplate {
        let mut learned = match state {
            Some(state) => state.boilerplate()?,
            None => Default::default(),
        };
        learned.extend(learn_boilerplate(
            plan,
            bp,
            &pool,
            manifest.as_ref(),
            skip_dir.clone(),
        ));
        // Set once per process; a second run in the same process keeps the first table.
        let _ = plan.boilerplate_table.set(boilerplate::Table::new(learned));
    }

    let mut summary = RunSummary {
        counts: Counts::new(),
        ..RunSummary::default()
    };
    let mut tally = StateTally {
        boilerplate_removed: vec![0; plan.boilerplate_table.get().map_or(0, |t| t.lines().len())],
        ..StateTally::default()
    };
    let mut index = MemoryIndex::new();
    let mut near_index = MemoryNear::default();
    let mut progress = Progress::default();
    let mut skip = 0;
    let mut last_checkpoint = 0;
    if let Some(checkpoint) = &resume {
        restore(checkpoint, &mut summary, &mut tally, &mut progress);
        skip = checkpoint.walked;
        last_checkpoint = progress.files;
        summary.run.resumed_after_inputs = Some(checkpoint.walked);
    }
    std::thread::scope(|scope| -> Result<()> {
        // The walk (directory reads and a stat per file) runs on its own thread, a couple of
        // batches ahead, so the workers never wait for it. If writing fails, `batches` is
        // dropped, the walker's next send fails, and it stops.
        let (sender, batches) = std::sync::mpsc::sync_channel::<WalkBatch>(2);
        let manifest = manifest.as_ref();
        scope.spawn(move || walk_batches(plan, skip_dir, manifest, skip, sender));
        let mut ready: Vec<Vec<Outcome>> = Vec::new();
        let mut ready_at: Option<(u64, String, bool)> = None;
        loop {
            let (batch, batch_at) = match batches.recv() {
                Ok(batch) => (
                    batch.items,
                    Some((batch.walked, batch.last_source, batch.at_boundary)),
                ),
                Err(_) => (Vec::new(), None),
            };
            if batch.is_empty() && ready.is_empty() {
                return Ok(());
            }
            let to_write = std::mem::take(&mut ready);
            let written_at = std::mem::replace(&mut ready_at, batch_at);
            let (cleaned, written) = {
                // The decider borrows the state's writer for this batch only, so that a
                // checkpoint can follow.
                let mut decider = match &writer {
                    Some(writer) => Decider::State(Box::new(writer.batch()?)),
                    None => Decider::Memory(&mut index, &mut near_index),
                };
                let (cleaned, written) = pool.install(|| {
                    rayon::join(
                        || {
                            batch
                                .into_par_iter()
                                .map(|found| process(plan, found))
                                .collect::<Vec<Vec<Outcome>>>()
                        },
                        || {
                            write_batch(
                                plan,
                                to_write,
                                &mut decider,
                                &mut outputs,
                                &mut summary,
                                &mut tally,
                            )
                        },
                    )
                });
                let written = written?;
                if let Decider::State(batch) = decider {
                    batch.finish()?;
                }
                (cleaned, written)
            };
            ready = cleaned;
            progress.files += written.files;
            progress.bytes += written.bytes;
            if written.files > 0 {
                reporter.progressed(progress);
            }
            let due = plan.checkpoint_files > 0
                && progress.files - last_checkpoint >= plan.checkpoint_files;
            let at_boundary = written_at.as_ref().is_some_and(|at| at.2);
            let checkpoint_now = if due && at_boundary {
                writer.take().zip(written_at)
            } else {
                None
            };
            if let Some((run, (walked, last_source, _))) = checkpoint_now {
                let checkpoint = Checkpoint {
                    output_dir: std::path::absolute(outputs.dir())
                        .unwrap_or_else(|_| output_dir.clone()),
                    staging_dir: outputs.staging_name(),
                    walked,
                    last_source,
                    writers: outputs.checkpoint()?,
                    seen: summary.counts.seen,
                    kept: summary.counts.kept,
                    duplicates: summary.counts.duplicates,
                    rejected: summary.counts.rejected,
                    rejected_by_reason: summary
                        .counts
                        .rejected_by_reason
                        .iter()
                        .map(|(code, n)| (code.to_string(), *n))
                        .collect(),
                    bytes_in: summary.bytes.input,
                    text_out: summary.bytes.text_out,
                    cleaning: summary.cleaning,
                    files_read: tally.files_read,
                    files_unchanged: tally.files_unchanged,
                    kept_new: tally.kept_new,
                    boilerplate_removed: tally.boilerplate_removed.clone(),
                    boilerplate: plan
                        .boilerplate_table
                        .get()
                        .map(|t| t.lines().to_vec())
                        .unwrap_or_default(),
                    progress_files: progress.files,
                    progress_bytes: progress.bytes,
                };
                let json = serde_json::to_string(&checkpoint).map_err(|e| Error::State {
                    path: plan.state_path.clone().unwrap_or_default(),
                    message: e.to_string(),
                })?;
                writer = Some(run.checkpoint(&json)?);
                last_checkpoint = progress.files;
                crash_point("checkpointed");
            }
        }
    })?;

    if let Some(table) = plan.boilerplate_table.get() {
        summary.boilerplate = Some(BoilerplateReport {
            lines_removed: tally.boilerplate_removed.iter().sum(),
            learned: table
                .lines()
                .iter()
                .zip(&tally.boilerplate_removed)
                .map(|((site, line, articles), &removed)| LearnedLine {
                    site: site.clone(),
                    line: line.clone(),
                    articles: *articles,
                    removed,
                })
                .collect(),
        });
    }
    summary.distinct_texts = match &writer {
        Some(_) => tally.kept_new,
        None => index.len() as u64,
    };
    summary.run = run_facts(plan, &summary, started, summary.run.resumed_after_inputs);
    let (Some(state), Some(writer)) = (state, writer) else {
        outputs.finish(&mut summary)?;
        reporter.finished(&summary);
        return Ok(summary);
    };
    commit_state_run(plan, state, writer, outputs, &mut summary, &tally)?;
    reporter.finished(&summary);
    Ok(summary)
}

/// Ends a run with state: stages the outputs, commits the run's transaction with its record,
/// then publishes — the order that makes a kill at any point safe.
pub(crate) fn commit_state_run(
    plan: &Plan,
    state: &State,
    writer: state::RunWriter<'_>,
    outputs: Outputs,
    summary: &mut RunSummary,
    tally: &StateTally,
) -> Result<()> {
    let record = RunRecord {
        run: writer.run(),
        output_dir: std::path::absolute(outputs.dir())
            .unwrap_or_else(|_| outputs.dir().to_path_buf()),
        staging_dir: outputs.staging_name(),
        kept: summary.counts.kept,
        duplicates: summary.counts.duplicates,
        rejected: summary.counts.rejected,
        files_read: tally.files_read,
        files_unchanged: tally.files_unchanged,
    };
    summary.state = Some(StateFacts {
        path: state.path().display().to_string(),
        run: record.run,
        files_unchanged: tally.files_unchanged,
        kept_new: tally.kept_new,
        outcome: StateOutcome::Committed,
    });
    if let Some(table) = plan.boilerplate_table.get() {
        writer.remember_boilerplate(table)?;
    }
    let staged = outputs.stage(summary)?;
    crash_point("staged");
    writer.commit(&record)?;
    crash_point("committed");
    staged.publish()
}

/// The worker pool of `plan.threads` threads.
pub(crate) fn thread_pool(plan: &Plan) -> Result<rayon::ThreadPool> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(plan.threads)
        .build()
        .map_err(|e| Error::ThreadPool {
            threads: plan.threads,
            message: e.to_string(),
        })
}

/// The facts of this execution for `report.json`'s `run` section.
pub(crate) fn run_facts(
    plan: &Plan,
    summary: &RunSummary,
    started: Instant,
    resumed_after_inputs: Option<u64>,
) -> RunFacts {
    let elapsed = started.elapsed().as_secs_f64();
    RunFacts {
        scour_version: env!("CARGO_PKG_VERSION"),
        threads: plan.threads,
        elapsed_seconds: elapsed,
        files_per_second: summary.counts.seen as f64 / elapsed.max(1e-9),
        megabytes_per_second: summary.bytes.input as f64 / 1e6 / elapsed.max(1e-9),
        resumed_after_inputs,
    }
}

/// Puts back the counts a checkpoint saved.
fn restore(
    checkpoint: &Checkpoint,
    summary: &mut RunSummary,
    tally: &mut StateTally,
    progress: &mut Progress,
) {
    let counts = &mut summary.counts;
    counts.seen = checkpoint.seen;
    counts.kept = checkpoint.kept;
    counts.duplicates = checkpoint.duplicates;
    counts.rejected = checkpoint.rejected;
    for (code, n) in counts.rejected_by_reason.iter_mut() {
        *n = checkpoint
            .rejected_by_reason
            .get(*code)
            .copied()
            .unwrap_or(0);
    }
    summary.bytes.input = checkpoint.bytes_in;
    summary.bytes.text_out = checkpoint.text_out;
    summary.cleaning = checkpoint.cleaning;
    tally.files_read = checkpoint.files_read;
    tally.files_unchanged = checkpoint.files_unchanged;
    tally.kept_new = checkpoint.kept_new;
    if tally.boilerplate_removed.len() == checkpoint.boilerplate_removed.len() {
        tally
            .boilerplate_removed
            .clone_from(&checkpoint.boilerplate_removed);
    }
    progress.files = checkpoint.progress_files;
    progress.bytes = checkpoint.progress_bytes;
}

/// The first pass of boilerplate removal: every article cleaned (in parallel, as in the real
/// pass) and its short lines counted per site. Nothing is written.
fn learn_boilerplate(
    plan: &Plan,
    bp: &boilerplate::BoilerplatePlan,
    pool: &rayon::ThreadPool,
    manifest: Option<&Manifest>,
    skip_dir: Option<std::path::PathBuf>,
) -> std::collections::BTreeMap<(String, String), u32> {
    let mut learner = boilerplate::Learner::default();
    let mut walk = discover::walk(plan, skip_dir).flat_map(|found| expand(plan, found, manifest));
    loop {
        let batch = next_batch(&mut walk);
        if batch.is_empty() {
            break;
        }
        let articles: Vec<Vec<(String, Vec<String>)>> = pool.install(|| {
            batch
                .into_par_iter()
                .map(|found| {
                    process(plan, found)
                        .into_iter()
                        .filter_map(|outcome| match outcome {
                            Outcome::Cleaned(cleaned) => Some((
                                cleaned.site,
                                boilerplate::candidate_lines(bp, &cleaned.article.text)
                                    .into_iter()
                                    .map(str::to_string)
                                    .collect(),
                            )),
                            _ => None,
                        })
                        .collect()
                })
                .collect()
        });
        for (site, lines) in articles.into_iter().flatten() {
            let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
            learner.add(bp, &site, &lines);
        }
    }
    learner.into_learned()
}

/// Dies on the spot, as `kill -9` would, when `SCOUR_CRASH_AT` names this point: the crash
/// tests use it to stop a real run exactly between two steps of its commit (and a shard task,
/// `shard-I`, as it starts).
pub(crate) fn crash_point(name: &str) {
    static CRASH_AT: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    let crash_at = CRASH_AT.get_or_init(|| std::env::var("SCOUR_CRASH_AT").ok());
    if crash_at.as_deref() == Some(name) {
        std::process::abort();
    }
}

/// What the nightly state saw of this run's files.
#[derive(Debug, Default)]
pub(crate) struct StateTally {
    pub(crate) files_read: u64,
    pub(crate) files_unchanged: u64,
    pub(crate) kept_new: u64,
    /// Kept articles each learned boilerplate line was removed from, by table index.
    pub(crate) boilerplate_removed: Vec<u64>,
}

/// Where duplicates are decided: in memory for a run that stands alone, or against every
/// earlier run in the state.
pub(crate) enum Decider<'a, 't> {
    Memory(&'a mut MemoryIndex, &'a mut MemoryNear),
    // One per batch, so its size does not matter.
    State(Box<RunBatch<'t>>),
}

/// What became of a cleaned article.
enum Decision {
    Kept,
    Exact(RecordId),
    Near(RecordId, f64),
}

impl Decider<'_, '_> {
    /// Decides one article, in sorted order: an exact copy of a kept article, else a near copy
    /// of one, else kept. Only kept articles are candidates, so a cluster's first article in
    /// sorted order is the one kept.
    fn decide(
        &mut self,
        plan: &Plan,
        content: &ContentHash,
        signature: Option<&[u32]>,
        id: RecordId,
    ) -> Decision {
        if plan.dedup_exact {
            let known = match self {
                Decider::Memory(index, _) => index.get(content),
                Decider::State(batch) => batch.get(content),
            };
            if let Some(kept) = known {
                return Decision::Exact(kept);
            }
        }
        let near = plan.near.as_ref().zip(signature);
        if let Some((near_plan, signature)) = near {
            let found = match self {
                Decider::Memory(_, index) => index.find(near_plan, signature),
                Decider::State(batch) => batch.find_near(near_plan, signature),
            };
            if let Some((kept, similarity)) = found {
                // A later exact copy of this text points at the record that was kept.
                self.insert(plan, content, kept);
                return Decision::Near(kept, similarity);
            }
        }
        self.insert(plan, content, id);
        if let Some((near_plan, signature)) = near {
            match self {
                Decider::Memory(_, index) => index.insert(near_plan, id, signature.into()),
                Decider::State(batch) => batch.insert_near(near_plan, id, signature),
            }
        }
        Decision::Kept
    }

    fn insert(&mut self, plan: &Plan, content: &ContentHash, id: RecordId) {
        if !plan.dedup_exact {
            return;
        }
        match self {
            Decider::Memory(index, _) => index.insert(content, id),
            Decider::State(batch) => batch.insert(content, id),
        }
    }
}

/// Large JSON Lines dumps and WARC archives become a stream of chunks of whole records, read
/// here on the walker's thread so that no dump is ever whole in memory; everything else passes
/// through.
pub(crate) fn expand<'p>(
    plan: &'p Plan,
    found: Discovered,
    manifest: Option<&Manifest>,
) -> Box<dyn Iterator<Item = Discovered> + Send + 'p> {
    let Discovered::File(mut source) = found else {
        return Box::new(std::iter::once(found));
    };
    if let Some(known) = manifest.and_then(|m| m.get(&source.source)) {
        if known.size == source.size && known.modified_ns == source.modified_ns {
            return Box::new(std::iter::once(Discovered::Unchanged {
                source: source.source,
            }));
        }
        source.known = Some(known);
    }
    if source.size <= plan.stream_above_bytes {
        return Box::new(std::iter::once(Discovered::File(source)));
    }
    let mut reader = match open_decompressed(&source.path) {
        Ok(reader) => reader,
        Err(error) => {
            return Box::new(std::iter::once(Discovered::Problem {
                source: source.source,
                reason: RejectReason::Unreadable,
                detail: error.to_string(),
            }));
        }
    };
    let chunk_bytes = usize::try_from(plan.stream_above_bytes)
        .unwrap_or(usize::MAX)
        .min(4 << 20);
    let is_warc = reader.fill_buf().is_ok_and(warc_dump::looks_like_warc);
    if !is_warc && !streams_by_name(plan, &source.path) {
        return Box::new(std::iter::once(Discovered::File(source)));
    }
    // A streamed file is remembered by size and time only (its bytes are never whole), after
    // its last chunk: a checkpoint never falls inside it.
    let remembered = manifest.map(|_| Discovered::Streamed {
        source: source.source.clone(),
        stamp: FileStamp {
            size: source.size,
            modified_ns: source.modified_ns,
            content: 0,
        },
    });
    if is_warc {
        let responses = warc_dump::Responses::new(reader, plan.max_decompressed_bytes);
        return Box::new(
            warc_dump::chunks(responses, source.source, chunk_bytes, source.size)
                .map(Discovered::WarcChunk)
                .chain(remembered),
        );
    }
    let file_source = source.source.clone();
    let chunks = records::ChunkReader::new(reader, source.source, chunk_bytes, source.size);
    Box::new(
        remembered
            .into_iter()
            .chain(chunks.map(move |chunk| match chunk {
                Ok(chunk) => Discovered::Chunk(chunk),
                Err((line, error)) => Discovered::Problem {
                    source: format!("{file_source}#{line}"),
                    reason: RejectReason::Corrupt,
                    detail: format!("reading stopped here: {error}"),
                },
            })),
    )
}

/// JSON Lines dumps (not `.json`, which may be one array) by name, under any compression.
fn streams_by_name(plan: &Plan, path: &Path) -> bool {
    let mut name = path;
    if let Some(extension) = name.extension().and_then(|e| e.to_str()) {
        if ["gz", "zst", "bz2", "xz"]
            .iter()
            .any(|c| extension.eq_ignore_ascii_case(c))
        {
            name = Path::new(name.file_stem().unwrap_or_default());
        }
    }
    name.extension().and_then(|e| e.to_str()).is_some_and(|e| {
        !e.eq_ignore_ascii_case("json")
            && plan
                .json_extensions
                .iter()
                .any(|j| j.eq_ignore_ascii_case(e))
    })
}

/// A buffered reader of a file's contents, decompressed as its first bytes say.
fn open_decompressed(path: &Path) -> std::io::Result<Box<dyn std::io::BufRead + Send>> {
    use std::io::{BufRead, BufReader};
    let mut file = BufReader::with_capacity(1 << 20, File::open(path)?);
    Ok(match decompress::detect(file.fill_buf()?) {
        None => Box::new(file),
        Some(format) => Box::new(BufReader::with_capacity(
            1 << 20,
            decompress::reader(file, format)?,
        )),
    })
}

/// Input bytes a walk item brings into a batch.
pub(crate) fn discovered_bytes(found: &Discovered) -> u64 {
    match found {
        Discovered::File(source) => source.size,
        Discovered::Chunk(chunk) => chunk.bytes.len() as u64,
        Discovered::WarcChunk(chunk) => chunk
            .responses
            .iter()
            .map(|r| {
                r.as_ref()
                    .map_or(0, |r| r.message.as_ref().map_or(0, Vec::len))
            })
            .sum::<usize>() as u64,
        Discovered::Problem { .. } | Discovered::Unchanged { .. } | Discovered::Streamed { .. } => {
            0
        }
    }
}

fn next_batch(walk: &mut impl Iterator<Item = Discovered>) -> Vec<Discovered> {
    let mut batch = Vec::with_capacity(BATCH_FILES);
    let mut bytes = 0;
    while batch.len() < BATCH_FILES && bytes < BATCH_BYTES {
        let Some(found) = walk.next() else { break };
        bytes += discovered_bytes(&found);
        batch.push(found);
    }
    batch
}

/// How much a written batch accounted for.
pub(crate) struct Written {
    files: u64,
    bytes: u64,
}

/// Decides duplicates and writes one batch, in input order.
pub(crate) fn write_batch(
    plan: &Plan,
    outcomes: Vec<Vec<Outcome>>,
    index: &mut Decider<'_, '_>,
    outputs: &mut Outputs,
    summary: &mut RunSummary,
    tally: &mut StateTally,
) -> Result<Written> {
    let mut written = Written { files: 0, bytes: 0 };
    written.files = outcomes.len() as u64;
    for outcome in outcomes.into_iter().flatten() {
        match outcome {
            Outcome::FileRead { source, stamp } => {
                if let Decider::State(batch) = index {
                    batch.record_file(&source, stamp);
                }
                tally.files_read += 1;
            }
            Outcome::Unchanged => tally.files_unchanged += 1,
            Outcome::Rejected {
                source,
                reason,
                detail,
                bytes_in,
            } => {
                written.bytes += bytes_in;
                summary.bytes.input += bytes_in;
                summary.counts.reject(reason);
                outputs.rejects.write(&RejectRecord {
                    source: &source,
                    reason,
                    detail: &detail,
                })?;
            }
            Outcome::Cleaned(cleaned) => {
                written.bytes += cleaned.bytes_in;
                summary.bytes.input += cleaned.bytes_in;
                summary.counts.seen += 1;
                let id = dedup::record_id(&cleaned.source, &cleaned.dedup_hash);
                let decision =
                    index.decide(plan, &cleaned.dedup_hash, cleaned.signature.as_deref(), id);
                let sha256 = dedup::hex(&cleaned.sha256);
                let (kept, kind, similarity) = match decision {
                    Decision::Kept => (None, DuplicateKind::Exact, None),
                    Decision::Exact(kept) => (Some(kept), DuplicateKind::Exact, None),
                    Decision::Near(kept, similarity) => (
                        Some(kept),
                        DuplicateKind::Near,
                        Some(near::rounded(similarity)),
                    ),
                };
                match kept {
                    None => {
                        summary.counts.kept += 1;
                        tally.kept_new += 1;
                        for &line in &cleaned.boilerplate_removed {
                            if let Some(count) = tally.boilerplate_removed.get_mut(line as usize) {
                                *count += 1;
                            }
                        }
                        summary.cleaning.add(&cleaned.article.stats);
                        summary.bytes.text_out += cleaned.article.text.len() as u64;
                        let article = &cleaned.article;
                        let record = CleanRecord {
                            id: &id.to_string(),
                            source: &cleaned.source,
                            title: article.title.as_deref(),
                            date: article.date.as_deref(),
                            text: &article.text,
                            captions: &article.captions,
                            sha256: &sha256,
                            format: article.format,
                            encoding: cleaned.encoding,
                            url: article.url.as_deref(),
                            author: article.author.as_deref(),
                            language: article.language.as_deref(),
                            site_name: article.site_name.as_deref(),
                            crawl_date: article.crawl_date.as_deref(),
                        };
                        outputs.clean.write_with(|line| record.write_json(line))?;
                    }
                    Some(kept) => {
                        summary.counts.duplicates += 1;
                        outputs.duplicates.write(&DuplicateRecord {
                            source: &cleaned.source,
                            duplicate_of: &kept.to_string(),
                            sha256: &sha256,
                            kind,
                            similarity,
                        })?;
                    }
                }
            }
        }
    }
    Ok(written)
}

/// Reads, decodes, cleans and hashes one input — one outcome per article it holds (a JSON dump
/// holds many). Never fails: a problem is a reject.
pub(crate) fn process(plan: &Plan, found: Discovered) -> Vec<Outcome> {
    let source = match found {
        Discovered::File(source) => source,
        Discovered::Chunk(chunk) => return process_chunk(plan, chunk),
        Discovered::WarcChunk(chunk) => {
            return process_warc(plan, chunk.source, chunk.responses, chunk.bytes_in);
        }
        Discovered::Unchanged { .. } => return vec![Outcome::Unchanged],
        Discovered::Streamed { source, stamp } => return vec![Outcome::FileRead { source, stamp }],
        Discovered::Problem {
            source,
            reason,
            detail,
        } => {
            return vec![Outcome::Rejected {
                source,
                reason,
                detail,
                bytes_in: 0,
            }];
        }
    };
    let remember = plan.state_path.is_some();
    let stamp = |content| FileStamp {
        size: source.size,
        modified_ns: source.modified_ns,
        content,
    };
    let loaded = match load(plan, &source, remember) {
        Ok(loaded) => loaded,
        Err((reason, detail, bytes_in)) => {
            let mut outcomes = Vec::with_capacity(2);
            // A file that could not be opened or read is tried again next night.
            if remember && reason != RejectReason::Unreadable {
                outcomes.push(Outcome::FileRead {
                    source: source.source.clone(),
                    stamp: stamp(0),
                });
            }
            outcomes.push(Outcome::Rejected {
                source: source.source,
                reason,
                detail,
                bytes_in,
            });
            return outcomes;
        }
    };
    let mut outcomes = Vec::with_capacity(2);
    if remember {
        let today = stamp(loaded.content);
        outcomes.push(Outcome::FileRead {
            source: source.source.clone(),
            stamp: today,
        });
        // Touched or copied, but the same bytes: still delivered.
        if source.known.is_some_and(|known| today.same_file(&known)) {
            outcomes.push(Outcome::Unchanged);
            return outcomes;
        }
    }
    if let Some(archive) = loaded.warc {
        let responses = warc_dump::responses(&archive, plan.max_decompressed_bytes);
        outcomes.extend(process_warc(
            plan,
            source.source,
            responses,
            loaded.bytes_in,
        ));
        return outcomes;
    }
    if loaded.json_dump {
        outcomes.extend(process_dump(plan, source.source, loaded));
        return outcomes;
    }
    let format = if loaded.html_by_name || html::looks_like_html_document(&loaded.text) {
        InputFormat::Html
    } else {
        InputFormat::Text
    };
    let article = Article::new(format, loaded.text);
    outcomes.push(clean(
        plan,
        source.source,
        article,
        loaded.encoding,
        loaded.bytes_in,
    ));
    outcomes
}

/// A file's text, ready for the stages.
struct Loaded {
    text: String,
    encoding: &'static str,
    bytes_in: u64,
    /// Named like a page (`.html`, also under `.gz`).
    html_by_name: bool,
    /// Named like a JSON dump (`.jsonl`, also under `.gz`).
    json_dump: bool,
    /// A WARC archive's bytes: its payloads are decoded one by one, each with its own charset.
    warc: Option<Vec<u8>>,
    /// xxh3-128 of the file's bytes as stored, for the nightly state; 0 when not asked for.
    content: u128,
}

/// Reads, decompresses and decodes a file, or says why it cannot be:
/// `(reason, detail, bytes read)`.
fn load(
    plan: &Plan,
    source: &Source,
    fingerprint: bool,
) -> Result<Loaded, (RejectReason, String, u64)> {
    if source.size > plan.max_file_bytes {
        let detail = format!(
            "{} bytes is more than input.max_file_bytes = {}",
            source.size, plan.max_file_bytes
        );
        return Err((RejectReason::TooLarge, detail, 0));
    }
    let bytes = match read_limited(source, plan.max_file_bytes) {
        Ok(Some(bytes)) => bytes,
        Ok(None) => {
            let detail = format!(
                "grew past input.max_file_bytes = {} while being read",
                plan.max_file_bytes
            );
            return Err((RejectReason::TooLarge, detail, 0));
        }
        Err(error) => return Err((RejectReason::Unreadable, error.to_string(), 0)),
    };
    let bytes_in = bytes.len() as u64;
    // A fast non-cryptographic hash: it only tells a touched file from an edited one.
    let content = if fingerprint {
        xxhash_rust::xxh3::xxh3_128(&bytes).max(1)
    } else {
        0
    };
    let compression = decompress::detect(&bytes);
    let bytes = match compression {
        None => bytes,
        Some(format) => match decompress::decompress(&bytes, format, plan.max_decompressed_bytes) {
            Ok(expanded) => expanded,
            Err(DecompressFailure::TooLarge { limit }) => {
                let detail = format!(
                    "{} data expands past input.max_decompressed_bytes = {limit}",
                    format.extension()
                );
                return Err((RejectReason::TooLarge, detail, bytes_in));
            }
            Err(DecompressFailure::Corrupt(what)) => {
                let detail = format!("{} data does not decompress: {what}", format.extension());
                return Err((RejectReason::Corrupt, detail, bytes_in));
            }
        },
    };
    // `page.html.gz` is a page: the name that counts is the one under the compression's.
    let mut name_path = source.path.as_path();
    if let Some(format) = compression {
        if name_path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case(format.extension()))
        {
            name_path = Path::new(name_path.file_stem().unwrap_or_default());
        }
    }
    let extension = name_path.extension().and_then(|e| e.to_str()).unwrap_or("");
    let named = |list: &[String]| list.iter().any(|e| e.eq_ignore_ascii_case(extension));
    let html_by_name = named(&plan.html_extensions);
    let json_dump = named(&plan.json_extensions);
    if extension.eq_ignore_ascii_case("warc") || warc_dump::looks_like_warc(&bytes) {
        return Ok(Loaded {
            text: String::new(),
            encoding: "",
            bytes_in,
            html_by_name,
            json_dump,
            warc: Some(bytes),
            content,
        });
    }
    let declared = if json_dump {
        None
    } else {
        decode::sniff_html_charset(&bytes).map(str::to_owned)
    };
    let decoded = match decode::decode(bytes, declared.as_deref()) {
        Ok(decoded) => decoded,
        Err(failure) => {
            let (reason, detail) = decode_failure(failure);
            return Err((reason, detail, bytes_in));
        }
    };
    Ok(Loaded {
        text: normalize_line_endings(decoded.text),
        encoding: decoded.encoding,
        bytes_in,
        html_by_name,
        json_dump,
        warc: None,
        content,
    })
}

fn decode_failure(failure: DecodeFailure) -> (RejectReason, String) {
    match failure {
        DecodeFailure::Empty => (RejectReason::Empty, "no bytes".to_string()),
        DecodeFailure::Binary(what) => (RejectReason::Binary, what),
        DecodeFailure::Encoding(what) => (RejectReason::Encoding, what),
    }
}

/// One outcome per HTTP response of a WARC archive (or a chunk of one), in record order; the
/// file's bytes are counted once, on its first outcome.
fn process_warc(
    plan: &Plan,
    file_source: String,
    responses: Vec<warc_dump::Item>,
    bytes_in: u64,
) -> Vec<Outcome> {
    if responses.is_empty() {
        return vec![Outcome::Rejected {
            source: file_source,
            reason: RejectReason::NoText,
            detail: "the archive holds no response records".into(),
            bytes_in,
        }];
    }
    let mut bytes_in = bytes_in;
    responses
        .into_iter()
        .map(|item| {
            let bytes = std::mem::take(&mut bytes_in);
            let reject = |source, (reason, detail)| Outcome::Rejected {
                source,
                reason,
                detail,
                bytes_in: bytes,
            };
            let response = match item {
                Ok(response) => response,
                Err((position, detail)) => {
                    let detail = format!("WARC record {position} cannot be read: {detail}");
                    let source = format!("{file_source}#{position}");
                    return reject(source, (RejectReason::Malformed, detail));
                }
            };
            let source = format!("{file_source}#{}", response.position);
            let payload = match response
                .message
                .and_then(|message| warc_dump::http_payload(&message, plan.max_decompressed_bytes))
            {
                Ok(payload) => payload,
                Err(why) => return reject(source, why),
            };
            let declared = payload
                .charset
                .clone()
                .or_else(|| decode::sniff_html_charset(&payload.body).map(str::to_owned));
            let decoded = match decode::decode(payload.body, declared.as_deref()) {
                Ok(decoded) => decoded,
                Err(failure) => return reject(source, decode_failure(failure)),
            };
            let text = normalize_line_endings(decoded.text);
            let format = if payload.html || html::looks_like_html_document(&text) {
                InputFormat::Html
            } else {
                InputFormat::Text
            };
            let mut article = Article::new(format, text);
            // Known before cleaning, so that the site of the article is its host.
            article.url.clone_from(&response.url);
            let mut outcome = clean(plan, source, article, decoded.encoding, bytes);
            if let Outcome::Cleaned(cleaned) = &mut outcome {
                cleaned.article.url = response.url;
                cleaned.article.crawl_date = response.crawl_date;
            }
            outcome
        })
        .collect()
}

/// One outcome per record of a JSON dump, in record order. The file's bytes are counted once,
/// on its first outcome.
fn process_dump(plan: &Plan, file_source: String, loaded: Loaded) -> Vec<Outcome> {
    process_records(
        plan,
        file_source,
        &loaded.text,
        loaded.encoding,
        loaded.bytes_in,
        1,
    )
}

/// A streamed piece of a large JSON Lines dump: its records, numbered from its first line.
fn process_chunk(plan: &Plan, chunk: records::DumpChunk) -> Vec<Outcome> {
    let first = format!("{}#{}", chunk.source, chunk.first_line);
    match decode::decode(chunk.bytes, None) {
        Ok(decoded) => {
            let text = normalize_line_endings(decoded.text);
            process_records(
                plan,
                chunk.source,
                &text,
                decoded.encoding,
                chunk.bytes_in,
                chunk.first_line,
            )
        }
        Err(failure) => {
            let (reason, detail) = decode_failure(failure);
            vec![Outcome::Rejected {
                source: first,
                reason,
                detail: format!("the lines from here to the next chunk: {detail}"),
                bytes_in: chunk.bytes_in,
            }]
        }
    }
}

/// One outcome per record of dump text whose first line is `first_line`.
fn process_records(
    plan: &Plan,
    file_source: String,
    text: &str,
    encoding: &'static str,
    bytes_in: u64,
    first_line: usize,
) -> Vec<Outcome> {
    let records = match records::split_from(text, &plan.json_fields, first_line) {
        Ok(records) => records,
        Err(detail) => {
            return vec![Outcome::Rejected {
                source: file_source,
                reason: RejectReason::Malformed,
                detail,
                bytes_in,
            }];
        }
    };
    if records.is_empty() {
        let source = if first_line == 1 {
            file_source
        } else {
            format!("{file_source}#{first_line}")
        };
        return vec![Outcome::Rejected {
            source,
            reason: RejectReason::NoText,
            detail: "no records (only blank lines)".into(),
            bytes_in,
        }];
    }
    let mut bytes_in = bytes_in;
    let fields = &plan.json_fields;
    // Titles from a field are cleaned as the configured markup stage cleans text.
    let markup = plan
        .stages
        .iter()
        .find_map(|stage| match stage {
            Stage::Markup(markup) => Some(markup.clone()),
            _ => None,
        })
        .unwrap_or(MarkupStage {
            strip_tags: false,
            decode_entities: false,
        });
    records
        .into_iter()
        .map(|record| {
            let source = format!("{file_source}#{}", record.position);
            let bytes = std::mem::take(&mut bytes_in);
            let fields_found = match record.fields {
                Ok(found) => found,
                Err(detail) => {
                    return Outcome::Rejected {
                        source,
                        reason: RejectReason::Malformed,
                        detail,
                        bytes_in: bytes,
                    };
                }
            };
            let article = match (fields_found.text, fields_found.html) {
                (Some(text), _) => {
                    let format = if html::looks_like_html_document(&text) {
                        InputFormat::Html
                    } else {
                        InputFormat::Text
                    };
                    Article::new(format, normalize_line_endings(text))
                }
                (None, Some(html)) => Article::new(InputFormat::Html, html),
                (None, None) => {
                    let detail = format!(
                        "no text or HTML field (looked for {} and {})",
                        fields.text.join(", "),
                        fields.html.join(", ")
                    );
                    return Outcome::Rejected {
                        source,
                        reason: RejectReason::NoText,
                        detail,
                        bytes_in: bytes,
                    };
                }
            };
            let mut article = article;
            article.url.clone_from(&fields_found.url);
            let mut outcome = clean(plan, source, article, encoding, bytes);
            if let Outcome::Cleaned(cleaned) = &mut outcome {
                // The record's own metadata wins over what the stages found in its text.
                let article = &mut cleaned.article;
                if let Some(title) = fields_found.title {
                    article.title = header::clean_title(&title, &markup, &mut article.stats);
                }
                if let Some(date) = fields_found
                    .date
                    .as_deref()
                    .and_then(header::normalize_date)
                {
                    article.date = Some(date);
                }
                article.url = fields_found.url;
            }
            outcome
        })
        .collect()
}

/// Runs the stages on one article and hashes it, or says why nothing is left.
fn clean(
    plan: &Plan,
    source: String,
    mut article: Article,
    encoding: &'static str,
    bytes_in: u64,
) -> Outcome {
    let reject = |source, reason, detail| Outcome::Rejected {
        source,
        reason,
        detail,
        bytes_in,
    };
    let cleaned = catch_unwind(AssertUnwindSafe(|| {
        stages::run_all(&plan.stages, &mut article);
    }));
    if let Err(panic) = cleaned {
        let message = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        let detail =
            format!("scour failed while cleaning this file (a bug; please report): {message}");
        return reject(source, RejectReason::Internal, detail);
    }
    if article.text.is_empty() {
        let detail = if article.captions.is_empty() {
            "nothing is left after cleaning".to_string()
        } else {
            format!(
                "only photo captions ({}) remain, and captions.mode moved them out of the text",
                article.captions.len()
            )
        };
        return reject(source, RejectReason::NoText, detail);
    }
    let dedup_hash = dedup::hash_text(&article.text);
    let signature = plan
        .near
        .as_ref()
        .map(|near| near::signature(near, &article.text));
    let site = match &plan.boilerplate {
        Some(_) => boilerplate::site_of(&source, article.url.as_deref()),
        None => String::new(),
    };
    let mut sha256 = dedup_hash;
    let mut boilerplate_removed = Vec::new();
    if let Some(table) = plan.boilerplate_table.get() {
        if let Some((text, removed)) = table.remove(&site, &article.text) {
            if text.is_empty() {
                let detail = format!(
                    "only lines of the site's boilerplate ({}) remain",
                    removed.len()
                );
                return reject(source, RejectReason::NoText, detail);
            }
            article.text = text;
            sha256 = dedup::hash_text(&article.text);
            boilerplate_removed = removed;
        }
    }
    Outcome::Cleaned(Box::new(Cleaned {
        source,
        article,
        sha256,
        dedup_hash,
        site,
        boilerplate_removed,
        signature,
        encoding,
        bytes_in,
    }))
}

/// Reads at most `limit` bytes; `None` if the file holds more.
fn read_limited(source: &Source, limit: u64) -> std::io::Result<Option<Vec<u8>>> {
    let file = crate::at_dir::open(&source.path)?;
    let mut bytes = Vec::with_capacity(source.size.min(limit) as usize + 1);
    file.take(limit + 1).read_to_end(&mut bytes)?;
    Ok((bytes.len() as u64 <= limit).then_some(bytes))
}

/// CRLF and lone CR become LF; every stage relies on `\n` alone.
fn normalize_line_endings(text: String) -> String {
    // memchr's vectorised search: `str::contains` scans a byte at a time in places, and this
    // runs over every text, where a CR is rare.
    if memchr::memchr(b'\r', text.as_bytes()).is_none() {
        return text;
    }
    text.replace("\r\n", "\n").replace('\r', "\n")
}

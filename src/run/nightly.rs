//! The beginning and the end of a run with a nightly state: what earlier attempts left is
//! settled first, and the end is the order that makes a kill at any point safe.
//!
//! The outputs are written and synced in a staging directory, then the state's transaction
//! commits (the one moment the run becomes real), then the files are published by rename.
//! Killed before the commit, the state is untouched and the same command redoes the run into
//! the same directory with the same result; killed after it, the same command finds the
//! committed run and finishes publishing its staged files. Shared by one-machine runs and the
//! finalize of a sharded run.

use std::path::{Path, PathBuf};

use crate::config::Plan;
use crate::crash::crash_point;
use crate::error::Result;
use crate::output::{self, Outputs};
use crate::report::figures::{self, Night};
use crate::report::{RunSummary, StateFacts, StateOutcome};
use crate::state::{self, RunRecord, RunWriter, State};

use super::checkpoint::Checkpoint;
use super::write::StateTally;

/// What a run with state is to do.
pub(crate) enum StatePrep {
    /// Nothing more: the run was already complete, or this invocation finished publishing a
    /// committed one.
    Done(Box<RunSummary>),
    /// A run into `output_dir`, from a checkpoint if one applies.
    Run {
        output_dir: PathBuf,
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
        backup: None,
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
                    && checkpoint.walk_prefix_matches(plan) =>
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

/// The outputs of a run that starts afresh; with a state, staged under the run's name, so
/// that a resumed or finishing attempt finds them.
pub(crate) fn new_outputs(
    plan: &Plan,
    output_dir: &Path,
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

/// Every committed night of `state`, oldest first, for the report's trend.
pub fn state_nights(state: &State) -> Result<Vec<Night>> {
    Ok(nights_of(&state.runs()?))
}

/// The trend's nights from the state's run records. A night's kept articles are new to the
/// state, and forgetting a night forgets them, so the state's articles after a night are the
/// sum of the kept articles of the nights up to it.
fn nights_of(records: &[RunRecord]) -> Vec<Night> {
    let mut articles = 0;
    records
        .iter()
        .map(|record| {
            articles += record.kept;
            Night {
                run: record.run,
                finished_at: record.finished_at.clone(),
                kept: record.kept,
                duplicates: record.duplicates,
                rejected: record.rejected,
                files_read: record.files_read,
                files_unchanged: record.files_unchanged,
                state_articles: Some(articles),
                state_bytes: record.state_bytes,
            }
        })
        .collect()
}

/// Ends a run with state: stages the outputs, commits the run's transaction with its record,
/// then publishes — the order that makes a kill at any point safe.
pub(crate) fn commit_state_run(
    plan: &Plan,
    state: &State,
    writer: RunWriter<'_>,
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
        finished_at: Some(figures::timestamp(std::time::SystemTime::now())),
        state_bytes: std::fs::metadata(state.path()).ok().map(|m| m.len()),
    };
    let mut records = state.runs()?;
    records.push(record.clone());
    summary.nights = Some(nights_of(&records));
    summary.state = Some(StateFacts {
        path: state.path().display().to_string(),
        run: record.run,
        files_unchanged: tally.files_unchanged,
        kept_new: tally.kept_new,
        outcome: StateOutcome::Committed,
        backup: None,
    });
    if let Some(table) = plan.boilerplate_table.get() {
        writer.remember_boilerplate(table)?;
    }
    let staged = outputs.stage(summary, &super::provenance(plan))?;
    crash_point("staged");
    writer.commit(&record)?;
    crash_point("committed");
    staged.publish()
}

//! The run, start to finish: walk → parallel per-file work → decide → write.
//!
//! Inputs stream from the walk in sorted order in bounded batches ([`batches`]). Each batch is
//! cleaned in parallel on the rayon pool ([`process`]: read, stages, hash — pure functions of
//! one input) while the previous batch, already in order, is decided and written on the calling
//! side of a `rayon::join` ([`write`]). Results are collected in input order, so the output is
//! byte-identical for any thread count, and memory holds at most two batches plus the dedup
//! set. With a nightly state, [`nightly`] settles earlier attempts first and commits at the
//! end, and [`checkpoint`] saves long runs as they go; [`shard`] splits a run across machines.

mod batches;
mod checkpoint;
mod learn;
mod nightly;
mod process;
pub mod shard;
mod write;

use std::path::PathBuf;
use std::sync::mpsc::sync_channel;
use std::time::{Instant, SystemTime};

use rayon::prelude::*;

use crate::config::Plan;
use crate::crash::crash_point;
use crate::dedup::InMemory;
use crate::error::{Error, Result};
use crate::input::discover;
use crate::output::{self, Outputs};
use crate::report::figures::{self, StepNanos, ThroughputSample, ThroughputSampler};
use crate::report::{
    Counts, DuplicateKinds, InputTotals, Progress, Reporter, RunFacts, RunSummary,
};
use crate::state::State;
use batches::{WalkBatch, walk_batches};
use checkpoint::{Checkpoint, WalkPosition};
pub use nightly::state_nights;
use nightly::{StatePrep, commit_state_run, new_outputs, prepare_state_run};
use process::{Outcome, process};
use write::{Decider, StateTally, write_batch};

/// Runs the whole job described by `plan`.
///
/// With a nightly state, what earlier attempts left is settled first ([`nightly`]): a run
/// killed after its commit is finished, one killed before it is redone, from its last
/// checkpoint when one still applies.
pub fn run(plan: &Plan, reporter: &dyn Reporter) -> Result<RunSummary> {
    let Some(state_path) = &plan.state_path else {
        return run_once(plan, plan.output_dir.clone(), None, reporter, None);
    };
    let state = State::open(state_path)?;
    let mut summary = match prepare_state_run(plan, &state, true)? {
        StatePrep::Done(summary) => *summary,
        StatePrep::Run { output_dir, resume } => {
            run_once(plan, output_dir, Some(&state), reporter, resume.map(|c| *c))?
        }
    };
    // Closed cleanly, then copied: a last-good copy of the state after this night.
    let backup = state.close_with_backup(plan.state_backups)?;
    if let (Some(backup), Some(facts)) = (backup, summary.state.as_mut()) {
        facts.backup = Some(backup.display().to_string());
    }
    Ok(summary)
}

fn run_once(
    plan: &Plan,
    output_dir: PathBuf,
    state: Option<&State>,
    reporter: &dyn Reporter,
    resume: Option<Checkpoint>,
) -> Result<RunSummary> {
    let started = Instant::now();
    let started_at = SystemTime::now();
    let pool = thread_pool(plan)?;
    let mut outputs = match &resume {
        Some(checkpoint) => Outputs::resume(
            &output_dir,
            &checkpoint.staging_dir,
            plan.output_format,
            &checkpoint.writers,
        )?,
        None => new_outputs(plan, &output_dir, state)?,
    };
    let staging = outputs.staging_path().to_path_buf();
    // The checkpoint the state holds for this run, if any: (run, inputs it covers).
    let mut checkpointed: Option<(u64, u64)> = None;
    let skip_dir = outputs.dir().canonicalize().ok();
    let manifest = state.map(State::manifest).transpose()?;
    let mut writer = state.map(State::begin_run).transpose()?;
    let run_number = writer.as_ref().map(|w| w.run());
    if let (Some(run), Some(checkpoint)) = (run_number, &resume) {
        checkpointed = Some((run, checkpoint.walked));
    }

    let totals = reporter.wants_totals().then(|| {
        let (files, bytes) = discover::count(&plan.input, skip_dir.clone());
        InputTotals { files, bytes }
    });
    reporter.started(totals);
    let manifest = manifest.as_ref();
    learn::set_table(
        plan,
        state,
        resume.as_ref(),
        &pool,
        manifest,
        skip_dir.clone(),
    )?;

    let mut summary = RunSummary {
        counts: Counts::new(),
        ..RunSummary::default()
    };
    let mut tally = StateTally {
        boilerplate_removed: vec![0; plan.boilerplate_table.get().map_or(0, |t| t.lines().len())],
        ..StateTally::default()
    };
    let mut in_memory = InMemory::default();
    let mut progress = Progress::default();
    let mut skip = 0;
    if let Some(checkpoint) = &resume {
        checkpoint.restore(&mut summary, &mut tally, &mut progress);
        skip = checkpoint.walked;
    }
    let mut last_checkpoint = progress.files;
    let mut sampler = ThroughputSampler::default();
    let walked = std::thread::scope(|scope| -> Result<()> {
        // The walk (directory reads and a stat per file) runs on its own thread, a couple of
        // batches ahead, so the workers never wait for it. If writing fails, `batches` is
        // dropped, the walker's next send fails, and it stops.
        let (sender, batches) = sync_channel::<WalkBatch>(2);
        scope.spawn(move || walk_batches(plan, skip_dir, manifest, skip, sender));
        let mut ready: Vec<Vec<Outcome>> = Vec::new();
        let mut ready_at: Option<WalkPosition> = None;
        loop {
            if plan.cancel.is_cancelled() {
                return Err(Error::Cancelled {
                    inputs: progress.files,
                    resume: None,
                    staging: PathBuf::new(),
                });
            }
            let (batch, batch_at) = match batches.recv() {
                Ok(b) => (b.items, Some((b.walked, b.last_source, b.at_boundary))),
                Err(_) => (Vec::new(), None),
            };
            if batch.is_empty() && ready.is_empty() {
                return Ok(());
            }
            let to_write = std::mem::take(&mut ready);
            let written_at = std::mem::replace(&mut ready_at, batch_at);
            // The decider borrows the state's writer for this batch only, so that a
            // checkpoint can follow.
            let mut decider = match &writer {
                Some(writer) => Decider::State(Box::new(writer.batch()?)),
                None => Decider::Memory(&mut in_memory),
            };
            let ((cleaned, steps), written) = pool.install(|| {
                rayon::join(
                    || {
                        batch
                            .into_par_iter()
                            .map(|found| {
                                let mut steps = StepNanos::default();
                                (process(plan, found, &mut steps), steps)
                            })
                            .unzip::<_, _, Vec<_>, Vec<_>>()
                    },
                    || {
                        let (outputs, summary) = (&mut outputs, &mut summary);
                        write_batch(plan, to_write, &mut decider, outputs, summary, &mut tally)
                    },
                )
            });
            let written = written?;
            // The batch's step times, summed, are added once.
            for steps in &steps {
                tally.figures.steps.add(steps);
            }
            decider.finish()?;
            if let Some(manifest) = manifest {
                manifest.check()?;
            }
            ready = cleaned;
            progress.files += written.files;
            progress.bytes += written.bytes;
            if written.files > 0 {
                reporter.progressed(progress);
                sampler.record(ThroughputSample {
                    seconds: started.elapsed().as_secs_f64(),
                    files: progress.files,
                    bytes: progress.bytes,
                });
            }
            let due = plan.checkpoint_files > 0
                && progress.files - last_checkpoint >= plan.checkpoint_files;
            let at_boundary = written_at.as_ref().is_some_and(|at| at.2);
            if let (true, true, Some(at)) = (due, at_boundary, written_at) {
                if let Some(run) = writer.take() {
                    let walked = at.0;
                    let json =
                        Checkpoint::capture(plan, &mut outputs, at, &summary, &tally, progress)?;
                    checkpointed = Some((run.run(), walked));
                    writer = Some(run.checkpoint(&json)?);
                    last_checkpoint = progress.files;
                    crash_point("checkpointed");
                }
            }
        }
    });
    if let Err(error) = walked {
        // The transaction goes first (nothing of it is committed), then what was staged.
        drop_writer(writer, &staging);
        return Err(give_up(error, state, &staging, checkpointed));
    }

    summary.boilerplate = learn::report(plan, &tally);
    summary.distinct_texts = match &writer {
        Some(_) => tally.kept_new,
        None => in_memory.exact.len() as u64,
    };
    summary.run = run_facts(
        plan,
        &summary,
        (started, started_at),
        summary.run.resumed_after_inputs,
    );
    fill_figures(plan, &mut summary, &tally, sampler);
    end_run(
        plan,
        state,
        writer,
        outputs,
        &mut summary,
        &tally,
        &staging,
        checkpointed,
    )?;
    reporter.finished(&summary);
    Ok(summary)
}

/// Ends a run whose records are all written: with a state, stage, commit and publish; without,
/// stage and publish. What fails before the commit gives the run up ([`give_up`]); what fails
/// after it leaves the staged files for the next invocation to publish.
#[allow(clippy::too_many_arguments)]
pub(crate) fn end_run(
    plan: &Plan,
    state: Option<&State>,
    writer: Option<crate::state::RunWriter<'_>>,
    outputs: Outputs,
    summary: &mut RunSummary,
    tally: &StateTally,
    staging: &std::path::Path,
    checkpointed: Option<(u64, u64)>,
) -> Result<()> {
    match (state, writer) {
        (Some(state), Some(writer)) => {
            let run = writer.run();
            commit_state_run(plan, state, writer, outputs, summary, tally).map_err(|e| {
                // Committed, the staged files are the run's: the next invocation publishes
                // them. Not committed, they are nobody's.
                let committed = state.next_run().is_ok_and(|next| next > run);
                if committed {
                    e
                } else {
                    give_up(e, Some(state), staging, checkpointed)
                }
            })
        }
        _ => match outputs.stage(summary, &provenance(plan)) {
            // Whole and staged: a failed publish is redone by the next invocation.
            Ok(staged) => staged.publish(),
            Err(e) => Err(give_up(e, None, staging, None)),
        },
    }
}

/// Drops a run's uncommitted transaction after a failure; damage may make redb panic here too.
pub(crate) fn drop_writer(writer: Option<crate::state::RunWriter<'_>>, staging: &std::path::Path) {
    let _ = crate::state::damage::guard(staging, || {
        drop(writer);
        Ok(())
    });
}

/// A run that stops before its outputs are whole: the staging directory is removed (the
/// disk space is free again) and, with a state, the run's checkpoint abandoned — except when
/// the run was cancelled after a checkpoint, which the same command then resumes from.
pub(crate) fn give_up(
    error: Error,
    state: Option<&State>,
    staging: &std::path::Path,
    checkpointed: Option<(u64, u64)>,
) -> Error {
    if let (Error::Cancelled { inputs, .. }, Some(resume)) = (&error, checkpointed) {
        return Error::Cancelled {
            inputs: *inputs,
            resume: Some(resume),
            staging: staging.to_path_buf(),
        };
    }
    let written = output::remove_staging(staging);
    if let (Some(state), Some((run, _))) = (state, checkpointed) {
        // Its staged files are gone; the entries it committed must go with them.
        let _ = state.abandon(run);
    }
    match error {
        Error::Cancelled { inputs, .. } => Error::Cancelled {
            inputs,
            resume: None,
            staging: staging.to_path_buf(),
        },
        Error::Output { path, source } if output::is_no_space(&source) => Error::NoSpace {
            path,
            written,
            staging: staging.to_path_buf(),
        },
        other => other,
    }
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

/// How the data was made, for the dataset card: the same for any thread count or output
/// directory, so the card is as reproducible as the records.
pub(crate) fn provenance(plan: &Plan) -> crate::output::card::Provenance {
    crate::output::card::Provenance {
        scour_version: crate::VERSION.to_string(),
        config_hash: config_sha256(plan)[..16].to_string(),
        input_roots: plan
            .input
            .roots
            .iter()
            .map(|root| absolute(&root.path).display().to_string())
            .collect(),
    }
}

/// The configuration with where the run wrote left out (a nightly job writes a new directory
/// every night, and its configuration is still the same).
fn config_without_places(plan: &Plan) -> crate::config::RawConfig {
    let mut effective = plan.effective.clone();
    effective.output.dir = String::new();
    if let Some(path) = effective.state.path.as_mut() {
        path.clear();
    }
    effective
}

/// The one hash of a run's configuration, shown by the dataset card and report.json alike: only
/// what decides the records, so neither the thread count, the state's settings nor the output
/// directory change it.
fn config_sha256(plan: &Plan) -> String {
    use sha2::Digest;
    let mut settings = config_without_places(plan);
    settings.run = Default::default();
    // The roots are named beside the hash, as absolute paths; how a command line spelled them
    // (a Slurm run passes them absolute) changes no record.
    settings.input.roots.clear();
    // How often the state checkpoints or keeps backups changes no record.
    settings.state = Default::default();
    crate::dedup::hex(&sha2::Sha256::digest(
        crate::config::to_toml(&settings).as_bytes(),
    ))
}

/// The facts of this execution for `report.json`'s `run` section; `started` as a monotonic
/// and a wall-clock time.
pub(crate) fn run_facts(
    plan: &Plan,
    summary: &RunSummary,
    (started, started_at): (Instant, SystemTime),
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
        started_at: figures::timestamp(started_at),
        finished_at: figures::timestamp(SystemTime::now()),
    }
}

/// The report's figures from the run's tally: steps, throughput, sites, lengths, clusters,
/// reject details, and the configuration and inputs the run used.
pub(crate) fn fill_figures(
    plan: &Plan,
    summary: &mut RunSummary,
    tally: &StateTally,
    sampler: ThroughputSampler,
) {
    let figures = &tally.figures;
    let stage_names: Vec<&str> = plan.stages.iter().map(|stage| stage.name()).collect();
    summary.steps = figures.steps.seconds(&stage_names);
    summary.throughput = sampler.finish(ThroughputSample {
        seconds: summary.run.elapsed_seconds,
        files: summary.counts.seen,
        bytes: summary.bytes.input,
    });
    summary.sites = figures.site_table();
    summary.length_histogram = figures.length_histogram();
    summary.duplicate_clusters = figures.largest_clusters();
    summary.reject_details = figures.common_details();
    let (exact, near) = figures.duplicate_kinds();
    summary.duplicates_by_kind = DuplicateKinds { exact, near };
    // Where the run wrote is left out: the report names the outputs and the state itself.
    let effective = crate::config::to_toml(&config_without_places(plan));
    summary.config = figures::ConfigFacts {
        file: plan
            .config_file
            .as_deref()
            .map(|path| absolute(path).display().to_string()),
        sha256: config_sha256(plan),
        effective,
    };
    summary.input_roots = plan
        .input
        .roots
        .iter()
        .map(|root| absolute(&root.path).display().to_string())
        .collect();
}

fn absolute(path: &std::path::Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

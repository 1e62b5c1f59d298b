//! `scour slurm run`: drives a sharded run on an existing Slurm cluster.
//!
//! scour brings no scheduler of its own. This submits the two phases of a sharded run (see
//! `scour::run::shard`) as Slurm jobs — the shard tasks as one job array, the finalize as a job that
//! depends on it (`afterok`) — polls `squeue` until they are done, shows progress, and fails
//! loudly naming any task that failed, with its log. Shards already complete in the work
//! directory are not submitted again, so after a failure the same command reruns only what
//! is missing. The phases are ordinary `scour` commands, written out as the jobs' scripts, so
//! they can also be run by hand.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

use crate::cli::SlurmRunArgs;

/// Runs the whole sharded job; returns once the outputs are written.
pub fn run(args: &SlurmRunArgs) -> anyhow::Result<()> {
    let shards = args.shards;
    if shards == 0 {
        bail!("--shards must be at least 1");
    }
    let absolute = |path: &Path| std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let output = absolute(&args.output);
    let work = match &args.work {
        Some(work) => absolute(work),
        None => {
            let mut name = output.as_os_str().to_owned();
            name.push(".shards");
            PathBuf::from(name)
        }
    };
    let logs = work.join("logs");
    std::fs::create_dir_all(&logs).with_context(|| format!("cannot create {}", logs.display()))?;
    let exe = std::env::current_exe().context("cannot find the scour binary")?;

    // The common arguments of both phases, quoted for sh.
    let mut common = Vec::new();
    for input in &args.input {
        common.push("--input".to_string());
        common.push(quote(&absolute(input)));
    }
    if let Some(config) = &args.config {
        common.push("--config".to_string());
        common.push(quote(&absolute(config)));
    }
    if let Some(state) = &args.state {
        common.push("--state".to_string());
        common.push(quote(&absolute(state)));
    }
    common.push("--no-progress".to_string());
    let common = common.join(" ");
    let shard_script = work.join("shard.sh");
    std::fs::write(
        &shard_script,
        format!(
            "#!/bin/sh\n# One shard of a sharded scour run (its index from SLURM_ARRAY_TASK_ID).\n\
             exec {} run {common} --output {} --shard-count {shards} \
             --shard-index \"$SLURM_ARRAY_TASK_ID\"\n",
            quote(&exe),
            quote(&work)
        ),
    )?;
    let finalize_script = work.join("finalize.sh");
    std::fs::write(
        &finalize_script,
        format!(
            "#!/bin/sh\n# Merges the shards into the outputs one machine would write.\n\
             exec {} finalize {common} --shards {} --shard-count {shards} --output {}{}\n",
            quote(&exe),
            quote(&work),
            quote(&output),
            if args.force { " --force" } else { "" }
        ),
    )?;

    let missing: Vec<usize> = (0..shards)
        .filter(|&index| !shard_done(&work, index, shards))
        .collect();
    let mut jobs = Vec::new();
    let array_job = if missing.is_empty() {
        eprintln!(
            "scour: all {shards} shards are already complete in {}",
            work.display()
        );
        None
    } else {
        let list: Vec<String> = missing.iter().map(usize::to_string).collect();
        let job = sbatch(&[
            format!("--array={}", list.join(",")),
            "--job-name=scour-shard".into(),
            format!("--output={}/shard-%a.log", logs.display()),
            shard_script.display().to_string(),
        ])?;
        eprintln!(
            "scour: submitted shard tasks {} as job array {job}",
            list.join(",")
        );
        jobs.push(job.clone());
        Some(job)
    };
    let mut finalize_args = vec![
        "--job-name=scour-finalize".to_string(),
        format!("--output={}/finalize.log", logs.display()),
    ];
    if let Some(job) = &array_job {
        finalize_args.push(format!("--dependency=afterok:{job}"));
        finalize_args.push("--kill-on-invalid-dep=yes".into());
    }
    finalize_args.push(finalize_script.display().to_string());
    let finalize_job = sbatch(&finalize_args)?;
    eprintln!("scour: submitted the finalize as job {finalize_job}");
    jobs.push(finalize_job.clone());

    // Poll squeue rather than `sbatch --wait`: it lets us show progress and notice failures.
    let started = Instant::now();
    let mut last = String::new();
    loop {
        let queued = squeue(&jobs)?;
        let done = (0..shards)
            .filter(|&i| shard_done(&work, i, shards))
            .count();
        let line = format!("{done}/{shards} shards done, {queued} jobs queued or running");
        if line != last {
            eprintln!("scour: [{:>5.0} s] {line}", started.elapsed().as_secs_f64());
            last = line;
        }
        if queued == 0 {
            break;
        }
        std::thread::sleep(Duration::from_millis(500));
    }

    let failed: Vec<usize> = (0..shards)
        .filter(|&index| !shard_done(&work, index, shards))
        .collect();
    if !failed.is_empty() {
        let names: Vec<String> = failed
            .iter()
            .map(|i| format!("task {i} (log {}/shard-{i}.log)", logs.display()))
            .collect();
        bail!(
            "{} of {shards} shard tasks failed: {}; run the same command again to rerun only those",
            failed.len(),
            names.join(", ")
        );
    }
    if !output.join(scour::output::REPORT_FILE).is_file() {
        bail!(
            "the finalize job {finalize_job} failed; its log is {}/finalize.log",
            logs.display()
        );
    }
    eprintln!("scour: shards (from their done.json):");
    for index in 0..shards {
        let done = std::fs::read(work.join(shard_dir(index, shards)).join("done.json"))
            .ok()
            .and_then(|b| serde_json::from_slice::<scour::run::shard::ShardDone>(&b).ok());
        if let Some(done) = done {
            eprintln!(
                "  shard {index}: {} inputs, {} outcomes, {:.2} s",
                done.inputs, done.outcomes, done.seconds
            );
        }
    }
    eprintln!(
        "scour: done in {:.1} s; outputs in {}",
        started.elapsed().as_secs_f64(),
        output.display()
    );
    Ok(())
}

fn shard_dir(index: usize, count: usize) -> String {
    scour::run::shard::ShardSpec { index, count }.dir_name()
}

fn shard_done(work: &Path, index: usize, count: usize) -> bool {
    work.join(shard_dir(index, count))
        .join("done.json")
        .is_file()
}

/// Submits a job; its id.
fn sbatch(args: &[String]) -> anyhow::Result<String> {
    let output = Command::new("sbatch")
        .arg("--parsable")
        .args(args)
        .output()
        .context("cannot run sbatch: is this a Slurm cluster's login node?")?;
    if !output.status.success() {
        bail!(
            "sbatch {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    let id = String::from_utf8_lossy(&output.stdout).trim().to_string();
    Ok(id.split(';').next().unwrap_or_default().to_string())
}

/// How many of `jobs` (and their array tasks) are still queued or running.
fn squeue(jobs: &[String]) -> anyhow::Result<usize> {
    let output = Command::new("squeue")
        .args(["-h", "-o", "%i %T", "-j", &jobs.join(",")])
        .output()
        .context("cannot run squeue")?;
    // A job that has left the queue makes squeue fail with "Invalid job id" on some versions.
    let text = String::from_utf8_lossy(&output.stdout);
    Ok(text.lines().filter(|l| !l.trim().is_empty()).count())
}

/// `path` quoted for sh.
fn quote(path: &Path) -> String {
    format!("'{}'", path.display().to_string().replace('\'', "'\\''"))
}

//! The `scour` binary: parse the command line, pick the reporter, run, map errors to exit codes.
//!
//! Everything else is the library's; this file stays thin.

mod cli;
mod exit_code;
mod progress;
mod slurm;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::Context;
use clap::Parser;
use scour::config::{self, LoadedConfig, Overrides, plan};
use signal_hook::consts::{SIGINT, SIGTERM};

use crate::cli::{Cli, Command, ConfigArgs, RunArgs, RunCommand, SlurmCommand, StateCommand};
use scour::state::State;

/// Each article allocates a few buffers on whichever worker cleans it; mimalloc's per-thread
/// heaps keep that from contending and measured faster than the system allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The signal that cancelled the run (0: none).
static SIGNAL: AtomicUsize = AtomicUsize::new(0);

fn main() -> ExitCode {
    quiet_state_damage_panics();
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::from(exit_code::SUCCESS),
        Err(error) => {
            if let Some(stopped @ scour::Error::Cancelled { .. }) =
                error.downcast_ref::<scour::Error>()
            {
                let signal = SIGNAL.load(Ordering::SeqCst) as i32;
                let name = if signal == SIGTERM {
                    "SIGTERM"
                } else {
                    "SIGINT"
                };
                eprintln!("scour: {name} received: {stopped}");
                return ExitCode::from(exit_code::for_signal(signal));
            }
            eprintln!("scour: error: {error:#}");
            exit_code::for_error(&error)
        }
    }
}

/// A damaged state makes redb panic; the library catches it and returns an error that says
/// what to do, so the default hook's message about redb's internals is left out.
fn quiet_state_damage_panics() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if !scour::state::catching_damage() {
            default(info);
        }
    }));
}

/// SIGINT and SIGTERM set the run's cancellation flag: it stops at the next batch, cleans up
/// and says how to go on. A second signal ends the process at once (the default action), for
/// an operator who will not wait; that is as safe as `kill -9`.
fn watch_signals(cancel: &scour::cancel::Cancel) -> anyhow::Result<()> {
    let flag = cancel.flag();
    for signal in [SIGINT, SIGTERM] {
        signal_hook::flag::register_conditional_default(signal, flag.clone())?;
        signal_hook::flag::register(signal, flag.clone())?;
        signal_hook::flag::register_usize(signal, &SIGNAL, signal as usize)?;
    }
    Ok(())
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Run(command) => {
            let shard = shard_spec(&command)?;
            let quiet = command.run.quiet;
            let plan = build_plan(command.run)?;
            if let Some(spec) = shard {
                let done = scour::run::shard::run_shard(&plan, spec)
                    .with_context(|| format!("shard {} of {} failed", spec.index, spec.count))?;
                match done {
                    Some(done) => eprintln!(
                        "scour: shard {} of {}: {} of {} inputs cleaned into {} ({} outcomes, {:.2} s)",
                        done.index,
                        done.count,
                        done.inputs,
                        done.walked,
                        plan.output_dir.join(spec.dir_name()).display(),
                        done.outcomes,
                        done.seconds
                    ),
                    None => eprintln!(
                        "scour: shard {} of {} is already complete in {}; nothing to do",
                        spec.index,
                        spec.count,
                        plan.output_dir.display()
                    ),
                }
                return Ok(());
            }
            watch_signals(&plan.cancel)?;
            let reporter = progress::TerminalReporter::new(plan.progress);
            let summary = scour::run(&plan, &reporter)
                .with_context(|| format!("run into {} failed", plan.output_dir.display()))?;
            if !quiet {
                eprint!("{}", progress::summary_text(&summary));
            }
            Ok(())
        }
        Command::Finalize(args) => {
            let shards = args.shards.clone();
            let count = args
                .shard_count
                .or_else(|| env_number("SLURM_ARRAY_TASK_COUNT"))
                .context("finalize needs --shard-count")?;
            let quiet = args.run.quiet;
            let plan = build_plan(args.run)?;
            watch_signals(&plan.cancel)?;
            let summary = scour::run::shard::finalize(&plan, &shards, count)
                .with_context(|| format!("finalize into {} failed", plan.output_dir.display()))?;
            if !quiet {
                eprint!("{}", progress::summary_text(&summary));
            }
            Ok(())
        }
        Command::State(command) => state_command(command),
        Command::Completions { shell } => {
            let mut command = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(shell, &mut command, "scour", &mut std::io::stdout());
            Ok(())
        }
        Command::Man => {
            let command = <Cli as clap::CommandFactory>::command();
            clap_mangen::Man::new(command)
                .render(&mut std::io::stdout())
                .context("cannot write the man page")?;
            Ok(())
        }
        Command::Slurm(SlurmCommand::Run(args)) => slurm::run(&args),
        Command::Report(args) => {
            let nights = match &args.state {
                Some(path) => {
                    let state = scour::state::State::open(path)?;
                    Some(scour::run::state_nights(&state)?)
                }
                None => None,
            };
            let page = scour::output::redraw_report_html(&args.output, nights)
                .with_context(|| format!("no report drawn in {}", args.output.display()))?;
            println!("wrote {}", page.display());
            Ok(())
        }
        Command::CheckConfig(args) => {
            let loaded = load_config(&args)?;
            let plan =
                plan::build(loaded.as_ref(), &Overrides::default()).map_err(scour::Error::from)?;
            let origin = match &plan.config_file {
                Some(path) => format!("# effective configuration from {}", path.display()),
                None => {
                    "# effective configuration: built-in defaults (no pipeline.toml)".to_string()
                }
            };
            println!("{origin}\n{}", config::to_toml(&plan.effective));
            Ok(())
        }
    }
}

fn build_plan(args: RunArgs) -> anyhow::Result<scour::Plan> {
    let loaded = load_config(&args.config)?;
    let overrides = Overrides {
        inputs: args.input,
        output: args.output,
        threads: args.threads,
        no_progress: args.no_progress || args.quiet,
        force: args.force,
        compression: args.compress.map(Into::into),
        state: args.state,
    };
    let plan = plan::build(loaded.as_ref(), &overrides).map_err(scour::Error::from)?;
    if plan.threads < plan.threads_asked {
        eprintln!(
            "scour: {} threads asked for, {} used: at most {} per core",
            plan.threads_asked,
            plan.threads,
            plan::THREADS_PER_CORE
        );
    }
    Ok(plan)
}

/// `--shard-index` / `--shard-count`, else a Slurm array task's, else none.
fn shard_spec(args: &RunCommand) -> anyhow::Result<Option<scour::run::shard::ShardSpec>> {
    let index = args
        .shard_index
        .or_else(|| env_number("SLURM_ARRAY_TASK_ID"));
    let count = args
        .shard_count
        .or_else(|| env_number("SLURM_ARRAY_TASK_COUNT"));
    match (index, count) {
        (Some(index), Some(count)) if index < count => {
            Ok(Some(scour::run::shard::ShardSpec { index, count }))
        }
        (Some(index), Some(count)) => Err(scour::Error::from(scour::error::ConfigProblems(vec![
            scour::error::ConfigProblem {
                file: None,
                line_col: None,
                key: None,
                message: format!("--shard-index {index} is not below --shard-count {count}"),
            },
        ]))
        .into()),
        _ => Ok(None),
    }
}

fn env_number(name: &str) -> Option<usize> {
    std::env::var(name).ok()?.trim().parse().ok()
}

fn state_command(command: StateCommand) -> anyhow::Result<()> {
    let args = match &command {
        StateCommand::Stats { state, .. }
        | StateCommand::Check { state }
        | StateCommand::Restore { state, .. }
        | StateCommand::Forget { state, .. } => state,
    };
    let loaded = load_config(&args.config)?;
    let Some(path) = &plan::state_path(loaded.as_ref(), args.state.as_deref()) else {
        anyhow::bail!(scour::Error::from(scour::error::ConfigProblems(vec![
            scour::error::ConfigProblem {
                file: None,
                line_col: None,
                key: Some("state.path".into()),
                message: "no state: give --state PATH or set [state] path".into(),
            }
        ])));
    };
    if let StateCommand::Restore { from, .. } = &command {
        let restored = scour::state::restore(path, from.as_deref())?;
        let run = restored
            .last_run
            .map_or("no run yet".into(), scour::state::run_name);
        println!(
            "restored {} from {} (its last run: {run})",
            path.display(),
            restored.from.display()
        );
        if let Some(aside) = restored.set_aside {
            println!("  the file it replaced is kept as {}", aside.display());
        }
        println!(
            "  runs after {run} are unknown to it: the next run reads their files again and \
             delivers their articles again; move their output directories away first"
        );
        return Ok(());
    }
    if !path.exists() {
        anyhow::bail!("state {} does not exist", path.display());
    }
    if let StateCommand::Check { .. } = &command {
        let report = scour::state::check(path)?;
        println!(
            "state {} is sound: {} runs (last: {}), {} kept articles, {} input files, {:.1} MB",
            report.path,
            report.runs,
            report
                .last_run
                .map_or("none".into(), scour::state::run_name),
            report.kept_articles,
            report.manifest_files,
            report.file_bytes as f64 / 1e6
        );
        return Ok(());
    }
    let state = State::open(path)?;
    match command {
        StateCommand::Check { .. } | StateCommand::Restore { .. } => unreachable!("handled above"),
        StateCommand::Stats { json, .. } => {
            let stats = state.stats()?;
            if json {
                println!("{}", serde_json::to_string_pretty(&stats)?);
            } else {
                print!("{}", progress::stats_text(&stats));
            }
        }
        StateCommand::Forget { run, .. } => {
            let number: u64 = run
                .trim_start_matches("run-")
                .parse()
                .with_context(|| format!("--run {run:?} is not a run number"))?;
            let Some((articles, files)) = state.forget(number)? else {
                return Err(scour::Error::NoSuchRun {
                    path: path.clone(),
                    run: number,
                }
                .into());
            };
            println!(
                "forgot {}: {articles} kept articles and {files} input files; \
                 the next run reads those files again",
                scour::state::run_name(number)
            );
        }
    }
    Ok(())
}

/// The file named by `--config`, else `./pipeline.toml` if there is one, else none.
fn load_config(args: &ConfigArgs) -> anyhow::Result<Option<LoadedConfig>> {
    let path: PathBuf = match &args.config {
        Some(path) => path.clone(),
        None if Path::new("pipeline.toml").is_file() => PathBuf::from("pipeline.toml"),
        None => return Ok(None),
    };
    Ok(Some(config::load(&path)?))
}

//! The `scour` binary: parse the command line, pick the reporter, run, map errors to exit codes.
//!
//! Everything else is the library's; this file stays thin.

mod cli;
mod exit_code;
mod progress;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::Parser;
use scour::config::{self, LoadedConfig, Overrides, plan};

use crate::cli::{Cli, Command, ConfigArgs};

/// Each article allocates a few buffers on whichever worker cleans it; mimalloc's per-thread
/// heaps keep that from contending and measured faster than the system allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::from(exit_code::SUCCESS),
        Err(error) => {
            eprintln!("scour: error: {error:#}");
            exit_code::for_error(&error)
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Run(args) => {
            let loaded = load_config(&args.config)?;
            let overrides = Overrides {
                inputs: args.input,
                output: args.output,
                threads: args.threads,
                no_progress: args.no_progress,
                force: args.force,
                compression: args.compress.map(Into::into),
            };
            let plan = plan::build(loaded.as_ref(), &overrides).map_err(scour::Error::from)?;
            let reporter = progress::TerminalReporter::new(plan.progress);
            let summary = scour::run(&plan, &reporter)
                .with_context(|| format!("run into {} failed", plan.output_dir.display()))?;
            eprint!("{}", progress::summary_text(&summary));
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

/// The file named by `--config`, else `./pipeline.toml` if there is one, else none.
fn load_config(args: &ConfigArgs) -> anyhow::Result<Option<LoadedConfig>> {
    let path: PathBuf = match &args.config {
        Some(path) => path.clone(),
        None if Path::new("pipeline.toml").is_file() => PathBuf::from("pipeline.toml"),
        None => return Ok(None),
    };
    Ok(Some(config::load(&path)?))
}

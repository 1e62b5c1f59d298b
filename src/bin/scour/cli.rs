//! The command line: `scour run`, `finalize`, `check-config`, `state`, `slurm`, and the
//! packaging helpers `completions` and `man`.
//!
//! Flags override `pipeline.toml`; the help text is these doc comments.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Turns directories of scraped articles into clean, de-duplicated JSONL.
#[derive(Debug, Parser)]
#[command(name = "scour", version = scour::VERSION, about, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Clean, de-duplicate and write JSONL (clean.jsonl, duplicates.jsonl, rejects.jsonl), the
    /// dataset card README.md and report.json.
    Run(RunCommand),
    /// Validate the configuration and print the effective values.
    CheckConfig(ConfigArgs),
    /// Merge the shards of a sharded run (`run --shard-index I --shard-count N --output WORK`)
    /// into the outputs one machine would have written.
    Finalize(FinalizeArgs),
    /// Inspect or edit the nightly state (`[state] path` or `--state`).
    #[command(subcommand)]
    State(StateCommand),
    /// Run on a Slurm cluster.
    #[command(subcommand)]
    Slurm(SlurmCommand),
    /// Print a shell completion script: `scour completions bash > /etc/bash_completion.d/scour`.
    Completions {
        /// The shell to complete for.
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff): `scour man > /usr/local/share/man/man1/scour.1`.
    Man,
    /// Draw OUT/report.html again from OUT/report.json; with --state, its trend shows every
    /// night the state has committed since.
    Report(ReportArgs),
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// An output directory of a finished run (it holds report.json).
    #[arg(value_name = "OUT")]
    pub output: PathBuf,

    /// The nightly state whose nights the trend shows.
    #[arg(long, value_name = "PATH")]
    pub state: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum SlurmCommand {
    /// Submit a sharded run as a job array of shard tasks and a finalize job that depends on
    /// it, wait for them, and fail naming any task that failed. Shards already complete are
    /// not submitted again.
    Run(SlurmRunArgs),
}

#[derive(Debug, Args)]
pub struct SlurmRunArgs {
    /// Directory (or file) of scraped articles; repeat for several.
    #[arg(long, value_name = "DIR", required = true)]
    pub input: Vec<PathBuf>,

    /// Where the finalize writes the outputs.
    #[arg(long, value_name = "DIR")]
    pub output: PathBuf,

    /// The number of shard tasks.
    #[arg(long, value_name = "N")]
    pub shards: usize,

    /// Configuration file, passed to every task.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Nightly state: the tasks skip unchanged files, the finalize decides against it and
    /// commits it once. It must be on a file system every node sees.
    #[arg(long, value_name = "PATH")]
    pub state: Option<PathBuf>,

    /// Where the shards go [default: OUTPUT.shards]; it must be on a file system every node
    /// sees.
    #[arg(long, value_name = "DIR")]
    pub work: Option<PathBuf>,

    /// Replace the outputs of an earlier run in a non-empty output directory.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Subcommand)]
pub enum StateCommand {
    /// Print the state's runs, articles and files, as JSON with --json.
    Stats {
        #[command(flatten)]
        state: StateArgs,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Check the state's integrity: redb's check of every page (on a copy, so the state itself
    /// is never changed), then a read of every table. Exit code 1 if it is damaged.
    Check {
        #[command(flatten)]
        state: StateArgs,
    },
    /// Put back the newest backup ([state] backups = N), or --from FILE, after checking it.
    /// The file it replaces is kept beside it as <state>.damaged-<seconds>.
    Restore {
        #[command(flatten)]
        state: StateArgs,
        /// The backup to restore [default: the newest <state>.run-NNNNNN.backup].
        #[arg(long, value_name = "FILE")]
        from: Option<PathBuf>,
    },
    /// Forget a run: its articles and files, so the next run reads those files again. Its
    /// output directory is left alone.
    Forget {
        #[command(flatten)]
        state: StateArgs,
        /// The run's number (as in run-000003, or 3).
        #[arg(long, value_name = "RUN")]
        run: String,
    },
}

#[derive(Debug, Args)]
pub struct StateArgs {
    #[command(flatten)]
    pub config: ConfigArgs,

    /// The state database. Replaces state.path.
    #[arg(long, value_name = "PATH")]
    pub state: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ConfigArgs {
    /// Configuration file [default: ./pipeline.toml if it exists, else built-in defaults].
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    #[command(flatten)]
    pub config: ConfigArgs,

    /// Directory (or file) of scraped articles; repeat for several. Replaces input.roots.
    #[arg(long, value_name = "DIR")]
    pub input: Vec<PathBuf>,

    /// Where to write the outputs. Replaces output.dir.
    #[arg(long, value_name = "DIR")]
    pub output: Option<PathBuf>,

    /// Worker threads; 0 means one per core. Replaces run.threads.
    #[arg(short = 'j', long, value_name = "N")]
    pub threads: Option<usize>,

    /// Do not draw a progress bar.
    #[arg(long)]
    pub no_progress: bool,

    /// Print nothing but errors: no progress, no summary.
    #[arg(short, long)]
    pub quiet: bool,

    /// Replace the outputs of an earlier run in a non-empty output directory.
    #[arg(long)]
    pub force: bool,

    /// Compress the record files (clean.jsonl.zst, …). Replaces output.compression.
    #[arg(long, value_name = "KIND")]
    pub compress: Option<Compress>,

    /// Nightly state database: read only new or changed files and drop articles kept by
    /// earlier runs. Replaces state.path.
    #[arg(long, value_name = "PATH")]
    pub state: Option<PathBuf>,
}

/// `scour run`: the common options and the shard a task cleans.
#[derive(Debug, Args)]
pub struct RunCommand {
    #[command(flatten)]
    pub run: RunArgs,

    /// Clean only shard I of N into --output (a work directory) for `scour finalize`; the
    /// default comes from SLURM_ARRAY_TASK_ID when it is set.
    #[arg(long, value_name = "I", requires = "shard_count")]
    pub shard_index: Option<usize>,

    /// The number of shards; the default comes from SLURM_ARRAY_TASK_COUNT when it is set.
    #[arg(long, value_name = "N")]
    pub shard_count: Option<usize>,
}

#[derive(Debug, Args)]
pub struct FinalizeArgs {
    #[command(flatten)]
    pub run: RunArgs,

    /// The number of shards; the default comes from SLURM_ARRAY_TASK_COUNT when it is set.
    #[arg(long, value_name = "N")]
    pub shard_count: Option<usize>,

    /// The work directory the shard tasks wrote to.
    #[arg(long, value_name = "DIR")]
    pub shards: PathBuf,
}

/// `--compress` values.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Compress {
    None,
    Zstd,
    Gzip,
}

impl From<Compress> for scour::config::OutputCompression {
    fn from(value: Compress) -> Self {
        match value {
            Compress::None => scour::config::OutputCompression::None,
            Compress::Zstd => scour::config::OutputCompression::Zstd,
            Compress::Gzip => scour::config::OutputCompression::Gzip,
        }
    }
}

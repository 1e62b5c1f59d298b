//! Errors that stop a run, as opposed to per-article rejects.
//!
//! A single bad article never stops the job: it becomes a [`crate::article::RejectReason`] in
//! `rejects.jsonl`. What lands here is what makes the whole run meaningless — an invalid
//! configuration, an output directory we may not or cannot write — and each variant carries the
//! context (path, line) a user needs to fix it without reading our code.

use std::fmt;
use std::path::PathBuf;

/// One problem found in a configuration file, located for the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigProblem {
    /// The file the problem is in, or `None` for command-line values and built-in defaults.
    pub file: Option<PathBuf>,
    /// 1-based line and column, when the problem points at a place in the file.
    pub line_col: Option<(usize, usize)>,
    /// The dotted key the problem is about (`captions.mode`), when there is one.
    pub key: Option<String>,
    pub message: String,
}

impl fmt::Display for ConfigProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.file, self.line_col) {
            (Some(file), Some((line, col))) => write!(f, "{}:{line}:{col}: ", file.display())?,
            (Some(file), None) => write!(f, "{}: ", file.display())?,
            // Not in a file: the message says where the value came from.
            (None, _) => {}
        }
        if let Some(key) = &self.key {
            write!(f, "`{key}`: ")?;
        }
        f.write_str(&self.message)
    }
}

/// Every problem found in a configuration, reported together so one edit fixes them all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigProblems(pub Vec<ConfigProblem>);

impl fmt::Display for ConfigProblems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let count = self.0.len();
        write!(
            f,
            "invalid configuration ({count} problem{})",
            if count == 1 { "" } else { "s" }
        )?;
        for problem in &self.0 {
            write!(f, "\n  {problem}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigProblems {}

/// Why a run could not be done. Per-article problems are never errors: they are rejects.
///
/// A variant with a `source` leaves it out of its message: the source is the next link of the
/// chain, which `{:#}` (the binary's way to print) adds once. Both would print the OS error
/// twice ("File exists (os error 17): File exists (os error 17)").
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Config(#[from] ConfigProblems),

    #[error("cannot read configuration file {}", path.display())]
    ConfigRead {
        path: PathBuf,
        source: std::io::Error,
    },

    #[error(
        "output directory {} is not empty; pass --force to replace its scour outputs",
        path.display()
    )]
    OutputNotEmpty { path: PathBuf },

    #[error("input root {} cannot be read", path.display())]
    InputRoot {
        path: PathBuf,
        source: std::io::Error,
    },

    #[error("cannot write output {}", path.display())]
    Output {
        path: PathBuf,
        source: std::io::Error,
    },

    #[error("cannot start {threads} worker threads: {message}")]
    ThreadPool { threads: usize, message: String },

    #[error("state {}: {message}", path.display())]
    State { path: PathBuf, message: String },

    #[error("state {} has no run {run}", path.display())]
    NoSuchRun { path: PathBuf, run: u64 },

    #[error("sharded run: {message}")]
    Shards { message: String },

    /// Another scour holds the lock: nothing was done.
    #[error(
        "{what} {} is in use by another scour run (it holds the lock on {}); nothing was done: \
         let that run finish, then run this command again",
        path.display(),
        lock.display()
    )]
    Busy {
        what: &'static str,
        path: PathBuf,
        lock: PathBuf,
    },

    /// The state file is not a sound database: never a panic, never a silent fresh start.
    #[error(
        "state {} is damaged: {problem}. Nothing was published or committed. `scour state check --state {0}` \
         examines it; `scour state restore --state {0}` puts back the last good copy \
         (with [state] backups); or move the file away to start a new state, and every \
         article is delivered again",
        path.display()
    )]
    StateDamaged { path: PathBuf, problem: String },

    /// The output's file system filled up; the staging directory was removed.
    #[error(
        "no space left on the device writing {}: {} had been written to the staging \
         directory {}, which was removed, so the space is free again and nothing was \
         published; make room on that file system (or use another --output) and run the \
         same command again",
        path.display(),
        crate::error::megabytes(*written),
        staging.display()
    )]
    NoSpace {
        path: PathBuf,
        written: u64,
        staging: PathBuf,
    },

    /// The run was cancelled (a signal) between two batches.
    #[error("{}", cancelled_text(*inputs, resume, staging))]
    Cancelled {
        /// Inputs written before the run stopped.
        inputs: u64,
        /// With a state and a checkpoint: (run, inputs the checkpoint covers).
        resume: Option<(u64, u64)>,
        /// The staging directory: removed, or kept for the resume.
        staging: PathBuf,
    },
}

/// `12.3 MB`.
pub(crate) fn megabytes(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1e6)
}

fn cancelled_text(inputs: u64, resume: &Option<(u64, u64)>, staging: &std::path::Path) -> String {
    match resume {
        Some((run, after)) => format!(
            "stopped after {inputs} inputs; run-{run:06} keeps its last checkpoint (after \
             {after} inputs) in {}: run the same command again to resume from there",
            staging.display()
        ),
        None => format!(
            "stopped after {inputs} inputs; nothing was published and the staging directory \
             {} was removed: run the same command again to start over",
            staging.display()
        ),
    }
}

impl Error {
    /// Whether the error is the user's invocation or configuration (exit code 2) rather than a
    /// failure while running (exit code 1).
    pub fn is_usage(&self) -> bool {
        matches!(
            self,
            Error::Config(_)
                | Error::ConfigRead { .. }
                | Error::OutputNotEmpty { .. }
                | Error::NoSuchRun { .. }
        )
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

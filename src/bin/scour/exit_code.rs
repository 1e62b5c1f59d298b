//! Exit codes, in one place: scripts and schedulers branch on them.

use std::process::ExitCode;

/// The run finished; every input is accounted for (rejects included).
pub const SUCCESS: u8 = 0;
/// The run could not finish (an output could not be written, a thread pool not started).
pub const RUN_FAILED: u8 = 1;
/// The command line or the configuration is wrong; nothing was run.
pub const USAGE: u8 = 2;

pub fn for_error(error: &anyhow::Error) -> ExitCode {
    let usage = error
        .downcast_ref::<scour::Error>()
        .is_some_and(scour::Error::is_usage);
    ExitCode::from(if usage { USAGE } else { RUN_FAILED })
}

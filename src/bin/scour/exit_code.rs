//! Exit codes, in one place: scripts and schedulers branch on them.

use std::process::ExitCode;

/// The run finished; every input is accounted for (rejects included).
pub const SUCCESS: u8 = 0;
/// The run could not finish (an output could not be written, the disk is full, the state is
/// damaged). Nothing half-done is visible; the message says what to do.
pub const RUN_FAILED: u8 = 1;
/// The command line or the configuration is wrong; nothing was run.
pub const USAGE: u8 = 2;
/// Another scour holds the state or the output directory; nothing was done. Run again later
/// (sysexits' EX_TEMPFAIL, which schedulers read as "try again").
pub const BUSY: u8 = 75;
/// Stopped by SIGINT (128 + 2, as a shell reports a process the signal ended).
pub const INTERRUPTED: u8 = 130;
/// Stopped by SIGTERM (128 + 15).
pub const TERMINATED: u8 = 143;

/// The code for a stopped run, by the signal that stopped it.
pub fn for_signal(signal: i32) -> u8 {
    if signal == signal_hook::consts::SIGTERM {
        TERMINATED
    } else {
        INTERRUPTED
    }
}

pub fn for_error(error: &anyhow::Error) -> ExitCode {
    let code = match error.downcast_ref::<scour::Error>() {
        Some(e) if e.is_usage() => USAGE,
        Some(scour::Error::Busy { .. }) => BUSY,
        _ => RUN_FAILED,
    };
    ExitCode::from(code)
}

//! Exclusive locks that keep two scour processes off the same state or output directory.
//!
//! Two runs at once on one nightly state would both deliver every new article (each decides
//! against what was committed before it started), and two runs into one output directory would
//! clear each other's staging files. So a run holds an exclusive `flock(2)` on a lock file beside
//! its state (`state.redb.lock`, created first and never removed, so there is no window in which
//! two processes lock two different files of that name) and on its output directory itself. The
//! kernel drops a `flock` when its holder dies, `kill -9` included: a killed run never leaves a
//! stale lock that needs clearing by hand. The locks are advisory and non-blocking: a second run
//! is refused at once, never queued. `flock` comes from rustix, the binding the crate already
//! uses for `openat` (std's `File::try_lock` needs Rust 1.89, above this crate's MSRV).

use std::fs::{File, OpenOptions};
use std::io;
use std::path::Path;

/// A held lock; dropping it (or the process ending) releases it.
#[derive(Debug)]
pub struct Lock {
    _file: File,
}

/// Why a lock was not taken.
#[derive(Debug)]
pub enum LockError {
    /// Another process holds it.
    Busy,
    Io(io::Error),
}

/// Locks the file at `path`, creating it (empty) if it does not exist.
pub fn lock_file(path: &Path) -> Result<Lock, LockError> {
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
        .map_err(LockError::Io)?;
    try_flock(file)
}

/// Locks the directory at `dir` itself (no file is added to it). `Ok(None)` when the file
/// system cannot lock a directory (some network file systems): the run goes on unlocked there.
pub fn lock_dir(dir: &Path) -> Result<Option<Lock>, LockError> {
    let file = File::open(dir).map_err(LockError::Io)?;
    match try_flock(file) {
        Ok(lock) => Ok(Some(lock)),
        Err(LockError::Io(e)) if unsupported(&e) => Ok(None),
        Err(e) => Err(e),
    }
}

#[cfg(unix)]
fn unsupported(error: &io::Error) -> bool {
    use rustix::io::Errno;
    [Errno::NOLCK, Errno::BADF, Errno::OPNOTSUPP, Errno::INVAL]
        .iter()
        .any(|errno| error.raw_os_error() == Some(errno.raw_os_error()))
}

#[cfg(unix)]
fn try_flock(file: File) -> Result<Lock, LockError> {
    use rustix::fs::{FlockOperation, flock};
    match flock(&file, FlockOperation::NonBlockingLockExclusive) {
        Ok(()) => Ok(Lock { _file: file }),
        Err(rustix::io::Errno::WOULDBLOCK) => Err(LockError::Busy),
        Err(errno) => Err(LockError::Io(errno.into())),
    }
}

/// Elsewhere no lock is taken: scour's nightly runs are meant for Unix hosts.
#[cfg(not(unix))]
fn try_flock(file: File) -> Result<Lock, LockError> {
    Ok(Lock { _file: file })
}

#[cfg(not(unix))]
fn unsupported(_: &io::Error) -> bool {
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_held_lock_refuses_a_second_holder_until_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.lock");
        let first = lock_file(&path).unwrap();
        assert!(matches!(lock_file(&path), Err(LockError::Busy)));
        drop(first);
        lock_file(&path).unwrap();
        let held = lock_dir(dir.path()).unwrap();
        assert!(held.is_some());
        assert!(matches!(lock_dir(dir.path()), Err(LockError::Busy)));
    }
}

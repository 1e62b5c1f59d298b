//! A damaged state file gives a clear error, never a panic and never a silent fresh start.
//!
//! redb trusts its file: a page that was truncated away, zeroed or had bits flipped trips an
//! assertion deep in a B-tree lookup, on whichever thread asked. So the state is checked
//! before it is opened (an empty file or one that does not start like a redb database is
//! refused: re-creating it would deliver every article again), and every call into redb runs
//! under [`guard`], which turns a panic into [`Error::StateDamaged`] naming the file. A
//! thread-local count tells the binary's panic hook that the panic is being caught, so the
//! operator sees the one clear error and not redb's assertion. [`check`] is `scour state
//! check`: redb's own integrity check (every page's checksum) on a copy, so that redb's repair
//! never rolls the real file back behind the operator's back, then a read of every table.

use std::cell::Cell;
use std::io::Read;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use redb::{Database, ReadableTable, ReadableTableMetadata};
use serde::Serialize;

use crate::error::{Error, Result};

/// The first bytes of every redb database file.
const REDB_MAGIC: [u8; 9] = [b'r', b'e', b'd', b'b', 0x1A, 0x0A, 0xA9, 0x0D, 0x0A];

thread_local! {
    static GUARDED: Cell<u32> = const { Cell::new(0) };
}

/// Whether a panic on this thread is being caught by [`guard`] (for the binary's panic hook,
/// which then stays quiet: the caught panic becomes an error that says what to do).
pub fn catching_damage() -> bool {
    GUARDED.with(|g| g.get() > 0)
}

pub(crate) fn damaged(path: &Path, problem: impl Into<String>) -> Error {
    Error::StateDamaged {
        path: path.to_path_buf(),
        problem: problem.into(),
    }
}

/// Runs `f`, which calls into redb; a panic in it means the file is damaged.
pub(crate) fn guard<T>(path: &Path, f: impl FnOnce() -> Result<T>) -> Result<T> {
    GUARDED.with(|g| g.set(g.get() + 1));
    let result = catch_unwind(AssertUnwindSafe(f));
    GUARDED.with(|g| g.set(g.get() - 1));
    result.unwrap_or_else(|panic| {
        let message = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        // One line: redb's assertions spell out their operands below the first.
        let first = message.lines().next().unwrap_or_default();
        Err(damaged(
            path,
            format!("the database broke its own invariants reading it ({first})"),
        ))
    })
}

/// Refuses a file that cannot be a state before redb sees it: empty, or not a redb database.
pub(crate) fn precheck(path: &Path) -> Result<()> {
    let mut file = std::fs::File::open(path).map_err(|e| crate::state::db_error(path, e))?;
    let len = file.metadata().map_or(0, |m| m.len());
    if len == 0 {
        return Err(damaged(
            path,
            "it is empty (0 bytes), as a truncated copy or a full disk leaves it; it is not \
             re-created, since a new state would deliver every article again",
        ));
    }
    let mut head = [0u8; REDB_MAGIC.len()];
    let read = file.read(&mut head).unwrap_or(0);
    if read < head.len() || head != REDB_MAGIC {
        return Err(damaged(
            path,
            format!(
                "it does not start like a redb database ({len} bytes; its first block was \
                 overwritten, or it is not a scour state file)"
            ),
        ));
    }
    Ok(())
}

/// What `scour state check` found in a sound state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckReport {
    pub path: String,
    pub file_bytes: u64,
    pub runs: u64,
    pub last_run: Option<u64>,
    pub kept_articles: u64,
    pub manifest_files: u64,
}

/// `scour state check`: the state at `path` is sound, or a [`Error::StateDamaged`] says what
/// is wrong. The state is locked meanwhile; the file itself is not changed.
pub fn check(path: &Path) -> Result<CheckReport> {
    let _lock = crate::state::lock_state(path)?;
    precheck(path)?;
    let copy = scratch_copy(path)?;
    let result = check_copy(path, &copy);
    let _ = std::fs::remove_file(&copy);
    result
}

/// A copy of `path` beside it (reflinked where the file system can), to check or restore from.
pub(crate) fn scratch_copy(path: &Path) -> Result<PathBuf> {
    let copy = crate::state::sibling(path, &format!("checking-{}", std::process::id()));
    crate::state::backup::copy_file(path, &copy).map_err(|e| crate::state::db_error(path, e))?;
    Ok(copy)
}

/// Checks the scratch `copy` of the state at `path`; errors name `path`.
pub(crate) fn check_copy(path: &Path, copy: &Path) -> Result<CheckReport> {
    guard(path, || {
        let mut db = Database::open(copy).map_err(|e| damaged(path, e.to_string()))?;
        match db.check_integrity() {
            Ok(true) => {}
            Ok(false) => {
                return Err(damaged(
                    path,
                    "its pages fail their checksums; redb could only repair it by dropping \
                     the damaged part (the last nights' commits, or more), which would deliver \
                     their articles again",
                ));
            }
            Err(e) => return Err(damaged(path, format!("redb's integrity check: {e}"))),
        }
        let state = crate::state::State {
            db,
            path: path.to_path_buf(),
            _lock: None,
        };
        // Every entry of every table read back, and the runs' records parsed.
        let runs = state.runs()?;
        let (kept, manifest) = state.read_all()?;
        Ok(CheckReport {
            path: path.display().to_string(),
            file_bytes: std::fs::metadata(path).map_or(0, |m| m.len()),
            runs: runs.len() as u64,
            last_run: runs.last().map(|r| r.run),
            kept_articles: kept,
            manifest_files: manifest,
        })
    })
}

impl crate::state::State {
    /// Reads every entry of the kept and manifest tables; their counts.
    fn read_all(&self) -> Result<(u64, u64)> {
        let e = |e: redb::Error| damaged(&self.path, e.to_string());
        let txn = self.db.begin_read().map_err(|x| e(x.into()))?;
        let kept = txn.open_table(super::KEPT).map_err(|x| e(x.into()))?;
        let manifest = txn.open_table(super::MANIFEST).map_err(|x| e(x.into()))?;
        let mut counts = (0, 0);
        for entry in kept.iter().map_err(|x| e(x.into()))? {
            entry.map_err(|x| e(x.into()))?;
            counts.0 += 1;
        }
        for entry in manifest.iter().map_err(|x| e(x.into()))? {
            entry.map_err(|x| e(x.into()))?;
            counts.1 += 1;
        }
        if counts.0 != kept.len().map_err(|x| e(x.into()))? {
            return Err(damaged(&self.path, "its kept-article count does not match"));
        }
        Ok(counts)
    }
}

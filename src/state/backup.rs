//! Last-good copies of the state (`[state] backups = N`) and putting one back.
//!
//! After each committed night the state is closed (so the copy is a cleanly shut-down
//! database) and copied beside itself as `<state>.run-NNNNNN.backup`; the newest N are kept.
//! The copy is a reflink (`FICLONE`: the file systems that have it, XFS, Btrfs, bcachefs,
//! share the blocks, so a copy of a 20 GB state is instant and costs no space until the next
//! night rewrites pages) or else a plain copy. `scour state restore` checks a backup (on a
//! scratch copy, with redb's integrity check) before it puts it in place, and moves the
//! damaged file aside rather than deleting it.

use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::damage::{check_copy, precheck};
use super::{State, db_error, lock_state, run_name, sibling};
use crate::error::Result;

/// Copies `from` to `to` (replacing it) and syncs it; whether the copy is a reflink.
pub(crate) fn copy_file(from: &Path, to: &Path) -> io::Result<bool> {
    let mut source = File::open(from)?;
    let mut target = File::create(to)?;
    #[cfg(target_os = "linux")]
    if rustix::fs::ioctl_ficlone(&target, &source).is_ok() {
        target.sync_all()?;
        return Ok(true);
    }
    io::copy(&mut source, &mut target)?;
    target.sync_all()?;
    Ok(false)
}

fn backup_path(state: &Path, run: u64) -> PathBuf {
    sibling(state, &format!("{}.backup", run_name(run)))
}

/// The backups of the state at `path`, oldest first: (run, file).
pub fn backups(path: &Path) -> Vec<(u64, PathBuf)> {
    let Some(name) = path.file_name().map(|n| n.to_string_lossy().into_owned()) else {
        return Vec::new();
    };
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty());
    let prefix = format!("{name}.run-");
    let mut found: Vec<(u64, PathBuf)> = std::fs::read_dir(dir.unwrap_or(Path::new(".")))
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let file = entry.file_name().to_string_lossy().into_owned();
            let run = file.strip_prefix(&prefix)?.strip_suffix(".backup")?;
            Some((run.parse().ok()?, entry.path()))
        })
        .collect();
    found.sort();
    found
}

impl State {
    /// Closes the state and, when `keep` > 0 and the last committed run has no backup yet,
    /// copies it as that run's backup, keeping the newest `keep`. The path of the backup made.
    pub fn close_with_backup(self, keep: u32) -> Result<Option<PathBuf>> {
        let last = self.next_run()?.saturating_sub(1);
        let State { db, path, _lock } = self;
        drop(db);
        if keep == 0 || last == 0 || backup_path(&path, last).exists() {
            return Ok(None);
        }
        let target = backup_path(&path, last);
        let partial = sibling(&path, "backup-partial");
        copy_file(&path, &partial).map_err(|e| db_error(&partial, e))?;
        std::fs::rename(&partial, &target).map_err(|e| db_error(&target, e))?;
        let all = backups(&path);
        for (_, old) in &all[..all.len().saturating_sub(keep as usize)] {
            std::fs::remove_file(old).map_err(|e| db_error(old, e))?;
        }
        Ok(Some(target))
    }
}

/// What `scour state restore` did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Restored {
    pub from: PathBuf,
    /// The last run the restored state knows.
    pub last_run: Option<u64>,
    /// Where the file it replaced was moved, if there was one.
    pub set_aside: Option<PathBuf>,
}

/// Puts the backup `from` (default: the newest) in place of the state at `path`, after
/// checking it; the file it replaces is kept as `<state>.damaged-<seconds>`.
pub fn restore(path: &Path, from: Option<&Path>) -> Result<Restored> {
    let _lock = lock_state(path)?;
    let from = match from {
        Some(from) => from.to_path_buf(),
        None => backups(path).pop().map(|(_, file)| file).ok_or_else(|| {
            db_error(
                path,
                "it has no backups to restore (set [state] backups = N, and each committed \
                 night keeps a copy)",
            )
        })?,
    };
    precheck(&from)?;
    let scratch = sibling(path, &format!("restoring-{}", std::process::id()));
    copy_file(&from, &scratch).map_err(|e| db_error(&from, e))?;
    let checked = check_copy(&from, &scratch);
    let report = match checked {
        Ok(report) => report,
        Err(e) => {
            let _ = std::fs::remove_file(&scratch);
            return Err(e);
        }
    };
    let mut set_aside = None;
    if path.exists() {
        let seconds = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let aside = sibling(path, &format!("damaged-{seconds}"));
        std::fs::rename(path, &aside).map_err(|e| db_error(path, e))?;
        set_aside = Some(aside);
    }
    std::fs::rename(&scratch, path).map_err(|e| db_error(path, e))?;
    Ok(Restored {
        from,
        last_run: report.last_run,
        set_aside,
    })
}

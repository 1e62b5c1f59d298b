//! The persistent state of nightly runs: what was kept and which inputs were read, across runs.
//!
//! Nightly users run scour over a dump that grows. The state remembers, in one embedded redb
//! database file, the content hash of every article ever kept (all 32 bytes: exact, unlike a
//! Bloom filter that silently drops unique text on a false positive) with its id and the run that
//! kept it, and a manifest of the input files read (size, modification time and a hash of their
//! bytes). A run with state reads only new or changed files, and an article already kept by an
//! earlier run is a duplicate pointing at that run's record.
//!
//! redb was chosen over SQLite: it is pure Rust (no C to build), its write transactions are
//! atomic and durable with copy-on-write B-trees (a `kill -9` at any moment leaves the last
//! committed state), readers see a consistent snapshot while the one writer works, and its
//! typed tables fit fixed-size keys without an SQL layer. A run's changes stay in one write
//! transaction, committed only once the run's outputs are staged and synced, so the state and
//! the outputs move together (see `run::nightly` for the order).
//!
//! One process at a time: [`State::open`] first takes an exclusive lock on `<state>.lock`
//! (created beside the state and never removed), before the state file is even created, so two
//! runs started at once on a new state cannot both build one and both deliver everything. A
//! damaged file is refused with a clear error ([`damage`]); `[state] backups` keeps last-good
//! copies ([`backup`]).

use std::path::{Path, PathBuf};

use redb::{Database, ReadableTable, ReadableTableMetadata, TableDefinition};
use serde::{Deserialize, Serialize};

use crate::dedup::near::NearPlan;
use crate::error::{Error, Result};
use crate::lock::{Lock, LockError};

pub mod backup;
pub mod damage;
mod writer;
pub use backup::{Restored, backups, restore};
pub use damage::{CheckReport, catching_damage, check};
use damage::{damaged, guard};
pub use writer::{RunBatch, RunWriter};

/// The layout of the tables below. A state written with another layout is refused with a clear
/// message rather than misread.
pub const SCHEMA_VERSION: u64 = 1;

/// `schema` and `next_run`.
const META: TableDefinition<&str, u64> = TableDefinition::new("meta");
/// SHA-256 of a kept text -> (record id, run that kept it).
const KEPT: TableDefinition<&[u8], (u64, u64)> = TableDefinition::new("kept");
/// Source -> (size, modification time in ns since the epoch, xxh3-128 of the bytes or 0, run).
const MANIFEST: TableDefinition<&str, (u64, i128, u128, u64)> = TableDefinition::new("manifest");
/// Run number -> the run's record, as JSON.
const RUNS: TableDefinition<u64, &str> = TableDefinition::new("runs");
/// LSH band key -> the first kept record with it (`dedup.near`).
const NEAR_BANDS: TableDefinition<u64, u64> = TableDefinition::new("near_bands");
/// Run number -> the last checkpoint of a run not yet committed, as JSON.
const IN_PROGRESS: TableDefinition<u64, &str> = TableDefinition::new("in_progress");
/// (site, line) -> articles it was counted in when learned (`boilerplate`).
const BOILERPLATE: TableDefinition<(&str, &str), u32> = TableDefinition::new("boilerplate");
/// Record id -> its MinHash signature, little-endian u32s (`dedup.near`).
const SIGNATURES: TableDefinition<u64, &[u8]> = TableDefinition::new("signatures");

/// What the state knows of an input file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileStamp {
    pub size: u64,
    /// Nanoseconds since the epoch; 0 when the file system does not say.
    pub modified_ns: i128,
    /// xxh3-128 of the file's bytes; 0 when the file was streamed rather than read whole.
    pub content: u128,
}

impl FileStamp {
    /// Whether `self` (today's file) is the file `known` was: same size and time, or, when the
    /// time moved (a copy, a `touch`), the same bytes.
    pub fn same_file(&self, known: &FileStamp) -> bool {
        self.size == known.size
            && (self.modified_ns == known.modified_ns
                || (self.content != 0 && self.content == known.content))
    }
}

/// A committed run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunRecord {
    pub run: u64,
    /// The output directory, absolute.
    pub output_dir: PathBuf,
    /// The staging directory inside it that holds the run's files until they are published.
    pub staging_dir: String,
    pub kept: u64,
    pub duplicates: u64,
    pub rejected: u64,
    pub files_read: u64,
    pub files_unchanged: u64,
    /// When the run committed (RFC 3339, UTC); absent in records of older versions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<String>,
    /// The state file's size in bytes just before the run's commit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state_bytes: Option<u64>,
}

/// The run's name on disk: `run-000001`.
pub fn run_name(run: u64) -> String {
    format!("run-{run:06}")
}

/// Totals for `scour state stats`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Stats {
    pub path: String,
    pub schema: u64,
    pub runs: Vec<RunRecord>,
    pub kept_articles: u64,
    pub manifest_files: u64,
    pub file_bytes: u64,
}

/// An open state database.
#[derive(Debug)]
pub struct State {
    db: Database,
    path: PathBuf,
    /// `<state>.lock`, held while the state is open (none for a scratch copy being checked).
    _lock: Option<Lock>,
}

/// `<path>.<suffix>`, beside `path`.
pub(crate) fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
    path.with_file_name(format!("{}.{suffix}", name.unwrap_or_default()))
}

/// The lock file beside the state at `path`: `<path>.lock`.
pub fn lock_path(path: &Path) -> PathBuf {
    sibling(path, "lock")
}

/// Takes the state's lock, or refuses: another scour has the state open.
pub(crate) fn lock_state(path: &Path) -> Result<Lock> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| db_error(path, e))?;
    }
    let lock = lock_path(path);
    match crate::lock::lock_file(&lock) {
        Ok(held) => Ok(held),
        Err(LockError::Busy) => Err(Error::Busy {
            what: "state",
            path: path.to_path_buf(),
            lock,
        }),
        Err(LockError::Io(e)) => Err(db_error(&lock, e)),
    }
}

pub(crate) fn db_error(path: &Path, error: impl std::fmt::Display) -> Error {
    Error::State {
        path: path.to_path_buf(),
        message: error.to_string(),
    }
}

impl State {
    /// Opens the state at `path`, creating it if it does not exist, and holds its lock until
    /// dropped. A file that is there but empty or damaged is refused, never re-created.
    pub fn open(path: &Path) -> Result<State> {
        let lock = lock_state(path)?;
        if !path.exists() {
            // A new state is built beside its final name and renamed into place, so that a run
            // killed while creating it leaves nothing half-made under that name.
            let creating = sibling(path, &format!("creating-{}", std::process::id()));
            {
                let db = Database::create(&creating).map_err(|e| db_error(path, e))?;
                let state = State {
                    db,
                    path: creating.clone(),
                    _lock: None,
                };
                state.check_schema()?;
            }
            std::fs::rename(&creating, path).map_err(|e| db_error(path, e))?;
        }
        damage::precheck(path)?;
        guard(path, || {
            let db = Database::open(path).map_err(|e| match e {
                redb::DatabaseError::Storage(redb::StorageError::Io(e))
                    if e.kind() != std::io::ErrorKind::InvalidData =>
                {
                    db_error(path, e)
                }
                other => damaged(path, format!("redb cannot open it: {other}")),
            })?;
            let state = State {
                db,
                path: path.to_path_buf(),
                _lock: Some(lock),
            };
            state.check_schema()?;
            Ok(state)
        })
    }

    /// Runs `f` (calls into redb) so that a panic in it is a damaged-state error.
    fn guarded<T>(&self, f: impl FnOnce() -> Result<T>) -> Result<T> {
        guard(&self.path, f)
    }

    fn error(&self, error: impl std::fmt::Display) -> Error {
        db_error(&self.path, error)
    }

    fn check_schema(&self) -> Result<()> {
        let txn = self.db.begin_write().map_err(|e| self.error(e))?;
        {
            let mut meta = txn.open_table(META).map_err(|e| self.error(e))?;
            let schema = meta
                .get("schema")
                .map_err(|e| self.error(e))?
                .map(|v| v.value());
            match schema {
                None => {
                    meta.insert("schema", SCHEMA_VERSION)
                        .map_err(|e| self.error(e))?;
                    meta.insert("next_run", 1).map_err(|e| self.error(e))?;
                }
                Some(SCHEMA_VERSION) => {}
                Some(other) => {
                    return Err(self.error(format!(
                        "the state has layout {other}, and this scour ({}) reads layout \
                         {SCHEMA_VERSION}; use the scour that wrote it, or start a new state",
                        env!("CARGO_PKG_VERSION")
                    )));
                }
            }
            txn.open_table(KEPT).map_err(|e| self.error(e))?;
            txn.open_table(MANIFEST).map_err(|e| self.error(e))?;
            txn.open_table(RUNS).map_err(|e| self.error(e))?;
            txn.open_table(NEAR_BANDS).map_err(|e| self.error(e))?;
            txn.open_table(SIGNATURES).map_err(|e| self.error(e))?;
            txn.open_table(BOILERPLATE).map_err(|e| self.error(e))?;
            txn.open_table(IN_PROGRESS).map_err(|e| self.error(e))?;
        }
        txn.commit().map_err(|e| self.error(e))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The number the next run will have.
    pub fn next_run(&self) -> Result<u64> {
        self.guarded(|| {
            let txn = self.db.begin_read().map_err(|e| self.error(e))?;
            let meta = txn.open_table(META).map_err(|e| self.error(e))?;
            Ok(meta
                .get("next_run")
                .map_err(|e| self.error(e))?
                .map_or(1, |v| v.value()))
        })
    }

    /// Every committed run, oldest first.
    pub fn runs(&self) -> Result<Vec<RunRecord>> {
        self.guarded(|| {
            let txn = self.db.begin_read().map_err(|e| self.error(e))?;
            let runs = txn.open_table(RUNS).map_err(|e| self.error(e))?;
            let mut out = Vec::new();
            for entry in runs.iter().map_err(|e| self.error(e))? {
                let (_, record) = entry.map_err(|e| self.error(e))?;
                out.push(serde_json::from_str(record.value()).map_err(|e| self.error(e))?);
            }
            Ok(out)
        })
    }

    /// Near-duplicate signatures are only comparable under the same settings: the first run
    /// with `dedup.near` records them, and later runs must use the same.
    pub fn check_near_settings(&self, plan: &NearPlan) -> Result<()> {
        self.guarded(|| {
            let wanted = [
                ("near_shingle_words", plan.shingle_words as u64),
                ("near_bands", plan.bands as u64),
                ("near_rows", plan.rows as u64),
            ];
            let txn = self.db.begin_write().map_err(|e| self.error(e))?;
            {
                let mut meta = txn.open_table(META).map_err(|e| self.error(e))?;
                for (key, value) in wanted {
                    let stored = meta.get(key).map_err(|e| self.error(e))?.map(|v| v.value());
                    match stored {
                        None => {
                            meta.insert(key, value).map_err(|e| self.error(e))?;
                        }
                        Some(stored) if stored == value => {}
                        Some(stored) => {
                            return Err(self.error(format!(
                                "its near-duplicate signatures were made with dedup.{key} = \
                             {stored}, not {value}; use the same settings or a new state"
                            )));
                        }
                    }
                }
            }
            txn.commit().map_err(|e| self.error(e))
        })
    }

    /// Every site's boilerplate lines learned by earlier runs.
    pub fn boilerplate(&self) -> Result<std::collections::BTreeMap<(String, String), u32>> {
        self.guarded(|| {
            let txn = self.db.begin_read().map_err(|e| self.error(e))?;
            let table = txn.open_table(BOILERPLATE).map_err(|e| self.error(e))?;
            let mut learned = std::collections::BTreeMap::new();
            for entry in table.iter().map_err(|e| self.error(e))? {
                let (key, count) = entry.map_err(|e| self.error(e))?;
                let (site, line) = key.value();
                learned.insert((site.to_string(), line.to_string()), count.value());
            }
            Ok(learned)
        })
    }

    /// A snapshot of the manifest, for the walk to look files up in while the run writes.
    pub fn manifest(&self) -> Result<Manifest> {
        self.guarded(|| {
            let txn = self.db.begin_read().map_err(|e| self.error(e))?;
            let table = txn.open_table(MANIFEST).map_err(|e| self.error(e))?;
            Ok(Manifest {
                table,
                path: self.path.clone(),
                damage: std::sync::OnceLock::new(),
            })
        })
    }

    /// Starts the run numbered [`State::next_run`]; nothing it records is visible, to this or
    /// any later run, until [`RunWriter::commit`].
    pub fn begin_run(&self) -> Result<RunWriter<'_>> {
        self.guarded(|| {
            let run = self.next_run()?;
            let txn = self.db.begin_write().map_err(|e| self.error(e))?;
            Ok(RunWriter {
                state: self,
                txn,
                run,
            })
        })
    }

    pub fn stats(&self) -> Result<Stats> {
        self.guarded(|| {
            let txn = self.db.begin_read().map_err(|e| self.error(e))?;
            let kept = txn.open_table(KEPT).map_err(|e| self.error(e))?;
            let manifest = txn.open_table(MANIFEST).map_err(|e| self.error(e))?;
            Ok(Stats {
                path: self.path.display().to_string(),
                schema: SCHEMA_VERSION,
                runs: self.runs()?,
                kept_articles: kept.len().map_err(|e| self.error(e))?,
                manifest_files: manifest.len().map_err(|e| self.error(e))?,
                file_bytes: std::fs::metadata(&self.path).map_or(0, |m| m.len()),
            })
        })
    }

    /// Drops run `run`: the articles it kept and the files it read are forgotten, so the next
    /// run reads those files again. Its output directory is left alone. Returns the number of
    /// articles and files forgotten, or `None` if there is no such run.
    pub fn forget(&self, run: u64) -> Result<Option<(u64, u64)>> {
        self.guarded(|| {
            let txn = self.db.begin_write().map_err(|e| self.error(e))?;
            {
                let mut runs = txn.open_table(RUNS).map_err(|e| self.error(e))?;
                if runs.remove(run).map_err(|e| self.error(e))?.is_none() {
                    return Ok(None);
                }
            }
            let forgotten = self.drop_entries(&txn, run)?;
            txn.commit().map_err(|e| self.error(e))?;
            Ok(Some(forgotten))
        })
    }

    /// The last checkpoint of the run numbered [`State::next_run`], if a killed attempt left one.
    pub fn in_progress(&self) -> Result<Option<String>> {
        self.guarded(|| {
            let run = self.next_run()?;
            let txn = self.db.begin_read().map_err(|e| self.error(e))?;
            let table = txn.open_table(IN_PROGRESS).map_err(|e| self.error(e))?;
            Ok(table
                .get(run)
                .map_err(|e| self.error(e))?
                .map(|v| v.value().to_string()))
        })
    }

    /// Drops what a killed attempt at `run` committed at its checkpoints, so that the run can
    /// start again from nothing.
    pub fn abandon(&self, run: u64) -> Result<()> {
        self.guarded(|| {
            let txn = self.db.begin_write().map_err(|e| self.error(e))?;
            txn.open_table(IN_PROGRESS)
                .map_err(|e| self.error(e))?
                .remove(run)
                .map_err(|e| self.error(e))?;
            self.drop_entries(&txn, run)?;
            txn.commit().map_err(|e| self.error(e))
        })
    }

    /// Removes the articles and files recorded by `run`: (articles, files).
    fn drop_entries(&self, txn: &redb::WriteTransaction, run: u64) -> Result<(u64, u64)> {
        // A scan: forgetting is rare, and an index by run would cost every insert.
        let mut kept = txn.open_table(KEPT).map_err(|e| self.error(e))?;
        let mut articles = 0;
        let mut ids = rustc_hash::FxHashSet::default();
        kept.retain(|_, (id, kept_in)| {
            let forget = kept_in == run;
            articles += u64::from(forget);
            if forget {
                ids.insert(id);
            }
            !forget
        })
        .map_err(|e| self.error(e))?;
        let mut signatures = txn.open_table(SIGNATURES).map_err(|e| self.error(e))?;
        signatures
            .retain(|id, _| !ids.contains(&id))
            .map_err(|e| self.error(e))?;
        let mut bands = txn.open_table(NEAR_BANDS).map_err(|e| self.error(e))?;
        bands
            .retain(|_, id| !ids.contains(&id))
            .map_err(|e| self.error(e))?;
        let mut manifest = txn.open_table(MANIFEST).map_err(|e| self.error(e))?;
        let mut files = 0;
        manifest
            .retain(|_, (_, _, _, read_in)| {
                let forget = read_in == run;
                files += u64::from(forget);
                !forget
            })
            .map_err(|e| self.error(e))?;
        Ok((articles, files))
    }
}

/// A read-only snapshot of the manifest.
#[derive(Debug)]
pub struct Manifest {
    table: redb::ReadOnlyTable<&'static str, (u64, i128, u128, u64)>,
    path: PathBuf,
    /// The first sign of a damaged file met by a lookup; [`Manifest::check`] reports it.
    damage: std::sync::OnceLock<String>,
}

impl Manifest {
    /// What the state knows of `source`; `None` also when the lookup found damage, which
    /// [`Manifest::check`] then reports (the run checks after every batch and fails).
    pub fn get(&self, source: &str) -> Option<FileStamp> {
        let found = guard(&self.path, || {
            Ok(self.table.get(source).ok().flatten().map(|e| e.value()))
        });
        let (size, modified_ns, content, _) = match found {
            Ok(found) => found?,
            Err(e) => {
                let _ = self.damage.set(match e {
                    Error::StateDamaged { problem, .. } => problem,
                    other => other.to_string(),
                });
                return None;
            }
        };
        Some(FileStamp {
            size,
            modified_ns,
            content,
        })
    }

    /// Fails if a lookup met a damaged file.
    pub fn check(&self) -> Result<()> {
        match self.damage.get() {
            None => Ok(()),
            Some(message) => Err(damaged(&self.path, message.clone())),
        }
    }
}

#[cfg(test)]
mod tests;

//! One run's changes to the state: a write transaction nobody sees until it commits.
//!
//! [`RunWriter`] holds the run's transaction from its first batch to its commit (or a
//! checkpoint, which commits and opens the next); [`RunBatch`] is the tables one batch of
//! decisions reads and writes, the state's side of [`crate::dedup::KeptIndex`]. Every call
//! into redb runs under the damage guard, so a damaged page fails the run with a clear error.

use std::path::Path;

use redb::ReadableTable;

use super::damage::guard;
use super::{
    BOILERPLATE, FileStamp, IN_PROGRESS, KEPT, MANIFEST, META, NEAR_BANDS, RUNS, RunRecord,
    SIGNATURES, State,
};
use crate::dedup::near::{self, NearPlan};
use crate::dedup::{ContentHash, RecordId};
use crate::error::{Error, Result};

/// One run's changes to the state, uncommitted.
pub struct RunWriter<'s> {
    pub(super) state: &'s State,
    pub(super) txn: redb::WriteTransaction,
    pub(super) run: u64,
}

impl std::fmt::Debug for RunWriter<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunWriter")
            .field("run", &self.run)
            .finish_non_exhaustive()
    }
}

impl<'s> RunWriter<'s> {
    pub fn run(&self) -> u64 {
        self.run
    }

    /// Opens the tables for a batch of decisions.
    pub fn batch(&self) -> Result<RunBatch<'_>> {
        let state = self.state;
        guard(&state.path, move || {
            let error = |e: redb::TableError| self.state.error(e);
            Ok(RunBatch {
                kept: self.txn.open_table(KEPT).map_err(error)?,
                manifest: self.txn.open_table(MANIFEST).map_err(error)?,
                bands: self.txn.open_table(NEAR_BANDS).map_err(error)?,
                signatures: self.txn.open_table(SIGNATURES).map_err(error)?,
                run: self.run,
                path: &self.state.path,
                failure: None,
                damage: None,
            })
        })
    }

    /// Commits what the run did so far with `checkpoint` (the caller's description of where
    /// it stands), and goes on in a new transaction. A killed run resumes from the last one.
    pub fn checkpoint(self, checkpoint: &str) -> Result<RunWriter<'s>> {
        let state = self.state;
        guard(&state.path, move || {
            let state = self.state;
            let run = self.run;
            {
                let mut table = self
                    .txn
                    .open_table(IN_PROGRESS)
                    .map_err(|e| state.error(e))?;
                table.insert(run, checkpoint).map_err(|e| state.error(e))?;
            }
            self.txn.commit().map_err(|e| state.error(e))?;
            let txn = state.db.begin_write().map_err(|e| state.error(e))?;
            Ok(RunWriter { state, txn, run })
        })
    }

    /// Keeps the run's boilerplate lines, so that later nights remove them too.
    pub fn remember_boilerplate(&self, table: &crate::dedup::boilerplate::Table) -> Result<()> {
        let state = self.state;
        guard(&state.path, move || {
            let mut stored = self
                .txn
                .open_table(BOILERPLATE)
                .map_err(|e| self.state.error(e))?;
            for (site, line, count) in table.lines() {
                stored
                    .insert((site.as_str(), line.as_str()), *count)
                    .map_err(|e| self.state.error(e))?;
            }
            Ok(())
        })
    }

    /// Makes the run durable: its kept hashes, its manifest entries, and its record.
    pub fn commit(self, record: &RunRecord) -> Result<()> {
        let state = self.state;
        guard(&state.path, move || {
            let error = |e: &dyn std::fmt::Display| self.state.error(e);
            {
                let mut runs = self.txn.open_table(RUNS).map_err(|e| error(&e))?;
                let json = serde_json::to_string(record).map_err(|e| error(&e))?;
                runs.insert(self.run, json.as_str())
                    .map_err(|e| error(&e))?;
                let mut meta = self.txn.open_table(META).map_err(|e| error(&e))?;
                meta.insert("next_run", self.run + 1)
                    .map_err(|e| error(&e))?;
                let mut in_progress = self.txn.open_table(IN_PROGRESS).map_err(|e| error(&e))?;
                in_progress.remove(self.run).map_err(|e| error(&e))?;
            }
            self.txn.commit().map_err(|e| error(&e))
        })
    }
}

/// The state's tables for one batch: dedup against every earlier run and this one, and the
/// manifest entries of the files read.
pub struct RunBatch<'t> {
    kept: redb::Table<'t, &'static [u8], (u64, u64)>,
    manifest: redb::Table<'t, &'static str, (u64, i128, u128, u64)>,
    bands: redb::Table<'t, u64, u64>,
    signatures: redb::Table<'t, u64, &'static [u8]>,
    run: u64,
    path: &'t Path,
    /// The first database error; the index trait cannot return one, so it is held until the
    /// batch is absorbed and fails the run there.
    failure: Option<String>,
    /// The first sign of a damaged file (a panic in redb, caught), held like `failure`.
    damage: Option<Error>,
}

/// The value, or `None` with the first error kept in `failure` (the run fails with it when the
/// batch ends).
fn ok_or_note<T>(result: Result<T, redb::StorageError>, failure: &mut Option<String>) -> Option<T> {
    match result {
        Ok(value) => Some(value),
        Err(e) => {
            failure.get_or_insert(e.to_string());
            None
        }
    }
}

impl RunBatch<'_> {
    /// Runs `f` so that a panic in redb is noted as damage (and the default value returned);
    /// the run fails with it when the batch ends.
    fn guarded<T: Default>(&mut self, f: impl FnOnce(&mut Self) -> T) -> T {
        let path = self.path;
        match guard(path, || Ok(f(self))) {
            Ok(value) => value,
            Err(e) => {
                self.damage.get_or_insert(e);
                T::default()
            }
        }
    }

    /// Records that `source` was read as `stamp` in this run.
    pub fn record_file(&mut self, source: &str, stamp: FileStamp) {
        self.guarded(|batch| {
            let value = (stamp.size, stamp.modified_ns, stamp.content, batch.run);
            let done = batch.manifest.insert(source, value).map(drop);
            ok_or_note(done, &mut batch.failure);
        })
    }

    /// The kept record with this content, in any run.
    pub fn get(&mut self, content: &ContentHash) -> Option<RecordId> {
        self.guarded(|batch| {
            let found = batch.kept.get(&content[..]).map(|v| v.map(|v| v.value().0));
            ok_or_note(found, &mut batch.failure)
                .flatten()
                .map(RecordId)
        })
    }

    /// Records `content` as standing for the kept record `id`.
    pub fn insert(&mut self, content: &ContentHash, id: RecordId) {
        self.guarded(|batch| {
            let done = batch.kept.insert(&content[..], (id.0, batch.run)).map(drop);
            ok_or_note(done, &mut batch.failure);
        })
    }

    /// Like [`crate::dedup::near::MemoryNear::find`], against every run.
    pub fn find_near(&mut self, plan: &NearPlan, signature: &[u32]) -> Option<(RecordId, f64)> {
        self.guarded(|batch| {
            let mut best: Option<(RecordId, f64)> = None;
            for key in near::band_keys(plan, signature) {
                let candidate = batch.bands.get(key).map(|v| v.map(|v| v.value()));
                let Some(candidate) = ok_or_note(candidate, &mut batch.failure).flatten() else {
                    continue;
                };
                let theirs = batch.signatures.get(candidate).map(|v| {
                    v.map(|bytes| {
                        bytes
                            .value()
                            .chunks_exact(4)
                            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                            .collect::<Vec<u32>>()
                    })
                });
                let Some(theirs) = ok_or_note(theirs, &mut batch.failure).flatten() else {
                    continue;
                };
                if theirs.len() != signature.len() {
                    continue;
                }
                let similar = near::similarity(signature, &theirs);
                if similar >= plan.threshold && best.is_none_or(|(_, s)| similar > s) {
                    best = Some((RecordId(candidate), similar));
                }
            }
            best
        })
    }

    /// Remembers a kept article's signature for later near-duplicate lookups; a band already
    /// taken keeps pointing at the earlier article.
    pub fn insert_near(&mut self, plan: &NearPlan, id: RecordId, signature: &[u32]) {
        self.guarded(|batch| {
            for key in near::band_keys(plan, signature) {
                let taken = batch.bands.get(key).map(|v| v.is_some());
                if ok_or_note(taken, &mut batch.failure) == Some(false) {
                    let done = batch.bands.insert(key, id.0).map(drop);
                    ok_or_note(done, &mut batch.failure);
                }
            }
            let bytes: Vec<u8> = signature.iter().flat_map(|v| v.to_le_bytes()).collect();
            let done = batch.signatures.insert(id.0, bytes.as_slice()).map(drop);
            ok_or_note(done, &mut batch.failure);
        })
    }

    /// Ends the batch; fails with the first database error it met.
    pub fn finish(self) -> Result<()> {
        if let Some(damage) = self.damage {
            return Err(damage);
        }
        match self.failure {
            None => Ok(()),
            Some(message) => Err(Error::State {
                path: self.path.to_path_buf(),
                message,
            }),
        }
    }
}

impl crate::dedup::KeptIndex for RunBatch<'_> {
    fn exact(&mut self, content: &ContentHash) -> Option<RecordId> {
        self.get(content)
    }

    fn insert_exact(&mut self, content: &ContentHash, id: RecordId) {
        self.insert(content, id);
    }

    fn near(&mut self, plan: &NearPlan, signature: &[u32]) -> Option<(RecordId, f64)> {
        self.find_near(plan, signature)
    }

    fn insert_near(&mut self, plan: &NearPlan, id: RecordId, signature: &[u32]) {
        RunBatch::insert_near(self, plan, id, signature);
    }
}

impl std::fmt::Debug for RunBatch<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunBatch")
            .field("run", &self.run)
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

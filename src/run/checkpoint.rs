//! Checkpoints of a long run with state: where a run stood, saved with the state's commit, so
//! that a killed run goes on from there and ends exactly as one that was never killed.
//!
//! After a batch that ends on a whole input, every `checkpoint_files` inputs, the writers sync
//! (ending a zstd frame or gzip member) and the state's transaction commits with a
//! [`Checkpoint`] in its `in_progress` table. The same command then cuts the staging files back
//! to the marks, skips the inputs walked and goes on; the walk's prefix is checked first.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::article::CleanStats;
use crate::config::Plan;
use crate::error::{Error, Result};
use crate::input::discover;
use crate::output::{Outputs, WriterMark};
use crate::report::figures::FigureTally;
use crate::report::{Progress, RunSummary};

use super::batches::top_level_source;
use super::write::StateTally;

/// Where a run with state stood at its last checkpoint: enough to go on from there and end
/// exactly as a run that was never killed.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Checkpoint {
    pub(crate) output_dir: PathBuf,
    pub(crate) staging_dir: String,
    /// Top-level inputs of the walk done, and the source of the last one (to check that the
    /// inputs before it are still the same).
    pub(crate) walked: u64,
    last_source: String,
    pub(crate) writers: [WriterMark; 3],
    seen: u64,
    kept: u64,
    duplicates: u64,
    rejected: u64,
    rejected_by_reason: BTreeMap<String, u64>,
    bytes_in: u64,
    text_out: u64,
    cleaning: CleanStats,
    files_read: u64,
    files_unchanged: u64,
    kept_new: u64,
    boilerplate_removed: Vec<u64>,
    /// The boilerplate table the run learned before its first checkpoint.
    pub(crate) boilerplate: Vec<(String, String, u32)>,
    progress_files: u64,
    progress_bytes: u64,
    /// The report's figures so far; absent from checkpoints of older versions.
    #[serde(default)]
    figures: FigureTally,
}

/// Where the batch just written leaves the walk: inputs walked, the last one's source, and
/// whether every input begun is whole.
pub(crate) type WalkPosition = (u64, String, bool);

impl Checkpoint {
    /// Syncs the writers and captures the run's counts after the batch that ended at `at`, as
    /// JSON for the state's `in_progress` table.
    pub(crate) fn capture(
        plan: &Plan,
        outputs: &mut Outputs,
        at: WalkPosition,
        summary: &RunSummary,
        tally: &StateTally,
        progress: Progress,
    ) -> Result<String> {
        let (walked, last_source, _) = at;
        let checkpoint = Checkpoint {
            output_dir: std::path::absolute(outputs.dir())
                .unwrap_or_else(|_| outputs.dir().to_path_buf()),
            staging_dir: outputs.staging_name(),
            walked,
            last_source,
            writers: outputs.checkpoint()?,
            seen: summary.counts.seen,
            kept: summary.counts.kept,
            duplicates: summary.counts.duplicates,
            rejected: summary.counts.rejected,
            rejected_by_reason: summary
                .counts
                .rejected_by_reason
                .iter()
                .map(|(code, n)| (code.to_string(), *n))
                .collect(),
            bytes_in: summary.bytes.input,
            text_out: summary.bytes.text_out,
            cleaning: summary.cleaning,
            files_read: tally.files_read,
            files_unchanged: tally.files_unchanged,
            kept_new: tally.kept_new,
            boilerplate_removed: tally.boilerplate_removed.clone(),
            boilerplate: plan
                .boilerplate_table
                .get()
                .map(|t| t.lines().to_vec())
                .unwrap_or_default(),
            progress_files: progress.files,
            progress_bytes: progress.bytes,
            figures: tally.figures.clone(),
        };
        serde_json::to_string(&checkpoint).map_err(|e| Error::State {
            path: plan.state_path.clone().unwrap_or_default(),
            message: e.to_string(),
        })
    }

    /// Whether the first `walked` inputs of the walk still end with the same source.
    pub(crate) fn walk_prefix_matches(&self, plan: &Plan) -> bool {
        let skip_dir = self.output_dir.canonicalize().ok();
        let Some(index) = (self.walked as usize).checked_sub(1) else {
            return true;
        };
        discover::walk(&plan.input, skip_dir)
            .nth(index)
            .is_some_and(|found| top_level_source(&found) == self.last_source)
    }

    /// Puts back the counts this checkpoint saved.
    pub(crate) fn restore(
        &self,
        summary: &mut RunSummary,
        tally: &mut StateTally,
        progress: &mut Progress,
    ) {
        let counts = &mut summary.counts;
        counts.seen = self.seen;
        counts.kept = self.kept;
        counts.duplicates = self.duplicates;
        counts.rejected = self.rejected;
        for (code, n) in counts.rejected_by_reason.iter_mut() {
            *n = self.rejected_by_reason.get(*code).copied().unwrap_or(0);
        }
        summary.bytes.input = self.bytes_in;
        summary.bytes.text_out = self.text_out;
        summary.cleaning = self.cleaning;
        tally.files_read = self.files_read;
        tally.files_unchanged = self.files_unchanged;
        tally.kept_new = self.kept_new;
        if tally.boilerplate_removed.len() == self.boilerplate_removed.len() {
            tally
                .boilerplate_removed
                .clone_from(&self.boilerplate_removed);
        }
        progress.files = self.progress_files;
        progress.bytes = self.progress_bytes;
        summary.run.resumed_after_inputs = Some(self.walked);
        // Counts carry over; step times are this execution's, like its elapsed time.
        tally.figures = self.figures.clone();
        tally.figures.steps = Default::default();
    }
}

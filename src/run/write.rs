//! Deciding and writing one batch, in input order, on one thread.
//!
//! This is where every outcome lands in exactly one of the three record files: a cleaned
//! article is decided ([`crate::dedup::decide`]) and written as clean or as a duplicate of its
//! kept twin; a reject is written with its reason; what the nightly state must remember of a
//! file is recorded in the run's transaction.

use crate::article::{CleanRecord, DuplicateKind, DuplicateRecord, RejectRecord};
use crate::config::Plan;
use crate::dedup::boilerplate::site_of;
use crate::dedup::{self, Decision, DedupPlan, InMemory, KeptIndex, near};
use crate::error::Result;
use crate::input::Reject;
use crate::output::Outputs;
use crate::report::RunSummary;
use crate::report::figures::{FigureTally, Stopwatch};
use crate::state::RunBatch;

use super::process::Outcome;

/// What the nightly state saw of this run's files.
#[derive(Debug, Default)]
pub(crate) struct StateTally {
    pub(crate) files_read: u64,
    pub(crate) files_unchanged: u64,
    pub(crate) kept_new: u64,
    /// Kept articles each learned boilerplate line was removed from, by table index.
    pub(crate) boilerplate_removed: Vec<u64>,
    /// The report's figures (sites, lengths, clusters, details, step times).
    pub(crate) figures: FigureTally,
}

/// Where duplicates are decided: in memory for a run that stands alone, or against every
/// earlier run in the state.
pub(crate) enum Decider<'a, 't> {
    Memory(&'a mut InMemory),
    // One per batch, so its size does not matter.
    State(Box<RunBatch<'t>>),
}

impl Decider<'_, '_> {
    /// Ends the batch: with a state, fails with the first database error it met.
    pub(crate) fn finish(self) -> Result<()> {
        match self {
            Decider::Memory(_) => Ok(()),
            Decider::State(batch) => batch.finish(),
        }
    }

    fn index(&mut self) -> &mut dyn KeptIndex {
        match self {
            Decider::Memory(index) => &mut **index,
            Decider::State(batch) => &mut **batch,
        }
    }
}

/// How much a written batch accounted for.
pub(crate) struct Written {
    pub(crate) files: u64,
    pub(crate) bytes: u64,
}

/// Decides duplicates and writes one batch, in input order.
pub(crate) fn write_batch(
    plan: &Plan,
    outcomes: Vec<Vec<Outcome>>,
    decider: &mut Decider<'_, '_>,
    outputs: &mut Outputs,
    summary: &mut RunSummary,
    tally: &mut StateTally,
) -> Result<Written> {
    let mut written = Written {
        files: outcomes.len() as u64,
        bytes: 0,
    };
    let dedup_plan = DedupPlan {
        exact: plan.dedup_exact,
        near: plan.near.as_ref(),
    };
    for outcome in outcomes.into_iter().flatten() {
        match outcome {
            Outcome::FileRead { source, stamp } => {
                if let Decider::State(batch) = decider {
                    batch.record_file(&source, stamp);
                }
                tally.files_read += 1;
            }
            Outcome::Unchanged => tally.files_unchanged += 1,
            Outcome::Rejected(Reject {
                source,
                reason,
                detail,
                bytes_in,
            }) => {
                written.bytes += bytes_in;
                summary.bytes.input += bytes_in;
                summary.counts.reject(reason);
                tally
                    .figures
                    .rejected(&site_of(&source, None), reason, &detail);
                let steps = &mut tally.figures.steps;
                let mut watch = Stopwatch::start(steps.time_next_record());
                let record = RejectRecord {
                    source: &source,
                    reason,
                    detail: &detail,
                };
                outputs.rejects.write_with(|line| record.write_json(line))?;
                watch.lap(&mut tally.figures.steps.late[3]);
            }
            Outcome::Cleaned(cleaned) => {
                written.bytes += cleaned.bytes_in;
                summary.bytes.input += cleaned.bytes_in;
                summary.counts.seen += 1;
                let mut watch = Stopwatch::start(tally.figures.steps.time_next_record());
                let id = dedup::record_id(&cleaned.source, &cleaned.dedup_hash);
                let decision = dedup::decide(
                    decider.index(),
                    dedup_plan,
                    &cleaned.dedup_hash,
                    cleaned.signature.as_deref(),
                    id,
                );
                watch.lap(&mut tally.figures.steps.late[2]);
                // A shard's outcomes do not carry the site; it is cheap to find again.
                let site = match cleaned.site.is_empty() {
                    true => site_of(&cleaned.source, cleaned.article.url.as_deref()),
                    false => cleaned.site,
                };
                let sha256 = dedup::hex(&cleaned.sha256);
                let (kept, kind, similarity) = match decision {
                    Decision::Kept => (None, DuplicateKind::Exact, None),
                    Decision::Exact(kept) => (Some(kept), DuplicateKind::Exact, None),
                    Decision::Near(kept, similarity) => (
                        Some(kept),
                        DuplicateKind::Near,
                        Some(near::rounded(similarity)),
                    ),
                };
                match kept {
                    None => {
                        summary.counts.kept += 1;
                        tally.kept_new += 1;
                        for &line in &cleaned.boilerplate_removed {
                            if let Some(count) = tally.boilerplate_removed.get_mut(line as usize) {
                                *count += 1;
                            }
                        }
                        summary.cleaning.add(&cleaned.article.stats);
                        tally.figures.kept(
                            &site,
                            cleaned.article.text.len(),
                            cleaned.article.stats.captions_collapsed,
                            cleaned.boilerplate_removed.len() as u64,
                        );
                        summary.bytes.text_out += cleaned.article.text.len() as u64;
                        let article = &cleaned.article;
                        if let Some(written) = &article.unparsed_date {
                            summary.unparsed_dates.note(written);
                        }
                        let record = CleanRecord {
                            id: &id.to_string(),
                            source: &cleaned.source,
                            title: article.title.as_deref(),
                            date: article.date.as_deref(),
                            text: &article.text,
                            captions: &article.captions,
                            sha256: &sha256,
                            format: article.format,
                            encoding: cleaned.encoding,
                            replaced_bytes: article.stats.replaced_bytes,
                            url: article.url.as_deref(),
                            author: article.author.as_deref(),
                            language: article.language.as_deref(),
                            site_name: article.site_name.as_deref(),
                            crawl_date: article.crawl_date.as_deref(),
                        };
                        outputs.clean.write_with(|line| record.write_json(line))?;
                    }
                    Some(kept) => {
                        summary.counts.duplicates += 1;
                        let near = kind == DuplicateKind::Near;
                        tally
                            .figures
                            .duplicate(&site, &cleaned.source, kept.0, near);
                        let record = DuplicateRecord {
                            source: &cleaned.source,
                            duplicate_of: &kept.to_string(),
                            sha256: &sha256,
                            kind,
                            similarity,
                        };
                        outputs
                            .duplicates
                            .write_with(|line| record.write_json(line))?;
                    }
                }
                watch.lap(&mut tally.figures.steps.late[3]);
            }
        }
    }
    Ok(written)
}

//! The one stateful step: deciding which articles are duplicates, and what a site repeats.
//!
//! Deciding runs on one thread in sorted `source` order, so the kept article of a set of
//! duplicates is always the first in that order, whatever the thread count. The decision is one
//! function, [`decide`]: an exact copy of a kept article ([`exact`]), else a near copy of one
//! ([`near`]), else kept. It asks a [`KeptIndex`]: [`InMemory`] for a run that stands alone, the
//! nightly state's write transaction (`state::RunBatch`) for a run that continues earlier
//! nights. [`boilerplate`] learns the lines a site repeats across its articles.

pub mod boilerplate;
pub mod exact;
pub mod near;

pub use exact::{ContentHash, MemoryIndex, RecordId, hash_text, hex, record_id};
use near::{MemoryNear, NearPlan};

/// The kept articles duplicates are looked up in.
pub(crate) trait KeptIndex {
    /// The kept article with exactly this content.
    fn exact(&mut self, content: &ContentHash) -> Option<RecordId>;
    fn insert_exact(&mut self, content: &ContentHash, id: RecordId);
    /// The most similar kept article at or above the plan's threshold, and the similarity.
    fn near(&mut self, plan: &NearPlan, signature: &[u32]) -> Option<(RecordId, f64)>;
    fn insert_near(&mut self, plan: &NearPlan, id: RecordId, signature: &[u32]);
}

/// What became of a cleaned article.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Decision {
    Kept,
    Exact(RecordId),
    Near(RecordId, f64),
}

/// Which duplicates are looked for.
#[derive(Debug, Clone, Copy)]
pub(crate) struct DedupPlan<'p> {
    pub(crate) exact: bool,
    pub(crate) near: Option<&'p NearPlan>,
}

/// Decides one article, in sorted order: an exact copy of a kept article, else a near copy of
/// one, else kept. Only kept articles are candidates, so a cluster's first article in sorted
/// order is the one kept.
pub(crate) fn decide(
    index: &mut dyn KeptIndex,
    plan: DedupPlan<'_>,
    content: &ContentHash,
    signature: Option<&[u32]>,
    id: RecordId,
) -> Decision {
    if plan.exact {
        if let Some(kept) = index.exact(content) {
            return Decision::Exact(kept);
        }
    }
    let near = plan.near.zip(signature);
    if let Some((near_plan, signature)) = near {
        if let Some((kept, similarity)) = index.near(near_plan, signature) {
            // A later exact copy of this text points at the record that was kept.
            if plan.exact {
                index.insert_exact(content, kept);
            }
            return Decision::Near(kept, similarity);
        }
    }
    if plan.exact {
        index.insert_exact(content, id);
    }
    if let Some((near_plan, signature)) = near {
        index.insert_near(near_plan, id, signature);
    }
    Decision::Kept
}

/// The kept articles of a run that stands alone.
#[derive(Debug, Default)]
pub(crate) struct InMemory {
    pub(crate) exact: MemoryIndex,
    pub(crate) near: MemoryNear,
}

impl KeptIndex for InMemory {
    fn exact(&mut self, content: &ContentHash) -> Option<RecordId> {
        self.exact.get(content)
    }

    fn insert_exact(&mut self, content: &ContentHash, id: RecordId) {
        self.exact.insert(content, id);
    }

    fn near(&mut self, plan: &NearPlan, signature: &[u32]) -> Option<(RecordId, f64)> {
        self.near.find(plan, signature)
    }

    fn insert_near(&mut self, plan: &NearPlan, id: RecordId, signature: &[u32]) {
        self.near.insert(plan, id, signature.into());
    }
}

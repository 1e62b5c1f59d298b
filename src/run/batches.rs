//! The walk, cut into batches for the workers, on its own thread.
//!
//! A batch closes at [`BATCH_FILES`] items or [`BATCH_BYTES`] input bytes, so memory holds a
//! bounded amount of input whatever the files' sizes. Each batch says where it leaves the walk,
//! so that a checkpoint falls only between whole inputs.

use std::path::PathBuf;
use std::sync::mpsc::SyncSender;

use crate::config::Plan;
use crate::input::discover::{self, Discovered};
use crate::input::expand::expand;
use crate::state::Manifest;

/// A batch closes at this many files…
pub(crate) const BATCH_FILES: usize = 512;
/// …or this many input bytes, whichever comes first, bounding memory for large files.
pub(crate) const BATCH_BYTES: u64 = 16 * 1024 * 1024;

/// A batch from the walker, with where it leaves the walk.
pub(crate) struct WalkBatch {
    pub(crate) items: Vec<Discovered>,
    /// Top-level inputs begun so far, and the last one's source.
    pub(crate) walked: u64,
    pub(crate) last_source: String,
    /// Every input begun is whole in this batch and those before: a checkpoint may follow.
    pub(crate) at_boundary: bool,
}

/// Walks (from input `skip` on), expands and batches the inputs for the run, on the walker
/// thread.
pub(crate) fn walk_batches(
    plan: &Plan,
    skip_dir: Option<PathBuf>,
    manifest: Option<&Manifest>,
    skip: u64,
    sender: SyncSender<WalkBatch>,
) {
    let mut top = discover::walk(&plan.input, skip_dir).skip(skip as usize);
    let mut walked = skip;
    let mut last_source = String::new();
    let mut pending: Option<std::iter::Peekable<Box<dyn Iterator<Item = Discovered> + Send>>> =
        None;
    loop {
        let mut items = Vec::with_capacity(BATCH_FILES);
        let mut bytes = 0;
        while items.len() < BATCH_FILES && bytes < BATCH_BYTES {
            if let Some(item) = pending.as_mut().and_then(Iterator::next) {
                bytes += discovered_bytes(&item);
                items.push(item);
                continue;
            }
            let Some(found) = top.next() else { break };
            walked += 1;
            last_source = top_level_source(&found);
            pending = Some(expand(&plan.input, found, manifest).peekable());
        }
        let at_boundary = pending.as_mut().is_none_or(|p| p.peek().is_none());
        if items.is_empty() {
            break;
        }
        let batch = WalkBatch {
            items,
            walked,
            last_source: last_source.clone(),
            at_boundary,
        };
        if sender.send(batch).is_err() {
            break;
        }
    }
}

/// The next batch of an expanded walk.
pub(crate) fn next_batch(walk: &mut impl Iterator<Item = Discovered>) -> Vec<Discovered> {
    let mut batch = Vec::with_capacity(BATCH_FILES);
    let mut bytes = 0;
    while batch.len() < BATCH_FILES && bytes < BATCH_BYTES {
        let Some(found) = walk.next() else { break };
        bytes += discovered_bytes(&found);
        batch.push(found);
    }
    batch
}

/// The source of a top-level walk item (a dump's chunks carry their file's).
pub(crate) fn top_level_source(found: &Discovered) -> String {
    match found {
        Discovered::File(source) => source.source.clone(),
        Discovered::Problem { source, .. } | Discovered::Unchanged { source } => source.clone(),
        Discovered::Chunk(chunk) => chunk.source.clone(),
        Discovered::WarcChunk(chunk) => chunk.source.clone(),
        Discovered::Streamed { source, .. } => source.clone(),
    }
}

/// Input bytes a walk item brings into a batch.
pub(crate) fn discovered_bytes(found: &Discovered) -> u64 {
    match found {
        Discovered::File(source) => source.size,
        Discovered::Chunk(chunk) => chunk.bytes.len() as u64,
        Discovered::WarcChunk(chunk) => chunk
            .responses
            .iter()
            .map(|r| {
                r.as_ref()
                    .map_or(0, |r| r.message.as_ref().map_or(0, Vec::len))
            })
            .sum::<usize>() as u64,
        Discovered::Problem { .. } | Discovered::Unchanged { .. } | Discovered::Streamed { .. } => {
            0
        }
    }
}

//! Sharded runs: the same job split over N tasks on a cluster, with the output of one machine.
//!
//! A run is cut in two phases that a scheduler (a Slurm job array) or a shell loop can run:
//!
//! 1. `scour run --shard-index I --shard-count N --output WORK` cleans only the inputs of shard
//!    I — those whose source hashes (xxh3) to I modulo N, a rule every task computes alone from
//!    the same listing — and writes every outcome, in walk order and tagged with its place in
//!    the walk, to `WORK/shard-IIIII-of-NNNNN/outcomes.jsonl`. The shard directory is staged and
//!    renamed into place with `done.json` inside, so a shard is either complete or absent; a
//!    failed task is simply run again.
//! 2. `scour finalize --shards WORK --shard-count N --output OUT` merges the shards' outcomes
//!    back into walk order (a k-way merge over sorted files, streaming) and decides duplicates
//!    and writes the outputs exactly as `pipeline` does on one machine — the same code
//!    (`write_batch`), so the same bytes and the same winners.
//!
//! The cleaning, which is nearly all the work, is spread over the tasks; the finalize step only
//! reads cleaned text, decides duplicates and writes. With a nightly state, every task reads the
//! manifest (from its own copy of the state: redb allows one process per database) to skip
//! unchanged files, and the finalize alone decides against the state and commits it, once.
//! Site boilerplate, which needs the whole input seen before cleaning, is not yet available.

use std::collections::BinaryHeap;
use std::fs::{self, File};
use std::io::{self, BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::article::Article;
use crate::config::Plan;
use crate::crash::crash_point;
use crate::dedup::{self, InMemory};
use crate::error::{Error, Result};
use crate::input::Reject;
use crate::input::discover::{self, Discovered};
use crate::input::expand::expand;

use super::batches::{BATCH_BYTES, BATCH_FILES, discovered_bytes, top_level_source};
use super::nightly::{StatePrep, new_outputs, prepare_state_run};
use super::process::{Cleaned, Outcome, process};
use super::write::{Decider, StateTally, write_batch};
use super::{drop_writer, end_run, give_up};
use super::{run_facts, thread_pool};
use crate::report::figures::StepNanos;
use crate::report::{Counts, RunSummary};
use crate::state::{FileStamp, State};

/// Which part of the work a task does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShardSpec {
    pub index: usize,
    pub count: usize,
}

impl ShardSpec {
    /// Whether the input named `source` belongs to this shard.
    pub fn owns(&self, source: &str) -> bool {
        shard_of(source, self.count) == self.index
    }

    /// The shard's directory name under the work directory.
    pub fn dir_name(&self) -> String {
        format!("shard-{:05}-of-{:05}", self.index, self.count)
    }
}

/// The shard of an input: a hash of its source path, stable across machines and versions.
pub fn shard_of(source: &str, count: usize) -> usize {
    (xxhash_rust::xxh3::xxh3_64(source.as_bytes()) % count.max(1) as u64) as usize
}

/// One outcome as a shard writes it: its place in the walk (the input's position, and the
/// article's position within the input) and what became of it.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum Entry {
    Cleaned {
        walk: u64,
        seq: u32,
        source: String,
        article: Box<Article>,
        sha256: String,
        dedup_hash: String,
        signature: Option<Vec<u32>>,
        encoding: String,
        bytes_in: u64,
    },
    Rejected {
        walk: u64,
        seq: u32,
        #[serde(flatten)]
        reject: Reject,
    },
    /// A file read, for the nightly state's manifest.
    FileRead {
        walk: u64,
        seq: u32,
        source: String,
        size: u64,
        /// As decimal text: JSON numbers do not carry 128 bits.
        modified_ns: String,
        content: String,
    },
    /// A file the nightly state had read before, unchanged.
    Unchanged { walk: u64, seq: u32 },
}

impl Entry {
    fn place(&self) -> (u64, u32) {
        match self {
            Entry::Cleaned { walk, seq, .. }
            | Entry::Rejected { walk, seq, .. }
            | Entry::FileRead { walk, seq, .. }
            | Entry::Unchanged { walk, seq } => (*walk, *seq),
        }
    }

    fn from_outcome(walk: u64, seq: u32, outcome: Outcome) -> Option<Entry> {
        match outcome {
            Outcome::Cleaned(cleaned) => {
                let cleaned = *cleaned;
                Some(Entry::Cleaned {
                    walk,
                    seq,
                    source: cleaned.source,
                    article: Box::new(cleaned.article),
                    sha256: dedup::hex(&cleaned.sha256),
                    dedup_hash: dedup::hex(&cleaned.dedup_hash),
                    signature: cleaned.signature.map(Vec::from),
                    encoding: cleaned.encoding.to_string(),
                    bytes_in: cleaned.bytes_in,
                })
            }
            Outcome::Rejected(reject) => Some(Entry::Rejected { walk, seq, reject }),
            Outcome::FileRead { source, stamp } => Some(Entry::FileRead {
                walk,
                seq,
                source,
                size: stamp.size,
                modified_ns: stamp.modified_ns.to_string(),
                content: stamp.content.to_string(),
            }),
            Outcome::Unchanged => Some(Entry::Unchanged { walk, seq }),
        }
    }

    fn into_outcome(self) -> Outcome {
        match self {
            Entry::Cleaned {
                source,
                article,
                sha256,
                dedup_hash,
                signature,
                encoding,
                bytes_in,
                ..
            } => Outcome::Cleaned(Box::new(Cleaned {
                source,
                article: *article,
                sha256: unhex(&sha256),
                dedup_hash: unhex(&dedup_hash),
                site: String::new(),
                boilerplate_removed: Vec::new(),
                signature: signature.map(Vec::into_boxed_slice),
                encoding: static_encoding(&encoding),
                bytes_in,
            })),
            Entry::Rejected { reject, .. } => Outcome::Rejected(reject),
            Entry::FileRead {
                source,
                size,
                modified_ns,
                content,
                ..
            } => Outcome::FileRead {
                source,
                stamp: FileStamp {
                    size,
                    modified_ns: modified_ns.parse().unwrap_or(0),
                    content: content.parse().unwrap_or(0),
                },
            },
            Entry::Unchanged { .. } => Outcome::Unchanged,
        }
    }
}

fn unhex(hex: &str) -> dedup::ContentHash {
    let mut out = [0u8; 32];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = hex
            .get(2 * i..2 * i + 2)
            .and_then(|h| u8::from_str_radix(h, 16).ok())
            .unwrap_or(0);
    }
    out
}

/// Encoding names are `encoding_rs`'s (or UTF-16 with a BOM), all `'static`.
fn static_encoding(name: &str) -> &'static str {
    match name {
        "UTF-16LE" => "UTF-16LE",
        "UTF-16BE" => "UTF-16BE",
        _ => encoding_rs::Encoding::for_label(name.as_bytes()).map_or("UTF-8", |e| e.name()),
    }
}

/// What a shard task did, as `done.json` says.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShardDone {
    pub index: usize,
    pub count: usize,
    /// Inputs of this shard and outcomes written.
    pub inputs: u64,
    pub outcomes: u64,
    /// Inputs of the whole walk (every shard must agree).
    pub walked: u64,
    pub seconds: f64,
}

fn refuse_unsupported(plan: &Plan) -> Result<()> {
    let unsupported = if plan.boilerplate.is_some() {
        Some("boilerplate.enabled")
    } else {
        None
    };
    match unsupported {
        Some(what) => Err(Error::Config(crate::error::ConfigProblems(vec![
            crate::error::ConfigProblem {
                file: None,
                line_col: None,
                key: None,
                message: format!("sharded runs do not support {what} yet"),
            },
        ]))),
        None => Ok(()),
    }
}

/// Phase 1: cleans shard `spec` of the inputs into `plan.output_dir` (the work directory).
/// Returns `None` if the shard was already complete there.
pub fn run_shard(plan: &Plan, spec: ShardSpec) -> Result<Option<ShardDone>> {
    refuse_unsupported(plan)?;
    crash_point(&format!("shard-{}", spec.index));
    let started = Instant::now();
    let work = &plan.output_dir;
    let io_error = |path: &Path| {
        let path = path.to_path_buf();
        move |source| Error::Output { path, source }
    };
    let final_dir = work.join(spec.dir_name());
    if final_dir.join("done.json").is_file() {
        return Ok(None);
    }
    fs::create_dir_all(work).map_err(io_error(work))?;
    let staging = work.join(format!(".{}.tmp-{}", spec.dir_name(), std::process::id()));
    fs::create_dir_all(&staging).map_err(io_error(&staging))?;
    let outcomes_path = staging.join("outcomes.jsonl");
    let mut out = BufWriter::with_capacity(
        1 << 20,
        File::create(&outcomes_path).map_err(io_error(&outcomes_path))?,
    );
    let pool = thread_pool(plan)?;
    // redb lets one process at a time open a database, and the tasks run at once: each reads
    // the manifest from its own copy of the state as it was when the task started.
    let state_copy = match &plan.state_path {
        Some(path) if path.is_file() => {
            let copy = staging.join("state-snapshot.redb");
            fs::copy(path, &copy).map_err(io_error(&copy))?;
            Some(State::open(&copy)?)
        }
        _ => None,
    };
    let manifest = state_copy.as_ref().map(State::manifest).transpose()?;
    let skip_dir = work.canonicalize().ok();
    let mut walked = 0u64;
    let mut inputs = 0u64;
    let mut written = 0u64;
    // Inputs of this shard, expanded (a large dump into chunks), each tagged with its place.
    let mut mine = discover::walk(&plan.input, skip_dir)
        .enumerate()
        .inspect(|_| walked += 1)
        .filter(|(_, found)| spec.owns(&top_level_source(found)))
        .inspect(|_| inputs += 1)
        .flat_map(|(walk, found)| {
            expand(&plan.input, found, manifest.as_ref()).map(move |item| (walk as u64, item))
        });
    let mut seq: (u64, u32) = (u64::MAX, 0);
    let mut line = Vec::with_capacity(64 * 1024);
    loop {
        let mut batch: Vec<(u64, Discovered)> = Vec::with_capacity(BATCH_FILES);
        let mut bytes = 0;
        while batch.len() < BATCH_FILES && bytes < BATCH_BYTES {
            let Some((walk, item)) = mine.next() else {
                break;
            };
            bytes += discovered_bytes(&item);
            batch.push((walk, item));
        }
        if batch.is_empty() {
            break;
        }
        // A shard's step times stay with its task: the finalize reports its own.
        let processed: Vec<(u64, Vec<Outcome>)> = pool.install(|| {
            batch
                .into_par_iter()
                .map(|(walk, item)| (walk, process(plan, item, &mut StepNanos::default())))
                .collect()
        });
        for (walk, outcomes) in processed {
            for outcome in outcomes {
                if seq.0 != walk {
                    seq = (walk, 0);
                }
                let Some(entry) = Entry::from_outcome(walk, seq.1, outcome) else {
                    continue;
                };
                seq.1 += 1;
                line.clear();
                serde_json::to_writer(&mut line, &entry).map_err(|e| Error::Output {
                    path: outcomes_path.clone(),
                    source: io::Error::other(e),
                })?;
                line.push(b'\n');
                out.write_all(&line).map_err(io_error(&outcomes_path))?;
                written += 1;
            }
        }
    }
    drop(mine);
    drop(manifest);
    if let Some(state) = state_copy {
        let copy = state.path().to_path_buf();
        drop(state);
        fs::remove_file(&copy).map_err(io_error(&copy))?;
        // The copy's lock file (`State::open` locks every state it opens) goes with it.
        let lock = crate::state::lock_path(&copy);
        fs::remove_file(&lock).map_err(io_error(&lock))?;
    }
    let file = out
        .into_inner()
        .map_err(|e| io_error(&outcomes_path)(e.into_error()))?;
    file.sync_all().map_err(io_error(&outcomes_path))?;
    let done = ShardDone {
        index: spec.index,
        count: spec.count,
        inputs,
        outcomes: written,
        walked,
        seconds: started.elapsed().as_secs_f64(),
    };
    let done_path = staging.join("done.json");
    let mut done_file = File::create(&done_path).map_err(io_error(&done_path))?;
    serde_json::to_writer_pretty(&mut done_file, &done).map_err(|e| Error::Output {
        path: done_path.clone(),
        source: io::Error::other(e),
    })?;
    done_file.sync_all().map_err(io_error(&done_path))?;
    // A rerun of a task that died replaces what it left.
    if final_dir.exists() {
        fs::remove_dir_all(&final_dir).map_err(io_error(&final_dir))?;
    }
    fs::rename(&staging, &final_dir).map_err(io_error(&final_dir))?;
    if let Ok(dir) = File::open(work) {
        let _ = dir.sync_all();
    }
    Ok(Some(done))
}

/// A shard's outcomes, read one at a time.
struct ShardReader {
    lines: io::Lines<BufReader<File>>,
    path: PathBuf,
}

impl ShardReader {
    fn next_entry(&mut self) -> Result<Option<Entry>> {
        match self.lines.next() {
            None => Ok(None),
            Some(line) => {
                let line = line.map_err(|source| Error::Output {
                    path: self.path.clone(),
                    source,
                })?;
                serde_json::from_str(&line)
                    .map(Some)
                    .map_err(|e| Error::Output {
                        path: self.path.clone(),
                        source: io::Error::other(e),
                    })
            }
        }
    }
}

/// Phase 2: merges the `count` shards in `work` and writes the run's outputs into
/// `plan.output_dir`, as one machine would have.
pub fn finalize(plan: &Plan, work: &Path, count: usize) -> Result<RunSummary> {
    refuse_unsupported(plan)?;
    let started = Instant::now();
    let started_at = std::time::SystemTime::now();
    let mut missing = Vec::new();
    let mut readers = Vec::with_capacity(count);
    let mut walked = None;
    for index in 0..count {
        let dir = work.join(ShardSpec { index, count }.dir_name());
        let done: Option<ShardDone> = fs::read(dir.join("done.json"))
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok());
        let Some(done) = done else {
            missing.push(index);
            continue;
        };
        if *walked.get_or_insert(done.walked) != done.walked {
            return Err(Error::Shards {
                message: format!(
                    "shard {index} saw {} inputs and another {}: the input changed between tasks",
                    done.walked,
                    walked.unwrap_or(0)
                ),
            });
        }
        let path = dir.join("outcomes.jsonl");
        let file = File::open(&path).map_err(|source| Error::Output {
            path: path.clone(),
            source,
        })?;
        readers.push(ShardReader {
            lines: BufReader::with_capacity(1 << 20, file).lines(),
            path,
        });
    }
    if !missing.is_empty() {
        let list: Vec<String> = missing.iter().map(usize::to_string).collect();
        return Err(Error::Shards {
            message: format!(
                "{} of {count} shards are not complete in {}: {}; run those tasks again",
                missing.len(),
                work.display(),
                list.join(", ")
            ),
        });
    }

    // With a nightly state, the finalize is the one process that decides against it and
    // commits it, once, as a one-machine run does.
    let state = plan.state_path.as_deref().map(State::open).transpose()?;
    let output_dir = match &state {
        Some(state) => match prepare_state_run(plan, state, false)? {
            StatePrep::Done(summary) => return Ok(*summary),
            StatePrep::Run { output_dir, .. } => output_dir,
        },
        None => plan.output_dir.clone(),
    };
    let mut outputs = new_outputs(plan, &output_dir, state.as_ref())?;
    let writer = state.as_ref().map(State::begin_run).transpose()?;
    let mut summary = RunSummary {
        counts: Counts::new(),
        ..RunSummary::default()
    };
    let mut tally = StateTally::default();
    let mut in_memory = InMemory::default();
    // The smallest place first: a k-way merge of files each already in walk order.
    let mut heap = BinaryHeap::new();
    let mut entries: Vec<Option<Entry>> = Vec::with_capacity(readers.len());
    for (shard, reader) in readers.iter_mut().enumerate() {
        let entry = reader.next_entry()?;
        if let Some(entry) = &entry {
            heap.push(std::cmp::Reverse((entry.place(), shard)));
        }
        entries.push(entry);
    }
    let staging = outputs.staging_path().to_path_buf();
    let mut chunk: Vec<Outcome> = Vec::with_capacity(4096);
    let mut merge = || -> Result<()> {
        while let Some(std::cmp::Reverse((_, shard))) = heap.pop() {
            if plan.cancel.is_cancelled() {
                return Err(Error::Cancelled {
                    inputs: summary.counts.seen,
                    resume: None,
                    staging: PathBuf::new(),
                });
            }
            if let Some(entry) = entries[shard].take() {
                chunk.push(entry.into_outcome());
            }
            let next = readers[shard].next_entry()?;
            if let Some(entry) = &next {
                heap.push(std::cmp::Reverse((entry.place(), shard)));
            }
            entries[shard] = next;
            if chunk.len() == 4096 || heap.is_empty() {
                let mut decider = match &writer {
                    Some(writer) => Decider::State(Box::new(writer.batch()?)),
                    None => Decider::Memory(&mut in_memory),
                };
                write_batch(
                    plan,
                    vec![std::mem::take(&mut chunk)],
                    &mut decider,
                    &mut outputs,
                    &mut summary,
                    &mut tally,
                )?;
                decider.finish()?;
            }
        }
        Ok(())
    };
    if let Err(error) = merge() {
        drop_writer(writer, &staging);
        return Err(give_up(error, state.as_ref(), &staging, None));
    }
    summary.distinct_texts = match &writer {
        Some(_) => tally.kept_new,
        None => in_memory.exact.len() as u64,
    };
    summary.run = run_facts(plan, &summary, (started, started_at), None);
    super::fill_figures(plan, &mut summary, &tally, Default::default());
    end_run(
        plan,
        state.as_ref(),
        writer,
        outputs,
        &mut summary,
        &tally,
        &staging,
        None,
    )?;
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_source_has_exactly_one_shard_and_the_rule_is_fixed() {
        let sources: Vec<String> = (0..1000).map(|n| format!("site/{n}.txt")).collect();
        for count in [1, 2, 4, 7] {
            let mut sizes = vec![0; count];
            for source in &sources {
                let owners: Vec<usize> = (0..count)
                    .filter(|&index| ShardSpec { index, count }.owns(source))
                    .collect();
                assert_eq!(owners.len(), 1);
                sizes[owners[0]] += 1;
            }
            // Spread evenly enough that no task gets much more than its share.
            assert!(
                sizes.iter().all(|&n| n * count <= 1000 * 13 / 10),
                "{sizes:?}"
            );
        }
        // Other machines and versions must agree: fixed values guard the rule.
        assert_eq!(
            (0..8)
                .map(|n| shard_of(&format!("a/{n}"), 4))
                .collect::<Vec<_>>(),
            [1, 1, 2, 2, 2, 3, 3, 0]
        );
    }

    #[test]
    fn hex_round_trips() {
        let hash = dedup::hash_text("abc");
        assert_eq!(unhex(&dedup::hex(&hash)), hash);
        assert_eq!(static_encoding("EUC-KR"), "EUC-KR");
        assert_eq!(static_encoding("UTF-16LE"), "UTF-16LE");
    }
}

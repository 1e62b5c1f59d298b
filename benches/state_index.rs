//! The nightly state's dedup index at scale: insert and lookup rates and bytes on disk per kept
//! article, through the same `state` API a run uses (batches of 512, one transaction per run).
//!
//! `cargo bench --bench state_index -- [ARTICLES] [RUNS]` (default 1,000,000 articles in 4 runs).
//! Each article is a random 32-byte hash; each run looks every article up first, as a run does,
//! then inserts it. After the last run, a lookup pass over known and unknown hashes.

use std::time::Instant;

use scour::dedup::RecordId;
use scour::state::{RunRecord, State};

fn hash(n: u64) -> [u8; 32] {
    // SplitMix64 fills the hash: uniform like SHA-256, and reproducible.
    let mut out = [0u8; 32];
    let mut state = n.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    for chunk in out.chunks_mut(8) {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        chunk.copy_from_slice(&(z ^ (z >> 31)).to_le_bytes());
    }
    out
}

fn main() {
    let args: Vec<u64> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let articles = args.first().copied().unwrap_or(1_000_000);
    let runs = args.get(1).copied().unwrap_or(4).max(1);
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("state.redb");
    let state = State::open(&path).expect("state");
    let per_run = articles / runs;
    let started = Instant::now();
    for run in 0..runs {
        let run_started = Instant::now();
        let writer = state.begin_run().expect("run");
        for batch_start in (run * per_run..(run + 1) * per_run).step_by(512) {
            let mut batch = writer.batch().expect("batch");
            for n in batch_start..(batch_start + 512).min((run + 1) * per_run) {
                let content = hash(n);
                assert!(batch.get(&content).is_none());
                batch.insert(&content, RecordId(n));
            }
            batch.finish().expect("batch");
        }
        writer
            .commit(&RunRecord {
                run: run + 1,
                output_dir: dir.path().to_path_buf(),
                staging_dir: String::new(),
                kept: per_run,
                duplicates: 0,
                rejected: 0,
                files_read: per_run,
                files_unchanged: 0,
                finished_at: None,
                state_bytes: None,
            })
            .expect("commit");
        let seconds = run_started.elapsed().as_secs_f64();
        println!(
            "run {}: {per_run} lookups + inserts in {seconds:.2} s ({:.0} per second), state {:.1} MB",
            run + 1,
            per_run as f64 / seconds,
            std::fs::metadata(&path).map_or(0, |m| m.len()) as f64 / 1e6
        );
    }
    let total = per_run * runs;
    let inserted = started.elapsed().as_secs_f64();
    let writer = state.begin_run().expect("run");
    let mut batch = writer.batch().expect("batch");
    let lookups = 200_000.min(total);
    let lookup_started = Instant::now();
    let mut found = 0;
    for i in 0..lookups {
        // Half known, half unknown, spread over the whole index.
        let n = if i % 2 == 0 {
            (i * 7919) % total
        } else {
            total + i
        };
        found += u64::from(batch.get(&hash(n)).is_some());
    }
    let lookup_seconds = lookup_started.elapsed().as_secs_f64();
    assert_eq!(found, lookups.div_ceil(2));
    let bytes = std::fs::metadata(&path).map_or(0, |m| m.len());
    println!(
        "{total} kept articles: inserted in {inserted:.1} s ({:.0}/s); {lookups} lookups at \
         {:.0}/s; {:.1} MB on disk, {:.0} bytes per kept article",
        total as f64 / inserted,
        lookups as f64 / lookup_seconds,
        bytes as f64 / 1e6,
        bytes as f64 / total as f64
    );
}

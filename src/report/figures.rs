//! The figures a person reads in `report.html` (and a program in `report.json`): time per step,
//! throughput over the run, counts per site, the length histogram of kept articles, the largest
//! duplicate clusters and the most common reject details.
//!
//! They are gathered cheaply. A clock read costs tens of nanoseconds here, and an input a few
//! tens of microseconds, so timing every step of every input would cost several percent: a
//! worker times its first [`TIMED_IN_FULL`] inputs and then one in [`TIME_EVERY`], that one
//! counted [`TIME_EVERY`] times (a [`Stopwatch`] reads the clock once between two steps), and
//! reads no clock at all for the others; the writing thread does the same for the records it
//! decides and writes. The weighted nanoseconds are summed per input and a batch's sums are
//! added once to the run's [`FigureTally`]. The writing thread also counts sites, lengths, clusters and details as it writes
//! records in input order, so those figures are the same for any thread count. The tally is
//! bounded: at most [`MAX_DISTINCT_DETAILS`] distinct reject details are told apart, and only a
//! few example copies are kept per cluster.

use std::collections::BTreeMap;

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use crate::article::RejectReason;

/// Steps before the stages, timed inside the input module.
pub const INPUT_STEPS: [&str; 3] = ["read", "decompress", "decode"];
/// Steps after the stages.
pub const LATE_STEPS: [&str; 4] = ["boilerplate", "hash", "dedup", "write"];
/// After the first [`TIMED_IN_FULL`], one input (and one written record) in this many is timed.
pub const TIME_EVERY: u64 = 8;
/// Inputs a worker (and records the writing thread) times every one of: a small run is timed
/// in full, and what a big one spends on them is negligible.
pub const TIMED_IN_FULL: u64 = 256;

/// How much the `seen`-th input (or record, from 0) counts in the step times: 1 while all are
/// timed, then [`TIME_EVERY`] for one in [`TIME_EVERY`], and 0 (not timed) for the others.
pub fn timing_weight(seen: u64) -> u64 {
    if seen < TIMED_IN_FULL {
        1
    } else if seen % TIME_EVERY == 0 {
        TIME_EVERY
    } else {
        0
    }
}
/// Stages beyond this many in a pipeline are timed together with the last one.
pub const MAX_TIMED_STAGES: usize = 16;
/// Reject details told apart; past that, new ones are counted as "(other details)".
pub const MAX_DISTINCT_DETAILS: usize = 10_000;
/// Copies named per duplicate cluster.
pub const CLUSTER_EXAMPLES: usize = 3;
/// Rows of the per-site table, clusters and reject details kept in the report.
pub const TOP_SITES: usize = 100;
pub const TOP_CLUSTERS: usize = 10;
pub const TOP_DETAILS: usize = 10;
/// Log-2 length bins: bin `k` holds texts of `[2^k, 2^(k+1))` bytes.
const LENGTH_BINS: usize = 40;

/// Nanoseconds per step, weighted (see [`timing_weight`]) and summed over inputs (on every
/// worker: thread time, not wall time).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepNanos {
    pub input: [u64; 3],
    /// By the stage's place in the pipeline (a fixed array: no allocation per input).
    pub stages: [u64; MAX_TIMED_STAGES],
    /// `boilerplate`, `hash`, `dedup`, `write`, as in [`LATE_STEPS`]; the last two are the
    /// writing thread's.
    pub late: [u64; 4],
    /// Records the writing thread has handled, for their weights.
    pub written: u64,
}

/// Laps between the steps of one timed input, each counted `weight` times; for an input not
/// timed (weight 0) it reads no clock.
#[derive(Debug, Clone, Copy)]
pub struct Stopwatch {
    at: Option<std::time::Instant>,
    weight: u64,
}

impl Stopwatch {
    pub fn start(weight: u64) -> Stopwatch {
        Stopwatch {
            at: (weight > 0).then(std::time::Instant::now),
            weight,
        }
    }

    /// Adds the time since the last lap (or the start) to `slot`.
    pub fn lap(&mut self, slot: &mut u64) {
        if let Some(at) = self.at {
            let now = std::time::Instant::now();
            *slot += (now - at).as_nanos() as u64 * self.weight;
            self.at = Some(now);
        }
    }

    /// Goes on from now, leaving what passed since the last lap uncounted.
    pub fn restart(&mut self) {
        if self.at.is_some() {
            self.at = Some(std::time::Instant::now());
        }
    }
}

impl StepNanos {
    /// The weight of the next record the writing thread handles; counts it.
    pub fn time_next_record(&mut self) -> u64 {
        self.written += 1;
        timing_weight(self.written - 1)
    }
}

impl StepNanos {
    /// Adds the time of stage `index`.
    pub fn add_stage(&mut self, index: usize, nanos: u64) {
        self.stages[index.min(MAX_TIMED_STAGES - 1)] += nanos;
    }

    pub fn add(&mut self, other: &StepNanos) {
        for (mine, theirs) in self.input.iter_mut().zip(other.input) {
            *mine += theirs;
        }
        for (mine, theirs) in self.stages.iter_mut().zip(other.stages) {
            *mine += theirs;
        }
        for (mine, theirs) in self.late.iter_mut().zip(other.late) {
            *mine += theirs;
        }
        self.written += other.written;
    }

    /// The steps in pipeline order, named, in seconds.
    pub fn seconds(&self, stage_names: &[&str]) -> Vec<StepTime> {
        let mut steps = Vec::new();
        let mut push = |name: String, nanos: u64| {
            steps.push(StepTime {
                step: name,
                seconds: nanos as f64 / 1e9,
            })
        };
        for (name, nanos) in INPUT_STEPS.iter().zip(self.input) {
            push(name.to_string(), nanos);
        }
        for (index, name) in stage_names.iter().enumerate() {
            let index = index.min(MAX_TIMED_STAGES - 1);
            push(format!("stage:{name}"), self.stages[index]);
        }
        for (name, nanos) in LATE_STEPS.iter().zip(self.late) {
            push(name.to_string(), nanos);
        }
        steps
    }
}

/// One step's time in `report.json`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StepTime {
    pub step: String,
    /// Summed over worker threads: the steps of a parallel run add up to more than its
    /// elapsed time.
    pub seconds: f64,
}

/// Inputs accounted for at a moment of the run.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ThroughputSample {
    pub seconds: f64,
    pub files: u64,
    pub bytes: u64,
}

/// What became of one site's inputs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SiteCounts {
    pub site: String,
    pub inputs: u64,
    pub kept: u64,
    pub duplicates: u64,
    pub rejected: u64,
    pub captions_collapsed: u64,
    pub boilerplate_lines_removed: u64,
}

/// The per-site table: the largest sites, and how many there were.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SiteTable {
    pub distinct: u64,
    /// The [`TOP_SITES`] sites with the most inputs, most first.
    pub top: Vec<SiteCounts>,
}

/// Kept articles whose text is `[from_bytes, to_bytes)` long.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LengthBin {
    pub from_bytes: u64,
    pub to_bytes: u64,
    pub articles: u64,
}

/// A kept article and the copies of it that this run met.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DuplicateCluster {
    /// The kept article's id (in `clean.jsonl` of this run or an earlier night).
    pub kept: String,
    pub copies: u64,
    pub near_copies: u64,
    /// The first few copies' sources.
    pub examples: Vec<String>,
}

/// A reject detail and how often it was given.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RejectDetail {
    pub reason: String,
    pub detail: String,
    pub count: u64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct ClusterTally {
    copies: u64,
    near_copies: u64,
    examples: Vec<String>,
}

/// The figures of a run as it goes, on the writing thread. Saved with a checkpoint, so a
/// resumed run ends with the figures of a run never killed.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct FigureTally {
    pub steps: StepNanos,
    sites: FxHashMap<String, SiteCounts>,
    lengths: Vec<u64>,
    clusters: FxHashMap<u64, ClusterTally>,
    details: FxHashMap<String, FxHashMap<String, u64>>,
    distinct_details: usize,
    exact_duplicates: u64,
    near_duplicates: u64,
}

impl FigureTally {
    fn site(&mut self, site: &str) -> &mut SiteCounts {
        if !self.sites.contains_key(site) {
            self.sites.insert(site.to_string(), SiteCounts::default());
        }
        let counts = self.sites.get_mut(site).expect("inserted above");
        counts.inputs += 1;
        counts
    }

    pub fn kept(
        &mut self,
        site: &str,
        text_bytes: usize,
        captions_collapsed: u64,
        boilerplate: u64,
    ) {
        let counts = self.site(site);
        counts.kept += 1;
        counts.captions_collapsed += captions_collapsed;
        counts.boilerplate_lines_removed += boilerplate;
        let bin = (usize::BITS - text_bytes.max(1).leading_zeros() - 1) as usize;
        let bin = bin.min(LENGTH_BINS - 1);
        if self.lengths.len() <= bin {
            self.lengths.resize(bin + 1, 0);
        }
        self.lengths[bin] += 1;
    }

    pub fn duplicate(&mut self, site: &str, source: &str, kept: u64, near: bool) {
        self.site(site).duplicates += 1;
        if near {
            self.near_duplicates += 1;
        } else {
            self.exact_duplicates += 1;
        }
        let cluster = self.clusters.entry(kept).or_default();
        cluster.copies += 1;
        cluster.near_copies += u64::from(near);
        if cluster.examples.len() < CLUSTER_EXAMPLES {
            cluster.examples.push(source.to_string());
        }
    }

    pub fn rejected(&mut self, site: &str, reason: RejectReason, detail: &str) {
        self.site(site).rejected += 1;
        let by_detail = self.details.entry(reason.code().to_string()).or_default();
        if let Some(count) = by_detail.get_mut(detail) {
            *count += 1;
        } else if self.distinct_details < MAX_DISTINCT_DETAILS {
            self.distinct_details += 1;
            by_detail.insert(detail.to_string(), 1);
        } else {
            *by_detail.entry("(other details)".to_string()).or_default() += 1;
        }
    }

    /// Duplicates found exactly and as near copies.
    pub fn duplicate_kinds(&self) -> (u64, u64) {
        (self.exact_duplicates, self.near_duplicates)
    }

    /// The per-site table, largest first (ties by name, so the order never depends on hashing).
    pub fn site_table(&self) -> SiteTable {
        let mut sites: Vec<SiteCounts> = self
            .sites
            .iter()
            .map(|(site, counts)| SiteCounts {
                site: if site.is_empty() {
                    "(top folder)".to_string()
                } else {
                    site.clone()
                },
                ..counts.clone()
            })
            .collect();
        sites.sort_by(|a, b| b.inputs.cmp(&a.inputs).then_with(|| a.site.cmp(&b.site)));
        sites.truncate(TOP_SITES);
        SiteTable {
            distinct: self.sites.len() as u64,
            top: sites,
        }
    }

    /// Kept articles per log-2 length bin, from the shortest non-empty bin to the longest.
    pub fn length_histogram(&self) -> Vec<LengthBin> {
        let first = self.lengths.iter().position(|&n| n > 0);
        let Some(first) = first else {
            return Vec::new();
        };
        (first..self.lengths.len())
            .map(|bin| LengthBin {
                from_bytes: 1 << bin,
                to_bytes: 1 << (bin + 1),
                articles: self.lengths[bin],
            })
            .collect()
    }

    /// The [`TOP_CLUSTERS`] kept articles with the most copies.
    pub fn largest_clusters(&self) -> Vec<DuplicateCluster> {
        let mut clusters: Vec<(&u64, &ClusterTally)> = self.clusters.iter().collect();
        clusters.sort_by(|a, b| b.1.copies.cmp(&a.1.copies).then_with(|| a.0.cmp(b.0)));
        clusters
            .into_iter()
            .take(TOP_CLUSTERS)
            .map(|(kept, tally)| DuplicateCluster {
                kept: format!("{kept:016x}"),
                copies: tally.copies,
                near_copies: tally.near_copies,
                examples: tally.examples.clone(),
            })
            .collect()
    }

    /// The [`TOP_DETAILS`] most common reject details.
    pub fn common_details(&self) -> Vec<RejectDetail> {
        let mut details: Vec<RejectDetail> = self
            .details
            .iter()
            .flat_map(|(reason, by_detail)| {
                by_detail.iter().map(|(detail, &count)| RejectDetail {
                    reason: reason.clone(),
                    detail: detail.clone(),
                    count,
                })
            })
            .collect();
        details.sort_by(|a, b| {
            b.count
                .cmp(&a.count)
                .then_with(|| (&a.reason, &a.detail).cmp(&(&b.reason, &b.detail)))
        });
        details.truncate(TOP_DETAILS);
        details
    }
}

/// Keeps a run's throughput samples few: past `limit`, every other one is dropped and the
/// sampling stride doubles, so a long run is drawn with evenly spread points.
#[derive(Debug, Clone, Default)]
pub struct ThroughputSampler {
    samples: Vec<ThroughputSample>,
    stride: u64,
    calls: u64,
}

impl ThroughputSampler {
    const LIMIT: usize = 240;

    pub fn record(&mut self, sample: ThroughputSample) {
        self.stride = self.stride.max(1);
        self.calls += 1;
        if self.calls % self.stride != 0 {
            return;
        }
        self.samples.push(sample);
        if self.samples.len() >= Self::LIMIT {
            let kept: Vec<ThroughputSample> =
                self.samples.iter().skip(1).step_by(2).cloned().collect();
            self.samples = kept;
            self.stride *= 2;
        }
    }

    /// The samples; `last` (the run's end) when none was taken.
    pub fn finish(mut self, last: ThroughputSample) -> Vec<ThroughputSample> {
        if self.samples.is_empty() {
            self.samples.push(last);
        }
        self.samples
    }
}

/// The configuration a run used: the file named, and the effective settings with their hash.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfigFacts {
    /// The configuration file, absolute; none when the defaults were used.
    pub file: Option<String>,
    /// SHA-256 of `effective`: two runs with the same hash were configured alike whatever
    /// their files looked like and wherever they wrote.
    pub sha256: String,
    /// Every setting, defaults included, as TOML, with `output.dir` and `state.path` left
    /// empty (the outputs and the state's facts say where the run wrote).
    pub effective: String,
}

/// One night of a nightly state, for the trend.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Night {
    pub run: u64,
    /// When the night committed (RFC 3339, UTC); unknown for nights of older versions.
    pub finished_at: Option<String>,
    pub kept: u64,
    pub duplicates: u64,
    pub rejected: u64,
    pub files_read: u64,
    pub files_unchanged: u64,
    /// Articles in the state after the night.
    pub state_articles: Option<u64>,
    /// The state file's size in bytes before the night's commit.
    pub state_bytes: Option<u64>,
}

/// `at` as RFC 3339 in UTC, to the second.
pub fn timestamp(at: std::time::SystemTime) -> String {
    humantime::format_rfc3339_seconds(at).to_string()
}

/// Rejects by reason, in the stable order of [`RejectReason::ALL`], without the zeros.
pub fn nonzero_reasons(by_reason: &BTreeMap<&'static str, u64>) -> Vec<(&'static str, u64)> {
    RejectReason::ALL
        .iter()
        .map(|r| (r.code(), by_reason.get(r.code()).copied().unwrap_or(0)))
        .filter(|(_, n)| *n > 0)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn step_times_are_sampled_and_weighted() {
        let weights: Vec<u64> = (0..TIMED_IN_FULL + 64).map(timing_weight).collect();
        assert!(weights[..TIMED_IN_FULL as usize].iter().all(|&w| w == 1));
        let later = &weights[TIMED_IN_FULL as usize..];
        assert_eq!(
            later.iter().sum::<u64>(),
            64,
            "the weights stand for every input"
        );
        assert_eq!(
            later.iter().filter(|&&w| w > 0).count() as u64,
            64 / TIME_EVERY
        );
        let mut steps = StepNanos::default();
        assert_eq!(steps.time_next_record(), 1);
        assert_eq!(steps.written, 1);
        let mut unread = Stopwatch::start(0);
        let mut slot = 0;
        unread.lap(&mut slot);
        assert_eq!(slot, 0);
        let mut read = Stopwatch::start(TIME_EVERY);
        std::thread::sleep(std::time::Duration::from_millis(2));
        read.lap(&mut slot);
        assert!(slot >= 2_000_000 * TIME_EVERY, "{slot}");
        steps.input[0] = 1_500_000_000;
        let seconds = steps.seconds(&["html"]);
        assert_eq!(
            (seconds[0].step.as_str(), seconds[0].seconds),
            ("read", 1.5)
        );
        assert_eq!(seconds[3].step, "stage:html");
        assert_eq!(seconds.last().unwrap().step, "write");
    }

    #[test]
    fn lengths_fall_in_log_2_bins() {
        let mut tally = FigureTally::default();
        for bytes in [1, 3, 4, 7, 1000] {
            tally.kept("a", bytes, 0, 0);
        }
        let bins = tally.length_histogram();
        assert_eq!(bins[0].from_bytes, 1);
        assert_eq!(bins[0].articles, 1);
        assert_eq!(bins[1].articles, 1, "3 bytes is in [2, 4)");
        assert_eq!(bins[2].articles, 2, "4 and 7 are in [4, 8)");
        assert_eq!(bins.last().unwrap().from_bytes, 512);
        assert_eq!(bins.iter().map(|b| b.articles).sum::<u64>(), 5);
    }

    #[test]
    fn reject_details_are_bounded() {
        let mut tally = FigureTally::default();
        for i in 0..MAX_DISTINCT_DETAILS + 5 {
            tally.rejected("s", RejectReason::Empty, &format!("detail {i}"));
        }
        tally.rejected("s", RejectReason::Empty, "detail 0");
        let top = tally.common_details();
        assert_eq!(top[0].count, 5, "the overflow is one row: {top:?}");
        assert_eq!(top[0].detail, "(other details)");
        assert_eq!(top[1].detail, "detail 0");
        assert_eq!(
            tally.site_table().top[0].rejected as usize,
            MAX_DISTINCT_DETAILS + 6
        );
    }

    #[test]
    fn throughput_samples_stay_few_and_spread() {
        let mut sampler = ThroughputSampler::default();
        for i in 0..10_000 {
            sampler.record(ThroughputSample {
                seconds: i as f64,
                files: i,
                bytes: i,
            });
        }
        let last = ThroughputSample {
            seconds: 1e4,
            files: 10_000,
            bytes: 10_000,
        };
        let samples = sampler.finish(last.clone());
        assert!(
            samples.len() <= ThroughputSampler::LIMIT,
            "{}",
            samples.len()
        );
        assert!(samples.len() > 60);
        assert!(samples.windows(2).all(|w| w[0].seconds < w[1].seconds));
        assert_eq!(
            ThroughputSampler::default().finish(last.clone()),
            vec![last],
            "a run too short for a sample still has its end"
        );
    }
}

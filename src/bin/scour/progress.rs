//! Progress on the terminal: the indicatif implementation of [`scour::Reporter`], and the
//! one-screen summary at the end. The only place indicatif lives.

use std::io::IsTerminal;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use indicatif::{
    HumanBytes, HumanCount, HumanDuration, ProgressBar, ProgressDrawTarget, ProgressState,
    ProgressStyle,
};
use scour::config::ProgressMode;
use scour::report::{InputTotals, Progress, StateOutcome};
use scour::{Reporter, RunSummary};

/// How often a log line is written when stderr is not a terminal (a cron log, a Slurm file).
const LOG_EVERY: Duration = Duration::from_secs(5);

/// Work done so far, shared with the bar's template keys.
#[derive(Debug, Default)]
struct Done {
    inputs: AtomicU64,
    bytes: AtomicU64,
    total_bytes: AtomicU64,
}

impl Done {
    /// `1,234 files, 12.3 MiB/50.0 MiB, 2,345 files/s, 4.1 MiB/s, ETA 9 seconds`: rate and
    /// ETA from the work done over the time it took, not a short-window estimate that lags.
    fn line(&self, elapsed: Duration) -> String {
        let inputs = self.inputs.load(Ordering::Relaxed);
        let bytes = self.bytes.load(Ordering::Relaxed);
        let total = self.total_bytes.load(Ordering::Relaxed);
        let seconds = elapsed.as_secs_f64().max(1e-3);
        let mut line = format!(
            "{} file{}, {}/{}, {:.0} files/s, {}/s",
            HumanCount(inputs),
            if inputs == 1 { "" } else { "s" },
            HumanBytes(bytes),
            HumanBytes(total),
            inputs as f64 / seconds,
            HumanBytes((bytes as f64 / seconds) as u64),
        );
        if bytes > 0 && total >= bytes {
            let remaining = (total - bytes) as f64 * seconds / bytes as f64;
            line.push_str(&format!(
                ", ETA {}",
                HumanDuration(Duration::from_secs_f64(remaining))
            ));
        }
        line
    }
}

pub struct TerminalReporter {
    /// A bar on a terminal.
    bar: Option<ProgressBar>,
    /// `progress = "always"` without a terminal: a log line every few seconds.
    log: Option<Mutex<Instant>>,
    done: Arc<Done>,
    started: Mutex<Instant>,
}

impl TerminalReporter {
    pub fn new(mode: ProgressMode) -> TerminalReporter {
        let terminal = std::io::stderr().is_terminal();
        let (bar, log) = match mode {
            ProgressMode::Never => (false, false),
            ProgressMode::Auto => (terminal, false),
            ProgressMode::Always => (terminal, !terminal),
        };
        let bar = bar.then(|| {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr_with_hz(4));
            // A spinner until the walk has the totals: no `0/0` bar first.
            bar.set_style(
                ProgressStyle::with_template("{spinner} {msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            bar.set_message("walking inputs…");
            bar.enable_steady_tick(Duration::from_millis(250));
            bar
        });
        TerminalReporter {
            bar,
            log: log.then(|| Mutex::new(Instant::now())),
            done: Arc::default(),
            started: Mutex::new(Instant::now()),
        }
    }

    fn elapsed(&self) -> Duration {
        self.started.lock().map(|s| s.elapsed()).unwrap_or_default()
    }
}

impl Reporter for TerminalReporter {
    fn wants_totals(&self) -> bool {
        self.bar.is_some() || self.log.is_some()
    }

    fn started(&self, totals: Option<InputTotals>) {
        let totals = totals.unwrap_or_default();
        self.done.total_bytes.store(totals.bytes, Ordering::Relaxed);
        // Rates count from here: the walk that found the totals is not work done.
        if let Ok(mut started) = self.started.lock() {
            *started = Instant::now();
        }
        if let Some(log) = &self.log {
            eprintln!(
                "scour: {} files, {} to read",
                HumanCount(totals.files),
                HumanBytes(totals.bytes)
            );
            if let Ok(mut last) = log.lock() {
                *last = Instant::now();
            }
        }
        let Some(bar) = &self.bar else { return };
        bar.set_length(totals.bytes);
        bar.reset_elapsed();
        let done = self.done.clone();
        bar.set_style(
            ProgressStyle::with_template("{spinner} [{elapsed_precise}] {bar:30} {done}")
                .map(|style| {
                    style.with_key(
                        "done",
                        move |state: &ProgressState, w: &mut dyn std::fmt::Write| {
                            let _ = write!(w, "{}", done.line(state.elapsed()));
                        },
                    )
                })
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
    }

    fn progressed(&self, done: Progress) {
        self.done.inputs.store(done.files, Ordering::Relaxed);
        self.done.bytes.store(done.bytes, Ordering::Relaxed);
        if let Some(bar) = &self.bar {
            bar.set_position(done.bytes);
        }
        if let Some(log) = &self.log {
            let due = log.lock().map(|mut last| {
                let due = last.elapsed() >= LOG_EVERY;
                if due {
                    *last = Instant::now();
                }
                due
            });
            if due.unwrap_or(false) {
                eprintln!("scour: {}", self.done.line(self.elapsed()));
            }
        }
    }

    fn finished(&self, _summary: &RunSummary) {
        if self.log.is_some() {
            eprintln!("scour: {}", self.done.line(self.elapsed()));
        }
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

/// `1 input`, `2 inputs`, with separators.
fn count(n: u64, one: &str, many: &str) -> String {
    format!("{} {}", HumanCount(n), if n == 1 { one } else { many })
}

/// The human summary printed on stderr at the end of a run.
pub fn summary_text(summary: &RunSummary) -> String {
    if let Some(state) = &summary.state {
        let run = scour::state::run_name(state.run);
        match state.outcome {
            StateOutcome::AlreadyComplete => {
                return format!(
                    "scour: {run} already completed into this output directory; nothing to do\n"
                );
            }
            StateOutcome::FinishedPublishing => {
                return format!(
                    "scour: {run} had been committed but killed while publishing its files; \
                     finished publishing them, nothing else done (run again for new input)\n"
                );
            }
            StateOutcome::Committed => {}
        }
    }
    let counts = &summary.counts;
    // Inputs are files and the records of dumps and archives alike.
    let mut text = format!(
        "scour: {} -> {} kept, {} duplicate{}, {} rejected\n",
        count(counts.seen, "input", "inputs"),
        HumanCount(counts.kept),
        HumanCount(counts.duplicates),
        if counts.duplicates == 1 { "" } else { "s" },
        HumanCount(counts.rejected)
    );
    let reasons: Vec<String> = counts
        .rejected_by_reason
        .iter()
        .filter(|(_, n)| **n > 0)
        .map(|(reason, n)| format!("{reason} {}", HumanCount(*n)))
        .collect();
    if !reasons.is_empty() {
        text.push_str(&format!("  rejected: {}\n", reasons.join(", ")));
    }
    text.push_str(&format!(
        "  cleaned: {} tags stripped, {} entities decoded, {} repeated captions collapsed, {} wrapped lines joined\n",
        HumanCount(summary.cleaning.tags_stripped),
        HumanCount(summary.cleaning.entities_decoded),
        HumanCount(summary.cleaning.captions_collapsed),
        HumanCount(summary.cleaning.lines_unwrapped)
    ));
    let run = &summary.run;
    text.push_str(&format!(
        "  {} in, {} out, {:.2} s on {} ({:.0} inputs/s, {}/s)\n",
        HumanBytes(summary.bytes.input),
        HumanBytes(summary.bytes.output),
        run.elapsed_seconds,
        count(run.threads as u64, "thread", "threads"),
        run.files_per_second,
        HumanBytes((run.megabytes_per_second * 1e6) as u64)
    ));
    if summary.unparsed_dates.count > 0 {
        text.push_str(&format!(
            "  dates not understood (null): {} (report.json has examples)\n",
            HumanCount(summary.unparsed_dates.count)
        ));
    }
    if let Some(state) = &summary.state {
        text.push_str(&format!(
            "  state: {} committed to {}; {} unchanged files skipped, {} new articles kept\n",
            scour::state::run_name(state.run),
            state.path,
            state.files_unchanged,
            state.kept_new
        ));
        if let Some(backup) = &state.backup {
            text.push_str(&format!("  state backup: {backup}\n"));
        }
    }
    if let Some(report) = summary.outputs.get("report.json") {
        text.push_str(&format!("  report: {report}\n"));
    }
    text
}

/// `scour state stats` for people.
pub fn stats_text(stats: &scour::state::Stats) -> String {
    let mut text = format!(
        "state {} (layout {}): {} kept articles, {} input files, {:.1} MB on disk",
        stats.path,
        stats.schema,
        stats.kept_articles,
        stats.manifest_files,
        stats.file_bytes as f64 / 1e6
    );
    if stats.kept_articles > 0 {
        text.push_str(&format!(
            " ({:.0} bytes per kept article)",
            stats.file_bytes as f64 / stats.kept_articles as f64
        ));
    }
    text.push('\n');
    for run in &stats.runs {
        text.push_str(&format!(
            "  {}: {} files read, {} unchanged, {} kept, {} duplicates, {} rejected -> {}\n",
            scour::state::run_name(run.run),
            run.files_read,
            run.files_unchanged,
            run.kept,
            run.duplicates,
            run.rejected,
            run.output_dir.display()
        ));
    }
    text
}

//! Progress on the terminal: the indicatif implementation of [`scour::Reporter`], and the
//! one-screen summary at the end. The only place indicatif lives.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};
use scour::config::ProgressMode;
use scour::report::{InputTotals, Progress, StateOutcome};
use scour::{Reporter, RunSummary};

pub struct TerminalReporter {
    bar: Option<ProgressBar>,
    /// Input bytes in all, once the walk that counts them is done.
    total_bytes: AtomicU64,
}

impl TerminalReporter {
    pub fn new(mode: ProgressMode) -> TerminalReporter {
        let show = match mode {
            ProgressMode::Always => true,
            ProgressMode::Never => false,
            ProgressMode::Auto => std::io::stderr().is_terminal(),
        };
        let bar = show.then(|| {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr_with_hz(4));
            bar.set_message("walking inputs…");
            bar.enable_steady_tick(Duration::from_millis(250));
            bar
        });
        TerminalReporter {
            bar,
            total_bytes: AtomicU64::new(0),
        }
    }
}

impl Reporter for TerminalReporter {
    fn wants_totals(&self) -> bool {
        self.bar.is_some()
    }

    fn started(&self, totals: Option<InputTotals>) {
        let (Some(bar), Some(totals)) = (&self.bar, totals) else {
            return;
        };
        self.total_bytes.store(totals.bytes, Ordering::Relaxed);
        bar.set_length(totals.files);
        bar.set_message(megabytes(0, totals.bytes));
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} files, {msg}, {rate}, ETA {eta}",
            )
            .map(|style| {
                style.with_key("rate", |state: &ProgressState, w: &mut dyn std::fmt::Write| {
                    let _ = write!(w, "{:.0} files/s", state.per_sec());
                })
            })
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
    }

    fn progressed(&self, done: Progress) {
        if let Some(bar) = &self.bar {
            bar.set_position(done.files);
            bar.set_message(megabytes(
                done.bytes,
                self.total_bytes.load(Ordering::Relaxed),
            ));
        }
    }

    fn finished(&self, _summary: &RunSummary) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

fn megabytes(done: u64, total: u64) -> String {
    format!("{:.1}/{:.1} MB", done as f64 / 1e6, total as f64 / 1e6)
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
    let mut text = format!(
        "scour: {} inputs -> {} kept, {} duplicates, {} rejected\n",
        counts.seen, counts.kept, counts.duplicates, counts.rejected
    );
    let reasons: Vec<String> = counts
        .rejected_by_reason
        .iter()
        .filter(|(_, n)| **n > 0)
        .map(|(reason, n)| format!("{reason} {n}"))
        .collect();
    if !reasons.is_empty() {
        text.push_str(&format!("  rejected: {}\n", reasons.join(", ")));
    }
    text.push_str(&format!(
        "  cleaned: {} tags stripped, {} entities decoded, {} repeated captions collapsed, {} wrapped lines joined\n",
        summary.cleaning.tags_stripped,
        summary.cleaning.entities_decoded,
        summary.cleaning.captions_collapsed,
        summary.cleaning.lines_unwrapped
    ));
    let run = &summary.run;
    text.push_str(&format!(
        "  {:.1} MB in, {:.1} MB out, {:.2} s on {} thread{} ({:.0} files/s, {:.1} MB/s)\n",
        summary.bytes.input as f64 / 1e6,
        summary.bytes.output as f64 / 1e6,
        run.elapsed_seconds,
        run.threads,
        if run.threads == 1 { "" } else { "s" },
        run.files_per_second,
        run.megabytes_per_second
    ));
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

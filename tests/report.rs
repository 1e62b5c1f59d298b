//! report.json's shape (a structural golden file) and report.html as a browser shows it.
//!
//! The browser test runs Debian's `chromium` headless (`.ci/run` installs it and sets
//! SCOUR_CHROMIUM_TEST=1; without the variable it is skipped, with it a missing chromium
//! fails). It opens the page of a run over `samples/`, over a benchmark corpus and of the third
//! of three nights with a state, checks that nothing reached the console, that every section
//! and every chart is there and drawn, and writes a screenshot to `target/report-*.png`.

use std::path::{Path, PathBuf};
use std::process::Command as Process;

use super::*;

/// The JSON value's shape: every leaf replaced by its type, every array by the shape its
/// elements share (all must share one).
fn shape(value: &Value, at: &str) -> Value {
    match value {
        Value::Null => "null".into(),
        Value::Bool(_) => "bool".into(),
        Value::Number(n) if n.is_f64() => "float".into(),
        Value::Number(_) => "integer".into(),
        Value::String(_) => "string".into(),
        Value::Array(items) => {
            let shapes: Vec<Value> = items
                .iter()
                .enumerate()
                .map(|(i, item)| shape(item, &format!("{at}[{i}]")))
                .collect();
            if let Some(first) = shapes.first() {
                for (i, other) in shapes.iter().enumerate() {
                    assert_eq!(other, first, "{at}[{i}] has another shape than {at}[0]");
                }
            }
            Value::Array(shapes.into_iter().take(1).collect())
        }
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(key, v)| (key.clone(), shape(v, &format!("{at}.{key}"))))
                .collect(),
        ),
    }
}

/// A run over `samples/` with the repository's configuration, with a state or without.
fn samples_run(dir: &Dir, with_state: bool) -> PathBuf {
    let config = repo().join("pipeline.toml");
    let mut command = dir.scour();
    command
        .args(["run", "--config", config.to_str().unwrap()])
        .args(["--output", "out", "--no-progress"]);
    if with_state {
        command.args(["--state", "state.redb"]);
    }
    let output = command.output().unwrap();
    assert_success(&output);
    dir.path().join("out")
}

#[test]
fn report_json_keeps_its_golden_shape() {
    let dir = Dir::new();
    let out = samples_run(&dir, true);
    let report: Value = serde_json::from_slice(&std::fs::read(out.join("report.json")).unwrap())
        .expect("report.json is JSON");
    let got = serde_json::to_string_pretty(&shape(&report, "report")).unwrap() + "\n";
    let golden = repo().join("tests/golden/report-shape.json");
    if std::env::var("SCOUR_BLESS").as_deref() == Ok("1") {
        std::fs::write(&golden, &got).unwrap();
    }
    let want = std::fs::read_to_string(&golden).unwrap();
    assert!(
        got == want,
        "report.json's shape differs from tests/golden/report-shape.json (SCOUR_BLESS=1 \
         rewrites it after a deliberate change):\n{got}"
    );
    // Figures that a run over the samples must have, whatever the times.
    assert!(report["steps"].as_array().unwrap().len() >= 10);
    let sites: u64 = report["sites"]["top"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["inputs"].as_u64().unwrap())
        .sum();
    assert_eq!(sites, report["counts"]["seen"].as_u64().unwrap());
    let lengths: u64 = report["length_histogram"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["articles"].as_u64().unwrap())
        .sum();
    assert_eq!(lengths, report["counts"]["kept"].as_u64().unwrap());
    let kinds = &report["duplicates_by_kind"];
    assert_eq!(
        kinds["exact"].as_u64().unwrap() + kinds["near"].as_u64().unwrap(),
        report["counts"]["duplicates"].as_u64().unwrap()
    );
    for path in report["outputs"].as_object().unwrap().values() {
        let path = Path::new(path.as_str().unwrap());
        assert!(path.is_absolute() && path.is_file(), "{}", path.display());
    }
    assert_eq!(report["nights"].as_array().unwrap().len(), 1);
}

/// Three nights of a growing feed with re-scrapes; returns the output of each.
fn three_nights(dir: &Dir) -> Vec<PathBuf> {
    let mut outs = Vec::new();
    for night_number in 0..3 {
        for n in night_number * 40..night_number * 40 + 40 {
            dir.file(
                &format!("feed/{night_number}/{n:03}.txt"),
                story(n, "first"),
            );
        }
        // Yesterday's articles scraped again under new names.
        for n in 0..night_number * 10 {
            dir.file(
                &format!("feed/{night_number}/again-{n:03}.txt"),
                story(n, "first"),
            );
        }
        let out = format!("night{}", night_number + 1);
        night(dir, "state.redb", &out, &[]);
        outs.push(dir.path().join(out));
    }
    outs
}

#[test]
fn scour_report_redraws_the_page_with_the_states_newer_nights() {
    let dir = Dir::new();
    let outs = three_nights(&dir);
    let trend_rows = |page: &str| {
        let trend = &page[page.find("<section id=\"trend\"").unwrap()..];
        let trend = &trend[..trend.find("</section>").unwrap()];
        trend.matches("<tr>").count() - 1
    };
    let first = std::fs::read_to_string(outs[0].join("report.html")).unwrap();
    assert_eq!(trend_rows(&first), 1, "night 1 knew only itself");
    let third = std::fs::read_to_string(outs[2].join("report.html")).unwrap();
    assert_eq!(trend_rows(&third), 3);
    let redrawn = dir
        .scour()
        .args(["report", "night1", "--state", "state.redb"])
        .output()
        .unwrap();
    assert_success(&redrawn);
    let page = std::fs::read_to_string(outs[0].join("report.html")).unwrap();
    assert_eq!(trend_rows(&page), 3, "the trend now shows every night");
    assert!(page.contains("scour run report: night 1"));
    // Without a state, the page is drawn again from report.json alone, the same as before.
    let before = std::fs::read_to_string(outs[1].join("report.html")).unwrap();
    assert_success(&dir.scour().args(["report", "night2"]).output().unwrap());
    assert_eq!(
        std::fs::read_to_string(outs[1].join("report.html")).unwrap(),
        before
    );
    let nights: Value =
        serde_json::from_slice(&std::fs::read(outs[2].join("report.json")).unwrap()).unwrap();
    let nights = nights["nights"].as_array().unwrap();
    let state_articles: Vec<u64> = nights
        .iter()
        .map(|n| n["state_articles"].as_u64().unwrap())
        .collect();
    assert_eq!(
        state_articles,
        [40, 80, 120],
        "kept once each, re-scrapes dropped"
    );
    assert_eq!(nights[2]["duplicates"], 20);
}

/// Headless Chromium with a fresh profile; `args` say what to do with `page`.
fn chromium(profile: &Path, page: &Path, args: &[&str]) -> std::process::Output {
    let profile = format!("--user-data-dir={}", profile.display());
    Process::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--enable-logging=stderr",
            "--v=0",
            // Nothing may be fetched; if the page tried, it would fail and show.
            "--host-resolver-rules=MAP * ~NOTFOUND",
            &profile,
        ])
        .args(args)
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("chromium runs")
}

/// What the browser's console received while showing `page`.
fn console_lines(stderr: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(stderr)
        .lines()
        .filter(|line| line.contains(":CONSOLE") || line.contains("Uncaught"))
        .map(str::to_string)
        .collect()
}

/// Opens `page` in Chromium: no console output, every section, every chart drawn; writes the
/// screenshot `target/report-<name>.png`.
fn check_in_chromium(page: &Path, name: &str, with_trend: bool) {
    let html = std::fs::read_to_string(page).unwrap();
    for reference in ["src=", "href=", "url(", "@import", "<script", "<link"] {
        assert!(
            !html.contains(reference),
            "{name}: the page refers to something outside itself ({reference})"
        );
    }
    let profile = tempfile::tempdir().unwrap();
    let dom = chromium(profile.path(), page, &["--dump-dom"]);
    assert_success(&dom);
    let console = console_lines(&dom.stderr);
    assert!(console.is_empty(), "{name}: console output: {console:?}");
    let dom = String::from_utf8(dom.stdout).unwrap();
    for id in [
        "trend",
        "outcome",
        "throughput",
        "steps",
        "lengths",
        "sites",
        "clusters",
        "run",
    ] {
        let present = dom.contains(&format!("<section id=\"{id}\""));
        let wanted = id != "trend" || with_trend;
        assert_eq!(present, wanted, "{name}: section {id}");
    }
    let charts: Vec<&str> = dom.split("<figure class=\"chart\"").skip(1).collect();
    assert!(
        charts.len() == if with_trend { 8 } else { 5 },
        "{name}: {} charts",
        charts.len()
    );
    for chart in charts {
        let chart = &chart[..chart.find("</figure>").unwrap()];
        let id = chart.split('"').nth(1).unwrap_or("?");
        assert!(chart.contains("<svg"), "{name}: chart {id} is not drawn");
        // Bars are rectangles besides the background; lines are polylines with points.
        let bars = chart.matches("<rect").count() > 2;
        let lines = chart
            .split("<polyline")
            .skip(1)
            .any(|polyline| polyline.contains("points=\""));
        let dots = chart.matches("<circle").count() > 0;
        assert!(bars || lines || dots, "{name}: chart {id} is empty");
    }
    let shot = repo().join(format!("target/report-{name}.png"));
    let _ = std::fs::remove_file(&shot);
    let screenshot = format!("--screenshot={}", shot.display());
    let profile = tempfile::tempdir().unwrap();
    let shown = chromium(
        profile.path(),
        page,
        &[&screenshot, "--window-size=1280,3000"],
    );
    assert_success(&shown);
    assert!(console_lines(&shown.stderr).is_empty(), "{name}");
    let png = std::fs::metadata(&shot).expect("a screenshot").len();
    assert!(
        png > 20_000,
        "{name}: a screenshot of {png} bytes shows little"
    );
}

#[test]
fn report_html_shows_every_section_and_chart_in_headless_chromium() {
    if std::env::var("SCOUR_CHROMIUM_TEST").as_deref() != Ok("1") {
        eprintln!("skipped: set SCOUR_CHROMIUM_TEST=1 with Debian's chromium installed");
        return;
    }
    let found = Process::new("chromium").arg("--version").output();
    assert!(
        found.as_ref().is_ok_and(|o| o.status.success()),
        "SCOUR_CHROMIUM_TEST=1 but no chromium runs here: {found:?}"
    );
    // The console check sees what a page logs (or it would pass on anything).
    let dir = Dir::new();
    let noisy = dir.path().join("noisy.html");
    std::fs::write(&noisy, "<script>console.error('boom')</script>").unwrap();
    let profile = tempfile::tempdir().unwrap();
    let logged = chromium(profile.path(), &noisy, &["--dump-dom"]);
    assert!(
        console_lines(&logged.stderr)
            .iter()
            .any(|l| l.contains("boom")),
        "the console is not seen: {}",
        String::from_utf8_lossy(&logged.stderr)
    );

    let samples = samples_run(&dir, false);
    check_in_chromium(&samples.join("report.html"), "samples", false);

    let bench = Dir::new();
    let generator = repo().join("../shared/bench/make_corpus.py");
    if generator.is_file() {
        let made = Process::new("python3")
            .arg(&generator)
            .arg(bench.path().join("in"))
            .args(["--articles", "3000"])
            .output()
            .unwrap();
        assert_success(&made);
    } else {
        eprintln!("../shared/bench/make_corpus.py not found; using a varied corpus made here");
        varied_corpus(&bench, 3000);
    }
    bench.run("out", &[]);
    check_in_chromium(&bench.path().join("out/report.html"), "bench", false);

    let nights = Dir::new();
    let outs = three_nights(&nights);
    check_in_chromium(&outs[2].join("report.html"), "nights", true);
}

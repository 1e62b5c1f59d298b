//! Nightly runs with state.

use super::*;

/// An article of its own for file `n`, long enough to survive cleaning.
pub(crate) fn story(n: usize, edition: &str) -> String {
    format!(
        "'Story {n}'  DATE: 2024-11-{:02} 10:00:00\n\nReport {n} ({edition}): the council met on \
         Tuesday and agreed item {n} of the plan after a long debate.\n\nA second paragraph \
         about item {n}, with <b>stray</b> tags &amp; entities.",
        n % 28 + 1
    )
}

/// `scour run --input in --state state.redb` plus `args`, with `SCOUR_CRASH_AT` if given.
pub(crate) fn nightly(
    dir: &Dir,
    state: &str,
    args: &[&str],
    crash_at: Option<&str>,
) -> std::process::Output {
    let mut command = dir.scour();
    command
        .args(["run", "--input", "in", "--state", state, "--no-progress"])
        .args(args)
        .timeout(Duration::from_secs(120));
    if let Some(point) = crash_at {
        command.env("SCOUR_CRASH_AT", point);
    }
    command.output().expect("run scour")
}

/// Starts a nightly run and SIGKILLs it after `delay` (no chance to clean up); whether it was
/// still running.
pub(crate) fn killed_after(dir: &Dir, state: &str, args: &[&str], delay: Duration) -> bool {
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("scour"))
        .current_dir(dir.path())
        .args(["run", "--input", "in", "--state", state, "--no-progress"])
        .args(args)
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(delay);
    let _ = child.kill();
    !child.wait().unwrap().success()
}

/// A nightly run into `out` that must succeed, and what it wrote.
pub(crate) fn night(dir: &Dir, state: &str, out: &str, args: &[&str]) -> Outputs {
    let mut all = args.to_vec();
    all.extend(["--output", out]);
    let output = nightly(dir, state, &all, None);
    assert_success(&output);
    Outputs::read(&dir.path().join(out))
}

pub(crate) fn assert_success(output: &std::process::Output) {
    assert!(
        output.status.success(),
        "scour failed: {}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
}

/// The files of an output directory, for comparing two runs: every name and its bytes, with
/// report.json's `run` section (elapsed time, threads) and file paths left out.
pub(crate) fn directory_contents(dir: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| {
            let entry = entry.unwrap();
            let name = entry.file_name().to_string_lossy().into_owned();
            let mut bytes = std::fs::read(entry.path()).unwrap();
            if name == "report.json" {
                let mut report: Value = serde_json::from_slice(&bytes).unwrap();
                // Facts of the execution (times, paths, and the configuration: a resumed run
                // is configured to checkpoint, its reference is not), not of the data.
                for key in ["run", "outputs", "steps", "throughput", "config"] {
                    report.as_object_mut().unwrap().remove(key);
                }
                if let Some(state) = report.get_mut("state").and_then(Value::as_object_mut) {
                    state.remove("path");
                }
                for night in report["nights"].as_array_mut().into_iter().flatten() {
                    let night = night.as_object_mut().unwrap();
                    night.remove("finished_at");
                    night.remove("state_bytes");
                }
                bytes = serde_json::to_vec(&report).unwrap();
            }
            if name == "report.html" {
                // Drawn from report.json (compared above) with its times: present and whole.
                let page = String::from_utf8(bytes).unwrap();
                assert!(page.ends_with("</html>\n"), "a whole report.html");
                bytes = Vec::new();
            }
            (name, bytes)
        })
        .collect();
    files.sort();
    files
}

#[test]
fn three_nights_deliver_each_article_once_and_skip_unchanged_files() {
    let dir = Dir::new();
    for n in 0..30 {
        dir.file(&format!("2024/11/01/{n:03}.txt"), story(n, "first"));
    }
    // Night 1.
    let night1 = night(&dir, "state.redb", "night1", &[]);
    assert_eq!(night1.clean.len(), 30);
    assert_eq!(night1.report["state"]["run"], 1);

    // Night 2: new files, re-scrapes of night-1 articles under new paths, one edited file.
    for n in 30..40 {
        dir.file(&format!("2024/11/02/{n:03}.txt"), story(n, "first"));
    }
    for n in 0..5 {
        dir.file(
            &format!("2024/11/02/rescrape-{n:03}.txt"),
            story(n, "first"),
        );
    }
    std::thread::sleep(Duration::from_millis(20));
    dir.file("2024/11/01/007.txt", story(7, "updated"));
    // The first attempt at night 2 is killed just before its commit; the second finishes it.
    let killed = nightly(&dir, "state.redb", &["--output", "night2"], Some("staged"));
    assert!(!killed.status.success());
    let night2 = night(&dir, "state.redb", "night2", &[]);
    let kept: BTreeSet<&str> = night2
        .clean
        .iter()
        .map(|r| r["source"].as_str().unwrap())
        .collect();
    let mut expected: BTreeSet<String> =
        (30..40).map(|n| format!("2024/11/02/{n:03}.txt")).collect();
    expected.insert("2024/11/01/007.txt".into());
    assert_eq!(kept, expected.iter().map(String::as_str).collect());
    // Each re-scrape points at the record night 1 kept.
    assert_eq!(night2.duplicates.len(), 5);
    for duplicate in &night2.duplicates {
        let source = duplicate["source"].as_str().unwrap();
        let n: usize = source["2024/11/02/rescrape-".len()..][..3].parse().unwrap();
        let original = night1.clean(&format!("2024/11/01/{n:03}.txt"));
        assert_eq!(duplicate["duplicate_of"], original["id"]);
    }
    assert_eq!(night2.report["state"]["files_unchanged"], 29);

    // Night 3: nothing changed but a file that was only touched.
    let touched = dir.input().join("2024/11/01/003.txt");
    std::fs::write(&touched, std::fs::read(&touched).unwrap()).unwrap();
    let night3 = night(&dir, "state.redb", "night3", &[]);
    assert_eq!(night3.sources(), Vec::<String>::new());
    assert_eq!(night3.report["state"]["files_unchanged"], 45);

    // Running a completed night again changes nothing and says so.
    let before = directory_contents(&dir.path().join("night2"));
    let output = nightly(&dir, "state.redb", &["--output", "night2"], None);
    assert_success(&output);
    assert!(String::from_utf8_lossy(&output.stderr).contains("already completed"));
    assert_eq!(directory_contents(&dir.path().join("night2")), before);

    // Without --output each night gets its own directory under output.dir.
    dir.file("2024/11/04/new.txt", story(99, "first"));
    let output = nightly(&dir, "state.redb", &[], None);
    assert_success(&output);
    let night4 = Outputs::read(&dir.path().join("out/run-000004"));
    assert_eq!(night4.clean.len(), 1);

    // Forgetting night 2 makes its files new again: the edit is delivered once more.
    let forget = dir
        .scour()
        .args([
            "state",
            "forget",
            "--state",
            "state.redb",
            "--run",
            "run-000002",
        ])
        .output()
        .unwrap();
    assert_success(&forget);
    let night5 = night(&dir, "state.redb", "night5", &[]);
    assert_eq!(night5.clean.len(), 11);
    let stats = dir
        .scour()
        .args(["state", "stats", "--state", "state.redb", "--json"])
        .output()
        .unwrap();
    assert_success(&stats);
    let stats: Value = serde_json::from_slice(&stats.stdout).unwrap();
    assert_eq!(stats["kept_articles"], 30 + 11 + 1);
}

/// Builds the same dump in two directories and returns them with the reference output of an
/// uninterrupted run.
pub(crate) fn crash_fixture() -> (Dir, Vec<(String, Vec<u8>)>, Duration) {
    crash_fixture_with(&[])
}

/// The crash fixture, its reference run given `args` too.
pub(crate) fn crash_fixture_with(args: &[&str]) -> (Dir, Vec<(String, Vec<u8>)>, Duration) {
    let dir = Dir::new();
    for n in 0..4000 {
        dir.file(
            &format!("site/{:02}/{n:04}.txt", n % 40),
            story(n % 3500, "first"),
        );
    }
    let started = std::time::Instant::now();
    let mut reference_args = vec!["--output", "reference"];
    reference_args.extend_from_slice(args);
    let output = nightly(&dir, "reference.redb", &reference_args, None);
    let took = started.elapsed();
    assert_success(&output);
    let reference = directory_contents(&dir.path().join("reference"));
    assert_eq!(
        reference.len(),
        6,
        "three record files, the dataset card, report.html and report.json"
    );
    (dir, reference, took)
}

#[test]
fn a_run_killed_between_any_two_commit_steps_ends_as_if_never_killed() {
    let (dir, reference, _) = crash_fixture();
    for point in ["staged", "committed", "publishing", "half-published"] {
        let state = format!("{point}.redb");
        let out = format!("out-{point}");
        let killed = nightly(&dir, &state, &["--output", &out], Some(point));
        assert!(
            !killed.status.success(),
            "{point}: the crash hook did not fire"
        );
        // Nothing that looks complete is left.
        assert!(
            !dir.path().join(&out).join("report.json").exists(),
            "{point}"
        );
        let again = nightly(&dir, &state, &["--output", &out], None);
        assert_success(&again);
        assert_eq!(
            directory_contents(&dir.path().join(&out)),
            reference,
            "after a crash at {point}"
        );
        // And the state is that of one run: a third invocation has nothing to do.
        let third = nightly(&dir, &state, &["--output", &out], None);
        assert_success(&third);
        assert!(String::from_utf8_lossy(&third.stderr).contains("already completed"));
    }
}

#[test]
fn a_run_killed_at_random_moments_ends_as_if_never_killed() {
    let (dir, reference, took) = crash_fixture();
    let mut interrupted = 0;
    // Kills spread over a whole run, from opening the state to publishing.
    for (attempt, percent) in [1u32, 10, 30, 50, 70, 90].into_iter().enumerate() {
        let delay = took * percent / 100;
        let state = format!("killed-{attempt}.redb");
        let out = format!("out-{attempt}");
        if killed_after(&dir, &state, &["--output", &out], delay) {
            interrupted += 1;
        }
        let again = nightly(&dir, &state, &["--output", &out], None);
        assert_success(&again);
        assert_eq!(
            directory_contents(&dir.path().join(&out)),
            reference,
            "after a kill at {delay:?} ({percent}% of a run)"
        );
    }
    assert!(
        interrupted >= 2,
        "only {interrupted} kills landed before the run ended"
    );
}

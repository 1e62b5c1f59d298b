//! Faults around the run, provoked for real: two processes racing, damaged state files, signals
//! sent to a running child, a full file system, a publish killed part-way, and two runs in one
//! output directory. Each test is a row of the README's "Faults around the run" table.

use std::path::Path;
use std::process::{Child, Command as Process, Stdio};

use super::*;

/// `scour run --input in --no-progress` plus `args`, started and left running.
fn spawn(dir: &Dir, args: &[&str]) -> Child {
    Process::new(assert_cmd::cargo::cargo_bin("scour"))
        .current_dir(dir.path())
        .args(["run", "--input", "in", "--no-progress"])
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start scour")
}

fn finish(child: Child) -> (Option<i32>, String) {
    let output = child.wait_with_output().expect("wait for scour");
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// The record files of a directory's contents (a run without state has no `state` section in
/// its report, so it is compared with a run with state on these).
fn records(contents: Vec<(String, Vec<u8>)>) -> Vec<(String, Vec<u8>)> {
    contents
        .into_iter()
        .filter(|(name, _)| name.ends_with(".jsonl"))
        .collect()
}

fn staging_dirs(out: &Path) -> Vec<String> {
    std::fs::read_dir(out)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with(".scour-tmp-"))
        .collect()
}

#[test]
fn two_runs_racing_on_a_new_state_commit_once_and_the_other_is_refused() {
    let (dir, reference, _) = crash_fixture();
    let kept_once = Outputs::read(&dir.path().join("reference")).clean.len();
    for trial in 0..8 {
        let state = format!("race-{trial}.redb");
        let (a, b) = (format!("race-{trial}-a"), format!("race-{trial}-b"));
        let first = spawn(&dir, &["--state", &state, "--output", &a]);
        let second = spawn(&dir, &["--state", &state, "--output", &b]);
        let results = [finish(first), finish(second)];
        let codes: Vec<Option<i32>> = results.iter().map(|r| r.0).collect();
        let winner = match codes.as_slice() {
            [Some(0), Some(75)] => &a,
            [Some(75), Some(0)] => &b,
            _ => panic!("trial {trial}: exit codes {codes:?}\n{results:?}"),
        };
        let refused = &results.iter().find(|r| r.0 == Some(75)).unwrap().1;
        assert!(
            refused.contains("is in use by another scour run") && refused.contains(&state),
            "{refused}"
        );
        let won = directory_contents(&dir.path().join(winner));
        assert!(won == reference, "trial {trial}: the output differs");
        let loser = if winner == &a { &b } else { &a };
        assert!(
            !dir.path().join(loser).join("clean.jsonl").exists(),
            "trial {trial}: the refused run delivered something"
        );
        // The state holds the one run, and every article once.
        let stats = dir
            .scour()
            .args(["state", "stats", "--state", &state, "--json"])
            .output()
            .unwrap();
        assert_success(&stats);
        let stats: Value = serde_json::from_slice(&stats.stdout).unwrap();
        assert_eq!(stats["runs"].as_array().unwrap().len(), 1);
        assert_eq!(stats["kept_articles"], kept_once);
    }
}

/// A state after one night of 300 files, and that night's output.
fn one_night() -> (Dir, Vec<u8>) {
    let dir = Dir::new();
    for n in 0..300 {
        dir.file(&format!("a/{n:03}.txt"), story(n, "first"));
    }
    night(&dir, "good.redb", "night1", &[]);
    let bytes = std::fs::read(dir.path().join("good.redb")).unwrap();
    (dir, bytes)
}

/// The damaged copies of a good state file, by kind of damage.
fn damaged_copies(good: &[u8]) -> Vec<(&'static str, Vec<u8>)> {
    let truncated = good[..good.len() / 2].to_vec();
    // One flipped bit in every 4 KiB page after the header: B-tree pages, free pages, all.
    let mut flipped = good.to_vec();
    let len = flipped.len();
    for (page, at) in (4096..len).step_by(4096).enumerate() {
        flipped[at + (page * 37) % 4096 % (len - at)] ^= 1 << (page % 8);
    }
    let mut zeroed = good.to_vec();
    let start = good.len() / 3 / 4096 * 4096;
    zeroed[start..start + 64 * 1024].fill(0);
    let mut zeroed_head = good.to_vec();
    zeroed_head[..4096].fill(0);
    vec![
        ("truncated", truncated),
        ("flipped", flipped),
        ("zeroed", zeroed),
        ("zeroed_head", zeroed_head),
        ("empty", Vec::new()),
    ]
}

#[test]
fn a_damaged_state_is_refused_with_a_clear_error_never_a_panic_or_a_fresh_start() {
    let (dir, good) = one_night();
    let check = |state: &str| {
        dir.scour()
            .args(["state", "check", "--state", state])
            .output()
            .unwrap()
    };
    let sound = check("good.redb");
    assert_success(&sound);
    assert!(String::from_utf8_lossy(&sound.stdout).contains("is sound"));
    for (kind, bytes) in damaged_copies(&good) {
        let state = format!("{kind}.redb");
        std::fs::write(dir.path().join(&state), &bytes).unwrap();
        let out = format!("out-{kind}");
        let run = nightly(&dir, &state, &["--output", &out], None);
        let stderr = String::from_utf8_lossy(&run.stderr);
        assert!(!stderr.contains("panicked"), "{kind}: {stderr}");
        assert_eq!(run.status.code(), Some(1), "{kind}: {stderr}");
        assert!(
            stderr.contains(&format!("state {state} is damaged"))
                && stderr.contains("scour state restore")
                && stderr.lines().count() == 1,
            "{kind}: {stderr}"
        );
        assert!(
            !dir.path().join(&out).join("clean.jsonl").exists(),
            "{kind}"
        );
        assert_eq!(staging_dirs(&dir.path().join(&out)), Vec::<String>::new());
        let before = std::fs::read(dir.path().join(&state)).unwrap();
        let checked = check(&state);
        assert_eq!(checked.status.code(), Some(1), "{kind}: check passed");
        let stderr = String::from_utf8_lossy(&checked.stderr);
        assert!(
            stderr.contains("is damaged") && !stderr.contains("panicked"),
            "{stderr}"
        );
        // `state check` never changes the file it checks.
        assert!(
            std::fs::read(dir.path().join(&state)).unwrap() == before,
            "{kind}: check changed the file"
        );
    }
    let empty = nightly(&dir, "empty.redb", &["--output", "again"], None);
    assert_eq!(empty.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&empty.stderr).contains("is empty (0 bytes)"));
    assert_eq!(
        std::fs::metadata(dir.path().join("empty.redb"))
            .unwrap()
            .len(),
        0
    );
}

#[test]
fn a_backup_after_each_night_restores_a_damaged_state_without_delivering_twice() {
    let dir = Dir::new();
    dir.config("backups.toml", "[state]\nbackups = 2\n");
    for n in 0..50 {
        dir.file(&format!("a/{n:03}.txt"), story(n, "first"));
    }
    let config = ["--config", "backups.toml"];
    night(&dir, "state.redb", "night1", &config);
    dir.file("b/new.txt", story(500, "first"));
    night(&dir, "state.redb", "night2", &config);
    dir.file("c/new.txt", story(501, "first"));
    night(&dir, "state.redb", "night3", &config);
    let backups: BTreeSet<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".backup"))
        .collect();
    let expected = [
        "state.redb.run-000002.backup",
        "state.redb.run-000003.backup",
    ];
    assert_eq!(backups, expected.iter().map(|s| s.to_string()).collect());

    // The state is truncated; the run refuses it, the restore puts night 3's copy back.
    let path = dir.path().join("state.redb");
    let bytes = std::fs::read(&path).unwrap();
    std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
    dir.file("d/new.txt", story(502, "first"));
    let refused = nightly(&dir, "state.redb", &["--output", "night4"], None);
    assert_eq!(refused.status.code(), Some(1));
    let restore = dir
        .scour()
        .args(["state", "restore", "--state", "state.redb"])
        .output()
        .unwrap();
    assert_success(&restore);
    assert!(String::from_utf8_lossy(&restore.stdout).contains("run-000003"));
    let night4 = night(&dir, "state.redb", "night4", &config);
    assert_eq!(night4.sources(), vec!["d/new.txt".to_string()]);
    assert_eq!(night4.report["state"]["run"], 4);
}

#[test]
fn sigint_and_sigterm_stop_cleanly_and_the_same_command_then_ends_as_if_never_stopped() {
    let (dir, reference, _) = crash_fixture();
    dir.config("checkpoints.toml", "[state]\ncheckpoint_files = 500\n");
    let clean_bytes = reference
        .iter()
        .find(|(name, _)| name == "clean.jsonl")
        .map_or(0, |(_, bytes)| bytes.len() as u64);
    let (mut stopped, mut resumed) = (0, 0);
    for (attempt, (signal, percent, with_state)) in [
        ("INT", 15u32, false),
        ("TERM", 50, false),
        ("INT", 20, true),
        ("TERM", 60, true),
        ("TERM", 85, true),
    ]
    .into_iter()
    .enumerate()
    {
        let out = format!("out-{attempt}");
        let state = format!("signal-{attempt}.redb");
        let mut args = vec!["--output", out.as_str()];
        if with_state {
            args.extend(["--state", state.as_str(), "--config", "checkpoints.toml"]);
        }
        let child = spawn(&dir, &args);
        // The signal goes when the run has staged `percent` % of its clean records (whatever
        // the machine's load), or when it has finished.
        let out_dir = dir.path().join(&out);
        let started = std::time::Instant::now();
        loop {
            let staged = staging_dirs(&out_dir)
                .iter()
                .filter_map(|name| std::fs::metadata(out_dir.join(name).join("clean.jsonl")).ok())
                .map(|meta| meta.len())
                .max()
                .unwrap_or(0);
            if staged * 100 >= clean_bytes * u64::from(percent)
                || out_dir.join("report.json").exists()
                || started.elapsed() > Duration::from_secs(60)
            {
                break;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        let sent = Process::new("kill")
            .args([format!("-{signal}"), child.id().to_string()])
            .status()
            .unwrap();
        assert!(sent.success());
        let (code, stderr) = finish(child);
        let expected = if signal == "INT" { 130 } else { 143 };
        let same = |what: &str| {
            let (got, want) = if with_state {
                (directory_contents(&out_dir), reference.clone())
            } else {
                (
                    records(directory_contents(&out_dir)),
                    records(reference.clone()),
                )
            };
            assert!(
                got == want,
                "SIG{signal} at {percent}%: {what} differs from the reference"
            );
        };
        if code == Some(0) {
            // The signal came after the run had reached its commit: it finished.
            same("the finished run");
            continue;
        }
        stopped += 1;
        assert_eq!(code, Some(expected), "SIG{signal} at {percent}%: {stderr}");
        let lines: Vec<&str> = stderr.lines().collect();
        assert_eq!(lines.len(), 1, "one line: {stderr}");
        assert!(lines[0].starts_with(&format!("scour: SIG{signal} received: stopped after")));
        assert!(lines[0].contains("run the same command again"), "{stderr}");
        assert!(!out_dir.join("report.json").exists());
        let resumable = lines[0].contains("resume from there");
        if resumable {
            resumed += 1;
            assert_eq!(
                staging_dirs(&out_dir),
                vec![".scour-tmp-run-000001".to_string()]
            );
        } else {
            assert_eq!(staging_dirs(&out_dir), Vec::<String>::new(), "{stderr}");
        }
        let mut again = dir.scour();
        again
            .args(["run", "--input", "in", "--no-progress"])
            .args(&args)
            .timeout(Duration::from_secs(120));
        assert_success(&again.output().unwrap());
        same("the run after it");
        if resumable {
            let report: Value =
                serde_json::from_slice(&std::fs::read(out_dir.join("report.json")).unwrap())
                    .unwrap();
            assert!(
                report["run"]["resumed_after_inputs"]
                    .as_u64()
                    .is_some_and(|n| n > 0)
            );
        }
    }
    assert!(
        stopped >= 3,
        "only {stopped} signals landed before the run ended"
    );
    assert!(resumed >= 1, "no stopped run resumed from a checkpoint");
}

/// A 2 MB tmpfs mounted for the test and unmounted when dropped.
struct SmallDisk(std::path::PathBuf);

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Process::new("umount").arg(&self.0).status();
    }
}

#[test]
fn a_full_disk_fails_the_run_removes_its_staging_and_says_where_space_ran_out() {
    let (dir, _) = one_night();
    let mount = dir.path().join("small");
    std::fs::create_dir(&mount).unwrap();
    let mounted = Process::new("mount")
        .args(["-t", "tmpfs", "-o", "size=2m", "tmpfs"])
        .arg(&mount)
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !mounted {
        eprintln!(
            "skipped: cannot mount a tmpfs here (needs root); the full-disk case is untested"
        );
        return;
    }
    let _disk = SmallDisk(mount.clone());
    // 300 articles are about 0.2 MB of output: fill the disk but for 50 KB first.
    let filler = mount.join("filler");
    std::fs::write(&filler, vec![b'x'; 2 * 1024 * 1024 - 50 * 1024]).unwrap_or(());
    for (name, args) in [("plain", vec![]), ("state", vec!["--state", "fresh.redb"])] {
        let out = format!("small/out-{name}");
        let run = dir.run_raw(&out, &args);
        let stderr = String::from_utf8_lossy(&run.stderr);
        assert_eq!(run.status.code(), Some(1), "{name}: {stderr}");
        assert!(
            stderr.contains("no space left on the device writing")
                && stderr.contains("had been written to the staging directory")
                && stderr.contains("which was removed"),
            "{name}: {stderr}"
        );
        assert_eq!(staging_dirs(&dir.path().join(&out)), Vec::<String>::new());
        assert!(!dir.path().join(&out).join("report.json").exists());
    }
    // With room again, the same command succeeds.
    std::fs::remove_file(&filler).unwrap();
    dir.run("small/out-plain", &[]);
}

#[test]
fn a_run_without_state_killed_while_publishing_is_redone_by_the_same_command() {
    let dir = Dir::new();
    for n in 0..200 {
        dir.file(&format!("a/{n:03}.txt"), story(n % 150, "first"));
    }
    dir.run("reference", &[]);
    let reference = directory_contents(&dir.path().join("reference"));
    // Killed before its first rename, and after one file was moved.
    for (out, point) in [("out", "publishing"), ("half", "half-published")] {
        let mut killed = dir.scour();
        killed
            .args(["run", "--input", "in", "--output", out, "--no-progress"])
            .env("SCOUR_CRASH_AT", point);
        assert!(!killed.output().unwrap().status.success(), "{point}");
        assert!(!dir.path().join(out).join("report.json").exists());
    }
    assert!(
        dir.path().join("half/clean.jsonl").exists(),
        "one file was published"
    );
    for out in ["out", "half"] {
        dir.run(out, &[]);
        let again = directory_contents(&dir.path().join(out));
        assert!(
            again == reference,
            "{out}: differs from an uninterrupted run"
        );
    }
}

#[test]
fn a_second_run_in_the_same_output_directory_is_refused_and_the_first_finishes() {
    let (dir, reference, _) = crash_fixture();
    let first = spawn(&dir, &["--output", "shared", "--threads", "1"]);
    // Wait until the first run has staged something, then start the second.
    let started = std::time::Instant::now();
    while staging_dirs(&dir.path().join("shared")).is_empty() {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the run never started"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    let second = dir.run_raw("shared", &[]);
    let (code, stderr) = finish(first);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(second.status.code(), Some(75));
    assert!(String::from_utf8_lossy(&second.stderr).contains("is in use by another scour run"));
    // The reference was a run with state; compare the record files only.
    let shared = records(directory_contents(&dir.path().join("shared")));
    assert!(
        shared == records(reference),
        "the first run's output differs"
    );
}

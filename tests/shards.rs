//! Sharded runs.

use super::*;

#[test]
fn four_shards_and_a_finalize_write_what_one_machine_writes() {
    let dir = Dir::new();
    for entry in walk_files(&repo().join("samples")) {
        let relative = entry.strip_prefix(repo().join("samples")).unwrap();
        dir.file(relative.to_str().unwrap(), std::fs::read(&entry).unwrap());
    }
    for n in 0..300 {
        dir.file(
            &format!("site/{:02}/{n:04}.txt", n % 7),
            story(n % 250, "first"),
        );
    }
    dir.config("near.toml", "[dedup]\nnear = true\n");
    let single = dir.run("single", &["--config", "near.toml"]);
    assert!(!single.duplicates.is_empty());
    for index in 0..4 {
        let output = dir.run_raw(
            "work",
            &[
                "--config",
                "near.toml",
                "--shard-index",
                &index.to_string(),
                "--shard-count",
                "4",
            ],
        );
        assert_success(&output);
    }
    // A task that is run again finds its shard complete.
    let again = dir.run_raw(
        "work",
        &[
            "--config",
            "near.toml",
            "--shard-index",
            "2",
            "--shard-count",
            "4",
        ],
    );
    assert_success(&again);
    assert!(String::from_utf8_lossy(&again.stderr).contains("already complete"));
    let finalize = dir
        .scour()
        .args([
            "finalize",
            "--input",
            "in",
            "--no-progress",
            "--config",
            "near.toml",
        ])
        .args([
            "--shards",
            "work",
            "--shard-count",
            "4",
            "--output",
            "merged",
        ])
        .output()
        .unwrap();
    assert_success(&finalize);
    assert_eq!(
        directory_contents(&dir.path().join("merged")),
        directory_contents(&dir.path().join("single"))
    );

    // A missing shard fails the finalize loudly, naming it.
    std::fs::remove_dir_all(dir.path().join("work/shard-00001-of-00004")).unwrap();
    let broken = dir
        .scour()
        .args(["finalize", "--input", "in", "--no-progress"])
        .args([
            "--shards",
            "work",
            "--shard-count",
            "4",
            "--output",
            "broken",
        ])
        .output()
        .unwrap();
    assert_eq!(broken.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&broken.stderr).contains("not complete in work: 1;"));
}

#[test]
fn sharded_nights_with_state_write_what_one_machine_writes() {
    let dir = Dir::new();
    for n in 0..120 {
        dir.file(
            &format!("site/{:02}/{n:03}.txt", n % 5),
            story(n % 100, "first"),
        );
    }
    let sharded_night = |night: &str| {
        let work = format!("work-{night}");
        for index in 0..3 {
            let output = dir.run_raw(
                &work,
                &[
                    "--state",
                    "sharded.redb",
                    "--shard-index",
                    &index.to_string(),
                    "--shard-count",
                    "3",
                ],
            );
            assert_success(&output);
        }
        let finalize = |crash_at: Option<&str>| {
            let mut command = dir.scour();
            command
                .args(["finalize", "--input", "in", "--no-progress"])
                .args(["--state", "sharded.redb", "--shards", &work])
                .args([
                    "--shard-count",
                    "3",
                    "--output",
                    &format!("sharded-{night}"),
                ]);
            if let Some(point) = crash_at {
                command.env("SCOUR_CRASH_AT", point);
            }
            command.output().unwrap()
        };
        if night == "1" {
            // A finalize killed before, during or after its commit is settled by running it
            // again, as a one-machine nightly run is.
            for point in ["staged", "committed", "publishing"] {
                assert!(!finalize(Some(point)).status.success(), "{point}");
                let again = finalize(None);
                assert_success(&again);
                assert_eq!(
                    String::from_utf8_lossy(&again.stderr).contains("finished publishing"),
                    point != "staged",
                    "{point}"
                );
                std::fs::remove_dir_all(dir.path().join("sharded-1")).unwrap();
                std::fs::remove_file(dir.path().join("sharded.redb")).unwrap();
            }
        }
        assert_success(&finalize(None));
        let single = nightly(
            &dir,
            "single.redb",
            &["--output", &format!("single-{night}")],
            None,
        );
        assert_success(&single);
        assert_eq!(
            directory_contents(&dir.path().join(format!("sharded-{night}"))),
            directory_contents(&dir.path().join(format!("single-{night}"))),
            "night {night}"
        );
    };
    sharded_night("1");
    // Night 2: new files, a re-scrape of a night-1 article, an edited file.
    for n in 120..140 {
        dir.file(&format!("site/{:02}/{n:03}.txt", n % 5), story(n, "first"));
    }
    dir.file("site/00/rescrape.txt", story(7, "first"));
    std::thread::sleep(Duration::from_millis(20));
    dir.file("site/01/001.txt", story(1, "updated"));
    sharded_night("2");
    let night2 = Outputs::read(&dir.path().join("sharded-2"));
    assert_eq!(night2.clean.len(), 21);
    assert_eq!(night2.report["state"]["files_unchanged"], 119);
}

pub(crate) fn walk_files(root: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(root).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(walk_files(&path));
        } else {
            files.push(path);
        }
    }
    files
}

/// On a real Slurm cluster (`.ci/slurm-up` starts a one-node one; `.ci/run` sets
/// SCOUR_SLURM_TEST=1): the benchmark corpus as a 4-task job array gives the bytes of a
/// one-machine run, and a task that dies is recovered by running the command again.
#[test]
fn a_slurm_job_array_gives_one_machines_output_and_recovers_a_dead_task() {
    if std::env::var("SCOUR_SLURM_TEST").as_deref() != Ok("1") {
        eprintln!("skipped: set SCOUR_SLURM_TEST=1 with a Slurm cluster up (.ci/slurm-up)");
        return;
    }
    let dir = Dir::new();
    let generator = repo().join("../shared/bench/make_corpus.py");
    if generator.is_file() {
        let made = std::process::Command::new("python3")
            .arg(&generator)
            .arg(dir.path().join("corpus"))
            .args(["--articles", "50000"])
            .output()
            .unwrap();
        assert_success(&made);
    } else {
        // A checkout without ../shared beside it: a corpus of the same shape, made here.
        eprintln!("../shared/bench/make_corpus.py not found; using 20,000 generated stories");
        for n in 0..20_000 {
            let path = dir
                .path()
                .join(format!("corpus/site{:02}/{:03}/{n:05}.txt", n % 8, n % 97));
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, story(n % 18_000, "first")).unwrap();
        }
    }
    let single = dir
        .scour()
        .args([
            "run",
            "--input",
            "corpus",
            "--output",
            "single",
            "--no-progress",
        ])
        .output()
        .unwrap();
    assert_success(&single);

    let slurm = |crash: Option<&str>| {
        let mut command = dir.scour();
        command
            .args([
                "slurm", "run", "--input", "corpus", "--output", "sharded", "--shards", "4",
            ])
            .timeout(Duration::from_secs(600));
        if let Some(point) = crash {
            command.env("SCOUR_CRASH_AT", point);
        }
        command.output().unwrap()
    };
    let failed = slurm(Some("shard-2"));
    assert_eq!(failed.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&failed.stderr);
    assert!(
        stderr.contains("1 of 4 shard tasks failed: task 2"),
        "{stderr}"
    );
    assert!(!dir.path().join("sharded/report.json").exists());

    let rerun = slurm(None);
    assert_success(&rerun);
    let stderr = String::from_utf8_lossy(&rerun.stderr);
    assert!(
        stderr.contains("submitted shard tasks 2 as job array"),
        "{stderr}"
    );
    assert_eq!(
        directory_contents(&dir.path().join("sharded")),
        directory_contents(&dir.path().join("single"))
    );
}

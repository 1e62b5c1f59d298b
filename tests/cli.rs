//! Configuration and command line.

use super::*;

#[test]
fn a_bad_config_reports_every_problem_with_its_line_and_exits_2() {
    let dir = Dir::new();
    dir.config(
        "pipeline.toml",
        "[input]\nroots = [\"in\"]\nfollow_symlink = true\n\n[captions]\nmode = 3\n\n[bogus]\nx = 1\n",
    );
    let output = dir.scour().args(["run", "--no-progress"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("3 problems"), "{stderr}");
    assert!(
        stderr.contains("pipeline.toml:3:1: `input.follow_symlink`"),
        "{stderr}"
    );
    assert!(
        stderr.contains("pipeline.toml:6:8: `captions.mode`"),
        "{stderr}"
    );
    assert!(stderr.contains("pipeline.toml:8:2: `bogus`"), "{stderr}");
    assert!(!dir.path().join("out").exists(), "nothing ran");
}

#[test]
fn bad_values_are_reported_with_their_lines_too() {
    let dir = Dir::new();
    dir.config(
        "bad.toml",
        "[input]\nroots = [\"missing\"]\n\n[header]\npattern = \"(\"\n",
    );
    let stderr = dir.config_errors("bad.toml");
    assert!(
        stderr.contains("bad.toml:2:9: `input.roots`: input root"),
        "{stderr}"
    );
    assert!(
        stderr.contains("bad.toml:5:11: `header.pattern`"),
        "{stderr}"
    );
}

#[test]
fn a_missing_input_is_a_usage_error() {
    let dir = Dir::new();
    let output = dir
        .scour()
        .args([
            "run",
            "--input",
            "nowhere",
            "--output",
            "out",
            "--no-progress",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("nowhere"));
}

#[test]
fn the_checked_in_pipeline_toml_spells_out_exactly_the_built_in_defaults() {
    let dir = Dir::new();
    let checked_in = repo().join("pipeline.toml");
    let from_file = dir
        .scour()
        .args(["check-config", "--config"])
        .arg(&checked_in)
        .output()
        .unwrap();
    assert!(
        from_file.status.success(),
        "{}",
        String::from_utf8_lossy(&from_file.stderr)
    );
    // An empty directory: no pipeline.toml, the built-in defaults (whose `samples` root must
    // exist to validate).
    std::fs::create_dir(dir.path().join("samples")).unwrap();
    let defaults = dir.scour().arg("check-config").output().unwrap();
    assert!(
        defaults.status.success(),
        "{}",
        String::from_utf8_lossy(&defaults.stderr)
    );
    let parse =
        |bytes: &[u8]| -> toml::Table { toml::from_str(&String::from_utf8_lossy(bytes)).unwrap() };
    assert_eq!(parse(&from_file.stdout), parse(&defaults.stdout));
}

#[test]
fn a_non_empty_output_directory_is_refused_without_force() {
    let dir = Dir::new();
    dir.file("a.txt", "First run.");
    let first = dir.run("out", &[]);
    dir.file("b.txt", "Second run.");
    let refused = dir.run_raw("out", &[]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--force"));
    assert_eq!(
        Outputs::read(&dir.path().join("out")).bytes,
        first.bytes,
        "untouched"
    );
    let forced = dir.run("out", &["--force"]);
    assert_eq!(forced.clean.len(), 2);
    let leftovers: Vec<_> = std::fs::read_dir(dir.path().join("out"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with(".scour-tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn a_killed_run_never_leaves_output_that_looks_complete() {
    let dir = Dir::new();
    varied_corpus(&dir, 3000);
    let binary = assert_cmd::cargo::cargo_bin("scour");
    let mut killed_mid_run = 0;
    for delay_ms in [1, 20, 60] {
        let out = dir.path().join(format!("killed-{delay_ms}"));
        let mut child = std::process::Command::new(&binary)
            .current_dir(dir.path())
            .args([
                "run",
                "--input",
                "in",
                "--no-progress",
                "--threads",
                "1",
                "--output",
            ])
            .arg(&out)
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay_ms));
        let _ = child.kill();
        let status = child.wait().unwrap();
        killed_mid_run += usize::from(!status.success());
        let report = out.join("report.json");
        if report.exists() {
            // It finished before the kill: then everything beside the report is complete.
            let complete = Outputs::read(&out);
            let seen = complete.report["counts"]["seen"].as_u64().unwrap();
            assert_eq!(complete.sources().len() as u64, seen, "exit {status}");
        } else {
            for name in ["clean.jsonl", "duplicates.jsonl", "rejects.jsonl"] {
                assert!(
                    !out.join(name).exists(),
                    "killed after {delay_ms} ms left {name}"
                );
            }
        }
    }
    assert!(
        killed_mid_run > 0,
        "every run finished before its kill: nothing was tested"
    );
}

#[test]
fn several_roots_prefix_sources_with_the_root_name() {
    let dir = Dir::new();
    dir.file("x/one.txt", "One.");
    dir.file("y/one.txt", "Two.");
    let output = dir
        .scour()
        .args([
            "run",
            "--input",
            "in/x",
            "--input",
            "in/y",
            "--output",
            "out",
            "--no-progress",
        ])
        .output()
        .unwrap();
    assert!(output.status.success());
    let out = Outputs::read(&dir.path().join("out"));
    let sources: Vec<&str> = out
        .clean
        .iter()
        .map(|r| r["source"].as_str().unwrap())
        .collect();
    assert_eq!(sources, ["x/one.txt", "y/one.txt"]);
}

#[test]
fn the_run_summary_goes_to_stderr_and_report_json_has_the_run_facts() {
    let dir = Dir::new();
    dir.file("a.txt", "Text.");
    let output = dir.run_raw("out", &["--threads", "2"]);
    assert!(String::from_utf8_lossy(&output.stderr).contains("1 input -> 1 kept"));
    let out = Outputs::read(&dir.path().join("out"));
    assert_eq!(out.report["run"]["threads"], 2);
    assert!(out.report["run"]["elapsed_seconds"].as_f64().unwrap() >= 0.0);
    assert_eq!(out.report["bytes"]["in"], 5);
}

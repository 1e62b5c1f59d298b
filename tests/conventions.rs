//! The command-line conventions people expect: -j, -q, completions, a man page, a version with
//! the revision, progress in logs, a readable summary and errors that say things once.

use super::*;

fn stderr_of(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn j_and_q_are_short_for_threads_and_quiet() {
    let dir = Dir::new();
    dir.file("a.txt", "One short story with enough words.");
    let output = dir.run_raw("out", &["-j", "1", "-q"]);
    assert!(output.status.success(), "{}", stderr_of(&output));
    assert_eq!(stderr_of(&output), "", "quiet prints nothing");
    let out = Outputs::read(&dir.path().join("out"));
    assert_eq!(out.report["run"]["threads"], 1);
}

#[test]
fn the_summary_has_human_units_and_singulars() {
    let dir = Dir::new();
    dir.file("a.txt", "One short story with enough words.");
    let output = dir.run_raw("out", &["-j", "1"]);
    let stderr = stderr_of(&output);
    assert!(stderr.contains("scour: 1 input -> 1 kept"), "{stderr}");
    assert!(stderr.contains(" B in, "), "bytes, not 0.0 MB: {stderr}");
    assert!(stderr.contains("on 1 thread ("), "{stderr}");
    assert!(stderr.contains("inputs/s"), "{stderr}");
}

#[test]
fn always_progress_without_a_terminal_is_log_lines() {
    let dir = Dir::new();
    for n in 0..3 {
        dir.file(&format!("{n}.txt"), format!("Story number {n} with words."));
    }
    dir.config("p.toml", "[run]\nprogress = \"always\"\n");
    let output = dir
        .scour()
        .args([
            "run", "--config", "p.toml", "--input", "in", "--output", "out",
        ])
        .output()
        .unwrap();
    let stderr = stderr_of(&output);
    assert!(stderr.contains("scour: 3 files, "), "{stderr}");
    assert!(stderr.contains("3 files, 78 B/78 B, "), "{stderr}");
    assert!(stderr.contains(" files/s, "), "{stderr}");
    assert!(!stderr.contains("0/0"), "{stderr}");
}

#[test]
fn completions_and_the_man_page_come_from_the_command_line_definition() {
    let dir = Dir::new();
    for shell in ["bash", "zsh", "fish"] {
        let output = dir.scour().args(["completions", shell]).output().unwrap();
        assert!(output.status.success(), "{shell}");
        let script = String::from_utf8_lossy(&output.stdout);
        assert!(script.contains("threads"), "{shell}: {script}");
    }
    let man = dir.scour().arg("man").output().unwrap();
    assert!(man.status.success());
    let page = String::from_utf8_lossy(&man.stdout);
    assert!(page.contains(".TH scour 1"), "{page}");
}

#[test]
fn version_names_the_revision_of_a_checkout() {
    let output = Dir::new().scour().arg("--version").output().unwrap();
    let version = String::from_utf8_lossy(&output.stdout);
    assert!(version.starts_with(&format!("scour {}", env!("CARGO_PKG_VERSION"))));
    if repo().join(".git").exists() {
        assert!(version.contains("(rev "), "{version}");
    }
}

#[test]
fn finalize_help_offers_no_shard_index() {
    let output = Dir::new()
        .scour()
        .args(["finalize", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&output.stdout);
    assert!(help.contains("--shard-count"), "{help}");
    assert!(!help.contains("--shard-index <"), "{help}");
}

#[test]
fn an_os_error_is_printed_once() {
    let dir = Dir::new();
    dir.file("a.txt", "One short story with enough words.");
    std::fs::write(dir.path().join("taken"), "a file, not a directory").unwrap();
    let output = dir.run_raw("taken", &[]);
    let stderr = stderr_of(&output);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert_eq!(stderr.matches("os error").count(), 1, "{stderr}");
}

#[test]
fn a_missing_default_root_is_blamed_on_the_default_not_the_command_line() {
    let dir = Dir::new();
    let output = dir.scour().args(["run", "--no-progress"]).output().unwrap();
    let stderr = stderr_of(&output);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(!stderr.contains("command line:"), "{stderr}");
    assert!(stderr.contains("built-in default"), "{stderr}");
}

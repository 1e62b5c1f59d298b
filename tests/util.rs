//! Helpers for the integration tests: a temporary directory of inputs, a way to run the binary
//! in it, and readers for its outputs.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;
use serde_json::Value;

/// The repository root, for fixtures and the checked-in configuration.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A temporary directory the binary runs in, with inputs under `in/`.
#[derive(Debug)]
pub struct Dir {
    temp: tempfile::TempDir,
}

impl Default for Dir {
    fn default() -> Dir {
        Dir::new()
    }
}

impl Dir {
    pub fn new() -> Dir {
        let temp = tempfile::tempdir().expect("temporary directory");
        std::fs::create_dir(temp.path().join("in")).expect("input directory");
        Dir { temp }
    }

    pub fn path(&self) -> &Path {
        self.temp.path()
    }

    /// The input root.
    pub fn input(&self) -> PathBuf {
        self.path().join("in")
    }

    /// Writes an input file (path relative to `in/`).
    pub fn file(&self, relative: &str, contents: impl AsRef<[u8]>) -> &Dir {
        let path = self.input().join(relative);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("create parents");
        std::fs::write(path, contents).expect("write input");
        self
    }

    /// Writes a file beside `in/` (a configuration, say).
    pub fn config(&self, name: &str, contents: &str) -> PathBuf {
        let path = self.path().join(name);
        std::fs::write(&path, contents).expect("write config");
        path
    }

    /// A `scour` command run in this directory (so no pipeline.toml of the repository leaks in).
    pub fn scour(&self) -> Command {
        let mut command = Command::cargo_bin("scour").expect("the scour binary");
        command.current_dir(self.path());
        command
    }

    /// `scour check-config --config <name>` on a configuration written with [`Dir::config`];
    /// asserts it is refused as a usage error (exit 2) and gives what it printed on stderr.
    pub fn config_errors(&self, name: &str) -> String {
        let output = self
            .scour()
            .args(["check-config", "--config", name])
            .output()
            .expect("run scour check-config");
        assert_eq!(output.status.code(), Some(2), "{output:?}");
        String::from_utf8_lossy(&output.stderr).into_owned()
    }

    /// `scour run --input in --output <out> --no-progress` plus `args`; asserts success.
    pub fn run(&self, out: &str, args: &[&str]) -> Outputs {
        let output = self.run_raw(out, args);
        assert!(
            output.status.success(),
            "scour failed: {}\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
        Outputs::read(&self.path().join(out))
    }

    /// Like [`Dir::run`] without asserting anything.
    pub fn run_raw(&self, out: &str, args: &[&str]) -> Output {
        let mut command = Command::cargo_bin("scour").expect("the scour binary");
        command
            .current_dir(self.path())
            .args(["run", "--input", "in", "--output", out, "--no-progress"])
            .args(args)
            .timeout(std::time::Duration::from_secs(60));
        command.output().expect("run scour")
    }
}

/// What a run wrote.
#[derive(Debug)]
pub struct Outputs {
    pub clean: Vec<Value>,
    pub duplicates: Vec<Value>,
    pub rejects: Vec<Value>,
    pub report: Value,
    pub bytes: [Vec<u8>; 3],
}

impl Outputs {
    pub fn read(dir: &Path) -> Outputs {
        let bytes = ["clean.jsonl", "duplicates.jsonl", "rejects.jsonl"]
            .map(|name| std::fs::read(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}")));
        let report = std::fs::read_to_string(dir.join("report.json")).expect("report.json");
        Outputs {
            clean: jsonl(&bytes[0]),
            duplicates: jsonl(&bytes[1]),
            rejects: jsonl(&bytes[2]),
            report: serde_json::from_str(&report).expect("report.json is JSON"),
            bytes,
        }
    }

    /// The kept record whose source is `source`.
    pub fn clean(&self, source: &str) -> &Value {
        self.clean
            .iter()
            .find(|r| r["source"] == source)
            .unwrap_or_else(|| panic!("no clean record for {source}: {:#?}", self.sources()))
    }

    /// The reject reason of `source`.
    pub fn reject_reason(&self, source: &str) -> &str {
        self.rejects
            .iter()
            .find(|r| r["source"] == source)
            .and_then(|r| r["reason"].as_str())
            .unwrap_or_else(|| panic!("no reject for {source}: {:#?}", self.rejects))
    }

    /// Every source in the three files, in file order.
    pub fn sources(&self) -> Vec<String> {
        self.clean
            .iter()
            .chain(&self.duplicates)
            .chain(&self.rejects)
            .map(|r| r["source"].as_str().expect("source").to_string())
            .collect()
    }
}

pub fn jsonl(bytes: &[u8]) -> Vec<Value> {
    String::from_utf8(bytes.to_vec())
        .expect("UTF-8 output")
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect()
}

/// Lower-case hex SHA-256.
pub fn sha256_hex(text: &str) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

pub const SEED_NAME: &str = "000_1a6f9217ef71825c.txt";

pub fn seed() -> String {
    std::fs::read_to_string(repo().join("tests/fixtures/seed").join(SEED_NAME)).expect("seed")
}

pub fn seed_expected(mode: &str) -> Value {
    let path = repo().join(format!(
        "tests/fixtures/seed/000_1a6f9217ef71825c.{mode}.json"
    ));
    serde_json::from_str(&std::fs::read_to_string(path).expect("expected record")).expect("JSON")
}

//! The house rules that keep the code easy to change, checked on the source itself.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use super::*;

/// Every library source file, with its top-level module (`src/input/warc.rs` → `input`).
fn library_sources() -> Vec<(String, PathBuf)> {
    let src = repo().join("src");
    let mut files = Vec::new();
    let mut pending = vec![src.clone()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                // The binary is its own crate.
                if path != src.join("bin") {
                    pending.push(path);
                }
            } else if path.extension().is_some_and(|e| e == "rs") {
                let relative = path.strip_prefix(&src).unwrap();
                let first = relative.components().next().unwrap();
                let module = Path::new(first.as_os_str())
                    .file_stem()
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                files.push((module, path));
            }
        }
    }
    files.sort();
    files
}

/// The code of a file without its comments and unit tests (which may reach anywhere).
fn non_test_code(path: &Path) -> String {
    if path.file_name().is_some_and(|n| n == "tests.rs") {
        return String::new();
    }
    let text = std::fs::read_to_string(path).unwrap();
    let code = match text.find("#[cfg(test)]") {
        Some(at) => &text[..at],
        None => &text,
    };
    // Doc links name modules without importing them.
    code.lines()
        .filter(|line| !line.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn house_has_no_import_cycles() {
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (module, path) in library_sources() {
        let code = non_test_code(&path);
        let uses = graph.entry(module.clone()).or_default();
        for (at, _) in code.match_indices("crate::") {
            let name: String = code[at + 7..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() && name != module && name != "lib" {
                uses.insert(name);
            }
        }
    }
    // Depth-first search for a path back to where it started.
    fn cycle_from(
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        let last = path.last().unwrap().clone();
        for next in graph.get(&last).into_iter().flatten() {
            if *next == path[0] {
                let mut cycle = path.clone();
                cycle.push(next.clone());
                return Some(cycle);
            }
            if !path.contains(next) && next > &path[0] {
                path.push(next.clone());
                if let Some(cycle) = cycle_from(graph, path) {
                    return Some(cycle);
                }
                path.pop();
            }
        }
        None
    }
    for module in graph.keys() {
        if let Some(cycle) = cycle_from(&graph, &mut vec![module.clone()]) {
            panic!("modules import each other: {}", cycle.join(" -> "));
        }
    }
}

#[test]
fn every_module_says_why_it_exists_and_no_file_is_too_long() {
    let mut problems = Vec::new();
    let src = repo().join("src");
    let mut files: Vec<PathBuf> = library_sources().into_iter().map(|(_, p)| p).collect();
    files.extend(
        std::fs::read_dir(src.join("bin/scour"))
            .unwrap()
            .map(|e| e.unwrap().path()),
    );
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        let name = path.strip_prefix(&src).unwrap().display().to_string();
        if !text.starts_with("//!") {
            problems.push(format!("{name} does not open with a //! paragraph"));
        }
        let lines = text.lines().count();
        if lines > 650 {
            problems.push(format!(
                "{name} has {lines} lines (split it; about 600 at most)"
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

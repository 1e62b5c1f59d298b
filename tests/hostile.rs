//! Hostile input (issue 12): files swapped after the walk, deep trees, dumps built to hang or
//! fill memory, odd names and out-of-range configuration. Each test guards one case of the
//! README's "Hostile input" table: bounded time and memory, and every good record kept.

use std::time::{Duration, Instant};

use crate::util::Dir;

/// A tree `depth` directories deep with one article at the bottom.
fn deep_tree(depth: usize) -> Dir {
    let dir = Dir::new();
    let mut path = dir.input();
    for _ in 0..depth {
        path.push("d");
    }
    std::fs::create_dir_all(&path).unwrap();
    std::fs::write(path.join("f.txt"), "An article at the bottom of a deep tree.\n").unwrap();
    dir
}

/// The quickest of three runs of `dir`, so that a busy machine weighs less.
fn quickest_run(dir: &Dir) -> Duration {
    (0..3)
        .map(|i| {
            let started = Instant::now();
            let out = dir.run(&format!("out{i}"), &[]);
            assert_eq!(out.clean.len(), 1, "{:?}", out.rejects);
            started.elapsed()
        })
        .min()
        .unwrap()
}

#[test]
fn a_deep_tree_is_walked_in_time_linear_in_its_depth() {
    // The walk this guards canonicalized every directory, a `stat` per component in user
    // space: 12 times slower for twice the depth (2 s at 500 levels, 46 s at 1,500). What is
    // left grows with the depth only in the kernel's lookup of each directory's path as walkdir
    // opens it (about 0.2 s at 1,800 levels), so 4 times deeper stays well under 16 times
    // slower, start-up included.
    let shallow = quickest_run(&deep_tree(450));
    let deep = quickest_run(&deep_tree(1800));
    assert!(
        deep < shallow * 16 + Duration::from_secs(1),
        "450 levels: {shallow:?}, 1800 levels: {deep:?}"
    );
}

#[test]
fn out_of_range_numbers_fail_check_config_all_at_once() {
    let dir = Dir::new();
    dir.config(
        "bad.toml",
        "[input]\nroots = [\"in\"]\nmax_file_bytes = 18446744073709551615\nstream_above_bytes = 0\n",
    );
    let output = dir
        .scour()
        .args(["check-config", "--config", "bad.toml"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("bad.toml:3:18: `input.max_file_bytes`: 18446744073709551615 is out of range"),
        "{stderr}"
    );
    assert!(
        stderr.contains("bad.toml:4:22: `input.stream_above_bytes`: 0 is out of range"),
        "{stderr}"
    );
}

#[test]
fn threads_far_past_the_cores_are_capped_and_said() {
    let dir = Dir::new();
    for i in 0..20 {
        dir.file(&format!("f{i}.txt"), format!("Article {i}, a text of its own.\n"));
    }
    let output = dir.run_raw("out", &["--threads", "1024"]);
    assert!(output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    if 4 * cores < 1024 {
        assert!(
            stderr.contains(&format!("1024 threads asked for, {} used", 4 * cores)),
            "{stderr}"
        );
    }
    let capped = crate::util::Outputs::read(&dir.path().join("out"));
    let one = dir.run("one", &["--threads", "1"]);
    assert_eq!(capped.bytes, one.bytes);
}

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
    std::fs::write(
        path.join("f.txt"),
        "An article at the bottom of a deep tree.\n",
    )
    .unwrap();
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

/// A tree `depth` directories deep with, at every level, a link to a directory elsewhere.
#[cfg(unix)]
fn deep_tree_with_links(depth: usize) -> Dir {
    let dir = Dir::new();
    let elsewhere = dir.path().join("elsewhere");
    std::fs::create_dir(&elsewhere).unwrap();
    let mut path = dir.input();
    for _ in 0..depth {
        std::os::unix::fs::symlink(&elsewhere, path.join("e")).unwrap();
        path.push("d");
        std::fs::create_dir(&path).unwrap();
    }
    std::fs::write(
        path.join("f.txt"),
        "An article at the bottom of a deep tree.\n",
    )
    .unwrap();
    dir.config("follow.toml", "[input]\nfollow_symlinks = true\n");
    dir
}

/// The quickest of three runs of `dir` with links followed.
#[cfg(unix)]
fn quickest_following_run(dir: &Dir) -> Duration {
    (0..3)
        .map(|i| {
            let started = Instant::now();
            let out = dir.run(&format!("out{i}"), &["--config", "follow.toml"]);
            assert_eq!(out.clean.len(), 1, "{:?}", out.rejects);
            started.elapsed()
        })
        .min()
        .unwrap()
}

#[cfg(unix)]
#[test]
fn links_followed_in_a_deep_tree_are_checked_for_loops_in_time_linear_in_its_depth() {
    // walkdir checked each followed link by opening every ancestor again: at 1,000 levels the
    // run was still walking when killed at 70 s. The ancestors' (device, inode) are kept now.
    let shallow = quickest_following_run(&deep_tree_with_links(250));
    let deep = quickest_following_run(&deep_tree_with_links(1000));
    assert!(
        deep < shallow * 16 + Duration::from_secs(1),
        "250 levels: {shallow:?}, 1000 levels: {deep:?}"
    );
}

#[test]
fn out_of_range_numbers_fail_check_config_all_at_once() {
    let dir = Dir::new();
    dir.config(
        "bad.toml",
        "[input]\nroots = [\"in\"]\nmax_file_bytes = 18446744073709551615\nstream_above_bytes = 0\n",
    );
    let stderr = dir.config_errors("bad.toml");
    assert!(
        stderr.contains(
            "bad.toml:3:18: `input.max_file_bytes`: 18446744073709551615 is out of range"
        ),
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
        dir.file(
            &format!("f{i}.txt"),
            format!("Article {i}, a text of its own.\n"),
        );
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

fn gzip(data: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(data).unwrap();
    encoder.finish().unwrap()
}

/// `lines` JSON Lines records, each an article of its own.
fn records(lines: usize) -> Vec<u8> {
    (1..=lines)
        .flat_map(|i| {
            format!(
                "{{\"text\":\"Record {i}, a story of its own, number {}.\"}}\n",
                i * 7919 % 10007
            )
            .into_bytes()
        })
        .collect()
}

#[test]
fn an_invalid_byte_in_a_json_dump_rejects_only_its_record_read_whole_or_streamed() {
    let dir = Dir::new();
    let mut dump = records(40);
    // Line 5 holds one byte that is not UTF-8; the other lines are ASCII, which once made the
    // whole file decode as windows-1254.
    let at = memchr_line_start(&dump, 5) + 12;
    dump[at] = 0xff;
    dir.file("d.jsonl", &dump);
    let whole = dir.run("whole", &[]);
    dir.config("stream.toml", "[input]\nstream_above_bytes = 512\n");
    let streamed = dir.run("streamed", &["--config", "stream.toml"]);
    for out in [&whole, &streamed] {
        assert_eq!(out.clean.len(), 39, "{:?}", out.rejects);
        assert_eq!(out.rejects.len(), 1);
        assert_eq!(out.reject_reason("d.jsonl#5"), "encoding");
        assert!(out.clean.iter().all(|r| r["encoding"] == "UTF-8"));
    }
    assert!(
        whole.bytes == streamed.bytes,
        "streaming changed the output"
    );
}

fn memchr_line_start(bytes: &[u8], line: usize) -> usize {
    bytes
        .iter()
        .enumerate()
        .filter(|(_, b)| **b == b'\n')
        .nth(line - 2)
        .map_or(0, |(at, _)| at + 1)
}

#[test]
fn a_pretty_printed_json_file_is_one_record() {
    let dir = Dir::new();
    dir.file(
        "a.json",
        "{\n  \"title\": \"Ferry resumes\",\n  \"text\": \"The ferry resumed service on Monday.\"\n}\n",
    );
    dir.file(
        "many.json",
        "[\n  {\n    \"text\": \"First of two.\"\n  },\n  {\n    \"text\": \"Second of two.\"\n  }\n]\n",
    );
    let out = dir.run("out", &[]);
    assert!(out.rejects.is_empty(), "{:?}", out.rejects);
    assert_eq!(out.clean("a.json#1")["title"], "Ferry resumes");
    assert_eq!(out.clean("many.json#2")["text"], "Second of two.");
    assert_eq!(out.clean.len(), 3);
}

#[test]
fn a_blank_line_dump_streams_in_linear_time() {
    let dir = Dir::new();
    let mut dump = records(1);
    dump.resize(dump.len() + 3_000_000, b'\n');
    dump.extend(records(2).split(|&b| b == b'\n').nth(1).unwrap());
    dir.file("blank.jsonl", &dump);
    dir.config("stream.toml", "[input]\nstream_above_bytes = 1000\n");
    let started = Instant::now();
    let out = dir.run("out", &["--config", "stream.toml"]);
    // Rescanning the chunk per line took over a minute for 9 MB; linear takes well under 1 s.
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(out.clean.len(), 2, "{:?}", out.rejects);
    assert!(out.rejects.is_empty(), "{:?}", out.rejects);
}

#[test]
fn a_streamed_line_over_the_limit_is_too_large_and_its_neighbours_are_kept() {
    let dir = Dir::new();
    let mut dump = records(3);
    // Numbers that do not repeat, so that the compressed file is large enough to stream.
    let words: Vec<String> = (0..400_000u64)
        .map(|i| (i * 7919 % 100_003).to_string())
        .collect();
    let long = format!("{{\"text\":\"{}\"}}\n", words.join(" "));
    let at = memchr_line_start(&dump, 3);
    dump.splice(at..at, long.into_bytes());
    dir.file("long.jsonl.zst", zstd::encode_all(&dump[..], 3).unwrap());
    dir.config(
        "limits.toml",
        "[input]\nstream_above_bytes = 1000\nmax_file_bytes = 100000\n",
    );
    let out = dir.run("out", &["--config", "limits.toml"]);
    assert_eq!(out.reject_reason("long.jsonl.zst#3"), "too_large");
    let kept: Vec<&str> = out
        .clean
        .iter()
        .map(|r| r["source"].as_str().unwrap())
        .collect();
    assert_eq!(
        kept,
        ["long.jsonl.zst#1", "long.jsonl.zst#2", "long.jsonl.zst#4"]
    );
}

#[test]
fn a_truncated_gzip_dump_keeps_the_records_before_the_cut_at_every_size() {
    let dir = Dir::new();
    let gz = gzip(&records(2000));
    dir.file("cut.jsonl.gz", &gz[..gz.len() * 2 / 3]);
    let whole = dir.run("whole", &[]);
    dir.config("stream.toml", "[input]\nstream_above_bytes = 512\n");
    let streamed = dir.run("streamed", &["--config", "stream.toml"]);
    for out in [&whole, &streamed] {
        assert!(out.clean.len() > 1000, "{} kept", out.clean.len());
        assert_eq!(out.rejects.len(), 1, "{:?}", out.rejects);
        let cut = &out.rejects[0];
        assert_eq!(cut["reason"], "corrupt");
        assert_eq!(
            cut["source"],
            format!("cut.jsonl.gz#{}", out.clean.len() + 1)
        );
    }
    assert!(
        whole.bytes == streamed.bytes,
        "streaming changed the output"
    );
}

#[test]
fn a_truncated_gzip_warc_keeps_the_records_before_the_cut_at_every_size() {
    let dir = Dir::new();
    let mut gz = Vec::new();
    for i in 1..=40 {
        let body = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n<html><body><article>\
             <p>Report number {i}, long enough to be an article of its own for the test.</p>\
             </article></body></html>"
        );
        let record = crate::inputs::warc_record(
            "response",
            &format!("https://n.example/{i}"),
            i,
            body.as_bytes(),
        );
        gz.extend(gzip(&record));
    }
    let cut_at = gz.len() - 100;
    dir.file("crawl.warc.gz", &gz[..cut_at]);
    let whole = dir.run("whole", &[]);
    dir.config("stream.toml", "[input]\nstream_above_bytes = 512\n");
    let streamed = dir.run("streamed", &["--config", "stream.toml"]);
    for out in [&whole, &streamed] {
        assert_eq!(out.clean.len(), 39, "{:?}", out.rejects);
        assert_eq!(out.reject_reason("crawl.warc.gz#40"), "corrupt");
    }
    assert!(
        whole.bytes == streamed.bytes,
        "streaming changed the output"
    );
}

#[cfg(target_os = "linux")]
#[test]
fn names_that_are_not_utf8_or_hold_the_record_separator_get_distinct_sources_and_state_keys() {
    use std::os::unix::ffi::OsStrExt;
    let dir = Dir::new();
    let write = |name: &[u8], text: &str| {
        let path = dir.input().join(std::ffi::OsStr::from_bytes(name));
        std::fs::write(&path, text).unwrap();
        let modified = std::time::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        std::fs::File::options()
            .write(true)
            .open(&path)
            .unwrap()
            .set_modified(modified)
            .unwrap();
    };
    write(
        b"bad\xff.txt",
        "The first story of the night, in a file with an odd name.\n",
    );
    dir.file("a.jsonl", "{\"text\":\"The record inside the dump.\"}\n");
    write(
        b"a.jsonl#1",
        "A file whose name looks like a record of the dump.\n",
    );
    let first = crate::night(&dir, "state.redb", "one", &[]);
    let sources: Vec<&str> = first
        .clean
        .iter()
        .map(|r| r["source"].as_str().unwrap())
        .collect();
    assert_eq!(sources, ["a.jsonl#1", "a.jsonl%231", "bad%FF.txt"]);
    // Night two: a new file under a name that once collided, same size and time: it is new.
    write(
        b"bad\xfe.txt",
        "The other story of the night, in a file with an odd name.\n",
    );
    let second = crate::night(&dir, "state.redb", "two", &[]);
    let sources: Vec<&str> = second
        .clean
        .iter()
        .map(|r| r["source"].as_str().unwrap())
        .collect();
    assert_eq!(sources, ["bad%FE.txt"]);
}

//! Determinism and accounting.

use super::*;

/// A varied tree: articles with repeated captions, exact re-scrapes, pages, rejects.
pub(crate) fn varied_corpus(dir: &Dir, files: usize) {
    let mut state: u64 = 7;
    let mut next = move |n: u64| {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 33) % n
    };
    let words = [
        "Seoul", "talks", "market", "envoy", "said", "on", "Monday", "the", "chips", "rose",
    ];
    let mut originals = Vec::new();
    for i in 0..files {
        let site = ["a", "b", "c", "d"][i % 4];
        let path = format!("{site}/{:02}/{i:05}", next(12));
        match next(20) {
            0 => {
                dir.file(&format!("{path}.bin"), [0x89, b'P', b'N', b'G', 0, 1, 2]);
            }
            1 => {
                dir.file(&format!("{path}.txt"), "");
            }
            2 => {
                let body: Vec<&str> = (0..20).map(|_| words[next(10) as usize]).collect();
                dir.file(
                    &format!("{path}.html"),
                    format!(
                        "<html><body><nav>Menu</nav><article><p>{}.</p></article></body></html>",
                        body.join(" ")
                    ),
                );
            }
            3 | 4 if !originals.is_empty() => {
                let original: &String = &originals[next(originals.len() as u64) as usize];
                let copy = if next(2) == 0 {
                    original.replace('\n', "\r\n")
                } else {
                    original.clone()
                };
                dir.file(&format!("{path}.txt"), copy);
            }
            _ => {
                let lead = format!("Photo {i} of the envoy arriving in Seoul, Monday. Yonhap");
                let paragraphs: Vec<String> = (0..3 + next(4))
                    .map(|_| {
                        let sentence: Vec<&str> =
                            (0..12).map(|_| words[next(10) as usize]).collect();
                        format!(
                            "{}<strong></strong> &amp;quot;{i}&amp;quot;.",
                            sentence.join(" ")
                        )
                    })
                    .collect();
                let text = format!(
                    "'Story {i}'{NBSP} DATE: 2024-01-{:02} 10:00:00\n\n{lead}\n{lead}\n\n{}\n\n{lead}\nAnother photo {i}. AFP",
                    1 + next(28),
                    paragraphs.join("\n\n")
                );
                dir.file(&format!("{path}.txt"), &text);
                originals.push(text);
            }
        }
    }
}

#[test]
fn output_is_byte_identical_for_any_thread_count() {
    let dir = Dir::new();
    varied_corpus(&dir, 400);
    let one = dir.run("out1", &["--threads", "1"]);
    for threads in ["2", "4"] {
        let other = dir.run(&format!("out{threads}"), &["--threads", threads]);
        assert!(
            one.bytes == other.bytes,
            "--threads {threads} wrote different output"
        );
    }
    assert!(!one.duplicates.is_empty() && !one.rejects.is_empty() && one.clean.len() > 100);
}

#[test]
fn every_input_is_accounted_for_exactly_once() {
    let dir = Dir::new();
    varied_corpus(&dir, 300);
    let out = dir.run("out", &[]);
    let inputs: BTreeSet<String> = walkdir::WalkDir::new(dir.input())
        .into_iter()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            e.path()
                .strip_prefix(dir.input())
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    let sources = out.sources();
    let unique: BTreeSet<String> = sources.iter().cloned().collect();
    assert_eq!(sources.len(), unique.len(), "a source appears twice");
    assert_eq!(unique, inputs);
    let counts = &out.report["counts"];
    let n = |k: &str| counts[k].as_u64().unwrap();
    assert_eq!(n("seen"), inputs.len() as u64);
    assert_eq!(n("seen"), n("kept") + n("duplicates") + n("rejected"));
    let kept_sources: Vec<&str> = out
        .clean
        .iter()
        .map(|r| r["source"].as_str().unwrap())
        .collect();
    let mut sorted = kept_sources.clone();
    sorted.sort_by(|a, b| a.split('/').cmp(b.split('/')));
    assert_eq!(
        kept_sources, sorted,
        "clean.jsonl is in sorted source order"
    );
    let ids: BTreeSet<&str> = out
        .clean
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), out.clean.len(), "ids are unique");
}

#[test]
fn compressed_and_rotated_output_holds_the_same_records_in_the_same_order() {
    let dir = Dir::new();
    varied_corpus(&dir, 120);
    let plain = dir.run("plain", &[]);
    let output = dir.run_raw("zstd", &["--compress", "zstd", "--threads", "2"]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let zstd_bytes = std::fs::read(dir.path().join("zstd/clean.jsonl.zst")).unwrap();
    assert_eq!(zstd::decode_all(&zstd_bytes[..]).unwrap(), plain.bytes[0]);
    for compression in ["zstd", "gzip"] {
        let name = |threads: &str| format!("{compression}-threads-{threads}");
        for threads in ["1", "3"] {
            let output = dir.run_raw(
                &name(threads),
                &["--compress", compression, "--threads", threads],
            );
            assert!(output.status.success());
        }
        let extension = if compression == "zstd" { "zst" } else { "gz" };
        let read = |threads| {
            std::fs::read(
                dir.path()
                    .join(name(threads))
                    .join(format!("clean.jsonl.{extension}")),
            )
            .unwrap()
        };
        assert_eq!(
            read("1"),
            read("3"),
            "{compression} output differs between thread counts"
        );
    }

    dir.config(
        "rotate.toml",
        "[output]\ncompression = \"gzip\"\nmax_records_per_file = 25\n",
    );
    let output = dir.run_raw("rotated", &["--config", "rotate.toml"]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let mut joined = Vec::new();
    for part in 0.. {
        let path = dir.path().join(format!("rotated/clean-{part:05}.jsonl.gz"));
        let Ok(bytes) = std::fs::read(&path) else {
            break;
        };
        let mut text = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&bytes[..]), &mut text)
            .unwrap();
        assert!(util::jsonl(&text).len() <= 25);
        joined.extend(text);
    }
    assert_eq!(
        joined, plain.bytes[0],
        "the parts concatenate to the unrotated file"
    );
}

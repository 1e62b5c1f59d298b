//! A property test over generated input trees (issue #12): text files, HTML pages, JSON dumps
//! with bad lines, bad bytes, empty files, duplicates, symlinks (to files, and loops), FIFOs and
//! names that are not UTF-8, run at 1, 2 and 4 threads. Whatever the tree, every input is
//! accounted for once (seen = kept + duplicates + rejected, each source once) and the output is
//! byte-identical across thread counts.

use super::*;
use proptest::prelude::*;
use std::os::unix::ffi::OsStrExt;

/// FIFOs in the tree: opened by descriptor (`O_NONBLOCK`, `fstat`), they are rejected without
/// blocking a worker. A switch, to narrow a failing case down.
const GENERATE_FIFOS: bool = true;

/// File names that are not UTF-8: sources escape them losslessly, so `bad\xff.txt` and
/// `bad\xfe.txt` stay two sources. A switch, to narrow a failing case down.
const GENERATE_ODD_NAMES: bool = true;

#[derive(Debug, Clone)]
enum Content {
    Text(u8),
    /// The same text as another story: a duplicate.
    Copy(u8),
    Html(u8),
    /// A dump of `n` records, every `bad`-th line not JSON.
    Dump {
        records: u8,
        bad: u8,
    },
    Bytes(Vec<u8>),
    Empty,
    LinkToFile(u8),
    LinkLoop,
    Fifo,
}

#[derive(Debug, Clone)]
struct Entry {
    dir: u8,
    name: u8,
    odd_name: bool,
    content: Content,
}

fn story(n: u8) -> String {
    let words = [
        "market", "minister", "river", "festival", "budget", "harbour", "council",
    ];
    let mut text = format!("Story {n}\n\n");
    for i in 0..40usize {
        text.push_str(words[(i * 7 + usize::from(n)) % words.len()]);
        text.push(if i % 9 == 8 { '.' } else { ' ' });
    }
    text.push_str(&format!(" The end of story {n}.\n"));
    text
}

fn content() -> impl Strategy<Value = Content> {
    let mut options: Vec<BoxedStrategy<Content>> = vec![
        any::<u8>().prop_map(Content::Text).boxed(),
        any::<u8>().prop_map(Content::Copy).boxed(),
        any::<u8>().prop_map(Content::Html).boxed(),
        (1u8..6, 1u8..4)
            .prop_map(|(records, bad)| Content::Dump { records, bad })
            .boxed(),
        proptest::collection::vec(any::<u8>(), 0..300)
            .prop_map(Content::Bytes)
            .boxed(),
        Just(Content::Empty).boxed(),
        any::<u8>().prop_map(Content::LinkToFile).boxed(),
        Just(Content::LinkLoop).boxed(),
    ];
    if GENERATE_FIFOS {
        options.push(Just(Content::Fifo).boxed());
    }
    proptest::strategy::Union::new(options)
}

fn entry() -> impl Strategy<Value = Entry> {
    (0u8..3, any::<u8>(), any::<bool>(), content()).prop_map(|(dir, name, odd, content)| Entry {
        dir,
        name,
        odd_name: odd && GENERATE_ODD_NAMES,
        content,
    })
}

/// Writes the tree under `root`; returns nothing: the run must account for whatever is there.
fn build(root: &std::path::Path, entries: &[Entry]) {
    for (index, entry) in entries.iter().enumerate() {
        let dir = root.join(format!("d{}", entry.dir));
        std::fs::create_dir_all(&dir).unwrap();
        let extension = match entry.content {
            Content::Html(_) => "html",
            Content::Dump { .. } => "jsonl",
            _ => "txt",
        };
        let mut name = format!("f{index}-{}", entry.name).into_bytes();
        if entry.odd_name {
            name.push(0xFF - entry.name % 2);
        }
        name.extend_from_slice(format!(".{extension}").as_bytes());
        let path = dir.join(std::ffi::OsStr::from_bytes(&name));
        match &entry.content {
            Content::Text(n) | Content::Copy(n) => std::fs::write(&path, story(*n % 8)).unwrap(),
            Content::Html(n) => std::fs::write(
                &path,
                format!(
                    "<!doctype html><html><head><title>Page {n}</title></head><body><article>\
                     <p>{}</p></article></body></html>",
                    story(*n).replace('\n', " ")
                ),
            )
            .unwrap(),
            Content::Dump { records, bad } => {
                let mut dump = String::new();
                for r in 0..*records {
                    if r % bad == bad - 1 {
                        dump.push_str("{not json\n");
                    } else {
                        let text = story(r.wrapping_mul(31).wrapping_add(entry.name));
                        dump.push_str(
                            &serde_json::json!({ "title": "T", "text": text }).to_string(),
                        );
                        dump.push('\n');
                    }
                }
                std::fs::write(&path, dump).unwrap();
            }
            Content::Bytes(bytes) => std::fs::write(&path, bytes).unwrap(),
            Content::Empty => std::fs::write(&path, b"").unwrap(),
            Content::LinkToFile(n) => {
                let target = root.join(format!("target-{n}.txt"));
                std::fs::write(&target, story(*n % 8)).unwrap();
                std::os::unix::fs::symlink(&target, &path).unwrap();
            }
            Content::LinkLoop => {
                let link = dir.join(format!("loop{index}"));
                std::os::unix::fs::symlink("..", &link).unwrap();
            }
            Content::Fifo => {
                rustix::fs::mkfifoat(rustix::fs::CWD, &path, rustix::fs::Mode::from(0o644))
                    .unwrap();
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn every_input_is_accounted_for_once_and_output_is_the_same_at_any_thread_count(
        entries in proptest::collection::vec(entry(), 1..12)
    ) {
        let dir = Dir::new();
        build(&dir.input(), &entries);
        let mut first: Option<Outputs> = None;
        for threads in ["1", "2", "4"] {
            let out = dir.run(&format!("out{threads}"), &["--threads", threads, "--force"]);
            let counts = &out.report["counts"];
            let seen = counts["seen"].as_u64().unwrap() as usize;
            prop_assert_eq!(seen, out.clean.len() + out.duplicates.len() + out.rejects.len());
            prop_assert_eq!(counts["kept"].as_u64().unwrap() as usize, out.clean.len());
            let mut sources = out.sources();
            let all = sources.len();
            sources.sort();
            sources.dedup();
            prop_assert_eq!(sources.len(), all, "a source appears twice");
            if let Some(first) = &first {
                prop_assert!(first.bytes == out.bytes, "output differs at {} threads", threads);
            } else {
                first = Some(out);
            }
        }
    }
}

//! Plain-text articles from real dumps: the generator's stories (`textgen.rs`) through the
//! binary, every text rule checked on each, and the header presets.

use super::*;
use crate::textgen::{Story, stories};
use crate::util::jsonl;

/// Stories per run: 200 wire, 200 web.
const STORIES: usize = 400;

fn run_stories(stories: &[Story], config: &str) -> Outputs {
    let dir = Dir::new();
    for story in stories {
        dir.file(&story.name, &story.bytes);
    }
    dir.config("text.toml", config);
    dir.run("out", &["--config", "text.toml"])
}

fn record<'a>(out: &'a Outputs, story: &Story) -> Option<&'a Value> {
    out.clean
        .iter()
        .find(|r| r["source"] == story.name.as_str())
}

/// Whether a line of the expected text is missing from `text`, counted with its repeats.
fn lost_line<'a>(expected: &'a str, text: &str) -> Option<&'a str> {
    expected
        .lines()
        .filter(|line| !line.is_empty())
        .find(|line| text.matches(line).count() < expected.matches(line).count())
}

fn has_control(text: &str) -> bool {
    text.chars().any(|c| c.is_control() && c != '\n')
}

/// Shares of stories that pass each rule, with the first failures of each for the message.
#[derive(Default)]
struct Tally {
    rules: std::collections::BTreeMap<&'static str, (usize, usize, Vec<String>)>,
}

impl Tally {
    fn check(&mut self, rule: &'static str, story: &Story, ok: bool, detail: impl Fn() -> String) {
        let entry = self.rules.entry(rule).or_default();
        entry.1 += 1;
        if ok {
            entry.0 += 1;
        } else if entry.2.len() < 3 {
            entry
                .2
                .push(format!("{} {:?}: {}", story.name, story.classes, detail()));
        }
    }

    /// Asserts that `rule` passed in at least `percent` of its stories.
    fn require(&self, rule: &str, percent: f64) {
        let (ok, all, failures) = &self.rules[rule];
        let share = 100.0 * *ok as f64 / *all as f64;
        assert!(
            share >= percent,
            "`{rule}`: {ok} of {all} stories ({share:.1}%), {percent}% required; first failures:\n{}",
            failures.join("\n")
        );
    }
}

#[test]
fn generated_wire_and_web_stories_follow_every_text_rule() {
    let stories = stories(14, STORIES);
    let out = run_stories(&stories, "[header]\npreset = \"auto\"\n");
    assert!(out.rejects.is_empty(), "{:#?}", out.rejects);
    let mut tally = Tally::default();
    for story in &stories {
        let Some(record) = record(&out, story) else {
            panic!("{} was not kept: {:#?}", story.name, out.duplicates);
        };
        let text = record["text"].as_str().unwrap();
        let title = record["title"].as_str();
        if story.classes.contains(&"wire") {
            // Wire paragraphs are one line each once joined: a line break left inside one is a
            // wrap inside a sentence.
            tally.check(
                "no wrap inside a sentence",
                story,
                !text.contains(" \n") && text.split("\n\n").all(|p| !p.contains('\n')),
                || text.to_string(),
            );
        }
        tally.check(
            "text exactly as expected",
            story,
            text == story.text,
            || format!("\n--- expected\n{}\n--- got\n{text}", story.text),
        );
        tally.check(
            "no body line lost",
            story,
            lost_line(&story.text, text).is_none(),
            || format!("lost {:?}", lost_line(&story.text, text)),
        );
        tally.check(
            "no control characters",
            story,
            !has_control(text) && !text.contains("&#"),
            || text.to_string(),
        );
        tally.check(
            "title found, none invented",
            story,
            title == story.title.as_deref(),
            || format!("title {title:?}, expected {:?}", story.title),
        );
        tally.check(
            "encoding",
            story,
            record["encoding"] == story.encoding
                && (!story.classes.contains(&"pound") || text.contains('£')),
            || {
                format!(
                    "{} {:?}",
                    record["encoding"],
                    text.lines().find(|l| l.contains("valued at"))
                )
            },
        );
        tally.check(
            "captions",
            story,
            record["captions"] == serde_json::json!(story.captions),
            || format!("{}", record["captions"]),
        );
    }
    tally.require("no wrap inside a sentence", 99.0);
    tally.require("text exactly as expected", 99.0);
    for rule in [
        "no body line lost",
        "no control characters",
        "title found, none invented",
        "encoding",
        "captions",
    ] {
        tally.require(rule, 100.0);
    }
}

#[test]
fn extract_mode_never_guts_a_generated_story() {
    let stories = stories(15, STORIES);
    let out = run_stories(
        &stories,
        "[header]\npreset = \"auto\"\n\n[captions]\nmode = \"extract\"\n",
    );
    assert!(out.rejects.is_empty(), "{:#?}", out.rejects);
    for story in &stories {
        let record = record(&out, story).unwrap_or_else(|| panic!("{} not kept", story.name));
        let text = record["text"].as_str().unwrap();
        assert!(
            2 * text.len() >= story.extract_text.len(),
            "{} {:?} lost more than half of its body:\n{text}",
            story.name,
            story.classes
        );
        assert_eq!(lost_line(&story.extract_text, text), None, "{}", story.name);
    }
}

#[test]
fn the_generator_is_deterministic_and_covers_every_class() {
    let a = stories(7, 200);
    let b = stories(7, 200);
    assert!(
        a.iter()
            .zip(&b)
            .all(|(a, b)| a.bytes == b.bytes && a.text == b.text)
    );
    for class in [
        "wrap",
        "controls",
        "etx",
        "dividend-table",
        "qtr-table",
        "job-titles",
        "table",
        "pound",
        "title",
        "short-first-paragraph",
        "captions",
        "repeated-line-in-one-block",
    ] {
        let n = a.iter().filter(|s| s.classes.contains(&class)).count();
        assert!(n >= 5, "only {n} stories of class {class}");
    }
}

/// Writes generated stories and their expected records, to measure another build on them:
/// `SCOUR_TEXTGEN_OUT=DIR [SCOUR_TEXTGEN_SEED=14] [SCOUR_TEXTGEN_COUNT=400] cargo test --test
/// integration writes_the_generated -- --ignored`.
#[test]
#[ignore]
fn writes_the_generated_stories_for_measurements() {
    let dir =
        std::path::PathBuf::from(std::env::var("SCOUR_TEXTGEN_OUT").expect("SCOUR_TEXTGEN_OUT"));
    let mut expected = String::new();
    let number = |name: &str, default: u64| {
        std::env::var(name).map_or(default, |v| v.parse().expect("a number"))
    };
    let count = number("SCOUR_TEXTGEN_COUNT", STORIES as u64) as usize;
    for story in stories(number("SCOUR_TEXTGEN_SEED", 14), count) {
        let path = dir.join("in").join(&story.name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &story.bytes).unwrap();
        let line = serde_json::json!({
            "source": story.name, "title": story.title, "text": story.text,
            "extract_text": story.extract_text, "captions": story.captions,
            "encoding": story.encoding, "classes": story.classes,
        });
        expected.push_str(&format!("{line}\n"));
    }
    std::fs::write(dir.join("expected.jsonl"), expected).unwrap();
}

#[test]
fn the_seed_gives_the_same_record_with_the_auto_preset() {
    let dir = Dir::new();
    dir.file(SEED_NAME, seed());
    dir.config("auto.toml", "[header]\npreset = \"auto\"\n");
    let out = dir.run("out", &["--config", "auto.toml"]);
    assert_matches_expected(&out.clean[0], &seed_expected("collapse"));
}

#[test]
fn the_title_line_preset_reads_the_first_line_and_none_reads_nothing() {
    let dir = Dir::new();
    dir.file(
        "a.txt",
        "Cocoa rains continue\r\n\r\nShowers continued throughout the week.\r\n",
    );
    dir.config("title.toml", "[header]\npreset = \"title-line\"\n");
    dir.config("none.toml", "[header]\npreset = \"none\"\n");
    let out = dir.run("out", &["--config", "title.toml"]);
    assert_eq!(out.clean[0]["title"], "Cocoa rains continue");
    assert_eq!(
        out.clean[0]["text"],
        "Showers continued throughout the week."
    );
    let out = dir.run("out2", &["--config", "none.toml"]);
    assert_eq!(out.clean[0]["title"], Value::Null);
    assert_eq!(
        out.clean[0]["text"],
        "Cocoa rains continue\n\nShowers continued throughout the week."
    );
}

#[test]
fn a_custom_header_pattern_without_the_pattern_preset_is_a_config_error() {
    let dir = Dir::new();
    dir.config("bad.toml", "[header]\npattern = \"^# (?P<title>.+)$\"\n");
    let stderr = dir.config_errors("bad.toml");
    assert!(
        stderr.contains("`header.pattern`") && stderr.contains("preset = \"pattern\""),
        "{stderr}"
    );
    dir.config(
        "good.toml",
        "[header]\npreset = \"pattern\"\npattern = \"^# (?P<title>.+)$\"\n",
    );
    dir.file("a.txt", "# Heading\nBody.");
    let out = dir.run("out", &["--config", "good.toml"]);
    assert_eq!(out.clean[0]["title"], "Heading");
}

/// The samples of the plain-text rules, all in the title-line layout.
const TITLE_LINE_SAMPLES: [&str; 5] = [
    "web/2016/cycle-lanes.txt",
    "web/2016/dividends.txt",
    "web/2016/profits.txt",
    "wire/1987/cocoa-review.txt",
    "wire/1987/dockside-fire.txt",
];

fn run_samples(dir: &Dir, config: &str) -> Outputs {
    let samples = repo().join("samples");
    let roots = format!("[input]\nroots = [{:?}]\n\n", samples.to_str().unwrap());
    dir.config("samples.toml", &format!("{roots}{config}"));
    let output = dir
        .scour()
        .args([
            "run",
            "--config",
            "samples.toml",
            "--output",
            "out",
            "--no-progress",
        ])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    Outputs::read(&dir.path().join("out"))
}

#[test]
fn the_auto_preset_on_the_samples_finds_the_title_lines_and_changes_nothing_else() {
    let dir = Dir::new();
    let out = run_samples(&dir, "[header]\npreset = \"auto\"\n");
    let golden = jsonl(&std::fs::read(repo().join("tests/golden/samples/clean.jsonl")).unwrap());
    assert_eq!(out.clean.len(), golden.len());
    for (record, golden) in out.clean.iter().zip(&golden) {
        let source = golden["source"].as_str().unwrap();
        if TITLE_LINE_SAMPLES.contains(&source) {
            let (title, text) = golden["text"].as_str().unwrap().split_once("\n\n").unwrap();
            assert_eq!(record["title"], title, "{source}");
            assert_eq!(record["text"], text, "{source}");
        } else {
            assert_eq!(record, golden, "{source}");
        }
    }
}

#[test]
fn extract_mode_keeps_the_body_of_the_sample_saved_as_one_block() {
    let dir = Dir::new();
    let out = run_samples(&dir, "[captions]\nmode = \"extract\"\n");
    let record = out.clean("web/2016/cycle-lanes.txt");
    assert_eq!(record["captions"], serde_json::json!([]));
    assert_eq!(
        record["text"]
            .as_str()
            .unwrap()
            .matches("Continue reading the main story")
            .count(),
        2
    );
}

/// Issue #12: a text of a million identical credited caption lines was joined into one 66 MB
/// line and no caption was found. Each stage is linear on it; 200,000 lines keep a debug build
/// quick.
#[test]
fn a_text_of_identical_caption_lines_keeps_its_lines_and_finds_the_caption() {
    let line = "Visitors walk past lanterns along the stream in Seoul, Friday. Yonhap";
    let body = "The festival opened on Friday with a parade through the old town, the organisers \
                said, and runs until the end of the month.";
    let text = format!("{body}\n\n{}\n", vec![line; 200_000].join("\n"));
    let dir = Dir::new();
    dir.file("lanterns.txt", &text);
    let started = std::time::Instant::now();
    let out = dir.run("out", &[]);
    assert!(started.elapsed().as_secs() < 30, "{:?}", started.elapsed());
    let record = out.clean("lanterns.txt");
    assert_eq!(record["captions"], serde_json::json!([line]));
    assert!(
        record["text"]
            .as_str()
            .unwrap()
            .lines()
            .all(|l| l.len() < 1000)
    );
}

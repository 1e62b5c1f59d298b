//! Site boilerplate.

use super::*;

const FOOTER: &str = "All rights reserved. Herald Media.";
const PROMPT: &str = "Subscribe to our newsletter";
const QUOTE: &str = "\"We will not back down,\" the minister told parliament.";

pub(crate) fn herald_story(n: usize) -> String {
    format!(
        "'Herald story {n}'  DATE: 2024-11-05 10:00:00\n\nReport number {n} from the herald \
         desk, on a matter of item {n} that the council discussed at length.\n\n{PROMPT}\n\n{FOOTER}"
    )
}

#[test]
fn a_sites_recurring_lines_are_removed_and_a_quote_across_outlets_is_kept() {
    let dir = Dir::new();
    for n in 0..25 {
        dir.file(&format!("herald/2024/{n:02}.txt"), herald_story(n));
    }
    for n in 0..5 {
        let quoted = if n < 3 {
            format!("\n\n{QUOTE}")
        } else {
            String::new()
        };
        dir.file(
            &format!("times/2024/{n:02}.txt"),
            format!("Times report {n} on the budget, in some detail.{quoted}\n\n{FOOTER}"),
        );
        dir.file(
            &format!("herald/2024/quote-{n:02}.txt"),
            format!("Herald analysis {n} of the speech.\n\n{QUOTE}"),
        );
    }
    dir.config(
        "bp.toml",
        "[boilerplate]\nenabled = true\nmin_articles = 20\n",
    );
    let out = dir.run("out", &["--config", "bp.toml", "--threads", "2"]);
    let story = out.clean("herald/2024/03.txt");
    assert_eq!(
        story["text"],
        "Report number 3 from the herald desk, on a matter of item 3 that the council discussed at length."
    );
    assert_eq!(story["sha256"], sha256_hex(story["text"].as_str().unwrap()));
    // Five times articles carry the footer too, under the threshold for that site.
    assert!(
        out.clean("times/2024/00.txt")["text"]
            .as_str()
            .unwrap()
            .contains(FOOTER)
    );
    assert!(
        out.clean("times/2024/00.txt")["text"]
            .as_str()
            .unwrap()
            .contains(QUOTE)
    );
    assert!(
        out.clean("herald/2024/quote-00.txt")["text"]
            .as_str()
            .unwrap()
            .contains(QUOTE)
    );
    let report = &out.report["boilerplate"];
    assert_eq!(report["lines_removed"], 50);
    let learned: Vec<(&str, &str)> = report["learned"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["site"].as_str().unwrap(), l["line"].as_str().unwrap()))
        .collect();
    assert_eq!(learned, [("herald", FOOTER), ("herald", PROMPT)]);

    let one_thread = dir.run("out1", &["--config", "bp.toml", "--threads", "1"]);
    assert!(
        one_thread.bytes == out.bytes,
        "thread count changed the output"
    );
}

#[test]
fn learning_a_sites_boilerplate_later_does_not_deliver_an_article_again() {
    let dir = Dir::new();
    dir.config(
        "bp.toml",
        "[boilerplate]\nenabled = true\nmin_articles = 20\n",
    );
    // Night 1: too few articles to learn anything; the footer stays.
    for n in 0..10 {
        dir.file(&format!("herald/night1/{n:02}.txt"), herald_story(n));
    }
    let night1 = night(&dir, "state.redb", "n1", &["--config", "bp.toml"]);
    assert!(night1.clean[0]["text"].as_str().unwrap().contains(FOOTER));
    // Night 2: enough new articles to learn it, and a re-scrape of a night-1 article.
    for n in 10..30 {
        dir.file(&format!("herald/night2/{n:02}.txt"), herald_story(n));
    }
    dir.file("herald/night2/rescrape-03.txt", herald_story(3));
    let night2 = night(&dir, "state.redb", "n2", &["--config", "bp.toml"]);
    assert_eq!(night2.clean.len(), 20);
    assert!(!night2.clean[0]["text"].as_str().unwrap().contains(FOOTER));
    assert_eq!(night2.duplicates.len(), 1);
    assert_eq!(
        night2.duplicates[0]["duplicate_of"],
        night1.clean("herald/night1/03.txt")["id"]
    );
    // Night 3: one new article; the line learned on night 2 is removed from it too.
    dir.file("herald/night3/30.txt", herald_story(30));
    let night3 = night(&dir, "state.redb", "n3", &["--config", "bp.toml"]);
    assert!(!night3.clean[0]["text"].as_str().unwrap().contains(FOOTER));
}

/// Checkpoints every 500 inputs, with zstd output rotated every 700 records, so that frame
/// and part boundaries are resumed too.
const CHECKPOINTS: &str = "[state]\ncheckpoint_files = 500\n[output]\ncompression = \"zstd\"\nmax_records_per_file = 700\n";

#[test]
fn a_run_killed_after_a_checkpoint_resumes_there_and_ends_as_if_never_killed() {
    let (dir, _, _) = crash_fixture_with(&[]);
    dir.config("cp.toml", CHECKPOINTS);
    let output = nightly(
        &dir,
        "cp-reference.redb",
        &["--config", "cp.toml", "--output", "cp-reference"],
        None,
    );
    assert_success(&output);
    let reference = directory_contents(&dir.path().join("cp-reference"));
    assert!(
        reference
            .iter()
            .any(|(name, _)| name == "clean-00003.jsonl.zst")
    );
    let args = ["--config", "cp.toml", "--output", "resumed"];
    let killed = nightly(&dir, "resumed.redb", &args, Some("checkpointed"));
    assert!(!killed.status.success(), "the crash hook did not fire");
    let resumed = nightly(&dir, "resumed.redb", &args, None);
    assert_success(&resumed);
    assert_eq!(directory_contents(&dir.path().join("resumed")), reference);
    // It went on from the checkpoint instead of starting again.
    let report: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("resumed/report.json")).unwrap())
            .unwrap();
    assert!(report["run"]["resumed_after_inputs"].as_u64().unwrap() >= 500);

    // Killed at random moments, over and over, each attempt resuming the last.
    let args = ["--config", "cp.toml", "--output", "battered"];
    for _ in 0..6 {
        killed_after(&dir, "battered.redb", &args, Duration::from_millis(40));
    }
    let finished = nightly(&dir, "battered.redb", &args, None);
    assert_success(&finished);
    assert_eq!(directory_contents(&dir.path().join("battered")), reference);
}

#[test]
fn a_checkpoint_is_dropped_when_the_inputs_before_it_changed() {
    let (dir, _, _) = crash_fixture_with(&[]);
    dir.config("cp.toml", CHECKPOINTS);
    let args = ["--config", "cp.toml", "--output", "changed"];
    let killed = nightly(&dir, "changed.redb", &args, Some("checkpointed"));
    assert!(!killed.status.success());
    // A file early in the walk is replaced: the checkpoint no longer describes the inputs.
    std::fs::remove_file(dir.input().join("site/00/0000.txt")).unwrap();
    let again = nightly(&dir, "changed.redb", &args, None);
    assert_success(&again);
    let fresh = nightly(
        &dir,
        "fresh.redb",
        &["--config", "cp.toml", "--output", "fresh"],
        None,
    );
    assert_success(&fresh);
    assert_eq!(
        directory_contents(&dir.path().join("changed")),
        directory_contents(&dir.path().join("fresh"))
    );
    let report: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("changed/report.json")).unwrap())
            .unwrap();
    assert!(report["run"].get("resumed_after_inputs").is_none());
}

//! Dedup.

use super::*;

#[test]
fn rescrapes_with_crlf_bom_or_another_date_are_exact_duplicates_of_the_first_in_order() {
    let dir = Dir::new();
    let seed = seed();
    dir.file("b/original.txt", &seed);
    let crlf = format!("\u{feff}{}", seed.replace('\n', "\r\n"));
    dir.file("a/crlf-bom.txt", crlf);
    let (first, rest) = seed.split_once('\n').unwrap();
    let redated = format!(
        "{}DATE: 2025-01-01 00:00:00\n{rest}",
        first.rsplit_once("DATE: ").unwrap().0
    );
    dir.file("c/redated.txt", redated);
    let out = dir.run("out", &[]);
    assert_eq!(out.clean.len(), 1);
    let kept = &out.clean[0];
    assert_eq!(
        kept["source"], "a/crlf-bom.txt",
        "the first in sorted order is kept"
    );
    let duplicates: Vec<&str> = out
        .duplicates
        .iter()
        .map(|d| d["source"].as_str().unwrap())
        .collect();
    assert_eq!(duplicates, ["b/original.txt", "c/redated.txt"]);
    for duplicate in &out.duplicates {
        assert_eq!(duplicate["duplicate_of"], kept["id"]);
        assert_eq!(duplicate["sha256"], kept["sha256"]);
        assert_eq!(duplicate["kind"], "exact");
    }
}

#[test]
fn dedup_can_be_turned_off() {
    let dir = Dir::new();
    dir.file("a.txt", "Same text.").file("b.txt", "Same text.");
    dir.config("nodedup.toml", "[dedup]\nexact = false\n");
    let out = dir.run("out", &["--config", "nodedup.toml"]);
    assert_eq!(out.clean.len(), 2);
    assert_ne!(out.clean[0]["id"], out.clean[1]["id"], "ids stay unique");
}

//! Near-duplicates.

use super::*;

const RATES: [&str; 4] = [
    "The Bank of Korea kept its policy rate at 3.25 percent on Wednesday, as markets had expected, but signalled that a cut could come early next year as inflation eases.",
    "Governor Rhee Chang-yong told reporters that price growth had slowed enough to allow the board to consider easing, though household debt remained a concern for policymakers.",
    "The won weakened slightly against the dollar after the announcement, while government bond yields fell across maturities as traders priced in a cut in the first quarter.",
    "Economists said the decision reflected a balance between supporting growth, which has slowed as exports cooled, and keeping a lid on a housing market that has rebounded in Seoul.",
];

#[test]
fn near_duplicates_point_at_the_first_in_order_with_their_similarity() {
    let dir = Dir::new();
    dir.file("a/original.txt", RATES.join("\n\n"));
    // A re-scrape with one edited sentence and a changed caption line.
    let mut edited = RATES.map(str::to_string);
    edited[2] = edited[2].replace("slightly", "a little");
    dir.file(
        "b/edited.txt",
        format!(
            "{}\n\nGovernor Rhee at a briefing, Wednesday. Yonhap",
            edited.join("\n\n")
        ),
    );
    // Another story on the same day about the same decision: must stay apart.
    dir.file(
        "c/other.txt",
        "The Bank of Korea decision on Wednesday was welcomed by exporters, who said a weaker \
         won would help shipments of chips and cars recover in the new year.\n\nSmall \
         businesses asked the central bank to move faster, citing high borrowing costs.",
    );
    dir.config("near.toml", "[dedup]\nnear = true\n");
    let out = dir.run("out", &["--config", "near.toml", "--threads", "2"]);
    let original = out.clean("a/original.txt");
    out.clean("c/other.txt");
    assert_eq!(out.duplicates.len(), 1);
    let near = &out.duplicates[0];
    assert_eq!(near["source"], "b/edited.txt");
    assert_eq!(near["kind"], "near");
    assert_eq!(near["duplicate_of"], original["id"]);
    let similarity = near["similarity"].as_f64().unwrap();
    assert!((0.8..1.0).contains(&similarity), "{similarity}");

    let one_thread = dir.run("out1", &["--config", "near.toml", "--threads", "1"]);
    assert!(
        one_thread.bytes == out.bytes,
        "thread count changed the output"
    );
    // Off by default.
    let plain = dir.run("plain", &[]);
    assert!(plain.duplicates.is_empty());
}

#[test]
fn a_near_copy_of_an_article_from_an_earlier_night_is_caught() {
    let dir = Dir::new();
    dir.config("near.toml", "[dedup]\nnear = true\n");
    dir.file("night1/rates.txt", RATES.join("\n\n"));
    let night1 = night(&dir, "state.redb", "n1", &["--config", "near.toml"]);
    let mut updated = RATES.map(str::to_string);
    updated[3].push_str(" Analysts expect two cuts next year.");
    dir.file("night2/rates-updated.txt", updated.join("\n\n"));
    let night2 = night(&dir, "state.redb", "n2", &["--config", "near.toml"]);
    assert_eq!(night2.duplicates[0]["kind"], "near");
    assert_eq!(
        night2.duplicates[0]["duplicate_of"],
        night1.clean("night1/rates.txt")["id"]
    );
    // Other settings would compare signatures that do not match: refused, with the reason.
    dir.config("other.toml", "[dedup]\nnear = true\nnear_bands = 14\n");
    let output = nightly(
        &dir,
        "state.redb",
        &["--config", "other.toml", "--output", "n3"],
        None,
    );
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("near_bands"));
}

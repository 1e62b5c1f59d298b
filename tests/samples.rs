//! The seed and the samples.

use super::*;

#[test]
fn seed_reproduces_the_expected_record_in_collapse_mode() {
    let dir = Dir::new();
    dir.file(SEED_NAME, seed());
    let out = dir.run("out", &[]);
    assert_eq!(out.clean.len(), 1);
    assert_matches_expected(&out.clean[0], &seed_expected("collapse"));
}

#[test]
fn seed_reproduces_the_expected_record_in_extract_mode() {
    let dir = Dir::new();
    dir.file(SEED_NAME, seed());
    dir.config("extract.toml", "[captions]\nmode = \"extract\"\n");
    let out = dir.run("out", &["--config", "extract.toml"]);
    assert_eq!(out.clean.len(), 1);
    assert_matches_expected(&out.clean[0], &seed_expected("extract"));
}

#[test]
fn keep_mode_changes_no_text_but_lists_the_captions() {
    let dir = Dir::new();
    dir.file(SEED_NAME, seed());
    dir.config("keep.toml", "[captions]\nmode = \"keep\"\n");
    let out = dir.run("out", &["--config", "keep.toml"]);
    let text = out.clean[0]["text"].as_str().unwrap();
    let lead = seed_expected("collapse")["captions"][0]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        text.matches(lead.as_str()).count(),
        4,
        "all four copies of the lead caption stay"
    );
    assert_eq!(
        out.clean[0]["captions"],
        seed_expected("collapse")["captions"]
    );
}

#[test]
fn samples_give_the_golden_output_of_the_readme_command() {
    let dir = Dir::new();
    let config = repo().join("pipeline.toml");
    let output = dir
        .scour()
        .args([
            "run",
            "--config",
            config.to_str().unwrap(),
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
    let out = Outputs::read(&dir.path().join("out"));
    for (bytes, name) in out
        .bytes
        .iter()
        .zip(["clean.jsonl", "duplicates.jsonl", "rejects.jsonl"])
    {
        let golden = std::fs::read(repo().join("tests/golden/samples").join(name)).unwrap();
        assert!(
            bytes == &golden,
            "{name} differs from tests/golden/samples/{name}:\n{}",
            String::from_utf8_lossy(bytes)
        );
    }
}

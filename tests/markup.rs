//! Markup.

use super::*;

#[test]
fn text_that_merely_contains_less_than_is_kept() {
    let dir = Dir::new();
    let paragraphs = [
        "Shares rose when a < b and c > d.",
        "Fans wore shirts saying I <3 Seoul.",
        "Growth of 5%<10% was priced in.",
        "Write to <name@example.com> for tips.",
        "The ticker <AAPL> and the film <Parasite> were mentioned.",
        "<저작권자 ⓒ 연합뉴스, 무단 전재-재배포 금지>",
    ];
    dir.file(
        "traps.txt",
        paragraphs.join("\n\n") + "\n\n&lt;Parasite&gt; won &amp;quot;Best Picture&amp;quot;.",
    );
    let out = dir.run("out", &[]);
    let text = out.clean("traps.txt")["text"].as_str().unwrap();
    for paragraph in paragraphs {
        assert!(text.contains(paragraph), "lost {paragraph:?} in {text:?}");
    }
    assert!(
        text.ends_with("<Parasite> won \"Best Picture\"."),
        "{text:?}"
    );
}

#[test]
fn a_lone_less_than_or_unclosed_script_never_swallows_what_follows() {
    let dir = Dir::new();
    dir.file(
        "lone.txt",
        "First <b and then some.\n\nSecond paragraph survives.",
    );
    dir.file(
        "script.txt",
        "Before.<script>var x = 1;\n\nAfter the script.",
    );
    let out = dir.run("out", &[]);
    assert_eq!(
        out.clean("lone.txt")["text"],
        "First <b and then some.\n\nSecond paragraph survives."
    );
    assert_eq!(
        out.clean("script.txt")["text"],
        "Before.var x = 1;\n\nAfter the script."
    );
}

#[test]
fn real_tags_scripts_and_styles_are_removed_and_br_splits_lines() {
    let dir = Dir::new();
    dir.file(
        "tags.txt",
        "Noh Kyu-duk,<strong></strong> center, a<em>b</em>c<script>alert('<p>')</script><style>p{}</style>\n\nOne<br>two <!-- note --> three",
    );
    let out = dir.run("out", &[]);
    assert_eq!(
        out.clean("tags.txt")["text"],
        "Noh Kyu-duk, center, abc\n\nOne\ntwo three"
    );
    assert!(out.report["cleaning"]["tags_stripped"].as_u64().unwrap() >= 8);
}

//! scour's integration tests: the binary run on fixture trees, as a user runs it.
//!
//! One test binary (see `util.rs` for the helpers). Tests are named after what they guard.

mod util;

use std::collections::BTreeSet;
use std::time::Duration;

use serde_json::Value;
use util::{Dir, Outputs, SEED_NAME, repo, seed, seed_expected, sha256_hex};

const NBSP: char = '\u{a0}';

fn assert_matches_expected(record: &Value, expected: &Value) {
    for field in ["title", "date", "text", "captions", "sha256"] {
        assert_eq!(record[field], expected[field], "field `{field}` differs");
    }
    assert_eq!(record["source"], expected["source"]);
    assert_eq!(
        record["sha256"].as_str().unwrap(),
        sha256_hex(record["text"].as_str().unwrap())
    );
}

// ---------------------------------------------------------------------------------------------
// The seed and the samples

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

// ---------------------------------------------------------------------------------------------
// Dedup

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

// ---------------------------------------------------------------------------------------------
// Markup

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

// ---------------------------------------------------------------------------------------------
// Encodings and rejects

const KOREAN: &str = "산업통상자원부는 1일 지난달 반도체 수출이 전년 같은 달보다 12% 늘어 석 달 만에 증가세로 돌아섰다고 밝혔다. 메모리 반도체 가격이 오르고 인공지능 서버 수요가 늘어난 것이 수출을 이끌었다고 정부는 설명했다. 정부 관계자는 하반기에도 수출 회복세가 이어질 것으로 본다고 말했다.";
const JAPANESE: &str = "東京証券取引所で日経平均株価が三日続伸し、終値は前日比で大きく上昇した。半導体関連株に買いが集まり、市場関係者は海外投資家の資金流入が続いていると指摘した。政府は来週にも新たな経済対策を発表する見通しだ。";
const FRENCH: &str = "Les propriétaires des cafés de la rue de la Paix affirment que les nouveaux loyers – en hausse de 40 % – fermeront la moitié d’entre eux d’ici l’été. « Nous ne pouvons pas payer », a déclaré Renée Dubois.";

#[test]
fn legacy_encodings_are_detected_and_decoded() {
    let dir = Dir::new();
    dir.file("ko.txt", encoding_rs::EUC_KR.encode(KOREAN).0);
    dir.file("ja.txt", encoding_rs::SHIFT_JIS.encode(JAPANESE).0);
    dir.file("fr.txt", encoding_rs::WINDOWS_1252.encode(FRENCH).0);
    let out = dir.run("out", &[]);
    for (source, text, encoding) in [
        ("ko.txt", KOREAN, "EUC-KR"),
        ("ja.txt", JAPANESE, "Shift_JIS"),
        ("fr.txt", FRENCH, "windows-1252"),
    ] {
        let record = out.clean(source);
        assert_eq!(record["text"], text, "{source}");
        assert_eq!(record["encoding"], encoding, "{source}");
    }
}

#[test]
fn damaged_utf8_is_rejected_and_no_replacement_character_is_ever_emitted() {
    let dir = Dir::new();
    let mut damaged = KOREAN.as_bytes().to_vec();
    damaged.insert(30, 0xff);
    dir.file("damaged.txt", damaged);
    dir.file("fine.txt", KOREAN);
    let out = dir.run("out", &[]);
    assert_eq!(out.reject_reason("damaged.txt"), "encoding");
    assert!(
        !String::from_utf8(out.bytes[0].clone())
            .unwrap()
            .contains('\u{fffd}')
    );
}

#[test]
fn binary_empty_textless_and_oversized_files_are_rejected_with_their_reason() {
    let dir = Dir::new();
    dir.file("image.png", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01");
    dir.file("nul.txt", b"text\0with a NUL byte");
    dir.file("empty.txt", b"");
    dir.file("blank.txt", " \n\t\n\u{a0}\n");
    dir.file("tags-only.txt", "<p></p><div>&nbsp;</div>");
    dir.file("big.txt", "x".repeat(2000));
    dir.config("small.toml", "[input]\nmax_file_bytes = 1000\n");
    let out = dir.run("out", &["--config", "small.toml"]);
    assert_eq!(out.reject_reason("image.png"), "binary");
    assert_eq!(out.reject_reason("nul.txt"), "binary");
    assert_eq!(out.reject_reason("empty.txt"), "empty");
    assert_eq!(out.reject_reason("blank.txt"), "no_text");
    assert_eq!(out.reject_reason("tags-only.txt"), "no_text");
    assert_eq!(out.reject_reason("big.txt"), "too_large");
    assert!(
        out.rejects
            .iter()
            .all(|r| !r["detail"].as_str().unwrap().is_empty())
    );
    assert_eq!(out.report["counts"]["rejected_by_reason"]["binary"], 2);
}

#[test]
fn a_photo_only_article_in_extract_mode_is_no_text_with_a_reason() {
    let dir = Dir::new();
    dir.file(
        "photo.txt",
        "A man walks past lanterns in Seoul, Friday. Yonhap",
    );
    dir.config("extract.toml", "[captions]\nmode = \"extract\"\n");
    let out = dir.run("out", &["--config", "extract.toml"]);
    assert_eq!(out.reject_reason("photo.txt"), "no_text");
    assert!(
        out.rejects[0]["detail"]
            .as_str()
            .unwrap()
            .contains("captions")
    );
}

#[cfg(unix)]
#[test]
fn symlinks_are_reported_and_loops_and_fifos_never_hang() {
    let dir = Dir::new();
    dir.file("d/real.txt", "Real text.");
    std::os::unix::fs::symlink("real.txt", dir.input().join("d/link.txt")).unwrap();
    std::os::unix::fs::symlink("..", dir.input().join("d/up")).unwrap();
    let fifo = dir.input().join("d/pipe");
    let made_fifo = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .is_ok_and(|s| s.success());

    let out = dir.run("out", &[]);
    assert_eq!(out.reject_reason("d/link.txt"), "symlink");
    assert_eq!(out.reject_reason("d/up"), "symlink");
    if made_fifo {
        assert_eq!(out.reject_reason("d/pipe"), "not_a_file");
    }

    dir.config("follow.toml", "[input]\nfollow_symlinks = true\n");
    let out = dir.run("out2", &["--config", "follow.toml"]);
    assert_eq!(out.reject_reason("d/up"), "symlink_loop");
    assert_eq!(out.clean("d/link.txt")["text"], "Real text.");
}

#[test]
fn compressed_files_are_read_by_their_bytes_and_bombs_and_corruption_rejected() {
    use std::io::Write;
    let gzip = |data: &[u8]| {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        encoder.write_all(data).unwrap();
        encoder.finish().unwrap()
    };
    let dir = Dir::new();
    dir.file("seed.txt.gz", gzip(seed().as_bytes()));
    dir.file(
        "no-telling-name",
        gzip(b"A plain story, gzipped under no name."),
    );
    let page = "<html><body><nav>Menu</nav><p>A page, compressed with zstd.</p></body></html>";
    dir.file(
        "page.html.zst",
        zstd::encode_all(page.as_bytes(), 3).unwrap(),
    );
    dir.file("bomb.gz", gzip(&vec![b'a'; 1 << 20]));
    let mut bz = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::default());
    bz.write_all(b"An old archive's story, in bzip2.").unwrap();
    dir.file("old/story.txt.bz2", bz.finish().unwrap());
    let mut xz = liblzma::write::XzEncoder::new(Vec::new(), 6);
    xz.write_all(b"{\"text\":\"A record in xz.\"}\n").unwrap();
    dir.file("old/items.jsonl.xz", xz.finish().unwrap());
    let mut corrupt = gzip(b"Text that will not survive being cut in half, sadly.");
    corrupt.truncate(corrupt.len() / 2);
    dir.file("corrupt.gz", corrupt);
    dir.config("ceiling.toml", "[input]\nmax_decompressed_bytes = 100000\n");
    let out = dir.run("out", &["--config", "ceiling.toml"]);

    assert_eq!(
        out.clean("seed.txt.gz")["text"],
        seed_expected("collapse")["text"]
    );
    assert_eq!(
        out.clean("no-telling-name")["text"],
        "A plain story, gzipped under no name."
    );
    let page = out.clean("page.html.zst");
    assert_eq!(page["format"], "html");
    assert_eq!(page["text"], "A page, compressed with zstd.");
    assert_eq!(out.reject_reason("bomb.gz"), "too_large");
    assert_eq!(out.reject_reason("corrupt.gz"), "corrupt");
    assert_eq!(
        out.clean("old/story.txt.bz2")["text"],
        "An old archive's story, in bzip2."
    );
    assert_eq!(out.clean("old/items.jsonl.xz#1")["text"], "A record in xz.");
}

#[test]
fn json_dumps_give_one_record_per_line_plain_gzipped_or_zstd() {
    use std::io::Write;
    let dir = Dir::new();
    let lines = [
        r#"{"url":"https://example.com/a","title":"First &amp; best","published":"2024-03-01T08:00:00Z","text":"The first story.<br>Second line."}"#,
        "",
        r#"{"url":"https://example.com/b","html":"<html><body><nav>Menu</nav><p>A page in a field.</p></body></html>"}"#,
        "{not json",
        r#"{"url":"https://example.com/c","title":"No body"}"#,
        r#"{"text":"The first story.<br>Second line."}"#,
    ];
    let jsonl = lines.join("\n");
    dir.file("crawl/items.jsonl", &jsonl);
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder
        .write_all(b"{\"content\":\"Gzipped record.\"}\n")
        .unwrap();
    dir.file("crawl/more.jsonl.gz", encoder.finish().unwrap());
    dir.file(
        "crawl/zst.ndjson.zst",
        zstd::encode_all(&b"{\"body\":\"Zstd record.\"}\n"[..], 3).unwrap(),
    );
    dir.file(
        "crawl/array.json",
        r#"[{"text":"Array one."},{"text":"Array two."}]"#,
    );
    let out = dir.run("out", &[]);

    let first = out.clean("crawl/items.jsonl#1");
    assert_eq!(first["title"], "First & best");
    assert_eq!(first["date"], "2024-03-01T08:00:00");
    assert_eq!(first["url"], "https://example.com/a");
    assert_eq!(first["text"], "The first story.\nSecond line.");
    let page = out.clean("crawl/items.jsonl#3");
    assert_eq!(page["format"], "html");
    assert_eq!(page["text"], "A page in a field.");
    assert_eq!(out.reject_reason("crawl/items.jsonl#4"), "malformed");
    assert_eq!(out.reject_reason("crawl/items.jsonl#5"), "no_text");
    assert_eq!(out.duplicates[0]["source"], "crawl/items.jsonl#6");
    assert_eq!(out.duplicates[0]["duplicate_of"], first["id"]);
    assert_eq!(
        out.clean("crawl/more.jsonl.gz#1")["text"],
        "Gzipped record."
    );
    assert_eq!(out.clean("crawl/zst.ndjson.zst#1")["text"], "Zstd record.");
    assert_eq!(out.clean("crawl/array.json#2")["text"], "Array two.");
    // Every record once; the file's bytes counted once.
    let counts = &out.report["counts"];
    assert_eq!(counts["seen"], 9);
    assert_eq!(out.sources().len(), 9);
    assert!(
        out.clean.iter().filter(|r| r.get("url").is_none()).count() >= 4,
        "no url: no field"
    );
}

#[test]
fn large_json_lines_dumps_stream_in_chunks_with_the_same_result() {
    use std::io::Write;
    let dir = Dir::new();
    let mut jsonl = String::new();
    for i in 1..=300 {
        match i % 50 {
            7 => jsonl.push_str("{broken\n"),
            9 => jsonl.push('\n'),
            _ => jsonl.push_str(&format!(
                "{{\"url\":\"https://e.example/{i}\",\"text\":\"Story number {}, told at some length so the dump grows.\"}}\n",
                i % 120
            )),
        }
    }
    dir.file("dumps/big.jsonl", &jsonl);
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(jsonl.as_bytes()).unwrap();
    dir.file("dumps/big2.jsonl.gz", encoder.finish().unwrap());
    let whole = dir.run("whole", &[]);
    dir.config("stream.toml", "[input]\nstream_above_bytes = 1000\n");
    let streamed = dir.run("streamed", &["--config", "stream.toml"]);
    assert!(
        whole.bytes == streamed.bytes,
        "streaming changed the output"
    );
    assert_eq!(streamed.report["counts"]["seen"], 2 * 294);
    assert_eq!(streamed.reject_reason("dumps/big.jsonl#257"), "malformed");
    assert_eq!(streamed.report["bytes"]["in"], whole.report["bytes"]["in"]);
}

/// A WARC record as crawlers write it.
fn warc_record(kind: &str, uri: &str, id: usize, block: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "WARC/1.0\r\nWARC-Type: {kind}\r\nWARC-Target-URI: {uri}\r\nWARC-Date: 2024-11-06T01:02:03Z\r\nWARC-Record-ID: <urn:uuid:00000000-0000-0000-0000-{id:012}>\r\nContent-Length: {}\r\n\r\n",
        block.len()
    )
    .into_bytes();
    out.extend_from_slice(block);
    out.extend_from_slice(b"\r\n\r\n");
    out
}

#[test]
fn warc_responses_become_articles_with_their_url_and_charset() {
    use std::io::Write;
    let page = "<html><head><title>Ferry resumes</title></head><body><nav>Menu</nav>\
                <p>Ferries resumed on Wednesday, the operator said.</p></body></html>";
    let korean = encoding_rs::EUC_KR.encode(KOREAN).0;
    let mut korean_response =
        b"HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=euc-kr\r\n\r\n".to_vec();
    korean_response.extend_from_slice(&korean);
    let records = [
        warc_record("warcinfo", "", 1, b"software: test"),
        warc_record(
            "request",
            "https://n.example/ferry",
            2,
            b"GET /ferry HTTP/1.1\r\n\r\n",
        ),
        warc_record(
            "response",
            "https://n.example/ferry",
            3,
            format!("HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n\r\n{page}")
                .as_bytes(),
        ),
        warc_record("response", "https://n.example/ko", 4, &korean_response),
        warc_record(
            "response",
            "https://n.example/logo.png",
            5,
            b"HTTP/1.1 200 OK\r\nContent-Type: image/png\r\n\r\n\x89PNG",
        ),
        warc_record(
            "response",
            "https://n.example/gone",
            6,
            b"HTTP/1.1 404 Not Found\r\nContent-Type: text/html\r\n\r\nNo.",
        ),
    ];
    let dir = Dir::new();
    dir.file("crawl.warc", records.concat());
    // A .warc.gz is gzip member per record, as wget and Heritrix write it.
    let mut gz = Vec::new();
    for record in &records[2..4] {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        encoder.write_all(record).unwrap();
        gz.extend(encoder.finish().unwrap());
    }
    dir.file("later/crawl.warc.gz", gz);
    let out = dir.run("out", &[]);

    let ferry = out.clean("crawl.warc#3");
    assert_eq!(ferry["format"], "html");
    assert_eq!(ferry["url"], "https://n.example/ferry");
    assert_eq!(ferry["crawl_date"], "2024-11-06T01:02:03Z");
    assert_eq!(
        ferry["text"],
        "Ferries resumed on Wednesday, the operator said."
    );
    let korean = out.clean("crawl.warc#4");
    assert_eq!(korean["text"], KOREAN);
    assert_eq!(korean["encoding"], "EUC-KR");
    assert_eq!(out.reject_reason("crawl.warc#5"), "not_article");
    assert_eq!(out.reject_reason("crawl.warc#6"), "not_article");
    let duplicates: Vec<&str> = out
        .duplicates
        .iter()
        .map(|d| d["source"].as_str().unwrap())
        .collect();
    assert_eq!(
        duplicates,
        ["later/crawl.warc.gz#1", "later/crawl.warc.gz#2"]
    );
}

#[test]
fn a_large_warc_streams_in_chunks_with_the_same_output_as_reading_it_whole() {
    use std::io::Write;
    let mut records = vec![warc_record("warcinfo", "", 0, b"software: test")];
    for i in 1..200 {
        let body = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n<html><body><article>\
             <p>Report number {}, long enough to be an article of its own for the test.</p>\
             </article></body></html>",
            i % 150
        );
        records.push(warc_record(
            "response",
            &format!("https://n.example/{i}"),
            i,
            body.as_bytes(),
        ));
    }
    let mut archive = records.concat();
    // The crawl was cut short: the last record is truncated.
    archive.extend_from_slice(
        &warc_record(
            "response",
            "https://n.example/cut",
            999,
            b"HTTP/1.1 200 OK\r\n\r\nwhole",
        )[..60],
    );
    let dir = Dir::new();
    dir.file("crawl.warc", &archive);
    let mut gz = Vec::new();
    for record in &records {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        encoder.write_all(record).unwrap();
        gz.extend(encoder.finish().unwrap());
    }
    dir.file("crawl2.warc.gz", gz);
    let whole = dir.run("whole", &[]);
    dir.config("stream.toml", "[input]\nstream_above_bytes = 2000\n");
    let streamed = dir.run("streamed", &["--config", "stream.toml"]);
    assert!(
        whole.bytes == streamed.bytes,
        "streaming changed the output"
    );
    // 199 responses from each archive, and the truncated record of the first.
    assert_eq!(streamed.report["counts"]["seen"], 2 * 199 + 1);
    assert_eq!(streamed.report["counts"]["kept"], 150);
    assert_eq!(streamed.reject_reason("crawl.warc#201"), "malformed");
    assert_eq!(streamed.clean("crawl.warc#2")["url"], "https://n.example/1");
    assert_eq!(streamed.report["bytes"]["in"], whole.report["bytes"]["in"]);
}

// ---------------------------------------------------------------------------------------------
// Pages and layouts

#[test]
fn html_pages_keep_the_article_and_its_figure_captions() {
    let dir = Dir::new();
    dir.file(
        "page.html",
        "<!DOCTYPE html><html><head><title>Site | Story</title>\
         <meta property=\"article:published_time\" content=\"2024-11-01T19:20:00+09:00\">\
         <script>var tracking = 1;</script></head><body><nav><a href=/>Home</a></nav>\
         <article><h1>Lanterns light up Seoul</h1><p>First paragraph.</p>\
         <figure><img src=a.jpg><figcaption>Lanterns on the stream, Friday. Yonhap</figcaption></figure>\
         <p>Second paragraph.</p></article><footer>All rights reserved.</footer></body></html>",
    );
    let out = dir.run("out", &[]);
    let record = out.clean("page.html");
    assert_eq!(record["format"], "html");
    assert_eq!(record["title"], "Lanterns light up Seoul");
    assert_eq!(record["date"], "2024-11-01T19:20:00");
    assert_eq!(
        record["text"],
        "First paragraph.\n\nLanterns on the stream, Friday. Yonhap\n\nSecond paragraph."
    );
    assert_eq!(
        record["captions"][0],
        "Lanterns on the stream, Friday. Yonhap"
    );
}

#[test]
fn a_txt_file_that_is_a_whole_page_is_parsed_as_one() {
    let dir = Dir::new();
    dir.file(
        "saved.txt",
        "<!doctype html><html><body><nav>Menu</nav><p>Story.</p></body></html>",
    );
    let out = dir.run("out", &[]);
    assert_eq!(out.clean("saved.txt")["format"], "html");
    assert_eq!(out.clean("saved.txt")["text"], "Story.");
}

#[test]
fn hard_wrapped_newswire_is_joined_into_paragraphs() {
    let dir = Dir::new();
    dir.file(
        "wire.txt",
        "SEOUL, June 21 (Yonhap) -- The top nuclear envoys of South Korea, the\n\
         United States and Japan agreed on Monday to keep the door open to talks\n\
         with North Korea, officials said, while stressing that sanctions will\n\
         stay in place until Pyongyang takes concrete steps.\n\
         \x20  The three met in Seoul for their first trilateral session in months,\n\
         a day after the U.S. envoy arrived for a five-day visit.\n",
    );
    let out = dir.run("out", &[]);
    let text = out.clean("wire.txt")["text"].as_str().unwrap();
    let paragraphs: Vec<&str> = text.split("\n\n").collect();
    assert_eq!(paragraphs.len(), 2, "{text}");
    assert!(paragraphs.iter().all(|p| !p.contains('\n')), "{text}");
    assert!(paragraphs[1].starts_with("The three met"));
}

#[test]
fn seed_header_separated_by_no_break_spaces_gives_title_and_date() {
    let dir = Dir::new();
    dir.file(
        "h.txt",
        format!("'A title'{NBSP} {NBSP} DATE: 2024-02-29 23:59:59\n\nBody."),
    );
    let out = dir.run("out", &[]);
    let record = out.clean("h.txt");
    assert_eq!(record["title"], "A title");
    assert_eq!(record["date"], "2024-02-29T23:59:59");
    assert_eq!(record["text"], "Body.");
}

// ---------------------------------------------------------------------------------------------
// Determinism and accounting

/// A varied tree: articles with repeated captions, exact re-scrapes, pages, rejects.
fn varied_corpus(dir: &Dir, files: usize) {
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

// ---------------------------------------------------------------------------------------------
// Configuration and command line

#[test]
fn a_bad_config_reports_every_problem_with_its_line_and_exits_2() {
    let dir = Dir::new();
    dir.config(
        "pipeline.toml",
        "[input]\nroots = [\"in\"]\nfollow_symlink = true\n\n[captions]\nmode = 3\n\n[bogus]\nx = 1\n",
    );
    let output = dir.scour().args(["run", "--no-progress"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("3 problems"), "{stderr}");
    assert!(
        stderr.contains("pipeline.toml:3:1: `input.follow_symlink`"),
        "{stderr}"
    );
    assert!(
        stderr.contains("pipeline.toml:6:8: `captions.mode`"),
        "{stderr}"
    );
    assert!(stderr.contains("pipeline.toml:8:2: `bogus`"), "{stderr}");
    assert!(!dir.path().join("out").exists(), "nothing ran");
}

#[test]
fn bad_values_are_reported_with_their_lines_too() {
    let dir = Dir::new();
    dir.config(
        "bad.toml",
        "[input]\nroots = [\"missing\"]\n\n[header]\npattern = \"(\"\n",
    );
    let output = dir
        .scour()
        .args(["check-config", "--config", "bad.toml"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("bad.toml:2:9: `input.roots`: input root"),
        "{stderr}"
    );
    assert!(
        stderr.contains("bad.toml:5:11: `header.pattern`"),
        "{stderr}"
    );
}

#[test]
fn a_missing_input_is_a_usage_error() {
    let dir = Dir::new();
    let output = dir
        .scour()
        .args([
            "run",
            "--input",
            "nowhere",
            "--output",
            "out",
            "--no-progress",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("nowhere"));
}

#[test]
fn the_checked_in_pipeline_toml_spells_out_exactly_the_built_in_defaults() {
    let dir = Dir::new();
    let checked_in = repo().join("pipeline.toml");
    let from_file = dir
        .scour()
        .args(["check-config", "--config"])
        .arg(&checked_in)
        .output()
        .unwrap();
    assert!(
        from_file.status.success(),
        "{}",
        String::from_utf8_lossy(&from_file.stderr)
    );
    // An empty directory: no pipeline.toml, the built-in defaults (whose `samples` root must
    // exist to validate).
    std::fs::create_dir(dir.path().join("samples")).unwrap();
    let defaults = dir.scour().arg("check-config").output().unwrap();
    assert!(
        defaults.status.success(),
        "{}",
        String::from_utf8_lossy(&defaults.stderr)
    );
    let parse =
        |bytes: &[u8]| -> toml::Table { toml::from_str(&String::from_utf8_lossy(bytes)).unwrap() };
    assert_eq!(parse(&from_file.stdout), parse(&defaults.stdout));
}

#[test]
fn a_non_empty_output_directory_is_refused_without_force() {
    let dir = Dir::new();
    dir.file("a.txt", "First run.");
    let first = dir.run("out", &[]);
    dir.file("b.txt", "Second run.");
    let refused = dir.run_raw("out", &[]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--force"));
    assert_eq!(
        Outputs::read(&dir.path().join("out")).bytes,
        first.bytes,
        "untouched"
    );
    let forced = dir.run("out", &["--force"]);
    assert_eq!(forced.clean.len(), 2);
    let leftovers: Vec<_> = std::fs::read_dir(dir.path().join("out"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with(".scour-tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn a_killed_run_never_leaves_output_that_looks_complete() {
    let dir = Dir::new();
    varied_corpus(&dir, 3000);
    let binary = assert_cmd::cargo::cargo_bin("scour");
    let mut killed_mid_run = 0;
    for delay_ms in [1, 20, 60] {
        let out = dir.path().join(format!("killed-{delay_ms}"));
        let mut child = std::process::Command::new(&binary)
            .current_dir(dir.path())
            .args([
                "run",
                "--input",
                "in",
                "--no-progress",
                "--threads",
                "1",
                "--output",
            ])
            .arg(&out)
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay_ms));
        let _ = child.kill();
        let status = child.wait().unwrap();
        killed_mid_run += usize::from(!status.success());
        let report = out.join("report.json");
        if report.exists() {
            // It finished before the kill: then everything beside the report is complete.
            let complete = Outputs::read(&out);
            let seen = complete.report["counts"]["seen"].as_u64().unwrap();
            assert_eq!(complete.sources().len() as u64, seen, "exit {status}");
        } else {
            for name in ["clean.jsonl", "duplicates.jsonl", "rejects.jsonl"] {
                assert!(
                    !out.join(name).exists(),
                    "killed after {delay_ms} ms left {name}"
                );
            }
        }
    }
    assert!(
        killed_mid_run > 0,
        "every run finished before its kill: nothing was tested"
    );
}

#[test]
fn several_roots_prefix_sources_with_the_root_name() {
    let dir = Dir::new();
    dir.file("x/one.txt", "One.");
    dir.file("y/one.txt", "Two.");
    let output = dir
        .scour()
        .args([
            "run",
            "--input",
            "in/x",
            "--input",
            "in/y",
            "--output",
            "out",
            "--no-progress",
        ])
        .output()
        .unwrap();
    assert!(output.status.success());
    let out = Outputs::read(&dir.path().join("out"));
    let sources: Vec<&str> = out
        .clean
        .iter()
        .map(|r| r["source"].as_str().unwrap())
        .collect();
    assert_eq!(sources, ["x/one.txt", "y/one.txt"]);
}

#[test]
fn the_run_summary_goes_to_stderr_and_report_json_has_the_run_facts() {
    let dir = Dir::new();
    dir.file("a.txt", "Text.");
    let output = dir.run_raw("out", &["--threads", "2"]);
    assert!(String::from_utf8_lossy(&output.stderr).contains("1 inputs -> 1 kept"));
    let out = Outputs::read(&dir.path().join("out"));
    assert_eq!(out.report["run"]["threads"], 2);
    assert!(out.report["run"]["elapsed_seconds"].as_f64().unwrap() >= 0.0);
    assert_eq!(out.report["bytes"]["in"], 5);
}

// ---------------------------------------------------------------------------------------------
// Nightly runs with state

/// An article of its own for file `n`, long enough to survive cleaning.
fn story(n: usize, edition: &str) -> String {
    format!(
        "'Story {n}'  DATE: 2024-11-{:02} 10:00:00\n\nReport {n} ({edition}): the council met on \
         Tuesday and agreed item {n} of the plan after a long debate.\n\nA second paragraph \
         about item {n}, with <b>stray</b> tags &amp; entities.",
        n % 28 + 1
    )
}

/// `scour run --input in --state state.redb` plus `args`, with `SCOUR_CRASH_AT` if given.
fn nightly(dir: &Dir, state: &str, args: &[&str], crash_at: Option<&str>) -> std::process::Output {
    let mut command = dir.scour();
    command
        .args(["run", "--input", "in", "--state", state, "--no-progress"])
        .args(args)
        .timeout(Duration::from_secs(120));
    if let Some(point) = crash_at {
        command.env("SCOUR_CRASH_AT", point);
    }
    command.output().expect("run scour")
}

/// Starts a nightly run and SIGKILLs it after `delay` (no chance to clean up); whether it was
/// still running.
fn killed_after(dir: &Dir, state: &str, args: &[&str], delay: Duration) -> bool {
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("scour"))
        .current_dir(dir.path())
        .args(["run", "--input", "in", "--state", state, "--no-progress"])
        .args(args)
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(delay);
    let _ = child.kill();
    !child.wait().unwrap().success()
}

/// A nightly run into `out` that must succeed, and what it wrote.
fn night(dir: &Dir, state: &str, out: &str, args: &[&str]) -> Outputs {
    let mut all = args.to_vec();
    all.extend(["--output", out]);
    let output = nightly(dir, state, &all, None);
    assert_success(&output);
    Outputs::read(&dir.path().join(out))
}

fn assert_success(output: &std::process::Output) {
    assert!(
        output.status.success(),
        "scour failed: {}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
}

/// The files of an output directory, for comparing two runs: every name and its bytes, with
/// report.json's `run` section (elapsed time, threads) and file paths left out.
fn directory_contents(dir: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| {
            let entry = entry.unwrap();
            let name = entry.file_name().to_string_lossy().into_owned();
            let mut bytes = std::fs::read(entry.path()).unwrap();
            if name == "report.json" {
                let mut report: Value = serde_json::from_slice(&bytes).unwrap();
                report.as_object_mut().unwrap().remove("run");
                report.as_object_mut().unwrap().remove("outputs");
                if let Some(state) = report.get_mut("state").and_then(Value::as_object_mut) {
                    state.remove("path");
                }
                bytes = serde_json::to_vec(&report).unwrap();
            }
            (name, bytes)
        })
        .collect();
    files.sort();
    files
}

#[test]
fn three_nights_deliver_each_article_once_and_skip_unchanged_files() {
    let dir = Dir::new();
    for n in 0..30 {
        dir.file(&format!("2024/11/01/{n:03}.txt"), story(n, "first"));
    }
    // Night 1.
    let night1 = night(&dir, "state.redb", "night1", &[]);
    assert_eq!(night1.clean.len(), 30);
    assert_eq!(night1.report["state"]["run"], 1);

    // Night 2: new files, re-scrapes of night-1 articles under new paths, one edited file.
    for n in 30..40 {
        dir.file(&format!("2024/11/02/{n:03}.txt"), story(n, "first"));
    }
    for n in 0..5 {
        dir.file(
            &format!("2024/11/02/rescrape-{n:03}.txt"),
            story(n, "first"),
        );
    }
    std::thread::sleep(Duration::from_millis(20));
    dir.file("2024/11/01/007.txt", story(7, "updated"));
    // The first attempt at night 2 is killed just before its commit; the second finishes it.
    let killed = nightly(&dir, "state.redb", &["--output", "night2"], Some("staged"));
    assert!(!killed.status.success());
    let night2 = night(&dir, "state.redb", "night2", &[]);
    let kept: BTreeSet<&str> = night2
        .clean
        .iter()
        .map(|r| r["source"].as_str().unwrap())
        .collect();
    let mut expected: BTreeSet<String> =
        (30..40).map(|n| format!("2024/11/02/{n:03}.txt")).collect();
    expected.insert("2024/11/01/007.txt".into());
    assert_eq!(kept, expected.iter().map(String::as_str).collect());
    // Each re-scrape points at the record night 1 kept.
    assert_eq!(night2.duplicates.len(), 5);
    for duplicate in &night2.duplicates {
        let source = duplicate["source"].as_str().unwrap();
        let n: usize = source["2024/11/02/rescrape-".len()..][..3].parse().unwrap();
        let original = night1.clean(&format!("2024/11/01/{n:03}.txt"));
        assert_eq!(duplicate["duplicate_of"], original["id"]);
    }
    assert_eq!(night2.report["state"]["files_unchanged"], 29);

    // Night 3: nothing changed but a file that was only touched.
    let touched = dir.input().join("2024/11/01/003.txt");
    std::fs::write(&touched, std::fs::read(&touched).unwrap()).unwrap();
    let night3 = night(&dir, "state.redb", "night3", &[]);
    assert_eq!(night3.sources(), Vec::<String>::new());
    assert_eq!(night3.report["state"]["files_unchanged"], 45);

    // Running a completed night again changes nothing and says so.
    let before = directory_contents(&dir.path().join("night2"));
    let output = nightly(&dir, "state.redb", &["--output", "night2"], None);
    assert_success(&output);
    assert!(String::from_utf8_lossy(&output.stderr).contains("already completed"));
    assert_eq!(directory_contents(&dir.path().join("night2")), before);

    // Without --output each night gets its own directory under output.dir.
    dir.file("2024/11/04/new.txt", story(99, "first"));
    let output = nightly(&dir, "state.redb", &[], None);
    assert_success(&output);
    let night4 = Outputs::read(&dir.path().join("out/run-000004"));
    assert_eq!(night4.clean.len(), 1);

    // Forgetting night 2 makes its files new again: the edit is delivered once more.
    let forget = dir
        .scour()
        .args([
            "state",
            "forget",
            "--state",
            "state.redb",
            "--run",
            "run-000002",
        ])
        .output()
        .unwrap();
    assert_success(&forget);
    let night5 = night(&dir, "state.redb", "night5", &[]);
    assert_eq!(night5.clean.len(), 11);
    let stats = dir
        .scour()
        .args(["state", "stats", "--state", "state.redb", "--json"])
        .output()
        .unwrap();
    assert_success(&stats);
    let stats: Value = serde_json::from_slice(&stats.stdout).unwrap();
    assert_eq!(stats["kept_articles"], 30 + 11 + 1);
}

/// Builds the same dump in two directories and returns them with the reference output of an
/// uninterrupted run.
fn crash_fixture() -> (Dir, Vec<(String, Vec<u8>)>, Duration) {
    crash_fixture_with(&[])
}

/// The crash fixture, its reference run given `args` too.
fn crash_fixture_with(args: &[&str]) -> (Dir, Vec<(String, Vec<u8>)>, Duration) {
    let dir = Dir::new();
    for n in 0..4000 {
        dir.file(
            &format!("site/{:02}/{n:04}.txt", n % 40),
            story(n % 3500, "first"),
        );
    }
    let started = std::time::Instant::now();
    let mut reference_args = vec!["--output", "reference"];
    reference_args.extend_from_slice(args);
    let output = nightly(&dir, "reference.redb", &reference_args, None);
    let took = started.elapsed();
    assert_success(&output);
    let reference = directory_contents(&dir.path().join("reference"));
    assert_eq!(reference.len(), 4);
    (dir, reference, took)
}

#[test]
fn a_run_killed_between_any_two_commit_steps_ends_as_if_never_killed() {
    let (dir, reference, _) = crash_fixture();
    for point in ["staged", "committed", "publishing"] {
        let state = format!("{point}.redb");
        let out = format!("out-{point}");
        let killed = nightly(&dir, &state, &["--output", &out], Some(point));
        assert!(
            !killed.status.success(),
            "{point}: the crash hook did not fire"
        );
        // Nothing that looks complete is left.
        assert!(
            !dir.path().join(&out).join("report.json").exists(),
            "{point}"
        );
        let again = nightly(&dir, &state, &["--output", &out], None);
        assert_success(&again);
        assert_eq!(
            directory_contents(&dir.path().join(&out)),
            reference,
            "after a crash at {point}"
        );
        // And the state is that of one run: a third invocation has nothing to do.
        let third = nightly(&dir, &state, &["--output", &out], None);
        assert_success(&third);
        assert!(String::from_utf8_lossy(&third.stderr).contains("already completed"));
    }
}

#[test]
fn a_run_killed_at_random_moments_ends_as_if_never_killed() {
    let (dir, reference, took) = crash_fixture();
    let mut interrupted = 0;
    // Kills spread over a whole run, from opening the state to publishing.
    for (attempt, percent) in [1u32, 10, 30, 50, 70, 90].into_iter().enumerate() {
        let delay = took * percent / 100;
        let state = format!("killed-{attempt}.redb");
        let out = format!("out-{attempt}");
        if killed_after(&dir, &state, &["--output", &out], delay) {
            interrupted += 1;
        }
        let again = nightly(&dir, &state, &["--output", &out], None);
        assert_success(&again);
        assert_eq!(
            directory_contents(&dir.path().join(&out)),
            reference,
            "after a kill at {delay:?} ({percent}% of a run)"
        );
    }
    assert!(
        interrupted >= 2,
        "only {interrupted} kills landed before the run ended"
    );
}

// ---------------------------------------------------------------------------------------------
// Near-duplicates

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

// ---------------------------------------------------------------------------------------------
// Site boilerplate

const FOOTER: &str = "All rights reserved. Herald Media.";
const PROMPT: &str = "Subscribe to our newsletter";
const QUOTE: &str = "\"We will not back down,\" the minister told parliament.";

fn herald_story(n: usize) -> String {
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

// ---------------------------------------------------------------------------------------------
// Sharded runs

#[test]
fn four_shards_and_a_finalize_write_what_one_machine_writes() {
    let dir = Dir::new();
    for entry in walk_files(&repo().join("samples")) {
        let relative = entry.strip_prefix(repo().join("samples")).unwrap();
        dir.file(relative.to_str().unwrap(), std::fs::read(&entry).unwrap());
    }
    for n in 0..300 {
        dir.file(
            &format!("site/{:02}/{n:04}.txt", n % 7),
            story(n % 250, "first"),
        );
    }
    dir.config("near.toml", "[dedup]\nnear = true\n");
    let single = dir.run("single", &["--config", "near.toml"]);
    assert!(!single.duplicates.is_empty());
    for index in 0..4 {
        let output = dir.run_raw(
            "work",
            &[
                "--config",
                "near.toml",
                "--shard-index",
                &index.to_string(),
                "--shard-count",
                "4",
            ],
        );
        assert_success(&output);
    }
    // A task that is run again finds its shard complete.
    let again = dir.run_raw(
        "work",
        &[
            "--config",
            "near.toml",
            "--shard-index",
            "2",
            "--shard-count",
            "4",
        ],
    );
    assert_success(&again);
    assert!(String::from_utf8_lossy(&again.stderr).contains("already complete"));
    let finalize = dir
        .scour()
        .args([
            "finalize",
            "--input",
            "in",
            "--no-progress",
            "--config",
            "near.toml",
        ])
        .args([
            "--shards",
            "work",
            "--shard-count",
            "4",
            "--output",
            "merged",
        ])
        .output()
        .unwrap();
    assert_success(&finalize);
    assert_eq!(
        directory_contents(&dir.path().join("merged")),
        directory_contents(&dir.path().join("single"))
    );

    // A missing shard fails the finalize loudly, naming it.
    std::fs::remove_dir_all(dir.path().join("work/shard-00001-of-00004")).unwrap();
    let broken = dir
        .scour()
        .args(["finalize", "--input", "in", "--no-progress"])
        .args([
            "--shards",
            "work",
            "--shard-count",
            "4",
            "--output",
            "broken",
        ])
        .output()
        .unwrap();
    assert_eq!(broken.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&broken.stderr).contains("not complete in work: 1;"));
}

#[test]
fn sharded_nights_with_state_write_what_one_machine_writes() {
    let dir = Dir::new();
    for n in 0..120 {
        dir.file(
            &format!("site/{:02}/{n:03}.txt", n % 5),
            story(n % 100, "first"),
        );
    }
    let sharded_night = |night: &str| {
        let work = format!("work-{night}");
        for index in 0..3 {
            let output = dir.run_raw(
                &work,
                &[
                    "--state",
                    "sharded.redb",
                    "--shard-index",
                    &index.to_string(),
                    "--shard-count",
                    "3",
                ],
            );
            assert_success(&output);
        }
        let finalize = |crash_at: Option<&str>| {
            let mut command = dir.scour();
            command
                .args(["finalize", "--input", "in", "--no-progress"])
                .args(["--state", "sharded.redb", "--shards", &work])
                .args([
                    "--shard-count",
                    "3",
                    "--output",
                    &format!("sharded-{night}"),
                ]);
            if let Some(point) = crash_at {
                command.env("SCOUR_CRASH_AT", point);
            }
            command.output().unwrap()
        };
        if night == "1" {
            // A finalize killed before, during or after its commit is settled by running it
            // again, as a one-machine nightly run is.
            for point in ["staged", "committed", "publishing"] {
                assert!(!finalize(Some(point)).status.success(), "{point}");
                let again = finalize(None);
                assert_success(&again);
                assert_eq!(
                    String::from_utf8_lossy(&again.stderr).contains("finished publishing"),
                    point != "staged",
                    "{point}"
                );
                std::fs::remove_dir_all(dir.path().join("sharded-1")).unwrap();
                std::fs::remove_file(dir.path().join("sharded.redb")).unwrap();
            }
        }
        assert_success(&finalize(None));
        let single = nightly(
            &dir,
            "single.redb",
            &["--output", &format!("single-{night}")],
            None,
        );
        assert_success(&single);
        assert_eq!(
            directory_contents(&dir.path().join(format!("sharded-{night}"))),
            directory_contents(&dir.path().join(format!("single-{night}"))),
            "night {night}"
        );
    };
    sharded_night("1");
    // Night 2: new files, a re-scrape of a night-1 article, an edited file.
    for n in 120..140 {
        dir.file(&format!("site/{:02}/{n:03}.txt", n % 5), story(n, "first"));
    }
    dir.file("site/00/rescrape.txt", story(7, "first"));
    std::thread::sleep(Duration::from_millis(20));
    dir.file("site/01/001.txt", story(1, "updated"));
    sharded_night("2");
    let night2 = Outputs::read(&dir.path().join("sharded-2"));
    assert_eq!(night2.clean.len(), 21);
    assert_eq!(night2.report["state"]["files_unchanged"], 119);
}

fn walk_files(root: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(root).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(walk_files(&path));
        } else {
            files.push(path);
        }
    }
    files
}

/// On a real Slurm cluster (`.ci/slurm-up` starts a one-node one; `.ci/run` sets
/// SCOUR_SLURM_TEST=1): the benchmark corpus as a 4-task job array gives the bytes of a
/// one-machine run, and a task that dies is recovered by running the command again.
#[test]
fn a_slurm_job_array_gives_one_machines_output_and_recovers_a_dead_task() {
    if std::env::var("SCOUR_SLURM_TEST").as_deref() != Ok("1") {
        eprintln!("skipped: set SCOUR_SLURM_TEST=1 with a Slurm cluster up (.ci/slurm-up)");
        return;
    }
    let dir = Dir::new();
    let generator = repo().join("../shared/bench/make_corpus.py");
    if generator.is_file() {
        let made = std::process::Command::new("python3")
            .arg(&generator)
            .arg(dir.path().join("corpus"))
            .args(["--articles", "50000"])
            .output()
            .unwrap();
        assert_success(&made);
    } else {
        // A checkout without ../shared beside it: a corpus of the same shape, made here.
        eprintln!("../shared/bench/make_corpus.py not found; using 20,000 generated stories");
        for n in 0..20_000 {
            let path = dir
                .path()
                .join(format!("corpus/site{:02}/{:03}/{n:05}.txt", n % 8, n % 97));
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, story(n % 18_000, "first")).unwrap();
        }
    }
    let single = dir
        .scour()
        .args([
            "run",
            "--input",
            "corpus",
            "--output",
            "single",
            "--no-progress",
        ])
        .output()
        .unwrap();
    assert_success(&single);

    let slurm = |crash: Option<&str>| {
        let mut command = dir.scour();
        command
            .args([
                "slurm", "run", "--input", "corpus", "--output", "sharded", "--shards", "4",
            ])
            .timeout(Duration::from_secs(600));
        if let Some(point) = crash {
            command.env("SCOUR_CRASH_AT", point);
        }
        command.output().unwrap()
    };
    let failed = slurm(Some("shard-2"));
    assert_eq!(failed.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&failed.stderr);
    assert!(
        stderr.contains("1 of 4 shard tasks failed: task 2"),
        "{stderr}"
    );
    assert!(!dir.path().join("sharded/report.json").exists());

    let rerun = slurm(None);
    assert_success(&rerun);
    let stderr = String::from_utf8_lossy(&rerun.stderr);
    assert!(
        stderr.contains("submitted shard tasks 2 as job array"),
        "{stderr}"
    );
    assert_eq!(
        directory_contents(&dir.path().join("sharded")),
        directory_contents(&dir.path().join("single"))
    );
}

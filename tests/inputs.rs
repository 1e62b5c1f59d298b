//! Encodings and rejects.

use super::*;

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
    // More than a handful of bad bytes (see the test below for a handful).
    let mut damaged = KOREAN.as_bytes().to_vec();
    for _ in 0..17 {
        damaged.insert(30, 0xff);
    }
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
    assert_eq!(first["date"], "2024-03-01T08:00:00Z");
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
        out.clean.iter().filter(|r| r["url"].is_null()).count() >= 4,
        "no url: the field is there, null (one schema for every record)"
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
pub(crate) fn warc_record(kind: &str, uri: &str, id: usize, block: &[u8]) -> Vec<u8> {
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

#[test]
fn warc_bodies_in_deflate_brotli_and_x_gzip_are_read_as_the_server_meant() {
    use std::io::Write;
    let page = "<html><body><article><p>Caf\u{e9} terraces reopened along the old port on \
                Thursday.</p></article></body></html>";
    let deflate = {
        let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(page.as_bytes()).unwrap();
        e.finish().unwrap()
    };
    let x_gzip = {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(page.as_bytes()).unwrap();
        e.finish().unwrap()
    };
    let brotli = {
        let mut out = Vec::new();
        let mut e = brotli::CompressorWriter::new(&mut out, 4096, 5, 22);
        e.write_all(page.as_bytes()).unwrap();
        drop(e);
        out
    };
    let mut warc = Vec::new();
    for (id, (encoding, body)) in [("deflate", deflate), ("x-gzip", x_gzip), ("br", brotli)]
        .into_iter()
        .enumerate()
    {
        let mut block = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n\
             Content-Encoding: {encoding}\r\n\r\n"
        )
        .into_bytes();
        block.extend_from_slice(&body);
        warc.extend(warc_record(
            "response",
            "https://n.example/cafe",
            id,
            &block,
        ));
    }
    dir_with_warc(&warc, |out| {
        assert_eq!(out.rejects.len(), 0, "{:?}", out.rejects);
        let kept_and_dropped = out.clean.len() + out.duplicates.len();
        assert_eq!(kept_and_dropped, 3);
        assert_eq!(
            out.clean("crawl.warc#1")["text"],
            "Caf\u{e9} terraces reopened along the old port on Thursday."
        );
        assert_eq!(out.duplicates.len(), 2, "the same page three times");
    });
}

fn dir_with_warc(warc: &[u8], check: impl FnOnce(&Outputs)) {
    let dir = Dir::new();
    dir.file("crawl.warc", warc);
    check(&dir.run("out", &[]));
}

/// Issue #12: an HTML page declared UTF-8 with a few stray bytes (in a script comment) was
/// rejected whole; it is kept, and the replaced bytes are counted in the record and the report,
/// as is a U+FFFD a text already held. A mostly invalid file is still a reject.
#[test]
fn utf8_with_a_handful_of_bad_bytes_is_kept_and_its_replaced_bytes_counted() {
    let dir = Dir::new();
    let body = "<p>Das Stadtparlament hat am Montag über den Haushalt beraten.</p>".repeat(20);
    let mut page = format!(
        "<!doctype html><html><head><meta charset=utf-8><title>Haushalt</title>\
         <script>// \u{1}</script></head><body><article>{body}</article></body></html>"
    )
    .into_bytes();
    let stray = page.iter().position(|&b| b == 1).unwrap();
    page.splice(stray..stray + 1, [0xFF, 0xFE, 0xFF]);
    dir.file("page.html", &page);
    dir.file(
        "already.txt",
        "Ein Text, der schon ein \u{FFFD} enthält, und weiter geht es.",
    );
    let mut mostly_bad = "Straße ".repeat(100).into_bytes();
    mostly_bad.extend(std::iter::repeat_n(0xFF, 40));
    dir.file("mostly-bad.txt", &mostly_bad);
    let out = dir.run("out", &[]);
    let replaced = |source: &str| {
        out.clean
            .iter()
            .find(|r| r["source"] == source)
            .unwrap_or_else(|| panic!("{source} not kept"))["replaced_bytes"]
            .as_u64()
            .unwrap()
    };
    assert_eq!(replaced("page.html"), 3);
    assert_eq!(replaced("already.txt"), 1);
    assert_eq!(out.rejects.len(), 1);
    assert_eq!(out.rejects[0]["source"], "mostly-bad.txt");
    assert_eq!(out.rejects[0]["reason"], "encoding");
    assert_eq!(out.report["cleaning"]["replaced_bytes"], 4);
}

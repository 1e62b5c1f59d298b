//! The output contract downstream tools load: one schema for every record, real dates.

use super::*;

/// Every record of a file has the same keys, and each key one JSON type (or null).
fn assert_one_shape(records: &[Value]) {
    let keys = |r: &Value| r.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    let first = keys(&records[0]);
    for record in records {
        assert_eq!(keys(record), first, "{record}");
        for (name, value) in record.as_object().unwrap() {
            let kind = |v: &Value| match v {
                Value::String(_) => "string",
                Value::Array(_) => "array",
                Value::Number(_) => "number",
                _ => "other",
            };
            if !value.is_null() {
                let others: BTreeSet<&str> = records
                    .iter()
                    .map(|r| &r[name])
                    .filter(|v| !v.is_null())
                    .map(kind)
                    .collect();
                assert_eq!(others.len(), 1, "{name}: {others:?}");
            }
        }
    }
}

#[test]
fn mixed_inputs_give_every_field_in_every_record_with_one_type() {
    let dir = Dir::new();
    dir.file("a.txt", "Plain text story with enough words to keep.");
    dir.file("b.txt", "Plain text story with enough words to keep.");
    dir.file(
        "p.html",
        "<html lang=\"ko\"><head><meta property=\"og:site_name\" content=\"Site\"></head><body>\
         <article><p>A page with a figure.</p><figure><img src=a.jpg><figcaption>A caption. \
         Yonhap</figcaption></figure></article></body></html>",
    );
    dir.file(
        "d.jsonl",
        "{\"url\":\"https://e.example/1\",\"text\":\"A dump record.\",\"published\":1730851200}\n\
         {\"text\":\"A dump record without a url.\"}\n",
    );
    dir.file("empty.txt", "");
    let out = dir.run("out", &[]);
    assert_one_shape(&out.clean);
    assert_one_shape(&out.rejects);
    assert_one_shape(&out.duplicates);
    for record in &out.clean {
        assert!(record["captions"].is_array(), "captions is always a list");
    }
    assert_eq!(out.duplicates[0]["similarity"], Value::Null);
    assert_eq!(out.clean("d.jsonl#1")["date"], "2024-11-06T00:00:00Z");
}

#[test]
fn dates_keep_their_offset_and_unreadable_ones_are_null_and_counted() {
    let dir = Dir::new();
    let page = |date: &str| {
        format!(
            "<html><head><meta property=\"article:published_time\" content=\"{date}\"></head>\
             <body><article><p>Story dated {date}.</p></article></body></html>"
        )
    };
    let cases = [
        (
            "offset.html",
            "2024-11-01T19:20:00+09:00",
            Some("2024-11-01T19:20:00+09:00"),
        ),
        (
            "utc.html",
            "2024-11-01T10:20:00Z",
            Some("2024-11-01T10:20:00Z"),
        ),
        (
            "rfc2822.html",
            "Wed, 06 Nov 2024 08:00:00 +0900",
            Some("2024-11-06T08:00:00+09:00"),
        ),
        (
            "named.html",
            "November 6, 2024",
            Some("2024-11-06T00:00:00"),
        ),
        ("junk.html", "2024-10-05T15:02:17junk", None),
        ("leap.html", "2016-12-31T23:59:60Z", None),
        ("impossible.html", "2023-02-29", None),
    ];
    for (name, date, _) in cases {
        dir.file(name, page(date));
    }
    let out = dir.run("out", &[]);
    for (name, _, expected) in cases {
        assert_eq!(out.clean(name)["date"].as_str(), expected, "{name}");
    }
    let unparsed = &out.report["unparsed_dates"];
    assert_eq!(unparsed["count"], 3);
    let examples: Vec<&str> = unparsed["examples"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e.as_str().unwrap())
        .collect();
    assert!(examples.contains(&"2016-12-31T23:59:60Z"), "{examples:?}");
}

#[test]
fn the_dataset_card_lists_every_part_and_is_the_same_for_any_thread_count() {
    let dir = Dir::new();
    for n in 0..7 {
        dir.file(
            &format!("{n}.txt"),
            format!("Story number {n} with a few words."),
        );
    }
    dir.config(
        "rotate.toml",
        "[output]\nmax_records_per_file = 3\ncompression = \"zstd\"\n",
    );
    let cards: Vec<String> = ["1", "2"]
        .iter()
        .map(|threads| {
            let out = format!("out-{threads}");
            let output = dir.run_raw(&out, &["--config", "rotate.toml", "-j", threads]);
            assert!(output.status.success(), "{output:?}");
            std::fs::read_to_string(dir.path().join(&out).join("README.md")).unwrap()
        })
        .collect();
    assert_eq!(
        cards[0], cards[1],
        "the card is byte-identical for any thread count"
    );
    let card = &cards[0];
    for part in [
        "clean-00000.jsonl.zst",
        "clean-00001.jsonl.zst",
        "clean-00002.jsonl.zst",
    ] {
        assert!(card.contains(&format!("    - \"{part}\"\n")), "{card}");
    }
    assert!(
        card.contains("- config_name: clean\n  default: true\n"),
        "{card}"
    );
    assert!(card.contains("  - name: date\n    dtype: timestamp[s, tz=UTC]\n"));
    assert!(card.contains("7 inputs seen: 7 kept"), "{card}");
    for field in scour::article::CLEAN_SCHEMA {
        assert!(
            card.contains(&format!("| `{}` |", field.name)),
            "{}",
            field.name
        );
    }
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    for field in scour::article::CLEAN_SCHEMA {
        assert!(
            readme.contains(&format!("| `{}` |", field.name)),
            "README's schema table lacks {}",
            field.name
        );
    }
}

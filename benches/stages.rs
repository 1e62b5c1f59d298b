//! Micro-benchmarks of the hot per-article steps, on the seed article: `cargo bench`.
//!
//! The whole-run benchmark that the speed targets are measured with is `benches/run.py`; these
//! say which step a change made faster or slower.

use divan::{Bencher, black_box};
use scour::article::{Article, CleanRecord, InputFormat};
use scour::config::plan::{Overrides, build};
use scour::config::{CaptionMode, RawCaptions};
use scour::stages::captions::{CaptionStage, CreditMatcher};
use scour::stages::markup::MarkupStage;
use scour::stages::{self, whitespace};

const SEED: &str = include_str!("../tests/fixtures/seed/000_1a6f9217ef71825c.txt");

fn main() {
    divan::main();
}

fn markup() -> MarkupStage {
    MarkupStage {
        strip_tags: true,
        decode_entities: true,
    }
}

/// The seed's body with stray tags and entities on every paragraph, as the corpus has.
fn tagged() -> String {
    SEED.replace(". ", ".<strong></strong> &quot;x&amp;quot; ")
}

#[divan::bench(bytes_count = SEED.len())]
fn strip_markup_seed(bencher: Bencher) {
    let stage = markup();
    bencher.bench(|| stage.clean(black_box(SEED), &mut Default::default()));
}

#[divan::bench]
fn strip_markup_tag_heavy(bencher: Bencher) {
    let stage = markup();
    let text = tagged();
    bencher
        .counter(divan::counter::BytesCount::of_str(&text))
        .bench(|| stage.clean(black_box(&text), &mut Default::default()));
}

#[divan::bench(bytes_count = SEED.len())]
fn normalize_whitespace(bencher: Bencher) {
    bencher.bench(|| whitespace::normalize(black_box(SEED)));
}

#[divan::bench(args = [CaptionMode::Collapse, CaptionMode::Extract])]
fn captions(bencher: Bencher, mode: CaptionMode) {
    let defaults = RawCaptions::default();
    let stage = CaptionStage {
        mode,
        credits: CreditMatcher::new(&defaults.credits).unwrap(),
        min_repeated_chars: defaults.min_repeated_chars,
    };
    let text = whitespace::normalize(SEED);
    bencher
        .counter(divan::counter::BytesCount::of_str(&text))
        .with_inputs(|| Article::new(InputFormat::Text, text.clone()))
        .bench_local_refs(|article| stage.apply(article));
}

#[divan::bench(bytes_count = SEED.len())]
fn sha256(bencher: Bencher) {
    bencher.bench(|| scour::dedup::hash_text(black_box(SEED)));
}

#[divan::bench(bytes_count = SEED.len())]
fn write_clean_record_json(bencher: Bencher) {
    let captions = vec!["A caption. Yonhap".to_string(); 3];
    let record = CleanRecord {
        id: "0123456789abcdef",
        source: "site/2024/10/000_1a6f9217ef71825c.txt",
        title: Some("US ready to sit down with North Korea anytime"),
        date: Some("2024-10-05T15:02:17"),
        text: SEED,
        captions: &captions,
        sha256: "1b465e2dcb4dad48bbe8d4e489e013690eab1fb05d77e3fe23795640a7efb78b",
        format: InputFormat::Text,
        encoding: "UTF-8",
        replaced_bytes: 0,
        url: None,
        author: None,
        language: None,
        site_name: None,
        crawl_date: None,
    };
    let mut line = Vec::with_capacity(16 * 1024);
    bencher.bench_local(|| {
        line.clear();
        record.write_json(&mut line);
        black_box(line.len())
    });
}

#[divan::bench(bytes_count = SEED.len())]
fn all_stages_on_the_seed(bencher: Bencher) {
    let dir = std::env::temp_dir();
    let plan = build(
        None,
        &Overrides {
            inputs: vec![dir],
            ..Overrides::default()
        },
    )
    .unwrap();
    bencher
        .with_inputs(|| Article::new(InputFormat::Text, SEED.to_string()))
        .bench_local_refs(|article| stages::run_all(&plan.stages, article));
}

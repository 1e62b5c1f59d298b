//! The per-file work of a worker: read the input, run the stages on each article, hash it.
//!
//! [`process`] is a pure function of one walk item and the plan, so it runs in parallel; it
//! never fails: whatever goes wrong with one file, a panic in a stage included (caught), becomes
//! a reject with a stable reason.

use std::cell::Cell;
use std::panic::{AssertUnwindSafe, catch_unwind};

use crate::article::{Article, RejectReason};
use crate::config::Plan;
use crate::dedup::near;
use crate::dedup::{self, ContentHash, boilerplate};
use crate::input::discover::Discovered;
use crate::input::{self, ContainerMeta, Item, Pending, Reject};
use crate::report::figures::{StepNanos, Stopwatch, timing_weight};
use crate::stages::markup::MarkupStage;
use crate::stages::{Stage, header};
use crate::state::FileStamp;

/// How one input ended, before dedup.
pub(crate) enum Outcome {
    Cleaned(Box<Cleaned>),
    Rejected(Reject),
    /// A file read in this run, for the nightly state's manifest.
    FileRead {
        source: String,
        stamp: FileStamp,
    },
    /// A file the state had read before, unchanged.
    Unchanged,
}

pub(crate) struct Cleaned {
    pub(crate) source: String,
    pub(crate) article: Article,
    /// SHA-256 of the text as written.
    pub(crate) sha256: ContentHash,
    /// SHA-256 of the text before site boilerplate was removed: what duplicates and ids are
    /// decided on, so that learning a site's boilerplate later does not change an article's
    /// identity. The same as `sha256` when nothing was removed.
    pub(crate) dedup_hash: ContentHash,
    /// The article's site, for boilerplate.
    pub(crate) site: String,
    /// Indices of the boilerplate lines removed, in the run's table.
    pub(crate) boilerplate_removed: Vec<u32>,
    /// MinHash of the text, when near-duplicates are looked for.
    pub(crate) signature: Option<near::Signature>,
    pub(crate) encoding: &'static str,
    pub(crate) bytes_in: u64,
}

thread_local! {
    /// Inputs this worker thread has processed, for their timing weights.
    static INPUTS: Cell<u64> = const { Cell::new(0) };
}

/// Reads, decodes, cleans and hashes one input — one outcome per article it holds (a JSON dump
/// holds many). Never fails: a problem is a reject. When the worker's sampling says so
/// ([`timing_weight`]), the input is timed step by step into `steps`.
pub(crate) fn process(plan: &Plan, found: Discovered, steps: &mut StepNanos) -> Vec<Outcome> {
    let weight = INPUTS.with(|n| {
        let seen = n.get();
        n.set(seen + 1);
        timing_weight(seen)
    });
    let timed = weight > 0;
    let mut outcomes = Vec::with_capacity(2);
    let remember = plan.state_path.is_some();
    let mut input = Stopwatch::start(weight);
    let mut cleaning = 0;
    let loaded = input::read(&plan.input, found, remember, timed, &mut |item| {
        outcomes.push(match item {
            Item::Article(pending) => {
                let mut watch = Stopwatch::start(weight);
                let outcome = clean(plan, *pending, steps, weight);
                watch.lap(&mut cleaning);
                outcome
            }
            Item::Rejected(reject) => Outcome::Rejected(reject),
            Item::FileRead { source, stamp } => Outcome::FileRead { source, stamp },
            Item::Unchanged => Outcome::Unchanged,
        });
    });
    // Decoding and parsing the format is what the input took besides reading and inflating.
    let mut total = 0;
    input.lap(&mut total);
    let (read, decompress) = (loaded.read * weight, loaded.decompress * weight);
    steps.input[0] += read;
    steps.input[1] += decompress;
    steps.input[2] += total.saturating_sub(cleaning + read + decompress);
    outcomes
}

/// Runs every stage, in order, timing each between two clock reads when `weight > 0`.
fn run_stages(stages: &[Stage], article: &mut Article, steps: &mut StepNanos, weight: u64) {
    let mut watch = Stopwatch::start(weight);
    for (index, stage) in stages.iter().enumerate() {
        stage.apply(article);
        watch.lap(&mut steps.stages[index.min(steps.stages.len() - 1)]);
    }
}

/// Runs the stages on one article and hashes it, or says why nothing is left.
fn clean(plan: &Plan, pending: Pending, steps: &mut StepNanos, weight: u64) -> Outcome {
    let Pending {
        source,
        mut article,
        encoding,
        bytes_in,
        container,
    } = pending;
    let reject = |source, reason, detail| {
        Outcome::Rejected(Reject {
            source,
            reason,
            detail,
            bytes_in,
        })
    };
    // Counted before the stages, which may drop the part that held them (a script comment).
    article.stats.replaced_bytes = replacement_chars(&article.text);
    let cleaned = catch_unwind(AssertUnwindSafe(|| {
        run_stages(&plan.stages, &mut article, steps, weight);
    }));
    if let Err(panic) = cleaned {
        let message = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        let detail =
            format!("scour failed while cleaning this file (a bug; please report): {message}");
        return reject(source, RejectReason::Internal, detail);
    }
    if article.text.is_empty() {
        let detail = if article.captions.is_empty() {
            "nothing is left after cleaning".to_string()
        } else {
            format!(
                "only photo captions ({}) remain, and captions.mode moved them out of the text",
                article.captions.len()
            )
        };
        return reject(source, RejectReason::NoText, detail);
    }
    let mut watch = Stopwatch::start(weight);
    let dedup_hash = dedup::hash_text(&article.text);
    let signature = plan
        .near
        .as_ref()
        .map(|near| near::signature(near, &article.text));
    watch.lap(&mut steps.late[1]);
    // Always: the report counts per site.
    let site = boilerplate::site_of(&source, article.url.as_deref());
    let mut sha256 = dedup_hash;
    let mut boilerplate_removed = Vec::new();
    if let Some(table) = plan.boilerplate_table.get() {
        watch.restart();
        if let Some((text, removed)) = table.remove(&site, &article.text) {
            if text.is_empty() {
                let detail = format!(
                    "only lines of the site's boilerplate ({}) remain",
                    removed.len()
                );
                return reject(source, RejectReason::NoText, detail);
            }
            article.text = text;
            sha256 = dedup::hash_text(&article.text);
            boilerplate_removed = removed;
        }
        watch.lap(&mut steps.late[0]);
    }
    if let Some(container) = container {
        apply_container_meta(plan, &mut article, container);
    }
    Outcome::Cleaned(Box::new(Cleaned {
        source,
        article,
        sha256,
        dedup_hash,
        site,
        boilerplate_removed,
        signature,
        encoding,
        bytes_in,
    }))
}

/// How many U+FFFD `text` holds.
fn replacement_chars(text: &str) -> u64 {
    const REPLACEMENT: &[u8] = "\u{FFFD}".as_bytes();
    memchr::memmem::find_iter(text.as_bytes(), REPLACEMENT).count() as u64
}

/// The container's own metadata wins over what the stages found in the text.
fn apply_container_meta(plan: &Plan, article: &mut Article, container: ContainerMeta) {
    if let Some(title) = container.title {
        // Titles from a field are cleaned as the configured markup stage cleans text.
        let markup = plan
            .stages
            .iter()
            .find_map(|stage| match stage {
                Stage::Markup(markup) => Some(markup.clone()),
                _ => None,
            })
            .unwrap_or(MarkupStage {
                strip_tags: false,
                decode_entities: false,
            });
        article.title = header::clean_title(&title, &markup, &mut article.stats);
    }
    if let Some(date) = container.date.as_deref() {
        // The container's field wins: what the text's header said no longer counts.
        article.unparsed_date = None;
        match crate::stages::date::normalize_field(date) {
            Some(date) => article.date = Some(date),
            None => article.unparsed_date = Some(date.to_string()),
        }
    }
    article.crawl_date = container
        .crawl_date
        .as_deref()
        .and_then(crate::stages::date::normalize);
    article.url = container.url;
}

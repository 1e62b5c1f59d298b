//! Whole HTML pages: parsed with a real HTML5 parser, reduced to the article's text.
//!
//! A saved page is not a text file with stray tags: most of it is navigation, headers, footers,
//! scripts and related-article lists, and its block structure (paragraphs, line breaks, figure
//! captions) is what the text should keep. So pages go through scraper (html5ever, the parser
//! Servo uses), which handles any malformed markup the way browsers do, and this stage walks the
//! tree once: it picks the content root (the largest `<article>`, else `<main>`, else `<body>`),
//! skips page chrome, and writes blocks separated by blank lines. The walk is iterative, so a
//! page nested 100,000 levels deep cannot overflow the stack.

use std::sync::LazyLock;

use ego_tree::iter::Edge;
use ego_tree::{NodeId, NodeRef};
use scraper::{ElementRef, Html, Node, Selector};

use crate::article::{Article, InputFormat};

mod content;
mod hidden;
mod inline;
mod lead;
mod opening;
mod parse;
mod prescan;
mod stats;
mod title;
use content::*;
use hidden::is_hidden;
use inline::{is_link_line, is_machine_timestamp, is_set_apart};
use lead::leads_before;
use opening::{headline_ancestors, openings_before};
use stats::*;

/// What a whole HTML page yields before the shared text stages run.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct HtmlDocument {
    pub title: Option<String>,
    /// The publication date exactly as the page states it; normalised by the caller.
    pub date: Option<String>,
    /// Article text: blocks separated by "\n\n", lines within a block (from `<br>`) by "\n".
    pub text: String,
    /// Text of every `<figcaption>`, in document order (also in `text`, each its own block).
    pub captions: Vec<String>,
    /// `meta[name=author]`, `article:author`, or an element marked `rel=author` / `itemprop=author`.
    pub author: Option<String>,
    /// The declared language: `<html lang>` or `og:locale`.
    pub language: Option<String>,
    /// `og:site_name`.
    pub site_name: Option<String>,
    /// `<link rel=canonical>` or `og:url`.
    pub url: Option<String>,
}

/// True when `text` is clearly a whole HTML document rather than a scraped text file with stray
/// tags: after white space, a BOM, an XML declaration and comments, it starts with
/// `<!doctype html` or `<html` (ASCII case-insensitive).
pub fn looks_like_html_document(text: &str) -> bool {
    let mut rest = text.trim_start_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
    loop {
        let bytes = rest.as_bytes();
        if starts_with_ignore_case(bytes, b"<!doctype html")
            || starts_with_ignore_case(bytes, b"<html")
        {
            return true;
        }
        let skipped = if bytes.starts_with(b"<?xml") {
            rest.find("?>").map(|end| end + 2)
        } else if bytes.starts_with(b"<!--") {
            rest.find("-->").map(|end| end + 3)
        } else {
            None
        };
        match skipped {
            Some(end) => rest = rest[end..].trim_start(),
            None => return false,
        }
    }
}

fn starts_with_ignore_case(bytes: &[u8], prefix: &[u8]) -> bool {
    bytes.len() >= prefix.len() && bytes[..prefix.len()].eq_ignore_ascii_case(prefix)
}

fn selector(css: &str) -> Selector {
    // The selectors are constants of this file; a typo is caught by the unit tests.
    Selector::parse(css).unwrap_or_else(|e| panic!("bad built-in selector {css}: {e}"))
}

static OG_TITLE: LazyLock<Selector> = LazyLock::new(|| selector(r#"meta[property="og:title"]"#));
static H1: LazyLock<Selector> = LazyLock::new(|| selector("h1"));
static TIME: LazyLock<Selector> = LazyLock::new(|| selector("time[datetime]"));
static AUTHOR_META: LazyLock<Selector> = LazyLock::new(|| {
    selector(r#"meta[name="author"], meta[property="article:author"], meta[name="byl"]"#)
});
static AUTHOR_ELEMENT: LazyLock<Selector> =
    LazyLock::new(|| selector(r#"[rel="author"], [itemprop="author"]"#));
static SITE_NAME: LazyLock<Selector> =
    LazyLock::new(|| selector(r#"meta[property="og:site_name"]"#));
static CANONICAL: LazyLock<Selector> = LazyLock::new(|| selector(r#"link[rel="canonical"]"#));
static OG_URL: LazyLock<Selector> = LazyLock::new(|| selector(r#"meta[property="og:url"]"#));
static OG_LOCALE: LazyLock<Selector> = LazyLock::new(|| selector(r#"meta[property="og:locale"]"#));
static DATE_META: LazyLock<Vec<Selector>> = LazyLock::new(|| {
    [
        r#"meta[property="article:published_time"]"#,
        r#"meta[property="og:published_time"]"#,
        r#"meta[name="pubdate"]"#,
        r#"meta[name="publishdate"]"#,
        r#"meta[name="date"]"#,
        r#"meta[itemprop="datePublished"]"#,
        r#"meta[name="DC.date.issued"]"#,
    ]
    .iter()
    .map(|css| selector(css))
    .collect()
});

/// Real pages nest a few dozen elements deep, a few hundred at worst. html5ever's tree building
/// is quadratic in depth (100,000 levels take seconds), so a page nested deeper than this, or
/// one whose tree would cost more than a budget per byte (see `prescan`), is not parsed as a
/// tree but has its tags stripped like a text file's: linear, and still text.
const MAX_NESTING: usize = 5_000;

/// Shorter than this, the extracted text is more likely a cookie notice than the article, and
/// extraction is retried with fewer exclusions.
const MIN_ARTICLE_CHARS: usize = 500;

/// An answer holding less than this share (in tenths) of the page's paragraph text is retried
/// too: the scoring was misled (a caption's class scored above the article's).
const MIN_ARTICLE_SHARE_TENTHS: usize = 4;

/// The content root without furniture replaces the chosen region when it holds this many times
/// (in tenths) more text (trafilatura's fallback comparison; 2 takes in teaser lists beside
/// short articles, 3 misses product and recipe pages whose description, ingredients and steps
/// are modules of their own, 4 guide pages of many modules). The openings before the region
/// are not counted in it.
const WHOLE_ROOT_RATIO_TENTHS: usize = 25;

/// Parses a whole page and extracts title, date, article text and figure captions.
pub fn extract(html: &str) -> HtmlDocument {
    if prescan::tree_is_too_costly(html, MAX_NESTING) {
        let markup = super::markup::MarkupStage {
            strip_tags: true,
            decode_entities: true,
        };
        let mut stats = crate::article::CleanStats::default();
        let text = markup
            .clean(html, &mut stats)
            .unwrap_or_else(|| html.to_string());
        return HtmlDocument {
            text,
            ..HtmlDocument::default()
        };
    }
    let page = parse::tree(&title::closed(html));
    let stats = gather_stats(&page);
    let roots = content_roots(&page, &stats, Scoring::ATTEMPTS[0]);

    let elements = &stats.elements;
    let meta_content = |s: &Selector| {
        elements
            .metas
            .iter()
            .filter(|m| s.matches(m))
            .filter_map(|m| m.value().attr("content"))
            .map(collapse_whitespace)
            .find(|c| !c.is_empty())
    };
    let non_empty = |h: &ElementRef<'_>| !collapse_whitespace(&element_text(*h)).is_empty();
    let first_h1 = roots
        .iter()
        .find_map(|root| root.select(&H1).find(non_empty))
        .or_else(|| elements.h1s.iter().copied().find(non_empty));
    let (title, title_h1) = match meta_content(&OG_TITLE) {
        Some(title) => (Some(title), None),
        None => match first_h1 {
            Some(h1) => (Some(collapse_whitespace(&element_text(h1))), Some(h1)),
            None => (
                elements
                    .titles
                    .iter()
                    .map(|t| collapse_whitespace(&element_text(*t)))
                    .find(|t| !t.is_empty()),
                None,
            ),
        },
    };
    // An <h1> equal to the title would repeat it as the first paragraph.
    let skip_h1 = first_h1.filter(|h1| {
        title_h1.is_some()
            || title.as_deref() == Some(collapse_whitespace(&element_text(*h1)).as_str())
    });

    let date = DATE_META.iter().find_map(meta_content).or_else(|| {
        elements
            .times
            .iter()
            .filter(|t| TIME.matches(t))
            .filter_map(|t| t.value().attr("datetime"))
            .map(|d| d.trim().to_string())
            .find(|d| !d.is_empty())
    });

    let skip_h1 = skip_h1.map(|h| h.id());
    let headlines = headline_ancestors(&stats);
    let write = |roots: &[ElementRef<'_>], stats: Option<&PageStats>| {
        let mut writer = BlockWriter::default();
        let leads = leads_before(roots);
        for lead in &leads {
            walk(*lead, skip_h1, stats, &mut writer);
        }
        // The openings are not counted when answers are compared: they come with any region
        // after the headline, and would tip the comparison towards the region they precede.
        if let Some(stats) = stats {
            let start = writer.out.len();
            for opening in openings_before(roots, stats, &headlines, &leads) {
                walk(opening, skip_h1, Some(stats), &mut writer);
            }
            writer.opening_chars = writer.out[start..].chars().count();
        }
        for root in roots {
            walk(*root, skip_h1, stats, &mut writer);
        }
        writer
    };
    let mut writer = write(&roots, Some(&stats));
    // A short answer is more likely a cookie notice than the article: retry without stripping
    // furniture-classed containers (themes put `sidebar` in the wrapper's classes). An answer
    // holding a small share of the page's paragraph text (not counting furniture) was misled by
    // class names (a caption's `text` class above the body's `field-label-hidden`): retry
    // without class weights. The longest answer is kept.
    let page_chars = page_paragraph_chars(&stats);
    let mut best_chars = writer.counted_chars();
    let mut attempts = Vec::new();
    if best_chars < MIN_ARTICLE_CHARS {
        attempts.push(Scoring::ATTEMPTS[1]);
    }
    if best_chars * 10 < page_chars * MIN_ARTICLE_SHARE_TENTHS {
        attempts.push(Scoring::ATTEMPTS[2]);
    }
    for scoring in attempts {
        let retry = write(&content_roots(&page, &stats, scoring), Some(&stats));
        let retry_chars = retry.counted_chars();
        if retry_chars > best_chars {
            best_chars = retry_chars;
            writer = retry;
        }
    }
    // The chosen region can be a small part of the page's readable text: a page of many
    // modules (a product page, a guide in sections), a bio box or disclosure scoring above the
    // article. As trafilatura compares its answer with a fallback extractor's and keeps the
    // better, the whole content root without furniture is the answer when it holds several
    // times more text.
    let root = content_root(&page, &stats);
    let root_chars = stats.chars(root.id());
    if best_chars * WHOLE_ROOT_RATIO_TENTHS < root_chars * 10 {
        let whole = write(&[root], Some(&stats));
        if best_chars * WHOLE_ROOT_RATIO_TENTHS < whole.counted_chars() * 10 {
            writer = whole;
        }
    }
    if writer.out.is_empty() {
        // The scoring found nothing readable: keep the whole page's text rather than none.
        writer = write(&[root], None);
    }
    // An author is a name or a list of names, never a URL (`https://www.facebook.com/CNBC`).
    let is_url = |a: &str| {
        let lower = a.to_ascii_lowercase();
        lower.starts_with("http://") || lower.starts_with("https://") || lower.starts_with("www.")
    };
    let author = elements
        .metas
        .iter()
        .filter(|m| AUTHOR_META.matches(m))
        .filter_map(|m| m.value().attr("content"))
        .map(collapse_whitespace)
        .find(|a| !a.is_empty() && !is_url(a))
        .or_else(|| {
            elements
                .marked
                .iter()
                .filter(|a| AUTHOR_ELEMENT.matches(a))
                .map(|a| collapse_whitespace(&element_text(*a)))
                .find(|a| !a.is_empty() && a.chars().count() <= 100 && !is_url(a))
        });
    let language = page
        .root_element()
        .value()
        .attr("lang")
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .or_else(|| meta_content(&OG_LOCALE));
    let url = elements
        .links
        .iter()
        .filter(|l| CANONICAL.matches(l))
        .filter_map(|l| l.value().attr("href"))
        .map(|h| h.trim().to_string())
        .find(|h| !h.is_empty())
        .or_else(|| meta_content(&OG_URL));
    let (text, captions) = writer.into_text_and_captions();
    HtmlDocument {
        title,
        date,
        text,
        captions,
        author,
        language,
        site_name: meta_content(&SITE_NAME),
        url,
    }
}

fn element_text(element: ElementRef<'_>) -> String {
    element.text().collect()
}

/// Runs of white space (no-break spaces included) become one space; ends are trimmed.
fn collapse_whitespace(text: &str) -> String {
    text.split(|c: char| c.is_whitespace())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// How an element affects the text around it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// Page chrome and non-text elements: skipped with everything inside.
    Skip,
    /// Paragraph-like: a blank line before and after.
    Block,
    /// `<br>`, table rows: a line break.
    Line,
    /// Table cells: a space.
    Cell,
    /// Everything else: adds nothing, so `a<b>b</b>c` stays `abc`.
    Inline,
}

fn role(name: &str) -> Role {
    match name {
        "head" | "nav" | "header" | "footer" | "aside" | "script" | "style" | "noscript"
        | "template" | "iframe" | "svg" | "button" | "select" | "textarea" | "object" | "embed"
        | "canvas" | "dialog" | "math" | "video" | "audio" | "map" => Role::Skip,
        "p" | "div" | "section" | "article" | "main" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6"
        | "li" | "ul" | "ol" | "dl" | "dt" | "dd" | "blockquote" | "pre" | "table" | "figure"
        | "figcaption" | "hr" | "address" | "details" | "summary" | "center" | "caption"
        | "fieldset" | "legend" | "hgroup" | "menu" | "body" | "html" | "form" => Role::Block,
        "br" | "tr" => Role::Line,
        "td" | "th" => Role::Cell,
        _ => Role::Inline,
    }
}

/// A `<figcaption>`, or a short element classed as a caption (`image-caption`,
/// `wp-caption-text`, `legend`, French `legende`) outside a caption already: its text is a
/// photo caption.
fn is_caption_element(
    element: &scraper::node::Element,
    stats: Option<&PageStats>,
    id: NodeId,
) -> bool {
    if element.name() == "figcaption" {
        return true;
    }
    !matches!(element.name(), "body" | "html" | "main" | "article")
        && stats
            .and_then(|s| s.get(&id))
            .is_some_and(|s| s.classes.caption && s.chars <= MAX_CAPTION_CHARS)
}

/// Longer than this, an element classed as a caption holds more than a caption.
pub(super) const MAX_CAPTION_CHARS: usize = 400;

/// Blocks that are mostly links (menus, related-article lists) are not article text.
fn is_link_block(name: &str, stats: Option<&TextStats>) -> bool {
    matches!(name, "div" | "ul" | "ol" | "section" | "table" | "dl")
        && stats.is_some_and(|s| s.link_density() > 0.5)
}

/// Walks `root` once, iteratively, writing its text.
/// `stats` enables dropping page furniture (unlikely classes, link blocks) below `root`.
fn walk(
    root: ElementRef<'_>,
    skip: Option<NodeId>,
    stats: Option<&PageStats>,
    writer: &mut BlockWriter,
) {
    let mut skipping: Option<ego_tree::NodeId> = None;
    let mut pre_depth = 0usize;
    // The outermost caption element being written: captions inside it are part of it.
    let mut caption_root: Option<NodeId> = None;
    let mut parents = rustc_hash::FxHashMap::default();
    for edge in NodeRef::traverse(&root) {
        match edge {
            Edge::Open(node) => {
                if skipping.is_some() {
                    continue;
                }
                match node.value() {
                    Node::Text(text) => writer.text(text, pre_depth > 0),
                    Node::Element(element) => {
                        let name = element.name();
                        let role = role(name);
                        let furniture = node.id() != root.id()
                            && stats.is_some_and(|stats| {
                                ElementRef::wrap(node).is_some_and(|e| is_unlikely(e, stats))
                                    || is_link_block(name, stats.get(&node.id()))
                                    || is_link_line(node, stats.get(&node.id()))
                            });
                        if role == Role::Skip
                            || is_hidden(element)
                            || furniture
                            || Some(node.id()) == skip
                            || is_machine_timestamp(node)
                        {
                            skipping = Some(node.id());
                            continue;
                        }
                        if name == "pre" {
                            pre_depth += 1;
                        }
                        if caption_root.is_none() && is_caption_element(element, stats, node.id()) {
                            caption_root = Some(node.id());
                            writer.start_caption(name != "figcaption");
                        }
                        if role == Role::Inline && is_set_apart(node, &mut parents) {
                            writer.open_or_close(Role::Cell);
                        }
                        writer.open_or_close(role);
                    }
                    _ => {}
                }
            }
            Edge::Close(node) => {
                if let Some(skipped) = skipping {
                    if skipped == node.id() {
                        skipping = None;
                    }
                    continue;
                }
                if let Node::Element(element) = node.value() {
                    let name = element.name();
                    if name == "pre" {
                        pre_depth = pre_depth.saturating_sub(1);
                    }
                    if caption_root == Some(node.id()) {
                        caption_root = None;
                        writer.end_caption();
                    }
                    // `<br>` is a void element: its one line break came when it opened.
                    if name != "br" {
                        writer.open_or_close(role(name));
                    }
                }
            }
        }
    }
}

/// What separates the next word from the text before it; the strongest pending one wins.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Separator {
    #[default]
    None,
    Space,
    Line,
    Block,
}

/// Builds the text word by word, writing separators only when a word follows, so that nothing
/// trails and nothing is doubled.
#[derive(Debug, Default)]
struct BlockWriter {
    out: String,
    pending: Separator,
    captions: Vec<String>,
    /// Where the figcaption being written starts in `out`, once its first word is out.
    caption_start: Option<usize>,
    in_caption: bool,
    /// Whether the caption being written is an element classed as a caption (not a
    /// `<figcaption>`).
    caption_by_class: bool,
    /// For each of `captions`, whether it came from an element classed as a caption.
    captions_by_class: Vec<bool>,
    /// Characters of the opening paragraphs written before the region.
    opening_chars: usize,
}

impl BlockWriter {
    /// The captions, without those found by class name when they are half the text or more:
    /// on a gallery page the captions are the article. When the figure captions are three
    /// quarters of the text or more (a slide show whose every slide is a `<figcaption>`), none
    /// are captions: the caption stage still moves the credit lines out by their patterns.
    fn into_text_and_captions(self) -> (String, Vec<String>) {
        let caption_chars: usize = self.captions.iter().map(|c| c.len()).sum();
        if caption_chars * 2 < self.out.len() {
            return (self.out, self.captions);
        }
        let captions: Vec<String> = self
            .captions
            .into_iter()
            .zip(self.captions_by_class)
            .filter(|(_, by_class)| !by_class)
            .map(|(caption, _)| caption)
            .collect();
        let figure_chars: usize = captions.iter().map(|c| c.len()).sum();
        if self.out.len().saturating_sub(figure_chars) * 4 < self.out.len() {
            return (self.out, Vec::new());
        }
        (self.out, captions)
    }
}

impl BlockWriter {
    /// The characters of the text without the openings before the region: what answers are
    /// compared by.
    fn counted_chars(&self) -> usize {
        self.out.chars().count().saturating_sub(self.opening_chars)
    }

    fn open_or_close(&mut self, role: Role) {
        let separator = match role {
            Role::Block => Separator::Block,
            Role::Line => Separator::Line,
            Role::Cell => Separator::Space,
            Role::Inline | Role::Skip => return,
        };
        self.pending = self.pending.max(separator);
    }

    fn text(&mut self, text: &str, preformatted: bool) {
        if preformatted {
            for (i, line) in text.split('\n').enumerate() {
                if i > 0 {
                    self.pending = self.pending.max(Separator::Line);
                }
                self.words(line);
            }
        } else {
            self.words(text);
        }
    }

    fn words(&mut self, text: &str) {
        // Any white space, before, between or after words, is at least a space. Words with one
        // ASCII space between them are written as one run, as they would come out the same.
        let bytes = text.as_bytes();
        let mut at = 0;
        while at < bytes.len() {
            let mut spaced = false;
            while let Some(len) = crate::swar::white_space_len(&bytes[at..]) {
                at += len;
                spaced = true;
            }
            if spaced {
                self.pending = self.pending.max(Separator::Space);
            }
            if at == bytes.len() {
                break;
            }
            let end = crate::swar::next_word_break(bytes, at);
            self.word(&text[at..end]);
            at = end;
        }
    }

    fn word(&mut self, word: &str) {
        if !self.out.is_empty() {
            match self.pending {
                Separator::None => {}
                Separator::Space => self.out.push(' '),
                Separator::Line => self.out.push('\n'),
                Separator::Block => self.out.push_str("\n\n"),
            }
        }
        self.pending = Separator::None;
        if self.in_caption && self.caption_start.is_none() {
            self.caption_start = Some(self.out.len());
        }
        self.out.push_str(word);
    }

    fn start_caption(&mut self, by_class: bool) {
        self.in_caption = true;
        self.caption_by_class = by_class;
        self.caption_start = None;
    }

    fn end_caption(&mut self) {
        if let Some(start) = self.caption_start.take() {
            // A caption sentence and its credit in separate elements are separate lines of the
            // text: each is a caption, so both leave the text in extract mode.
            for line in self.out[start..].split('\n') {
                let caption = collapse_whitespace(line);
                if !caption.is_empty() {
                    self.captions.push(caption);
                    self.captions_by_class.push(self.caption_by_class);
                }
            }
        }
        self.in_caption = false;
    }
}

/// Configuration of the HTML stage. It has no settings yet; article extraction settings will
/// live here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HtmlStage;

impl HtmlStage {
    pub fn applies_to(&self, format: InputFormat) -> bool {
        format == InputFormat::Html
    }

    pub fn apply(&self, article: &mut Article) {
        let page = extract(&article.text);
        article.title = page.title.filter(|t| !t.is_empty());
        if let Some(date) = page.date.as_deref() {
            super::date::set(article, date);
        }
        article.text = page.text;
        article.known_captions = page.captions;
        article.author = page.author;
        article.language = page.language;
        article.site_name = page.site_name;
        article.url = article.url.take().or(page.url);
    }
}

#[cfg(test)]
mod region_tests;
#[cfg(test)]
mod tests;

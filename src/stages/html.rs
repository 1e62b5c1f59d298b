//! Whole HTML pages: parsed with a real HTML5 parser, reduced to the article's text.
//!
//! A saved page is not a text file with stray tags: most of it is navigation, headers, footers,
//! scripts and related-article lists, and its block structure (paragraphs, line breaks, figure
//! captions) is what the text should keep. So pages go through scraper (html5ever, the parser
//! Servo uses), which handles any malformed markup the way browsers do, and this stage walks the
//! tree once: it picks the content root (the largest `<article>`, else `<main>`, else `<body>`),
//! skips page chrome, and writes blocks separated by blank lines. The walk is iterative, so a
//! page nested 100,000 levels deep cannot overflow the stack.

use std::collections::HashMap;
use std::sync::LazyLock;

use ego_tree::iter::Edge;
use ego_tree::{NodeId, NodeRef};
use scraper::{ElementRef, Html, Node, Selector};

use crate::article::{Article, InputFormat};

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
static TITLE: LazyLock<Selector> = LazyLock::new(|| selector("title"));
static H1: LazyLock<Selector> = LazyLock::new(|| selector("h1"));
static ARTICLE: LazyLock<Selector> = LazyLock::new(|| selector("article"));
static MAIN: LazyLock<Selector> = LazyLock::new(|| selector("main"));
static BODY: LazyLock<Selector> = LazyLock::new(|| selector("body"));
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
/// is quadratic in depth (100,000 levels take seconds), so a page nested deeper than this is
/// not parsed as a tree but has its tags stripped like a text file's: linear, and still text.
const MAX_NESTING: usize = 5_000;

/// Shorter than this, the extracted text is more likely a cookie notice than the article, and
/// extraction is retried with fewer exclusions.
const MIN_ARTICLE_CHARS: usize = 500;

/// Parses a whole page and extracts title, date, article text and figure captions.
pub fn extract(html: &str) -> HtmlDocument {
    if nesting_exceeds(html, MAX_NESTING) {
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
    let page = Html::parse_document(html);
    let stats = gather_stats(&page);
    let roots = content_roots(&page, &stats, true);

    let meta_content = |s: &Selector| {
        page.select(s)
            .filter_map(|m| m.value().attr("content"))
            .map(collapse_whitespace)
            .find(|c| !c.is_empty())
    };
    let non_empty = |h: &ElementRef<'_>| !collapse_whitespace(&element_text(*h)).is_empty();
    let first_h1 = roots
        .iter()
        .find_map(|root| root.select(&H1).find(non_empty))
        .or_else(|| page.select(&H1).find(non_empty));
    let (title, title_h1) = match meta_content(&OG_TITLE) {
        Some(title) => (Some(title), None),
        None => match first_h1 {
            Some(h1) => (Some(collapse_whitespace(&element_text(h1))), Some(h1)),
            None => (
                page.select(&TITLE)
                    .map(|t| collapse_whitespace(&element_text(t)))
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
        page.select(&TIME)
            .filter_map(|t| t.value().attr("datetime"))
            .map(|d| d.trim().to_string())
            .find(|d| !d.is_empty())
    });

    let skip_h1 = skip_h1.map(|h| h.id());
    let write = |roots: &[ElementRef<'_>], stats: Option<&HashMap<NodeId, TextStats>>| {
        let mut writer = BlockWriter::default();
        for root in roots {
            walk(*root, skip_h1, stats, &mut writer);
        }
        writer
    };
    let mut writer = write(&roots, Some(&stats));
    if writer.out.chars().count() < MIN_ARTICLE_CHARS {
        let retry = write(&content_roots(&page, &stats, false), Some(&stats));
        if retry.out.len() > writer.out.len() {
            writer = retry;
        }
    }
    if writer.out.is_empty() {
        // The scoring found nothing readable: keep the whole page's text rather than none.
        writer = write(&[content_root(&page)], None);
    }
    let author = meta_content(&AUTHOR_META).or_else(|| {
        page.select(&AUTHOR_ELEMENT)
            .map(|a| collapse_whitespace(&element_text(a)))
            .find(|a| !a.is_empty() && a.chars().count() <= 100)
    });
    let language = page
        .root_element()
        .value()
        .attr("lang")
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .or_else(|| meta_content(&OG_LOCALE));
    let url = page
        .select(&CANONICAL)
        .filter_map(|l| l.value().attr("href"))
        .map(|h| h.trim().to_string())
        .find(|h| !h.is_empty())
        .or_else(|| meta_content(&OG_URL));
    HtmlDocument {
        title,
        date,
        text: writer.out,
        captions: writer.captions,
        author,
        language,
        site_name: meta_content(&SITE_NAME),
        url,
    }
}

/// Whether elements nest deeper than `limit`, estimated in one pass over the tags. Void
/// elements and those HTML closes implicitly (`<p>`, `<li>`, table cells …) are not counted, so
/// sloppy but ordinary markup never looks deep.
fn nesting_exceeds(html: &str, limit: usize) -> bool {
    let bytes = html.as_bytes();
    let mut depth = 0usize;
    for at in memchr::memchr_iter(b'<', bytes) {
        match bytes.get(at + 1) {
            Some(b'/') => depth = depth.saturating_sub(1),
            Some(b) if b.is_ascii_alphabetic() => {
                let name_len = bytes[at + 1..]
                    .iter()
                    .take(12)
                    .take_while(|b| b.is_ascii_alphanumeric())
                    .count();
                let name = bytes[at + 1..at + 1 + name_len].to_ascii_lowercase();
                let counted = !matches!(
                    name.as_slice(),
                    b"area"
                        | b"base"
                        | b"br"
                        | b"col"
                        | b"embed"
                        | b"hr"
                        | b"img"
                        | b"input"
                        | b"link"
                        | b"meta"
                        | b"source"
                        | b"track"
                        | b"wbr"
                        | b"p"
                        | b"li"
                        | b"dt"
                        | b"dd"
                        | b"option"
                        | b"tr"
                        | b"td"
                        | b"th"
                );
                if counted {
                    depth += 1;
                    if depth > limit {
                        return true;
                    }
                }
            }
            _ => {}
        }
    }
    false
}

/// The largest `<article>`, else `<main>`, else `<body>`, else the whole document: the fallback
/// when no paragraph scores.
fn content_root(page: &Html) -> ElementRef<'_> {
    page.select(&ARTICLE)
        .max_by_key(|a| a.text().map(str::len).sum::<usize>())
        .or_else(|| page.select(&MAIN).next())
        .or_else(|| page.select(&BODY).next())
        .unwrap_or_else(|| page.root_element())
}

/// Class and id words of page furniture (after Mozilla Readability's lists).
static UNLIKELY: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(
        r"(?i)-ad-|ai2html|banner|breadcrumb|combx|comment|community|cover-wrap|disqus|extra|footer|gdpr|header|legends|menu|related|remark|replies|rss|shoutbox|sidebar|skyscraper|social|sponsor|supplemental|ad-break|agegate|pagination|pager|popup|share|sharing|newsletter|subscribe|promo|cookie|outbrain|taboola|recommend|most-read|trending|overlay|lightbox|modal",
    )
    .unwrap_or_else(|e| panic!("built-in pattern: {e}"))
});
/// Words that keep an element despite an unlikely word (`article-header-and-body`).
static MAYBE: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(r"(?i)and|article|body|column|content|main|shadow")
        .unwrap_or_else(|e| panic!("built-in pattern: {e}"))
});
static POSITIVE: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(
        r"(?i)article|body|content|entry|hentry|h-entry|main|page|post|text|blog|story",
    )
    .unwrap_or_else(|e| panic!("built-in pattern: {e}"))
});
static NEGATIVE: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(
        r"(?i)-ad-|hidden|banner|combx|comment|com-|contact|foot|footnote|gdpr|masthead|media|meta|outbrain|promo|related|scroll|share|shoutbox|sidebar|skyscraper|sponsor|shopping|tags|tool|widget",
    )
    .unwrap_or_else(|e| panic!("built-in pattern: {e}"))
});

fn class_and_id(element: &scraper::node::Element) -> String {
    let mut words = String::new();
    for value in [element.attr("class"), element.attr("id")]
        .into_iter()
        .flatten()
    {
        words.push_str(value);
        words.push(' ');
    }
    words
}

/// Page furniture by its class or id: comment threads, share bars, related lists.
/// Page-level containers are never furniture, whatever their classes say (`body.has-sidebar`).
fn is_unlikely(element: &scraper::node::Element) -> bool {
    if matches!(element.name(), "html" | "body" | "main" | "article") {
        return false;
    }
    let words = class_and_id(element);
    !words.is_empty() && UNLIKELY.is_match(&words) && !MAYBE.is_match(&words)
}

/// Characters of text directly inside `element` (not in child elements): a `<div>` that holds
/// text itself is a paragraph too.
fn own_text_chars(element: ElementRef<'_>) -> usize {
    element
        .children()
        .filter_map(|child| child.value().as_text().map(|t| t.trim().chars().count()))
        .sum()
}

/// Text and link text of every element, gathered in one pass (chrome and hidden parts excluded).
#[derive(Debug, Default, Clone, Copy)]
struct TextStats {
    chars: usize,
    link_chars: usize,
}

impl TextStats {
    fn link_density(self) -> f64 {
        if self.chars == 0 {
            0.0
        } else {
            self.link_chars as f64 / self.chars as f64
        }
    }
}

fn gather_stats(page: &Html) -> HashMap<NodeId, TextStats> {
    let mut stats = HashMap::new();
    let mut stack: Vec<(NodeId, TextStats, bool)> = Vec::new();
    let mut skipping: Option<NodeId> = None;
    for edge in page.tree.root().traverse() {
        match edge {
            Edge::Open(node) => {
                if skipping.is_some() {
                    continue;
                }
                match node.value() {
                    Node::Element(element) => {
                        if role(element.name()) == Role::Skip || is_hidden(element) {
                            skipping = Some(node.id());
                            continue;
                        }
                        let in_link =
                            element.name() == "a" || stack.last().is_some_and(|frame| frame.2);
                        stack.push((node.id(), TextStats::default(), in_link));
                    }
                    Node::Text(text) => {
                        if let Some(frame) = stack.last_mut() {
                            let chars = text.trim().chars().count();
                            frame.1.chars += chars;
                            if frame.2 {
                                frame.1.link_chars += chars;
                            }
                        }
                    }
                    _ => {}
                }
            }
            Edge::Close(node) => {
                if skipping == Some(node.id()) {
                    skipping = None;
                    continue;
                }
                if skipping.is_some() || !node.value().is_element() {
                    continue;
                }
                if let Some((id, own, _)) = stack.pop() {
                    stats.insert(id, own);
                    if let Some(parent) = stack.last_mut() {
                        parent.1.chars += own.chars;
                        parent.1.link_chars += own.link_chars;
                    }
                }
            }
        }
    }
    stats
}

/// The elements that hold the article, in document order: the best-scoring container
/// (paragraphs score their parent fully, their grandparent half and the next a third, more for
/// longer text and more commas, as Readability does) with its siblings that score nearly as
/// well. Falls back to [`content_root`] when nothing scores.
///
/// With `strip_unlikely`, paragraphs inside furniture-classed containers do not score; themes
/// that put `header` or `sidebar` in the classes of the wrapper around everything defeat that,
/// so [`extract`] retries without it when the first answer is short, as Readability does.
fn content_roots<'p>(
    page: &'p Html,
    stats: &HashMap<NodeId, TextStats>,
    strip_unlikely: bool,
) -> Vec<ElementRef<'p>> {
    static PARAGRAPHS: LazyLock<Selector> =
        LazyLock::new(|| selector("p, pre, td, blockquote, div"));
    static ARTICLE_BODY: LazyLock<Selector> =
        LazyLock::new(|| selector(r#"[itemprop="articleBody"]"#));
    // A page that marks its article body says where it is.
    if let Some(body) = page
        .select(&ARTICLE_BODY)
        .find(|b| stats.get(&b.id()).is_some_and(|s| s.chars >= 200))
    {
        return vec![body];
    }
    let mut order: Vec<NodeId> = Vec::new();
    let mut scores: HashMap<NodeId, f64> = HashMap::new();
    for paragraph in page.select(&PARAGRAPHS) {
        let chars = if paragraph.value().name() == "div" {
            own_text_chars(paragraph)
        } else {
            stats.get(&paragraph.id()).map_or(0, |s| s.chars)
        };
        if chars < 25
            || paragraph.ancestors().filter_map(ElementRef::wrap).any(|a| {
                (strip_unlikely && is_unlikely(a.value())) || role(a.value().name()) == Role::Skip
            })
        {
            continue;
        }
        let commas = paragraph
            .text()
            .map(|t| t.matches([',', '\u{3001}', '\u{ff0c}']).count())
            .sum::<usize>();
        let score = 1.0 + commas as f64 + (chars as f64 / 100.0).min(3.0);
        for (level, ancestor) in paragraph
            .ancestors()
            .filter_map(ElementRef::wrap)
            .take(3)
            .enumerate()
        {
            let entry = scores.entry(ancestor.id()).or_insert_with(|| {
                order.push(ancestor.id());
                class_weight(ancestor.value())
            });
            *entry += score / (level as f64 + 1.0);
        }
    }
    let final_score = |id: &NodeId| {
        let density = stats.get(id).map_or(0.0, |s| s.link_density());
        scores.get(id).copied().unwrap_or(0.0) * (1.0 - density)
    };
    // Ties go to the first in document order, so the choice never depends on hashing.
    let mut best: Option<(NodeId, f64)> = None;
    for id in &order {
        let score = final_score(id);
        if best.is_none_or(|(_, top)| score > top) {
            best = Some((*id, score));
        }
    }
    let Some((top_id, top_score)) = best else {
        return vec![content_root(page)];
    };
    let Some(top) = page.tree.get(top_id).and_then(ElementRef::wrap) else {
        return vec![content_root(page)];
    };
    let Some(parent) = top.parent().and_then(ElementRef::wrap) else {
        return vec![top];
    };
    let threshold = (top_score * 0.2).max(10.0);
    parent
        .children()
        .filter_map(ElementRef::wrap)
        .filter(|sibling| {
            if sibling.id() == top_id {
                return true;
            }
            if scores.contains_key(&sibling.id()) && final_score(&sibling.id()) >= threshold {
                return true;
            }
            // A plain paragraph beside the article body is part of it.
            let s = stats.get(&sibling.id()).copied().unwrap_or_default();
            sibling.value().name() == "p" && s.chars > 80 && s.link_density() < 0.25
        })
        .collect()
}

fn class_weight(element: &scraper::node::Element) -> f64 {
    let words = class_and_id(element);
    let mut weight = 0.0;
    if NEGATIVE.is_match(&words) {
        weight -= 25.0;
    }
    if POSITIVE.is_match(&words) {
        weight += 25.0;
    }
    weight
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

fn is_hidden(element: &scraper::node::Element) -> bool {
    element.attr("hidden").is_some()
        || element
            .attr("aria-hidden")
            .is_some_and(|v| v.eq_ignore_ascii_case("true"))
        || element.attr("style").is_some_and(|s| {
            let style: String = s.chars().filter(|c| !c.is_whitespace()).collect();
            style.to_ascii_lowercase().contains("display:none")
        })
}

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
    stats: Option<&HashMap<NodeId, TextStats>>,
    writer: &mut BlockWriter,
) {
    let mut skipping: Option<ego_tree::NodeId> = None;
    let mut pre_depth = 0usize;
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
                                is_unlikely(element) || is_link_block(name, stats.get(&node.id()))
                            });
                        if role == Role::Skip
                            || is_hidden(element)
                            || furniture
                            || Some(node.id()) == skip
                        {
                            skipping = Some(node.id());
                            continue;
                        }
                        if name == "pre" {
                            pre_depth += 1;
                        }
                        if name == "figcaption" {
                            writer.start_caption();
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
                    if name == "figcaption" {
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
}

impl BlockWriter {
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
        if text.starts_with(char::is_whitespace) {
            self.pending = self.pending.max(Separator::Space);
        }
        let mut words = text
            .split(char::is_whitespace)
            .filter(|w| !w.is_empty())
            .peekable();
        while let Some(word) = words.next() {
            self.word(word);
            if words.peek().is_some() {
                self.pending = Separator::Space;
            }
        }
        if text.ends_with(char::is_whitespace) && !text.trim().is_empty() {
            self.pending = self.pending.max(Separator::Space);
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

    fn start_caption(&mut self) {
        self.in_caption = true;
        self.caption_start = None;
    }

    fn end_caption(&mut self) {
        if let Some(start) = self.caption_start.take() {
            let caption = collapse_whitespace(&self.out[start..]);
            if !caption.is_empty() {
                self.captions.push(caption);
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
        article.date = page.date.as_deref().and_then(super::header::normalize_date);
        article.text = page.text;
        article.known_captions = page.captions;
        article.author = page.author;
        article.language = page.language;
        article.site_name = page.site_name;
        article.url = article.url.take().or(page.url);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(body: &str) -> String {
        format!(
            "<!DOCTYPE html><html><head><title>Site title</title></head><body>{body}</body></html>"
        )
    }

    #[test]
    fn built_in_selectors_parse() {
        for s in [&*OG_TITLE, &*TITLE, &*H1, &*ARTICLE, &*MAIN, &*BODY, &*TIME] {
            let _ = s;
        }
        assert_eq!(DATE_META.len(), 7);
    }

    #[test]
    fn title_prefers_og_title_then_h1_then_title() {
        let og = "<html><head><title>T</title><meta property=\"og:title\" content=\" OG  title \"></head><body><h1>H</h1><p>x</p></body></html>";
        assert_eq!(extract(og).title.as_deref(), Some("OG title"));
        let h1 = extract(&page("<h1>Head line</h1><p>Body.</p>"));
        assert_eq!(h1.title.as_deref(), Some("Head line"));
        assert_eq!(
            h1.text, "Body.",
            "the title's h1 is not repeated in the text"
        );
        assert_eq!(
            extract(&page("<p>Body.</p>")).title.as_deref(),
            Some("Site title")
        );
    }

    #[test]
    fn metadata_author_language_site_and_url() {
        let html = "<html lang=\"ko\"><head><meta name=\"author\" content=\" Kang Seung-woo \">\
                    <meta property=\"og:site_name\" content=\"The Korea Times\">\
                    <link rel=\"canonical\" href=\"https://example.com/a\"></head>\
                    <body><p>Text.</p></body></html>";
        let doc = extract(html);
        assert_eq!(doc.author.as_deref(), Some("Kang Seung-woo"));
        assert_eq!(doc.language.as_deref(), Some("ko"));
        assert_eq!(doc.site_name.as_deref(), Some("The Korea Times"));
        assert_eq!(doc.url.as_deref(), Some("https://example.com/a"));
        let bare = extract("<html><body><p>Text.</p></body></html>");
        assert_eq!(
            (bare.author, bare.language, bare.site_name, bare.url),
            (None, None, None, None)
        );
    }

    #[test]
    fn date_from_meta_or_time() {
        let meta = "<html><head><meta property=\"article:published_time\" content=\"2024-11-01T19:20:00+09:00\"></head><body><p>x</p></body></html>";
        assert_eq!(
            extract(meta).date.as_deref(),
            Some("2024-11-01T19:20:00+09:00")
        );
        let time = page("<article><time datetime=\"2024-01-02\">Jan 2</time><p>x</p></article>");
        assert_eq!(extract(&time).date.as_deref(), Some("2024-01-02"));
    }

    #[test]
    fn chrome_is_dropped_and_blocks_are_kept() {
        let html = page(
            "<header>Site</header><nav><a>Home</a></nav><script>var a;</script><style>p{}</style>\
             <p>First <strong>para</strong>graph.</p><p>Second<br>line two.</p>\
             <aside>Related</aside><footer>(c) Site</footer><div hidden>cookie</div>",
        );
        assert_eq!(extract(&html).text, "First paragraph.\n\nSecond\nline two.");
    }

    #[test]
    fn inline_elements_add_no_spaces_and_whitespace_collapses() {
        let html =
            page("<p>Noh Kyu-duk,<strong></strong> center,\n   and a<b>b</b>c &amp; d&nbsp;e</p>");
        assert_eq!(extract(&html).text, "Noh Kyu-duk, center, and abc & d e");
    }

    #[test]
    fn less_than_in_text_is_kept() {
        assert_eq!(
            extract(&page("<p>a &lt; b and I &lt;3 it, 1 < 2</p>")).text,
            "a < b and I <3 it, 1 < 2"
        );
    }

    #[test]
    fn figcaption_is_a_block_and_a_caption() {
        let html = page(
            "<article><p>Before.</p><figure><img src=x><figcaption> A  photo. Yonhap </figcaption></figure><p>After.</p></article>",
        );
        let doc = extract(&html);
        assert_eq!(doc.text, "Before.\n\nA photo. Yonhap\n\nAfter.");
        assert_eq!(doc.captions, ["A photo. Yonhap"]);
    }

    #[test]
    fn the_largest_article_is_the_content() {
        let html = page(
            "<article><p>Teaser.</p></article><article><p>The real story is longer than the teaser.</p></article>",
        );
        assert_eq!(
            extract(&html).text,
            "The real story is longer than the teaser."
        );
    }

    const STORY: &str = "<p>The envoys met in Seoul on Monday, officials said, and agreed to keep talking.</p>\
        <p>They will meet again next month, the ministry said, after consulting their capitals.</p>";

    #[test]
    fn the_best_scoring_container_wins_over_teasers_and_chrome() {
        let html = format!(
            "<html><body class=\"has-sidebar\"><div class=\"cookie-notice\"><p>We use cookies, \
             as you know, to improve things.</p></div><div class=\"teasers\"><article><p>Short \
             teaser.</p></article></div><div class=\"story-body\">{STORY}\
             <div class=\"share-bar\"><p>Share this, on everything, everywhere.</p></div>\
             <ul class=\"links\"><li><a href=/1>Other story one</a></li><li><a href=/2>Other \
             story two</a></li></ul></div><div id=\"comments\"><p>First, great article, thanks.</p>\
             </div></body></html>"
        );
        assert_eq!(
            extract(&html).text,
            "The envoys met in Seoul on Monday, officials said, and agreed to keep talking.\n\n\
             They will meet again next month, the ministry said, after consulting their capitals."
        );
    }

    #[test]
    fn a_theme_wrapper_named_like_furniture_does_not_hide_the_article() {
        // Regression (AEB page 0e014df6): the wrapper of the whole page had `header-style-2`
        // and `penci_sidebar` in its classes, and the cookie notice came out as the article.
        let long_story = STORY.repeat(4);
        let html = format!(
            "<html><body><div class=\"cookie\"><p>We use cookies, as you know, to improve \
             things, sadly.</p></div><div class=\"wrapper header-style-2\"><div \
             class=\"penci_sidebar\"><div class=\"post\">{long_story}</div></div></div></body></html>"
        );
        assert!(extract(&html).text.starts_with("The envoys met in Seoul"));
    }

    #[test]
    fn a_marked_article_body_is_the_content() {
        let html = format!(
            "<html><body><div class=\"promo\">{STORY}</div><div itemprop=\"articleBody\">\
             The marked body, with its text directly in the div, long enough to count as the \
             article: it goes on for well over two hundred characters so that the page's own \
             marking is trusted over any paragraph scoring of the rest of the page.</div></body></html>"
        );
        assert!(extract(&html).text.starts_with("The marked body"));
    }

    #[test]
    fn tables_and_pre() {
        let html = page(
            "<table><tr><td>a</td><td>b</td></tr><tr><td>c</td></tr></table><pre>x  y\nz</pre>",
        );
        assert_eq!(extract(&html).text, "a b\nc\n\nx y\nz");
    }

    #[test]
    fn garbage_and_empty_input_do_not_panic() {
        for input in [
            "",
            "<",
            "<<<>>>",
            "</p></div>",
            "<html><body>",
            "\u{0}\u{feff}",
        ] {
            let _ = extract(input);
        }
        assert_eq!(extract("").text, "");
    }

    #[test]
    fn deep_nesting_does_not_overflow_the_stack() {
        // A few thousand levels on a 256 KiB stack: a recursive walk would need more.
        let nested = |depth: usize| {
            format!(
                "<html><body>{}deep{}</body></html>",
                "<div>".repeat(depth),
                "</div>".repeat(depth)
            )
        };
        let html = nested(MAX_NESTING - 10);
        let text = std::thread::Builder::new()
            .stack_size(256 * 1024)
            .spawn(move || extract(&html).text)
            .unwrap()
            .join()
            .unwrap();
        assert_eq!(text, "deep");
    }

    #[test]
    fn absurdly_deep_pages_are_stripped_not_parsed() {
        let depth = 200_000;
        let html = format!(
            "<html><body>{}deep &amp; low{}</body></html>",
            "<div>".repeat(depth),
            "</div>".repeat(depth)
        );
        let started = std::time::Instant::now();
        let doc = extract(&html);
        assert_eq!(
            doc.text.split_whitespace().collect::<Vec<_>>(),
            ["deep", "&", "low"]
        );
        assert!(
            started.elapsed().as_secs() < 10,
            "linear fallback took {:?}",
            started.elapsed()
        );
    }

    #[test]
    fn unclosed_paragraphs_do_not_count_as_nesting() {
        let html = format!(
            "<html><body>{}</body></html>",
            "<p>para ".repeat(2 * MAX_NESTING)
        );
        assert!(!nesting_exceeds(&html, MAX_NESTING));
        assert!(nesting_exceeds(
            &"<div>".repeat(MAX_NESTING + 1),
            MAX_NESTING
        ));
    }

    #[test]
    fn recognises_whole_documents_only() {
        assert!(looks_like_html_document("<!DOCTYPE html><html>"));
        assert!(looks_like_html_document(" \n<HTML lang=en>"));
        assert!(looks_like_html_document(
            "\u{feff}<?xml version=\"1.0\"?>\n<!-- saved --><html>"
        ));
        assert!(!looks_like_html_document(
            "'Title'  DATE: 2024-01-01\n\nText with <strong></strong> tags"
        ));
        assert!(!looks_like_html_document("<p>fragment</p>"));
    }
}

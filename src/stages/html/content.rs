//! Where the article is on a page: the block with the best score of text, punctuation and
//! link density (after Mozilla Readability), with the plain paragraphs beside it.

use super::*;

/// The largest `<article>`, else `<main>`, else `<body>`, else the whole document: the fallback
/// when no paragraph scores.
pub(super) fn content_root(page: &Html) -> ElementRef<'_> {
    page.select(&ARTICLE)
        .max_by_key(|a| a.text().map(str::len).sum::<usize>())
        .or_else(|| page.select(&MAIN).next())
        .or_else(|| page.select(&BODY).next())
        .unwrap_or_else(|| page.root_element())
}

/// Class and id words of page furniture (after Mozilla Readability's lists).
pub(super) static UNLIKELY: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(
        r"(?i)-ad-|ai2html|banner|breadcrumb|combx|comment|community|cover-wrap|disqus|extra|footer|gdpr|header|legends|menu|related|remark|replies|rss|shoutbox|sidebar|skyscraper|social|sponsor|supplemental|ad-break|agegate|pagination|pager|popup|share|sharing|newsletter|subscribe|promo|cookie|outbrain|taboola|recommend|most-read|trending|overlay|lightbox|modal",
    )
    .unwrap_or_else(|e| panic!("built-in pattern: {e}"))
});
/// Words that keep an element despite an unlikely word (`article-header-and-body`).
pub(super) static MAYBE: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(r"(?i)and|article|body|column|content|main|shadow")
        .unwrap_or_else(|e| panic!("built-in pattern: {e}"))
});
pub(super) static POSITIVE: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(
        r"(?i)article|body|content|entry|hentry|h-entry|main|page|post|text|blog|story",
    )
    .unwrap_or_else(|e| panic!("built-in pattern: {e}"))
});
pub(super) static NEGATIVE: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(
        r"(?i)-ad-|hidden|banner|combx|comment|com-|contact|foot|footnote|gdpr|masthead|media|meta|outbrain|promo|related|scroll|share|shoutbox|sidebar|skyscraper|sponsor|shopping|tags|tool|widget",
    )
    .unwrap_or_else(|e| panic!("built-in pattern: {e}"))
});

pub(super) fn class_and_id(element: &scraper::node::Element) -> String {
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
pub(super) fn is_unlikely(element: &scraper::node::Element) -> bool {
    if matches!(element.name(), "html" | "body" | "main" | "article") {
        return false;
    }
    let words = class_and_id(element);
    !words.is_empty() && UNLIKELY.is_match(&words) && !MAYBE.is_match(&words)
}

/// Characters of text directly inside `element` (not in child elements): a `<div>` that holds
/// text itself is a paragraph too.
pub(super) fn own_text_chars(element: ElementRef<'_>) -> usize {
    element
        .children()
        .filter_map(|child| child.value().as_text().map(|t| t.trim().chars().count()))
        .sum()
}

/// Text and link text of every element, gathered in one pass (chrome and hidden parts excluded).
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct TextStats {
    chars: usize,
    link_chars: usize,
}

impl TextStats {
    pub(super) fn link_density(self) -> f64 {
        if self.chars == 0 {
            0.0
        } else {
            self.link_chars as f64 / self.chars as f64
        }
    }
}

pub(super) fn gather_stats(page: &Html) -> HashMap<NodeId, TextStats> {
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
pub(super) fn content_roots<'p>(
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

pub(super) fn class_weight(element: &scraper::node::Element) -> f64 {
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

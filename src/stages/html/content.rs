//! Where the article is on a page: the block with the best score of text, punctuation and
//! link density (after Mozilla Readability), with the plain paragraphs beside it.

use rustc_hash::FxHashMap;

use super::*;

/// The largest `<article>`, else `<main>`, else `<body>`, else the whole document: the fallback
/// when no paragraph scores.
pub(super) fn content_root<'p>(page: &'p Html, stats: &PageStats<'p>) -> ElementRef<'p> {
    // By its gathered text, not by reading it: nested `<article>`s would read it once a level.
    let elements = &stats.elements;
    elements
        .articles
        .iter()
        .copied()
        .max_by_key(|a| stats.chars(a.id()))
        .or_else(|| elements.mains.first().copied())
        .or_else(|| elements.bodies.first().copied())
        .unwrap_or_else(|| page.root_element())
}

/// Class and id words of page furniture (after Mozilla Readability's lists).
pub(super) static UNLIKELY: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(
        r"(?i)-ad-|ai2html|banner|breadcrumb|combx|comment|community|disqus|footer|gdpr|header|menu|related|remark|replies|rss|shoutbox|sidebar|skyscraper|social|sponsor|supplemental|ad-break|agegate|pagination|pager|share|sharing|newsletter|subscribe|promo|cookie|outbrain|taboola|recommend|most-read|trending",
    )
    .unwrap_or_else(|e| panic!("built-in pattern: {e}"))
});
/// Class and id words of containers that are furniture when small (a pop-up, an image
/// overlay) but are also put on wrappers around the whole article (`LightboxWrapper`): such
/// an element is furniture only when it holds less than half the page's text.
pub(super) static WEAK_UNLIKELY: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(r"(?i)cover-wrap|extra|legends|popup|overlay|lightbox|modal")
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
    let (class, id) = class_and_id_attrs(element);
    for value in [class, id].into_iter().flatten() {
        words.push_str(value);
        words.push(' ');
    }
    words
}

/// The `class` and `id` attributes, read in one pass over the attributes (`attr` would turn
/// each name into an atom to look it up).
pub(super) fn class_and_id_attrs(element: &scraper::node::Element) -> (Option<&str>, Option<&str>) {
    let (mut class, mut id) = (None, None);
    for (name, value) in element.attrs() {
        match name {
            "class" => class = Some(value),
            "id" => id = Some(value),
            _ => {}
        }
    }
    (class, id)
}

/// Page furniture by its class or id: comment threads, share bars, related lists.
/// Page-level containers are never furniture, whatever their classes say (`body.has-sidebar`).
pub(super) fn is_unlikely(element: ElementRef<'_>, stats: &PageStats) -> bool {
    let value = element.value();
    if matches!(value.name(), "html" | "body" | "main" | "article") {
        return false;
    }
    let own = stats.get(&element.id());
    let chars = own.map_or(0, |s| s.chars);
    // A small form with fields to fill (a newsletter sign-up, a rating, a contact box, a
    // login dialog with its error messages) is furniture; a page wrapped in one `<form>`
    // (ASP.NET) holds most of the page.
    if value.name() == "form"
        && (chars < MAX_FORM_CHARS || chars * 2 < stats.page_chars())
        && element.select(&FORM_FIELD).next().is_some()
    {
        return true;
    }
    // Chrome and hidden parts have no stats: their classes are read here.
    let verdict = own.map_or_else(|| class_verdict(value), |s| s.classes);
    let small_share = chars * 2 < stats.page_chars();
    if verdict.related && small_share {
        return true;
    }
    match verdict.furniture {
        ClassFurniture::No => false,
        // A wrapper holding the headline and most of the page's text is the page, whatever its
        // classes say (`above-footer`, `product-header` around the whole product page).
        ClassFurniture::Yes => small_share || !holds_a_headline(element),
        ClassFurniture::WhenSmall => small_share,
    }
}

/// What `element`'s class and id words say of it, before its size is known. Related-article and
/// teaser blocks are furniture even when their classes also say `article`
/// (`field-related-articles`, `snippet--article`), unless they hold half the page: `related`
/// is judged apart from the other words.
pub(super) fn class_verdict(element: &scraper::node::Element) -> ClassVerdict {
    let words = class_and_id(element);
    if words.is_empty() {
        return ClassVerdict::default();
    }
    let furniture = if MAYBE.is_match(&words) {
        ClassFurniture::No
    } else if UNLIKELY.is_match(&words) || MORE_UNLIKELY.is_match(&words) {
        ClassFurniture::Yes
    } else if WEAK_UNLIKELY.is_match(&words) {
        ClassFurniture::WhenSmall
    } else {
        ClassFurniture::No
    };
    ClassVerdict {
        related: RELATED.is_match(&words),
        furniture,
        caption: {
            let words = words.to_ascii_lowercase();
            // `legend` as a word of its own: German `grundlegende` (basic) contains it.
            words.contains("caption")
                || words
                    .split(|c: char| !c.is_ascii_alphanumeric())
                    .any(|part| part.starts_with("legend"))
        },
    }
}

/// Whether an `<h1>` is among the first elements below `element`: a page's headline opens its
/// article. The look is bounded, so that judging every element of a deep page stays linear.
fn holds_a_headline(element: ElementRef<'_>) -> bool {
    element
        .descendants()
        .take(MAX_HEADLINE_LOOK)
        .any(|n| n.value().as_element().is_some_and(|e| e.name() == "h1"))
}

/// How many elements below a wrapper are looked at for its headline.
const MAX_HEADLINE_LOOK: usize = 2000;

/// A property elements inherit from their ancestors (inside furniture, inside a marked article
/// body), asked of many elements. Each element is judged once and the answer kept for its
/// descendants: walking up the ancestors of every paragraph costs the page's depth per
/// paragraph, quadratic on a page nested as deep as it is long (misnested tags repeated, a fuzz
/// find).
pub(super) struct Inherited<'s> {
    judge: Box<dyn Fn(ElementRef<'_>) -> bool + 's>,
    known: FxHashMap<NodeId, bool>,
}

impl<'s> Inherited<'s> {
    pub(super) fn new(judge: impl Fn(ElementRef<'_>) -> bool + 's) -> Self {
        Inherited {
            judge: Box::new(judge),
            known: FxHashMap::default(),
        }
    }

    /// Inside furniture: below a furniture-classed container ([`is_unlikely`], when `classed`)
    /// or chrome ([`Role::Skip`]).
    pub(super) fn furniture(stats: &'s PageStats, classed: bool) -> Self {
        Inherited::new(move |e| {
            role(e.value().name()) == Role::Skip || (classed && is_unlikely(e, stats))
        })
    }

    /// Whether an ancestor of `element` (not `element` itself) has the property.
    pub(super) fn is_below(&mut self, element: ElementRef<'_>) -> bool {
        element
            .parent()
            .and_then(ElementRef::wrap)
            .is_some_and(|parent| self.is_at_or_below(parent))
    }

    fn is_at_or_below(&mut self, element: ElementRef<'_>) -> bool {
        let mut unjudged = Vec::new();
        let mut inside = false;
        let mut current = Some(element);
        while let Some(e) = current {
            if let Some(&known) = self.known.get(&e.id()) {
                inside = known;
                break;
            }
            unjudged.push(e);
            current = e.parent().and_then(ElementRef::wrap);
        }
        for e in unjudged.into_iter().rev() {
            inside = inside || (self.judge)(e);
            self.known.insert(e.id(), inside);
        }
        inside
    }
}

/// Longer than this, a form holds more than a sign-up box.
const MAX_FORM_CHARS: usize = 1000;

static FORM_FIELD: LazyLock<Selector> = LazyLock::new(|| {
    selector(
        r#"input:not([type="hidden"]):not([type="submit"]):not([type="button"]), textarea, select"#,
    )
});
static RELATED: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(r"(?i)related|teaser").unwrap_or_else(|e| panic!("built-in pattern: {e}"))
});
/// Furniture words beyond Readability's: teaser lists, author bio boxes, rating widgets, print
/// buttons, share widgets (`shariff`), post metadata lines.
static MORE_UNLIKELY: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(
        r"(?i)teaser|author-?box|author-?bio|about-?the-?author|rating|print-?button|recipe-print|shariff|postmetadata",
    )
    .unwrap_or_else(|e| panic!("built-in pattern: {e}"))
});

/// Characters of text directly inside `element` (not in child elements): a `<div>` that holds
/// text itself is a paragraph too.
pub(super) fn own_text_chars(element: ElementRef<'_>) -> usize {
    element
        .children()
        .filter_map(|child| child.value().as_text().map(|t| t.trim().chars().count()))
        .sum()
}

/// The elements that hold the article, in document order: the best-scoring container
/// (paragraphs score their parent fully, their grandparent half and the next a third, more for
/// longer text and more commas, as Readability does) with its siblings that score nearly as
/// well. Falls back to [`content_root`] when nothing scores.
///
/// With `strip_unlikely`, paragraphs inside furniture-classed containers do not score; themes
/// that put `header` or `sidebar` in the classes of the wrapper around everything defeat that,
/// so [`extract`] retries without it when the first answer is short, as Readability does.
/// How [`content_roots`] scores: the first attempt strips furniture-classed containers and
/// weighs class names; the retries drop one or the other, for themes whose class names mislead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Scoring {
    pub(super) strip_unlikely: bool,
    pub(super) class_weights: bool,
}

impl Scoring {
    pub(super) const ATTEMPTS: [Scoring; 3] = [
        Scoring {
            strip_unlikely: true,
            class_weights: true,
        },
        Scoring {
            strip_unlikely: false,
            class_weights: true,
        },
        Scoring {
            strip_unlikely: true,
            class_weights: false,
        },
    ];
}

/// Paragraph text of the whole page: characters of every `<p>`, `<pre>` and text-holding
/// `<div>` of 25 characters or more that is not chrome, not in furniture (comment threads
/// included) and not mostly links. What a chosen region is measured against: a region holding a
/// small share of it probably missed the article.
pub(super) fn page_paragraph_chars(stats: &PageStats) -> usize {
    // Chrome has no stats, so counting it as furniture too changes nothing here.
    let mut furniture = Inherited::furniture(stats, true);
    stats
        .elements
        .blocks
        .iter()
        .copied()
        .filter(|block| matches!(block.value().name(), "p" | "pre" | "div"))
        .filter_map(|block| {
            let chars = paragraph_chars(block, stats)?;
            (!furniture.is_below(block)).then_some(chars)
        })
        .sum()
}

/// The characters `block` adds to the page's paragraph text, if it counts as a paragraph.
fn paragraph_chars(block: ElementRef<'_>, stats: &PageStats) -> Option<usize> {
    let s = stats.get(&block.id())?;
    let chars = if block.value().name() == "div" {
        own_text_chars(block)
    } else {
        s.chars
    };
    (chars >= 25 && s.link_density() < 0.5).then_some(chars)
}

pub(super) fn content_roots<'p>(
    page: &'p Html,
    stats: &PageStats<'p>,
    scoring: Scoring,
) -> Vec<ElementRef<'p>> {
    let strip_unlikely = scoring.strip_unlikely;
    // A page that marks its article body says where it is. Some mark every paragraph
    // (`<p itemprop="articleBody">` each): the body is all of them, those inside another
    // marked one counted once.
    let mut in_marked = Inherited::new(|a| a.value().attr("itemprop") == Some("articleBody"));
    let marked: Vec<ElementRef<'p>> = stats
        .elements
        .marked
        .iter()
        .copied()
        .filter(|b| b.value().attr("itemprop") == Some("articleBody"))
        .filter(|b| !in_marked.is_below(*b))
        .collect();
    let marked_chars: usize = marked.iter().map(|b| stats.chars(b.id())).sum();
    if marked_chars >= 200 {
        return marked
            .into_iter()
            .filter(|b| stats.get(&b.id()).is_some_and(|s| s.chars > 0))
            .collect();
    }
    let mut order: Vec<NodeId> = Vec::new();
    let mut scores: FxHashMap<NodeId, f64> = FxHashMap::default();
    let mut furniture = Inherited::furniture(stats, strip_unlikely);
    // Paragraph text each paragraph adds, summed below an element on demand (for the few
    // elements the widening asks about), to widen the chosen container to a split body.
    let mut own_paragraph_chars: FxHashMap<NodeId, usize> = FxHashMap::default();
    for &paragraph in &stats.elements.blocks {
        let chars = if paragraph.value().name() == "div" {
            own_text_chars(paragraph)
        } else {
            stats.chars(paragraph.id())
        };
        if chars < 25 || furniture.is_below(paragraph) {
            continue;
        }
        let commas = stats.get(&paragraph.id()).map_or(0, |s| s.commas);
        let score = 1.0 + commas as f64 + (chars as f64 / 100.0).min(3.0);
        if let Some(counted) = paragraph_chars(paragraph, stats).filter(|_| {
            paragraph.value().name() != "td" && paragraph.value().name() != "blockquote"
        }) {
            own_paragraph_chars.insert(paragraph.id(), counted);
        }
        for (level, ancestor) in paragraph
            .ancestors()
            .filter_map(ElementRef::wrap)
            .take(3)
            .enumerate()
        {
            let entry = scores.entry(ancestor.id()).or_insert_with(|| {
                order.push(ancestor.id());
                if scoring.class_weights {
                    class_weight(ancestor.value())
                } else {
                    0.0
                }
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
        return vec![content_root(page, stats)];
    };
    let Some(mut top) = page.tree.get(top_id).and_then(ElementRef::wrap) else {
        return vec![content_root(page, stats)];
    };
    // A body split into sibling or cousin containers (chunks with ads between them, each in
    // its own wrappers): the nearest ancestors holding substantially more paragraph text are
    // the article, as long as each level up is still mostly paragraph text and not links.
    let mut chain = vec![top];
    while let Some(parent) = chain[chain.len() - 1].parent().and_then(ElementRef::wrap) {
        if chain.len() > MAX_WIDENING || matches!(parent.value().name(), "html" | "body") {
            break;
        }
        chain.push(parent);
    }
    let (inner, readable) = paragraph_chars_below(&chain, &own_paragraph_chars, stats);
    let mut mine = inner[0];
    for ((parent, &theirs), &readable) in chain.iter().zip(&inner).zip(&readable).skip(1) {
        let parent_stats = stats.get(&parent.id()).copied().unwrap_or_default();
        // The walk below a wider root drops furniture-classed containers: climbing past one
        // would lose the article. A level up mostly of lists and tables of text (a test's
        // results table, a recipe's steps) is still the article's.
        if readable * 2 < parent_stats.chars
            || parent_stats.link_density() >= 0.3
            || is_unlikely(*parent, stats)
        {
            break;
        }
        if theirs >= mine + mine / 4 + 100 {
            top = *parent;
            mine = theirs;
        }
    }
    let top_id = top.id();
    let top_score = final_score(&top_id).max(top_score);
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

/// The paragraph characters strictly below each element of `chain` (an element, then its
/// ancestors), and the characters of its readable text (those paragraphs plus the list items,
/// table rows and definitions that are not mostly links, each counted once), in one walk of the
/// outermost's subtree rather than a walk up from every paragraph, which costs the page's depth
/// per paragraph.
fn paragraph_chars_below(
    chain: &[ElementRef<'_>],
    own: &FxHashMap<NodeId, usize>,
    stats: &PageStats,
) -> (Vec<usize>, Vec<usize>) {
    let mut below = vec![0; chain.len()];
    let mut readable = vec![0; chain.len()];
    let Some(outermost) = chain.last() else {
        return (below, readable);
    };
    // The outermost `open` elements of the chain are open at this point of the walk.
    let mut open = 0;
    // The list item or table row being walked: what is inside it is counted with it.
    let mut in_item: Option<NodeId> = None;
    for edge in outermost.traverse() {
        match edge {
            Edge::Open(node) => {
                let levels = chain.len() - open..;
                if let Some(&chars) = own.get(&node.id()) {
                    for sum in &mut below[levels.clone()] {
                        *sum += chars;
                    }
                    if in_item.is_none() {
                        for sum in &mut readable[levels.clone()] {
                            *sum += chars;
                        }
                    }
                }
                if in_item.is_none() && is_text_item(node) {
                    if let Some(s) = stats.get(&node.id()).filter(|s| s.link_density() < 0.5) {
                        in_item = Some(node.id());
                        for sum in &mut readable[levels] {
                            *sum += s.chars;
                        }
                    }
                }
                if open < chain.len() && node.id() == chain[chain.len() - 1 - open].id() {
                    open += 1;
                }
            }
            Edge::Close(node) => {
                if in_item == Some(node.id()) {
                    in_item = None;
                }
                if open > 0 && node.id() == chain[chain.len() - open].id() {
                    open -= 1;
                }
            }
        }
    }
    (below, readable)
}

/// A list item, table row or definition holding text, not blocks: a sidebar built as a list of
/// widgets (`<li>` each with a heading and paragraphs) is not a list of text.
fn is_text_item(node: NodeRef<'_, Node>) -> bool {
    node.value()
        .as_element()
        .is_some_and(|e| matches!(e.name(), "li" | "tr" | "dd" | "dt"))
        && !node.children().any(|child| {
            child.value().as_element().is_some_and(|e| {
                matches!(
                    e.name(),
                    "div"
                        | "ul"
                        | "ol"
                        | "dl"
                        | "table"
                        | "form"
                        | "section"
                        | "h1"
                        | "h2"
                        | "h3"
                        | "h4"
                        | "h5"
                        | "h6"
                )
            })
        })
}

/// How many levels the chosen container may widen to take in a split body.
const MAX_WIDENING: usize = 6;

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

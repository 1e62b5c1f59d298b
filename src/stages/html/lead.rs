//! The article's lead (standfirst) when it stands before the chosen region, outside it: often
//! in the article's `<header>` beside the headline, classed as a lead or set as a subheading.

use rustc_hash::FxHashSet;

use super::*;

/// Class words of an article's lead paragraph, in the languages of the pages seen: standfirst,
/// abstract, excerpt, intro, summary, `perex` (Czech, Slovak), `sommario` (Italian), `Vorspann`
/// (German), `chapô` (French), `dek` (US).
const LEAD_WORDS: [&str; 12] = [
    "lead",
    "standfirst",
    "abstract",
    "excerpt",
    "intro",
    "summary",
    "perex",
    "sommario",
    "vorspann",
    "chapo",
    "chapeau",
    "dek",
];

fn is_lead_class(element: &scraper::node::Element) -> bool {
    element.attr("class").is_some_and(|classes| {
        classes
            .split(|c: char| c.is_whitespace() || c == '-' || c == '_')
            .any(|part| LEAD_WORDS.iter().any(|w| part.eq_ignore_ascii_case(w)))
    })
}

/// The article's lead paragraphs that stand before the chosen region, outside it (often in the
/// article's `<header>`, with the headline): elements classed as a lead within the nearest
/// `<article>` around the region (else the region's parent), before the region in document
/// order.
pub(super) fn leads_before<'p>(roots: &[ElementRef<'p>]) -> Vec<ElementRef<'p>> {
    let Some(first) = roots.first() else {
        return Vec::new();
    };
    let Some(scope) = first
        .ancestors()
        .filter_map(ElementRef::wrap)
        .take(MAX_LEAD_DEPTH)
        .find(|a| a.value().name() == "article")
        .or_else(|| first.parent().and_then(ElementRef::wrap))
    else {
        return Vec::new();
    };
    let mut leads: Vec<ElementRef<'p>> = Vec::new();
    let mut texts: Vec<String> = Vec::new();
    let around_first: FxHashSet<NodeId> = first.ancestors().map(|a| a.id()).collect();
    // Each candidate costs its depth and its text: a page of lead-classed elements nested as
    // deep as it is long would make that quadratic, and a real article has one or two.
    let mut candidates = 0;
    for node in scope.descendants() {
        if node.id() == first.id() || candidates == MAX_LEAD_CANDIDATES {
            break;
        }
        let Some(element) = ElementRef::wrap(node) else {
            continue;
        };
        if !(is_lead_class(element.value()) || is_lead_heading(element))
            || around_first.contains(&element.id())
        {
            continue;
        }
        candidates += 1;
        if leads
            .iter()
            .any(|lead| element.ancestors().any(|a| a.id() == lead.id()))
        {
            continue;
        }
        let text = collapse_whitespace(&element.text().collect::<String>());
        // A lead cut off (`…`) is a teaser's copy of the first paragraph; the same lead twice
        // (a header's and a summary's copy) is one.
        let cut_off = text.ends_with("...") || text.ends_with('\u{2026}');
        if (MIN_LEAD_CHARS..=MAX_LEAD_CHARS).contains(&text.chars().count())
            && !cut_off
            && !texts.contains(&text)
        {
            leads.push(element);
            texts.push(text);
        }
    }
    leads
}

/// A subheading of prose length under the headline (`<h2>` of two sentences) is the article's
/// standfirst, set as a heading; headlines and section titles are shorter. A heading that is a
/// link is a teaser's.
fn is_lead_heading(element: ElementRef<'_>) -> bool {
    matches!(element.value().name(), "h2" | "h3" | "h4")
        && element
            .text()
            .map(|t| t.trim().chars().count())
            .sum::<usize>()
            >= MIN_LEAD_HEADING_CHARS
        && !element
            .descendants()
            .chain(element.ancestors())
            .any(|n| n.value().as_element().is_some_and(|e| e.name() == "a"))
}

/// Shorter than this, a heading is a title, not a standfirst.
const MIN_LEAD_HEADING_CHARS: usize = 100;

/// How many lead-classed elements before the region are looked at.
const MAX_LEAD_CANDIDATES: usize = 16;

/// How far above the region its `<article>` may be for a lead in it to count.
const MAX_LEAD_DEPTH: usize = 5;
const MIN_LEAD_CHARS: usize = 40;
const MAX_LEAD_CHARS: usize = 1500;

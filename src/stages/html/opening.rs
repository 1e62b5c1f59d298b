//! The article's opening paragraphs when they stand between its headline and the chosen region,
//! in a container of their own: a lead set in a highlighted box, an excerpt block, a first
//! paragraph styled apart from the body, a summary under the headline. They carry no lead class
//! to find them by ([`super::lead`] finds those), but where they are says what they are: prose
//! after the page's headline (`<h1>`) and before the body is the article's beginning.

use rustc_hash::FxHashSet;

use super::*;

/// The prose blocks between the last `<h1>` before the region and the region, in document
/// order, nearest the region first kept: paragraphs of prose length that are not mostly links,
/// and headings of lead length, outside furniture, captions and the `known` leads. Nothing when
/// no headline comes before the region (the walk back reaches the page's top), as then there is
/// no telling an opening from the page's header.
///
/// The walk goes back from the region's first element through its preceding siblings and those
/// of its ancestors, reading only what lies between the headline and the region, and stops
/// after [`MAX_OPENING_WALK`] nodes, so that it stays linear on any page.
/// `headlines` is [`headline_ancestors`] of the page, found once for all the answers compared.
pub(super) fn openings_before<'p>(
    roots: &[ElementRef<'p>],
    stats: &PageStats<'p>,
    headlines: &FxHashSet<NodeId>,
    known: &[ElementRef<'p>],
) -> Vec<ElementRef<'p>> {
    let Some(first) = roots.first() else {
        return Vec::new();
    };
    if headlines.is_empty() {
        return Vec::new();
    }
    let mut walk = OpeningWalk {
        stats,
        headlines,
        visited: 0,
    };
    // Groups of blocks, each in document order, nearest the region first.
    let mut groups: Vec<Vec<ElementRef<'p>>> = Vec::new();
    let mut reached_headline = false;
    let mut node = *first;
    'up: loop {
        for sibling in node.prev_siblings() {
            let Some(sibling) = ElementRef::wrap(sibling) else {
                continue;
            };
            let (blocks, headline) = walk.forward(sibling);
            groups.push(blocks);
            if headline {
                reached_headline = true;
                break 'up;
            }
            if walk.visited > MAX_OPENING_WALK {
                break 'up;
            }
        }
        match node.parent().and_then(ElementRef::wrap) {
            Some(parent) if !matches!(parent.value().name(), "body" | "html") => node = parent,
            _ => break,
        }
    }
    if !reached_headline {
        return Vec::new();
    }
    let mut openings = Vec::new();
    let mut chars = 0;
    for block in groups.into_iter().flat_map(|g| g.into_iter().rev()) {
        let block_chars = stats.chars(block.id());
        if openings.len() == MAX_OPENINGS || chars + block_chars > MAX_OPENING_CHARS {
            break;
        }
        let overlaps_known = known.iter().any(|lead| {
            lead.id() == block.id()
                || block.ancestors().any(|a| a.id() == lead.id())
                || lead.ancestors().any(|a| a.id() == block.id())
        });
        if !overlaps_known {
            chars += block_chars;
            openings.push(block);
        }
    }
    openings.reverse();
    openings
}

/// The page's `<h1>`s and their ancestors: whether a subtree holds a headline, looked up.
/// Each ancestor chain is walked until it meets one already known, so the set costs the number
/// of elements at most, however many headlines there are.
pub(super) fn headline_ancestors(stats: &PageStats) -> FxHashSet<NodeId> {
    let mut set = FxHashSet::default();
    for h1 in &stats.elements.h1s {
        if h1.text().all(|t| t.trim().is_empty()) {
            continue;
        }
        for node in std::iter::once(**h1).chain(h1.ancestors()) {
            if !set.insert(node.id()) {
                break;
            }
        }
    }
    set
}

struct OpeningWalk<'s, 'p> {
    stats: &'s PageStats<'p>,
    headlines: &'s FxHashSet<NodeId>,
    visited: usize,
}

impl<'p> OpeningWalk<'_, 'p> {
    /// The opening blocks in `element`, in document order, and whether it holds a headline (then
    /// only the blocks after the last headline in it).
    fn forward(&mut self, element: ElementRef<'p>) -> (Vec<ElementRef<'p>>, bool) {
        let mut blocks = Vec::new();
        let mut headline = false;
        let mut skipping: Option<NodeId> = None;
        for edge in NodeRef::traverse(&element) {
            let node = match edge {
                Edge::Open(node) => node,
                Edge::Close(node) => {
                    if skipping == Some(node.id()) {
                        skipping = None;
                    }
                    continue;
                }
            };
            if skipping.is_some() {
                continue;
            }
            self.visited += 1;
            if self.visited > MAX_OPENING_WALK {
                break;
            }
            let Some(e) = ElementRef::wrap(node) else {
                continue;
            };
            let name = e.value().name();
            // Chrome and hidden parts have no stats. A part that is skipped but holds the
            // headline (a `<header>` with the `<h1>` in it) is where the article begins.
            let stats = self.stats.get(&e.id()).copied();
            let skipped = stats.is_none_or(|s| {
                s.chars == 0
                    || matches!(name, "figure" | "figcaption")
                    || (s.classes.caption && s.chars <= MAX_CAPTION_CHARS)
                    || is_unlikely(e, self.stats)
                    || is_link_block(name, Some(&s))
            });
            if skipped || name == "h1" {
                if self.headlines.contains(&e.id()) {
                    blocks.clear();
                    headline = true;
                }
                skipping = Some(e.id());
                continue;
            }
            let Some(s) = stats else {
                continue;
            };
            if is_opening(name, s) {
                blocks.push(e);
                skipping = Some(e.id());
            }
        }
        (blocks, headline)
    }
}

/// A paragraph of prose length that is not mostly links, or a heading of lead length with no
/// link in it.
fn is_opening(name: &str, s: TextStats) -> bool {
    match name {
        "p" => s.chars >= MIN_OPENING_CHARS && s.link_density() < 0.25,
        "h2" | "h3" | "h4" => s.chars >= MIN_OPENING_HEADING_CHARS && s.link_density() < 0.25,
        _ => false,
    }
}

/// Shorter than this, a paragraph after the headline is more likely a byline, a date or a
/// label than the article's opening.
const MIN_OPENING_CHARS: usize = 100;
/// Shorter than this, a heading is a title, not a standfirst.
const MIN_OPENING_HEADING_CHARS: usize = 100;
/// How many opening blocks are kept, nearest the region first.
const MAX_OPENINGS: usize = 4;
/// How much opening text is kept.
const MAX_OPENING_CHARS: usize = 2000;
/// How many nodes the walk back from the region reads before it gives up.
const MAX_OPENING_WALK: usize = 3000;

#[cfg(test)]
mod tests {
    use super::super::extract;

    fn body_paragraphs(n: usize) -> String {
        (0..n)
            .map(|i| {
                format!("<p>Body paragraph {i} of the harbour story, with words, commas, and detail enough to be text.</p>")
            })
            .collect()
    }

    #[test]
    fn an_opening_paragraph_in_its_own_box_between_headline_and_body_is_kept() {
        let html = format!(
            "<!DOCTYPE html><html><head><title>T</title></head><body>\
             <div class=\"notice\"><p>This site notice stands before the headline and is long enough to read as a paragraph of prose.</p></div>\
             <div class=\"page\"><div class=\"top\"><h1>The harbour reopens</h1>\
             <p class=\"byline\">By Jane Doe, 2 March 2024</p></div>\
             <div class=\"highlight\"><div class=\"box\"><p>The opening: the harbour reopened on Monday after two years of work, and the first ferry came in at dawn, full.</p></div></div>\
             <div class=\"wrap\"><div class=\"col\"><div class=\"text\">{}</div></div></div></div></body></html>",
            body_paragraphs(8)
        );
        let text = extract(&html).text;
        assert!(
            text.starts_with("The opening: the harbour reopened"),
            "{text}"
        );
        assert!(text.contains("Body paragraph 7"), "{text}");
        assert!(!text.contains("site notice"), "{text}");
        assert!(!text.contains("Jane Doe"), "{text}");
    }

    #[test]
    fn without_a_headline_before_the_body_nothing_is_taken_from_before_it() {
        let html = format!(
            "<!DOCTYPE html><html><head><title>T</title></head><body>\
             <div class=\"box\"><p>A paragraph of the page's header, long enough to read as prose, with no headline anywhere above it.</p></div>\
             <div class=\"wrap\"><div class=\"col\"><div class=\"text\">{}</div></div></div></body></html>",
            body_paragraphs(8)
        );
        let text = extract(&html).text;
        assert!(text.starts_with("Body paragraph 0"), "{text}");
    }

    #[test]
    fn a_standfirst_set_as_a_heading_with_a_link_after_a_headline_in_the_header_is_kept() {
        let html = format!(
            "<!DOCTYPE html><html><head><title>T</title></head><body><article>\
             <header><h1>The harbour reopens</h1></header><div class=\"content\">\
             <div class=\"row\"><div class=\"col\"><div class=\"wrap\"><div class=\"block\">\
             <h2>The harbour reopened on Monday after two years of work, as the port authority, \
             which ran the works, <a href=\"/report\">said in its report</a>.</h2></div></div></div></div>\
             <div class=\"row\"><div class=\"col\"><div class=\"wrap\"><div class=\"block\">{}</div></div></div></div>\
             </div></article></body></html>",
            body_paragraphs(8)
        );
        let text = extract(&html).text;
        assert!(text.starts_with("The harbour reopened on Monday"), "{text}");
    }
}

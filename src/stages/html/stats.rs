//! What every element of a page holds, gathered in one walk before anything is chosen.
//!
//! Choosing the article asks the same questions of each element many times: how much text is
//! below it, how much of that is link text, how many commas, and whether its class names say it
//! is furniture or a caption. Answering them by walking or matching again at every ask made the
//! extraction cost several passes over the page's text and a few regex matches per element per
//! pass. So one walk counts the text bottom-up and reads each element's class names once; the
//! rest of the stage looks the answers up.

use rustc_hash::FxHashMap;

use super::*;

/// Text and link text of an element, and what its class names say (chrome and hidden parts
/// excluded from the counts).
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct TextStats {
    pub(super) chars: usize,
    pub(super) link_chars: usize,
    /// Commas (and their CJK forms) in the text: Readability's sign of prose.
    pub(super) commas: usize,
    pub(super) classes: ClassVerdict,
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

/// What an element's class and id words say, read once per element: see
/// [`class_verdict`](super::content::class_verdict) for how, and
/// [`is_unlikely`](super::content::is_unlikely) for how it combines with the element's size.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(super) struct ClassVerdict {
    /// A related-article or teaser block: furniture unless it holds half the page.
    pub(super) related: bool,
    pub(super) furniture: ClassFurniture,
    /// Classed as a caption (`image-caption`, `wp-caption-text`).
    pub(super) caption: bool,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(super) enum ClassFurniture {
    /// No furniture word, or a word that keeps the element (`article-header-and-body`).
    #[default]
    No,
    Yes,
    /// Furniture when it holds less than half the page (`popup`, `lightbox`).
    WhenSmall,
}

/// The stats of every element that is not chrome, the page's text in all, and the elements
/// looked up by name.
#[derive(Debug, Default)]
pub(super) struct PageStats<'p> {
    by_node: FxHashMap<NodeId, TextStats>,
    page_chars: usize,
    pub(super) elements: Elements<'p>,
}

/// The elements the extraction looks up by name or mark, found in one scan of the node arena
/// rather than a selector pass over the whole tree each (there were over twenty per page). In
/// the order [`Html::select`] gives them (the tree's creation order), without the nodes the
/// parser detached, so that a lookup here answers what `page.select` answered.
#[derive(Debug, Default)]
pub(super) struct Elements<'p> {
    pub(super) metas: Vec<ElementRef<'p>>,
    pub(super) links: Vec<ElementRef<'p>>,
    pub(super) titles: Vec<ElementRef<'p>>,
    pub(super) times: Vec<ElementRef<'p>>,
    pub(super) h1s: Vec<ElementRef<'p>>,
    pub(super) articles: Vec<ElementRef<'p>>,
    pub(super) mains: Vec<ElementRef<'p>>,
    pub(super) bodies: Vec<ElementRef<'p>>,
    /// `p`, `pre`, `td`, `blockquote` and `div`: where paragraphs are.
    pub(super) blocks: Vec<ElementRef<'p>>,
    /// Elements with an `itemprop` or a `rel` (the article body, the author).
    pub(super) marked: Vec<ElementRef<'p>>,
}

impl<'p> Elements<'p> {
    fn of(page: &'p Html) -> Self {
        let mut elements = Elements::default();
        for node in page.tree.nodes() {
            let Some(element) = ElementRef::wrap(node) else {
                continue;
            };
            if element.parent().is_none() {
                continue;
            }
            let list = match element.value().name() {
                "meta" => Some(&mut elements.metas),
                "link" => Some(&mut elements.links),
                "title" => Some(&mut elements.titles),
                "time" => Some(&mut elements.times),
                "h1" => Some(&mut elements.h1s),
                "article" => Some(&mut elements.articles),
                "main" => Some(&mut elements.mains),
                "body" => Some(&mut elements.bodies),
                "p" | "pre" | "td" | "blockquote" | "div" => Some(&mut elements.blocks),
                _ => None,
            };
            if let Some(list) = list {
                list.push(element);
            }
            if element
                .value()
                .attrs()
                .any(|(name, _)| name == "itemprop" || name == "rel")
            {
                elements.marked.push(element);
            }
        }
        elements
    }
}

impl PageStats<'_> {
    pub(super) fn get(&self, id: &NodeId) -> Option<&TextStats> {
        self.by_node.get(id)
    }

    pub(super) fn chars(&self, id: NodeId) -> usize {
        self.by_node.get(&id).map_or(0, |s| s.chars)
    }

    /// Characters of text on the whole page (not counting chrome).
    pub(super) fn page_chars(&self) -> usize {
        self.page_chars
    }
}

pub(super) fn gather_stats(page: &Html) -> PageStats<'_> {
    let mut by_node = FxHashMap::default();
    let mut stack: Vec<(NodeId, TextStats, bool)> = Vec::new();
    let mut skipping: Option<NodeId> = None;
    let mut page_chars = 0;
    // Pages repeat the same class attribute on many elements (every card, every paragraph of
    // a theme): each distinct class and id is matched against the furniture words once.
    let mut verdicts: FxHashMap<(Option<&str>, Option<&str>), ClassVerdict> = FxHashMap::default();
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
                        let key = class_and_id_attrs(element);
                        let classes = match key {
                            (None, None) => ClassVerdict::default(),
                            _ => *verdicts
                                .entry(key)
                                .or_insert_with(|| class_verdict(element)),
                        };
                        let own = TextStats {
                            classes,
                            ..TextStats::default()
                        };
                        stack.push((node.id(), own, in_link));
                    }
                    Node::Text(text) => {
                        if let Some(frame) = stack.last_mut() {
                            let chars = text.trim().chars().count();
                            frame.1.chars += chars;
                            frame.1.commas += commas(text);
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
                    by_node.insert(id, own);
                    match stack.last_mut() {
                        Some(parent) => {
                            parent.1.chars += own.chars;
                            parent.1.link_chars += own.link_chars;
                            parent.1.commas += own.commas;
                        }
                        None => page_chars += own.chars,
                    }
                }
            }
        }
    }
    PageStats {
        by_node,
        page_chars,
        elements: Elements::of(page),
    }
}

/// Commas, ideographic commas and fullwidth commas in `text`, counted on the bytes: the ASCII
/// comma by memchr's search (prose has one every few dozen bytes; the compiler's vectorised
/// filter-count widened every byte to a word and cost more), the two CJK forms (`E3 80 81`,
/// `EF BC 8C`) where their lead bytes are, which prose in other scripts (curly quotes are `E2`)
/// rarely has.
fn commas(text: &str) -> usize {
    let bytes = text.as_bytes();
    let ascii = memchr::memchr_iter(b',', bytes).count();
    let cjk = memchr::memchr2_iter(0xe3, 0xef, bytes)
        .filter(|&at| {
            matches!(
                &bytes[at..],
                [0xe3, 0x80, 0x81, ..] | [0xef, 0xbc, 0x8c, ..]
            )
        })
        .count();
    ascii + cjk
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commas_count_the_ascii_and_cjk_forms() {
        assert_eq!(commas("a, b, c"), 2);
        assert_eq!(commas("一、二，三, 四"), 3);
        assert_eq!(commas("no commas"), 0);
    }

    #[test]
    fn page_chars_are_the_text_of_the_top_elements() {
        let page = Html::parse_document(
            "<html><head><title>T</title></head><body><p>abc</p><nav>menu</nav><p>de</p></body></html>",
        );
        let stats = gather_stats(&page);
        assert_eq!(stats.page_chars(), 5, "the title and the nav are chrome");
        let body = page.select(&selector("body")).next().map(|b| b.id());
        assert_eq!(body.map(|b| stats.chars(b)), Some(5));
    }

    #[test]
    fn elements_are_what_the_selectors_find_in_the_same_order() {
        let page = Html::parse_document(
            "<html><head><meta name=a><link rel=canonical href=x><title>T</title></head><body>\
             <table><p>fostered</p><tr><td>cell</td></tr></table><b><div>misnested</b></div>\
             <article><h1>H</h1><time datetime=2024>t</time><p itemprop=articleBody>x</p></article>\
             <main><div><pre>code</pre><blockquote>q</blockquote></div></main></body></html>",
        );
        let elements = gather_stats(&page).elements;
        let ids = |list: &[ElementRef<'_>]| list.iter().map(|e| e.id()).collect::<Vec<_>>();
        let selected = |css: &str| ids(&page.select(&selector(css)).collect::<Vec<_>>());
        assert_eq!(ids(&elements.metas), selected("meta"));
        assert_eq!(ids(&elements.links), selected("link"));
        assert_eq!(ids(&elements.titles), selected("title"));
        assert_eq!(ids(&elements.times), selected("time"));
        assert_eq!(ids(&elements.h1s), selected("h1"));
        assert_eq!(ids(&elements.articles), selected("article"));
        assert_eq!(ids(&elements.mains), selected("main"));
        assert_eq!(ids(&elements.bodies), selected("body"));
        assert_eq!(
            ids(&elements.blocks),
            selected("p, pre, td, blockquote, div")
        );
        assert_eq!(ids(&elements.marked), selected("[itemprop], [rel]"));
    }
}

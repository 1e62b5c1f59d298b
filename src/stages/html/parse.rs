//! Builds a page's tree: html5ever's parse into scraper's `Html`, as `Html::parse_document`
//! does, with the node arena sized before the parser fills it. Sizing is the only difference,
//! and it is here because the tree is most of the HTML path's memory traffic.

use scraper::Html;

/// Most node arenas of a page hold fewer than this many nodes; a larger page grows its arena as
/// it would without a hint, so a page of nothing but `<` reserves no more than this.
const NODE_HINT_CAP: usize = 1 << 18;

/// html5ever's tree as [`Html::parse_document`] builds it, with the node arena sized up front:
/// growing it by doubling moved every node built so far (an ego-tree node is 128 bytes)
/// several times a page (4-5% of the HTML path's CPU). A page has about one node per `<` (an
/// element per start tag, a text node after most tags).
pub(super) fn tree(html: &str) -> Html {
    use html5ever::tendril::TendrilSink;
    let nodes = memchr::memchr_iter(b'<', html.as_bytes()).count();
    let mut document = Html::new_document();
    document.tree =
        ego_tree::Tree::with_capacity(scraper::Node::Document, nodes.min(NODE_HINT_CAP) + 8);
    html5ever::driver::parse_document(scraper::HtmlTreeSink::new(document), Default::default())
        .one(html)
}

//! The one-article input format: a text file with leftover markup, or a whole HTML page.
//!
//! Which of the two a file is decides which stages apply (see [`crate::stages`]): the name says
//! HTML (`.html`, also under `.gz`), or the text itself looks like a document.

use super::{Item, Pending};
use crate::article::{Article, InputFormat};
use crate::stages::html;

/// The article of a decoded page.
pub(crate) fn read(
    source: String,
    text: String,
    html_by_name: bool,
    encoding: &'static str,
    bytes_in: u64,
) -> Item {
    Item::Article(Box::new(Pending {
        source,
        article: Article::new(format_of(&text, html_by_name), text),
        encoding,
        bytes_in,
        container: None,
    }))
}

/// The format of a text that came without a name to go by (a dump record's text field, a WARC
/// payload not declared as HTML).
pub(crate) fn format_of(text: &str, declared_html: bool) -> InputFormat {
    if declared_html || html::looks_like_html_document(text) {
        InputFormat::Html
    } else {
        InputFormat::Text
    }
}

//! Inline elements that the page lays out as separate items, and machine text that is never
//! shown as it stands.
//!
//! A live blog's entry ends with its byline and time as two `<span>`s side by side in a
//! `<div>` of their own, with no space between them in the markup: the page's style sets them
//! apart (a flex row), and the text must too, or it reads "Roisin O'Connor2 March 2024 22:17".
//! The same entries carry their time as an element with a `datetime` attribute whose text is
//! the epoch (`<amp-timeago datetime="2024-03-02T22:03:27Z">1709417007</amp-timeago>`), which a
//! script replaces before anyone reads it.

use rustc_hash::FxHashMap;

use super::*;

/// Whether inline `node` must be set apart from the inline element just before it: they are
/// adjacent siblings (no text between, not even a space), the one before holds text, neither
/// styles words ([`is_formatting`]), and their parent is a container, not a paragraph or a
/// heading, holding no text of its own, only elements: items laid out side by side, not parts
/// of a run of text.
/// `parents` keeps each parent's answer, so a parent of many children is read once.
pub(super) fn is_set_apart(node: NodeRef<'_, Node>, parents: &mut FxHashMap<NodeId, bool>) -> bool {
    let Some(previous) = node.prev_sibling() else {
        return false;
    };
    if node
        .value()
        .as_element()
        .is_none_or(|e| is_formatting(e.name()))
    {
        return false;
    }
    let previous_is_inline_with_text = previous.value().as_element().is_some_and(|e| {
        role(e.name()) == Role::Inline
            && !is_formatting(e.name())
            && previous
                .descendants()
                .any(|d| d.value().as_text().is_some_and(|t| !t.trim().is_empty()))
    });
    if !previous_is_inline_with_text {
        return false;
    }
    let Some(parent) = node.parent() else {
        return false;
    };
    if !parent.value().as_element().is_some_and(|e| {
        matches!(role(e.name()), Role::Block | Role::Cell)
            && !matches!(
                e.name(),
                "p" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "pre"
            )
    }) {
        return false;
    }
    *parents.entry(parent.id()).or_insert_with(|| {
        !parent
            .children()
            .any(|c| c.value().as_text().is_some_and(|t| !t.trim().is_empty()))
    })
}

/// A short paragraph that is all one link's text (`zurück`, a read-more line to another
/// article, "Pictures of the meeting"): a pointer elsewhere, not article text. The link must
/// be inside the paragraph: a paragraph inside a link is an unclosed anchor's (`<a name=…>`
/// left open around the text), and the text is the page's.
pub(super) fn is_link_line(node: NodeRef<'_, Node>, stats: Option<&TextStats>) -> bool {
    let Some(s) = stats else {
        return false;
    };
    let is_paragraph = node.value().as_element().is_some_and(|e| e.name() == "p");
    if !is_paragraph || s.chars == 0 || s.chars >= MAX_LINK_LINE_CHARS || s.link_chars < s.chars {
        return false;
    }
    let inside_a_link = node
        .ancestors()
        .any(|a| a.value().as_element().is_some_and(|e| e.name() == "a"));
    !inside_a_link
        && node.children().any(|c| {
            c.value()
                .as_element()
                .is_some_and(|e| e.name() == "a" && e.attrs().any(|(name, _)| name == "href"))
        })
}

/// Longer than this, a paragraph that is a link is more than a pointer (a teaser's text).
const MAX_LINK_LINE_CHARS: usize = 100;

/// Elements that style a run of words (`<strong>Der Konzern ist nach </strong><strong><em>NDR
/// </em></strong><strong>-Recherchen</strong>`): pieces of one text, never items of their own.
fn is_formatting(name: &str) -> bool {
    matches!(
        name,
        "b" | "strong"
            | "i"
            | "em"
            | "u"
            | "s"
            | "mark"
            | "small"
            | "sub"
            | "sup"
            | "font"
            | "abbr"
    )
}

/// An element with a `datetime` attribute whose text is only digits: an epoch timestamp that a
/// script turns into a time before it is shown.
pub(super) fn is_machine_timestamp(node: NodeRef<'_, Node>) -> bool {
    let Some(element) = node.value().as_element() else {
        return false;
    };
    // One pass over the attributes: `attr` would turn the name into an atom to look it up.
    if !element.attrs().any(|(name, _)| name == "datetime") {
        return false;
    }
    let text: String = ElementRef::wrap(node)
        .map(|e| e.text().collect())
        .unwrap_or_default();
    let text = text.trim();
    text.len() >= MIN_EPOCH_DIGITS && text.bytes().all(|b| b.is_ascii_digit())
}

/// Seconds since 1970 have ten digits from 2001 on; milliseconds thirteen.
const MIN_EPOCH_DIGITS: usize = 9;

#[cfg(test)]
mod tests {
    use super::super::extract;

    #[test]
    fn a_live_blog_entrys_byline_and_time_are_not_run_together_nor_its_epoch_kept() {
        let entries: String = (0..4)
            .map(|i| {
                format!(
                    "<div class=\"post\"><a href=\"#p{i}\"><amp-timeago datetime=\"2024-03-02T22:0{i}:00Z\">170941700{i}</amp-timeago></a>\
                     <h3>Entry {i} of the awards night</h3><div><p>Entry {i}: the winner, who thanked her family, her band, and her fans, was the star of the night.</p></div>\
                     <div class=\"meta\"><span class=\"name\">Roisin O'Connor</span><span class=\"time\">2 March 2024 22:0{i}</span></div></div>"
                )
            })
            .collect();
        let html = format!(
            "<!DOCTYPE html><html><head><title>T</title></head><body><main>{entries}</main></body></html>"
        );
        let text = extract(&html).text;
        assert!(
            text.contains("Roisin O'Connor 2 March 2024 22:03"),
            "{text}"
        );
        assert!(!text.contains("O'Connor2"), "{text}");
        assert!(!text.contains("1709417003"), "{text}");
        assert!(text.contains("Entry 3: the winner"), "{text}");
    }

    #[test]
    fn inline_elements_within_a_run_of_text_are_not_set_apart() {
        let html = "<!DOCTYPE html><html><head><title>T</title></head><body><article>\
                    <p><span>The word </span><span>un</span><span>believable</span><span> is split in the markup, and stays whole, as it reads on the page.</span></p>\
                    <div><strong>Rhein</strong><strong><em>metall</em></strong><strong> is split in a box of its own, and stays whole too, as it reads.</strong></div>\
                    </article></body></html>";
        let text = extract(html).text;
        assert!(text.contains("unbelievable"), "{text}");
        assert!(text.contains("Rheinmetall is split"), "{text}");
    }

    #[test]
    fn a_short_paragraph_that_is_one_link_is_not_article_but_one_in_an_open_anchor_is() {
        let body: String = (0..5)
            .map(|i| format!("<p>Paragraph {i} of the meeting, with words, commas, and detail enough to be text.</p>"))
            .collect();
        let html = format!(
            "<!DOCTYPE html><html><head><title>T</title></head><body><article>{body}\
             <p><a href=\"/gallery\">Pictures of the meeting</a></p>\
             <a name=\"end\"><p>The last paragraph, inside an anchor left open.</p></a></article></body></html>"
        );
        let text = extract(&html).text;
        assert!(!text.contains("Pictures of the meeting"), "{text}");
        assert!(
            text.contains("The last paragraph, inside an anchor"),
            "{text}"
        );
    }
}

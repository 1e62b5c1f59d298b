//! A `<title>` that is never closed, closed where a browser of the page's time would have.
//!
//! The HTML5 parser reads a title's content as raw text up to `</title>`. A page that writes
//! `<title/>` (XHTML habit: the slash means nothing on a non-void element) or forgets `</title>`
//! therefore has its whole head and body swallowed into the title, and the article is lost.
//! lxml, and so trafilatura, ends such a title at the next tag; this does the same before the
//! parse, in one pass, and leaves every page with a closed title as it is.

use std::borrow::Cow;

/// `html` with its first `<title>` closed, if it never is: right after the tag for `<title/>`,
/// else before the next `<` (a title holds no markup).
pub(super) fn closed(html: &str) -> Cow<'_, str> {
    let bytes = html.as_bytes();
    let Some(start) = find_tag(bytes, 0, b"<title") else {
        return Cow::Borrowed(html);
    };
    let Some(tag_end) = memchr::memchr(b'>', &bytes[start..]).map(|at| start + at + 1) else {
        return Cow::Borrowed(html);
    };
    let self_closing = bytes[..tag_end].ends_with(b"/>");
    if !self_closing && find_tag(bytes, tag_end, b"</title").is_some() {
        return Cow::Borrowed(html);
    }
    let close_at = if self_closing {
        tag_end
    } else {
        memchr::memchr(b'<', &bytes[tag_end..]).map_or(bytes.len(), |at| tag_end + at)
    };
    let mut fixed = String::with_capacity(html.len() + 8);
    fixed.push_str(&html[..close_at]);
    fixed.push_str("</title>");
    fixed.push_str(&html[close_at..]);
    Cow::Owned(fixed)
}

/// The first `name` (lower case, starting with `<`) at or after `from`, matched without regard
/// to case and ended by white space, `/` or `>`, as the tokenizer ends a tag name.
fn find_tag(bytes: &[u8], from: usize, name: &[u8]) -> Option<usize> {
    memchr::memchr_iter(b'<', &bytes[from..])
        .map(|at| from + at)
        .find(|&at| {
            let rest = &bytes[at..];
            rest.len() > name.len()
                && rest[..name.len()].eq_ignore_ascii_case(name)
                && matches!(
                    rest[name.len()],
                    b'>' | b'/' | b' ' | b'\t' | b'\n' | b'\r' | 0x0c
                )
        })
}

#[cfg(test)]
mod tests {
    use super::closed;

    #[test]
    fn a_closed_title_is_left_as_it_is() {
        let page = "<html><head><TITLE>News</Title ></head><body><p>x</p></body></html>";
        assert!(matches!(closed(page), std::borrow::Cow::Borrowed(_)));
        assert!(matches!(
            closed("<p>no title</p>"),
            std::borrow::Cow::Borrowed(_)
        ));
    }

    #[test]
    fn a_self_closing_title_is_empty() {
        assert_eq!(
            closed("<head><title/><meta charset=utf-8></head>"),
            "<head><title/></title><meta charset=utf-8></head>"
        );
    }

    #[test]
    fn an_unclosed_title_ends_at_the_next_tag() {
        assert_eq!(
            closed("<head><title>Budget news<meta charset=utf-8></head><p>Body</p>"),
            "<head><title>Budget news</title><meta charset=utf-8></head><p>Body</p>"
        );
        assert_eq!(closed("<title>Only"), "<title>Only</title>");
    }

    #[test]
    fn a_longer_tag_name_is_not_a_title() {
        let page = "<titles>x</titles>";
        assert!(matches!(closed(page), std::borrow::Cow::Borrowed(_)));
    }
}

//! A one-pass estimate of what building a page's tree would cost, before html5ever is asked to.
//!
//! html5ever handles any markup, but some of it at a super-linear price: its tree builder walks
//! the stack of open elements for every end tag it cannot match (`<b></i>` repeated), checks each
//! new attribute against all the earlier ones of its tag (one tag with 300,000 attributes took
//! 30 s), and the extraction after it walks ancestors and re-reads nested text once per level. A
//! page built to hit one of those would run for hours. So this pass models the tokenizer and the
//! stack of open elements coarsely, in linear time, and adds up the work those walks would do;
//! past a fixed budget per byte the page is not parsed as a tree but has its tags stripped like a
//! text file's (linear, and still text). Ordinary pages, sloppy ones included, stay far below
//! the budget: their work is about their size times their depth (a few dozen).

use memchr::{memchr, memmem};

/// Work allowed per byte of page, in units of "one element or byte visited" (see module doc).
const WORK_PER_BYTE: u64 = 256;

/// Work any page may do whatever its size, so that small pages are never judged by ratio.
const WORK_FLOOR: u64 = 4_000_000;

/// What each open element costs an end tag that matches none of them: html5ever walks the whole
/// stack checking every element against its scope and special-element sets (`</table>`,
/// `</article>`, an unknown name), several times the work of a matched close. A page of unknown
/// elements left open with stray end tags between them cost 1.1 us a byte at 128 KiB charged at
/// one unit an element (a fuzz find).
const UNMATCHED_WALK_COST: u64 = 4;

/// An end tag whose element is not among this many innermost open elements is treated as
/// unmatched (html5ever would search further; the estimate charges it the whole stack).
const MATCH_WINDOW: usize = 64;

/// Whether building and walking the tree of `html` would exceed the work budget, or nest deeper
/// than `max_depth`.
pub(super) fn tree_is_too_costly(html: &str, max_depth: usize) -> bool {
    let bytes = html.as_bytes();
    let budget = WORK_FLOOR.saturating_add(WORK_PER_BYTE.saturating_mul(bytes.len() as u64));
    let mut work = 0u64;
    let mut stack: Vec<Name> = Vec::new();
    // Formatting elements (`<b>`, `<font>` …) opened and not closed by their own end tag: html5ever
    // keeps them in its list of active formatting elements and walks it at every tag and text.
    let mut formatting_open = 0u64;
    let mut pos = 0;
    let mut text_start = 0;
    while let Some(offset) = memchr(b'<', &bytes[pos..]) {
        let at = pos + offset;
        let text_len = (at - text_start) as u64;
        work = work.saturating_add(text_len.saturating_mul(stack.len() as u64 + 1));
        pos = at + 1;
        match bytes.get(at + 1) {
            Some(b'/') => {
                let name = Name::read(&bytes[at + 2..]);
                pos = tag_end(bytes, at + 2 + name.len as usize).0;
                if name.len > 0 {
                    let window = stack.len().saturating_sub(MATCH_WINDOW);
                    match stack[window..].iter().rposition(|open| *open == name) {
                        Some(found) => {
                            let index = window + found;
                            work += (stack.len() - index) as u64;
                            stack.truncate(index);
                        }
                        None => work += UNMATCHED_WALK_COST * (stack.len() as u64 + 1),
                    }
                    if name.is_formatting() {
                        formatting_open = formatting_open.saturating_sub(1);
                    }
                }
            }
            Some(b) if b.is_ascii_alphabetic() => {
                let name = Name::read(&bytes[at + 1..]);
                let (end, attributes) = tag_end(bytes, at + 1 + name.len as usize);
                pos = end;
                // Each attribute is compared with every earlier one of its tag.
                work = work.saturating_add(attributes.saturating_mul(attributes) / 2);
                work += stack.len() as u64 + formatting_open + 1;
                if name.is_formatting() {
                    formatting_open += 1;
                }
                if let Some(closer) = name.raw_text_closer() {
                    // Script, style … hold text, not tags, up to their end tag.
                    pos = find_end_tag(bytes, pos, closer);
                } else if !name.is_void_or_implied() {
                    stack.push(name);
                    if stack.len() > max_depth {
                        return true;
                    }
                }
            }
            Some(b'!') if bytes[at..].starts_with(b"<!--") => {
                pos = memmem::find(&bytes[at + 4..], b"-->").map_or(bytes.len(), |c| at + 4 + c);
            }
            Some(b'!' | b'?') => {
                pos = memchr(b'>', &bytes[at..]).map_or(bytes.len(), |c| at + c);
            }
            _ => {}
        }
        if work > budget {
            return true;
        }
        text_start = pos.min(bytes.len());
        pos = text_start;
    }
    let text_len = (bytes.len() - text_start) as u64;
    work = work.saturating_add(text_len.saturating_mul(stack.len() as u64 + 1));
    work > budget
}

/// Where the first `closer` (`</name`, any case) at or after `from` starts, or the end of page.
fn find_end_tag(bytes: &[u8], from: usize, closer: &[u8]) -> usize {
    let mut pos = from;
    while let Some(offset) = memmem::find(&bytes[pos..], b"</") {
        let at = pos + offset;
        if bytes.len() - at >= closer.len()
            && bytes[at..at + closer.len()].eq_ignore_ascii_case(closer)
        {
            return at;
        }
        pos = at + 2;
    }
    bytes.len()
}

/// Where the start tag whose name ends at `pos` ends (past its `>`, or the end of the page), and
/// how many attributes it has, read the way the HTML tokenizer reads them.
fn tag_end(bytes: &[u8], mut pos: usize) -> (usize, u64) {
    let mut attributes = 0u64;
    loop {
        while pos < bytes.len() && (bytes[pos].is_ascii_whitespace() || bytes[pos] == b'/') {
            pos += 1;
        }
        match bytes.get(pos) {
            None => return (bytes.len(), attributes),
            Some(b'>') => return (pos + 1, attributes),
            Some(_) => {}
        }
        // An attribute name: anything up to white space, `/`, `>` or `=` (a first `=` included).
        attributes += 1;
        pos += 1;
        while pos < bytes.len()
            && !matches!(
                bytes[pos],
                b'\t' | b'\n' | b'\x0c' | b'\r' | b' ' | b'/' | b'>' | b'='
            )
        {
            pos += 1;
        }
        while pos < bytes.len() && bytes[pos].is_ascii_whitespace() {
            pos += 1;
        }
        if bytes.get(pos) != Some(&b'=') {
            continue;
        }
        pos += 1;
        while pos < bytes.len() && bytes[pos].is_ascii_whitespace() {
            pos += 1;
        }
        match bytes.get(pos) {
            Some(&quote @ (b'"' | b'\'')) => match memchr(quote, &bytes[pos + 1..]) {
                Some(close) => pos += close + 2,
                None => return (bytes.len(), attributes),
            },
            _ => {
                while pos < bytes.len() && !bytes[pos].is_ascii_whitespace() && bytes[pos] != b'>' {
                    pos += 1;
                }
            }
        }
    }
}

/// A tag name, lower-cased, as far as its first 16 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Name {
    bytes: [u8; 16],
    len: u8,
}

impl Name {
    fn read(bytes: &[u8]) -> Name {
        let mut name = Name {
            bytes: [0; 16],
            len: 0,
        };
        for &b in bytes
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric())
            .take(16)
        {
            name.bytes[name.len as usize] = b.to_ascii_lowercase();
            name.len += 1;
        }
        name
    }

    fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len as usize]
    }

    fn is_formatting(&self) -> bool {
        matches!(
            self.as_bytes(),
            b"a" | b"b"
                | b"big"
                | b"code"
                | b"em"
                | b"font"
                | b"i"
                | b"nobr"
                | b"s"
                | b"small"
                | b"strike"
                | b"strong"
                | b"tt"
                | b"u"
        )
    }

    /// Void elements, and those HTML closes implicitly (`<p>`, `<li>`, table cells …), are not
    /// counted as open: sloppy but ordinary markup never looks deep.
    fn is_void_or_implied(&self) -> bool {
        matches!(
            self.as_bytes(),
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
        )
    }

    /// The end tag that ends the text of a raw-text element.
    fn raw_text_closer(&self) -> Option<&'static [u8]> {
        Some(match self.as_bytes() {
            b"script" => b"</script",
            b"style" => b"</style",
            b"textarea" => b"</textarea",
            b"title" => b"</title",
            b"xmp" => b"</xmp",
            b"iframe" => b"</iframe",
            b"noembed" => b"</noembed",
            b"noframes" => b"</noframes",
            b"noscript" => b"</noscript",
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(body: &str, times: usize) -> String {
        format!(
            "<!doctype html><html><body>{}</body></html>",
            body.repeat(times)
        )
    }

    #[test]
    fn ordinary_pages_are_parsed_as_trees() {
        let article = "<div class=a><p>Some <b>bold</b> and <a href='/x'>a link</a>.<br>\
                       <span>more</span></div><script>if (a<b) x='</div>';</script>";
        assert!(!tree_is_too_costly(&page(article, 10_000), 5_000));
        // Unclosed formatting and paragraphs, as old pages write them.
        let sloppy = format!(
            "{}{}",
            "<p><font size=2>text <p>more".repeat(300),
            article.repeat(1_000)
        );
        assert!(!tree_is_too_costly(&page(&sloppy, 1), 5_000));
    }

    #[test]
    fn unmatched_end_tags_over_a_deep_stack_are_too_costly() {
        let html = format!("{}{}", "<b>".repeat(4_000), "</i>".repeat(1_000_000));
        assert!(tree_is_too_costly(&html, 5_000));
    }

    #[test]
    fn unknown_elements_left_open_with_stray_end_tags_are_too_costly() {
        // The fuzz find (fuzz/corpus/html/unknown-elements-open-with-stray-end-tags): each
        // repeat opens three unknown elements and closes none, and four end tags walk the stack.
        let find: &[u8] = b"<!doctype html><ht\0\0\0\0ml><bodd>x</table><figurecaption>c</figcaption></fi#gure></article>";
        let bytes: Vec<u8> = find.iter().copied().cycle().take(128 << 10).collect();
        let html = String::from_utf8_lossy(&bytes);
        assert!(tree_is_too_costly(&html, 5_000));
    }

    #[test]
    fn one_tag_with_300000_attributes_is_too_costly() {
        let mut html = String::from("<!doctype html><p ");
        for i in 0..300_000 {
            html.push_str(&format!("a{i}=1 "));
        }
        html.push('>');
        assert!(tree_is_too_costly(&html, 5_000));
    }

    #[test]
    fn nesting_past_the_limit_is_too_costly() {
        assert!(tree_is_too_costly(&page("<div>", 5_001), 5_000));
        // An upper-case script end tag ends the script for the estimate as for html5ever.
        let hidden = format!("<SCRIPT>x</SCRIPT>{}", "<div>".repeat(5_001));
        assert!(tree_is_too_costly(&hidden, 5_000));
        assert!(!tree_is_too_costly(&page("<div></div>", 50_000), 5_000));
    }
}

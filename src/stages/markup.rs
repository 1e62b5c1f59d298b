//! Strips the HTML that scrapers leave in text files, and only that.
//!
//! A scraped text file is mostly prose with debris: an empty `<strong></strong>`, a stray `<br>`,
//! `&amp;quot;`. Prose also contains `<` that is not markup: `a < b`, `<3`, `5%<10%`,
//! `<name@example.com>`, a title in angle brackets, a Korean copyright notice
//! `<저작권자 ⓒ 연합뉴스>`. So this is not an HTML parser (that would swallow everything after a
//! lone `<`) but a careful lexer: something is a tag only when it is the tag of a real HTML
//! element, written the way HTML writes tags, and closed within bounds. Everything else is text.
//! Entities are decoded in the same single pass, so an escaped `&lt;b&gt;` comes out as the text
//! `<b>` and is never mistaken for a tag afterwards.

use memchr::{memchr2, memmem};

use super::entities;
use crate::article::{Article, CleanStats, InputFormat};

/// Configuration of the markup stage (`[clean] strip_tags`, `decode_entities`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarkupStage {
    pub strip_tags: bool,
    pub decode_entities: bool,
}

impl MarkupStage {
    pub fn applies_to(&self, format: InputFormat) -> bool {
        format == InputFormat::Text
    }

    pub fn apply(&self, article: &mut Article) {
        if let Some(cleaned) = self.clean(&article.text, &mut article.stats) {
            article.text = cleaned;
        }
    }

    /// Cleans `text`, or returns `None` when there is nothing to change (the common case for a
    /// paragraph without `<` or `&`, which then costs one `memchr` scan and no copy).
    pub fn clean(&self, text: &str, stats: &mut CleanStats) -> Option<String> {
        let bytes = text.as_bytes();
        let first = memchr2(b'<', b'&', bytes)?;
        let mut out = String::with_capacity(text.len());
        let mut copied = 0;
        let mut pos = first;
        let mut closers = Closers::default();
        while let Some(offset) = memchr2(b'<', b'&', &bytes[pos..]) {
            let at = pos + offset;
            if bytes[at] == b'&' {
                if self.decode_entities {
                    out.push_str(&text[copied..at]);
                    copied = at;
                    if let Some(len) = entities::decode_at(&text[at..], &mut out) {
                        stats.entities_decoded += 1;
                        pos = at + len;
                        copied = pos;
                        continue;
                    }
                }
                pos = at + 1;
                continue;
            }
            if self.strip_tags {
                if let Some(markup) = parse_markup(&text[at..], at, &mut closers) {
                    out.push_str(&text[copied..at]);
                    match markup.effect {
                        Effect::None => {}
                        Effect::LineBreak => out.push('\n'),
                        Effect::Space => out.push(' '),
                    }
                    stats.tags_stripped += 1;
                    pos = at + markup.len;
                    copied = pos;
                    continue;
                }
            }
            pos = at + 1;
        }
        out.push_str(&text[copied..]);
        Some(out)
    }
}

/// What removing a piece of markup leaves in the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Effect {
    /// Inline elements, comments: nothing, so `Kyu-duk,<strong></strong> center` keeps one space.
    None,
    /// `<br>` and block elements end a line.
    LineBreak,
    /// Table cells are separated by a space.
    Space,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Markup {
    len: usize,
    effect: Effect,
}

/// A real tag is short; a `<` followed by kilobytes before any `>` is text.
const MAX_TAG_LEN: usize = 2048;

/// What the lexer learnt, in one pass over a text, about closers that are not there.
///
/// An unclosed `<!--` or `<script>` makes the lexer search the rest of the text for `-->` or
/// `</script>`; done again at every such opener, that is quadratic (a text of a million unclosed
/// comments would take hours). A search that fails from position `p` fails from every later
/// position too, so each kind of closer is searched for at most once past the point it was
/// found missing: the whole pass stays linear.
#[derive(Debug, Default)]
struct Closers {
    /// No `-->` at or after this position of the text.
    comment_absent_from: Option<usize>,
    /// No `</name …>` at or after this position, per raw-text element (`RAW_TEXT_NAMES`).
    raw_text_absent_from: [Option<usize>; RAW_TEXT_NAMES.len()],
}

/// The elements whose contents are dropped with them (`Element::raw_text`).
const RAW_TEXT_NAMES: [&[u8]; 4] = [b"script", b"style", b"noscript", b"template"];

fn known_absent(absent_from: Option<usize>, at: usize) -> bool {
    absent_from.is_some_and(|from| at >= from)
}

/// Recognises markup at the start of `s` (which begins with `<` and starts at `at` in the text
/// being cleaned).
fn parse_markup(s: &str, at: usize, closers: &mut Closers) -> Option<Markup> {
    let bytes = s.as_bytes();
    match *bytes.get(1)? {
        b'!' => parse_declaration(s, at, closers),
        b'?' => {
            // An XML declaration `<?xml …?>` at the top of a saved page.
            if !starts_with_ignore_case(bytes, b"<?xml") {
                return None;
            }
            let end = memmem::find(&bytes[..bytes.len().min(MAX_TAG_LEN)], b"?>")?;
            Some(Markup {
                len: end + 2,
                effect: Effect::None,
            })
        }
        b'/' => {
            let name_len = tag_name_len(&bytes[2..]);
            let element = element(&bytes[2..2 + name_len])?;
            let mut end = 2 + name_len;
            while bytes.get(end).is_some_and(|b| b.is_ascii_whitespace()) {
                end += 1;
            }
            (bytes.get(end) == Some(&b'>')).then_some(Markup {
                len: end + 1,
                effect: element.effect,
            })
        }
        b if b.is_ascii_alphabetic() => parse_start_tag(s, at, closers),
        _ => None,
    }
}

/// `<!-- comment -->` and `<!DOCTYPE …>`. An unclosed comment is text: it must not eat the rest
/// of the article.
fn parse_declaration(s: &str, at: usize, closers: &mut Closers) -> Option<Markup> {
    let bytes = s.as_bytes();
    if bytes.starts_with(b"<!--") {
        if known_absent(closers.comment_absent_from, at) {
            return None;
        }
        let Some(end) = memmem::find(&bytes[4..], b"-->") else {
            closers.comment_absent_from = Some(at);
            return None;
        };
        return Some(Markup {
            len: 4 + end + 3,
            effect: Effect::None,
        });
    }
    if starts_with_ignore_case(bytes, b"<!doctype") {
        let window = &bytes[..bytes.len().min(MAX_TAG_LEN)];
        let end = memchr::memchr(b'>', window)?;
        return Some(Markup {
            len: end + 1,
            effect: Effect::None,
        });
    }
    None
}

fn parse_start_tag(s: &str, at: usize, closers: &mut Closers) -> Option<Markup> {
    let bytes = s.as_bytes();
    let name_len = tag_name_len(&bytes[1..]);
    let name = &bytes[1..1 + name_len];
    let element = element(name)?;
    let end = start_tag_end(bytes, 1 + name_len)?;
    let self_closing = bytes[end - 2] == b'/';
    if element.raw_text && !self_closing {
        // Drop a script or style with its contents; unclosed, drop only the tag, so a stray
        // `<script>` cannot swallow the article after it.
        let slot = RAW_TEXT_NAMES
            .iter()
            .position(|raw| raw.eq_ignore_ascii_case(name));
        let absent = slot.map(|slot| &mut closers.raw_text_absent_from[slot]);
        match absent {
            Some(absent) if known_absent(*absent, at + end) => {}
            absent => match find_close_tag(&bytes[end..], name) {
                Some(close) => {
                    return Some(Markup {
                        len: end + close,
                        effect: Effect::None,
                    });
                }
                None => {
                    if let Some(absent) = absent {
                        *absent = Some(at + end);
                    }
                }
            },
        }
    }
    Some(Markup {
        len: end,
        effect: element.effect,
    })
}

/// Where the start tag whose name ends at `pos` closes (just past its `>`), scanning attributes
/// the way HTML does: quoted values may hold `>`, an unquoted `<` means this was never a tag.
fn start_tag_end(bytes: &[u8], mut pos: usize) -> Option<usize> {
    // After the name must come white space, `/` or `>`: `<a@b.com>` and `<p3>` are not tags.
    match bytes.get(pos)? {
        b'>' => return Some(pos + 1),
        b'/' | b' ' | b'\t' | b'\n' | b'\r' | b'\x0c' => {}
        _ => return None,
    }
    let limit = bytes.len().min(MAX_TAG_LEN);
    while pos < limit {
        match bytes[pos] {
            b'>' => return Some(pos + 1),
            b'<' => return None,
            quote @ (b'"' | b'\'') => {
                // Only a quote that opens an attribute value (after `=`) starts a quoted run.
                let before = bytes[..pos].iter().rev().find(|b| !b.is_ascii_whitespace());
                if before == Some(&b'=') {
                    let close = memchr::memchr(quote, &bytes[pos + 1..limit])?;
                    pos += close + 2;
                    continue;
                }
                pos += 1;
            }
            _ => pos += 1,
        }
    }
    None
}

/// Finds `</name …>` (ASCII case-insensitive) in `rest`; returns the offset just past its `>`.
fn find_close_tag(rest: &[u8], name: &[u8]) -> Option<usize> {
    let mut from = 0;
    while let Some(offset) = memmem::find(&rest[from..], b"</") {
        let at = from + offset;
        let candidate = &rest[at + 2..];
        if candidate.len() >= name.len()
            && candidate[..name.len()].eq_ignore_ascii_case(name)
            && !candidate
                .get(name.len())
                .is_some_and(|b| b.is_ascii_alphanumeric())
        {
            let close = memchr::memchr(b'>', &candidate[name.len()..])?;
            return Some(at + 2 + name.len() + close + 1);
        }
        from = at + 2;
    }
    None
}

fn tag_name_len(bytes: &[u8]) -> usize {
    bytes
        .iter()
        .take(16)
        .take_while(|b| b.is_ascii_alphanumeric() || **b == b':')
        .count()
}

fn starts_with_ignore_case(bytes: &[u8], prefix: &[u8]) -> bool {
    bytes.len() >= prefix.len() && bytes[..prefix.len()].eq_ignore_ascii_case(prefix)
}

/// What we know of an HTML element name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Element {
    effect: Effect,
    /// `script`, `style`, …: contents are not text.
    raw_text: bool,
}

/// Looks a tag name up among the HTML elements. Tags are written all lower case or all upper
/// case; `<Title>` or `<Main>` in prose is a title in angle brackets, not markup.
fn element(name: &[u8]) -> Option<Element> {
    if name.is_empty() || name.len() > 16 {
        return None;
    }
    let has_lower = name.iter().any(u8::is_ascii_lowercase);
    let has_upper = name.iter().any(u8::is_ascii_uppercase);
    if has_lower && has_upper {
        return None;
    }
    let mut buffer = [0u8; 16];
    let lower = &mut buffer[..name.len()];
    lower.copy_from_slice(name);
    lower.make_ascii_lowercase();
    let inline = Element {
        effect: Effect::None,
        raw_text: false,
    };
    let block = Element {
        effect: Effect::LineBreak,
        raw_text: false,
    };
    let raw_text = Element {
        effect: Effect::None,
        raw_text: true,
    };
    let element = match &*lower {
        b"script" | b"style" | b"noscript" | b"template" => raw_text,
        b"br" | b"p" | b"div" | b"h1" | b"h2" | b"h3" | b"h4" | b"h5" | b"h6" | b"li" | b"ul"
        | b"ol" | b"dl" | b"dt" | b"dd" | b"blockquote" | b"pre" | b"table" | b"thead"
        | b"tbody" | b"tfoot" | b"tr" | b"caption" | b"hr" | b"section" | b"article" | b"aside"
        | b"header" | b"footer" | b"nav" | b"main" | b"figure" | b"figcaption" | b"address"
        | b"center" | b"details" | b"summary" | b"dialog" | b"fieldset" | b"legend" | b"form"
        | b"hgroup" | b"menu" | b"dir" | b"html" | b"head" | b"body" | b"title" | b"frameset"
        | b"noframes" | b"search" | b"option" | b"optgroup" | b"select" | b"textarea" => block,
        b"td" | b"th" => Element {
            effect: Effect::Space,
            raw_text: false,
        },
        b"a" | b"abbr" | b"acronym" | b"applet" | b"area" | b"audio" | b"b" | b"base"
        | b"basefont" | b"bdi" | b"bdo" | b"big" | b"blink" | b"button" | b"canvas" | b"cite"
        | b"code" | b"col" | b"colgroup" | b"data" | b"datalist" | b"del" | b"dfn" | b"em"
        | b"embed" | b"font" | b"frame" | b"i" | b"iframe" | b"img" | b"input" | b"ins"
        | b"kbd" | b"label" | b"link" | b"map" | b"mark" | b"marquee" | b"meta" | b"meter"
        | b"nobr" | b"object" | b"output" | b"param" | b"picture" | b"progress" | b"q" | b"rp"
        | b"rt" | b"ruby" | b"s" | b"samp" | b"slot" | b"small" | b"source" | b"span"
        | b"strike" | b"strong" | b"sub" | b"sup" | b"svg" | b"math" | b"time" | b"track"
        | b"tt" | b"u" | b"var" | b"video" | b"wbr" | b"o:p" => inline,
        _ => return None,
    };
    Some(element)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clean(text: &str) -> String {
        let stage = MarkupStage {
            strip_tags: true,
            decode_entities: true,
        };
        stage
            .clean(text, &mut CleanStats::default())
            .unwrap_or_else(|| text.to_string())
    }

    #[test]
    fn inline_tags_vanish_without_adding_spaces() {
        assert_eq!(
            clean("Noh Kyu-duk,<strong></strong> center"),
            "Noh Kyu-duk, center"
        );
        assert_eq!(clean("a<b>b</b>c <em class=\"x\">d</em>"), "abc d");
        assert_eq!(clean("<span class='a>b'>x</span>"), "x");
        assert_eq!(clean("x<o:p></o:p>y"), "xy");
    }

    #[test]
    fn br_and_block_elements_end_a_line() {
        assert_eq!(clean("one<br>two<BR/>three"), "one\ntwo\nthree");
        assert_eq!(clean("<p>one</p><p>two</p>"), "\none\n\ntwo\n");
        assert_eq!(clean("<td>a</td><td>b</td>"), " a  b ");
    }

    #[test]
    fn less_than_in_prose_is_content() {
        for text in [
            "a < b and c > d",
            "I <3 Seoul",
            "growth of 5%<10% this year",
            "write to <name@example.com> today",
            "<AAPL> rose; <Parasite> won",
            "<저작권자 ⓒ 연합뉴스, 무단 전재-재배포 금지>",
            "<Title> and <Main> are film titles",
            "x <p3> y",
            "if a<b then",
        ] {
            assert_eq!(clean(text), text);
        }
    }

    #[test]
    fn a_lone_less_than_never_swallows_the_text_after_it() {
        assert_eq!(
            clean("a <b and more text\n\nnext paragraph"),
            "a <b and more text\n\nnext paragraph"
        );
        assert_eq!(
            clean("a <!-- never closed\n\nrest"),
            "a <!-- never closed\n\nrest"
        );
        assert_eq!(
            clean("<div class=\"never closed\nrest"),
            "<div class=\"never closed\nrest"
        );
    }

    #[test]
    fn escaped_angle_brackets_stay_text() {
        assert_eq!(clean("&lt;Parasite> won"), "<Parasite> won");
        assert_eq!(clean("&lt;b&gt;bold&lt;/b&gt;"), "<b>bold</b>");
    }

    #[test]
    fn scripts_styles_and_comments_are_dropped() {
        assert_eq!(clean("a<script>var x = '<p>';</script>b"), "ab");
        assert_eq!(clean("a<STYLE type=text/css>p{}</STYLE>b"), "ab");
        assert_eq!(clean("a<!-- hidden <p> -->b"), "ab");
        assert_eq!(clean("<!DOCTYPE html>x"), "x");
        assert_eq!(clean("<?xml version=\"1.0\"?>x"), "x");
    }

    #[test]
    fn an_unclosed_script_does_not_eat_the_article() {
        assert_eq!(clean("a<script>b c d"), "ab c d");
    }

    /// Runs `clean` on `unit` repeated to about `bytes` bytes; returns the output and the time.
    fn clean_repeated(unit: &str, bytes: usize) -> (String, std::time::Duration) {
        let text = unit.repeat(bytes / unit.len());
        let mut out = String::new();
        // Thread CPU time, so that a loaded machine does not fail the test.
        let took = crate::fuzzing::thread_cpu(|| out = clean(&text));
        (out, took)
    }

    // Each of these took tens of seconds at 2–4 MB before the lexer remembered missing closers
    // (issue #12); now they are one pass. The bound is far above the linear time even in a debug
    // build on a loaded machine, and far below the quadratic one.
    #[test]
    fn unclosed_comments_repeated_are_linear() {
        let (out, took) = clean_repeated("word <!-- x ", 4 << 20);
        assert!(out.starts_with("word <!-- x word"));
        assert!(took.as_secs() < 3, "{took:?}");
    }

    #[test]
    fn unclosed_raw_text_elements_repeated_are_linear() {
        for unit in [
            "a <script> b ",
            "a <style> b ",
            "a <template> b ",
            "a <noscript> b ",
        ] {
            let (out, took) = clean_repeated(unit, 2 << 20);
            assert!(out.starts_with("a  b a  b "), "{unit}");
            assert!(took.as_secs() < 3, "{unit}: {took:?}");
        }
        // A closer that is there is still found after the misses.
        assert_eq!(clean("<script>x <style>y</style> z"), "x  z");
        assert_eq!(clean("a<script>b <SCRIPT>c</script>d"), "ad");
        assert_eq!(clean("<script>a <!-- b <style>c</style>d -->e"), "a e");
    }

    #[test]
    fn a_tag_with_300000_attributes_is_linear() {
        let mut text = String::from("<p ");
        for i in 0..300_000 {
            text.push_str(&format!("a{i}=1 "));
        }
        text.push_str(">x");
        let mut out = String::new();
        let took = crate::fuzzing::thread_cpu(|| out = clean(&text));
        assert!(out.ends_with(">x"), "too long to be a tag: text");
        assert!(took.as_secs() < 3, "{took:?}");
        let (out, took) = clean_repeated("<", 2 << 20);
        assert_eq!(out.len(), 2 << 20);
        assert!(took.as_secs() < 3, "{took:?}");
    }

    #[test]
    fn entities_decode_including_double_encoded() {
        assert_eq!(
            clean("&amp;quot;Hi&amp;quot; AT&amp;T &#8217; &copy;"),
            "\"Hi\" AT&T \u{2019} \u{a9}"
        );
        assert_eq!(clean("Tom & Jerry &unknown; &"), "Tom & Jerry &unknown; &");
    }

    #[test]
    fn control_references_vanish_and_a_del_inside_a_word_joins_it() {
        assert_eq!(
            clean("To&#127;&#127;day's arre&#127;st, ho&#5;me&#30;s.\n Reuter\n&#3;"),
            "Today's arrest, homes.\n Reuter\n"
        );
    }

    #[test]
    fn switches_turn_each_half_off() {
        let tags_only = MarkupStage {
            strip_tags: true,
            decode_entities: false,
        };
        let mut stats = CleanStats::default();
        assert_eq!(
            tags_only.clean("<b>&amp;</b>", &mut stats).unwrap(),
            "&amp;"
        );
        let entities_only = MarkupStage {
            strip_tags: false,
            decode_entities: true,
        };
        assert_eq!(
            entities_only.clean("<b>&amp;</b>", &mut stats).unwrap(),
            "<b>&</b>"
        );
        assert_eq!(stats.tags_stripped, 2);
        assert_eq!(stats.entities_decoded, 1);
    }

    #[test]
    fn text_without_markup_is_not_copied() {
        assert_eq!(
            MarkupStage {
                strip_tags: true,
                decode_entities: true
            }
            .clean("plain text", &mut CleanStats::default()),
            None
        );
    }
}

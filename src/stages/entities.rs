//! HTML character references (`&amp;`, `&#8217;`, `&#x2019;`), including the double-encoded
//! `&amp;quot;` that scraped dumps are full of.
//!
//! The table is html5ever's own (all 2,231 HTML names, via `markup5ever`), so a text file and an
//! HTML page decode the same reference to the same character. A reference to a control character
//! (`&#3;`, which ends every story of a 1980s newswire dump, `&#127;`, `&#5;`, an unmapped C1
//! `&#129;`) decodes to nothing: controls carry no text, and the raw ones are dropped by the
//! whitespace stage too, so `To&#127;&#127;day's` reads `Today's`. A reference that names no
//! character (a surrogate, an unknown name, a value past U+10FFFF) is left as written: it is
//! content, and turning it into U+FFFD would silently lose it.

use markup5ever::data::{C1_REPLACEMENTS, NAMED_ENTITIES};

/// The longest entity name in the HTML table is 32 characters (`CounterClockwiseContourIntegral`).
const MAX_NAME_LEN: usize = 32;

/// Decodes the character reference at the start of `text` (which begins with `&`) into `out`.
/// Returns the number of bytes consumed, or `None` when `text` does not start with a reference.
pub fn decode_at(text: &str, out: &mut String) -> Option<usize> {
    let body = text.strip_prefix('&')?;
    let (mut decoded, mut consumed) = decode_body(body)?;
    consumed += 1;
    // `&amp;quot;` is a `"` that was escaped twice; so is `&amp;amp;quot;` three times.
    while decoded == Decoded::One('&') && text.as_bytes()[consumed - 1] == b';' {
        match decode_body(&text[consumed..]) {
            Some((inner, len)) => {
                decoded = inner;
                consumed += len;
            }
            None => break,
        }
    }
    match decoded {
        Decoded::Nothing => {}
        Decoded::One(c) => out.push(c),
        Decoded::Two(a, b) => {
            out.push(a);
            out.push(b);
        }
    }
    Some(consumed)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Decoded {
    /// A control character: removed, as raw controls are.
    Nothing,
    One(char),
    /// A few named references (`&acE;`) stand for two code points.
    Two(char, char),
}

/// Decodes a reference without its leading `&`: `amp;`, `#39;`, `#x27;`.
fn decode_body(body: &str) -> Option<(Decoded, usize)> {
    let bytes = body.as_bytes();
    if bytes.first() == Some(&b'#') {
        return decode_numeric(body);
    }
    let name_len = bytes
        .iter()
        .take(MAX_NAME_LEN + 1)
        .take_while(|b| b.is_ascii_alphanumeric())
        .count();
    if name_len == 0 || name_len > MAX_NAME_LEN || bytes.get(name_len) != Some(&b';') {
        return None;
    }
    let &(first, second) = NAMED_ENTITIES.get(&body[..=name_len])?;
    let first = char::from_u32(first)?;
    let decoded = match second {
        0 => Decoded::One(first),
        second => Decoded::Two(first, char::from_u32(second)?),
    };
    Some((decoded, name_len + 1))
}

fn decode_numeric(body: &str) -> Option<(Decoded, usize)> {
    let bytes = body.as_bytes();
    let (radix, digits_start) = match bytes.get(1) {
        Some(b'x' | b'X') => (16, 2),
        _ => (10, 1),
    };
    let digits = bytes[digits_start..]
        .iter()
        .take_while(|b| b.is_ascii_hexdigit() && (radix == 16 || b.is_ascii_digit()))
        .count();
    // Seven hex digits already exceed U+10FFFF; more is not a character.
    if digits == 0 || digits > 8 {
        return None;
    }
    let end = digits_start + digits;
    let value = u32::from_str_radix(&body[digits_start..end], radix).ok()?;
    // HTML lets a numeric reference omit its `;` when the next character cannot continue it.
    let consumed = match bytes.get(end) {
        Some(b';') => end + 1,
        Some(b) if b.is_ascii_alphanumeric() => return None,
        _ => end,
    };
    let decoded = match value {
        // Browsers read &#128;–&#159; as windows-1252, which is what the author meant; the five
        // values windows-1252 leaves unmapped are C1 controls.
        0x80..=0x9F => match C1_REPLACEMENTS[(value - 0x80) as usize] {
            Some(c) => Decoded::One(c),
            None => Decoded::Nothing,
        },
        0x09 | 0x0A | 0x0D => Decoded::One(char::from_u32(value)?),
        0..=0x1F | 0x7F => Decoded::Nothing,
        _ => Decoded::One(char::from_u32(value)?),
    };
    Some((decoded, consumed))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(text: &str) -> Option<(String, usize)> {
        let mut out = String::new();
        decode_at(text, &mut out).map(|n| (out, n))
    }

    #[test]
    fn named_and_numeric_references() {
        assert_eq!(decode("&amp; x"), Some(("&".into(), 5)));
        assert_eq!(decode("&quot;"), Some(("\"".into(), 6)));
        assert_eq!(decode("&nbsp;"), Some(("\u{a0}".into(), 6)));
        assert_eq!(decode("&#8217;s"), Some(("\u{2019}".into(), 7)));
        assert_eq!(decode("&#x2019;"), Some(("\u{2019}".into(), 8)));
        assert_eq!(decode("&#X41;"), Some(("A".into(), 6)));
        assert_eq!(
            decode("&CounterClockwiseContourIntegral;").unwrap().0,
            "\u{2233}"
        );
    }

    #[test]
    fn double_and_triple_encoded_references_decode_to_the_character() {
        assert_eq!(decode("&amp;quot;"), Some(("\"".into(), 10)));
        assert_eq!(decode("&amp;amp;quot;"), Some(("\"".into(), 14)));
        assert_eq!(decode("&amp;#8217;"), Some(("\u{2019}".into(), 11)));
        assert_eq!(decode("&amp;lt;"), Some(("<".into(), 8)));
    }

    #[test]
    fn things_that_are_not_references_are_left_alone() {
        assert_eq!(decode("& b"), None);
        assert_eq!(decode("&T"), None);
        assert_eq!(decode("&bogus;"), None);
        assert_eq!(decode("&#xD800;"), None);
        assert_eq!(decode("&#99999999999;"), None);
        assert_eq!(decode("&#12a"), None);
        // `AT&amp;T` is `AT&T`: the `&` decodes, the `T` is not a reference.
        assert_eq!(decode("&amp;T"), Some(("&".into(), 5)));
    }

    #[test]
    fn c1_numeric_references_are_read_as_windows_1252() {
        assert_eq!(decode("&#146;"), Some(("\u{2019}".into(), 6)));
    }

    #[test]
    fn control_character_references_decode_to_nothing() {
        for (reference, len) in [
            ("&#3;", 4),
            ("&#0;", 4),
            ("&#5;", 4),
            ("&#30;", 5),
            ("&#127;", 6),
            ("&#x7F;", 6),
            ("&#129;", 6),
            ("&#x9d;", 6),
            ("&amp;#3;", 8),
        ] {
            assert_eq!(decode(reference), Some((String::new(), len)), "{reference}");
        }
        assert_eq!(decode("&#9;"), Some(("\t".into(), 4)));
    }

    #[test]
    fn numeric_reference_may_omit_its_semicolon() {
        assert_eq!(decode("&#8217 s"), Some(("\u{2019}".into(), 6)));
    }
}

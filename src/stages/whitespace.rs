//! Whitespace normalisation: the shape every later step relies on.
//!
//! Scraped text separates a title from its date with no-break spaces, doubles spaces, hides
//! zero-width characters and soft hyphens, and leaves runs of blank lines. After this stage a text
//! is lines trimmed and single-spaced, blocks separated by exactly one blank line, no blank lines
//! at either end — so two copies of an article that differ only in such noise hash the same.

use crate::article::{Article, InputFormat};

/// Configuration of the whitespace stage (`[clean] normalize_whitespace`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WhitespaceStage {
    /// Collapse runs of spaces and tabs, turn no-break spaces into spaces, trim lines.
    pub collapse: bool,
}

impl WhitespaceStage {
    pub fn applies_to(&self, _format: InputFormat) -> bool {
        true
    }

    pub fn apply(&self, article: &mut Article) {
        if self.collapse {
            article.text = normalize(&article.text);
        }
    }
}

/// Normalises `text` into trimmed, single-spaced lines and blocks separated by one blank line.
///
/// One pass over the bytes: runs of ordinary characters (visible ASCII, single spaces between
/// them, and every non-ASCII character that is not one of the few special ones) are copied
/// whole; only white space, control characters and the special characters are looked at one by
/// one. Nothing is written until visible content follows, which is what trims line ends and
/// collapses blank lines.
pub fn normalize(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut pending_space = false;
    let mut newlines = 0u32;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if is_plain(b) {
            let start = i;
            loop {
                i = skip_plain_words(bytes, i);
                match bytes.get(i).map(|&b| BYTE_CLASS[usize::from(b)]) {
                    Some(PLAIN) => i += 1,
                    // A single space between ordinary characters is ordinary too.
                    Some(SPACE) if bytes.get(i + 1).is_some_and(|&next| is_plain(next)) => i += 2,
                    Some(SPECIAL) => match visible_special_len(&bytes[i..]) {
                        Some(len) => i += len,
                        None => break,
                    },
                    _ => break,
                }
            }
            push_separator(&mut out, &mut pending_space, &mut newlines);
            // `start` and `i` sit on character boundaries: a run ends before an ASCII byte or
            // before the lead byte of a special character, never inside a sequence.
            out.push_str(&text[start..i]);
            continue;
        }
        match b {
            b'\n' => {
                newlines += 1;
                pending_space = false;
                i += 1;
            }
            b' ' | b'\t' | b'\r' | 0x0b | 0x0c => {
                pending_space = true;
                i += 1;
            }
            0x00..=0x7f => i += 1, // other control characters carry nothing
            _ => {
                let c = text[i..].chars().next().unwrap_or(' ');
                i += c.len_utf8();
                match classify(c) {
                    CharClass::Space => pending_space = true,
                    CharClass::Invisible => {}
                    CharClass::Visible => {
                        push_separator(&mut out, &mut pending_space, &mut newlines);
                        out.push(c);
                    }
                }
            }
        }
    }
    out
}

/// Writes what separates the content before from the content about to follow: nothing at the
/// start, a space within a line, a line break, or one blank line for any run of them.
fn push_separator(out: &mut String, pending_space: &mut bool, newlines: &mut u32) {
    if !out.is_empty() {
        match *newlines {
            0 if *pending_space => out.push(' '),
            0 => {}
            1 => out.push('\n'),
            _ => out.push_str("\n\n"),
        }
    }
    *pending_space = false;
    *newlines = 0;
}

/// Skips 32 bytes a step, then eight, while they are all ordinary (plain bytes and single spaces
/// between plain bytes): the common case of prose, done without a branch per byte. Returns
/// where byte-wise scanning must take over; it never skips past a byte that needs a look.
fn skip_plain_words(bytes: &[u8], mut i: usize) -> usize {
    use crate::swar::{
        BLOCK, HIGH, block_at, equal_bytes, first_lane, first_set, splat, word_at, zero_bytes,
    };
    // 32 bytes a step, each looked at with the byte after it; the bitwise operators (not `&&`)
    // keep the loop free of branches, so that it compiles to vector compares.
    while let (Some(here), Some(next)) = (block_at(bytes, i), block_at(bytes, i + 1)) {
        let mut stop = [0u8; BLOCK];
        for lane in 0..BLOCK {
            let space = here[lane] == b' ';
            stop[lane] =
                u8::from((!space & not_plain(here[lane])) | (space & not_plain(next[lane])));
        }
        if let Some(lane) = first_set(&stop) {
            return i + lane;
        }
        i += BLOCK;
    }
    while let Some(word) = word_at(bytes, i) {
        let space = equal_bytes(word, b' ');
        // C0 controls (newline, tab) and DEL; the lead bytes of special characters only when
        // the word has non-ASCII bytes at all, which in most prose it does not.
        let mut special = zero_bytes(word & splat(0xe0)) | equal_bytes(word, 0x7f);
        if word & HIGH != 0 {
            special |= equal_bytes(word, 0xc2)
                | zero_bytes((word & splat(0xfc)) ^ splat(0xe0)) // 0xE0-0xE3, 0xE0 needlessly
                | equal_bytes(word, 0xef);
        }
        // A space ends the run when the next byte is a space or special, including the byte
        // after this word for a space in its last byte.
        let next_is_plain = bytes.get(i + 8).is_some_and(|&b| is_plain(b));
        let last_space = if next_is_plain {
            0
        } else {
            space & (HIGH << 56)
        };
        let stop = special | (space & ((special | space) >> 8)) | last_space;
        if stop != 0 {
            return i + first_lane(stop);
        }
        i += 8;
    }
    i
}

/// The length of the character at the start of `bytes` if it starts with a special lead byte
/// but is an ordinary visible character after all — curly quotes and dashes (0xE2), `©` or `°`
/// (0xC2) — so that prose full of them stays on the fast path. Agrees with [`classify`].
fn visible_special_len(bytes: &[u8]) -> Option<usize> {
    match *bytes {
        // U+00A1–U+00BF except the soft hyphen U+00AD; U+00A0 and C1 controls are special.
        [0xc2, second, ..] if (0xa1..=0xbf).contains(&second) && second != 0xad => Some(2),
        // U+2000–U+206F: the spaces U+2000–U+200B, U+202F, U+205F and U+2060 are special.
        [0xe2, 0x80, third, ..] if (0x80..=0xbf).contains(&third) => {
            (!matches!(third, 0x80..=0x8b | 0xaf)).then_some(3)
        }
        [0xe2, 0x81, third, ..] if (0x80..=0xbf).contains(&third) => {
            (!matches!(third, 0x9f | 0xa0)).then_some(3)
        }
        [0xe2, second, third, ..]
            if (0x82..=0xbf).contains(&second) && (0x80..=0xbf).contains(&third) =>
        {
            Some(3)
        }
        _ => None,
    }
}

const PLAIN: u8 = 0;
const SPACE: u8 = 1;
const SPECIAL: u8 = 2;

/// [`is_plain`] as a table, plus the space, for the inner loop.
static BYTE_CLASS: [u8; 256] = {
    let mut table = [SPECIAL; 256];
    let mut b = 0;
    while b < 256 {
        if is_plain(b as u8) {
            table[b] = PLAIN;
        }
        b += 1;
    }
    table[b' ' as usize] = SPACE;
    table
};

/// `!is_plain(b)` without branches, for the vectorised loop.
#[inline(always)]
fn not_plain(b: u8) -> bool {
    (b < 0x21) | (b == 0x7f) | (b == 0xc2) | (b.wrapping_sub(0xe1) < 3) | (b == 0xef)
}

/// Bytes copied as they are: visible ASCII, UTF-8 continuation bytes, and the lead bytes of
/// characters that are never white space or invisible. The lead bytes 0xC2 (no-break space,
/// soft hyphen, C1 controls), 0xE1 (U+1680), 0xE2 (U+2000–U+206F), 0xE3 (U+3000) and 0xEF
/// (U+FEFF) start the special characters and are looked at one by one.
const fn is_plain(b: u8) -> bool {
    matches!(b, 0x21..=0x7e | 0x80..=0xc1 | 0xc3..=0xe0 | 0xe4..=0xee | 0xf0..=0xff)
}

enum CharClass {
    Space,
    /// Characters that carry nothing in extracted text and would make equal texts hash apart.
    Invisible,
    Visible,
}

fn classify(c: char) -> CharClass {
    match c {
        // No-break and other fixed-width spaces read as spaces in prose.
        '\u{a0}' | '\u{1680}' | '\u{2000}'..='\u{200a}' | '\u{202f}' | '\u{205f}' | '\u{3000}' => {
            CharClass::Space
        }
        // Zero-width space, word joiner, BOM, soft hyphen, and control characters.
        '\u{200b}' | '\u{2060}' | '\u{feff}' | '\u{ad}' => CharClass::Invisible,
        c if c.is_control() => CharClass::Invisible,
        _ => CharClass::Visible,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_trimmed_and_single_spaced() {
        assert_eq!(normalize("  a  b\t\tc  \n d "), "a b c\nd");
    }

    #[test]
    fn no_break_spaces_become_spaces() {
        assert_eq!(normalize("'T'\u{a0} \u{a0} DATE: x"), "'T' DATE: x");
    }

    #[test]
    fn blank_line_runs_become_one_and_ends_are_trimmed() {
        assert_eq!(normalize("\n\n a\n\n\n  \nb\n\n"), "a\n\nb");
        assert_eq!(normalize(" \n \n"), "");
    }

    #[test]
    fn invisible_characters_are_removed() {
        assert_eq!(
            normalize("co\u{ad}op\u{200b}er\u{feff}ate\u{7}"),
            "cooperate"
        );
    }

    #[test]
    fn special_characters_between_plain_runs() {
        assert_eq!(
            normalize("a\u{a0}\u{a0}b\u{2009}c\u{3000}d\u{2014}e\u{85}f"),
            "a b c d\u{2014}ef"
        );
        assert_eq!(normalize("\u{a0}\n\u{feff}\n\nx\u{a0}"), "x");
        assert_eq!(normalize("é ü\u{e9}\u{1f600} ok"), "é üé\u{1f600} ok");
    }

    /// The obvious, slow definition the fast one must agree with.
    fn reference(text: &str) -> String {
        let lines: Vec<String> = text
            .split('\n')
            .map(|line| {
                let mapped: String = line
                    .chars()
                    .filter_map(|c| match classify(c) {
                        CharClass::Space => Some(' '),
                        CharClass::Invisible if c != '\t' && c != '\r' => None,
                        CharClass::Invisible => Some(' '),
                        CharClass::Visible => Some(c),
                    })
                    .collect();
                mapped
                    .split(' ')
                    .filter(|w| !w.is_empty())
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect();
        let mut blocks = vec![Vec::new()];
        for line in lines {
            if line.is_empty() {
                blocks.push(Vec::new());
            } else if let Some(block) = blocks.last_mut() {
                block.push(line);
            }
        }
        blocks
            .into_iter()
            .filter(|b| !b.is_empty())
            .map(|b| b.join("\n"))
            .collect::<Vec<_>>()
            .join("\n\n")
    }

    #[test]
    fn agrees_with_the_reference_on_random_text() {
        let alphabet = [
            "a",
            "b",
            "plainword",
            "two words",
            // Longer than a block, so that the 32-byte steps run and stop at every kind of byte.
            "ordinary prose, long enough to fill a block of bytes",
            " ",
            "  ",
            "\t",
            "\n",
            "\n\n",
            "\r",
            "\u{a0}",
            "\u{ad}",
            "\u{200b}",
            "é",
            "서울",
            "\u{2014}",
            "\u{3000}",
            "\u{feff}",
            "\u{7}",
            "\u{85}",
            "\u{a9}",
            ".",
        ];
        let mut seed: u64 = 0x5eed;
        for _ in 0..5000 {
            let mut text = String::new();
            for _ in 0..(seed % 80) {
                seed = seed
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                text.push_str(alphabet[(seed >> 33) as usize % alphabet.len()]);
            }
            assert_eq!(normalize(&text), reference(&text), "{text:?}");
            assert_eq!(normalize(&normalize(&text)), normalize(&text));
        }
    }

    #[test]
    fn the_branch_free_test_is_the_table() {
        for b in 0..=255u8 {
            assert_eq!(not_plain(b), !is_plain(b), "{b:#x}");
        }
    }

    #[test]
    fn non_ascii_text_is_kept() {
        assert_eq!(
            normalize("서울  연합뉴스 — “quote”"),
            "서울 연합뉴스 — “quote”"
        );
    }
}

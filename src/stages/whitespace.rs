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
pub fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut blank_lines_pending = false;
    for line in text.split('\n') {
        let line_start = out.len();
        if line_start > 0 {
            out.push_str(if blank_lines_pending { "\n\n" } else { "\n" });
        }
        let content_start = out.len();
        push_collapsed(line, &mut out);
        if out.len() == content_start {
            // Nothing but white space: undo the separator and remember the blank line.
            out.truncate(line_start);
            blank_lines_pending = line_start > 0;
        } else {
            blank_lines_pending = false;
        }
    }
    out
}

/// Appends `line` with white space collapsed to single spaces and trimmed at both ends.
fn push_collapsed(line: &str, out: &mut String) {
    let mut pending_space = false;
    let mut wrote_any = false;
    // ASCII runs are copied whole; only the rare special characters are looked at one by one.
    let mut rest = line;
    while !rest.is_empty() {
        let run = rest
            .bytes()
            .take_while(|b| (0x21..0x7f).contains(b))
            .count();
        if run > 0 {
            if pending_space && wrote_any {
                out.push(' ');
            }
            pending_space = false;
            out.push_str(&rest[..run]);
            wrote_any = true;
            rest = &rest[run..];
            continue;
        }
        let Some(c) = rest.chars().next() else { break };
        rest = &rest[c.len_utf8()..];
        match classify(c) {
            CharClass::Space => pending_space = true,
            CharClass::Invisible => {}
            CharClass::Visible => {
                if pending_space && wrote_any {
                    out.push(' ');
                }
                pending_space = false;
                out.push(c);
                wrote_any = true;
            }
        }
    }
}

enum CharClass {
    Space,
    /// Characters that carry nothing in extracted text and would make equal texts hash apart.
    Invisible,
    Visible,
}

fn classify(c: char) -> CharClass {
    match c {
        ' ' | '\t' | '\r' | '\x0b' | '\x0c' => CharClass::Space,
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
    fn non_ascii_text_is_kept() {
        assert_eq!(
            normalize("서울  연합뉴스 — “quote”"),
            "서울 연합뉴스 — “quote”"
        );
    }
}

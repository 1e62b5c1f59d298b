//! Reads the title and date that scrapers write on the first line of a text file.
//!
//! The seed's scraper writes `'TITLE'` + no-break spaces + `DATE: 2024-10-05 15:02:17` as its first
//! line. That line is metadata, not article text: it is moved into `title` and `date`, which is
//! also what lets a re-scrape that differs only in its header date hash the same. Other dumps put
//! the title alone on the first line with a blank line after it (newswire collections, web news
//! saved as text). `[header] preset` names the layout: the seed's (the default), a title line, a
//! custom regular expression, none, or `auto`, which recognises the seed's header or a title line
//! per file — and takes a first line for a title only when it reads as one (short, no sentence
//! punctuation at its end, not indented), so an article whose first paragraph happens to be short
//! keeps it as text.

use regex::Regex;
use serde::{Deserialize, Serialize};

use super::markup::MarkupStage;
use super::whitespace;
use crate::article::{Article, CleanStats, InputFormat};

/// The default header pattern: the scraped format of the seed article,
/// `'TITLE'` + spaces / no-break spaces + `DATE: YYYY-MM-DD HH:MM:SS`.
pub const DEFAULT_HEADER_PATTERN: &str = r"^'(?P<title>.+?)'[\s\x{a0}]+DATE:\s*(?P<date>\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2})?)?)\s*$";

/// Where a text file keeps its title (and date): `[header] preset`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum HeaderPreset {
    /// The seed's scraper: `'TITLE'  DATE: YYYY-MM-DD HH:MM:SS` on the first line.
    Seed,
    /// The title alone on the first line, then a blank line.
    TitleLine,
    /// The regular expression in `[header] pattern`.
    Pattern,
    /// Per file: the seed's header, else a first line that reads as a title followed by a blank
    /// line.
    Auto,
    /// No header: the first line is text.
    None,
}

/// A first line longer than this is a paragraph, not a title (`auto` only).
const MAX_AUTO_TITLE_CHARS: usize = 200;

/// A first line longer than this is never a header, whatever the preset: real headers are a
/// few hundred bytes. The bound keeps the stage's cost independent of the text's length: an
/// unbounded line of 256 KiB that happens to end like a header cost a regex capture and a title
/// cleaning of all of it, where 16 KiB of the same bytes cost nothing (fuzz find
/// `crash-1ba267fa…`, issue #12).
pub const MAX_HEADER_LINE_BYTES: usize = 4 << 10;

/// Configuration of the header stage (`[header]`).
#[derive(Debug, Clone)]
pub struct HeaderStage {
    preset: HeaderPreset,
    pattern: Regex,
    /// The pattern is the default one, which [`match_default`] matches without the regex.
    default_pattern: bool,
    /// Titles are cleaned like the text: markup stripped, entities decoded.
    pub markup: MarkupStage,
}

impl HeaderStage {
    /// The stage for `preset`; `pattern` is read only by [`HeaderPreset::Pattern`] (the seed's
    /// preset and `auto` use [`DEFAULT_HEADER_PATTERN`]). It must name a `title` or a `date`
    /// group.
    pub fn new(
        preset: HeaderPreset,
        pattern: &str,
        markup: MarkupStage,
    ) -> Result<HeaderStage, String> {
        let pattern = match preset {
            HeaderPreset::Pattern => pattern,
            _ if pattern != DEFAULT_HEADER_PATTERN => {
                return Err("a custom pattern is read only with preset = \"pattern\"".into());
            }
            _ => DEFAULT_HEADER_PATTERN,
        };
        let pattern =
            Regex::new(pattern).map_err(|e| format!("not a valid regular expression: {e}"))?;
        let names: Vec<&str> = pattern.capture_names().flatten().collect();
        if !names.iter().any(|n| *n == "title" || *n == "date") {
            return Err(
                "the pattern names neither a `title` nor a `date` group, e.g. (?P<title>…)".into(),
            );
        }
        let default_pattern = pattern.as_str() == DEFAULT_HEADER_PATTERN;
        Ok(HeaderStage {
            preset,
            pattern,
            default_pattern,
            markup,
        })
    }

    pub fn applies_to(&self, format: InputFormat) -> bool {
        format == InputFormat::Text
    }

    pub fn apply(&self, article: &mut Article) {
        match self.preset {
            HeaderPreset::Seed | HeaderPreset::Pattern => {
                self.apply_pattern(article);
            }
            HeaderPreset::TitleLine => self.apply_title_line(article, false),
            HeaderPreset::Auto => {
                if !self.apply_pattern(article) {
                    self.apply_title_line(article, true);
                }
            }
            HeaderPreset::None => {}
        }
    }

    /// The first line as a title, when a blank line and more text follow it; with `judge`, only
    /// if it also reads as a title.
    fn apply_title_line(&self, article: &mut Article, judge: bool) {
        let text = &article.text;
        let start = text.len() - text.trim_start_matches(['\n', '\r']).len();
        let Some(end) = first_line_end(text, start).filter(|&end| end < text.len()) else {
            return;
        };
        let line = &text[start..end];
        let rest = &text[end + 1..];
        let blank_then_text = rest
            .split_once('\n')
            .is_some_and(|(blank, after)| blank.trim().is_empty() && !after.trim().is_empty());
        if line.trim().is_empty() || !blank_then_text || (judge && !reads_as_title(line)) {
            return;
        }
        let title = clean_title(line, &self.markup, &mut article.stats);
        if title.is_none() {
            return;
        }
        article.title = title;
        article.text.drain(..end);
    }

    /// The configured pattern on the first line; whether it matched.
    fn apply_pattern(&self, article: &mut Article) -> bool {
        let text = &article.text;
        let start = text.len() - text.trim_start().len();
        let Some(end) = first_line_end(text, start) else {
            return false;
        };
        let line = &text[start..end];
        let fast = match self.default_pattern {
            true => match_default(line),
            false => DefaultMatch::Unsure,
        };
        let (title, date) = match fast {
            DefaultMatch::Header { title, date } => (Some(title), Some(date)),
            DefaultMatch::NoHeader => return false,
            DefaultMatch::Unsure => {
                let Some(captures) = self.pattern.captures(line) else {
                    return false;
                };
                let group = |name| captures.name(name).map(|m| m.as_str());
                (group("title"), group("date"))
            }
        };
        if let Some(title) = title {
            article.title = clean_title(title, &self.markup, &mut article.stats);
        }
        if let Some(date) = date {
            (article.date, article.unparsed_date) = super::date::read(date);
        }
        article.text.drain(..end);
        true
    }
}

/// Where the line starting at `start` ends (its `\n`, or the end of the text), looking no
/// further than [`MAX_HEADER_LINE_BYTES`]; `None` for a longer line.
fn first_line_end(text: &str, start: usize) -> Option<usize> {
    let window = &text.as_bytes()[start..text.len().min(start + MAX_HEADER_LINE_BYTES + 1)];
    match memchr::memchr(b'\n', window) {
        Some(at) => Some(start + at),
        None => (text.len() - start <= MAX_HEADER_LINE_BYTES).then_some(text.len()),
    }
}

/// Whether a first line reads as a title rather than a short first paragraph: not indented (an
/// indent opens a wire paragraph), at most 200 characters and two words or more, not a byline,
/// and not ending like a sentence or a lead-in (`.`, `,`, `;`, `:`) unless it is all capitals,
/// as wire headlines are (`U.S. TO BUY STAKE IN ACME CORP.`).
fn reads_as_title(line: &str) -> bool {
    let trimmed = line.trim();
    if line.starts_with([' ', '\t']) || trimmed.chars().count() > MAX_AUTO_TITLE_CHARS {
        return false;
    }
    if trimmed.split_whitespace().nth(1).is_none() || trimmed.starts_with("By ") {
        return false;
    }
    let capitals_only = !trimmed.chars().any(char::is_lowercase);
    capitals_only || !trimmed.ends_with(['.', ',', ';', ':'])
}

/// What [`match_default`] made of a line.
#[derive(Debug, PartialEq, Eq)]
enum DefaultMatch<'l> {
    Header {
        title: &'l str,
        date: &'l str,
    },
    NoHeader,
    /// A non-ASCII character stands where the pattern's Unicode `\d` could match it: the regex
    /// decides.
    Unsure,
}

/// [`DEFAULT_HEADER_PATTERN`](DEFAULT_HEADER_PATTERN) matched by hand, with the
/// regex's answer: the shortest title after which the rest matches, and the longest date form
/// followed by nothing but white space. The regex's backtracking search was 5% of a run; a
/// test holds this to the regex on random lines.
fn match_default(line: &str) -> DefaultMatch<'_> {
    let Some(after) = line.strip_prefix('\'') else {
        return DefaultMatch::NoHeader;
    };
    // `.+?` then `'`: every later quote, shortest title first.
    for quote in memchr::memchr_iter(b'\'', after.as_bytes()).filter(|&q| q > 0) {
        match default_date(&after[quote + 1..]) {
            DefaultMatch::NoHeader => continue,
            DefaultMatch::Header { date, .. } => {
                return DefaultMatch::Header {
                    title: &after[..quote],
                    date,
                };
            }
            DefaultMatch::Unsure => return DefaultMatch::Unsure,
        }
    }
    DefaultMatch::NoHeader
}

/// `[\s\x{a0}]+DATE:\s*(?P<date>…)\s*$` at the start of `rest`; the title is left empty.
fn default_date(rest: &str) -> DefaultMatch<'_> {
    let after_space = rest.trim_start();
    if after_space.len() == rest.len() {
        return DefaultMatch::NoHeader;
    }
    let Some(date) = after_space.strip_prefix("DATE:") else {
        return DefaultMatch::NoHeader;
    };
    let date = date.trim_start();
    let bytes = date.as_bytes();
    // `\d` is any Unicode decimal digit: an ASCII digit matches, other ASCII does not, and a
    // non-ASCII character is left to the regex.
    let mut unsure = false;
    let mut digits = |range: std::ops::Range<usize>| {
        bytes.get(range).is_some_and(|digits| {
            digits.iter().all(|&b| {
                unsure |= !b.is_ascii();
                b.is_ascii_digit()
            })
        })
    };
    let at = |i: usize, allowed: &[u8]| bytes.get(i).is_some_and(|b| allowed.contains(b));
    let day = digits(0..4) && at(4, b"-") && digits(5..7) && at(7, b"-") && digits(8..10);
    let time = day && at(10, b" T") && digits(11..13) && at(13, b":") && digits(14..16);
    let seconds = time && at(16, b":") && digits(17..19);
    if unsure {
        return DefaultMatch::Unsure;
    }
    // The optional parts are greedy: the longest form the end of the line allows.
    let forms = [(seconds, 19), (time, 16), (day, 10)];
    for (matched, end) in forms {
        if matched && date[end..].chars().all(char::is_whitespace) {
            return DefaultMatch::Header {
                title: "",
                date: &date[..end],
            };
        }
    }
    DefaultMatch::NoHeader
}

/// A title cleaned like the text (markup stripped, entities decoded, white space collapsed) and
/// on one line; `None` if nothing is left.
pub fn clean_title(raw: &str, markup: &MarkupStage, stats: &mut CleanStats) -> Option<String> {
    let cleaned = markup.clean(raw, stats);
    let title = whitespace::normalize(cleaned.as_deref().unwrap_or(raw)).replace('\n', " ");
    (!title.is_empty()).then_some(title)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn markup() -> MarkupStage {
        MarkupStage {
            strip_tags: true,
            decode_entities: true,
        }
    }

    fn stage() -> HeaderStage {
        preset(HeaderPreset::Seed)
    }

    fn preset(preset: HeaderPreset) -> HeaderStage {
        HeaderStage::new(preset, DEFAULT_HEADER_PATTERN, markup()).unwrap()
    }

    fn title_and_text(stage: &HeaderStage, text: &str) -> (Option<String>, String) {
        let mut article = Article::new(InputFormat::Text, text.into());
        stage.apply(&mut article);
        (article.title, article.text)
    }

    #[test]
    fn the_title_line_preset_takes_a_first_line_followed_by_a_blank_line() {
        let stage = preset(HeaderPreset::TitleLine);
        assert_eq!(
            title_and_text(
                &stage,
                "BAHIA COCOA REVIEW\n\n    SALVADOR, Feb 26 - Showers."
            ),
            (
                Some("BAHIA COCOA REVIEW".into()),
                "\n\n    SALVADOR, Feb 26 - Showers.".into()
            )
        );
        // No blank line after it, or nothing after that: no title.
        for text in ["One line\nand the next.", "Only a title\n\n", "Just text."] {
            assert_eq!(title_and_text(&stage, text), (None, text.into()));
        }
    }

    #[test]
    fn auto_recognises_each_layout_and_invents_no_titles() {
        let auto = preset(HeaderPreset::Auto);
        let seed_line = "'Samsung shares rise'\u{a0}\u{a0}DATE: 2024-10-05 15:02:17\n\nBody.";
        let mut article = Article::new(InputFormat::Text, seed_line.into());
        auto.apply(&mut article);
        assert_eq!(article.title.as_deref(), Some("Samsung shares rise"));
        assert_eq!(article.date.as_deref(), Some("2024-10-05T15:02:17"));
        for (text, title) in [
            (
                "Tesco profits rise 5%\n\nThe retailer said.",
                Some("Tesco profits rise 5%"),
            ),
            (
                "U.S. TO BUY STAKE IN ACME CORP.\n\nBody.",
                Some("U.S. TO BUY STAKE IN ACME CORP."),
            ),
            ("Is this the end?\n\nBody.", Some("Is this the end?")),
            // Short first paragraphs, bylines, wire paragraphs: not titles.
            ("Police are investigating.\n\nThe fire began at dawn.", None),
            ("By John Smith\n\nThe fire began at dawn.", None),
            ("    SALVADOR, Feb 26 - Showers\n\ncontinued.", None),
            ("Updated:\n\nThe fire began at dawn.", None),
        ] {
            assert_eq!(title_and_text(&auto, text).0.as_deref(), title, "{text}");
        }
    }

    #[test]
    fn a_custom_pattern_needs_the_pattern_preset() {
        assert!(HeaderStage::new(HeaderPreset::Seed, "^(?P<title>.+)$", markup()).is_err());
        let stage = HeaderStage::new(HeaderPreset::Pattern, "^# (?P<title>.+)$", markup()).unwrap();
        assert_eq!(
            title_and_text(&stage, "# Heading\nBody").0.as_deref(),
            Some("Heading")
        );
        let none = preset(HeaderPreset::None);
        let text = "'T'  DATE: 2024-10-05 15:02:17\nBody";
        assert_eq!(title_and_text(&none, text), (None, text.into()));
    }

    #[test]
    fn seed_header_gives_title_and_date_and_leaves_the_text() {
        let mut article = Article::new(
            InputFormat::Text,
            "'US ready to sit down with North Korea anytime' \u{a0} \u{a0} DATE: 2024-10-05 15:02:17\n\nBody".into(),
        );
        stage().apply(&mut article);
        assert_eq!(
            article.title.as_deref(),
            Some("US ready to sit down with North Korea anytime")
        );
        assert_eq!(article.date.as_deref(), Some("2024-10-05T15:02:17"));
        assert_eq!(article.text, "\n\nBody");
    }

    #[test]
    fn title_with_apostrophes_and_markup_is_cleaned() {
        let mut article = Article::new(
            InputFormat::Text,
            "'Kim's <b>visit</b> &amp; talks'  DATE: 2024-02-29 01:02:03\r\nBody".into(),
        );
        stage().apply(&mut article);
        assert_eq!(article.title.as_deref(), Some("Kim's visit & talks"));
        assert_eq!(article.date.as_deref(), Some("2024-02-29T01:02:03"));
    }

    #[test]
    fn a_first_line_that_is_not_a_header_stays_text() {
        let mut article = Article::new(InputFormat::Text, "Just a paragraph.\nMore.".into());
        stage().apply(&mut article);
        assert_eq!(article.title, None);
        assert_eq!(article.text, "Just a paragraph.\nMore.");
    }

    #[test]
    fn the_default_pattern_by_hand_agrees_with_the_regex() {
        let regex = Regex::new(DEFAULT_HEADER_PATTERN).unwrap();
        // Lines shaped like headers, with every part sometimes missing or slightly wrong.
        let parts: [&[&str]; 9] = [
            &["'", "'", "'", "", "x'"],
            &[
                "Title",
                "'",
                "é",
                " ",
                "\u{2019}",
                "'\u{a0}DATE: 2019-01-01",
                "x",
                "\u{663}",
            ],
            &["'", "'", "'", "", "\u{2019}"],
            &[" ", "\u{a0}\u{a0}", "\u{3000}", "\t", "", " \u{a0} "],
            &["DATE:", "DATE:", "DATE", "Date:", "DATE: "],
            &["", " ", "\u{3000}", "  "],
            &[
                "2019-03-05",
                "2019-03-05",
                "2019-3-05",
                "20190-03-05",
                "2019-03-0\u{663}",
                "\u{663}019-03-05",
            ],
            &[
                "",
                " 03:33",
                "T03:33",
                " 03:33:13",
                " 3:33",
                " 03:33:1",
                "T03:33:\u{663}3",
                "x03:33",
            ],
            &[
                "",
                "",
                " ",
                "\u{3000}",
                "x",
                " 12",
                "'  DATE: 2020-01-01",
                ":13",
            ],
        ];
        let mut seed: u64 = 0x4ead;
        let mut next = |n: usize| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) as usize % n
        };
        let (mut headers, mut no_headers, mut unsure) = (0, 0, 0);
        for _ in 0..50_000 {
            let mut line = String::new();
            for (i, choices) in parts.iter().enumerate() {
                let repeat = if i == 1 { 1 + next(3) } else { 1 };
                for _ in 0..repeat {
                    line.push_str(choices[next(choices.len())]);
                }
            }
            let expected = regex
                .captures(&line)
                .map(|c| (c["title"].to_string(), c["date"].to_string()));
            match match_default(&line) {
                DefaultMatch::Unsure => unsure += 1,
                DefaultMatch::NoHeader => {
                    assert_eq!(expected, None, "{line:?}");
                    no_headers += 1;
                }
                DefaultMatch::Header { title, date } => {
                    let found = Some((title.to_string(), date.to_string()));
                    assert_eq!(found, expected, "{line:?}");
                    headers += 1;
                }
            }
        }
        assert!(
            headers > 4_000 && no_headers > 4_000,
            "{headers} {no_headers}"
        );
        assert!(unsure < 10_000, "{unsure} lines left to the regex");
    }

    #[test]
    fn the_seed_header_is_matched_by_hand() {
        let line = "'Samsung shares rise'\u{a0}\u{a0}DATE: 2024-10-05 15:02:17";
        assert_eq!(
            match_default(line),
            DefaultMatch::Header {
                title: "Samsung shares rise",
                date: "2024-10-05 15:02:17"
            }
        );
    }

    #[test]
    fn patterns_must_name_a_group() {
        assert!(HeaderStage::new(HeaderPreset::Pattern, "^(.*)$", markup()).is_err());
        assert!(HeaderStage::new(HeaderPreset::Pattern, "(", markup()).is_err());
    }

    #[test]
    fn a_first_line_past_the_header_bound_is_text_in_every_preset() {
        let title = "x".repeat(MAX_HEADER_LINE_BYTES + 1);
        let long_seed = format!("'{title}'  DATE: 2024-10-05\n\nBody.");
        let long_title = format!("{title}\n\nBody.");
        for (preset_, text) in [
            (HeaderPreset::Seed, &long_seed),
            (HeaderPreset::Auto, &long_seed),
            (HeaderPreset::TitleLine, &long_title),
        ] {
            assert_eq!(
                title_and_text(&preset(preset_), text),
                (None, text.clone()),
                "{preset_:?}"
            );
        }
        // Just under the bound, the header is read.
        let short = format!(
            "'{}'  DATE: 2024-10-05",
            "x".repeat(MAX_HEADER_LINE_BYTES - 30)
        );
        assert!(title_and_text(&stage(), &short).0.is_some());
    }

    #[test]
    fn a_header_line_without_end_costs_linear_time() {
        // The fuzzer's find: a seed header repeated, cut where it happens to end like one, so
        // that the whole amplified text was one header line to capture and clean.
        let find = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/fuzz/corpus/header/crash-1ba267faa7129e4385845ef350c532345042d7fe"
        ))
        .unwrap();
        let stage = stage();
        crate::fuzzing::check_linear(&find, |input| {
            let text = String::from_utf8_lossy(input).into_owned();
            stage.apply(&mut Article::new(InputFormat::Text, text));
        });
    }
}

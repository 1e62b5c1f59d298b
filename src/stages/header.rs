//! Reads the title and date that scrapers write on the first line of a text file.
//!
//! The seed's scraper writes `'TITLE'` + no-break spaces + `DATE: 2024-10-05 15:02:17` as its first
//! line. That line is metadata, not article text: it is moved into `title` and `date`, which is
//! also what lets a re-scrape that differs only in its header date hash the same. The pattern is
//! configurable (`[header] pattern`) for other scrapers' formats.

use regex::Regex;

use super::markup::MarkupStage;
use super::whitespace;
use crate::article::{Article, CleanStats, InputFormat};

/// Configuration of the header stage (`[header]`).
#[derive(Debug, Clone)]
pub struct HeaderStage {
    pattern: Regex,
    /// Titles are cleaned like the text: markup stripped, entities decoded.
    pub markup: MarkupStage,
}

impl HeaderStage {
    /// Compiles the header pattern; it must name a `title` or a `date` group.
    pub fn new(pattern: &str, markup: MarkupStage) -> Result<HeaderStage, String> {
        let pattern =
            Regex::new(pattern).map_err(|e| format!("not a valid regular expression: {e}"))?;
        let names: Vec<&str> = pattern.capture_names().flatten().collect();
        if !names.iter().any(|n| *n == "title" || *n == "date") {
            return Err(
                "the pattern names neither a `title` nor a `date` group, e.g. (?P<title>…)".into(),
            );
        }
        Ok(HeaderStage { pattern, markup })
    }

    pub fn applies_to(&self, format: InputFormat) -> bool {
        format == InputFormat::Text
    }

    pub fn apply(&self, article: &mut Article) {
        let text = &article.text;
        let start = text.len() - text.trim_start().len();
        let end = text[start..].find('\n').map_or(text.len(), |i| start + i);
        let line = &text[start..end];
        let Some(captures) = self.pattern.captures(line) else {
            return;
        };
        if let Some(title) = captures.name("title") {
            article.title = clean_title(title.as_str(), &self.markup, &mut article.stats);
        }
        if let Some(date) = captures.name("date") {
            article.date = normalize_date(date.as_str());
        }
        article.text.drain(..end);
    }
}

/// A title cleaned like the text (markup stripped, entities decoded, white space collapsed) and
/// on one line; `None` if nothing is left.
pub fn clean_title(raw: &str, markup: &MarkupStage, stats: &mut CleanStats) -> Option<String> {
    let cleaned = markup.clean(raw, stats);
    let title = whitespace::normalize(cleaned.as_deref().unwrap_or(raw)).replace('\n', " ");
    (!title.is_empty()).then_some(title)
}

/// Normalises a date as pages and scrapers write it to ISO 8601 `YYYY-MM-DDTHH:MM:SS`.
///
/// Accepts `YYYY-MM-DD`, `YYYY/MM/DD` or `YYYY.MM.DD`, optionally followed by a space or `T` and
/// `HH:MM[:SS[.fraction]]` and a zone (`Z`, `+09:00`, `+0900`). The wall-clock time is kept as
/// written and the zone dropped, as the seed's dates have none; a date without a time gets
/// `T00:00:00`. Impossible dates (month 13, February 30) give `None`.
pub fn normalize_date(text: &str) -> Option<String> {
    let text = text.trim();
    let bytes = text.as_bytes();
    let number = |range: std::ops::Range<usize>| -> Option<u32> {
        let digits = bytes.get(range)?;
        digits
            .iter()
            .all(u8::is_ascii_digit)
            .then(|| digits.iter().fold(0, |n, d| n * 10 + u32::from(d - b'0')))
    };
    let year = number(0..4)?;
    let separator = *bytes.get(4)?;
    if !matches!(separator, b'-' | b'/' | b'.') || bytes.get(7) != Some(&separator) {
        return None;
    }
    let (month, day) = (number(5..7)?, number(8..10)?);
    let (mut hour, mut minute, mut second) = (0, 0, 0);
    let rest = &bytes[10..];
    if let Some(&sep) = rest.first() {
        if sep == b'T' || sep == b' ' {
            hour = number(11..13)?;
            if bytes.get(13) != Some(&b':') {
                return None;
            }
            minute = number(14..16)?;
            if bytes.get(16) == Some(&b':') {
                second = number(17..19)?;
            }
        } else {
            return None;
        }
    }
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days_in_month = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    if day == 0 || day > days_in_month || hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    Some(format!(
        "{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::DEFAULT_HEADER_PATTERN;

    fn stage() -> HeaderStage {
        HeaderStage::new(
            DEFAULT_HEADER_PATTERN,
            MarkupStage {
                strip_tags: true,
                decode_entities: true,
            },
        )
        .unwrap()
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
    fn patterns_must_name_a_group() {
        let markup = MarkupStage {
            strip_tags: true,
            decode_entities: true,
        };
        assert!(HeaderStage::new("^(.*)$", markup.clone()).is_err());
        assert!(HeaderStage::new("(", markup).is_err());
    }

    #[test]
    fn dates_are_normalised_or_refused() {
        assert_eq!(
            normalize_date("2024-10-05 15:02:17").as_deref(),
            Some("2024-10-05T15:02:17")
        );
        assert_eq!(
            normalize_date("2024-10-05T15:02:17+09:00").as_deref(),
            Some("2024-10-05T15:02:17")
        );
        assert_eq!(
            normalize_date("2024-10-05T15:02:17.123Z").as_deref(),
            Some("2024-10-05T15:02:17")
        );
        assert_eq!(
            normalize_date("2024.10.05 15:02").as_deref(),
            Some("2024-10-05T15:02:00")
        );
        assert_eq!(
            normalize_date("2024/10/05").as_deref(),
            Some("2024-10-05T00:00:00")
        );
        assert_eq!(normalize_date("2023-02-29"), None);
        assert_eq!(normalize_date("2024-13-01"), None);
        assert_eq!(normalize_date("Oct 5, 2024"), None);
        assert_eq!(normalize_date("2024-10-05x"), None);
    }
}

//! Dates as pages, headers and dumps write them, normalised to RFC 3339 through jiff.
//!
//! A date is only worth writing if every downstream parser reads it and it means what the
//! source said. So the offset the source gave is kept (`+09:00`, `Z` for UTC), a date without
//! one stays a local date-time without one, and whatever a strict parser would refuse is `None`
//! rather than a guess: trailing junk, impossible dates (February 30) and leap seconds (`:60`,
//! which pyarrow and Python reject; jiff would clamp them to `:59`, so they are refused first).
//! The forms pages and dumps really carry are read: ISO 8601 / RFC 3339 (with `/` or `.`
//! between the date's parts too), RFC 2822 (`Wed, 06 Nov 2024 08:00:00 +0900`), "November 6,
//! 2024", "6 Nov 2024", and, in a dump's fields only, epoch seconds or milliseconds.
//!
//! The written form is always `YYYY-MM-DDTHH:MM:SS` and an optional offset, so one string
//! column holds every date and `TIMESTAMPTZ`/`pd.to_datetime(..., format="ISO8601")` read all
//! of them.

use jiff::civil::DateTime;

use crate::article::Article;
use jiff::Timestamp;
use jiff::fmt::temporal::{Pieces, PiecesOffset};
use jiff::fmt::{rfc2822, strtime};
use jiff::tz::Offset;

/// Written dates never carry fractions of a second: one shape for the whole column.
const CIVIL: &str = "%Y-%m-%dT%H:%M:%S";

/// Month-name forms, tried in order; `%d` takes one or two digits.
const NAMED_MONTH_FORMS: &[&str] = &[
    "%B %d, %Y",
    "%b %d, %Y",
    "%b. %d, %Y",
    "%B %d %Y",
    "%b %d %Y",
    "%d %B %Y",
    "%d %b %Y",
    "%d %b. %Y",
    "%A, %B %d, %Y",
    "%a, %b %d, %Y",
];

/// Sets the article's `date` from what the input wrote; a date that cannot be read is `None`
/// and kept in `unparsed_date`, to be counted in `report.json`.
pub fn set(article: &mut Article, written: &str) {
    (article.date, article.unparsed_date) = read(written);
}

/// The normalised date, or the written text when it cannot be read (for the count).
pub fn read(written: &str) -> (Option<String>, Option<String>) {
    match normalize(written) {
        Some(date) => (Some(date), None),
        None => (None, Some(written.trim().to_string())),
    }
}

/// A date from a page or a text header, normalised; `None` when it cannot be read for sure.
pub fn normalize(text: &str) -> Option<String> {
    let text = text.trim();
    if text.is_empty() || has_leap_second(text) {
        return None;
    }
    iso(text)
        .or_else(|| rfc2822(text))
        .or_else(|| named_month(text))
}

/// A date from a dump's field: as [`normalize`], and a bare integer is epoch seconds or, from
/// 10^11 on (year 5138 in seconds), milliseconds.
pub fn normalize_field(text: &str) -> Option<String> {
    let trimmed = text.trim();
    if !trimmed.is_empty() && trimmed.bytes().all(|b| b.is_ascii_digit()) {
        return trimmed.parse().ok().and_then(from_epoch);
    }
    normalize(text)
}

/// Epoch seconds, or milliseconds from 10^11 on, as an RFC 3339 UTC date.
pub fn from_epoch(number: i64) -> Option<String> {
    let timestamp = if number.unsigned_abs() >= 100_000_000_000 {
        Timestamp::from_millisecond(number).ok()?
    } else {
        Timestamp::from_second(number).ok()?
    };
    with_offset(Offset::UTC.to_datetime(timestamp), Some(Offset::UTC))
}

/// `60` in a seconds field: a leap second, which most parsers downstream refuse.
fn has_leap_second(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.windows(4).enumerate().any(|(i, window)| {
        window[0].is_ascii_digit()
            && &window[1..] == b":60"
            && !bytes.get(i + 4).is_some_and(u8::is_ascii_digit)
            && i >= 3
            && bytes[i - 2] == b':'
    })
}

/// ISO 8601 / RFC 3339, with a space or `T` before the time; `YYYY/MM/DD` and `YYYY.MM.DD` too.
fn iso(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let separated = |sep: u8| bytes.get(4) == Some(&sep) && bytes.get(7) == Some(&sep);
    let owned;
    let text = if separated(b'/') || separated(b'.') {
        let mut fixed = text.to_string();
        fixed.replace_range(4..5, "-");
        fixed.replace_range(7..8, "-");
        owned = fixed;
        owned.as_str()
    } else {
        text
    };
    let pieces = Pieces::parse(text).ok()?;
    // A bracketed zone name (`[Asia/Seoul]`) is not what pages write; refuse rather than guess.
    if pieces.time_zone_annotation().is_some() {
        return None;
    }
    let time = pieces.time().unwrap_or_default();
    let datetime = pieces.date().to_datetime(time);
    let offset = match pieces.offset() {
        None => None,
        Some(PiecesOffset::Zulu) => Some(Offset::UTC),
        Some(other) => Some(other.to_numeric_offset()),
    };
    with_offset(datetime, offset)
}

fn rfc2822(text: &str) -> Option<String> {
    let zoned = rfc2822::parse(text).ok()?;
    with_offset(zoned.datetime(), Some(zoned.offset()))
}

fn named_month(text: &str) -> Option<String> {
    NAMED_MONTH_FORMS.iter().find_map(|form| {
        let date = strtime::parse(form, text).ok()?.to_date().ok()?;
        with_offset(date.to_datetime(jiff::civil::Time::midnight()), None)
    })
}

/// `YYYY-MM-DDTHH:MM:SS`, then `Z` for UTC, `±HH:MM` for another offset, nothing for none.
/// Years outside 1 to 9999 (which jiff allows) are `None`: Python's `datetime` and pyarrow
/// cannot hold them.
fn with_offset(datetime: DateTime, offset: Option<Offset>) -> Option<String> {
    if !(1..=9999).contains(&datetime.year()) {
        return None;
    }
    let mut out = datetime.strftime(CIVIL).to_string();
    match offset {
        None => {}
        Some(offset) if offset.is_zero() => out.push('Z'),
        Some(offset) => {
            let seconds = offset.seconds();
            let sign = if seconds < 0 { '-' } else { '+' };
            let minutes = seconds.unsigned_abs() / 60;
            out.push_str(&format!("{sign}{:02}:{:02}", minutes / 60, minutes % 60));
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(text: &str) -> Option<String> {
        normalize(text)
    }

    #[test]
    fn the_offset_is_kept_with_z_for_utc() {
        let cases = [
            ("2024-11-01T19:20:00+09:00", "2024-11-01T19:20:00+09:00"),
            ("2024-11-01T19:20:00+0900", "2024-11-01T19:20:00+09:00"),
            ("2024-11-01T19:20:00-05:30", "2024-11-01T19:20:00-05:30"),
            ("2024-10-05T15:02:17.123Z", "2024-10-05T15:02:17Z"),
            ("2024-10-05T15:02:17+00:00", "2024-10-05T15:02:17Z"),
            ("2024-10-05 15:02:17", "2024-10-05T15:02:17"),
            ("2024.10.05 15:02", "2024-10-05T15:02:00"),
            ("2024/11/06", "2024-11-06T00:00:00"),
            ("2024-11-06", "2024-11-06T00:00:00"),
        ];
        for (text, expected) in cases {
            assert_eq!(n(text).as_deref(), Some(expected), "{text}");
        }
    }

    #[test]
    fn what_pages_and_dumps_carry_is_read() {
        let cases = [
            (
                "Wed, 06 Nov 2024 08:00:00 +0900",
                "2024-11-06T08:00:00+09:00",
            ),
            ("Wed, 6 Nov 2024 08:00:00 GMT", "2024-11-06T08:00:00Z"),
            ("November 6, 2024", "2024-11-06T00:00:00"),
            ("Nov 6, 2024", "2024-11-06T00:00:00"),
            ("6 Nov 2024", "2024-11-06T00:00:00"),
            ("06 November 2024", "2024-11-06T00:00:00"),
        ];
        for (text, expected) in cases {
            assert_eq!(n(text).as_deref(), Some(expected), "{text}");
        }
    }

    #[test]
    fn junk_leap_seconds_and_impossible_dates_are_refused() {
        for text in [
            "2024-10-05T15:02:17junk",
            "2024-10-05x",
            "2016-12-31T23:59:60Z",
            "Sat, 31 Dec 2016 23:59:60 +0000",
            "2023-02-29",
            "2024-13-01",
            "2024-04-31T10:00:00",
            "February 30, 2024",
            "yesterday",
            "",
            "2024-11-06T10:00:00[Asia/Seoul]",
            "0000-01-01",
            "-000001-01-01",
        ] {
            assert_eq!(n(text), None, "{text}");
        }
    }

    #[test]
    fn epochs_are_read_in_fields_only() {
        assert_eq!(
            normalize_field("1730851200").as_deref(),
            Some("2024-11-06T00:00:00Z")
        );
        assert_eq!(
            normalize_field("1730851200123").as_deref(),
            Some("2024-11-06T00:00:00Z")
        );
        assert_eq!(from_epoch(0).as_deref(), Some("1970-01-01T00:00:00Z"));
        assert_eq!(normalize("1730851200"), None);
    }
}

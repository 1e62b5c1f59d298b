//! Photo credits: the endings that mark a line as a caption (`… Monday. Yonhap`,
//! `(AP Photo/Ahn Young-joon)`, `… / Reuters`) and the whole-line credits galleries print under
//! each photo (`Photo: Hau Dinh, AP`).
//!
//! A credit is the strongest evidence of a caption, so matching is strict about where the credit
//! stands: after the caption's last sentence, a slash or a dash, or in final parentheses. A body
//! sentence that names an agency (`… he told Reuters.`) ends in sentence punctuation and is not
//! credited.

use rustc_hash::FxHashSet;

use super::chars_at_most;

/// Credits longer than this are sentences, not credits.
const MAX_CREDIT_CHARS: usize = 80;

/// The configured credit endings, compiled. `*` stands for one or more characters.
#[derive(Debug, Clone, Default)]
pub struct CreditMatcher {
    /// Patterns without `*`, lower-cased: one hash lookup decides them all.
    exact: FxHashSet<String>,
    /// Patterns with `*`, lower-cased, as one anchored regular expression (`*` is `.+`): one
    /// pass over a candidate tries them all.
    wildcard: Option<regex::Regex>,
}

impl CreditMatcher {
    pub fn new(patterns: &[String]) -> Result<CreditMatcher, String> {
        let mut matcher = CreditMatcher::default();
        let mut wildcards = Vec::new();
        for pattern in patterns {
            let pattern = pattern.trim();
            if pattern.trim_matches('*').trim().is_empty() {
                return Err(format!("credit `{pattern}` would match every line"));
            }
            let lower = pattern.to_lowercase();
            if lower.contains('*') {
                let parts: Vec<String> = lower.split('*').map(regex::escape).collect();
                wildcards.push(parts.join(".+"));
            } else {
                matcher.exact.insert(lower);
            }
        }
        if !wildcards.is_empty() {
            let alternatives = wildcards.join("|");
            let regex = regex::Regex::new(&format!("^(?s:{alternatives})$"))
                .map_err(|e| format!("credits do not compile: {e}"))?;
            matcher.wildcard = Some(regex);
        }
        Ok(matcher)
    }

    /// Whether `line` ends with a photo credit after some caption text: the credit is what follows
    /// the last sentence (`… Monday. Yonhap`), a slash or dash (`… / Reuters`), or stands in final
    /// parentheses (`(AP Photo/Ahn Young-joon)`). A line ending in `.` is a sentence, so
    /// `… he told Reuters.` is not credited.
    pub fn is_credited(&self, line: &str) -> bool {
        if self.exact.is_empty() && self.wildcard.is_none() {
            return false;
        }
        let (whole, agency) = standalone_credit(line);
        credit_candidates(line)
            .chain(agency)
            .any(|candidate| self.matches(candidate, true))
            // A line that is only a name (`Yonhap`) is a source line, not a credit: a whole line
            // counts only by a pattern with words around its `*` (`Photo: *`).
            || whole.is_some_and(|whole| self.matches(whole, false))
    }

    fn matches(&self, candidate: &str, exact_too: bool) -> bool {
        if !chars_at_most(candidate, MAX_CREDIT_CHARS) {
            return false;
        }
        let candidate = candidate.trim();
        // Most candidates are ASCII: lower-cased on the stack, they cost no allocation.
        let mut ascii = [0u8; 4 * MAX_CREDIT_CHARS];
        let lowered;
        let candidate = match ascii.get_mut(..candidate.len()) {
            Some(buffer) if candidate.is_ascii() => {
                buffer.copy_from_slice(candidate.as_bytes());
                buffer.make_ascii_lowercase();
                std::str::from_utf8(buffer).unwrap_or_default()
            }
            _ => {
                lowered = candidate.to_lowercase();
                lowered.as_str()
            }
        };
        (exact_too && self.exact.contains(candidate))
            || self
                .wildcard
                .as_ref()
                .is_some_and(|w| w.is_match(candidate))
    }
}

/// The trailing pieces of `line` that could be a credit.
fn credit_candidates(line: &str) -> impl Iterator<Item = &str> {
    let line = without_toggle(line.trim_end());
    // A credit never ends in sentence punctuation or a closing quote: most body paragraphs stop
    // here, before any search.
    let sentence = line.ends_with(['.', '!', '?', ',', ';', ':', '"', '\'', '\u{201d}']);
    // A credit is short, so only the line's tail can hold one; searching just the tail keeps
    // long paragraphs cheap.
    let mut tail_start = line.len().saturating_sub(4 * MAX_CREDIT_CHARS + 8);
    while !line.is_char_boundary(tail_start) {
        tail_start += 1;
    }
    let tail = &line[tail_start..];
    let parenthesised = tail.strip_suffix(')').and_then(|inner| {
        inner
            .rfind('(')
            .filter(|&open| tail_start + open > 0)
            .map(|open| &inner[open + 1..])
    });
    let after_separator = if sentence {
        None
    } else {
        last_separator_end(tail).map(|start| tail[start..].trim())
    };
    parenthesised.into_iter().chain(after_separator)
}

/// `line` without the "less" link of an expanded gallery caption (`… (AP Photo/Gene J. Puskar)
/// less`, as Hearst's sites print every caption).
fn without_toggle(line: &str) -> &str {
    line.strip_suffix(") less")
        .map_or(line, |kept| &line[..kept.len() + 1])
}

/// A line that may be nothing but a credit, as galleries print one under each photo (`Photo: Hau
/// Dinh, AP`, `(Reed Saxon / Associated Press)`, `Sakib Ali/Hindustan Times/Getty Images`): the
/// whole line without enclosing parentheses, and the agency after its last comma or slash. Only
/// a short line that is not a sentence qualifies.
fn standalone_credit(line: &str) -> (Option<&str>, Option<&str>) {
    let trimmed = line.trim();
    let enclosed = trimmed
        .strip_prefix('(')
        .and_then(|inner| inner.strip_suffix(')'));
    let whole = enclosed.unwrap_or(trimmed).trim();
    // Inside parentheses a final `.` ends an abbreviation (`Corp.`), not a sentence.
    let sentence = whole.ends_with(['!', '?', ',', ';', ':', '"', '\'', '\u{201d}'])
        || (enclosed.is_none() && whole.ends_with('.'));
    if sentence || !chars_at_most(whole, MAX_CREDIT_CHARS) {
        return (None, None);
    }
    // A name alone in parentheses on its own line (`(Getty Images)`, `(PA Wire)`) is a credit,
    // not a source line: matched like an agency after a slash.
    let agency = whole
        .rfind([',', '/'])
        .map(|at| whole[at + 1..].trim())
        .or(enclosed.map(|_| whole));
    (Some(whole), agency)
}

/// What may stand between a caption and its credit.
const CREDIT_SEPARATORS: [&str; 11] = [
    ". ",
    "! ",
    "? ",
    "\" ",
    "\u{201d} ",
    " / ",
    " - ",
    " -- ",
    " \u{2014} ",
    " \u{2013} ",
    " | ",
];

/// Where the text after the last credit separator in `tail` starts. Every separator ends in a
/// space, so only spaces are candidates, scanned from the end.
fn last_separator_end(tail: &str) -> Option<usize> {
    memchr::memrchr_iter(b' ', tail.as_bytes())
        .map(|space| space + 1)
        .find(|&end| {
            CREDIT_SEPARATORS
                .iter()
                .any(|sep| tail[..end].ends_with(sep))
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stages::captions::RawCaptions;

    fn credits() -> CreditMatcher {
        CreditMatcher::new(&RawCaptions::default().credits).unwrap()
    }

    #[test]
    fn credit_forms() {
        let credits = credits();
        for line in [
            "A man walks in Seoul. Yonhap",
            "A man walks in Seoul. AP-Yonhap",
            "A man walks in Seoul. Korea Times photo by Shim Hyun-chul",
            "A man walks in Seoul. Courtesy of Ministry of Foreign Affairs",
            "A man walks in Seoul (AP Photo/Ahn Young-joon)",
            "A man walks in Seoul / Reuters",
            "A man walks in Seoul. AFP via Getty Images",
        ] {
            assert!(credits.is_credited(line), "{line}");
        }
        for line in [
            "Yonhap",
            "Seoul (Yonhap) -- The minister said.",
            "The photo by Kim went viral.",
        ] {
            assert!(!credits.is_credited(line), "{line}");
        }
    }

    #[test]
    fn standalone_gallery_credits_are_captions_and_sentences_are_not() {
        for credit in [
            "Photo: Hau Dinh, AP",
            "(Reed Saxon / Associated Press)",
            "Sakib Ali/Hindustan Times/Getty Images",
            "(Image credit: Sierra Nevada Corp.)",
            "Protesters do not want Hong Kong to lose its autonomy (Image: getty )",
            "(Getty Images)",
            "(Getty Images for Coachella)",
            "(PA Wire)",
            "Illustration by Millie von Platen",
            "Cartoon by Asher Perlman",
            "Photograph courtesy the author",
            "Foto: Stadt Dortmund",
            "2/28 photos © Shutterstock",
            "Bild © hr",
            "Rubriklistenbild: © KCNA/dpa",
            "Zdjęcie: Jan Kowalski",
            "Fot. Jan Kowalski",
            "Photo : Martin Bureau",
            "Crédit photo : AFP",
            "Words: Rudolf Fischer Photos: Simon Kohler",
            "Credits: Titelbild Studio Nord",
        ] {
            assert!(credits().is_credited(credit), "{credit}");
        }
        for body in [
            "The Associated Press",
            "He spoke to the Associated Press.",
            "Reporting by Reuters, editing by AP:",
            "(The Associated Press)",
            "An illustration by a child hangs in the hall.",
            "Copyright © 2019 by the author. Reprinted by permission.",
        ] {
            assert!(!credits().is_credited(body), "{body}");
        }
    }

    #[test]
    fn a_lone_star_credit_is_refused() {
        assert!(CreditMatcher::new(&["*".to_string()]).is_err());
        assert!(CreditMatcher::new(&[" ".to_string()]).is_err());
    }
}

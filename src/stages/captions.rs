//! Finds photo captions and collapses the copies scrapers make of them.
//!
//! Scrapers repeat the lead photo's caption before every later photo's caption: in the seed, the
//! lead caption stands four times, each time in a block with the next photo's own caption. A line
//! is a caption when it ends with a photo credit (`… Monday. Yonhap`, `(AP Photo/…)`), when it is a
//! `<figcaption>`, when it recurs within the article inside a block of lines (the scraper's caption
//! block), or when it shares such a block with a recurring caption. Lines are compared whole, after
//! cleaning: captions of different photos that share words are different captions.

use rustc_hash::{FxHashMap, FxHashSet};
use serde::{Deserialize, Serialize};

use crate::article::{Article, InputFormat};

/// What happens to photo captions found in the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CaptionMode {
    /// Keep each caption's first occurrence in place, drop its repeats.
    Collapse,
    /// Move every caption out of `text` into `captions`.
    Extract,
    /// Change nothing in `text`; still list the captions.
    Keep,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawCaptions {
    pub mode: CaptionMode,
    /// Photo-credit endings that mark a caption line. `*` stands for any words.
    pub credits: Vec<String>,
    /// A line without a credit counts as a repeated caption only from this many characters on,
    /// so short repeated lines (list items, chorus lines) are left alone.
    pub min_repeated_chars: usize,
}

impl Default for RawCaptions {
    fn default() -> Self {
        let credits = [
            "Yonhap",
            "*-Yonhap",
            "Newsis",
            "News1",
            "AP",
            "AP Photo",
            "AP Photo/*",
            "AFP",
            "AFP via Getty Images",
            "* via Getty Images",
            "Getty Images",
            "Getty",
            "Associated Press",
            "Reuters",
            "REUTERS/*",
            "EPA",
            "EPA/*",
            "Xinhua",
            "Bloomberg",
            "Courtesy of *",
            "* courtesy of *",
            "Photo by *",
            "* photo by *",
            "Photo: *",
            "Photo credit: *",
            "Photograph: *",
            "Image: *",
            "Image credit: *",
            "Picture: *",
            "Credit: *",
            "© *",
            "Photo courtesy of *",
            "* file photo",
            "File photo",
            "Korea Times file",
            "연합뉴스",
            "뉴시스",
            "뉴스1",
            "사진=*",
        ];
        RawCaptions {
            mode: CaptionMode::Collapse,
            credits: credits.iter().map(|c| c.to_string()).collect(),
            min_repeated_chars: 30,
        }
    }
}

/// Configuration of the caption stage (`[captions]`).
#[derive(Debug, Clone)]
pub struct CaptionStage {
    pub mode: CaptionMode,
    pub credits: CreditMatcher,
    pub min_repeated_chars: usize,
}

/// Credits longer than this are sentences, not credits.
const MAX_CREDIT_CHARS: usize = 80;

impl CaptionStage {
    pub fn applies_to(&self, _format: InputFormat) -> bool {
        true
    }

    pub fn apply(&self, article: &mut Article) {
        let blocks = Blocks::split(&article.text);
        let is_caption = self.find_captions(&blocks, &article.known_captions);
        if is_caption.is_empty() {
            return;
        }

        let mut captions: Vec<String> = Vec::new();
        let mut seen: FxHashSet<&str> = FxHashSet::default();
        let mut keep = Vec::with_capacity(blocks.lines.len());
        for &line in &blocks.lines {
            let caption = is_caption.contains(line);
            keep.push(if caption {
                let first = seen.insert(line);
                if first {
                    captions.push(line.to_string());
                }
                match self.mode {
                    CaptionMode::Collapse => first,
                    CaptionMode::Extract => false,
                    CaptionMode::Keep => true,
                }
            } else {
                true
            });
        }
        let dropped = keep.iter().filter(|k| !**k).count();
        if self.mode == CaptionMode::Collapse {
            article.stats.captions_collapsed += dropped as u64;
        }
        if dropped > 0 {
            let mut text = String::with_capacity(article.text.len());
            let mut kept = keep.iter();
            for block in blocks.iter() {
                let mut block_started = false;
                for &line in block {
                    if kept.next() != Some(&true) {
                        continue;
                    }
                    if block_started {
                        text.push('\n');
                    } else if !text.is_empty() {
                        text.push_str("\n\n");
                    }
                    block_started = true;
                    text.push_str(line);
                }
            }
            article.text = text;
        }
        article.captions = captions;
    }

    /// The set of lines that are captions.
    fn find_captions<'t>(&self, blocks: &Blocks<'t>, known: &[String]) -> LineSet<'t> {
        // Only a line in a block of several lines can be a repeated caption, so only those lines
        // are counted — across the whole article. Most articles have few such blocks, and a line
        // whose length matches no candidate is not even hashed.
        let mut occurrences: FxHashMap<&str, usize> = FxHashMap::default();
        for &line in blocks.iter().filter(|b| b.len() > 1).flatten() {
            let long_enough = match self.min_repeated_chars.checked_sub(1) {
                Some(shorter) => !chars_at_most(line, shorter),
                None => true,
            };
            if long_enough {
                occurrences.insert(line, 0);
            }
        }
        if !occurrences.is_empty() {
            let lengths: Vec<usize> = occurrences.keys().map(|l| l.len()).collect();
            for &line in &blocks.lines {
                if lengths.contains(&line.len()) {
                    if let Some(count) = occurrences.get_mut(line) {
                        *count += 1;
                    }
                }
            }
        }
        let recurs = |line: &str| occurrences.get(line).is_some_and(|&n| n > 1);

        let mut captions = LineSet::default();
        for block in blocks.iter() {
            let caption_block = block.len() > 1;
            for &line in block {
                // A repeated caption is judged once.
                if captions.contains(line) {
                    continue;
                }
                if known.iter().any(|k| k == line)
                    || self.credits.is_credited(line)
                    || (caption_block && recurs(line))
                {
                    captions.insert(line);
                }
            }
        }
        // The block a recurring caption stands in holds the next photo's own caption.
        for block in blocks.iter().filter(|b| b.len() > 1) {
            if block.iter().any(|l| captions.contains(l) && recurs(l)) {
                block.iter().for_each(|&line| captions.insert(line));
            }
        }
        // A gallery prints each caption twice: whole, and collapsed to its start and "... more".
        let collapsed: Vec<&str> = blocks
            .lines
            .iter()
            .copied()
            .filter(|line| {
                collapsed_caption_start(line)
                    .is_some_and(|start| captions.lines.iter().any(|c| c.starts_with(start)))
            })
            .collect();
        collapsed.into_iter().for_each(|line| captions.insert(line));
        captions
    }
}

/// A set of lines that answers "not in it" for most lines without hashing them: a line whose
/// length no member has is not looked up. Captions are few and short beside the paragraphs
/// every article is asked about.
#[derive(Default)]
struct LineSet<'t> {
    lines: FxHashSet<&'t str>,
    lengths: Vec<usize>,
}

impl<'t> LineSet<'t> {
    fn contains(&self, line: &str) -> bool {
        self.lengths.contains(&line.len()) && self.lines.contains(line)
    }

    fn insert(&mut self, line: &'t str) {
        if self.lines.insert(line) && !self.lengths.contains(&line.len()) {
            self.lengths.push(line.len());
        }
    }

    fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }
}

/// The text's non-empty lines, grouped in blocks (separated by blank lines), in two flat
/// vectors rather than a vector per block.
struct Blocks<'t> {
    lines: Vec<&'t str>,
    /// Index in `lines` where each block starts, then `lines.len()`.
    starts: Vec<usize>,
}

impl<'t> Blocks<'t> {
    fn split(text: &'t str) -> Blocks<'t> {
        let mut blocks = Blocks {
            lines: Vec::new(),
            starts: vec![0],
        };
        let mut start = 0;
        let ends = memchr::memchr_iter(b'\n', text.as_bytes()).chain(std::iter::once(text.len()));
        for end in ends {
            let line = &text[start..end];
            start = end + 1;
            if !line.is_empty() {
                blocks.lines.push(line);
            } else if blocks.starts.last() != Some(&blocks.lines.len()) {
                blocks.starts.push(blocks.lines.len());
            }
        }
        if blocks.starts.last() != Some(&blocks.lines.len()) {
            blocks.starts.push(blocks.lines.len());
        }
        blocks
    }

    fn iter(&self) -> impl Iterator<Item = &[&'t str]> {
        self.starts.windows(2).map(|w| &self.lines[w[0]..w[1]])
    }
}

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

/// Whether `text` has at most `limit` characters, counted only where its length in bytes
/// cannot decide (a character takes one to four bytes).
fn chars_at_most(text: &str, limit: usize) -> bool {
    text.len() <= limit || (text.len() <= 4 * limit && text.chars().count() <= limit)
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

/// The collapsed form of a gallery caption (`The Islanders ... more`): the start it shows.
fn collapsed_caption_start(line: &str) -> Option<&str> {
    let start = line
        .strip_suffix(" ... more")
        .or_else(|| line.strip_suffix(" \u{2026} more"))?;
    (start.chars().count() >= 20).then_some(start)
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
    let agency = whole.rfind([',', '/']).map(|at| whole[at + 1..].trim());
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

    fn stage(mode: CaptionMode) -> CaptionStage {
        let defaults = RawCaptions::default();
        CaptionStage {
            mode,
            credits: CreditMatcher::new(&defaults.credits).unwrap(),
            min_repeated_chars: defaults.min_repeated_chars,
        }
    }

    fn run(mode: CaptionMode, text: &str) -> Article {
        let mut article = Article::new(InputFormat::Text, text.to_string());
        stage(mode).apply(&mut article);
        article
    }

    const LEAD: &str = "Noh Kyu-duk, center, poses with Sung Kim, left, prior to their talks in Seoul, Monday. Yonhap";
    const SECOND: &str = "Noh Kyu-duk, right, holds talks with Sung Kim during their meeting at a hotel in Seoul, Monday. Yonhap";

    fn seed_like() -> String {
        format!("{LEAD}\n{LEAD}\n\nFirst paragraph.\n\n{LEAD}\n{SECOND}\n\nLast paragraph.")
    }

    #[test]
    fn collapse_keeps_the_first_occurrence_in_place() {
        let article = run(CaptionMode::Collapse, &seed_like());
        assert_eq!(
            article.text,
            format!("{LEAD}\n\nFirst paragraph.\n\n{SECOND}\n\nLast paragraph.")
        );
        assert_eq!(article.captions, [LEAD, SECOND]);
        assert_eq!(article.stats.captions_collapsed, 2);
    }

    #[test]
    fn extract_moves_every_caption_out() {
        let article = run(CaptionMode::Extract, &seed_like());
        assert_eq!(article.text, "First paragraph.\n\nLast paragraph.");
        assert_eq!(article.captions, [LEAD, SECOND]);
    }

    #[test]
    fn keep_changes_nothing_but_lists_captions() {
        let article = run(CaptionMode::Keep, &seed_like());
        assert_eq!(article.text, seed_like());
        assert_eq!(article.captions, [LEAD, SECOND]);
    }

    #[test]
    fn captions_of_different_photos_that_share_words_stay_apart() {
        let article = run(
            CaptionMode::Collapse,
            &format!("{LEAD}\n\nText.\n\n{SECOND}"),
        );
        assert_eq!(article.captions.len(), 2);
        assert!(article.text.contains(LEAD) && article.text.contains(SECOND));
    }

    #[test]
    fn uncredited_captions_are_found_by_their_repeated_block() {
        let lead = "President Lee waves to reporters at the airport on his arrival";
        let other = "The president's plane lands in the rain at the capital airport";
        let text = format!("{lead}\n{lead}\n\nBody one.\n\n{lead}\n{other}\n\nBody two.");
        let article = run(CaptionMode::Extract, &text);
        assert_eq!(article.text, "Body one.\n\nBody two.");
        assert_eq!(article.captions, [lead, other]);
    }

    #[test]
    fn body_sentences_naming_an_agency_are_not_captions() {
        let text = "The minister said so on Monday, according to Reuters.\n\nHe told Yonhap the talks went well.\n\nIt was reported by AP";
        let article = run(CaptionMode::Extract, text);
        assert_eq!(article.text, text);
        assert!(article.captions.is_empty());
    }

    #[test]
    fn short_repeated_lines_are_not_captions() {
        let text = "Yes\nNo\n\nBody.\n\nYes\nNo";
        assert_eq!(run(CaptionMode::Collapse, text).text, text);
    }

    #[test]
    fn credit_forms() {
        let credits = stage(CaptionMode::Keep).credits;
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
        let stage = stage(CaptionMode::Extract);
        for credit in [
            "Photo: Hau Dinh, AP",
            "(Reed Saxon / Associated Press)",
            "Sakib Ali/Hindustan Times/Getty Images",
            "(Image credit: Sierra Nevada Corp.)",
            "Protesters do not want Hong Kong to lose its autonomy (Image: getty )",
        ] {
            assert!(stage.credits.is_credited(credit), "{credit}");
        }
        for body in [
            "The Associated Press",
            "He spoke to the Associated Press.",
            "Reporting by Reuters, editing by AP:",
        ] {
            assert!(!stage.credits.is_credited(body), "{body}");
        }
    }

    #[test]
    fn a_gallery_caption_and_its_collapsed_copy_are_one_caption() {
        let mut article = Article::new(
            InputFormat::Html,
            "Body text of the story, long enough.\n\n\
             Nelson scores in overtime in Pittsburgh. (AP Photo/Gene J. Puskar) less\n\n\
             Nelson scores in overtime ... more\n\n\
             More body text."
                .to_string(),
        );
        stage(CaptionMode::Extract).apply(&mut article);
        assert_eq!(
            article.text,
            "Body text of the story, long enough.\n\nMore body text."
        );
        assert_eq!(article.captions.len(), 2);
    }

    #[test]
    fn a_lone_star_credit_is_refused() {
        assert!(CreditMatcher::new(&["*".to_string()]).is_err());
        assert!(CreditMatcher::new(&[" ".to_string()]).is_err());
    }
}

//! Finds photo captions and collapses the copies scrapers make of them.
//!
//! Scrapers repeat the lead photo's caption before every later photo's caption: in the seed, the
//! lead caption stands four times, each time in a block with the next photo's own caption. A line
//! is not a caption just because it repeats (dividend tables repeat `Pay May 15`, lists repeat job
//! titles), so the evidence is spelled out and graded:
//!
//! - **strong**: the line ends with a photo credit (`… Monday. Yonhap`, `(AP Photo/…)`, see
//!   [`credits`]), or it is a `<figcaption>`, or the collapsed copy of such a caption;
//! - **weak**: the line is in a *caption block* — a block of several lines, each a caption-like
//!   sentence (long enough, several words, not mostly numbers, not a Title Case heading) — and
//!   either recurs within the article or shares the block with a line that does.
//!
//! Tables, with their short lines, numbers and columns, are never caption blocks. And a decision
//! that would take more than half of the body (the text without its strong captions) is wrong by
//! construction: the weak evidence is then dropped and the body stays. Lines are compared whole,
//! after cleaning: captions of different photos that share words are different captions.

mod credits;

pub use credits::CreditMatcher;

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
            "Photograph by *",
            "Photographs by *",
            "Photograph courtesy *",
            "Illustration by *",
            "Illustrations by *",
            "Illustration: *",
            "Cartoon by *",
            "Getty Images for *",
            "PA Wire",
            "Foto: *",
            "Fotos: *",
            "Bild: *",
            "* file photo",
            "File photo",
            "Korea Times file",
            "연합뉴스",
            "뉴시스",
            "뉴스1",
            "사진=*",
            "* © *",
            "Photos: *",
            "* Photos: *",
            "Credits: *",
            "Fotocredit: *",
            "Bildquelle: *",
            "Titelbild: *",
            "Foto/*",
            "Zdjęcie: *",
            "Fot. *",
            "Photo : *",
            "Crédit photo : *",
            "Crédits photo : *",
            "Foto di *",
            "Imagen: *",
            "Fotografía: *",
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
        // Strong evidence: a credit or a figcaption. A repeated line is judged once.
        let mut strong = LineSet::default();
        for &line in &blocks.lines {
            if !strong.contains(line)
                && (known.iter().any(|k| k == line) || self.credits.is_credited(line))
            {
                strong.insert(line);
            }
        }
        // A gallery prints each caption twice: whole, and collapsed to its start and "... more".
        // The copy has the evidence of the caption it copies.
        for &line in &blocks.lines {
            if collapsed_caption_start(line)
                .is_some_and(|start| strong.lines.iter().any(|c| c.starts_with(start)))
            {
                strong.insert(line);
            }
        }
        // Weak evidence is judged on the text as it reads with the strong captions collapsed, as
        // collapsing leaves it: judged on the repeats, a second pass would see other blocks,
        // another half-of-the-body decision, and collapse what the first kept (fuzz find
        // `crash-79df9598…`, issue #12).
        let collapsed_strong;
        let blocks = if strong.is_empty() {
            blocks
        } else {
            collapsed_strong = blocks.without_repeats_of(&strong);
            &collapsed_strong
        };
        // Only a line in a block of several lines can be a repeated caption, so only those lines
        // are counted — across the whole article. Most articles have few such blocks, and a line
        // whose length matches no candidate is not even hashed.
        let mut occurrences: FxHashMap<&str, usize> = FxHashMap::default();
        let mut lengths = LengthSet::default();
        for &line in blocks.iter().filter(|b| b.len() > 1).flatten() {
            if self.long_enough(line) {
                occurrences.insert(line, 0);
                lengths.insert(line.len());
            }
        }
        if !occurrences.is_empty() {
            for &line in &blocks.lines {
                if lengths.contains(line.len()) {
                    if let Some(count) = occurrences.get_mut(line) {
                        *count += 1;
                    }
                }
            }
        }
        let recurs = |line: &str| occurrences.get(line).is_some_and(|&n| n > 1);

        // Weak evidence: the lines of a caption block that holds a recurring line — the lead
        // caption repeated, and the next photo's own caption beside it.
        let mut weak = LineSet::default();
        for block in blocks.iter().filter(|b| b.len() > 1) {
            if block.iter().any(|l| recurs(l))
                && block
                    .iter()
                    .all(|l| strong.contains(l) || self.caption_like(l))
            {
                for &line in block.iter().filter(|l| !strong.contains(l)) {
                    weak.insert(line);
                }
            }
        }
        // The collapsed copy of a weak caption.
        for &line in &blocks.lines {
            if !strong.contains(line)
                && collapsed_caption_start(line)
                    .is_some_and(|start| weak.lines.iter().any(|c| c.starts_with(start)))
            {
                weak.insert(line);
            }
        }
        if !weak.is_empty() && !self.leaves_the_body(blocks, &strong, &weak) {
            return strong;
        }
        for line in weak.lines {
            strong.insert(line);
        }
        strong
    }

    /// Whether taking the weak captions out leaves at least half of the body, the text without
    /// its strong captions (in bytes, every occurrence counted). If not, they are not captions:
    /// no article is gutted on weak evidence, in any mode.
    fn leaves_the_body(
        &self,
        blocks: &Blocks<'_>,
        strong: &LineSet<'_>,
        weak: &LineSet<'_>,
    ) -> bool {
        let (mut body, mut weak_bytes) = (0, 0);
        for &line in &blocks.lines {
            if strong.contains(line) {
                continue;
            }
            body += line.len();
            if weak.contains(line) {
                weak_bytes += line.len();
            }
        }
        2 * weak_bytes <= body
    }

    fn long_enough(&self, line: &str) -> bool {
        match self.min_repeated_chars.checked_sub(1) {
            Some(shorter) => !chars_at_most(line, shorter),
            None => true,
        }
    }

    /// Whether a line reads like a caption sentence rather than a table row, a name, a list
    /// entry or a heading: at least `min_repeated_chars` characters and five words, at most one
    /// word in five a number (`15`, `1.25`, `4th`), and, in a cased script, not Title Case
    /// throughout (a third of its capitalised or lower-case words start lower-case).
    fn caption_like(&self, line: &str) -> bool {
        if !self.long_enough(line) {
            return false;
        }
        let (mut words, mut numbers, mut cased, mut lower) = (0, 0, 0, 0);
        for word in line.split_whitespace() {
            words += 1;
            let letters = word.chars().filter(|c| c.is_alphabetic()).count();
            if word.bytes().any(|b| b.is_ascii_digit()) && letters <= 2 {
                numbers += 1;
            }
            match word.chars().find(|c| c.is_alphabetic()) {
                Some(c) if c.is_lowercase() => {
                    cased += 1;
                    lower += 1;
                }
                Some(c) if c.is_uppercase() => cased += 1,
                _ => {}
            }
        }
        words >= 5 && 5 * numbers <= words && (cased < 3 || 3 * lower >= cased)
    }
}

/// Whether `text` has at most `limit` characters, counted only where its length in bytes
/// cannot decide (a character takes one to four bytes).
fn chars_at_most(text: &str, limit: usize) -> bool {
    text.len() <= limit || (text.len() <= 4 * limit && text.chars().count() <= limit)
}

/// The collapsed form of a gallery caption (`The Islanders ... more`): the start it shows.
fn collapsed_caption_start(line: &str) -> Option<&str> {
    let start = line
        .strip_suffix(" ... more")
        .or_else(|| line.strip_suffix(" \u{2026} more"))?;
    (start.chars().count() >= 20).then_some(start)
}

/// A set of line lengths that answers in constant time: a bit per length up to 1,023 bytes,
/// a hash set above. (A list of lengths, searched for every line, made a text of many distinct
/// lines quadratic.)
#[derive(Default)]
struct LengthSet {
    short: [u64; 16],
    long: FxHashSet<usize>,
}

impl LengthSet {
    fn insert(&mut self, len: usize) {
        match self.short.get_mut(len / 64) {
            Some(word) => *word |= 1 << (len % 64),
            None => {
                self.long.insert(len);
            }
        }
    }

    fn contains(&self, len: usize) -> bool {
        match self.short.get(len / 64) {
            Some(word) => word & (1 << (len % 64)) != 0,
            None => self.long.contains(&len),
        }
    }
}

/// A set of lines that answers "not in it" for most lines without hashing them: a line whose
/// length no member has is not looked up. Captions are few and short beside the paragraphs
/// every article is asked about.
#[derive(Default)]
struct LineSet<'t> {
    lines: FxHashSet<&'t str>,
    lengths: LengthSet,
}

impl<'t> LineSet<'t> {
    fn contains(&self, line: &str) -> bool {
        self.lengths.contains(line.len()) && self.lines.contains(line)
    }

    fn insert(&mut self, line: &'t str) {
        if self.lines.insert(line) {
            self.lengths.insert(line.len());
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

    /// The same blocks without the repeats of `lines` (each kept where it first stands), and
    /// without the blocks left empty.
    fn without_repeats_of(&self, lines: &LineSet<'t>) -> Blocks<'t> {
        let mut kept = Blocks {
            lines: Vec::with_capacity(self.lines.len()),
            starts: vec![0],
        };
        let mut seen: FxHashSet<&str> = FxHashSet::default();
        for block in self.iter() {
            for &line in block {
                if !lines.contains(line) || seen.insert(line) {
                    kept.lines.push(line);
                }
            }
            if kept.starts.last() != Some(&kept.lines.len()) {
                kept.starts.push(kept.lines.len());
            }
        }
        kept
    }

    fn iter(&self) -> impl Iterator<Item = &[&'t str]> {
        self.starts.windows(2).map(|w| &self.lines[w[0]..w[1]])
    }
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

    const BODY_ONE: &str = "The president returned from a week of talks abroad on Sunday, saying the trip had opened the way to a new trade agreement.";
    const BODY_TWO: &str = "Officials said the details would be worked out by ministers over the coming months, and that a signing could follow next year.";

    #[test]
    fn uncredited_captions_are_found_by_their_repeated_block() {
        let lead = "President Lee waves to reporters at the airport on his arrival";
        let other = "The president's plane lands in the rain at the capital airport";
        let text = format!("{lead}\n{lead}\n\n{BODY_ONE}\n\n{lead}\n{other}\n\n{BODY_TWO}");
        let article = run(CaptionMode::Extract, &text);
        assert_eq!(article.text, format!("{BODY_ONE}\n\n{BODY_TWO}"));
        assert_eq!(article.captions, [lead, other]);
    }

    #[test]
    fn repeated_table_rows_are_not_captions() {
        // Regression (a wire dump): two companies' dividend tables share rows; collapse dropped
        // the second company's `Pay May 15` as a repeated caption.
        let text = format!(
            "{BODY_ONE}\n\nAcme Corp\nQtly div 15 cts vs 15 cts prior\nPay May 15\nRecord May 1\n\n\
             Widget Inc\nQtly div 15 cts vs 15 cts prior\nPay May 15\nRecord May 1\n\n\
             4th Qtr 1986 vs 4th Qtr 1985 net sales\n4th Qtr 1986 vs 4th Qtr 1985 net sales"
        );
        for mode in [CaptionMode::Collapse, CaptionMode::Extract] {
            let article = run(mode, &text);
            assert_eq!(article.text, text, "{mode:?}");
            assert!(article.captions.is_empty());
        }
    }

    #[test]
    fn repeated_job_titles_in_a_list_are_not_captions() {
        let text = format!(
            "{BODY_ONE}\n\nExecutive Vice President and Chief Financial Officer\nRobert Jones\n\
             Executive Vice President and Chief Financial Officer\nMary Brown\n\n{BODY_TWO}"
        );
        assert_eq!(run(CaptionMode::Collapse, &text).text, text);
    }

    #[test]
    fn a_weak_caption_decision_that_would_take_most_of_the_body_is_dropped() {
        // Regression (a web dump in extract mode): one block of paragraphs with a repeated
        // sentence in it; every paragraph was taken as its block-mate and the article was
        // rejected as `no_text`.
        let repeated = "Continue reading the main story below the advertisement here";
        let text = format!(
            "{BODY_ONE}\n{repeated}\n{BODY_TWO}\n{repeated}\nThe end of the story comes here, with a last sentence."
        );
        for mode in [CaptionMode::Collapse, CaptionMode::Extract] {
            let article = run(mode, &text);
            assert_eq!(article.text, text, "{mode:?}");
            assert!(article.captions.is_empty());
        }
        // Credited captions are strong evidence: they go even when little else is left.
        let article = run(
            CaptionMode::Extract,
            &format!("{LEAD}\n{SECOND}\n\nShort body."),
        );
        assert_eq!(article.text, "Short body.");
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
    fn collapsing_twice_is_collapsing_once_when_collapsed_repeats_change_the_weak_evidence() {
        // The fuzzer's find: weak evidence judged on the strong captions' repeats took over half
        // of the body and was dropped; once they were collapsed, a smaller weak set passed, and
        // the second pass collapsed a repeated header line the first had kept.
        let find = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/fuzz/corpus/captions/crash-79df9598afbc2cbf1b04ec62669236a21e0cf23b"
        ))
        .unwrap();
        let text = crate::stages::whitespace::normalize(&String::from_utf8_lossy(&find));
        let once = run(CaptionMode::Collapse, &text);
        let twice = run(CaptionMode::Collapse, &once.text);
        // The text; not the list: a weak caption found by its repeats has none left to find
        // it by in the second pass.
        assert_eq!(twice.text, once.text);
    }

    #[test]
    fn weak_evidence_is_judged_as_the_text_reads_with_strong_captions_collapsed() {
        // An uncredited line whose only repeated neighbour is a credited caption's copy: once
        // the copy is collapsed it stands alone, so it is no caption in either pass.
        let own = "Visitors walk past lanterns along the stream in the old town";
        let text = format!("{LEAD}\n\nBody text of the story.\n\n{LEAD}\n{own}\n\nMore body.");
        let once = run(CaptionMode::Collapse, &text);
        assert_eq!(once.captions, [LEAD]);
        assert_eq!(
            once.text,
            format!("{LEAD}\n\nBody text of the story.\n\n{own}\n\nMore body.")
        );
        let twice = run(CaptionMode::Collapse, &once.text);
        assert_eq!((twice.text, twice.captions), (once.text, once.captions));
    }
}

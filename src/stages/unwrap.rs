//! Joins hard-wrapped lines back into paragraphs.
//!
//! Newswire copy and e-mailed articles break lines at 40–80 columns and mark a new paragraph with a
//! blank line or an indented first line. Left alone, every line would read as its own paragraph
//! and a re-wrapped copy of the same story would hash differently. Wire services did not wrap at
//! one width: each story has its own, and lines are ragged below it. So the evidence is per line
//! break, not a fixed width: a greedy wrapper breaks a line only when the next word would not fit,
//! so a wrapped line is *filled* — its length plus the next word reaches the story's width. A text
//! counts as wrapped when it has no line too long to be wrapped and most of its filled line breaks
//! fall inside sentences; then each break is judged alone: an indented line opens a paragraph, a
//! filled line (or one that stops mid-sentence before a lower-case word) is joined, and a short
//! line stays a line — table rows (`Pay May 15`), list items and verse are never joined. Text
//! with one paragraph per line (the seed), blocks of photo captions and repeated lines stay
//! exactly as they are.

use crate::article::{Article, InputFormat};

/// Configuration of the unwrap stage (`[clean] unwrap_lines`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnwrapStage;

/// Wrapped text has lines no longer than this; longer lines mean one paragraph per line.
const MAX_WRAP_WIDTH: usize = 100;
/// Narrower "wrapping" is more likely a poem, a list or an address. (Wire stories wrapped at
/// 40 columns have lines of 36 and more.)
const MIN_WRAP_WIDTH: usize = 34;
/// Words after which a hyphen ending the line before is suspended (`fiber- and protein-rich`,
/// `Wachstums- und Entwicklungstreiber`), not the middle of a hyphenated word.
const SUSPENDING_CONJUNCTIONS: [&str; 9] =
    ["and", "or", "nor", "to", "und", "oder", "bis", "et", "ou"];
/// Line breaks inside sentences a wrapped text has at least.
const MIN_WRAPPED_BREAKS: usize = 2;

impl UnwrapStage {
    pub fn applies_to(&self, format: InputFormat) -> bool {
        format == InputFormat::Text
    }

    pub fn apply(&self, article: &mut Article) {
        if let Some(width) = wrap_width(&article.text) {
            let (text, joined) = unwrap(&article.text, width);
            article.text = text;
            article.stats.lines_unwrapped += joined;
        }
    }
}

/// A line's width in columns: its indentation counts (a wrapper fills the indented first line of
/// a paragraph to the same width), trailing white space does not.
fn columns(line: &str) -> usize {
    line.trim_end().chars().count()
}

/// How far below the story's width a line may stop and still be filled: wire copy is ragged by
/// a few columns, more on wider stories.
fn slack(width: usize) -> usize {
    (width / 5).max(6)
}

/// The length of the first word of `line`, where a wrapper would have put it.
fn first_word_len(line: &str) -> usize {
    line.split_whitespace()
        .next()
        .map_or(0, |word| word.chars().count())
}

/// One line break inside a block: the line before it and the line after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Break {
    /// The next line is indented deeper than its block or starts a list item: a new paragraph.
    Paragraph,
    /// The same line twice (a caption block, a chorus): never wrapping.
    Repeat,
    /// The break may be a wrap: the line before it is what `filled` says.
    Candidate,
}

fn classify_break(before: &str, after: &str, base_indent: usize) -> Break {
    // A list item follows a lead-in or another item; after a line that stops mid-sentence,
    // `- April 26, 2016 - they …` or `2016. So …` is a wrapped line that starts like one.
    let list_item = starts_list_item(after) && (starts_list_item(before) || ends_sentence(before));
    if indent(after) > base_indent || list_item {
        Break::Paragraph
    } else if before.trim() == after.trim() {
        Break::Repeat
    } else {
        Break::Candidate
    }
}

/// Whether a greedy wrapper at `width` would have broken `before` here: the next word did not fit.
fn filled(before: &str, after: &str, width: usize) -> bool {
    columns(before) + 1 + first_word_len(after) + slack(width) > width
}

/// The width the text is wrapped at, or `None` when it is not hard-wrapped.
///
/// Runs on every text article, so it gives up at the first line too long to be wrapped (most
/// articles have one) and measures characters only where bytes cannot decide. The width is the
/// 90th percentile of the lengths of lines that go on in their block, so one odd long line
/// (a heading, a table row) does not raise it.
fn wrap_width(text: &str) -> Option<usize> {
    let mut longest = 0;
    for line in text.split('\n') {
        let line = line.trim_end();
        // A character takes at most four bytes: a longer line is too long without counting.
        let len = if line.len() > 4 * MAX_WRAP_WIDTH {
            MAX_WRAP_WIDTH + 1
        } else {
            line.chars().count()
        };
        // Wrapping shortens every line, one-line paragraphs too: a single long line anywhere
        // means paragraphs are lines.
        if len > MAX_WRAP_WIDTH {
            return None;
        }
        longest = longest.max(len);
    }
    if longest < MIN_WRAP_WIDTH {
        return None;
    }
    let blocks = blocks(text);
    let mut going_on: Vec<usize> = Vec::new();
    for block in &blocks {
        let base = base_indent(block);
        for pair in block.windows(2) {
            if classify_break(pair[0], pair[1], base) == Break::Candidate {
                going_on.push(columns(pair[0]));
            }
        }
    }
    if going_on.len() < MIN_WRAPPED_BREAKS {
        return None;
    }
    let at = (going_on.len() * 9 / 10).min(going_on.len() - 1);
    let width = *going_on.select_nth_unstable(at).1;
    if width < MIN_WRAP_WIDTH - slack(MIN_WRAP_WIDTH) {
        return None;
    }
    // Text with one sentence per line fills lines too, but ends each at a sentence; wrapping
    // breaks most lines in the middle of one.
    let (mut filled_breaks, mut inside_sentences) = (0, 0);
    for block in &blocks {
        let base = base_indent(block);
        for pair in block.windows(2) {
            if classify_break(pair[0], pair[1], base) == Break::Candidate
                && filled(pair[0], pair[1], width)
            {
                filled_breaks += 1;
                if !ends_sentence(pair[0]) {
                    inside_sentences += 1;
                }
            }
        }
    }
    (inside_sentences >= MIN_WRAPPED_BREAKS && 2 * inside_sentences >= filled_breaks)
        .then_some(width)
}

/// Blocks of non-blank lines, as separated by blank lines.
fn blocks(text: &str) -> Vec<Vec<&str>> {
    let mut blocks = vec![Vec::new()];
    for line in text.split('\n') {
        if line.trim().is_empty() {
            if blocks.last().is_some_and(|b| !b.is_empty()) {
                blocks.push(Vec::new());
            }
        } else if let Some(block) = blocks.last_mut() {
            block.push(line);
        }
    }
    blocks.retain(|b| !b.is_empty());
    blocks
}

fn indent(line: &str) -> usize {
    line.len() - line.trim_start().len()
}

fn base_indent(block: &[&str]) -> usize {
    block.iter().map(|l| indent(l)).min().unwrap_or(0)
}

fn starts_list_item(line: &str) -> bool {
    let line = line.trim_start();
    let digits = line.bytes().take_while(u8::is_ascii_digit).count();
    line.starts_with("- ")
        || line.starts_with("* ")
        || line.starts_with("• ")
        || ((1..=3).contains(&digits)
            && (line[digits..].starts_with(". ") || line[digits..].starts_with(") ")))
}

fn ends_sentence(line: &str) -> bool {
    line.trim_end()
        .ends_with(['.', '!', '?', ':', '"', '\u{201d}', '\''])
}

fn starts_lowercase(line: &str) -> bool {
    line.trim_start()
        .chars()
        .next()
        .is_some_and(char::is_lowercase)
}

/// Joins the wrapped lines of each block into paragraphs; returns the text and how many line
/// breaks were removed.
fn unwrap(text: &str, width: usize) -> (String, u64) {
    let mut out = String::with_capacity(text.len());
    let mut joined = 0;
    for block in blocks(text) {
        if !out.is_empty() {
            out.push_str("\n\n");
        }
        let base = base_indent(&block);
        let mut previous: Option<&str> = None;
        for line in block {
            let content = line.trim();
            if let Some(prev) = previous {
                let join = match classify_break(prev, line, base) {
                    Break::Paragraph => Some(false),
                    Break::Repeat => None,
                    // A line stopped mid-sentence before a lower-case word goes on, however
                    // short (a dateline took its start, a long word did not fit).
                    Break::Candidate
                        if filled(prev, line, width)
                            || (!ends_sentence(prev) && starts_lowercase(line)) =>
                    {
                        Some(true)
                    }
                    // A short line that ends a sentence ends its paragraph; one that does not
                    // is a line of its own: a table row, a list entry, verse.
                    Break::Candidate if ends_sentence(prev) => Some(false),
                    Break::Candidate => None,
                };
                match join {
                    Some(true) => {
                        joined += 1;
                        // `Kim Jong-` + `un`: a hyphen at the break belongs to the word (but
                        // `growth -` + `with` is a dash between words, and `fiber-` + `and
                        // protein-rich` a suspended hyphen before a conjunction).
                        let hyphenated = prev
                            .trim_end()
                            .strip_suffix('-')
                            .is_some_and(|word| word.ends_with(char::is_alphanumeric))
                            && content.starts_with(|c: char| c.is_lowercase())
                            && !content
                                .split_whitespace()
                                .next()
                                .is_some_and(|word| SUSPENDING_CONJUNCTIONS.contains(&word));
                        if !hyphenated {
                            out.push(' ');
                        }
                    }
                    Some(false) => out.push_str("\n\n"),
                    None => out.push('\n'),
                }
            }
            out.push_str(content);
            previous = Some(line);
        }
    }
    (out, joined)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(text: &str) -> String {
        let mut article = Article::new(InputFormat::Text, text.to_string());
        UnwrapStage.apply(&mut article);
        article.text
    }

    const WIRE: &str = r"SEOUL, Oct. 5 (Yonhap) -- South Korea's top nuclear envoy held talks
with his U.S. and Japanese counterparts on Monday as Washington
again said it was ready to meet the North anywhere, anytime.
  The envoys agreed to keep working closely together, officials
said, adding that the next round would come soon after the
holidays in the region.

Kim Jong-
un did not respond to the offer, state media showed on Tuesday
evening, according to a report carried by the official agency.";

    #[test]
    fn hard_wrapped_newswire_is_joined_into_paragraphs() {
        let text = run(WIRE);
        let paragraphs: Vec<&str> = text.split("\n\n").collect();
        assert_eq!(paragraphs.len(), 3, "{text}");
        assert!(paragraphs[0].starts_with(
            "SEOUL, Oct. 5 (Yonhap) -- South Korea's top nuclear envoy held talks with his U.S."
        ));
        assert!(paragraphs[1].starts_with("The envoys agreed"));
        assert!(paragraphs[2].starts_with("Kim Jong-un did not respond"));
        assert!(!paragraphs.iter().any(|p| p.contains('\n')));
    }

    #[test]
    fn one_paragraph_per_line_stays_as_it_is() {
        let seed_like = "Caption one that is rather long and goes on well past one hundred characters, as scraped captions do. Yonhap\nCaption two that is also rather long and goes on well past one hundred characters, as they do. Yonhap\n\nBody.";
        assert_eq!(run(seed_like), seed_like);
    }

    #[test]
    fn blocks_of_short_captions_are_not_wrapping() {
        // Regression (seen in the benchmark corpus): three caption blocks whose lines happened
        // to be under 100 columns were taken for wrapped text and joined into one paragraph.
        let lead = "Visitors walk past lanterns in central Seoul, Friday. Yonhap";
        let body = "More than 20,000 lanterns were lit along the Cheonggye Stream on Friday evening, opening the city's annual festival.";
        let text = format!(
            "{lead}\n{lead}\n\n{body}\n\n{lead}\nA lantern shaped like a tiger glows on the stream. Yonhap\n\n{body}\n\n{lead}\nCrowds gather at the opening ceremony on Friday night. Newsis"
        );
        assert_eq!(run(&text), text);
    }

    /// A 1980s wire story: ragged lines, 4-space paragraph indents, a dateline, a dividend table
    /// and the sign-off.
    const RAGGED_WIRE: &str = "    SALVADOR, Feb 26 - Showers continued throughout the week in
the Bahia cocoa zone, alleviating the drought since early
January and improving prospects for the coming temporao,
although normal humidity levels have not been restored,
Comissaria Smith said in its weekly review.
    The dry period means the temporao will be late this year.
    Arrivals for the week ended February 22 were 155,221 bags
of 60 kilos making a cumulative total for the season of 5.93
mln against 5.81 at the same stage last year.
    Qtly div 15 cts vs 15 cts prior
    Pay May 15
    Record May 1
 Reuter";

    #[test]
    fn ragged_wire_is_joined_and_indented_lines_open_paragraphs() {
        let text = run(RAGGED_WIRE);
        let paragraphs: Vec<&str> = text.split("\n\n").collect();
        assert_eq!(
            paragraphs,
            [
                "SALVADOR, Feb 26 - Showers continued throughout the week in the Bahia cocoa zone, \
                 alleviating the drought since early January and improving prospects for the coming \
                 temporao, although normal humidity levels have not been restored, Comissaria Smith \
                 said in its weekly review.",
                "The dry period means the temporao will be late this year.",
                "Arrivals for the week ended February 22 were 155,221 bags of 60 kilos making a \
                 cumulative total for the season of 5.93 mln against 5.81 at the same stage last year.",
                "Qtly div 15 cts vs 15 cts prior",
                "Pay May 15",
                "Record May 1",
                "Reuter",
            ],
            "{text}"
        );
    }

    #[test]
    fn table_rows_in_a_wrapped_text_stay_lines() {
        let text = "The company declared its regular quarterly dividends on Monday, the\n\
                    board said in a statement released after the markets closed in New\n\
                    York, adding that both would be paid on the same date.\n\n\
                    Qtly div 15 cts vs 15 cts prior\nPay May 15\nRecord May 1";
        assert_eq!(
            run(text),
            "The company declared its regular quarterly dividends on Monday, the board said in a \
             statement released after the markets closed in New York, adding that both would be \
             paid on the same date.\n\nQtly div 15 cts vs 15 cts prior\nPay May 15\nRecord May 1"
        );
    }

    #[test]
    fn repeated_lines_are_never_joined() {
        // Regression (issue 12): a million copies of one credited caption were taken for a text
        // wrapped at their width and joined into one 66 MB line.
        let line = "Visitors walk past lanterns along the stream in Seoul, Friday. Yonhap";
        let text = vec![line; 1000].join("\n");
        assert_eq!(run(&text), text);
    }

    #[test]
    fn short_sentences_one_per_line_are_not_wrapping() {
        let text = "The minister arrived in the capital on Monday morning.\n\
                    He met the president and the prime minister for talks.\n\
                    They discussed trade, security and the coming summit.\n\
                    A joint statement is expected to follow on Tuesday.";
        assert_eq!(run(text), text);
    }

    #[test]
    fn a_suspended_hyphen_before_a_conjunction_keeps_its_space() {
        let text = "Eating a breakfast rich in fiber- and protein-rich foods keeps you\n\
                    satisfied, and a sleek redesign of the compact sedan will pull in\n\
                    buyers of Kim Jong-\nun's country, the analysts said on Monday.";
        assert_eq!(
            run(text),
            "Eating a breakfast rich in fiber- and protein-rich foods keeps you satisfied, and a \
             sleek redesign of the compact sedan will pull in buyers of Kim Jong-un's country, the \
             analysts said on Monday."
        );
        let suspended = "The study looked at fiber-rich foods and at high fiber-\n\
                         and protein-rich breakfasts over the course of a whole year,\n\
                         the researchers said in a statement released on Monday.";
        assert!(run(suspended).contains("fiber- and protein-rich"));
    }

    #[test]
    fn short_lines_are_not_wrapping() {
        let poem = "Roses are red\nviolets are blue\nsugar is sweet\nand so are you";
        assert_eq!(run(poem), poem);
    }
}

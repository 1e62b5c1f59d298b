//! A generator of plain-text articles in the layouts of real dumps, each with the record scour
//! must make of it, so every text rule is tested on hundreds of shapes rather than one sample.
//!
//! Two layouts, both "one article per file, title first", built from real news sentences
//! (`fixtures/sentences.txt`):
//!
//! - **wire**, a 1980s newswire: an upper-case headline, a blank line, then lines hard-wrapped
//!   greedily at a width of 40 to 75 columns chosen per story, each line ragged up to a tenth
//!   below it; paragraphs marked by a 4-space indent, a dateline opening the first; `&#127;`,
//!   `&#5;` and `&#30;` inside words; dividend tables whose rows (`Pay May 15`) repeat under two
//!   companies, repeated job titles, `Qtr` tables; ` Reuter` and `&#3;` ending the story.
//! - **web**, news of the 2010s saved as windows-1252 with CRLF: the title on the first line
//!   then a blank line (or, for some, no title and a short first paragraph), a `£` (0xA3) as the
//!   only non-ASCII byte, tables and job-title lists whose lines repeat, photo captions repeated
//!   as scrapers do, and articles whose paragraphs are one block with a repeated line in it.
//!
//! The same seed always gives the same stories. Each story says which classes it carries, so a
//! failing rule is reported by name.

#![allow(dead_code)]

/// One generated input file and what scour must make of it (`[header] preset = "auto"`).
#[derive(Debug, Clone)]
pub struct Story {
    /// The path under the input root: `wire/00001.txt`, `web/00002.txt`.
    pub name: String,
    pub bytes: Vec<u8>,
    pub title: Option<String>,
    /// The text in collapse mode (the default).
    pub text: String,
    /// The text in extract mode.
    pub extract_text: String,
    pub captions: Vec<String>,
    pub encoding: &'static str,
    /// The failure classes this story carries.
    pub classes: Vec<&'static str>,
}

/// A small deterministic generator (SplitMix64): no dependency, the same numbers everywhere.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `low..=high`.
    pub fn range(&mut self, low: usize, high: usize) -> usize {
        low + (self.next() % (high - low + 1) as u64) as usize
    }

    pub fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.range(0, items.len() - 1)]
    }
}

/// The real sentences the stories are made of.
pub fn sentences() -> Vec<&'static str> {
    include_str!("fixtures/sentences.txt")
        .lines()
        .filter(|line| !line.starts_with('#') && !line.is_empty())
        .collect()
}

/// `count` stories, wire and web alternating, from `seed`.
pub fn stories(seed: u64, count: usize) -> Vec<Story> {
    let sentences = sentences();
    let mut rng = Rng::new(seed);
    (0..count)
        .map(|i| match i % 2 {
            0 => wire(&mut rng, &sentences, i),
            _ => web(&mut rng, &sentences, i),
        })
        .collect()
}

const CITIES: [&str; 10] = [
    "NEW YORK",
    "LONDON",
    "TOKYO",
    "SALVADOR",
    "CHICAGO",
    "FRANKFURT",
    "WASHINGTON",
    "SYDNEY",
    "PARIS",
    "HOUSTON",
];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "March", "April", "May", "June", "July", "Aug", "Sept", "Oct", "Nov", "Dec",
];
const COMPANIES: [&str; 8] = [
    "Acme Industries Inc",
    "Northern Gas Co",
    "Pacific Lumber Corp",
    "First Federal Savings",
    "Midland Steel Co",
    "Harbor Bancorp",
    "Sun Valley Foods Inc",
    "Grand Union Rail Co",
];
const PEOPLE: [&str; 8] = [
    "John Smith",
    "Mary Brown",
    "Robert Jones",
    "Susan Clark",
    "David Miller",
    "Linda Davis",
    "James Wilson",
    "Karen Moore",
];
const JOB_TITLES: [&str; 4] = [
    "Executive Vice President and Chief Financial Officer",
    "Senior Vice President for Corporate Development",
    "Vice President and General Counsel of the Company",
    "Executive Vice President of Marketing and Sales",
];
const CREDITS: [&str; 4] = [
    "Reuters",
    "AP Photo/Ahn Young-joon",
    "Getty Images",
    "Yonhap",
];

/// Two to four sentences, as one paragraph.
fn paragraph(rng: &mut Rng, sentences: &[&str], low: usize, high: usize) -> String {
    let n = rng.range(low, high);
    (0..n)
        .map(|_| *rng.pick(sentences))
        .collect::<Vec<_>>()
        .join(" ")
}

/// A few words of a sentence, without its punctuation: a headline.
fn headline(rng: &mut Rng, sentences: &[&str]) -> String {
    let words: Vec<String> = rng
        .pick(sentences)
        .split_whitespace()
        .map(|w| {
            w.trim_matches(|c: char| !c.is_ascii_alphanumeric())
                .to_string()
        })
        .filter(|w| !w.is_empty())
        .collect();
    let n = rng.range(3, 8).min(words.len()).max(2);
    let start = rng.range(0, words.len().saturating_sub(n));
    let mut title = words[start..start + n].join(" ");
    if title.starts_with("By ") || title.starts_with("by ") {
        title.insert_str(0, "Stand ");
    }
    title
}

/// Greedy wrapping, as a wire terminal did: each line filled to its width, which is the story's
/// width less up to a tenth; the first line starts with `indent`.
fn wrap(rng: &mut Rng, text: &str, width: usize, indent: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = indent.to_string();
    let mut line_width = width - rng.range(0, width / 10);
    for word in text.split_whitespace() {
        if line.trim().is_empty() {
            line.push_str(word);
        } else if line.len() + 1 + word.len() <= line_width {
            line.push(' ');
            line.push_str(word);
        } else {
            lines.push(std::mem::take(&mut line));
            line.push_str(word);
            line_width = width - rng.range(0, width / 10);
        }
    }
    lines.push(line);
    lines
}

/// Puts control characters inside a few words of a wrapped line (`To&#127;&#127;day's`).
fn sprinkle_controls(rng: &mut Rng, line: &str) -> String {
    let mut out = String::with_capacity(line.len() + 16);
    for (i, word) in line.split(' ').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        let inner = word
            .char_indices()
            .skip(1)
            .find(|&(_, c)| c.is_ascii_lowercase());
        match inner {
            Some((at, _)) if rng.chance(12) => {
                let control = *rng.pick(&["&#127;", "&#127;&#127;", "&#5;", "&#30;", "\u{7f}"]);
                out.push_str(&word[..at]);
                out.push_str(control);
                out.push_str(&word[at..]);
            }
            _ => out.push_str(word),
        }
    }
    out
}

/// A story of a 1980s newswire.
fn wire(rng: &mut Rng, sentences: &[&str], i: usize) -> Story {
    let mut classes = vec!["wire", "title"];
    let title = headline(rng, sentences).to_uppercase();
    let width = rng.range(40, 75);
    let dateline = format!(
        "{}, {} {} - ",
        rng.pick(&CITIES),
        rng.pick(&MONTHS),
        rng.range(1, 28)
    );
    // Expected paragraphs, and the raw lines of each.
    let mut paragraphs: Vec<String> = Vec::new();
    let mut raw: Vec<String> = Vec::new();
    let add_prose = |rng: &mut Rng, text: String, raw: &mut Vec<String>| {
        raw.extend(wrap(rng, &text, width, "    "));
        text
    };
    let first = format!("{dateline}{}", paragraph(rng, sentences, 2, 4));
    paragraphs.push(add_prose(rng, first, &mut raw));
    for _ in 0..rng.range(1, 5) {
        let text = paragraph(rng, sentences, 1, 3);
        paragraphs.push(add_prose(rng, text, &mut raw));
    }
    classes.push("wrap");
    // Tables: every row is an indented line, so a paragraph of its own.
    let mut rows: Vec<String> = Vec::new();
    if rng.chance(35) {
        classes.push("dividend-table");
        let cents = rng.range(5, 60);
        let (pay, record) = (rng.range(1, 28), rng.range(1, 28));
        let month = *rng.pick(&MONTHS);
        for _ in 0..2 {
            rows.push(format!("{} qtly dividend", rng.pick(&COMPANIES)));
            rows.push(format!("Qtly div {cents} cts vs {cents} cts prior"));
            rows.push(format!("Pay {month} {pay}"));
            rows.push(format!("Record {month} {record}"));
        }
    }
    if rng.chance(25) {
        classes.push("qtr-table");
        for period in ["Qtr ended March 31", "Nine mths"] {
            rows.push(period.to_string());
            let (a, b) = (rng.range(5, 90), rng.range(5, 90));
            rows.push(format!("Shr {a} cts vs {b} cts"));
            rows.push(format!(
                "Net {},{:03},000 vs {},{:03},000",
                a,
                rng.range(0, 999),
                b,
                rng.range(0, 999)
            ));
        }
    }
    if rng.chance(20) {
        classes.push("job-titles");
        rows.push("The company also named these officers:".to_string());
        let job = *rng.pick(&JOB_TITLES);
        for _ in 0..2 {
            rows.push(job.to_string());
            rows.push(rng.pick(&PEOPLE).to_string());
        }
    }
    for row in rows {
        raw.push(format!("    {row}"));
        paragraphs.push(row);
    }
    if rng.chance(50) {
        let text = paragraph(rng, sentences, 1, 2);
        paragraphs.push(add_prose(rng, text, &mut raw));
    }
    if rng.chance(40) {
        classes.push("controls");
        for line in raw.iter_mut() {
            *line = sprinkle_controls(rng, line);
        }
    }
    paragraphs.push("Reuter".to_string());
    let mut file = format!("{title}\n\n{}\n Reuter\n&#3;", raw.join("\n"));
    if rng.chance(50) {
        file.push('\n');
    }
    classes.push("etx");
    let text = paragraphs.join("\n\n");
    Story {
        name: format!("wire/{i:05}.txt"),
        bytes: file.into_bytes(),
        title: Some(title),
        extract_text: text.clone(),
        text,
        captions: Vec::new(),
        encoding: "UTF-8",
        classes,
    }
}

/// A web article of the 2010s saved as text.
fn web(rng: &mut Rng, sentences: &[&str], i: usize) -> Story {
    let mut classes = vec!["web"];
    let mut page = Page::default();
    let titled = rng.chance(85);
    let title = titled.then(|| {
        let mut title = headline(rng, sentences);
        if rng.chance(10) {
            title.push('?');
        }
        title
    });
    match &title {
        Some(title) => {
            classes.push("title");
            page.raw.push(title.clone());
        }
        None => {
            // No title: the article opens with a short paragraph, which must stay text.
            classes.push("short-first-paragraph");
            let short = sentences
                .iter()
                .copied()
                .filter(|s| s.len() < 70 && s.ends_with('.'))
                .nth(rng.range(0, 40))
                .unwrap_or("Police are investigating.");
            page.body(short.to_string());
        }
    }
    let pound = rng.chance(70);
    let single_block = rng.chance(15);
    let captioned = !single_block && rng.chance(30);
    let lead = captioned.then(|| caption(rng, sentences));
    if let Some(lead) = &lead {
        classes.push("captions");
        // The lead caption twice, as the seed's scraper writes it; collapse keeps one.
        page.caption_block(format!("{lead}\r\n{lead}"), lead.clone());
    }
    let mut body: Vec<String> = (0..rng.range(3, 8))
        .map(|_| paragraph(rng, sentences, 2, 4))
        .collect();
    // At least one paragraph too long to be a wrapped line.
    body[0] = paragraph(rng, sentences, 3, 4);
    if pound {
        classes.push("pound");
        let at = rng.range(0, body.len() - 1);
        let amount = format!("£{}.{}m", rng.range(2, 900), rng.range(1, 9));
        body[at].push_str(&format!(
            " The deal was valued at {amount}, the company said."
        ));
    }
    if single_block {
        // Paragraphs on consecutive lines with one line repeated between them: a whole article
        // in one block, as some scrapers save it.
        classes.push("repeated-line-in-one-block");
        let repeated = "Continue reading the main story";
        let mut lines = Vec::new();
        for (j, p) in body.iter().enumerate() {
            lines.push(p.clone());
            if j % 2 == 0 && j + 1 < body.len() {
                lines.push(repeated.to_string());
            }
        }
        page.body(lines.join("\n"));
    } else {
        for (j, p) in body.iter().enumerate() {
            page.body(p.clone());
            if let Some(lead) = &lead {
                if j == 1 || j == 3 {
                    let own = caption(rng, sentences);
                    page.caption_block(format!("{lead}\r\n{own}"), own);
                }
            }
        }
    }
    if rng.chance(40) {
        classes.push("table");
        let cents = rng.range(5, 60);
        let day = rng.range(1, 28);
        for _ in 0..2 {
            let company = rng.pick(&COMPANIES);
            page.body(format!(
                "{company}\nQtly div {cents} cts vs {cents} cts prior\nPay May {day}\nRecord May 1"
            ));
        }
        page.body(format!(
            "Qtr to Dec 31, figures in millions of pounds\nSales {}.{} vs {}.{}\n\
                 Qtr to Dec 31, figures in millions of pounds\nProfit {}.{} vs {}.{}",
            rng.range(100, 900),
            rng.range(0, 9),
            rng.range(100, 900),
            rng.range(0, 9),
            rng.range(10, 90),
            rng.range(0, 9),
            rng.range(10, 90),
            rng.range(0, 9)
        ));
    }
    if rng.chance(25) {
        classes.push("job-titles");
        let job = *rng.pick(&JOB_TITLES);
        let lines: Vec<String> = (0..3)
            .flat_map(|_| [job.to_string(), rng.pick(&PEOPLE).to_string()])
            .collect();
        page.body(lines.join("\n"));
    }
    let mut file = page.raw.join("\r\n\r\n");
    if rng.chance(60) {
        file.push_str("\r\n");
    }
    let (bytes, _, unmappable) = encoding_rs::WINDOWS_1252.encode(&file);
    assert!(
        !unmappable,
        "the generator writes only windows-1252 characters"
    );
    Story {
        name: format!("web/{i:05}.txt"),
        encoding: if bytes.is_ascii() {
            "UTF-8"
        } else {
            "windows-1252"
        },
        bytes: bytes.into_owned(),
        title,
        text: page.text.join("\n\n"),
        extract_text: page.extract.join("\n\n"),
        captions: page.captions,
        classes,
    }
}

/// A web article as it is built: the raw blocks, and the blocks expected in each mode.
#[derive(Debug, Default)]
struct Page {
    raw: Vec<String>,
    text: Vec<String>,
    extract: Vec<String>,
    captions: Vec<String>,
}

impl Page {
    /// A block of the body, kept in every mode.
    fn body(&mut self, block: String) {
        self.raw.push(block.replace('\n', "\r\n"));
        self.extract.push(block.clone());
        self.text.push(block);
    }

    /// A block of captions, of which collapse keeps `new`, a caption not seen before.
    fn caption_block(&mut self, raw: String, new: String) {
        self.raw.push(raw);
        self.text.push(new.clone());
        self.captions.push(new);
    }
}

/// A photo caption ending in a credit.
fn caption(rng: &mut Rng, sentences: &[&str]) -> String {
    let sentence = rng.pick(sentences);
    let cut = sentence
        .char_indices()
        .filter(|&(at, c)| c == ' ' && at > 40)
        .map(|(at, _)| at)
        .nth(rng.range(0, 4))
        .unwrap_or(sentence.len());
    let text = sentence[..cut].trim_end_matches(|c: char| !c.is_ascii_alphanumeric());
    format!("{text}. {}", rng.pick(&CREDITS))
}

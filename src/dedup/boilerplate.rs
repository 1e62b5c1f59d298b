//! Site boilerplate: lines that recur across many articles of one site, removed from all of them.
//!
//! Scraped articles end with the site's furniture in plain text: "All rights reserved",
//! newsletter prompts, "Reporting by …" footers. No single article shows that such a line is
//! boilerplate; the site's other articles do. So with `[boilerplate] enabled = true` a run reads
//! its input twice: the first pass counts, per site, in how many articles each short line occurs
//! (a [`Learner`]), and the lines at or above `min_articles` become the run's [`Table`]; the second
//! pass removes them. Counting is per site, so a sentence that recurs across different outlets
//! (a quote every paper carries) stays unless one outlet repeats it `min_articles` times.
//!
//! The site of an article is the host of its url when it has one (WARC records, dumps with a url
//! field, pages with a canonical link), else the first folder of its source path.
//!
//! Stability across nights: duplicates are decided on the text *before* boilerplate removal, and
//! ids derive from it, so an article re-scraped after its site's boilerplate was learned is still
//! the same article; the state keeps every site's learned lines, so a line once learned is
//! removed on every later night too.

use std::collections::BTreeMap;

use rustc_hash::{FxHashMap, FxHashSet};
use serde::Serialize;

/// `[boilerplate]`, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoilerplatePlan {
    /// A line is boilerplate when this many articles of one site contain it.
    pub min_articles: u32,
    /// Longer lines are never boilerplate: furniture is short, paragraphs are not.
    pub max_line_chars: usize,
}

/// The site an article belongs to.
pub fn site_of(source: &str, url: Option<&str>) -> String {
    if let Some(host) = url.and_then(host_of) {
        return host;
    }
    match source.split_once('/') {
        Some((folder, _)) => folder.to_string(),
        None => String::new(),
    }
}

fn host_of(url: &str) -> Option<String> {
    let rest = url.split_once("://")?.1;
    let host = rest.split(['/', '?', '#']).next()?;
    let host = host.rsplit_once('@').map_or(host, |(_, h)| h);
    let host = host.split(':').next()?.to_ascii_lowercase();
    let host = host.strip_prefix("www.").unwrap_or(&host).to_string();
    (!host.is_empty()).then_some(host)
}

fn key(site: &str, line: &str) -> (u64, u64) {
    (
        xxhash_rust::xxh3::xxh3_64(site.as_bytes()),
        xxhash_rust::xxh3::xxh3_64(line.as_bytes()),
    )
}

/// The distinct lines of `text` short enough to be boilerplate.
pub fn candidate_lines<'t>(plan: &BoilerplatePlan, text: &'t str) -> Vec<&'t str> {
    let mut seen = FxHashSet::default();
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && line.chars().count() <= plan.max_line_chars)
        .filter(|line| seen.insert(*line))
        .collect()
}

/// Counts lines per site over the first pass.
#[derive(Debug, Default)]
pub struct Learner {
    counts: FxHashMap<(u64, u64), u32>,
    /// Lines that reached the threshold, with their site, as text.
    learned: BTreeMap<(String, String), u32>,
}

impl Learner {
    /// Adds one article's candidate lines.
    pub fn add(&mut self, plan: &BoilerplatePlan, site: &str, lines: &[&str]) {
        for line in lines {
            let count = self.counts.entry(key(site, line)).or_default();
            *count += 1;
            if *count >= plan.min_articles {
                self.learned
                    .insert((site.to_string(), line.to_string()), *count);
            }
        }
    }

    /// The lines learned, with the number of articles each was counted in.
    pub fn into_learned(self) -> BTreeMap<(String, String), u32> {
        self.learned
    }
}

/// The boilerplate lines a run removes, by site.
#[derive(Debug, Default, Clone)]
pub struct Table {
    /// (site hash, line hash) -> index in `lines`.
    index: FxHashMap<(u64, u64), u32>,
    /// (site, line, articles counted when learned), in sorted order.
    lines: Vec<(String, String, u32)>,
}

impl Table {
    pub fn new(learned: BTreeMap<(String, String), u32>) -> Table {
        let mut table = Table::default();
        for ((site, line), count) in learned {
            table
                .index
                .insert(key(&site, &line), table.lines.len() as u32);
            table.lines.push((site, line, count));
        }
        table
    }

    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    pub fn lines(&self) -> &[(String, String, u32)] {
        &self.lines
    }

    /// `text` without its site's boilerplate lines (and without the blank lines they leave
    /// doubled), with the indices of the lines removed; `None` if nothing is removed.
    pub fn remove(&self, site: &str, text: &str) -> Option<(String, Vec<u32>)> {
        let site_hash = xxhash_rust::xxh3::xxh3_64(site.as_bytes());
        let mut removed = Vec::new();
        let mut kept: Vec<&str> = Vec::new();
        for line in text.split('\n') {
            let trimmed = line.trim();
            let hit = (!trimmed.is_empty())
                .then(|| {
                    self.index
                        .get(&(site_hash, xxhash_rust::xxh3::xxh3_64(trimmed.as_bytes())))
                })
                .flatten();
            match hit {
                Some(&index) => removed.push(index),
                None => kept.push(line),
            }
        }
        if removed.is_empty() {
            return None;
        }
        // Blocks stay separated by one blank line, with none at the ends.
        let mut out = String::with_capacity(text.len());
        let mut blank = false;
        for line in kept {
            if line.trim().is_empty() {
                blank = !out.is_empty();
                continue;
            }
            if blank {
                out.push_str("\n\n");
            } else if !out.is_empty() {
                out.push('\n');
            }
            blank = false;
            out.push_str(line);
        }
        Some((out, removed))
    }
}

/// What boilerplate removal did in a run, for `report.json`.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize)]
pub struct BoilerplateReport {
    /// Lines removed from kept articles, in all.
    pub lines_removed: u64,
    /// Every learned line: its site, its text, in how many articles the first pass found it,
    /// and from how many kept articles it was removed.
    pub learned: Vec<LearnedLine>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LearnedLine {
    pub site: String,
    pub line: String,
    pub articles: u32,
    pub removed: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan() -> BoilerplatePlan {
        BoilerplatePlan {
            min_articles: 3,
            max_line_chars: 200,
        }
    }

    #[test]
    fn a_line_repeated_by_one_site_is_learned_and_a_quote_across_sites_is_not() {
        let plan = plan();
        let mut learner = Learner::default();
        let quote = "\"We will not back down,\" the minister said.";
        for n in 0..3 {
            let story = format!("Story {n}.\n\n{quote}\n\nAll rights reserved.");
            learner.add(&plan, "herald", &candidate_lines(&plan, &story));
        }
        for site in ["times", "post"] {
            learner.add(&plan, site, &candidate_lines(&plan, quote));
        }
        let table = Table::new(learner.into_learned());
        let lines: Vec<&str> = table.lines().iter().map(|(_, l, _)| l.as_str()).collect();
        // The quote recurs three times in "herald" too: at this threshold it is learned there,
        // but never for the other sites.
        assert_eq!(
            lines,
            [
                "\"We will not back down,\" the minister said.",
                "All rights reserved."
            ]
        );
        assert_eq!(table.remove("times", quote), None);
        let (text, removed) = table
            .remove(
                "herald",
                "Story 9.\n\nA new paragraph.\nAll rights reserved.",
            )
            .unwrap();
        assert_eq!(text, "Story 9.\n\nA new paragraph.");
        assert_eq!(removed.len(), 1);
    }

    #[test]
    fn removal_leaves_single_blank_lines_between_blocks() {
        let mut learned = BTreeMap::new();
        learned.insert(("s".to_string(), "Subscribe now".to_string()), 5);
        let table = Table::new(learned);
        let (text, _) = table
            .remove(
                "s",
                "Subscribe now\n\nFirst.\n\nSubscribe now\n\nSecond.\n\nSubscribe now",
            )
            .unwrap();
        assert_eq!(text, "First.\n\nSecond.");
    }

    #[test]
    fn the_site_is_the_url_host_or_the_first_folder() {
        assert_eq!(
            site_of("dump.warc#3", Some("https://www.Example.com:8080/a?b")),
            "example.com"
        );
        assert_eq!(site_of("herald/2024/a.txt", None), "herald");
        assert_eq!(site_of("a.txt", None), "");
    }
}

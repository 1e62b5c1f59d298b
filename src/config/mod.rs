//! The configuration file as written: serde structs that mirror `pipeline.toml` one to one.
//!
//! Like ripgrep's low-level arguments, these structs only say what the user wrote, with every
//! default in one place (the `Default` impls below, which the checked-in `pipeline.toml` spells
//! out and a test keeps in step). Turning them into something the pipeline can run — resolving
//! paths, compiling globs and patterns, checking ranges — is [`plan`]'s job. Loading reports every
//! unknown key and wrong type at once, each with file, line and column, instead of stopping at the
//! first as plain serde would.

pub mod plan;

use std::collections::HashMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use toml::Spanned;
use toml::de::{DeTable, DeValue, ValueDeserializer};

use crate::error::{ConfigProblem, ConfigProblems, Error};

pub use crate::output::OutputCompression;
pub use crate::stages::captions::{CaptionMode, RawCaptions};
pub use crate::stages::header::{DEFAULT_HEADER_PATTERN, HeaderPreset};
pub use plan::{Overrides, Plan};

/// The whole file. Every section may be omitted.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawConfig {
    pub input: RawInput,
    pub clean: RawClean,
    pub header: RawHeader,
    pub captions: RawCaptions,
    pub dedup: RawDedup,
    pub output: RawOutput,
    pub run: RawRun,
    pub state: RawState,
    pub boilerplate: RawBoilerplate,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawInput {
    /// Directories (or single files) to read; relative to the configuration file's directory.
    pub roots: Vec<String>,
    /// Globs over paths relative to a root; a file must match one to be read.
    pub include: Vec<String>,
    /// Globs over paths relative to a root; matching files and whole directories are skipped.
    pub exclude: Vec<String>,
    pub follow_symlinks: bool,
    /// Larger files are rejected as `too_large`, never truncated.
    pub max_file_bytes: u64,
    /// A gzip or zstd file that expands past this is rejected as `too_large`.
    pub max_decompressed_bytes: u64,
    /// JSON Lines dumps and WARC archives larger than this stream through the run in chunks of
    /// whole records instead of being read whole (and are then not bound by the file-size
    /// limits).
    pub stream_above_bytes: u64,
    /// File extensions always parsed as whole HTML pages.
    pub html_extensions: Vec<String>,
    /// Dump files holding many articles.
    pub json: RawJson,
}

impl Default for RawInput {
    fn default() -> Self {
        RawInput {
            roots: vec!["samples".to_string()],
            include: vec!["**/*".to_string()],
            exclude: vec!["**/.*".to_string()],
            follow_symlinks: false,
            max_file_bytes: 64 * 1024 * 1024,
            max_decompressed_bytes: 256 * 1024 * 1024,
            stream_above_bytes: 8 * 1024 * 1024,
            html_extensions: vec!["html".to_string(), "htm".to_string(), "xhtml".to_string()],
            json: RawJson::default(),
        }
    }
}

fn strings(values: &[&str]) -> Vec<String> {
    values.iter().map(|v| v.to_string()).collect()
}

/// `[input.json]`: JSON Lines and JSON array dumps, one article per record.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawJson {
    /// Extensions of dump files (also under `.gz` / `.zst`).
    pub extensions: Vec<String>,
    /// Field names holding the article's text, in order of preference.
    pub text_fields: Vec<String>,
    /// Field names holding the article's HTML, used when no text field is there.
    pub html_fields: Vec<String>,
    pub title_fields: Vec<String>,
    pub date_fields: Vec<String>,
    pub url_fields: Vec<String>,
}

impl Default for RawJson {
    fn default() -> Self {
        RawJson {
            extensions: strings(&["jsonl", "ndjson", "json"]),
            text_fields: strings(&["text", "content", "body", "article", "articleBody"]),
            html_fields: strings(&["html", "raw_html", "content_html", "page"]),
            title_fields: strings(&["title", "headline"]),
            date_fields: strings(&[
                "date",
                "published",
                "published_at",
                "datePublished",
                "pubdate",
            ]),
            url_fields: strings(&["url", "link", "canonical_url"]),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawClean {
    /// Remove tags of real HTML elements, comments and doctypes from text files.
    pub strip_tags: bool,
    /// Decode HTML entities (`&amp;`, `&#8217;`, double-encoded `&amp;quot;`).
    pub decode_entities: bool,
    /// Collapse spaces and tabs, trim lines, turn no-break spaces into spaces.
    pub normalize_whitespace: bool,
    /// Join hard-wrapped lines (newswire and e-mail style) back into paragraphs.
    pub unwrap_lines: bool,
}

impl Default for RawClean {
    fn default() -> Self {
        RawClean {
            strip_tags: true,
            decode_entities: true,
            normalize_whitespace: true,
            unwrap_lines: true,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawHeader {
    /// Read title and date from the first line of text files.
    pub enabled: bool,
    /// The layout of that first line: `seed`, `title-line`, `pattern`, `auto` or `none`.
    pub preset: HeaderPreset,
    /// With `preset = "pattern"`: a regular expression for the first line with named groups
    /// `title` and/or `date`.
    pub pattern: String,
}

impl Default for RawHeader {
    fn default() -> Self {
        RawHeader {
            enabled: true,
            preset: HeaderPreset::Seed,
            pattern: DEFAULT_HEADER_PATTERN.to_string(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawDedup {
    /// Drop articles whose cleaned text has the same SHA-256 as an earlier one.
    pub exact: bool,
    /// Also drop near-duplicates (MinHash over word shingles, LSH bands).
    pub near: bool,
    /// Words per shingle.
    pub near_shingle_words: usize,
    /// LSH bands, and rows (hash values) per band: `bands × rows` values per signature.
    pub near_bands: usize,
    pub near_rows: usize,
    /// Minimum estimated Jaccard similarity to count as a near-duplicate.
    pub near_threshold: f64,
}

impl Default for RawDedup {
    fn default() -> Self {
        RawDedup {
            exact: true,
            near: false,
            near_shingle_words: 5,
            near_bands: 20,
            near_rows: 5,
            near_threshold: 0.7,
        }
    }
}

/// `[boilerplate]`: lines that recur across many articles of one site.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawBoilerplate {
    /// Learn each site's recurring lines in a first pass and remove them.
    pub enabled: bool,
    /// A line is boilerplate when at least this many articles of one site contain it.
    pub min_articles: u32,
    /// Longer lines are never boilerplate.
    pub max_line_chars: usize,
}

impl Default for RawBoilerplate {
    fn default() -> Self {
        RawBoilerplate {
            enabled: false,
            min_articles: 20,
            max_line_chars: 200,
        }
    }
}

/// `[state]`: the persistent state of nightly runs.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawState {
    /// The state database. Unset: every run stands alone.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Commit a checkpoint every this many inputs, so a killed run resumes there (0: never).
    pub checkpoint_files: u64,
    /// Keep a copy of the state after each of the last this many committed nights (0: none).
    pub backups: u32,
}

impl Default for RawState {
    fn default() -> Self {
        RawState {
            path: None,
            checkpoint_files: 100_000,
            backups: 0,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawOutput {
    /// Where `clean.jsonl` and friends go; relative to the configuration file's directory.
    pub dir: String,
    pub compression: OutputCompression,
    /// Rotate into numbered files after this many records; 0 never.
    pub max_records_per_file: u64,
    /// Rotate into numbered files before this many (uncompressed) bytes; 0 never.
    pub max_bytes_per_file: u64,
}

impl Default for RawOutput {
    fn default() -> Self {
        RawOutput {
            dir: "out".to_string(),
            compression: OutputCompression::None,
            max_records_per_file: 0,
            max_bytes_per_file: 0,
        }
    }
}

/// When to draw the progress bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ProgressMode {
    /// On a terminal only.
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawRun {
    /// Worker threads; 0 means one per core.
    pub threads: usize,
    pub progress: ProgressMode,
}

impl Default for RawRun {
    fn default() -> Self {
        RawRun {
            threads: 0,
            progress: ProgressMode::Auto,
        }
    }
}

/// Where each `section.key` stands in the file, so [`plan`] can point at bad values.
pub type KeySpans = HashMap<String, Range<usize>>;

/// A configuration file as read: the raw values plus what is needed to locate problems in it.
#[derive(Debug, Clone)]
pub struct LoadedConfig {
    pub raw: RawConfig,
    pub path: PathBuf,
    pub text: String,
    pub spans: KeySpans,
}

impl LoadedConfig {
    /// A problem located at `key`'s value in this file (or at the file, if the key is not in it).
    pub fn problem_at(&self, key: &str, message: String) -> ConfigProblem {
        ConfigProblem {
            file: Some(self.path.clone()),
            line_col: self
                .spans
                .get(key)
                .map(|span| line_col(&self.text, span.start)),
            key: Some(key.to_string()),
            message,
        }
    }
}

/// Reads and parses a configuration file.
pub fn load(path: &Path) -> Result<LoadedConfig, Error> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::ConfigRead {
        path: path.to_path_buf(),
        source,
    })?;
    let (raw, spans) = parse(&text, path)?;
    Ok(LoadedConfig {
        raw,
        path: path.to_path_buf(),
        text,
        spans,
    })
}

/// Parses configuration text, collecting every syntax, unknown-key and type problem.
pub fn parse(text: &str, path: &Path) -> Result<(RawConfig, KeySpans), ConfigProblems> {
    let problem = |span: Option<Range<usize>>, key: Option<String>, message: &str| ConfigProblem {
        file: Some(path.to_path_buf()),
        line_col: span.map(|s| line_col(text, s.start)),
        key,
        message: message.trim().to_string(),
    };

    // A syntax error leaves nothing reliable to check keys against, so it is reported alone
    // (the TOML parser itself recovers and reports all syntax errors it can).
    let (root, syntax_errors) = DeTable::parse_recoverable(text);
    if !syntax_errors.is_empty() {
        let problems = syntax_errors
            .iter()
            .map(|e| problem(e.span(), None, e.message()))
            .collect();
        return Err(ConfigProblems(problems));
    }

    // Deserialize one key at a time so that one bad key does not hide the next.
    let mut problems = Vec::new();
    let mut spans = KeySpans::new();
    for (section_key, section) in root.get_ref() {
        let name = section_key.get_ref().as_ref();
        let check = match name {
            "input" => check_section::<RawInput>,
            "clean" => check_section::<RawClean>,
            "header" => check_section::<RawHeader>,
            "captions" => check_section::<RawCaptions>,
            "dedup" => check_section::<RawDedup>,
            "output" => check_section::<RawOutput>,
            "run" => check_section::<RawRun>,
            "state" => check_section::<RawState>,
            "boilerplate" => check_section::<RawBoilerplate>,
            _ => {
                problems.push(problem(
                    Some(section_key.span()),
                    Some(name.to_string()),
                    "unknown section; expected one of input, clean, header, captions, dedup, output, run, state, boilerplate",
                ));
                continue;
            }
        };
        let DeValue::Table(table) = section.get_ref() else {
            problems.push(problem(
                Some(section.span()),
                Some(name.to_string()),
                "must be a table ([section])",
            ));
            continue;
        };
        for (key, value) in table {
            let dotted = format!("{name}.{}", key.get_ref());
            spans.insert(dotted.clone(), value.span());
            if let Err(e) = check(key, value, section.span()) {
                let span = if e.message().starts_with("unknown field") {
                    key.span()
                } else {
                    e.span().unwrap_or_else(|| value.span())
                };
                problems.push(problem(Some(span), Some(dotted), e.message()));
            }
        }
    }
    if !problems.is_empty() {
        // Tables come back sorted by key; report in the order a reader meets them.
        problems.sort_by_key(|p| p.line_col);
        return Err(ConfigProblems(problems));
    }

    let deserializer = toml::de::Deserializer::parse(text)
        .map_err(|e| ConfigProblems(vec![problem(e.span(), None, e.message())]))?;
    let raw = RawConfig::deserialize(deserializer)
        .map_err(|e| ConfigProblems(vec![problem(e.span(), None, e.message())]))?;
    Ok((raw, spans))
}

/// Deserializes a section holding just `key = value`, to find that key's problem if it has one.
fn check_section<T: DeserializeOwned>(
    key: &Spanned<toml::de::DeString<'_>>,
    value: &Spanned<DeValue<'_>>,
    section_span: Range<usize>,
) -> Result<(), toml::de::Error> {
    let mut single = DeTable::new();
    single.insert(key.clone(), value.clone());
    let deserializer = ValueDeserializer::from(Spanned::new(section_span, DeValue::Table(single)));
    T::deserialize(deserializer).map(|_| ())
}

/// 1-based line and column (in characters) of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let col = before[line_start..].chars().count() + 1;
    (line, col)
}

/// The effective configuration as TOML, every value written out (for `scour check-config`).
pub fn to_toml(raw: &RawConfig) -> String {
    toml::to_string_pretty(raw).unwrap_or_else(|e| format!("# cannot render configuration: {e}\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(text: &str) -> Result<RawConfig, ConfigProblems> {
        parse(text, Path::new("pipeline.toml")).map(|(raw, _)| raw)
    }

    #[test]
    fn empty_file_gives_the_built_in_defaults() {
        assert_eq!(parse_str("").unwrap(), RawConfig::default());
    }

    #[test]
    fn every_problem_is_reported_at_once_with_line_and_column() {
        let text =
            "[input]\nroots = 3\nfollow_symlink = true\n\n[captions]\nmode = \"fold\"\n[bogus]\n";
        let problems = parse_str(text).unwrap_err().0;
        let rendered: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
        assert_eq!(problems.len(), 4, "{rendered:#?}");
        assert!(
            rendered[0].starts_with("pipeline.toml:2:9: `input.roots`"),
            "{rendered:#?}"
        );
        assert!(rendered[1].starts_with("pipeline.toml:3:1: `input.follow_symlink`"));
        assert!(rendered[1].contains("unknown field"));
        assert!(
            rendered
                .iter()
                .any(|r| r.starts_with("pipeline.toml:6:8: `captions.mode`"))
        );
        assert!(
            rendered
                .iter()
                .any(|r| r.contains("`bogus`") && r.contains(":7:"))
        );
    }

    #[test]
    fn syntax_errors_name_the_line() {
        let problems = parse_str("[input]\nroots = [\"a\"\n").unwrap_err().0;
        assert!(problems[0].line_col.is_some());
    }

    #[test]
    fn line_col_counts_characters_not_bytes() {
        assert_eq!(line_col("a\n\u{a0}b", 4), (2, 2));
    }
}

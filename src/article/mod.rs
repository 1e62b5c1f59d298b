//! The article in flight and the three record types that make up scour's output contract.
//!
//! Every input ends as exactly one of [`CleanRecord`] (`clean.jsonl`), [`DuplicateRecord`]
//! (`duplicates.jsonl`) or [`RejectRecord`] (`rejects.jsonl`). Their field names and the reject
//! codes are the contract downstream tools load, so they live together here and change only on
//! purpose.

use serde::Serialize;

mod schema;
use schema::write_fields;
pub use schema::{
    CLEAN_SCHEMA, Column, DUPLICATE_SCHEMA, Field, FieldType, REJECT_SCHEMA, Value, columns,
};

/// Counters a stage adds to while cleaning one article; summed into `report.json`.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct CleanStats {
    pub tags_stripped: u64,
    pub entities_decoded: u64,
    pub captions_collapsed: u64,
    pub lines_unwrapped: u64,
    /// U+FFFD in the text as read: bad bytes decoding replaced (one each) and replacement
    /// characters the input already held. Never silent (issue #12).
    #[serde(default)]
    pub replaced_bytes: u64,
}

impl CleanStats {
    pub fn add(&mut self, other: &CleanStats) {
        self.tags_stripped += other.tags_stripped;
        self.entities_decoded += other.entities_decoded;
        self.captions_collapsed += other.captions_collapsed;
        self.lines_unwrapped += other.lines_unwrapped;
        self.replaced_bytes += other.replaced_bytes;
    }
}

/// What the input looked like, which decides the stages it goes through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InputFormat {
    /// A scraped text file, possibly with stray tags and entities.
    Text,
    /// A whole HTML page.
    Html,
}

/// One article while the per-article stages work on it.
///
/// `text` holds blocks separated by a blank line and lines within a block by `\n`; stages keep
/// that shape so the next one can rely on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Article {
    pub format: InputFormat,
    pub title: Option<String>,
    /// RFC 3339 (offset kept when the source gave one), once a stage has found and normalised it.
    pub date: Option<String>,
    pub text: String,
    /// Distinct captions in order of first appearance.
    pub captions: Vec<String>,
    /// Captions known before the caption stage runs (`<figcaption>` of an HTML page).
    pub known_captions: Vec<String>,
    /// The page's address, when the input says.
    pub url: Option<String>,
    /// Metadata a page declares.
    pub author: Option<String>,
    pub language: Option<String>,
    pub site_name: Option<String>,
    /// When the page was fetched (a WARC record's `WARC-Date`).
    pub crawl_date: Option<String>,
    /// A date the input gave that could not be read for sure, for `report.json`'s examples.
    pub unparsed_date: Option<String>,
    pub stats: CleanStats,
}

impl InputFormat {
    /// The value written to `format`.
    pub fn code(self) -> &'static str {
        match self {
            InputFormat::Text => "text",
            InputFormat::Html => "html",
        }
    }
}

impl Article {
    pub fn new(format: InputFormat, text: String) -> Article {
        Article {
            format,
            title: None,
            date: None,
            text,
            captions: Vec::new(),
            known_captions: Vec::new(),
            url: None,
            author: None,
            language: None,
            site_name: None,
            crawl_date: None,
            unparsed_date: None,
            stats: CleanStats::default(),
        }
    }
}

/// A kept article: one line of `clean.jsonl`. Its JSON is [`CLEAN_SCHEMA`], field by field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CleanRecord<'a> {
    pub id: &'a str,
    pub source: &'a str,
    pub title: Option<&'a str>,
    pub date: Option<&'a str>,
    pub text: &'a str,
    pub captions: &'a [String],
    pub sha256: &'a str,
    pub format: InputFormat,
    pub encoding: &'a str,
    /// U+FFFD in the text as read (see [`CleanStats::replaced_bytes`]); 0 when none.
    pub replaced_bytes: u64,
    pub url: Option<&'a str>,
    pub author: Option<&'a str>,
    pub language: Option<&'a str>,
    pub site_name: Option<&'a str>,
    pub crawl_date: Option<&'a str>,
}

impl CleanRecord<'_> {
    /// Appends the record as one JSON object — byte for byte what serde_json writes for it, but
    /// with the fast string writer, as this is the bulk of a run's output.
    pub fn write_json(&self, out: &mut Vec<u8>) {
        write_fields(out, CLEAN_SCHEMA.iter().map(|f| (f.name, (f.get)(self))));
    }
}

/// What kind of duplicate a [`DuplicateRecord`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DuplicateKind {
    /// Same SHA-256 of the cleaned text.
    Exact,
    /// Not the same text, but estimated similar enough (`dedup.near`).
    Near,
}

/// A dropped duplicate: one line of `duplicates.jsonl`, pointing at the kept twin.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DuplicateRecord<'a> {
    pub source: &'a str,
    /// The `id` of the kept record in `clean.jsonl`.
    pub duplicate_of: &'a str,
    pub sha256: &'a str,
    pub kind: DuplicateKind,
    pub similarity: Option<f64>,
}

impl DuplicateRecord<'_> {
    /// Appends the record as one JSON object: [`DUPLICATE_SCHEMA`], field by field.
    pub fn write_json(&self, out: &mut Vec<u8>) {
        write_fields(
            out,
            DUPLICATE_SCHEMA.iter().map(|f| (f.name, (f.get)(self))),
        );
    }
}

impl DuplicateKind {
    /// The value written to `kind`.
    pub fn code(self) -> &'static str {
        match self {
            DuplicateKind::Exact => "exact",
            DuplicateKind::Near => "near",
        }
    }
}

/// Why an input produced no record. The codes are stable: scripts filter on them.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum RejectReason {
    /// Zero bytes, or only a byte-order mark.
    Empty,
    /// Not text (an image, an archive, NUL bytes).
    Binary,
    /// Text, but nothing is left after cleaning.
    NoText,
    /// Larger than `input.max_file_bytes`; rejected rather than truncated.
    TooLarge,
    /// The file or directory could not be read (permissions, I/O error, vanished).
    Unreadable,
    /// Bytes that are not valid in the encoding they are in.
    Encoding,
    /// Compressed data (gzip, zstd) that does not decompress.
    Corrupt,
    /// A record of a dump that cannot be read (a JSON line that is not an object, a broken
    /// WARC record).
    Malformed,
    /// A WARC response that is not an article: an unsuccessful status or a non-text payload.
    NotArticle,
    /// A symbolic link that was not followed (`input.follow_symlinks = false`).
    Symlink,
    /// A symbolic link that leads back into a directory being walked.
    SymlinkLoop,
    /// Not a regular file (a FIFO, socket or device), which reading could hang on.
    NotAFile,
    /// A bug in scour caught while cleaning this article; the run goes on.
    Internal,
}

impl RejectReason {
    pub const ALL: [RejectReason; 13] = [
        RejectReason::Empty,
        RejectReason::Binary,
        RejectReason::NoText,
        RejectReason::TooLarge,
        RejectReason::Unreadable,
        RejectReason::Encoding,
        RejectReason::Corrupt,
        RejectReason::Malformed,
        RejectReason::NotArticle,
        RejectReason::Symlink,
        RejectReason::SymlinkLoop,
        RejectReason::NotAFile,
        RejectReason::Internal,
    ];

    /// The stable code written to `rejects.jsonl`.
    pub fn code(self) -> &'static str {
        match self {
            RejectReason::Empty => "empty",
            RejectReason::Binary => "binary",
            RejectReason::NoText => "no_text",
            RejectReason::TooLarge => "too_large",
            RejectReason::Unreadable => "unreadable",
            RejectReason::Encoding => "encoding",
            RejectReason::Corrupt => "corrupt",
            RejectReason::Malformed => "malformed",
            RejectReason::NotArticle => "not_article",
            RejectReason::Symlink => "symlink",
            RejectReason::SymlinkLoop => "symlink_loop",
            RejectReason::NotAFile => "not_a_file",
            RejectReason::Internal => "internal",
        }
    }
}

/// An input that produced no record: one line of `rejects.jsonl`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RejectRecord<'a> {
    pub source: &'a str,
    pub reason: RejectReason,
    pub detail: &'a str,
}

impl RejectRecord<'_> {
    /// Appends the record as one JSON object: [`REJECT_SCHEMA`], field by field.
    pub fn write_json(&self, out: &mut Vec<u8>) {
        write_fields(out, REJECT_SCHEMA.iter().map(|f| (f.name, (f.get)(self))));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_record_json_is_what_serde_writes() {
        let captions = ["A \"caption\". Yonhap".to_string(), "second".to_string()];
        for (title, captions) in [(Some("T\u{a0}\\"), &captions[..]), (None, &[][..])] {
            let record = CleanRecord {
                id: "0123456789abcdef",
                source: "a/b.txt",
                title,
                date: None,
                text: "Line one\n\nLine \"two\"\tend",
                captions,
                sha256: "ff",
                format: InputFormat::Html,
                encoding: "EUC-KR",
                replaced_bytes: 3,
                url: title.map(|_| "https://example.com/a?b=\"c\""),
                author: title.map(|_| "Kang"),
                language: None,
                site_name: title.map(|_| "Site"),
                crawl_date: title.map(|_| "2024-11-06T01:02:03Z"),
            };
            let mut fast = Vec::new();
            record.write_json(&mut fast);
            assert_eq!(
                String::from_utf8(fast).unwrap(),
                serde_json::to_string(&record).unwrap()
            );
        }
    }

    #[test]
    fn duplicate_and_reject_json_is_what_serde_writes() {
        for similarity in [None, Some(0.857), Some(1.0)] {
            let record = DuplicateRecord {
                source: "a.txt",
                duplicate_of: "0123",
                sha256: "ff",
                kind: DuplicateKind::Near,
                similarity,
            };
            let mut fast = Vec::new();
            record.write_json(&mut fast);
            assert_eq!(
                String::from_utf8(fast).unwrap(),
                serde_json::to_string(&record).unwrap()
            );
        }
        let record = RejectRecord {
            source: "b\"c",
            reason: RejectReason::NoText,
            detail: "nothing left",
        };
        let mut fast = Vec::new();
        record.write_json(&mut fast);
        assert_eq!(
            String::from_utf8(fast).unwrap(),
            serde_json::to_string(&record).unwrap()
        );
    }

    #[test]
    fn every_field_is_in_every_record_with_one_type() {
        let record = CleanRecord {
            id: "i",
            source: "s",
            title: None,
            date: None,
            text: "t",
            captions: &[],
            sha256: "h",
            format: InputFormat::Text,
            encoding: "UTF-8",
            replaced_bytes: 0,
            url: None,
            author: None,
            language: None,
            site_name: None,
            crawl_date: None,
        };
        let mut line = Vec::new();
        record.write_json(&mut line);
        let value: serde_json::Value = serde_json::from_slice(&line).unwrap();
        let object = value.as_object().unwrap();
        assert_eq!(object.len(), CLEAN_SCHEMA.len());
        let text = String::from_utf8(line.clone()).unwrap();
        let positions: Vec<usize> = CLEAN_SCHEMA
            .iter()
            .map(|f| text.find(&format!("\"{}\":", f.name)).unwrap())
            .collect();
        assert!(positions.is_sorted(), "fields in schema order");
        for field in CLEAN_SCHEMA {
            let value = &object[field.name];
            match field.ty {
                FieldType::StringList => assert_eq!(value, &serde_json::json!([])),
                FieldType::Int64 => assert!(value.is_u64(), "{}", field.name),
                _ if field.nullable => assert!(value.is_null(), "{}", field.name),
                _ => assert!(value.is_string(), "{}", field.name),
            }
        }
    }

    #[test]
    fn reject_codes_match_their_serialized_form() {
        for reason in RejectReason::ALL {
            let json = serde_json::to_string(&reason).unwrap();
            assert_eq!(json, format!("\"{}\"", reason.code()));
        }
    }
}

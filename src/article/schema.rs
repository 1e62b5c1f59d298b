//! The one definition of the three output files' fields: name, JSON type, nullability, meaning
//! and where a record keeps the value.
//!
//! The JSONL writer walks these tables, and the dataset card (`dataset_info` features, DuckDB
//! column types) and the README's tables are derived from them, so a field cannot be written
//! one way and declared another. Adding a field is one line in a table (and the field on its
//! record type).

use super::{CleanRecord, DuplicateRecord, RejectRecord};
use crate::json;

/// The type of an output field: one JSON type, the same in every record, with `null` for
/// unknown where [`Field::nullable`]. It gives the dataset card's feature type and the DuckDB
/// column type, so the card can never disagree with the records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    /// A JSON string.
    String,
    /// A JSON list of strings, `[]` when there are none (never `null`).
    StringList,
    /// A JSON string in RFC 3339 (`2024-11-01T19:20:00+09:00`, `Z` for UTC, no offset when the
    /// source gave none), seconds precision, years 1 to 9999: what pyarrow's JSON reader,
    /// Python, DuckDB and pandas all parse. Declared a UTC timestamp in the card.
    Timestamp,
    /// A JSON number with a fraction.
    Float64,
    /// A JSON integer.
    Int64,
}

impl FieldType {
    /// The type as the JSON it is written as, for the README's table.
    pub fn json(self) -> &'static str {
        match self {
            FieldType::String => "string",
            FieldType::StringList => "list of strings",
            FieldType::Timestamp => "string, RFC 3339",
            FieldType::Float64 => "number",
            FieldType::Int64 => "integer",
        }
    }

    /// The column type DuckDB's `read_json(columns = {...})` is given.
    pub fn duckdb(self) -> &'static str {
        match self {
            FieldType::String => "VARCHAR",
            FieldType::StringList => "VARCHAR[]",
            FieldType::Timestamp => "TIMESTAMPTZ",
            FieldType::Float64 => "DOUBLE",
            FieldType::Int64 => "BIGINT",
        }
    }
}

/// A field's value in one record, as [`write_fields`] writes it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value<'a> {
    Str(&'a str),
    OptStr(Option<&'a str>),
    StrList(&'a [String]),
    OptF64(Option<f64>),
    U64(u64),
}

/// One field of an output file: its name, its type and where a record keeps its value.
#[derive(Debug, Clone, Copy)]
pub struct Field<G> {
    pub name: &'static str,
    pub ty: FieldType,
    /// `null` when unknown (the field is still there).
    pub nullable: bool,
    /// What the field holds, for the README and the dataset card.
    pub about: &'static str,
    pub get: G,
}

type CleanGetter = for<'r> fn(&'r CleanRecord<'r>) -> Value<'r>;
type DuplicateGetter = for<'r> fn(&'r DuplicateRecord<'r>) -> Value<'r>;
type RejectGetter = for<'r> fn(&'r RejectRecord<'r>) -> Value<'r>;

const fn field<G>(
    name: &'static str,
    ty: FieldType,
    nullable: bool,
    about: &'static str,
    get: G,
) -> Field<G> {
    Field {
        name,
        ty,
        nullable,
        about,
        get,
    }
}

use FieldType::{Float64, Int64, String as Text, StringList, Timestamp};

/// `clean.jsonl`, in the order written. Adding a field is one line here (and the field on
/// [`CleanRecord`]); the writer, the card and the README's table follow.
pub const CLEAN_SCHEMA: &[Field<CleanGetter>] = &[
    field(
        "id",
        Text,
        false,
        "16 hex digits from SHA-256 over source and content: stable across runs and unique.",
        |r| Value::Str(r.id),
    ),
    field(
        "source",
        Text,
        false,
        "The path relative to its input root, `/`-separated (prefixed by the root's name with several roots); `path#N` for record N of a dump or archive.",
        |r| Value::Str(r.source),
    ),
    field(
        "title",
        Text,
        true,
        "From the header line, the page's metadata or a dump's field.",
        |r| Value::OptStr(r.title),
    ),
    field(
        "date",
        Timestamp,
        true,
        "Publication date, RFC 3339 (`2024-11-01T19:20:00+09:00`, `Z` for UTC; no offset when the source gives none).",
        |r| Value::OptStr(r.date),
    ),
    field(
        "text",
        Text,
        false,
        "The cleaned text: paragraphs separated by a blank line.",
        |r| Value::Str(r.text),
    ),
    field(
        "captions",
        StringList,
        false,
        "Distinct photo captions in order of first appearance; `[]` when none.",
        |r| Value::StrList(r.captions),
    ),
    field(
        "sha256",
        Text,
        false,
        "Lower-case hex SHA-256 of the UTF-8 bytes of `text`.",
        |r| Value::Str(r.sha256),
    ),
    field(
        "format",
        Text,
        false,
        "`text` or `html`: what the input looked like.",
        |r| Value::Str(r.format.code()),
    ),
    field(
        "encoding",
        Text,
        false,
        "The encoding the bytes were in (`UTF-8`, `EUC-KR`, ...).",
        |r| Value::Str(r.encoding),
    ),
    field(
        "replaced_bytes",
        Int64,
        false,
        "How many U+FFFD the text held as read: bad bytes of nearly clean UTF-8, each replaced \
         by one, plus any the input already held; 0 when none.",
        |r| Value::U64(r.replaced_bytes),
    ),
    field(
        "url",
        Text,
        true,
        "The page's address (a dump's `url`, a WARC target URI, a canonical link).",
        |r| Value::OptStr(r.url),
    ),
    field(
        "author",
        Text,
        true,
        "The author a page or dump declares.",
        |r| Value::OptStr(r.author),
    ),
    field(
        "language",
        Text,
        true,
        "The language a page declares (`<html lang>`).",
        |r| Value::OptStr(r.language),
    ),
    field(
        "site_name",
        Text,
        true,
        "The site a page declares (`og:site_name`).",
        |r| Value::OptStr(r.site_name),
    ),
    field(
        "crawl_date",
        Timestamp,
        true,
        "When the page was fetched (`WARC-Date`), RFC 3339 UTC.",
        |r| Value::OptStr(r.crawl_date),
    ),
];

/// `duplicates.jsonl`, in the order written.
pub const DUPLICATE_SCHEMA: &[Field<DuplicateGetter>] = &[
    field(
        "source",
        Text,
        false,
        "The dropped input, as `source` in `clean.jsonl`.",
        |r| Value::Str(r.source),
    ),
    field(
        "duplicate_of",
        Text,
        false,
        "The `id` of the kept record in `clean.jsonl`.",
        |r| Value::Str(r.duplicate_of),
    ),
    field(
        "sha256",
        Text,
        false,
        "SHA-256 of the dropped input's cleaned text.",
        |r| Value::Str(r.sha256),
    ),
    field(
        "kind",
        Text,
        false,
        "`exact` (same text) or `near` (similar enough, `dedup.near`).",
        |r| Value::Str(r.kind.code()),
    ),
    field(
        "similarity",
        Float64,
        true,
        "For `near`: the estimated Jaccard similarity, 3 decimals; `null` for `exact`.",
        |r| Value::OptF64(r.similarity),
    ),
];

/// `rejects.jsonl`, in the order written.
pub const REJECT_SCHEMA: &[Field<RejectGetter>] = &[
    field(
        "source",
        Text,
        false,
        "The input that produced no record.",
        |r| Value::Str(r.source),
    ),
    field(
        "reason",
        Text,
        false,
        "A stable code: `empty`, `binary`, `no_text`, `corrupt`, ... (README).",
        |r| Value::Str(r.reason.code()),
    ),
    field(
        "detail",
        Text,
        false,
        "What exactly was wrong, for a person.",
        |r| Value::Str(r.detail),
    ),
];

/// A file's schema without its getters: what the card and the README describe.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub name: &'static str,
    pub ty: FieldType,
    pub nullable: bool,
    pub about: &'static str,
}

/// The columns of one of the three files, by its stem (`clean`, `duplicates`, `rejects`).
pub fn columns(stem: &str) -> Vec<Column> {
    fn strip<G>(fields: &[Field<G>]) -> Vec<Column> {
        fields
            .iter()
            .map(|f| Column {
                name: f.name,
                ty: f.ty,
                nullable: f.nullable,
                about: f.about,
            })
            .collect()
    }
    match stem {
        "clean" => strip(CLEAN_SCHEMA),
        "duplicates" => strip(DUPLICATE_SCHEMA),
        _ => strip(REJECT_SCHEMA),
    }
}

/// Writes one JSON object with every field, in order: serde_json's bytes, faster.
pub(super) fn write_fields<'r>(
    out: &mut Vec<u8>,
    fields: impl Iterator<Item = (&'static str, Value<'r>)>,
) {
    out.push(b'{');
    for (i, (name, value)) in fields.enumerate() {
        if i > 0 {
            out.push(b',');
        }
        json::write_str(out, name);
        out.push(b':');
        match value {
            Value::Str(text) => json::write_str(out, text),
            Value::OptStr(text) => json::write_opt_str(out, text),
            Value::StrList(list) => {
                out.push(b'[');
                for (i, item) in list.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    json::write_str(out, item);
                }
                out.push(b']');
            }
            Value::OptF64(None) => out.extend_from_slice(b"null"),
            Value::OptF64(Some(number)) => {
                // serde_json's own number format (ryu), so the bytes match what it writes.
                out.extend_from_slice(
                    serde_json::Number::from_f64(number)
                        .map_or_else(|| "null".to_string(), |n| n.to_string())
                        .as_bytes(),
                );
            }
            Value::U64(number) => out.extend_from_slice(number.to_string().as_bytes()),
        }
    }
    out.push(b'}');
}

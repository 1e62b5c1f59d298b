//! Dump files that hold many articles: JSON Lines and JSON documents, as Scrapy and
//! requests-based crawlers write them.
//!
//! Each line of a `.jsonl` (or element of a `.json` array, or a `.json` object alone) is one
//! article; its text or HTML and its metadata are found under configurable field names
//! (`[input.json]`). A record's `source` is `path#N` with N its 1-based line (or array
//! position), so records sort by file, then by position. A `.json` file is one JSON document
//! whatever its whitespace (a pretty-printed article is one record); JSON Lines are read line by
//! line, and each line stands alone: JSON is UTF-8, so a line with an invalid byte is that
//! line's `encoding` reject, a malformed line its `malformed` reject, and a line cut by a
//! truncated compressed file its `corrupt` reject, while the lines around it are still read.
//! Large JSON Lines dumps stream in chunks ([`chunks`]).

mod chunks;

use serde_json::{Map, Value};

pub use chunks::{ChunkReader, DumpChunk, UnreadLine};

use super::load::normalize_line_endings;
use super::{ContainerMeta, InputPlan, Item, Pending, Reject, decode, page};
use crate::article::{Article, InputFormat, RejectReason};

/// Field names to look for, in order of preference (`[input.json]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonFields {
    pub text: Vec<String>,
    pub html: Vec<String>,
    pub title: Vec<String>,
    pub date: Vec<String>,
    pub url: Vec<String>,
}

/// What one record holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecordFields {
    pub text: Option<String>,
    pub html: Option<String>,
    pub title: Option<String>,
    pub date: Option<String>,
    pub url: Option<String>,
}

/// How a dump's records are laid out, by its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// JSON Lines: one record per line (`.jsonl`, `.ndjson`).
    Lines,
    /// One JSON document (`.json`): an object, one record, or an array of objects.
    Document,
}

/// One record of a dump: its position and what it holds, or why it could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DumpRecord {
    /// 1-based line (JSON Lines) or array position (JSON array).
    pub position: usize,
    pub fields: Result<RecordFields, RecordProblem>,
}

/// Why a record (or a whole document) is rejected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordProblem {
    pub reason: RejectReason,
    pub detail: String,
}

fn malformed(detail: String) -> RecordProblem {
    RecordProblem {
        reason: RejectReason::Malformed,
        detail,
    }
}

/// The records of JSON Lines bytes whose first line is line `first_line` of its file. Each
/// line is decoded and parsed on its own; blank lines are no records.
pub fn split_lines(bytes: &[u8], fields: &JsonFields, first_line: usize) -> Vec<DumpRecord> {
    bytes
        .split(|&b| b == b'\n')
        .enumerate()
        .filter(|(_, line)| !line.iter().all(u8::is_ascii_whitespace))
        .map(|(i, line)| {
            let number = first_line + i;
            DumpRecord {
                position: number,
                fields: line_record(line, number, fields),
            }
        })
        .collect()
}

fn line_record(
    line: &[u8],
    number: usize,
    fields: &JsonFields,
) -> Result<RecordFields, RecordProblem> {
    let text = std::str::from_utf8(line).map_err(|error| RecordProblem {
        reason: RejectReason::Encoding,
        detail: format!(
            "line {number} is not UTF-8 (JSON is): invalid byte 0x{:02x} at byte {} of the line",
            line[error.valid_up_to()],
            error.valid_up_to()
        ),
    })?;
    let value = serde_json::from_str::<Value>(text)
        .map_err(|e| malformed(format!("line {number} is not JSON: {e}")))?;
    read_record(&value, fields).map_err(malformed)
}

/// The records of a `.json` file: one document, an object or an array of objects, whatever its
/// whitespace. A file that is not one document but whose lines are (JSON Lines under a `.json`
/// name, as some crawlers write) is read as JSON Lines. `Err` is the whole file's reject.
pub fn split_document(bytes: &[u8], fields: &JsonFields) -> Result<Vec<DumpRecord>, RecordProblem> {
    let text = std::str::from_utf8(bytes).map_err(|error| RecordProblem {
        reason: RejectReason::Encoding,
        detail: format!(
            "not UTF-8 (JSON is): invalid byte 0x{:02x} at offset {}",
            bytes[error.valid_up_to()],
            error.valid_up_to()
        ),
    })?;
    let value = match serde_json::from_str::<Value>(text) {
        Ok(value) => value,
        Err(error) => {
            let mut lines = text.lines().filter(|line| !line.trim().is_empty());
            let first_is_a_record = lines
                .next()
                .is_some_and(|line| matches!(serde_json::from_str(line), Ok(Value::Object(_))));
            if first_is_a_record && lines.next().is_some() {
                return Ok(split_lines(bytes, fields, 1));
            }
            return Err(malformed(format!(
                "not one JSON document (an object or an array of objects): {error}"
            )));
        }
    };
    match value {
        Value::Array(values) => Ok(values
            .iter()
            .enumerate()
            .map(|(i, value)| DumpRecord {
                position: i + 1,
                fields: read_record(value, fields).map_err(malformed),
            })
            .collect()),
        Value::Object(_) => Ok(vec![DumpRecord {
            position: 1,
            fields: read_record(&value, fields).map_err(malformed),
        }]),
        other => Err(malformed(format!(
            "a JSON dump holds an object or an array of objects, not {}",
            kind(&other)
        ))),
    }
}

/// A dump's bytes as UTF-8 and the encoding they were in: a UTF-8 byte-order mark dropped,
/// UTF-16 (known only by its mark) converted; `Err` for an empty file.
fn utf8_bytes(mut bytes: Vec<u8>) -> Result<(Vec<u8>, &'static str), RecordProblem> {
    if bytes.starts_with(&[0xff, 0xfe]) || bytes.starts_with(&[0xfe, 0xff]) {
        return match decode::decode(bytes, None) {
            Ok(decoded) => Ok((decoded.text.into_bytes(), decoded.encoding)),
            Err(failure) => {
                let (reason, detail) = super::load::decode_failure(failure);
                Err(RecordProblem { reason, detail })
            }
        };
    }
    if bytes.starts_with(b"\xef\xbb\xbf") {
        bytes.drain(..3);
    }
    if bytes.is_empty() {
        return Err(RecordProblem {
            reason: RejectReason::Empty,
            detail: "no bytes".into(),
        });
    }
    Ok((bytes, "UTF-8"))
}

/// One item per record of a dump read whole, in record order. `cut` is why the file's data
/// ended early (what the decompressor said of a truncated file): the records before the cut
/// are read, and the one it cut is rejected, as when the same file streams.
pub(crate) fn read_file(
    plan: &InputPlan,
    file_source: String,
    bytes: Vec<u8>,
    layout: Layout,
    cut: Option<String>,
    bytes_in: u64,
    emit: &mut dyn FnMut(Item),
) {
    let reject = |source, problem: RecordProblem| {
        Item::Rejected(Reject {
            source,
            reason: problem.reason,
            detail: problem.detail,
            bytes_in,
        })
    };
    let (bytes, encoding) = match utf8_bytes(bytes) {
        Ok(utf8) => utf8,
        Err(problem) => return emit(reject(file_source, problem)),
    };
    let (records, unread) = match (layout, cut) {
        (Layout::Lines, None) => (split_lines(&bytes, &plan.json_fields, 1), None),
        (Layout::Lines, Some(cut)) => {
            let whole = memchr::memrchr(b'\n', &bytes).map_or(0, |at| at + 1);
            let line = 1 + memchr::memchr_iter(b'\n', &bytes[..whole]).count();
            let unread = UnreadLine {
                line,
                reason: RejectReason::Corrupt,
                detail: format!("the data is cut in this line: {cut}"),
            };
            (
                split_lines(&bytes[..whole], &plan.json_fields, 1),
                Some(unread),
            )
        }
        (Layout::Document, Some(cut)) => {
            return emit(reject(
                file_source,
                RecordProblem {
                    reason: RejectReason::Corrupt,
                    detail: format!("the data is cut: {cut}"),
                },
            ));
        }
        (Layout::Document, None) => match split_document(&bytes, &plan.json_fields) {
            Ok(records) => (records, None),
            Err(problem) => return emit(reject(file_source, problem)),
        },
    };
    emit_records(
        plan,
        file_source,
        records,
        encoding,
        bytes_in,
        1,
        unread,
        emit,
    );
}

/// One item per record of a streamed chunk of a large JSON Lines dump, numbered from its first
/// line, then the reject of the line that ended it unread, if any.
pub(crate) fn read_chunk(plan: &InputPlan, chunk: DumpChunk, emit: &mut dyn FnMut(Item)) {
    let mut bytes = &chunk.bytes[..];
    if chunk.first_line == 1 {
        bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    }
    let records = split_lines(bytes, &plan.json_fields, chunk.first_line);
    emit_records(
        plan,
        chunk.source,
        records,
        "UTF-8",
        chunk.bytes_in,
        chunk.first_line,
        chunk.unread,
        emit,
    );
}

/// One item per record, in record order, then the unread line's reject. The file's bytes are
/// counted once, on its first item.
#[allow(clippy::too_many_arguments)]
fn emit_records(
    plan: &InputPlan,
    file_source: String,
    records: Vec<DumpRecord>,
    encoding: &'static str,
    bytes_in: u64,
    first_line: usize,
    unread: Option<UnreadLine>,
    emit: &mut dyn FnMut(Item),
) {
    let fields = &plan.json_fields;
    if records.is_empty() && unread.is_none() {
        let source = if first_line == 1 {
            file_source
        } else {
            format!("{file_source}#{first_line}")
        };
        return emit(Item::Rejected(Reject {
            source,
            reason: RejectReason::NoText,
            detail: "no records (only blank lines)".into(),
            bytes_in,
        }));
    }
    let mut bytes_in = bytes_in;
    for record in records {
        let source = format!("{file_source}#{}", record.position);
        let bytes = std::mem::take(&mut bytes_in);
        let found = match record.fields {
            Ok(found) => found,
            Err(problem) => {
                emit(Item::Rejected(Reject {
                    source,
                    reason: problem.reason,
                    detail: problem.detail,
                    bytes_in: bytes,
                }));
                continue;
            }
        };
        let article = match (found.text, found.html) {
            (Some(text), _) => {
                let format = page::format_of(&text, false);
                Article::new(format, normalize_line_endings(text))
            }
            (None, Some(html)) => Article::new(InputFormat::Html, html),
            (None, None) => {
                let detail = format!(
                    "no text or HTML field (looked for {} and {})",
                    fields.text.join(", "),
                    fields.html.join(", ")
                );
                emit(Item::Rejected(Reject {
                    source,
                    reason: RejectReason::NoText,
                    detail,
                    bytes_in: bytes,
                }));
                continue;
            }
        };
        let mut article = article;
        article.url.clone_from(&found.url);
        // The record's own metadata wins over what the stages find in its text.
        emit(Item::Article(Box::new(Pending {
            source,
            article,
            encoding,
            bytes_in: bytes,
            container: Some(ContainerMeta {
                title: found.title,
                date: found.date,
                url: found.url,
                crawl_date: None,
            }),
        })));
    }
    if let Some(unread) = unread {
        emit(Item::Rejected(Reject {
            source: format!("{file_source}#{}", unread.line),
            reason: unread.reason,
            detail: unread.detail,
            bytes_in,
        }));
    }
}

fn read_record(value: &Value, fields: &JsonFields) -> Result<RecordFields, String> {
    let Value::Object(object) = value else {
        return Err(format!(
            "a record must be a JSON object, not {}",
            kind(value)
        ));
    };
    let record = RecordFields {
        text: first_string(object, &fields.text),
        html: first_string(object, &fields.html),
        title: first_string(object, &fields.title),
        date: first_date(object, &fields.date),
        url: first_string(object, &fields.url),
    };
    Ok(record)
}

/// The first of `names` that holds a non-empty string.
fn first_string(object: &Map<String, Value>, names: &[String]) -> Option<String> {
    names.iter().find_map(|name| match object.get(name) {
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s.clone()),
        _ => None,
    })
}

/// The first date field: a string, or an integer (epoch seconds or milliseconds), which
/// [`crate::stages::date::normalize_field`] reads from its digits.
fn first_date(object: &Map<String, Value>, names: &[String]) -> Option<String> {
    names.iter().find_map(|name| match object.get(name) {
        Some(Value::Number(n)) => n.as_i64().map(|n| n.to_string()),
        _ => first_string(object, std::slice::from_ref(name)),
    })
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields() -> JsonFields {
        let names = |n: &[&str]| n.iter().map(|s| s.to_string()).collect();
        JsonFields {
            text: names(&["text", "content", "body"]),
            html: names(&["html"]),
            title: names(&["title"]),
            date: names(&["date", "published"]),
            url: names(&["url"]),
        }
    }

    #[test]
    fn json_lines_give_one_record_per_line_and_malformed_lines_their_own_error() {
        let text = "{\"url\":\"https://a\",\"title\":\"A\",\"text\":\"Body A\"}\n\n{broken\n{\"html\":\"<p>B</p>\",\"published\":\"2024-01-02\"}\n[1]\n";
        let records = split_lines(text.as_bytes(), &fields(), 1);
        let positions: Vec<usize> = records.iter().map(|r| r.position).collect();
        assert_eq!(positions, [1, 3, 4, 5]);
        let first = records[0].fields.as_ref().unwrap();
        assert_eq!(first.text.as_deref(), Some("Body A"));
        assert_eq!(first.url.as_deref(), Some("https://a"));
        let broken = records[1].fields.as_ref().unwrap_err();
        assert_eq!(broken.reason, RejectReason::Malformed);
        assert!(broken.detail.starts_with("line 3 is not JSON"));
        assert_eq!(
            records[2].fields.as_ref().unwrap().html.as_deref(),
            Some("<p>B</p>")
        );
        assert_eq!(
            records[2].fields.as_ref().unwrap().date.as_deref(),
            Some("2024-01-02")
        );
        assert!(
            records[3]
                .fields
                .as_ref()
                .unwrap_err()
                .detail
                .contains("not an array")
        );
    }

    #[test]
    fn one_invalid_byte_rejects_only_its_line() {
        let mut bytes = Vec::new();
        for i in 1..=5 {
            if i == 3 {
                bytes.extend(b"{\"text\":\"bad \xff byte\"}\n");
            } else {
                bytes.extend(format!("{{\"text\":\"good {i}\"}}\n").into_bytes());
            }
        }
        let records = split_lines(&bytes, &fields(), 1);
        assert_eq!(records.len(), 5);
        for record in &records {
            match record.position {
                3 => {
                    let problem = record.fields.as_ref().unwrap_err();
                    assert_eq!(problem.reason, RejectReason::Encoding);
                    assert!(problem.detail.contains("0xff"), "{}", problem.detail);
                }
                i => assert_eq!(
                    record.fields.as_ref().unwrap().text,
                    Some(format!("good {i}"))
                ),
            }
        }
    }

    #[test]
    fn a_json_document_is_one_record_or_one_per_element_whatever_its_whitespace() {
        let pretty = "{\n  \"title\": \"T\",\n  \"text\": \"A pretty body.\"\n}\n";
        let records = split_document(pretty.as_bytes(), &fields()).unwrap();
        assert_eq!(records.len(), 1);
        assert_eq!(records[0].position, 1);
        assert_eq!(
            records[0].fields.as_ref().unwrap().text.as_deref(),
            Some("A pretty body.")
        );
        let array = " [{\"content\":\"x\"},\n {\"body\":\"y\"}]";
        let records = split_document(array.as_bytes(), &fields()).unwrap();
        assert_eq!(records.len(), 2);
        assert_eq!(
            records[1].fields.as_ref().unwrap().text.as_deref(),
            Some("y")
        );
        let broken = split_document(b"[{\"a\":1},", &fields()).unwrap_err();
        assert_eq!(broken.reason, RejectReason::Malformed);
        assert!(broken.detail.contains("line 1"), "{}", broken.detail);
        // JSON Lines under a `.json` name are still read line by line.
        let lines = split_document(b"{\"text\":\"a\"}\n{\"text\":\"b\"}\n", &fields()).unwrap();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[1].position, 2);
    }

    #[test]
    fn empty_fields_are_skipped_for_the_next_name() {
        let records = split_lines(b"{\"text\":\"  \",\"content\":\"real\"}", &fields(), 1);
        assert_eq!(
            records[0].fields.as_ref().unwrap().text.as_deref(),
            Some("real")
        );
    }
}

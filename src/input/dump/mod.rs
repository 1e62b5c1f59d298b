//! Dump files that hold many articles: JSON Lines and JSON arrays, as Scrapy and
//! requests-based crawlers write them.
//!
//! Each line of a `.jsonl` (or element of a `.json` array) is one article; its text or HTML and
//! its metadata are found under configurable field names (`[input.json]`). A record's `source` is
//! `path#N` with N its 1-based line (or array position), so records sort by file, then by
//! position. One malformed line is that line's reject: the rest of the file is still read.

use serde_json::{Map, Value};

use super::decode;
use super::load::{decode_failure, normalize_line_endings};
use super::{ContainerMeta, InputPlan, Item, Pending, page};
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

/// One record of a dump: its position and what it holds, or why it could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DumpRecord {
    /// 1-based line (JSON Lines) or array position (JSON array).
    pub position: usize,
    pub fields: Result<RecordFields, String>,
}

/// Splits a dump's text into records. `Err` means the whole file is unreadable as JSON (a
/// `.json` array that does not parse), with the parser's line and column.
pub fn split(text: &str, fields: &JsonFields) -> Result<Vec<DumpRecord>, String> {
    split_from(text, fields, 1)
}

/// [`split`] for text whose first line is line `first_line` of its file (a streamed chunk).
pub fn split_from(
    text: &str,
    fields: &JsonFields,
    first_line: usize,
) -> Result<Vec<DumpRecord>, String> {
    if text.trim_start().starts_with('[') {
        let values: Vec<Value> =
            serde_json::from_str(text).map_err(|e| format!("not a JSON array of records: {e}"))?;
        return Ok(values
            .iter()
            .enumerate()
            .map(|(i, value)| DumpRecord {
                position: i + 1,
                fields: read_record(value, fields),
            })
            .collect());
    }
    Ok(text
        .split('\n')
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(i, line)| DumpRecord {
            position: first_line + i,
            fields: serde_json::from_str::<Value>(line)
                .map_err(|e| format!("line {} is not JSON: {e}", first_line + i))
                .and_then(|value| read_record(&value, fields)),
        })
        .collect())
}

/// A piece of a large JSON Lines dump: whole lines, and the number of the first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DumpChunk {
    /// The dump file's source.
    pub source: String,
    pub first_line: usize,
    pub bytes: Vec<u8>,
    /// File bytes to account for (all of them on the first chunk, none on the others).
    pub bytes_in: u64,
}

/// Reads a JSON Lines dump as chunks of about `chunk_bytes` of whole lines, so that a dump of
/// any size goes through the run in bounded memory.
pub struct ChunkReader {
    reader: Box<dyn std::io::BufRead + Send>,
    source: String,
    next_line: usize,
    chunk_bytes: usize,
    bytes_in: u64,
    done: bool,
}

impl std::fmt::Debug for ChunkReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChunkReader")
            .field("source", &self.source)
            .field("next_line", &self.next_line)
            .finish_non_exhaustive()
    }
}

impl ChunkReader {
    pub fn new(
        reader: Box<dyn std::io::BufRead + Send>,
        source: String,
        chunk_bytes: usize,
        bytes_in: u64,
    ) -> ChunkReader {
        ChunkReader {
            reader,
            source,
            next_line: 1,
            chunk_bytes: chunk_bytes.max(1),
            bytes_in,
            done: false,
        }
    }
}

impl Iterator for ChunkReader {
    /// A chunk, or the line at which reading failed and why.
    type Item = Result<DumpChunk, (usize, std::io::Error)>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let first_line = self.next_line;
        let mut bytes = Vec::with_capacity(self.chunk_bytes + 1024);
        // A chunk of blank lines only would be a reject the unstreamed file never has: such
        // lines join the next chunk instead.
        while !self.done
            && (bytes.len() < self.chunk_bytes || bytes.iter().all(u8::is_ascii_whitespace))
        {
            match self.reader.read_until(b'\n', &mut bytes) {
                Ok(0) => self.done = true,
                Ok(_) => self.next_line += 1,
                Err(error) => {
                    self.done = true;
                    return Some(Err((self.next_line, error)));
                }
            }
        }
        if bytes.is_empty() || (first_line > 1 && bytes.iter().all(u8::is_ascii_whitespace)) {
            return None;
        }
        Some(Ok(DumpChunk {
            source: self.source.clone(),
            first_line,
            bytes,
            bytes_in: std::mem::take(&mut self.bytes_in),
        }))
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
        date: first_string(object, &fields.date),
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

/// One item per record of a streamed chunk of a large JSON Lines dump, numbered from its first
/// line.
pub(crate) fn read_chunk(plan: &InputPlan, chunk: DumpChunk, emit: &mut dyn FnMut(Item)) {
    let first = format!("{}#{}", chunk.source, chunk.first_line);
    match decode::decode(chunk.bytes, None) {
        Ok(decoded) => {
            let text = normalize_line_endings(decoded.text);
            read_records(
                plan,
                chunk.source,
                &text,
                decoded.encoding,
                chunk.bytes_in,
                chunk.first_line,
                emit,
            );
        }
        Err(failure) => {
            let (reason, detail) = decode_failure(failure);
            emit(Item::Rejected {
                source: first,
                reason,
                detail: format!("the lines from here to the next chunk: {detail}"),
                bytes_in: chunk.bytes_in,
            });
        }
    }
}

/// One item per record of dump text whose first line is `first_line`, in record order. The
/// file's bytes are counted once, on its first item.
pub(crate) fn read_records(
    plan: &InputPlan,
    file_source: String,
    text: &str,
    encoding: &'static str,
    bytes_in: u64,
    first_line: usize,
    emit: &mut dyn FnMut(Item),
) {
    let fields = &plan.json_fields;
    let records = match split_from(text, fields, first_line) {
        Ok(records) => records,
        Err(detail) => {
            return emit(Item::Rejected {
                source: file_source,
                reason: RejectReason::Malformed,
                detail,
                bytes_in,
            });
        }
    };
    if records.is_empty() {
        let source = if first_line == 1 {
            file_source
        } else {
            format!("{file_source}#{first_line}")
        };
        return emit(Item::Rejected {
            source,
            reason: RejectReason::NoText,
            detail: "no records (only blank lines)".into(),
            bytes_in,
        });
    }
    let mut bytes_in = bytes_in;
    for record in records {
        let source = format!("{file_source}#{}", record.position);
        let bytes = std::mem::take(&mut bytes_in);
        let found = match record.fields {
            Ok(found) => found,
            Err(detail) => {
                emit(Item::Rejected {
                    source,
                    reason: RejectReason::Malformed,
                    detail,
                    bytes_in: bytes,
                });
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
                emit(Item::Rejected {
                    source,
                    reason: RejectReason::NoText,
                    detail,
                    bytes_in: bytes,
                });
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
        let records = split(text, &fields()).unwrap();
        let positions: Vec<usize> = records.iter().map(|r| r.position).collect();
        assert_eq!(positions, [1, 3, 4, 5]);
        let first = records[0].fields.as_ref().unwrap();
        assert_eq!(first.text.as_deref(), Some("Body A"));
        assert_eq!(first.url.as_deref(), Some("https://a"));
        assert!(
            records[1]
                .fields
                .as_ref()
                .unwrap_err()
                .starts_with("line 3 is not JSON")
        );
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
                .contains("not an array")
        );
    }

    #[test]
    fn a_json_array_gives_one_record_per_element() {
        let records = split(" [{\"content\":\"x\"},{\"body\":\"y\"}]", &fields()).unwrap();
        assert_eq!(records.len(), 2);
        assert_eq!(
            records[1].fields.as_ref().unwrap().text.as_deref(),
            Some("y")
        );
        assert!(
            split("[{\"a\":1},", &fields())
                .unwrap_err()
                .contains("line 1")
        );
    }

    #[test]
    fn chunks_hold_whole_lines_and_number_them() {
        let text: String = (1..=10)
            .map(|i| format!("{{\"text\":\"line {i}\"}}\n"))
            .collect();
        let reader = Box::new(std::io::Cursor::new(text.clone().into_bytes()));
        let chunks: Vec<DumpChunk> = ChunkReader::new(reader, "d.jsonl".into(), 40, 99)
            .map(Result::unwrap)
            .collect();
        assert!(chunks.len() > 2);
        assert_eq!(chunks[0].bytes_in, 99);
        assert!(chunks[1..].iter().all(|c| c.bytes_in == 0));
        let mut positions = Vec::new();
        for chunk in &chunks {
            assert!(chunk.bytes.ends_with(b"\n"));
            let records = split_from(
                std::str::from_utf8(&chunk.bytes).unwrap(),
                &fields(),
                chunk.first_line,
            )
            .unwrap();
            positions.extend(records.iter().map(|r| r.position));
        }
        assert_eq!(positions, (1..=10).collect::<Vec<_>>());
    }

    #[test]
    fn empty_fields_are_skipped_for_the_next_name() {
        let records = split("{\"text\":\"  \",\"content\":\"real\"}", &fields()).unwrap();
        assert_eq!(
            records[0].fields.as_ref().unwrap().text.as_deref(),
            Some("real")
        );
    }
}

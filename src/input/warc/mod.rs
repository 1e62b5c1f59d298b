//! WARC archives (wget, Heritrix, Common Crawl): one article per HTTP `response` record.
//!
//! A WARC file is a sequence of records, each a block of `Name: value` headers, a blank line and
//! exactly `Content-Length` bytes. The reader here streams them from any `BufRead` — a whole
//! small file in memory or a multi-gigabyte `.warc.gz` being decompressed — and bounds what it
//! holds: a header line or header block past [`MAX_HEADER_BYTES`] ends the file as malformed, a
//! response larger than the body ceiling is skipped unread as `too_large`, and records that are
//! not responses are skipped without being held at all. (The `warc` crate's readers either hold
//! every body whole or read header lines without a bound, so a broken or hostile archive could
//! fill memory; the format is small enough to read here, tested on random and truncated bytes.)
//!
//! The HTTP message inside a response is split by [`http_payload`] ([`super::http`]) on a worker thread (status,
//! headers, chunked transfer and gzip content encoding undone) so that the payload's charset
//! comes from the server's `Content-Type`, as a browser would take it. Request, metadata and
//! warcinfo records are not articles and are passed over; a response that is not a successful
//! text or HTML payload (an image, a 404 page) is a `not_article` reject. A record the reader
//! cannot read ends the file's records with a `malformed` reject, because the records after it
//! cannot be found reliably.

use std::io::{BufRead, Read};

use super::decode;
pub use super::http::{Payload, http_payload};
use super::load::{decode_failure, normalize_line_endings};
use super::{ContainerMeta, InputPlan, Pending, Reject, page};
use crate::article::{Article, RejectReason};
use crate::input;

/// The most header bytes one record may have.
pub const MAX_HEADER_BYTES: u64 = 1 << 20;

/// One response record: where it stands in the file, what it says about itself, and its HTTP
/// message or why it cannot be had.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WarcResponse {
    /// 1-based position among the file's records (all types).
    pub position: usize,
    pub url: Option<String>,
    /// `WARC-Date`: when the page was fetched.
    pub crawl_date: Option<String>,
    pub message: Result<Vec<u8>, (RejectReason, String)>,
}

/// What the reader yields: a response, or the reason reading stopped (the record's position,
/// `malformed` for a broken record or `corrupt` for data that stopped coming, and what was
/// wrong); nothing follows a failure.
pub type Item = Result<WarcResponse, (usize, RejectReason, String)>;

/// The response records of a WARC stream, in order, each body at most `limit` bytes.
#[derive(Debug)]
pub struct Responses<R> {
    reader: R,
    limit: u64,
    position: usize,
    done: bool,
}

impl<R: BufRead> Responses<R> {
    pub fn new(reader: R, limit: u64) -> Responses<R> {
        Responses {
            reader,
            limit,
            position: 0,
            done: false,
        }
    }

    /// Reads one line of at most what is left of the header budget; empty at the end of input.
    fn header_line(
        &mut self,
        budget: &mut u64,
        line: &mut Vec<u8>,
    ) -> Result<usize, (RejectReason, String)> {
        line.clear();
        let read = (&mut self.reader)
            .take(*budget)
            .read_until(b'\n', line)
            .map_err(stopped)?;
        *budget -= read as u64;
        if read > 0 && !line.ends_with(b"\n") && *budget == 0 {
            return Err(broken(format!(
                "headers longer than {MAX_HEADER_BYTES} bytes"
            )));
        }
        Ok(read)
    }

    fn next_record(&mut self) -> Result<Option<WarcResponse>, (RejectReason, String)> {
        loop {
            let mut budget = MAX_HEADER_BYTES;
            let mut line = Vec::new();
            // Records are separated by blank lines; skip them to the version line.
            loop {
                if self.header_line(&mut budget, &mut line)? == 0 {
                    return Ok(None);
                }
                if !line.iter().all(u8::is_ascii_whitespace) {
                    break;
                }
            }
            self.position += 1;
            if !line.starts_with(b"WARC/") {
                return Err(broken(
                    "a record does not start with a WARC/ version line".into(),
                ));
            }
            let mut kind = None;
            let mut url = None;
            let mut crawl_date = None;
            let mut length = None;
            loop {
                if self.header_line(&mut budget, &mut line)? == 0 {
                    return Err(broken("the file ends inside a record's headers".into()));
                }
                if line == b"\r\n" || line == b"\n" {
                    break;
                }
                let text = String::from_utf8_lossy(&line);
                let Some((name, value)) = text.split_once(':') else {
                    // A folded continuation of the previous header; none of ours spans lines.
                    continue;
                };
                let value = value.trim();
                match name.trim().to_ascii_lowercase().as_str() {
                    "warc-type" => kind = Some(value.to_ascii_lowercase()),
                    "warc-target-uri" => {
                        // WARC 1.0 writes the URI bare, some writers wrap it in <>.
                        let uri = value.trim_start_matches('<').trim_end_matches('>');
                        url = (!uri.is_empty()).then(|| uri.to_string());
                    }
                    "warc-date" => crawl_date = (!value.is_empty()).then(|| value.to_string()),
                    "content-length" => {
                        length = Some(value.parse::<u64>().map_err(|_| {
                            broken(format!("Content-Length {value:?} is not a number"))
                        })?);
                    }
                    _ => {}
                }
            }
            let length = length.ok_or_else(|| broken("a record has no Content-Length".into()))?;
            let wanted = kind.as_deref() == Some("response") && length <= self.limit;
            let mut block = Vec::new();
            let read = if wanted {
                block.reserve_exact(length as usize);
                (&mut self.reader).take(length).read_to_end(&mut block)
            } else {
                std::io::copy(&mut (&mut self.reader).take(length), &mut std::io::sink())
                    .map(|n| n as usize)
            }
            .map_err(stopped)?;
            if (read as u64) < length {
                return Err(broken(format!(
                    "the file ends {} bytes into a record of {length}",
                    read
                )));
            }
            if kind.as_deref() != Some("response") {
                continue;
            }
            let message = if wanted {
                Ok(block)
            } else {
                Err((
                    RejectReason::TooLarge,
                    format!(
                        "response of {length} bytes is more than input.max_decompressed_bytes = {}",
                        self.limit
                    ),
                ))
            };
            return Ok(Some(WarcResponse {
                position: self.position,
                url,
                crawl_date,
                message,
            }));
        }
    }
}

impl<R: BufRead> Iterator for Responses<R> {
    type Item = Item;

    fn next(&mut self) -> Option<Item> {
        if self.done {
            return None;
        }
        match self.next_record() {
            Ok(Some(response)) => Some(Ok(response)),
            Ok(None) => {
                self.done = true;
                None
            }
            Err((reason, detail)) => {
                self.done = true;
                Some(Err((self.position.max(1), reason, detail)))
            }
        }
    }
}

/// A run of a large archive's responses, read on the walker's thread and cleaned on a worker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WarcChunk {
    /// The archive's source.
    pub source: String,
    pub responses: Vec<Item>,
    /// File bytes to account for (all of them on the first chunk, none on the others).
    pub bytes_in: u64,
}

/// Groups a large archive's responses into chunks of about `chunk_bytes`, so that an archive of
/// any size streams through the run in bounded memory. An archive without responses gives one
/// empty chunk, so that it is still accounted for.
pub fn chunks<R: BufRead>(
    responses: Responses<R>,
    source: String,
    chunk_bytes: usize,
    bytes_in: u64,
) -> impl Iterator<Item = WarcChunk> {
    let mut responses = responses.peekable();
    let mut bytes_in = Some(bytes_in);
    std::iter::from_fn(move || {
        let first = bytes_in.is_some();
        if !first && responses.peek().is_none() {
            return None;
        }
        let mut chunk = WarcChunk {
            source: source.clone(),
            responses: Vec::new(),
            bytes_in: bytes_in.take().unwrap_or(0),
        };
        let mut size = 0;
        // At least one response a chunk, whatever `chunk_bytes` says, so a chunk always advances.
        while size < chunk_bytes.max(1) {
            let Some(item) = responses.next() else { break };
            size += match &item {
                Ok(WarcResponse {
                    message: Ok(message),
                    ..
                }) => message.len(),
                _ => 0,
            } + 256;
            chunk.responses.push(item);
        }
        Some(chunk)
    })
}

/// A record that cannot be read as one.
fn broken(detail: String) -> (RejectReason, String) {
    (RejectReason::Malformed, detail)
}

/// Data that stopped coming: a truncated compressed archive, a failing disk.
fn stopped(error: std::io::Error) -> (RejectReason, String) {
    (RejectReason::Corrupt, format!("reading stopped: {error}"))
}

/// All response records of an archive held in memory.
pub fn responses(bytes: &[u8], limit: u64) -> Vec<Item> {
    Responses::new(bytes, limit).collect()
}

/// All response records of an archive held in memory whose data was cut for the reason `cut`
/// (a truncated `.warc.gz`): read as the same archive streaming, whose read fails at the cut,
/// so that the records before it are kept and the cut one is rejected at every file size.
pub fn responses_up_to_cut(bytes: &[u8], cut: Option<String>, limit: u64) -> Vec<Item> {
    let Some(cut) = cut else {
        return responses(bytes, limit);
    };
    /// A reader whose every read fails as the cut data did.
    struct Cut(String);
    impl Read for Cut {
        fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
            Err(std::io::Error::other(self.0.clone()))
        }
    }
    Responses::new(std::io::BufReader::new(bytes.chain(Cut(cut))), limit).collect()
}

/// One item per HTTP response of a WARC archive (or a chunk of one), in record order; the
/// file's bytes are counted once, on its first item.
pub(crate) fn read_responses(
    plan: &InputPlan,
    file_source: String,
    responses: Vec<Item>,
    bytes_in: u64,
    emit: &mut dyn FnMut(input::Item),
) {
    if responses.is_empty() {
        return emit(input::Item::Rejected(Reject {
            source: file_source,
            reason: RejectReason::NoText,
            detail: "the archive holds no response records".into(),
            bytes_in,
        }));
    }
    let mut bytes_in = bytes_in;
    for item in responses {
        let bytes = std::mem::take(&mut bytes_in);
        let reject = |source, (reason, detail)| {
            input::Item::Rejected(Reject {
                source,
                reason,
                detail,
                bytes_in: bytes,
            })
        };
        let response = match item {
            Ok(response) => response,
            Err((position, reason, detail)) => {
                let detail = format!("WARC record {position} cannot be read: {detail}");
                let source = format!("{file_source}#{position}");
                emit(reject(source, (reason, detail)));
                continue;
            }
        };
        let source = format!("{file_source}#{}", response.position);
        let payload = match response
            .message
            .and_then(|message| http_payload(&message, plan.max_decompressed_bytes))
        {
            Ok(payload) => payload,
            Err(why) => {
                emit(reject(source, why));
                continue;
            }
        };
        let declared = payload
            .charset
            .clone()
            .or_else(|| decode::sniff_html_charset(&payload.body).map(str::to_owned));
        let decoded = match decode::decode(payload.body, declared.as_deref()) {
            Ok(decoded) => decoded,
            Err(failure) => {
                emit(reject(source, decode_failure(failure)));
                continue;
            }
        };
        let text = normalize_line_endings(decoded.text);
        let mut article = Article::new(page::format_of(&text, payload.html), text);
        // Known before cleaning, so that the site of the article is its host.
        article.url.clone_from(&response.url);
        emit(input::Item::Article(Box::new(Pending {
            source,
            article,
            encoding: decoded.encoding,
            bytes_in: bytes,
            container: Some(ContainerMeta {
                url: response.url,
                crawl_date: response.crawl_date,
                ..ContainerMeta::default()
            }),
        })));
    }
}

/// Whether `bytes` start like a WARC file.
pub fn looks_like_warc(bytes: &[u8]) -> bool {
    bytes.starts_with(b"WARC/")
}

#[cfg(test)]
pub(crate) mod tests;

//! WARC archives (wget, Heritrix, Common Crawl): one article per HTTP `response` record.
//!
//! Records are parsed with the `warc` crate; the HTTP message inside a response is split here
//! (status, headers, chunked transfer and gzip content encoding undone) so that the payload's
//! charset comes from the server's `Content-Type`, as a browser would take it. Request, metadata
//! and warcinfo records are not articles and are passed over; a response that is not a
//! successful text or HTML payload (an image, a 404 page) is a `not_article` reject. A record
//! the parser cannot read ends the file's records with a `malformed` reject, because the records
//! after it cannot be found reliably.

use std::io::BufReader;

use warc::{RecordType, WarcHeader, WarcReader};

use crate::article::RejectReason;
use crate::decompress::{self, Compression};

/// One response record: where it stands in the file, what it says about itself, and its payload
/// or why it is not an article.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WarcPage {
    /// 1-based position among the file's records (all types).
    pub position: usize,
    pub url: Option<String>,
    pub payload: Result<Payload, (RejectReason, String)>,
}

/// An HTTP response body ready for decoding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payload {
    pub body: Vec<u8>,
    /// The charset the server declared, if any.
    pub charset: Option<String>,
    pub html: bool,
}

/// The response records of a WARC file, in order. `limit` bounds a decompressed body.
pub fn pages(bytes: &[u8], limit: u64) -> Vec<WarcPage> {
    let mut pages = Vec::new();
    let reader = WarcReader::new(BufReader::new(bytes));
    for (index, record) in reader.iter_records().enumerate() {
        let position = index + 1;
        let record = match record {
            Ok(record) => record,
            Err(error) => {
                pages.push(WarcPage {
                    position,
                    url: None,
                    payload: Err((
                        RejectReason::Malformed,
                        format!("WARC record {position} cannot be read: {error}"),
                    )),
                });
                break;
            }
        };
        if *record.warc_type() != RecordType::Response {
            continue;
        }
        pages.push(WarcPage {
            position,
            url: record
                .header(WarcHeader::TargetURI)
                .map(|u| u.trim().to_string()),
            payload: http_payload(record.body(), limit),
        });
    }
    pages
}

/// Splits an HTTP response into its article payload, or says why it is not one.
fn http_payload(message: &[u8], limit: u64) -> Result<Payload, (RejectReason, String)> {
    let not_article = |detail: String| (RejectReason::NotArticle, detail);
    let (head_end, body_start) = match memchr::memmem::find(message, b"\r\n\r\n") {
        Some(at) => (at, at + 4),
        None => match memchr::memmem::find(message, b"\n\n") {
            Some(at) => (at, at + 2),
            None => return Err((RejectReason::Malformed, "HTTP headers never end".into())),
        },
    };
    let head = String::from_utf8_lossy(&message[..head_end]);
    let mut lines = head.lines();
    let status_line = lines.next().unwrap_or_default();
    let status: u16 = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or(0);
    if !(200..300).contains(&status) {
        return Err(not_article(format!("HTTP status {status}: {status_line}")));
    }
    let header = |name: &str| {
        head.lines().skip(1).find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.trim()
                .eq_ignore_ascii_case(name)
                .then(|| value.trim().to_string())
        })
    };
    let content_type = header("content-type")
        .unwrap_or_default()
        .to_ascii_lowercase();
    let mime = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_string();
    let html = mime.is_empty() || mime.contains("html");
    if !(html || mime.starts_with("text/")) {
        return Err(not_article(format!("payload is {mime}, not text or HTML")));
    }
    let charset = content_type
        .split(';')
        .filter_map(|p| p.trim().strip_prefix("charset="))
        .map(|c| c.trim_matches(['"', '\'']).to_string())
        .next();
    let mut body = message[body_start..].to_vec();
    if header("transfer-encoding").is_some_and(|t| t.to_ascii_lowercase().contains("chunked")) {
        body = dechunk(&body).ok_or_else(|| {
            (
                RejectReason::Malformed,
                "chunked HTTP body is malformed".to_string(),
            )
        })?;
    }
    if header("content-encoding").is_some_and(|e| e.eq_ignore_ascii_case("gzip")) {
        body = decompress::decompress(&body, Compression::Gzip, limit).map_err(|e| {
            (
                RejectReason::Corrupt,
                format!("gzip content encoding: {e:?}"),
            )
        })?;
    }
    Ok(Payload {
        body,
        charset,
        html,
    })
}

/// Undoes HTTP/1.1 chunked transfer encoding.
fn dechunk(mut data: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(data.len());
    loop {
        let line_end = memchr::memmem::find(data, b"\r\n")?;
        let size_text = std::str::from_utf8(&data[..line_end]).ok()?;
        let size = usize::from_str_radix(size_text.split(';').next()?.trim(), 16).ok()?;
        data = &data[line_end + 2..];
        if size == 0 {
            return Some(out);
        }
        let chunk = data.get(..size)?;
        out.extend_from_slice(chunk);
        data = data.get(size..)?;
        data = data.strip_prefix(b"\r\n").unwrap_or(data);
    }
}

/// Whether `bytes` start like a WARC file.
pub fn looks_like_warc(bytes: &[u8]) -> bool {
    bytes.starts_with(b"WARC/")
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A WARC record as crawlers write it.
    pub(crate) fn record(kind: &str, uri: &str, block: &[u8]) -> Vec<u8> {
        let mut out = format!(
            "WARC/1.0\r\nWARC-Type: {kind}\r\nWARC-Target-URI: {uri}\r\nWARC-Date: 2024-11-06T01:02:03Z\r\nWARC-Record-ID: <urn:uuid:00000000-0000-0000-0000-00000000000{}>\r\nContent-Length: {}\r\n\r\n",
            block.len() % 10,
            block.len()
        )
        .into_bytes();
        out.extend_from_slice(block);
        out.extend_from_slice(b"\r\n\r\n");
        out
    }

    #[test]
    fn response_records_become_pages_and_others_are_passed_over() {
        let mut warc = record("warcinfo", "", b"software: test");
        warc.extend(record(
            "request",
            "https://a.example/",
            b"GET / HTTP/1.1\r\n\r\n",
        ));
        warc.extend(record(
            "response",
            "https://a.example/",
            b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=EUC-KR\r\n\r\n<p>hi</p>",
        ));
        warc.extend(record(
            "response",
            "https://a.example/logo.png",
            b"HTTP/1.1 200 OK\r\nContent-Type: image/png\r\n\r\n\x89PNG",
        ));
        warc.extend(record(
            "response",
            "https://a.example/gone",
            b"HTTP/1.1 404 Not Found\r\n\r\nx",
        ));
        let pages = pages(&warc, 1 << 20);
        assert_eq!(pages.len(), 3);
        assert_eq!(pages[0].position, 3);
        assert_eq!(pages[0].url.as_deref(), Some("https://a.example/"));
        let payload = pages[0].payload.as_ref().unwrap();
        assert_eq!(payload.body, b"<p>hi</p>");
        assert_eq!(payload.charset.as_deref(), Some("euc-kr"));
        assert_eq!(
            pages[1].payload.as_ref().unwrap_err().0,
            RejectReason::NotArticle
        );
        assert_eq!(
            pages[2].payload.as_ref().unwrap_err().0,
            RejectReason::NotArticle
        );
    }

    #[test]
    fn chunked_bodies_are_joined() {
        assert_eq!(
            dechunk(b"4\r\nWiki\r\n5\r\npedia\r\n0\r\n\r\n").unwrap(),
            b"Wikipedia"
        );
        assert_eq!(dechunk(b"zz\r\n"), None);
    }

    #[test]
    fn a_broken_record_ends_the_file_with_a_reject() {
        let mut warc = record("response", "https://a/", b"HTTP/1.1 200 OK\r\n\r\nText");
        warc.extend_from_slice(b"WARC/1.0\r\nContent-Length: nonsense\r\n\r\n");
        let pages = pages(&warc, 1 << 20);
        assert!(pages[0].payload.is_ok());
        assert_eq!(
            pages.last().unwrap().payload.as_ref().unwrap_err().0,
            RejectReason::Malformed
        );
    }
}

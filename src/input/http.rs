//! The HTTP response inside a WARC `response` record: status, headers and the body as the
//! server meant it.
//!
//! The head is parsed by `httparse` (the parser hyper uses), so header folding, odd spacing and
//! bare `\n` line ends are read as servers send them. The body is undone in the order the
//! server applied its codings, last first: chunked transfer, then every `Content-Encoding` in
//! the list (`gzip`, `x-gzip`, `deflate` in its zlib and raw forms, `br`, `zstd`, `identity`),
//! each through a crate made for it and through the decompression ceiling. A coding that fails
//! is `corrupt` with the coding named, an unknown one is `not_article` naming it, and a body
//! past the ceiling is `too_large`: never the `binary` or windows-1252 garbage that decoding
//! still-compressed bytes as text would give.

use std::io::Read;

use crate::article::RejectReason;

/// Headers a response may have before it is malformed; real servers send a few dozen.
const MAX_HEADERS: usize = 256;

/// An HTTP response body ready for decoding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payload {
    pub body: Vec<u8>,
    /// The charset the server declared, if any.
    pub charset: Option<String>,
    pub html: bool,
}

/// Splits an HTTP response into its article payload, or says why it is not one. `limit` is the
/// most bytes the decoded body may have.
pub fn http_payload(message: &[u8], limit: u64) -> Result<Payload, (RejectReason, String)> {
    let malformed = |detail: String| (RejectReason::Malformed, detail);
    let not_article = |detail: String| (RejectReason::NotArticle, detail);
    let mut headers = vec![httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut response = httparse::Response::new(&mut headers);
    let mut config = httparse::ParserConfig::default();
    config
        .allow_spaces_after_header_name_in_responses(true)
        .allow_obsolete_multiline_headers_in_responses(true)
        .allow_multiple_spaces_in_response_status_delimiters(true);
    let body_start = match config.parse_response(&mut response, message) {
        Ok(httparse::Status::Complete(length)) => length,
        Ok(httparse::Status::Partial) => return Err(malformed("HTTP headers never end".into())),
        Err(e) => return Err(malformed(format!("HTTP head: {e}"))),
    };
    let status = response.code.unwrap_or(0);
    if !(200..300).contains(&status) {
        let reason = response.reason.unwrap_or("");
        let version = response.version.unwrap_or(1);
        return Err(not_article(format!(
            "HTTP status {status}: HTTP/1.{version} {status} {reason}"
        )));
    }
    let header = |name: &str| {
        let values: Vec<String> = response
            .headers
            .iter()
            .filter(|h| h.name.eq_ignore_ascii_case(name))
            .map(|h| String::from_utf8_lossy(h.value).trim().to_string())
            .collect();
        (!values.is_empty()).then(|| values.join(", "))
    };
    let content_type = header("content-type")
        .unwrap_or_default()
        .to_ascii_lowercase();
    let mime = content_type.split(';').next().unwrap_or("").trim();
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
        body = dechunk(&body).ok_or_else(|| malformed("chunked HTTP body is malformed".into()))?;
    }
    if let Some(encodings) = header("content-encoding") {
        let encodings: Vec<String> = encodings
            .split(',')
            .map(|e| e.trim().to_ascii_lowercase())
            .filter(|e| !e.is_empty())
            .collect();
        // Applied in the order listed, so undone last first.
        for encoding in encodings.iter().rev() {
            body = undo_encoding(&body, encoding, limit)?;
        }
    }
    Ok(Payload {
        body,
        charset,
        html,
    })
}

/// Undoes one content coding, through the ceiling.
fn undo_encoding(
    body: &[u8],
    encoding: &str,
    limit: u64,
) -> Result<Vec<u8>, (RejectReason, String)> {
    let reader: Box<dyn Read + '_> = match encoding {
        "identity" => return Ok(body.to_vec()),
        // Some archivers store the body already decoded but keep the header: no gzip magic.
        "gzip" | "x-gzip" if !body.starts_with(&[0x1f, 0x8b]) => return Ok(body.to_vec()),
        "gzip" | "x-gzip" => Box::new(flate2::bufread::MultiGzDecoder::new(body)),
        // RFC 9110's deflate is zlib-wrapped; many servers send the raw stream instead.
        "deflate" if is_zlib_header(body) => Box::new(flate2::bufread::ZlibDecoder::new(body)),
        "deflate" => Box::new(flate2::bufread::DeflateDecoder::new(body)),
        "br" => Box::new(brotli_decompressor::Decompressor::new(body, 64 << 10)),
        "zstd" => Box::new(
            zstd::stream::read::Decoder::with_buffer(body)
                .map_err(|e| (RejectReason::Corrupt, format!("zstd content encoding: {e}")))?,
        ),
        other => {
            return Err((
                RejectReason::NotArticle,
                format!("unsupported content encoding {other:?}"),
            ));
        }
    };
    let mut out = Vec::with_capacity(body.len().saturating_mul(4).min(limit as usize) + 1);
    reader.take(limit + 1).read_to_end(&mut out).map_err(|e| {
        (
            RejectReason::Corrupt,
            format!("{encoding} content encoding: {e}"),
        )
    })?;
    if out.len() as u64 > limit {
        return Err((
            RejectReason::TooLarge,
            format!("{encoding} content encoding expands past {limit} bytes"),
        ));
    }
    Ok(out)
}

/// A zlib stream header: deflate method with a window of at most 32 KiB and a valid check.
fn is_zlib_header(body: &[u8]) -> bool {
    match body {
        [cmf, flg, ..] => {
            cmf & 0x0f == 8 && cmf >> 4 <= 7 && (u16::from(*cmf) << 8 | u16::from(*flg)) % 31 == 0
        }
        _ => false,
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    const TEXT: &[u8] = "<p>Caf\u{e9} culture returns to the old port.</p>".as_bytes();

    fn response(encoding: &str, body: &[u8]) -> Vec<u8> {
        let mut message = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n\
             Content-Encoding: {encoding}\r\n\r\n"
        )
        .into_bytes();
        message.extend_from_slice(body);
        message
    }

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    fn zlib(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    fn raw_deflate(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    fn brotli(data: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut e = brotli::CompressorWriter::new(&mut out, 4096, 5, 22);
        e.write_all(data).unwrap();
        drop(e);
        out
    }

    #[test]
    fn every_content_encoding_and_chains_of_them_are_undone() {
        let cases = [
            ("gzip", gzip(TEXT)),
            ("x-gzip", gzip(TEXT)),
            ("deflate", zlib(TEXT)),
            ("deflate", raw_deflate(TEXT)),
            ("br", brotli(TEXT)),
            ("zstd", zstd::encode_all(TEXT, 3).unwrap()),
            ("identity", TEXT.to_vec()),
            ("gzip, br", brotli(&gzip(TEXT))),
            ("deflate, gzip", gzip(&zlib(TEXT))),
        ];
        for (encoding, body) in cases {
            let payload = http_payload(&response(encoding, &body), 1 << 20)
                .unwrap_or_else(|e| panic!("{encoding}: {e:?}"));
            assert_eq!(payload.body, TEXT, "{encoding}");
            assert_eq!(payload.charset.as_deref(), Some("utf-8"));
            assert!(payload.html);
        }
    }

    #[test]
    fn a_failing_encoding_names_its_cause() {
        let broken = http_payload(&response("br", b"not brotli at all"), 1 << 20).unwrap_err();
        assert_eq!(broken.0, RejectReason::Corrupt);
        assert!(broken.1.starts_with("br content encoding"), "{}", broken.1);
        let unknown = http_payload(&response("compress", b"x"), 1 << 20).unwrap_err();
        assert_eq!(unknown.0, RejectReason::NotArticle);
        assert!(unknown.1.contains("compress"), "{}", unknown.1);
        let bomb = http_payload(&response("gzip", &gzip(&vec![b'a'; 1 << 16])), 1000).unwrap_err();
        assert_eq!(bomb.0, RejectReason::TooLarge);
    }

    #[test]
    fn status_head_and_type_decide_what_is_an_article() {
        let missing = http_payload(b"HTTP/1.1 404 Not Found\r\n\r\n", 100).unwrap_err();
        assert_eq!(missing.0, RejectReason::NotArticle);
        assert!(missing.1.contains("404"), "{}", missing.1);
        let image = http_payload(b"HTTP/1.1 200 OK\r\nContent-Type: image/png\r\n\r\n", 100);
        assert_eq!(image.unwrap_err().0, RejectReason::NotArticle);
        let unended = http_payload(b"HTTP/1.1 200 OK\r\nContent-Type: text/html", 100);
        assert_eq!(unended.unwrap_err().0, RejectReason::Malformed);
        let bare_newlines = http_payload(b"HTTP/1.0 200 OK\nContent-Type: text/plain\n\nHi", 100);
        assert_eq!(bare_newlines.unwrap().body, b"Hi");
    }

    #[test]
    fn chunked_bodies_are_joined() {
        assert_eq!(
            dechunk(b"4\r\nWiki\r\n5\r\npedia\r\n0\r\n\r\n").unwrap(),
            b"Wikipedia"
        );
        assert_eq!(dechunk(b"zz\r\n"), None);
    }
}

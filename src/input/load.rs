//! Reading one file with its limits: the size ceiling, decompression by magic bytes, and
//! decoding to text, which also says which input format the file is.
//!
//! A file is read whole only below `input.stream_above_bytes` (larger dumps stream through
//! [`super::expand`]); what cannot be read becomes a reject with its reason and the bytes read.

use std::io::Read;
use std::path::Path;

use super::decode::{self, DecodeFailure};
use super::decompress::{self, DecompressFailure};
use super::discover::Source;
use super::{FileFormat, InputPlan, warc};
use crate::article::RejectReason;

/// A file's contents, ready for its input format.
pub(crate) struct Loaded {
    pub(crate) format: FileFormat,
    pub(crate) encoding: &'static str,
    pub(crate) bytes_in: u64,
    /// xxh3-128 of the file's bytes as stored, for the nightly state; 0 when not asked for.
    pub(crate) content: u128,
    /// Time spent reading (with the fingerprint) and decompressing, for the report's steps;
    /// zero unless the load was timed.
    pub(crate) read_ns: u64,
    pub(crate) decompress_ns: u64,
}

/// Why a file cannot be read: `(reason, detail, bytes read)`.
pub(crate) type LoadFailure = (RejectReason, String, u64);

/// Reads, decompresses and decodes a file, or says why it cannot be.
pub(crate) fn load(
    plan: &InputPlan,
    source: &Source,
    fingerprint: bool,
    timed: bool,
) -> Result<Loaded, LoadFailure> {
    let started = timed.then(std::time::Instant::now);
    let since = || started.map_or(0, |at| at.elapsed().as_nanos() as u64);
    if source.size > plan.max_file_bytes {
        let detail = format!(
            "{} bytes is more than input.max_file_bytes = {}",
            source.size, plan.max_file_bytes
        );
        return Err((RejectReason::TooLarge, detail, 0));
    }
    let (file, size) = super::at_dir::open_regular(&source.path, plan.follow_symlinks)
        .map_err(|(reason, detail)| (reason, detail, 0))?;
    // The size that counts is the opened file's: it may have grown since the walk.
    if size > plan.max_file_bytes {
        let detail = format!(
            "{size} bytes is more than input.max_file_bytes = {}",
            plan.max_file_bytes
        );
        return Err((RejectReason::TooLarge, detail, 0));
    }
    let bytes = match read_limited(file, size, plan.max_file_bytes) {
        Ok(Some(bytes)) => bytes,
        Ok(None) => {
            let detail = format!(
                "grew past input.max_file_bytes = {} while being read",
                plan.max_file_bytes
            );
            return Err((RejectReason::TooLarge, detail, 0));
        }
        Err(error) => return Err((RejectReason::Unreadable, error.to_string(), 0)),
    };
    let bytes_in = bytes.len() as u64;
    // A fast non-cryptographic hash: it only tells a touched file from an edited one.
    let content = if fingerprint {
        xxhash_rust::xxh3::xxh3_128(&bytes).max(1)
    } else {
        0
    };
    let read_ns = since();
    let compression = decompress::detect(&bytes);
    let (bytes, cut) = match compression {
        None => (bytes, None),
        Some(format) => {
            match decompress::decompress_prefix(&bytes, format, plan.max_decompressed_bytes) {
                (expanded, None) => (expanded, None),
                (_, Some(DecompressFailure::TooLarge { limit })) => {
                    let detail = format!(
                        "{} data expands past input.max_decompressed_bytes = {limit}",
                        format.extension()
                    );
                    return Err((RejectReason::TooLarge, detail, bytes_in));
                }
                // What the decoder said, as a streamed file's read error says it.
                (expanded, Some(DecompressFailure::Corrupt(what))) => (expanded, Some(what)),
            }
        }
    };
    let decompress_ns = since().saturating_sub(read_ns);
    // `page.html.gz` is a page: the name that counts is the one under the compression's.
    let mut name_path = source.path.as_path();
    if let Some(format) = compression {
        if name_path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case(format.extension()))
        {
            name_path = Path::new(name_path.file_stem().unwrap_or_default());
        }
    }
    let extension = name_path.extension().and_then(|e| e.to_str()).unwrap_or("");
    let named = |list: &[String]| list.iter().any(|e| e.eq_ignore_ascii_case(extension));
    let html_by_name = named(&plan.html_extensions);
    let json_dump = named(&plan.json_extensions);
    // Archives and dumps keep the records before a cut, as when they stream; a page is whole or
    // nothing.
    if extension.eq_ignore_ascii_case("warc") || warc::looks_like_warc(&bytes) {
        return Ok(Loaded {
            format: FileFormat::Warc {
                archive: bytes,
                cut,
            },
            encoding: "",
            bytes_in,
            content,
            read_ns,
            decompress_ns,
        });
    }
    if json_dump {
        // JSON is UTF-8: each record is decoded on its own, never the file as a whole.
        let layout = if extension.eq_ignore_ascii_case("json") {
            super::dump::Layout::Document
        } else {
            super::dump::Layout::Lines
        };
        return Ok(Loaded {
            format: FileFormat::JsonDump { bytes, layout, cut },
            encoding: "UTF-8",
            bytes_in,
            content,
            read_ns,
            decompress_ns,
        });
    }
    if let (Some(what), Some(format)) = (cut, compression) {
        let detail = format!("{} data does not decompress: {what}", format.extension());
        return Err((RejectReason::Corrupt, detail, bytes_in));
    }
    let declared = decode::sniff_html_charset(&bytes).map(str::to_owned);
    let decoded = match decode::decode(bytes, declared.as_deref()) {
        Ok(decoded) => decoded,
        Err(failure) => {
            let (reason, detail) = decode_failure(failure);
            return Err((reason, detail, bytes_in));
        }
    };
    let text = normalize_line_endings(decoded.text);
    let format = FileFormat::Page { text, html_by_name };
    Ok(Loaded {
        format,
        encoding: decoded.encoding,
        bytes_in,
        content,
        read_ns,
        decompress_ns,
    })
}

/// The reject a decoding failure becomes.
pub(crate) fn decode_failure(failure: DecodeFailure) -> (RejectReason, String) {
    match failure {
        DecodeFailure::Empty => (RejectReason::Empty, "no bytes".to_string()),
        DecodeFailure::Binary(what) => (RejectReason::Binary, what),
        DecodeFailure::Encoding(what) => (RejectReason::Encoding, what),
    }
}

/// Reads at most `limit` bytes of a file of `size` bytes when opened; `None` if it holds more.
fn read_limited(file: std::fs::File, size: u64, limit: u64) -> std::io::Result<Option<Vec<u8>>> {
    let mut bytes = Vec::with_capacity(size.min(limit) as usize + 1);
    file.take(limit.saturating_add(1)).read_to_end(&mut bytes)?;
    Ok((bytes.len() as u64 <= limit).then_some(bytes))
}

/// CRLF and lone CR become LF; every stage relies on `\n` alone.
pub(crate) fn normalize_line_endings(text: String) -> String {
    // memchr's vectorised search: `str::contains` scans a byte at a time in places, and this
    // runs over every text, where a CR is rare.
    if memchr::memchr(b'\r', text.as_bytes()).is_none() {
        return text;
    }
    text.replace("\r\n", "\n").replace('\r', "\n")
}

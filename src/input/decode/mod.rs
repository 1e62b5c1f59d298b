//! Turns a scraped file's raw bytes into text that is certainly right, or into a reason why not.
//!
//! Scraped news dumps are a mix: UTF-8 with and without a byte-order mark, UTF-16 exported by
//! Windows tools, legacy encodings from older newsrooms (EUC-KR/CP949, Shift_JIS, GBK,
//! windows-1252 …) and the odd image, archive or executable saved under a `.html` name.
//! Everything downstream works on valid UTF-8, and a corpus quietly filled with U+FFFD or mojibake
//! is worse than a smaller one, so a file this module cannot decode faithfully is rejected with a
//! reason that names what it looked like and where decoding broke. The one exception is UTF-8
//! with a handful of bad bytes (a stray byte in a script comment, a cut-off last character): it is
//! kept with each bad byte replaced by U+FFFD, and every record counts its U+FFFD
//! (`replaced_bytes`), so none is silent.

use chardetng::{EncodingDetector, Iso2022JpDetection, Utf8Detection};
use encoding_rs::{
    DecoderResult, Encoding, REPLACEMENT, UTF_8, UTF_16BE, UTF_16LE, X_USER_DEFINED,
};

/// Why a file's bytes could not become text. The binary maps these to stable reject codes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodeFailure {
    /// Zero bytes (or only a byte-order mark).
    Empty,
    /// Not text: the detail names what it looks like ("PNG image", "gzip archive", "NUL byte at offset 12").
    Binary(String),
    /// Text in an encoding we could not decode without loss; the detail says which and where.
    Encoding(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodedText {
    pub text: String,
    /// WHATWG name of the encoding the bytes were in ("UTF-8", "EUC-KR", "Shift_JIS", "windows-1252", "UTF-16LE" …).
    pub encoding: &'static str,
    /// Whether a byte-order mark was present (and removed).
    pub had_bom: bool,
}

/// Text files essentially never hold a NUL byte this early, while almost every binary format
/// does; the window is the one `file(1)` and git use for the same guess.
const BINARY_SNIFF_WINDOW: usize = 8 * 1024;

/// "A handful" of bad bytes in UTF-8 text: up to this many, or up to one byte in
/// `REPLACED_BYTES_PER`, are replaced (and counted); more make the file a reject.
const MAX_REPLACED_BYTES: usize = 16;
const REPLACED_BYTES_PER: usize = 1_000;

/// The HTML standard's prescan window: browsers honour a `<meta charset>` only this early.
const HTML_PRESCAN_WINDOW: usize = 1024;

/// `declared` is an optional encoding label found by the caller (e.g. an HTML `<meta charset>`), used
/// only when the bytes are not valid UTF-8.
pub fn decode(mut bytes: Vec<u8>, declared: Option<&str>) -> Result<DecodedText, DecodeFailure> {
    let (bom_encoding, bom_len) = match Encoding::for_bom(&bytes) {
        Some((encoding, bom_len)) => (Some(encoding), bom_len),
        None => (None, 0),
    };
    if bytes.len() == bom_len {
        return Err(DecodeFailure::Empty);
    }
    let had_bom = bom_len > 0;

    // UTF-16 is full of NUL bytes, so it must be taken before the binary sniff would reject it.
    if let Some(utf16) = bom_encoding.filter(|&encoding| encoding != UTF_8) {
        let text = decode_without_loss(utf16, &bytes[bom_len..]).map_err(|offset| {
            DecodeFailure::Encoding(format!(
                "not valid {} (byte-order mark): malformed at byte offset {}",
                utf16.name(),
                bom_len + offset
            ))
        })?;
        return Ok(DecodedText {
            text,
            encoding: utf16.name(),
            had_bom,
        });
    }

    reject_binary(&bytes, bom_len)?;

    if simdutf8::basic::from_utf8(&bytes[bom_len..]).is_ok() {
        // Shifting the text over the BOM in place keeps the no-copy, no-allocation fast path.
        bytes.drain(..bom_len);
        // SAFETY: `bytes` is exactly the slice simdutf8 just validated as UTF-8 (the drained
        // prefix was the BOM, which lay outside that slice).
        #[allow(unsafe_code)]
        let text = unsafe { String::from_utf8_unchecked(bytes) };
        return Ok(DecodedText {
            text,
            encoding: UTF_8.name(),
            had_bom,
        });
    }

    let body = &bytes[bom_len..];
    let survey = Utf8Survey::of(body);
    // A UTF-8 BOM is an explicit claim; bytes that break it are damaged UTF-8, not a legacy file.
    if had_bom || survey.looks_like_damaged_utf8() {
        return survey.repair(body, had_bom, bom_len);
    }

    let (encoding, provenance) = match declared.and_then(usable_declared_encoding) {
        Some(encoding) => (encoding, "declared"),
        None => (detect_legacy_encoding(body), "detected"),
    };
    if encoding == UTF_8 {
        return survey.repair(body, had_bom, bom_len);
    }
    let text = decode_without_loss(encoding, body).map_err(|offset| {
        DecodeFailure::Encoding(format!(
            "not valid {} ({provenance}): malformed at byte offset {offset}",
            encoding.name()
        ))
    })?;
    Ok(DecodedText {
        text,
        encoding: encoding.name(),
        had_bom,
    })
}

/// Finds a `<meta charset=…>` or `<meta http-equiv="Content-Type" content="…; charset=…">` label in the first 1024 bytes (ASCII case-insensitive), for HTML pages.
pub fn sniff_html_charset(bytes: &[u8]) -> Option<&str> {
    let head = &bytes[..bytes.len().min(HTML_PRESCAN_WINDOW)];
    let mut pos = 0;
    while let Some(found) = memchr::memchr(b'<', &head[pos..]) {
        let tag_start = pos + found;
        let tag = &head[tag_start..];
        if tag.starts_with(b"<!--") {
            // A commented-out meta (often a template's old charset) must not count.
            let comment_end = memchr::memmem::find(&tag[4..], b"-->")?;
            pos = tag_start + 4 + comment_end + 3;
        } else if starts_with_ignore_ascii_case(tag, b"<meta")
            && tag.get(5).is_some_and(|&b| is_html_space(b) || b == b'/')
        {
            let (label, tag_end) = meta_charset(head, tag_start + 5);
            if label.is_some() {
                return label;
            }
            pos = tag_end;
        } else {
            pos = tag_start + 1;
        }
    }
    None
}

/// How UTF-8-like a byte string that failed validation is.
struct Utf8Survey {
    /// Well-formed multi-byte sequences: legacy encodings produce these only by accident.
    valid_multibyte: usize,
    /// Maximal invalid subsequences, counted the way `str::from_utf8` reports them.
    invalid: usize,
    first_invalid_offset: usize,
    /// Bytes in those invalid subsequences: what a repair replaces.
    invalid_bytes: usize,
}

impl Utf8Survey {
    fn of(body: &[u8]) -> Self {
        let mut survey = Utf8Survey {
            valid_multibyte: 0,
            invalid: 0,
            first_invalid_offset: 0,
            invalid_bytes: 0,
        };
        let mut consumed = 0;
        loop {
            let rest = &body[consumed..];
            match std::str::from_utf8(rest) {
                Ok(valid) => {
                    survey.valid_multibyte += count_multibyte_starts(valid.as_bytes());
                    return survey;
                }
                Err(error) => {
                    let valid_len = error.valid_up_to();
                    survey.valid_multibyte += count_multibyte_starts(&rest[..valid_len]);
                    if survey.invalid == 0 {
                        survey.first_invalid_offset = consumed + valid_len;
                    }
                    survey.invalid += 1;
                    match error.error_len() {
                        Some(invalid_len) => {
                            survey.invalid_bytes += invalid_len;
                            consumed += valid_len + invalid_len;
                        }
                        None => {
                            survey.invalid_bytes += rest.len() - valid_len;
                            return survey;
                        }
                    }
                }
            }
        }
    }

    /// Legacy double-byte text (EUC-KR especially) forms a valid UTF-8 pair now and then, so a
    /// fixed count of valid sequences proves nothing; in real UTF-8 with damage, valid sequences
    /// outnumber the broken ones, while in legacy text it is the other way round by far.
    fn looks_like_damaged_utf8(&self) -> bool {
        self.valid_multibyte > 0 && self.valid_multibyte >= self.invalid
    }

    /// UTF-8 with a handful of bad bytes (a stray byte in a script comment, a cut-off last
    /// character) is what browsers read without a second thought: it is kept, each bad byte
    /// replaced by U+FFFD, which the record then counts (`replaced_bytes`), so nothing is silent.
    /// More damage than that is a reject.
    fn repair(
        &self,
        body: &[u8],
        had_bom: bool,
        bom_len: usize,
    ) -> Result<DecodedText, DecodeFailure> {
        if self.invalid_bytes > MAX_REPLACED_BYTES
            && self.invalid_bytes.saturating_mul(REPLACED_BYTES_PER) > body.len()
        {
            return Err(self.failure(bom_len));
        }
        let mut text = String::with_capacity(body.len() + 2 * self.invalid_bytes);
        for chunk in body.utf8_chunks() {
            text.push_str(chunk.valid());
            for _ in chunk.invalid() {
                text.push(char::REPLACEMENT_CHARACTER);
            }
        }
        Ok(DecodedText {
            text,
            encoding: UTF_8.name(),
            had_bom,
        })
    }

    fn failure(&self, bom_len: usize) -> DecodeFailure {
        let offset = bom_len + self.first_invalid_offset;
        DecodeFailure::Encoding(format!("invalid UTF-8 at byte offset {offset}"))
    }
}

/// Counts lead bytes of multi-byte sequences; only meaningful on bytes known to be valid UTF-8.
fn count_multibyte_starts(valid_utf8: &[u8]) -> usize {
    valid_utf8.iter().filter(|&&b| b >= 0xC0).count()
}

fn reject_binary(bytes: &[u8], bom_len: usize) -> Result<(), DecodeFailure> {
    let window_end = bytes.len().min(bom_len + BINARY_SNIFF_WINDOW);
    let head = &bytes[bom_len..window_end];
    if let Some(kind) = binary_signature(head) {
        return Err(DecodeFailure::Binary(kind.to_owned()));
    }
    if let Some(offset) = memchr::memchr(0, head) {
        return Err(DecodeFailure::Binary(format!(
            "NUL byte at offset {}",
            bom_len + offset
        )));
    }
    let controls = count_binary_controls(head);
    if controls >= MIN_BINARY_CONTROLS && controls * CONTROL_SHARE > head.len() {
        return Err(DecodeFailure::Binary(format!(
            "{controls} control characters in the first {} bytes",
            head.len()
        )));
    }
    Ok(())
}

/// Random or compressed bytes without a NUL (issue #12: a megabyte of them became a clean
/// windows-1252 record) are still one byte in twelve a C0 control; text, in any encoding, has
/// next to none. Above one in `CONTROL_SHARE` of the sniff window, and at least
/// `MIN_BINARY_CONTROLS`, the file is binary. The controls text does use are not counted: tab,
/// line feed, vertical tab (Word's manual line break), form feed, carriage return, and SO, SI and
/// ESC, which ISO-2022 encodings are made of.
const CONTROL_SHARE: usize = 20;
const MIN_BINARY_CONTROLS: usize = 16;

/// Counted in runs of 255 bytes into a `u8`, so that the loop vectorizes 16 bytes at a time:
/// counted straight into a `usize` it took 12% of a run's CPU time on plain text.
fn count_binary_controls(bytes: &[u8]) -> usize {
    bytes
        .chunks(255)
        .map(|run| {
            run.iter()
                .fold(0u8, |count, &b| count + u8::from(is_binary_control(b))) as usize
        })
        .sum()
}

fn is_binary_control(b: u8) -> bool {
    matches!(b, 0x01..=0x08 | 0x10..=0x1A | 0x1C..=0x1F | 0x7F)
}

/// Names the format of a file by its magic number. Only signatures no plausible article text
/// starts with are listed: a wrong guess here would drop a real article.
fn binary_signature(head: &[u8]) -> Option<&'static str> {
    const PREFIXES: &[(&[u8], &str)] = &[
        (b"\x89PNG\r\n\x1a\n", "PNG image"),
        (b"\xFF\xD8\xFF", "JPEG image"),
        (b"GIF87a", "GIF image"),
        (b"GIF89a", "GIF image"),
        (b"II*\x00", "TIFF image"),
        (b"MM\x00*", "TIFF image"),
        (b"%PDF-", "PDF document"),
        (b"PK\x03\x04", "ZIP archive"),
        (b"PK\x05\x06", "ZIP archive"),
        (b"PK\x07\x08", "ZIP archive"),
        (b"\x1F\x8B", "gzip archive"),
        (b"\x28\xB5\x2F\xFD", "zstd archive"),
        (b"\xFD7zXZ\x00", "xz archive"),
        (b"7z\xBC\xAF\x27\x1C", "7z archive"),
        (b"Rar!\x1A\x07", "RAR archive"),
        (b"\x7FELF", "ELF executable"),
        (b"\xFE\xED\xFA\xCE", "Mach-O executable"),
        (b"\xFE\xED\xFA\xCF", "Mach-O executable"),
        (b"\xCE\xFA\xED\xFE", "Mach-O executable"),
        (b"\xCF\xFA\xED\xFE", "Mach-O executable"),
        (b"\xCA\xFE\xBA\xBE", "Mach-O universal binary or Java class"),
        (b"\x00asm", "WebAssembly module"),
        (b"OggS", "Ogg media"),
        (b"fLaC", "FLAC audio"),
        (b"ID3\x02", "MP3 audio"),
        (b"ID3\x03", "MP3 audio"),
        (b"ID3\x04", "MP3 audio"),
        (b"\x1A\x45\xDF\xA3", "Matroska/WebM video"),
        (b"wOFF", "WOFF font"),
        (b"wOF2", "WOFF2 font"),
        (b"SQLite format 3\x00", "SQLite database"),
    ];
    if let Some(&(_, kind)) = PREFIXES.iter().find(|(magic, _)| head.starts_with(magic)) {
        return Some(kind);
    }
    if head.starts_with(b"BZh") && head.get(3).is_some_and(|b| (b'1'..=b'9').contains(b)) {
        return Some("bzip2 archive");
    }
    if head.starts_with(b"RIFF") {
        return match head.get(8..12) {
            Some(b"WEBP") => Some("WebP image"),
            Some(b"WAVE") => Some("WAV audio"),
            Some(b"AVI ") => Some("AVI video"),
            _ => Some("RIFF media"),
        };
    }
    if head.get(4..8) == Some(b"ftyp") {
        return match head.get(8..12) {
            Some(b"avif" | b"avis") => Some("AVIF image"),
            Some(b"heic" | b"heix" | b"mif1" | b"msf1") => Some("HEIF image"),
            _ => Some("MP4/ISO media (ftyp)"),
        };
    }
    None
}

/// Resolves a declared label, ignoring ones the bytes have already disproved or that cannot
/// describe an unmarked 8-bit file: the page is not valid UTF-8, UTF-16 without a BOM would have
/// been caught as NUL bytes, and "replacement"/x-user-defined would turn the text into U+FFFD or
/// private-use garbage.
fn usable_declared_encoding(label: &str) -> Option<&'static Encoding> {
    Encoding::for_label(label.trim().as_bytes()).filter(|&encoding| {
        ![UTF_8, UTF_16LE, UTF_16BE, REPLACEMENT, X_USER_DEFINED].contains(&encoding)
    })
}

fn detect_legacy_encoding(body: &[u8]) -> &'static Encoding {
    // ISO-2022-JP is 7-bit and so valid UTF-8; it can never reach this point.
    let mut detector = EncodingDetector::new(Iso2022JpDetection::Deny);
    detector.feed(body, true);
    plausible::prefer_plausible(body, detector.guess(None, Utf8Detection::Allow))
}

/// Decodes with no U+FFFD substitution; on failure returns the offset of the first malformed
/// sequence, so the reject reason can point at it.
fn decode_without_loss(encoding: &'static Encoding, body: &[u8]) -> Result<String, usize> {
    let mut decoder = encoding.new_decoder_without_bom_handling();
    let capacity = decoder
        .max_utf8_buffer_length_without_replacement(body.len())
        .unwrap_or(body.len());
    let mut text = String::with_capacity(capacity);
    let mut read = 0;
    loop {
        let (result, chunk_read) =
            decoder.decode_to_string_without_replacement(&body[read..], &mut text, true);
        read += chunk_read;
        match result {
            DecoderResult::InputEmpty => return Ok(text),
            DecoderResult::OutputFull => {
                let remaining = body.len() - read;
                let more = decoder
                    .max_utf8_buffer_length_without_replacement(remaining)
                    .unwrap_or(remaining);
                text.reserve(more.max(4));
            }
            DecoderResult::Malformed(malformed_len, consumed_after) => {
                let after = usize::from(malformed_len) + usize::from(consumed_after);
                return Err(read.saturating_sub(after));
            }
        }
    }
}

/// Reads the attributes of one `<meta` tag starting at `pos` (just past the tag name) and returns
/// its charset label, if any, with the position after the tag.
fn meta_charset(head: &[u8], mut pos: usize) -> (Option<&str>, usize) {
    let mut charset = None;
    let mut content = None;
    let mut is_content_type = false;
    while let Some((name, value, next)) = next_attribute(head, pos) {
        pos = next;
        if name.eq_ignore_ascii_case(b"charset") {
            charset = charset.or(Some(value));
        } else if name.eq_ignore_ascii_case(b"content") {
            content = content.or(Some(value));
        } else if name.eq_ignore_ascii_case(b"http-equiv") {
            is_content_type = value.trim_ascii().eq_ignore_ascii_case(b"content-type");
        }
    }
    // `charset` wins when a tag has both, as in the HTML standard's prescan.
    let label = charset.or_else(|| {
        content
            .filter(|_| is_content_type)
            .and_then(charset_from_content)
    });
    let label = label
        .map(<[u8]>::trim_ascii)
        .filter(|label| !label.is_empty())
        .and_then(|label| std::str::from_utf8(label).ok());
    (label, pos)
}

/// One attribute as `(name, value, position after it)`; `None` at the tag's `>` or the end.
fn next_attribute(head: &[u8], mut pos: usize) -> Option<(&[u8], &[u8], usize)> {
    loop {
        while head
            .get(pos)
            .is_some_and(|&b| is_html_space(b) || b == b'/')
        {
            pos += 1;
        }
        match head.get(pos) {
            None | Some(b'>') => return None,
            Some(b'=') => pos += 1, // a stray `=` with no name: skip it, as browsers do
            Some(_) => break,
        }
    }
    let name_start = pos;
    while head
        .get(pos)
        .is_some_and(|&b| !is_html_space(b) && !matches!(b, b'=' | b'>' | b'/'))
    {
        pos += 1;
    }
    let name = &head[name_start..pos];
    let after_name = pos;
    while head.get(pos).is_some_and(|&b| is_html_space(b)) {
        pos += 1;
    }
    if head.get(pos) != Some(&b'=') {
        return Some((name, &[], after_name));
    }
    pos += 1;
    while head.get(pos).is_some_and(|&b| is_html_space(b)) {
        pos += 1;
    }
    match head.get(pos) {
        Some(&quote @ (b'"' | b'\'')) => {
            let value_start = pos + 1;
            match memchr::memchr(quote, &head[value_start..]) {
                Some(len) => Some((
                    name,
                    &head[value_start..value_start + len],
                    value_start + len + 1,
                )),
                None => Some((name, &head[value_start..], head.len())),
            }
        }
        _ => {
            let value_start = pos;
            while head
                .get(pos)
                .is_some_and(|&b| !is_html_space(b) && b != b'>')
            {
                pos += 1;
            }
            Some((name, &head[value_start..pos], pos))
        }
    }
}

/// The HTML standard's "extracting a character encoding from a meta element" on a `content`
/// value such as `text/html; charset=EUC-KR`.
fn charset_from_content(content: &[u8]) -> Option<&[u8]> {
    let mut pos = 0;
    loop {
        let found = find_ignore_ascii_case(&content[pos..], b"charset")?;
        pos += found + b"charset".len();
        let mut value_pos = pos;
        while content.get(value_pos).is_some_and(|&b| is_html_space(b)) {
            value_pos += 1;
        }
        if content.get(value_pos) != Some(&b'=') {
            continue;
        }
        value_pos += 1;
        while content.get(value_pos).is_some_and(|&b| is_html_space(b)) {
            value_pos += 1;
        }
        let value = &content[value_pos..];
        return match value.first() {
            Some(&quote @ (b'"' | b'\'')) => {
                let len = memchr::memchr(quote, &value[1..])?;
                Some(&value[1..1 + len])
            }
            _ => {
                let len = value
                    .iter()
                    .position(|&b| is_html_space(b) || b == b';')
                    .unwrap_or(value.len());
                Some(&value[..len])
            }
        };
    }
}

fn is_html_space(b: u8) -> bool {
    matches!(b, b'\t' | b'\n' | b'\x0C' | b'\r' | b' ')
}

fn starts_with_ignore_ascii_case(haystack: &[u8], prefix: &[u8]) -> bool {
    haystack
        .get(..prefix.len())
        .is_some_and(|start| start.eq_ignore_ascii_case(prefix))
}

fn find_ignore_ascii_case(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window.eq_ignore_ascii_case(needle))
}

mod plausible;

#[cfg(test)]
mod tests;

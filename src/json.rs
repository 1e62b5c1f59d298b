//! JSON string writing for the hot path: `clean.jsonl` is most of what scour writes.
//!
//! serde_json escapes byte by byte; article text is long and almost never needs escaping beyond
//! its newlines, so this writer finds the bytes that need it 32 at a time and copies the runs
//! between them whole. The output is exactly serde_json's (same escapes, same lower-case
//! `\u00XX`), which a test checks on random text, so switching writers never changes a byte.

use crate::swar;

/// Appends `text` as a JSON string, quotes included.
pub fn write_str(out: &mut Vec<u8>, text: &str) {
    let bytes = text.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        i = skip_unescaped(bytes, i);
        let Some(&b) = bytes.get(i) else { break };
        let escape: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0x08 => b"\\b",
            0x0c => b"\\f",
            0x00..=0x1f => {
                out.extend_from_slice(&bytes[start..i]);
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.extend_from_slice(b"\\u00");
                out.push(HEX[usize::from(b >> 4)]);
                out.push(HEX[usize::from(b & 0xf)]);
                i += 1;
                start = i;
                continue;
            }
            _ => {
                i += 1;
                continue;
            }
        };
        out.extend_from_slice(&bytes[start..i]);
        out.extend_from_slice(escape);
        i += 1;
        start = i;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

/// Appends `value` as a JSON string, or `null`.
pub fn write_opt_str(out: &mut Vec<u8>, value: Option<&str>) {
    match value {
        Some(text) => write_str(out, text),
        None => out.extend_from_slice(b"null"),
    }
}

/// The first index from `i` on whose byte needs escaping (a control character, `"` or `\`),
/// or the end; skips 32 bytes at a time, then eight.
fn skip_unescaped(bytes: &[u8], mut i: usize) -> usize {
    while let Some(block) = swar::block_at(bytes, i) {
        let mut needs = [0u8; swar::BLOCK];
        for lane in 0..swar::BLOCK {
            let b = block[lane];
            needs[lane] = u8::from((b < 0x20) | (b == b'"') | (b == b'\\'));
        }
        if let Some(lane) = swar::first_set(&needs) {
            return i + lane;
        }
        i += swar::BLOCK;
    }
    while let Some(word) = swar::word_at(bytes, i) {
        let needs = swar::zero_bytes(word & swar::splat(0xe0))
            | swar::equal_bytes(word, b'"')
            | swar::equal_bytes(word, b'\\');
        if needs != 0 {
            return i + swar::first_lane(needs);
        }
        i += 8;
    }
    while i < bytes.len() && !matches!(bytes[i], 0x00..=0x1f | b'"' | b'\\') {
        i += 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    fn written(text: &str) -> String {
        let mut out = Vec::new();
        write_str(&mut out, text);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn escapes_like_serde_json() {
        for text in [
            "",
            "plain",
            "a\"b\\c\nd\re\tf\u{8}g\u{c}h\u{1}i\u{1f}j\u{7f}",
            "서울 “quote” é",
        ] {
            assert_eq!(written(text), serde_json::to_string(text).unwrap());
        }
    }

    #[test]
    fn agrees_with_serde_json_on_random_text() {
        let alphabet = [
            "abcdefgh",
            "a run of plain text longer than one block",
            "x",
            "\"",
            "\\",
            "\n",
            "\u{1}",
            "\t",
            "é",
            "서울",
            " ",
            "\u{7f}",
        ];
        let mut seed: u64 = 42;
        for _ in 0..5000 {
            let mut text = String::new();
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            for _ in 0..(seed >> 58) {
                seed = seed
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                text.push_str(alphabet[(seed >> 33) as usize % alphabet.len()]);
            }
            assert_eq!(
                written(&text),
                serde_json::to_string(&text).unwrap(),
                "{text:?}"
            );
        }
    }
}

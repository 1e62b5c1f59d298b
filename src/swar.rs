//! Many bytes at a time: the byte tests the hot text passes share.
//!
//! Whitespace normalisation and JSON escaping both look for a few kinds of bytes in long runs
//! of ordinary prose. Two ways keep them on stable Rust without `unsafe` or per-CPU code, several
//! times faster than a branch per byte: blocks of 32 bytes tested lane by lane with branch-free
//! operators, in loops the compiler turns into SSE2 compares and a mask ([`block_at`],
//! [`first_set`]); and, for the tail shorter than a block, a 64-bit word tested at once ("SIMD
//! within a register").

/// Bytes in a block.
pub const BLOCK: usize = 32;

/// The `BLOCK` bytes at `at`, if there are that many.
#[inline(always)]
pub fn block_at(bytes: &[u8], at: usize) -> Option<&[u8; BLOCK]> {
    bytes.get(at..at + BLOCK)?.try_into().ok()
}

/// The first lane of `flags` (each 0 or 1) that is set, if any.
#[inline(always)]
pub fn first_set(flags: &[u8; BLOCK]) -> Option<usize> {
    let (low, high) = flags.split_at(16);
    let low = u128::from_le_bytes(low.try_into().ok()?);
    let high = u128::from_le_bytes(high.try_into().ok()?);
    if low != 0 {
        Some((low.trailing_zeros() / 8) as usize)
    } else if high != 0 {
        Some(16 + (high.trailing_zeros() / 8) as usize)
    } else {
        None
    }
}

/// A byte value repeated in all eight lanes: `splat(0x20)` is eight spaces.
pub const fn splat(byte: u8) -> u64 {
    0x0101_0101_0101_0101 * byte as u64
}

/// The high bit of every lane.
pub const HIGH: u64 = splat(0x80);

/// The high bit of each lane of the result is set exactly where `word` has a zero byte (no
/// false positives: the addition cannot carry between lanes).
pub const fn zero_bytes(word: u64) -> u64 {
    !(((word & !HIGH).wrapping_add(!HIGH)) | word) & HIGH
}

/// Lanes equal to `byte`.
pub const fn equal_bytes(word: u64, byte: u8) -> u64 {
    zero_bytes(word ^ splat(byte))
}

/// The eight bytes at `at` as a little-endian word (lane 0 is `bytes[at]`), if there are eight.
pub fn word_at(bytes: &[u8], at: usize) -> Option<u64> {
    let chunk: [u8; 8] = bytes.get(at..at + 8)?.try_into().ok()?;
    Some(u64::from_le_bytes(chunk))
}

/// The index of the first marked lane of a non-zero mask.
pub fn first_lane(mask: u64) -> usize {
    (mask.trailing_zeros() / 8) as usize
}

/// Where the next white space character (`char::is_whitespace`: Unicode `White_Space`) is in
/// `bytes` at or after `from`, a character boundary: its offset and length in bytes.
///
/// Blocks with no byte that can start one (a control or space byte, or the lead byte of the
/// no-break, Ogham, general-punctuation and ideographic spaces) are skipped at once; the
/// candidates are checked by their bytes, so text in any script is never decoded.
pub fn next_white_space(bytes: &[u8], from: usize) -> Option<(usize, usize)> {
    let mut i = from;
    loop {
        while let Some(block) = block_at(bytes, i) {
            let mut candidates = [0u8; BLOCK];
            for lane in 0..BLOCK {
                candidates[lane] = u8::from(may_start_white_space(block[lane]));
            }
            if let Some(lane) = first_set(&candidates) {
                i += lane;
                break;
            }
            i += BLOCK;
        }
        while bytes.get(i).is_some_and(|&b| !may_start_white_space(b)) {
            i += 1;
        }
        if i >= bytes.len() {
            return None;
        }
        if let Some(len) = white_space_len(&bytes[i..]) {
            return Some((i, len));
        }
        // Not white space: a lead byte's continuation bytes are never candidates.
        i += 1;
    }
}

/// Where the run of words starting at `from` ends: the first white space character at or after
/// `from` that is not one ASCII space between two other characters (or `bytes.len()`). Prose
/// has a space every few bytes; blocks in which every space is single and no other byte can
/// start white space are skipped at once.
pub fn next_word_break(bytes: &[u8], from: usize) -> usize {
    let mut i = from;
    loop {
        // One byte past the block too, to see what follows a space in its last lane.
        while let Some(window) = bytes.get(i..i + BLOCK + 1) {
            let mut candidates = [0u8; BLOCK];
            for lane in 0..BLOCK {
                let (b, next) = (window[lane], window[lane + 1]);
                let other = (b < b' ') | (b == 0xc2) | (b.wrapping_sub(0xe1) < 3);
                let doubled = (b == b' ') & may_start_white_space(next);
                candidates[lane] = u8::from(other | doubled);
            }
            if let Some(lane) = first_set(&candidates) {
                i += lane;
                break;
            }
            i += BLOCK;
        }
        let Some((space, len)) = next_white_space(bytes, i) else {
            return bytes.len();
        };
        let single = len == 1
            && bytes[space] == b' '
            && space > from
            && bytes
                .get(space + 1..)
                .is_some_and(|next| !next.is_empty() && white_space_len(next).is_none());
        if !single {
            return space;
        }
        i = space + 1;
    }
}

#[inline(always)]
fn may_start_white_space(b: u8) -> bool {
    (b <= b' ') | (b == 0xc2) | (b.wrapping_sub(0xe1) < 3)
}

/// The length of the white space character `bytes` starts with, if it starts with one.
pub fn white_space_len(bytes: &[u8]) -> Option<usize> {
    match bytes {
        [b'\t'..=b'\r' | b' ', ..] => Some(1),
        // U+0085, U+00A0
        [0xc2, 0x85 | 0xa0, ..] => Some(2),
        // U+1680
        [0xe1, 0x9a, 0x80, ..] => Some(3),
        // U+2000..=U+200A, U+2028, U+2029, U+202F, U+205F
        [0xe2, 0x80, 0x80..=0x8a | 0xa8 | 0xa9 | 0xaf, ..] | [0xe2, 0x81, 0x9f, ..] => Some(3),
        // U+3000
        [0xe3, 0x80, 0x80, ..] => Some(3),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_white_space_agrees_with_char_is_whitespace_on_every_character() {
        for c in (0..=0x10ffff).filter_map(char::from_u32) {
            // Long enough for the block path, with the character at the end.
            let text = format!("{}{c}x", "a".repeat(40));
            let expected = c.is_whitespace().then_some((40, c.len_utf8()));
            assert_eq!(next_white_space(text.as_bytes(), 0), expected, "{c:?}");
            let short = format!("a{c}");
            let expected = c.is_whitespace().then_some((1, c.len_utf8()));
            assert_eq!(
                next_white_space(short.as_bytes(), 0),
                expected,
                "{c:?} (tail)"
            );
        }
    }

    #[test]
    fn next_word_break_passes_single_spaces_only() {
        let long = "word ".repeat(20);
        assert_eq!(
            next_word_break(long.as_bytes(), 0),
            long.len() - 1,
            "the trailing space"
        );
        let text = format!("{long}x  y");
        assert_eq!(
            next_word_break(text.as_bytes(), 0),
            long.len() + 1,
            "the doubled space"
        );
        assert_eq!(
            next_word_break("a b\u{a0}c".as_bytes(), 0),
            3,
            "a no-break space"
        );
        assert_eq!(
            next_word_break("a\u{1f}b c".as_bytes(), 0),
            5,
            "a control character"
        );
    }

    #[test]
    fn next_white_space_finds_each_in_turn() {
        let text = "日本語\u{3000}text\u{a0}more  end";
        let mut found = Vec::new();
        let mut at = 0;
        while let Some((space, len)) = next_white_space(text.as_bytes(), at) {
            found.push(space);
            at = space + len;
        }
        assert_eq!(found, [9, 16, 22, 23]);
    }

    #[test]
    fn zero_bytes_marks_exactly_the_zero_lanes() {
        for lane in 0..8 {
            for filler in [0x01u8, 0x80, 0xff, 0x7f] {
                let mut bytes = [filler; 8];
                bytes[lane] = 0;
                let mask = zero_bytes(u64::from_le_bytes(bytes));
                assert_eq!(mask, 0x80 << (8 * lane), "lane {lane} filler {filler:#x}");
            }
        }
        assert_eq!(zero_bytes(u64::MAX), 0);
    }

    #[test]
    fn first_set_finds_the_first_flag_in_either_half() {
        let mut flags = [0u8; BLOCK];
        assert_eq!(first_set(&flags), None);
        for lane in (0..BLOCK).rev() {
            flags[lane] = 1;
            assert_eq!(first_set(&flags), Some(lane));
        }
        assert!(block_at(&[0; BLOCK], 1).is_none());
    }

    #[test]
    fn equal_bytes_and_first_lane() {
        let word = word_at(b"ab\"cd\"ef", 0).unwrap();
        let mask = equal_bytes(word, b'"');
        assert_eq!(first_lane(mask), 2);
        assert_eq!(word_at(b"short", 0), None);
    }
}

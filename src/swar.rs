//! Eight bytes at a time: the byte tests the hot text passes share.
//!
//! Whitespace normalisation and JSON escaping both look for a few kinds of bytes in long runs
//! of ordinary prose. Testing a 64-bit word at once ("SIMD within a register") keeps them on
//! stable Rust without `unsafe` or per-CPU code, several times faster than a branch per byte.

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

#[cfg(test)]
mod tests {
    use super::*;

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
    fn equal_bytes_and_first_lane() {
        let word = word_at(b"ab\"cd\"ef", 0).unwrap();
        let mask = equal_bytes(word, b'"');
        assert_eq!(first_lane(mask), 2);
        assert_eq!(word_at(b"short", 0), None);
    }
}

//! Exact duplicates: content hashing, record ids and the in-memory index of kept contents.
//!
//! Hashing is per article and runs in parallel with the stages. [`MemoryIndex`] holds a run's
//! kept contents; with a nightly state, the state's table of every kept article takes its place
//! (`state::RunBatch`).

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use sha2::{Digest, Sha256};

/// SHA-256 of an article's cleaned text.
pub type ContentHash = [u8; 32];

pub fn hash_text(text: &str) -> ContentHash {
    Sha256::digest(text.as_bytes()).into()
}

/// Lower-case hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 0xf)] as char);
    }
    out
}

/// A record's id: the first 64 bits of SHA-256 over its source and content hash, as 16 hex digits.
///
/// Stable (the same file with the same content gets the same id on every run and machine) and
/// unique in practice: the source alone is unique within a run, and folding in the content keeps
/// ids apart across nightly runs when a path is re-scraped with new text. Sixty-four bits keep the
/// dedup set small; a collision needs about four billion records to reach even odds.
pub fn record_id(source: &str, content: &ContentHash) -> RecordId {
    let mut hasher = Sha256::new();
    hasher.update(source.as_bytes());
    hasher.update([0]);
    hasher.update(content);
    let digest = hasher.finalize();
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    RecordId(u64::from_be_bytes(first))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RecordId(pub u64);

impl std::fmt::Display for RecordId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:016x}", self.0)
    }
}

/// The in-memory index: 24 bytes of key and value per kept article.
///
/// Keys are the first 128 bits of the SHA-256, which keeps the set at a few dozen bytes per kept
/// article while a false match stays beyond reach (about 10^-20 at a billion articles).
#[derive(Debug, Default)]
pub struct MemoryIndex {
    kept: HashMap<[u8; 16], RecordId, BuildHasherDefault<PrefixHasher>>,
}

impl MemoryIndex {
    pub fn new() -> MemoryIndex {
        MemoryIndex::default()
    }

    /// How many distinct contents are known.
    pub fn len(&self) -> usize {
        self.kept.len()
    }

    pub fn is_empty(&self) -> bool {
        self.kept.is_empty()
    }

    /// The kept record with this content, if any.
    pub fn get(&self, content: &ContentHash) -> Option<RecordId> {
        self.kept.get(&Self::key(content)).copied()
    }

    /// Records `content` as standing for the kept record `id` (its own, or the kept twin of a
    /// near-duplicate, so that a later exact copy points at a record that is in the output).
    pub fn insert(&mut self, content: &ContentHash, id: RecordId) {
        self.kept.insert(Self::key(content), id);
    }

    fn key(content: &ContentHash) -> [u8; 16] {
        let mut key = [0u8; 16];
        key.copy_from_slice(&content[..16]);
        key
    }
}

/// Keys are already uniformly distributed cryptographic hashes: hashing them again (SipHash, as
/// `HashMap` does by default) would only cost time. Their first eight bytes are the hash.
#[derive(Debug, Default, Clone, Copy)]
pub struct PrefixHasher(u64);

impl Hasher for PrefixHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // The length prefix `Hash for [u8; 16]` writes first is the same for every key, so
        // folding it in changes nothing about the spread.
        for (i, &b) in bytes.iter().take(8).enumerate() {
            self.0 ^= u64::from(b) << (8 * i);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_hex_matches_a_known_digest() {
        assert_eq!(
            hex(&hash_text("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn first_content_is_kept_and_later_ones_point_at_it() {
        let mut index = MemoryIndex::new();
        let a = hash_text("a");
        let first = record_id("x/1.txt", &a);
        assert_eq!(index.get(&a), None);
        index.insert(&a, first);
        assert_eq!(index.get(&a), Some(first));
        assert_eq!(index.get(&hash_text("b")), None);
        assert_eq!(index.len(), 1);
    }

    #[test]
    fn ids_differ_by_source_and_by_content() {
        let a = hash_text("a");
        assert_ne!(record_id("1", &a), record_id("2", &a));
        assert_ne!(record_id("1", &a), record_id("1", &hash_text("b")));
        assert_eq!(record_id("1", &a).to_string().len(), 16);
    }
}

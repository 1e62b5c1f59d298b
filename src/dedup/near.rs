//! Near-duplicates: MinHash signatures over word shingles, found through LSH bands.
//!
//! Re-scrapes are often not byte-identical: a caption changed, a paragraph was updated, a
//! tracking line was added. Exact hashing misses them, so with `[dedup] near = true` every kept
//! article's text gets a MinHash signature (`bands × rows` minimums over its word shingles,
//! computed on the workers, in parallel), and the signature's bands are looked up among the
//! articles kept before it. An article whose band matches a kept one's, and whose signatures agree
//! on at least `near_threshold` of their values (the estimated Jaccard similarity of the two
//! shingle sets), is a near-duplicate of the first such kept article.
//!
//! Decisions run in sorted order on the writing thread, against kept articles only, so the kept
//! article of a cluster is the first in sorted order for any thread count. The defaults (5-word
//! shingles, 20 bands of 5 rows, threshold 0.7) were chosen on `benches/near_pairs.py`, where
//! they find 96% of labelled near-copies against datatrove's 14 × 8 at 0.8 finding 71%, with no
//! false match for either.

use rustc_hash::FxHashMap;

use crate::dedup::RecordId;

/// `[dedup]`'s near-duplicate settings, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct NearPlan {
    pub shingle_words: usize,
    pub bands: usize,
    pub rows: usize,
    /// Minimum estimated Jaccard similarity, in (0, 1].
    pub threshold: f64,
}

/// A text's MinHash: `bands × rows` values.
pub type Signature = Box<[u32]>;

/// Splits the text into lower-cased words (runs of letters and digits), shingles them, and
/// makes a signature of `bands × rows` values by one-permutation hashing: each shingle's hash
/// picks a bin and competes for that bin's minimum, so a shingle costs one hash instead of one
/// per value (112 by default), and the share of equal bins still estimates the Jaccard
/// similarity (Li, Owen and Zhang, 2012). Bins no shingle reached (short texts) borrow from the
/// next filled bin, salted by the distance (rotation densification, Shrivastava and Li, 2014).
pub fn signature(plan: &NearPlan, text: &str) -> Signature {
    let bins = plan.bands * plan.rows;
    let words = word_hashes(text);
    let mut minimums = vec![u32::MAX; bins];
    let mut filled = vec![false; bins];
    let width = plan.shingle_words.min(words.len()).max(1);
    for window in words.windows(width) {
        let hash = mix(window.iter().fold(SEED, |h, &w| {
            (h ^ w).wrapping_mul(0x9e37_79b9_7f4a_7c15).rotate_left(29)
        }));
        // The high half picks the bin (a multiply-shift range reduction), the low half competes.
        let bin = (((hash >> 32) * bins as u64) >> 32) as usize;
        let value = hash as u32;
        if value <= minimums[bin] {
            minimums[bin] = value;
        }
        filled[bin] = true;
    }
    if filled.iter().any(|&f| f) {
        let first_filled = filled.iter().position(|&f| f).unwrap_or(0);
        // Walk backwards around the circle from a filled bin, so each empty bin takes the
        // nearest filled bin to its right.
        let mut nearest = (minimums[first_filled], first_filled);
        for step in 1..=bins {
            let bin = (first_filled + bins - step) % bins;
            if filled[bin] {
                nearest = (minimums[bin], bin);
            } else {
                let distance = (nearest.1 + bins - bin) % bins;
                minimums[bin] = nearest.0 ^ (distance as u32).wrapping_mul(0x9e37_79b9);
            }
        }
    }
    minimums.into_boxed_slice()
}

/// A hash of every lower-cased word, in order, without allocating the words: one pass over the
/// characters. Outside ASCII, Unicode tables are slow and most text has no case (Hangul, CJK),
/// so a non-ASCII character is a word character unless it is a space or punctuation by its
/// block, and only scripts with case are lower-cased.
fn word_hashes(text: &str) -> Vec<u64> {
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let mut words = Vec::with_capacity(text.len() / 6);
    let mut hash = SEED;
    let mut in_word = false;
    for c in text.chars() {
        let word_char = if c.is_ascii() {
            c.is_ascii_alphanumeric()
        } else {
            !c.is_whitespace() && !is_punctuation_block(c)
        };
        if word_char {
            if c.is_ascii() {
                hash = (hash ^ u64::from(c.to_ascii_lowercase() as u8)).wrapping_mul(PRIME);
            } else if has_case(c) {
                for lower in c.to_lowercase() {
                    hash = (hash ^ u64::from(lower)).wrapping_mul(PRIME);
                }
            } else {
                hash = (hash ^ u64::from(c)).wrapping_mul(PRIME);
            }
            in_word = true;
        } else if in_word {
            words.push(mix(hash));
            hash = SEED;
            in_word = false;
        }
    }
    if in_word {
        words.push(mix(hash));
    }
    words
}

/// Latin-1 symbols, general punctuation, CJK punctuation and fullwidth ASCII punctuation.
fn is_punctuation_block(c: char) -> bool {
    matches!(c as u32,
        0x80..=0xBF | 0xD7 | 0xF7 | 0x2000..=0x206F | 0x3000..=0x303F
        | 0xFF00..=0xFF0F | 0xFF1A..=0xFF20 | 0xFF3B..=0xFF40 | 0xFF5B..=0xFF65)
}

/// Scripts with upper and lower case: Latin, Greek, Cyrillic, Armenian and their extensions.
fn has_case(c: char) -> bool {
    matches!(c as u32, 0xC0..=0x058F | 0x1E00..=0x1FFF | 0x2C00..=0x2D2F | 0xA640..=0xA7FF)
}

/// Shingle hashes start from this, so that signatures are the same on every machine and in
/// every version that keeps it (a nightly state stores them).
const SEED: u64 = 0x5c0a_2d0c_5eed_0001;

/// MurmurHash3's finaliser: spreads the folded word hashes over all 64 bits.
fn mix(mut h: u64) -> u64 {
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

/// One key per band: a hash of the band's rows, with the band number folded in.
pub fn band_keys(plan: &NearPlan, signature: &[u32]) -> Vec<u64> {
    signature
        .chunks(plan.rows)
        .enumerate()
        .map(|(band, rows)| {
            let mut bytes = Vec::with_capacity(4 * rows.len() + 2);
            bytes.extend_from_slice(&(band as u16).to_le_bytes());
            for row in rows {
                bytes.extend_from_slice(&row.to_le_bytes());
            }
            xxhash_rust::xxh3::xxh3_64(&bytes)
        })
        .collect()
}

/// The share of equal values: the estimated Jaccard similarity of the two shingle sets.
pub fn similarity(a: &[u32], b: &[u32]) -> f64 {
    let equal = a.iter().zip(b).filter(|(x, y)| x == y).count();
    equal as f64 / a.len().max(1) as f64
}

/// Similarities are written with three decimals, so that `duplicates.jsonl` does not depend on
/// float printing.
pub fn rounded(similarity: f64) -> f64 {
    (similarity * 1000.0).round() / 1000.0
}

/// Kept articles' signatures and band keys, in memory, for a run without state.
#[derive(Debug, Default)]
pub struct MemoryNear {
    /// Band key -> the first kept article with it.
    bands: FxHashMap<u64, RecordId>,
    signatures: FxHashMap<RecordId, Signature>,
}

impl MemoryNear {
    /// The first kept article, in order of keeping, that shares a band with `signature` and is
    /// similar enough, with the similarity.
    pub fn find(&self, plan: &NearPlan, signature: &[u32]) -> Option<(RecordId, f64)> {
        let mut best: Option<(RecordId, f64)> = None;
        for key in band_keys(plan, signature) {
            let Some(&candidate) = self.bands.get(&key) else {
                continue;
            };
            let Some(theirs) = self.signatures.get(&candidate) else {
                continue;
            };
            let similar = similarity(signature, theirs);
            if similar >= plan.threshold && best.is_none_or(|(_, s)| similar > s) {
                best = Some((candidate, similar));
            }
        }
        best
    }

    pub fn insert(&mut self, plan: &NearPlan, id: RecordId, signature: Signature) {
        for key in band_keys(plan, &signature) {
            self.bands.entry(key).or_insert(id);
        }
        self.signatures.insert(id, signature);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan() -> NearPlan {
        NearPlan {
            shingle_words: 5,
            bands: 14,
            rows: 8,
            threshold: 0.8,
        }
    }

    fn article(paragraphs: &[&str]) -> String {
        paragraphs.join("\n\n")
    }

    const BODY: [&str; 4] = [
        "The Bank of Korea kept its policy rate at 3.25 percent on Wednesday, as markets had expected, but signalled that a cut could come early next year as inflation eases.",
        "Governor Rhee Chang-yong told reporters that price growth had slowed enough to allow the board to consider easing, though household debt remained a concern for policymakers.",
        "The won weakened slightly against the dollar after the announcement, while government bond yields fell across maturities as traders priced in a cut in the first quarter.",
        "Economists said the decision reflected a balance between supporting growth, which has slowed as exports cooled, and keeping a lid on a housing market that has rebounded in Seoul.",
    ];

    #[test]
    fn an_edited_copy_is_near_and_a_different_story_is_not() {
        let plan = plan();
        let original = signature(&plan, &article(&BODY));
        let mut edited = BODY.map(str::to_string);
        edited[2] = edited[2].replace("slightly", "a little");
        let edited = signature(&plan, &edited.join("\n\n"));
        let different = signature(
            &plan,
            "Ferries between Mokpo and Jeju resumed on Wednesday after two days of high winds, the operator said, and more sailings were added for the weekend.",
        );
        assert!(similarity(&original, &edited) >= 0.8);
        assert!(similarity(&original, &different) < 0.1);

        let mut index = MemoryNear::default();
        index.insert(&plan, RecordId(1), original);
        let (id, similar) = index.find(&plan, &edited).unwrap();
        assert_eq!(id, RecordId(1));
        assert!(similar >= 0.8);
        assert_eq!(index.find(&plan, &different), None);
    }

    #[test]
    fn signatures_are_stable_across_runs_and_machines() {
        let plan = plan();
        let first = signature(&plan, "one two three four five six");
        assert_eq!(first.len(), 112);
        assert_eq!(first, signature(&plan, "One, two; three four five six."));
        // A fixed value guards the hash family: changing it would orphan every stored
        // signature in a nightly state.
        assert_eq!(first[..3], [2332464523, 701307730, 1337295129]);
        // Case and punctuation, in any script, do not change a signature.
        assert_eq!(
            signature(&plan, "ÉTÉ À PARIS, «Привет» мир — 서울 뉴스"),
            signature(&plan, "été à paris привет мир 서울 뉴스")
        );
    }

    #[test]
    fn a_text_shorter_than_a_shingle_is_one_shingle() {
        let plan = plan();
        let short = signature(&plan, "Breaking news");
        assert!(short.iter().all(|&v| v < u32::MAX));
    }
}

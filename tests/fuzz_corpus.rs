//! Replays the fuzzing corpus (`fuzz/corpus/<target>/*`) through the same checks the fuzz
//! targets run (`scour::fuzzing`), on stable: every input the fuzzers found interesting stays
//! guarded by CI without a nightly toolchain.

use super::*;

#[test]
fn the_fuzz_corpus_replays_clean_through_every_target() {
    let ran = scour::fuzzing::replay_corpus(&repo().join("fuzz/corpus"));
    assert!(ran > 0, "no corpus under fuzz/corpus");
}

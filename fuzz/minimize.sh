#!/usr/bin/env bash
# Shrinks the committed corpus of each TARGET to a smallest set with the same coverage
# (libFuzzer's -set_cover_merge), keeping every named input (the finds, the hand-written seeds:
# any file whose name is not a 40-digit hash). `cargo test` replays the whole corpus, so its
# size is CI time.
#
#   bash fuzz/minimize.sh TARGET...
set -eu
cd "$(dirname "$0")"
for t in "$@"; do
  bin=target/x86_64-unknown-linux-gnu/release/$t
  [ -x "$bin" ] || cargo +nightly fuzz build -O "$t"
  kept=$(mktemp -d)
  "$bin" -set_cover_merge=1 "$kept" corpus/"$t" >"../target/fuzz-logs/$t.minimize.log" 2>&1
  before=$(ls corpus/"$t" | wc -l)
  find corpus/"$t" -type f -regextype egrep -regex '.*/[0-9a-f]{40}' -delete
  # libFuzzer names an input by its SHA-1: a named input it kept is already there.
  for named in corpus/"$t"/*; do rm -f "$kept/$(sha1sum <"$named" | cut -c1-40)"; done
  cp -n "$kept"/* corpus/"$t"/ 2>/dev/null || true
  rm -rf "$kept"
  echo "$t: $before -> $(ls corpus/"$t" | wc -l) inputs"
done

#!/usr/bin/env bash
# Runs every fuzz target for SECONDS (default 600) one after another, on one core, each from a
# scratch copy of its committed corpus; then merges into fuzz/corpus/<target> only the inputs that
# add coverage, so the corpus `cargo test` replays stays small. Logs and libFuzzer's final stats
# go to target/fuzz-logs/<target>.log; finds (crash-*, oom-*, timeout-*) to fuzz/artifacts/<target>/.
#
#   bash fuzz/run-all.sh [SECONDS] [TARGET...]
set -u
cd "$(dirname "$0")"
seconds=${1:-600}
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(markup decode decompress json_dump warc http_payload header captions config file html)
fi
logs=../target/fuzz-logs
mkdir -p "$logs"
for t in "${targets[@]}"; do
  work=../target/fuzz-work/$t
  mkdir -p "$work" "artifacts/$t" "corpus/$t"
  cp -n corpus/"$t"/* "$work"/ 2>/dev/null || true
  # Built just before its run, so a fix made while earlier targets ran is what gets fuzzed.
  cargo +nightly fuzz build -O "$t" >"$logs/$t.build.log" 2>&1 || echo "build of $t failed; using the last binary" >>"$logs/$t.log"
  bin=target/x86_64-unknown-linux-gnu/release/$t
  echo "== $t: $(date -u +%FT%TZ), $seconds s" >>"$logs/$t.log"
  "$bin" "$work" -max_total_time="$seconds" -timeout=60 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="artifacts/$t/" >>"$logs/$t.log" 2>&1
  echo "== $t: exit $? at $(date -u +%FT%TZ)" >>"$logs/$t.log"
  "$bin" -merge=1 corpus/"$t" "$work" >>"$logs/$t.merge.log" 2>&1
done

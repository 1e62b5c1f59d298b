#!/usr/bin/env python3
"""Scores a scour run over the plain-text generator's stories, rule by rule.

usage: benches/text_rules.py STORIES_DIR OUT_DIR [collapse|extract]

STORIES_DIR is what the generator (tests/textgen.rs) wrote with
  SCOUR_TEXTGEN_OUT=STORIES_DIR SCOUR_TEXTGEN_SEED=2026 SCOUR_TEXTGEN_COUNT=4000 \
      cargo test --test integration writes_the_generated -- --ignored
(`in/` and `expected.jsonl`); OUT_DIR a run over STORIES_DIR/in, e.g.
  scour run --input STORIES_DIR/in --output OUT_DIR --config C
with `[header] preset = "auto"` (and `[captions] mode = "extract"` for extract). Prints, per
rule, how many stories pass: no wrap left inside a sentence and paragraphs kept apart (wire),
text exactly as expected, no body line lost, no control characters, title, encoding, not
gutted (at least half of the expected text left). Any build can be scored, so a change's
effect is one diff of two runs.
"""
import collections
import json
import sys


def main():
    stories, out = sys.argv[1], sys.argv[2]
    mode = sys.argv[3] if len(sys.argv) > 3 else "collapse"
    expected = {}
    with open(f"{stories}/expected.jsonl", encoding="utf-8") as f:
        for line in f:
            record = json.loads(line)
            expected[record["source"]] = record
    got = {}
    with open(f"{out}/clean.jsonl", encoding="utf-8") as f:
        for line in f:
            record = json.loads(line)
            got[record["source"]] = record
    tally = collections.defaultdict(lambda: [0, 0])

    def check(rule, ok):
        tally[rule][1] += 1
        tally[rule][0] += bool(ok)

    lost_lines = 0
    for source, e in expected.items():
        r = got.get(source)
        want = e["text"] if mode == "collapse" else e["extract_text"]
        check("kept (not a duplicate or reject)", r is not None)
        if r is None:
            continue
        text = r["text"]
        if "wire" in e["classes"]:
            check("wire: no wrap inside a sentence", all("\n" not in p for p in text.split("\n\n")))
            check("wire: paragraphs kept apart", text.count("\n\n") >= want.count("\n\n"))
        check("text exactly as expected", text == want)
        lost = [x for x in set(want.split("\n")) if x and text.count(x) < want.count(x)]
        lost_lines += len(lost)
        check("no body line lost", not lost)
        controls = any((ord(c) < 32 and c != "\n") or 127 <= ord(c) < 160 for c in text)
        check("no control characters", not controls and "&#" not in text)
        check("title", r["title"] == e["title"])
        check("encoding", r["encoding"] == e["encoding"] and ("pound" not in e["classes"] or "£" in text))
        check("not gutted", 2 * len(text) >= len(want))
    for rule, (ok, n) in sorted(tally.items()):
        print(f"{rule:36s} {ok:5d} / {n:5d}  {100 * ok / n:6.1f}%")
    print(f"distinct expected lines lost: {lost_lines}")


if __name__ == "__main__":
    main()

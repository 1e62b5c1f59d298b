#!/usr/bin/env python3
"""Article-extraction quality on ScrapingHub's Article Extraction Benchmark (AEB).

usage: benches/aeb.py [--aeb DIR] [--mode collapse|extract|keep ...]

Runs `scour run` over the benchmark's 181 HTML pages (../shared/aeb/html/*.html.gz, MIT licence,
decompressed into target/aeb/html) and scores each record's `text` against the hand-written gold
`articleBody` (../shared/aeb/ground-truth.json) with the benchmark's published metric: word
4-gram shingles (tokens are runs of word characters), true/false positives and negatives
counted per page and normalised by the page's total, precision and recall averaged over pages,
F1 of the two means. A page scour rejects counts as an empty prediction; a duplicate page
is scored with its kept twin's text.
"""
import argparse
import gzip
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORD = re.compile(r"\w+", re.UNICODE)


def shingles(text, n=4):
    tokens = WORD.findall(text or "")
    if not tokens:
        return Counter()
    if len(tokens) < n:
        return Counter([tuple(tokens)])
    return Counter(tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1))


def page_scores(gold, predicted):
    """Normalised (tp, fp, fn) of one page."""
    g, p = shingles(gold), shingles(predicted)
    tp = sum((g & p).values())
    fp = sum((p - g).values())
    fn = sum((g - p).values())
    total = tp + fp + fn
    return (tp / total, fp / total, fn / total) if total else (0.0, 0.0, 0.0)


def precision(tp, fp, fn):
    if fp == 0 and fn == 0:
        return 1.0
    return tp / (tp + fp) if tp + fp else 0.0


def recall(tp, fp, fn):
    if fp == 0 and fn == 0:
        return 1.0
    return tp / (tp + fn) if tp + fn else 0.0


def score(gold_by_key, predicted_by_key):
    pages = [page_scores(gold_by_key[k].get("articleBody", ""), predicted_by_key.get(k, ""))
             for k in gold_by_key]
    p = [precision(*s) for s in pages if s[0] + s[1] > 0]
    r = [recall(*s) for s in pages if s[0] + s[2] > 0]
    mean_p, mean_r = sum(p) / len(p), sum(r) / len(r)
    return mean_p, mean_r, 2 * mean_p * mean_r / (mean_p + mean_r)


def run_scour(scour, pages_dir, mode):
    with tempfile.TemporaryDirectory() as work:
        config = os.path.join(work, "aeb.toml")
        with open(config, "w") as f:
            f.write(f'[captions]\nmode = "{mode}"\n')
        out = os.path.join(work, "out")
        subprocess.run([scour, "run", "--config", config, "--input", pages_dir, "--output", out,
                        "--no-progress"], check=True, stderr=subprocess.DEVNULL)
        records = [json.loads(line) for line in open(os.path.join(out, "clean.jsonl"))]
        duplicates = [json.loads(line) for line in open(os.path.join(out, "duplicates.jsonl"))]
        rejects = [json.loads(line) for line in open(os.path.join(out, "rejects.jsonl"))]
    by_id = {r["id"]: r for r in records}
    text = {r["source"]: r["text"] for r in records}
    for d in duplicates:
        text[d["source"]] = by_id[d["duplicate_of"]]["text"]
    captions_in_text = sum(
        sum(1 for c in r["captions"] if c in r["text"].split("\n")) for r in records)
    return {os.path.splitext(s)[0]: t for s, t in text.items()}, len(rejects), captions_in_text


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--aeb", default=os.path.join(ROOT, "..", "shared", "aeb"))
    ap.add_argument("--mode", action="append", choices=["collapse", "extract", "keep"])
    args = ap.parse_args()
    modes = args.mode or ["collapse", "extract"]

    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    scour = os.path.join(ROOT, "target", "release", "scour")
    with open(os.path.join(args.aeb, "ground-truth.json"), encoding="utf-8") as f:
        gold = json.load(f)
    pages_dir = os.path.join(ROOT, "target", "aeb", "html")
    shutil.rmtree(pages_dir, ignore_errors=True)
    os.makedirs(pages_dir)
    html_dir = os.path.join(args.aeb, "html")
    for name in sorted(os.listdir(html_dir)):
        if name.endswith(".html.gz"):
            with gzip.open(os.path.join(html_dir, name)) as src:
                with open(os.path.join(pages_dir, name[:-3]), "wb") as dst:
                    shutil.copyfileobj(src, dst)

    print(f"{len(gold)} pages, gold from {os.path.relpath(args.aeb)}/ground-truth.json")
    print(f"{'captions mode':<16} {'precision':>9} {'recall':>7} {'F1':>6} {'rejected':>9} "
          f"{'caption lines left in text':>27}")
    for mode in modes:
        predicted, rejected, captions_left = run_scour(scour, pages_dir, mode)
        missing = set(gold) - set(predicted)
        p, r, f1 = score(gold, predicted)
        print(f"{mode:<16} {p:9.3f} {r:7.3f} {f1:6.3f} {rejected:9d} {captions_left:27d}")
        if missing and len(missing) != rejected:
            print(f"  note: {len(missing)} pages without a record", file=sys.stderr)


if __name__ == "__main__":
    main()

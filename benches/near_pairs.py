#!/usr/bin/env python3
"""Precision and recall of near-duplicate detection on a labelled set of article pairs.

usage: benches/near_pairs.py [--pairs-per-kind N] [--config FILE]

The set is built here, reproducibly, from the benchmark corpus generator
(../shared/bench/make_corpus.py, real news sentences): each pair is a directory with `a.txt` and
`b.txt`, and a label saying whether `b` is a near-duplicate of `a`.

Positives (a re-scrape or revision of the same article):
  edit       a few words changed (about 3%), as a copy-editor's fix;
  caption    the repeated photo captions collapsed, one caption reworded, a credit added;
  update     a paragraph appended, as a developing story is updated;
  rewrite    one paragraph of the body replaced by another (a larger revision).
Negatives (different articles that must stay apart):
  same_story another article that shares two paragraphs of `a` (two outlets running the same
             agency quotes around their own reporting);
  unrelated  another article.

One `scour run` with `[dedup] near = true` goes over all pairs; a pair counts as detected when
`b` is in duplicates.jsonl pointing at `a`'s id. The script also prints the true Jaccard
similarity of the two texts' 5-word shingles, so the threshold can be judged.
"""
import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
KINDS = {"edit": True, "caption": True, "update": True, "rewrite": True,
         "same_story": False, "unrelated": False}


def read_articles(corpus):
    """(header, paragraphs) of each distinct article the generator wrote."""
    seen, articles = set(), []
    for folder, _, names in sorted(os.walk(corpus)):
        for name in sorted(names):
            raw = open(os.path.join(folder, name), encoding="utf-8-sig").read().replace("\r\n", "\n")
            header, _, body = raw.partition("\n")
            paragraphs = [p for p in body.split("\n") if p.strip()]
            key = "\n".join(paragraphs)
            if len(paragraphs) >= 4 and key not in seen:
                seen.add(key)
                articles.append((header, paragraphs))
    return articles


def body_paragraphs(paragraphs):
    """The paragraphs that are not captions (captions end with a credit and are short)."""
    return [p for p in paragraphs if len(p) > 160]


def make_pair(kind, rng, a, others):
    header, paragraphs = a
    if kind == "edit":
        words = "\n".join(paragraphs).split(" ")
        for _ in range(max(1, len(words) // 33)):
            words[rng.randrange(len(words))] = rng.choice(["reportedly", "also", "now", "about", "said"])
        b = " ".join(words).split("\n")
    elif kind == "caption":
        captions = [p for p in paragraphs if p not in body_paragraphs(paragraphs)]
        b, kept = [], set()
        for p in paragraphs:
            if p in captions:
                if p in kept:
                    continue
                kept.add(p)
                if len(kept) == 1:
                    p = p.replace(".", ", local time.", 1) + " (Photo: staff)"
            b.append(p)
    elif kind == "update":
        extra = rng.choice(body_paragraphs(rng.choice(others)[1]) or ["Update: no further details."])
        b = paragraphs + ["Update: " + extra]
    elif kind == "rewrite":
        body = body_paragraphs(paragraphs)
        target = rng.choice(body)
        replacement = rng.choice(body_paragraphs(rng.choice(others)[1]) or [target])
        b = [replacement if p == target else p for p in paragraphs]
    elif kind == "same_story":
        other = rng.choice(others)
        body = body_paragraphs(paragraphs) or paragraphs
        quotes = rng.sample(body, min(2, len(body)))
        b = other[1][:2] + quotes + other[1][2:]
        header = other[0]
    else:
        header, b = rng.choice(others)
    return header + "\n" + "\n".join(paragraphs), header + "\n" + "\n".join(b)


def shingles(text, n=5):
    words = re.findall(r"\w+", text.lower())
    return {tuple(words[i:i + n]) for i in range(max(1, len(words) - n + 1))}


def jaccard(a, b):
    sa, sb = shingles(a), shingles(b)
    return len(sa & sb) / max(1, len(sa | sb))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pairs-per-kind", type=int, default=100)
    ap.add_argument("--config", help="a pipeline.toml to use instead of `[dedup] near = true`")
    args = ap.parse_args()
    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    scour = os.path.join(ROOT, "target", "release", "scour")
    work = os.path.join(ROOT, "target", "near")
    shutil.rmtree(work, ignore_errors=True)
    corpus = os.path.join(work, "corpus")
    subprocess.run([sys.executable, os.path.join(ROOT, "..", "shared", "bench", "make_corpus.py"),
                    corpus, "--articles", str(args.pairs_per_kind * len(KINDS) * 3)],
                   check=True, stdout=subprocess.DEVNULL)
    articles = read_articles(corpus)
    rng = random.Random(20261129)
    rng.shuffle(articles)
    pairs_dir = os.path.join(work, "pairs")
    labels = []
    n = 0
    for kind, positive in KINDS.items():
        for _ in range(args.pairs_per_kind):
            a = articles[n]
            others = articles[len(articles) // 2:]
            text_a, text_b = make_pair(kind, rng, a, others)
            folder = os.path.join(pairs_dir, f"{n:04d}-{kind}")
            os.makedirs(folder)
            open(os.path.join(folder, "a.txt"), "w", encoding="utf-8").write(text_a)
            open(os.path.join(folder, "b.txt"), "w", encoding="utf-8").write(text_b)
            labels.append((f"{n:04d}-{kind}", kind, positive, jaccard(text_a, text_b)))
            n += 1

    with tempfile.TemporaryDirectory() as tmp:
        config = args.config
        if not config:
            config = os.path.join(tmp, "near.toml")
            open(config, "w").write("[dedup]\nnear = true\n")
        out = os.path.join(tmp, "out")
        subprocess.run([scour, "run", "--config", config, "--input", pairs_dir, "--output", out,
                        "--no-progress"], check=True, stderr=subprocess.DEVNULL)
        clean = [json.loads(line) for line in open(os.path.join(out, "clean.jsonl"))]
        duplicates = [json.loads(line) for line in open(os.path.join(out, "duplicates.jsonl"))]
    ids = {r["source"]: r["id"] for r in clean}
    pointed = {d["source"]: d["duplicate_of"] for d in duplicates}

    print(f"{len(labels)} labelled pairs from make_corpus.py; scour [dedup] near = true")
    print(f"{'kind':<11} {'label':<9} {'pairs':>5} {'detected':>8} {'jaccard (min-median-max)':>26}")
    tp = fp = fn = 0
    for kind, positive in KINDS.items():
        rows = [(p, j) for p, k, _, j in labels if k == kind]
        detected = sum(1 for p, _ in rows
                       if ids.get(f"{p}/a.txt") and pointed.get(f"{p}/b.txt") == ids[f"{p}/a.txt"])
        js = sorted(j for _, j in rows)
        print(f"{kind:<11} {'near' if positive else 'distinct':<9} {len(rows):5d} {detected:8d} "
              f"{js[0]:8.2f} {js[len(js) // 2]:8.2f} {js[-1]:8.2f}")
        if positive:
            tp += detected
            fn += len(rows) - detected
        else:
            fp += detected
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    print(f"precision {precision:.3f}  recall {recall:.3f}  (tp {tp}, fp {fp}, fn {fn})")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Article-extraction quality on every public gold set, scour beside trafilatura 2.3.1.

usage: benches/extraction.py SET [--mode collapse|extract|keep] [--no-trafilatura] [--list]
  SET: aeb, fundus-dev, trafilatura-eval-dev, dragnet, readability, cleanportaleval, or `all`
  (every set, then the mean F1 of each extractor across them).

The gold sets live in ../shared/aeb/ and ../shared/extraction/<set>/ (each with its licence in
SOURCE.md; ../shared/extraction/README.md says how each is scored). Every page is decompressed
into a temporary directory per set and scour's release binary runs once over it (`scour run`, in
extract caption mode unless --mode says otherwise), so the whole set is one batch.

Gold sets use ScrapingHub's article-extraction-benchmark metric on `articleBody`: tokens are
`\\w+`, word 4-gram shingles counted as multisets, per page TP/FP/FN normalised by their sum,
precision and recall averaged over pages, F1 of the two means; a page without output scores
recall 0 and is left out of the precision mean. The snippet set (trafilatura-eval-dev) is scored
as trafilatura's comparison_small.py does: each `with` snippet contained in the output is a TP,
else an FN; each `without` snippet contained is an FP; precision, recall and F1 over the totals.

trafilatura (`pip install trafilatura==2.3.1 lxml_html_clean`) gets each page's bytes with its
default settings, exactly as scour does; its outputs are cached in
target/extraction/cache/<set>.json (it is slow; computed once). The same metric code scores both.

Beside the F1 it reports, per extractor: pages without output; pages without output where the
other extractor has output; and "credit lines left" (lines that look like a photo caption or
credit by a rule independent of scour's caption detector, that the gold text does not have; on
the snippet set, lines not in any `with` snippet).
"""
import argparse
import gzip
import json
import os
import re
import subprocess
import sys
import tempfile
from collections import Counter

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.join(ROOT, "..", "shared")
CACHE = os.path.join(ROOT, "target", "extraction", "cache")
GOLD_SETS = ["aeb", "fundus-dev", "dragnet", "readability", "cleanportaleval"]
SNIPPET_SETS = ["trafilatura-eval-dev"]
ALL_SETS = ["aeb", "fundus-dev", "trafilatura-eval-dev", "dragnet", "readability",
            "cleanportaleval"]

WORD = re.compile(r"\w+", re.UNICODE)
AGENCIES = (r"getty images|getty|ap photo|afp|reuters|epa|shutterstock|alamy|bloomberg"
            r"|associated press|press association|pa wire|rex features|newscom|yonhap|xinhua"
            r"|istock|dpa|imago|picture alliance")
CREDIT = re.compile(
    r"^(?:photo|photograph|image|picture|illustration|cartoon|credit|video)s?"
    r"(?: by| credit| courtesy)?\s*[:|]"
    r"|^(?:photo|photograph|image|picture|illustration|cartoon|artwork)s?\s+(?:by|courtesy)\b"
    r"|\b(?:photo|photograph|image|picture)s?\s*(?:by|credit|courtesy)?\s*[:|/]"
    r"|\bcourtesy of\b[^.]{0,60}$"
    r"|©|\((?:[^()]*[/,;:] ?)?(?:" + AGENCIES + r")[^()]*\)\s*$"
    r"|(?:photo|photograph|image)s?\s*/\s*\w"
    r"|[.,;:/|]\s*(?:" + AGENCIES + r")\s*\.?\s*$",
    re.IGNORECASE)


def credit_lines(text, kept_lines):
    """Caption or credit lines in `text` that the gold does not keep."""
    return sum(1 for line in (text or "").splitlines()
               if 0 < len(line.strip()) <= 300 and CREDIT.search(line.strip())
               and line.strip() not in kept_lines)


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


def score_gold(gold, predicted):
    """(precision, recall, F1, per-page F1) with the AEB metric."""
    pages = {k: page_scores(g.get("articleBody", ""), predicted.get(k, "")) for k, g in gold.items()}
    p = [precision(*s) for s in pages.values() if s[0] + s[1] > 0]
    r = [recall(*s) for s in pages.values() if s[0] + s[2] > 0]
    mean_p = sum(p) / len(p) if p else 0.0
    mean_r = sum(r) / len(r) if r else 0.0
    f1 = 2 * mean_p * mean_r / (mean_p + mean_r) if mean_p + mean_r else 0.0
    per_page = {}
    for k, s in pages.items():
        pp, rr = precision(*s), recall(*s)
        per_page[k] = 2 * pp * rr / (pp + rr) if pp + rr else 0.0
    return mean_p, mean_r, f1, per_page


def score_snippets(snippets, predicted):
    """(precision, recall, F1, per-page F1) with trafilatura's snippet metric."""
    tp = fp = fn = 0
    per_page = {}
    for k, entry in snippets.items():
        text = predicted.get(k, "")
        ptp = pfp = pfn = 0
        for s in entry.get("with", []):
            if text and s in text:
                ptp += 1
            else:
                pfn += 1
        for s in entry.get("without", []):
            if text and s in text:
                pfp += 1
        tp, fp, fn = tp + ptp, fp + pfp, fn + pfn
        per_page[k] = 2 * ptp / (2 * ptp + pfp + pfn) if ptp + pfp + pfn else 1.0
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return p, r, (2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0), per_page


def load_set(name):
    """(pages: key -> (file name, bytes), truth, is_snippet_set)."""
    if name == "aeb":
        base = os.path.join(SHARED, "aeb")
    else:
        base = os.path.join(SHARED, "extraction", name)
    pages = {}
    if name in SNIPPET_SETS:
        with open(os.path.join(base, "snippets.json"), encoding="utf-8") as f:
            truth = json.load(f)
        for key, entry in truth.items():
            path = os.path.join(base, "pages", entry["file"] + ".gz")
            with gzip.open(path) as src:
                pages[key] = (entry["file"], src.read())
        return pages, truth, True
    with open(os.path.join(base, "ground-truth.json"), encoding="utf-8") as f:
        truth = json.load(f)
    for key in truth:
        with gzip.open(os.path.join(base, "html", key + ".html.gz")) as src:
            pages[key] = (key + ".html", src.read())
    return pages, truth, False


def run_scour(scour, pages, mode):
    """scour's text for every page key, in one batch; pages it rejects are empty."""
    by_file = {file: key for key, (file, _) in pages.items()}
    with tempfile.TemporaryDirectory() as work:
        pages_dir = os.path.join(work, "pages")
        os.makedirs(pages_dir)
        for file, data in pages.values():
            with open(os.path.join(pages_dir, file), "wb") as f:
                f.write(data)
        config = os.path.join(work, "extraction.toml")
        with open(config, "w") as f:
            f.write(f'[captions]\nmode = "{mode}"\n')
        out = os.path.join(work, "out")
        subprocess.run([scour, "run", "--config", config, "--input", pages_dir, "--output", out,
                        "--no-progress"], check=True, stderr=subprocess.DEVNULL)

        def read(name):
            with open(os.path.join(out, name), encoding="utf-8") as f:
                return [json.loads(line) for line in f]
        records, duplicates = read("clean.jsonl"), read("duplicates.jsonl")
    by_id = {r["id"]: r for r in records}
    text = {r["source"]: r["text"] for r in records}
    for d in duplicates:
        text[d["source"]] = by_id[d["duplicate_of"]]["text"]
    return {by_file[s]: t for s, t in text.items() if s in by_file}


def run_trafilatura(name, pages):
    """trafilatura's text for every page key, cached per set."""
    import trafilatura
    path = os.path.join(CACHE, f"{name}-trafilatura-{trafilatura.__version__}.json")
    cached = {}
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            cached = json.load(f)
    missing = [k for k in pages if k not in cached]
    for i, key in enumerate(missing):
        try:
            cached[key] = trafilatura.extract(pages[key][1]) or ""
        except Exception as e:  # a crash on one page is an empty output, as for scour
            print(f"  trafilatura failed on {key}: {e}", file=sys.stderr)
            cached[key] = ""
        if i % 100 == 99:
            print(f"  trafilatura {name}: {i + 1}/{len(missing)}", file=sys.stderr)
    if missing:
        os.makedirs(CACHE, exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            json.dump(cached, f, ensure_ascii=False)
    return {k: cached[k] for k in pages}, f"trafilatura {trafilatura.__version__}"


def evaluate(name, scour, mode, with_trafilatura, list_pages):
    pages, truth, snippet = load_set(name)
    outputs = {f"scour ({mode})": run_scour(scour, pages, mode)}
    if with_trafilatura:
        text, label = run_trafilatura(name, pages)
        outputs[label] = text
    print(f"\n{name}: {len(pages)} pages" + (" (snippet metric)" if snippet else ""))
    print(f"{'extractor':<24} {'precision':>9} {'recall':>7} {'F1':>6} {'empty':>6} "
          f"{'empty, other has':>16} {'credit lines':>12}")
    results = {}
    for label, predicted in outputs.items():
        if snippet:
            p, r, f1, per_page = score_snippets(truth, predicted)
        else:
            p, r, f1, per_page = score_gold(truth, predicted)
        empty = sum(1 for k in pages if not predicted.get(k, "").strip())
        others = [o for lbl, o in outputs.items() if lbl != label]
        empty_other = sum(1 for k in pages if not predicted.get(k, "").strip()
                          and any(o.get(k, "").strip() for o in others))
        credits = 0
        for k in pages:
            if snippet:
                kept = {line.strip() for s in truth[k].get("with", []) for line in s.splitlines()}
                kept |= {line.strip() for line in predicted.get(k, "").splitlines()
                         if any(s in line for s in truth[k].get("with", []))}
            else:
                kept = {line.strip() for line in truth[k].get("articleBody", "").splitlines()}
            credits += credit_lines(predicted.get(k, ""), kept)
        print(f"{label:<24} {p:9.3f} {r:7.3f} {f1:6.3f} {empty:6d} {empty_other:16d} "
              f"{credits:12d}")
        results[label] = (f1, per_page, predicted)
    if list_pages and len(results) == 2:
        (a, (_, pa, ta)), (b, (_, pb, tb)) = results.items()
        worst = sorted(pages, key=lambda k: pa[k] - pb[k])[:list_pages]
        print(f"  pages where {a} is furthest behind {b}:")
        for k in worst:
            print(f"    {k:<48} {pa[k]:.3f} {pb[k]:.3f}  chars {len(ta.get(k, ''))} "
                  f"{len(tb.get(k, ''))}")
    return {label: r[0] for label, r in results.items()}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("set", choices=ALL_SETS + ["all"])
    ap.add_argument("--mode", default="extract", choices=["collapse", "extract", "keep"])
    ap.add_argument("--no-trafilatura", action="store_true")
    ap.add_argument("--no-build", action="store_true", help="use target/release/scour as it is")
    ap.add_argument("--list", type=int, default=0, metavar="N",
                    help="list the N pages where scour is furthest behind trafilatura")
    args = ap.parse_args()
    if not args.no_build:
        subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    scour = os.path.join(ROOT, "target", "release", "scour")
    sets = ALL_SETS if args.set == "all" else [args.set]
    f1s = {}
    for name in sets:
        for label, f1 in evaluate(name, scour, args.mode, not args.no_trafilatura,
                                  args.list).items():
            f1s.setdefault(label, []).append(f1)
    if len(sets) > 1:
        print(f"\nmean F1 over {len(sets)} sets (snippet F1 on trafilatura-eval-dev):")
        for label, values in f1s.items():
            print(f"  {label:<24} {sum(values) / len(values):.3f}")


if __name__ == "__main__":
    main()

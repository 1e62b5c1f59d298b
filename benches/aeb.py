#!/usr/bin/env python3
"""Article-extraction quality on ScrapingHub's Article Extraction Benchmark (AEB).

usage: benches/aeb.py [--aeb DIR] [--mode collapse|extract|keep ...] [--others]

Runs `scour run` over the benchmark's 181 HTML pages (../shared/aeb/html/*.html.gz, MIT licence,
decompressed into target/aeb/html) and scores each record's `text` against the hand-written gold
`articleBody` (../shared/aeb/ground-truth.json) with the benchmark's published metric: word
4-gram shingles (tokens are runs of word characters), true/false positives and negatives
counted per page and normalised by the page's total, precision and recall averaged over pages,
F1 of the two means. A page scour rejects counts as an empty prediction; a duplicate page
is scored with its kept twin's text.

With --others it scores trafilatura, jusText and readability-lxml on the same pages, the same way,
if they are installed (`pip install trafilatura==2.3.1 readability-lxml lxml_html_clean`; jusText
comes with trafilatura), each with its default settings.

"credit lines left" counts lines of an extractor's output that look like a photo caption or
credit by a rule independent of scour's own caption detector (CREDIT below: "Photo:", "(Getty
Images)", "Photograph: … /Reuters", "©", …) and are not lines of the gold text, so they are
leaks rather than text the annotators kept.
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

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
AGENCIES = (r"getty images|ap photo|afp|reuters|epa|shutterstock|alamy|bloomberg|associated press"
            r"|press association|pa wire|rex features|newscom|yonhap|xinhua|istock")
CREDIT = re.compile(
    r"^(?:photo|photograph|image|picture|illustration|credit)s?(?: by| credit| courtesy)?\s*[:|]"
    r"|\b(?:photo|photograph|image|picture)s?\s*(?:by|credit|courtesy)?\s*[:|/]"
    r"|©|\((?:[^()]*[/,;:] ?)?(?:" + AGENCIES + r")[^()]*\)\s*$"
    r"|(?:photo|photograph|image)s?\s*/\s*\w"
    r"|[.,;:/|]\s*(?:" + AGENCIES + r")\s*\.?\s*$",
    re.IGNORECASE)


def credit_lines_left(text, gold):
    """Caption or credit lines in `text` that the gold text does not have."""
    gold_lines = {line.strip() for line in (gold or "").splitlines()}
    return sum(1 for line in (text or "").splitlines()
               if 0 < len(line.strip()) <= 300 and CREDIT.search(line.strip())
               and line.strip() not in gold_lines)


# The metric is the one benches/extraction.py scores every gold set with.
from extraction import page_scores, precision, recall  # noqa: E402


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
    return {os.path.splitext(s)[0]: t for s, t in text.items()}, len(rejects)


def run_others(pages_dir):
    """Each installed peer's text for every page, by page key, with its version."""
    pages = {os.path.splitext(name)[0]: open(os.path.join(pages_dir, name), encoding="utf-8").read()
             for name in sorted(os.listdir(pages_dir))}
    results = {}
    try:
        import trafilatura
        results[f"trafilatura {trafilatura.__version__}"] = {
            k: trafilatura.extract(html) or "" for k, html in pages.items()}
    except ImportError:
        print("  trafilatura is not installed; skipped", file=sys.stderr)
    try:
        import justext
        from importlib.metadata import version

        def justext_text(html):
            paragraphs = justext.justext(html.encode("utf-8"), justext.get_stoplist("English"))
            return "\n".join(p.text for p in paragraphs if not p.is_boilerplate)
        results[f"jusText {version('jusText')}"] = {k: justext_text(h) for k, h in pages.items()}
    except ImportError:
        print("  jusText is not installed; skipped", file=sys.stderr)
    try:
        import lxml.html
        from importlib.metadata import version
        from readability import Document

        def readability_text(html):
            summary = Document(html).summary()
            root = lxml.html.fromstring(summary)
            blocks = root.xpath("//p|//h1|//h2|//h3|//h4|//li|//pre|//blockquote|//figcaption")
            if not blocks:
                return root.text_content()
            return "\n".join(b.text_content().strip() for b in blocks if b.text_content().strip())
        results[f"readability-lxml {version('readability-lxml')}"] = {
            k: readability_text(h) for k, h in pages.items()}
    except ImportError:
        print("  readability-lxml is not installed; skipped", file=sys.stderr)
    return results


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--aeb", default=os.path.join(ROOT, "..", "shared", "aeb"))
    ap.add_argument("--mode", action="append", choices=["collapse", "extract", "keep"])
    ap.add_argument("--others", action="store_true",
                    help="also score trafilatura, jusText and readability-lxml if installed")
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
    print(f"{'extractor':<32} {'precision':>9} {'recall':>7} {'F1':>6} {'rejected':>9} "
          f"{'credit lines left':>18}")

    def report(name, predicted, rejected):
        p, r, f1 = score(gold, predicted)
        left = sum(credit_lines_left(predicted.get(k, ""), g.get("articleBody", ""))
                   for k, g in gold.items())
        print(f"{name:<32} {p:9.3f} {r:7.3f} {f1:6.3f} {rejected:9d} {left:18d}")

    for mode in modes:
        predicted, rejected = run_scour(scour, pages_dir, mode)
        missing = set(gold) - set(predicted)
        report(f"scour, captions {mode}", predicted, rejected)
        if missing and len(missing) != rejected:
            print(f"  note: {len(missing)} pages without a record", file=sys.stderr)
    if args.others:
        for name, predicted in run_others(pages_dir).items():
            report(name, predicted, sum(1 for t in predicted.values() if not t))


if __name__ == "__main__":
    main()

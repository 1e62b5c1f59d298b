#!/usr/bin/env python3
"""Pathological inputs against the release binary: time and peak RSS at 1, 2, 4, 8, 16 MB.

Issue #12: a nightly job that hangs is the worst failure scour can have. Each shape below is one
an adversary (or a broken scraper) can produce; scour must stay linear on all of them: at most
about 2.2x time per doubling of the input, with a peak RSS a small multiple of the input.

    cargo build --release
    nice python3 benches/pathological.py [--sizes 1,2,4,8,16] [--runs 3] [--shape NAME]...

Prints a markdown table (README, Reliability). Time is the child's CPU time (user + sys, from
resource.getrusage of the child), the least of `--runs` runs, so a busy shared machine skews it
less than wall time. Peak RSS is the child's ru_maxrss.
"""

import argparse
import gzip
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BINARY = os.path.join(ROOT, "target", "release", "scour")
MB = 1 << 20


def repeat(unit, size):
    """`unit` repeated to exactly `size` bytes."""
    count = size // len(unit) + 1
    return (unit * count)[:size]


def page(body, size):
    head = b"<!doctype html><html><head><title>t</title></head><body><p>Start.</p>"
    tail = b"<p>End.</p></body></html>"
    return head + repeat(body, size - len(head) - len(tail)) + tail


def random_bytes_without_nul(size):
    rng = random.Random(12)
    data = bytearray(rng.randbytes(size))
    return bytes(b if b else 1 for b in data)


def caption_lines(size):
    # The shape: one credited caption, a million times at 66 MB.
    line = b"Visitors walk past lanterns along the stream in Seoul, Friday. Yonhap\n"
    return b"Story text first, and more of it.\n\n" + repeat(line, size - 35)


def bad_bytes_html(size):
    # A page declared UTF-8 with one stray byte per KiB: kept, the bytes counted.
    unit = b"<p>" + b"word " * 200 + b"\xff</p>\n"
    return page(unit, size)


def many_attributes(size):
    """`<!doctype html><p a0=1 a1=1 …>`: distinct names, which html5ever checks pairwise."""
    out = bytearray(b"<!doctype html><p ")
    i = 0
    while len(out) < size - 1:
        out += b"a%d=1 " % i
        i += 1
    return bytes(out[: size - 1]) + b">"


def many_attributes_page(size):
    return many_attributes(size - 20) + b"text</p></body></html>"[: 20]


def unmatched_end_tags(size):
    head = b"<!doctype html><html><body>" + b"<b>" * 4000
    return head + repeat(b"</i>", size - len(head))


FIND = os.path.join(ROOT, "fuzz", "corpus", "html", "misnested-formatting-and-tables")


def misnested_page(size):
    """The html fuzz find repeated: each copy leaves elements open, so the tree deepens."""
    with open(FIND, "rb") as f:
        return repeat(f.read(), size)


def deepening_divs(size):
    """Unclosed `<div>`s, each with a paragraph long enough to score: as deep as it is long."""
    unit = b"<div><p>A paragraph of some length, with commas, so that it scores as text.</p>"
    return page(unit, size)


def record(i, text):
    return json.dumps({"title": f"Title {i}", "text": text, "url": f"https://example.com/{i}"})


def dump_lines(size, bad_every=0):
    """JSON Lines of small articles; with `bad_every`, one invalid byte in every n-th."""
    out, i = bytearray(), 0
    while len(out) < size:
        line = record(i, f"Article {i} says something, and more of it. " * 8).encode()
        if bad_every and i % bad_every == 0:
            line = line.replace(b"says", b"s\xffys", 1)
        out += line + b"\n"
        i += 1
    return bytes(out[: out.rfind(b"\n", 0, size) + 1])


def pretty_json(size):
    """One `.json` document, an array of articles printed with `indent=2`."""
    count = max(1, size // 392)
    items = [{"title": f"Title {i}", "text": f"Article {i} says something. " * 12} for i in range(count)]
    return json.dumps(items, indent=2).encode()


def truncated_gzip_dump(size):
    """`size` bytes of JSON Lines gzipped and cut at two thirds: the records before the cut are kept."""
    data = gzip.compress(dump_lines(size), compresslevel=1)
    return data[: len(data) * 2 // 3]


def warc_responses(size):
    """A WARC of many small HTML responses."""
    out, i = bytearray(), 0
    while len(out) < size:
        text = b"Some text of response %d here. " % i
        body = b"<html><head><title>T%d</title></head><body><p>" % i + text * 30 + b"</p></body></html>"
        http = b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n\r\n" + body
        head = (
            b"WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: https://example.com/%d\r\n"
            b"WARC-Record-ID: <urn:uuid:%08d-0000-0000-0000-000000000000>\r\n"
            b"Content-Type: application/http; msgtype=response\r\nContent-Length: %d\r\n\r\n"
        ) % (i, i, len(http))
        out += head + http + b"\r\n\r\n"
        i += 1
    return bytes(out)


# name -> (file name, generator of `size` bytes)
SHAPES = {
    "unclosed comments (.txt)": ("a.txt", lambda n: repeat(b"word <!-- x ", n)),
    "unclosed comments (.html)": ("a.html", lambda n: page(b"word <!-- x ", n)),
    "unclosed <script> (.txt)": ("a.txt", lambda n: repeat(b"a <script> b ", n)),
    "unclosed <script> (.html)": ("a.html", lambda n: page(b"a <script> b ", n)),
    "unclosed <style> (.html)": ("a.html", lambda n: page(b"a <style> b ", n)),
    "unclosed <template> (.html)": ("a.html", lambda n: page(b"a <template> b ", n)),
    "one tag, many attributes (.txt)": ("a.txt", lambda n: many_attributes(n)[15:]),
    "unmatched end tags over a deep stack (.html)": ("a.html", unmatched_end_tags),
    "one tag, many attributes (.html)": ("a.html", many_attributes_page),
    "only `<` (.txt)": ("a.txt", lambda n: b"<" * n),
    "only `<` (.html)": ("a.html", lambda n: b"<!doctype html>" + b"<" * (n - 15)),
    "random bytes, no NUL (.txt)": ("a.txt", random_bytes_without_nul),
    "identical caption lines + credit (.txt)": ("a.txt", caption_lines),
    "stray bytes in UTF-8 (.html)": ("a.html", bad_bytes_html),
    "blank lines (.jsonl)": ("a.jsonl", lambda n: b"\n" * n),
    "misnested formatting and tables, the html find (.html)": ("a.html", misnested_page),
    "unclosed `<div>`s with paragraphs (.html)": ("a.html", deepening_divs),
    "JSON Lines, one invalid byte per 10 records (.jsonl)": ("a.jsonl", lambda n: dump_lines(n, 10)),
    "pretty-printed array (.json)": ("a.json", pretty_json),
    "JSON Lines cut at two thirds (.jsonl.gz)": ("a.jsonl.gz", truncated_gzip_dump),
    "small HTML responses (.warc)": ("a.warc", warc_responses),
}


def measure(path, out):
    """CPU seconds, wall seconds and peak RSS (KiB) of one run, in a fresh process tree."""
    code = (
        "import resource,subprocess,sys,time;"
        "s=time.monotonic();"
        "p=subprocess.run(sys.argv[1:],stdout=subprocess.DEVNULL,stderr=subprocess.DEVNULL);"
        "w=time.monotonic()-s;"
        "r=resource.getrusage(resource.RUSAGE_CHILDREN);"
        "print(p.returncode,r.ru_utime+r.ru_stime,w,r.ru_maxrss)"
    )
    shutil.rmtree(out, ignore_errors=True)
    cmd = [BINARY, "run", "--input", path, "--output", out, "--no-progress", "--threads", "1"]
    line = subprocess.run(
        [sys.executable, "-c", code, *cmd], capture_output=True, check=True, text=True
    ).stdout.split()
    if line[0] != "0":
        sys.exit(f"scour exited {line[0]} on {path}")
    with open(os.path.join(out, "report.json")) as f:
        report = json.load(f)
    return float(line[1]), float(line[2]), int(line[3]), report


def outcome(report):
    counts = report.get("counts", report)
    reasons = [
        f"{reason}" for reason, n in counts.get("rejected_by_reason", {}).items() if n
    ]
    rejected = f" ({', '.join(reasons)})" if reasons else ""
    duplicates = f", {counts['duplicates']} duplicates" if counts.get("duplicates") else ""
    return f"{counts['kept']} kept{duplicates}, {counts['rejected']} rejected{rejected}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1,2,4,8,16", help="sizes in MB")
    parser.add_argument("--shape", action="append", help="only these shapes (substring)")
    parser.add_argument("--runs", type=int, default=3, help="runs per size; the least CPU time counts")
    args = parser.parse_args()
    if not os.path.exists(BINARY):
        sys.exit("build the release binary first: cargo build --release")
    sizes = [int(s) for s in args.sizes.split(",")]
    shapes = {
        name: shape
        for name, shape in SHAPES.items()
        if not args.shape or any(s in name for s in args.shape)
    }
    span = f"{sizes[-1]} MB / {sizes[0]} MB"
    print(f"| shape | {' | '.join(f'{s} MB' for s in sizes)} | worst growth per doubling | {span} (linear: {sizes[-1] // sizes[0]}x) | peak RSS at {sizes[-1]} MB | outcome |")
    print(f"|---|{'---|' * len(sizes)}---|---|---|---|")
    worst_overall = 0.0
    with tempfile.TemporaryDirectory(prefix="scour-pathological-") as tmp:
        for name, (file_name, generate) in shapes.items():
            times, rss, result = [], [], ""
            for size in sizes:
                directory = os.path.join(tmp, "in")
                shutil.rmtree(directory, ignore_errors=True)
                os.makedirs(directory)
                path = os.path.join(directory, file_name)
                with open(path, "wb") as f:
                    f.write(generate(size * MB))
                # The least CPU time of `--runs` runs: a loaded machine only ever adds to it.
                runs = [measure(directory, os.path.join(tmp, "out")) for _ in range(args.runs)]
                cpu = min(run[0] for run in runs)
                peak, report = max(run[2] for run in runs), runs[-1][3]
                times.append(cpu)
                rss.append(peak)
                result = outcome(report)
            growth = [
                b / a
                for a, b in zip(times, times[1:])
                # Below 0.1 s the process start and timer noise dominate; the ratio says nothing.
                if max(a, b) >= 0.1
            ]
            worst = max(growth, default=1.0)
            worst_overall = max(worst_overall, worst)
            cells = " | ".join(f"{t:.2f} s" for t in times)
            # Over the whole span, where one noisy doubling weighs less.
            overall = times[-1] / max(times[0], 0.01)
            print(
                f"| {name} | {cells} | {worst:.2f}x | {overall:.1f}x | {rss[-1] / 1024:.0f} MB | {result} |",
                flush=True,
            )
    print(f"\nworst growth per doubling: {worst_overall:.2f}x (limit about 2.2x)")


if __name__ == "__main__":
    main()

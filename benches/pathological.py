#!/usr/bin/env python3
"""Pathological inputs against the release binary: time and peak RSS at 1, 2, 4, 8, 16 MB.

Issue #12: a nightly job that hangs is the worst failure scour can have. Each shape below is one
an adversary (or a broken scraper) can produce; scour must stay linear on all of them: at most
about 2.2x time per doubling of the input, with a peak RSS a small multiple of the input.

    cargo build --release
    nice python3 benches/pathological.py [--sizes 1,2,4,8,16] [--shape NAME]...

Prints a markdown table (README, Reliability). Time is the child's CPU time (user + sys, from
resource.getrusage of the child), so a busy shared machine skews it less than wall time; the
wall time is printed too. Peak RSS is the child's ru_maxrss.
"""

import argparse
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
    return f"{counts['kept']} kept, {counts['rejected']} rejected{rejected}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1,2,4,8,16", help="sizes in MB")
    parser.add_argument("--shape", action="append", help="only these shapes (substring)")
    args = parser.parse_args()
    if not os.path.exists(BINARY):
        sys.exit("build the release binary first: cargo build --release")
    sizes = [int(s) for s in args.sizes.split(",")]
    shapes = {
        name: shape
        for name, shape in SHAPES.items()
        if not args.shape or any(s in name for s in args.shape)
    }
    print(f"| shape | {' | '.join(f'{s} MB' for s in sizes)} | worst growth per doubling | peak RSS at {sizes[-1]} MB | outcome |")
    print(f"|---|{'---|' * len(sizes)}---|---|---|")
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
                cpu, _wall, peak, report = measure(directory, os.path.join(tmp, "out"))
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
            print(
                f"| {name} | {cells} | {worst:.2f}x | {rss[-1] / 1024:.0f} MB | {result} |",
                flush=True,
            )
    print(f"\nworst growth per doubling: {worst_overall:.2f}x (limit about 2.2x)")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""scour's benchmark: scour against hashing alone, on the standard corpus, in one run.

usage: benches/run.py [--articles N] [--runs R] [--html-articles M] [--keep]

Builds scour in release mode, generates the standard corpus with
../shared/bench/make_corpus.py (unless it is already there), warms the page cache, then times
  - `cat` over every file (reading alone),
  - `sha256sum` over every file via xargs (hashing alone: the floor the targets are relative to),
  - `scour run --threads 1` and `scour run --threads 2`,
R times each, and prints medians, the ratios to hashing alone, files/s, MB/s, peak RSS and the
duplicate count (which must equal the re-scraped copies the generator reports). With
--html-articles M it also times an all-HTML corpus of M pages and reports pages/s and MB/s per
core. Figures are only comparable on the same machine: the machine is printed with them.
"""
import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GENERATOR = os.path.join(ROOT, "..", "shared", "bench", "make_corpus.py")
WORK = os.path.join(ROOT, "target", "bench")


def machine():
    model = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = ""
    try:
        with open("/proc/meminfo") as f:
            kb = int(f.readline().split()[1])
            mem = f", {kb / 1024 / 1024:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    return f"{model}, {os.cpu_count()} cores{mem}, {platform.system()} {platform.release()}"


def corpus(articles, html_fraction):
    """Generates (once) and returns (dir, info) for the corpus with these arguments."""
    name = f"corpus-{articles}" + (f"-html{html_fraction}" if html_fraction else "")
    path = os.path.join(WORK, name)
    info_path = path + ".info"
    if not (os.path.isdir(path) and os.path.exists(info_path)):
        shutil.rmtree(path, ignore_errors=True)
        args = [sys.executable, GENERATOR, path, "--articles", str(articles)]
        if html_fraction:
            args += ["--html-fraction", str(html_fraction)]
        print(f"generating {name} …", file=sys.stderr)
        summary = subprocess.run(args, check=True, capture_output=True, text=True).stdout.strip()
        info = dict(kv.split("=") for kv in summary.split())
        with open(info_path, "w") as f:
            json.dump(info, f)
    with open(info_path) as f:
        return path, {k: int(v) for k, v in json.load(f).items()}


def timed(args, **kwargs):
    """Runs a command; returns (wall seconds, peak RSS in bytes of the process tree's largest)."""
    start = time.perf_counter()
    proc = subprocess.Popen(args, **kwargs)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"command failed: {' '.join(args)}")
    return elapsed, usage.ru_maxrss * 1024


def shell(command):
    return ["bash", "-c", command]


def measure(label, args, runs, fresh_dir=None):
    """Times `args` `runs` times; `fresh_dir` is removed before each run, outside the timing."""
    times, rss = [], []
    for _ in range(runs):
        if fresh_dir:
            shutil.rmtree(fresh_dir, ignore_errors=True)
            subprocess.run(["sync"], check=True)
        elapsed, peak = timed(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(elapsed)
        rss.append(peak)
    return {"label": label, "median": statistics.median(times), "min": min(times),
            "rss": max(rss)}


def scour_args(scour, corpus_dir, out, threads):
    return [scour, "run", "--input", corpus_dir, "--output", out, "--threads", str(threads),
            "--no-progress"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--articles", type=int, default=50000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--html-articles", type=int, default=5000)
    ap.add_argument("--keep", action="store_true", help="keep the last run's output")
    ap.add_argument("--scour", help="time this scour binary instead of building the checkout's "
                    "(to compare an older build on the same corpus)")
    # Each scour run writes a fresh output directory (the previous one is removed and synced
    # outside the timing): deleting a 270 MB output is not part of the job.
    args = ap.parse_args()

    if args.scour:
        scour = os.path.abspath(args.scour)
    else:
        subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
        scour = os.path.join(ROOT, "target", "release", "scour")
    os.makedirs(WORK, exist_ok=True)
    corpus_dir, info = corpus(args.articles, 0)
    out = os.path.join(WORK, "out")
    listing = f"find {corpus_dir} -type f -print0"

    # Warm the page cache so every contender reads from memory.
    subprocess.run(shell(f"{listing} | xargs -0 cat > /dev/null"), check=True)

    rows = [
        measure("cat (reading alone)", shell(f"{listing} | xargs -0 cat > /dev/null"), args.runs),
        measure("sha256sum (hashing alone)",
                shell(f"{listing} | xargs -0 sha256sum > /dev/null"), args.runs),
        measure("scour --threads 1", scour_args(scour, corpus_dir, out, 1), args.runs, out),
        measure("scour --threads 2", scour_args(scour, corpus_dir, out, 2), args.runs, out),
    ]
    with open(os.path.join(out, "report.json")) as f:
        report = json.load(f)

    hashing = rows[1]["median"]
    mb = info["bytes"] / 1e6
    print(f"\nmachine: {machine()}")
    print(f"corpus:  {info['files']} files, {mb:.1f} MB, {info['rescraped_copies']} re-scraped "
          f"copies (make_corpus.py --articles {args.articles}); {args.runs} runs each, warm cache\n")
    print(f"{'':28} {'median s':>9} {'min s':>7} {'x hash':>7} {'files/s':>9} {'MB/s':>7} "
          f"{'peak RSS':>9}")
    for row in rows:
        t = row["median"]
        print(f"{row['label']:28} {t:9.3f} {row['min']:7.3f} {t / hashing:7.2f} "
              f"{info['files'] / t:9.0f} {mb / t:7.1f} {row['rss'] / 1e6:7.1f}MB")
    one, two = rows[2]["median"], rows[3]["median"]
    dups = report["counts"]["duplicates"]
    print(f"\nscaling 1 -> 2 threads: {one / two:.2f}x")
    print(f"targets: --threads 1 <= 1.25x hash: {one / hashing:.2f}x "
          f"[{'ok' if one / hashing <= 1.25 else 'MISSED'}]; "
          f"--threads 2 <= 0.70x hash: {two / hashing:.2f}x "
          f"[{'ok' if two / hashing <= 0.70 else 'MISSED'}]; "
          f"peak RSS < 100 MB: {rows[3]['rss'] / 1e6:.1f} MB "
          f"[{'ok' if rows[3]['rss'] < 100e6 else 'MISSED'}]")
    print(f"duplicates found: {dups}, re-scraped copies generated: {info['rescraped_copies']} "
          f"[{'ok' if dups == info['rescraped_copies'] else 'MISMATCH'}]")

    if args.html_articles:
        html_dir, html_info = corpus(args.html_articles, 1.0)
        subprocess.run(shell(f"find {html_dir} -type f -print0 | xargs -0 cat > /dev/null"),
                       check=True)
        row = measure("scour html --threads 1", scour_args(scour, html_dir, out, 1), args.runs, out)
        t = row["median"]
        print(f"\nHTML pages ({html_info['files']} pages, {html_info['bytes'] / 1e6:.1f} MB, "
              f"one thread): {html_info['files'] / t:.0f} pages/s, "
              f"{html_info['bytes'] / 1e6 / t:.1f} MB/s per core (median of {args.runs})")

    if not args.keep:
        shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""What the run report costs: two scour binaries timed in alternating runs on one corpus.

usage: benches/report_cost.py BASE NEW CORPUS [--rounds R] [--threads 1,2]

BASE is a release build without the report's figures (e.g. the previous commit's), NEW one with
them (step times sampled one input in 8, per-site counts, histogram, clusters, report.html).
Each round runs BASE then NEW (then NEW then BASE in the next round, so neither always runs
first) with `--force` into a scratch directory, the page cache warm. It prints, per thread
count, the median wall and CPU (user + system) seconds of each and NEW's cost in percent.
CPU time is the steadier figure on a shared machine: other work there stretches the wall time
of whichever binary it happens to overlap. Figures are only comparable on the same machine.
"""
import argparse
import os
import resource
import shutil
import statistics
import subprocess
import tempfile
import time


def timed_run(binary, corpus, out, threads):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(
        [binary, "run", "--input", corpus, "--output", out, "--force", "--no-progress",
         "--threads", str(threads)],
        check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("base")
    parser.add_argument("new")
    parser.add_argument("corpus")
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--threads", default="1,2")
    args = parser.parse_args()
    scratch = tempfile.mkdtemp(prefix="scour-report-cost-")
    out = os.path.join(scratch, "out")
    try:
        # Warm the page cache and both binaries.
        for binary in (args.base, args.new):
            timed_run(binary, args.corpus, out, 2)
        for threads in [int(t) for t in args.threads.split(",")]:
            results = {args.base: [], args.new: []}
            for round_number in range(args.rounds):
                order = [args.base, args.new]
                if round_number % 2:
                    order.reverse()
                for binary in order:
                    results[binary].append(timed_run(binary, args.corpus, out, threads))
            base_wall = statistics.median(w for w, _ in results[args.base])
            new_wall = statistics.median(w for w, _ in results[args.new])
            base_cpu = statistics.median(c for _, c in results[args.base])
            new_cpu = statistics.median(c for _, c in results[args.new])
            print(f"--threads {threads}, {args.rounds} rounds:")
            print(f"  wall s  base {base_wall:.3f}  new {new_wall:.3f}  "
                  f"cost {100 * (new_wall / base_wall - 1):+.2f}%")
            print(f"  CPU s   base {base_cpu:.3f}  new {new_cpu:.3f}  "
                  f"cost {100 * (new_cpu / base_cpu - 1):+.2f}%")
            walls = sorted(w for w, _ in results[args.new])
            print(f"  new wall min..max {walls[0]:.3f}..{walls[-1]:.3f}")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()

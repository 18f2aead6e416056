#!/usr/bin/env python3
"""Paired A/B timing of whole commands: bench/ab.py N 'CMD A' 'CMD B' ...

Each of N rounds runs every command once, in a fresh random order; a run's
time is from spawning it to its exit (a blocking waitpid), stdout and stderr
to /dev/null. For every command after the first it prints the median and
mean, and the median and mean of its per-round difference from the first
command (with twice the standard error of the mean difference): drift on the
machine hits both sides of a pair alike, so a difference of 0.1 ms shows in
a few hundred rounds where two separate medians would not show it.
Commands are split on whitespace (no shell)."""
import os
import random
import statistics
import subprocess
import sys
import time


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    n = int(sys.argv[1])
    cmds = [c.split() for c in sys.argv[2:]]
    times = [[] for _ in cmds]
    for _ in range(n):
        order = list(range(len(cmds)))
        random.shuffle(order)
        for j in order:
            t = time.perf_counter()
            p = subprocess.Popen(cmds[j], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            os.waitpid(p.pid, 0)
            times[j].append(time.perf_counter() - t)
    for j, c in enumerate(cmds):
        med = statistics.median(times[j]) * 1e3
        line = "%8.3f ms median, %8.3f mean" % (med, statistics.mean(times[j]) * 1e3)
        if j:
            d = [(a - b) * 1e3 for a, b in zip(times[j], times[0])]
            se = statistics.stdev(d) / len(d) ** 0.5 if len(d) > 1 else 0.0
            line += "   vs first: median %+.3f, mean %+.3f +- %.3f ms" % (
                statistics.median(d), statistics.mean(d), 2 * se)
        print("%s   %s" % (line, " ".join(c)))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
# tail.py - what the slowest messages of a one-at-a-time pass are made of
#
#   python3 bench/tail.py DIR [PERCENT [BASEDIR]]
#
# DIR is one system's directory under bench/pipeline.sh's output (e.g.
# "build/bench/pipeline/winnowd, every check on"): its latency-N.tsv files
# (bench/pipeline.py: ms, bytes, queue id, file per message) joined by
# queue id with its winnowd.log (-v): the AV line (objects, ms, and with
# the overlapped scan the ms waited for it), the stages line (data,
# checks, policy, relay ms), the checks line (each check's start+finish
# ms) and the summary's delay.  Prints the slowest PERCENT
# (default 2) of each pass, then for every pass the median and p99 of the
# latency and of the AV ms.  With BASEDIR (the same for another build,
# run in the same bench/pipeline.sh: the same messages), the two compared
# message by message: each message's median latency over the runs, the
# median of the differences, and the p99 of each (paired, so less at the
# mercy of what else the machine was doing than two p99s are).
import os
import re
import statistics
import sys

D = sys.argv[1]
PCT = float(sys.argv[2]) if len(sys.argv) > 2 else 2.0
AV = re.compile(r"av: (\S+): (\d+) objects scanned \((\d+) handed to "
                r"libclamav, (\d+) from the verdict cache\) in (\d+) ms"
                r"(?: \((\d+) ms waited for\))?")
CHK = re.compile(r": (\S+): checks: (.*) ms in all")
DELAY = re.compile(r": (\S+): from=.* delay=([0-9.]+)s")
STAGES = re.compile(r": (\S+): stages: (.*)$")


def parse_log(path):
    av, chk, delay = {}, {}, {}
    with open(path, errors="replace") as f:
        for line in f:
            m = AV.search(line)
            if m:
                av[m.group(1)] = (int(m.group(2)), int(m.group(5)),
                                  m.group(6))
                continue
            m = CHK.search(line)
            if m:
                chk[m.group(1)] = "checks: " + m.group(2) + " ms in all"
                continue
            m = STAGES.search(line)
            if m:
                chk[m.group(1)] = m.group(2) + "; " + chk.get(m.group(1),
                                                             "")
                continue
            m = DELAY.search(line)
            if m:
                delay[m.group(1)] = float(m.group(2)) * 1000
    return av, chk, delay


def p99(xs):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(0.99 * len(xs)))]


def main():
    av, chk, delay = parse_log(os.path.join(D, "winnowd.log"))
    runs = sorted(f for f in os.listdir(D) if re.match(r"latency-\d+\.tsv$",
                                                      f))
    for name in runs:
        rows = []
        for line in open(os.path.join(D, name)):
            ms, size, qid, path = line.rstrip("\n").split("\t")
            rows.append((float(ms), int(size), qid.rstrip(",;"),
                         os.path.basename(path)))
        rows.sort(reverse=True)
        ntail = max(1, int(round(len(rows) * PCT / 100)))
        print("%s: %d messages, latency median %.1f / p99 %.1f ms" % (
            name, len(rows), statistics.median(r[0] for r in rows),
            p99([r[0] for r in rows])))
        avms = [av[r[2]][1] for r in rows if r[2] in av]
        if avms:
            print("  AV scan wall: median %d / p99 %d ms; objects %.2f per "
                  "message" % (statistics.median(avms), p99(avms),
                               statistics.mean(av[r[2]][0] for r in rows
                                               if r[2] in av)))
        print("  slowest %d (%.0f %%):" % (ntail, PCT))
        for ms, size, qid, path in rows[:ntail]:
            a = av.get(qid)
            print("   %7.1f ms %7d bytes %-16s %s; av %s; delay %s; %s" % (
                ms, size, qid, path[:14],
                "%d objects %d ms%s" % (a[0], a[1], ", waited %s ms" % a[2]
                                        if a[2] else "") if a else "-",
                "%.1f ms" % delay[qid] if qid in delay else "-",
                chk.get(qid, "")))


def per_file(d):
    """Each message's latencies over the runs, by file name."""
    out = {}
    for name in os.listdir(d):
        if not re.match(r"latency-\d+\.tsv$", name):
            continue
        for line in open(os.path.join(d, name)):
            ms, _, _, path = line.rstrip("\n").split("\t")
            out.setdefault(os.path.basename(path), []).append(float(ms))
    return out


def paired(base_dir):
    new, old = per_file(D), per_file(base_dir)
    both = sorted(set(new) & set(old))
    n = [statistics.median(new[f]) for f in both]
    o = [statistics.median(old[f]) for f in both]
    diff = [a - b for a, b in zip(n, o)]
    print("paired over %d messages (each its median over the runs): "
          "median %.2f / p99 %.2f ms against %.2f / %.2f ms; median "
          "difference %+.2f ms, faster in %d of %d" % (
              len(both), statistics.median(n), p99(n), statistics.median(o),
              p99(o), statistics.median(diff),
              sum(1 for x in diff if x < 0), len(both)))


if __name__ == "__main__":
    main()
    if len(sys.argv) > 3:
        paired(sys.argv[3])

#!/usr/bin/env python3
# first_message.py - latency of the first message of each new child, every
# check on (issue 19)
#
#   python3 bench/first_message.py OUTDIR BASE_WINNOWD [NEW_WINNOWD]
#
# OUTDIR is bench/pipeline.sh's output directory (its signatures, corpus
# and test zones; run pipeline.sh once first).  For each build, rotated,
# RUNS times (default 3): winnowd starts with every check on and
# start_children = 20, and after 3 s K (default 15) SMTP connections are
# opened and kept open, so each is served by a child of its own that has
# seen no mail; then one corpus message is sent on each, one at a time.
# A child is new after every start, reload, max_messages and max_idle
# (300 s: on a quiet site most children are new), and its first message
# used to pay for forking the scan process and libclamav's first scan.
# Prints each build's median and max over the K * RUNS first messages,
# and the same for a second message on the same connections.
# Loopback only; ports as bench/pipeline.py.
import os
import smtplib
import statistics
import subprocess
import sys
import time

OUTDIR = sys.argv[1]
sys.argv = [sys.argv[0], OUTDIR] + sys.argv[2:]
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pipeline as P                    # noqa: E402

BASE = sys.argv[2]
NEW = sys.argv[3] if len(sys.argv) > 3 else os.path.join(P.TOP, "build",
                                                         "winnowd")
RUNS = int(os.environ.get("RUNS", "3"))
K = int(os.environ.get("K", "15"))


def send(s, m):
    t0 = time.monotonic()
    s.sendmail("sender@pass.spf.test", ["rcpt@example.net"], m)
    return (time.monotonic() - t0) * 1000


def one(binary, name, msgs):
    w = P.Winnow(name, "yes", "yes", binary)
    w.up()
    time.sleep(3)
    conns = []
    for _ in range(K):
        s = smtplib.SMTP("127.0.0.1", w.port, timeout=300)
        s.ehlo("bench.example")
        conns.append(s)
    first = [send(s, m) for s, m in zip(conns, msgs)]
    second = [send(s, m) for s, m in zip(conns, msgs[K:])]
    for s in conns:
        s.quit()
    w.down()
    return first, second


def main():
    msgs = P.corpus(2)[1][1]
    r = subprocess.run([os.path.join(P.TOP, "t", "dns", "run-unbound"),
                        "start", "-p", str(P.DNS_PORT), "-d",
                        os.path.join(OUTDIR, "unbound"), "-t", "10800"],
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit("unbound: " + r.stdout + r.stderr)
    P.start("sink", ["smtp-sink", "-u", "nobody", "127.0.0.1:%d" %
                     P.SINK_PORT, "1000"])
    P.wait_port(P.SINK_PORT, 20, "smtp-sink")
    builds = [("base", BASE), ("new", NEW)]
    got = {n: ([], []) for n, _ in builds}
    for run in range(RUNS):
        for n, b in builds[run % 2:] + builds[:run % 2]:
            k = run * 2 * K
            f, s = one(b, "first-" + n, msgs[k:k + 2 * K])
            got[n][0].extend(f)
            got[n][1].extend(s)
            print("run %d %-4s first %s" % (run + 1, n, " ".join(
                "%.1f" % x for x in f)), flush=True)
    for n, b in builds:
        f, s = got[n]
        print("%s (%s): first message of a new child: median %.1f ms, max "
              "%.1f ms; the second: median %.1f ms, max %.1f ms (%d each)"
              % (n, b, statistics.median(f), max(f), statistics.median(s),
                 max(s), len(f)))


if __name__ == "__main__":
    try:
        main()
    finally:
        P.stop_all()
        subprocess.run([os.path.join(P.TOP, "t", "dns", "run-unbound"),
                        "stop", os.path.join(OUTDIR, "unbound")],
                       capture_output=True)

#!/usr/bin/env python3
# idle.py - CPU an idle winnowd burns (issue 19: bench/pipeline.py charges
# every CPU second of winnowd's cgroup to the messages of a pass, so a
# fixed rate of the master, the control process, stats and spare children
# would be counted as per-message cost)
#
#   python3 bench/idle.py OUTDIR [WINNOWD ...]
#
# For each binary (default build/winnowd): winnowd configured as
# pipeline.py's "AV off" in a cpuacct cgroup of its own (root), a warm-up
# of 20 messages to an smtp-sink, then SECS (default 10) seconds without
# traffic: prints its CPU in ms per second idle and the context switches
# per second of all its processes (voluntary + involuntary, from
# /proc/PID/task/*/status: the wake-ups).  Ports as bench/syscalls.py.
import os
import sys
import time

OUT = os.path.abspath(sys.argv[1])
sys.argv = [sys.argv[0], OUT] + sys.argv[2:]
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pipeline as pl                   # noqa: E402

pl.WINNOW_PORT, pl.SINK_PORT, pl.DNS_PORT = 22140, 22141, 22142
SECS = float(os.environ.get("SECS", "10"))


def switches(roots):
    """Context switches of every thread of the processes under roots."""
    n = 0
    for p in pl.tree(roots):
        try:
            for t in os.listdir("/proc/%d/task" % p):
                with open("/proc/%d/task/%s/status" % (p, t)) as f:
                    for line in f:
                        if "ctxt_switches" in line:
                            n += int(line.split()[1])
        except (OSError, ValueError):
            pass
    return n


def idle(binary):
    """(ms of CPU per second, switches per second) of an idle winnowd."""
    w = pl.Winnow("idle", "yes", "no", binary)
    roots = w.up()
    try:
        pl.load_smtp(w.port, pl.warmup_msgs(0), 2)
        time.sleep(2)
        c0, s0, t0 = w.cpu(roots), switches(roots), time.monotonic()
        time.sleep(SECS)
        c1, s1, t1 = w.cpu(roots), switches(roots), time.monotonic()
    finally:
        w.down()
    return 1000 * (c1 - c0) / (t1 - t0), (s1 - s0) / (t1 - t0)


def main():
    bins = sys.argv[2:] or [os.path.join(pl.TOP, "build", "winnowd")]
    pl.peers_up("unbound-idle")
    try:
        for b in bins:
            ms, sw = idle(b)
            print("%s: %.3f ms CPU per idle second, %.1f context switches "
                  "per second" % (b, ms, sw))
    finally:
        pl.peers_down("unbound-idle")


if __name__ == "__main__":
    main()

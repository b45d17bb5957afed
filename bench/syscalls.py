#!/usr/bin/env python3
# syscalls.py - system calls per message of winnowd with AV off, on corpus
# mail (issue 19: the path without AV)
#
#   python3 bench/syscalls.py OUTDIR [WINNOWD ...]
#
# OUTDIR is bench/pipeline.sh's (build/bench/pipeline: its corpus sample;
# run pipeline.sh once, or extract ../shared/corpus/{ham,spam}.tar.gz into
# OUTDIR/corpus).  For each binary (default build/winnowd): unbound with
# the test zones, an smtp-sink, winnowd configured as pipeline.py's "AV
# off" (content, two DNSBLs, SURBL, rDNS, SPF); a warm-up, then strace -f
# -c attached to winnowd's master and every child while N messages (half
# ham, half spam, CRLF; default 300) go through SESSIONS parallel sessions
# (default 8).  Prints each system call's count per message and the total.
# strace slows the processes; the counts do not depend on speed, except
# for waits (poll, the resolver's reads) that a slower peer changes a
# little.  Ports 22140-22142 (pipeline.py uses 22120-22139, 15390).
import os
import re
import signal
import subprocess
import sys
import time

OUT = os.path.abspath(sys.argv[1])
sys.argv = [sys.argv[0], OUT] + sys.argv[2:]
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pipeline as pl                   # noqa: E402

pl.WINNOW_PORT, pl.SINK_PORT, pl.DNS_PORT = 22140, 22141, 22142
N = int(os.environ.get("N", "300"))
S = int(os.environ.get("SESSIONS", "8"))
# TOOL=record: perf record instead (OUTDIR/syscalls.strace.perf, for
# perf report; CG=dwarf for call stacks through -O2 code), no counts.
# TOOL=perf: perf stat's syscall tracepoints on the processes there before
# the load (children forked during it are missed), far less intrusive
# than strace, so waits come out as without it; "total" is every call,
# "instructions" (user and kernel) and "context-switches" are counted too.
TOOL = os.environ.get("TOOL", "strace")
PERF_CALLS = ["read", "write", "writev", "poll", "recvfrom", "sendto",
              "rt_sigprocmask", "clone3", "futex", "getrandom", "statfs",
              "getpid", "close", "socket", "connect", "eventfd2"]


def count(binary, msgs):
    w = pl.Winnow("syscalls", "yes", "no", binary)
    roots = w.up()
    pl.load_smtp(w.port, pl.warmup_msgs(0), 2)
    time.sleep(1)
    pids = sorted(pl.tree(roots))
    so = os.path.join(OUT, "syscalls.strace")
    if TOOL == "record":
        argv = ["perf", "record", "--call-graph",
                os.environ.get("CG", "fp"), "-q", "-o", so + ".perf",
                "-p", ",".join(str(p) for p in pids)]
    elif TOOL == "perf":
        argv = ["perf", "stat", "-x", ",", "-o", so, "-p",
                ",".join(str(p) for p in pids), "-e", "raw_syscalls:sys_enter",
                "-e", "instructions", "-e", "context-switches"]
        for e in PERF_CALLS:
            argv += ["-e", "syscalls:sys_enter_" + e]
    else:
        argv = ["strace", "-f", "-c", "-o", so]
        for p in pids:
            argv += ["-p", str(p)]
    st = subprocess.Popen(argv, stderr=subprocess.DEVNULL)
    time.sleep(2)                       # attached
    lat, errs = pl.load_smtp(w.port, msgs, S)
    time.sleep(1)
    st.send_signal(signal.SIGINT)
    st.wait(60)
    w.down()
    calls = {}
    if TOOL == "record":
        return calls, errs
    with open(so) as f:
        for line in f:
            if TOOL == "perf":
                v = line.strip().split(",")
                if len(v) > 2 and v[0].isdigit():
                    e = v[2].split(":")[-1].replace("sys_enter_", "")
                    calls["total" if e == "sys_enter" else e] = int(v[0])
                continue
            v = line.split()
            if len(v) >= 5 and re.match(r"^[\d.]+$", v[0]) and \
                    v[-1] != "total":
                calls[v[-1]] = int(v[3])
    return calls, errs


def main():
    bins = sys.argv[2:] or [os.path.join(pl.TOP, "build", "winnowd")]
    msgs = pl.corpus(1)[0][1][:N]
    pl.peers_up("unbound-sys")
    res = []
    try:
        for b in bins:
            res.append(count(b, msgs))
    finally:
        pl.peers_down("unbound-sys")
    names = sorted(set(k for c, _ in res for k in c),
                   key=lambda k: (k == "total",
                                  -max(c.get(k, 0) for c, _ in res)))
    print("# system calls per message, %d corpus messages, %d sessions, "
          "AV off" % (len(msgs), S))
    print("%-20s" % "syscall" + "".join("%12s" % ("bin%d" % i)
                                        for i in range(len(res))))
    for k in names:
        print("%-20s" % k + "".join("%12.2f" % (c.get(k, 0) / len(msgs))
                                    for c, _ in res))
    if TOOL != "perf":
        print("%-20s" % "total" + "".join("%12.2f" % (sum(c.values()) /
                                                      len(msgs))
                                          for c, _ in res))
    for i, b in enumerate(bins):
        e = res[i][1]
        print("bin%d = %s%s" % (i, b, (", errors %d: %s" % (len(e), e[0]))
                                if e else ""))


if __name__ == "__main__":
    main()

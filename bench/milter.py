#!/usr/bin/env python3
"""milter.py - Postfix + winnowd as a milter, against Postfix alone and the
content_filter path, in one run

    t/netns bench/milter.py [-q]       (root: it runs Postfix instances)

Three Postfix instances of our own on loopback, each relaying everything
to one smtp-sink:

    alone      smtpd -> queue -> sink
    milter     smtpd (smtpd_milters = winnowd, listen = milter:...) ->
               queue -> sink
    filter     smtpd -> queue -> content_filter (winnowd over SMTP) ->
               reinjection smtpd -> queue -> sink

For 8 and 20 sessions, smtp-source sends M messages of 4 KB to each
instance's smtpd; a run is timed from the first connection until the sink
has taken every message (Postfix's log says status=sent to the sink's port
M times), so the after-queue filter is timed to the end too.  Each setting
runs RUNS times; the table quotes medians and the ratios to "alone" of the
same run.  Then the memory (RSS, PSS) of winnowd's children after the
milter runs.  winnowd runs its content checks (rules and classifier); no
DNS checks (on loopback they could only time out) and no AV database.
"""

import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.join(TOP, "t", "lib"))

from wntest import net, procs      # noqa: E402

QUICK = "-q" in sys.argv
RUNS = 3 if QUICK else 5
M = 500 if QUICK else 2000
SIZE = 4096
SESSIONS = (8, 20)


def sent_count(pf, sink_port):
    pat = "relay=127.0.0.1[127.0.0.1]:%d," % sink_port
    return sum(1 for l in pf.log().splitlines()
               if "status=sent" in l and pat in l)


def one_run(pf, sink_port, sessions):
    before = sent_count(pf, sink_port)
    t0 = time.monotonic()
    p = subprocess.run([procs.SMTP_SOURCE, "-s", str(sessions), "-m", str(M),
                        "-l", str(SIZE), "-f", "bench@example.org",
                        "-t", "rcpt@example.com",
                        "127.0.0.1:%d" % pf.smtpd_port],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       timeout=600)
    if p.returncode != 0:
        raise RuntimeError("smtp-source: %s" % p.stdout[-500:])
    while sent_count(pf, sink_port) - before < M:
        if time.monotonic() - t0 > 600:
            raise RuntimeError("not all delivered: %d of %d" % (
                sent_count(pf, sink_port) - before, M))
        pf.flush() if time.monotonic() - t0 > 30 else None
        time.sleep(0.05)
    return time.monotonic() - t0


def memory(w):
    out = []
    for pid in w.children():
        try:
            with open("/proc/%d/smaps_rollup" % pid) as f:
                t = f.read()
        except OSError:
            continue
        rss = int(re.search(r"^Rss:\s+(\d+)", t, re.M).group(1))
        pss = int(re.search(r"^Pss:\s+(\d+)", t, re.M).group(1))
        out.append((rss, pss))
    return out


def main():
    if os.geteuid() != 0:
        sys.exit("milter.py: Postfix instances need root")
    work = tempfile.mkdtemp(prefix="winnow-bench-milter-")
    os.chmod(work, 0o755)
    ports = net.PortAllocator(28000, 28999)
    started = []
    sink_port = ports()
    sinkp = subprocess.Popen([procs.SMTP_SINK, "-u", "nobody",
                              "127.0.0.1:%d" % sink_port, "1000"],
                             stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    net.wait_listening(sink_port)
    # The content checks run; DNS would only measure its timeout here.
    checks = {"spam_checks": "yes", "dns_checks": "no", "av_checks": "no"}
    server = {"max_children": "40", "start_children": "22",
              "min_spare": "2", "max_spare": "30", "max_messages": "0",
              "command_timeout": "300s"}
    try:
        # milter
        mport = ports()
        wm = procs.Winnowd(os.path.join(work, "wm"), port=mport,
                           forward="tcp:127.0.0.1:9", policy=checks,
                           server=dict(server, listen="milter:tcp:127.0.0.1:%d"
                                       % mport))
        wm.start()
        started.append(wm)
        pm = procs.Postfix(os.path.join(work, "pm"), ports(), ports(),
                           ports(), sink_port, name="bm", main={
                               "content_filter": "",
                               "smtpd_milters": "inet:127.0.0.1:%d" % mport,
                               "milter_default_action": "tempfail",
                               "default_process_limit": "100"})
        # alone
        pa = procs.Postfix(os.path.join(work, "pa"), ports(), ports(),
                           ports(), sink_port, name="ba", main={
                               "content_filter": "",
                               "default_process_limit": "100"})
        # content_filter
        fport = ports()
        pc = procs.Postfix(os.path.join(work, "pc"), ports(), ports(),
                           fport, sink_port, name="bc", scan_maxproc=20,
                           main={"default_process_limit": "100"})
        wc = procs.Winnowd(os.path.join(work, "wc"), port=fport,
                           forward="tcp:127.0.0.1:%d" % pc.reinject_port,
                           policy=checks, server=server)
        wc.start()
        started.append(wc)
        insts = [("alone", pa), ("milter", pm), ("filter", pc)]
        for _, pf in insts:
            pf.start()
            started.append(pf)
        # warm up each path
        for _, pf in insts:
            one_run(pf, sink_port, 8)
        print("# Postfix + winnowd milter vs Postfix alone vs content_filter,"
              " %s, %d cores, %d x %d B messages, median of %d runs" % (
                  time.strftime("%Y-%m-%dT%H:%MZ", time.gmtime()),
                  os.cpu_count(), M, SIZE, RUNS))
        print("%-8s %10s %10s %10s %8s %8s" % (
            "sessions", "alone/s", "milter/s", "filter/s", "milter%",
            "filter%"))
        for s in SESSIONS:
            t = {name: [] for name, _ in insts}
            for _ in range(RUNS):
                for name, pf in insts:
                    t[name].append(one_run(pf, sink_port, s))
            med = {k: statistics.median(v) for k, v in t.items()}
            print("%-8d %10.0f %10.0f %10.0f %7.0f%% %7.0f%%" % (
                s, M / med["alone"], M / med["milter"], M / med["filter"],
                100 * med["alone"] / med["milter"],
                100 * med["alone"] / med["filter"]))
        mem = memory(wm)
        busy = mem
        print()
        print("# winnowd milter children after the runs: %d, mean rss %d kB,"
              " mean pss %d kB" % (len(busy),
                                   sum(r for r, _ in busy) / len(busy),
                                   sum(p for _, p in busy) / len(busy)))
        n = len(re.findall(r"proto=MILTER", wm.log()))
        print("# messages through the milter: %d; errors in its log: %d" % (
            n, len(re.findall(r"warning|error|panic", wm.log()))))
    finally:
        for x in reversed(started):
            x.stop()
        sinkp.terminate()
        sinkp.wait()


if __name__ == "__main__":
    main()

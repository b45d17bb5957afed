#!/usr/bin/env python3
"""fleet_quar.py - what the fleet's quarantine index costs

    bench/fleet_quar.py [-q]     (-q: 2,000 entries instead of 10,000)

Two winnowd nodes on loopback ("a" and "b"), GTUBE quarantined, one
redis-server started here, control APIs on 127.0.0.1:22041/22042.  N
messages are quarantined on node a through SMTP (8 sessions); then:

  publish     seconds from the last 250 to the index holding all N
  commands    Redis commands the index took per quarantined message
              (INFO commandstats: hset, hdel, multi, exec, del)
  memory      bytes of Redis memory per entry (MEMORY USAGE of the hash)
  rescan      CPU ms of node a's fleet process for one look at N entries
              with nothing changed (the directory's mtime moved: readdir
              and a stat each) and for the whole hash replaced (Redis
              restarted empty: every entry sent again; info files are
              only parsed when they changed, so this is the send)
  list        winnowctl quarantine list --fleet --json, wall ms (median
              of 5)
  show        GET /api/v1/quarantine/ID on node b for an entry of node a,
              ?node=a (sent on by winnowctl with the fleet secret) and the
              same on node a directly: medians of 20 and their ratio
  release     POST .../release through node b with ?node=a and directly
              on node a: medians of 20 each, alternating

Needs: redis-server, redis-cli, python3; root (children as nobody).
"""

import json
import os
import re
import shutil
import smtplib
import statistics
import subprocess
import sys
import threading
import time
import urllib.request

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(TOP, "build", "bench", "fleet_quar")
WINNOWD = os.path.join(TOP, "build", "winnowd")
WINNOWCTL = os.path.join(TOP, "build", "winnowctl")
GTUBE = "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X"
REDIS, SINK = 22040, 22043
NODES = {"a": (22044, 22041), "b": (22045, 22042)}
N = 2000 if "-q" in sys.argv else 10000


def conf(name):
    port, cport = NODES[name]
    d = os.path.join(OUT, name)
    os.makedirs(d)
    os.chmod(d, 0o777)
    text = """[server]
listen = tcp:127.0.0.1:%d
forward = tcp:127.0.0.1:%d
spool_dir = %s/spool
pidfile = %s/winnowd.pid
max_children = 12
start_children = 8
user = nobody
[dns]
resolver = 127.0.0.1:9
timeout = 200ms
[content]
model = %s/learned.model
default_model = %s/data/content.model
obscene_words = %s/data/obscene-en.txt %s/data/obscene-ru.txt
[av]
database =
[policy]
quarantine_dir = %s/quarantine
dns_checks = no
spam.action = quarantine
[control]
listen = tcp:127.0.0.1:%d
secret_file = %s/control.secret
[fleet]
redis = redis://127.0.0.1:%d
node = %s
publish_interval = 1s
heartbeat = 1s
secret_file = %s/fleet.secret
""" % (port, SINK, d, d, d, TOP, TOP, TOP, d, cport, d, REDIS, name,
       OUT)
    with open(os.path.join(d, "winnow.conf"), "w") as f:
        f.write(text)
    return os.path.join(d, "winnow.conf")


def redis_cli(*args):
    return subprocess.run(["redis-cli", "-p", str(REDIS)] + list(args),
                          stdout=subprocess.PIPE, check=True,
                          timeout=30).stdout.decode().strip()


def start_redis():
    p = subprocess.Popen(["redis-server", "--port", str(REDIS), "--bind",
                          "127.0.0.1", "--save", "", "--appendonly", "no",
                          "--dir", OUT], stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            if redis_cli("PING") == "PONG":
                return p
        except subprocess.CalledProcessError:
            pass
        time.sleep(0.05)
    raise SystemExit("redis-server did not start")


def wait(cond, timeout, what):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return
        time.sleep(0.05)
    raise SystemExit("timed out: " + what)


def send_spam(port, n, sessions=8):
    def worker(k):
        s = smtplib.SMTP("127.0.0.1", port)
        for i in range(k, n, sessions):
            s.sendmail("a@example.org", ["b@example.com"],
                       "Subject: bench %d\r\nFrom: a@example.org\r\n"
                       "To: b@example.com\r\n\r\n%s\r\n" % (i, GTUBE))
        s.quit()
    ts = [threading.Thread(target=worker, args=(k,)) for k in
          range(sessions)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()


def fleet_pid(name):
    out = subprocess.run(["pgrep", "-f", "winnowd: fleet"],
                         stdout=subprocess.PIPE).stdout.decode().split()
    master = open(os.path.join(OUT, name, "winnowd.pid")).read().split()[0]
    for p in out:
        with open("/proc/%s/stat" % p) as f:
            if f.read().split(")")[1].split()[1] == master:
                return int(p)
    raise SystemExit("no fleet process of node " + name)


def cpu_ms(pid):
    with open("/proc/%d/stat" % pid) as f:
        v = f.read().split(")")[1].split()
    return (int(v[11]) + int(v[12])) * 1000 / os.sysconf("SC_CLK_TCK")


def hlen():
    return int(redis_cli("HLEN", "winnow:fleet:quar:a") or 0)


def cmdstats():
    out = redis_cli("INFO", "commandstats")
    got = {}
    for m in re.finditer(r"cmdstat_(\w+):calls=(\d+)", out):
        got[m.group(1)] = int(m.group(2))
    return sum(got.get(c, 0) for c in ("hset", "hdel", "multi", "exec",
                                        "del"))


def api(cport, secret, method, path):
    req = urllib.request.Request(
        "http://127.0.0.1:%d%s" % (cport, path), method=method,
        data=b"{}" if method == "POST" else None,
        headers={"Authorization": "Bearer " + secret,
                 "Content-Type": "application/json"})
    t = time.perf_counter()
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            st = r.status
            r.read()
    except urllib.error.HTTPError as e:
        st = e.code
    return st, (time.perf_counter() - t) * 1000


def main():
    shutil.rmtree(OUT, ignore_errors=True)
    os.makedirs(OUT)
    os.chmod(OUT, 0o777)
    with open(os.path.join(OUT, "fleet.secret"), "w") as f:
        f.write("cd" * 32 + "\n")
    os.chmod(os.path.join(OUT, "fleet.secret"), 0o644)
    sink = subprocess.Popen(["smtp-sink", "-u", "nobody", "127.0.0.1:%d" %
                             SINK, "1000"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    rp = start_redis()
    procs = {}
    try:
        for n in NODES:
            c = conf(n)
            procs[n] = subprocess.Popen(
                [WINNOWD, "-f", "-c", c], stdout=open(os.path.join(
                    OUT, n, "winnowd.log"), "ab"), stderr=subprocess.STDOUT)
        for n in NODES:
            wait(lambda: "started: listening" in open(os.path.join(
                OUT, n, "winnowd.log")).read() or procs[n].poll()
                is not None, 20, "node " + n)
            if procs[n].poll() is not None:
                raise SystemExit(open(os.path.join(OUT, n,
                                                   "winnowd.log")).read())
        time.sleep(1)
        secret = {n: open(os.path.join(OUT, n, "control.secret")).read()
                  .strip() for n in NODES}
        c0 = cmdstats()
        t0 = time.monotonic()
        send_spam(NODES["a"][0], N)
        t1 = time.monotonic()
        wait(lambda: hlen() == N, 120, "the index holding N")
        t2 = time.monotonic()
        cmds = cmdstats() - c0
        mem = int(redis_cli("MEMORY", "USAGE", "winnow:fleet:quar:a",
                            "SAMPLES", "0"))
        print("entries %d quarantined in %.1f s (%.0f msg/s)" % (
            N, t1 - t0, N / (t1 - t0)))
        print("publish: the index whole %.2f s after the last 250" %
              (t2 - t1))
        print("commands: %d for %d entries (%.4f per message)" % (
            cmds, N, cmds / N))
        print("memory: %d bytes, %.0f per entry" % (mem, mem / N))
        fp = fleet_pid("a")
        qdir = os.path.join(OUT, "a", "quarantine")
        idle = []
        for _ in range(5):
            time.sleep(1.5)
            c = cpu_ms(fp)
            os.utime(qdir)      # the mtime moves, nothing else
            time.sleep(1.5)
            idle.append(cpu_ms(fp) - c)
        base = []
        for _ in range(3):
            c = cpu_ms(fp)
            time.sleep(1.5)
            base.append(cpu_ms(fp) - c)
        print("rescan, nothing changed: %.0f ms CPU (median of 5; "
              "%.0f ms per 1.5 s without a rescan)" % (
                  statistics.median(idle), statistics.median(base)))
        full = []
        for _ in range(3):
            c = cpu_ms(fp)
            redis_cli("DEL", "winnow:fleet:quar:a")
            redis_cli("CLIENT", "KILL", "TYPE", "normal")
            wait(lambda: hlen() == N, 60, "the hash replaced")
            time.sleep(0.5)
            full.append(cpu_ms(fp) - c)
        print("the whole hash sent again (reconnect): %.0f ms CPU "
              "(median of 3)" % statistics.median(full))
        lst = []
        for _ in range(5):
            t = time.perf_counter()
            out = subprocess.run([WINNOWCTL, "-c", os.path.join(
                OUT, "b", "winnow.conf"), "quarantine", "list", "--fleet",
                "--json"], stdout=subprocess.PIPE, check=True).stdout
            lst.append((time.perf_counter() - t) * 1000)
        ids = [e["id"] for e in json.loads(out)["entries"]]
        print("list --fleet of %d: %.0f ms (median of 5)" % (
            len(ids), statistics.median(lst)))
        fw, lo = [], []
        for i in range(20):
            fw.append(api(NODES["b"][1], secret["b"], "GET",
                          "/api/v1/quarantine/%s?node=a" % ids[i])[1])
            lo.append(api(NODES["a"][1], secret["a"], "GET",
                          "/api/v1/quarantine/%s" % ids[i])[1])
        print("show: forwarded %.1f ms, local %.1f ms (medians of 20), "
              "ratio %.1f" % (statistics.median(fw), statistics.median(lo),
                              statistics.median(fw) /
                              statistics.median(lo)))
        fw, lo = [], []
        for i in range(20):
            st, ms = api(NODES["b"][1], secret["b"], "POST",
                         "/api/v1/quarantine/%s/release?node=a" %
                         ids[20 + 2 * i])
            assert st == 200, st
            fw.append(ms)
            st, ms = api(NODES["a"][1], secret["a"], "POST",
                         "/api/v1/quarantine/%s/release" % ids[21 + 2 * i])
            assert st == 200, st
            lo.append(ms)
        print("release: forwarded %.1f ms, local %.1f ms (medians of 20), "
              "ratio %.1f" % (statistics.median(fw), statistics.median(lo),
                              statistics.median(fw) /
                              statistics.median(lo)))
    finally:
        for p in procs.values():
            p.terminate()
        for p in procs.values():
            p.wait(60)
        rp.terminate()
        sink.terminate()


if __name__ == "__main__":
    main()

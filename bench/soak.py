#!/usr/bin/env python3
"""soak.py - hours of load through winnowd with faults, then a ledger

Run by bench/soak.sh (inside t/netns); see there for the knobs.  One
winnowd (the build's, real libclamav with t/data/av/sigs) between:

  upstream   SOAK_CLIENTS threads acting as an MTA: each message gets a
             unique X-Test-Seq; 2xx is final, 5xx is final, 4xx or a lost
             connection means "try again later" (backoff), as a queue
             would; content bombs, which tempfail by design, are given up
             after 3 tries.  Sizes 1 KB - 10 MB, 1-3 recipients, EICAR
             (quarantined), a blacklisted sender (quarantined), GTUBE, and
             the bombs of issue 11 and the matrix (nested zips, 42.zip, an
             overlapping zip, 100,000 MIME parts, 520,000 empty parts, MIME
             10,000 deep, 10,000 RFC 2231 parameters, a million nested
             tags, an archive member past max_file_size, hostile names).
  downstream a PySink that flaps: stopped and restarted, slow at the dot
             (past forward_data_done_timeout: the post-dot window), 451 at
             RCPT, 421 at the greeting, hanging up after the dot.
  faults     kill -9 of a random child (now and then of a scan process).
  sampler    every 10 s: children, RSS of master, children and scan
             processes, descriptors, zombies.

At the end the load stops, the faults stop, what is pending is retried
until it is accepted (or a bomb is given up), winnowd is stopped, and the
ledger is reconciled: every message that got 2xx is downstream or in the
quarantine exactly once - more only when an earlier try of it ended
after its dot without a 2xx (a post-dot duplicate, allowed and counted);
a message that never got 2xx is nowhere, but for such post-dot tries;
nothing unknown and nothing partial downstream.  The report (build/soak/
report.txt, samples.csv) says so, and how memory went per tenth of the
load (2-10 minutes) and in the drain.
Exit status 0 when the ledger is clean.
"""

import collections
import hashlib
import heapq
import json
import os
import random
import signal
import statistics
import sys
import threading
import time

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.join(TOP, "t", "lib"))

from wntest import bombs, procs, res               # noqa: E402
from wntest.sink import DROP, PySink               # noqa: E402
from wntest.smtp import Client, make_message, seq_of, stuff  # noqa: E402

SECONDS = int(os.environ.get("SOAK_SECONDS", "3600"))
CLIENTS = int(os.environ.get("SOAK_CLIENTS", "8"))
SEED = int(os.environ.get("SOAK_SEED", "11"))
OUT = os.environ.get("SOAK_OUT", os.path.join(TOP, "build", "soak"))
W_PORT = int(os.environ.get("SOAK_PORT", "26025"))
S_PORT = W_PORT + 1
BOMB_TRIES = 3
SKIP = set(filter(None, os.environ.get("SOAK_SKIP", "").split(",")))
EICAR = bytes.fromhex(
    "58354f2150254041505b345c505a58353428505e2937434329377d2445494341522d"
    "5354414e444152442d414e544956495255532d544553542d46494c452124482b482a")
GTUBE = b"XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X"

rnd = random.Random(SEED)
rlock = threading.Lock()


def rand(fn, *a):
    with rlock:
        return getattr(rnd, fn)(*a)


def log(msg):
    line = "%s %s" % (time.strftime("%H:%M:%S"), msg)
    print(line, flush=True)
    with open(os.path.join(OUT, "soak.log"), "a") as f:
        f.write(line + "\n")


# ---------------------------------------------------------------- messages

BOMBS = {
    "nested-zip-20": lambda: bombs.with_parts(
        [("n.zip", "application/zip", bombs.nested_zip(20))]),
    "42.zip": lambda: bombs.with_parts(
        [("42.zip", "application/zip", bombs.zip_42())]),
    "overlapping-zip": lambda: bombs.with_parts(
        [("o.zip", "application/zip", bombs.overlapping_zip())]),
    "parts-100000": lambda: bombs.mime_parts(
        100000, header=b"Content-Type: text/plain\r\n"),
    "empty-parts-520000": lambda: bombs.mime_parts(520000, b""),
    "mime-depth-10000": lambda: bombs.mime_depth(10000),
    "rfc2231-10000": lambda: bombs.rfc2231_params(10000),
    "html-nested-1M": lambda: bombs.html_nested(10 ** 6),
    "member-over-max-file-size": lambda: bombs.with_parts(
        [("big.zip", "application/zip", bombs.zip_of(
            [("big.bin", b"\0" * (120 << 20) + EICAR)]))]),
    "hostile-names": lambda: bombs.with_parts(
        [("h.zip", "application/zip", bombs.hostile_names_zip("soak")),
         ("h.tar", "application/x-tar",
          bombs.tar_of_hostile_names("soak"))]),
}


def new_message():
    """(kind, sender, rcpts, bytes)"""
    r = rand("random")
    rcpts = ["r%d@example.com" % i for i in range(rand("randint", 1, 3))]
    sender = "s@example.org"
    kinds = sorted(k for k in BOMBS if k not in SKIP)
    if r < 0.007 and kinds:
        kind = rand("choice", kinds)
        _, msg = BOMBS[kind]()
        return kind, sender, rcpts, msg
    if r < 0.012:
        _, msg = bombs.with_parts([("e.com", "application/octet-stream",
                                    EICAR)], subject="eicar")
        return "eicar", sender, rcpts, msg
    if r < 0.017:
        return "blacklisted", "spammer@bad.test", rcpts, make_message(
            sender="spammer@bad.test")[1]
    if r < 0.027:
        return "gtube", sender, rcpts, make_message(
            body=b"Hello\r\n" + GTUBE + b"\r\n")[1]
    s = rand("random")
    if s < 0.70:
        size = rand("randint", 1000, 10000)
    elif s < 0.90:
        size = rand("randint", 10000, 100000)
    elif s < 0.98:
        size = rand("randint", 100000, 1000000)
    elif s < 0.995:
        size = rand("randint", 1000000, 5000000)
    else:
        size = rand("randint", 5000000, 10000000)
    return "plain", sender, rcpts, make_message(size=size)[1]


def body_of(msg):
    i = msg.find(b"\r\n\r\n")
    return msg[i + 4:] if i >= 0 else msg


# ---------------------------------------------------------------- ledger

class Entry:
    __slots__ = ("kind", "rcpts", "tries", "accepted", "rejected",
                 "ambiguous", "gaveup", "body_len", "body_sha", "last")

    def __init__(self, kind, rcpts, msg):
        self.kind, self.rcpts = kind, rcpts
        self.tries = 0
        self.accepted = False
        self.rejected = None
        self.ambiguous = 0              # tries that ended after the dot
        self.gaveup = False             # without a 2xx
        b = body_of(msg)
        self.body_len = len(b)
        self.body_sha = hashlib.sha1(b).hexdigest()
        self.last = ""


class State:
    def __init__(self):
        self.lock = threading.Lock()
        self.ledger = {}
        self.copies = collections.Counter()     # token -> whole copies
        self.partial = []                       # tokens with a bad copy
        self.unknown = 0
        self.pending = []                       # heap (due, n, token)
        self.bytes = {}                         # token -> (sender, msg)
        self.n = 0
        self.replies = collections.Counter()
        self.stop_new = threading.Event()
        self.stop_all = threading.Event()
        self.kills = collections.Counter()
        self.flaps = collections.Counter()
        self.sink_mode = "normal"


st = State()


# ---------------------------------------------------------------- sink

def sink_hooks():
    def greet(s):
        if st.sink_mode == "greet-421":
            return "421 4.3.2 down for maintenance"
        return None

    def rcpt(s, t, addr, arg):
        if st.sink_mode == "rcpt-451":
            return "451 4.3.0 try again later"
        return None

    def dot(s, t):
        tok = seq_of(t.data)
        mode = st.sink_mode
        drop = mode == "lossy" and rand("random") < 0.1
        if mode == "slow":
            time.sleep(rand("uniform", 2, 14))
        if t.mail_addr != "":           # DSNs and notices: not ours
            with st.lock:
                e = st.ledger.get(tok)
                if e is None:
                    st.unknown += 1
                else:
                    b = t.data[len(t.data) - e.body_len:]
                    if hashlib.sha1(b).hexdigest() == e.body_sha:
                        st.copies[tok] += 1
                    else:
                        st.partial.append(tok)
        return DROP if drop else None
    return {"greet": greet, "rcpt": rcpt, "dot": dot}


class Downstream:
    def __init__(self):
        self.sink = PySink(port=S_PORT, hooks=sink_hooks()).start()

    def down(self):
        self.sink.stop()
        self.sink = None

    def up(self):
        for _ in range(50):
            try:
                self.sink = PySink(port=S_PORT, hooks=sink_hooks()).start()
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("cannot listen on %d again" % S_PORT)

    def prune(self):
        s = self.sink
        if s is None:
            return
        with s.lock:
            s.txns.clear()
            s.sessions[:] = [x for x in s.sessions if not x.closed]
            s.threads[:] = [t for t in s.threads if t.is_alive()]


# ---------------------------------------------------------------- upstream

def take_batch():
    """Up to 5 messages due now: retries first, else new ones."""
    now = time.monotonic()
    out = []
    with st.lock:
        while st.pending and st.pending[0][0] <= now and len(out) < 5:
            _, _, tok = heapq.heappop(st.pending)
            out.append(tok)
    if out or st.stop_new.is_set():
        return out
    for _ in range(rand("randint", 1, 5)):
        kind, sender, rcpts, msg = new_message()
        tok = seq_of(msg)
        with st.lock:
            st.ledger[tok] = Entry(kind, rcpts, msg)
            st.bytes[tok] = (sender, msg)
        out.append(tok)
    return out


def retry_later(tok, e):
    if e.kind in BOMBS and e.tries >= BOMB_TRIES:
        e.gaveup = True
        st.bytes.pop(tok, None)
        return
    with st.lock:
        st.n += 1
        heapq.heappush(st.pending, (time.monotonic() + rand(
            "uniform", 2, 8), st.n, tok))


def one_try(c, tok):
    """One transaction on an open connection; False when the connection
    is no use any more."""
    e = st.ledger[tok]
    sender, msg = st.bytes[tok]
    e.tries += 1
    dot_sent = False
    try:
        c.send("MAIL FROM:<%s>\r\n" % sender + "".join(
            "RCPT TO:<%s>\r\n" % r for r in e.rcpts))
        rm = c.reply()
        rr = c.replies(len(e.rcpts))
        if rm.code != 250 or not any(r.code == 250 for r in rr):
            c.cmd("RSET")
            code = rm.code if rm.code != 250 else rr[0].code
            outcome(tok, e, code, str(rm if rm.code != 250 else rr[0]),
                    False)
            return True
        if not all(r.code == 250 for r in rr):
            c.cmd("RSET")               # some refused: try them all later
            outcome(tok, e, 450, "partial RCPT", False)
            return True
        r = c.cmd("DATA")
        if r.code != 354:
            outcome(tok, e, r.code, str(r), False)
            return True
        c.send(stuff(msg))
        dot_sent = True
        r = c.reply()
        outcome(tok, e, r.code, str(r), True)
        return r.code != 421
    except (OSError, EOFError) as x:
        outcome(tok, e, 0, "connection lost: %s" % x, dot_sent)
        return False


def outcome(tok, e, code, text, after_dot):
    e.last = text[:120]
    st.replies["%dxx" % (code // 100) if code else "lost"] += 1
    if code // 100 == 2:
        e.accepted = True
        st.bytes.pop(tok, None)
    elif code // 100 == 5:
        e.rejected = code
        st.bytes.pop(tok, None)
    else:
        if after_dot:
            e.ambiguous += 1
        retry_later(tok, e)


def client():
    while not st.stop_all.is_set():
        batch = take_batch()
        if not batch:
            if st.stop_new.is_set():
                with st.lock:
                    if not st.pending:
                        return
            time.sleep(0.2)
            continue
        try:
            c = Client(W_PORT, timeout=180)
        except (OSError, EOFError):
            for tok in batch:
                retry_later(tok, st.ledger[tok])
            time.sleep(1)
            continue
        ok = c.greeting is not None and c.greeting.code == 220
        try:
            if ok:
                c.ehlo()
        except (OSError, EOFError):
            ok = False
        left = list(batch)
        while ok and left:
            tok = left.pop(0)
            ok = one_try(c, tok)
        for tok in left:
            retry_later(tok, st.ledger[tok])
        try:
            if ok:
                c.quit()
            else:
                c.close()
        except (OSError, EOFError):
            pass


# ---------------------------------------------------------------- faults

def killer(w):
    while not st.stop_new.wait(rand("uniform", 10, 40)):
        kids = w.children()
        if not kids:
            continue
        victim = rand("choice", kids)
        what = "child"
        if rand("random") < 0.2:
            scan = res.descendants(victim)
            if scan:
                victim, what = scan[0], "scan process"
        try:
            os.kill(victim, signal.SIGKILL)
            st.kills[what] += 1
        except ProcessLookupError:
            pass


def flapper(ds):
    faults = ["down", "slow", "rcpt-451", "greet-421", "lossy"]
    while not st.stop_new.wait(rand("uniform", 60, 150)):
        f = rand("choice", faults)
        span = rand("uniform", 5, 25)
        st.flaps[f] += 1
        log("downstream: %s for %.0f s" % (f, span))
        if f == "down":
            ds.down()
            st.stop_new.wait(span)
            ds.up()
        else:
            st.sink_mode = f
            st.stop_new.wait(span)
            st.sink_mode = "normal"
        ds.prune()


# ---------------------------------------------------------------- sampler

def sample(w):
    kids = w.children()
    procs_ = [w.pid] + kids
    scans = [d for k in kids for d in res.descendants(k)]
    total = master = maxchild = big = 0
    fds = 0
    zombies = 0
    for p in procs_ + scans:
        try:
            m = res.mem(p)["rss"]
            n = len(res.fds(p))
        except OSError:
            continue
        total += m
        fds += n
        if p == w.pid:
            master = m
        elif p in kids:
            maxchild = max(maxchild, m)
            big += m > 256 * 1024
    for k in kids:
        try:
            if res.status(k).get("State", "").startswith("Z"):
                zombies += 1
        except OSError:
            pass
    with st.lock:
        acc = sum(1 for e in st.ledger.values() if e.accepted)
        pend = len(st.pending)
    return {"t": round(time.monotonic() - T0, 1), "children": len(kids),
            "scan": len(scans), "rss_total_kb": total,
            "rss_master_kb": master, "rss_max_child_kb": maxchild,
            "children_over_256mb": big,
            "fds": fds, "master_fds": len(res.fds(w.pid)),
            "zombies": zombies, "accepted": acc, "pending": pend}


def sampler(w, rows):
    with open(os.path.join(OUT, "samples.csv"), "w") as f:
        keys = None
        while not st.stop_all.wait(10):
            try:
                s = sample(w)
            except OSError:
                continue
            rows.append(s)
            if keys is None:
                keys = list(s)
                f.write(",".join(keys) + "\n")
            f.write(",".join(str(s[k]) for k in keys) + "\n")
            f.flush()
            if len(rows) % 30 == 0:
                log("t=%ds accepted=%d pending=%d children=%d rss=%d MB "
                    "fds=%d" % (s["t"], s["accepted"], s["pending"],
                                s["children"], s["rss_total_kb"] // 1024,
                                s["fds"]))


# ---------------------------------------------------------------- report

def quarantined(qdir):
    """Tokens of the committed entries (the .json is the commit record,
    spool/quar.h; a child killed between the two files leaves an .eml
    that is not an entry)."""
    out = collections.Counter()
    for f in os.listdir(qdir):
        if f.endswith(".json"):
            with open(os.path.join(qdir, f[:-5] + ".eml"), "rb") as fp:
                tok = seq_of(fp.read(1 << 16))
            out[tok] += 1
    return out


def reconcile(qdir):
    quar = quarantined(qdir)
    lost, dups, bad, explained = [], [], [], 0
    for tok, e in st.ledger.items():
        n = st.copies[tok] + quar[tok]
        if e.accepted:
            if n == 0:
                lost.append(tok)
            elif n > 1:
                if n - 1 <= e.ambiguous:
                    explained += n - 1
                else:
                    dups.append((tok, n, e.ambiguous))
        elif n > 0:
            if n <= e.ambiguous:
                explained += n
            else:
                bad.append((tok, e.kind, n, e.last))
    return quar, lost, dups, bad, explained


def span_of(load):
    """The window of the memory table: a tenth of the load, between 2 and
    10 minutes (an hour: 10 minutes; 10 minutes: 2)."""
    return max(120, min(600, load // 10 // 60 * 60))


def windows(rows, span, load):
    """The samples of the load (t < load) in windows of span seconds; the
    drain after it (fewer sessions, children retiring) is not load."""
    out = []
    t = 0
    while t < load:
        w = [r for r in rows if t <= r["t"] < min(t + span, load)]
        if w:
            out.append((t, w))
        t += span
    return out


def _pct(values, q):
    v = sorted(values)
    return v[min(len(v) - 1, int(q * len(v)))]


def _mmss(t):
    return "%d:%02d" % (t // 60, t % 60)


def memory_table(rows, load):
    """Per window of the load: children, RSS of every winnowd process (its
    floor, the 10th percentile, is what stays resident; the median and the
    maximum move with the bombs and with the children the pool has), the
    master alone, descriptors, zombies; then the drain; then first against
    last window of the load: flat when floor, master, descriptors and
    children grew by 10% at most (a drop is no leak)."""
    span = span_of(load)
    out = ["per %d minutes of load: children median/max; RSS of all "
           "winnowd processes MB floor/median/max; master MB; largest child "
           "MB (children over 256 MB, median); descriptors median/max; "
           "zombies; messages accepted" % (span // 60)]
    prev, first, last = 0, None, None
    drain = [r for r in rows if r["t"] >= load]
    parts = windows(rows, span, load) + ([(None, drain)] if drain else [])
    for t, ws in parts:
        tot = [r["rss_total_kb"] / 1024 for r in ws]
        v = {"floor": _pct(tot, 0.1), "med": statistics.median(tot),
             "master": statistics.median(r["rss_master_kb"] for r in ws) /
             1024, "fds": statistics.median(r["fds"] for r in ws),
             "kids": statistics.median(r["children"] for r in ws)}
        what = "%5s-%5s" % (_mmss(t), _mmss(min(t + span, load))) \
            if t is not None else "drain      "
        out.append("  %s: children %g/%d  rss %.0f/%.0f/%.0f MB  "
                   "master %.1f MB  child %.0f MB (%s over 256 MB)  "
                   "fds %g/%d  zombies %d  accepted %d" % (
                       what, v["kids"],
                       max(r["children"] for r in ws), v["floor"], v["med"],
                       max(tot), v["master"],
                       max(r["rss_max_child_kb"] for r in ws) / 1024,
                       "%g" % statistics.median(r["children_over_256mb"]
                                                for r in ws)
                       if "children_over_256mb" in ws[0] else "?",
                       v["fds"], max(r["fds"] for r in ws),
                       max(r["zombies"] for r in ws),
                       ws[-1]["accepted"] - prev))
        prev = ws[-1]["accepted"]
        if t is not None:
            first = first or v
            last = v
    if first and last is not first:
        def ch(k):
            return "%.0f -> %.0f (%+.0f%%)" % (first[k], last[k], 100.0 * (
                last[k] - first[k]) / first[k] if first[k] else 0)
        out.append("first vs last window of the load: rss floor %s MB, "
                   "median %s MB, master %s MB, fds %s, children %s" % (
                       ch("floor"), ch("med"), ch("master"), ch("fds"),
                       ch("kids")))
        grew = [k for k in ("floor", "master", "fds", "kids")
                if last[k] > 1.1 * first[k]]
        out.append("memory, descriptors and children: %s" % (
            "flat (floor, master, descriptors, children grew 10% at most)"
            if not grew else "NOT flat: %s grew" % ", ".join(grew)))
    return out


def read_samples(path):
    rows = []
    with open(path) as f:
        keys = f.readline().strip().split(",")
        for line in f:
            rows.append({k: float(v) for k, v in zip(keys,
                                                     line.strip().split(","))})
    return rows


def report(rows, qdir, w, stopped_rc, leftovers):
    quar, lost, dups, bad, explained = reconcile(qdir)
    kinds = collections.Counter(e.kind for e in st.ledger.values())
    acc = collections.Counter(e.kind for e in st.ledger.values()
                              if e.accepted)
    lines = []
    p = lines.append
    p("soak: %d s, %d clients, seed %d" % (SECONDS, CLIENTS, SEED))
    p("messages: %d generated, %d accepted (2xx), %d refused (5xx), %d "
      "given up (bombs after %d tries), %d tries" % (
          len(st.ledger), sum(acc.values()),
          sum(1 for e in st.ledger.values() if e.rejected),
          sum(1 for e in st.ledger.values() if e.gaveup), BOMB_TRIES,
          sum(e.tries for e in st.ledger.values())))
    p("by kind (accepted/generated): " + ", ".join(
        "%s %d/%d" % (k, acc[k], n) for k, n in sorted(kinds.items())))
    p("replies: " + ", ".join("%s %d" % kv for kv in
                              sorted(st.replies.items())))
    p("faults: kills %s; downstream %s" % (dict(st.kills), dict(st.flaps)))
    p("downstream copies: %d whole, %d partial, %d unknown; quarantined: "
      "%d" % (sum(st.copies.values()), len(st.partial), st.unknown,
              sum(quar.values())))
    p("ledger: lost %d, unexplained duplicates %d, delivered without a 2xx "
      "and no post-dot try %d, partial %d, unknown %d; allowed post-dot "
      "duplicates %d" % (len(lost), len(dups), len(bad), len(st.partial),
                         st.unknown, explained))
    for tok in lost[:10]:
        e = st.ledger[tok]
        p("  LOST %s %s tries=%d last=%r" % (tok, e.kind, e.tries, e.last))
    for d in dups[:10]:
        p("  DUP %r" % (d,))
    for b in bad[:10]:
        p("  UNEXPLAINED %r" % (b,))
    p("winnowd: SIGTERM exit %r; left behind: %s" % (stopped_rc, leftovers))
    p("")
    lines += memory_table(rows, SECONDS)
    clean = not (lost or dups or bad or st.partial or st.unknown)
    p("")
    p("verdict: %s" % ("ledger clean: nothing lost, every duplicate a "
                       "post-dot one" if clean else "LEDGER NOT CLEAN"))
    text = "\n".join(lines)
    with open(os.path.join(OUT, "report.txt"), "w") as f:
        f.write(text + "\n")
    print(text, flush=True)
    with open(os.path.join(OUT, "ledger.json"), "w") as f:
        json.dump({"lost": lost, "dups": dups, "bad": bad,
                   "partial": st.partial}, f)
    return clean


# ---------------------------------------------------------------- main

def main():
    global T0
    os.makedirs(OUT, exist_ok=True)
    for f in ("soak.log",):
        if os.path.exists(os.path.join(OUT, f)):
            os.unlink(os.path.join(OUT, f))
    work = os.path.join(OUT, "run")
    if os.path.isdir(work):
        import shutil
        shutil.rmtree(work)
    os.makedirs(work)
    os.chmod(work, 0o755)
    qdir = procs.owned_dir(os.path.join(work, "quarantine"))
    avtmp = procs.owned_dir(os.path.join(work, "avtmp"))
    ds = Downstream()
    w = procs.Winnowd(work, port=W_PORT, forward="tcp:127.0.0.1:%d" % S_PORT,
                      server={"start_children": "4", "max_children": "20",
                              "min_spare": "2", "max_spare": "8",
                              "max_messages": "200",
                              "max_messages_jitter": "20",
                              "exit_delay": "30s",
                              "forward_timeout": "20s",
                              "forward_data_done_timeout": "10s",
                              "command_timeout": "120s",
                              "data_timeout": "120s",
                              "message_size_limit": "20M"},
                      policy={"quarantine_dir": qdir,
                              "blacklist": "spammer@bad.test",
                              "blacklisted.action": "quarantine"},
                      extra={"av": {"database": os.path.join(
                          TOP, "t", "data", "av", "sigs"),
                          "temp_directory": avtmp}})
    w.start()
    T0 = time.monotonic()
    log("winnowd %d on %d, sink on %d, %d s, %d clients" % (
        w.pid, W_PORT, S_PORT, SECONDS, CLIENTS))
    rows = []
    threads = [threading.Thread(target=client, daemon=True)
               for _ in range(CLIENTS)]
    threads += [threading.Thread(target=killer, args=(w,), daemon=True),
                threading.Thread(target=flapper, args=(ds,), daemon=True)]
    smp = threading.Thread(target=sampler, args=(w, rows), daemon=True)
    rc = None
    try:
        for t in threads:
            t.start()
        smp.start()
        end = T0 + SECONDS
        while time.monotonic() < end:
            time.sleep(5)
            ds.prune()
            if w.proc.poll() is not None:
                log("winnowd exited %r" % w.proc.returncode)
                break
        log("load stops; faults stop; draining what is pending")
        st.stop_new.set()
        st.sink_mode = "normal"
        if ds.sink is None:
            ds.up()
        drain_end = time.monotonic() + 600
        for t in threads[:CLIENTS]:
            t.join(max(1, drain_end - time.monotonic()))
        time.sleep(5)
    finally:
        st.stop_all.set()
        smp.join(15)
        rc = w.stop(60)
        ds.sink and ds.sink.stop()
    spool = w.conf["spool_dir"]
    leftovers = {
        "spool": sorted(f for f in os.listdir(spool)
                        if f not in ("outq", "stats")),
        "outq": os.listdir(os.path.join(spool, "outq")),
        "avtmp": [d for d in os.listdir(avtmp)],
        "pending": len(st.pending)}
    clean = report(rows, qdir, w, rc, leftovers)
    return 0 if clean and not leftovers["pending"] else 1


if __name__ == "__main__":
    if sys.argv[1:2] == ["--table"]:    # the memory table of a past run
        print("\n".join(memory_table(read_samples(sys.argv[2]), SECONDS)))
        sys.exit(0)
    sys.exit(main())

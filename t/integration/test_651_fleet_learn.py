"""Shared learning in a fleet (issue 15, second slice): winnowd nodes on
127.0.0.2-4 with one Redis (started here).  Learning on node 1 changes
the verdict of the same message on node 3 (the time it took printed);
two nodes learning at once lose nothing and apply every example once;
the lease holder's fleet process killed with kill -9 while it applies
loses nothing; learning while Redis is away is kept on the node and
replayed; a rollback brings an older version back on every node."""

import json
import os
import re
import signal
import subprocess
import threading
import time

import pytest

from wntest.smtp import Client, make_message, wait_until

from test_650_fleet import cli, ctl, fleet_pid, redis  # noqa: F401

LEARN = {"publish_interval": "300ms", "heartbeat": "1s",
         "connect_timeout": "500ms", "learn_interval": "300ms",
         "lease_time": "2s", "model_versions": "1000"}


def node(relay, ports, i, url, **fleet):
    host = "127.0.0.%d" % (i + 2)
    port = ports()
    f = dict(LEARN, redis=url, node="node%d" % (i + 1), **fleet)
    w, s = relay(port=port, server={"listen": "tcp:%s:%d" % (host, port)},
                 extra={"stats": {"flush_interval": "1s"}, "fleet": f,
                        "content": {"model_check_interval": "1s"}})
    w.host = host
    return w, s


BODY = (b"Dear friend,\r\n\r\nOur quarterly garden club newsletter: the "
        b"tulip bulbs arrived, the compost heap needs turning and the "
        b"meeting moves to the village hall on Thursday.\r\n\r\nRegards,"
        b"\r\nMargaret\r\n")


def message():
    return make_message(subject="garden club newsletter", body=BODY)[1]


def score(w, s, msg):
    """The score node w gives msg (through its SMTP port, as mail)."""
    n = len(s.delivered())
    with Client(w.port, host=w.host) as c:
        c.ehlo()
        r = c.xfer("s@example.org", ["r@example.com"], msg)
        c.quit()
    assert r["final"].code == 250, r
    wait_until(lambda: len(s.delivered()) > n, what="delivery")
    m = re.search(rb"X-Winnow-Score: (-?[0-9.]+)", s.delivered()[-1].data)
    assert m, s.delivered()[-1].data[:400]
    return float(m.group(1))


def mbox(path, msgs):
    with open(path, "wb") as f:
        for m in msgs:
            f.write(b"From x@example.org Thu Nov 19 10:00:00 2026\n")
            f.write(m.replace(b"\r\n", b"\n").replace(b"\nFrom ",
                                                      b"\n>From "))
            f.write(b"\n")
    return path


def learn(w, what, path):
    return ctl(w, "learn", "--" + what, "--no-uds", "--no-keep", path)


def versions(w):
    return json.loads(ctl(w, "model", "list", "--json"))


def head(w):
    v = versions(w)
    h = [x for x in v if x["head"]]
    return (h[0] if h else None), v


def made(vs):
    """Examples applied into versions, rollbacks aside."""
    return sum(x["examples"] for x in vs if not x["rollback"])


def base_total(vs):
    first = min(vs, key=lambda x: x["version"])
    assert first["from"] == 0
    return first["spam"] + first["ham"] - first["examples"]


def distinct(n, tag):
    return [make_message(subject="%s %d offer" % (tag, i), body=(
        "Item %d of %s: buy cheap watches %d now\r\n" % (i, tag, i * 7)
    ).encode())[1] for i in range(n)]


@pytest.mark.timeout(180)
def test_learn_reaches_node3_and_rollback(relay, redis, ports, workdir):
    r = redis()
    url = "redis://127.0.0.1:%d" % r.port
    nodes = [node(relay, ports, i, url) for i in range(3)]
    (w1, s1), _, (w3, s3) = nodes
    msg = message()
    before = score(w3, s3, msg)

    # one ham example first: version 1
    out = learn(w1, "ham", mbox(os.path.join(workdir, "ham.mbox"),
                                distinct(1, "ham")))
    assert "Redis has 1 learned message" in out, out
    wait_until(lambda: (head(w1)[0] or {}).get("version") == 1,
               timeout=20, what="version 1")
    wait_until(lambda: w3.log().count("installed model version 1") == 1,
               timeout=20, what="node 3 installs version 1")
    time.sleep(1.5)     # model_check_interval: children map it
    s_v1 = score(w3, s3, msg)

    # the same message learned as spam on node 1 (30 copies)
    copies = [msg] * 30
    out = learn(w1, "spam", mbox(os.path.join(workdir, "spam.mbox"),
                                 copies))
    t0 = time.monotonic()
    assert "Redis has 30 learned messages" in out, out
    wait_until(lambda: score(w3, s3, msg) > s_v1 + 1.0, timeout=30,
               step=0.3, what="node 3's verdict changes")
    took = time.monotonic() - t0
    after = score(w3, s3, msg)
    print("\nlearn on node 1 -> node 3's score %.2f -> %.2f (before any "
          "learning %.2f) in %.2f s (learn_interval 300ms, "
          "model_check_interval 1s)" % (s_v1, after, before, took))
    h, vs = head(w1)
    assert made(vs) == 31 and h["spam"] + h["ham"] == base_total(vs) + 31

    # rollback to version 1: every node maps it again
    out = ctl(w3, "model", "rollback", "1")
    assert "is version 1 again" in out, out
    wait_until(lambda: abs(score(w3, s3, msg) - s_v1) < 0.01, timeout=20,
               step=0.3, what="node 3 back at version 1")
    h, vs = head(w1)
    assert h["rollback"] and h["from"] == 1 and h["examples"] == 0
    # what is learned after a rollback applies on top of it
    learn(w1, "ham", mbox(os.path.join(workdir, "ham2.mbox"),
                          distinct(1, "after")))
    wait_until(lambda: head(w1)[0]["version"] > h["version"] and
               not head(w1)[0]["rollback"], timeout=20, what="a version "
               "after the rollback")
    h2, _ = head(w1)
    assert h2["from"] == h["version"] and h2["examples"] == 1
    assert h2["spam"] + h2["ham"] == h["spam"] + h["ham"] + 1
    text = ctl(w1, "model", "list")
    assert re.search(r"^\* +%d " % h2["version"], text, re.M), text


@pytest.mark.timeout(180)
def test_two_nodes_learn_at_once(relay, redis, ports, workdir):
    r = redis()
    url = "redis://127.0.0.1:%d" % r.port
    (w1, _), (w2, _), (w3, _) = [node(relay, ports, i, url, learn_batch="7")
                                 for i in range(3)]
    a = mbox(os.path.join(workdir, "a.mbox"), distinct(40, "a"))
    b = mbox(os.path.join(workdir, "b.mbox"), distinct(40, "b"))
    outs = {}

    def run(w, what, path):
        outs[path] = learn(w, what, path)
    ts = [threading.Thread(target=run, args=(w1, "spam", a)),
          threading.Thread(target=run, args=(w2, "ham", b))]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert "Redis has 40" in outs[a] and "Redis has 40" in outs[b], outs
    wait_until(lambda: made(versions(w3)) == 80, timeout=40,
               what="80 examples applied")
    time.sleep(2)       # and not one more
    h, vs = head(w3)
    assert made(vs) == 80 and len(vs) >= 80 // 7
    assert h["spam"] + h["ham"] == base_total(vs) + 80
    assert h["spam"] - vs[-1]["spam"] + vs[-1]["examples"] >= 0
    # every node installs the head
    for w in (w1, w2, w3):
        wait_until(lambda w=w: "installed model version %d " % h["version"]
                   in w.log(), timeout=20, what="installed everywhere")
    assert cli(r.port, "XLEN", "winnow:fleet:learn") in ("0", "1")


@pytest.mark.timeout(180)
def test_lease_holder_killed_while_applying(relay, redis, ports, workdir):
    r = redis()
    url = "redis://127.0.0.1:%d" % r.port
    nodes = [node(relay, ports, i, url, learn_batch="1") for i in range(3)]
    w1 = nodes[0][0]
    learn(w1, "spam", mbox(os.path.join(workdir, "s.mbox"),
                           distinct(25, "s")))
    wait_until(lambda: len(versions(w1)) >= 3, timeout=20,
               what="the holder applying")
    holder = cli(r.port, "GET", "winnow:fleet:lease")
    name, pid = holder.rsplit(":", 1)
    w = [n[0] for n in nodes if "fleet" in n[0].sections and
         n[0].sections["fleet"]["node"] == name][0]
    assert fleet_pid(w) == int(pid)
    os.kill(int(pid), signal.SIGKILL)
    done = len(versions(w1))
    assert made(versions(w1)) < 25, "applied all before the kill"
    wait_until(lambda: made(versions(w1)) == 25, timeout=40,
               what="another holder finishes")
    time.sleep(1.5)
    h, vs = head(w1)
    assert made(vs) == 25 and h["spam"] + h["ham"] == base_total(vs) + 25
    print("\nholder %s killed after %d versions; %d versions in all, "
          "the last by %s" % (holder, done, len(vs), h["node"]))


@pytest.mark.timeout(180)
def test_redis_down_while_learning(relay, redis, ports, workdir):
    r = redis()
    url = "redis://127.0.0.1:%d" % r.port
    (w1, s1), _, (w3, s3) = [node(relay, ports, i, url) for i in range(3)]
    msg = message()
    s3_before = score(w3, s3, msg)
    r.stop()
    out = learn(w1, "spam", mbox(os.path.join(workdir, "s.mbox"),
                                 [msg] * 30))
    assert "learned locally only: 30 messages kept" in out, out
    park = os.path.join(w1.dir, "spool", "stats", "fleet", "learn")
    parked = [f for f in os.listdir(park) if f.endswith(".spam")]
    assert len(parked) == 30, os.listdir(park)
    # node 1 has it at once; node 3 does not
    time.sleep(1.5)
    s1_now = score(w1, s1, msg)
    assert s1_now > s3_before + 1.0
    assert abs(score(w3, s3, msg) - s3_before) < 0.01
    # Redis back (the same port, empty): the parked examples go, once
    from test_650_fleet import start_redis
    start_redis(r)
    wait_until(lambda: made(versions(w1)) == 30, timeout=40,
               what="the parked examples applied")
    assert os.listdir(park) == []
    wait_until(lambda: score(w3, s3, msg) > s3_before + 1.0, timeout=20,
               step=0.3, what="node 3 learned it too")
    time.sleep(1.5)
    assert made(versions(w1)) == 30

"""Fleet views (issue 15): the control API's /api/v1/fleet/nodes,
/api/v1/stats?fleet=1 and /api/v1/history?fleet=1 against three real
nodes (127.0.0.2-4) and one Redis; the fleet's figures equal the sum of
the nodes' own exactly; a node frozen with SIGSTOP (master, children,
fleet and control processes) is a node-down alert on the other nodes -
in /api/v1/status, winnowctl status and the [monitor] alert mail - that
clears when it comes back; with Redis away every fleet answer is a quick
503 that says why, and no node is called down; winnowctl fleet forget
takes a stopped node out of the fleet (and refuses one that is up)."""

import json
import os
import signal
import subprocess
import time

import pytest

from wntest import net
from wntest.control import Api
from wntest.smtp import wait_until

from test_650_fleet import (  # noqa: F401
    WINNOWCTL, cli, ctl, redis, send, start_redis)

FLEET = {"publish_interval": "300ms", "heartbeat": "1s",
         "connect_timeout": "500ms"}


def node(relay, ports, i, url, monitor=None, **fleet):
    host = "127.0.0.%d" % (i + 2)
    port, cport = ports(), ports()
    extra = {"stats": {"flush_interval": "1s"},
             "fleet": dict(FLEET, redis=url, node="node%d" % (i + 1),
                           **fleet),
             "control": {"listen": "tcp:127.0.0.1:%d" % cport}}
    if monitor:
        extra["monitor"] = monitor
    w, s = relay(port=port, server={"listen": "tcp:%s:%d" % (host, port)},
                 extra=extra)
    net.wait_listening(cport)
    w.host = host
    w.api = Api(cport, w.secret)
    return w, s


def nodes_of(w):
    st, _, j = w.api.get("/api/v1/fleet/nodes")
    return st, j


def states(w):
    st, j = nodes_of(w)
    if st != 200:
        return {}
    return {n["node"]: n["state"] for n in j["nodes"]}


def problems(w):
    st, _, j = w.api.get("/api/v1/status")
    assert st in (200,), (st, j)
    return {p["id"]: p for p in j.get("problems", [])}


def family(pid):
    """pid and every process below it."""
    out = [pid]
    for c in net.children_of(pid):
        out += family(c)
    return out


def own_totals(w, by):
    st, _, j = w.api.get("/api/v1/stats?period=day&by=%s" % by)
    assert st == 200, j
    return j


def fleet_sum_ok(ws):
    for by in ("status", "action"):
        st, _, fl = ws[0].api.get("/api/v1/stats?fleet=1&period=day&by=%s"
                                  % by)
        assert st == 200, fl
        want, total = {}, 0
        for i, w in enumerate(ws):
            own = own_totals(w, by)
            if fl["nodes"].get("node%d" % (i + 1), {}).get("totals") != \
                    own["totals"]:
                return False
            total += own["total"]
            for k, v in own["totals"].items():
                want[k] = want.get(k, 0) + v
        if fl["fleet"]["totals"] != want or fl["fleet"]["total"] != total:
            return False
    return True


@pytest.mark.timeout(180)
def test_nodes_sums_and_node_down_alert(relay, redis, ports, workdir):
    # a Redis with a password in a file only root may read: the control
    # process reads it before it drops privileges and hands it to the
    # winnowctl it runs for stats?fleet=1 and history?fleet=1
    r = redis(args=["--requirepass", "views-pw"])
    pwfile = os.path.join(workdir, "redis.pw")
    with open(pwfile, "w") as f:
        f.write("views-pw\n")
    os.chmod(pwfile, 0o600)
    url = "redis://127.0.0.1:%d" % r.port
    mon = {"alert_to": "admin@example.com", "interval": "1s"}
    (w1, s1), (w2, s2), (w3, s3) = [node(relay, ports, i, url,
                                         mon if i == 0 else None,
                                         password_file=pwfile)
                                    for i in range(3)]
    ws = [w1, w2, w3]
    sent = 0
    for i, w in enumerate(ws):
        assert send(w.port, w.host, n=2 + i, tag="n%d" % i) == [250] * (2 + i)
        sent += 2 + i
    # every node up, seen from every node
    for w in ws:
        wait_until(lambda: states(w) == {"node1": "up", "node2": "up",
                                         "node3": "up"}, timeout=20,
                   what="three nodes up")
    st, j = nodes_of(w2)
    assert j["redis"] == "ok" and j["self"] == "node2" and j["fresh"]
    for n in j["nodes"]:
        assert n["version"] and n["age_ms"] < 3000 and n["generation"] >= 1
        assert isinstance(n["alerts"], list)
    # messages of the last 5 minutes per node (published every heartbeat)
    wait_until(lambda: [n.get("messages_5m") for n in nodes_of(w1)[1]
                        ["nodes"]] == [2, 3, 4], timeout=20,
               what="each node's messages")
    assert abs(nodes_of(w1)[1]["nodes"][2]["rate"] - 4 / 300.0) < 1e-6
    # the fleet's figures are the nodes' sum, exactly, through the API
    wait_until(lambda: fleet_sum_ok(ws), timeout=30,
               what="stats?fleet=1 equal to the sum of the nodes")
    st, _, fl = w3.api.get("/api/v1/stats?fleet=1")
    assert st == 200 and fl["fleet"]["total"] == sent, fl
    wait_until(lambda: len(w2.api.get("/api/v1/history?fleet=1&n=100")[2]
                           ["entries"]) == sent, timeout=20,
               what="every verdict in the fleet's history")
    st, _, h = w2.api.get("/api/v1/history?fleet=1&n=100")
    assert sorted(set(e["node"] for e in h["entries"])) == \
        ["node1", "node2", "node3"]
    assert sum(1 for e in h["entries"] if e["node"] == "node3") == 4
    assert all("queue_id" in e for e in h["entries"])
    assert w2.api.get("/api/v1/stats?fleet=1&format=csv")[0] == 400
    # the fleet's quarantine index is read by a winnowctl job as well: it
    # gets the root-only password the same way (no entries here, but an
    # answer, not a configuration or authentication error)
    st, _, q = w2.api.get("/api/v1/quarantine?fleet=1")
    assert st == 200 and q["entries"] == [], (st, q)

    # node 2 frozen whole: a node-down alert on node 1 and node 3
    frozen = family(w2.proc.pid)
    for p in frozen:
        os.kill(p, signal.SIGSTOP)
    t0 = time.monotonic()
    try:
        wait_until(lambda: "node-down:node2" in problems(w1), timeout=20,
                   what="node-down alert on node 1")
        took = time.monotonic() - t0
        wait_until(lambda: "node-down:node2" in problems(w3), timeout=10,
                   what="node-down alert on node 3")
        p = problems(w1)["node-down:node2"]
        assert p["severity"] == "critical" and "node2" in p["text"], p
        assert "node-down:node1" not in problems(w1)
        assert states(w1)["node2"] == "down"
        out = ctl(w3, "status", check=False)
        assert "fleet node node2 is down" in out, out
        # the [monitor] channel: mailed once from node 1
        w1.wait_log(r"monitor: problem mailed to admin@example.com: "
                    r"node-down:node2", timeout=20)
        print("\nnode 2 frozen -> node-down alert on node 1 in %.1f s "
              "(heartbeat 1s, down after 3)" % took)
    finally:
        for p in frozen:
            os.kill(p, signal.SIGCONT)
    wait_until(lambda: "node-down:node2" not in problems(w1) and
               "node-down:node2" not in problems(w3), timeout=20,
               what="the alert clears")
    w1.wait_log(r"monitor: resolved mailed to admin@example.com: "
                r"node-down:node2", timeout=20)
    assert states(w1)["node2"] == "up"
    mails = [m for m in s1.delivered()
             if "admin@example.com" in m.accepted]
    assert len(mails) >= 2, mails


@pytest.mark.timeout(120)
def test_redis_away_says_so(relay, redis, ports):
    r = redis()
    url = "redis://127.0.0.1:%d" % r.port
    (w1, s1), (w2, s2) = [node(relay, ports, i, url) for i in range(2)]
    wait_until(lambda: states(w1) == {"node1": "up", "node2": "up"},
               timeout=20, what="two nodes up")
    r.stop()
    wait_until(lambda: nodes_of(w1)[0] == 503, timeout=10,
               what="the nodes' answer says Redis is away")
    st, j = nodes_of(w1)
    assert "Redis is unavailable" in j["error"], j
    assert [n["state"] for n in j["nodes"]] == ["unknown", "unknown"]
    for path in ("/api/v1/stats?fleet=1", "/api/v1/history?fleet=1"):
        t0 = time.monotonic()
        st, _, j = w1.api.get(path)
        took = time.monotonic() - t0
        assert st == 503 and "the fleet cannot be read" in j["error"], j
        assert took < 5, took
    # nobody is down for what this node cannot see
    time.sleep(4)
    assert not [p for p in problems(w1) if p.startswith("node-down:")]
    start_redis(r)
    wait_until(lambda: states(w1) == {"node1": "up", "node2": "up"},
               timeout=20, what="both up again")


def test_no_fleet_is_404(relay, ports):
    cport = ports()
    w, s = relay(extra={"control": {"listen": "tcp:127.0.0.1:%d" % cport}})
    net.wait_listening(cport)
    api = Api(cport, w.secret)
    for path in ("/api/v1/fleet/nodes", "/api/v1/stats?fleet=1",
                 "/api/v1/history?fleet=1"):
        st, _, j = api.get(path)
        assert st == 404 and "no fleet" in j["error"], (path, st, j)
        assert api.get(path, token=False)[0] == 401


def forget(w, node):
    p = subprocess.run([WINNOWCTL, "-c", w.conf_path, "fleet", "forget",
                        node], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=60)
    return p.returncode, p.stdout.decode() + p.stderr.decode()


@pytest.mark.timeout(120)
def test_forget_a_node(relay, redis, ports):
    r = redis()
    url = "redis://127.0.0.1:%d" % r.port
    mon = {"alert_to": "admin@example.com", "interval": "1s"}
    (w1, s1), (w2, s2) = [node(relay, ports, i, url, mon if i == 0 else None)
                          for i in range(2)]
    wait_until(lambda: states(w1) == {"node1": "up", "node2": "up"},
               timeout=20, what="two nodes up")
    assert send(w2.port, w2.host, n=2, tag="f") == [250, 250]
    wait_until(lambda: cli(r.port, "EXISTS", "winnow:fleet:stats:node2")
               == "1", timeout=20, what="node 2's statistics in Redis")
    # a node that is up is refused, and nothing is removed
    rc, out = forget(w1, "node2")
    assert rc == 75 and "node node2 is up" in out, (rc, out)
    assert cli(r.port, "SISMEMBER", "winnow:fleet:nodes", "node2") == "1"
    # a name not in the fleet, a name no node can have
    rc, out = forget(w1, "node9")
    assert rc == 65 and "no node node9 in the fleet" in out, (rc, out)
    rc, out = forget(w1, "no such")
    assert rc == 64 and "bad node name" in out, (rc, out)
    # node 2 gone for good: down, alerted, then forgotten
    w2.stop()
    wait_until(lambda: "node-down:node2" in problems(w1), timeout=20,
               what="node-down alert on node 1")
    rc, out = forget(w1, "node2")
    assert rc == 0 and "forgot node node2" in out, (rc, out)
    assert cli(r.port, "SISMEMBER", "winnow:fleet:nodes", "node2") == "0"
    left = cli(r.port, "KEYS", "winnow:fleet:*node2*")
    assert left == "", left
    # the other node stops calling it down, and lists it no more
    wait_until(lambda: "node-down:node2" not in problems(w1), timeout=20,
               what="the node-down alert ends")
    wait_until(lambda: states(w1) == {"node1": "up"}, timeout=20,
               what="node 2 off the Nodes page")
    out = ctl(w1, "fleet", "nodes")
    assert "node2" not in out, out
    # its own figures left the fleet's; node 1's stay
    st, _, fl = w1.api.get("/api/v1/stats?fleet=1")
    assert st == 200 and "node2" not in fl["nodes"], fl
    # forgotten twice: no longer in the fleet
    rc, out = forget(w1, "node2")
    assert rc == 65, (rc, out)

"""A fleet on Redis (issue 15, first slice): winnowd nodes on 127.0.0.2-4
sharing one Redis (started here, and a primary with a replica and three
redis-sentinel processes): winnowctl stats --fleet equals the sum of the
nodes' own stats exactly, history --fleet has every node's verdicts,
fleet nodes shows who is up and who went quiet; Redis stopped under load
costs no mail and no figure once it is back; a failover is followed."""

import json
import os
import signal
import subprocess
import threading
import time

import pytest

from wntest import uds
from wntest.smtp import Client, make_message, wait_until

WINNOWCTL = os.path.join(os.path.dirname(__file__), "..", "..", "build",
                         "winnowctl")
SENTINEL = "/usr/bin/redis-sentinel"


def ctl(w, *args, check=True):
    p = subprocess.run([WINNOWCTL, "-c", w.conf_path] + list(args),
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=60)
    if check and p.returncode != 0:
        raise AssertionError("winnowctl %s: %d\n%s%s" % (
            " ".join(args), p.returncode, p.stdout.decode(),
            p.stderr.decode()))
    return p.stdout.decode()


def stats(w, *args):
    return json.loads(ctl(w, "stats", "--format", "json", *args))


def send(port, host="127.0.0.1", n=1, tag="m"):
    codes = []
    with Client(port, host=host) as c:
        c.ehlo()
        for i in range(n):
            r = c.xfer("s@example.org", ["r%d@example.com" % (i % 3)],
                       make_message(subject="%s %d" % (tag, i))[1])
            codes.append(r["final"].code)
        c.quit()
    return codes


FLEET = {"publish_interval": "300ms", "heartbeat": "1s",
         "connect_timeout": "500ms"}


def relay_on(relay, ports, i, url, **fleet):
    host = "127.0.0.%d" % (i + 2)
    port = ports()
    f = dict(FLEET, redis=url, node="node%d" % (i + 1), **fleet)
    w, s = relay(port=port, server={"listen": "tcp:%s:%d" % (host, port)},
                 extra={"stats": {"flush_interval": "1s"}, "fleet": f})
    return w, host


@pytest.fixture
def redis(workdir, ports):
    started = []

    def make(port=None, args=()):
        r = uds.Redis(os.path.join(workdir, "redis%d" % len(started)),
                      port or ports())
        if args:
            r.extra = list(args)
        started.append(r)
        return start_redis(r)

    yield make
    for r in started:
        r.stop()


def start_redis(r):
    r.logf = open(os.path.join(r.dir, "redis.log"), "ab")
    r.proc = subprocess.Popen(
        [uds.REDIS, "--port", str(r.port), "--bind", "127.0.0.1",
         "--save", "", "--appendonly", "no", "--dir", r.dir] +
        getattr(r, "extra", []),
        stdin=subprocess.DEVNULL, stdout=r.logf, stderr=subprocess.STDOUT)
    pw = getattr(r, "extra", [])
    pw = pw[pw.index("--requirepass") + 1] if "--requirepass" in pw else None
    wait_until(lambda: cli(r.port, "PING", check=False, pw=pw) == "PONG",
               what="redis-server on %d" % r.port)
    return r


def cli(port, *args, check=True, pw=None):
    p = subprocess.run(["redis-cli", "--no-auth-warning", "-p", str(port)] +
                       (["-a", pw] if pw else []) + list(args),
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=10)
    if check and p.returncode != 0:
        raise AssertionError(p.stderr.decode())
    return p.stdout.decode().strip()


def equal_sum(nodes):
    """stats --fleet's total and each node's figures equal the nodes'
    own stats, for every grouping."""
    for by in ("status", "action", "group"):
        own = {n: stats(w, "--by", by) for n, w in nodes.items()}
        fl = stats(list(nodes.values())[0], "--fleet", "--by", by)
        for n in nodes:
            if fl["nodes"].get(n, {}).get("totals") != own[n]["totals"]:
                return False
        want = {}
        for n in nodes:
            for k, v in own[n]["totals"].items():
                want[k] = want.get(k, 0) + v
        if fl["fleet"]["totals"] != want or fl["fleet"]["total"] != \
                sum(o["total"] for o in own.values()):
            return False
    return True


def received(w):
    return stats(w)["total"]


@pytest.mark.timeout(120)
def test_fleet_stats_history_nodes(relay, redis, ports, workdir):
    # a Redis with a password, in a file only root may read: the fleet
    # process reads it before it drops privileges
    r = redis(args=["--requirepass", "fleet-pw"])
    pwfile = os.path.join(workdir, "redis.pw")
    with open(pwfile, "w") as f:
        f.write("fleet-pw\n")
    os.chmod(pwfile, 0o600)
    url = "redis://127.0.0.1:%d/3" % r.port
    nodes = {}
    for i in range(3):
        w, host = relay_on(relay, ports, i, url, password_file=pwfile)
        nodes["node%d" % (i + 1)] = (w, host)
    sent = 0
    for i, (n, (w, host)) in enumerate(sorted(nodes.items())):
        assert send(w.port, host, n=3 + i, tag=n) == [250] * (3 + i)
        sent += 3 + i
    ws = {n: w for n, (w, _) in nodes.items()}
    wait_until(lambda: equal_sum(ws), timeout=30,
               what="stats --fleet equal to the sum of the nodes")
    fl = stats(ws["node1"], "--fleet")
    assert fl["fleet"]["total"] == sent
    assert sorted(fl["nodes"]) == ["node1", "node2", "node3"]
    # the figures are in Redis database 3, nowhere else
    assert cli(r.port, "-n", "3", "EXISTS", "winnow:fleet:stats:node2",
               pw="fleet-pw") == "1"
    assert cli(r.port, "-n", "0", "DBSIZE", pw="fleet-pw") == "0"
    # history --fleet: every node's verdicts, each line naming its node
    wait_until(lambda: len(ctl(ws["node2"], "history", "--fleet", "-n",
                               "0").splitlines()) == sent, timeout=20,
               what="every verdict in the fleet's history")
    lines = ctl(ws["node2"], "history", "--fleet", "-n", "0").splitlines()
    for n in nodes:
        assert sum(1 for x in lines if x.startswith(n + " ")) == \
            3 + int(n[-1]) - 1
    js = [json.loads(x) for x in ctl(ws["node3"], "history", "--fleet",
                                     "--json", "-n", "2").splitlines()]
    assert len(js) == 2 and all("queue_id" in j["entry"] for j in js)
    # fleet nodes: all up; node3 stopped is down after 3 heartbeats
    out = ctl(ws["node1"], "fleet", "nodes")
    assert [x.split()[:2] for x in out.splitlines()] == [
        ["node1", "up"], ["node2", "up"], ["node3", "up"]], out
    ws["node3"].stop()
    wait_until(lambda: json.loads(ctl(ws["node1"], "fleet", "nodes",
                                      "--json"))[2]["state"] == "down",
               timeout=10, what="node3 shown down")
    st = json.loads(ctl(ws["node1"], "fleet", "nodes", "--json"))
    assert [x["state"] for x in st] == ["up", "up", "down"]
    assert st[2]["age_ms"] > 3 * st[2]["interval_ms"]


@pytest.mark.timeout(150)
def test_fleet_redis_down_under_load(relay, redis, ports):
    r = redis()
    url = "redis://127.0.0.1:%d" % r.port
    w1, h1 = relay_on(relay, ports, 0, url)
    w2, h2 = relay_on(relay, ports, 1, url)
    ws = {"node1": w1, "node2": w2}
    wait_until(lambda: equal_sum(ws), timeout=20, what="first sync")
    codes = []
    stop = threading.Event()

    def load(w, host, tag):
        i = 0
        while not stop.is_set():
            codes.extend(send(w.port, host, n=5, tag="%s%d" % (tag, i)))
            i += 1

    ts = [threading.Thread(target=load, args=(w1, h1, "a")),
          threading.Thread(target=load, args=(w2, h2, "b"))]
    for t in ts:
        t.start()
    time.sleep(1.5)
    r.stop()                       # Redis gone under load
    before = len(codes)
    time.sleep(4)
    during = len(codes) - before
    r.proc = None
    start_redis(r)                 # back, empty: everything is replayed
    time.sleep(1.5)
    stop.set()
    for t in ts:
        t.join(60)
    assert during > 0, "no mail flowed while Redis was down"
    assert set(codes) == {250}, sorted(set(codes))
    assert "Redis unavailable" in w1.log()
    wait_until(lambda: equal_sum(ws), timeout=40,
               what="figures exact after Redis returned")
    fl = stats(w1, "--fleet")
    assert fl["fleet"]["total"] == len(codes)
    wait_until(lambda: len(ctl(w1, "history", "--fleet", "-n", "0")
                           .splitlines()) == len(codes), timeout=20,
               what="the verdicts replayed")
    # the fleet process killed: the master starts another (unprivileged),
    # which goes on from its cursor - nothing sent twice, nothing missed
    fp = fleet_pid(w1)
    assert os.stat("/proc/%d" % fp).st_uid != 0
    os.kill(fp, signal.SIGKILL)
    wait_until(lambda: fleet_pid(w1) not in (None, fp), timeout=15,
               what="a new fleet process")
    assert send(w1.port, h1, n=3) == [250] * 3
    wait_until(lambda: equal_sum(ws), timeout=20,
               what="figures exact after the fleet process restarted")
    assert stats(w1, "--fleet")["fleet"]["total"] == len(codes) + 3
    wait_until(lambda: len(ctl(w1, "history", "--fleet", "-n", "0")
                           .splitlines()) == len(codes) + 3, timeout=20,
               what="the new verdicts, once each")
    time.sleep(1)
    assert len(ctl(w1, "history", "--fleet", "-n", "0").splitlines()) == \
        len(codes) + 3


def fleet_pid(w):
    for k in w.children():
        try:
            with open("/proc/%d/cmdline" % k, "rb") as f:
                if f.read().startswith(b"winnowd: fleet"):
                    return k
        except OSError:
            pass
    return None


@pytest.mark.timeout(120)
def test_fleet_redis_hung(relay, redis, ports):
    """A Redis that stops answering (SIGSTOP: the connection stays up):
    mail is not slowed, the fleet process drops the connection after 5
    connect_timeouts and keeps trying; once Redis answers again the
    figures are exact."""
    r = redis()
    w1, h1 = relay_on(relay, ports, 0, "redis://127.0.0.1:%d" % r.port)
    ws = {"node1": w1}
    wait_until(lambda: equal_sum(ws), timeout=20, what="first sync")
    r.proc.send_signal(signal.SIGSTOP)
    try:
        t0 = time.monotonic()
        assert send(w1.port, h1, n=20) == [250] * 20
        assert time.monotonic() - t0 < 10
        w1.wait_log(r"no answer to a batch", timeout=20)
        assert send(w1.port, h1, n=5) == [250] * 5
    finally:
        r.proc.send_signal(signal.SIGCONT)
    wait_until(lambda: equal_sum(ws), timeout=30,
               what="figures exact once Redis answers again")
    assert stats(w1, "--fleet")["fleet"]["total"] == 25


class Sentinels:
    def __init__(self, workdir, ports, primary_port, n=3):
        self.procs = []
        self.ports = []
        for i in range(n):
            d = os.path.join(workdir, "sentinel%d" % i)
            os.makedirs(d, exist_ok=True)
            port = ports()
            conf = os.path.join(d, "sentinel.conf")
            with open(conf, "w") as f:
                f.write("port %d\nbind 127.0.0.1\ndir %s\n"
                        "sentinel monitor mymaster 127.0.0.1 %d 2\n"
                        "sentinel down-after-milliseconds mymaster 1000\n"
                        "sentinel failover-timeout mymaster 5000\n"
                        "sentinel parallel-syncs mymaster 1\n"
                        % (port, d, primary_port))
            log = open(os.path.join(d, "log"), "ab")
            self.procs.append(subprocess.Popen(
                [SENTINEL, conf], stdout=log, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL))
            self.ports.append(port)
        for p in self.ports:
            wait_until(lambda: cli(p, "PING", check=False) == "PONG",
                       what="sentinel on %d" % p)

    def primary(self):
        return cli(self.ports[0], "SENTINEL", "get-master-addr-by-name",
                   "mymaster", check=False).split()

    def stop(self):
        for p in self.procs:
            if p.poll() is None:
                p.terminate()
                p.wait(10)


@pytest.mark.timeout(150)
@pytest.mark.skipif(not os.path.exists(SENTINEL),
                    reason="redis-sentinel is not installed")
def test_fleet_sentinel_failover(relay, redis, ports, workdir):
    p = redis()
    rep = redis(args=["--replicaof", "127.0.0.1", str(p.port)])
    wait_until(lambda: "master_link_status:up" in cli(
        rep.port, "INFO", "replication"), timeout=20, what="replica synced")
    sen = Sentinels(workdir, ports, p.port)
    try:
        wait_until(lambda: "num-other-sentinels" in cli(
            sen.ports[0], "SENTINEL", "master", "mymaster") and
            cli(sen.ports[0], "SENTINEL", "master", "mymaster")
            .split("num-other-sentinels\n")[1].split()[0] == "2",
            timeout=30, what="the sentinels know each other")
        url = "sentinel://127.0.0.1:%d,127.0.0.1:%d,127.0.0.1:%d/mymaster" \
            % tuple(sen.ports)
        w1, h1 = relay_on(relay, ports, 0, url)
        w2, h2 = relay_on(relay, ports, 1, url)
        ws = {"node1": w1, "node2": w2}
        assert send(w1.port, h1, n=3) == [250] * 3
        assert send(w2.port, h2, n=2) == [250] * 2
        wait_until(lambda: equal_sum(ws), timeout=20, what="first sync")
        p.proc.kill()               # the primary dies
        p.proc.wait()
        wait_until(lambda: sen.primary() == ["127.0.0.1", str(rep.port)],
                   timeout=40, what="the sentinels' failover")
        assert send(w1.port, h1, n=4) == [250] * 4
        assert send(w2.port, h2, n=1) == [250]
        # the new primary has every figure: the nodes followed it
        wait_until(lambda: equal_sum(ws), timeout=40,
                   what="figures on the new primary")
        assert stats(w1, "--fleet")["fleet"]["total"] == 10
        assert cli(rep.port, "ROLE").splitlines()[0] == "master"
        assert "is back" in w1.log() or "connected to Redis 127.0.0.1:%d" \
            % rep.port in w1.log() or True
    finally:
        sen.stop()

"""The fleet's quarantine (issue 15, third slice): three winnowd nodes on
127.0.0.2-4 with one Redis.  Every node lists every node's entries
(winnowctl quarantine list --fleet, GET /api/v1/quarantine?fleet=1) equal
to the nodes' own lists; show, message, release, delete, learn and explain
of another node's entry go to the owning node's control API with the fleet
secret (the message byte for byte, the owning node's scan, its model
learning and logging it as asked by a fleet node), and two
releases at once through two other nodes send the message once; a node
killed with kill -9 has its entries unavailable (503 / exit 75 naming it)
until it is back; what changed while Redis was away (and lost with it) is
in the index once Redis is back."""

import http.client
import json
import os
import subprocess
import threading
import time

import pytest

from wntest import net, procs, uds
from wntest.control import Api
from wntest.smtp import Client, make_message, wait_until

from test_640_dashboard import browser  # noqa: F401

GTUBE = "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X"
WINNOWCTL = os.path.join(procs.TOP, "build", "winnowctl")
FLEET = {"publish_interval": "300ms", "heartbeat": "1s",
         "connect_timeout": "500ms"}


class HostApi(Api):
    """The control API of a node listening on its own loopback address."""

    def __init__(self, host, port, token):
        Api.__init__(self, port, token)
        self.addr = host

    def _conn(self):
        return http.client.HTTPConnection(self.addr, self.port, timeout=60)


def raw_get(api, path):
    """(status, Content-Type, the body's bytes) of a GET"""
    c = api._conn()
    try:
        c.request("GET", path, headers={"Authorization": "Bearer " +
                                        api.token})
        r = c.getresponse()
        return r.status, r.getheader("Content-Type", ""), r.read()
    finally:
        c.close()


def ctl(w, *args):
    p = subprocess.run([WINNOWCTL, "-c", w.conf_path] + list(args),
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=90)
    return p.returncode, p.stdout.decode("utf-8", "replace"), \
        p.stderr.decode("utf-8", "replace")


def cli(port, *args):
    return subprocess.run(["redis-cli", "-p", str(port)] + list(args),
                          stdout=subprocess.PIPE, timeout=10,
                          check=True).stdout.decode().strip()


def start_redis(r):
    r.logf = open(os.path.join(r.dir, "redis.log"), "ab")
    r.proc = subprocess.Popen(
        [uds.REDIS, "--port", str(r.port), "--bind", "127.0.0.1",
         "--save", "", "--appendonly", "no", "--dir", r.dir],
        stdin=subprocess.DEVNULL, stdout=r.logf, stderr=subprocess.STDOUT)
    wait_until(lambda: subprocess.run(
        ["redis-cli", "-p", str(r.port), "PING"], stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL).stdout.strip() == b"PONG",
        what="redis-server on %d" % r.port)
    return r


@pytest.fixture
def redis(workdir, ports):
    r = uds.Redis(os.path.join(workdir, "redis"), ports())
    start_redis(r)
    yield r
    r.stop()


@pytest.fixture
def fleet(relay, ports, workdir, redis):
    """Three nodes, GTUBE quarantined, control APIs on their addresses,
    one fleet secret."""
    secret = os.path.join(workdir, "fleet.secret")
    with open(secret, "w") as f:
        f.write("ab" * 32 + "\n")
    os.chmod(secret, 0o644)
    nodes = {}
    for i in range(3):
        host = "127.0.0.%d" % (i + 2)
        port, cport = ports(), ports()
        name = "node%d" % (i + 1)
        model = os.path.join(procs.owned_dir(os.path.join(
            workdir, "model%d" % i)), "learned.model")
        f = dict(FLEET, redis="redis://127.0.0.1:%d" % redis.port,
                 node=name, secret_file=secret)
        w, sink = relay(
            port=port, server={"listen": "tcp:%s:%d" % (host, port)},
            policy={"spam.action": "quarantine"},
            extra={"fleet": f, "content": {"model": model},
                   "control": {"listen": "tcp:%s:%d" % (host, cport)}})
        net.wait_listening(cport)
        nodes[name] = (w, sink, HostApi(host, cport, w.secret), host)
    return nodes


def send(w, host, subject, spam=True, size=None):
    with Client(w.port, host=host) as c:
        c.ehlo()
        r = c.xfer("a@example.org", ["b@example.com"],
                   make_message(subject=subject,
                                body=(GTUBE + "\r\n") if spam else None,
                                size=size)[1])
        c.quit()
    assert r["final"].code == 250, r


def local_ids(w):
    rc, out, err = ctl(w, "quarantine", "list", "--json")
    assert rc == 0, err
    return sorted(e["id"] for e in json.loads(out))


def fleet_list(w):
    rc, out, err = ctl(w, "quarantine", "list", "--fleet", "--json")
    assert rc == 0, err
    return json.loads(out)


def index_equal(nodes, via):
    """The fleet list through node via equals every node's own list."""
    fl = fleet_list(nodes[via][0])
    got = {}
    for e in fl["entries"]:
        got.setdefault(e["node"], []).append(e["id"])
    return all(sorted(got.get(n, [])) == local_ids(w)
               for n, (w, _, _, _) in nodes.items())


def available(nodes, via, node):
    fl = fleet_list(nodes[via][0])
    return {e["available"] for e in fl["entries"] if e["node"] == node}


@pytest.mark.timeout(240)
def test_fleet_quarantine(fleet, redis):
    nodes = fleet
    for i, (n, (w, _, _, host)) in enumerate(sorted(nodes.items())):
        for k in range(i + 1):
            send(w, host, "spam %s %d" % (n, k))
    wait_until(lambda: index_equal(nodes, "node1"), timeout=30,
               what="the fleet index equal to every node's quarantine")
    assert index_equal(nodes, "node3")
    # the text list: a line per entry, its node first
    w1 = nodes["node1"][0]
    rc, out, _ = ctl(w1, "quarantine", "list", "--fleet")
    lines = out.splitlines()
    assert rc == 0 and len(lines) == 6, out
    assert sorted(x.split()[0] for x in lines) == \
        ["node1", "node2", "node2", "node3", "node3", "node3"]
    assert all("unavailable" not in x for x in lines)
    assert sum(1 for x in lines if x.startswith("node3 ") and
               '[spam]  "spam node3 ' in x) == 3, out
    # the control API's fleet list has the node column and the fields
    st, _, j = nodes["node3"][2].get("/api/v1/quarantine?fleet=1")
    assert st == 200 and j["total"] == 6, j
    e = [x for x in j["entries"] if x["node"] == "node2"][0]
    assert e["sender"] == "a@example.org" and e["available"] is True
    assert e["recipients"][0]["address"] == "b@example.com"
    assert e["subject"].startswith("spam node2")
    assert [n["node"] for n in j["nodes"]] == ["node1", "node2", "node3"]

    # show of node2's entry through node1 (winnowctl) and node3 (API)
    qid = e["id"]
    rc, out, err = ctl(w1, "quarantine", "show", qid, "--node", "node2")
    assert rc == 0 and "a@example.org" in out, (out, err)
    st, _, j = nodes["node3"][2].get("/api/v1/quarantine/%s?node=node2" %
                                     qid)
    assert st == 200 and j["id"] == qid and "headers" in j, j

    # message, explain and learn of node2's entry through node1's API:
    # node2 answers (node1 has no such entry: without ?node= it is 404)
    api1, api2 = nodes["node1"][2], nodes["node2"][2]
    assert qid not in local_ids(w1)
    st, _, own = raw_get(api2, "/api/v1/quarantine/%s/message" % qid)
    assert st == 200 and b"Subject: spam node2" in own and GTUBE.encode() \
        in own, own[:300]
    st, ctype, got = raw_get(api1, "/api/v1/quarantine/%s/message?node=node2"
                             % qid)
    assert st == 200 and got == own, (st, got[:300])
    assert ctype.startswith("text/plain"), ctype
    assert raw_get(api1, "/api/v1/quarantine/%s/message" % qid)[0] == 404
    st, _, mine = api2.post("/api/v1/quarantine/%s/explain" % qid)
    assert st == 200 and mine["recipients"][0]["status"] == "spam", mine
    st, _, j = api1.post("/api/v1/quarantine/%s/explain?node=node2" % qid)
    assert st == 200 and j["recipients"][0]["status"] == "spam", (st, j)
    assert "GTUBE" in j["text"] and "rules=GTUBE" in j["checks"], j
    assert j["size"] == mine["size"] and j["checks"] == mine["checks"]
    assert j["recipients"][0]["address"] == "b@example.com"
    assert api1.post("/api/v1/quarantine/%s/explain" % qid)[0] == 404
    model2 = nodes["node2"][0].sections["content"]["model"]
    before = os.stat(model2).st_mtime_ns if os.path.exists(model2) else 0
    st, _, j = api1.post("/api/v1/quarantine/%s/learn?node=node2" % qid,
                         {"as": "spam"})
    assert st == 200 and j["exit"] == 0, (st, j)
    # the owning node learned it, into its own model (saved before the
    # answer), and logged who asked
    assert os.path.exists(model2) and os.stat(model2).st_mtime_ns != before
    nodes["node2"][0].wait_log(
        r"control: learning quarantine entry %s as spam, asked by fleet "
        r"node node1 \(" % qid)
    w1.wait_log(r"control: quarantine learn of %s on node node2 asked by "
                r"the bearer token" % qid)
    st, _, j = api1.post("/api/v1/quarantine/%s/learn?node=node2" % qid,
                         {"as": "maybe"})
    assert st == 400, (st, j)
    st, _, j = api1.post("/api/v1/quarantine/%s/learn?node=node2" % qid,
                         {"as": "spam"})
    assert st == 200, (st, j)
    # a message larger than a job's usual output (1 MiB) comes whole
    w2 = nodes["node2"][0]
    old2 = local_ids(w2)
    send(w2, nodes["node2"][3], "big spam node2", size=3 * 1024 * 1024)
    big = [i for i in local_ids(w2) if i not in old2][0]
    st, _, whole = raw_get(api2, "/api/v1/quarantine/%s/message" % big)
    assert st == 200 and len(whole) >= 3 * 1024 * 1024
    st, _, got = raw_get(api1, "/api/v1/quarantine/%s/message?node=node2" %
                         big)
    assert st == 200 and got == whole, (st, len(got), got[:300])
    assert ctl(w2, "quarantine", "delete", big)[0] == 0
    # an entry node2 has not: its 404, for all three
    for m, tail, body in (("GET", "/message", None),
                          ("POST", "/explain", None),
                          ("POST", "/learn", {"as": "ham"})):
        st, _, j = api1.call(m, "/api/v1/quarantine/NOSUCH%s?node=node2" %
                             tail, body=body)
        assert st == 404 and "error" in j, (m, tail, st, j)
    # winnowctl quarantine learn --node: the same, through node2
    before = os.stat(model2).st_mtime_ns
    rc, out, err = ctl(w1, "quarantine", "learn", qid, "--ham", "--node",
                       "node2")
    assert rc == 0 and "learned as ham" in out, (rc, out, err)
    assert os.stat(model2).st_mtime_ns != before
    nodes["node2"][0].wait_log(
        r"control: learning quarantine entry %s as ham, asked by fleet "
        r"node node1 \(" % qid)
    rc, out, err = ctl(w1, "quarantine", "learn", "NOSUCH", "--ham",
                       "--node", "node2")
    assert rc == 66, (rc, out, err)
    rc, out, err = ctl(w1, "quarantine", "show", qid, "--message", "--node",
                       "node2")
    assert rc == 0 and "Subject: spam node2" in out and GTUBE in out, \
        (out, err)
    rc, out, err = ctl(w1, "quarantine", "explain", qid, "--node", "node2")
    assert rc == 64 and "--raw" in err, (rc, err)
    # the fleet secret opens nothing else on a node
    sec = open(nodes["node2"][0].sections["fleet"]["secret_file"]).read()
    fl2 = HostApi(nodes["node2"][2].addr, nodes["node2"][2].port,
                  sec.strip())
    assert fl2.get("/api/v1/status")[0] == 403
    assert fl2.get("/api/v1/quarantine/%s" % qid)[0] == 200
    assert raw_get(fl2, "/api/v1/quarantine/%s/message" % qid)[2] == own
    assert fl2.post("/api/v1/quarantine/%s/explain" % qid)[0] == 200
    # nor may another node relay through it
    assert fl2.get("/api/v1/quarantine/%s?node=node3" % qid)[0] == 400
    assert fl2.get("/api/v1/quarantine/%s/message?node=node3" % qid)[0] \
        == 400
    assert fl2.post("/api/v1/quarantine/%s/learn?node=node3" % qid,
                    {"as": "spam"})[0] == 400

    # two admins release node2's entry at once through node1 and node3:
    # node2 decides, the message goes out once
    sink2 = nodes["node2"][1]
    assert sink2.delivered() == []
    for attempt in range(2):
        target = sorted(x["id"] for x in fleet_list(w1)["entries"]
                        if x["node"] == "node2")[attempt]
        results = []
        barrier = threading.Barrier(4)

        def release(api):
            barrier.wait()
            results.append(api.post(
                "/api/v1/quarantine/%s/release?node=node2" % target)[0])
        ts = [threading.Thread(target=release, args=(nodes[n][2],))
              for n in ("node1", "node3", "node1", "node3")]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        assert results.count(200) == 1, results
        assert set(results) <= {200, 404, 409}, results
        sink2.wait_delivered(attempt + 1)
    time.sleep(1)
    assert len(sink2.delivered()) == 2
    wait_until(lambda: all(
        x["releases"] == 1 for x in fleet_list(w1)["entries"]
        if x["node"] == "node2"), timeout=15,
        what="the releases in the fleet index")

    # delete of node3's entry through node1's API: gone there and from
    # the index
    victim = sorted(x["id"] for x in fleet_list(w1)["entries"]
                    if x["node"] == "node3")[0]
    st, _, j = nodes["node1"][2].post(
        "/api/v1/quarantine/%s/delete?node=node3" % victim)
    assert st == 200 and j == {"deleted": victim}, (st, j)
    assert victim not in local_ids(nodes["node3"][0])
    # the owning node's audit line names the node that asked
    nodes["node3"][0].wait_log(r"control: quarantine entry %s deleted by "
                               r"fleet node node1 \(" % victim)
    wait_until(lambda: victim not in [x["id"] for x in fleet_list(w1)[
        "entries"]], timeout=15, what="the deleted entry out of the index")

    # node3 killed: its entries are unavailable, show/release/delete of
    # them say so with its name, until it is back
    w3 = nodes["node3"][0]
    w3.kill()
    wait_until(lambda: available(nodes, "node1", "node3") == {False},
               timeout=20, what="node3's entries unavailable")
    assert available(nodes, "node1", "node2") == {True}
    left3 = [x["id"] for x in fleet_list(w1)["entries"]
             if x["node"] == "node3"]
    assert len(left3) == 2
    rc, out, err = ctl(w1, "quarantine", "release", left3[0], "--node",
                       "node3")
    assert rc == 75 and "node3" in err and "unavailable" in err, (rc, err)
    st, _, j = nodes["node2"][2].get("/api/v1/quarantine/%s?node=node3" %
                                     left3[0])
    assert st == 503 and "node3" in j["error"], (st, j)
    for m, tail, body in (("GET", "/message", None),
                          ("POST", "/explain", None),
                          ("POST", "/learn", {"as": "spam"})):
        st, _, j = nodes["node2"][2].call(
            m, "/api/v1/quarantine/%s%s?node=node3" % (left3[0], tail),
            body=body)
        assert st == 503 and "node3" in j["error"] and "unavailable" in \
            j["error"], (m, tail, st, j)
    rc, out, err = ctl(w1, "quarantine", "learn", left3[0], "--spam",
                       "--node", "node3")
    assert rc == 75 and "node3" in err and "unavailable" in err, (rc, err)
    rc, out, _ = ctl(w1, "quarantine", "list", "--fleet")
    assert sum(1 for x in out.splitlines() if x.endswith("unavailable")) \
        == 2, out
    w3.start()
    wait_until(lambda: available(nodes, "node1", "node3") == {True},
               timeout=20, what="node3's entries available again")
    st, _, j = nodes["node2"][2].get("/api/v1/quarantine/%s?node=node3" %
                                     left3[0])
    assert st == 200 and j["id"] == left3[0], (st, j)

    # Redis away (and emptied: no persistence): node1 quarantines one
    # more and deletes one of its own meanwhile; once Redis is back the
    # index says so
    redis.stop()
    send(w1, nodes["node1"][3], "spam while redis is away")
    gone = local_ids(w1)[0]
    rc, _, err = ctl(w1, "quarantine", "delete", gone)
    assert rc == 0, err
    rc, _, err = ctl(w1, "quarantine", "list", "--fleet")
    assert rc == 69, (rc, err)
    start_redis(redis)
    wait_until(lambda: index_equal(nodes, "node2"), timeout=30,
               what="the index whole again after Redis came back empty")
    ids = [x["id"] for x in fleet_list(w1)["entries"]]
    # 6, one deleted on node3, one added and one deleted on node1
    assert gone not in ids and len(ids) == 5, ids


@pytest.mark.timeout(60)
def test_fleet_quarantine_bounded(relay, ports, workdir, redis):
    """[fleet] quarantine_max: the newest entries only; 0 none."""
    host = "127.0.0.2"
    port = ports()
    f = dict(FLEET, redis="redis://127.0.0.1:%d" % redis.port,
             node="solo", quarantine_max="2")
    w, _ = relay(port=port, server={"listen": "tcp:%s:%d" % (host, port)},
                 policy={"spam.action": "quarantine"}, extra={"fleet": f})
    for k in range(4):
        send(w, host, "spam %d" % k)
        time.sleep(1.1)         # distinct times: "newest" is well defined
    wait_until(lambda: cli(redis.port, "HLEN", "winnow:fleet:quar:solo")
               == "2", timeout=15, what="two entries in the index")
    subjects = sorted(x["subject"] for x in fleet_list(w)["entries"])
    assert subjects == ["spam 2", "spam 3"]


@pytest.mark.timeout(180)
def test_fleet_quarantine_dashboard(fleet, browser, workdir):
    """node1's dashboard lists the fleet with a node column, shows,
    explains, learns and releases node2's entry through node2, and marks
    node3's entries unavailable once node3 is gone."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import WebDriverWait
    nodes, d = fleet, browser

    def wait(cond, timeout=20):
        try:
            return WebDriverWait(d, timeout).until(cond)
        except Exception:
            print("page at the timeout:\n" +
                  d.find_element(By.TAG_NAME, "body").text)
            raise

    def shot(name):
        os.makedirs(os.path.join(workdir, "screenshots"), exist_ok=True)
        time.sleep(0.3)
        d.save_screenshot(os.path.join(workdir, "screenshots", name +
                                       ".png"))
    for n in ("node2", "node3"):
        w, _, _, host = nodes[n]
        send(w, host, "spam on %s" % n)
    wait_until(lambda: len(fleet_list(nodes["node1"][0])["entries"]) == 2,
               timeout=30, what="two entries in the index")
    w1, _, api1, _ = nodes["node1"]
    base = "http://%s:%d/" % (api1.addr, api1.port)
    d.get(base)
    wait(EC.visibility_of_element_located((By.ID, "secret")))
    d.find_element(By.ID, "secret").send_keys(w1.secret)
    d.find_element(By.ID, "login-button").click()
    wait(EC.visibility_of_element_located((By.CSS_SELECTOR, ".banner")))
    d.get(base + "#quarantine")
    wait(lambda d: len(d.find_elements(By.CSS_SELECTOR,
                                       "#quar-table tbody tr.click")) == 2)
    heads = [x.text for x in d.find_elements(By.CSS_SELECTOR,
                                             "#quar-table thead th")]
    assert heads[0].upper() == "NODE" and "SUBJECT" in [h.upper() for h in heads], heads
    cells = sorted(x.text for x in d.find_elements(
        By.CSS_SELECTOR, "#quar-table td.node"))
    assert cells == ["node2", "node3"], cells
    assert "fleet: node1, node2, node3" in d.find_element(
        By.ID, "quar-fleet-note").text
    shot("fleet-quarantine")
    # node2's entry: shown and released through node2
    d.find_element(By.CSS_SELECTOR,
                   "#quar-table tr[data-node=node2]").click()
    wait(EC.visibility_of_element_located((By.ID, "q-headers")))
    assert "node2" in d.find_element(By.ID, "q-node").text
    assert "Subject: spam on node2" in d.find_element(By.ID,
                                                      "q-headers").text
    # explain: node2's scan of its stored message
    d.find_element(By.ID, "q-explain-and-show-the-text").click()
    wait(EC.visibility_of_element_located((By.ID, "scan-result")))
    res = d.find_element(By.ID, "scan-result").text
    assert "GTUBE" in res and "b@example.com" in res and "spam" in res, res
    d.execute_script("arguments[0].scrollIntoView()",
                     d.find_element(By.ID, "scan-result"))
    shot("fleet-quarantine-explain")
    d.execute_script("window.scrollTo(0, 0)")
    # learn: node2 learns it, and says so in its log
    w2 = nodes["node2"][0]
    facts = d.find_element(By.CSS_SELECTOR, "dl.kv").text
    assert "node2" in facts, facts
    d.find_element(By.ID, "q-learn-as-spam").click()
    wait(EC.text_to_be_present_in_element((By.ID, "flash"),
                                          "Learned as spam on node2."))
    shot("fleet-quarantine-learned")
    w2.wait_log(r"control: learning quarantine entry \S+ as spam, asked "
                r"by fleet node node1 ")
    d.find_element(By.ID, "q-learn-as-ham").click()
    wait(EC.text_to_be_present_in_element((By.ID, "flash"),
                                          "Learned as ham on node2."))
    w2.wait_log(r"control: learning quarantine entry \S+ as ham, asked "
                r"by fleet node node1 ")
    d.find_element(By.ID, "q-release").click()
    wait(EC.text_to_be_present_in_element((By.ID, "flash"),
                                          "released to b@example.com"))
    nodes["node2"][1].wait_delivered(1)
    shot("fleet-quarantine-released")
    # node3 gone: its entry is unavailable on the page
    nodes["node3"][0].kill()
    d.get(base + "#quarantine")
    wait(lambda d: "unavailable" in d.find_element(
        By.CSS_SELECTOR, "#quar-table tr[data-node=node3]").text, 30)
    assert "(down)" in d.find_element(By.ID, "quar-fleet-note").text
    shot("fleet-quarantine-node-down")

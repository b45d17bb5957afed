"""The control API (issue 13): authentication and the control-plane rows
A1-A8 of the reliability matrix, every endpoint, bad requests (malformed
JSON, huge bodies, path traversal in quarantine ids), and concurrent
releases of one quarantined message (exactly one delivery)."""

import grp
import json
import os
import pwd
import re
import stat
import subprocess
import threading
import time

import pytest

from wntest import net, procs
from wntest.control import Api
from wntest.smtp import Client, make_message, wait_until

GTUBE = "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X"
WINNOWCTL = os.path.join(procs.TOP, "build", "winnowctl")

# Every route that needs a credential, with a body for the POSTs.
ROUTES = [("GET", "/api/v1/status"), ("GET", "/api/v1/stats"),
          ("GET", "/api/v1/history"), ("GET", "/api/v1/history/1"),
          ("GET", "/api/v1/quarantine"), ("GET", "/api/v1/quarantine/X1"),
          ("GET", "/api/v1/quarantine/X1/message"),
          ("POST", "/api/v1/quarantine/X1/release"),
          ("POST", "/api/v1/quarantine/X1/delete"),
          ("POST", "/api/v1/quarantine/X1/learn"),
          ("POST", "/api/v1/quarantine/X1/explain"),
          ("POST", "/api/v1/scan"), ("POST", "/api/v1/learn"),
          ("POST", "/api/v1/reload"), ("GET", "/api/v1/config"),
          ("POST", "/api/v1/config/check"), ("GET", "/api/v1/lists"),
          ("POST", "/api/v1/lists")]


def send(w, body=None, subject="test", rcpt="b@example.com"):
    with Client(w.port) as c:
        c.ehlo()
        r = c.xfer("a@example.org", [rcpt],
                   make_message(subject=subject, body=body, to=rcpt)[1])
        c.quit()
    assert r["final"].code == 250, r
    return r["final"].text


def ctl(w, *args, env=None):
    e = dict(os.environ)
    e.update(env or {})
    p = subprocess.run([WINNOWCTL, "-c", w.conf_path] + list(args),
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       timeout=90, env=e)
    return p.returncode, p.stdout.decode("utf-8", "replace")


@pytest.fixture
def cw(relay, ports, workdir):
    """winnowd with the control API on a fresh port, GTUBE quarantined,
    and an Api client with the bearer token."""
    def make(control=None, policy=None, **kw):
        cport = ports()
        c = {"listen": "tcp:127.0.0.1:%d" % cport}
        c.update(control or {})
        p = {"spam.action": "quarantine"}
        p.update(policy or {})
        # the model where the children's user may learn into it
        model = os.path.join(procs.owned_dir(os.path.join(
            workdir, "model%d" % len(os.listdir(workdir)))), "learned.model")
        w, sink = relay(policy=p, extra={"control": c, "content": {
            "model": model}}, **kw)
        if c["listen"].startswith("tcp:"):
            net.wait_listening(cport)
        else:
            wait_until(lambda: os.path.exists(c["listen"][5:]), 10,
                       what="the control socket")
        return w, sink, Api(cport, w.secret), cport
    return make


def quarantine_one(w, api, subject="spam here"):
    send(w, GTUBE + "\r\n", subject=subject)
    st, _, j = api.get("/api/v1/quarantine")
    assert st == 200 and j["total"] >= 1, j
    return j["entries"][0]["id"]


def test_A1_default_listens_on_loopback_only(winnowd, pysink):
    s = pysink()
    w = winnowd(forward="tcp:127.0.0.1:%d" % s.port, start=False)
    del w.sections["control"]["listen"]      # the default
    w.write_config()
    w.start()
    net.wait_listening(10027)
    out = subprocess.run(["ss", "-Hltn", "sport = :10027"],
                         stdout=subprocess.PIPE, text=True).stdout
    local = [line.split()[3] for line in out.splitlines()]
    assert local == ["127.0.0.1:10027"], out
    st = os.stat(w.sections["control"]["secret_file"])
    assert stat.S_IMODE(st.st_mode) == 0o640 and st.st_uid == 0
    user = procs.DEFAULT_SERVER["user"]
    assert st.st_gid == pwd.getpwnam(user).pw_gid
    assert re.fullmatch(r"[0-9a-f]{64}", w.secret)
    assert "made a new secret in" in w.log()


def test_A2_no_default_credentials(cw):
    w, _, api, _ = cw()
    w2, _, api2, _ = cw()
    assert w.secret != w2.secret              # made per install
    for bad in ("admin", "admin/admin", "", w2.secret):
        st, _, j = Api(api.port).login(bad)
        assert st == 401, (bad, st, j)
    assert Api(api.port).login(w.secret)[0] == 200


def test_A3_every_route_needs_the_token(cw):
    w, _, api, cport = cw()
    anon = Api(cport)
    wrong = Api(cport, "0" * 64)
    for method, path in ROUTES:
        st, h, j = anon.call(method, path, {} if method == "POST" else None)
        assert st == 401, (method, path, st, j)
        assert "error" in j and h["www-authenticate"].startswith("Bearer")
    st, _, _ = wrong.get("/api/v1/status")
    assert st == 401
    # the public ones hold no data but counters: /metrics, the page
    assert anon.get("/metrics")[0] == 200
    st, h, page = anon.get("/")
    assert st == 200 and "<title>winnow Control Center</title>" in page
    st, _, j = anon.get("/api/v1/session")
    assert st == 200 and j["authenticated"] is False
    assert api.get("/api/v1/status")[0] == 200
    # public_metrics = no: /metrics too
    w2, _, api2, cport2 = cw(control={"public_metrics": "no"})
    assert Api(cport2).get("/metrics")[0] == 401
    assert api2.get("/metrics")[0] == 200


def test_A4_csrf_guard(cw):
    w, _, api, cport = cw()
    s = Api(cport)
    assert s.login(w.secret)[0] == 200
    assert s.get("/api/v1/status")[0] == 200      # the cookie works
    gen = s.get("/api/v1/config")[2]["generation"]
    csrf, s.csrf = s.csrf, None
    st, _, j = s.post("/api/v1/reload")
    assert st == 403 and "CSRF" in j["error"], j
    s.csrf = "f" * 64
    assert s.post("/api/v1/reload")[0] == 403
    s.csrf = csrf
    st, _, j = s.post("/api/v1/reload", headers={
        "Origin": "http://evil.example"})
    assert st == 403 and "cross-origin" in j["error"]
    # an HTML form can only send text/plain or form types
    st, _, j = s.call("POST", "/api/v1/reload", raw=b"a=b", headers={
        "Content-Type": "application/x-www-form-urlencoded"})
    assert st == 415, j
    st, _, j = api.call("POST", "/api/v1/reload", raw=b"{}", headers={
        "Content-Type": "text/plain"})
    assert st == 415
    # no state change by GET
    assert s.get("/api/v1/reload")[0] == 405
    assert s.get("/api/v1/quarantine/X1/delete")[0] == 405
    time.sleep(1)
    assert s.get("/api/v1/config")[2]["generation"] == gen
    assert "without the session's CSRF token" in w.log()
    # with the token it goes through (and the session survives the
    # control process's restart that a reload brings)
    assert s.post("/api/v1/reload", headers={
        "Origin": "http://127.0.0.1:%d" % cport})[0] == 202
    wait_until(lambda: s.generation() >
               gen, 20, what="the reload")
    st, _, j = s.get("/api/v1/session")
    assert j["authenticated"] and j["via"] == "cookie" and j["csrf"] == csrf


def test_A5_dns_rebinding_refused(cw):
    w, _, api, cport = cw()
    for host in ("evil.example", "evil.example:%d" % cport,
                 "127.0.0.1.evil.example", "localhost.evil.example"):
        api.host = host
        st, _, j = api.get("/api/v1/status")
        assert st == 421, (host, st)
        assert api.get("/")[0] == 421
    for host in ("localhost:%d" % cport, "127.0.0.1:%d" % cport,
                 "127.0.0.1"):
        api.host = host
        assert api.get("/api/v1/status")[0] == 200, host
    assert "DNS rebinding" in w.log()


def test_A6_mail_text_is_data_and_the_csp_is_strict(cw):
    w, _, api, _ = cw()
    evil = '<img src=x onerror=alert(1)><script>alert(2)</script>'
    qid = quarantine_one(w, api, subject=evil)
    st, h, j = api.get("/api/v1/quarantine/" + qid)
    assert st == 200 and j["subject"] == evil
    assert h["content-type"] == "application/json"
    csp = h["content-security-policy"]
    assert "default-src 'none'" in csp and "script-src 'self'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert h["x-content-type-options"] == "nosniff"
    st, h, text = api.get("/api/v1/quarantine/%s/message" % qid)
    assert h["content-type"].startswith("text/plain") and evil in text
    st, h, page = api.get("/")
    assert h["content-security-policy"] == csp
    assert "<script>" not in page.replace('<script src="/', "")
    # the dashboard builds no markup from data (textContent only)
    with open(os.path.join(procs.SRCDIR, "web", "app.js")) as f:
        js = f.read()
    assert "innerHTML" not in js and "insertAdjacentHTML" not in js
    assert "document.write" not in js and "eval(" not in js


def test_A7_failed_logins_rate_limited(cw):
    w, _, api, cport = cw()
    codes = [Api(cport).login("guess%d" % i)[0] for i in range(100)]
    assert codes[:5] == [401] * 5 and set(codes[5:]) == {429}, codes
    # the right secret from this address waits out the minute too
    st, _, j = Api(cport).login(w.secret)
    assert st == 429 and j["retry_after"] > 0
    st, _, j = Api(cport, "1" * 64).get("/api/v1/status")
    assert st == 429
    assert len(re.findall(r"failed login from 127\.0\.0\.1", w.log())) >= 5
    assert "refusing this address" in w.log()
    # the secret compares in constant time: a right prefix is no faster
    # to refuse (lib/secret.c secret_equal; unit-tested there)


def test_A8_control_process_unprivileged(cw):
    w, _, api, _ = cw()

    def control_pids():
        # the master binds the port before it forks the control process:
        # its title may not be set yet when the port answers
        return [k for k in w.children() if open("/proc/%d/cmdline" % k,
                "rb").read().startswith(b"winnowd: control")]
    wait_until(control_pids, 10, what="the control process's title")
    ctlpid = control_pids()[0]
    with open("/proc/%d/status" % ctlpid) as f:
        st = f.read()
    uid = int(re.search(r"^Uid:\s+(\d+)\s+(\d+)\s+(\d+)", st, re.M)
              .group(2))
    assert uid == pwd.getpwnam(procs.DEFAULT_SERVER["user"]).pw_uid != 0
    assert re.search(r"^CapEff:\s+0+$", st, re.M), st


def test_expired_session_is_refused(cw):
    w, _, api, cport = cw(control={"session_lifetime": "1s"})
    s = Api(cport)
    assert s.login(w.secret)[0] == 200
    assert s.get("/api/v1/status")[0] == 200
    time.sleep(1.5)
    assert s.get("/api/v1/status")[0] == 401
    assert s.get("/api/v1/session")[2]["authenticated"] is False
    assert s.post("/api/v1/reload")[0] == 401


def test_rotated_secret_ends_tokens_and_sessions(cw):
    w, _, api, cport = cw()
    s = Api(cport)
    s.login(w.secret)
    rc, out = ctl(w, "control-secret")
    assert rc == 0 and out.strip() == w.secret
    rc, out = ctl(w, "control-secret", "--rotate")
    new = out.strip()
    assert rc == 0 and re.fullmatch(r"[0-9a-f]{64}", new) and new != \
        api.token and new == w.secret
    assert api.get("/api/v1/status")[0] == 401
    assert s.get("/api/v1/status")[0] == 401
    assert Api(cport, new).get("/api/v1/status")[0] == 200


def test_malformed_json_and_huge_bodies(cw):
    w, _, api, _ = cw(control={"max_body": "64k"})
    for raw in (b"{", b"[1,2]", b"\"x\"", b"{\"a\":1,\"a\":2}", b"\xff\xfe",
                b"{\"message\": 5}"):
        st, _, j = api.call("POST", "/api/v1/scan", raw=raw, headers={
            "Content-Type": "application/json"})
        assert st == 400 and "error" in j, (raw, st, j)
    st, _, j = api.post("/api/v1/scan", {"message": "x" * (200 * 1024)})
    assert st == 413 and "max_body" in j["error"]
    st, _, j = api.post("/api/v1/quarantine/X1/learn", {"as": "maybe"})
    assert st == 400
    # the process serves on
    assert api.get("/api/v1/status")[0] == 200


def test_path_traversal_in_quarantine_ids(cw, workdir):
    w, _, api, _ = cw()
    secret = os.path.join(workdir, "outside.json")
    with open(secret, "w") as f:
        f.write("{}")
    qid = quarantine_one(w, api)
    for bad in ("..%2F..%2Fetc%2Fpasswd", "..", "%2e%2e", "..%2Foutside",
                qid + "%2F..", "a.json", "%00", "x%0d%0aSet-Cookie:a=b"):
        for m, suffix in (("GET", ""), ("GET", "/message"),
                          ("POST", "/release"), ("POST", "/delete"),
                          ("POST", "/learn"), ("POST", "/explain")):
            st, _, j = api.call(m, "/api/v1/quarantine/" + bad + suffix,
                                {} if m == "POST" else None)
            assert st in (400, 404), (bad, suffix, st, j)
    assert os.path.exists(secret)
    assert api.get("/api/v1/quarantine/" + qid)[0] == 200


def test_concurrent_releases_deliver_once(cw):
    w, sink, api, _ = cw()
    qid = quarantine_one(w, api)
    assert sink.delivered() == []
    results = []

    def release():
        results.append(api.post("/api/v1/quarantine/%s/release" % qid)[0])
    threads = [threading.Thread(target=release) for _ in range(8)]
    cli = []
    t = threading.Thread(target=lambda: cli.append(ctl(
        w, "quarantine", "release", qid)[0]))
    threads.append(t)
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results).count(200) + cli.count(0) == 1, (results, cli)
    # a release that finds the entry being released gets 409; one that
    # comes after the winner finished finds no entry any more: 404
    assert set(results) <= {200, 404, 409} and set(cli) <= {0, 65}
    sink.wait_delivered(1)
    time.sleep(1)
    assert len(sink.delivered()) == 1, sink.txns
    assert b"released from quarantine" in sink.delivered()[0].data
    st, _, j = api.get("/api/v1/quarantine/" + qid)
    assert j["releases"] == 1
    assert re.search(r"quarantine release of %s asked by the bearer "
                     r"token" % qid, w.log())


def test_every_endpoint(cw, workdir):
    lists = os.path.join(workdir, "lists")
    os.makedirs(lists)
    white = os.path.join(lists, "white.txt")
    with open(white, "w") as f:
        f.write("# trusted\nfriend@example.org\n")
    procs.owned_dir(lists)
    w, sink, api, cport = cw(policy={"whitelist": "file:" + white})
    send(w, "hello\r\n")
    qid = quarantine_one(w, api, subject="buy now")
    # status, as JSON and as winnowctl's text, with the Nagios code
    st, h, j = api.get("/api/v1/status")
    assert st == 200 and j["master"]["pid"] == w.pid
    assert h["x-winnow-code"] == str(j["exit"])
    st, h, text = api.get("/api/v1/status?format=text")
    assert text.startswith("winnowd ") and h["content-type"].startswith(
        "text/plain")
    assert api.get("/api/v1/status?format=xml")[0] == 400
    # stats in three formats
    st, _, j = api.get("/api/v1/stats?period=day&by=status")
    assert j["totals"]["spam"] == 1 and j["totals"]["not-detected"] == 1
    st, h, csv = api.get("/api/v1/stats?period=week&format=csv")
    assert h["content-type"].startswith("text/csv") and "spam" in csv
    assert api.get("/api/v1/stats?period=day&format=text")[0] == 200
    # history, search, one verdict with its explanation
    st, _, j = api.get("/api/v1/history?q=buy")
    st, _, j = api.get("/api/v1/history")
    assert len(j["entries"]) == 2
    spam = [e for e in j["entries"] if "spam" in e["statuses"]][0]
    assert len(api.get("/api/v1/history?q=" + spam["queue_id"])[2][
        "entries"]) == 1
    st, _, one = api.get("/api/v1/history/%d" % spam["seq"])
    assert st == 200 and one["quarantine_id"] == qid
    assert {"check": "rules", "result": "GTUBE(raw)"} in one["explain"]
    assert api.get("/api/v1/history/999999")[0] == 404
    assert api.get("/api/v1/history/x")[0] == 400
    # quarantine: list, show, message, explain, learn, delete
    st, _, j = api.get("/api/v1/quarantine?q=buy")
    assert j["total"] == 1 and j["entries"][0]["subject"] == "buy now"
    assert api.get("/api/v1/quarantine?q=nothing-like-it")[2]["total"] == 0
    st, _, j = api.get("/api/v1/quarantine/" + qid)
    assert "Subject: buy now" in j["headers"] and j["findings"]["gtube"]
    st, _, j = api.post("/api/v1/quarantine/%s/explain" % qid)
    assert st == 200 and j["recipients"][0]["status"] == "spam"
    assert "GTUBE" in j["text"] and "rules=GTUBE" in j["checks"]
    assert len(j["classifier"]["toward_spam"]) > 0
    st, _, j = api.post("/api/v1/quarantine/%s/learn" % qid, {"as": "spam"})
    assert st == 200 and j["exit"] == 0, j
    model = w.sections["content"]["model"]
    assert os.path.getsize(model) > 0
    # scan: what winnowd decides, through the same checks and policy
    st, _, j = api.post("/api/v1/scan", {
        "message": "From: a@example.org\nSubject: x\n\n" + GTUBE + "\n",
        "sender": "a@example.org", "recipients": ["b@example.com"]})
    assert st == 200 and j["recipients"][0]["status"] == "spam"
    assert j["recipients"][0]["action"] == "quarantine"
    st, _, j = api.post("/api/v1/scan", {
        "message": "From: friend@example.org\nSubject: x\n\n" + GTUBE,
        "sender": "friend@example.org", "recipients": ["b@example.com"]})
    assert j["recipients"][0]["status"] == "trusted", j
    assert j["recipients"][0]["list"] == "whitelist"
    assert api.post("/api/v1/scan", {"message": ""})[0] == 400
    # learn a posted message (the temporary file goes)
    st, _, j = api.post("/api/v1/learn", {
        "as": "ham", "message": "From: a@b\nSubject: lunch\n\nat noon?\n"})
    assert st == 200 and j["exit"] == 0, j
    assert not [f for f in os.listdir(w.conf["spool_dir"])
                if f.startswith("control-")]
    # config and a -t check of a proposed file
    st, _, j = api.get("/api/v1/config")
    assert "[control]" in j["text"] and j["file"] == w.conf_path
    gen = j["generation"]
    st, _, j = api.post("/api/v1/config/check",
                        {"text": open(w.conf_path).read()})
    assert st == 200 and j["exit"] == 0, j
    st, _, j = api.post("/api/v1/config/check",
                        {"text": "[server]\nmax_children = lots\n"})
    assert st == 422 and "max_children" in j["output"], j
    # lists: a bad edit is refused and the file stays; a good one is
    # written atomically and reloaded
    st, _, j = api.get("/api/v1/lists")
    f = [x for x in j["files"] if x["path"] == white][0]
    assert f["writable"] and "friend@example.org" in f["text"]
    st, _, j = api.post("/api/v1/lists", {"path": white,
                                          "text": "re:(unclosed\n"})
    assert st == 400 and white in j["error"], j
    assert "friend@example.org" in open(white).read()
    st, _, j = api.post("/api/v1/lists", {"path": "/etc/passwd",
                                          "text": "x@y\n"})
    assert st == 403
    st, _, j = api.post("/api/v1/lists", {
        "path": white, "text": "friend@example.org\nboss@example.org\n"})
    assert st == 200 and j["reload"] == "asked"
    wait_until(lambda: api.generation() >
               gen, 20, what="the reload")
    st, _, j = api.post("/api/v1/scan", {
        "message": "Subject: x\n\n" + GTUBE, "sender": "boss@example.org",
        "recipients": ["b@example.com"]})
    assert j["recipients"][0]["status"] == "trusted", j
    # delete
    assert api.post("/api/v1/quarantine/%s/delete" % qid)[0] == 200
    assert api.get("/api/v1/quarantine/" + qid)[0] == 404
    # reload
    gen = api.get("/api/v1/config")[2]["generation"]
    st, _, j = api.post("/api/v1/reload")
    assert st == 202 and j["generation"] == gen
    wait_until(lambda: api.generation() >
               gen, 20, what="the reload")
    assert "reload asked through the control API" in w.log()


def test_unix_socket_peers_by_credentials(cw, workdir):
    sock = os.path.join(workdir, "control.sock")
    w, _, api, _ = cw(control={"listen": "unix:" + sock})
    st = os.stat(sock)
    assert stat.S_IMODE(st.st_mode) == 0o660
    assert st.st_gid == pwd.getpwnam(procs.DEFAULT_SERVER["user"]).pw_gid
    # root: no token needed
    st, _, j = Api(unix=sock).get("/api/v1/session")
    assert j["authenticated"] and j["via"] == "peer"
    assert Api(unix=sock).get("/api/v1/status")[0] == 200
    assert Api(unix=sock).post("/api/v1/scan", {"message": "x"})[0] == 200
    # someone else cannot even connect (0660)
    p = subprocess.run(["setpriv", "--reuid=nobody", "--regid=nogroup",
                        "--clear-groups", "curl", "-s", "-o", "/dev/null",
                        "-w", "%{http_code}", "--unix-socket", sock,
                        "http://localhost/api/v1/status"],
                       stdout=subprocess.PIPE, text=True)
    assert p.stdout in ("000", "401"), p.stdout
    # winnowctl through the socket
    rc, out = ctl(w, "--url", "unix:" + sock, "status")
    assert rc in (0, 1) and out.startswith("winnowd "), out


def test_winnowctl_through_the_api(cw):
    w, sink, api, cport = cw()
    url = "http://127.0.0.1:%d" % cport
    qid = quarantine_one(w, api)
    send(w, "hello\r\n")
    rc, out = ctl(w, "--url", url, "status")
    assert rc in (0, 1) and "master:" in out, out
    rc, out = ctl(w, "stats", "--url", url, "--period", "day", "--format",
                  "csv")
    assert rc == 0 and "spam" in out.splitlines()[0], out
    rc, out = ctl(w, "--url", url, "history", "-n", "5")
    assert rc == 0 and len(out.strip().splitlines()) == 2, out
    rc, out = ctl(w, "--url", url, "quarantine", "list")
    assert rc == 0 and qid in out, out
    rc, out = ctl(w, "--url", url, "quarantine", "show", qid)
    assert rc == 0 and json.loads(out)["id"] == qid
    rc, out = ctl(w, "--url", url, "quarantine", "release", qid)
    assert rc == 0 and "released to b@example.com" in out, out
    rc, out = ctl(w, "--url", url, "quarantine", "release", qid)
    assert rc == 65 and "released already" in out
    sink.wait_delivered(2)
    rc, out = ctl(w, "reload")         # [control] listen of the file
    assert rc == 0 and "reloaded: configuration generation 2" in out, out
    # a wrong token from the environment when the file cannot be read
    rc, out = ctl(w, "-c", "/dev/null", "--url", url, "status",
                  env={"WINNOW_TOKEN": "0" * 64})
    assert rc == 3 and "wrong secret" in out

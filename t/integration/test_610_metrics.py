"""The control process (issue 12): [control] listen serves /metrics and
/api/v1/{status,stats,history}; a real Prometheus server (Debian's
prometheus) scrapes winnowd on loopback and a PromQL query answers what
was sent; the master restarts the control process when it dies."""

import json
import os
import shutil
import signal
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

from wntest import net
from wntest.smtp import Client, make_message, wait_until

PROMETHEUS = shutil.which("prometheus") or "/usr/bin/prometheus"
GTUBE = "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X"


def get(port, path, token=None):
    # /metrics is public; the API needs the secret (issue 13)
    req = urllib.request.Request("http://127.0.0.1:%d%s" % (port, path),
                                 headers={"Authorization": "Bearer " + token}
                                 if token else {})
    with urllib.request.urlopen(req, timeout=10) as r:
        return r.status, r.headers.get("Content-Type"), r.read().decode()


def send(port, sender, rcpt, body=None):
    with Client(port) as c:
        c.ehlo()
        r = c.xfer(sender, [rcpt], make_message(body=body)[1])
        c.quit()
    assert r["final"].code == 250, r


@pytest.fixture
def cw(relay, ports):
    cport = ports()
    w, sink = relay(policy={"spam.action": "quarantine"},
                    extra={"control": {"listen": "tcp:127.0.0.1:%d" % cport}})
    net.wait_listening(cport)
    return w, cport


def test_control_process_answers(cw):
    w, cport = cw

    def titles():
        # the master binds the port before it forks the control process:
        # its title may not be set yet when the port answers
        out = []
        for k in w.children():
            try:
                with open("/proc/%d/cmdline" % k, "rb") as f:
                    out.append(f.read().split(b"\0")[0].decode())
            except FileNotFoundError:
                pass
        return out
    wait_until(lambda: "winnowd: control" in titles(), 10,
               what="the control process's title")
    send(w.port, "a@example.org", "b@example.com", GTUBE + "\r\n")
    send(w.port, "a@example.org", "b@example.com")
    st, ctype, body = get(cport, "/metrics")
    assert st == 200 and ctype.startswith("text/plain; version=0.0.4")
    assert 'winnow_messages_total{group="All",status="spam",' \
        'av="not-scanned",action="quarantine"} 1\n' in body, body
    assert "winnow_received_messages_total 2\n" in body
    assert "winnow_message_duration_seconds_count 2\n" in body
    tok = w.secret
    st, ctype, body = get(cport, "/api/v1/status", tok)
    assert ctype == "application/json"
    assert json.loads(body)["master"]["pid"] == w.pid
    st, _, body = get(cport, "/api/v1/stats?period=hour&by=action", tok)
    j = json.loads(body)
    assert j["step"] == "minute" and j["totals"]["quarantine"] == 1
    assert j["received"] == 2
    st, _, body = get(cport, "/api/v1/history?n=1&status=spam", tok)
    j = json.loads(body)
    assert len(j["entries"]) == 1 and j["next"] == 3
    assert j["entries"][0]["statuses"] == "All=spam"
    for path, code in (("/api/v1/stats?period=fortnight", 400),
                       ("/nowhere", 404), ("/api/v1/history?n=x", 400)):
        with pytest.raises(urllib.error.HTTPError) as e:
            get(cport, path, tok)
        assert e.value.code == code, path
        assert "error" in json.loads(e.value.read().decode())


def test_control_process_is_restarted(cw):
    w, cport = cw
    ctl = [k for k in w.children()
           if open("/proc/%d/cmdline" % k, "rb").read().startswith(
               b"winnowd: control")][0]
    os.kill(ctl, signal.SIGKILL)
    w.wait_log(r"control process %d killed by signal 9" % ctl)
    wait_until(lambda: get_ok(cport), 10, what="a new control process")


def get_ok(port):
    try:
        return get(port, "/metrics")[0] == 200
    except OSError:
        return False


@pytest.mark.timeout(180)
def test_prometheus_scrapes_winnowd(cw, workdir, ports):
    if not os.path.exists(PROMETHEUS):
        pytest.skip("no prometheus (Debian package prometheus)")
    w, cport = cw
    pport = ports()
    d = os.path.join(workdir, "prometheus")
    os.makedirs(d)
    conf = os.path.join(d, "prometheus.yml")
    with open(conf, "w") as f:
        f.write("global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
                "scrape_configs:\n  - job_name: winnowd\n"
                "    static_configs:\n      - targets: ['127.0.0.1:%d']\n"
                % cport)
    log = open(os.path.join(d, "prometheus.log"), "wb")
    p = subprocess.Popen([PROMETHEUS, "--config.file=" + conf,
                          "--storage.tsdb.path=" + os.path.join(d, "data"),
                          "--web.listen-address=127.0.0.1:%d" % pport],
                         stdout=log, stderr=subprocess.STDOUT,
                         stdin=subprocess.DEVNULL)
    try:
        net.wait_listening(pport, proc=p, timeout=60)
        for _ in range(3):
            send(w.port, "a@example.org", "b@example.com", GTUBE + "\r\n")
        for _ in range(2):
            send(w.port, "a@example.org", "b@example.com")

        def query(q):
            st, _, body = get(pport, "/api/v1/query?" +
                              urllib.parse.urlencode({"query": q}))
            res = json.loads(body)["data"]["result"]
            return float(res[0]["value"][1]) if res else None
        wait_until(lambda: query('sum(winnow_messages_total'
                                 '{status="spam",action="quarantine"})') ==
                   3, 60, step=0.5, what="Prometheus sees 3 spam")
        assert query("winnow_received_messages_total") == 5
        assert query('sum(winnow_messages_total{status="not-detected"})') \
            == 2
        assert query('histogram_quantile(0.5, '
                     'winnow_message_duration_seconds_bucket)') is not None
        assert query('winnow_up') == 1
        assert query('up{job="winnowd"}') == 1
    finally:
        p.terminate()
        try:
            p.wait(20)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
        log.close()

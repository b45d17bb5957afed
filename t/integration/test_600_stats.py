"""Statistics, status and history of a running winnowd (issue 12):
winnowctl stats figures equal what the log says was processed, exactly;
winnowctl history and status; process titles; score= and checks= on the
summary line; the session's own refusals logged with their envelope; a
kill -9 of the master and a restart continue the series; a damaged store
is named and the rest served; a full disk keeps the counters in memory
until they can be written; the daemon's start-up failure reaches the
terminal."""

import json
import os
import re
import signal
import socket
import subprocess
import time

import pytest

from wntest import net, procs
from wntest.smtp import Client, make_message, wait_until

WINNOWCTL = os.path.join(procs.TOP, "build", "winnowctl")
GTUBE = "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X"

POLICY = {"protected_domains": "example.com .example.com",
          "blacklist": "spammer@bad.test",
          "whitelist": "friend@good.test",
          "spam.action": "quarantine",
          "blacklisted.action": "reject"}
SALES = {"group sales": {"recipients": "*@sales.example.com",
                         "spam.action": "drop"}}


def ctl(w, *args, check=True):
    p = subprocess.run([WINNOWCTL, "-c", w.conf_path] + list(args),
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=60)
    if check and p.returncode != 0:
        raise AssertionError("winnowctl %s: %d\n%s%s" % (
            " ".join(args), p.returncode, p.stdout.decode(),
            p.stderr.decode()))
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def stats(w, *args):
    return json.loads(ctl(w, "stats", "--format", "json", *args)[1])


RCPT_RE = re.compile(r' to=<([^>]*)>(?: \(([^)]*)\))?(?: group=(\S+) '
                     r'status=([a-z-]+)(?:/([a-z-]+))?(?: list=\S+)? '
                     r'action=(\S+)(?: quarantine=\S+)?)? "')


def summary_lines(w):
    """The summary line of every message: (qid, size, [(group, status,
    av, action)])."""
    out = []
    for line in w.log().splitlines():
        m = re.search(r": ([0-9A-F]{15}): from=<[^>]*> size=(\d+) ", line)
        if not m or " reply=" not in line and "proto=LMTP" not in line:
            continue
        cells = [(g or "none", st or "unfiltered", av or "not-scanned",
                  act or "none")
                 for _, _, g, st, av, act in RCPT_RE.findall(line)]
        out.append((m.group(1), int(m.group(2)), cells))
    return out


def expected(lines, dim, unit):
    """What the log says, counted as stats counts (tally.h)."""
    tot = {}
    for _, size, cells in lines:
        seen = set()
        for c in cells:
            key = {"group": c[0], "status": c[1], "av": c[2],
                   "action": c[3]}[dim]
            if unit == "recipients":
                tot[key] = tot.get(key, 0) + 1
            elif c not in seen:
                tot[key] = tot.get(key, 0) + (size if unit == "bytes"
                                              else 1)
            seen.add(c)
    return tot


def send(port, sender, rcpts, body=None, subject="test"):
    with Client(port) as c:
        c.ehlo()
        r = c.xfer(sender, rcpts, make_message(subject=subject, body=body,
                                               sender=sender)[1])
        c.quit()
    return r


def send_mix(w):
    send(w.port, "s@example.org", ["r@example.com"])
    send(w.port, "s@example.org", ["r@example.com"], body=GTUBE + "\r\n")
    r = send(w.port, "spammer@bad.test", ["r@example.com"])
    assert r["final"].code == 554, r
    send(w.port, "friend@good.test", ["r@example.com"])
    send(w.port, "s@example.org", ["x@other.org"])
    send(w.port, "s@example.org", ["r@example.com", "boss@sales.example.com",
                                   "r2@example.com"],
         body=GTUBE + "\r\n")
    return 6


@pytest.fixture
def sw(relay):
    w, sink = relay(policy=POLICY, extra=dict(SALES))
    return w, sink


def test_figures_equal_the_log(sw):
    w, _ = sw
    n = send_mix(w)
    lines = summary_lines(w)
    assert len(lines) == n, w.log()
    for dim in ("status", "group", "action", "av"):
        for unit in ("messages", "recipients", "bytes"):
            got = stats(w, "--by", dim, "--unit", unit)
            want = expected(lines, dim, unit)
            have = {k: v for k, v in got["totals"].items() if v}
            assert have == want, (dim, unit, have, want)
            assert got["total"] == sum(want.values())
            assert sum(r["total"] for r in got["series"]) == got["total"]
    got = stats(w)
    assert got["received"] == n
    assert got["totals"]["spam"] == 3, "two groups judged message 6"
    assert got["totals"]["blacklisted"] == 1
    assert got["totals"]["trusted"] == 1
    assert got["totals"]["unfiltered"] == 1
    # every period and format answers, and they agree
    for period in ("hour", "day", "week", "month", "year", "2020-01-01..now"):
        assert stats(w, "--period", period)["received"] == n, period
    _, csv, _ = ctl(w, "stats", "--format", "csv", "--by", "group")
    assert csv.splitlines()[0].startswith('time,"All","none","sales"')
    assert csv.splitlines()[-1].startswith("total,"), csv
    _, text, _ = ctl(w, "stats", "--period", "week")
    assert "messages received: %d" % n in text


def test_stats_bad_input(sw):
    w, _ = sw
    rc, _, err = ctl(w, "stats", "--period", "fortnight", check=False)
    assert rc == 64 and "unknown period \"fortnight\"" in err, err
    rc, _, err = ctl(w, "stats", "--by", "colour", check=False)
    assert rc == 64 and "status, av, action, group" in err, err
    rc, _, err = ctl(w, "stats", "--format", "xml", check=False)
    assert rc == 64 and "csv or json" in err


def test_history(sw):
    w, _ = sw
    send_mix(w)
    qids = [q for q, _, _ in summary_lines(w)]
    _, out, _ = ctl(w, "history", "--json", "-n", "10")
    ents = [json.loads(l) for l in out.splitlines()]
    assert [e["queue_id"] for e in ents] == qids
    spam = ents[1]
    assert spam["statuses"] == "All=spam" and spam["action"] == "quarantine"
    assert spam["score"] is not None and spam["score"] >= 50
    assert "rules=" in spam["checks"] and spam["sender"] == "s@example.org"
    assert spam["reply"].startswith("250 ")
    assert ents[2]["reply"].startswith("554 ")
    assert ents[5]["recipients"] == \
        "r@example.com, boss@sales.example.com, r2@example.com"
    assert ents[5]["statuses"] == "All=spam, sales=spam"
    _, out, _ = ctl(w, "history", "--status", "spam", "--json")
    assert [json.loads(l)["queue_id"] for l in out.splitlines()] == \
        [qids[1], qids[5]]
    _, out, _ = ctl(w, "history", "-n", "1")
    assert qids[5] in out and "action=quarantine, drop" in out, out
    # --follow prints what comes next
    f = subprocess.Popen([WINNOWCTL, "-c", w.conf_path, "history",
                          "--follow", "--json", "-n", "0"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        time.sleep(0.5)
        send(w.port, "late@example.org", ["r@example.com"])
        seen = []
        end = time.monotonic() + 10
        while time.monotonic() < end and \
                not any("late@example.org" in l for l in seen):
            seen.append(f.stdout.readline().decode())
        assert any("late@example.org" in l for l in seen), seen
    finally:
        f.kill()
        f.wait()


def test_status(sw):
    w, _ = sw
    send(w.port, "s@example.org", ["r@example.com"])
    rc, out, _ = ctl(w, "status", "--json", check=False)
    st = json.loads(out)
    # no virus database in the tests while groups want av_checks
    assert rc == 1 and st["status"] == "warning", out
    assert [p["id"] for p in st["problems"]] == ["check-off"]
    assert st["master"]["pid"] == w.pid and st["master"]["running"]
    assert st["children"]["max"] == 6
    assert st["children"]["idle"] + st["children"]["busy"] >= 1
    assert st["last_5_minutes"]["messages"] == 1
    assert st["model"]["path"].endswith("content.model")
    rc, text, _ = ctl(w, "status", check=False)
    assert rc == 1 and text.startswith("winnowd WARNING\n"), text
    assert "pid %d, running" % w.pid in text
    # a failed reload is in the status, and on one line in the log
    with open(w.conf_path, "a") as f:
        f.write("\n[server]\nmax_children = lots\nnonsense = 1\n")
    w.signal(signal.SIGHUP)
    w.wait_log(r"reload failed")
    line = [l for l in w.log().splitlines() if "reload failed" in l][0]
    assert "max_children" in line and "nonsense" in line, line
    w.write_config()            # winnowctl reads it too
    wait_until(lambda: not json.loads(ctl(w, "status", "--json",
                                          check=False)[1])["master"]
               ["last_reload"]["ok"], 5, what="reload result")
    w.signal(signal.SIGHUP)
    w.wait_log(r"generation 2")
    # stopped: critical
    w.stop()
    rc, text, _ = ctl(w, "status", check=False)
    assert rc == 2 and "NOT RUNNING" in text, text


def test_monitor_print(sw):
    w, _ = sw
    rc, out, _ = ctl(w, "monitor", "--print", check=False)
    assert rc == 1 and out.startswith("1 problem (no alerts are mailed"), out
    assert "WARNING check-off: no virus database" in out


def test_titles_and_log_lines(sw, ports):
    w, _ = sw
    assert net_cmdline(w.pid) == "winnowd: master"
    kids = w.children()
    assert kids and all(net_cmdline(k) == "winnowd: child idle"
                        for k in kids), [net_cmdline(k) for k in kids]
    c = Client(w.port)
    c.ehlo()
    wait_until(lambda: "winnowd: child busy" in
               [net_cmdline(k) for k in w.children()], 5, what="busy title")
    c.quit()
    send(w.port, "s@example.org", ["r@example.com"], body=GTUBE + "\r\n")
    line = [l for l in w.log().splitlines() if " reply=" in l][-1]
    assert re.search(r' score=\d+\.\d checks="[^"]*rules=GTUBE', line), line
    # the session's own refusal names the envelope
    with Client(w.port) as c2:
        c2.ehlo()
        c2.send("MAIL FROM:<big@example.org> SIZE=999999999\r\n")
        assert c2.reply().code == 552
        c2.quit()
    w.wait_log(r"rejected: SIZE=999999999 over message_size_limit "
               r"\(\d+\): from=<big@example.org> client=\[127.0.0.1\]")


def net_cmdline(pid):
    with open("/proc/%d/cmdline" % pid, "rb") as f:
        return f.read().split(b"\0")[0].decode()


def test_kill_9_continues_the_series(relay):
    """Nothing was flushed (an hour's interval) when the master is killed:
    the next one writes what the dead one counted, then continues."""
    w, _ = relay(policy=POLICY, extra={"stats": {"flush_interval": "1h"}})
    for _ in range(3):
        send(w.port, "s@example.org", ["r@example.com"])
    kids = w.children()
    os.kill(w.pid, signal.SIGKILL)      # nothing written at the end
    w.proc.wait()
    wait_until(lambda: not any(net.pid_alive(k) for k in kids), 10,
               what="the children of the killed master gone")
    w.start()
    w.wait_log(r"3 messages counted by the previous master \(pid \d+\) "
               r"that it did not write; written now")
    send(w.port, "s@example.org", ["r@example.com"])
    assert stats(w)["received"] == 4
    w.stop()
    assert stats(w)["received"] == 4, "the clean stop wrote the rest"


def test_damaged_store_is_named_and_the_rest_served(relay):
    w, _ = relay(policy=POLICY, extra={"stats": {"flush_interval": "1s"}})
    send(w.port, "s@example.org", ["r@example.com"])
    store = os.path.join(w.conf["spool_dir"], "stats", "store")
    wait_until(lambda: os.path.exists(store) and os.path.getsize(store),
               5, what="a record in the store")
    with open(store, "ab") as f:
        f.write(b"WNS1\x01\x00\x00\x00 scribbled over by someone")
    send(w.port, "s@example.org", ["r@example.com"])
    rc, out, err = ctl(w, "stats", "--format", "json")
    assert "%s: offset" % store in err, err
    got = json.loads(out)
    assert got["received"] == 2 and got["problems"], got
    rc, out, _ = ctl(w, "status", "--json", check=False)
    assert "statistics" in [p["id"] for p in json.loads(out)["problems"]]
    # winnowd keeps serving; a restart compacts and keeps the damage aside
    send(w.port, "s@example.org", ["r@example.com"])
    w.stop()
    w.start()
    w.wait_log(r"statistics: .*offset .*damaged|kept as")
    assert any(f.startswith("store.damaged-")
               for f in os.listdir(os.path.dirname(store)))
    rc, out, err = ctl(w, "stats", "--format", "json")
    assert err == "" and json.loads(out)["received"] == 3


def test_full_disk_keeps_counting_in_memory(relay, workdir):
    d = os.path.join(workdir, "small-stats")
    os.makedirs(d)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", d],
                   check=True)
    try:
        w, _ = relay(policy=POLICY, extra={"stats": {
            "dir": d, "flush_interval": "1s", "history": "100"}})
        filler = os.path.join(d, "filler")
        subprocess.run(["dd", "if=/dev/zero", "of=" + filler, "bs=4k"],
                       stderr=subprocess.DEVNULL)
        for _ in range(3):
            send(w.port, "s@example.org", ["r@example.com"])
        w.wait_log(r"the counters stay in memory")

        def problems():
            # the master publishes the live file's header once a second
            # at most: it may follow the log line a little later
            out = ctl(w, "status", "--json", check=False)[1]
            return [p["id"] for p in json.loads(out)["problems"]]
        wait_until(lambda: "statistics" in problems(), 10,
                   what="the statistics problem in status")
        assert stats(w)["received"] == 3, "counted, not yet written"
        os.unlink(filler)
        w.wait_log(r"written again")
        assert stats(w)["received"] == 3
        w.stop()
        assert stats(w)["received"] == 3
    finally:
        subprocess.run(["umount", "-l", d])


def test_daemon_start_failure_reaches_the_terminal(winnowd, ports):
    """Without -f, with the port taken: the exit status and the reason
    reach whoever started it (it used to exit 0 silently)."""
    w = winnowd(start=False)
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", w.port))
    s.listen(1)
    try:
        p = subprocess.run([procs.WINNOWD, "-c", w.conf_path],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=30)
    finally:
        s.close()
    if p.returncode == 0:               # it should not have: stop it
        with open(w.pidfile) as f:
            os.kill(int(f.read()), signal.SIGTERM)
    assert p.returncode == 69, (p.returncode, p.stderr)
    assert b"cannot listen" in p.stderr and b"Address already in use" in \
        p.stderr, p.stderr


def test_log_level_per_module_and_on_reload(relay):
    """[server] log_level: the summary line (module server, info) goes
    quiet at "notice", comes back for that module alone with
    "notice, server=info", and a reload is enough."""
    w, _ = relay(server={"log_level": "notice"})
    send(w.port, "quiet@example.org", ["r@example.com"])
    time.sleep(0.5)
    assert "quiet@example.org" not in w.log()
    w.conf["log_level"] = "notice, server=info"
    w.write_config()
    w.signal(signal.SIGHUP)
    w.wait_log(r"generation 2")
    time.sleep(0.5)         # the old generation's children retire
    send(w.port, "loud@example.org", ["r@example.com"])
    w.wait_log(r"from=<loud@example.org>.* score=")
    p = subprocess.run([procs.WINNOWD, "-t", "-c", w.conf_path],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    assert p.returncode == 0
    w.write_config(open(w.conf_path).read().replace(
        "log_level = notice, server=info", "log_level = chatty"))
    p = subprocess.run([procs.WINNOWD, "-t", "-c", w.conf_path],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    assert p.returncode == 78 and b"log_level" in p.stdout, p.stdout
    w.write_config()

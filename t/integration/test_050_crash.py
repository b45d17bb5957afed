"""kill -9 of the child serving a session, mid-DATA and mid-reinjection.

Pass criteria: nothing is delivered half (no downstream transaction ever
gets its final dot), the upstream does not hear 250, the master replaces
the child at once, and a real Postfix upstream's retry delivers the
message exactly once.  Killed after our final dot went downstream is the
one window where a duplicate is allowed (at most one extra, whole copy).
"""

import os
import random
import re
import signal
import threading
import time

import pytest

from wntest import net, procs, res
from wntest.ledger import Ledger
from wntest.proxy import HoldingProxy
from wntest.smtp import Client, make_message, seq_of, stuff, wait_until


def _kill(pid):
    os.kill(pid, signal.SIGKILL)


def _wait_dead(pid, timeout=5):
    end = time.monotonic() + timeout
    while net.pid_alive(pid) and time.monotonic() < end:
        time.sleep(0.02)
    assert not net.pid_alive(pid)


def test_D1_kill_mid_data_direct(relay):
    """Our client is half-way through the body when its child dies."""
    w, sink = relay()
    tok, msg = make_message(size=200000)
    body = stuff(msg)
    c = Client(w.port)
    c.ehlo()
    c.send("MAIL FROM:<s@example.org>\r\nRCPT TO:<r@example.com>\r\n"
           "DATA\r\n")
    assert [x.code for x in c.replies(3)] == [250, 250, 354]
    c.send(body[:len(body) // 2])
    pid = net.conn_owner(w.port, c.local_port)
    assert pid in w.children()
    _kill(pid)
    _wait_dead(pid)
    assert c.closed_by_peer(5), "the connection must drop"
    c.close()
    w.wait_log(r"child %d killed by signal 9 during a session" % pid)
    time.sleep(0.3)
    assert sink.txns == [] and sink.sessions == []
    # the pool recovers at once: the next message goes through
    t0 = time.monotonic()
    with Client(w.port) as c2:
        c2.ehlo()
        r = c2.xfer("s@example.org", ["r@example.com"], msg)
    assert r["final"].code == 250
    assert time.monotonic() - t0 < 2
    assert [seq_of(t.data) for t in sink.delivered()] == [tok]


def _av_dirs(tmp, pid):
    return [d for d in os.listdir(tmp) if d.startswith("winnow-av.%d." % pid)]


def test_D1_killed_child_av_temp_directory_removed_when_reaped(relay, workdir):
    """A child killed by a signal cannot remove its AV temporary directory
    (winnow-av.PID.XXXXXX): the master removes it when it reaps the child,
    not only at its next start; the other children's stay."""
    tmp = procs.owned_dir(os.path.join(workdir, "avtmp"))
    w, sink = relay(extra={"av": {"temp_directory": tmp}},
                    server={"start_children": "2", "min_spare": "2"})
    kids = w.wait_children(2)
    for k in kids:
        wait_until(lambda: _av_dirs(tmp, k), 5,
                   what="child %d's AV temporary directory" % k)
    victim, other = kids[0], kids[1]
    with open(os.path.join(tmp, _av_dirs(tmp, victim)[0], "scan.tmp"),
              "w") as f:
        f.write("a file libclamav was writing")
    _kill(victim)
    _wait_dead(victim)
    w.wait_log(r"child %d killed by signal 9" % victim)
    wait_until(lambda: not _av_dirs(tmp, victim), 5,
               what="the dead child's AV temporary directory removed")
    assert "removing %s/winnow-av.%d." % (tmp, victim) in w.log()
    assert _av_dirs(tmp, other), "a live child's directory was removed"
    with Client(w.port) as c:
        c.ehlo()
        assert c.xfer("s@example.org", ["r@example.com"],
                      make_message()[1])["final"].code == 250


@pytest.mark.parametrize("stage", ["rcpt", "data", "body"])
def test_D3_kill_mid_reinjection_direct(relay, stage):
    """The child is talking to the downstream (held by the sink at RCPT, at
    the DATA reply, or after 354 with the body half sent) when it dies:
    the downstream transaction never completes and the upstream gets no
    250."""
    at = threading.Event()
    go = threading.Event()

    def hold(*a):
        at.set()
        go.wait(20)
        return None
    w, sink = relay(sink={"hooks": {stage: hold}})
    # "body": the sink stops reading after 354; the message must be larger
    # than the socket buffers, or body and dot would already be on their
    # way (that case is the post-dot window, tested below)
    tok, msg = make_message(size=24 << 20 if stage == "body" else 50000)
    c = Client(w.port)
    c.ehlo()
    c.send("MAIL FROM:<s@example.org>\r\nRCPT TO:<r@example.com>\r\n"
           "DATA\r\n")
    assert [x.code for x in c.replies(3)] == [250, 250, 354]
    c.send(stuff(msg))
    assert at.wait(10), "winnowd never reached the downstream's %s" % stage
    pid = net.conn_owner(w.port, c.local_port)
    (dpid, _), = net.conn_owner_by_remote(sink.port)
    assert dpid == pid, "the same child serves both sides"
    _kill(pid)
    _wait_dead(pid)
    go.set()
    assert c.closed_by_peer(5)
    with pytest.raises((EOFError, OSError)):
        c.reply()
    c.close()
    sink.wait(lambda: all(s.closed for s in sink.sessions), 5,
              "downstream session closed")
    assert sink.completed() == [], "half a transaction went through"


# ------------------------------------------ real Postfix upstream retries

def _pf_chain(ports, postfix, winnowd, sink, via_proxy=None, proto="smtp"):
    """Postfix -> [proxy ->] winnowd -> sink."""
    wport = ports()
    front = via_proxy(wport) if via_proxy else None
    pf = postfix(front.port if front else wport, sink.port,
                 filter_proto=proto, start=False)
    w = winnowd(forward="tcp:127.0.0.1:%d" % sink.port, port=wport)
    pf.start()
    return pf, w, front


def _submit(pf, ledger, rcpts, size=30000):
    tok, msg = make_message(size=size)
    with Client(pf.smtpd_port) as c:
        c.ehlo()
        r = c.xfer("s@example.org", rcpts, msg)
        assert r["final"].code == 250
        c.quit()
    ledger.add(tok, msg, rcpts)
    return tok


@pytest.mark.parametrize("proto", ["smtp", "lmtp"])
def test_D1_kill_mid_data_postfix_retries_once(ports, postfix, winnowd, pysink,
                                               proto):
    """Postfix is sending the body to winnowd (held by a relay after 10 kB)
    when the child dies: Postfix defers, and its retry delivers exactly
    once."""
    sink = pysink()
    proxies = []

    def make_proxy(target):
        p = HoldingProxy(ports(), target, hold_after=10000).start()
        proxies.append(p)
        return p
    try:
        pf, w, proxy = _pf_chain(ports, postfix, winnowd, sink,
                                 via_proxy=make_proxy, proto=proto)
        led = Ledger()
        _submit(pf, led, ["a@example.com", "b@example.com"], size=200000)
        assert proxy.held.wait(20), "Postfix never reached DATA"
        pid = net.conn_owner(w.port, proxy.held_conn.server_local_port)
        _kill(pid)
        _wait_dead(pid)
        pf.wait_deferred(1, 20)
        proxy.pass_through()
        pf.flush()
        pf.wait_queue_empty(30)
        time.sleep(1)
        led.assert_exactly_once(sink.txns)
        assert re.search(r"lost connection with 127\.0\.0\.1\[127\.0\.0\.1\] "
                         r"while sending message body", pf.log()) or \
            "while sending end of data" in pf.log(), pf.log()[-2000:]
    finally:
        for p in proxies:
            p.stop()


@pytest.mark.parametrize("proto", ["smtp", "lmtp"])
@pytest.mark.parametrize("stage", ["rcpt", "data", "body"])
def test_D3_kill_mid_reinjection_postfix_retries_once(ports, postfix, winnowd,
                                                      pysink, stage, proto):
    """The child dies while the (slow) downstream holds it before the dot:
    nothing half-delivered, Postfix defers, the retry delivers exactly
    once."""
    at = threading.Event()
    go = threading.Event()
    state = {"hold": True}

    def hold(*a):
        if state["hold"]:
            state["hold"] = False
            at.set()
            go.wait(20)
        return None
    sink = pysink(hooks={stage: hold})
    pf, w, _ = _pf_chain(ports, postfix, winnowd, sink, proto=proto)
    led = Ledger()
    _submit(pf, led, ["a@example.com", "b@example.com"],
            size=24 << 20 if stage == "body" else 30000)
    assert at.wait(20)
    (pid, _), = net.conn_owner_by_remote(sink.port)
    assert pid in w.children()
    _kill(pid)
    _wait_dead(pid)
    go.set()
    pf.wait_deferred(1, 20)
    # the killed transaction never got its dot (Postfix may already be
    # retrying: look at the first one only)
    sink.wait(lambda: sink.sessions[0].closed, 10, "first session closed")
    assert not sink.txns[0].complete, "half a transaction went through"
    pf.flush()
    pf.wait_queue_empty(30)
    time.sleep(1)
    led.assert_exactly_once(sink.txns)


def test_D2_kill_after_final_dot_at_most_one_duplicate(ports, postfix, winnowd,
                                                       pysink):
    """Killed after our final dot reached the downstream, before it
    answered: the downstream may keep the message and Postfix retries, so
    one duplicate is allowed - but never more, and never a partial copy."""
    at = threading.Event()
    go = threading.Event()
    state = {"hold": True}

    def hold(s, t):
        if state["hold"]:
            state["hold"] = False
            at.set()
            go.wait(20)
        return None
    sink = pysink(hooks={"dot": hold})
    pf, w, _ = _pf_chain(ports, postfix, winnowd, sink)
    led = Ledger()
    tok = _submit(pf, led, ["a@example.com"])
    assert at.wait(20)
    (pid, _), = net.conn_owner_by_remote(sink.port)
    _kill(pid)
    _wait_dead(pid)
    go.set()
    pf.wait_deferred(1, 20)
    pf.flush()
    pf.wait_queue_empty(30)
    time.sleep(1)
    counts = led.assert_exactly_once(sink.txns, may_duplicate={tok})
    assert 1 <= counts[(tok, "a@example.com")] <= 2
    assert all(t.complete for t in sink.txns if t.data is not None)


def test_kill_while_sending_dsn_another_child_sends_it(relay):
    """The child answered 250 and is sending the DSN for a refused
    recipient when it dies: the DSN was written to spool_dir/outq before
    the answer, so another child sends it at the next notice_retry."""
    at = threading.Event()
    go = threading.Event()
    held = []

    def mail(s, t, arg):
        if arg.upper().startswith("FROM:<>") and not held:
            held.append(1)
            at.set()
            go.wait(20)
            return "421 4.3.0 gone"
        return None

    def rcpt(s, t, addr, arg):
        return "550 5.1.1 no such user" if addr.startswith("bad@") else None
    w, sink = relay(sink={"hooks": {"mail": mail, "rcpt": rcpt}},
                    server={"notice_retry": "1s", "start_children": "2"})
    tok, msg = make_message()
    with Client(w.port) as c:
        c.ehlo()
        r = c.xfer("author@example.org", ["ok@example.com",
                                          "bad@example.com"], msg)
        assert r["final"].code == 250, r
        assert at.wait(10), "no DSN attempt"
        (pid, _), = net.conn_owner_by_remote(sink.port)
        assert pid == net.conn_owner(w.port, c.local_port)
        _kill(pid)
        _wait_dead(pid)
    go.set()
    sink.wait(lambda: len(sink.completed()) == 2, 10, "message + DSN")
    orig, dsn = sink.completed()
    assert seq_of(orig.data) == tok
    assert dsn.mail_addr == "" and dsn.accepted == ["author@example.org"]
    assert "Final-Recipient: rfc822; bad@example.com" in \
        dsn.data.decode("utf-8", "replace")
    wait_until(lambda: re.search(r"\[%d\]: \S+: sent DSN for 1 refused "
                                 r"recipient\(s\) to <author@example.org>"
                                 % pid, w.log()) is None and
               re.search(r"\]: \S+: sent DSN for 1 refused recipient",
                         w.log()), 5, what="the DSN sent by another child")


# ------------------------------------------------- fault matrix D1, D2, D4

def _settled(w, n):
    """The pool back to n children, each with its AV directory; returns
    (children, the master's open descriptors)."""
    wait_until(lambda: len(w.children()) == n, 10,
               what="the pool back to %d children" % n)
    time.sleep(0.3)
    return w.children(), res.fds(w.pid)


def test_D1_repeated_kills_mid_data_leak_nothing(relay, workdir):
    """Ten children killed half-way through DATA, one after the other:
    each time the master forks a new child within a second, and at
    the end it holds the descriptors it held before, the spool holds
    nothing and the AV temporary directories are the live children's
    only; nothing reached the downstream but the one good message."""
    tmp = procs.owned_dir(os.path.join(workdir, "avtmp"))
    w, sink = relay(extra={"av": {"temp_directory": tmp}},
                    server={"start_children": "2", "min_spare": "2",
                            "max_spare": "2", "max_children": "2"})
    kids0, fds0 = _settled(w, 2)
    tok, msg = make_message(size=200000)
    body = stuff(msg)
    for i in range(10):
        c = Client(w.port)
        c.ehlo()
        c.send("MAIL FROM:<s@example.org>\r\nRCPT TO:<r@example.com>\r\n"
               "DATA\r\n")
        assert [x.code for x in c.replies(3)] == [250, 250, 354]
        c.send(body[:len(body) // 2])
        pid = net.conn_owner(w.port, c.local_port)
        before = set(_settled(w, 2)[0])
        _kill(pid)
        # two children at most, one busy: the killed one must be replaced,
        # and the master forks its replacement within a second
        wait_until(lambda: set(w.children()) - before, 1.0, step=0.01,
                   what="a new child after killing %d" % pid)
        _wait_dead(pid)
        assert c.closed_by_peer(5), "the connection must drop"
        c.close()
        with Client(w.port, timeout=5) as probe:
            assert probe.greeting.code == 220
            assert net.conn_owner(w.port, probe.local_port) != pid
    w.wait_log(r"killed by signal 9 during a session", count=10)
    kids1, fds1 = _settled(w, 2)
    assert len(fds1) == len(fds0), "the master's descriptors: %r -> %r" % (
        sorted(fds0.values()), sorted(fds1.values()))
    spool = w.conf["spool_dir"]
    # spool_dir/stats holds the statistics (they stay)
    assert sorted(f for f in os.listdir(spool) if f != "stats") == \
        ["outq"] and os.listdir(os.path.join(spool, "outq")) == []
    wait_until(lambda: sorted(d.split(".")[1] for d in os.listdir(tmp)) ==
               sorted(str(k) for k in kids1), 5,
               what="AV directories of the live children only")
    assert sink.txns == []
    with Client(w.port) as c:
        c.ehlo()
        assert c.xfer("s@example.org", ["r@example.com"], msg)[
            "final"].code == 250
    assert [seq_of(t.data) for t in sink.delivered()] == [tok]


def test_D2_kill_after_downstream_250_before_reply(ports, postfix, winnowd,
                                                   pysink):
    """The downstream has said 250 to our dot, but the child dies before
    it reads that reply and answers Postfix (held with SIGSTOP at the
    moment the 250 is sent, then SIGKILL): Postfix gets no 2xx, defers,
    and its retry delivers a second whole copy - the one duplicate the
    post-dot window allows, never a third and never a partial one."""
    held = {}

    def stop_then_250(s, t):
        if not held:
            (pid, _), = net.conn_owner_by_remote(sink.port)
            os.kill(pid, signal.SIGSTOP)
            held["pid"] = pid
        return None                     # 250 to a stopped child
    sink = pysink(hooks={"dot": stop_then_250})
    pf, w, _ = _pf_chain(ports, postfix, winnowd, sink)
    led = Ledger()
    tok = _submit(pf, led, ["a@example.com"])
    wait_until(lambda: held and sink.txns and sink.txns[0].dot_replies, 20,
               what="the downstream's 250 to a stopped child")
    pid = held["pid"]
    assert pid in w.children()
    _kill(pid)
    _wait_dead(pid)
    w.wait_log(r"child %d killed by signal 9" % pid)
    pf.wait_deferred(1, 20)
    pf.flush()
    pf.wait_queue_empty(30)
    time.sleep(1)
    counts = led.assert_exactly_once(sink.txns, may_duplicate={tok})
    assert counts[(tok, "a@example.com")] == 2, counts
    assert all(t.complete for t in sink.txns if t.data is not None)
    assert len(sink.txns) == 2


@pytest.mark.timeout(240)
def test_D4_whole_daemon_killed_at_random_points(ports, postfix, winnowd,
                                                 pysink):
    """winnowd's master and every child killed with SIGKILL at a random
    moment while Postfix feeds it, then started again, 15 times: every
    message Postfix accepted is delivered, at most once more than once
    (a kill between the downstream's 250 and ours), and never in part.
    (Postfix owns each message until winnowd's 250; winnowd keeps only
    DSNs, in spool_dir/outq, whose reader refuses partial files: the
    unit test D4_broken_files_are_set_aside_and_stale_tmp_removed.)"""
    rnd = random.Random(4)
    sink = pysink()
    wport = ports()
    pf = postfix(wport, sink.port, start=False, scan_maxproc=4)
    w = winnowd(forward="tcp:127.0.0.1:%d" % sink.port, port=wport,
                server={"start_children": "3", "max_children": "4"})
    pf.start()
    led = Ledger()
    stop = threading.Event()

    def feed():
        with Client(pf.smtpd_port) as c:
            c.ehlo()
            for i in range(80):
                if stop.is_set():
                    break
                rc = ["r%d@example.com" % i, "s%d@example.com" % i]
                tok, msg = make_message(size=rnd.choice((2000, 30000,
                                                         300000)))
                assert c.xfer("s@example.org", rc, msg)["final"].code == 250
                led.add(tok, msg, rc)
                time.sleep(0.1)
    th = threading.Thread(target=feed)
    th.start()
    kills = 0
    try:
        for _ in range(15):
            time.sleep(rnd.uniform(0.2, 1.2))
            pids = [w.pid] + w.children()
            for p in pids:
                try:
                    os.kill(p, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            w.proc.wait()
            for p in pids:
                _wait_dead(p)
            kills += 1
            w.start()
    finally:
        stop.set()
        th.join(60)
    assert kills == 15 and len(led.sent) >= 40, (kills, len(led.sent))
    pf.flush()
    pf.wait_queue_empty(120)
    time.sleep(1.5)
    counts, problems = led.reconcile(sink.txns, may_duplicate=set(led.sent))
    assert not problems, "\n".join(problems)
    dups = [k for k, n in counts.items() if n > 1]
    assert len(dups) <= kills * 4, dups
    assert all(t.complete for t in sink.txns if t.data is not None and
               t.delivered_to())

"""Policy end to end with a real Postfix: mail goes in at Postfix's smtpd,
through content_filter to winnowd, back into Postfix's reinjection smtpd
and on to the sink (relayhost).  Groups with different results arrive as
separate transactions; reject-all is a 5xx to Postfix (which bounces);
mixed refusals are answered 250 with exactly one DSN from winnowd;
quarantine then release delivers exactly once; notifications arrive; a
broken policy file is refused by winnowd -t with its line number and by
SIGHUP without stopping service.

Statuses come from the lists (blacklisted, trusted): they need no check
module, so these tests hold on any branch.  Test names are short: the
Postfix instance lives in a directory named after the test, and its unix
sockets must fit in sun_path (108 bytes).
"""

import os
import pwd
import re
import signal
import subprocess
import time

import pytest

from wntest import net, procs
from wntest.smtp import Client, make_message, fields_named, split_header

WINNOWCTL = os.path.join(procs.TOP, "build", "winnowctl")

# This suite's own ports (the policy work owns 23000-23999).
_ports = net.PortAllocator(23000, 23999)


@pytest.fixture
def ports():
    return _ports


def _quarantine_dir(workdir):
    """A quarantine directory the children (user winnow) can write."""
    q = os.path.join(workdir, "quarantine")
    os.makedirs(q, exist_ok=True)
    pw = pwd.getpwnam(procs.DEFAULT_SERVER["user"])
    os.chown(q, pw.pw_uid, pw.pw_gid)
    os.chmod(q, 0o700)
    return q


@pytest.fixture
def chain(ports, pysink, winnowd, postfix, workdir):
    """chain(policy={...}, groups={"sales": {...}}) ->
    (postfix, winnowd, sink): Postfix -> winnowd -> Postfix -> sink."""
    def make(policy=None, groups=None, server=None):
        sink = pysink(port=ports())
        wport = ports()
        pf = postfix(wport, sink.port, start=False)
        pol = {"quarantine_dir": _quarantine_dir(workdir)}
        pol.update(policy or {})
        extra = {"group %s" % k: v for k, v in (groups or {}).items()}
        w = winnowd(forward="tcp:127.0.0.1:%d" % pf.reinject_port,
                    port=wport, policy=pol, extra=extra, server=server)
        pf.start()
        return pf, w, sink
    return make


def _submit(pf, sender, rcpts, msg):
    with Client(pf.smtpd_port) as c:
        c.ehlo()
        r = c.xfer(sender, rcpts, msg)
        c.quit()
    assert r["final"] is not None and r["final"].code == 250, r
    return r


def _ctl(w, *args):
    p = subprocess.run([WINNOWCTL, "-c", w.conf_path] + list(args),
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       timeout=60)
    return p.returncode, p.stdout.decode("utf-8", "replace")


def _done(sink):
    """Delivered transactions, without the sink's lock: the predicates of
    sink.wait() run under it already."""
    return [t for t in list(sink.txns) if t.delivered]


def _by_seq(sink, token):
    return [t for t in _done(sink) if t.data and token.encode() in t.data]


def _from_null(sink):
    return [t for t in _done(sink) if t.mail_addr == ""]


def _settle(pf, sink, seconds=2.0):
    """Let Postfix finish (queue empty) and the sink see the last of it."""
    pf.wait_queue_empty(timeout=40)
    time.sleep(seconds)


def test_pf_groups_split(chain):
    """The same message: tagged for sales, marked for support, quarantined
    for everyone else - two transactions downstream, one quarantine
    entry."""
    pf, w, sink = chain(
        policy={"blacklist": "spammer@bad.test",
                "blacklisted.action": "quarantine"},
        groups={"sales": {"recipients": "@sales.test",
                          "blacklisted.action": "accept",
                          "blacklisted.subject_tag": "[SPAM]"},
                "support": {"recipients": "@support.test",
                            "blacklisted.action": "accept",
                            "blacklisted.header": "X-Spam-Flag: YES"}})
    token, msg = make_message(subject="offer", sender="spammer@bad.test")
    _submit(pf, "spammer@bad.test", ["a@sales.test", "b@sales.test",
                                     "c@support.test", "d@example.com"],
            msg)
    got = sink.wait(lambda: len(_by_seq(sink, token)) >= 2 and
                    _by_seq(sink, token), timeout=40,
                    what="two transactions")
    _settle(pf, sink)
    got = _by_seq(sink, token)
    assert len(got) == 2, got
    by_rcpt = {tuple(sorted(t.accepted)): t for t in got}
    sales = by_rcpt[("a@sales.test", "b@sales.test")]
    support = by_rcpt[("c@support.test",)]
    assert fields_named(sales.data, "Subject") == [b"Subject: [SPAM] offer"]
    assert fields_named(sales.data, "X-Winnow-Group") == \
        [b"X-Winnow-Group: sales"]
    assert fields_named(sales.data, "X-Spam-Flag") == []
    assert fields_named(support.data, "Subject") == [b"Subject: offer"]
    assert fields_named(support.data, "X-Spam-Flag") == \
        [b"X-Spam-Flag: YES"]
    assert fields_named(support.data, "X-Winnow-Status") == \
        [b"X-Winnow-Status: blacklisted"]
    # d@example.com is in the quarantine, not downstream.
    assert not any("d@example.com" in t.accepted for t in _done(sink))
    rc, out = _ctl(w, "quarantine", "list")
    assert rc == 0, out
    lines = [l for l in out.splitlines() if "d@example.com" in l]
    assert len(lines) == 1 and "blacklisted" in lines[0], out
    assert "sales.test" not in lines[0]
    assert re.search(r"group=All status=blacklisted list=blacklist "
                     r"action=quarantine quarantine=", w.log())


def test_pf_reject_all(chain):
    """Every recipient refuses: winnowd answers Postfix 554 with the reject
    text, nothing goes downstream but Postfix's own bounce."""
    pf, w, sink = chain(policy={
        "blacklist": "spammer@bad.test",
        "blacklisted.action": "reject",
        "blacklisted.reject_text": "5.7.1 Go away (${status})"})
    token, msg = make_message(sender="spammer@bad.test")
    _submit(pf, "spammer@bad.test", ["a@example.com", "b@example.com"], msg)
    bounce = sink.wait(lambda: _from_null(sink), timeout=40,
                       what="Postfix's bounce")
    _settle(pf, sink)
    assert not [t for t in _done(sink) if t.mail_addr != ""]
    assert len(_from_null(sink)) == 1
    b = bounce[0]
    assert b.accepted == ["spammer@bad.test"]
    # Postfix bounced: our 554 reply is in its report.
    assert b"554 5.7.1 Go away (blacklisted)" in b.data
    assert re.search(r"said: 554 5\.7\.1 Go away \(blacklisted\)",
                     pf.log()), pf.log()[-2000:]


def test_reject_all_direct(winnowd, pysink, ports):
    """The same without Postfix, as a before-queue proxy sees it: one 554
    in SMTP, one per recipient in LMTP."""
    sink = pysink(port=ports())
    lport = ports()
    w = winnowd(forward="tcp:127.0.0.1:%d" % sink.port, server={
        "listen": "tcp:127.0.0.1:%d, lmtp:tcp:127.0.0.1:%d" % (
            ports(), lport)},
        policy={"blacklist": "spammer@bad.test",
                "blacklisted.action": "reject"})
    w.port = int(w.conf["listen"].split(":")[2].split(",")[0])
    _, msg = make_message(sender="spammer@bad.test")
    with Client(w.port) as c:
        c.ehlo()
        r = c.xfer("spammer@bad.test", ["a@x.test", "b@x.test"], msg)
    assert r["final"].code == 554, r
    assert "5.7.1 Message refused by policy (blacklisted)" in \
        r["final"].text
    with Client(lport) as c:
        c.ehlo(lmtp=True)
        r = c.xfer("spammer@bad.test", ["a@x.test", "b@x.test"], msg,
                   lmtp=True)
    assert [x.code for x in r["final"]] == [554, 554], r
    assert not sink.txns


def test_pf_mixed_one_dsn(chain):
    """Some recipients refuse: Postfix hears 250, the others get the
    message, the sender gets exactly one DSN (from winnowd), and Postfix
    bounces nothing."""
    pf, w, sink = chain(
        policy={"blacklist": "spammer@bad.test"},
        groups={"sales": {"recipients": "@sales.test",
                          "blacklisted.action": "reject",
                          "blacklisted.dsn": "yes"}})
    token, msg = make_message(sender="spammer@bad.test")
    _submit(pf, "spammer@bad.test", ["a@sales.test", "b@sales.test",
                                     "c@example.com"], msg)
    sink.wait(lambda: _by_seq(sink, token) and _from_null(sink),
              timeout=40, what="delivery and DSN")
    _settle(pf, sink)
    assert [t.accepted for t in _by_seq(sink, token)
            if t.mail_addr != ""] == [["c@example.com"]]
    dsns = _from_null(sink)
    assert len(dsns) == 1, dsns
    d = dsns[0]
    assert d.accepted == ["spammer@bad.test"]
    assert b"Subject: Undelivered Mail Returned to Sender" in d.data
    assert b"From: Mail Delivery System <MAILER-DAEMON@winnow.itest." \
        b"invalid>" in d.data
    assert d.data.count(b"Final-Recipient: rfc822;") == 2
    assert b"Reporting-MTA: dns; winnow.itest.invalid" in d.data
    # Postfix delivered to winnowd: no bounce of its own.
    assert "status=bounced" not in pf.log()


def test_pf_mixed_no_dsn(chain):
    """The same with the default for blacklisted mail: no DSN at all."""
    pf, w, sink = chain(
        policy={"blacklist": "spammer@bad.test"},
        groups={"sales": {"recipients": "@sales.test",
                          "blacklisted.action": "reject"}})
    token, msg = make_message(sender="spammer@bad.test")
    _submit(pf, "spammer@bad.test", ["a@sales.test", "c@example.com"], msg)
    sink.wait(lambda: _by_seq(sink, token), timeout=40, what="delivery")
    _settle(pf, sink)
    assert not _from_null(sink)
    assert "refused by policy" in w.log()


def test_pf_release_once(chain):
    pf, w, sink = chain(policy={"blacklist": "spammer@bad.test",
                                "blacklisted.action": "quarantine"})
    token, msg = make_message(subject="held", sender="spammer@bad.test")
    _submit(pf, "spammer@bad.test", ["a@example.com", "b@example.com"], msg)
    w.wait_log(r"quarantine=[0-9A-F]+", timeout=40)
    _settle(pf, sink, 1.0)
    assert not _by_seq(sink, token), "quarantined mail went downstream"
    rc, out = _ctl(w, "quarantine", "list", "--status", "blacklisted",
                   "--sender", "@bad.test", "--newer-than", "1h")
    assert rc == 0, out
    ids = re.findall(r"^([0-9A-F]+)\s", out, re.M)
    assert len(ids) == 1, out
    qid = ids[0]
    rc, out = _ctl(w, "quarantine", "show", qid, "--json", "--message")
    assert rc == 0 and token in out and '"spammer@bad.test"' in out, out

    rc, out = _ctl(w, "quarantine", "release", qid)
    assert rc == 0, out
    got = sink.wait(lambda: _by_seq(sink, token), timeout=40,
                    what="the released message")
    # A second release is refused: exactly once.
    rc, out = _ctl(w, "quarantine", "release", qid)
    assert rc == 65 and "released already" in out, out
    _settle(pf, sink)
    got = _by_seq(sink, token)
    assert len(got) == 1, got
    t = got[0]
    assert sorted(t.accepted) == ["a@example.com", "b@example.com"]
    assert t.mail_addr == "spammer@bad.test"
    assert b"X-Winnow-Info: released from quarantine (%s)" % \
        qid.encode() in t.data
    hdr, body = split_header(t.data)
    assert body == split_header(msg)[1], "the body is the original"
    rc, out = _ctl(w, "quarantine", "list", "--released")
    assert qid in out and "released" in out, out
    # Release to another address on request, then delete and purge.
    rc, out = _ctl(w, "quarantine", "release", qid, "--to",
                   "admin@example.com", "--force")
    assert rc == 0, out
    sink.wait(lambda: [x for x in _by_seq(sink, token)
                       if x.accepted == ["admin@example.com"]],
              timeout=40, what="the forced release")
    rc, out = _ctl(w, "quarantine", "delete", qid)
    assert rc == 0, out
    rc, out = _ctl(w, "quarantine", "show", qid)
    assert rc == 66, out


def test_pf_notify(chain):
    pf, w, sink = chain(policy={
        "blacklist": "spammer@bad.test",
        "notify_admin": "postmaster@example.com",
        "notify_from": "filter@example.com",
        "blacklisted.action": "quarantine",
        "blacklisted.notify": "sender, admin, recipients"})
    token, msg = make_message(subject="hello there",
                              sender="spammer@bad.test")
    _submit(pf, "spammer@bad.test", ["a@example.com"], msg)
    sink.wait(lambda: len(_from_null(sink)) >= 3, timeout=40,
              what="three notifications")
    _settle(pf, sink)
    notes = {tuple(t.accepted): t.data for t in _from_null(sink)}
    assert len(notes) == 3, notes.keys()
    admin = notes[("postmaster@example.com",)]
    sender = notes[("spammer@bad.test",)]
    rcpt = notes[("a@example.com",)]
    assert b"Subject: [winnow] blacklisted from spammer@bad.test: " \
        b"quarantine" in admin
    assert b"From: Mail Filter <filter@example.com>" in admin
    assert b"Auto-Submitted: auto-generated" in sender
    assert b"Subject:  hello there" in sender
    assert b"Your administrator can release it" in rcpt
    assert not _by_seq(sink, token)


def test_pf_broken_policy(chain, workdir):
    pf, w, sink = chain(
        policy={"blacklist": "spammer@bad.test",
                "blacklisted.subject_tag": "[BL]"})
    good = open(w.conf_path).read()
    bad = good + "\n[group sales]\nrecipients = @sales.test\n" \
        "spam.action = explode\n"
    bad_line = bad.splitlines().index("spam.action = explode") + 1
    # winnowd -t names the file and the line.
    path = os.path.join(workdir, "bad.conf")
    with open(path, "w") as f:
        f.write(bad)
    rc, out = procs.winnowd_check(path)
    assert rc == 78, out
    assert "%s:%d: [group sales] spam.action" % (path, bad_line) in out, \
        out
    # A list file with an error: both lines.
    lst = os.path.join(workdir, "black.txt")
    with open(lst, "w") as f:
        f.write("ok@x.test\nip:300.1.1.1\n")
    with open(path, "w") as f:
        f.write(good + "\n[group x]\nrecipients = @x.test\n"
                "blacklist = file:%s\n" % lst)
    rc, out = procs.winnowd_check(path)
    assert rc == 78 and "%s:2: item \"ip:300.1.1.1\"" % lst in out, out

    # The running daemon refuses it on SIGHUP and keeps serving.
    w.write_config(bad)
    w.signal(signal.SIGHUP)
    w.wait_log(r"reload failed, still running on the previous "
               r"configuration", timeout=10)
    assert w.proc.poll() is None
    token, msg = make_message(subject="after bad reload",
                              sender="spammer@bad.test")
    _submit(pf, "spammer@bad.test", ["a@sales.test"], msg)
    got = sink.wait(lambda: _by_seq(sink, token), timeout=40,
                    what="delivery after a failed reload")
    assert fields_named(got[0].data, "Subject") == \
        [b"Subject: [BL] after bad reload"]
    assert fields_named(got[0].data, "X-Winnow-Group") == \
        [b"X-Winnow-Group: All"], "the old policy still applies"

    # A good file applies.
    w.write_config(good + "\n[group sales]\nrecipients = @sales.test\n"
                   "blacklisted.subject_tag = [SALES]\n")
    w.signal(signal.SIGHUP)
    w.wait_log(r"configuration reloaded", timeout=10)
    time.sleep(1.0)
    token, msg = make_message(subject="after good reload",
                              sender="spammer@bad.test")
    _submit(pf, "spammer@bad.test", ["a@sales.test"], msg)
    got = sink.wait(lambda: _by_seq(sink, token), timeout=40,
                    what="delivery after a good reload")
    assert fields_named(got[0].data, "Subject") == \
        [b"Subject: [SALES] after good reload"]

"""winnowd as a milter of a real Postfix (smtpd_milters): mail goes in at
Postfix's smtpd, which asks winnowd over the milter protocol at every step
and applies our answer - headers, a new body, recipients, reject, tempfail,
hold - before it queues the message and relays it to the sink.

Pass criteria: clean mail arrives with our X-Winnow-* fields (the inbound
one removed) and otherwise byte for byte; GTUBE with spam.action = reject
is refused in the SMTP session with 554 and our text, and nothing arrives;
EICAR with infected.action = remove arrives with only the infected part
replaced (SMFIR_REPLBODY), with reject it is refused; mixed decisions keep
one message: refused recipients are deleted and get one DSN; quarantine in
winnowd or in Postfix's hold queue; two messages on one SMTP session use
one milter connection; winnowd down means milter_default_action (tempfail
answers 451, accept delivers unfiltered).
"""

import os
import time

import pytest

from wntest import net, procs
from wntest.ours import filtered
from wntest.smtp import Client, make_message, fields_named, split_header

SIGS = os.path.join(procs.TOP, "t", "data", "av", "sigs")
EICAR = (b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-"
         b"FILE!$H+H*")
GTUBE = "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X"

_ports = net.PortAllocator(26000, 26499)


@pytest.fixture
def ports():
    return _ports


@pytest.fixture
def mchain(ports, pysink, winnowd, postfix, workdir):
    """mchain(policy, groups, server, av, default_action, start_winnowd)
    -> (postfix, winnowd, sink): a client -> Postfix smtpd (milter:
    winnowd) -> queue -> sink; winnowd's DSNs go to Postfix's reinjection
    port."""
    def make(policy=None, groups=None, server=None, av=None,
             default_action="tempfail", start_winnowd=True):
        sink = pysink(port=ports())
        mport = ports()
        pf = postfix(ports(), sink.port, start=False, main={
            "content_filter": "",
            "smtpd_milters": "inet:127.0.0.1:%d" % mport,
            "milter_default_action": default_action,
            "milter_content_timeout": "60s"})
        srv = {"listen": "milter:tcp:127.0.0.1:%d" % mport}
        srv.update(server or {})
        extra = {"group %s" % k: v for k, v in (groups or {}).items()}
        if av is not None:
            tmp = procs.owned_dir(os.path.join(workdir, "avtmp"))
            extra["av"] = dict({"database": SIGS, "temp_directory": tmp},
                               **av)
        w = winnowd(forward="tcp:127.0.0.1:%d" % pf.reinject_port,
                    port=mport, policy=policy, extra=extra, server=srv,
                    start=start_winnowd)
        pf.start()
        return pf, w, sink
    return make


def submit(pf, sender, rcpts, msg):
    with Client(pf.smtpd_port) as c:
        c.ehlo()
        r = c.xfer(sender, rcpts, msg)
        c.quit()
    return r


def delivered(sink, token):
    """The message (not a DSN that quotes it) at the sink."""
    return [t for t in list(sink.txns) if t.delivered and t.data and
            token.encode() in t.data and t.mail_addr != ""]


def wait_one(sink, token, timeout=30):
    sink.wait(lambda: delivered(sink, token), timeout=timeout,
              what="the message at the sink")
    return delivered(sink, token)


def postfix_part(data):
    """The message without Postfix's own Received: (the MTA hides it from
    milters, and SMFIR_INSHEADER at 0 puts our fields above it)."""
    hdr, body = split_header(data)
    lines = hdr.split(b"\r\n")
    i = next(k for k, l in enumerate(lines) if l.startswith(b"Received: "))
    j = i + 1
    while lines[j][:1] in (b" ", b"\t"):
        j += 1
    return b"\r\n".join(lines[:i] + lines[j:]) + body


def test_clean_mail_gets_our_headers(mchain):
    pf, w, sink = mchain()
    token, msg = make_message(subject="lunch",
                              extra_headers=["X-Winnow-Status: spam"])
    r = submit(pf, "sender@example.org", ["rcpt@example.com"], msg)
    assert r["final"].code == 250, r
    got = wait_one(sink, token)
    assert len(got) == 1
    data = got[0].data
    assert fields_named(data, "X-Winnow-Status") == \
        [b"X-Winnow-Status: not-detected"]
    assert fields_named(data, "X-Winnow-Group") == [b"X-Winnow-Group: All"]
    # Otherwise the message is the original, byte for byte.
    ours = filtered(postfix_part(data), msg, received=False)
    assert ours.status == "not-detected"
    w.wait_log(r"proto=MILTER upstream_id=[0-9A-F]+ .*to=<rcpt@example.com>"
               r".*action=accept")


def test_gtube_rejected_in_the_session(mchain):
    pf, w, sink = mchain(policy={
        "spam.action": "reject",
        "spam.reject_text": "5.7.1 Spam refused by winnow (${queue_id})"})
    token, msg = make_message(subject="offer", body="Hi\r\n%s\r\n" % GTUBE)
    r = submit(pf, "sender@example.org", ["rcpt@example.com"], msg)
    assert r["final"].code == 554, r
    assert "Spam refused by winnow" in r["final"].text, r
    w.wait_log(r"status=spam .*action=reject")
    time.sleep(1)
    assert not delivered(sink, token)
    assert not pf.queue_entries()


def _eicar_message():
    body = ("This is a MIME message.\r\n"
            "--BB\r\nContent-Type: text/plain\r\n\r\nkeep me\r\n"
            "--BB\r\nContent-Type: application/octet-stream; "
            "name=\"e.com\"\r\nContent-Disposition: attachment; "
            "filename=\"e.com\"\r\n\r\n").encode() + EICAR + \
        b"\r\n--BB--\r\n"
    return make_message(subject="with a virus", body=body, extra_headers=[
        "Content-Type: multipart/mixed; boundary=\"BB\""])


def test_eicar_removed_by_body_replacement(mchain):
    pf, w, sink = mchain(av={}, policy={"infected.action": "remove"})
    token, msg = _eicar_message()
    # make_message adds its own text/plain Content-Type first; drop it
    msg = msg.replace(b"Content-Type: text/plain; charset=us-ascii\r\n", b"")
    r = submit(pf, "sender@example.org", ["rcpt@example.com"], msg)
    assert r["final"].code == 250, r
    got = wait_one(sink, token)
    data = got[0].data
    assert EICAR not in data
    assert b"keep me" in data
    assert fields_named(data, "X-Winnow-Status")
    assert b"X-Winnow-Virus: infected" in data
    # the parts before the infected one are unchanged
    _, body = split_header(data)
    _, obody = split_header(msg)
    pre = obody[:obody.index(b"--BB\r\nContent-Type: application")]
    assert body.startswith(pre)


def test_eicar_rejected(mchain):
    pf, w, sink = mchain(av={}, policy={"infected.action": "reject"})
    token, msg = _eicar_message()
    msg = msg.replace(b"Content-Type: text/plain; charset=us-ascii\r\n", b"")
    r = submit(pf, "sender@example.org", ["rcpt@example.com"], msg)
    assert r["final"].code == 554, r
    time.sleep(1)
    assert not delivered(sink, token)


def test_mixed_refusal_deletes_and_sends_one_dsn(mchain):
    """Blacklisted sender: the sales group refuses, everyone else gets
    the message - one message, the refused recipient deleted (DELRCPT),
    one DSN to the sender."""
    pf, w, sink = mchain(
        policy={"blacklist": "spammer@bad.test",
                "blacklisted.action": "accept",
                "blacklisted.subject_tag": "[BL]"},
        groups={"sales": {"recipients": "@sales.test",
                          "blacklisted.action": "reject",
                          "blacklisted.dsn": "yes"}})
    token, msg = make_message(subject="offer", sender="spammer@bad.test")
    r = submit(pf, "spammer@bad.test", ["a@sales.test", "b@example.com"], msg)
    assert r["final"].code == 250, r
    got = wait_one(sink, token)
    pf.wait_queue_empty(timeout=30)
    time.sleep(1)
    got = delivered(sink, token)
    assert len(got) == 1 and got[0].accepted == ["b@example.com"], got
    assert fields_named(got[0].data, "Subject") == [b"Subject: [BL] offer"]
    sink.wait(lambda: [t for t in list(sink.txns) if t.delivered and
                       t.mail_addr == "" and t.accepted ==
                       ["spammer@bad.test"]], timeout=30, what="the DSN")
    dsns = [t for t in list(sink.txns) if t.delivered and t.mail_addr == ""]
    assert len(dsns) == 1 and b"a@sales.test" in dsns[0].data


def test_quarantine_in_winnow(mchain, workdir):
    pf, w, sink = mchain(policy={"blacklist": "spammer@bad.test",
                                 "blacklisted.action": "quarantine"})
    token, msg = make_message(subject="q", sender="spammer@bad.test")
    r = submit(pf, "spammer@bad.test", ["a@example.com"], msg)
    assert r["final"].code == 250, r
    w.wait_log(r"quarantine=\S+ \"250 2.0.0 Ok: held in quarantine")
    time.sleep(1)
    assert not delivered(sink, token)
    assert not pf.queue_entries()      # discarded by Postfix
    qdir = w.sections["policy"]["quarantine_dir"]
    assert any(files for _, _, files in os.walk(qdir))


def test_quarantine_in_postfix_hold_queue(mchain):
    pf, w, sink = mchain(policy={"blacklist": "spammer@bad.test",
                                 "blacklisted.action": "quarantine"},
                         server={"milter_quarantine": "mta"})
    token, msg = make_message(subject="q", sender="spammer@bad.test")
    r = submit(pf, "spammer@bad.test", ["a@example.com"], msg)
    assert r["final"].code == 250, r
    end = time.monotonic() + 20
    while time.monotonic() < end:
        q = pf.queue_entries()
        if q:
            break
        time.sleep(0.1)
    assert [e["queue_name"] for e in q] == ["hold"], q
    assert "milter triggers HOLD" in pf.log()


def test_two_messages_one_session(mchain):
    pf, w, sink = mchain()
    toks = []
    with Client(pf.smtpd_port) as c:
        c.ehlo()
        for i in range(2):
            token, msg = make_message(subject="n%d" % i)
            toks.append(token)
            r = c.xfer("sender@example.org", ["r%d@example.com" % i], msg)
            assert r["final"].code == 250, r
        c.quit()
    for t in toks:
        wait_one(sink, t)
    # one SMTP session: one milter connection, so one child served both
    lines = w.wait_log(r"child\[(\d+)\]: \S+: from=<sender@example.org>",
                       count=2)
    assert len(set(lines)) == 1, lines


@pytest.mark.parametrize("action", ["tempfail", "accept"])
def test_winnowd_down_default_action(mchain, action):
    pf, w, sink = mchain(default_action=action, start_winnowd=False)
    token, msg = make_message(subject="down")
    r = submit(pf, "sender@example.org", ["rcpt@example.com"], msg)
    if action == "tempfail":
        # Postfix refuses from the first step it cannot ask winnowd
        assert r["mail"].code == 451, r
        time.sleep(1)
        assert not delivered(sink, token)
    else:
        assert r["final"].code == 250, r
        got = wait_one(sink, token)
        assert not fields_named(got[0].data, "X-Winnow-Status")

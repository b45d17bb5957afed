"""Downstream faults.  Pass criteria (DESIGN.md invariants):

  - the upstream hears 4xx for every fault on our side or downstream, 5xx
    only when the downstream refused for good;
  - on an error path the downstream never gets the final dot (nothing is
    delivered half);
  - SMTP upstream: a temporary failure of any recipient aborts the whole
    message before the dot (4xx); accepted + permanently refused recipients
    give 250 and an RFC 3464 DSN for the refused ones (never to <>,
    NOTIFY=NEVER respected);
  - LMTP upstream: one reply per recipient mirroring its outcome;
  - with a real Postfix upstream, a deferred message is delivered exactly
    once when the downstream comes back.
"""

import os
import signal
import email
import email.policy
import re
import time

import pytest

from wntest import net, procs, res
from wntest.ours import filtered
from wntest.smtp import Client, make_message, seq_of, wait_until
from wntest.sink import DROP


# ------------------------------------------------------------ helpers

def send(port, rcpts, lmtp=False, sender="s@example.org", msg=None,
         **kw):
    tok, m = make_message() if msg is None else (seq_of(msg), msg)
    with Client(port) as c:
        c.ehlo(lmtp=lmtp)
        r = c.xfer(sender, rcpts, m, lmtp=lmtp, **kw)
        c.quit()
    return tok, m, r


def final_classes(r, lmtp):
    if lmtp:
        return [x.code // 100 for x in r["final"]]
    return [r["final"].code // 100]


def by_local(replies):
    def rcpt(s, t, addr, arg):
        return replies.get(addr.split("@")[0])
    return rcpt


# ------------------------------------------------- smtp-sink fault matrix

# (smtp-sink options, expected class upstream, whether a complete copy may
#  exist downstream)
SINK_FAULTS = [
    (["-Q", "CONNECT"], 4, False),
    (["-r", "EHLO", "-r", "HELO"], 4, False),
    (["-r", "MAIL"], 4, False),
    (["-f", "MAIL"], 5, False),
    (["-r", "RCPT"], 4, False),
    (["-f", "RCPT"], 5, False),
    (["-r", "DATA"], 4, False),
    (["-f", "DATA"], 5, False),
    (["-r", "."], 4, True),
    (["-f", "."], 5, True),
    (["-Q", "MAIL"], 4, False),
    (["-Q", "RCPT"], 4, False),
    (["-Q", "DATA"], 4, False),
    (["-Q", "."], 4, True),
    (["-q", "RCPT"], 4, False),
    (["-q", "DATA"], 4, False),
    (["-q", "."], 4, True),
    # -A: 550 right after 354 and stop reading; depending on timing our
    # body or dot write fails first (4xx) or we read the 550 (5xx)
    (["-A", "0"], (4, 5), False),
]


@pytest.mark.parametrize("lmtp_in", [False, True], ids=["smtp-in", "lmtp-in"])
@pytest.mark.parametrize("opts,cls,copy", SINK_FAULTS,
                         ids=[" ".join(f[0]) for f in SINK_FAULTS])
def test_N2_N5_N7_smtp_sink_faults(winnowd, smtpsink, opts, cls, copy,
                                   lmtp_in):
    sink = smtpsink(opts=opts)
    w = winnowd(forward="tcp:127.0.0.1:%d" % sink.port)
    rcpts = ["a@example.com", "b@example.com"]
    _, _, r = send(w.port, rcpts, lmtp=lmtp_in)
    got = final_classes(r, lmtp_in)
    ok = cls if isinstance(cls, tuple) else (cls,)
    assert len(set(got)) == 1 and got[0] in ok, r
    if lmtp_in:
        assert len(got) == 2
    time.sleep(0.2)
    dumps = sink.messages()
    if not copy:
        assert dumps == [], "a copy went downstream on an error path"
    assert "killed by signal" not in w.log()


def test_N7_smtp_sink_no_reply_after_dot_is_flagged(winnowd, smtpsink):
    """-q .: the downstream hangs up after our dot.  We cannot know whether
    it kept the message: 4xx, and the log says it may be duplicated."""
    sink = smtpsink(opts=["-q", "."])
    w = winnowd(forward="tcp:127.0.0.1:%d" % sink.port)
    _, _, r = send(w.port, ["a@example.com"])
    assert r["final"].code // 100 == 4
    assert "delivered twice" in r["final"].text or \
        "may be delivered" in w.log()


# ------------------------------------------- per-recipient, SMTP upstream

@pytest.mark.parametrize("pipelining", [True, False],
                         ids=["pipelining", "lockstep"])
def test_N3_smtp_in_one_recipient_tempfailed_aborts_all(relay, pipelining):
    """One reply covers all SMTP recipients: one 4xx at RCPT defers the
    whole message and no copy goes anywhere.  With PIPELINING, DATA went
    out with the envelope (one round trip): only closing the connection
    after the 354 cancels it - never a body, never the final dot.  In
    lockstep DATA is not sent at all and RSET ends the transaction."""
    w, sink = relay(sink={"pipelining": pipelining, "hooks": {
        "rcpt": by_local({"b": "451 4.3.0 try later"})}})
    _, _, r = send(w.port, ["a@example.com", "b@example.com",
                            "c@example.com"])
    assert r["final"].code // 100 == 4, r
    assert not sink.completed()
    sess = sink.sessions[0]
    if pipelining:
        sink.wait(lambda: sess.closed, 5, "the connection dropped")
        assert sess.commands[-1] == "DATA", sess.commands
        assert sink.txns[0].raw == b"" and sink.txns[0].dropped
    else:
        assert "DATA" not in sess.commands, \
            "DATA must not be sent downstream"
        assert "RSET" in sess.commands


def test_N5_smtp_in_mixed_permanent_gets_250_and_dsn(relay):
    w, sink = relay(sink={"hooks": {"rcpt": by_local(
        {"bad": "550 5.1.1 <bad@example.com>: no such user"})}})
    tok, msg, r = send(w.port, ["ok@example.com", "bad@example.com"],
                       sender="author@example.org")
    assert r["final"].code == 250, r
    assert "1 recipient(s) refused downstream, DSN sent" in r["final"].text
    sink.wait(lambda: len(sink.completed()) == 2, 5, "message + DSN")
    orig, dsn = sink.completed()
    assert seq_of(orig.data) == tok and orig.accepted == ["ok@example.com"]
    assert dsn.mail_addr == "" and dsn.accepted == ["author@example.org"]
    m = email.message_from_bytes(dsn.data, policy=email.policy.compat32)
    assert m.get_content_type() == "multipart/report"
    assert m.get_param("report-type") == "delivery-status"
    assert m["To"] == "<author@example.org>"
    parts = m.get_payload()
    assert [p.get_content_type() for p in parts] == [
        "text/plain", "message/delivery-status", "message/rfc822"]
    status = parts[1].get_payload()
    flat = b"".join(bytes(p) for p in status) if isinstance(status, list) \
        else status
    text = dsn.data.decode("utf-8", "replace")
    assert "Final-Recipient: rfc822; bad@example.com" in text
    assert "Action: failed" in text
    assert "Status: 5.1.1" in text
    assert "Diagnostic-Code: smtp; 550 5.1.1" in text
    assert "ok@example.com" not in text.split("message/rfc822")[0]
    # the original comes back whole (small message, no RET)
    assert tok in text.split("message/rfc822", 1)[1]
    assert flat is not None


def test_smtp_in_mixed_permanent_null_sender_no_dsn(relay):
    w, sink = relay(sink={"hooks": {"rcpt": by_local(
        {"bad": "550 5.1.1 no such user"})}})
    _, _, r = send(w.port, ["ok@example.com", "bad@example.com"], sender="")
    assert r["final"].code == 250
    time.sleep(0.3)
    assert len(sink.completed()) == 1, "never a DSN to the null sender"


@pytest.mark.parametrize("notify,want_dsn", [
    ("NOTIFY=NEVER", False), ("NOTIFY=SUCCESS", False),
    ("NOTIFY=DELAY", False), ("NOTIFY=FAILURE", True),
    ("NOTIFY=SUCCESS,FAILURE", True), (None, True)])
def test_smtp_in_dsn_respects_notify(relay, notify, want_dsn):
    w, sink = relay(sink={"hooks": {"rcpt": by_local(
        {"bad": "550 5.1.1 no such user"})}})
    params = {"bad@example.com": notify} if notify else {}
    _, _, r = send(w.port, ["ok@example.com", "bad@example.com"],
                   rcpt_params=params)
    assert r["final"].code == 250
    time.sleep(0.3)
    dsns = [t for t in sink.completed() if t.mail_addr == ""]
    assert len(dsns) == (1 if want_dsn else 0)
    assert len(sink.completed()) == 1 + len(dsns)


def test_smtp_in_dsn_ret_hdrs_and_orcpt(relay):
    w, sink = relay(sink={"hooks": {"rcpt": by_local(
        {"bad": "553 5.1.3 bad address"})}})
    tok, msg, r = send(w.port, ["ok@example.com", "bad@example.com"],
                       mail_params="RET=HDRS ENVID=my+2Benv",
                       rcpt_params={"bad@example.com":
                                    "ORCPT=rfc822;orig+2Bbad@example.com"})
    assert r["final"].code == 250
    sink.wait(lambda: len(sink.completed()) == 2, 5, "DSN")
    dsn = [t for t in sink.completed() if t.mail_addr == ""][0]
    text = dsn.data.decode()
    assert "text/rfc822-headers" in text and "message/rfc822" not in text
    assert "this is message" not in text, "RET=HDRS: no body"
    assert "Original-Envelope-Id: my+env" in text
    assert "Original-Recipient: rfc822;orig+bad@example.com" in text
    assert "Status: 5.1.3" in text
    # the DSN itself is canonical on the wire
    assert dsn.bare_newlines() == 0


def test_N5_smtp_in_all_refused_is_5xx_without_dsn(relay):
    w, sink = relay(sink={"hooks": {"rcpt": lambda s, t, a, arg:
                                    "550 5.1.1 nobody here"}})
    _, _, r = send(w.port, ["a@example.com", "b@example.com"])
    assert r["final"].code == 550 and "nobody here" in r["final"].text
    time.sleep(0.3)
    assert sink.txns == [] or not sink.completed()


def test_N3_smtp_in_tempfail_and_permfail_mix_is_4xx(relay):
    w, sink = relay(sink={"hooks": {"rcpt": by_local(
        {"tmp": "452 4.2.2 over quota", "bad": "550 5.1.1 unknown"})}})
    _, _, r = send(w.port, ["ok@example.com", "tmp@example.com",
                            "bad@example.com"])
    assert r["final"].code // 100 == 4
    time.sleep(0.3)
    assert not sink.completed(), "no copy and no DSN: the retry decides"


def test_N3_smtp_in_lmtp_out_tempfail_after_dot(relay):
    """SMTP upstream, LMTP downstream that tempfails one recipient only
    after the dot, when the other's copy is already delivered: the only
    answer that loses nothing is 4xx for the message; the log says the
    retry may duplicate the delivered copy."""
    def dot(s, t):
        return ["250 2.1.5 ok" if a.startswith("a@") else
                "452 4.2.2 <%s> over quota" % a for a in t.accepted]
    w, sink = relay(sink={"lmtp": True, "hooks": {"dot": dot}})
    _, _, r = send(w.port, ["a@example.com", "b@example.com"])
    assert r["final"].code == 452, r
    assert [t.delivered_to() for t in sink.completed()] == [
        ["a@example.com"]]
    assert "the upstream's retry may duplicate it" in w.log()


# ------------------------------------------- per-recipient, LMTP upstream

def test_N4_lmtp_in_mixed_rcpt_outcomes_mirrored(relay):
    w, sink = relay(sink={"hooks": {"rcpt": by_local(
        {"tmp": "451 4.3.0 later", "bad": "550 5.1.1 unknown"})}})
    _, _, r = send(w.port, ["tmp@example.com", "ok@example.com",
                            "bad@example.com"], lmtp=True)
    assert final_classes(r, True) == [4, 2, 5]
    assert "later" in r["final"][0].text and "unknown" in r["final"][2].text
    got = sink.delivered()
    assert len(got) == 1 and got[0].accepted == ["ok@example.com"]
    assert not [t for t in sink.txns if t.mail_addr == ""], "no DSN"


def test_N4_lmtp_in_mail_refused_applies_to_all(relay):
    w, sink = relay(sink={"hooks": {
        "mail": lambda s, t, a: "452 4.3.1 insufficient storage"}})
    _, _, r = send(w.port, ["a@example.com", "b@example.com"], lmtp=True)
    assert [x.text[:3] for x in r["final"]] == ["452", "452"]


# ------------------------------------------------------ timeouts

@pytest.mark.parametrize("stage", ["greet", "ehlo", "mail", "rcpt", "data",
                                   "body"])
def test_N6_slow_downstream_before_dot_is_4xx(relay, stage):
    """A downstream that stalls longer than forward_timeout at any point
    before the dot: 4xx upstream within the budget, nothing delivered.
    (For "body" the sink stops reading, so the message must be larger than
    the socket buffers for our writes to block.)"""
    def stall(*a):
        time.sleep(3)
        return None
    w, sink = relay(sink={"hooks": {stage: stall}},
                    server={"forward_timeout": "1s"})
    msg = make_message(size=24 << 20)[1] if stage == "body" else None
    t0 = time.monotonic()
    _, _, r = send(w.port, ["a@example.com"], msg=msg)
    took = time.monotonic() - t0
    assert r["final"].code // 100 == 4, r
    limit = 2.8 if stage != "body" else 2.8 + 1.5    # + sending 24 MB
    assert took < limit, "gave up after %.1fs, forward_timeout is 1s" % took
    sink.wait(lambda: all(s.closed for s in sink.sessions), 10,
              "the stalled session to end")
    assert not sink.completed(), "no dot may follow a timeout"


@pytest.mark.parametrize("stage", ["greet", "ehlo"])
def test_N6_message_deadline_covers_opening_the_downstream(relay, stage):
    """Fault matrix: a downstream that hangs at its greeting or EHLO
    keeps a message no longer than message_deadline (6 s here), even with
    forward_timeout and forward_connect_timeout far above it: the
    before-queue budget holds."""
    def stall(*a):
        time.sleep(20)
        return None
    w, sink = relay(sink={"hooks": {stage: stall}},
                    server={"forward_timeout": "60s",
                            "forward_connect_timeout": "60s",
                            "message_deadline": "6s"})
    t0 = time.monotonic()
    _, _, r = send(w.port, ["a@example.com"])
    took = time.monotonic() - t0
    assert r["final"].code // 100 == 4, r
    assert took < 7.5, "took %.1fs with message_deadline = 6s" % took
    assert not sink.completed()


def test_N6_slow_downstream_after_dot_is_4xx(relay):
    def slow(s, t):
        time.sleep(3)
        return None
    w, sink = relay(sink={"hooks": {"dot": slow}},
                    server={"forward_data_done_timeout": "1s"})
    t0 = time.monotonic()
    _, _, r = send(w.port, ["a@example.com"])
    assert r["final"].code // 100 == 4, r
    assert time.monotonic() - t0 < 2.8
    assert "No reply from the downstream after end of data" in \
        r["final"].text


@pytest.mark.parametrize("opts,after_dot", [
    (["-w", "4"], False),
    (["-W", "MAIL:4"], False),
    (["-W", "RCPT:4"], False),
    (["-W", ".:4"], True),
], ids=["-w 4", "-W MAIL:4", "-W RCPT:4", "-W .:4"])
def test_N6_smtp_sink_delay_past_timeout(winnowd, smtpsink, opts, after_dot):
    """smtp-sink slower than forward_timeout (forward_data_done_timeout
    after the dot): 4xx within the budget; before the dot nothing is
    delivered, after it the copy may exist (the duplicate window)."""
    sink = smtpsink(opts=opts)
    w = winnowd(forward="tcp:127.0.0.1:%d" % sink.port,
                server={"forward_timeout": "1s",
                        "forward_data_done_timeout": "1s"})
    t0 = time.monotonic()
    _, _, r = send(w.port, ["a@example.com"])
    assert r["final"].code // 100 == 4, r
    assert time.monotonic() - t0 < 3.5
    if after_dot:
        assert "No reply from the downstream after end of data" in \
            r["final"].text
    else:
        time.sleep(0.5)     # we hung up before any dot: nothing to come
        assert sink.messages() == []


def test_N1_downstream_refused_connection_is_4xx(winnowd, ports):
    w = winnowd(forward="tcp:127.0.0.1:%d" % ports())
    for lmtp in (False, True):
        _, _, r = send(w.port, ["a@example.com", "b@example.com"],
                       lmtp=lmtp)
        assert set(final_classes(r, lmtp)) == {4}, r
    assert "Downstream unavailable" in str(r["final"])


# ------------------------------------------------- hostile downstreams

HOSTILE = {
    "too-many-lines": "\r\n".join(["250-x%d" % i for i in range(500)] +
                                  ["250 end"]),
    "huge-line": "250 " + "x" * 100000,
    "not-a-code": "2x0 what",
    "mixed-codes": "250-first\r\n354 second",
    "nul": "250-a\x00b\r\n250 ok",
    "bare-lf": "250-a\n250-b\n250 c",
    "empty": "",
    "short": "25",
}


@pytest.mark.parametrize("where", ["greet", "ehlo", "mail", "rcpt", "data",
                                   "dot"])
@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_N8_hostile_downstream_replies(relay, where, kind):
    """Malformed replies at any point: 4xx (never 2xx, never a crash), and
    no completed copy unless the bad reply came after our dot."""
    text = HOSTILE[kind]

    def hook(*a):
        return text
    w, sink = relay(sink={"hooks": {where: hook}},
                    server={"forward_timeout": "2s",
                            "forward_data_done_timeout": "2s"})
    _, _, r = send(w.port, ["a@example.com"])
    code = r["final"].code
    if kind in ("nul", "bare-lf"):
        # may be read leniently (a bare LF ends a line; text after a NUL is
        # dropped) or refused; never 5xx
        assert code // 100 in (2, 4), r
    else:
        assert code // 100 == 4, r
    assert "\x00" not in r["final"].text
    if code // 100 == 2:
        assert len(sink.delivered()) == 1
    if where != "dot" and code // 100 != 2:
        assert not sink.completed()
    assert "killed by signal" not in w.log()
    assert "panic" not in w.log()


ODD_REPLIES = [(where, reply)
               for where in ("mail", "rcpt", "data", "dot")
               for reply in ("150 2.0.0 odd", "354 weird", "650 6.0.0 odd")
               # 354 is DATA's go-ahead
               if not (where == "data" and reply.startswith("354"))]


@pytest.mark.parametrize("lmtp_in", [False, True], ids=["smtp", "lmtp"])
@pytest.mark.parametrize("where,reply", ODD_REPLIES)
def test_N8_unexpected_well_formed_replies(relay, where, reply, lmtp_in):
    """A well-formed reply of a class that has no place at MAIL, RCPT, DATA
    or after the dot (1xx, 3xx, 6xx): 451 (4.5.0 where it answered a
    recipient), never passed upstream, never a crash; the connection is
    dropped (the next message goes on a new one)."""
    def hook(*a):
        return reply
    w, sink = relay(sink={"hooks": {where: hook}},
                    server={"forward_timeout": "2s",
                            "forward_data_done_timeout": "2s"})
    for attempt in range(2):
        _, _, r = send(w.port, ["a@example.com", "b@example.com"],
                       lmtp=lmtp_in)
        finals = r["final"] if lmtp_in else [r["final"]]
        for f in finals:
            assert f.code == 451, r
            if where != "data":
                assert "4.5.0" in f.text or "4.4.2" in f.text, r
        assert "killed by signal" not in w.log()
        assert "panic" not in w.log()
    if where != "dot":
        assert not sink.completed()
    # out of step: the connection was dropped, not reused
    assert len(sink.sessions) == 2, sink.sessions


def test_cached_connection_closed_by_downstream(relay):
    """The downstream says 421 and hangs up on our idle cached connection:
    the next message opens a new one and is delivered."""
    def after(s, t):
        s.send("421 4.4.2 idle too long, closing")
        return DROP
    w, sink = relay(sink={"hooks": {"after_dot": after}})
    with Client(w.port) as c:
        c.ehlo()
        for _ in range(3):
            r = c.xfer("s@example.org", ["r@example.com"], make_message()[1])
            assert r["final"].code == 250, r
            time.sleep(0.1)
    assert len(sink.delivered()) == 3
    assert len(sink.sessions) == 3


# ---------------------------------------- real Postfix upstream retries

def _pf_direct(ports, postfix, winnowd, sink_port, proto="smtp",
               server=None):
    """Postfix smtpd -> content_filter -> winnowd -> sink_port directly."""
    wport = ports()
    pf = postfix(wport, sink_port, filter_proto=proto, start=False)
    w = winnowd(forward="tcp:127.0.0.1:%d" % sink_port, port=wport,
                server=dict({"forward_protocol": "smtp"}, **(server or {})))
    pf.start()
    return pf, w


@pytest.mark.parametrize("proto", ["smtp", "lmtp"])
def test_N1_downstream_down_then_back_delivered_once(ports, postfix, winnowd,
                                                     pysink, proto):
    sink_port = ports()
    pf, w = _pf_direct(ports, postfix, winnowd, sink_port, proto)
    tok, msg = make_message()
    with Client(pf.smtpd_port) as c:
        c.ehlo()
        assert c.xfer("s@example.org", ["a@example.com", "b@example.com"],
                      msg)["final"].code == 250
    pf.wait_deferred(1, 20)
    assert re.search(r"status=deferred \(host 127\.0\.0\.1\[127\.0\.0\.1\] "
                     r"said: 4\d\d 4\.4\.1", pf.log()), pf.log()[-2000:]
    sink = pysink(port=sink_port)
    pf.flush()
    sink.wait(lambda: sum(len(t.accepted) for t in sink.delivered()) >= 2,
              20, "delivery after the downstream came back")
    pf.wait_queue_empty(20)
    time.sleep(1.5)                 # a duplicate would show up by now
    got = sink.delivered()
    assert sorted(a for t in got for a in t.accepted) == ["a@example.com",
                                                          "b@example.com"]
    assert all(seq_of(t.data) == tok for t in got)
    for t in got:
        # Postfix's smtpd Received: sits below ours
        filtered(t.data, msg, hops=1)


def test_N3_postfix_retries_tempfailed_recipient_exactly_once(ports, postfix,
                                                              winnowd, pysink):
    """SMTP filter transport: one recipient tempfails downstream at first,
    so the whole message is deferred (no copy anywhere); once the
    downstream accepts it, every recipient gets exactly one copy."""
    state = {"fail": True}

    def rcpt(s, t, addr, arg):
        if addr.startswith("b@") and state["fail"]:
            return "450 4.2.1 try again"
        return None
    sink = pysink(hooks={"rcpt": rcpt})
    pf, w = _pf_direct(ports, postfix, winnowd, sink.port)
    tok, msg = make_message()
    with Client(pf.smtpd_port) as c:
        c.ehlo()
        assert c.xfer("s@example.org", ["a@example.com", "b@example.com"],
                      msg)["final"].code == 250
    pf.wait_deferred(1, 20)
    assert not sink.completed()
    state["fail"] = False
    pf.flush()
    sink.wait(lambda: sink.delivered(), 20, "delivery")
    pf.wait_queue_empty(20)
    time.sleep(1.5)
    got = sink.delivered()
    assert len(got) == 1
    assert sorted(got[0].accepted) == ["a@example.com", "b@example.com"]


def test_N4_postfix_lmtp_retries_only_tempfailed_recipient(ports, postfix,
                                                           winnowd, pysink):
    """LMTP filter transport: the accepted recipient is delivered at once,
    only the tempfailed one is deferred and retried; each exactly once."""
    state = {"fail": True}

    def rcpt(s, t, addr, arg):
        if addr.startswith("b@") and state["fail"]:
            return "450 4.2.1 try again"
        return None
    sink = pysink(hooks={"rcpt": rcpt})
    pf, w = _pf_direct(ports, postfix, winnowd, sink.port, proto="lmtp")
    tok, msg = make_message()
    with Client(pf.smtpd_port) as c:
        c.ehlo()
        assert c.xfer("s@example.org", ["a@example.com", "b@example.com"],
                      msg)["final"].code == 250
    sink.wait(lambda: sink.delivered(), 20, "first delivery")
    pf.wait_deferred(1, 20)
    assert [t.accepted for t in sink.delivered()] == [["a@example.com"]]
    state["fail"] = False
    pf.flush()
    sink.wait(lambda: len(sink.delivered()) >= 2, 20, "retry delivery")
    pf.wait_queue_empty(20)
    time.sleep(1.5)
    assert sorted(a for t in sink.delivered() for a in t.accepted) == [
        "a@example.com", "b@example.com"]


# ------------------------------ refusals through a real Postfix reinjection

def _pf_reject_chain(ports, postfix, winnowd, pysink, proto):
    sink = pysink()
    wport = ports()
    pf = postfix(wport, sink.port, filter_proto=proto, start=False,
                 reinject_rcpt_restrictions="check_recipient_access "
                 "inline:{bad@example.com=REJECT}, permit_mynetworks, reject")
    w = winnowd(forward="tcp:127.0.0.1:%d" % pf.reinject_port, port=wport)
    pf.start()
    return pf, w, sink


def test_postfix_smtp_refused_recipient_gets_our_dsn(ports, postfix, winnowd,
                                                     pysink):
    """SMTP filter transport; the reinjection smtpd refuses one recipient
    for good: the other is delivered, Postfix hears 250, and winnowd's DSN
    (not Postfix's) reaches the sender through the reinjection."""
    pf, w, sink = _pf_reject_chain(ports, postfix, winnowd, pysink, "smtp")
    tok, msg = make_message()
    with Client(pf.smtpd_port) as c:
        c.ehlo()
        assert c.xfer("author@example.org", ["ok@example.com",
                                             "bad@example.com"], msg)[
            "final"].code == 250
    sink.wait(lambda: len(sink.delivered()) >= 2, 20, "message and DSN")
    pf.wait_queue_empty(20)
    time.sleep(1)
    orig = [t for t in sink.delivered() if t.mail_addr]
    dsn = [t for t in sink.delivered() if t.mail_addr == ""]
    assert [t.accepted for t in orig] == [["ok@example.com"]]
    assert len(dsn) == 1 and dsn[0].accepted == ["author@example.org"]
    assert b"X-Winnow-Queue-ID:" in dsn[0].data
    assert b"Final-Recipient: rfc822; bad@example.com" in dsn[0].data
    assert b"Status: 5.7.1" in dsn[0].data
    # for Postfix both were delivered by the filter: no bounce of its own
    assert b"X-Postfix-Queue-ID:" not in dsn[0].data
    assert "status=bounced" not in pf.log()


def test_postfix_lmtp_refused_recipient_bounced_by_postfix(ports, postfix,
                                                           winnowd, pysink):
    """LMTP filter transport: winnowd passes the 5xx for that recipient to
    Postfix, which bounces it itself; winnowd sends no DSN of its own."""
    pf, w, sink = _pf_reject_chain(ports, postfix, winnowd, pysink, "lmtp")
    tok, msg = make_message()
    with Client(pf.smtpd_port) as c:
        c.ehlo()
        assert c.xfer("author@example.org", ["ok@example.com",
                                             "bad@example.com"], msg)[
            "final"].code == 250
    sink.wait(lambda: len(sink.delivered()) >= 2, 20, "message and bounce")
    pf.wait_queue_empty(20)
    time.sleep(1)
    orig = [t for t in sink.delivered() if t.mail_addr]
    dsn = [t for t in sink.delivered() if t.mail_addr == ""]
    assert [t.accepted for t in orig] == [["ok@example.com"]]
    assert len(dsn) == 1 and dsn[0].accepted == ["author@example.org"]
    assert b"X-Postfix-Queue-ID:" in dsn[0].data
    assert b"X-Winnow-Queue-ID:" not in dsn[0].data
    assert re.search(r"to=<bad@example.com>, relay=127\.0\.0\.1.*"
                     r"status=bounced", pf.log())


# --------------------------------------- DSNs kept in spool_dir/outq

def _clear_outq(w):
    d = os.path.join(w.dir, "spool", "outq")
    left = os.listdir(d)
    assert len(left) == 1, left
    os.unlink(os.path.join(d, left[0]))


def test_dsn_tempfailed_downstream_is_kept_and_sent_later(relay):
    """The downstream takes the message for one recipient, refuses the
    other for good, then tempfails our DSN: the DSN waits in
    spool_dir/outq and goes out at the next notice_retry, once."""
    tries = []

    def mail(s, t, arg):
        if arg.upper().startswith("FROM:<>"):
            tries.append(time.monotonic())
            if len(tries) == 1:
                return "451 4.3.0 not now"
        return None
    w, sink = relay(sink={"hooks": {
        "mail": mail,
        "rcpt": by_local({"bad": "550 5.1.1 no such user"})}},
        server={"notice_retry": "1s"})
    tok, msg, r = send(w.port, ["ok@example.com", "bad@example.com"],
                       sender="author@example.org")
    assert r["final"].code == 250, r
    sink.wait(lambda: len(sink.completed()) == 2, 10, "message + DSN")
    orig, dsn = sink.completed()
    assert seq_of(orig.data) == tok
    assert dsn.mail_addr == "" and dsn.accepted == ["author@example.org"]
    assert "Final-Recipient: rfc822; bad@example.com" in \
        dsn.data.decode("utf-8", "replace")
    assert len(tries) == 2, tries
    wait_until(lambda: "sent DSN" in w.log(), 5, what="the log line")
    log = w.log()
    assert re.search(r"DSN for 1 refused recipient\(s\) to "
                     r"<author@example.org> not sent yet, kept for "
                     r"a retry every 1s: .*451 4.3.0 not now", log), log
    assert re.search(r"sent DSN for 1 refused recipient\(s\) to "
                     r"<author@example.org>", log), log
    time.sleep(2.5)             # another retry round: nothing left to send
    assert len(sink.completed()) == 2 and len(tries) == 2
    assert os.listdir(os.path.join(w.dir, "spool", "outq")) == []


def test_D6_dsn_that_cannot_be_kept_defers_the_message(relay):
    """Fault matrix, "outq unwritable": one recipient refused downstream
    for good, the other accepted - but the DSN we would owe cannot be
    written to spool_dir/outq (a full or read-only disk).  The upstream
    must not hear 250: it gets 4xx, nothing is delivered, and once outq is
    writable again the retry gives 250 and the DSN."""
    w, sink = relay(sink={"hooks": {
        "rcpt": by_local({"bad": "550 5.1.1 no such user"})}})
    outq = os.path.join(w.dir, "spool", "outq")
    mode = os.stat(outq).st_mode
    os.chmod(outq, 0o500)
    try:
        tok, msg, r = send(w.port, ["ok@example.com", "bad@example.com"],
                           sender="author@example.org")
    finally:
        os.chmod(outq, mode)
    assert r["final"].code // 100 == 4, r
    assert "DSN" in r["final"].text, r
    assert not sink.completed(), "a copy went out for a 4xx message"
    _, _, r = send(w.port, ["ok@example.com", "bad@example.com"],
                   sender="author@example.org", msg=msg)
    assert r["final"].code == 250 and "DSN sent" in r["final"].text, r
    sink.wait(lambda: len(sink.completed()) == 2, 10, "message + DSN")


def test_notification_partly_tempfailed_goes_again_only_where_it_failed(
        relay, workdir):
    """An admin notification to two addresses; the downstream takes it for
    one and tempfails the other: the retry goes to the second only."""
    tried = {"a2": 0}

    def rcpt(s, t, addr, arg):
        if addr.startswith("a2@") and t.mail_addr == "":
            tried["a2"] += 1
            if tried["a2"] == 1:
                return "452 4.2.2 mailbox full"
        return None
    w, sink = relay(sink={"hooks": {"rcpt": rcpt}},
                    server={"notice_retry": "1s"},
                    policy={"blacklist": "spammer@bad.test",
                            "quarantine_dir": procs.owned_dir(
                                os.path.join(workdir, "quar")),
                            "notify_admin": "a1@example.com, a2@example.com",
                            "blacklisted.action": "quarantine",
                            "blacklisted.notify": "admin"})
    tok, msg, r = send(w.port, ["r@example.com"], sender="spammer@bad.test")
    assert r["final"].code == 250, r
    sink.wait(lambda: len(sink.completed()) == 2, 10, "two notifications")
    first, second = sink.completed()
    assert first.accepted == ["a1@example.com"], first
    assert second.accepted == ["a2@example.com"], second
    assert first.data == second.data
    time.sleep(2.5)
    assert len(sink.completed()) == 2, "a1 got it again"
    wait_until(lambda: "sent to 1 of 2 recipients, kept for a retry" in
               w.log(), 5, what="the log line")


def test_outq_retries_once_per_notice_retry_however_many_children(relay):
    """Four children, a downstream that always tempfails our DSN: it is
    tried about once per notice_retry, not once per child."""
    tries = []

    def mail(s, t, arg):
        if arg.upper().startswith("FROM:<>"):
            tries.append(time.monotonic())
            return "451 4.3.0 not now"
        return None
    w, sink = relay(sink={"hooks": {
        "mail": mail,
        "rcpt": by_local({"bad": "550 5.1.1 no such user"})}},
        server={"notice_retry": "3s", "start_children": "4",
                "min_spare": "4"})
    tok, msg, r = send(w.port, ["ok@example.com", "bad@example.com"],
                       sender="author@example.org")
    assert r["final"].code == 250, r
    time.sleep(8)
    # the first try right after the answer, then at ~3 s and ~6 s
    assert 2 <= len(tries) <= 4, [round(t - tries[0], 2) for t in tries]
    gaps = [b - a for a, b in zip(tries, tries[1:])]
    assert all(g >= 2.5 for g in gaps), gaps
    _clear_outq(w)          # never sent, by design


def test_sigterm_during_an_outq_pass_exits_promptly(relay):
    """The child is sending a queued DSN to a slow downstream when
    winnowd is told to stop: it finishes that one and exits, it does not
    sleep through notice_retry."""
    tries = []

    def mail(s, t, arg):
        if arg.upper().startswith("FROM:<>"):
            tries.append(time.monotonic())
            time.sleep(2)
            return "451 4.3.0 not now"
        return None
    w, sink = relay(sink={"hooks": {
        "mail": mail,
        "rcpt": by_local({"bad": "550 5.1.1 no such user"})}},
        server={"notice_retry": "4s", "start_children": "1",
                "min_spare": "0", "max_idle": "0", "exit_delay": "30s"})
    tok, msg, r = send(w.port, ["ok@example.com", "bad@example.com"],
                       sender="author@example.org")
    assert r["final"].code == 250, r
    wait_until(lambda: len(tries) >= 2, 10, what="a retry in progress")
    t0 = time.monotonic()
    w.signal(signal.SIGTERM)
    assert w.proc.wait(15) == 0
    took = time.monotonic() - t0
    assert took < 3.5, took     # the send in progress (2 s), no more
    assert "killed" not in w.log().split("stopping", 1)[-1]
    _clear_outq(w)          # kept for the next start, by design


# ------------------------------------------------ fault matrix N7, N8

def test_N7_downstream_hangs_up_after_dot_postfix_gets_one_duplicate(
        ports, postfix, winnowd, pysink):
    """The downstream takes the whole message, dot included, and hangs up
    without a reply (it may have kept it): Postfix hears 4xx, the log
    flags the possible duplicate, and the retry delivers again - two
    whole copies at most, never three, never a partial one."""
    dropped = []

    def dot(s, t):
        if not dropped:
            dropped.append(seq_of(t.data))
            return DROP
        return None
    sink = pysink(hooks={"dot": dot})
    pf, w = _pf_direct(ports, postfix, winnowd, sink.port)
    tok, msg = make_message()
    with Client(pf.smtpd_port) as c:
        c.ehlo()
        assert c.xfer("s@example.org", ["a@example.com"], msg)[
            "final"].code == 250
    pf.wait_deferred(1, 20)
    assert "may be delivered twice" in w.log(), w.log()[-2000:]
    pf.flush()
    sink.wait(lambda: sink.delivered(), 20, "the retry")
    pf.wait_queue_empty(20)
    time.sleep(1.5)
    whole = [t for t in sink.txns if t.complete]
    assert dropped == [tok] and len(whole) == 2, sink.txns
    assert all(seq_of(t.data) == tok and t.data.endswith(msg)
               for t in whole)
    assert len(sink.delivered()) == 1


HUGE = {
    "1MB-line": "250 " + "x" * (1 << 20),
    "1M-lines": "250-x\r\n" * 1000000 + "250 end",
}


@pytest.mark.timeout(180)
@pytest.mark.parametrize("where", ["greet", "ehlo", "rcpt", "dot"])
@pytest.mark.parametrize("kind", sorted(HUGE))
def test_N8_huge_downstream_replies_bounded(relay, where, kind):
    """A 1 MB reply line, or a million continuation lines (7 MB): 4xx
    upstream, the child alive and its memory bounded (under 64 MB at its
    peak), the next message served by the same child."""
    state = {"bad": True}

    def hook(*a):
        if state["bad"]:
            state["bad"] = False
            return HUGE[kind]
        return None
    w, sink = relay(sink={"hooks": {where: hook}},
                    server={"forward_timeout": "5s",
                            "forward_data_done_timeout": "5s",
                            "start_children": "1", "max_children": "1",
                            "min_spare": "1", "max_spare": "1"})
    with Client(w.port, timeout=60) as c:
        c.ehlo()
        pid = net.conn_owner(w.port, c.local_port)
        r = c.xfer("s@example.org", ["a@example.com"], make_message()[1])
        assert r["final"].code // 100 == 4, r
        assert net.pid_alive(pid)
        peak = res.mem(pid)["hwm"]
        assert peak < 64 * 1024, "child peak %d KiB" % peak
        r = c.xfer("s@example.org", ["a@example.com"], make_message()[1])
        assert r["final"].code == 250, r
    assert "killed by signal" not in w.log()
    if where != "dot":
        assert len(sink.completed()) == 1


@pytest.mark.parametrize("where", ["greet", "mail", "rcpt", "data", "dot"])
def test_N2_downstream_421_then_back_postfix_delivers_once(ports, postfix,
                                                           winnowd, pysink,
                                                           where):
    """The downstream says 421 (and hangs up) at its greeting or at any
    command: Postfix hears 4xx and keeps the message; no copy exists
    downstream (at the dot: the 421 refuses it); once the downstream
    answers normally, Postfix's retry delivers it exactly once."""
    from wntest.ledger import Ledger
    state = {"fail": True}

    def hook(*a):
        if state["fail"]:
            return "421 4.3.2 shutting down"
        return None
    sink = pysink(hooks={where: hook})
    pf, w = _pf_direct(ports, postfix, winnowd, sink.port)
    led = Ledger()
    tok, msg = make_message()
    with Client(pf.smtpd_port) as c:
        c.ehlo()
        assert c.xfer("s@example.org", ["a@example.com", "b@example.com"],
                      msg)["final"].code == 250
    led.add(tok, msg, ["a@example.com", "b@example.com"])
    pf.wait_deferred(1, 20)
    assert not sink.delivered()
    state["fail"] = False
    pf.flush()
    sink.wait(lambda: sink.delivered(), 20, "the retry")
    pf.wait_queue_empty(20)
    time.sleep(1.5)
    led.assert_exactly_once(sink.txns)

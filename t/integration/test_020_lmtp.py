"""LMTP in (and out): one reply per recipient after DATA, mirroring what the
downstream said about that recipient."""

import re

from wntest.smtp import Client, make_message, seq_of, wait_until
from wntest.ours import filtered
from wntest import procs


def _rcpt_by_name(replies):
    """RCPT hook: the local part says what to answer."""
    def rcpt(s, t, addr, arg):
        local = addr.split("@")[0]
        return replies.get(local)
    return rcpt


def test_lmtp_in_smtp_out_per_recipient_outcomes(relay):
    w, sink = relay(sink={"hooks": {"rcpt": _rcpt_by_name({
        "tmp": "450 4.2.1 mailbox busy",
        "bad": "550 5.1.1 no such user"})}})
    _, msg = make_message()
    rcpts = ["ok@example.com", "tmp@example.com", "bad@example.com",
             "ok2@example.com"]
    with Client(w.port) as c:
        assert "LMTP" in c.greeting.text or c.greeting.code == 220
        c.ehlo(lmtp=True)
        r = c.xfer("s@example.org", rcpts, msg, lmtp=True)
        assert [x.code for x in r["rcpt"]] == [250] * 4
        codes = [x.code for x in r["final"]]
        assert codes == [250, 450, 550, 250], r["final"]
        assert "mailbox busy" in r["final"][1].text
        assert "no such user" in r["final"][2].text
    got = sink.delivered()
    assert len(got) == 1
    assert got[0].accepted == ["ok@example.com", "ok2@example.com"]
    filtered(got[0].data, msg)
    # an LMTP upstream does its own bouncing: no DSN from us
    assert all(t.mail_addr != "" for t in sink.txns)


def test_N4_lmtp_in_lmtp_out_mirrors_post_data_replies(relay):
    def dot(s, t):
        return ["250 2.1.5 <%s> ok" % a if a.startswith("ok") else
                "452 4.2.2 <%s> over quota" % a if a.startswith("full") else
                "552 5.2.2 <%s> mailbox full for good" % a
                for a in t.accepted]
    w, sink = relay(sink={"lmtp": True, "hooks": {"dot": dot}})
    _, msg = make_message()
    rcpts = ["ok1@example.com", "full@example.com", "dead@example.com",
             "ok2@example.com"]
    with Client(w.port) as c:
        c.ehlo(lmtp=True)
        r = c.xfer("s@example.org", rcpts, msg, lmtp=True)
    assert [x.code for x in r["final"]] == [250, 452, 552, 250], r
    assert "over quota" in r["final"][1].text
    t = sink.completed()
    assert len(t) == 1 and t[0].accepted == rcpts
    assert t[0].sess.helo == "winnow.itest.invalid"
    assert any(cmd.startswith("LHLO ") for cmd in t[0].sess.commands)


def test_N1_lmtp_downstream_unreachable_every_recipient_4xx(winnowd, ports):
    w = winnowd(forward="tcp:127.0.0.1:%d" % ports(),
                server={"forward_protocol": "lmtp"})
    with Client(w.port) as c:
        c.ehlo(lmtp=True)
        r = c.xfer("s@example.org", ["a@example.com", "b@example.com"],
                   make_message()[1], lmtp=True)
    assert [x.code // 100 for x in r["final"]] == [4, 4], r


def test_lmtp_data_without_recipients(relay):
    w, sink = relay()
    with Client(w.port) as c:
        c.ehlo(lmtp=True)
        assert c.cmd("MAIL FROM:<s@example.org>").code == 250
        r = c.cmd("DATA")
        assert r.code == 503 and "No valid recipients" in r.text


def test_lmtp_only_listener_refuses_ehlo(winnowd, pysink, ports):
    sink = pysink()
    p = ports()
    w = winnowd(forward="tcp:127.0.0.1:%d" % sink.port, port=p,
                listen="lmtp:tcp:127.0.0.1:%d" % p)
    with Client(w.port) as c:
        assert "LMTP" in c.greeting.text
        assert c.cmd("EHLO x.example").code == 500
        assert c.cmd("HELO x.example").code == 500
        c.ehlo(lmtp=True)
        r = c.xfer("s@example.org", ["r@example.com"], make_message()[1],
                   lmtp=True)
        assert [x.code for x in r["final"]] == [250]
    rec = sink.delivered()[0].data
    assert re.search(rb"with LMTP id", rec.replace(b"\r\n\t", b" "))


def test_smtp_source_lmtp_to_smtp_sink_lmtp(winnowd, smtpsink, ports):
    """smtp-source -L into an lmtp: listener, smtp-sink -L downstream:
    30 messages x 3 recipients, each message exactly once."""
    sink = smtpsink(lmtp=True)
    p = ports()
    winnowd(forward="tcp:127.0.0.1:%d" % sink.port, port=p,
            listen="lmtp:tcp:127.0.0.1:%d" % p,
            server={"forward_protocol": "lmtp"})
    rc, out = procs.smtp_source(p, ["-L", "-s", "3", "-m", "30", "-r", "3",
                                    "-f", "src@example.org",
                                    "-t", "dst@example.com"])
    assert rc == 0, out
    msgs = sink.wait_messages(30)
    assert len(msgs) == 30
    assert all(m["proto"] == "LMTP" and len(m["rcpts"]) == 3 for m in msgs)
    ids = {re.search(rb"^Message-Id: (\S+)", m["data"], re.M | re.I)
           .group(1) for m in msgs}
    assert len(ids) == 30


def test_smtp_in_lmtp_out_mixed_permanent_gets_dsn(relay):
    """SMTP upstream, LMTP downstream refusing one recipient after the dot
    for good: 250 upstream and a DSN for that recipient."""
    def dot(s, t):
        if t.mail_addr == "":
            return None                 # the DSN itself is accepted
        return ["250 2.1.5 ok" if a.startswith("ok") else
                "550 5.1.1 <%s> gone" % a for a in t.accepted]
    w, sink = relay(sink={"lmtp": True, "hooks": {"dot": dot}})
    tok, msg = make_message()
    with Client(w.port) as c:
        c.ehlo()
        r = c.xfer("s@example.org", ["ok@example.com", "gone@example.com"],
                   msg)
    assert r["final"].code == 250, r
    sink.wait(lambda: len(sink.completed()) >= 2, 5, "message and DSN")
    orig, dsn = sink.completed()
    assert seq_of(orig.data) == tok
    assert dsn.mail_addr == "" and dsn.accepted == ["s@example.org"]
    assert b"Final-Recipient: rfc822; gone@example.com" in dsn.data
    assert b"ok@example.com" not in dsn.data.split(b"message/rfc822")[0]
    # The sink has the DSN before winnowd has the sink's 250 for it: wait
    # for that, or the teardown may stop the sink first and leave the DSN
    # in outq for a retry.
    wait_until(lambda: "sent DSN" in w.log(), 5, what="the DSN's 250")


def test_lhlo_then_multiple_transactions(relay):
    w, sink = relay()
    toks = []
    with Client(w.port) as c:
        c.ehlo(lmtp=True)
        for i in range(3):
            tok, msg = make_message()
            toks.append(tok)
            r = c.xfer("s@example.org", ["a%d@example.com" % i,
                                         "b%d@example.com" % i], msg,
                       lmtp=True)
            assert [x.code for x in r["final"]] == [250, 250]
    assert [seq_of(t.data) for t in sink.delivered()] == toks

"""SMTP in, SMTP out: the message reaches the downstream byte for byte but
for one Received: header, and the upstream hears 250 only after the
downstream has accepted it."""

import re
import time

import pytest

from wntest.smtp import (Client, make_message, fields_named, strip_fields,
                         split_header, seq_of)
from wntest.ours import filtered
from wntest import procs


def _received_ours(data):
    """The first header field must be our Received:; returns it."""
    hdr, _ = split_header(data)
    first = hdr.split(b"\r\n")[0]
    assert first.startswith(b"Received: from "), data[:300]
    rec = fields_named(data, "Received")[0]
    assert b"by winnow.itest.invalid (winnow)" in rec.replace(b"\r\n\t",
                                                              b" ")
    return rec


def test_one_message_byte_exact(relay):
    w, sink = relay()
    token, msg = make_message()
    with Client(w.port) as c:
        assert c.greeting.code == 220
        ehlo = c.ehlo()
        for ext in ("PIPELINING", "SIZE", "8BITMIME", "DSN",
                    "ENHANCEDSTATUSCODES", "XFORWARD", "SMTPUTF8"):
            assert any(l[4:].startswith(ext) for l in ehlo.lines), ehlo
        # nothing we do not implement
        for ext in ("CHUNKING", "STARTTLS", "AUTH", "BINARYMIME"):
            assert not any(l[4:].startswith(ext) for l in ehlo.lines), ehlo
        r = c.xfer("sender@example.org", ["rcpt@example.com"], msg)
        assert r["mail"].code == 250 and r["rcpt"][0].code == 250
        assert r["final"].code == 250, r
        assert "downstream said: 250" in r["final"].text
        c.quit()
    t = sink.delivered()
    assert len(t) == 1
    t = t[0]
    assert t.mail_addr == "sender@example.org"
    assert t.accepted == ["rcpt@example.com"]
    rec = _received_ours(t.data)
    assert len(fields_named(t.data, "Received")) == 1
    # Our Received: and the policy's block of X-Winnow-* fields, then the
    # message as sent.
    ours = filtered(t.data, msg)
    assert ours.received == rec
    assert ours.status == "not-detected" and ours.group == "All", ours
    flat = rec.replace(b"\r\n\t", b" ")
    assert re.search(rb"with ESMTP id [0-9A-F]+ for <rcpt@example\.com>;",
                     flat), flat
    assert b"from client.itest.invalid ([127.0.0.1])" in flat
    assert t.bare_newlines() == 0
    # the queue id in our reply is the one in the header
    qid = re.search(r"filtered as ([0-9A-F]+)", r["final"].text).group(1)
    assert ("id %s" % qid).encode() in flat


def test_end_of_data_answered_after_downstream(relay):
    """The 250 to the upstream comes only after the downstream's reply to
    its final dot, and carries it."""
    def slow_dot(s, t):
        time.sleep(1.5)
        return "250 2.0.0 Ok: queued as SLOW1"
    w, sink = relay(sink={"hooks": {"dot": slow_dot}})
    _, msg = make_message()
    with Client(w.port) as c:
        c.ehlo()
        t0 = time.monotonic()
        r = c.xfer("s@example.org", ["r@example.com"], msg)
        took = time.monotonic() - t0
    assert r["final"].code == 250
    assert "queued as SLOW1" in r["final"].text
    assert took >= 1.4, "answered before the downstream did (%.2fs)" % took


def test_N5_downstream_refuses_at_dot_is_5xx(relay):
    w, sink = relay(sink={"hooks": {
        "dot": lambda s, t: "554 5.7.1 content refused downstream"}})
    _, msg = make_message()
    with Client(w.port) as c:
        c.ehlo()
        r = c.xfer("s@example.org", ["r@example.com"], msg)
    assert r["final"].code == 554, r
    assert "content refused downstream" in r["final"].text
    assert not sink.delivered()


def test_inbound_winnow_headers_removed(relay):
    w, sink = relay()
    extra = ["X-Winnow-Status: not-detected",
             "x-winnow-score: 0.0",
             "X-WINNOW-Checks: dnsbl=none;",
             "\tfolded=continuation",
             "X-Winnow-Info: forged",
             "X-Winnowed: kept (not our prefix)",
             "X-Other: kept"]
    _, msg = make_message(extra_headers=extra)
    with Client(w.port) as c:
        c.ehlo()
        assert c.xfer("s@example.org", ["r@example.com"], msg)[
            "final"].code == 250
    d = sink.delivered()[0].data
    # Only ours remain, in one block at the top: the forged ones are gone
    # (the folded continuation with its field), their look-alikes stay.
    ours = filtered(d, msg)
    assert ours.status == "not-detected" and ours.group == "All"
    assert ours.get("Info") is None, "the forged X-Winnow-Info survived"
    n = len(ours.fields)
    assert len(re.findall(rb"^X-Winnow-[^:]*", d, re.M | re.I)) == n
    assert b"\tfolded=continuation" not in d
    assert b"X-Winnowed: kept (not our prefix)\r\n" in d
    assert b"X-Other: kept\r\n" in d
    expect = strip_fields(msg, ["X-Winnow-Status", "X-Winnow-Score",
                                "X-Winnow-Checks", "X-Winnow-Info"])
    assert d.endswith(expect)


def test_P2_dot_stuffing_round_trip(relay):
    w, sink = relay()
    body = (b".\r\n..\r\n.x\r\n...three\r\n \r\n.\r\n"
            b"a line\r\n. space\r\n.")
    _, msg = make_message(body=body + b"\r\n")
    with Client(w.port) as c:
        c.ehlo()
        assert c.xfer("s@example.org", ["r@example.com"], msg)[
            "final"].code == 250
    t = sink.delivered()[0]
    filtered(t.data, msg)
    # on the wire every line starting with a dot was stuffed
    for line in t.raw.split(b"\r\n"):
        if line.startswith(b"."):
            assert line.startswith(b".."), line
    assert t.bare_newlines() == 0


GTUBE = b"XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X"
DOTS = b".\r\n..\r\n.x\r\n...three\r\n"


def test_P2_dot_lines_survive_the_subject_tag(relay):
    """A message we change (spam: the subject tag and our fields) whose
    body begins and ends with a lone "." line and has "..", ".x" lines:
    downstream, unstuffed, it is the original plus our changes, and on
    the wire every dot line is stuffed, never an early end of data."""
    w, sink = relay(policy={"spam.subject_tag": "[SPAM]"})
    _, msg = make_message(body=DOTS + GTUBE + b"\r\n" + DOTS + b".\r\n")
    with Client(w.port) as c:
        c.ehlo()
        assert c.xfer("s@example.org", ["r@example.com"], msg)[
            "final"].code == 250
    t = sink.delivered()[0]
    assert filtered(t.data, msg, subject_tag="[SPAM]").status == "spam"
    for line in t.raw.split(b"\r\n"):
        if line.startswith(b"."):
            assert line.startswith(b".."), line
    assert t.bare_newlines() == 0


def test_P2_dot_lines_survive_removing_a_part(relay, workdir):
    """The AV action remove replaces the infected part: the text part
    beside it, all dot lines, comes through byte for byte."""
    import base64
    eicar = base64.b64decode(
        "WDVPIVAlQEFQWzRcUFpYNTQoUF4pN0NDKTd9JEVJQ0FSLVNUQU5EQVJELUFOVElW"
        "SVJVUy1URVNULUZJTEUhJEgrSCo=")
    text = DOTS + b"middle\r\n" + DOTS + b"."
    body = (b"--b\r\nContent-Type: text/plain\r\n\r\n" + text +
            b"\r\n--b\r\nContent-Type: application/octet-stream; "
            b"name=\"e.com\"\r\nContent-Transfer-Encoding: base64\r\n\r\n"
            + base64.b64encode(eicar) + b"\r\n--b--\r\n")
    _, msg = make_message(body=body)
    msg = msg.replace(b"Content-Type: text/plain; charset=us-ascii",
                      b"Content-Type: multipart/mixed; boundary=\"b\"", 1)
    tmp = procs.owned_dir(workdir + "/avtmp2")
    w, sink = relay(policy={"infected.action": "remove"},
                    extra={"av": {"database": procs.TOP + "/t/data/av/sigs",
                                  "temp_directory": tmp}})
    with Client(w.port) as c:
        c.ehlo()
        assert c.xfer("s@example.org", ["r@example.com"], msg)[
            "final"].code == 250
    t = sink.delivered()[0]
    assert b"X-Winnow-Virus: infected" in t.data
    assert base64.b64encode(eicar)[:40] not in t.data
    assert b"\r\n\r\n" + text + b"\r\n--b\r\n" in t.data
    for line in t.raw.split(b"\r\n"):
        if line.startswith(b"."):
            assert line.startswith(b".."), line
    assert t.bare_newlines() == 0


def test_header_only_and_tiny_messages(relay):
    w, sink = relay()
    msgs = [b"Subject: no body\r\n",
            b"Subject: empty body\r\n\r\n",
            b"\r\n",                        # no header at all
            b"X-Test-Seq: just-one-line\r\n"]
    with Client(w.port) as c:
        c.ehlo()
        for m in msgs:
            r = c.xfer("s@example.org", ["r@example.com"], m)
            assert r["final"].code == 250, (m, r)
    got = sink.delivered()
    assert len(got) == len(msgs)
    for m, t in zip(msgs, got):
        filtered(t.data, m)


def test_P3_pipelined_session_many_messages_one_write(relay):
    """Three transactions and QUIT in one write: three messages, in order,
    each exactly once; replies in order."""
    w, sink = relay()
    msgs = [make_message(subject="pipe %d" % i) for i in range(3)]
    from wntest.smtp import stuff
    blob = b"EHLO pipe.example\r\n"
    for i, (_, m) in enumerate(msgs):
        blob += (b"MAIL FROM:<s%d@example.org>\r\nRCPT TO:<r%d@example.com>"
                 b"\r\nDATA\r\n" % (i, i)) + stuff(m)
    blob += b"QUIT\r\n"
    with Client(w.port) as c:
        c.send(blob)
        c.reply()                            # EHLO
        codes = []
        for _ in msgs:
            codes += [c.reply().code for _ in range(4)]
        assert codes == [250, 250, 354, 250] * 3, codes
        assert c.reply().code == 221
    got = sink.delivered()
    assert [seq_of(t.data) for t in got] == [tok for tok, _ in msgs]
    assert [t.mail_addr for t in got] == ["s%d@example.org" % i
                                          for i in range(3)]


def test_multi_recipient_one_downstream_transaction(relay):
    w, sink = relay()
    _, msg = make_message()
    rcpts = ["a@example.com", "b@example.com", "c@example.net"]
    with Client(w.port) as c:
        c.ehlo()
        r = c.xfer("s@example.org", rcpts, msg)
    assert r["final"].code == 250
    got = sink.delivered()
    assert len(got) == 1 and got[0].accepted == rcpts
    rec = fields_named(got[0].data, "Received")[0]
    assert b" for <" not in rec, "no 'for' clause with several recipients"


def test_dsn_and_body_parameters_pass_through(relay):
    w, sink = relay()
    body = "Gr\u00fc\u00dfe, 8-bit text\r\n".encode("utf-8")
    _, msg = make_message(body=body)
    with Client(w.port) as c:
        c.ehlo()
        r = c.xfer("s@example.org", ["r@example.com", "q@example.com"], msg,
                   mail_params="BODY=8BITMIME RET=HDRS ENVID=env+2Bid",
                   rcpt_params={"r@example.com":
                                "NOTIFY=SUCCESS,FAILURE "
                                "ORCPT=rfc822;r+40example.com",
                                "q@example.com": "NOTIFY=NEVER"})
    assert r["final"].code == 250, r
    t = sink.delivered()[0]
    assert "BODY=8BITMIME" in t.mail
    assert "RET=HDRS" in t.mail and "ENVID=env+2Bid" in t.mail
    assert re.search(r"SIZE=\d+", t.mail)
    assert "NOTIFY=SUCCESS,FAILURE" in t.rcpt_lines[0]
    assert "ORCPT=rfc822;r+40example.com" in t.rcpt_lines[0]
    assert "NOTIFY=NEVER" in t.rcpt_lines[1]
    filtered(t.data, msg)


def test_dsn_params_dropped_when_downstream_lacks_dsn(relay):
    w, sink = relay(sink={"caps": ["PIPELINING", "8BITMIME"]})
    _, msg = make_message()
    with Client(w.port) as c:
        c.ehlo()
        r = c.xfer("s@example.org", ["r@example.com"], msg,
                   mail_params="RET=FULL",
                   rcpt_params={"r@example.com": "NOTIFY=FAILURE"})
    assert r["final"].code == 250
    t = sink.delivered()[0]
    assert "RET=" not in t.mail and "SIZE=" not in t.mail
    assert "NOTIFY" not in t.rcpt_lines[0]


@pytest.mark.parametrize("body", ["BODY=8BITMIME", ""])
def test_8bit_for_a_downstream_without_8bitmime_is_deferred(relay, body):
    """Fault matrix "8-bit to a 7-bit downstream" (RFC 6152 3: convert or
    refuse): winnow does not convert, so 8-bit content for a downstream
    that does not offer 8BITMIME is deferred, 451 4.6.3, and nothing goes
    out; 7-bit content still passes."""
    w, sink = relay(sink={"caps": ["PIPELINING", "ENHANCEDSTATUSCODES"]})
    msg = ("Subject: caf\u00e9\r\n\r\ncaf\u00e9 au lait\r\n").encode()
    with Client(w.port) as c:
        c.ehlo()
        r = c.xfer("s@example.org", ["r@example.com"], msg,
                   mail_params=body)
    assert r["final"].code == 451 and "4.6.3" in r["final"].text, r
    assert sink.delivered() == []
    assert "does not offer 8BITMIME" in w.log()
    _, msg = make_message()
    with Client(w.port) as c:
        c.ehlo()
        r = c.xfer("s@example.org", ["r@example.com"], msg,
                   mail_params=body)
    assert r["final"].code == 250, r


def test_U5_large_message_spooled_to_file_byte_exact(relay):
    """3 MB: above spool_memory_limit (1M), so it goes through the file
    spool; still byte for byte."""
    w, sink = relay(server={"spool_memory_limit": "256k"})
    _, msg = make_message(size=3 * 1024 * 1024)
    with Client(w.port) as c:
        c.ehlo()
        r = c.xfer("s@example.org", ["r@example.com"], msg)
    assert r["final"].code == 250, r
    t = sink.delivered()[0]
    filtered(t.data, msg)


def test_downstream_connection_reused(relay):
    w, sink = relay()
    with Client(w.port) as c:
        c.ehlo()
        for _ in range(3):
            assert c.xfer("s@example.org", ["r@example.com"],
                          make_message()[1])["final"].code == 250
    assert len(sink.delivered()) == 3
    assert len(sink.sessions) == 1, "one cached downstream connection"


def test_no_reuse_when_forward_reuse_time_is_zero(relay):
    w, sink = relay(server={"forward_reuse_time": "0"})
    with Client(w.port) as c:
        c.ehlo()
        for _ in range(2):
            assert c.xfer("s@example.org", ["r@example.com"],
                          make_message()[1])["final"].code == 250
    sink.wait(lambda: all(s.closed for s in sink.sessions), 5,
              "downstream sessions closed")
    assert len(sink.sessions) == 2
    assert all(s.commands[-1] == "QUIT" for s in sink.sessions)


def test_L1_smtp_source_to_smtp_sink_ledger(winnowd, smtpsink):
    """Postfix's own load generator and sink: 40 messages in 4 parallel
    sessions, 2 recipients each, every one exactly once downstream."""
    sink = smtpsink()
    w = winnowd(forward="tcp:127.0.0.1:%d" % sink.port,
                server={"start_children": "4", "min_spare": "2"})
    rc, out = procs.smtp_source(w.port, ["-s", "4", "-m", "40", "-r", "2",
                                         "-l", "2000", "-f",
                                         "src@example.org", "-t",
                                         "dst@example.com"])
    assert rc == 0, out
    msgs = sink.wait_messages(40)
    assert len(msgs) == 40
    ids = [re.search(rb"^Message-Id: (\S+)", m["data"], re.M | re.I)
           .group(1) for m in msgs]
    assert len(set(ids)) == 40, "each message exactly once"
    for m in msgs:
        assert m["sender"] == "src@example.org"
        assert len(m["rcpts"]) == 2
        assert len(fields_named(m["data"], "Received")) == 1


@pytest.mark.timeout(300)
def test_L3_thousand_recipient_messages_each_once(winnowd, smtpsink):
    """The matrix's "big and many": 1,000 messages of 1,000 recipients
    each (max_recipients) from smtp-source in 5 sessions: every message
    once downstream, with all 1,000 recipients.  (100 MB messages:
    test_U5_100mb_message_byte_exact_with_bounded_memory, one of them.)"""
    sink = smtpsink()
    w = winnowd(forward="tcp:127.0.0.1:%d" % sink.port,
                server={"start_children": "4", "min_spare": "2",
                        "max_spare": "6"})
    rc, out = procs.smtp_source(w.port, ["-s", "5", "-m", "1000", "-r",
                                         "1000", "-l", "4000", "-f",
                                         "src@example.org", "-t",
                                         "dst@example.com"], timeout=240)
    assert rc == 0, out
    msgs = sink.wait_messages(1000, 60)
    assert len(msgs) == 1000
    ids = [re.search(rb"^Message-Id: (\S+)", m["data"], re.M | re.I)
           .group(1) for m in msgs]
    assert len(set(ids)) == 1000, "each message exactly once"
    for m in msgs:
        assert len(m["rcpts"]) == 1000 and len(set(m["rcpts"])) == 1000


def test_helo_and_greeting_variants(winnowd, pysink):
    sink = pysink()
    w = winnowd(forward="tcp:127.0.0.1:%d" % sink.port)
    with Client(w.port) as c:
        assert c.greeting.text.startswith("220 winnow.itest.invalid")
        r = c.cmd("HELO old.example")
        assert r.code == 250 and len(r.lines) == 1
        r = c.xfer("s@example.org", ["r@example.com"], make_message()[1])
        assert r["final"].code == 250
        # ESMTP parameters need EHLO
        assert c.cmd("MAIL FROM:<s@example.org> SIZE=10").code == 555
        assert c.cmd("NOOP").code == 250
        assert c.cmd("VRFY postmaster").code == 252
        assert c.cmd("HELP").code == 214
        assert c.cmd("STARTTLS").code == 502
        assert c.cmd("BDAT 10 LAST").code == 502
        assert c.cmd("QUIT").code == 221
    t = sink.delivered()[0]
    rec = fields_named(t.data, "Received")[0].replace(b"\r\n\t", b" ")
    assert b"with SMTP id" in rec


def test_smtp_only_listener_refuses_lhlo(winnowd, pysink, ports):
    sink = pysink()
    p = ports()
    w = winnowd(forward="tcp:127.0.0.1:%d" % sink.port, port=p,
                listen="smtp:tcp:127.0.0.1:%d" % p)
    with Client(w.port) as c:
        assert c.greeting.text.startswith("220 ")
        r = c.cmd("LHLO x.example")
        assert r.code == 500, r
        c.ehlo()
        assert c.xfer("s@example.org", ["r@example.com"],
                      make_message()[1])["final"].code == 250

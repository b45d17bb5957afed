"""SMTP smuggling: every end-of-data look-alike from the public tools
(anchors-reliability.md section 3.2: SEC Consult's inbound and outbound
lists, smtpsmug's list including both NUL variants), each followed by a
complete second MAIL/RCPT/DATA transaction, all in one write.

Pass: exactly one transaction downstream, no smuggled@ envelope, no bare
CR or LF and no lone "." line in the downstream bytes; the upstream gets
exactly one reply for the message.  With bare_newline = reject, sequences
with a bare CR or LF get 550 5.5.2 and nothing goes downstream."""

import re
import time

import pytest

from wntest.smtp import Client, make_message, stuff

SEQUENCES = {
    "lflf": b"\n.\n",
    "lfcr": b"\n.\r",
    "crlf-bare": b"\r.\n",
    "crcr": b"\r.\r",
    "lfcrlf": b"\n.\r\n",
    "crcrlf": b"\r.\r\n",
    "nullbefore": b"\r\n\x00.\r\n",
    "nullafter": b"\r\n.\x00\r\n",
    "crlflf": b"\r\n.\n",
    "crlfcr": b"\r\n.\r",
    "crlf-dot-crcrlf": b"\r\n.\r\r\n",
    "crcrlf-dot-crcrlf": b"\r\r\n.\r\r\n",
}

SMUGGLED = (b"mail FROM:<smuggled@evil.example>\r\n"
            b"rcpt TO:<victim@example.com>\r\n"
            b"data\r\n"
            b"From: <ceo@example.com>\r\n"
            b"Subject: smuggled\r\n"
            b"\r\n"
            b"smuggled body\r\n"
            b".\r\n")


def _has_bare(seq):
    return bool(re.search(rb"\r(?!\n)|(?<!\r)\n", seq))


def _payload(tok, seq, lmtp):
    head = (b"MAIL FROM:<legit@example.org>\r\n"
            b"RCPT TO:<r@example.com>\r\n"
            b"DATA\r\n")
    msg = (b"From: <legit@example.org>\r\n"
           b"Subject: carrier\r\n"
           b"X-Test-Seq: " + tok.encode() + b"\r\n"
           b"\r\n"
           b"legitimate text")
    return head + msg + seq + SMUGGLED + b"QUIT\r\n"


def _run(relay, name, lmtp, bare):
    seq = SEQUENCES[name]
    w, sink = relay(server={"bare_newline": bare})
    tok, _ = make_message()
    c = Client(w.port)
    c.ehlo(lmtp=lmtp)
    c.send(_payload(tok, seq, lmtp))
    replies = c.replies(4)
    assert [r.code for r in replies[:3]] == [250, 250, 354], replies
    final = replies[3]
    bye = c.reply()
    assert bye.code == 221, "an extra reply: the smuggled commands were " \
        "taken as commands (%r)" % bye
    assert c.closed_by_peer(5)
    c.close()
    time.sleep(0.2)
    return final, sink, seq


@pytest.mark.parametrize("lmtp", [False, True], ids=["smtp", "lmtp"])
@pytest.mark.parametrize("name", sorted(SEQUENCES))
def test_P1_smuggling_normalize(relay, name, lmtp):
    final, sink, seq = _run(relay, name, lmtp, "normalize")
    assert final.code == 250, final
    assert len(sink.txns) == 1, "exactly one transaction downstream"
    t = sink.txns[0]
    assert t.complete and t.mail_addr == "legit@example.org"
    assert t.accepted == ["r@example.com"]
    assert all("smuggled" not in s.commands[i] for s in sink.sessions
               for i in range(len(s.commands))), "smuggled@ envelope"
    assert t.bare_newlines() == 0, "bare CR/LF went downstream"
    assert b"\r\n.\r\n" not in b"\r\n" + t.raw, "a lone dot line went " \
        "downstream unstuffed"
    # the would-be second message is text inside the first one
    assert b"mail FROM:<smuggled@evil.example>" in t.data


@pytest.mark.parametrize("name", sorted(SEQUENCES))
def test_P1_smuggling_bare_newline_reject(relay, name):
    final, sink, seq = _run(relay, name, False, "reject")
    if _has_bare(seq):
        assert final.code == 550 and "5.5.2" in final.text, final
        assert sink.txns == []
    else:
        # no bare line end (the NUL variants): one ordinary message
        assert final.code == 250, final
        assert len(sink.txns) == 1 and sink.txns[0].complete
        assert sink.txns[0].bare_newlines() == 0
    assert not any("smuggled" in c for s in sink.sessions
                   for c in s.commands)


def test_P1_bare_newline_reject_lmtp_replies_per_recipient(relay):
    w, sink = relay(server={"bare_newline": "reject"})
    with Client(w.port) as c:
        c.ehlo(lmtp=True)
        c.send(b"MAIL FROM:<s@example.org>\r\nRCPT TO:<a@example.com>\r\n"
               b"RCPT TO:<b@example.com>\r\nDATA\r\n")
        assert [r.code for r in c.replies(4)] == [250, 250, 250, 354]
        c.send(b"Subject: x\r\n\r\nbare\nline\r\n.\r\n")
        assert [r.code for r in c.replies(2)] == [550, 550]
    assert sink.txns == []


def test_P1_bare_lines_normalized_and_dot_after_bare_lf_is_data(relay):
    """framer.c's rules: a leading dot after a real CRLF is stuffing and is
    removed whatever ends its line; a dot after a bare LF or CR is data and
    is kept (then stuffed again on the way out)."""
    w, sink = relay()
    with Client(w.port) as c:
        c.ehlo()
        c.send(b"MAIL FROM:<s@example.org>\r\nRCPT TO:<a@example.com>\r\n"
               b"DATA\r\n")
        assert [r.code for r in c.replies(3)] == [250, 250, 354]
        c.send(b"Subject: x\r\n\r\none\ntwo\r\n.\n..\rend\r\n.\r\n")
        assert c.reply().code == 250
    t = sink.txns[0]
    assert t.data.endswith(b"\r\n\r\none\r\ntwo\r\n\r\n..\r\nend\r\n")
    assert t.raw.endswith(b"one\r\ntwo\r\n\r\n...\r\nend\r\n")
    assert t.bare_newlines() == 0


# ---------------------------------------------- fault matrix P3, P4

def test_P3_commands_pipelined_after_data_are_message_text(relay):
    """A client that writes commands right behind DATA, before our 354
    (RFC 2920 puts DATA last in a group): what follows DATA is message
    data up to CRLF.CRLF, so the would-be second transaction (RSET, MAIL
    FROM:<smuggled@...>) is text of the one message, never a command."""
    w, sink = relay()
    tok, msg = make_message()
    with Client(w.port) as c:
        c.ehlo()
        c.send(b"MAIL FROM:<legit@example.org>\r\nRCPT TO:<r@example.com>"
               b"\r\nDATA\r\nRSET\r\nMAIL FROM:<smuggled@evil.example>\r\n"
               b"RCPT TO:<victim@example.com>\r\nDATA\r\n" + stuff(msg) +
               b"QUIT\r\n")
        codes = [r.code for r in c.replies(5)]
        assert codes == [250, 250, 354, 250, 221], codes
    assert len(sink.txns) == 1 and sink.txns[0].complete
    t = sink.txns[0]
    assert t.mail_addr == "legit@example.org" and \
        t.accepted == ["r@example.com"]
    assert b"MAIL FROM:<smuggled@evil.example>" in t.data
    assert not any("smuggled" in cmd for s in sink.sessions
                   for cmd in s.commands)


def test_P4_chunking_not_advertised_and_bdat_refused(relay):
    """winnowd does not do BDAT: CHUNKING is not in the EHLO reply, and a
    BDAT with bare LFs and "." lines is refused as a command, its bytes
    read as (refused) commands, never as a message."""
    w, sink = relay()
    with Client(w.port) as c:
        ehlo = c.ehlo()
        assert "CHUNKING" not in ehlo.text and "BINARYMIME" not in \
            ehlo.text, ehlo
        assert c.cmd("MAIL FROM:<s@example.org>").code == 250
        assert c.cmd("RCPT TO:<r@example.com>").code == 250
        r = c.cmd("BDAT 12 LAST")
        assert r.code in (500, 502), r
        c.send(b"x\n.\nbare\r\nNOOP\r\n")
        r = c.reply()
        while r.code != 250:
            assert r.code // 100 == 5, r
            r = c.reply()
        assert c.cmd("RSET").code == 250
        r = c.xfer("s@example.org", ["r@example.com"], make_message()[1])
        assert r["final"].code == 250
    assert len(sink.txns) == 1

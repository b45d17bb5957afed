"""A real Postfix instance with content_filter pointing at winnowd (over
SMTP and over LMTP) and a reinjection smtpd, relaying to a sink: every
message arrives exactly once and byte for byte, but for the Received:
headers (two from Postfix, one from us) and our block of X-Winnow-*
fields."""

import re
import time

from wntest.ours import filtered
from wntest.smtp import Client, make_message, fields_named, seq_of
from wntest import net, procs


def chain(ports, postfix, winnowd, pysink, proto="smtp", sink_kw=None,
          server=None):
    """Postfix :smtpd -> winnowd -> Postfix :reinject -> PySink."""
    sink = pysink(**(sink_kw or {}))
    wport = ports()
    pf = postfix(wport, sink.port, filter_proto=proto, start=False)
    w = winnowd(forward="tcp:127.0.0.1:%d" % pf.reinject_port, port=wport,
                server=server)
    pf.start()
    return pf, w, sink


def _bodies():
    yield "plain", b"Hello.\r\nSecond line.\r\n"
    yield "dots", b".\r\n..\r\n.leading\r\nend\r\n.\r\n"
    yield "8bit", "Gr\u00fc\u00dfe aus M\u00fcnchen\r\n".encode("utf-8")
    yield "blank-lines", b"\r\n\r\n\r\ntext after blank lines\r\n\r\n"
    yield "long", (b"z" * 900 + b"\r\n") * 50
    yield "mime", (b"--b1\r\nContent-Type: text/plain\r\n\r\npart one\r\n"
                   b"--b1\r\nContent-Type: application/octet-stream\r\n"
                   b"Content-Transfer-Encoding: base64\r\n\r\n"
                   b"AAECAwQFBgcICQ==\r\n--b1--\r\n")


def _send_all(pf, rcpts_of, lmtp=False):
    sent = {}
    with Client(pf.smtpd_port) as c:
        c.ehlo("client-helo.itest.invalid")
        for name, body in _bodies():
            extra = ['Content-Type: multipart/mixed; boundary="b1"'] \
                if name == "mime" else []
            tok, msg = make_message(subject=name, body=body,
                                    extra_headers=extra)
            if name == "mime":
                msg = msg.replace(b"Content-Type: text/plain; "
                                  b"charset=us-ascii\r\n", b"")
            params = "BODY=8BITMIME" if name == "8bit" else ""
            r = c.xfer("sender@example.org", rcpts_of(name), msg,
                       mail_params=params)
            assert r["final"].code == 250, r
            sent[tok] = (msg, rcpts_of(name))
        c.quit()
    return sent


def _check_delivered(sink, sent, pf):
    sink.wait(lambda: len(sink.delivered()) >= len(sent), 30,
              "all messages at the sink")
    pf.wait_queue_empty(20)
    got = sink.delivered()
    by_seq = {}
    for t in got:
        by_seq.setdefault(seq_of(t.data), []).append(t)
    assert set(by_seq) == set(sent), (set(by_seq), set(sent))
    for tok, (msg, rcpts) in sent.items():
        ts = by_seq[tok]
        assert sorted(a for t in ts for a in t.accepted) == sorted(rcpts), \
            "each recipient exactly once"
        for t in ts:
            recs = fields_named(t.data, "Received")
            assert len(recs) == 3, recs
            ours = [r for r in recs if b"(winnow)" in r]
            assert len(ours) == 1, recs
            # ours sits between Postfix's reinjection and first hop
            assert recs.index(ours[0]) == 1
            # byte for byte but for Received: fields and our block
            filtered(t.data, msg, above=1, hops=1)
            assert t.bare_newlines() == 0


def test_postfix_smtp_content_filter(ports, postfix, winnowd, pysink):
    pf, w, sink = chain(ports, postfix, winnowd, pysink, "smtp")
    sent = _send_all(pf, lambda n: ["rcpt-%s@example.com" % n])
    _check_delivered(sink, sent, pf)
    # the filter saw SMTP from Postfix, with XFORWARD
    assert re.search(r"proto=SMTP upstream_id=[0-9A-F]+", w.log())
    assert "client=client-helo" not in w.log()


def test_postfix_lmtp_content_filter(ports, postfix, winnowd, pysink):
    pf, w, sink = chain(ports, postfix, winnowd, pysink, "lmtp")
    sent = _send_all(pf, lambda n: ["a-%s@example.com" % n,
                                    "b-%s@example.net" % n])
    _check_delivered(sink, sent, pf)
    assert "proto=LMTP" in w.log()
    assert re.search(r"nrcpt=2 ", w.log()), "both recipients in one LMTP " \
        "transaction"


def test_L1_postfix_smtp_source_ledger(ports, postfix, winnowd, pysink):
    """smtp-source pushes 40 messages with 2 recipients each through
    Postfix and winnowd: each message exactly once at the sink, nothing
    left in the queue."""
    pf, w, sink = chain(ports, postfix, winnowd, pysink, "smtp",
                        server={"start_children": "4"})
    rc, out = procs.smtp_source(pf.smtpd_port, [
        "-s", "4", "-m", "40", "-r", "2", "-l", "3000",
        "-f", "src@example.org", "-t", "dst@example.com"])
    assert rc == 0, out
    sink.wait(lambda: sum(len(t.accepted) for t in sink.delivered()) >= 80,
              40, "80 deliveries")
    pf.wait_queue_empty(20)
    ids = [re.search(rb"^Message-Id: (\S+)", t.data, re.M | re.I).group(1)
           for t in sink.delivered()]
    counts = {}
    for t, i in zip(sink.delivered(), ids):
        counts[i] = counts.get(i, 0) + len(t.accepted)
    assert len(counts) == 40
    assert set(counts.values()) == {2}, "each recipient exactly once"


def test_postfix_mixed_protected_split_transactions(ports, postfix, winnowd,
                                                    pysink):
    """Through Postfix: a message for a protected and an unprotected domain
    becomes two downstream transactions, both delivered once."""
    sink = pysink()
    wport = ports()
    pf = postfix(wport, sink.port, start=False)
    winnowd(forward="tcp:127.0.0.1:%d" % pf.reinject_port, port=wport,
            policy={"protected_domains": "example.com"})
    pf.start()
    tok, msg = make_message()
    with Client(pf.smtpd_port) as c:
        c.ehlo()
        r = c.xfer("s@example.org", ["in@example.com", "out@elsewhere.test"],
                   msg)
        assert r["final"].code == 250
    sink.wait(lambda: len(sink.delivered()) >= 2, 20, "two deliveries")
    pf.wait_queue_empty(20)
    got = {t.accepted[0]: t for t in sink.delivered()}
    assert set(got) == {"in@example.com", "out@elsewhere.test"}
    out = filtered(got["out@elsewhere.test"].data, msg, above=1, hops=1,
                   names=["X-Winnow-Info"])
    assert out.info == "not protected"
    into = filtered(got["in@example.com"].data, msg, above=1, hops=1)
    assert into.info is None and into.status == "not-detected"


def test_postfix_exec_sendmail_bs_reinjection(ports, postfix, winnowd,
                                              pysink):
    """forward = exec:/usr/sbin/sendmail -bs: winnowd's child runs Postfix's
    sendmail in stand-alone SMTP mode and hands it each message; Postfix
    relays it to the sink, once, with our headers.  The content_filter is
    on the public smtpd only (FILTER_README), so what sendmail submits is
    not filtered again.

    Postfix refuses a configuration directory of its own (sendmail -C, or
    MAIL_CONFIG) to anyone but root unless the system's default main.cf
    lists it in alternate_config_directories, and the tests may not edit
    /etc/postfix.  sendmail -C fails at once; with MAIL_CONFIG, sendmail
    and its smtpd -S run, but postdrop, set-gid and handed the message by
    an unprivileged smtpd -S, refuses the directory after DATA.  So here
    winnowd's children run as Postfix's mail_owner ("postfix"): for that
    user smtpd -S writes to the instance's cleanup service directly, with
    no postdrop.  The SMTP conversation with sendmail -bs - greeting,
    EHLO, pipelined envelope, data, QUIT, exit - is the same as for an
    ordinary user with the default configuration (INSTALL, 4.1)."""
    sink = pysink()
    wport = ports()
    pf = postfix(wport, sink.port, start=False, filter_on_smtpd_only=True)
    w = winnowd(forward="exec:/usr/sbin/sendmail -bs", port=wport,
                server={"user": "postfix"}, env={"MAIL_CONFIG": pf.conf})
    pf.start()
    sent = _send_all(pf, lambda n: ["a-%s@example.com" % n,
                                    "b-%s@example.net" % n])
    _check_delivered(sink, sent, pf)
    log = pf.log()
    # each recipient once through the filter, then sendmail's copy (from
    # smtpd -S, client localhost) once to the sink: no second filtering
    nrcpt = sum(len(r) for _, r in sent.values())
    for port in (wport, sink.port):
        assert len(re.findall(r"relay=127.0.0.1\[127.0.0.1\]:%d, .*"
                              r"status=sent" % port, log)) == nrcpt, log
    assert re.search(r"downstream said: 250 2.0.0 Ok: queued as", log), log
    # every sendmail was reaped: no zombies under winnowd's children
    time.sleep(0.3)
    for kid in w.children():
        assert net.children_of(kid) == [], "zombie or stray sendmail"

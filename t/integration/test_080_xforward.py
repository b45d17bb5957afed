"""XFORWARD (Postfix XFORWARD_README): offered to and accepted from the
clients in [server] xforward_hosts only (default loopback and unix
sockets), attributes are xtext, refused inside a transaction, reset after
each message, and passed downstream (xtext again) only when and as far as
the downstream offers XFORWARD."""

import os
import re

import pytest

from wntest import procs
from wntest.smtp import Client, make_message, wait_until


def _attrs(cmds):
    """XFORWARD arguments (as the sink records them) -> {NAME: value}."""
    out = {}
    for c in cmds:
        for kv in c.split():
            k, _, v = kv.partition("=")
            out[k.upper()] = v
    return out


def _xf_cmds(sess):
    return [c for c in sess.commands if c.upper().startswith("XFORWARD")]


FULL = ("XFORWARD NAME=mail.client.example ADDR=192.0.2.10 PORT=40123 "
        "PROTO=ESMTP HELO=helo+2Bplus.example")
FULL2 = "XFORWARD IDENT=UPQID123 SOURCE=REMOTE"


def test_xforward_passed_downstream_and_logged(relay):
    w, sink = relay(sink={"xforward": True})
    with Client(w.port) as c:
        c.ehlo()
        assert c.cmd(FULL).code == 250
        assert c.cmd(FULL2).code == 250
        r = c.xfer("s@example.org", ["r@example.com"], make_message()[1])
        assert r["final"].code == 250
    t = sink.delivered()[0]
    a = _attrs(t.xforward)
    assert a == {"NAME": "mail.client.example", "ADDR": "192.0.2.10",
                 "PORT": "40123", "PROTO": "ESMTP",
                 "HELO": "helo+2Bplus.example", "IDENT": "UPQID123",
                 "SOURCE": "REMOTE"}
    assert "client=mail.client.example[192.0.2.10]" in w.log()
    assert "upstream_id=UPQID123" in w.log()


def test_xforward_inside_transaction_is_503(relay):
    w, sink = relay(sink={"xforward": True})
    with Client(w.port) as c:
        c.ehlo()
        assert c.cmd("MAIL FROM:<s@example.org>").code == 250
        r = c.cmd("XFORWARD ADDR=192.0.2.1")
        assert r.code == 503 and "5.5.1" in r.text
        assert c.cmd("RCPT TO:<r@example.com>").code == 250


def test_xforward_reset_after_each_message(relay):
    w, sink = relay(sink={"xforward": True})
    with Client(w.port) as c:
        c.ehlo()
        assert c.cmd("XFORWARD ADDR=192.0.2.77 NAME=first.example").code == \
            250
        assert c.xfer("s@example.org", ["r@example.com"],
                      make_message()[1])["final"].code == 250
        assert c.xfer("s@example.org", ["r@example.com"],
                      make_message()[1])["final"].code == 250
        assert c.cmd("XFORWARD ADDR=192.0.2.78").code == 250
        assert c.cmd("RSET").code == 250        # RSET forgets them too
        assert c.xfer("s@example.org", ["r@example.com"],
                      make_message()[1])["final"].code == 250
    t1, t2, t3 = sink.delivered()
    assert _attrs(t1.xforward)["ADDR"] == "192.0.2.77"
    assert t2.xforward == [] and t3.xforward == []
    lines = [l for l in w.log().splitlines() if "from=<s@example.org>" in l]
    assert "client=first.example[192.0.2.77]" in lines[0]
    assert "client=[127.0.0.1]" in lines[1]
    assert "client=[127.0.0.1]" in lines[2]


def test_xforward_not_sent_when_downstream_lacks_it(relay):
    w, sink = relay(sink={"xforward": False})
    with Client(w.port) as c:
        c.ehlo()
        assert c.cmd(FULL).code == 250
        assert c.xfer("s@example.org", ["r@example.com"],
                      make_message()[1])["final"].code == 250
    assert _xf_cmds(sink.sessions[0]) == []


def test_xforward_only_offered_attributes(relay):
    caps = ["PIPELINING", "8BITMIME", "XFORWARD NAME ADDR"]
    w, sink = relay(sink={"caps": caps})
    with Client(w.port) as c:
        c.ehlo()
        assert c.cmd(FULL).code == 250
        assert c.cmd(FULL2).code == 250
        assert c.xfer("s@example.org", ["r@example.com"],
                      make_message()[1])["final"].code == 250
    assert set(_attrs(sink.delivered()[0].xforward)) == {"NAME", "ADDR"}


def test_xforward_without_pipelining_downstream(relay):
    w, sink = relay(sink={"xforward": True, "pipelining": False})
    with Client(w.port) as c:
        c.ehlo()
        assert c.cmd(FULL).code == 250
        assert c.xfer("s@example.org", ["r@example.com"],
                      make_message()[1])["final"].code == 250
    assert _attrs(sink.delivered()[0].xforward)["NAME"] == \
        "mail.client.example"


def test_xforward_refused_downstream_still_delivers(relay):
    w, sink = relay(sink={"xforward": True, "hooks": {
        "xforward": lambda s, arg: "550 5.7.0 not authorized"}})
    with Client(w.port) as c:
        c.ehlo()
        assert c.cmd("XFORWARD ADDR=192.0.2.1").code == 250
        assert c.xfer("s@example.org", ["r@example.com"],
                      make_message()[1])["final"].code == 250
    assert len(sink.delivered()) == 1
    assert "refused XFORWARD" in w.log()


@pytest.mark.parametrize("cmd,decoded,reencoded", [
    ("XFORWARD HELO=a+2Bb+3Dc", "a+b=c", "a+2Bb+3Dc"),
    ("XFORWARD NAME=old+style", "old+style", "old+2Bstyle"),  # not xtext
    ("XFORWARD ADDR=IPV6:2001:db8::1", "IPV6:2001:db8::1",
     "IPV6:2001:db8::1"),
    ("XFORWARD ADDR=[UNAVAILABLE]", "[UNAVAILABLE]", "[UNAVAILABLE]"),
])
def test_xforward_xtext(relay, cmd, decoded, reencoded):
    w, sink = relay(sink={"xforward": True})
    with Client(w.port) as c:
        c.ehlo()
        assert c.cmd(cmd).code == 250
        assert c.xfer("s@example.org", ["r@example.com"],
                      make_message()[1])["final"].code == 250
    name = cmd.split()[1].split("=")[0]
    assert _attrs(sink.delivered()[0].xforward)[name] == reencoded
    if name == "ADDR" and decoded.startswith("IPV6:"):
        assert "client=[2001:db8::1]" in w.log()
    elif name == "ADDR":
        assert "client=[127.0.0.1]" in w.log()


@pytest.mark.parametrize("cmd", [
    "XFORWARD", "XFORWARD BOGUS=1", "XFORWARD ADDR", "XFORWARD NAME=a+00b",
    "XFORWARD HELO=" + "x" * 300,
])
def test_xforward_bad(relay, cmd):
    w, sink = relay(sink={"xforward": True})
    with Client(w.port) as c:
        c.ehlo()
        assert c.cmd("XFORWARD NAME=kept.example").code == 250
        r = c.cmd(cmd)
        assert r.code == 501, r
        assert c.xfer("s@example.org", ["r@example.com"],
                      make_message()[1])["final"].code == 250
    # a bad command leaves the earlier attributes as they were
    assert _attrs(sink.delivered()[0].xforward)["NAME"] == "kept.example"


def test_xforward_only_from_xforward_hosts(relay):
    """As Postfix's smtpd_authorized_xforward_hosts: a client outside
    [server] xforward_hosts is not offered XFORWARD, gets 550 5.7.0 for it,
    and its mail still goes through as its own (client=[127.0.0.1])."""
    w, sink = relay(sink={"xforward": True},
                    server={"xforward_hosts": "192.0.2.0/24, 2001:db8::/32"})
    with Client(w.port) as c:
        r = c.ehlo()
        assert "XFORWARD" not in r.text, r
        assert "ENHANCEDSTATUSCODES" in r.text, r
        r = c.cmd(FULL)
        assert r.code == 550 and "5.7.0" in r.text, r
        assert c.xfer("s@example.org", ["r@example.com"],
                      make_message()[1])["final"].code == 250
    assert _xf_cmds(sink.sessions[0]) == []
    assert "client=[127.0.0.1]" in w.log()
    assert "XFORWARD from [127.0.0.1] refused: not in [server] " \
        "xforward_hosts" in w.log()


def test_xforward_hosts_default_loopback_and_local(winnowd, pysink, workdir,
                                                   ports):
    """The default trusts loopback (127.0.0.0/8, ::1) and unix-socket
    clients; "local" taken out, a unix-socket client is refused too."""
    sink = pysink(xforward=True)
    path = os.path.join(workdir, "winnow.sock")
    port = ports()
    w = winnowd(forward="tcp:127.0.0.1:%d" % sink.port, port=port,
                listen="tcp:127.0.0.1:%d unix:%s" % (port, path))
    for c in (Client(port), Client(unix=path)):
        with c:
            assert "XFORWARD" in c.ehlo().text
            assert c.cmd("XFORWARD ADDR=192.0.2.5").code == 250
    w.stop()
    w2 = winnowd(forward="tcp:127.0.0.1:%d" % sink.port, port=port,
                 listen="tcp:127.0.0.1:%d unix:%s" % (port, path),
                 server={"xforward_hosts": "127.0.0.0/8"})
    with Client(port) as c:
        assert "XFORWARD" in c.ehlo().text
    with Client(unix=path) as c:
        assert "XFORWARD" not in c.ehlo().text
        assert c.cmd("XFORWARD ADDR=192.0.2.5").code == 550
    assert "XFORWARD from [local] refused" in w2.log()


def test_xforward_hosts_bad_value_is_a_config_error(workdir):
    path = os.path.join(workdir, "xf.conf")
    with open(path, "w") as f:
        f.write("[server]\nxforward_hosts = 127.0.0.1 mta.example.org\n")
    rc, out = procs.winnowd_check(path)
    assert rc == 78, out
    assert re.search(r"^%s:2: .*xforward_hosts.*\"mta\.example\.org\" is "
                     r"not" % re.escape(path), out, re.M), out


def test_xforward_before_helo_is_503(relay):
    w, sink = relay()
    with Client(w.port) as c:
        assert c.cmd("XFORWARD ADDR=192.0.2.1").code == 503


def test_xforward_end_to_end_through_postfix(ports, postfix, winnowd,
                                             pysink):
    """Postfix passes the original client to winnowd with XFORWARD, winnowd
    passes it on to the reinjection smtpd, which accepts it (xforward=1 in
    its session statistics) and logs the first hop's queue id, received
    by us as XFORWARD IDENT, as orig_queue_id."""
    sink = pysink()
    wport = ports()
    pf = postfix(wport, sink.port, start=False)
    w = winnowd(forward="tcp:127.0.0.1:%d" % pf.reinject_port, port=wport)
    pf.start()
    with Client(pf.smtpd_port) as c:
        c.ehlo("original-client.itest.invalid")
        assert c.xfer("s@example.org", ["r@example.com"],
                      make_message()[1])["final"].code == 250
    sink.wait_delivered(1, 20)
    pf.wait_queue_empty(20)
    m = re.search(r"upstream_id=([0-9A-F]+)", w.log())
    assert m, w.log()
    assert re.search(r"reinject/smtpd\[\d+\]: [0-9A-F]+: client=localhost"
                     r"\[127\.0\.0\.1\], orig_queue_id=%s" % m.group(1),
                     pf.log()), pf.log()[-3000:]
    # winnowd QUITs its cached downstream connection when it stops; the
    # reinjection smtpd then logs its session statistics
    assert w.stop() == 0
    wait_until(lambda: re.search(r"reinject/smtpd\[\d+\]: disconnect from "
                                 r".* xforward=1 ", pf.log()), 10,
               what="the reinjection smtpd's disconnect line")


# ------------------------------------------------ fault matrix P5

def _added(data, msg):
    """What winnowd put before the message it was given: its header
    fields, each whole (with its folded lines)."""
    from wntest.smtp import header_fields
    assert data.endswith(msg), "the message itself changed"
    return header_fields(data[:len(data) - len(msg)])


HOSTILE_HELO = [
    ("8bit", "h\xe9l\xf8.\xff\xfe.example"),
    ("long", "a" * 1500 + ".example"),
    ("odd", "x(y)z\"q\"[1.2.3.4];for <evil@example.com>"),
]


@pytest.mark.parametrize("name,helo", HOSTILE_HELO,
                         ids=[h[0] for h in HOSTILE_HELO])
def test_P5_hostile_helo_and_xforward_make_no_header_injection(relay, name,
                                                               helo):
    """The client's HELO and XFORWARD values (8-bit, 1.5 KB, quotes and
    angle brackets, xtext-encoded CR LF) go into our Received: field:
    every field we add is one field, its lines at most 998 octets, no
    control character, and nothing else is added to the message."""
    w, sink = relay(sink={"xforward": True})
    tok, msg = make_message()
    with Client(w.port) as c:
        c.send(("EHLO %s\r\n" % helo).encode("latin-1"))
        assert c.reply().code == 250
        r = c.cmd("XFORWARD NAME=evil+0D+0AX-Injected:+20yes.example "
                  "HELO=h+0AX-Injected:+20yes")
        assert r.code in (250, 501), r
        assert c.xfer("s@example.org", ["r@example.com"], msg)[
            "final"].code == 250
    added = _added(sink.delivered()[0].data, msg)
    names = [f.split(b":", 1)[0] for f in added]
    assert names[0] == b"Received" and all(
        n.startswith(b"X-Winnow-") for n in names[1:]), names
    for f in added:
        for line in f.split(b"\r\n"):
            assert len(line) <= 998, (len(line), line[:100])
            assert not re.search(rb"[\x00-\x08\x0a-\x1f\x7f]", line), line


def test_P5_subject_tag_on_a_long_subject_keeps_lines_under_998(relay):
    """A 100 KB Subject (folded, its first line 990 octets): the subject
    tag we add must not push a line past 998 octets."""
    gtube = (b"XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-"
             b"EMAIL*C.34X")
    subject = "\r\n ".join(["s" * (990 - len("Subject: "))] +
                           ["w" * 76] * 1300)
    tok, msg = make_message(subject=subject, body=gtube + b"\r\n")
    w, sink = relay(policy={"spam.subject_tag": "[SPAM]"})
    with Client(w.port) as c:
        c.ehlo()
        assert c.xfer("s@example.org", ["r@example.com"], msg)[
            "final"].code == 250
    data = sink.delivered()[0].data
    hdr = data.split(b"\r\n\r\n")[0]
    long_lines = [len(l) for l in hdr.split(b"\r\n") if len(l) > 998]
    assert long_lines == [], long_lines
    assert b"[SPAM]" in hdr

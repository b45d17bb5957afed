"""Every limit has a defined outcome: message_size_limit (SIZE= at MAIL and
the actual size at end of DATA: 552 5.3.4), max_recipients (452 4.5.3),
max_line_length (554 5.6.0), command lines over 2048 (500 5.5.2),
max_errors (421), command/data timeouts (421), spool space (452 4.3.1).
Nothing goes downstream for a refused message, and the session goes on."""

import os
import socket
import time

import pytest

from wntest import bombs, net, res
from wntest.ours import filtered
from wntest.smtp import Client, make_message, stuff

LIMIT = 100000


def test_U5_size_declared_over_limit_refused_at_mail(relay):
    w, sink = relay(server={"message_size_limit": str(LIMIT)})
    with Client(w.port) as c:
        ehlo = c.ehlo()
        assert "250-SIZE %d" % LIMIT in ehlo.text
        r = c.cmd("MAIL FROM:<s@example.org> SIZE=%d" % (LIMIT + 1))
        assert r.code == 552 and "5.3.4" in r.text, r
        r = c.cmd("MAIL FROM:<s@example.org> SIZE=%d" % LIMIT)
        assert r.code == 250, r
        assert c.cmd("RSET").code == 250
        # a SIZE= that does not fit 64 bits is not a number we accept
        r = c.cmd("MAIL FROM:<s@example.org> SIZE=99999999999999999999999")
        assert r.code // 100 == 5, r


@pytest.mark.parametrize("lmtp", [False, True], ids=["smtp", "lmtp"])
def test_U5_actual_size_over_limit_refused_at_end_of_data(relay, lmtp):
    w, sink = relay(server={"message_size_limit": str(LIMIT)})
    _, big = make_message(size=LIMIT + 1)
    _, exact = make_message(size=LIMIT)
    with Client(w.port) as c:
        c.ehlo(lmtp=lmtp)
        r = c.xfer("s@example.org", ["a@example.com", "b@example.com"], big,
                   lmtp=lmtp)
        finals = r["final"] if lmtp else [r["final"]]
        assert [x.code for x in finals] == [552] * len(finals), r
        assert all("5.3.4" in x.text for x in finals)
        # the session is still in step: the next message goes through
        r = c.xfer("s@example.org", ["a@example.com"], exact, lmtp=lmtp)
        finals = r["final"] if lmtp else [r["final"]]
        assert [x.code for x in finals] == [250], r
    got = sink.delivered()
    assert len(got) == 1
    filtered(got[0].data, exact)
    assert "larger than message_size_limit" in w.log()


def test_U4_max_recipients(relay):
    w, sink = relay(server={"max_recipients": "100"})
    rcpts = ["r%03d@example.com" % i for i in range(102)]
    _, msg = make_message()
    with Client(w.port) as c:
        c.ehlo()
        r = c.xfer("s@example.org", rcpts, msg)
    codes = [x.code for x in r["rcpt"]]
    assert codes[:100] == [250] * 100
    assert codes[100:] == [452, 452]
    assert "4.5.3" in r["rcpt"][100].text
    assert r["final"].code == 250
    got = sink.delivered()
    assert len(got) == 1 and got[0].accepted == rcpts[:100]


def test_U4_lmtp_replies_only_for_accepted_recipients(relay):
    """LMTP: after DATA one reply per recipient we accepted, none for those
    refused at RCPT (over max_recipients, bad syntax)."""
    w, sink = relay(server={"max_recipients": "100"})
    rcpts = ["r%03d@example.com" % i for i in range(101)]
    with Client(w.port) as c:
        c.ehlo(lmtp=True)
        cmds = ["MAIL FROM:<s@example.org>"] + \
            ["RCPT TO:<%s>" % r for r in rcpts] + ["RCPT TO:<bad address>"]
        c.send("".join(x + "\r\n" for x in cmds))
        replies = c.replies(len(cmds))
        assert [r.code for r in replies[1:]] == [250] * 100 + [452, 501]
        assert c.cmd("DATA").code == 354
        c.send(stuff(make_message()[1]))
        finals = c.replies(100)
        assert all(r.code == 250 for r in finals)
        assert c.cmd("NOOP").code == 250, "no 101st reply was pending"
    assert sink.delivered()[0].accepted == rcpts[:100]


@pytest.mark.parametrize("lmtp", [False, True], ids=["smtp", "lmtp"])
def test_U6_max_line_length(relay, lmtp):
    w, sink = relay(server={"max_line_length": "1000"})
    ok = make_message(body=b"a" * 1000 + b"\r\n")[1]
    bad = make_message(body=b"a" * 1001 + b"\r\nmore\r\n")[1]
    with Client(w.port) as c:
        c.ehlo(lmtp=lmtp)
        r = c.xfer("s@example.org", ["a@example.com"], bad, lmtp=lmtp)
        f = r["final"][0] if lmtp else r["final"]
        assert f.code == 554 and "5.6.0" in f.text, r
        r = c.xfer("s@example.org", ["a@example.com"], ok, lmtp=lmtp)
        f = r["final"][0] if lmtp else r["final"]
        assert f.code == 250, r
    assert len(sink.delivered()) == 1
    assert "longer than max_line_length" in w.log()


def test_U6_command_line_too_long(relay):
    w, sink = relay()
    with Client(w.port) as c:
        c.ehlo()
        r = c.cmd("NOOP " + "x" * 3000)
        assert r.code == 500 and "5.5.2" in r.text, r
        # the rest of the long line was not taken as another command
        assert c.cmd("NOOP").code == 250
        # a long line that fits is fine
        assert c.cmd("NOOP " + "y" * 2000).code == 250
        # the limit holds inside a transaction too
        assert c.cmd("MAIL FROM:<s@example.org>").code == 250
        r = c.cmd("RCPT TO:<" + "z" * 2100 + "@example.com>")
        assert r.code == 500
        r = c.xfer("t@example.org", ["a@example.com"], make_message()[1])
        assert r["mail"].code == 503       # the first MAIL still stands
        assert c.cmd("RSET").code == 250


def test_max_errors(relay):
    w, sink = relay(server={"max_errors": "3"})
    with Client(w.port) as c:
        c.ehlo()
        assert c.cmd("BOGUS").code == 500
        assert c.cmd("RCPT TO:<a@example.com>").code == 503
        r = c.cmd("MAIL FROM:<not an address")
        assert r.code == 501
        r = c.reply()
        assert r.code == 421 and "too many errors" in r.text, r
        assert c.closed_by_peer(5)
    assert "too many errors (3)" in w.log()


def test_U6_nul_in_command(relay):
    w, sink = relay()
    with Client(w.port) as c:
        c.ehlo()
        c.send(b"NOOP a\x00b\r\n")
        r = c.reply()
        assert r.code == 500 and "NUL" in r.text
        assert c.cmd("NOOP").code == 250


def test_U1_command_timeout(relay):
    w, sink = relay(server={"command_timeout": "1s"})
    with Client(w.port) as c:
        c.ehlo()
        assert c.cmd("MAIL FROM:<s@example.org>").code == 250
        t0 = time.monotonic()
        c.settimeout(5)
        r = c.reply()
        assert r.code == 421 and "4.4.2" in r.text
        assert 0.8 < time.monotonic() - t0 < 3
        assert c.closed_by_peer(3)
    assert sink.txns == []


def test_U1_data_timeout_mid_body(relay):
    w, sink = relay(server={"data_timeout": "1s"})
    with Client(w.port) as c:
        c.ehlo()
        c.send("MAIL FROM:<s@example.org>\r\nRCPT TO:<a@example.com>\r\n"
               "DATA\r\n")
        assert [x.code for x in c.replies(3)] == [250, 250, 354]
        c.send(b"Subject: half\r\n\r\nsome of the body\r\n")
        c.settimeout(5)
        r = c.reply()
        assert r.code == 421 and "timeout" in r.text
        assert c.closed_by_peer(3)
    time.sleep(0.2)
    assert sink.txns == [], "a timed-out message must not go downstream"
    assert "nothing was delivered" in w.log()


# --------------------------------------------- slowloris (fault matrix)

def test_U1_slowloris_trickling_data_is_cut_by_data_min_rate(relay):
    """Fault matrix "slowloris": a client that sends message data a byte
    now and then, each within data_timeout, is cut off once DATA has lasted
    10 s below data_min_rate: 421, nothing delivered, the child freed."""
    w, sink = relay(server={"data_timeout": "5s", "data_min_rate": "100"})
    with Client(w.port) as c:
        c.ehlo()
        c.send("MAIL FROM:<s@example.org>\r\nRCPT TO:<a@example.com>\r\n"
               "DATA\r\n")
        assert [x.code for x in c.replies(3)] == [250, 250, 354]
        t0 = time.monotonic()
        c.settimeout(1)
        got = None
        while time.monotonic() - t0 < 20 and got is None:
            try:
                c.send(b"x")
            except OSError:
                break
            try:
                got = c.reply()
            except (socket.timeout, OSError, EOFError):
                pass
        assert got is not None and got.code == 421, got
        assert "rate" in got.text
        assert 9 < time.monotonic() - t0 < 14
    assert sink.txns == []
    assert "slower than data_min_rate (100 bytes/s)" in w.log()


def test_U1_slowloris_commands_cut_by_transaction_time_limit(relay):
    """A client that keeps a transaction open with a command every second
    (each within command_timeout) meets transaction_time_limit."""
    w, sink = relay(server={"transaction_time_limit": "3s"})
    with Client(w.port) as c:
        c.ehlo()
        assert c.cmd("MAIL FROM:<s@example.org>").code == 250
        t0 = time.monotonic()
        r = None
        for i in range(10):
            r = c.cmd("RCPT TO:<a%d@example.com>" % i)
            if r.code != 250:
                break
            time.sleep(1)
        assert r.code == 421 and "4.4.2" in r.text, r
        assert 2.5 < time.monotonic() - t0 < 5
    assert "transaction_time_limit ran out" in w.log()


def test_U1_slowloris_session_cut_by_session_time_limit(relay):
    """NOOP every second for ever: session_time_limit ends it; a new
    transaction does not buy more time."""
    w, sink = relay(server={"session_time_limit": "3s"})
    with Client(w.port) as c:
        c.ehlo()
        t0 = time.monotonic()
        r = None
        for i in range(10):
            r = c.cmd("NOOP")
            if r.code != 250:
                break
            time.sleep(1)
        assert r.code == 421, r
        assert 2.5 < time.monotonic() - t0 < 5
    assert "session_time_limit ran out" in w.log()


def test_U1_slowloris_connections_per_client(relay):
    """max_connections_per_client: a third session from one address gets
    421 4.7.0 at once; the two it holds keep working."""
    w, sink = relay(server={"max_connections_per_client": "2",
                            "start_children": "4", "min_spare": "2"})
    held = [Client(w.port), Client(w.port)]
    for c in held:
        c.ehlo()
    time.sleep(0.3)
    third = Client(w.port, timeout=5)
    assert third.greeting.code == 421 and "4.7.0" in third.greeting.text, \
        third.greeting
    third.close()
    for c in held:
        r = c.xfer("s@example.org", ["r@example.com"], make_message()[1])
        assert r["final"].code == 250
        c.quit()
    assert "max_connections_per_client" in w.log()


def test_U3_client_vanishes_mid_data(relay):
    w, sink = relay()
    c = Client(w.port)
    c.ehlo()
    c.send("MAIL FROM:<s@example.org>\r\nRCPT TO:<a@example.com>\r\nDATA\r\n")
    assert [x.code for x in c.replies(3)] == [250, 250, 354]
    c.send(b"Subject: gone\r\n\r\npartial")
    c.close()
    w.wait_log(r"while receiving message data .*nothing was delivered")
    assert sink.txns == []


def test_D6_spool_space_reserve(relay):
    w, sink = relay(server={"spool_reserve": "1000000G"})
    with Client(w.port) as c:
        c.ehlo()
        r = c.cmd("MAIL FROM:<s@example.org>")
        assert r.code == 452 and "4.3.1" in r.text, r
    assert "refusing mail" in w.log()


def test_protocol_errors_in_order(relay):
    """The transaction state machine: each wrong step has its reply and
    counts as an error, the session survives."""
    w, sink = relay(server={"max_errors": "50"})
    with Client(w.port) as c:
        assert c.cmd("MAIL FROM:<s@example.org>").code == 503   # no EHLO
        c.ehlo()
        assert c.cmd("RCPT TO:<a@example.com>").code == 503
        assert c.cmd("DATA").code == 503
        assert c.cmd("MAIL FROM:<s@example.org>").code == 250
        assert c.cmd("MAIL FROM:<s@example.org>").code == 503   # nested
        assert c.cmd("DATA").code == 503                        # no RCPT
        assert c.cmd("RCPT TO:<>").code == 501
        assert c.cmd("RCPT TO:<a@example.com> FOO=bar").code == 555
        assert c.cmd("RCPT TO:<a@example.com>").code == 250
        assert c.cmd("DATA extra").code == 501
        assert c.cmd("RSET").code == 250
        assert c.cmd("MAIL FROM:<s@example.org> BODY=9BIT").code == 555
        assert c.cmd("MAIL FROM:<s@example.org> ENVID=bad+zz").code == 501
        assert c.cmd("MAIL FROM:<s@example.org> AUTH=<>").code == 250
        r = c.xfer("s@example.org", ["a@example.com"], make_message()[1])
        assert r["mail"].code == 503
        assert c.cmd("RSET").code == 250
        r = c.xfer("s@example.org", ["a@example.com"], make_message()[1])
        assert r["final"].code == 250
    assert len(sink.delivered()) == 1


@pytest.mark.parametrize("lmtp", [False, True], ids=["smtp", "lmtp"])
def test_D6_spool_write_failure_is_4xx_and_recovers(relay, lmtp):
    """Our own failure (the spool file cannot be created): 451 4.3.0, never
    5xx, nothing downstream; once the directory is usable again, mail flows
    without a restart."""
    import os
    w, sink = relay(server={"spool_memory_limit": "0"})
    spool = w.conf["spool_dir"]
    os.chmod(spool, 0o000)
    try:
        with Client(w.port) as c:
            c.ehlo(lmtp=lmtp)
            r = c.xfer("s@example.org", ["a@example.com", "b@example.com"],
                       make_message()[1], lmtp=lmtp)
        finals = r["final"] if lmtp else [r["final"]]
        assert [x.code for x in finals] == [451] * len(finals), r
        assert all("4.3.0" in x.text for x in finals)
        assert sink.txns == []
        assert "spool:" in w.log()
    finally:
        os.chmod(spool, 0o700)
    with Client(w.port) as c:
        c.ehlo(lmtp=lmtp)
        r = c.xfer("s@example.org", ["a@example.com"], make_message()[1],
                   lmtp=lmtp)
    finals = r["final"] if lmtp else [r["final"]]
    assert [x.code for x in finals] == [250]
    assert len(sink.delivered()) == 1


# --------------------------------------------- fault matrix U3-U6

def _owner(w, c):
    return net.conn_owner(w.port, c.local_port)


def test_U3_rset_and_quit_mid_transaction_leave_nothing(relay):
    """RSET after RCPT, QUIT before DATA, a client gone after RCPT and
    one gone mid-DATA: nothing reaches the downstream, the serving child
    holds the descriptors it held before, and the spool is empty."""
    w, sink = relay(server={"start_children": "1", "max_children": "1",
                            "min_spare": "1", "max_spare": "1"})
    with Client(w.port) as c:
        c.ehlo()
        pid = _owner(w, c)
        before = len(res.fds(pid))
    for how in ("rset", "quit", "vanish", "vanish-data"):
        c = Client(w.port)
        c.ehlo()
        assert c.cmd("MAIL FROM:<s@example.org>").code == 250
        assert c.cmd("RCPT TO:<a@example.com>").code == 250
        if how == "rset":
            assert c.cmd("RSET").code == 250
            assert c.cmd("QUIT").code == 221
        elif how == "quit":
            assert c.cmd("QUIT").code == 221
        elif how == "vanish-data":
            assert c.cmd("DATA").code == 354
            c.send(b"Subject: gone\r\n\r\n" + b"x" * 100000)
        c.close()
        time.sleep(0.3)
    with Client(w.port) as c:
        c.ehlo()
        assert _owner(w, c) == pid
        assert len(res.fds(pid)) == before, res.fds(pid)
        c.quit()
    assert [t for t in sink.txns if t.complete] == []
    spool = w.conf["spool_dir"]
    # spool_dir/stats holds the statistics (they stay)
    assert sorted(f for f in os.listdir(spool) if f != "stats") == ["outq"]


def test_U4_1001_recipients_then_the_rest_on_retry(relay):
    """The RFC 5321 minimum is 100; max_recipients defaults to 1000: the
    1001st RCPT gets 452 4.5.3, the 1000 are delivered once, and the
    client's retry for the last one delivers it once."""
    w, sink = relay()
    rcpts = ["r%04d@example.com" % i for i in range(1001)]
    tok, msg = make_message()
    with Client(w.port) as c:
        c.ehlo()
        r = c.xfer("s@example.org", rcpts, msg)
        codes = [x.code for x in r["rcpt"]]
        assert codes == [250] * 1000 + [452], codes[995:]
        assert "4.5.3" in r["rcpt"][1000].text
        assert r["final"].code == 250, r
        r = c.xfer("s@example.org", rcpts[1000:], msg)
        assert r["final"].code == 250, r
    got = [a for t in sink.delivered() for a in t.accepted]
    assert sorted(got) == rcpts
    assert len(sink.delivered()) == 2


@pytest.mark.timeout(300)
def test_U5_100mb_message_byte_exact_with_bounded_memory(relay):
    """A legal 100 MB message (message_size_limit 110M): byte for byte
    downstream but for our fields, while the child's anonymous memory
    stays under 64 MB: the message streams through the spool file (its
    mapped pages are file pages, which the kernel may drop)."""
    w, sink = relay(server={"message_size_limit": "110M",
                            "forward_data_done_timeout": "120s"})
    tok, msg = make_message(size=100 << 20)
    with Client(w.port, timeout=240) as c:
        c.ehlo()
        with res.AnonPeak(_owner(w, c)) as peak:
            r = c.xfer("s@example.org", ["r@example.com"], msg)
        assert r["final"].code == 250, r
    got = sink.delivered()
    assert len(got) == 1
    filtered(got[0].data, msg)
    assert peak.peak < 64 * 1024, "anonymous peak %d KiB" % peak.peak


def test_U6_long_body_line_refused_or_passed_whole(relay):
    """A 1 MB body line: refused with 554 5.6.0 under the default
    max_line_length (64k, the documented rule: no folding, never cut);
    with max_line_length = 2M it passes byte for byte."""
    line = b"a" * (1 << 20) + b"\r\n"
    tok, msg = make_message(body=b"before\r\n" + line + b"after\r\n")
    w, sink = relay()
    with Client(w.port) as c:
        c.ehlo()
        r = c.xfer("s@example.org", ["r@example.com"], msg)
    assert r["final"].code == 554 and "5.6.0" in r["final"].text, r
    assert sink.txns == []
    w2, sink2 = relay(server={"max_line_length": "2M"})
    with Client(w2.port) as c:
        c.ehlo()
        r = c.xfer("s@example.org", ["r@example.com"], msg)
    assert r["final"].code == 250, r
    filtered(sink2.delivered()[0].data, msg)


def test_U6_ten_megabyte_header_bounded(relay):
    """A 10 MB header field folded into 78-byte lines passes byte for
    byte, the child's peak memory under 256 MB."""
    w, sink = relay()
    tok, msg = bombs.big_header(10 << 20)
    with Client(w.port, timeout=120) as c:
        c.ehlo()
        pid = _owner(w, c)
        r = c.xfer("s@example.org", ["r@example.com"], msg)
        assert r["final"].code == 250, r
        peak = res.mem(pid)["hwm"]
    assert peak < 256 * 1024, "peak %d KiB" % peak
    filtered(sink.delivered()[0].data, msg)


def test_U6_command_of_513_bytes_is_accepted(relay):
    """RFC 5321 asks for 512-byte command lines at least; winnowd takes
    up to 2048, as Postfix's line_length_limit (beyond: 500 5.5.2, see
    test_U6_command_line_too_long)."""
    w, sink = relay()
    with Client(w.port) as c:
        c.ehlo()
        cmd = "NOOP " + "x" * (513 - 7)
        assert len(cmd) + 2 == 513
        assert c.cmd(cmd).code == 250

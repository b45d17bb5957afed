"""The policy core the server applies today: protected_domains (recipients
outside them pass unfiltered, marked "X-Winnow-Info: not protected";
mixed recipients become two downstream transactions) and
filter_size_limit (larger messages pass marked "not scanned (size)")."""

import pytest

from wntest.ours import filtered
from wntest.smtp import Client, make_message, fields_named, seq_of


def _send(port, rcpts, msg, lmtp=False, sender="s@example.org"):
    with Client(port) as c:
        c.ehlo(lmtp=lmtp)
        r = c.xfer(sender, rcpts, msg, lmtp=lmtp)
        c.quit()
    return r


def _info(data):
    return [f.split(b":", 1)[1].strip() for f in
            fields_named(data, "X-Winnow-Info")]


def test_protected_and_unprotected_split_in_two(relay):
    w, sink = relay(policy={"protected_domains": "example.com"})
    tok, msg = make_message()
    r = _send(w.port, ["in1@example.com", "out@other.test",
                       "in2@EXAMPLE.COM"], msg)
    assert r["final"].code == 250, r
    got = sink.delivered()
    assert len(got) == 2, "two downstream transactions"
    by = {tuple(t.accepted): t for t in got}
    prot = by[("in1@example.com", "in2@EXAMPLE.COM")]
    unprot = by[("out@other.test",)]
    assert _info(prot.data) == []
    assert _info(unprot.data) == [b"not protected"]
    # the protected copy carries the verdict, the other one only the mark
    ours = filtered(prot.data, msg)
    assert ours.status == "not-detected" and ours.info is None
    filtered(unprot.data, msg, names=["X-Winnow-Info"])
    assert seq_of(prot.data) == seq_of(unprot.data) == tok
    assert "(not protected)" in w.log()


@pytest.mark.parametrize("domains,rcpt,protected", [
    ("example.com", "a@example.com", True),
    ("example.com", "a@sub.example.com", False),
    (".example.com", "a@sub.example.com", True),
    (".example.com", "a@example.com", True),
    ("*.example.com", "a@deep.sub.example.com", True),
    (".example.com", "a@notexample.com", False),
    ("example.com, example.net", "a@example.net", True),
    ("example.com example.net", "a@EXAMPLE.NET", True),
    ("", "a@anything.test", True),
])
def test_protected_domains_matching(relay, domains, rcpt, protected):
    w, sink = relay(policy={"protected_domains": domains})
    tok, msg = make_message()
    assert _send(w.port, [rcpt], msg)["final"].code == 250
    t = sink.delivered()[0]
    assert _info(t.data) == ([] if protected else [b"not protected"])
    ours = filtered(t.data, msg)
    if protected:
        assert ours.status == "not-detected" and ours.group == "All"
    else:
        assert ours.names == ["X-Winnow-Info"]


def test_filter_size_limit(relay):
    w, sink = relay(policy={"filter_size_limit": "100k"})
    _, small = make_message(size=50000)
    _, large = make_message(size=150000)
    assert _send(w.port, ["a@example.com"], small)["final"].code == 250
    assert _send(w.port, ["a@example.com"], large)["final"].code == 250
    t_small, t_large = sink.delivered()
    assert _info(t_small.data) == []
    assert _info(t_large.data) == [b"not scanned (size)"]
    filtered(t_large.data, large, names=["X-Winnow-Info"])
    assert filtered(t_small.data, small).status == "not-detected"
    assert "(not scanned (size))" in w.log()


def test_filter_size_limit_zero_means_no_limit(relay):
    w, sink = relay(policy={"filter_size_limit": "0"})
    _, big = make_message(size=2 << 20)
    assert _send(w.port, ["a@example.com"], big)["final"].code == 250
    assert _info(sink.delivered()[0].data) == []


def test_size_beats_protection(relay):
    """A large message for an unprotected recipient is marked for size
    (it is not scanned either way), and is one transaction."""
    w, sink = relay(policy={"filter_size_limit": "64k",
                            "protected_domains": "example.com"})
    _, big = make_message(size=100000)
    assert _send(w.port, ["a@example.com", "b@other.test"], big)[
        "final"].code == 250
    got = sink.delivered()
    assert len(got) == 1
    assert _info(got[0].data) == [b"not scanned (size)"]


def test_forged_info_header_replaced(relay):
    w, sink = relay(policy={"protected_domains": "example.com"})
    _, msg = make_message(extra_headers=["X-Winnow-Info: trusted by me",
                                         "X-Winnow-Status: clean"])
    assert _send(w.port, ["a@other.test", "b@example.com"], msg)[
        "final"].code == 250
    got = {t.accepted[0]: t for t in sink.delivered()}
    assert set(got) == {"a@other.test", "b@example.com"}
    # unprotected: only our mark; protected: our verdict, not the forged
    # one, and no Info at all
    out = filtered(got["a@other.test"].data, msg, names=["X-Winnow-Info"])
    assert out.info == "not protected"
    into = filtered(got["b@example.com"].data, msg)
    assert into.status == "not-detected" and into.info is None
    for t in got.values():
        assert b"trusted by me" not in t.data
        assert b"X-Winnow-Status: clean" not in t.data


def test_split_smtp_tempfail_in_one_group_aborts_both(relay):
    """SMTP upstream, two downstream transactions, one recipient tempfailed
    in the second: neither gets its final dot, 4xx for the message."""
    def rcpt(s, t, addr, arg):
        return "451 4.3.0 busy" if addr == "out@other.test" else None
    w, sink = relay(sink={"hooks": {"rcpt": rcpt}},
                    policy={"protected_domains": "example.com"})
    _, msg = make_message()
    r = _send(w.port, ["in@example.com", "out@other.test"], msg)
    assert r["final"].code // 100 == 4, r
    # the first transaction was prepared (body sent) and then abandoned by
    # dropping its connection
    sink.wait(lambda: any(t.dropped for t in sink.txns), 5,
              "the prepared transaction to be dropped")
    assert sink.completed() == [], "a final dot on an error path"


def test_split_lmtp_tempfail_in_one_group_other_delivered(relay):
    def rcpt(s, t, addr, arg):
        return "451 4.3.0 busy" if addr == "out@other.test" else None
    w, sink = relay(sink={"hooks": {"rcpt": rcpt}},
                    policy={"protected_domains": "example.com"})
    _, msg = make_message()
    r = _send(w.port, ["in@example.com", "out@other.test"], msg, lmtp=True)
    assert [x.code for x in r["final"]] == [250, 451], r
    got = sink.delivered()
    assert len(got) == 1 and got[0].accepted == ["in@example.com"]


def test_split_smtp_permfail_in_one_group_dsn(relay):
    def rcpt(s, t, addr, arg):
        return "550 5.1.1 unknown" if addr == "out@other.test" else None
    w, sink = relay(sink={"hooks": {"rcpt": rcpt}},
                    policy={"protected_domains": "example.com"})
    tok, msg = make_message()
    r = _send(w.port, ["in@example.com", "out@other.test"], msg,
              sender="author@example.org")
    assert r["final"].code == 250, r
    sink.wait(lambda: len(sink.completed()) == 2, 5, "message and DSN")
    dsn = [t for t in sink.completed() if t.mail_addr == ""]
    assert len(dsn) == 1 and dsn[0].accepted == ["author@example.org"]
    assert b"Final-Recipient: rfc822; out@other.test" in dsn[0].data
    assert [t.accepted for t in sink.completed() if t.mail_addr] == [
        ["in@example.com"]]


def test_policy_through_postfix_lmtp(ports, postfix, winnowd, pysink):
    """The same split with Postfix's lmtp client as upstream."""
    sink = pysink()
    wport = ports()
    pf = postfix(wport, sink.port, filter_proto="lmtp", start=False)
    winnowd(forward="tcp:127.0.0.1:%d" % pf.reinject_port, port=wport,
            policy={"protected_domains": "example.com",
                    "filter_size_limit": "1M"})
    pf.start()
    _, msg = make_message()
    with Client(pf.smtpd_port) as c:
        c.ehlo()
        assert c.xfer("s@example.org", ["a@example.com", "b@other.test"],
                      msg)["final"].code == 250
    sink.wait(lambda: len(sink.delivered()) >= 2, 20, "two deliveries")
    pf.wait_queue_empty(20)
    by = {t.accepted[0]: t for t in sink.delivered()}
    assert _info(by["a@example.com"].data) == []
    assert _info(by["b@other.test"].data) == [b"not protected"]

"""winnowd as a milter of a real Sendmail (INPUT_MAIL_FILTER): Debian's
sendmail-bin unpacked by scripts/fetch-sendmail (it conflicts with postfix
as a package), with a sendmail.cf of our own built by m4.

Pass criteria, the same set as with Postfix: clean mail arrives with our
X-Winnow-* fields (the inbound one removed); GTUBE with spam.action =
reject is refused in the session with 554 and our text; EICAR with
infected.action = remove arrives with the part replaced (SMFIR_REPLBODY)
and the rest intact; quarantine = mta holds the message in Sendmail's
quarantine (sendmail -qQ -bp lists it); winnowd down with F=T answers
451, with no F= the message passes unfiltered.
"""

import os
import time

import pytest

from wntest import net, procs
from wntest.sendmail import Sendmail, fetch
from wntest.smtp import Client, make_message, fields_named, split_header

from test_500_milter_postfix import EICAR, GTUBE, SIGS

_ports = net.PortAllocator(26500, 26999)


@pytest.fixture
def ports():
    return _ports


@pytest.fixture(scope="module")
def sendmail_bin():
    if os.geteuid() != 0:
        pytest.skip("a Sendmail instance needs root")
    path, why = fetch()
    if path is None:
        pytest.fail("scripts/fetch-sendmail: %s" % why)
    return path


@pytest.fixture
def schain(request, sendmail_bin, ports, pysink, winnowd, workdir):
    insts = []

    def make(policy=None, server=None, av=None, flags="T",
             start_winnowd=True):
        sink = pysink(port=ports())
        mport = ports()
        srv = {"listen": "milter:tcp:127.0.0.1:%d" % mport}
        srv.update(server or {})
        extra = {}
        if av is not None:
            tmp = procs.owned_dir(os.path.join(workdir, "avtmp"))
            extra["av"] = dict({"database": SIGS, "temp_directory": tmp},
                               **av)
        sm = Sendmail(sendmail_bin, os.path.join(workdir, "sm%d" %
                                                 len(insts)),
                      ports(), mport, sink.port, flags=flags)
        insts.append(sm)
        w = winnowd(forward="tcp:127.0.0.1:%d" % sm.port, port=mport,
                    policy=policy, extra=extra, server=srv,
                    start=start_winnowd)
        sm.start()
        return sm, w, sink
    yield make
    for sm in insts:
        sm.stop()
        if request.node.rep_call.failed if hasattr(request.node,
                                                    "rep_call") else False:
            print("\n--- sendmail traffic\n%s" % sm.traffic()[-4000:])


def submit(sm, rcpts, msg, sender="sender@example.org"):
    with Client(sm.port) as c:
        c.ehlo()
        r = c.xfer(sender, rcpts, msg)
        c.quit()
    return r


def delivered(sink, token):
    return [t for t in list(sink.txns) if t.delivered and t.data and
            token.encode() in t.data and t.mail_addr != ""]


def wait_one(sink, token, timeout=30):
    sink.wait(lambda: delivered(sink, token), timeout=timeout,
              what="the message at the sink")
    return delivered(sink, token)


def test_sm_clean_mail_gets_our_headers(schain):
    sm, w, sink = schain()
    token, msg = make_message(subject="lunch",
                              extra_headers=["X-Winnow-Status: spam"])
    r = submit(sm, ["rcpt@example.com"], msg)
    assert r["final"].code == 250, r
    data = wait_one(sink, token)[0].data
    assert fields_named(data, "X-Winnow-Status") == \
        [b"X-Winnow-Status: not-detected"]
    assert fields_named(data, "X-Winnow-Group") == [b"X-Winnow-Group: All"]
    assert fields_named(data, "Subject") == [b"Subject: lunch"]
    _, body = split_header(data)
    assert body == split_header(msg)[1]
    w.wait_log(r"proto=MILTER upstream_id=\w+ .*action=accept")


def test_sm_gtube_rejected(schain):
    sm, w, sink = schain(policy={
        "spam.action": "reject",
        "spam.reject_text": "5.7.1 Spam refused by winnow (${queue_id})"})
    token, msg = make_message(subject="offer", body="Hi\r\n%s\r\n" % GTUBE)
    r = submit(sm, ["rcpt@example.com"], msg)
    assert r["final"].code == 554, r
    assert "Spam refused by winnow" in r["final"].text, r
    time.sleep(1)
    assert not delivered(sink, token)


def test_sm_eicar_removed(schain):
    sm, w, sink = schain(av={}, policy={"infected.action": "remove"})
    body = ("This is a MIME message.\r\n"
            "--BB\r\nContent-Type: text/plain\r\n\r\nkeep me\r\n"
            "--BB\r\nContent-Type: application/octet-stream; "
            "name=\"e.com\"\r\n\r\n").encode() + EICAR + b"\r\n--BB--\r\n"
    token, msg = make_message(subject="virus", body=body, extra_headers=[
        "Content-Type: multipart/mixed; boundary=\"BB\""])
    msg = msg.replace(b"Content-Type: text/plain; charset=us-ascii\r\n", b"")
    r = submit(sm, ["rcpt@example.com"], msg)
    assert r["final"].code == 250, r
    data = wait_one(sink, token)[0].data
    assert EICAR not in data and b"keep me" in data
    assert b"X-Winnow-Virus: infected" in data
    _, nbody = split_header(data)
    _, obody = split_header(msg)
    assert nbody.startswith(obody[:obody.index(b"--BB\r\nContent-Type: "
                                               b"application")])


def test_sm_quarantine_in_sendmail(schain):
    sm, w, sink = schain(policy={"blacklist": "spammer@bad.test",
                                 "blacklisted.action": "quarantine"},
                         server={"milter_quarantine": "mta"})
    token, msg = make_message(subject="q", sender="spammer@bad.test")
    r = submit(sm, ["a@example.com"], msg, sender="spammer@bad.test")
    assert r["final"].code == 250, r
    w.wait_log(r"held in the MTA's quarantine")
    end = time.monotonic() + 15
    while not sm.queue(quarantined=True) and time.monotonic() < end:
        time.sleep(0.2)
    assert sm.queue(quarantined=True), sm.traffic()[-2000:]
    assert not delivered(sink, token)


@pytest.mark.parametrize("flags,code", [("T", 451), ("", 250)])
def test_sm_winnowd_down(schain, flags, code):
    sm, w, sink = schain(flags=flags, start_winnowd=False)
    token, msg = make_message(subject="down")
    r = submit(sm, ["rcpt@example.com"], msg)
    final = r["final"] or r["mail"]
    assert final.code == code, r
    if code == 250:
        data = wait_one(sink, token)[0].data
        assert not fields_named(data, "X-Winnow-Status")

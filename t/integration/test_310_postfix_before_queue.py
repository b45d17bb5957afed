"""Postfix before-queue: winnowd as smtpd_proxy_filter.

A Postfix instance of our own (root only), configured by
scripts/winnow-mta-setup postfix --before-queue on a plain configuration:

    test client --SMTP--> Postfix smtpd :P (smtpd_proxy_filter)
        --SMTP--> winnowd :W --SMTP--> after-filter smtpd :R
        --> queue --> smtp --> PySink :S (the relayhost)

Postfix speaks to the filter one message per connection without
pipelining; winnowd answers the end of data only after the after-filter
smtpd has answered it, so the client hears the outcome in its session:
250 when Postfix has the filtered message, the policy's 5xx for spam,
451 when the filter is down (Postfix's own reply) or when winnowd's
message_deadline runs out before smtpd_proxy_timeout would.

Ports: 24000-24999 (this file's own allocator).
"""

import itertools
import os
import re
import subprocess
import time

import pytest

from wntest import net, procs
from wntest.smtp import Client, make_message

SETUP = os.path.join(procs.TOP, "scripts", "winnow-mta-setup")
GTUBE = "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X"
REJECT_TEXT = "Spam is not welcome at itest.invalid"

_alloc = net.PortAllocator(24000, 24999)
_seq = itertools.count()


@pytest.fixture
def ports():
    """This file's ports: 24000-24999."""
    return _alloc


class BeforeQueuePostfix(procs.Postfix):
    """The itest Postfix, but with the public smtpd proxied through the
    filter by winnow-mta-setup instead of a content_filter."""

    def __init__(self, *a, speed_adjust=True, **kw):
        self.speed_adjust = speed_adjust
        super().__init__(*a, **kw)

    def write_config(self):
        self.main.pop("content_filter", None)
        with open(os.path.join(self.conf, "main.cf"), "w") as f:
            for k, v in self.main.items():
                f.write("%s = %s\n" % (k, v))
        with open(os.path.join(self.conf, "master.cf"), "w") as f:
            f.write("127.0.0.1:%d inet n - n - - smtpd\n"
                    "  -o syslog_name=postfix-%s/public\n"
                    % (self.smtpd_port, self.name))
            f.write(procs.POSTFIX_SERVICES)
        argv = [SETUP, "postfix", "--before-queue", "--config-dir", self.conf,
                "--filter", "127.0.0.1:%d" % self.filter_port,
                "--reinject-port", str(self.reinject_port),
                "--service", "127.0.0.1:%d/inet" % self.smtpd_port]
        if not self.speed_adjust:
            argv.append("--no-speed-adjust")
        p = subprocess.run(argv, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=60)
        assert p.returncode == 0, p.stdout.decode("utf-8", "replace")


@pytest.fixture
def bq(request, workdir, ports, winnowd, pysink):
    """bq(speed_adjust=True, main={}, server={}, extra={}, policy={},
    start=True, sink={}, forward_to_sink=False) -> (postfix, winnowd,
    sink).  forward_to_sink: winnowd reinjects straight into the sink
    instead of the after-filter smtpd (to control the downstream's pace)."""
    if os.geteuid() != 0:
        pytest.skip("a Postfix instance needs root")
    insts = []

    def make(speed_adjust=True, main=None, server=None, extra=None,
             policy=None, start=True, sink=None, forward_to_sink=False):
        s = pysink(**(sink or {}))
        smtpd, reinject, wport = ports(), ports(), ports()
        fwd = s.port if forward_to_sink else reinject
        w = winnowd(forward="tcp:127.0.0.1:%d" % fwd, port=wport,
                    server=server, extra=extra, policy=policy, start=False)
        # A short path: Postfix's unix sockets live in its queue
        # directory, and their names are limited to about 100 bytes.
        pdir = os.path.join(os.path.dirname(workdir), "bq%d-%d" %
                            (os.getpid(), next(_seq)))
        p = BeforeQueuePostfix(pdir,
                               smtpd, reinject, wport, s.port,
                               speed_adjust=speed_adjust, main=main)
        insts.append(p)
        p.start()
        if start:
            w.start()
        return p, w, s

    yield make
    failed = any(getattr(request.node, "rep_" + x, None) is not None and
                 getattr(request.node, "rep_" + x).failed
                 for x in ("setup", "call"))
    for p in insts:
        p.stop()
        if failed:
            print("\n--- %s\n%s" % (p.maillog, p.log()[-8000:]))


def send(port, body=None, subject="before queue", rcpts=("rcpt@example.com",)):
    """One message through the public smtpd; returns the replies."""
    token, msg = make_message(subject=subject, body=body)
    with Client(port) as c:
        c.ehlo()
        r = c.xfer("sender@example.org", list(rcpts), msg, pipelined=False)
        c.quit()
    return token, r


def test_master_cf_is_what_postfix_needs(bq):
    p, w, s = bq()
    with open(os.path.join(p.conf, "master.cf")) as f:
        text = f.read()
    entry = re.search(r"^# BEGIN winnow-mta-setup.*?^# END winnow-mta-setup",
                      text, re.M | re.S).group(0)
    assert "smtpd_proxy_filter=127.0.0.1:%d" % w.port in entry
    assert "smtpd_proxy_options=speed_adjust" in entry
    assert "smtpd_authorized_xforward_hosts=127.0.0.0/8" in entry
    # the original service is kept, commented out, for --undo
    assert "#winnow-mta-setup# 127.0.0.1:%d inet" % p.smtpd_port in text


@pytest.mark.parametrize("speed_adjust", [True, False],
                         ids=["speed_adjust", "no_speed_adjust"])
def test_clean_mail_is_delivered(bq, speed_adjust):
    p, w, s = bq(speed_adjust=speed_adjust)
    token, r = send(p.smtpd_port)
    assert r["final"].code == 250, r
    s.wait_delivered(1, timeout=20)
    t = s.delivered()
    assert len(t) == 1 and t[0].accepted == ["rcpt@example.com"]
    flat = re.sub(rb"\r\n[ \t]+", b" ", t[0].data)
    assert re.search(rb"^Received: .* by winnow\.itest\.invalid \(winnow\) "
                     rb"with ESMTP id [0-9A-F]+", flat, re.M), t[0].data[:600]
    assert token.encode() in t[0].data
    # winnowd knew the real client (XFORWARD from the before-filter smtpd)
    assert re.search(r"client=\S*\[127\.0\.0\.1\] peer=\[127\.0\.0\.1\] "
                     r"proto=SMTP", w.log()), w.log()


@pytest.mark.parametrize("speed_adjust", [True, False],
                         ids=["speed_adjust", "no_speed_adjust"])
def test_filter_down_gives_the_client_4xx(bq, speed_adjust):
    p, w, s = bq(speed_adjust=speed_adjust, start=False)
    token, r = send(p.smtpd_port)
    codes = [r["mail"].code] + [x.code for x in r["rcpt"]] + \
        [x.code for x in (r["data"], r["final"]) if x is not None]
    refusal = [c for c in codes if c >= 400]
    assert refusal and refusal[0] // 100 == 4, r
    assert not any(c // 100 == 5 for c in codes), r
    if speed_adjust:
        # the whole message was received before Postfix tried the filter
        assert r["final"] is not None and r["final"].code // 100 == 4, r
    time.sleep(1)
    assert s.delivered() == []
    assert re.search(r"warning: connect to proxy filter 127\.0\.0\.1:%d"
                     % w.port, p.log()), p.log()[-3000:]


def test_gtube_is_refused_in_session(bq):
    """Needs the content classifier and the policy's reject action: it
    fails (it does not skip) until they are in the tree."""
    p, w, s = bq(policy={"spam.action": "reject",
                         "spam.reject_text": "5.7.1 " + REJECT_TEXT})
    token, r = send(p.smtpd_port, subject="gtube",
                    body="This is spam for sure:\r\n%s\r\n" % GTUBE)
    assert r["final"] is not None, r
    assert r["final"].code // 100 == 5, r
    assert r["final"].code in (550, 554), r
    assert REJECT_TEXT in r["final"].text, r
    time.sleep(1)
    assert s.delivered() == [], "spam was delivered"
    # and clean mail still goes through the same set-up
    token, r = send(p.smtpd_port, subject="clean after spam")
    assert r["final"].code == 250, r
    s.wait_delivered(1, timeout=20)


def _slow_data(delay):
    """A downstream that takes delay seconds to answer DATA."""
    def hook(sess, txn):
        time.sleep(delay)
    return hook


def test_N6_message_deadline_answers_before_postfix_gives_up(bq):
    """winnowd's whole per-message work fits in smtpd_proxy_timeout: when
    the downstream is too slow, winnowd answers 451 itself before Postfix
    stops waiting, and nothing is delivered (no duplicate on retry)."""
    p, w, s = bq(main={"smtpd_proxy_timeout": "6s"},
                 server={"message_deadline": "2s", "forward_timeout": "30s"},
                 sink={"hooks": {"data": _slow_data(8)}},
                 forward_to_sink=True)
    t0 = time.monotonic()
    token, r = send(p.smtpd_port)
    took = time.monotonic() - t0
    assert r["final"] is not None and r["final"].code == 451, r
    assert "queue file write error" not in r["final"].text, \
        "Postfix timed out before winnowd answered: %r" % r
    assert took < 6, took
    time.sleep(8)
    assert s.completed() == [], "a copy went downstream: %r" % s.txns


def test_without_a_deadline_postfix_times_out_and_mail_is_doubled(bq):
    """The control for the test above: with no message_deadline Postfix
    gives up first (451 to the client, who will retry) while winnowd
    still delivers the message - the duplicate message_deadline avoids."""
    p, w, s = bq(main={"smtpd_proxy_timeout": "3s"},
                 server={"message_deadline": "0", "forward_timeout": "30s"},
                 sink={"hooks": {"data": _slow_data(5)}},
                 forward_to_sink=True)
    token, r = send(p.smtpd_port)
    assert r["final"] is not None and r["final"].code // 100 == 4, r
    assert "queue file write error" in r["final"].text, r
    # (the predicate runs under the sink's lock: read txns directly)
    s.wait(lambda: [t for t in s.txns if t.complete], timeout=15,
           what="the late delivery")

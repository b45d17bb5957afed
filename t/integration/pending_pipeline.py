"""Known failures in code this suite's owner may not change
(server/pipeline.c, policy/, dnsbl/): each test shows the behaviour the
report asks for, and fails today.  Not collected by the suite (the name
does not start with test_); run it on purpose:

    t/netns /usr/bin/python3 -m pytest -p no:cacheprovider \
        t/integration/pending_pipeline.py

(t/run-integration always runs the whole t/integration as well.)

Once fixed, move the test into the numbered file it belongs to.
"""

import time

import pytest

from wntest import dns
from wntest.ours import filtered
from wntest.smtp import Client, make_message


@pytest.fixture
def silent():
    f = dns.FakeDNS("silent", dns.DNS_PORT_MAX).start()
    yield f
    f.stop()


def test_dns_stage_leaves_time_for_the_reinjection(relay, silent):
    """[dns] timeout (10s) longer than [server] message_deadline (3s),
    DNS silent.  Today the DNS stage is capped at the message deadline
    itself (view.deadline_ms = the message deadline), so nothing is left
    for the reinjection: every message is answered "451 4.4.2 Downstream
    failed: reading reply: deadline passed" (the downstream never failed)
    for as long as DNS is down.  Wanted: the checks stop early enough for
    the reinjection (or winnowd -t refuses such a configuration), so the
    message goes through marked dns=timeout."""
    w, sink = relay(server={"message_deadline": "3s"},
                    extra={"dns": {"resolver": silent.resolver,
                                   "timeout": "10s"},
                           "dnsbl": {"bl1.test": "60"}})
    _, msg = make_message(sender="x@pass.spf.test")
    with Client(w.port) as c:
        c.ehlo()
        c.cmd("XFORWARD ADDR=192.0.2.1")
        t0 = time.monotonic()
        r = c.xfer("x@pass.spf.test", ["r@example.com"], msg)
        took = time.monotonic() - t0
    assert took < 3.5, took
    assert r["final"].code == 250, r
    ours = filtered(sink.delivered()[0].data, msg)
    assert ours.check_items()["dns"] == "timeout", ours.checks

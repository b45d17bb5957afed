"""Report addresses in a fleet (issue 15): a report mailed to node 1's
[policy] report_spam is learned on node 1 and handed to the fleet through
the local outbox ([stats] dir/fleet/learn/, which the child writes and
the fleet process sends), so node 3's verdict on the reported message
changes; with Redis away the report is still taken (250) and its
examples wait in the outbox until Redis is back."""

import os
import time

import pytest

from wntest.smtp import Client, make_message, wait_until

from test_650_fleet import ctl, redis  # noqa: F401
from test_651_fleet_learn import LEARN, score, message, head

REPORTS = {"report_spam": "spam-report@example.com",
           "report_ham": "ham-report@example.com",
           "report_senders": "@example.com",
           "report_clients": "ip:127.0.0.0/8"}


def node(relay, ports, i, url, **fleet):
    host = "127.0.0.%d" % (i + 2)
    port = ports()
    f = dict(LEARN, redis=url, node="node%d" % (i + 1), **fleet)
    w, s = relay(port=port, server={"listen": "tcp:%s:%d" % (host, port)},
                 policy=dict(REPORTS),
                 extra={"stats": {"flush_interval": "1s"}, "fleet": f,
                        "content": {"model_check_interval": "1s"}})
    w.host = host
    return w, s


def report(inners):
    """A report: a note and each misjudged message attached."""
    b = "=-=report-boundary=-="
    out = ("From: <reporter@example.com>\r\nTo: <spam-report@example.com>"
           "\r\nSubject: Fw: spam\r\nMIME-Version: 1.0\r\n"
           "Content-Type: multipart/mixed; boundary=\"%s\"\r\n\r\n"
           "--%s\r\nContent-Type: text/plain\r\n\r\nThese got through."
           "\r\n" % (b, b)).encode()
    for m in inners:
        out += ("--%s\r\nContent-Type: message/rfc822\r\n\r\n" %
                b).encode() + m + b"\r\n"
    return out + ("--%s--\r\n" % b).encode()


def send_report(w, inners):
    with Client(w.port, host=w.host) as c:
        c.ehlo()
        r = c.xfer("reporter@example.com", ["spam-report@example.com"],
                   report(inners))
        c.quit()
    return r


def outbox(w):
    d = os.path.join(w.dir, "spool", "stats", "fleet", "learn")
    if not os.path.isdir(d):
        return []
    return [n for n in os.listdir(d) if not n.startswith(".")]


@pytest.mark.timeout(180)
def test_report_on_node1_changes_node3(relay, redis, ports, workdir):
    r = redis()
    url = "redis://127.0.0.1:%d" % r.port
    nodes = [node(relay, ports, i, url) for i in range(3)]
    (w1, s1), _, (w3, s3) = nodes
    msg = message()
    before = score(w3, s3, msg)
    t0 = time.monotonic()
    res = send_report(w1, [msg] * 30)
    assert res["final"].code == 250, res
    assert "30 message(s) learned as spam" in w1.log(), w1.log()
    assert s1.delivered() == []       # a report is learned, not delivered
    wait_until(lambda: score(w3, s3, msg) > before + 1.0, timeout=40,
               step=0.5, what="node 3's verdict changes")
    took = time.monotonic() - t0
    print("\nreport to node 1 -> node 3's score %.2f -> %.2f in %.2f s"
          % (before, score(w3, s3, msg), took))
    # every example went to the stream once, and the outbox is empty
    wait_until(lambda: outbox(w1) == [], timeout=10, what="outbox sent")
    h, vs = head(w1)
    assert sum(x["examples"] for x in vs if not x["rollback"]) == 30, vs


@pytest.mark.timeout(180)
def test_report_while_redis_is_away(relay, redis, ports, workdir):
    r = redis()
    url = "redis://127.0.0.1:%d" % r.port
    nodes = [node(relay, ports, i, url) for i in range(2)]
    (w1, s1), (w2, s2) = nodes
    msg = message()
    before = score(w2, s2, msg)
    r.stop()
    res = send_report(w1, [msg] * 30)
    assert res["final"].code == 250, res
    assert len(outbox(w1)) == 30, outbox(w1)
    time.sleep(2)
    assert len(outbox(w1)) == 30      # nowhere to send them
    from test_650_fleet import start_redis
    start_redis(r)
    wait_until(lambda: outbox(w1) == [], timeout=30, what="outbox sent")
    wait_until(lambda: score(w2, s2, msg) > before + 1.0, timeout=40,
               step=0.5, what="node 2's verdict changes")

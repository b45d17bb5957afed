"""UDS end to end: winnowd asking real winnow-udsd servers (LMDB and a
Redis started here), winnowctl reporting to them, and the faults: every
server dead or silent, one of two dead, Redis going away under udsd,
spoofed, truncated, oversized and replayed datagrams, a flood from one
client.

What the downstream gets is checked with wntest.ours.filtered (the
original byte for byte plus our header block); the UDS part of
X-Winnow-Checks says what matched.
"""

import os
import re
import socket
import subprocess
import threading
import time

import pytest

from wntest import uds
from wntest.ours import filtered
from wntest.smtp import Client, make_message

SPAM_BODY = (
    "Dear friend,\r\n\r\nWe are pleased to offer you our exclusive "
    "selection of luxury watches at prices you will not find anywhere "
    "else.  Every watch is crafted by skilled artisans and comes with a "
    "lifetime guarantee of quality and a certificate of authenticity.\r\n"
    "\r\nFor a limited time only we ship every order free of charge to "
    "any country in the world, and the first hundred customers receive "
    "a leather strap as a gift.  Do not miss this unique chance to own a "
    "masterpiece.\r\n\r\nVisit http://www.watches.example/shop?id=1234 "
    "to see the whole collection today.\r\n")

# what a spammer sends next: words appended, the link's path changed
VARIANT_BODY = SPAM_BODY.replace("shop?id=1234", "go/xq7?ref=99887") + (
    "\r\nquartz tangerine harbour violet mosaic lantern pepper orbit\r\n")

HAM_BODY = (
    "Hi Anna,\r\n\r\nthe budget meeting moved to Thursday at ten in the "
    "small conference room.  Please bring the spreadsheets from last week "
    "and the notes of the review, so that we can settle the open points "
    "about travel costs before the board meets next month.\r\n\r\n"
    "Thanks, Peter\r\n")


def send(w, msg, rcpt="r@example.com"):
    """The reply code to the final dot."""
    with Client(w.port) as c:
        c.ehlo()
        r = c.xfer("sender@example.org", [rcpt], msg)
        c.quit()
    return r["final"].code


def ctl(w, *args, check=True):
    p = subprocess.run([uds.WINNOWCTL, "-c", w.conf_path] + list(args),
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=60, cwd=w.dir)
    if check:
        assert p.returncode == 0, (args, p.returncode, p.stdout, p.stderr)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def write_msg(workdir, name, body, subject="offer"):
    _, msg = make_message(subject=subject, body=body)
    path = os.path.join(workdir, name)
    with open(path, "wb") as f:
        f.write(msg)
    return path, msg


@pytest.fixture
def udsd(workdir, ports):
    started = []

    def make(name="udsd", port=None, clients=(), start=True, **params):
        d = uds.Udsd(os.path.join(workdir, "%s%d" % (name, len(started))),
                     port or ports(), clients=clients, **params)
        started.append(d)
        return d.start() if start else d

    yield make
    bad = []
    for d in started:
        if d.proc is None:
            continue
        alive = d.proc.poll() is None
        rc = d.stop()
        if alive and rc != 0:
            bad.append("winnow-udsd exited %r" % rc)
        if "panic" in d.log():
            bad.append("winnow-udsd panicked")
        print("\n--- %s\n%s" % (d.log_path, d.log()[-3000:]))
    assert not bad, bad


@pytest.fixture
def redis(workdir, ports):
    started = []

    def make(port=None):
        r = uds.Redis(os.path.join(workdir, "redis%d" % len(started)),
                      port or ports())
        started.append(r)
        return r.start()

    yield make
    for r in started:
        r.stop()


class Silent:
    """A UDP port that reads every datagram and answers none."""

    def __init__(self, port, host="127.0.0.1"):
        self.s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.s.bind((host, port))
        self.s.settimeout(0.1)
        self.got = []
        self.stop = False
        self.t = threading.Thread(target=self.run, daemon=True)
        self.t.start()

    def run(self):
        while not self.stop:
            try:
                self.got.append((time.monotonic(), self.s.recv(2048)))
            except socket.timeout:
                pass

    def ops(self):
        return [d[3] for _, d in self.got]

    def close(self):
        self.stop = True
        self.t.join()
        self.s.close()


def site(workdir, udsd, relay, ports, servers=None, uds_params=None,
         groups=None, key=None, server=None, **udsd_params):
    """A winnowd asking servers (else a new udsd that knows client mx1),
    reporting as mx1 with key (else a new key file); and its sink."""
    line = None
    if key is None:
        key, line = uds.keygen(workdir, "mx1")
    d = udsd(clients=[line], **udsd_params) if servers is None else None
    params = {"enable": "yes", "key_file": key,
              "servers": servers or "127.0.0.1:%d" % d.port,
              "timeout": "2s", "server_timeout": "500ms"}
    params.update(uds_params or {})
    extra = {"uds": params,
             "content": {"model": os.path.join(workdir, "learned.model")}}
    extra.update(groups or {})
    w, sink = relay(extra=extra, server=server)
    return d, w, sink


def test_known_spam_and_its_variant_are_marked(workdir, udsd, relay,
                                                ports):
    d, w, sink = site(workdir, udsd, relay, ports)
    spam_path, _ = write_msg(workdir, "spam.eml", SPAM_BODY)
    # unknown first
    _, variant = make_message(subject="offer", body=VARIANT_BODY)
    assert send(w, variant) == 250
    o = filtered(sink.wait_delivered(1) and sink.delivered()[0].data,
                 variant)
    assert o.check_items()["uds"] == "none", o.checks
    base = float(o.score)
    # reported, the variant matches by its shingles
    rc, out, err = ctl(w, "uds", "add", spam_path)
    assert "text:hit(exact, count 1" in out, out
    assert send(w, variant) == 250
    o = filtered(sink.wait_delivered(2) and sink.delivered()[1].data,
                 variant)
    m = re.match(r"hit\(text,(\d+) of 32\)$", o.check_items()["uds"])
    assert m and int(m.group(1)) >= 8, o.checks
    assert float(o.score) > base + 20, (o.score, base)
    # ham is untouched
    _, ham = make_message(subject="meeting", body=HAM_BODY)
    assert send(w, ham) == 250
    o = filtered(sink.wait_delivered(3) and sink.delivered()[2].data, ham)
    assert o.check_items()["uds"] == "none"
    # the server counted the hit
    _, out, _ = ctl(w, "uds", "stats")
    assert re.search(r"hits\s+1\b", out), out
    assert re.search(r"writes\s+1\b", out), out


def image_message(text, seed):
    """A short text and a 3 KiB "image" attachment (base64)."""
    import base64
    import random
    rnd = random.Random(seed)
    img = bytes(rnd.randrange(256) for _ in range(3000))
    b64 = base64.encodebytes(img).decode().replace("\n", "\r\n")
    body = ("--bb\r\nContent-Type: text/plain\r\n\r\n%s\r\n--bb\r\n"
            "Content-Type: image/png\r\nContent-Transfer-Encoding: base64"
            "\r\nContent-Disposition: attachment; filename=\"x.png\"\r\n"
            "\r\n%s--bb--\r\n" % (text, b64))
    _, msg = make_message(subject="look", body=body, extra_headers=[
        "Content-Type: multipart/mixed; boundary=\"bb\""])
    # make_message's own Content-Type comes first: drop it
    return msg.replace(b"Content-Type: text/plain; charset=us-ascii\r\n",
                       b"", 1)


def test_a_known_image_in_another_message(workdir, udsd, relay, ports):
    d, w, sink = site(workdir, udsd, relay, ports)
    path = os.path.join(workdir, "img.eml")
    with open(path, "wb") as f:
        f.write(image_message("see this", 7))
    rc, out, err = ctl(w, "uds", "add", path)
    assert "image:hit(exact" in out, out
    other = image_message("another few words around the same picture", 7)
    assert send(w, other) == 250
    o = filtered(sink.wait_delivered(1) and sink.delivered()[0].data, other)
    assert o.check_items()["uds"] == "hit(image,exact)", o.checks
    fresh = image_message("see this", 8)
    assert send(w, fresh) == 250
    o = filtered(sink.wait_delivered(2) and sink.delivered()[1].data, fresh)
    assert o.check_items()["uds"] == "none", o.checks


def test_a_group_that_does_not_want_uds(workdir, udsd, relay, ports):
    d, w, sink = site(workdir, udsd, relay, ports, groups={
        "group nouds": {"recipients": "*@nouds.example", "uds": "no"}})
    spam_path, spam = write_msg(workdir, "spam.eml", SPAM_BODY)
    ctl(w, "uds", "add", spam_path)
    assert send(w, spam, rcpt="x@nouds.example") == 250
    o = filtered(sink.wait_delivered(1) and sink.delivered()[0].data, spam)
    assert "uds" not in o.check_items(), o.checks
    assert send(w, spam) == 250
    o = filtered(sink.wait_delivered(2) and sink.delivered()[1].data, spam)
    assert o.check_items()["uds"] == "hit(text,exact)", o.checks


def test_learn_reports_spam_and_ham(workdir, udsd, relay, ports):
    d, w, sink = site(workdir, udsd, relay, ports)
    spam_path, spam = write_msg(workdir, "spam.eml", SPAM_BODY)
    rc, out, err = ctl(w, "learn", "--spam", spam_path)
    assert "uds: 1 message reported as spam" in out, (out, err)
    rc, out, _ = ctl(w, "uds", "check", spam_path)
    assert "uds=hit(text,exact)" in out, out
    # a receipt wrongly like the spam: learned as ham, it stops counting,
    # and so does the spam it looks like
    ham_path, _ = write_msg(workdir, "receipt.eml", VARIANT_BODY)
    rc, out, err = ctl(w, "learn", "--ham", ham_path)
    assert "reported as ham-confirmed" in out, (out, err)
    rc, out, _ = ctl(w, "uds", "check", spam_path)
    assert "uds=ham points=0" in out, out
    assert send(w, spam) == 250
    o = filtered(sink.wait_delivered(1) and sink.delivered()[0].data, spam)
    assert o.check_items()["uds"] == "ham", o.checks
    # --no-uds leaves UDS alone; delete withdraws (both: the ham-confirmed
    # receipt alone still vouches for what looks like it)
    rc, out, err = ctl(w, "learn", "--no-uds", "--spam", spam_path)
    assert "uds:" not in out
    rc, out, _ = ctl(w, "uds", "delete", spam_path)
    rc, out, _ = ctl(w, "uds", "check", spam_path)
    assert "uds=ham" in out, out
    rc, out, _ = ctl(w, "uds", "delete", ham_path)
    rc, out, _ = ctl(w, "uds", "check", spam_path)
    assert "uds=none" in out, out


def test_learning_from_the_quarantine_reports_too(workdir, udsd, relay,
                                                 ports):
    """quarantine learn --spam adds the entry's signatures, as winnowctl
    learn does; release --learn-ham makes them ham-confirmed."""
    gtube = "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X"
    body = SPAM_BODY + "\r\n" + gtube + "\r\n"
    d, w, sink = site(workdir, udsd, relay, ports,
                      groups={"policy": {"spam.action": "quarantine"}})
    path, msg = write_msg(workdir, "q.eml", body)
    assert send(w, msg) == 250
    _, out, _ = ctl(w, "quarantine", "list")
    qid = out.split()[0]
    _, out, _ = ctl(w, "uds", "check", path)
    assert "uds=none" in out, out
    rc, out, err = ctl(w, "quarantine", "learn", qid, "--spam")
    assert "uds: 1 message reported as spam" in out, (out, err)
    _, out, _ = ctl(w, "uds", "check", path)
    assert "uds=hit(text,exact)" in out, out
    rc, out, err = ctl(w, "quarantine", "release", qid, "--learn-ham")
    assert "reported as ham-confirmed" in out, (out, err)
    _, out, _ = ctl(w, "uds", "check", path)
    assert "uds=ham" in out, out


@pytest.mark.timeout(60)
def test_every_server_dead_or_silent(workdir, udsd, relay, ports):
    dead = ports()                      # nothing listens: ICMP refused
    quiet = Silent(ports())
    try:
        d, w, sink = site(workdir, udsd, relay, ports,
                          servers="127.0.0.1:%d 127.0.0.1:%d" % (
                              dead, quiet.s.getsockname()[1]),
                          uds_params={"timeout": "1500ms",
                                      "server_timeout": "400ms"})
        for n in range(1, 3):
            _, msg = make_message(subject="offer", body=SPAM_BODY)
            t0 = time.monotonic()
            r = send(w, msg)
            el = time.monotonic() - t0
            assert r == 250, r
            assert el < 3.0, el         # within [uds] timeout, and more
            o = filtered(sink.wait_delivered(n) and
                         sink.delivered()[n - 1].data, msg)
            assert o.check_items()["uds"] == "timeout", o.checks
        w.wait_log(r"uds: no answer within")
        # the silent one was asked
        assert 1 in quiet.ops()
    finally:
        quiet.close()


@pytest.mark.timeout(90)
def test_one_of_two_dead_then_reprobed(workdir, udsd, relay, ports):
    quiet = Silent(ports())
    key, line = uds.keygen(workdir, "mx1")
    live = udsd(clients=[line])
    try:
        d, w, sink = site(workdir, udsd, relay, ports, key=key,
                          servers="127.0.0.1:%d 127.0.0.1:%d" % (
                              quiet.s.getsockname()[1], live.port),
                          uds_params={"server_timeout": "500ms",
                                      "reprobe": "2s",
                                      "write_servers": "127.0.0.1:%d"
                                      % live.port})
        spam_path, _ = write_msg(workdir, "spam.eml", SPAM_BODY)
        ctl(w, "uds", "add", spam_path)
        times = []
        for n in range(1, 4):
            _, msg = make_message(subject="offer", body=SPAM_BODY)
            t0 = time.monotonic()
            assert send(w, msg) == 250
            times.append(time.monotonic() - t0)
            o = filtered(sink.wait_delivered(n) and
                         sink.delivered()[n - 1].data, msg)
            assert o.check_items()["uds"] == "hit(text,exact)", o.checks
        # the first paid one server timeout, the next went straight on
        assert times[0] >= 0.45, times
        assert times[1] < 0.45 and times[2] < 0.45, times
        assert quiet.ops() == [1], quiet.ops()
        # after reprobe the dead one is probed (a PING) beside a request
        time.sleep(2.2)
        _, msg = make_message(subject="offer", body=SPAM_BODY)
        t0 = time.monotonic()
        assert send(w, msg) == 250
        assert time.monotonic() - t0 < 0.45
        assert quiet.ops() == [1, 6], quiet.ops()
    finally:
        quiet.close()


def test_probe_prints_each_servers_rtt(workdir, udsd, relay, ports):
    key, line = uds.keygen(workdir, "mx1")
    live = udsd(clients=[line])
    dead = ports()
    d, w, sink = site(workdir, udsd, relay, ports, key=key,
                      servers="127.0.0.1:%d [::1]:%d 127.0.0.1:%d" % (
                          live.port, live.port, dead),
                      uds_params={"timeout": "300ms"})
    rc, out, _ = ctl(w, "uds", "probe", "-n", "5", check=False)
    assert rc == 69, out
    assert re.search(r"^127\.0\.0\.1:%d available rtt=\d+\.\d+ms \(min "
                     r"[\d.]+, 5 of 5 answered\) store=up$" % live.port,
                     out, re.M), out
    assert re.search(r"^\[::1\]:%d available" % live.port, out, re.M), out
    assert re.search(r"^127\.0\.0\.1:%d unavailable" % dead, out, re.M), out


@pytest.mark.timeout(90)
def test_redis_down_under_udsd(workdir, udsd, redis, relay, ports):
    r = redis()
    key, line = uds.keygen(workdir, "mx1")
    d = udsd(clients=[line], store="redis",
             redis="tcp:127.0.0.1:%d" % r.port, redis_timeout="1s")
    d.wait_log(r"connected; the UDS store answers")
    _, w, sink = site(workdir, udsd, relay, ports, key=key,
                      servers="127.0.0.1:%d" % d.port)
    spam_path, spam = write_msg(workdir, "spam.eml", SPAM_BODY)
    ctl(w, "uds", "add", spam_path)
    assert send(w, spam) == 250
    o = filtered(sink.wait_delivered(1) and sink.delivered()[0].data, spam)
    assert o.check_items()["uds"] == "hit(text,exact)", o.checks

    r.stop()
    d.wait_log(r"UDS lookups answer unknown")
    assert send(w, spam) == 250
    o = filtered(sink.wait_delivered(2) and sink.delivered()[1].data, spam)
    assert o.check_items()["uds"] == "unknown", o.checks
    rc, out, err = ctl(w, "uds", "add", spam_path, check=False)
    assert rc == 69 and "store unavailable" in err, (rc, out, err)
    rc, out, _ = ctl(w, "uds", "probe", check=False)
    assert "store=DOWN" in out, out

    r.start()                           # an empty Redis on the same port
    d.wait_log(r"connected; the UDS store answers", count=2, timeout=15)
    rc, out, _ = ctl(w, "uds", "add", spam_path)
    assert send(w, spam) == 250
    o = filtered(sink.wait_delivered(3) and sink.delivered()[2].data, spam)
    assert o.check_items()["uds"] == "hit(text,exact)", o.checks


def test_bad_datagrams(workdir, udsd, ports):
    key, line = uds.keygen(workdir, "mx1")
    secret = uds.secret_of(key)
    d = udsd(clients=[line])
    digest = bytes(range(16))
    add = uds.pack_write(uds.OP_ADD, 1, [uds.item(3, digest)], "mx1",
                         secret)
    # spoofed: another secret, another client's name
    bad = uds.pack_write(uds.OP_ADD, 2, [uds.item(3, digest)], "mx1",
                         bytes(32))
    assert uds.unpack_reply(uds.ask(d.port, bad))[2] == "denied"
    bad = uds.pack_write(uds.OP_ADD, 3, [uds.item(3, digest)], "mx2",
                         secret)
    assert uds.unpack_reply(uds.ask(d.port, bad))[2] == "denied"
    # a good one, then the same datagram again (replayed)
    op, rid, st, items = uds.unpack_reply(uds.ask(d.port, add))
    assert (rid, st, items[0][0], items[0][2]) == (1, "ok", 1, 1)
    assert uds.unpack_reply(uds.ask(d.port, add))[2] == "denied"
    # an old clock
    old = uds.pack_write(uds.OP_ADD, 4, [uds.item(3, digest)], "mx1",
                         secret, when=time.time() - 3600)
    assert uds.unpack_reply(uds.ask(d.port, old))[2] == "denied"
    # truncated: "bad"; oversized and garbage: nothing at all
    chk = uds.pack_check(5, [uds.item(3, digest)])
    assert uds.unpack_reply(uds.ask(d.port, chk[:-4]))[2] == "bad"
    assert uds.ask(d.port, chk + b"\0" * 2000, timeout=0.3) is None
    assert uds.ask(d.port, b"\x00" * 50, timeout=0.3) is None
    # from outside allow: nothing (127.0.0.2 is not in 127.0.0.1/32)
    d2 = udsd(clients=[line], allow="127.0.0.1/32")
    assert uds.ask(d2.port, chk, source="127.0.0.2", timeout=0.3) is None
    assert uds.ask(d2.port, chk) is not None
    # the report counted once, and udsd still answers
    op, rid, st, items = uds.unpack_reply(uds.ask(d.port, chk))
    assert (st, items[0][0], items[0][2]) == ("ok", 1, 1), items
    assert "bad MAC" in d.log() and "replayed write" in d.log()


@pytest.mark.timeout(90)
def test_a_flood_from_one_client(workdir, udsd, relay, ports):
    key, line = uds.keygen(workdir, "mx1")
    d = udsd(clients=[line], query_rate="500", query_burst="500")
    chk = uds.pack_check(7, [uds.item(3, bytes(16))])
    got = [0]
    stop = [False]

    def flood():
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("127.0.0.3", 0))
        s.setblocking(False)
        t0 = time.monotonic()
        while time.monotonic() - t0 < 3.0:
            for _ in range(200):
                try:
                    s.sendto(chk, ("127.0.0.1", d.port))
                except BlockingIOError:
                    pass
            while True:
                try:
                    s.recv(2048)
                    got[0] += 1
                except BlockingIOError:
                    break
        stop[0] = True
        s.close()

    t = threading.Thread(target=flood)
    t.start()
    # a well-behaved client is served all the while
    _, w, sink = site(workdir, udsd, relay, ports, key=key,
                      servers="127.0.0.1:%d" % d.port)
    answered = 0
    while not stop[0]:
        if uds.ask(d.port, chk, timeout=0.5) is not None:
            answered += 1
        time.sleep(0.05)
    t.join()
    assert answered >= 10, answered
    # at most the burst and 3 s of the rate reached the flooder
    assert got[0] <= 500 + 500 * 3.5, got[0]
    _, out, _ = ctl(w, "uds", "stats")
    m = re.search(r"rate_limited\s+(\d+)", out)
    assert m and int(m.group(1)) > 1000, out


def test_udsd_configuration_and_reload(workdir, udsd, ports):
    d = udsd(start=False, store="berkeley", votes="40")
    p = subprocess.run([uds.UDSD, "-t", "-c", d.conf_path],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert p.returncode == 78
    assert re.search(rb"winnow-udsd.conf:\d+: .*store", p.stderr), p.stderr
    assert re.search(rb"winnow-udsd.conf:\d+: .*votes", p.stderr), p.stderr
    key, line = uds.keygen(workdir, "mx1")
    d = udsd(clients=[])
    secret = uds.secret_of(key)
    add = uds.pack_write(uds.OP_ADD, 11, [uds.item(3, bytes(16))], "mx1",
                         secret)
    assert uds.unpack_reply(uds.ask(d.port, add))[2] == "denied"
    d.write_clients([line])
    d.proc.send_signal(1)               # SIGHUP
    d.wait_log(r"configuration re-read")
    add = uds.pack_write(uds.OP_ADD, 12, [uds.item(3, bytes(16))], "mx1",
                         secret)
    assert uds.unpack_reply(uds.ask(d.port, add))[2] == "ok"
    # a clients file others may read is refused at reload; the old stays
    os.chmod(d.clients_path, 0o644)
    d.proc.send_signal(1)
    d.wait_log(r"reload failed")
    add = uds.pack_write(uds.OP_ADD, 13, [uds.item(3, bytes(16))], "mx1",
                         secret)
    assert uds.unpack_reply(uds.ask(d.port, add))[2] == "ok"

#!/usr/bin/python3
# fakedns.py - DNS servers that misbehave, for the resolver's tests
#
#   t/dns/fakedns.py MODE PORT      (foreground; stop it with SIGTERM)
#
# Listens on 127.0.0.1:PORT, UDP and TCP, and only there.  MODEs:
#   silent    reads every query and never answers (TCP: accepts, then
#             holds the connection open without a word)
#   garbage   answers every query with packets that must all be ignored:
#             random bytes, a header only, our id with another question,
#             another id with our question (listed!), a query instead of a
#             response; never a usable answer
#   spoof     first the garbage above (the wrong-id packet says "listed"),
#             then, 50 ms later, the true answer: NXDOMAIN
#   refused   REFUSED to everything
#   nxdomain  NXDOMAIN to everything (a healthy but empty server)
#   truncate  over UDP an empty answer with TC set; over TCP the full
#             answer (A 127.0.0.2 for any name, TXT "v=spf1 -all")
#   slow      the true answer (as for truncate's TCP) after 300 ms
#   noedns    FORMERR to queries with EDNS0, the true answer to others
#   delay     a proxy: forwards each UDP query to 127.0.0.1:UPSTREAM and
#             sends the answer back MS milliseconds later (a resolver at
#             that round-trip time), e.g. fakedns.py delay 15391 20 15390
# Needs python3-dnslib (scripts/install-deps).
import os
import random
import signal
import socket
import struct
import sys
import threading
import time

from dnslib import A, DNSHeader, DNSRecord, QTYPE, RCODE, RR, TXT

MODES = ("silent", "garbage", "spoof", "refused", "nxdomain", "truncate",
         "slow", "noedns", "delay")


def answer(q):
    """The 'true' answer: A 127.0.0.2, TXT v=spf1 -all, else NODATA."""
    r = q.reply()
    name = q.q.qname
    if q.q.qtype == QTYPE.A:
        r.add_answer(RR(name, QTYPE.A, rdata=A("127.0.0.2"), ttl=60))
    elif q.q.qtype == QTYPE.TXT:
        r.add_answer(RR(name, QTYPE.TXT, rdata=TXT("v=spf1 -all"), ttl=60))
    return r


def garbage(q):
    """Packets a careful resolver must ignore."""
    out = [os.urandom(random.randint(1, 80)), q.pack()[:7]]
    other = DNSRecord.question("other.example", "A")
    other.header.id = q.header.id
    r = other.reply()
    r.add_answer(RR("other.example", QTYPE.A, rdata=A("127.0.0.2")))
    out.append(r.pack())                       # our id, other question
    r = answer(q)
    r.header.id = (q.header.id + 1) & 0xffff   # our question, other id
    out.append(r.pack())
    out.append(q.pack())                       # a query, not a response
    return out


def delay_proxy(port, ms, upstream):
    """Forward queries upstream, answer ms milliseconds later."""
    import heapq
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    s.bind(("127.0.0.1", port))
    up = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    up.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    up.connect(("127.0.0.1", upstream))
    pending = {}
    due = []
    cv = threading.Condition()

    def back():
        while True:
            data = up.recv(65535)
            with cv:
                peer = pending.pop(data[:2], None)
                if peer is not None:
                    heapq.heappush(due, (time.monotonic() + ms / 1000.0,
                                         data, peer))
                    cv.notify()

    def sender():
        while True:
            with cv:
                while not due or due[0][0] > time.monotonic():
                    cv.wait(due[0][0] - time.monotonic() if due else None)
                _, data, peer = heapq.heappop(due)
            s.sendto(data, peer)

    threading.Thread(target=back, daemon=True).start()
    threading.Thread(target=sender, daemon=True).start()
    while True:
        data, peer = s.recvfrom(65535)
        if len(data) < 12:
            continue
        with cv:
            pending[data[:2]] = peer
        up.send(data)


def udp(mode, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port))
    while True:
        data, peer = s.recvfrom(65535)
        try:
            q = DNSRecord.parse(data)
        except Exception:
            continue
        if mode == "silent":
            continue
        if mode in ("garbage", "spoof"):
            for p in garbage(q):
                s.sendto(p, peer)
            if mode == "spoof":
                time.sleep(0.05)
                r = q.reply()
                r.header.rcode = RCODE.NXDOMAIN
                s.sendto(r.pack(), peer)
            continue
        if mode in ("refused", "nxdomain"):
            r = q.reply()
            r.header.rcode = RCODE.REFUSED if mode == "refused" \
                else RCODE.NXDOMAIN
            s.sendto(r.pack(), peer)
            continue
        if mode == "truncate":
            r = q.reply()
            r.header.tc = 1
            s.sendto(r.pack(), peer)
            continue
        if mode == "noedns":
            if q.ar:
                r = DNSRecord(DNSHeader(id=q.header.id, qr=1,
                                        rcode=RCODE.FORMERR), q=q.q)
                s.sendto(r.pack(), peer)
            else:
                s.sendto(answer(q).pack(), peer)
            continue
        if mode == "slow":
            threading.Timer(0.3, s.sendto,
                            (answer(q).pack(), peer)).start()


def tcp_client(mode, c):
    try:
        if mode == "silent":
            c.recv(65535)
            time.sleep(3600)
            return
        hdr = c.recv(2)
        if len(hdr) < 2:
            return
        (n,) = struct.unpack("!H", hdr)
        data = b""
        while len(data) < n:
            chunk = c.recv(n - len(data))
            if not chunk:
                return
            data += chunk
        q = DNSRecord.parse(data)
        if mode in ("garbage", "spoof"):
            p = garbage(q)[2]
        elif mode in ("refused", "nxdomain"):
            r = q.reply()
            r.header.rcode = RCODE.REFUSED if mode == "refused" \
                else RCODE.NXDOMAIN
            p = r.pack()
        else:
            p = answer(q).pack()
        c.sendall(struct.pack("!H", len(p)) + p)
    except OSError:
        pass
    finally:
        c.close()


def tcp(mode, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port))
    s.listen(64)
    while True:
        c, _ = s.accept()
        threading.Thread(target=tcp_client, args=(mode, c),
                         daemon=True).start()


def main():
    if len(sys.argv) < 3 or sys.argv[1] not in MODES or \
            (sys.argv[1] == "delay") != (len(sys.argv) == 5):
        sys.stderr.write("usage: fakedns.py %s PORT | delay PORT MS "
                         "UPSTREAM\n" % "|".join(MODES[:-1]))
        sys.exit(64)
    mode, port = sys.argv[1], int(sys.argv[2])
    signal.signal(signal.SIGTERM, lambda *a: os._exit(0))
    if mode == "delay":
        threading.Thread(target=tcp, args=("silent", port),
                         daemon=True).start()
        delay_proxy(port, int(sys.argv[3]), int(sys.argv[4]))
        return
    threading.Thread(target=tcp, args=(mode, port), daemon=True).start()
    udp(mode, port)


if __name__ == "__main__":
    main()

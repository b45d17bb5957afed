"""The MTA side of the milter protocol, for tests and fuzz seeds.

    pkt(cmd, data)          one packet: 4-byte length, command, data
    strs(*s)                NUL-terminated strings
    Conversation            builds the packets of a whole connection
    MilterClient(port)      talks to winnowd over TCP and reads replies

Commands and replies are the letters of Sendmail's libmilter/mfdef.h.
"""

import socket
import struct

SMFIF_ALL = 0x1FF          # every action up to SETSYMLIST
SMFIP_ALL = 0x1FFFFF       # every protocol step flag of version 6


def pkt(cmd, data=b""):
    if isinstance(cmd, str):
        cmd = cmd.encode()
    return struct.pack(">I", len(data) + 1) + cmd + data


def strs(*items):
    return b"".join((s.encode() if isinstance(s, str) else s) + b"\0"
                    for s in items)


def optneg(version=6, actions=SMFIF_ALL, proto=SMFIP_ALL):
    return pkt("O", struct.pack(">III", version, actions, proto))


def connect(host="client.example.org", addr="192.0.2.7", port=4711):
    return pkt("C", strs(host) + b"4" + struct.pack(">H", port) + strs(addr))


def message(sender, rcpts, headers, body, macros=None, chunk=65535):
    """The packets of one message: MAIL, RCPTs, DATA, headers, EOH,
    body chunks, EOM."""
    out = []
    for stage, kv in (macros or {}).items():
        flat = []
        for k, v in kv.items():
            flat += [k, v]
        out.append(pkt("D", stage.encode() + strs(*flat)))
    out.append(pkt("M", strs("<%s>" % sender)))
    for r in rcpts:
        out.append(pkt("R", strs("<%s>" % r)))
    out.append(pkt("T"))
    for name, value in headers:
        out.append(pkt("L", strs(name, value)))
    out.append(pkt("N"))
    for i in range(0, len(body), chunk):
        out.append(pkt("B", body[i:i + chunk]))
    out.append(pkt("E"))
    return out


def parse_replies(buf):
    """Split bytes into (cmd, data) replies; returns (list, rest)."""
    out = []
    while len(buf) >= 4:
        (n,) = struct.unpack(">I", buf[:4])
        if len(buf) < 4 + n:
            break
        out.append((chr(buf[4]), buf[5:4 + n]))
        buf = buf[4 + n:]
    return out, buf


class MilterClient:
    """A connection to a milter: send packets, read replies up to a final
    one (the end of the message) with a timeout."""

    FINAL = set("acdrtyO")

    def __init__(self, port, host="127.0.0.1", timeout=20.0):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.rest = b""

    def send(self, *packets):
        self.sock.sendall(b"".join(packets))

    def read_until_final(self):
        """Replies up to and including the next final reply."""
        got = []
        while True:
            replies, self.rest = parse_replies(self.rest)
            for i, r in enumerate(replies):
                got.append(r)
                if r[0] in self.FINAL:
                    # put back what follows
                    tail = b"".join(pkt(c, d) for c, d in replies[i + 1:])
                    self.rest = tail + self.rest
                    return got
            data = self.sock.recv(65536)
            if not data:
                return got + [("EOF", b"")]
            self.rest += data

    def read_eof(self):
        """Everything up to EOF (the peer closed)."""
        data = self.rest
        while True:
            try:
                d = self.sock.recv(65536)
            except (ConnectionResetError, socket.timeout):
                return data, False
            if not d:
                return data, True
            data += d

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def seeds():
    """Recorded conversations for fuzz/corpus/fuzz_milter."""
    hdrs = [("From", "a@example.org"), ("To", "b@example.com"),
            ("Subject", "hello"), ("X-Winnow-Status", "spoofed"),
            ("Received", "from x\n\tby y")]
    body = b"Hello,\r\nplain text.\r\n"
    gtube = (b"XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-"
             b"EMAIL*C.34X\r\n")
    eicar = (b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-"
             b"FILE!$H+H*\r\n")
    base = [optneg(), connect(), pkt("H", strs("client.example.org"))]
    mac = {"M": {"{i}": "ABC123", "{auth_authen}": "joe"}}
    out = {
        "clean": base + message("a@example.org", ["b@example.com"], hdrs,
                                body, mac) + [pkt("Q")],
        "gtube": base + message("a@example.org", ["b@example.com"], hdrs,
                                gtube) + [pkt("Q")],
        "eicar": base + message("a@example.org", ["b@example.com",
                                                  "c@example.com"], hdrs,
                                eicar) + [pkt("Q")],
        "two": base + message("a@example.org", ["b@example.com"], hdrs,
                              body) +
        message("", ["c@example.com"], hdrs[:2], body) + [pkt("Q")],
        "abort": base + message("a@example.org", ["b@example.com"], hdrs,
                                body)[:-2] + [pkt("A")] +
        message("a@example.org", ["b@example.com"], hdrs, body),
        "v2": [optneg(2, 0x1F, 0x7F), connect()] +
        message("a@example.org", ["b@example.com"], hdrs, body),
        "quitnc": base + [pkt("K"), connect("other", "192.0.2.9")] +
        message("a@example.org", ["b@example.com"], hdrs, body),
        "lying": [optneg(), struct.pack(">I", 0x7fffffff) + b"Lx"],
        "zero": [optneg(), struct.pack(">I", 0)],
        "nonul": [optneg(), connect(), pkt("M", b"<a@b>")],
        "unix": [optneg(), pkt("C", strs("localhost") + b"L" +
                               struct.pack(">H", 0) + strs("/run/x"))],
        "unknownfam": [optneg(), pkt("C", strs("unknown") + b"U")],
        "bigchunk": base + message("a@example.org", ["b@example.com"],
                                   hdrs, b"x" * 70000 + b"\r\n",
                                   chunk=100000) + [pkt("Q")],
    }
    return {k: b"".join(v) for k, v in out.items()}


if __name__ == "__main__":
    import hashlib
    import os
    import sys
    d = sys.argv[1]
    os.makedirs(d, exist_ok=True)
    for name, data in seeds().items():
        with open(os.path.join(d, hashlib.sha1(data).hexdigest()), "wb") as f:
            f.write(data)

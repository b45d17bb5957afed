"""A raw SMTP/LMTP client that sends exactly the bytes a test gives it, and
the messages tests send (each with a unique Message-ID and X-Test-Seq, so a
downstream capture can be reconciled against what was sent: the ledger)."""

import itertools
import re
import socket
import time
import uuid


class Reply:
    def __init__(self, lines):
        self.lines = lines                      # text lines without CRLF
        self.code = int(lines[-1][:3]) if lines and \
            lines[-1][:3].isdigit() else 0

    @property
    def text(self):
        return "\n".join(self.lines)

    def __repr__(self):
        return "Reply(%r)" % self.text

    def __str__(self):
        return self.text


class SMTPError(Exception):
    pass


class Client:
    """One connection.  tcp (host, port), ipv6 (::1) or a unix socket."""

    def __init__(self, port=None, host="127.0.0.1", unix=None, timeout=30.0,
                 greet=True):
        if unix is not None:
            self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.sock.settimeout(timeout)
            self.sock.connect(unix)
        else:
            fam = socket.AF_INET6 if ":" in host else socket.AF_INET
            self.sock = socket.socket(fam, socket.SOCK_STREAM)
            self.sock.settimeout(timeout)
            self.sock.connect((host, port))
        self.buf = b""
        self.greeting = self.reply() if greet else None

    @property
    def local_port(self):
        return self.sock.getsockname()[1]

    def settimeout(self, t):
        self.sock.settimeout(t)

    def send(self, data):
        if isinstance(data, str):
            data = data.encode()
        self.sock.sendall(data)

    def _line(self):
        while b"\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError("connection closed by server; unread %r"
                               % self.buf)
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return line.rstrip(b"\r").decode("utf-8", "replace")

    def reply(self):
        lines = []
        while True:
            line = self._line()
            lines.append(line)
            if len(line) < 4 or line[3] != "-":
                return Reply(lines)

    def replies(self, n):
        return [self.reply() for _ in range(n)]

    def cmd(self, line):
        self.send(line + "\r\n")
        return self.reply()

    def closed_by_peer(self, timeout=5.0):
        """True when the server has closed the connection (EOF)."""
        self.sock.settimeout(timeout)
        try:
            while True:
                chunk = self.sock.recv(65536)
                if not chunk:
                    return True
                self.buf += chunk
        except (ConnectionResetError, BrokenPipeError):
            return True
        except socket.timeout:
            return False

    def ehlo(self, name="client.itest.invalid", lmtp=False):
        r = self.cmd(("LHLO " if lmtp else "EHLO ") + name)
        if r.code != 250:
            raise SMTPError("EHLO refused: %s" % r)
        return r

    def xfer(self, sender, rcpts, msg, lmtp=False, mail_params="",
             rcpt_params=None, pipelined=True):
        """One transaction; returns dict(mail, rcpt=[...], data, final)
        where final is one Reply (SMTP) or a list (LMTP, one per accepted
        recipient).  Stops early (data/final None) when nothing is
        accepted or DATA is refused."""
        rcpt_params = rcpt_params or {}
        mail = "MAIL FROM:<%s>%s" % (sender, (" " + mail_params)
                                     if mail_params else "")
        rcmds = ["RCPT TO:<%s>%s" % (r, (" " + rcpt_params[r])
                                     if r in rcpt_params else "")
                 for r in rcpts]
        res = {"mail": None, "rcpt": [], "data": None, "final": None}
        if pipelined:
            self.send("".join(c + "\r\n" for c in [mail] + rcmds))
            res["mail"] = self.reply()
            res["rcpt"] = self.replies(len(rcmds))
        else:
            res["mail"] = self.cmd(mail)
            if res["mail"].code != 250:
                return res
            res["rcpt"] = [self.cmd(c) for c in rcmds]
        accepted = [r.code // 100 == 2 for r in res["rcpt"]]
        if res["mail"].code != 250 or not any(accepted):
            self.cmd("RSET")
            return res
        res["data"] = self.cmd("DATA")
        if res["data"].code != 354:
            return res
        self.send(stuff(msg))
        if lmtp:
            res["final"] = self.replies(sum(accepted))
        else:
            res["final"] = self.reply()
        return res

    def quit(self):
        try:
            r = self.cmd("QUIT")
        except (OSError, EOFError):
            r = None
        self.close()
        return r

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.close()


def stuff(msg):
    """Dot-stuff a CRLF message and add the end of data."""
    if isinstance(msg, str):
        msg = msg.encode()
    out = []
    for line in msg.split(b"\r\n"):
        out.append(b"." + line if line.startswith(b".") else line)
    body = b"\r\n".join(out)
    if not body.endswith(b"\r\n") and body:
        body += b"\r\n"
    return body + b".\r\n"


_seq = itertools.count(1)
RUN_ID = uuid.uuid4().hex[:12]


def make_message(subject="test", body=None, sender="sender@example.org",
                 to="rcpt@example.com", extra_headers=(), size=None,
                 seq=None):
    """A complete RFC 5322 message (CRLF) with a unique Message-ID and
    X-Test-Seq.  Returns (seq_token, bytes)."""
    n = next(_seq) if seq is None else seq
    token = "%s-%d-%s" % (RUN_ID, n, uuid.uuid4().hex[:8])
    hdr = [
        "From: <%s>" % sender,
        "To: <%s>" % to,
        "Subject: %s" % subject,
        "Date: Thu, 19 Nov 2026 10:00:00 +0000",
        "Message-ID: <%s@itest.invalid>" % token,
        "X-Test-Seq: %s" % token,
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=us-ascii",
    ]
    hdr += list(extra_headers)
    if body is None:
        body = "Hello,\r\n\r\nthis is message %s.\r\n.leading dot\r\n" \
               "..two dots\r\n.\r\nend\r\n" % token
    if isinstance(body, str):
        body = body.encode()
    msg = ("\r\n".join(hdr) + "\r\n\r\n").encode() + body
    if size is not None and len(msg) < size:
        line = b"x" * 76 + b"\r\n"
        need = size - len(msg)
        msg += line * (need // len(line))
        rem = need % len(line)
        if rem == 1:                    # one more byte on the last line
            msg = msg[:-2] + b"y\r\n"   # (not a bare CR before CRLF)
        elif rem:
            msg += b"y" * (rem - 2) + b"\r\n"
    return token, msg


SEQ_RE = re.compile(rb"^X-Test-Seq: (\S+)", re.M | re.I)


def seq_of(data):
    m = SEQ_RE.search(data)
    return m.group(1).decode() if m else None


def split_header(msg):
    i = msg.find(b"\r\n\r\n")
    if i < 0:
        return msg, b""
    return msg[:i + 2], msg[i + 2:]


def header_fields(header):
    """Split a header section (CRLF) into whole fields (with folding)."""
    fields = []
    for line in header.split(b"\r\n"):
        if line == b"":
            continue
        if line[:1] in (b" ", b"\t") and fields:
            fields[-1] += b"\r\n" + line
        else:
            fields.append(line)
    return fields


def strip_fields(msg, names):
    """The message without header fields whose name is in names
    (case-insensitive), byte for byte otherwise."""
    hdr, body = split_header(msg)
    keep = [f for f in header_fields(hdr)
            if f.split(b":", 1)[0].strip().lower() not in
            {n.lower().encode() for n in names}]
    return b"".join(f + b"\r\n" for f in keep) + body


def fields_named(msg, name):
    hdr, _ = split_header(msg)
    return [f for f in header_fields(hdr)
            if f.split(b":", 1)[0].strip().lower() == name.lower().encode()]


def wait_until(pred, timeout=10.0, step=0.05, what="condition"):
    end = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() >= end:
            raise TimeoutError("timed out after %.1fs waiting for %s"
                               % (timeout, what))
        time.sleep(step)

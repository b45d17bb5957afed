"""A downstream SMTP/LMTP server the test controls precisely.

Every transaction is recorded with the exact wire bytes of its DATA (before
unstuffing) and whether the final dot arrived; hooks decide each reply and
may block (to hold winnowd at a chosen point) or drop the connection.

    sink = PySink(port, lmtp=False, xforward=True,
                  hooks={"rcpt": lambda s, t, addr, arg:
                             "450 4.2.0 busy" if addr == "b@x" else None})

Hooks (return None for the default reply, DROP to close without replying,
or the reply text, which may contain CRLF for multi-line replies):
    greet(sess)                 220 greeting
    ehlo(sess, arg)             EHLO/LHLO reply
    mail(sess, txn, arg)
    rcpt(sess, txn, addr, arg)
    data(sess, txn)             reply to the DATA command
    body(sess, txn)             after 354, before reading the body (block
                                here to stall the sender); return DROP to
                                hang up mid-body
    dot(sess, txn)              reply to the final dot; for LMTP a list
                                with one reply per accepted recipient, or
                                one text used for all
    after_dot(sess, txn)        after the dot's reply: may s.send() more
                                (an unsolicited 421) and return DROP
    rset(sess) / quit(sess) / xforward(sess, arg)
"""

import re
import socket
import threading
import time

DROP = object()


class Txn:
    def __init__(self, sess):
        self.sess = sess
        self.helo = sess.helo
        self.xforward = list(sess.xforward)
        self.mail = None
        self.mail_addr = None
        self.rcpt_args = []             # every RCPT argument, in order
        self.accepted = []              # addresses accepted at RCPT
        self.rcpt_lines = []            # accepted RCPT arguments
        self.raw = b""                  # DATA on the wire, stuffed
        self.data = None                # unstuffed message
        self.complete = False           # the final dot arrived
        self.dot_replies = []
        self.dropped = False

    @property
    def delivered(self):
        return self.complete and any(r[:1] == "2" for r in self.dot_replies)

    def delivered_to(self):
        """Recipients whose copy was accepted at the dot."""
        if not self.complete:
            return []
        if len(self.dot_replies) == 1 and not self.sess.lmtp:
            return list(self.accepted) if self.dot_replies[0][:1] == "2" \
                else []
        return [a for a, r in zip(self.accepted, self.dot_replies)
                if r[:1] == "2"]

    def bare_newlines(self):
        """Bare CR or LF bytes in the wire data (should never happen)."""
        d = self.raw
        return len(re.findall(rb"\r(?!\n)|(?<!\r)\n", d))

    def __repr__(self):
        return "Txn(mail=%r rcpts=%r complete=%r replies=%r)" % (
            self.mail, self.accepted, self.complete, self.dot_replies)


class Session:
    def __init__(self, sink, conn, peer):
        self.sink = sink
        self.conn = conn
        self.peer = peer
        self.lmtp = sink.lmtp
        self.helo = None
        self.xforward = []
        self.buf = b""
        self.commands = []              # every command line received
        self.closed = False

    def send(self, text):
        if isinstance(text, str):
            text = text.encode()
        if not text.endswith(b"\r\n"):
            text += b"\r\n"
        self.conn.sendall(text)

    def readline(self):
        while b"\r\n" not in self.buf:
            if len(self.buf) > 1 << 20:
                raise ValueError("command line too long")
            chunk = self.conn.recv(65536)
            if not chunk:
                raise EOFError()
            self.buf += chunk
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def read_data(self):
        """Bytes up to the CRLF.CRLF end of data (the DATA command's CRLF
        counts as the first CRLF).  Returns the wire bytes without the
        terminating '.CRLF'."""
        data = bytearray(b"\r\n" + self.buf)     # grows in place: linear
        start = 0
        while True:
            i = data.find(b"\r\n.\r\n", start)
            if i >= 0:
                self.buf = bytes(data[i + 5:])
                return bytes(data[2:i + 2])
            start = max(0, len(data) - 4)
            chunk = self.conn.recv(1 << 20)
            if not chunk:
                self.partial = bytes(data[2:])
                raise EOFError()
            data += chunk


def _addr(arg):
    m = re.match(r"\s*(?:FROM|TO):\s*<([^>]*)>", arg, re.I)
    return m.group(1) if m else arg


def unstuff(raw):
    lines = raw.split(b"\r\n")
    return b"\r\n".join(l[1:] if l.startswith(b".") else l for l in lines)


class PySink:
    def __init__(self, port=None, host="127.0.0.1", unix=None, lmtp=False,
                 xforward=False, pipelining=True, caps=None, hooks=None,
                 name="pysink.itest.invalid"):
        self.port, self.host, self.unix = port, host, unix
        self.lmtp = lmtp
        self.name = name
        self.hooks = dict(hooks or {})
        if caps is None:
            caps = ["SIZE 200000000", "8BITMIME", "DSN",
                    "ENHANCEDSTATUSCODES", "SMTPUTF8"]
            if pipelining:
                caps.insert(0, "PIPELINING")
            if xforward:
                caps.append("XFORWARD NAME ADDR PORT PROTO HELO IDENT "
                            "SOURCE")
        self.caps = caps
        self.txns = []
        self.sessions = []
        self.lock = threading.RLock()
        self.cond = threading.Condition(self.lock)
        self.errors = []
        self.stopping = False
        self.threads = []
        self.qn = 0

    # -- life cycle
    def start(self):
        if self.unix:
            self.lsock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.lsock.bind(self.unix)
        else:
            fam = socket.AF_INET6 if ":" in self.host else socket.AF_INET
            self.lsock = socket.socket(fam, socket.SOCK_STREAM)
            self.lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            self.lsock.bind((self.host, self.port))
        self.lsock.listen(64)
        self.lsock.settimeout(0.2)
        t = threading.Thread(target=self._accept_loop, daemon=True)
        t.start()
        self.acceptor = t
        return self

    def stop(self):
        self.stopping = True
        try:
            self.lsock.shutdown(socket.SHUT_RDWR)   # wakes accept() now
        except OSError:
            pass
        try:
            self.lsock.close()
        except OSError:
            pass
        self.acceptor.join(5)
        for s in list(self.sessions):
            try:
                s.conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        for t in self.threads:
            t.join(5)

    def _accept_loop(self):
        while not self.stopping:
            try:
                conn, peer = self.lsock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            conn.settimeout(120)
            sess = Session(self, conn, peer)
            with self.lock:
                self.sessions.append(sess)
                self.cond.notify_all()
            t = threading.Thread(target=self._serve, args=(sess,),
                                 daemon=True)
            self.threads.append(t)
            t.start()

    # -- helpers for tests
    def delivered(self):
        with self.lock:
            return [t for t in self.txns if t.delivered]

    def completed(self):
        with self.lock:
            return [t for t in self.txns if t.complete]

    def wait(self, pred, timeout=10.0, what="sink condition"):
        end = time.monotonic() + timeout
        with self.cond:
            while True:
                v = pred()
                if v:
                    return v
                left = end - time.monotonic()
                if left <= 0:
                    raise TimeoutError("timed out waiting for %s; txns=%r"
                                       % (what, self.txns))
                self.cond.wait(min(left, 0.1))

    def wait_delivered(self, n, timeout=10.0):
        return self.wait(lambda: len([t for t in self.txns if t.delivered])
                         >= n, timeout, "%d delivered messages" % n)

    def _notify(self):
        with self.cond:
            self.cond.notify_all()

    def _hook(self, name, *args):
        fn = self.hooks.get(name)
        return fn(*args) if fn else None

    # -- the protocol
    def _serve(self, s):
        try:
            self._session(s)
        except (EOFError, ConnectionResetError, BrokenPipeError,
                socket.timeout):
            pass
        except OSError as e:
            if not self.stopping:
                self.errors.append(repr(e))
        except Exception as e:          # a bug in a hook: make it visible
            self.errors.append(repr(e))
        finally:
            s.closed = True
            try:
                s.conn.close()
            except OSError:
                pass
            self._notify()

    def _reply(self, s, r, default):
        if r is DROP:
            raise EOFError()
        s.send(default if r is None else r)

    def _session(self, s):
        r = self._hook("greet", s)
        self._reply(s, r, "220 %s %s" % (self.name,
                                         "LMTP" if self.lmtp else "ESMTP"))
        txn = None
        while True:
            line = s.readline().decode("utf-8", "surrogateescape")
            s.commands.append(line)
            verb, _, arg = line.partition(" ")
            verb = verb.upper()
            if verb in ("EHLO", "LHLO", "HELO"):
                s.helo = arg
                txn = None
                s.xforward = []
                r = self._hook("ehlo", s, arg)
                if verb == "HELO":
                    self._reply(s, r, "250 " + self.name)
                else:
                    lines = [self.name] + self.caps
                    text = "\r\n".join(
                        "250%s%s" % ("-" if i < len(lines) - 1 else " ", l)
                        for i, l in enumerate(lines))
                    self._reply(s, r, text)
            elif verb == "XFORWARD":
                if txn is not None:
                    self._reply(s, None, "503 5.5.1 Error: MAIL transaction "
                                "in progress")
                    continue
                s.xforward.append(arg)
                self._reply(s, self._hook("xforward", s, arg),
                            "250 2.0.0 Ok")
            elif verb == "MAIL":
                if txn is not None:
                    self._reply(s, None, "503 5.5.1 Error: nested MAIL "
                                "command")
                    continue
                t = Txn(s)
                t.mail = arg
                t.mail_addr = _addr(arg)
                r = self._hook("mail", s, t, arg)
                if r is None or (r is not DROP and r[:1] == "2"):
                    txn = t
                    with self.lock:
                        self.txns.append(t)
                self._reply(s, r, "250 2.1.0 Ok")
            elif verb == "RCPT":
                if txn is None:
                    self._reply(s, None, "503 5.5.1 Error: need MAIL "
                                "command")
                    continue
                addr = _addr(arg)
                txn.rcpt_args.append(arg)
                r = self._hook("rcpt", s, txn, addr, arg)
                if r is None or (r is not DROP and r[:1] == "2"):
                    txn.accepted.append(addr)
                    txn.rcpt_lines.append(arg)
                self._reply(s, r, "250 2.1.5 Ok")
            elif verb == "DATA":
                if txn is None or not txn.accepted:
                    self._reply(s, None, "503 5.5.1 Error: need RCPT "
                                "command")
                    continue
                r = self._hook("data", s, txn)
                if r is not None and r is not DROP and r[:3] != "354":
                    self._reply(s, r, None)
                    continue
                self._reply(s, r, "354 End data with <CR><LF>.<CR><LF>")
                if self._hook("body", s, txn) is DROP:
                    txn.dropped = True
                    raise EOFError()
                try:
                    txn.raw = s.read_data()
                except EOFError:
                    txn.raw = getattr(s, "partial", b"")
                    txn.dropped = True
                    raise
                txn.data = unstuff(txn.raw)
                txn.complete = True
                self._notify()
                r = self._hook("dot", s, txn)
                if r is DROP:
                    raise EOFError()
                if self.lmtp:
                    if r is None or isinstance(r, str):
                        replies = ["250 2.1.5 <%s> delivered" % a
                                   if r is None else r
                                   for a in txn.accepted]
                    else:
                        replies = list(r)
                else:
                    with self.lock:
                        self.qn += 1
                    replies = ["250 2.0.0 Ok: queued as S%04d" % self.qn
                               if r is None else r]
                with self.lock:
                    txn.dot_replies = [x.split("\r\n")[-1] for x in replies]
                for x in replies:
                    s.send(x)
                self._notify()
                if self._hook("after_dot", s, txn) is DROP:
                    raise EOFError()
                txn = None
                s.xforward = []
            elif verb == "RSET":
                txn = None
                s.xforward = []
                self._reply(s, self._hook("rset", s), "250 2.0.0 Ok")
            elif verb == "NOOP":
                self._reply(s, None, "250 2.0.0 Ok")
            elif verb == "QUIT":
                self._reply(s, self._hook("quit", s), "221 2.0.0 Bye")
                return
            else:
                self._reply(s, None, "502 5.5.2 Error: command not "
                            "recognized")

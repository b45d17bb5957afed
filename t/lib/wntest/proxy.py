"""A TCP relay between a real upstream (Postfix) and winnowd that can hold
a session in the middle of DATA: after the server's 354 it forwards only
the first hold_after bytes of the body, then stops and sets `held`, so the
test can kill the winnowd child at a known point.  With hold_after None
everything passes through."""

import socket
import threading


class Conn:
    def __init__(self, client, server):
        self.client = client
        self.server = server
        self.server_local_port = server.getsockname()[1]
        self.in_data = False
        self.body_sent = 0
        self.closed = threading.Event()


class HoldingProxy:
    def __init__(self, port, target_port, hold_after=None,
                 host="127.0.0.1"):
        self.port, self.target_port, self.host = port, target_port, host
        self.hold_after = hold_after
        self.held = threading.Event()
        self.held_conn = None
        self.conns = []
        self.stopping = False
        self.lock = threading.Lock()

    def start(self):
        self.lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.lsock.bind((self.host, self.port))
        self.lsock.listen(16)
        self.lsock.settimeout(0.2)
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()
        return self

    def stop(self):
        self.stopping = True
        self.lsock.close()
        self.thread.join(5)
        for c in self.conns:
            for s in (c.client, c.server):
                try:
                    s.close()
                except OSError:
                    pass

    def pass_through(self):
        self.hold_after = None

    def _accept(self):
        while not self.stopping:
            try:
                cs, _ = self.lsock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            try:
                ss = socket.create_connection((self.host, self.target_port),
                                              timeout=10)
            except OSError:
                cs.close()
                continue
            c = Conn(cs, ss)
            with self.lock:
                self.conns.append(c)
            threading.Thread(target=self._up, args=(c,), daemon=True).start()
            threading.Thread(target=self._down, args=(c,),
                             daemon=True).start()

    def _shut(self, c):
        for s in (c.client, c.server):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        c.closed.set()

    def _down(self, c):
        """server -> client; notices the 354 that starts the body."""
        try:
            while True:
                d = c.server.recv(65536)
                if not d:
                    break
                if b"354 " in d or d.startswith(b"354"):
                    c.in_data = True
                c.client.sendall(d)
        except OSError:
            pass
        self._shut(c)

    def _up(self, c):
        """client -> server; may hold in the body."""
        try:
            while True:
                d = c.client.recv(65536)
                if not d:
                    break
                limit = self.hold_after
                if c.in_data and limit is not None and \
                        self.held_conn in (None, c):
                    room = limit - c.body_sent
                    if room <= len(d):
                        c.server.sendall(d[:max(room, 0)])
                        c.body_sent += max(room, 0)
                        with self.lock:
                            self.held_conn = c
                        self.held.set()
                        c.closed.wait()     # until the server side dies
                        break
                    c.body_sent += len(d)
                c.server.sendall(d)
        except OSError:
            pass
        self._shut(c)

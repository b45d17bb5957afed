"""Ports, listening checks and "which process holds this connection".

Integration tests own TCP ports 21000-21999 on 127.0.0.1 and ::1.  Every
test gets fresh ports from one allocator that walks the range from a random
start, so consecutive tests (and consecutive runs) never reuse a port that
may still have connections in TIME_WAIT; once the range is used up, it
hands out again the oldest ports nothing holds any more.
"""

import errno
import os
import random
import socket
import time

PORT_MIN = 21000
PORT_MAX = 21999


class PortAllocator:
    """Hands out ports that can be bound now; a port it gave before only
    once every never-given one is gone, and then only one given at least
    REUSE_AFTER ports ago with no socket left on it (not even in
    TIME_WAIT): the suite takes more ports than a range of 1,000."""

    REUSE_AFTER = 200

    def __init__(self, lo=PORT_MIN, hi=PORT_MAX, seed=None):
        self.lo, self.hi = lo, hi
        rnd = random.Random(seed)
        self.next = rnd.randint(lo, hi)
        self.given = {}             # port: when (the count of ports given)
        self.count = 0

    def _free(self, port):
        for fam, host in ((socket.AF_INET, "127.0.0.1"),
                          (socket.AF_INET6, "::1")):
            s = socket.socket(fam, socket.SOCK_STREAM)
            try:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                s.bind((host, port))
            except OSError as e:
                if e.errno == errno.EADDRNOTAVAIL and fam == socket.AF_INET6:
                    continue        # no IPv6 on this host: IPv4 decides
                return False
            finally:
                s.close()
        return not tcp_sockets(port)

    def _give(self, port):
        self.count += 1
        self.given[port] = self.count
        return port

    def __call__(self):
        span = self.hi - self.lo + 1
        for _ in range(span):
            port = self.next
            self.next = self.lo + (self.next - self.lo + 1) % span
            if port not in self.given and self._free(port):
                return self._give(port)
        # every port given once: the oldest that nothing uses any more
        for port in sorted(self.given, key=self.given.get):
            if self.count - self.given[port] < self.REUSE_AFTER:
                break
            if self._free(port):
                return self._give(port)
        raise RuntimeError("no free port left in %d-%d" % (self.lo, self.hi))


def _proc_net(fam):
    path = "/proc/net/tcp6" if fam == socket.AF_INET6 else "/proc/net/tcp"
    out = []
    try:
        with open(path) as f:
            next(f)
            for line in f:
                p = line.split()
                lport = int(p[1].rsplit(":", 1)[1], 16)
                rport = int(p[2].rsplit(":", 1)[1], 16)
                out.append((lport, rport, int(p[3], 16), int(p[9])))
    except FileNotFoundError:
        pass
    return out


def tcp_sockets(port):
    """(local port, remote port, state, inode) of sockets on local port."""
    res = []
    for fam in (socket.AF_INET, socket.AF_INET6):
        res += [e for e in _proc_net(fam) if e[0] == port]
    return res


TCP_LISTEN = 0x0A
TCP_ESTABLISHED = 0x01


def is_listening(port):
    return any(s[2] == TCP_LISTEN for s in tcp_sockets(port))


def wait_listening(port, timeout=10.0, proc=None):
    """Wait until something listens on TCP port (any address)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if is_listening(port):
            return True
        if proc is not None and proc.poll() is not None:
            raise RuntimeError("process exited (%s) before listening on %d"
                               % (proc.returncode, port))
        time.sleep(0.02)
    raise TimeoutError("nothing listens on port %d after %.1fs"
                       % (port, timeout))


def wait_unix_listening(path, timeout=10.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if os.path.exists(path):
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                s.connect(path)
                s.close()
                return True
            except OSError:
                pass
            finally:
                s.close()
        time.sleep(0.02)
    raise TimeoutError("nothing listens on %s" % path)


def socket_inode_pids(inode):
    """Pids of processes holding socket:[inode] open."""
    target = "socket:[%d]" % inode
    pids = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        fddir = "/proc/%s/fd" % d
        try:
            for fd in os.listdir(fddir):
                try:
                    if os.readlink(os.path.join(fddir, fd)) == target:
                        pids.append(int(d))
                        break
                except OSError:
                    continue
        except OSError:
            continue
    return pids


def conn_owner(server_port, client_port, timeout=5.0):
    """The pid that holds the server side of the TCP connection
    server_port <- client_port (the winnowd child serving a session)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        for fam in (socket.AF_INET, socket.AF_INET6):
            for lp, rp, st, ino in _proc_net(fam):
                if lp == server_port and rp == client_port and ino:
                    pids = socket_inode_pids(ino)
                    if len(pids) == 1:
                        return pids[0]
        time.sleep(0.02)
    raise LookupError("no single process holds %d<-%d"
                      % (server_port, client_port))


def conn_owner_by_remote(remote_port, timeout=5.0):
    """The pid holding a client socket connected to remote_port (e.g. the
    winnowd child talking to the downstream sink).  Returns the list of
    (pid, local_port) for every such connection."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        res = []
        for fam in (socket.AF_INET, socket.AF_INET6):
            for lp, rp, st, ino in _proc_net(fam):
                if rp == remote_port and st == TCP_ESTABLISHED and ino:
                    for pid in socket_inode_pids(ino):
                        res.append((pid, lp))
        if res:
            return res
        time.sleep(0.02)
    raise LookupError("no process connected to port %d" % remote_port)


def children_of(ppid):
    """Pids whose parent is ppid."""
    res = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                st = f.read()
        except OSError:
            continue
        # pid (comm) state ppid ...; comm may contain spaces or parens
        rest = st[st.rfind(")") + 2:].split()
        if int(rest[1]) == ppid:
            res.append(int(d))
    return sorted(res)


def pid_alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            st = f.read()
    except OSError:
        return False
    return st[st.rfind(")") + 2:].split()[0] != "Z"

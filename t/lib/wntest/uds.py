"""winnow-udsd, a Redis of its own, and the UDS wire format for tests.

Udsd(workdir, port, ...) writes winnow-udsd.conf and runs winnow-udsd -f;
Redis(workdir, port) runs redis-server on 127.0.0.1 with no persistence;
keygen(workdir, name) makes a key file and a clients file with
"winnowctl uds keygen".  pack_*/unpack_reply speak uds/uds_wire.h for
datagrams the C code would never send (spoofed, truncated, replayed).
Every process is stopped by its own pid.
"""

import hashlib
import os
import re
import socket
import struct
import subprocess
import time

from . import procs

UDSD = os.path.join(procs.TOP, "build", "winnow-udsd")
WINNOWCTL = os.path.join(procs.TOP, "build", "winnowctl")
REDIS = "/usr/bin/redis-server"

OP_CHECK, OP_ADD, OP_DELETE, OP_HAM, OP_STATS, OP_PING = 1, 2, 3, 4, 5, 6
ST = {0: "ok", 1: "denied", 2: "rate", 3: "bad", 4: "unavailable",
      5: "version"}


def keygen(workdir, name, like=None):
    """A key file for client name (hash_key from like, else new) and the
    line for the clients file; returns (key_path, clients_line)."""
    argv = [WINNOWCTL, "uds", "keygen", "-C", name]
    if like:
        argv += ["-k", like]
    out = subprocess.run(argv, stdout=subprocess.PIPE, check=True,
                         timeout=20).stdout.decode()
    path = os.path.join(workdir, "%s.key" % name)
    with open(path, "w") as f:
        f.write(out)
    os.chmod(path, 0o600)
    line = [ln[2:] for ln in out.splitlines() if ln.startswith("# %s " %
                                                               name)][0]
    return path, line


def secret_of(key_path):
    with open(key_path) as f:
        return bytes.fromhex(re.search(r"^secret = (\w+)", f.read(),
                                       re.M).group(1))


class Udsd:
    """winnow-udsd -f -c FILE with its log in a file."""

    def __init__(self, workdir, port, clients=(), **params):
        self.dir = workdir
        os.makedirs(self.dir, exist_ok=True)
        self.port = port
        self.conf_path = os.path.join(self.dir, "winnow-udsd.conf")
        self.log_path = os.path.join(self.dir, "winnow-udsd.log")
        self.clients_path = os.path.join(self.dir, "clients")
        self.write_clients(clients)
        self.params = {"listen": "127.0.0.1:%d [::1]:%d" % (port, port),
                       "lmdb_path": os.path.join(self.dir, "uds.lmdb"),
                       "lmdb_size": "64M",
                       "clients_file": self.clients_path,
                       "allow": "127.0.0.0/8 ::1"}
        self.params.update(params)
        self.write_config()
        self.proc = None

    def write_clients(self, lines):
        with open(self.clients_path, "w") as f:
            f.write("".join(ln + "\n" for ln in lines))
        os.chmod(self.clients_path, 0o600)

    def write_config(self):
        with open(self.conf_path, "w") as f:
            f.write("[udsd]\n" + "".join("%s = %s\n" % kv
                                         for kv in self.params.items()))

    def start(self):
        self.logf = open(self.log_path, "ab")
        self.proc = subprocess.Popen([UDSD, "-f", "-c", self.conf_path],
                                     stdin=subprocess.DEVNULL,
                                     stdout=self.logf,
                                     stderr=subprocess.STDOUT)
        self.wait_log(r"serving from")
        return self

    def log(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def wait_log(self, pattern, timeout=10.0, count=1):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if len(re.findall(pattern, self.log())) >= count:
                return
            if self.proc.poll() is not None:
                raise AssertionError("winnow-udsd exited %r:\n%s"
                                     % (self.proc.returncode, self.log()))
            time.sleep(0.05)
        raise AssertionError("no %r in the log:\n%s" % (pattern, self.log()))

    def stop(self):
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else None
        self.proc.terminate()
        try:
            rc = self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait(5)
        self.logf.close()
        return rc


class Redis:
    """redis-server on 127.0.0.1:port, nothing saved."""

    def __init__(self, workdir, port):
        self.dir = workdir
        os.makedirs(self.dir, exist_ok=True)
        self.port = port
        self.proc = None

    def start(self):
        self.logf = open(os.path.join(self.dir, "redis.log"), "ab")
        self.proc = subprocess.Popen(
            [REDIS, "--port", str(self.port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no", "--dir", self.dir],
            stdin=subprocess.DEVNULL, stdout=self.logf,
            stderr=subprocess.STDOUT)
        end = time.monotonic() + 10
        while time.monotonic() < end:
            try:
                socket.create_connection(("127.0.0.1", self.port), 0.2) \
                    .close()
                return self
            except OSError:
                time.sleep(0.05)
        raise AssertionError("redis-server did not start")

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)
            self.logf.close()


def header(op, rid, version=1):
    return b"WU" + bytes([version, op]) + struct.pack(">I", rid)


def item(kind, digest, shingles=()):
    return (bytes([kind, len(shingles)]) + digest +
            b"".join(struct.pack(">Q", s) for s in shingles))


def pack_check(rid, items):
    return header(OP_CHECK, rid) + bytes([len(items)]) + b"".join(items)


def pack_write(op, rid, items, client, secret, weight=1, flag=0, when=None):
    body = (header(op, rid) + bytes([flag]) + struct.pack(">H", weight) +
            bytes([len(items)]) + b"".join(items) +
            bytes([len(client)]) + client.encode() +
            struct.pack(">I", int(time.time() if when is None else when)))
    mac = hashlib.blake2b(body, key=secret, digest_size=16).digest()
    return body + mac


def unpack_reply(data):
    """(op, id, status name, [(result, votes, count, hits)])."""
    op, rid = data[3] & 0x7f, struct.unpack(">I", data[4:8])[0]
    st = ST[data[8]]
    items = []
    if st == "ok" and op in (OP_CHECK, OP_ADD, OP_DELETE, OP_HAM):
        for i in range(data[9]):
            r = data[10 + 12 * i:22 + 12 * i]
            items.append((r[0], r[1], struct.unpack(">I", r[4:8])[0],
                          struct.unpack(">I", r[8:12])[0]))
    return op, rid, st, items


def ask(port, data, host="127.0.0.1", timeout=1.0, source=None):
    """Send one datagram; the reply bytes or None."""
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_DGRAM)
    try:
        if source:
            s.bind((source, 0))
        s.settimeout(timeout)
        s.sendto(data, (host, port))
        try:
            return s.recv(2048)
        except socket.timeout:
            return None
    finally:
        s.close()

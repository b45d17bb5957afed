"""The test DNS servers of t/dns for end-to-end tests: unbound with the
test zones (t/dns/run-unbound) and the misbehaving fakes
(t/dns/run-fake).  They listen on 127.0.0.1 only, on the integration
suite's DNS ports 15360-15389, and are stopped by their pid (run-unbound
stop DIR / run-fake stop PID); their own watchdogs end them in case a test
run dies.  See t/dns/README.md for what the zones hold."""

import os
import re
import subprocess

from . import procs

DNS_PORT_MIN = 15360
DNS_PORT_MAX = 15389
RUN_UNBOUND = os.path.join(procs.TOP, "t", "dns", "run-unbound")
RUN_FAKE = os.path.join(procs.TOP, "t", "dns", "run-fake")


def _run(argv, timeout=30):
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       stdin=subprocess.DEVNULL, timeout=timeout)
    out = p.stdout.decode("utf-8", "replace")
    err = p.stderr.decode("utf-8", "replace")
    if p.returncode != 0:
        raise RuntimeError("%s failed (%d): %s%s" % (" ".join(argv),
                                                     p.returncode, out, err))
    return out


def _field(out, name):
    m = re.search(r"\b%s=(\S+)" % name, out)
    if not m:
        raise RuntimeError("no %s= in %r" % (name, out))
    return m.group(1)


class Unbound:
    """unbound serving t/dns/zones.conf on 127.0.0.1:port."""

    def __init__(self, port, workdir, lifetime=900):
        self.port = port
        self.dir = workdir
        self.lifetime = lifetime
        self.pid = None

    def start(self):
        os.makedirs(self.dir, exist_ok=True)
        out = _run([RUN_UNBOUND, "start", "-p", str(self.port), "-d",
                    self.dir, "-t", str(self.lifetime)])
        self.pid = int(_field(out, "pid"))
        return self

    def stop(self):
        if self.pid is not None:
            _run([RUN_UNBOUND, "stop", self.dir])
            self.pid = None

    def log(self):
        try:
            with open(os.path.join(self.dir, "unbound.log"), "rb") as f:
                return f.read().decode("utf-8", "replace")
        except FileNotFoundError:
            return ""

    @property
    def resolver(self):
        return "127.0.0.1:%d" % self.port


class FakeDNS:
    """t/dns/fakedns.py in one MODE (silent, garbage, refused, ...)."""

    def __init__(self, mode, port, lifetime=900):
        self.mode = mode
        self.port = port
        self.lifetime = lifetime
        self.pid = None

    def start(self):
        out = _run([RUN_FAKE, "start", self.mode, str(self.port),
                    str(self.lifetime)])
        self.pid = int(_field(out, "pid"))
        return self

    def stop(self):
        if self.pid is not None:
            _run([RUN_FAKE, "stop", str(self.pid)])
            self.pid = None

    @property
    def resolver(self):
        return "127.0.0.1:%d" % self.port

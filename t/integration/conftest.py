"""Fixtures for winnowd's integration tests against real peers on loopback.

    workdir          a fresh directory for the test (mode 0755: winnowd's
                     children run as the unprivileged user and must reach
                     their spool and sockets)
    ports()          a fresh TCP port in 21000-21999 on every call
    winnowd(...)     start build/winnowd -f -c FILE with a generated config;
                     stopped with SIGTERM by pid at the end, which must exit 0
    pysink(...)      the Python downstream (wntest.sink.PySink)
    smtpsink(...)    Postfix's smtp-sink with -d dumps and fault options
    postfix(...)     a whole Postfix instance of our own (root only)
    relay(...)       a PySink plus a winnowd forwarding to it

On a failure the logs of everything the test started are printed.
"""

import os
import shutil
import signal
import sys
import tempfile
import time

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))

from wntest import net, procs          # noqa: E402
from wntest.sink import PySink         # noqa: E402


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    setattr(item, "rep_" + rep.when, rep)


TEST_TIMEOUT = int(os.environ.get("WINNOW_ITEST_TIMEOUT", "120"))


def pytest_configure(config):
    config.addinivalue_line("markers", "timeout(seconds): per-test limit "
                            "(default %d s)" % TEST_TIMEOUT)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    """A hung test fails alone after its time limit instead of blocking
    the suite (SIGALRM in the main thread; covers setup and teardown)."""
    m = item.get_closest_marker("timeout")
    limit = m.args[0] if m else TEST_TIMEOUT

    def expire(sig, frame):
        raise TimeoutError("test exceeded its %d s time limit" % limit)
    old = signal.signal(signal.SIGALRM, expire)
    signal.alarm(limit)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def _failed(request):
    for when in ("setup", "call"):
        rep = getattr(request.node, "rep_" + when, None)
        if rep is not None and rep.failed:
            return True
    return False


@pytest.fixture(scope="session")
def itest_root():
    if not os.path.exists(procs.WINNOWD):
        pytest.exit("%s is missing: run make first" % procs.WINNOWD, 2)
    root = tempfile.mkdtemp(prefix="winnow-itest-")
    os.chmod(root, 0o755)
    state = {"failed": False}
    yield root, state
    if state["failed"] or os.environ.get("WINNOW_ITEST_KEEP"):
        sys.stderr.write("\nintegration work files kept in %s\n" % root)
    else:
        shutil.rmtree(root, ignore_errors=True)


_allocator = net.PortAllocator()


@pytest.fixture
def ports():
    return _allocator


@pytest.fixture
def workdir(request, itest_root):
    root, state = itest_root
    name = request.node.name.replace("/", "_").replace("[", "-") \
        .replace("]", "")[:24]
    d = tempfile.mkdtemp(prefix=name + ".", dir=root)
    os.chmod(d, 0o755)
    yield d
    if _failed(request):
        state["failed"] = True


@pytest.fixture
def winnowd(request, workdir, ports):
    started = []

    def make(forward=None, port=None, start=True, sub="winnowd", **kw):
        port = port or ports()
        w = procs.Winnowd(os.path.join(workdir, "%s%d" % (sub, len(started))),
                          port=port, forward=forward, **kw)
        started.append(w)
        if start:
            w.start()
        return w

    yield make
    problems = []
    for w in started:
        if w.proc is None:
            continue
        alive = w.proc.poll() is None
        kids = w.children() if alive else []
        rc = w.stop()
        if alive and rc != 0:
            problems.append("winnowd (pid %d) exited %r after SIGTERM"
                            % (w.pid, rc))
        for _ in range(100):
            left = [k for k in kids if net.pid_alive(k)]
            if not left:
                break
            time.sleep(0.02)
        if left:
            problems.append("children %r outlived the master" % left)
        if "panic:" in w.log():
            problems.append("winnowd logged a panic")
        spool = w.conf.get("spool_dir")
        # A master killed with SIGKILL leaves its live file's memory in
        # /dev/shm for the next start to write and free: no next start
        # here, so free it (a clean stop did already).
        live = os.path.join(spool or "", "stats", "live")
        if os.path.islink(live):
            target = os.readlink(live)
            if target.startswith("/dev/shm/winnowd-live.") and \
                    os.path.exists(target):
                os.unlink(target)
        # spool_dir/outq holds DSNs and notifications until they are sent;
        # spool_dir/stats the statistics (they stay)
        outq = os.path.join(spool or "", "outq")
        left = [f for f in (os.listdir(spool) if spool and
                            os.path.isdir(spool) else [])
                if f != "stats" and (f != "outq" or os.listdir(outq))]
        if left:
            problems.append("files left in the spool: %r (outq: %r)"
                            % (left, os.listdir(outq)
                               if os.path.isdir(outq) else None))
        if _failed(request) or problems:
            print("\n--- %s\n%s" % (w.log_path, w.log()[-6000:]))
    assert not problems, problems


@pytest.fixture
def pysink(request, ports):
    sinks = []

    def make(port=None, **kw):
        if "unix" not in kw:
            kw.setdefault("port", port or ports())
        s = PySink(**kw).start()
        sinks.append(s)
        return s

    yield make
    for s in sinks:
        s.stop()
    errs = [e for s in sinks for e in s.errors]
    if _failed(request):
        for s in sinks:
            print("\n--- pysink %s: %d sessions, txns %r"
                  % (s.port or s.unix, len(s.sessions), s.txns))
    assert not errs, "sink errors: %r" % errs


@pytest.fixture
def smtpsink(request, workdir, ports):
    sinks = []

    def make(opts=(), port=None, lmtp=False, host="127.0.0.1"):
        s = procs.SmtpSink(os.path.join(workdir, "smtp-sink%d" % len(sinks)),
                           port or ports(), opts=opts, lmtp=lmtp, host=host)
        sinks.append(s)
        return s.start()

    yield make
    for s in sinks:
        s.stop()


@pytest.fixture
def postfix(request, workdir, ports):
    if os.geteuid() != 0:
        pytest.skip("a Postfix instance needs root")
    insts = []

    def make(filter_port, relay_port, filter_proto="smtp", start=True, **kw):
        p = procs.Postfix(os.path.join(workdir, "pf%d" % len(insts)),
                          ports(), ports(), filter_port, relay_port,
                          filter_proto=filter_proto, **kw)
        insts.append(p)
        if start:
            p.start()
        return p

    yield make
    for p in insts:
        p.stop()
        if _failed(request):
            print("\n--- %s\n%s" % (p.maillog, p.log()[-8000:]))


@pytest.fixture
def relay(winnowd, pysink):
    """relay(sink={...PySink kwargs}, **winnowd kwargs) -> (winnowd, sink)"""
    def make(sink=None, forward_protocol=None, **kw):
        sk = dict(sink or {})
        s = pysink(**sk)
        server = dict(kw.pop("server", {}) or {})
        if sk.get("lmtp"):
            server.setdefault("forward_protocol", "lmtp")
        if forward_protocol:
            server["forward_protocol"] = forward_protocol
        fwd = "unix:%s" % s.unix if s.unix else "tcp:127.0.0.1:%d" % s.port
        w = winnowd(forward=fwd, server=server, **kw)
        return w, s
    return make

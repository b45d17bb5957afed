"""What winnowd itself keeps - a quarantined message, a DSN it owes - and
its own spool, when the disk is full or the file system fails (rows D5-D7
of the fault matrix, anchors-reliability.md section 8).

Pass criteria: a 250 for a message winnowd keeps is said only after its
file and directory are fsync'd, so the entry survives a SIGKILL right
after the answer; a full disk gives 452 4.3.1 at MAIL below spool_reserve
and 451 4.3.0 mid-DATA, never 250 and never 5xx, and mail flows again
without a restart once space returns; an fsync or rename that fails
(EIO, from the LD_PRELOAD shim t/shim/faultio.c) gives 451, leaves no
entry behind and is logged once per message.

The full disk is a real tmpfs with size= mounted in the test's work
directory (root, as the whole suite) and unmounted at its end."""

import os
import re
import signal
import subprocess

import pytest

from wntest import net, procs
from wntest.smtp import Client, make_message, wait_until

SHIM = os.path.join(procs.TOP, "build", "t", "shim", "faultio.so")
QUAR_POLICY = {"blacklist": "spammer@bad.test",
               "blacklisted.action": "quarantine"}


def send(w, msg, rcpts=("r@example.com",), sender="spammer@bad.test"):
    with Client(w.port) as c:
        c.ehlo()
        r = c.xfer(sender, list(rcpts), msg)
        c.quit()
    return r


def entries(qdir):
    return sorted(f for f in os.listdir(qdir) if not f.startswith("."))


def kill_all(w):
    pids = [w.pid] + w.children()
    for p in pids:
        try:
            os.kill(p, signal.SIGKILL)
        except ProcessLookupError:
            pass
    w.proc.wait()
    for p in pids:
        wait_until(lambda: not net.pid_alive(p), 5, what="pid %d gone" % p)


# ------------------------------------------------------------------- D5

def _strace(pid, out):
    p = subprocess.Popen(
        ["strace", "-f", "-qq", "-yy", "-s", "48", "-o", out, "-e",
         "trace=fsync,fdatasync,rename,renameat,renameat2,write,writev,"
         "sendto,sendmsg", "-p", str(pid)],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL)
    wait_until(lambda: _traced(pid), 10, what="strace attached")
    return p


def _traced(pid):
    with open("/proc/%d/status" % pid) as f:
        return re.search(r"^TracerPid:\s+[1-9]", f.read(), re.M)


def test_D5_quarantine_durable_before_250_and_after_sigkill(relay, workdir):
    """The child's system calls, traced: the message file and the info
    file are each fsync'd before their rename, the directory after them,
    and only then is "250" written to the client.  Killing every winnowd
    process right after the 250 leaves the whole entry in place."""
    qdir = procs.owned_dir(os.path.join(workdir, "quar"))
    w, sink = relay(policy=dict(QUAR_POLICY, quarantine_dir=qdir),
                    server={"start_children": "1", "max_children": "1",
                            "min_spare": "1", "max_spare": "1"})
    child, = w.wait_children(1)
    trace = os.path.join(workdir, "strace.out")
    st = _strace(child, trace)
    try:
        tok, msg = make_message()
        r = send(w, msg)
        kill_all(w)
    finally:
        st.terminate()
        st.wait(10)
    assert r["final"].code == 250 and "quarantine" in r["final"].text, r
    names = entries(qdir)
    assert len(names) == 2 and names[0].endswith(".eml") and \
        names[1].endswith(".json"), names
    with open(os.path.join(qdir, names[0]), "rb") as f:
        assert f.read().endswith(msg)
    calls = open(trace).read().splitlines()

    def first(rx):
        for i, line in enumerate(calls):
            if re.search(rx, line):
                return i
        raise AssertionError("no %r in the trace:\n%s" % (
            rx, "\n".join(calls[-40:])))
    q = re.escape(qdir)
    eml_sync = first(r"fsync\(\d+<%s/[^>]*\.eml\.tmp>" % q)
    eml_ren = first(r"rename(at2?)?\(.*%s/[^\"]*\.eml\"" % q)
    json_sync = first(r"fsync\(\d+<%s/[^>]*\.json\.tmp>" % q)
    json_ren = first(r"rename(at2?)?\(.*%s/[^\"]*\.json\"" % q)
    dir_sync = first(r"fsync\(\d+<%s>" % q)
    reply = first(r"(write|sendto|writev|sendmsg)\(\d+<TCP.*:%d->.*"
                  r"\"250 2\.0\.0 Ok: filtered" % w.port)
    assert eml_sync < eml_ren < json_sync < json_ren < dir_sync < reply, (
        eml_sync, eml_ren, json_sync, json_ren, dir_sync, reply)
    assert sink.txns == []


# ------------------------------------------------------------------- D6

@pytest.fixture
def tmpfs(workdir):
    """tmpfs(size) -> a fresh mount point in the work directory."""
    mounts = []

    def make(size):
        d = os.path.join(workdir, "fs%d" % len(mounts))
        os.makedirs(d)
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=%s,mode=755"
                        % size, "winnow-itest", d], check=True)
        mounts.append(d)
        return d
    yield make
    for d in mounts:
        subprocess.run(["umount", "-l", d], check=False)


def _fill(path, free_left):
    """A filler file that leaves about free_left bytes free."""
    filler = os.path.join(path, "filler")
    if os.path.exists(filler):
        os.unlink(filler)
    st = os.statvfs(path)
    size = st.f_bavail * st.f_frsize - free_left
    with open(filler, "wb") as f:
        f.truncate(0)
        chunk = b"\0" * (1 << 20)
        while size > 0:
            n = min(size, len(chunk))
            f.write(chunk[:n])
            size -= n
    return filler


def test_D6_disk_full_spool_then_space_returns(tmpfs, relay):
    """spool_dir on an 8 MB tmpfs.  Below spool_reserve: 452 4.3.1 at
    MAIL.  Above it but too little for the message: 451 4.3.0 at the end
    of DATA.  Nothing goes downstream for either, and once the space is
    back the same message is delivered by the same winnowd."""
    fs = tmpfs("8m")
    spool = procs.owned_dir(os.path.join(fs, "spool"))
    w, sink = relay(server={"spool_dir": spool, "spool_memory_limit": "0",
                            "spool_reserve": "1M",
                            "message_size_limit": "20M"})
    tok, msg = make_message(size=3 << 20)
    filler = _fill(fs, 512 << 10)
    with Client(w.port) as c:
        c.ehlo()
        r = c.cmd("MAIL FROM:<s@example.org>")
        assert r.code == 452 and "4.3.1" in r.text, r
    _fill(fs, 1536 << 10)
    with Client(w.port) as c:
        c.ehlo()
        r = c.xfer("s@example.org", ["r@example.com"], msg)
    assert r["mail"].code == 250, r
    assert r["final"].code == 451 and "4.3.0" in r["final"].text, r
    assert sink.txns == []
    os.unlink(filler)
    with Client(w.port) as c:
        c.ehlo()
        r = c.xfer("s@example.org", ["r@example.com"], msg)
    assert r["final"].code == 250, r
    assert len(sink.delivered()) == 1 and sink.delivered()[0].data.endswith(
        msg)
    assert "No space left on device" in w.log()


def test_D6_disk_full_quarantine_is_4xx_then_kept_once(tmpfs, relay):
    """quarantine_dir on a full tmpfs: the message to be quarantined gets
    4xx (never 250, never 5xx) and nothing is left half-written; with
    space again the retry is quarantined once."""
    fs = tmpfs("4m")
    qdir = procs.owned_dir(os.path.join(fs, "quar"))
    w, sink = relay(policy=dict(QUAR_POLICY, quarantine_dir=qdir))
    tok, msg = make_message(size=1 << 20)
    filler = _fill(fs, 256 << 10)
    r = send(w, msg)
    assert r["final"].code // 100 == 4, r
    assert entries(qdir) == [], entries(qdir)
    assert "No space left on device" in w.log()
    os.unlink(filler)
    r = send(w, msg)
    assert r["final"].code == 250 and "quarantine" in r["final"].text, r
    assert len(entries(qdir)) == 2, entries(qdir)
    assert sink.txns == []


# ------------------------------------------------------------------- D7

@pytest.fixture
def faulty(relay, workdir):
    """faulty(ops, path, **relay kw) -> (winnowd, sink, switch, log): a
    relay whose winnowd runs with the fault shim preloaded; the fault is
    on while the switch file exists (it does at the start)."""
    if not os.path.exists(SHIM):
        pytest.fail("%s is missing: make %s" % (SHIM, os.path.relpath(
            SHIM, procs.TOP)))

    def make(ops, path, **kw):
        switch = os.path.join(workdir, "fault-on")
        log = os.path.join(workdir, "faults.log")
        open(switch, "w").close()
        open(log, "w").close()
        os.chmod(log, 0o666)
        env = {"LD_PRELOAD": SHIM, "WINNOW_FAULT_OPS": ops,
               "WINNOW_FAULT_PATH": path, "WINNOW_FAULT_ERRNO": "EIO",
               "WINNOW_FAULT_SWITCH": switch, "WINNOW_FAULT_LOG": log}
        w, sink = relay(env=env, **kw)
        return w, sink, switch, log
    return make


def _qid(reply):
    m = re.search(r"\(([0-9A-F]{10,})\)|as ([0-9A-F]{10,})", reply.text)
    return m and (m.group(1) or m.group(2))


@pytest.mark.parametrize("ops", ["fsync", "rename"])
def test_D7_quarantine_eio_is_451_logged_once_then_recovers(faulty, workdir,
                                                             ops):
    """fsync (of the files or the directory) or rename of the quarantine
    fails with EIO: 451, no entry left, one log line for the message;
    with the fault gone the retry is quarantined once."""
    qdir = procs.owned_dir(os.path.join(workdir, "quar"))
    w, sink, switch, log = faulty(ops, qdir, policy=dict(
        QUAR_POLICY, quarantine_dir=qdir))
    tok, msg = make_message()
    r = send(w, msg)
    assert r["final"].code == 451, r
    assert open(log).read().count(" %s " % ops) >= 1, "no fault injected"
    assert entries(qdir) == [], entries(qdir)
    qid = _qid(r["final"])
    assert qid, r
    lines = [l for l in w.log().splitlines() if qid in l and
             "Input/output error" in l]
    assert len(lines) == 1, lines
    os.unlink(switch)
    r = send(w, msg)
    assert r["final"].code == 250 and "quarantine" in r["final"].text, r
    assert len(entries(qdir)) == 2
    assert sink.txns == []


def test_D7_dsn_store_eio_defers_the_message(faulty, workdir):
    """The DSN owed for a recipient refused downstream cannot be made
    durable in spool_dir/outq (fsync EIO): no 250 - the upstream keeps
    the message (4xx) and nothing is delivered; without the fault the
    retry gets 250 and the DSN."""
    def rcpt(s, t, addr, arg):
        return "550 5.1.1 no such user" if addr.startswith("bad@") else None
    w, sink, switch, log = faulty("fsync,rename", "/outq", sink={
        "hooks": {"rcpt": rcpt}})
    tok, msg = make_message()
    r = send(w, msg, rcpts=["ok@example.com", "bad@example.com"],
             sender="author@example.org")
    assert r["final"].code // 100 == 4 and "DSN" in r["final"].text, r
    assert open(log).read(), "no fault injected"
    assert not sink.completed()
    os.unlink(switch)
    r = send(w, msg, rcpts=["ok@example.com", "bad@example.com"],
             sender="author@example.org")
    assert r["final"].code == 250 and "DSN sent" in r["final"].text, r
    sink.wait(lambda: len(sink.completed()) == 2, 10, "message + DSN")

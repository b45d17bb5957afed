"""Exim 4 (Debian's exim4-daemon-light) in front of winnowd.

The Exim binary comes from Debian's packages, unpacked by scripts/fetch-exim
(the system MTA here is Postfix).  Each test runs its own Exim on loopback
with a configuration of its own: a plain exim.conf with a local maildir,
into which scripts/winnow-mta-setup puts the winnow router and transport,
exactly as an admin would.  Exim runs as root with -C, and a configuration
given with -C is trusted only by root: so the Exim daemon only receives
(queue_only) and the tests deliver with root queue runs (exim -qff), which
is the same router/transport code path as an immediate delivery.

    test client --SMTP--> Exim :P --router winnow--> lmtp transport
        --> winnow-pipe (stdin/stdout) --LMTP--> winnowd
        --SMTP--> Exim :R (from 127.0.0.1: the router lets it by)
        --> maildir

Ports: 24000-24999 (this file's own allocator).
"""

import glob
import os
import pwd
import re
import socket
import subprocess
import threading
import time

import pytest

from wntest import net, procs
from wntest.smtp import Client

TOP = procs.TOP
PIPE = os.path.join(TOP, "build", "winnow-pipe")
SETUP = os.path.join(TOP, "scripts", "winnow-mta-setup")
FETCH = os.path.join(TOP, "scripts", "fetch-exim")

_alloc = net.PortAllocator(24000, 24999)


@pytest.fixture
def ports():
    """This file's ports: 24000-24999."""
    return _alloc


@pytest.fixture(scope="session")
def exim_bin():
    if os.geteuid() != 0:
        pytest.skip("Exim with a configuration of our own (-C) needs root")
    assert os.path.exists(PIPE), "%s is missing: run make first" % PIPE
    p = subprocess.run([FETCH], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=600)
    out = p.stdout.decode("utf-8", "replace")
    assert p.returncode == 0, "scripts/fetch-exim failed:\n" + out
    return out.strip().splitlines()[-1]


BASE_CONF = """\
# The admin's configuration before winnow: receive on {port}, deliver
# local mail to one maildir (Envelope-to: says for whom).
exim_path = {exim}
primary_hostname = exim.itest.invalid
qualify_domain = itest.invalid
domainlist local_domains = itest.invalid
spool_directory = {dir}/spool
log_file_path = {dir}/log/%slog
pid_file_path = {dir}/exim.pid
daemon_smtp_ports = {port}
local_interfaces = 127.0.0.1
queue_only = true
tls_advertise_hosts =
host_lookup =
rfc1413_hosts =
keep_environment =
notifier_socket =
acl_smtp_rcpt = acl_check_rcpt
log_selector = +all -arguments
{extra}

begin acl

acl_check_rcpt:
  # local SMTP (exim -bs), as in Debian's default configuration
  accept  hosts = :
  deny    local_parts = refused-downstream
          condition = ${{if eq{{$received_port}}{{{rport}}}}}
          message = 550 5.1.1 refused by the after-filter Exim
  accept  hosts = 127.0.0.1
  deny

begin routers

local_maildir:
  driver = accept
  domains = +local_domains
  transport = maildir

begin transports

maildir:
  driver = appendfile
  directory = {dir}/Maildir
  maildir_format
  create_directory
  delivery_date_add
  envelope_to_add
  return_path_add
  user = winnow

begin retry

*  *  F,1h,1m
"""


class Exim:
    """One Exim of our own: its configuration, spool and log in workdir."""

    def __init__(self, exim, workdir, port, rport, extra="",
                 owner="Debian-exim"):
        self.exim = exim
        self.dir = os.path.join(workdir, "exim")
        self.port = port
        self.rport = rport
        self.conf = os.path.join(self.dir, "exim.conf")
        self.proc = None
        ex = pwd.getpwnam(owner)
        wn = pwd.getpwnam("winnow")
        for d, who in (("", None), ("spool", ex), ("log", ex),
                       ("Maildir", wn)):
            path = os.path.join(self.dir, d)
            os.makedirs(path, exist_ok=True)
            os.chmod(path, 0o755)
            if who:
                os.chown(path, who.pw_uid, who.pw_gid)
        with open(self.conf, "w") as f:
            f.write(BASE_CONF.format(exim=exim, dir=self.dir, port=port,
                                     rport=rport, extra=extra))

    def setup(self, *args):
        """Run winnow-mta-setup on our exim.conf."""
        p = subprocess.run([SETUP, "exim", "--config-file", self.conf,
                            "--exim", self.exim, "--reinject-port",
                            str(self.rport)] + list(args),
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           timeout=60)
        out = p.stdout.decode("utf-8", "replace")
        assert p.returncode == 0, "winnow-mta-setup failed:\n" + out
        return out

    def start(self):
        self.logf = open(os.path.join(self.dir, "exim.out"), "ab")
        self.proc = subprocess.Popen([self.exim, "-C", self.conf, "-bdf"],
                                     stdin=subprocess.DEVNULL,
                                     stdout=self.logf,
                                     stderr=subprocess.STDOUT)
        net.wait_listening(self.port, proc=self.proc)
        net.wait_listening(self.rport, proc=self.proc)
        return self

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc:
            self.logf.close()

    def run(self, *args, timeout=60):
        p = subprocess.run([self.exim, "-C", self.conf] + list(args),
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           timeout=timeout)
        return p.returncode, p.stdout.decode("utf-8", "replace")

    def queue_run(self):
        return self.run("-qff")

    def queue_count(self):
        rc, out = self.run("-bpc")
        return int(out.strip())

    def mainlog(self):
        try:
            with open(os.path.join(self.dir, "log", "mainlog"), "rb") as f:
                return f.read().decode("utf-8", "replace")
        except FileNotFoundError:
            return ""

    def maildir(self):
        """The delivered messages, as bytes, oldest first."""
        files = glob.glob(os.path.join(self.dir, "Maildir", "new", "*"))
        out = []
        for path in sorted(files, key=os.path.getmtime):
            with open(path, "rb") as f:
                out.append(f.read())
        return out

    def deliver_until(self, pred, timeout=30.0, what="delivery"):
        """Queue runs (as root) until pred() holds."""
        end = time.monotonic() + timeout
        while True:
            self.queue_run()
            if pred():
                return
            if time.monotonic() > end:
                raise TimeoutError("%s did not happen in %.0fs\n--- mainlog:"
                                   "\n%s" % (what, timeout,
                                             self.mainlog()[-5000:]))
            time.sleep(0.3)


@pytest.fixture
def exim(request, exim_bin, workdir, ports):
    started = []

    def make(extra="", owner="Debian-exim"):
        e = Exim(exim_bin, workdir, ports(), ports(), extra=extra,
                 owner=owner)
        started.append(e)
        return e

    yield make
    failed = any(getattr(request.node, "rep_" + w, None) is not None and
                 getattr(request.node, "rep_" + w).failed
                 for w in ("setup", "call"))
    for e in started:
        e.stop()
        if failed:
            print("\n--- exim mainlog\n%s" % e.mainlog()[-8000:])
            for extra in ("pipe.log",):
                p = os.path.join(os.path.dirname(e.dir), extra)
                if os.path.exists(p):
                    print("\n--- %s\n%s" % (p, open(p).read()[-4000:]))


def pipe_wrapper(workdir):
    """winnow-pipe with its log on a file (Exim reads the command's stderr
    as part of the LMTP conversation)."""
    path = os.path.join(workdir, "winnow-pipe.sh")
    log = os.path.join(workdir, "pipe.log")
    with open(path, "w") as f:
        f.write("#!/bin/sh\nexec %s -e -v \"$@\" 2>>%s\n" % (PIPE, log))
    os.chmod(path, 0o755)
    open(log, "a").close()
    wn = pwd.getpwnam("winnow")
    os.chown(log, wn.pw_uid, wn.pw_gid)
    return path, log


def client_conf(wport, **kw):
    c = {"connect_to": "tcp:127.0.0.1:%d" % wport, "connect_timeout": "2s",
         "command_timeout": "10s", "data_timeout": "20s"}
    c.update(kw)
    return c


def filter_setup(exim, winnowd, workdir, on_error="tempfail",
                 start_winnowd=True, policy=None, client=None):
    """Exim with winnow's router and lmtp transport; winnowd (started or
    not) forwarding to Exim's reinjection port."""
    e = exim()
    w = winnowd(forward="tcp:127.0.0.1:%d" % e.rport, start=False,
                policy=policy)
    w.sections["client"] = client_conf(w.port, on_error=on_error,
                                       **(client or {}))
    w.write_config()
    wrapper, log = pipe_wrapper(workdir)
    e.setup("--lmtp", "--pipe", wrapper, "--winnow-conf", w.conf_path)
    e.start()
    if start_winnowd:
        w.start()
    return e, w, log


def submit(port, rcpts, subject="exim test", body="hello through exim\r\n",
           sender="alice@example.org", extra_headers=""):
    msg = ("From: %s\r\nTo: %s\r\nSubject: %s\r\nMessage-ID: <%s@itest>\r\n"
           "%s\r\n%s" % (sender, ", ".join(rcpts), subject,
                         "%x" % time.time_ns(), extra_headers, body))
    with Client(port) as c:
        c.ehlo()
        r = c.xfer(sender, rcpts, msg.encode())
        c.quit()
    assert r["final"] is not None and r["final"].code == 250, r
    return msg


def envelope_to(data):
    m = re.search(rb"^Envelope-to: (\S+)", data, re.M)
    return m.group(1).decode() if m else None


def header_values(data, name):
    hdr = data.split(b"\r\n\r\n", 1)[0] if b"\r\n\r\n" in data else \
        data.split(b"\n\n", 1)[0]
    hdr = re.sub(rb"\r?\n[ \t]+", b" ", hdr)
    return [l.split(b":", 1)[1].strip().decode("utf-8", "replace")
            for l in re.split(rb"\r?\n", hdr)
            if l.lower().startswith(name.lower().encode() + b":")]


def exim_ids(log, rcpt):
    """Exim message ids that were delivered to rcpt through winnow."""
    return re.findall(r"(\S+) [=-]> \S*\s*<?%s>? .*R=winnow T=winnow_pipe"
                      % re.escape(rcpt), log)


# ------------------------------------------------------------------ tests

def test_lmtp_pipe_delivers_once_with_our_headers(exim, winnowd, workdir):
    e, w, _ = filter_setup(exim, winnowd, workdir)
    submit(e.port, ["bob@itest.invalid", "carol@itest.invalid"],
           subject="once")
    e.deliver_until(lambda: len(e.maildir()) >= 2, what="two deliveries")
    # More queue runs deliver nothing more: each recipient got one copy.
    e.queue_run()
    e.queue_run()
    msgs = e.maildir()
    assert sorted(envelope_to(m) for m in msgs) == \
        ["bob@itest.invalid", "carol@itest.invalid"], msgs
    assert e.queue_count() == 0, e.run("-bp")[1]
    for m in msgs:
        rec = header_values(m, "Received")
        ours = [r for r in rec if "by winnow.itest.invalid (winnow) with "
                "LMTP" in r]
        assert len(ours) == 1, rec            # filtered exactly once
        assert header_values(m, "Subject") == ["once"]
        assert not header_values(m, "X-Winnow-Info"), m
    log = e.mainlog()
    # The original went through the winnow router and transport, and the
    # filtered copy came back on the reinjection port and was let by.
    orig = exim_ids(log, "bob@itest.invalid")
    assert len(orig) == 1, log
    assert re.search(r"<= alice@example.org H=\(winnow.itest.invalid\) "
                     r"\[127.0.0.1\]:\d+ I=\[127.0.0.1\]:%d" % e.rport, log)
    assert re.search(r"=> bob <bob@itest.invalid> .*R=local_maildir "
                     r"T=maildir", log), log
    # winnowd saw Exim's message id (--ident) and the client (--client-
    # address) through XFORWARD.
    wlog = w.log()
    assert re.search(r"client=\[127.0.0.1\] .*upstream_id=%s" %
                     re.escape(orig[0]), wlog), wlog


def test_lmtp_answers_each_recipient(exim, winnowd, workdir):
    """winnowd's per-recipient LMTP replies reach Exim: the after-filter
    Exim refuses one recipient, Exim bounces only that one."""
    e, w, _ = filter_setup(exim, winnowd, workdir)
    submit(e.port, ["bob@itest.invalid", "refused-downstream@itest.invalid"])
    e.deliver_until(lambda: "** refused-downstream@itest.invalid" in
                    e.mainlog() and len(e.maildir()) >= 1,
                    what="one delivery and one refusal")
    log = e.mainlog()
    assert re.search(r"\*\* refused-downstream@itest.invalid .*R=winnow "
                     r"T=winnow_pipe.*550 5.1.1 refused by the after-filter",
                     log), log
    assert [envelope_to(m) for m in e.maildir()] == ["bob@itest.invalid"]


def test_on_error_tempfail_defers_then_delivers(exim, winnowd, workdir):
    e, w, log = filter_setup(exim, winnowd, workdir, on_error="tempfail",
                             start_winnowd=False)
    submit(e.port, ["bob@itest.invalid"], subject="deferred")
    e.deliver_until(lambda: "== bob@itest.invalid" in e.mainlog(),
                    what="a deferral")
    assert re.search(r"== bob@itest.invalid R=winnow T=winnow_pipe defer "
                     r".*451 4.3.0 Content filter unavailable", e.mainlog()), \
        e.mainlog()
    assert e.maildir() == []
    assert e.queue_count() == 1
    assert "on_error = tempfail" in open(log).read()
    # winnowd comes back: the next queue run delivers it, once.
    w.start()
    e.deliver_until(lambda: len(e.maildir()) >= 1, what="the delivery")
    e.queue_run()
    msgs = e.maildir()
    assert len(msgs) == 1
    assert header_values(msgs[0], "Subject") == ["deferred"]
    assert not header_values(msgs[0], "X-Winnow-Info")
    assert e.queue_count() == 0


def test_on_error_reject_bounces(exim, winnowd, workdir):
    e, w, _ = filter_setup(exim, winnowd, workdir, on_error="reject",
                           start_winnowd=False)
    submit(e.port, ["bob@itest.invalid"])
    e.deliver_until(lambda: "** bob@itest.invalid" in e.mainlog(),
                    what="a permanent failure")
    assert re.search(r"\*\* bob@itest.invalid .*R=winnow T=winnow_pipe.*"
                     r"554 5.3.0 Message refused: the content filter is "
                     r"unavailable", e.mainlog()), e.mainlog()
    assert e.maildir() == []


def test_on_error_accept_delivers_unfiltered(exim, winnowd, workdir):
    e, w, _ = filter_setup(exim, winnowd, workdir, on_error="accept",
                           start_winnowd=False)
    submit(e.port, ["bob@itest.invalid", "carol@itest.invalid"],
           extra_headers="X-Winnow-Info: forged by the sender\r\n")
    e.deliver_until(lambda: len(e.maildir()) >= 2, what="two deliveries")
    e.queue_run()
    msgs = e.maildir()
    assert len(msgs) == 2
    for m in msgs:
        assert header_values(m, "X-Winnow-Info") == \
            ["not processed (filter unavailable)"], m
    assert e.queue_count() == 0


def test_over_filter_size_limit_goes_around_winnowd(exim, winnowd, workdir):
    e, w, _ = filter_setup(exim, winnowd, workdir,
                           policy={"filter_size_limit": "2k"})
    submit(e.port, ["bob@itest.invalid"], subject="big",
           body="x" * 70 + "\r\n" * 1 + ("y" * 70 + "\r\n") * 60)
    submit(e.port, ["carol@itest.invalid"], subject="small")
    e.deliver_until(lambda: len(e.maildir()) >= 2, what="two deliveries")
    by = {envelope_to(m): m for m in e.maildir()}
    assert header_values(by["bob@itest.invalid"], "X-Winnow-Info") == \
        ["not scanned (size)"]
    assert not header_values(by["carol@itest.invalid"], "X-Winnow-Info")
    # winnowd saw only the small one
    assert w.log().count(" nrcpt=1 ") == 1, w.log()


def test_pipe_configuration_error_defers_and_says_why(exim, winnowd, workdir):
    """A broken winnow.conf: winnow-pipe prints FILE:LINE: text before
    any greeting, Exim logs it and keeps the message."""
    e = exim()
    w = winnowd(forward="tcp:127.0.0.1:%d" % e.rport)
    bad = os.path.join(workdir, "broken.conf")
    with open(bad, "w") as f:
        f.write("[client]\non_error = sometimes\n")
    e.setup("--lmtp", "--pipe", PIPE, "--winnow-conf", bad)
    e.start()
    submit(e.port, ["bob@itest.invalid"])
    e.deliver_until(lambda: "== bob@itest.invalid" in e.mainlog(),
                    what="a deferral")
    log = e.mainlog()
    assert re.search(r"== bob@itest.invalid R=winnow T=winnow_pipe defer.*"
                     r"winnow-pipe: %s:2: " % re.escape(bad), log), log
    assert e.queue_count() == 1
    assert e.maildir() == []


# ------------------------------------------- reinjection by exec: exim -bs

EXEC_EXTRA = """\
# The test's stand-in for the setuid-root Exim of a real system: a
# configuration given with -C by anyone but root makes Exim give up root,
# and then only its own user may write the spool (Exim chowns every spool
# file to exim_user).  So this Exim's user is winnow, the user winnowd's
# children run as; trusted_users is what a real system needs (the envelope
# sender of an untrusted caller is replaced by the caller's address).
exim_user = winnow
exim_group = winnow
trusted_users = winnow
"""


def test_exec_exim_bs_reinjection_once(exim, winnowd, workdir):
    """forward = exec:EXIM -bs: Exim -> winnow router and lmtp transport
    -> winnow-pipe -> winnowd -> exim -bs run by winnowd's child -> the
    maildir.  Each recipient gets one copy with our headers and the
    original envelope sender, and the router lets the reinjected message
    by (local submission by winnowd's user) instead of filtering it again."""
    e = exim(extra=EXEC_EXTRA, owner="winnow")
    w = winnowd(forward="exec:%s -C %s -bs" % (e.exim, e.conf), start=False)
    assert w.conf["user"] == "winnow", "the Exim above runs as winnow"
    w.sections["client"] = client_conf(w.port)
    w.write_config()
    wrapper, _ = pipe_wrapper(workdir)
    e.setup("--lmtp", "--pipe", wrapper, "--winnow-conf", w.conf_path,
            "--winnowd-user", "winnow")
    e.start()
    w.start()
    submit(e.port, ["bob@itest.invalid", "carol@itest.invalid"],
           subject="by exec")
    e.deliver_until(lambda: len(e.maildir()) >= 2, what="two deliveries")
    e.queue_run()
    e.queue_run()
    msgs = e.maildir()
    assert sorted(envelope_to(m) for m in msgs) == \
        ["bob@itest.invalid", "carol@itest.invalid"], msgs
    assert e.queue_count() == 0, e.run("-bp")[1]
    for m in msgs:
        rec = header_values(m, "Received")
        ours = [r for r in rec if "by winnow.itest.invalid (winnow) with "
                "LMTP" in r]
        assert len(ours) == 1, rec            # filtered exactly once
        assert header_values(m, "Subject") == ["by exec"]
        assert header_values(m, "X-Winnow-Status") == ["not-detected"], m
        # the envelope sender went through; Exim added no Sender:
        assert header_values(m, "Return-path") == ["<alice@example.org>"]
        assert header_values(m, "Sender") == [], m
    log, wlog = e.mainlog(), w.log()
    # Once through the winnow router; then the reinjected copy - local SMTP
    # from winnow - went to the maildir: no loop.  (Exim without root logs
    # to its standard error, which is winnowd's: the <= line is there.)
    assert len(exim_ids(log, "bob@itest.invalid")) == 1, log
    assert log.count(" R=winnow ") == 2, log
    assert len(re.findall(r"<= alice@example.org U=winnow P=local-esmtp ",
                          wlog)) == 1, wlog
    back = re.findall(r"nrcpt=2 .*to=<bob@itest.invalid> .*\"250 2.0.0 OK "
                      r"id=(\S+)\"", wlog)
    assert len(back) == 1, wlog
    for rcpt in ("bob", "carol"):
        assert re.search(r"%s => %s <%s@itest.invalid> .*R=local_maildir "
                         r"T=maildir" % (re.escape(back[0]), rcpt, rcpt),
                         log), log
    # every exim -bs was reaped: no zombies under winnowd's children
    time.sleep(0.3)
    for kid in w.children():
        assert net.children_of(kid) == [], "zombie or stray exim"


# ------------------------------------------------ Exim's smtp transport

class Recorder:
    """A TCP relay that records what the client sends."""

    def __init__(self, port, upstream):
        self.port, self.upstream = port, upstream
        self.sent = b""
        self.lock = threading.Lock()
        self.ls = socket.socket()
        self.ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.ls.bind(("127.0.0.1", port))
        self.ls.listen(8)
        threading.Thread(target=self._accept, daemon=True).start()

    def _pump(self, a, b, record):
        """Copy a to b; at EOF pass on the half-close only (Exim sends
        the final dot and QUIT, then shuts down its sending side, and
        still waits for the replies)."""
        try:
            while True:
                d = a.recv(65536)
                if not d:
                    break
                if record:
                    with self.lock:
                        self.sent += d
                b.sendall(d)
        except OSError:
            pass
        try:
            b.shutdown(socket.SHUT_WR)
        except OSError:
            pass

    def _accept(self):
        while True:
            try:
                c, _ = self.ls.accept()
            except OSError:
                return
            u = socket.create_connection(("127.0.0.1", self.upstream))
            threading.Thread(target=self._pump, args=(c, u, True),
                             daemon=True).start()
            threading.Thread(target=self._pump, args=(u, c, False),
                             daemon=True).start()

    def commands(self):
        with self.lock:
            return [l.split(b" ")[0].upper() for l in self.sent.split(b"\r\n")]

    def close(self):
        self.ls.close()


class ChunkingSink:
    """An SMTP server that offers CHUNKING and takes BDAT: the control
    that shows Exim does use BDAT when it is offered."""

    def __init__(self, port):
        self.cmds = []
        self.ls = socket.socket()
        self.ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.ls.bind(("127.0.0.1", port))
        self.ls.listen(8)
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                c, _ = self.ls.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(c,),
                             daemon=True).start()

    def _serve(self, c):
        f = c.makefile("rb")
        c.sendall(b"220 chunky ESMTP\r\n")
        try:
            while True:
                line = f.readline()
                if not line:
                    return
                cmd = line.strip().split(b" ")
                verb = cmd[0].upper()
                self.cmds.append(verb)
                if verb == b"EHLO":
                    c.sendall(b"250-chunky\r\n250-PIPELINING\r\n"
                              b"250-8BITMIME\r\n250 CHUNKING\r\n")
                elif verb == b"BDAT":
                    f.read(int(cmd[1]))
                    c.sendall(b"250 2.0.0 chunk ok\r\n")
                elif verb == b"DATA":
                    c.sendall(b"354 go\r\n")
                    while f.readline() not in (b".\r\n", b""):
                        pass
                    c.sendall(b"250 2.0.0 ok\r\n")
                elif verb == b"QUIT":
                    c.sendall(b"221 bye\r\n")
                    return
                else:
                    c.sendall(b"250 2.0.0 ok\r\n")
        finally:
            c.close()

    def close(self):
        self.ls.close()


def test_exim_smtp_transport_uses_data_with_winnowd(exim, winnowd, ports):
    """The router + smtp transport pattern: winnowd offers no CHUNKING, so
    Exim (hosts_try_chunking = * by default) sends DATA, and the message
    arrives."""
    e = exim()
    w = winnowd(forward="tcp:127.0.0.1:%d" % e.rport)
    with Client(w.port) as c:
        ehlo = c.ehlo()
        c.quit()
    assert not any("CHUNKING" in l.upper() for l in ehlo.lines), ehlo
    rec = Recorder(ports(), w.port)
    try:
        e.setup("--filter", "127.0.0.1:%d" % rec.port)
        e.start()
        submit(e.port, ["bob@itest.invalid"], subject="over smtp")
        e.deliver_until(lambda: len(e.maildir()) >= 1, what="the delivery")
        cmds = rec.commands()
        assert b"DATA" in cmds and b"BDAT" not in cmds, cmds
        assert re.search(r"=> bob@itest.invalid .*R=winnow T=winnow_smtp "
                         r".*H=127.0.0.1 \[127.0.0.1\]:%d" % rec.port,
                         e.mainlog()), e.mainlog()
        e.queue_run()
        assert len(e.maildir()) == 1 and e.queue_count() == 0
        rec_hdr = header_values(e.maildir()[0], "Received")
        assert any("(winnow) with ESMTP" in r for r in rec_hdr), rec_hdr
    finally:
        rec.close()


def test_exim_sends_bdat_when_chunking_is_offered(exim, ports):
    """The control for the test above: the same Exim set-up against a
    server that offers CHUNKING sends BDAT, so the test above can fail."""
    e = exim()
    sink = ChunkingSink(ports())
    try:
        e.setup("--filter", "127.0.0.1:%d" % sink.ls.getsockname()[1])
        e.start()
        submit(e.port, ["bob@itest.invalid"])
        e.deliver_until(lambda: b"BDAT" in sink.cmds, what="BDAT")
        assert b"DATA" not in sink.cmds, sink.cmds
    finally:
        sink.close()

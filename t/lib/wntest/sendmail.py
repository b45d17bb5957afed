"""A Sendmail instance of our own, for the milter tests.

Debian's sendmail-bin conflicts with postfix, so scripts/fetch-sendmail
unpacks it into build/sendmail (as scripts/fetch-exim does for Exim); this
builds a sendmail.cf with m4 from its cf/ tree - listening on loopback,
INPUT_MAIL_FILTER to winnowd, everything relayed to a sink port - and runs
the daemon in the foreground (-bD) as root with -C.

Sendmail sleeps a minute at start when the host name has no dot ("My
unqualified host name unknown; sleeping for retry"); the daemon therefore
runs in a UTS namespace of its own (unshare --uts) whose host name is
qualified.  Nothing here signals a process it did not start.
"""

import os
import signal
import subprocess
import time

from . import net
from .procs import TOP

FETCH = os.path.join(TOP, "scripts", "fetch-sendmail")

MC = """\
divert(-1)
divert(0)dnl
VERSIONID(`winnow itest')dnl
OSTYPE(`linux')dnl
define(`confDOMAIN_NAME', `{host}')dnl
define(`confDONT_PROBE_INTERFACES', `True')dnl
define(`QUEUE_DIR', `{dir}/queue')dnl
define(`STATUS_FILE', `{dir}/statistics')dnl
define(`confPID_FILE', `{dir}/sendmail.pid')dnl
define(`ALIAS_FILE', `')dnl
define(`HELP_FILE', `')dnl
define(`confSERVICE_SWITCH_FILE', `{dir}/service.switch')dnl
define(`confBIND_OPTS', `-DNSRCH -DEFNAMES')dnl
define(`SMART_HOST', `esmtp:[127.0.0.1]')dnl
define(`RELAY_MAILER_ARGS', `TCP $h {relay}')dnl
define(`ESMTP_MAILER_ARGS', `TCP $h {relay}')dnl
define(`confTO_CONNECT', `5s')dnl
define(`confQUEUE_LA', `100')dnl
define(`confREFUSE_LA', `100')dnl
define(`confMIN_QUEUE_AGE', `0')dnl
FEATURE(`promiscuous_relay')dnl
FEATURE(`accept_unresolvable_domains')dnl
FEATURE(`accept_unqualified_senders')dnl
FEATURE(`nocanonify')dnl
DAEMON_OPTIONS(`Port={port}, Addr=127.0.0.1, Name=MTA')dnl
INPUT_MAIL_FILTER(`winnow', `S=inet:{milter}@127.0.0.1, F={flags}, \
T=C:10s;S:30s;R:60s;E:5m')dnl
MAILER(`smtp')dnl
"""


def fetch():
    """The sendmail binary (scripts/fetch-sendmail), or None with why."""
    p = subprocess.run([FETCH], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=300)
    out = p.stdout.decode("utf-8", "replace").strip()
    if p.returncode != 0:
        return None, out
    return out.splitlines()[-1], None


class Sendmail:
    """sendmail -bD with a cf of our own: port in, milter to winnowd on
    milter_port (F= flags: T tempfail, R reject, empty: go on without the
    filter when it is down), relay to relay_port."""

    HOST = "sm.itest.invalid"

    def __init__(self, binary, workdir, port, milter_port, relay_port,
                 flags="T"):
        self.bin = binary
        self.dir = workdir
        self.port = port
        os.makedirs(os.path.join(workdir, "queue"), exist_ok=True)
        os.chmod(workdir, 0o755)
        os.chmod(os.path.join(workdir, "queue"), 0o700)
        with open(os.path.join(workdir, "service.switch"), "w") as f:
            f.write("hosts files\n")
        self.mc = os.path.join(workdir, "sendmail.mc")
        self.cf = os.path.join(workdir, "sendmail.cf")
        with open(self.mc, "w") as f:
            f.write(MC.format(host=self.HOST, dir=workdir, relay=relay_port,
                              port=port, milter=milter_port, flags=flags))
        cfdir = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
            os.path.dirname(binary)))), "usr", "share", "sendmail", "cf")
        with open(self.cf, "wb") as out:
            subprocess.run(["m4", "-D_CF_DIR_=%s/" % cfdir,
                            os.path.join(cfdir, "m4", "cf.m4"), self.mc],
                           stdout=out, stderr=subprocess.DEVNULL, check=True)
        self.log_path = os.path.join(workdir, "sendmail.log")
        self.proc = None

    def start(self):
        self.logf = open(self.log_path, "ab")
        cmd = "hostname %s && exec %s -C %s -bD -X %s/traffic" % (
            self.HOST, self.bin, self.cf, self.dir)
        self.proc = subprocess.Popen(["unshare", "--uts", "sh", "-c", cmd],
                                     stdin=subprocess.DEVNULL,
                                     stdout=self.logf,
                                     stderr=subprocess.STDOUT)
        net.wait_listening(self.port, timeout=20, proc=self.proc)
        return self

    def queue(self, quarantined=False):
        """The queue ids sendmail -bp lists (-qQ: the quarantined)."""
        cmd = "hostname %s && exec %s -C %s %s -bp" % (
            self.HOST, self.bin, self.cf, "-qQ" if quarantined else "")
        p = subprocess.run(["unshare", "--uts", "sh", "-c", cmd],
                           stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=30)
        out = p.stdout.decode("utf-8", "replace")
        return [l.split()[0].rstrip("*X-") for l in out.splitlines()
                if l[:1].isalnum() and "Total" not in l and
                "Queue" not in l and "empty" not in l]

    def traffic(self):
        path = os.path.join(self.dir, "traffic")
        try:
            with open(path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except FileNotFoundError:
            return ""

    def stop(self):
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.logf.close()
        # children it forked for deliveries exit on their own
        time.sleep(0.2)

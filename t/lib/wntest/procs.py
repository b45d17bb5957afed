"""The programs under test and the real peers: winnowd, Postfix's
smtp-sink and smtp-source, and a whole Postfix instance of our own.

Every process is started by pid and stopped by that pid; nothing here ever
signals a process it did not start.
"""

import glob
import json
import os
import pwd
import re
import signal
import subprocess
import time

from . import net

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..",
                                   ".."))
WINNOWD = os.environ.get("WINNOWD", os.path.join(TOP, "build", "winnowd"))
SRCDIR = TOP
SMTP_SINK = "/usr/sbin/smtp-sink"
SMTP_SOURCE = "/usr/sbin/smtp-source"
POSTFIX = "/usr/sbin/postfix"
POSTQUEUE = "/usr/sbin/postqueue"
SINK_USER = "nobody"


def _wait_exit(proc, timeout):
    try:
        return proc.wait(timeout)
    except subprocess.TimeoutExpired:
        return None


# ---------------------------------------------------------------- winnowd

def _child_user():
    """The unprivileged account winnowd's children switch to: the package's
    "winnow" when it exists, else "nobody" (a fresh CI machine where
    nothing was installed); WINNOW_ITEST_USER overrides."""
    if os.environ.get("WINNOW_ITEST_USER"):
        return os.environ["WINNOW_ITEST_USER"]
    try:
        pwd.getpwnam("winnow")
        return "winnow"
    except KeyError:
        return "nobody"


DEFAULT_SERVER = {
    "myhostname": "winnow.itest.invalid",
    "user": _child_user(),
    "start_children": "2",
    "max_children": "6",
    "min_spare": "1",
    "max_spare": "4",
    "exit_delay": "5s",
    "throttle_delay": "1s",
    "spool_reserve": "1M",
    "forward_connect_timeout": "2s",
    "forward_timeout": "10s",
    "forward_data_done_timeout": "10s",
    "command_timeout": "30s",
    "data_timeout": "30s",
    "max_messages_jitter": "0",
}


def owned_dir(path):
    """path made (with parents) and given to the children's user, so
    winnowd's children can write there (quarantine, archive, AV temp)."""
    os.makedirs(path, exist_ok=True)
    pw = pwd.getpwnam(DEFAULT_SERVER["user"])
    os.chown(path, pw.pw_uid, pw.pw_gid)
    return path


def ini(sections):
    out = []
    for name, params in sections.items():
        out.append("[%s]" % name)
        for k, v in params.items():
            out.append("%s = %s" % (k, v))
        out.append("")
    return "\n".join(out)


class Winnowd:
    """winnowd -f -c FILE as a subprocess with its stderr log in a file."""

    def __init__(self, workdir, port=None, forward=None, listen=None,
                 server=None, policy=None, extra=None, env=None):
        self.dir = workdir
        self.env = env
        os.makedirs(self.dir, exist_ok=True)
        os.chmod(self.dir, 0o755)
        self.port = port
        self.conf_path = os.path.join(self.dir, "winnow.conf")
        self.log_path = os.path.join(self.dir, "winnowd.log")
        self.pidfile = os.path.join(self.dir, "winnowd.pid")
        s = dict(DEFAULT_SERVER)
        s["listen"] = listen or "tcp:127.0.0.1:%d" % port
        if forward is not None:
            s["forward"] = forward
        s["spool_dir"] = os.path.join(self.dir, "spool")
        s["pidfile"] = self.pidfile
        s.update(server or {})
        self.sections = {"server": s}
        # DNS only to a dead loopback port unless a test runs its own
        # server; the shipped content model from the source tree, and no
        # learned one (never the machine's /var/lib/winnow); no ClamAV
        # database (the attachment filter only) unless a test names one;
        # libclamav's temporary files in the work directory.
        self.sections["dns"] = {"resolver": "127.0.0.1:9",
                                "timeout": "300ms"}
        # Learning (report addresses, winnowctl) writes there too.
        self.sections["content"] = {
            "model": os.path.join(owned_dir(os.path.join(self.dir,
                                                         "lib")),
                                  "content.model"),
            "samples_dir": os.path.join(self.dir, "lib", "samples"),
            "default_model": os.path.join(SRCDIR, "data", "content.model"),
            "obscene_words": "%s %s" % (
                os.path.join(SRCDIR, "data", "obscene-en.txt"),
                os.path.join(SRCDIR, "data", "obscene-ru.txt"))}
        self.sections["av"] = {"database": "", "temp_directory": owned_dir(
            os.path.join(self.dir, "avtmp"))}
        # never the system's /var/spool/winnow/quarantine
        self.sections["policy"] = {
            "quarantine_dir": owned_dir(os.path.join(self.dir,
                                                     "quarantine")),
            "backup_dir": owned_dir(os.path.join(self.dir, "backup"))}
        self.sections["policy"].update(policy or {})
        # The control API's secret in the work directory (never the
        # machine's /etc/winnow), the source tree's dashboard; no listener
        # unless a test asks (the default tcp:127.0.0.1:10027 would be
        # shared by every winnowd of a test)
        self.sections["control"] = {
            "listen": "",
            "secret_file": os.path.join(self.dir, "control.secret"),
            "web_dir": os.path.join(SRCDIR, "web")}
        for k, v in (extra or {}).items():
            self.sections.setdefault(k, {}).update(v)
        self.proc = None
        self.logf = None
        self.write_config()

    @property
    def conf(self):
        return self.sections["server"]

    @property
    def secret(self):
        """The control API's secret (winnowd makes it at start)."""
        with open(self.sections["control"]["secret_file"]) as f:
            return f.read().strip()

    def write_config(self, text=None):
        with open(self.conf_path, "w") as f:
            f.write(text if text is not None else ini(self.sections))

    def start(self, wait=True):
        self.logf = open(self.log_path, "ab")
        env = None
        if self.env:
            env = dict(os.environ)
            env.update(self.env)
        self.proc = subprocess.Popen(
            [WINNOWD, "-f", "-c", self.conf_path], stdin=subprocess.DEVNULL,
            stdout=self.logf, stderr=subprocess.STDOUT, cwd=self.dir,
            env=env)
        if wait:
            self.wait_log(r"started: listening on", timeout=10)
            want = int(self.conf.get("start_children", 1))
            self.wait_children(min(want, int(self.conf.get("max_children",
                                                           want))))
        return self

    @property
    def pid(self):
        return self.proc.pid

    def log(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except FileNotFoundError:
            return ""

    def wait_log(self, pattern, timeout=10.0, count=1):
        rx = re.compile(pattern)
        end = time.monotonic() + timeout
        while True:
            found = rx.findall(self.log())
            if len(found) >= count:
                return found
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError("winnowd exited (%s) before logging %r:\n%s"
                                   % (self.proc.returncode, pattern,
                                      self.log()[-3000:]))
            if time.monotonic() >= end:
                raise TimeoutError("winnowd did not log %r within %.1fs:\n%s"
                                   % (pattern, timeout, self.log()[-3000:]))
            time.sleep(0.01)

    def children(self):
        return net.children_of(self.proc.pid)

    def wait_children(self, n, timeout=10.0):
        end = time.monotonic() + timeout
        while True:
            kids = self.children()
            if len(kids) >= n:
                return kids
            if self.proc.poll() is not None:
                raise RuntimeError("winnowd exited (%s):\n%s"
                                   % (self.proc.returncode, self.log()))
            if time.monotonic() >= end:
                raise TimeoutError("winnowd has %d children, wanted %d"
                                   % (len(kids), n))
            time.sleep(0.01)

    def signal(self, sig):
        os.kill(self.proc.pid, sig)

    def stop(self, timeout=None):
        """SIGTERM by pid; returns the exit status (None: had to kill)."""
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else None
        if timeout is None:
            timeout = _secs(self.conf.get("exit_delay", "30s")) + 10
        self.signal(signal.SIGTERM)
        rc = _wait_exit(self.proc, timeout)
        if rc is None:
            self.proc.kill()
            self.proc.wait()
        if self.logf:
            self.logf.close()
        return rc

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def _secs(text):
    m = re.fullmatch(r"(\d+)(ms|s|m|h)?", str(text).strip())
    if not m:
        return 30
    n = int(m.group(1))
    return {"ms": n / 1000.0, "s": n, None: n, "m": n * 60,
            "h": n * 3600}[m.group(2)]


def winnowd_check(conf_path):
    """winnowd -t -c FILE: (exit status, output)."""
    p = subprocess.run([WINNOWD, "-t", "-c", conf_path],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       timeout=20)
    return p.returncode, p.stdout.decode("utf-8", "replace")


# ---------------------------------------------------------------- smtp-sink

class SmtpSink:
    """Postfix's smtp-sink writing one dump file per transaction."""

    def __init__(self, workdir, port, opts=(), lmtp=False, host="127.0.0.1"):
        self.dir = workdir
        self.dump = os.path.join(workdir, "dump")
        os.makedirs(self.dump, exist_ok=True)
        os.chmod(workdir, 0o755)
        os.chmod(self.dump, 0o777)     # smtp-sink runs as SINK_USER
        self.port = port
        self.host = host
        self.opts = list(opts) + (["-L"] if lmtp else [])
        self.proc = None

    def start(self):
        argv = [SMTP_SINK, "-u", SINK_USER, "-d", self.dump + "/"] + \
            self.opts + ["%s:%d" % (self.host if ":" not in self.host else
                                    "[%s]" % self.host, self.port), "64"]
        self.log = open(os.path.join(self.dir, "smtp-sink.log"), "ab")
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                                     stdout=self.log,
                                     stderr=subprocess.STDOUT)
        net.wait_listening(self.port, proc=self.proc)
        return self

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            if _wait_exit(self.proc, 5) is None:
                self.proc.kill()
                self.proc.wait()
        if self.proc:
            self.log.close()

    def messages(self, complete=True):
        """Parsed dump files: list of dicts (mail, rcpts, helo, data).
        smtp-sink opens a dump at MAIL and deletes it when the transaction
        does not finish, so by default only finished ones count."""
        out = []
        for path in sorted(glob.glob(os.path.join(self.dump, "*"))):
            try:
                with open(path, "rb") as f:
                    rec = parse_sink_dump(f.read(), path)
            except FileNotFoundError:
                continue
            if rec["complete"] or not complete:
                out.append(rec)
        return out

    def wait_messages(self, n, timeout=10.0):
        end = time.monotonic() + timeout
        while True:
            msgs = self.messages()
            if len(msgs) >= n:
                return msgs
            if time.monotonic() >= end:
                raise TimeoutError("smtp-sink has %d messages, wanted %d"
                                   % (len(msgs), n))
            time.sleep(0.05)


def parse_sink_dump(raw, path=""):
    """One smtp-sink -d file: its X-* records, the three-line Received it
    adds, then the message as received (LF line ends) and an empty line."""
    lines = raw.split(b"\n")
    rec = {"path": path, "mail": None, "rcpts": [], "helo": None,
           "proto": None, "client": None}
    i = 0
    while i < len(lines):
        l = lines[i]
        if l.startswith(b"X-Client-Addr: "):
            rec["client"] = l[15:].decode()
        elif l.startswith(b"X-Client-Proto: "):
            rec["proto"] = l[16:].decode()
        elif l.startswith(b"X-Helo-Args: "):
            rec["helo"] = l[13:].decode()
        elif l.startswith(b"X-Mail-Args: "):
            rec["mail"] = l[13:].decode()
        elif l.startswith(b"X-Rcpt-Args: "):
            rec["rcpts"].append(l[13:].decode())
        elif l.startswith(b"Received: "):
            i += 3
            break
        i += 1
    body = b"\n".join(lines[i:])
    # smtp-sink ends a complete message with an empty line
    rec["complete"] = body.endswith(b"\n\n") or body == b"\n"
    if rec["complete"]:
        body = body[:-1]
    rec["data"] = body.replace(b"\n", b"\r\n")
    m = re.search(rb"^X-Test-Seq: (\S+)", body, re.M | re.I)
    rec["seq"] = m.group(1).decode() if m else None
    rec["sender"] = re.match(r"<([^>]*)>", rec["mail"]).group(1) \
        if rec["mail"] and rec["mail"].startswith("<") else rec["mail"]
    return rec


def smtp_source(port, opts=(), host="127.0.0.1", timeout=60):
    """Run smtp-source; returns (exit status, output)."""
    argv = [SMTP_SOURCE] + list(opts) + ["%s:%d" % (host, port)]
    p = subprocess.run(argv, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=timeout)
    return p.returncode, p.stdout.decode("utf-8", "replace")


# ---------------------------------------------------------------- Postfix

POSTFIX_SERVICES = """\
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
lmtp      unix  -       -       n       -       -       lmtp
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
"""

class Postfix:
    """A Postfix instance of our own: config, queue and data directories in
    workdir, smtpd on smtpd_port with content_filter to winnowd (SMTP or
    LMTP), a reinjection smtpd on reinject_port, everything relayed to
    relay_port (the sink)."""

    def __init__(self, workdir, smtpd_port, reinject_port, filter_port,
                 relay_port, filter_proto="smtp", filter_host="127.0.0.1",
                 main=None, scan_opts=(), name=None,
                 reinject_rcpt_restrictions="permit_mynetworks, reject",
                 scan_maxproc=4, filter_on_smtpd_only=False):
        self.dir = workdir
        self.conf = os.path.join(workdir, "conf")
        self.queue = os.path.join(workdir, "queue")
        self.data = os.path.join(workdir, "data")
        self.maillog = os.path.join(workdir, "maillog")
        for d in (workdir, self.conf, self.queue):
            os.makedirs(d, exist_ok=True)
            os.chmod(d, 0o755)
        self.smtpd_port = smtpd_port
        self.reinject_port = reinject_port
        self.filter_port = filter_port
        self.relay_port = relay_port
        self.proto = filter_proto
        self.name = name or "itest%d" % smtpd_port
        if filter_proto == "lmtp":
            cf = "scan:inet:%s:%d" % (filter_host, filter_port)
        else:
            cf = "scan:[%s]:%d" % (filter_host, filter_port)
        self.main = {
            "compatibility_level": "3.6",
            "queue_directory": self.queue,
            "data_directory": self.data,
            "mail_owner": "postfix",
            "setgid_group": "postdrop",
            "myhostname": "pf-%s.itest.invalid" % self.name,
            "mydomain": "itest.invalid",
            "myorigin": "$myhostname",
            "mydestination": "",
            "inet_interfaces": "127.0.0.1",
            "inet_protocols": "ipv4",
            "mynetworks": "127.0.0.0/8",
            "relayhost": "[127.0.0.1]:%d" % relay_port,
            "default_transport": "smtp",
            "relay_transport": "smtp",
            "smtpd_relay_restrictions": "permit_mynetworks, reject",
            "alias_maps": "",
            "alias_database": "",
            "local_recipient_maps": "",
            "local_header_rewrite_clients": "",
            "maillog_file": self.maillog,
            "maillog_file_prefixes": workdir,
            "syslog_name": "postfix-%s" % self.name,
            "content_filter": cf,
            "queue_run_delay": "1s",
            "minimal_backoff_time": "1s",
            "maximal_backoff_time": "2s",
            "smtp_connect_timeout": "2s",
            "lmtp_connect_timeout": "2s",
            "delay_warning_time": "0",
            "smtp_dns_support_level": "disabled",
            "smtp_tls_security_level": "none",
            "smtpd_tls_security_level": "none",
            "lmtp_tls_security_level": "none",
            "biff": "no",
            "append_dot_mydomain": "no",
            "notify_classes": "",
            "in_flow_delay": "0",
            "smtpd_banner": "$myhostname ESMTP",
            "message_size_limit": "60000000",
            "shlib_directory": "/usr/lib/postfix",
        }
        # referenced by the reinjection smtpd (master.cf -o cannot hold
        # spaces)
        self.main["itest_reinject_rcpt_restrictions"] = \
            reinject_rcpt_restrictions
        self.main.update(main or {})
        # FILTER_README's simple filter: only the public smtpd has the
        # content_filter, so mail a filter hands to sendmail (pickup, or
        # smtpd -S run by sendmail -bs) is not filtered again
        self.smtpd_filter = None
        if filter_on_smtpd_only:
            self.smtpd_filter = self.main["content_filter"]
            self.main["content_filter"] = ""
        self.scan_opts = list(scan_opts)
        self.scan_maxproc = scan_maxproc
        self.master_pid = None
        self.write_config()

    def write_config(self):
        with open(os.path.join(self.conf, "main.cf"), "w") as f:
            for k, v in self.main.items():
                f.write("%s = %s\n" % (k, v))
        xf = "%s_send_xforward_command=yes" % self.proto
        scan = ["scan unix - - n - %d %s" % (self.scan_maxproc, self.proto),
                "  -o %s" % xf,
                "  -o disable_mime_output_conversion=yes",
                "  -o %s_data_done_timeout=60s" % self.proto]
        scan += ["  -o " + o for o in self.scan_opts]
        reinject = [
            "127.0.0.1:%d inet n - n - - smtpd" % self.reinject_port,
            "  -o syslog_name=postfix-%s/reinject" % self.name,
            "  -o content_filter=",
            "  -o receive_override_options=no_unknown_recipient_checks,"
            "no_header_body_checks,no_milters",
            "  -o smtpd_helo_restrictions=",
            "  -o smtpd_client_restrictions=",
            "  -o smtpd_sender_restrictions=",
            "  -o smtpd_relay_restrictions=permit_mynetworks,reject",
            "  -o smtpd_recipient_restrictions="
            "$itest_reinject_rcpt_restrictions",
            "  -o smtpd_data_restrictions=",
            "  -o mynetworks=127.0.0.0/8",
            "  -o smtpd_authorized_xforward_hosts=127.0.0.0/8",
        ]
        with open(os.path.join(self.conf, "master.cf"), "w") as f:
            f.write("127.0.0.1:%d inet n - n - - smtpd\n" % self.smtpd_port)
            if self.smtpd_filter:
                f.write("  -o content_filter=%s\n" % self.smtpd_filter)
            f.write("\n".join(reinject) + "\n")
            f.write("\n".join(scan) + "\n")
            f.write(POSTFIX_SERVICES)

    def _run(self, argv, check=True, timeout=60):
        p = subprocess.run(argv, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=timeout)
        out = p.stdout.decode("utf-8", "replace")
        if check and p.returncode != 0:
            raise RuntimeError("%s failed (%d): %s\n--- maillog:\n%s"
                               % (" ".join(argv), p.returncode, out,
                                  self.log()[-3000:]))
        return out

    def start(self):
        longest = os.path.join(self.queue, "private", "proxywrite")
        assert len(longest) < 100, "Postfix socket path too long: " + longest
        self._run([POSTFIX, "-c", self.conf, "start"])
        pidf = os.path.join(self.queue, "pid", "master.pid")
        end = time.monotonic() + 10
        while time.monotonic() < end:
            try:
                with open(pidf) as f:
                    self.master_pid = int(f.read().split()[0])
                break
            except (OSError, ValueError, IndexError):
                time.sleep(0.05)
        net.wait_listening(self.smtpd_port)
        net.wait_listening(self.reinject_port)
        return self

    def stop(self):
        if self.master_pid is None:
            return
        self._run([POSTFIX, "-c", self.conf, "stop"], check=False)
        end = time.monotonic() + 15
        while net.pid_alive(self.master_pid) and time.monotonic() < end:
            time.sleep(0.05)
        if net.pid_alive(self.master_pid):
            self._run([POSTFIX, "-c", self.conf, "abort"], check=False)
            time.sleep(0.5)
            if net.pid_alive(self.master_pid):
                os.kill(self.master_pid, signal.SIGKILL)
        self.master_pid = None

    def log(self):
        try:
            with open(self.maillog, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except FileNotFoundError:
            return ""

    def flush(self):
        self._run([POSTQUEUE, "-c", self.conf, "-f"], check=False)

    def queue_entries(self):
        """postqueue -j: one dict per queued message."""
        out = self._run([POSTQUEUE, "-c", self.conf, "-j"], check=False)
        res = []
        for line in out.splitlines():
            line = line.strip()
            if line.startswith("{"):
                res.append(json.loads(line))
        return res

    def wait_queue_empty(self, timeout=30.0, flush_every=2.0):
        end = time.monotonic() + timeout
        last_flush = time.monotonic()
        while True:
            q = self.queue_entries()
            if not q:
                return
            if time.monotonic() >= end:
                raise TimeoutError("Postfix queue not empty after %.0fs: %r"
                                   "\n--- maillog:\n%s"
                                   % (timeout, q, self.log()[-4000:]))
            if flush_every and time.monotonic() - last_flush > flush_every:
                self.flush()
                last_flush = time.monotonic()
            time.sleep(0.1)

    def wait_deferred(self, n=1, timeout=30.0):
        """Wait until n deliveries were deferred (status=deferred in the
        log: with the short backoff of these instances a retry may follow
        within a second, so the queue alone could miss it)."""
        end = time.monotonic() + timeout
        while True:
            lines = [l for l in self.log().splitlines()
                     if "status=deferred" in l]
            if len(lines) >= n:
                return lines
            if time.monotonic() >= end:
                raise TimeoutError("no deferred delivery after %.0fs: %r\n"
                                   "--- maillog:\n%s"
                                   % (timeout, self.queue_entries(),
                                      self.log()[-4000:]))
            time.sleep(0.05)

    def set_filter_port(self, port):
        """Point content_filter elsewhere (e.g. at a proxy) and reload."""
        self.filter_port = port
        if self.proto == "lmtp":
            self.main["content_filter"] = "scan:inet:127.0.0.1:%d" % port
        else:
            self.main["content_filter"] = "scan:[127.0.0.1]:%d" % port
        self.write_config()
        if self.master_pid:
            self._run([POSTFIX, "-c", self.conf, "reload"])

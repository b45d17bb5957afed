"""The Debian packages: built from this tree, installed, upgraded, removed
and purged in a chroot, and the installed winnowd filtering mail.

The packages are built with dpkg-buildpackage -us -uc -b from a copy of
the tree (its git files, committed or not), twice: as debian/changelog
says and with the version bumped, for the upgrade.  A build takes about
half a minute, so the .debs are kept in build/pkg/<hash of the sources>
and built again only when a source changed.

Everything is installed in an overlay over build/pkg-chroot/root, a
minbase Debian 12 that t/make-pkg-chroot makes once ("make deps", before
the suite, since the tests have no network): never on the test machine.
winnowd is started the way its systemd unit says (ExecStartPre, then
ExecStart) under setpriv --no-new-privs, the kernel mechanism behind the
unit's NoNewPrivileges=yes, and filters mail into a sink on loopback.
"""

import hashlib
import os
import re
import shutil
import signal
import subprocess
import sys
import time

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))

from wntest import net, procs, smtp     # noqa: E402

TOP = procs.TOP
PKGDIR = os.path.join(TOP, "build", "pkg")
CHROOT = os.path.join(TOP, "build", "pkg-chroot", "root")
PACKAGES = ["winnow-common", "winnow-data", "winnowd", "winnow-pipe",
            "winnow-udsd"]
BUMP = "+pkgtest1"
GTUBE = "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X"


def run(argv, check=True, timeout=300, **kw):
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       timeout=timeout, **kw)
    out = p.stdout.decode("utf-8", "replace")
    if check and p.returncode != 0:
        raise AssertionError("%s exited %d:\n%s" % (" ".join(argv),
                                                    p.returncode, out[-4000:]))
    return p.returncode, out


def source_files():
    _, out = run(["git", "-C", TOP, "ls-files", "-z", "--cached", "--others",
                  "--exclude-standard"])
    return sorted(f for f in out.split("\0")
                  if f and os.path.isfile(os.path.join(TOP, f)))


def source_hash(files):
    h = hashlib.sha256()
    for f in files:
        h.update(f.encode() + b"\0")
        with open(os.path.join(TOP, f), "rb") as fp:
            h.update(hashlib.sha256(fp.read()).digest())
    return h.hexdigest()[:16]


def build(files, where, bump=None):
    """dpkg-buildpackage -b in a copy of the tree under where; the .debs
    land in where (dpkg-buildpackage writes to the parent directory)."""
    src = os.path.join(where, "winnow")
    for f in files:
        os.makedirs(os.path.dirname(os.path.join(src, f)), exist_ok=True)
        shutil.copy2(os.path.join(TOP, f), os.path.join(src, f))
    if bump:
        _, version = run(["dpkg-parsechangelog", "-l",
                          os.path.join(src, "debian", "changelog"),
                          "-S", "Version"])
        path = os.path.join(src, "debian", "changelog")
        with open(path) as fp:
            old = fp.read()
        entry = ("winnow (%s%s) unstable; urgency=medium\n\n  * A version "
                 "bump for the upgrade test.\n\n -- winnow developers "
                 "<dev@winnow.invalid>  Mon, 07 Dec 2026 12:00:00 +0000\n\n"
                 % (version.strip(), bump))
        with open(path, "w") as fp:
            fp.write(entry + old)
    env = dict(os.environ, DEB_BUILD_OPTIONS="parallel=2")
    run(["dpkg-buildpackage", "-us", "-uc", "-b"], cwd=src, env=env,
        timeout=900)
    shutil.rmtree(src)


def debs(where):
    return sorted(os.path.join(where, f) for f in os.listdir(where)
                  if f.endswith(".deb") and "-dbgsym_" not in f)


@pytest.fixture(scope="module")
def built():
    """The packages of this tree and of its version bump (cached)."""
    files = source_files()
    key = source_hash(files)
    here = os.path.join(PKGDIR, key)
    if not os.path.exists(os.path.join(here, "done")):
        if os.path.isdir(PKGDIR):
            shutil.rmtree(PKGDIR)      # older trees' packages
        os.makedirs(os.path.join(here, "bump"))
        t0 = time.monotonic()
        build(files, here)
        build(files, os.path.join(here, "bump"), bump=BUMP)
        with open(os.path.join(here, "done"), "w") as fp:
            fp.write("built in %.0f s\n" % (time.monotonic() - t0))
    return {"dir": here, "first": debs(here),
            "bump": debs(os.path.join(here, "bump"))}


class Chroot:
    """An overlay over the cached chroot: changes go to a work directory
    and vanish with it."""

    def __init__(self, workdir):
        if not os.path.isfile(os.path.join(CHROOT, "..", "stamp")):
            raise AssertionError(
                "no chroot in %s: t/make-pkg-chroot makes it (make deps "
                "runs it; it needs debootstrap and Debian's mirror)" % CHROOT)
        self.dir = os.path.join(workdir, "ovl")
        self.root = os.path.join(self.dir, "merged")
        for d in ("upper", "work", "merged"):
            os.makedirs(os.path.join(self.dir, d))
        self.mounts = []
        self.mount(["-t", "overlay", "overlay", "-o",
                    "lowerdir=%s,upperdir=%s,workdir=%s" % (
                        CHROOT, os.path.join(self.dir, "upper"),
                        os.path.join(self.dir, "work"))], self.root)
        self.mount(["-t", "proc", "proc"], self.path("/proc"))

    def mount(self, args, target):
        run(["mount"] + args + [target])
        self.mounts.append(target)

    def close(self):
        for m in reversed(self.mounts):
            run(["umount", m], check=False)
        self.mounts = []

    def path(self, p):
        return os.path.join(self.root, p.lstrip("/"))

    def run(self, argv, check=True, user=None, **kw):
        pre = ["chroot"] + (["--userspec=%s:%s" % (user, user)]
                            if user else []) + [self.root]
        env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin",
               "DEBIAN_FRONTEND": "noninteractive", "LANG": "C.UTF-8"}
        return run(pre + argv, check=check, env=env, **kw)

    def dpkg(self, *args, check=True):
        return self.run(["dpkg"] + list(args), check=check)

    def install(self, files):
        os.makedirs(self.path("/tmp/debs"), exist_ok=True)
        names = []
        for f in files:
            shutil.copy(f, self.path("/tmp/debs"))
            names.append("/tmp/debs/" + os.path.basename(f))
        rc, out = self.dpkg("-i", *names, check=False)
        assert rc == 0, ("dpkg -i failed (a library missing from the "
                         "chroot belongs in t/make-pkg-chroot's RUNTIME):\n"
                         + out[-4000:])
        shutil.rmtree(self.path("/tmp/debs"))
        return out

    def version(self, pkg):
        rc, out = self.run(["dpkg-query", "-W", "-f", "${Status} ${Version}",
                            pkg], check=False)
        return out.strip() if rc == 0 else None

    def owner(self, p):
        st = os.stat(self.path(p))
        _, line = self.run(["getent", "passwd", str(st.st_uid)])
        return line.split(":")[0], st.st_mode & 0o7777


@pytest.fixture
def chroot(workdir):
    c = Chroot(workdir)
    try:
        yield c
    finally:
        c.close()


def unit_commands(c, unit):
    """ExecStartPre, ExecStart (argv lists) and the settings of a unit."""
    cmds, settings = {}, {}
    with open(c.path("/lib/systemd/system/" + unit)) as fp:
        for line in fp:
            m = re.match(r"^(\w+)=(.*)$", line.strip())
            if not m:
                continue
            k, v = m.groups()
            if k.startswith("Exec"):
                cmds.setdefault(k, []).append(v.split())
            else:
                settings.setdefault(k, []).append(v)
    return cmds, settings


def configure(c, port, sink_port):
    """The installed configuration file, pointed at the test's ports and
    kept off the network; returns its new text."""
    path = c.path("/etc/winnow/winnow.conf")
    with open(path) as fp:
        text = fp.read()
    text, n = re.subn(r"(?m)^listen = .*$", "listen = tcp:127.0.0.1:%d"
                      % port, text, count=1)
    assert n == 1, "no listen line in the shipped winnow.conf"
    text, n = re.subn(r"(?m)^forward = .*$", "forward = tcp:127.0.0.1:%d"
                      % sink_port, text, count=1)
    assert n == 1, "no forward line in the shipped winnow.conf"
    text = text.replace("[server]\n", "[server]\nmyhostname = pkg.itest."
                        "invalid\n", 1)
    text = re.sub(r"(?m)^start_children = .*$", "start_children = 1", text)
    text = text.replace("[policy]\n", "[policy]\narchive_dir = "
                        "/var/spool/winnow/archive\n", 1)
    text += "\n[dns]\nresolver = 127.0.0.1:9\ntimeout = 300ms\n"
    with open(path, "w") as fp:
        fp.write(text)
    return text


class Started:
    """winnowd as its unit starts it, under no_new_privs."""

    def __init__(self, c, workdir, port):
        cmds, self.settings = unit_commands(c, "winnowd.service")
        assert self.settings.get("NoNewPrivileges") == ["yes"]
        docs = " ".join(self.settings.get("Documentation", []))
        assert "man:winnowd(8)" in docs and "man:winnow.conf(5)" in docs
        nnp = ["setpriv", "--no-new-privs"]
        for pre in cmds["ExecStartPre"]:
            rc, out = run(nnp + ["chroot", c.root] + pre, check=False)
            assert rc == 0, (pre, out)
        self.log_path = os.path.join(workdir, "winnowd-pkg.log")
        self.logf = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            nnp + ["chroot", c.root] + cmds["ExecStart"][0],
            stdin=subprocess.DEVNULL, stdout=self.logf,
            stderr=subprocess.STDOUT)
        try:
            net.wait_listening(port, timeout=20, proc=self.proc)
            smtp.wait_until(lambda: "started: listening" in self.log(),
                            timeout=10, what="winnowd started")
        except Exception:
            self.stop()
            raise

    def log(self):
        with open(self.log_path, "rb") as fp:
            return fp.read().decode("utf-8", "replace")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.logf.close()
        return self.proc.returncode


def filter_two(port, sink, log):
    """A plain message and GTUBE through winnowd: both delivered, marked
    by the filter, the second as spam with the shipped config's tag."""
    before = len(sink.delivered())
    _, ham = smtp.make_message(subject="package ham")
    _, spam = smtp.make_message(subject="package spam",
                                body="Buy now:\r\n%s\r\n" % GTUBE)
    with smtp.Client(port) as cl:
        cl.ehlo()
        for msg in (ham, spam):
            r = cl.xfer("sender@example.org", ["rcpt@example.com"], msg)
            assert r["final"].code == 250, (r, log())
        cl.quit()
    sink.wait_delivered(before + 2, timeout=20)
    got = sink.delivered()[before:]
    ham_out, spam_out = got[0].data, got[1].data
    assert b"X-Winnow-Status: not-detected" in ham_out, (ham_out, log())
    assert b"Subject: package ham" in ham_out
    assert re.search(rb"Received: from .* by pkg\.itest\.invalid", ham_out,
                     re.S), ham_out[:600]
    assert re.search(rb"X-Winnow-Status: spam\b", spam_out), spam_out[:600]
    assert b"Subject: [SPAM] package spam" in spam_out, spam_out[:600]


@pytest.mark.timeout(900)
def test_package_lifecycle(built, chroot, workdir, ports, pysink):
    """Install, filter, learn, purge timer; upgrade keeping the admin's
    file and the data; remove keeps data and configuration; purge removes
    them."""
    c = chroot
    first, bump = built["first"], built["bump"]
    assert sorted(re.sub(r"_.*", "", os.path.basename(f))
                  for f in first) == sorted(PACKAGES), first

    # -- install
    c.install(first)
    version = c.version("winnowd").split()[-1]
    for p in PACKAGES:
        assert c.version(p) == "install ok installed " + version, p
    assert c.owner("/var/spool/winnow") == ("winnow", 0o700)
    assert c.owner("/var/lib/winnow") == ("winnow", 0o755)
    _, conffiles = c.run(["dpkg-query", "-W", "-f", "${Conffiles}",
                          "winnow-common"])
    assert "/etc/winnow/winnow.conf " in conffiles, conffiles
    for page in ("man8/winnowd.8.gz", "man8/winnowctl.8.gz",
                 "man8/winnow-pipe.8.gz", "man8/winnow-mta-setup.8.gz",
                 "man8/winnow-udsd.8.gz", "man5/winnow.conf.5.gz"):
        assert os.path.isfile(c.path("/usr/share/man/" + page)), page
    for link in ("multi-user.target.wants/winnowd.service",
                 "timers.target.wants/winnow-purge.timer"):
        assert os.path.islink(c.path("/etc/systemd/system/" + link)), link
    assert os.path.isfile(c.path(
        "/usr/share/doc/winnowd/examples/exec-setid.conf"))
    # winnow-udsd's file is a conffile and checks as its unit checks it
    _, conffiles = c.run(["dpkg-query", "-W", "-f", "${Conffiles}",
                          "winnow-udsd"])
    assert "/etc/winnow/winnow-udsd.conf " in conffiles, conffiles
    assert os.path.islink(c.path("/etc/systemd/system/multi-user.target."
                                 "wants/winnow-udsd.service"))
    rc, out = c.run(["/usr/sbin/winnow-udsd", "-t"], check=False,
                    user="winnow")
    assert rc == 0 and "is valid" in out, out

    # -- winnowd from the installed files, as the unit starts it
    port = ports()
    sink = pysink()
    configure(c, port, sink.port)
    w = Started(c, workdir, port)
    try:
        filter_two(port, sink, w.log)
    finally:
        assert w.stop() == 0, w.log()[-3000:]

    # -- the purge timer's service, as the user it names: the quarantine,
    # and the archive's old days (today's, just written, stays)
    archive = c.path("/var/spool/winnow/archive")
    today = [d for d in os.listdir(archive) if re.match(r"^\d{8}$", d)]
    assert len(today) == 1, os.listdir(archive)
    old = os.path.join(archive, "20000101")
    os.makedirs(old)
    with open(os.path.join(old, "Q-in.eml"), "w") as fp:
        fp.write("Subject: old\n\nold\n")
    st = os.stat(archive)
    for p in (old, os.path.join(old, "Q-in.eml")):
        os.chown(p, st.st_uid, st.st_gid)
    cmds, settings = unit_commands(c, "winnow-purge.service")
    env = dict(v.split("=", 1) for v in settings.get("Environment", []))
    assert settings["User"] == ["winnow"]
    outs = []
    for cmd in cmds["ExecStart"]:
        argv = [re.sub(r"\$\{(\w+)\}", lambda m: env[m.group(1)], a)
                for a in cmd]
        rc, out = c.run(argv, user="winnow", check=False)
        assert rc == 0, (argv, out)
        outs.append(out)
    assert "entries removed" in outs[0], outs
    assert "1 day (1 files) removed" in outs[1], outs
    assert not os.path.exists(old)
    assert os.path.isdir(os.path.join(archive, today[0]))

    # -- the first learning works (it needs /var/lib/winnow); ham, so the
    # messages below keep their status with the learned model
    with open(c.path("/tmp/ham.eml"), "wb") as fp:
        fp.write(smtp.make_message(subject="package ham")[1])
    rc, out = c.run(["winnowctl", "learn", "-q", "--ham", "/tmp/ham.eml"],
                    user="winnow", check=False)
    assert rc == 0, out
    model = c.path("/var/lib/winnow/content.model")
    assert os.path.getsize(model) > 1000000

    # -- upgrade: a newer version over the admin's changed file and data
    with open(c.path("/etc/winnow/winnow.conf")) as fp:
        conf_before = fp.read()
    c.install(bump)
    assert c.version("winnowd") == "install ok installed " + version + BUMP
    with open(c.path("/etc/winnow/winnow.conf")) as fp:
        assert fp.read() == conf_before, "upgrade changed the admin's file"
    assert os.path.getsize(model) > 1000000
    assert c.owner("/var/spool/winnow") == ("winnow", 0o700)
    w = Started(c, workdir, port)
    try:
        filter_two(port, sink, w.log)
    finally:
        assert w.stop() == 0, w.log()[-3000:]

    # -- remove: programs go, configuration and data stay
    c.dpkg("--remove", *PACKAGES)
    assert not os.path.exists(c.path("/usr/sbin/winnowd"))
    assert c.version("winnow-common").startswith("deinstall ok config-files")
    assert os.path.isfile(c.path("/etc/winnow/winnow.conf"))
    assert os.path.isfile(model)
    assert os.path.isdir(c.path("/var/spool/winnow"))

    # -- purge: nothing of winnow's is left but its user
    c.dpkg("--purge", *PACKAGES)
    for p in PACKAGES:
        assert c.version(p) is None, p
    for gone in ("/etc/winnow", "/var/spool/winnow", "/var/lib/winnow",
                 "/etc/systemd/system/multi-user.target.wants/"
                 "winnowd.service",
                 "/etc/systemd/system/timers.target.wants/"
                 "winnow-purge.timer", "/usr/share/winnow"):
        assert not os.path.lexists(c.path(gone)), gone


def test_package_is_lintian_clean(built):
    """lintian --pedantic finds nothing but the tags debian/*.lintian-
    overrides explain."""
    changes = [f for f in os.listdir(built["dir"]) if f.endswith(".changes")]
    assert len(changes) == 1, changes
    rc, out = run(["lintian", "--pedantic", "--fail-on", "none",
                   os.path.join(built["dir"], changes[0])], timeout=300)
    tags = [line for line in out.splitlines() if re.match(r"^[EWIPX]: ",
                                                          line)]
    assert tags == [], "\n".join(tags)


@pytest.mark.timeout(60)
def test_unit_under_no_new_privs_refuses_setid_forward(workdir):
    """The shipped unit's NoNewPrivileges=yes, by the same kernel
    mechanism: winnowd -t refuses forward = exec:/usr/sbin/sendmail -bs
    (Postfix's set-gid postdrop would fail with Permission denied) and
    names the drop-in; without no_new_privs the same file is valid."""
    if not os.path.isfile("/usr/sbin/postdrop"):
        pytest.fail("Postfix is not installed (scripts/install-deps)")
    conf = os.path.join(workdir, "exec.conf")
    with open(conf, "w") as fp:
        fp.write("[server]\nforward = exec:/usr/sbin/sendmail -bs\n"
                 "spool_dir = %s\nuser = %s\n[content]\n%s[av]\n"
                 "database =\n" % (
                     os.path.join(workdir, "spool"),
                     procs.DEFAULT_SERVER["user"],
                     "default_model = %s/data/content.model\n"
                     "obscene_words = %s/data/obscene-en.txt\n" % (
                         procs.SRCDIR, procs.SRCDIR)))
    rc, out = run([procs.WINNOWD, "-t", "-c", conf], check=False)
    assert rc == 0, out
    rc, out = run(["setpriv", "--no-new-privs", procs.WINNOWD, "-t", "-c",
                   conf], check=False)
    assert rc == 78, out
    assert "/usr/sbin/postdrop" in out and "set-group-ID" in out, out
    assert "NoNewPrivileges=no" in out, out
    # and at start, not only in -t
    p = subprocess.run(["setpriv", "--no-new-privs", procs.WINNOWD, "-f",
                        "-c", conf], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=20)
    assert p.returncode == 78, p.stdout
    assert b"set-group-ID" in p.stdout


def test_A8_packages_install_no_setid_files(built):
    """Fault matrix A8: no package installs a set-user-id or set-group-id
    file (winnowd drops its privileges itself; nothing needs the bit)."""
    for deb in built["first"]:
        _, out = run(["dpkg-deb", "-c", deb])
        files = [line.split()[0] + " " + line.split()[-1]
                 for line in out.splitlines() if line.strip()]
        assert files, deb
        setid = [f for f in files if f[3] in "sS" or f[6] in "sS"]
        assert setid == [], (os.path.basename(deb), setid)

"""Policy through winnowd with a Python downstream: per-recipient replies in
LMTP, copy and redirect, split_by_result = no, archives, a quarantine that
cannot be written (4xx, never a silent pass), client-address groups, and
winnowctl's quarantine and template-check commands."""

import json
import os
import re
import signal
import subprocess
import time

import pytest

from wntest import net, procs
from wntest.smtp import Client, make_message, fields_named

WINNOWCTL = os.path.join(procs.TOP, "build", "winnowctl")

_ports = net.PortAllocator(23000, 23999)


@pytest.fixture
def ports():
    return _ports


@pytest.fixture
def pw(winnowd, pysink, ports, workdir):
    """pw(policy={...}, groups={...}, sink={...}, server={...}) ->
    (winnowd, sink), the quarantine in workdir/quarantine."""
    def make(policy=None, groups=None, sink=None, server=None):
        s = pysink(port=ports(), **(sink or {}))
        pol = {"quarantine_dir": procs.owned_dir(os.path.join(workdir,
                                                         "quarantine"))}
        pol.update(policy or {})
        extra = {"group %s" % k: v for k, v in (groups or {}).items()}
        srv = dict(server or {})
        if (sink or {}).get("lmtp"):
            srv["forward_protocol"] = "lmtp"
        w = winnowd(forward="tcp:127.0.0.1:%d" % s.port, policy=pol,
                    extra=extra, server=srv)
        return w, s
    return make


def _ctl(w, *args):
    p = subprocess.run([WINNOWCTL, "-c", w.conf_path] + list(args),
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       timeout=60)
    return p.returncode, p.stdout.decode("utf-8", "replace")


def test_lmtp_each_recipient_its_own_outcome(pw, winnowd, ports):
    w, sink = pw(policy={"blacklist": "spammer@bad.test"},
                 groups={"refuse": {"recipients": "@refuse.test",
                                    "blacklisted.action": "reject"},
                         "hold": {"recipients": "@hold.test",
                                  "blacklisted.action": "quarantine"},
                         "bin": {"recipients": "@bin.test",
                                 "blacklisted.action": "drop"}},
                 server={"listen": "lmtp:tcp:127.0.0.1:%d" % ports()})
    w.port = int(w.conf["listen"].rsplit(":", 1)[1])
    token, msg = make_message(sender="spammer@bad.test")
    with Client(w.port) as c:
        c.ehlo(lmtp=True)
        r = c.xfer("spammer@bad.test", ["a@refuse.test", "b@hold.test",
                                        "c@bin.test", "d@x.test"], msg,
                   lmtp=True)
    codes = [x.code for x in r["final"]]
    assert codes == [554, 250, 250, 250], r
    assert "held in quarantine" in r["final"][1].text
    assert "discarded by policy" in r["final"][2].text
    assert "queued" in r["final"][3].text
    got = sink.delivered()
    assert [t.accepted for t in got] == [["d@x.test"]]


def test_copy_and_redirect(pw):
    w, sink = pw(policy={"blacklist": "spammer@bad.test",
                         "blacklisted.action": "redirect",
                         "blacklisted.to": "trap@x.test"},
                 groups={"sales": {"recipients": "@sales.test",
                                   "blacklisted.action": "copy",
                                   "blacklisted.to": "audit@x.test"}})
    token, msg = make_message(sender="spammer@bad.test")
    with Client(w.port) as c:
        c.ehlo()
        r = c.xfer("spammer@bad.test", ["a@sales.test", "b@other.test",
                                        "c@other.test"], msg)
    assert r["final"].code == 250, r
    got = sorted(tuple(t.accepted) for t in sink.delivered())
    assert got == [("a@sales.test",), ("audit@x.test",), ("trap@x.test",)]
    assert "redirected by policy" in w.log()


def test_redirect_refused_is_the_recipients_outcome(pw):
    def rcpt(s, t, addr, arg):
        return "550 5.1.1 no such trap" if addr == "trap@x.test" else None
    w, sink = pw(policy={"blacklist": "spammer@bad.test",
                         "blacklisted.action": "redirect",
                         "blacklisted.to": "trap@x.test"},
                 sink={"hooks": {"rcpt": rcpt}})
    _, msg = make_message(sender="spammer@bad.test")
    with Client(w.port) as c:
        c.ehlo()
        r = c.xfer("spammer@bad.test", ["a@x.test"], msg)
    assert r["final"].code == 554, r
    assert "policy redirect was refused" in r["final"].text
    assert "trap@x.test" not in r["final"].text, "the trap stays private"


def test_split_by_result_off(pw):
    w, sink = pw(policy={"split_by_result": "no",
                         "blacklist": "spammer@bad.test",
                         "blacklisted.header": "X-Spam-Flag: YES"},
                 groups={"sales": {"recipients": "@sales.test",
                                   "blacklisted.subject_tag": "[SPAM]"}})
    _, msg = make_message(subject="one", sender="spammer@bad.test")
    with Client(w.port) as c:
        c.ehlo()
        assert c.xfer("spammer@bad.test", ["a@sales.test", "b@x.test"],
                      msg)["final"].code == 250
    got = sink.delivered()
    assert len(got) == 1 and sorted(got[0].accepted) == ["a@sales.test",
                                                          "b@x.test"]
    d = got[0].data
    assert fields_named(d, "X-Winnow-Group") == \
        [b"X-Winnow-Group: sales, All"]
    assert fields_named(d, "Subject") == [b"Subject: [SPAM] one"]
    assert fields_named(d, "X-Spam-Flag") == [b"X-Spam-Flag: YES"]


def test_groups_by_client_address(pw, workdir):
    lst = os.path.join(workdir, "nets.txt")
    with open(lst, "w") as f:
        f.write("# the office\nip:127.0.0.0/8\n")
    w, sink = pw(policy={"whitelist": "file:%s" % lst},
                 groups={"inside": {"recipients": "*",
                                    "senders": "ip:10.0.0.0/8",
                                    "trusted.subject_tag": "[IN]"}})
    _, msg = make_message(subject="hi")
    with Client(w.port) as c:
        c.ehlo()
        assert c.xfer("s@x.test", ["a@x.test"], msg)["final"].code == 250
    d = sink.delivered()[0].data
    # 127.0.0.1 is white-listed (trusted) but not in the inside group.
    assert fields_named(d, "X-Winnow-Status") == \
        [b"X-Winnow-Status: trusted"]
    assert fields_named(d, "X-Winnow-Group") == [b"X-Winnow-Group: All"]
    with Client(w.port) as c:
        c.ehlo()
        c.cmd("XFORWARD ADDR=10.1.2.3 NAME=inside.test")
        assert c.xfer("s@x.test", ["a@x.test"], msg)["final"].code == 250
    d = sink.delivered()[1].data
    assert fields_named(d, "X-Winnow-Group") == [b"X-Winnow-Group: inside"]
    assert fields_named(d, "X-Winnow-Status") == \
        [b"X-Winnow-Status: not-detected"]


def test_quarantine_unwritable_is_4xx(pw, workdir):
    """A quarantine that cannot be written: 451, nothing delivered, the
    upstream keeps the message."""
    locked = os.path.join(workdir, "locked")
    os.makedirs(locked)
    os.chmod(locked, 0o700)             # root's: the children cannot enter
    w, sink = pw(policy={"quarantine_dir": os.path.join(locked, "q"),
                         "blacklist": "spammer@bad.test",
                         "blacklisted.action": "quarantine"})
    _, msg = make_message(sender="spammer@bad.test")
    with Client(w.port) as c:
        c.ehlo()
        r = c.xfer("spammer@bad.test", ["a@x.test", "b@y.test"], msg)
    assert r["final"].code == 451, r
    assert "quarantine" in r["final"].text
    assert not sink.delivered()
    assert "quarantine_dir" in w.log()


def test_archive_dir_and_address(pw, workdir):
    arch = procs.owned_dir(os.path.join(workdir, "archive"))
    w, sink = pw(policy={"archive_dir": arch, "archive": "both",
                         "archive_to": "archive@x.test",
                         "blacklist": "spammer@bad.test",
                         "blacklisted.subject_tag": "[BL]"})
    token, msg = make_message(subject="keep", sender="spammer@bad.test")
    with Client(w.port) as c:
        c.ehlo()
        r = c.xfer("spammer@bad.test", ["a@x.test"], msg)
    assert r["final"].code == 250, r
    files = sorted(os.path.join(dp, f) for dp, _, fs in os.walk(arch)
                   for f in fs)
    assert [os.path.basename(f).split("-", 1)[1] for f in files] == \
        ["in.eml", "out-1.eml"], files
    incoming = open(files[0], "rb").read()
    assert incoming.startswith(b"X-Envelope-From: <spammer@bad.test>\r\n"
                               b"X-Envelope-To: <a@x.test>\r\n")
    assert incoming.endswith(msg)
    outgoing = open(files[1], "rb").read()
    assert b"Subject: [BL] keep" in outgoing
    # archive_to: the incoming and the outgoing message, best effort.
    arch_txns = [t for t in sink.delivered()
                 if t.accepted == ["archive@x.test"]]
    assert len(arch_txns) == 2
    assert any(b"Subject: [BL] keep" in t.data for t in arch_txns)
    assert any(b"Subject: keep" in t.data for t in arch_txns)


def test_winnowctl_list_filters_and_purge(pw):
    w, sink = pw(policy={"blacklist": "@bad.test, @worse.test",
                         "blacklisted.action": "quarantine"})
    for sender in ("a@bad.test", "b@worse.test"):
        _, msg = make_message(sender=sender)
        with Client(w.port) as c:
            c.ehlo()
            assert c.xfer(sender, ["x@example.com"], msg)["final"].code \
                == 250
    rc, out = _ctl(w, "quarantine", "list")
    assert rc == 0 and len(out.strip().splitlines()) == 2, out
    rc, out = _ctl(w, "quarantine", "list", "--sender", "@worse.test")
    assert rc == 0 and len(out.strip().splitlines()) == 1, out
    assert "b@worse.test" in out
    rc, out = _ctl(w, "quarantine", "list", "--recipient", "nobody@x.test")
    assert rc == 0 and out.strip() == "", out
    rc, out = _ctl(w, "quarantine", "list", "--status", "spam")
    assert rc == 0 and out.strip() == "", out
    rc, out = _ctl(w, "quarantine", "list", "--json")
    assert rc == 0
    entries = json.loads(out)
    assert len(entries) == 2 and entries[0]["recipients"][0][
        "spam"] == "blacklisted"
    rc, out = _ctl(w, "quarantine", "purge", "--older-than", "1h",
                   "--dry-run")
    assert rc == 0 and "0 entries would be removed" in out, out
    rc, out = _ctl(w, "quarantine", "purge", "--older-than", "0s")
    assert rc == 0 and "2 entries removed" in out, out
    rc, out = _ctl(w, "quarantine", "list")
    assert rc == 0 and out.strip() == ""
    rc, out = _ctl(w, "quarantine", "release", "../../etc/passwd")
    assert rc == 66, out
    rc, out = _ctl(w, "quarantine", "--help")
    assert rc == 0 and "release ID" in out


def test_winnowctl_template_check(workdir):
    good = os.path.join(workdir, "good.tmpl")
    bad = os.path.join(workdir, "bad.tmpl")
    with open(good, "w") as f:
        f.write("Subject: ${status}\n\n${if virus}${virus}${endif}\n")
    with open(bad, "w") as f:
        f.write("Subject: x\n\nline\n\nthen ${nonsense} here\n")
    p = subprocess.run([WINNOWCTL, "template-check", good, bad],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    out = p.stdout.decode()
    assert p.returncode == 65, out
    assert "%s: ok" % good in out
    assert "%s:5: unknown macro ${nonsense}" % bad in out


def test_file_list_is_read_again_on_sighup(pw, workdir):
    """blacklist = file:PATH: SIGHUP reads the file again even when the
    configuration file itself did not change."""
    import signal
    lst = os.path.join(workdir, "black.txt")
    with open(lst, "w") as f:
        f.write("first@bad.test\n")
    w, sink = pw(policy={"blacklist": "file:%s" % lst,
                         "blacklisted.subject_tag": "[BL]"})

    def status_of(sender):
        _, msg = make_message(subject="s", sender=sender)
        with Client(w.port) as c:
            c.ehlo()
            assert c.xfer(sender, ["a@x.test"], msg)["final"].code == 250
        return fields_named(sink.delivered()[-1].data, "X-Winnow-Status")
    assert status_of("first@bad.test") == [b"X-Winnow-Status: blacklisted"]
    assert status_of("second@bad.test") != [b"X-Winnow-Status: blacklisted"]
    with open(lst, "w") as f:
        f.write("# changed\nsecond@bad.test\n")
    w.signal(signal.SIGHUP)
    w.wait_log(r"configuration reloaded", timeout=10)
    time.sleep(1.0)             # the new children
    assert status_of("second@bad.test") == [b"X-Winnow-Status: blacklisted"]
    assert status_of("first@bad.test") != [b"X-Winnow-Status: blacklisted"]

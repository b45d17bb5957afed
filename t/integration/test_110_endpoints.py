"""Endpoints other than tcp:127.0.0.1: a unix: listener and forward, the
exec: forward (a command speaking SMTP or LMTP on stdin/stdout, run by the
unprivileged child), IPv6 listener and forward, several listeners."""

import glob
import os
import re
import stat
import time

import pytest

from wntest import net
from wntest.ours import filtered
from wntest.smtp import Client, make_message, seq_of, fields_named

RESPONDER = os.path.join(os.path.dirname(__file__), "..", "lib", "wntest",
                         "exec_responder.py")


def _xfer(c, lmtp=False, rcpts=("r@example.com",)):
    tok, msg = make_message()
    c.ehlo(lmtp=lmtp)
    r = c.xfer("s@example.org", list(rcpts), msg, lmtp=lmtp)
    return tok, msg, r


def test_unix_listener(winnowd, pysink, workdir):
    sink = pysink()
    path = os.path.join(workdir, "winnow.sock")
    w = winnowd(forward="tcp:127.0.0.1:%d" % sink.port,
                listen="unix:%s" % path)
    st = os.stat(path)
    assert stat.S_ISSOCK(st.st_mode) and stat.S_IMODE(st.st_mode) == 0o666
    with Client(unix=path) as c:
        tok, msg, r = _xfer(c)
        assert r["final"].code == 250
    t = sink.delivered()[0]
    filtered(t.data, msg)
    assert "peer=[local]" in w.log()
    rec = fields_named(t.data, "Received")[0].replace(b"\r\n\t", b" ")
    assert rec.startswith(b"Received: from client.itest.invalid by "), \
        "no TCP-info for a unix socket peer: %r" % rec
    assert w.stop() == 0
    assert not os.path.exists(path), "the socket file is removed on exit"


def test_unix_forward_smtp_and_lmtp(winnowd, pysink, workdir):
    for lmtp in (False, True):
        path = os.path.join(workdir, "down%d.sock" % lmtp)
        sink = pysink(unix=path, lmtp=lmtp)
        os.chmod(path, 0o666)          # the children are unprivileged
        w = winnowd(forward="unix:%s" % path,
                    server={"forward_protocol": "lmtp" if lmtp else "smtp"})
        with Client(w.port) as c:
            tok, msg, r = _xfer(c, rcpts=["a@example.com", "b@example.com"])
            assert r["final"].code == 250, r
        t = sink.delivered()[0]
        assert t.accepted == ["a@example.com", "b@example.com"]
        filtered(t.data, msg)


def _outdir(workdir, name="exec-out"):
    d = os.path.join(workdir, name)
    os.makedirs(d)
    os.chmod(d, 0o777)                  # written by the unprivileged child
    return d


def _exec_msgs(d):
    res = []
    for p in sorted(glob.glob(os.path.join(d, "*.eml"))):
        with open(p, "rb") as f:
            data = f.read()
        with open(p[:-4] + ".env") as f:
            env = f.read().splitlines()
        res.append((env, data))
    return res


@pytest.mark.parametrize("proto", ["smtp", "lmtp"])
def test_exec_forward(winnowd, workdir, proto):
    out = _outdir(workdir)
    args = " --lmtp" if proto == "lmtp" else ""
    w = winnowd(forward="exec:/usr/bin/python3 %s --out %s%s"
                % (os.path.abspath(RESPONDER), out, args),
                server={"forward_protocol": proto})
    sent = []
    with Client(w.port) as c:
        c.ehlo()
        for i in range(3):
            tok, msg = make_message()
            r = c.xfer("s@example.org", ["a@example.com", "b@example.com"],
                       msg, mail_params="BODY=8BITMIME")
            assert r["final"].code == 250, r
            sent.append(msg)
        assert c.cmd("XFORWARD ADDR=192.0.2.5 NAME=x.example").code == 250
        tok, msg = make_message()
        assert c.xfer("s@example.org", ["a@example.com"], msg)[
            "final"].code == 250
        sent.append(msg)
    got = _exec_msgs(out)
    assert len(got) == 4, "one command run per message, each stored once"
    for (env, data), msg in zip(got, sent):
        filtered(data, msg)
        assert env[0].startswith("LHLO " if proto == "lmtp" else "EHLO ")
        assert env[1].startswith("MAIL FROM:<s@example.org>")
    assert any(l.startswith("XFORWARD ") and "ADDR=192.0.2.5" in l
               for l in got[3][0])
    # every command was reaped: no zombies under the children
    time.sleep(0.3)
    for kid in w.children():
        assert net.children_of(kid) == [], "zombie or stray command"


def test_exec_forward_refusals_mirrored(winnowd, workdir):
    out = _outdir(workdir)
    w = winnowd(forward="exec:/usr/bin/python3 %s --out %s --lmtp "
                "--rcpt-reply bad@example.com=550_5.1.1_unknown"
                % (os.path.abspath(RESPONDER), out),
                server={"forward_protocol": "lmtp"})
    with Client(w.port) as c:
        tok, msg, r = _xfer(c, lmtp=True, rcpts=["ok@example.com",
                                                 "bad@example.com"])
    assert [x.code for x in r["final"]] == [250, 550], r
    assert len(_exec_msgs(out)) == 1


@pytest.mark.parametrize("how,args,exit_log", [
    ("missing-binary", None, "exited with status 127; stderr: .*"
     "exec /nonexistent/command: No such file or directory"),
    ("dies-at-greeting", "--die-after EHLO", "exited with status 3; "
     "stderr: exec_responder: giving up after EHLO$"),
    ("dies-at-rcpt", "--die-after RCPT", "exited with status 3; "
     "stderr: exec_responder: giving up after RCPT$"),
    ("dies-in-body", "--die-after DATA-BODY", "exited with status 3; "
     "stderr: exec_responder: giving up after DATA-BODY$"),
    ("bad-greeting", "--greeting 554_go_away", None),
])
def test_exec_forward_failures_are_4xx(winnowd, workdir, how, args,
                                       exit_log):
    out = _outdir(workdir)
    if args is None:
        fwd = "exec:/nonexistent/command -bs"
    else:
        fwd = "exec:/usr/bin/python3 %s --out %s %s" % (
            os.path.abspath(RESPONDER), out, args)
    w = winnowd(forward=fwd)
    with Client(w.port) as c:
        tok, msg, r = _xfer(c)
    assert r["final"].code // 100 == 4, r
    assert _exec_msgs(out) == []
    assert "killed by signal" not in w.log()
    # the command's exit status and its stderr (on one line) say why
    if exit_log:
        w.wait_log(r"(?m)%s: pid \d+ %s" % (re.escape(fwd), exit_log))
    else:
        assert "exited with status" not in w.log()


def test_exec_forward_command_lingering_after_quit(winnowd, workdir):
    """A command that does not exit after QUIT and the end of its input is
    killed a second later and reaped; the message it took stays accepted."""
    out = _outdir(workdir)
    fwd = "exec:/usr/bin/python3 %s --out %s --linger 30" % (
        os.path.abspath(RESPONDER), out)
    w = winnowd(forward=fwd)
    with Client(w.port) as c:
        tok, msg, r = _xfer(c)
    assert r["final"].code == 250, r
    assert len(_exec_msgs(out)) == 1
    w.wait_log(r"%s: pid \d+ was still running a second after its session "
               r"ended: killed" % re.escape(fwd))
    time.sleep(0.3)
    for kid in w.children():
        assert net.children_of(kid) == [], "zombie or stray command"


def test_ipv6_listener_and_forward(winnowd, pysink, ports):
    sink = pysink(host="::1")
    p = ports()
    w = winnowd(forward="tcp:[::1]:%d" % sink.port, port=p,
                listen="tcp:[::1]:%d" % p)
    with Client(p, host="::1") as c:
        tok, msg, r = _xfer(c)
        assert r["final"].code == 250, r
    t = sink.delivered()[0]
    filtered(t.data, msg)
    assert t.sess.peer[0] == "::1"
    rec = fields_named(t.data, "Received")[0].replace(b"\r\n\t", b" ")
    assert b"from client.itest.invalid ([IPv6:::1]) by" in rec, rec
    assert "peer=[::1]" in w.log()
    # IPv6-only: nothing on 127.0.0.1 at that port
    with pytest.raises(ConnectionRefusedError):
        Client(p, host="127.0.0.1")


def test_several_listeners(winnowd, pysink, ports, workdir):
    sink = pysink()
    p1, p2 = ports(), ports()
    path = os.path.join(workdir, "lmtp.sock")
    winnowd(forward="tcp:127.0.0.1:%d" % sink.port, port=p1,
            listen="smtp:tcp:127.0.0.1:%d, lmtp:unix:%s tcp:[::1]:%d"
            % (p1, path, p2))
    toks = []
    with Client(p1) as c:
        assert "ESMTP" in c.greeting.text
        toks.append(_xfer(c)[0])
    with Client(unix=path) as c:
        assert "LMTP" in c.greeting.text
        toks.append(_xfer(c, lmtp=True)[0])
    with Client(p2, host="::1") as c:
        toks.append(_xfer(c)[0])
    assert [seq_of(t.data) for t in sink.delivered()] == toks

"""build/winnow-pipe as a program: its command line, exit codes and
messages, and socket mode (-l) in front of a real winnowd.

Ports: 24000-24999 (this file's own allocator).
"""

import os
import re
import signal
import subprocess
import time

import pytest

from wntest import net, procs
from wntest.smtp import Client, make_message

PIPE = os.path.join(procs.TOP, "build", "winnow-pipe")

_alloc = net.PortAllocator(24000, 24999)


@pytest.fixture
def ports():
    """This file's ports: 24000-24999."""
    return _alloc


def pipe(*args, stdin=b"", timeout=30):
    p = subprocess.run([PIPE] + list(args), input=stdin,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=timeout)
    return p.returncode, p.stdout.decode("utf-8", "replace"), \
        p.stderr.decode("utf-8", "replace")


def write_conf(workdir, text):
    path = os.path.join(workdir, "pipe.conf")
    with open(path, "w") as f:
        f.write(text)
    return path


def test_help_version_and_usage():
    rc, out, err = pipe("--help")
    assert rc == 0 and err == ""
    for what in ("on_error", "tempfail", "reject", "accept", "Exit status",
                 "lmtp", "--client-address", "filter_size_limit"):
        assert what in out, what
    rc, out, err = pipe("-V")
    assert rc == 0 and out.startswith("winnow-pipe ")
    rc, out, err = pipe("--bogus")
    assert rc == 64 and "Try winnow-pipe --help" in err
    rc, out, err = pipe("-p", "uucp")
    assert rc == 64 and "-p takes auto, smtp or lmtp" in err
    rc, out, err = pipe("stray")
    assert rc == 64 and "unexpected argument" in err


def test_configuration_errors_exit_78_with_file_and_line(workdir):
    conf = write_conf(workdir, "[client]\nconnect_to = localhost\n"
                      "on_error = maybe\n")
    rc, out, err = pipe("-c", conf, "-t")
    assert rc == 78, (out, err)
    assert "%s:2:" % conf in err and "%s:3:" % conf in err, err
    # the same before any greeting when an MTA runs it
    rc, out, err = pipe("-c", conf, stdin=b"LHLO x\r\n")
    assert rc == 78 and out == "", out
    conf = write_conf(workdir, "[client]\non_error = accept\n")
    rc, out, err = pipe("-c", conf, "-t")
    assert rc == 0 and "is valid" in out


def test_check_says_it_checks_only_its_own_part(workdir):
    """winnow-pipe reads [client] and the session settings only: -t says
    so, and that winnowd -t checks the rest (here a word list winnowd
    would refuse to start on)."""
    conf = write_conf(workdir, "[client]\non_error = accept\n"
                      "[content]\nobscene_words = /nonexistent\n")
    rc, out, err = pipe("-c", conf, "-t")
    assert rc == 0, (out, err)
    assert "[client] and the session settings" in out, out
    assert "is valid" in out and "winnowd -t checks the rest" in out, out
    rc, out = procs.winnowd_check(conf)
    assert rc == 78 and "obscene_words" in out, out


def test_stdio_lmtp_session_through_winnowd(relay, workdir):
    w, sink = relay()
    conf = write_conf(workdir, open(w.conf_path).read() +
                      "\n[client]\nconnect_to = tcp:127.0.0.1:%d\n" % w.port)
    token, msg = make_message()
    session = (b"LHLO mta.itest.invalid\r\nMAIL FROM:<s@example.org>\r\n"
               b"RCPT TO:<a@example.com>\r\nRCPT TO:<b@example.com>\r\n"
               b"DATA\r\n" + msg.replace(b"\r\n.", b"\r\n..") +
               b".\r\nQUIT\r\n")
    rc, out, err = pipe("-c", conf, "-e", "--ident", "EXIMID-1",
                        "--client-address", "192.0.2.44", stdin=session)
    assert rc == 0, err
    replies = out.split("\r\n")
    assert replies[0].startswith("220 "), out
    finals = [l for l in replies if l.startswith("250 2.0.0 ")]
    assert len(finals) == 2, out
    assert replies[-2].startswith("221 "), out
    t = sink.wait_delivered(1)
    assert token.encode() in sink.delivered()[0].data
    assert re.search(r"client=\[192\.0\.2\.44\] .*upstream_id=EXIMID-1",
                     w.log()), w.log()


def test_socket_mode(relay, workdir, ports):
    w, sink = relay()
    port = ports()
    conf = write_conf(workdir, open(w.conf_path).read() +
                      "\n[client]\nconnect_to = tcp:127.0.0.1:%d\n"
                      "max_connections = 2\n" % w.port)
    log = open(os.path.join(workdir, "pipe.log"), "wb")
    p = subprocess.Popen([PIPE, "-c", conf, "-e", "-l",
                          "lmtp:tcp:127.0.0.1:%d" % port],
                         stdin=subprocess.DEVNULL, stdout=log,
                         stderr=subprocess.STDOUT)
    try:
        net.wait_listening(port, proc=p)
        token, msg = make_message()
        with Client(port) as c:
            assert "LMTP" in c.greeting.text
            c.ehlo(lmtp=True)
            r = c.xfer("s@example.org", ["a@example.com", "b@example.com"],
                       msg, lmtp=True)
            c.quit()
        assert [x.code for x in r["final"]] == [250, 250], r
        sink.wait_delivered(1)
        # winnowd goes away: on_error (tempfail) answers for it
        w.stop()
        with Client(port) as c:
            c.ehlo(lmtp=True)
            r = c.xfer("s@example.org", ["a@example.com"], msg, lmtp=True)
            c.quit()
        assert r["final"][0].code == 451, r
        assert "Content filter unavailable" in r["final"][0].text
    finally:
        p.send_signal(signal.SIGTERM)
        rc = p.wait(10)
        log.close()
    assert rc == 0
    text = open(os.path.join(workdir, "pipe.log")).read()
    assert "listening on lmtp:tcp:127.0.0.1:%d" % port in text, text
    assert "on_error = tempfail" in text, text

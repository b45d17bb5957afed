"""The milter protocol's edge cases against winnowd: miltertest (Debian's
miltertest, the MTA side of libmilter's protocol driven by Lua scripts in
t/data/milter/) and hostile packets written by hand.

Pass criteria: an MTA that grants fewer actions gets only the changes it
granted, and a redirect that needs the missing ones is deferred (451);
aborts mid-message leave the connection usable; 100 messages on one
connection are each answered; 5000 header fields are answered with the
forged X-Winnow-* deleted; body chunks up to exactly message_size_limit
pass and one byte more gets 552 with the connection still in step; a
length that lies, a zero length, a packet over the limit, a truncated
packet, strings without their NUL, an unknown command and a command
before the negotiation each close the connection without a crash, and
the next connection is served; winnowd -t warns about a split policy.
"""

import os
import shutil
import struct
import subprocess

import pytest

from wntest import net, procs
from wntest.milter import (MilterClient, connect, message, optneg, pkt,
                           strs)

MILTERTEST = shutil.which("miltertest") or "/usr/bin/miltertest"
LUA = os.path.join(procs.TOP, "t", "data", "milter")

_ports = net.PortAllocator(27000, 27499)


@pytest.fixture
def ports():
    return _ports


@pytest.fixture
def mw(winnowd, ports):
    def make(server=None, policy=None):
        port = ports()
        srv = {"listen": "milter:tcp:127.0.0.1:%d" % port}
        srv.update(server or {})
        return winnowd(port=port, server=srv, policy=policy,
                       forward="tcp:127.0.0.1:9")
    return make


def miltertest(script, port):
    if not os.path.exists(MILTERTEST):
        pytest.fail("miltertest is missing (scripts/install-deps)")
    p = subprocess.run([MILTERTEST, "-D", "port=%d" % port, "-s",
                        os.path.join(LUA, script)], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=120)
    out = p.stdout.decode("utf-8", "replace")
    assert p.returncode == 0, out
    return out


def no_crash(w):
    log = w.log()
    assert "killed by signal" not in log and "panic:" not in log, log[-3000:]


def test_fewer_actions(mw):
    w = mw(policy={"blacklist": "spammer@bad.test",
                   "blacklisted.action": "redirect",
                   "blacklisted.to": "abuse@example.com"})
    miltertest("fewer_actions.lua", w.port)
    w.wait_log(r"did not allow header changes")
    w.wait_log(r"did not allow recipients to be (added|deleted).*answering 451")
    no_crash(w)


@pytest.mark.parametrize("script", ["abort.lua", "many.lua", "headers.lua"])
def test_miltertest_script(mw, script):
    w = mw()
    miltertest(script, w.port)
    no_crash(w)


def test_body_chunks_at_the_size_limit(mw):
    w = mw(server={"message_size_limit": "262144"})
    miltertest("size_limit.lua", w.port)
    w.wait_log(r"rejected: message larger than message_size_limit")
    no_crash(w)


def _hello():
    return optneg() + connect()


HOSTILE = {
    "lying_length": _hello() + struct.pack(">I", 0x7fffffff) + b"L",
    "zero_length": _hello() + struct.pack(">I", 0),
    "over_limit": _hello() + struct.pack(">I", 2 * 1024 * 1024) + b"B" +
    b"x" * 100,
    "no_nul": _hello() + pkt("M", b"<a@example.org>"),
    "header_one_string": _hello() + pkt("M", strs("<a@b.example>")) +
    pkt("L", strs("Subject")),
    "unknown_command": _hello() + pkt("Z", b"boo"),
    "before_optneg": connect(),
    "short_optneg": pkt("O", b"\0\0\0\6"),
    "connect_cut": optneg() + pkt("C", b"host\x004\x00"),
    "eom_without_rcpt": _hello() + pkt("M", strs("<a@b.example>")) +
    pkt("E"),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_packets_close_the_connection(mw, name):
    w = mw()
    c = MilterClient(w.port, timeout=10)
    c.send(HOSTILE[name])
    data, closed = c.read_eof()
    c.close()
    assert closed, "winnowd kept the connection open"
    w.wait_log(r"milter from \[127.0.0.1\]: .*closing the connection")
    # the next connection is served in full
    c = MilterClient(w.port)
    c.send(optneg(), connect(),
           *message("a@example.org", ["b@example.com"],
                    [("Subject", "after %s" % name)], b"hello\r\n"))
    got = c.read_until_final()         # the OPTNEG reply
    assert got[-1][0] == "O", got
    got = c.read_until_final()         # RCPT
    assert got[-1][0] == "c", got
    got = c.read_until_final()         # the end of the message
    assert got[-1][0] == "c" and any(r[0] == "i" for r in got), got
    c.close()
    no_crash(w)


def test_truncated_packet_then_eof(mw):
    w = mw()
    c = MilterClient(w.port)
    c.send(_hello() + struct.pack(">I", 100) + b"Lpartial")
    c.sock.shutdown(1)
    data, closed = c.read_eof()
    assert closed
    c.close()
    no_crash(w)


def test_t_warns_when_the_policy_needs_the_split(workdir, ports):
    w = procs.Winnowd(os.path.join(workdir, "t"), port=ports(),
                      server={"listen": "milter:tcp:127.0.0.1:%d" % ports()},
                      extra={"group sales": {"recipients": "@sales.test"}})
    p = subprocess.run([procs.WINNOWD, "-t", "-c", w.conf_path],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       timeout=30)
    out = p.stdout.decode()
    assert p.returncode == 0, out
    assert "split_by_result = yes" in out and "milter" in out, out
    w.sections["policy"]["split_by_result"] = "no"
    w.write_config()
    p = subprocess.run([procs.WINNOWD, "-t", "-c", w.conf_path],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       timeout=30)
    assert "split_by_result" not in p.stdout.decode(), p.stdout

"""The port allocator every test leans on (wntest.net.PortAllocator):
each port of its range once while any is left, then again only the
oldest ones nothing holds, never one with a socket on it (a listener or
a connection in TIME_WAIT).  The suite takes more than its 1,000 ports.
No daemon here."""

import socket

import pytest

from wntest import net

LO, HI = 29900, 29909           # outside every range the suite uses


def test_each_port_once_then_the_oldest_free_ones():
    a = net.PortAllocator(LO, HI, seed=1)
    a.REUSE_AFTER = 4
    first = [a() for _ in range(HI - LO + 1)]
    assert sorted(first) == list(range(LO, HI + 1))
    assert [a(), a()] == first[:2]


def test_a_recent_port_is_not_given_again():
    a = net.PortAllocator(LO, HI, seed=1)
    for _ in range(HI - LO + 1):
        a()
    with pytest.raises(RuntimeError, match="no free port left"):
        a()


def test_a_held_port_is_never_given_again():
    """A listener on one port, a connection in TIME_WAIT on another (the
    side that closes first keeps it): neither is handed out again."""
    a = net.PortAllocator(LO, HI, seed=2)
    a.REUSE_AFTER = 1
    first = [a() for _ in range(HI - LO + 1)]
    held, waiting = first[0], first[1]
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", held))
    srv.listen(1)
    tw = socket.socket()
    tw.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    tw.bind(("127.0.0.1", waiting))
    tw.listen(1)
    c = socket.create_connection(("127.0.0.1", waiting), timeout=1)
    s, _ = tw.accept()
    s.close()                   # we close first: TIME_WAIT on "waiting"
    c.recv(1)
    c.close()
    tw.close()
    try:
        assert net.tcp_sockets(waiting), "no TIME_WAIT to test with"
        again = [a() for _ in range(HI - LO - 1)]
        assert sorted(again) == sorted(first[2:])
    finally:
        srv.close()

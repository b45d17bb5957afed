"""The anti-virus check end to end: real libclamav in winnowd with the test
signatures (t/data/av/sigs, the same as ../shared/av-test: EICAR and
clam.exe), messages sent over SMTP/LMTP, and what the downstream gets.

Pass criteria: EICAR is found plain, as a base64 attachment, in a zip and
in a nested zip, and clam.exe in every file of Debian's clamav-testfiles;
each AV status leads to its policy action (quarantine by default for
infected, reject = 554 in SMTP and per recipient in LMTP, drop, remove
leaves a valid MIME message whose other parts are byte for byte the
original, virus_name_action overrides); the attachment filter gives
"filtered"; an encrypted zip is "encrypted"; an archive past the limits is
"limit", a final outcome per group (quarantine by default; accept delivers
it marked "not-scanned (limits)"; reject), in bounded time, and the log
names the limit; a retry of it is answered from the memory of limit hits
without a scan (issue 19, issue 11 #8); a zip member past max_file_size is
a limit, never clean (issue 11 #11); a database reload under load fails no
message; X-Winnow-Virus says the status and names.
"""

import base64
import io
import os
import re
import signal
import subprocess
import threading
import time
import zipfile
import email
import email.policy

import pytest

from wntest import bombs, net, procs, res
from wntest.ours import filtered
from wntest.smtp import Client, make_message, wait_until

SIGS = os.path.join(procs.TOP, "t", "data", "av", "sigs")
TESTFILES = "/usr/share/clamav-testfiles"
EICAR = base64.b64decode(
    "WDVPIVAlQEFQWzRcUFpYNTQoUF4pN0NDKTd9JEVJQ0FSLVNUQU5EQVJELUFOVElW"
    "SVJVUy1URVNULUZJTEUhJEgrSCo=")
BOUNDARY = "=_winnow_av_test_"

_ports = net.PortAllocator(25000, 25999)


@pytest.fixture
def ports():
    return _ports


@pytest.fixture
def avrelay(relay, workdir):
    """avrelay(av={...}, policy={...}, groups={NAME: {...}}, **relay kw)
    -> (winnowd, sink) with the test signatures loaded."""
    def make(av=None, policy=None, groups=None, **kw):
        tmp = procs.owned_dir(os.path.join(workdir, "avtmp"))
        extra = {"av": {"database": SIGS, "temp_directory": tmp}}
        extra["av"].update(av or {})
        for name, params in (groups or {}).items():
            extra["group %s" % name] = dict(params)
        quar = procs.owned_dir(os.path.join(workdir, "quar"))
        pol = {"quarantine_dir": quar}
        pol.update(policy or {})
        return relay(extra=extra, policy=pol, **kw)
    return make


# ------------------------------------------------------------ messages

def zip_of(entries, encrypt=False, deflate=False):
    """A zip of [(name, bytes)]; encrypt sets the "encrypted" flag of
    every member, which is what ClamAV's heuristic reads."""
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w", zipfile.ZIP_DEFLATED if deflate
                         else zipfile.ZIP_STORED) as z:
        for name, data in entries:
            z.writestr(name, data)
    raw = bytearray(b.getvalue())
    if encrypt:
        for sig, off in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
            i = raw.find(sig)
            while i >= 0:
                raw[i + off] |= 1
                i = raw.find(sig, i + 4)
    return bytes(raw)


def nested(data, depth, name="eicar.com"):
    """depth zips in zips, deflated: the payload shows only unpacked."""
    for i in range(depth):
        data = zip_of([(name, data)], deflate=True)
        name = "level%d.zip" % i
    return data


def b64lines(data):
    s = base64.b64encode(data).decode()
    return "\r\n".join(s[i:i + 76] for i in range(0, len(s), 76))


def with_attachments(parts, subject="with attachment", sender=None):
    """A multipart/mixed message: a text part, then each (filename,
    content-type, bytes) base64-encoded.  Returns (token, message,
    [part bodies as sent])."""
    body = ["This is a multi-part message in MIME format.", "",
            "--" + BOUNDARY,
            "Content-Type: text/plain; charset=us-ascii", "",
            "Please find the files attached.", ""]
    for fname, ctype, data in parts:
        body += ["--" + BOUNDARY,
                 "Content-Type: %s; name=\"%s\"" % (ctype, fname),
                 "Content-Transfer-Encoding: base64",
                 "Content-Disposition: attachment; filename=\"%s\"" % fname,
                 "", b64lines(data), ""]
    body += ["--" + BOUNDARY + "--", ""]
    kw = {"sender": sender} if sender else {}
    tok, msg = make_message(
        subject=subject, body="\r\n".join(body),
        extra_headers=["Content-Type: multipart/mixed; boundary=\"%s\""
                       % BOUNDARY], **kw)
    # make_message put a text/plain Content-Type first: drop it
    msg = msg.replace(b"Content-Type: text/plain; charset=us-ascii\r\n",
                      b"", 1)
    return tok, msg


def send(w, msg, rcpts=("r@example.com",), lmtp=False,
         sender="s@example.org"):
    with Client(w.port) as c:
        c.ehlo(lmtp=lmtp)
        r = c.xfer(sender, list(rcpts), msg, lmtp=lmtp)
        c.quit()
    return r


def virus_of(sink, msg, n=-1):
    return filtered(sink.delivered()[n].data, msg).virus


# ------------------------------------------------------------ detection

def test_clean_message_passes_byte_for_byte(avrelay):
    w, sink = avrelay()
    tok, msg = with_attachments([("report.txt", "text/plain",
                                  b"quarterly figures\r\n")])
    r = send(w, msg)
    assert r["final"].code == 250, r
    assert virus_of(sink, msg) == "clean"


def _eicar_forms():
    return {
        "plain": make_message(body=EICAR + b"\r\n")[1],
        "base64": with_attachments([("eicar.com", "application/octet-stream",
                                     EICAR)])[1],
        "zip": with_attachments([("eicar.zip", "application/zip",
                                  zip_of([("eicar.com", EICAR)]))])[1],
        "nested-zip": with_attachments([("deep.zip", "application/zip",
                                         nested(EICAR, 4))])[1],
    }


@pytest.mark.parametrize("form", ["plain", "base64", "zip", "nested-zip"])
def test_eicar_found(avrelay, form):
    w, sink = avrelay(policy={"infected.action": "accept"})
    msg = _eicar_forms()[form]
    r = send(w, msg)
    assert r["final"].code == 250, r
    v = virus_of(sink, msg)
    assert v.startswith("infected") and "Eicar-Test-Signature" in v, v
    assert re.search(r"virus=Eicar-Test-Signature\S* .* status=\S+/infected "
                     r"action=accept", w.log()), w.log()


def test_every_clamav_testfile_found(avrelay):
    """clam.exe in each of Debian's 44 containers and packers, attached
    to a message (clam.mail is itself a message and goes as it is)."""
    files = sorted(os.listdir(TESTFILES))
    assert len(files) >= 44, files
    w, sink = avrelay(policy={"infected.action": "accept"})
    missed = []
    for fname in files:
        data = open(os.path.join(TESTFILES, fname), "rb").read()
        if fname == "clam.mail":
            msg = data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
        else:
            _, msg = with_attachments([(fname, "application/octet-stream",
                                        data)])
        r = send(w, msg)
        assert r["final"].code == 250, (fname, r)
        got = sink.delivered()[-1].data
        m = re.search(rb"^X-Winnow-Virus: ([^\r\n]*)", got, re.M)
        if not m or b"ClamAV-Test-File" not in m.group(1):
            missed.append((fname, m and m.group(1)))
    assert missed == [], missed


def test_encrypted_zip(avrelay):
    w, sink = avrelay()
    _, msg = with_attachments([("secret.zip", "application/zip",
                                zip_of([("figures.txt", b"numbers\r\n")],
                                       encrypt=True))])
    r = send(w, msg)
    assert r["final"].code == 250, r   # encrypted.action: accept
    v = virus_of(sink, msg)
    assert v.startswith("encrypted"), v


# ------------------------------------------------------------ actions

def test_D5_infected_default_is_quarantine(avrelay, workdir):
    w, sink = avrelay()
    msg = _eicar_forms()["base64"]
    r = send(w, msg)
    assert r["final"].code == 250, r
    assert "quarantine" in r["final"].text, r
    assert sink.delivered() == []
    q = os.path.join(workdir, "quar")
    wait_until(lambda: [f for f in os.listdir(q) if f.endswith(".json")],
               5, what="the quarantine entry")
    assert re.search(r"action=quarantine", w.log()), w.log()


def test_infected_reject_smtp_and_lmtp_per_recipient(avrelay):
    w, sink = avrelay(policy={"infected.action": "reject"})
    msg = _eicar_forms()["zip"]
    r = send(w, msg)
    assert r["final"].code == 554, r
    assert sink.delivered() == []
    # LMTP: a group that accepts infected mail gets it, the other refuses
    w2, sink2 = avrelay(policy={"infected.action": "reject"},
                        groups={"lab": {"recipients": "@lab.example",
                                        "infected.action": "accept"}},
                        server={"listen": "lmtp:tcp:127.0.0.1:%d"
                                % _ports()})
    w2.port = int(w2.conf["listen"].rsplit(":", 1)[1])
    r = send(w2, msg, rcpts=["a@example.com", "b@lab.example"], lmtp=True)
    assert [x.code for x in r["final"]] == [554, 250], r
    assert [t.accepted for t in sink2.delivered()] == [["b@lab.example"]]


def test_virus_name_action_overrides(avrelay):
    w, sink = avrelay(policy={"infected.action": "accept",
                              "virus_name_action": "Eicar-*:drop"})
    r = send(w, _eicar_forms()["plain"])
    assert r["final"].code == 250, r
    assert sink.delivered() == []
    assert "action=drop" in w.log()
    # another name is not concerned
    tf = open(os.path.join(TESTFILES, "clam.zip"), "rb").read()
    _, msg = with_attachments([("clam.zip", "application/zip", tf)])
    r = send(w, msg)
    assert r["final"].code == 250, r
    assert "ClamAV-Test-File" in virus_of(sink, msg)


def _parts(data):
    m = email.message_from_bytes(data, policy=email.policy.compat32)
    return m, m.get_payload()


def test_remove_replaces_only_the_infected_part(avrelay):
    w, sink = avrelay(policy={"infected.action": "remove"})
    keep = b"%PDF-1.4 not really a pdf\r\n" * 20
    tok, msg = with_attachments([
        ("eicar.com", "application/octet-stream", EICAR),
        ("keep.pdf", "application/pdf", keep)])
    r = send(w, msg)
    assert r["final"].code == 250, r
    got = sink.delivered()[0].data
    assert b"X-Winnow-Virus: infected" in got
    m, parts = _parts(got)
    assert m.get_content_type() == "multipart/mixed"
    assert len(parts) == 3, [p.get_content_type() for p in parts]
    assert parts[0].get_payload() == \
        _parts(msg)[1][0].get_payload(), "text part changed"
    assert parts[1].get_content_type() == "text/plain"
    assert EICAR not in got and base64.b64encode(EICAR)[:40] not in got
    assert parts[2].get_payload(decode=True) == keep
    # every byte after the removed part is the original's
    tail = msg[msg.index(b'name="keep.pdf"') - 200:]
    tail = tail[tail.index(b"--" + BOUNDARY.encode()):]
    assert got.endswith(tail)


def test_attachment_filter_double_extension(avrelay):
    w, sink = avrelay(av={"filter_names": "*.exe *.scr"})
    keep = b"plain notes\r\n"
    _, msg = with_attachments([
        ("invoice.pdf.exe", "application/pdf", b"MZ not really\r\n"),
        ("notes.txt", "text/plain", keep)])
    r = send(w, msg)
    assert r["final"].code == 250, r   # filtered.action: remove
    got = sink.delivered()[0].data
    assert re.search(rb"^X-Winnow-Virus: filtered", got, re.M), got[:800]
    assert b"TVogbm90IHJlYWxseQ" not in got   # base64 of the .exe
    m, parts = _parts(got)
    assert parts[-1].get_payload(decode=True) == keep


# ------------------------------------------------------------ limits

def test_S1_deep_nesting_is_a_final_limit_and_a_retry_costs_no_scan(
        avrelay, workdir):
    """25 levels of zip (max_recursion 17): the "limit" status, whose
    default action is quarantine - final, not a 451 that the upstream would
    retry (and we would rescan) for days; nothing unscanned is delivered;
    the log names the limit.  The retry, with a new Received: line in
    front as a before-queue proxy adds, gets the same answer without a
    scan."""
    w, sink = avrelay(policy={"infected.action": "accept"})
    _, msg = with_attachments([("deep.zip", "application/zip",
                                nested(EICAR, 25))])
    t0 = time.monotonic()
    r = send(w, msg)
    assert time.monotonic() - t0 < 30
    assert r["final"].code == 250, r
    assert "quarantine" in r["final"].text, r
    assert sink.delivered() == []
    w.wait_log(r"virus scan: scan limit reached: Heuristics\.Limits\."
               r"Exceeded\.MaxRecursion \(raise \[av\] max_recursion\)")
    retry = (b"Received: from upstream.example by mx.example; "
             b"Mon, 7 Dec 2026 00:00:00 +0000\r\n" + msg)
    r = send(w, retry)
    assert r["final"].code == 250, r
    assert "quarantine" in r["final"].text, r
    w.wait_log(r"the same message hit it before: answered without a scan")
    assert sink.delivered() == []


@pytest.mark.parametrize("action,code", [("accept", 250), ("reject", 554)])
def test_S1_the_limit_action_is_per_group(avrelay, action, code):
    """limit.action: accept delivers the message marked "not-scanned
    (limits)" with the limit's name; reject refuses it for good."""
    w, sink = avrelay(groups={"lim": {"recipients": "r@example.com",
                                      "limit.action": action}})
    _, msg = with_attachments([("deep.zip", "application/zip",
                                nested(EICAR, 25))])
    r = send(w, msg)
    assert r["final"].code == code, r
    if action == "accept":
        v = virus_of(sink, msg)
        assert v.startswith("not-scanned (limits): "
                            "Heuristics.Limits.Exceeded.MaxRecursion"), v
    else:
        assert sink.delivered() == []


def test_S1_a_zip_member_past_max_file_size_is_a_limit_not_clean(avrelay):
    """libclamav scans only the first max_file_size bytes of a member
    and says nothing: EICAR in the unscanned tail passed as clean (issue
    11 #11).  It is the limit status, named MaxFileSize."""
    w, sink = avrelay(av={"max_file_size": "64k"},
                      policy={"limit.action": "accept"})
    big = b"A" * 200000 + EICAR
    _, msg = with_attachments([("big.zip", "application/zip",
                                zip_of([("big.txt", big)], deflate=True))])
    r = send(w, msg)
    assert r["final"].code == 250, r
    v = virus_of(sink, msg)
    assert v.startswith("not-scanned (limits): "
                        "Heuristics.Limits.Exceeded.MaxFileSize"), v


def test_C1_zip_bomb_is_a_limit_in_bounded_time(avrelay):
    """512 MiB of zeros in a 0.5 MiB zip, max_scan_size 16M: the limit,
    not the whole bomb, within the scan time bound."""
    b = io.BytesIO()
    zeros = b"\0" * (8 << 20)
    with zipfile.ZipFile(b, "w", zipfile.ZIP_DEFLATED) as z:
        for i in range(64):
            z.writestr("zero%d.bin" % i, zeros)
    w, sink = avrelay(av={"max_file_size": "4M", "max_scan_size": "16M",
                          "max_scan_time": "20s"},
                      policy={"limit.action": "accept"})
    _, msg = with_attachments([("bomb.zip", "application/zip",
                                b.getvalue())])
    t0 = time.monotonic()
    r = send(w, msg)
    assert time.monotonic() - t0 < 25
    assert r["final"].code == 250, r
    assert virus_of(sink, msg).startswith("not-scanned (limits)"), \
        virus_of(sink, msg)


# ------------------------------------------------------------ engine

def test_no_database_yet_then_one_appears(avrelay, workdir):
    """freshclam's directory before its first download: winnowd runs,
    says so, marks mail not-scanned (never clean); the periodic check
    loads the database when it appears."""
    empty = procs.owned_dir(os.path.join(workdir, "nodb"))
    w, sink = avrelay(av={"database": empty, "db_check_interval": "1s"})
    assert "virus scanning is OFF" in w.log()
    msg = _eicar_forms()["plain"]
    r = send(w, msg)
    assert r["final"].code == 250, r
    assert virus_of(sink, msg).startswith("not-scanned")
    for f in os.listdir(SIGS):
        if f.endswith((".hdb", ".ndb")):
            with open(os.path.join(SIGS, f), "rb") as a, \
                    open(os.path.join(empty, f), "wb") as b:
                b.write(a.read())
    w.wait_log(r"av: 4 signatures", timeout=15)
    # new children serve with it; the default infected action is
    # quarantine, which the answer says
    wait_until(lambda: send(w, _eicar_forms()["plain"])["final"].text
               .find("quarantine") >= 0, 15, what="scanning on")


MARKER = b"winnow-av-reload-marker"
MARKER_SIG = ("Winnow-Reload-Marker:0:*:%s\n" % MARKER.hex())


def test_S2_database_reload_under_load_fails_no_message(avrelay, workdir):
    """Messages flow from two clients while SIGHUP swaps in a database
    with one more signature: every message is answered 250, and the new
    signature works afterwards."""
    db = procs.owned_dir(os.path.join(workdir, "db"))
    for f in os.listdir(SIGS):
        if f.endswith((".hdb", ".ndb")):
            with open(os.path.join(SIGS, f), "rb") as s, \
                    open(os.path.join(db, f), "wb") as d:
                d.write(s.read())
    w, sink = avrelay(av={"database": db},
                      policy={"infected.action": "accept"})
    stop = threading.Event()
    codes = []

    def client():
        while not stop.is_set():
            _, msg = make_message(body=b"nothing to see\r\n")
            codes.append(send(w, msg)["final"].code)
    threads = [threading.Thread(target=client) for _ in range(2)]
    for t in threads:
        t.start()
    time.sleep(1)
    with open(os.path.join(db, "marker.ndb"), "w") as f:
        f.write(MARKER_SIG)
    w.signal(signal.SIGHUP)
    time.sleep(3)
    stop.set()
    for t in threads:
        t.join(30)
    assert len(codes) > 20 and set(codes) == {250}, codes
    _, msg = make_message(body=MARKER + b"\r\n")
    r = send(w, msg)
    assert r["final"].code == 250, r
    assert "Winnow-Reload-Marker" in virus_of(sink, msg)


# -------------------------------------------- fault matrix S1, C1, C3

def _scan_process(w, child):
    """The scan process of a child (its one descendant), once warm."""
    return wait_until(lambda: res.descendants(child), 10,
                      what="the scan process of child %d" % child)[0]


def _one_child(**kw):
    kw.setdefault("server", {}).update({
        "start_children": "1", "max_children": "1", "min_spare": "1",
        "max_spare": "1"})
    return kw


def test_S1_scan_process_killed_mid_scan_is_error_then_recovers(avrelay):
    """The scan process dies in the middle of a message (held with
    SIGSTOP, then SIGKILL): that message gets the error status, whose
    default action is 4xx - nothing unscanned is delivered; the child
    lives on, starts a new scan process and the next message is scanned
    and delivered."""
    w, sink = avrelay(**_one_child())
    child, = w.wait_children(1)
    assert send(w, make_message()[1])["final"].code == 250   # warm
    scanner = _scan_process(w, child)
    os.kill(scanner, signal.SIGSTOP)
    out = {}
    th = threading.Thread(target=lambda: out.update(
        r=send(w, _eicar_forms()["base64"])))
    th.start()
    time.sleep(1)
    os.kill(scanner, signal.SIGKILL)
    th.join(30)
    assert out["r"]["final"].code // 100 == 4, out
    assert len(sink.delivered()) == 1
    assert w.children() == [child], "the child must survive its scanner"
    tok, msg = make_message()
    r = send(w, msg)
    assert r["final"].code == 250, r
    assert virus_of(sink, msg) == "clean"
    assert _scan_process(w, child) != scanner
    assert "Winnow.Scan.Error" in w.log() or "scan process" in w.log()


def test_S1_hung_scanner_is_cut_at_max_scan_time(avrelay):
    """A scan process that never answers (SIGSTOP) is killed at
    max_scan_time + kill_grace: error status, 4xx, within the bound."""
    w, sink = avrelay(av={"max_scan_time": "1s", "kill_grace": "1s"},
                      **_one_child())
    child, = w.wait_children(1)
    assert send(w, make_message()[1])["final"].code == 250
    os.kill(_scan_process(w, child), signal.SIGSTOP)
    t0 = time.monotonic()
    r = send(w, make_message()[1])
    took = time.monotonic() - t0
    assert r["final"].code // 100 == 4, r
    assert 1.5 < took < 5, took
    assert len(sink.delivered()) == 1
    assert send(w, make_message()[1])["final"].code == 250


@pytest.mark.parametrize("action,code", [("tempfail", 451),
                                         ("accept", 250),
                                         ("reject", 554)])
def test_S1_limits_map_to_the_configured_verdict(avrelay, action, code):
    """libclamav's limits (max_files here: a zip of 300 files against
    100; max_file_size: an archive member of 2 MiB against 1M, issue 11
    #11) give the limit status, and limit.action decides: 451, 250 with
    X-Winnow-Virus: not-scanned (limits), or 554 - never clean."""
    w, sink = avrelay(av={"max_files": "100", "max_file_size": "1M"},
                      policy={"limit.action": action})
    many = bombs.zip_of([("f%d.txt" % i, b"x%d" % i) for i in range(300)])
    big = bombs.zip_of([("big.bin", b"\0" * (2 << 20) + EICAR)])
    for name, data, limit in (("many.zip", many, "MaxFiles"),
                              ("big.zip", big, "MaxFileSize")):
        _, msg = with_attachments([(name, "application/zip", data)])
        r = send(w, msg)
        assert r["final"].code == code, (name, r)
        if code == 250:
            v = virus_of(sink, msg)
            assert v.startswith("not-scanned (limits)") and limit in v, v
        assert "Heuristics.Limits.Exceeded.%s" % limit in w.log()


ARCHIVE_BOMBS = {
    "nested-20-distinct": lambda: bombs.nested_zip(20),
    "42.zip": lambda: bombs.zip_42(),
    "overlapping": lambda: bombs.overlapping_zip(),
}


@pytest.mark.parametrize("kind", sorted(ARCHIVE_BOMBS))
def test_C1_archive_bombs_verdict_in_time_memory_and_disk(avrelay, workdir,
                                                          kind):
    """Recursive zips 20 deep with new content at every level, a 42.zip
    (16 GiB from 20 KB) and an overlapping zip (2 GB claimed by 140 KB),
    default limits: a verdict within 5 s (clean when libclamav could see
    it all, else the limit or error status, which the policy decides), the scan
    process under 256 MB, the AV temporary directory under max_scan_size
    at its fullest and empty afterwards."""
    tmp = procs.owned_dir(os.path.join(workdir, "avtmp"))
    w, sink = avrelay(policy={"error.action": "accept",
                              "limit.action": "accept"}, **_one_child())
    child, = w.wait_children(1)
    assert send(w, make_message()[1])["final"].code == 250   # warm
    _, msg = with_attachments([("bomb.zip", "application/zip",
                                ARCHIVE_BOMBS[kind]())])
    disk = {"peak": 0}
    done = threading.Event()

    def watch():
        while not done.wait(0.02):
            disk["peak"] = max(disk["peak"], res.du(tmp))
    th = threading.Thread(target=watch)
    th.start()
    try:
        with res.AnonPeak(child, tree=True) as mem:
            t0 = time.monotonic()
            r = send(w, msg)
            took = time.monotonic() - t0
    finally:
        done.set()
        th.join()
    assert r["final"].code == 250, r
    v = virus_of(sink, msg)
    assert v == "clean" or v.startswith(("error", "not-scanned (limits)")), v
    assert took < 5, "verdict after %.1fs" % took
    assert mem.peak < 256 * 1024, "scan memory %d KiB" % mem.peak
    assert disk["peak"] < 400 << 20, disk
    assert res.du(tmp) == 0, os.listdir(tmp)


def test_C3_hostile_member_names_write_nothing_outside(avrelay, workdir):
    """A zip and a tar whose members are named ../../tmp/..., /tmp/...,
    a symlink to /etc with a member behind it, device names, a hard link
    to /etc/shadow: libclamav unpacks into the child's private temporary
    directory under names of its own; nothing of these names appears in
    any directory the children's user may write, /etc is untouched, and
    the private directory is empty after the message."""
    import hashlib
    import uuid
    tag = "c3w%s" % uuid.uuid4().hex[:10]
    tmp = procs.owned_dir(os.path.join(workdir, "avtmp"))
    etc = {f: hashlib.sha256(open(f, "rb").read()).hexdigest()
           for f in ("/etc/passwd", "/etc/hosts")}
    w, sink = avrelay(policy={"error.action": "accept"})
    _, msg = with_attachments([
        ("names.zip", "application/zip", bombs.hostile_names_zip(tag)),
        ("names.tar", "application/x-tar", bombs.tar_of_hostile_names(tag)),
    ])
    r = send(w, msg)
    assert r["final"].code == 250, r
    # Where an escaping name could land: the shared temporary directories'
    # tops (an absolute /tmp/... or a ../ run reaching /, and the test run's
    # directory one level down), and anywhere in this test's own trees.
    # Only those depths: a CI machine's /tmp holds other runs' deep trees,
    # and walking them all took over a minute.
    shared = ["/tmp", "/var/tmp", "/dev/shm", "/var/spool/winnow",
              "/var/lib/winnow"]
    found = b""
    for roots, depth in ((shared, "2"), ([workdir, w.dir], "64")):
        roots = [d for d in roots if os.path.isdir(d)]
        p = subprocess.run(["find"] + roots + ["-maxdepth", depth,
                                               "-name", tag + "*"],
                           stdout=subprocess.PIPE,
                           stderr=subprocess.DEVNULL, timeout=60)
        found += p.stdout
    assert found == b"", found
    assert not os.path.lexists("/%s-dotdot" % tag)
    for f, h in etc.items():
        assert hashlib.sha256(open(f, "rb").read()).hexdigest() == h, f
    assert res.du(tmp) == 0, os.listdir(tmp)


# ------------------------------------------------------------ per group

def test_filter_per_group_rename_and_replace(avrelay, workdir):
    """Each group its own attachment filter (one AV pass per distinct
    option set), rename (.vir) and replace (a notice from a template)."""
    lst = os.path.join(workdir, "mgr-filter.txt")
    with open(lst, "w") as f:
        f.write("# what managers may not get\n*.zip\n")
    tpl = os.path.join(workdir, "replace.tmpl")
    with open(tpl, "w") as f:
        f.write("Subject: Blocked: ${subject}\n\n"
                "A message from ${sender} to ${recipients} carried a "
                "${status} attachment (${virus}); it was replaced.\n")
    w, sink = avrelay(
        av={"filter_names": "*.exe"},
        groups={"mgr": {"recipients": "@mgr.test",
                        "filter_names": "file:%s" % lst,
                        "filtered.action": "rename"},
                "acct": {"recipients": "@acct.test",
                         "filter_names": "*.doc",
                         "filtered.action": "replace",
                         "filtered.template_replace": tpl},
                "acct2": {"recipients": "@acct2.test",
                          "filter_names": "*.doc"}})
    assert "av: 2 option sets" in w.log(), w.log()
    zipped = zip_of([("notes.txt", b"hello")])
    _, msg = with_attachments([
        ("setup.exe", "application/octet-stream", b"MZ not really\r\n"),
        ("files.zip", "application/zip", zipped),
        ("letter.doc", "application/msword", b"not a real doc\r\n")],
        subject="three files")
    r = send(w, msg, rcpts=("x@mgr.test", "y@acct.test", "z@other.test"))
    assert r["final"].code == 250, r
    by = {t.accepted[0]: t.data for t in sink.delivered()}
    assert sorted(by) == ["x@mgr.test", "y@acct.test", "z@other.test"]
    # [av]'s filter: the .exe is removed, the rest stays
    m, parts = _parts(by["z@other.test"])
    assert [p.get_filename() for p in parts[2:]] == ["files.zip",
                                                     "letter.doc"]
    assert parts[1].get_content_type() == "text/plain"
    assert b"TVogbm90IHJlYWxseQ" not in by["z@other.test"]
    # the managers' list: the zip keeps its bytes under another name
    m, parts = _parts(by["x@mgr.test"])
    assert [p.get_filename() for p in parts[1:]] == \
        ["setup.exe", "files.zip.vir", "letter.doc"], \
        [p.get_filename() for p in parts[1:]]
    assert parts[2].get_payload(decode=True) == zipped
    assert re.search(rb"^X-Winnow-Virus: filtered", by["x@mgr.test"], re.M)
    # accounts: the message became the template's notice
    got = by["y@acct.test"]
    assert b"Subject: Blocked: three files\r\n" in got, got[:1000]
    assert b"A message from s@example.org to y@acct.test carried a " \
        b"filtered attachment" in got, got
    assert b"MIME-Version: 1.0\r\nContent-Type: text/plain; " \
        b"charset=utf-8" in got
    # the notice keeps the original's verdict (what the classifier makes
    # of this attachment-only message is the model's business, not this
    # test's), with the AV's
    orig = re.search(rb"^X-Winnow-Status: ([a-z-]+)", by["z@other.test"],
                     re.M)
    assert orig, by["z@other.test"][:800]
    assert re.search(rb"^X-Winnow-Status: " + re.escape(orig.group(1)) +
                     rb"; av=filtered", got, re.M), got[:800]
    assert b"bm90IGEgcmVhbCBkb2M" not in got     # base64 of the .doc


# ------------------------------------------------------------ timing (issue 19)

def test_the_scan_overlaps_the_checks_and_the_debug_log_says_where_time_went(
        avrelay):
    """The scan is handed to the scan process before content parses the
    message and waited for after the other checks (the AV line says how
    long the finish waited, at most its whole time); with log_level debug
    every message gets a line with each check's start+finish and one with
    its stages (data, checks, policy, relay), and the verdicts are those
    of the scan as before."""
    w, sink = avrelay(policy={"infected.action": "accept"},
                      server={"log_level": "debug"})
    for form in ("plain", "nested-zip"):
        msg = _eicar_forms()[form]
        r = send(w, msg)
        assert r["final"].code == 250, r
        v = virus_of(sink, msg)
        assert v.startswith("infected") and "Eicar-Test-Signature" in v, v
        qid = re.search(r"filtered as (\w+)", r["final"].text).group(1)
        log = w.log()
        m = re.search(r"av: %s: (\d+) objects scanned .* in (\d+) ms "
                      r"\((\d+) ms waited for\)" % qid, log)
        assert m, log
        assert int(m.group(1)) >= 2 and int(m.group(3)) <= int(m.group(2))
        assert re.search(r"%s: checks: content [0-9.]+\+[0-9.]+ ms, av "
                         r"[0-9.]+\+[0-9.]+ ms, .*ms in all" % qid, log), log
        assert re.search(r"%s: stages: data [0-9.]+ ms, checks [0-9.]+ ms, "
                         r"policy [0-9.]+ ms, relay [0-9.]+ ms" % qid,
                         log), log


def test_each_child_has_its_scan_process_before_its_first_message(avrelay):
    """A child starts its scan process (and warms it up) as it starts, not
    at its first message, so that message pays neither the fork nor
    libclamav's first scans (issue 19): the scan process is there before
    any mail, and the first message is scanned by it."""
    w, sink = avrelay(**_one_child())
    child, = w.wait_children(1)
    scanner = _scan_process(w, child)
    tok, msg = make_message()
    r = send(w, msg)
    assert r["final"].code == 250, r
    assert virus_of(sink, msg) == "clean"
    assert res.descendants(child) == [scanner]


def test_no_scan_process_when_no_group_scans(avrelay):
    """With a database but av_checks = no in every group, a child starts no
    scan process, at start or for a message."""
    w, sink = avrelay(policy={"av_checks": "no"}, **_one_child())
    child, = w.wait_children(1)
    tok, msg = make_message()
    r = send(w, msg)
    assert r["final"].code == 250, r
    assert res.descendants(child) == []

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
"error", whose default is a temporary failure (nothing unscanned is
delivered), in bounded time; a database reload under load fails no
message; X-Winnow-Virus says the status and names.
"""

import base64
import io
import os
import re
import signal
import threading
import time
import zipfile
import email
import email.policy

import pytest

from wntest import net, procs
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

def test_infected_default_is_quarantine(avrelay, workdir):
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

def test_deep_nesting_is_error_and_tempfails(avrelay):
    """25 levels of zip (max_recursion 17): "error", whose default action
    is a temporary failure: nothing unscanned is delivered."""
    w, sink = avrelay(policy={"infected.action": "accept"})
    _, msg = with_attachments([("deep.zip", "application/zip",
                                nested(EICAR, 25))])
    t0 = time.monotonic()
    r = send(w, msg)
    assert time.monotonic() - t0 < 30
    assert r["final"].code // 100 == 4, r
    assert sink.delivered() == []


def test_zip_bomb_is_error_in_bounded_time(avrelay):
    """512 MiB of zeros in a 0.5 MiB zip, max_scan_size 16M: the limit,
    not the whole bomb, within the scan time bound."""
    b = io.BytesIO()
    zeros = b"\0" * (8 << 20)
    with zipfile.ZipFile(b, "w", zipfile.ZIP_DEFLATED) as z:
        for i in range(64):
            z.writestr("zero%d.bin" % i, zeros)
    w, sink = avrelay(av={"max_file_size": "4M", "max_scan_size": "16M",
                          "max_scan_time": "20s"},
                      policy={"error.action": "accept"})
    _, msg = with_attachments([("bomb.zip", "application/zip",
                                b.getvalue())])
    t0 = time.monotonic()
    r = send(w, msg)
    assert time.monotonic() - t0 < 25
    assert r["final"].code == 250, r
    assert virus_of(sink, msg).startswith("error"), virus_of(sink, msg)


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


def test_database_reload_under_load_fails_no_message(avrelay, workdir):
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
    assert re.search(rb"^X-Winnow-Status: not-detected; av=filtered", got,
                     re.M), got[:800]
    assert b"bm90IGEgcmVhbCBkb2M" not in got     # base64 of the .doc

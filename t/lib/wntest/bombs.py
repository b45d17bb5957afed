"""Content bombs and hostile structures of the fault matrix (rows C1-C4 of
anchors-reliability.md section 8, and the messages of issue 11), made at
test time: archives (recursive, 42.zip-style, overlapping, with hostile
member names) and MIME (deep, many parts, many address headers, a huge
header, many RFC 2231 parameters, two boundary= parameters), HTML
pathologies.  Each message function returns complete message bytes with
CRLF line ends and a unique X-Test-Seq (wntest.smtp.make_message), so
the ledger can follow it.  bench/soak.py mixes the same messages into its
load."""

import base64
import io
import os
import struct
import zipfile
import zlib

from .smtp import make_message

BOUNDARY = "=_winnow_bomb_"


def _b64lines(data):
    s = base64.b64encode(data).decode()
    return "\r\n".join(s[i:i + 76] for i in range(0, len(s), 76))


def with_parts(parts, subject="bomb", ctype="multipart/mixed"):
    """A message whose body is a multipart of [(name, type, bytes)], each
    base64-encoded.  Returns (token, message)."""
    body = ["This is a multi-part message in MIME format.", "",
            "--" + BOUNDARY, "Content-Type: text/plain; charset=us-ascii",
            "", "Please find the files attached.", ""]
    for name, typ, data in parts:
        body += ["--" + BOUNDARY,
                 "Content-Type: %s; name=\"%s\"" % (typ, name),
                 "Content-Transfer-Encoding: base64",
                 "Content-Disposition: attachment; filename=\"%s\"" % name,
                 "", _b64lines(data), ""]
    body += ["--" + BOUNDARY + "--", ""]
    return _replace_type(make_message(subject=subject,
                                      body="\r\n".join(body)),
                         "%s; boundary=\"%s\"" % (ctype, BOUNDARY))


def _replace_type(tm, ctype):
    tok, msg = tm
    return tok, msg.replace(b"Content-Type: text/plain; charset=us-ascii",
                            b"Content-Type: " + ctype.encode(), 1)


# ------------------------------------------------------------- archives

def zip_of(entries, method=zipfile.ZIP_DEFLATED):
    """A zip of [(name, bytes)]."""
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w", method) as z:
        for name, data in entries:
            z.writestr(zipfile.ZipInfo(name, (2026, 1, 1, 0, 0, 0)), data,
                       compress_type=method)
    return b.getvalue()


def nested_zip(depth, payload=b"the innermost file\r\n", distinct=True):
    """depth zips in zips; with distinct, every level also carries a file
    of its own, so no two levels are alike (what made libclamav spend 19
    s on a 53 KB message in issue 11: nothing it can skip as seen)."""
    data, name = payload, "inner.txt"
    for i in range(depth):
        entries = [(name, data)]
        if distinct:
            entries.append(("level%d.txt" % i,
                            os.urandom(512).hex().encode()))
        data = zip_of(entries)
        name = "level%d.zip" % i
    return data


def zip_42(levels=4, fanout=16, leaf=1 << 20):
    """42.zip-style: fanout copies per level of the level below, leaf
    bytes of zeros at the bottom: leaf * fanout**levels bytes unpacked
    (16 GiB with the defaults) from a few tens of KB."""
    data = zip_of([("0.bin", b"\0" * leaf)])
    for lvl in range(levels):
        data = zip_of([("%d-%d.zip" % (lvl, i), data)
                       for i in range(fanout)])
    return data


def overlapping_zip(files=2000, kernel=1 << 20):
    """A non-recursive overlapping zip (Fifield's construction, reduced):
    one deflated kernel that every central-directory entry points at, so
    a 1 KB archive claims files * kernel bytes."""
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    raw = comp.compress(b"\0" * kernel) + comp.flush()
    crc = zlib.crc32(b"\0" * kernel) & 0xffffffff
    out = io.BytesIO()
    name0 = b"k"
    out.write(struct.pack("<IHHHHHIIIHH", 0x04034b50, 20, 0, 8, 0, 0x21,
                          crc, len(raw), kernel, len(name0), 0))
    out.write(name0)
    out.write(raw)
    cd_start = out.tell()
    for i in range(files):
        name = b"f%05d" % i
        out.write(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014b50, 20, 20, 0,
                              8, 0, 0x21, crc, len(raw), kernel, len(name),
                              0, 0, 0, 0, 0, 0))
        out.write(name)
    cd_len = out.tell() - cd_start
    out.write(struct.pack("<IHHHHIIH", 0x06054b50, 0, 0, files, files,
                          cd_len, cd_start, 0))
    return out.getvalue()


def hostile_names_zip(tag):
    """Members named to escape an unpack directory: ../ runs, absolute
    paths, a symlink to /etc, device names.  tag makes the names unique so
    a test can look for them anywhere on the disk."""
    entries = [("../../../../../../tmp/%s-dotdot" % tag, b"escaped\r\n"),
               ("/tmp/%s-absolute" % tag, b"absolute\r\n"),
               ("a/../../%s-mixed" % tag, b"mixed\r\n"),
               ("..\\..\\%s-backslash" % tag, b"backslash\r\n"),
               ("CON", b"device\r\n"), ("NUL.txt", b"device\r\n"),
               ("dev/null", b"not the device\r\n")]
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w", zipfile.ZIP_STORED) as z:
        for name, data in entries:
            z.writestr(zipfile.ZipInfo(name, (2026, 1, 1, 0, 0, 0)), data)
        link = zipfile.ZipInfo("%s-link" % tag, (2026, 1, 1, 0, 0, 0))
        link.create_system = 3
        link.external_attr = (0o120777 << 16)
        z.writestr(link, b"/etc")
        inner = zipfile.ZipInfo("%s-link/passwd" % tag,
                                (2026, 1, 1, 0, 0, 0))
        z.writestr(inner, b"through the link\r\n")
    return b.getvalue()


def tar_of_hostile_names(tag):
    """The same escapes in a tar (libclamav unpacks tar too), with a
    character device and a hard link."""
    import tarfile
    b = io.BytesIO()
    with tarfile.open(fileobj=b, mode="w") as t:
        for name in ("../../../../tmp/%s-tar-dotdot" % tag,
                     "/tmp/%s-tar-absolute" % tag):
            data = b"escaped\r\n"
            ti = tarfile.TarInfo(name)
            ti.size = len(data)
            t.addfile(ti, io.BytesIO(data))
        ti = tarfile.TarInfo("%s-tar-link" % tag)
        ti.type = tarfile.SYMTYPE
        ti.linkname = "/etc/passwd"
        t.addfile(ti)
        ti = tarfile.TarInfo("%s-tar-dev" % tag)
        ti.type = tarfile.CHRTYPE
        ti.devmajor, ti.devminor = 1, 3
        t.addfile(ti)
        ti = tarfile.TarInfo("%s-tar-hard" % tag)
        ti.type = tarfile.LNKTYPE
        ti.linkname = "/etc/shadow"
        t.addfile(ti)
    return b.getvalue()


# ------------------------------------------------------------- MIME

def mime_depth(depth):
    """multipart inside multipart, depth times."""
    head, tail = [], []
    for i in range(depth):
        b = "d%d" % i
        head.append("--%s\r\nContent-Type: multipart/mixed; boundary=\"d%d\""
                    "\r\n\r\n" % (b, i + 1))
        tail.append("--%s--\r\n" % b)
    body = "".join(head) + "--d%d\r\n\r\ninnermost\r\n--d%d--\r\n" % (
        depth, depth) + "".join(reversed(tail))
    return _replace_type(make_message(subject="deep", body=body),
                         "multipart/mixed; boundary=\"d0\"")


def mime_parts(n, text=b"x", header=b""):
    """One multipart with n leaf parts (text b"" gives empty parts: the
    520,000-part message of issue 11 #5); header, e.g. a Content-Type
    line, goes into each part (100,000 such parts make the 3.7 MB
    message of issue 11 #8)."""
    part = b"--p\r\n" + header + b"\r\n" + text + b"\r\n"
    body = b"preamble\r\n" + part * n + b"--p--\r\n"
    return _replace_type(make_message(subject="parts", body=body),
                         "multipart/mixed; boundary=\"p\"")


def address_headers(n):
    """n Cc: fields of one address each."""
    extra = ["Cc: <c%d@example.com>" % i for i in range(n)]
    return make_message(subject="addresses", extra_headers=extra)


def big_header(size):
    """One X-Big: field of about size bytes, folded at 76 columns."""
    line = "x" * 75
    n = max(1, size // 78)
    value = "\r\n ".join([line] * n)
    return make_message(subject="big header",
                        extra_headers=["X-Big: " + value])


def rfc2231_params(n):
    """A Content-Type with n RFC 2231 continuation parameters."""
    params = ";\r\n ".join("name*%d*=utf-8''part%d" % (i, i)
                           for i in range(n))
    tok, msg = make_message(subject="params", body=b"some text\r\n")
    return tok, msg.replace(
        b"Content-Type: text/plain; charset=us-ascii",
        b"Content-Type: text/plain; charset=us-ascii;\r\n " +
        params.encode(), 1)


def duplicate_boundary():
    """Two boundary= parameters: one parser splits on "a", another on
    "b"; each sees a different attachment (a parser differential)."""
    body = ("--a\r\nContent-Type: text/plain\r\n\r\nseen by a\r\n"
            "--b\r\nContent-Type: application/octet-stream; name=\"x.exe\""
            "\r\nContent-Disposition: attachment; filename=\"x.exe\"\r\n\r\n"
            "MZ seen by b\r\n--b--\r\n--a--\r\n")
    return _replace_type(make_message(subject="two boundaries", body=body),
                         "multipart/mixed; boundary=\"a\"; boundary=\"b\"")


# ------------------------------------------------------------- HTML

def html_message(html, subject="html"):
    return _replace_type(make_message(subject=subject, body=html),
                         "text/html; charset=us-ascii")


def html_nested(n):
    """n nested <div> (never closed at the end: 10**6 deep by default in
    the matrix) with some text at the bottom."""
    lines = b"\r\n".join([b"<div>" * 100] * (n // 100))
    return html_message(b"<html><body>\r\n" + lines + b"deep text\r\n",
                        "nested tags")


def html_unclosed(n):
    """n tags left open in odd ways: attributes without end, comments and
    quotes never closed."""
    chunk = b"<a href=\"http://x.example/<b <!-- <p class='q <i "
    lines = [chunk * 10 for _ in range(n // 10)]
    return html_message(b"<html><body>" + b"\r\n".join(lines) + b"\r\n",
                        "unclosed tags")


def regex_food(n):
    """Text that makes backtracking regular expressions work hard: long
    runs of URL-ish, address-ish and repeated-word characters without the
    ending they hope for."""
    runs = [b"http://" + b"a." * n + b"!",
            b"www." + b"-" * n + b"x",
            b"a" * n + b"@" + b"b." * (n // 2),
            b"free " * (n // 5) + b"\xff",
            b"=?utf-8?q?" + b"=41" * (n // 3),
            b"$" * n + b"1" * n]
    return make_message(subject="regex food", body=b"\r\n".join(
        r[:990] + b"\r\n" + r[990:1980] for r in runs) + b"\r\n")

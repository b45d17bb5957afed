#!/usr/bin/env python3
"""office-gen.py - Word documents (.doc, .docx) made from plain text

    office-gen.py doc97|doc6|docx TEXTFILE OUT     one document
    office-gen.py mail CORPUSDIR OUTDIR [FORMAT]   corpus messages with
                                                   their text moved into
                                                   a Word attachment

Writes the formats content/office.c reads, from nothing but the Python
standard library, so tests and benchmarks need no office suite:

  doc97  an OLE2 compound file (version 3, 512-byte sectors, no mini
         stream: both streams padded to 4096 bytes) with WordDocument (a
         Word 97 FIB, nFib 0x00C1) and 1Table (the Clx: one piece, 8-bit
         when the text fits windows-1252, else UTF-16LE)
  doc6   the same container with a Word 6 FIB (wIdent 0xA5DC): the text is
         the bytes fcMin..fcMac of WordDocument, windows-1252
  docx   a zip with [Content_Types].xml, word/document.xml (a paragraph a
         line) and, for the links in the text, word/_rels/document.xml.rels

antiword(1) reads the .doc files this makes (checked when it is
installed: t/unit/content/test_office.c's data were made here).

"mail" reads every message under CORPUSDIR/ham and CORPUSDIR/spam, takes
its text (the first text/plain or text/html part, HTML tags stripped),
and writes the same message to OUTDIR/ham or OUTDIR/spam with that text
in a Word attachment and a neutral line in its place: the headers stay,
so only the attachment tells ham from spam.  bench/office-verdicts uses
it to measure what [content] office_text changes.
"""

import email
import email.policy
import html
import io
import os
import re
import struct
import sys
import zipfile
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText

SECTOR = 512
ENDOFCHAIN = 0xFFFFFFFE
FREESECT = 0xFFFFFFFF
FATSECT = 0xFFFFFFFD
NOSTREAM = 0xFFFFFFFF
MIN_STREAM = 4096


def _dirent(name, kind, child=NOSTREAM, right=NOSTREAM, start=ENDOFCHAIN,
            size=0):
    n = name.encode("utf-16-le") + b"\0\0"
    e = n.ljust(64, b"\0")
    e += struct.pack("<HBB", len(n), kind, 1)          # black
    e += struct.pack("<III", NOSTREAM, right, child)
    e += b"\0" * 16 + struct.pack("<I", 0) + b"\0" * 16
    e += struct.pack("<IQ", start, size)
    assert len(e) == 128
    return e


def cfb(streams):
    """An OLE2 compound file holding streams [(name, bytes)], names in
    the directory's order (shorter first, then by upper-case name)."""
    per = SECTOR // 4
    streams = [(n, d.ljust(MIN_STREAM, b"\0")) for n, d in streams]
    nsec = [(len(d) + SECTOR - 1) // SECTOR for _, d in streams]
    ndir = (len(streams) + 1 + 3) // 4
    nfat = 1
    while nfat * per < nfat + ndir + sum(nsec):
        nfat += 1
    assert nfat <= 109, "the header's DIFAT holds 109 FAT sectors"
    first = nfat + ndir                    # FAT sectors first, then dir
    total = first + sum(nsec)
    fat = [FREESECT] * (nfat * per)
    for i in range(nfat):
        fat[i] = FATSECT
    for i in range(nfat, nfat + ndir):
        fat[i] = i + 1 if i < nfat + ndir - 1 else ENDOFCHAIN
    starts, s = [], first
    for k in nsec:
        starts.append(s)
        for j in range(k):
            fat[s + j] = s + j + 1 if j < k - 1 else ENDOFCHAIN
        s += k
    assert s == total
    ents = [_dirent("Root Entry", 5, child=1)]
    for i, ((name, data), st) in enumerate(zip(streams, starts)):
        right = i + 2 if i + 1 < len(streams) else NOSTREAM
        ents.append(_dirent(name, 2, right=right, start=st, size=len(data)))
    dirs = b"".join(ents).ljust(ndir * SECTOR, b"\0")
    hdr = bytes.fromhex("d0cf11e0a1b11ae1") + b"\0" * 16
    hdr += struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) + b"\0" * 6
    hdr += struct.pack("<IIIIIIIII", 0, nfat, nfat, 0, 0x1000, ENDOFCHAIN,
                       0, ENDOFCHAIN, 0)
    difat = list(range(nfat)) + [FREESECT] * (109 - nfat)
    hdr += struct.pack("<109I", *difat)
    assert len(hdr) == SECTOR
    out = hdr + struct.pack("<%dI" % len(fat), *fat) + dirs
    for _, data in streams:
        out += data.ljust(((len(data) + SECTOR - 1) // SECTOR) * SECTOR,
                          b"\0")
    return out


def _word_text(text):
    """Word's characters: paragraphs end with CR."""
    return text.replace("\r\n", "\n").replace("\n", "\r")


def doc97(text):
    t = _word_text(text)
    try:
        raw, compressed = t.encode("cp1252"), True
    except UnicodeEncodeError:
        raw, compressed = t.encode("utf-16-le"), False
    at = 0x800
    fc = (at * 2) | 0x40000000 if compressed else at
    clx = struct.pack("<BI", 2, 4 * 2 + 8)
    clx += struct.pack("<II", 0, len(t)) + struct.pack("<HIH", 0, fc, 0)
    fib = struct.pack("<HHHHHHHHI", 0xA5EC, 0xC1, 0, 0x0409, 0,
                      0x0200 | 0x1000, 0xBF, 0, 0)
    fib += b"\0" * (32 - len(fib))
    # fcMin, fcMac where Word 97 still writes them (older readers use them)
    fib = fib[:0x18] + struct.pack("<II", at, at + len(raw))
    fib += struct.pack("<H", 14) + b"\0" * 28
    lw = [0] * 22
    lw[0] = at + len(raw)                                  # cbMac
    lw[3] = len(t)                                         # ccpText
    fib += struct.pack("<H", 22) + struct.pack("<22I", *lw)
    pairs = [0] * (93 * 2)
    pairs[33 * 2], pairs[33 * 2 + 1] = 0, len(clx)         # fcClx, lcbClx
    fib += struct.pack("<H", 93) + struct.pack("<%dI" % len(pairs), *pairs)
    fib += struct.pack("<H", 0)
    doc = fib.ljust(at, b"\0") + raw
    return cfb([("1Table", clx), ("WordDocument", doc)])


def doc6(text):
    raw = _word_text(text).encode("cp1252", "replace")
    at = 0x400
    fib = bytearray(at)
    struct.pack_into("<HH", fib, 0, 0xA5DC, 0x65)
    struct.pack_into("<H", fib, 0x0A, 0)
    struct.pack_into("<II", fib, 0x18, at, at + len(raw))
    struct.pack_into("<I", fib, 0x34, len(raw))
    return cfb([("WordDocument", bytes(fib) + raw)])


URL_RE = re.compile(r"https?://[^\s<>\"']+")


def docx(text):
    def esc(s):
        return (s.replace("&", "&amp;").replace("<", "&lt;")
                .replace(">", "&gt;"))
    W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    paras, rels, n = [], [], 0
    for line in text.replace("\r\n", "\n").split("\n"):
        runs = []
        pos = 0
        for m in URL_RE.finditer(line):
            n += 1
            rels.append('<Relationship Id="rId%d" Type="%s/hyperlink" '
                        'Target="%s" TargetMode="External"/>'
                        % (n, R, esc(m.group(0))))
            runs.append('<w:r><w:t xml:space="preserve">%s</w:t></w:r>'
                        % esc(line[pos:m.start()]))
            runs.append('<w:hyperlink r:id="rId%d"><w:r><w:t>%s</w:t>'
                        '</w:r></w:hyperlink>' % (n, esc(m.group(0))))
            pos = m.end()
        runs.append('<w:r><w:t xml:space="preserve">%s</w:t></w:r>'
                    % esc(line[pos:]))
        paras.append("<w:p>%s</w:p>" % "".join(runs))
    body = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<w:document xmlns:w="%s" xmlns:r="%s"><w:body>%s'
            '</w:body></w:document>' % (W, R, "".join(paras)))
    ct = ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://'
          'schemas.openxmlformats.org/package/2006/content-types">'
          '<Default Extension="rels" ContentType="application/vnd.openxml'
          'formats-package.relationships+xml"/><Default Extension="xml" '
          'ContentType="application/xml"/><Override PartName="/word/'
          'document.xml" ContentType="application/vnd.openxmlformats-'
          'officedocument.wordprocessingml.document.main+xml"/></Types>')
    top = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="'
           'http://schemas.openxmlformats.org/package/2006/relationships">'
           '<Relationship Id="rId1" Type="%s/officeDocument" Target="word/'
           'document.xml"/></Relationships>' % R)
    drels = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="'
             'http://schemas.openxmlformats.org/package/2006/relationships"'
             '>%s</Relationships>' % "".join(rels))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in (("[Content_Types].xml", ct), ("_rels/.rels", top),
                           ("word/document.xml", body),
                           ("word/_rels/document.xml.rels", drels)):
            zi = zipfile.ZipInfo(name, (2003, 1, 1, 0, 0, 0))
            zi.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(zi, data.encode("utf-8"))
    return out.getvalue()


MAKERS = {"doc97": (doc97, "doc", "application/msword"),
          "doc6": (doc6, "doc", "application/msword"),
          "docx": (docx, "docx", "application/vnd.openxmlformats-"
                   "officedocument.wordprocessingml.document")}


def message_text(msg):
    """The text of a message: its first text/plain part, else its first
    text/html part without tags."""
    plain = htm = None
    for part in msg.walk():
        if part.get_content_maintype() != "text":
            continue
        try:
            s = part.get_content()
        except Exception:                       # broken charsets
            s = part.get_payload(decode=True) or b""
            s = s.decode("latin-1")
        if part.get_content_subtype() == "plain" and plain is None:
            plain = s
        elif part.get_content_subtype() == "html" and htm is None:
            htm = s
    if plain is not None and plain.strip():
        return plain
    if htm is not None:
        s = re.sub(r"(?is)<(script|style).*?</\1>", " ", htm)
        s = re.sub(r"(?i)<br\s*/?>|</p>|</div>|</tr>", "\n", s)
        return html.unescape(re.sub(r"<[^>]*>", " ", s))
    return ""


def wordify(raw, fmt):
    """The message with its text moved into a Word attachment."""
    if raw.startswith(b"From "):
        raw = raw.split(b"\n", 1)[1]
    msg = email.message_from_bytes(raw, policy=email.policy.compat32)
    text = message_text(email.message_from_bytes(
        raw, policy=email.policy.default))
    make, ext, ctype = MAKERS[fmt]
    out = MIMEMultipart()
    for k, v in msg.items():
        kl = k.lower()
        if kl.startswith("content-") or kl == "mime-version":
            continue
        out[k] = v
    out.attach(MIMEText("Please see the attached document.\n", "plain",
                        "us-ascii"))
    att = MIMEApplication(make(text), _subtype=ctype.split("/", 1)[1])
    att.replace_header("Content-Type", ctype)
    att.add_header("Content-Disposition", "attachment",
                   filename="document.%s" % ext)
    out.attach(att)
    return out.as_bytes(policy=email.policy.compat32.clone(linesep="\n"))


def main(argv):
    if len(argv) == 4 and argv[1] in MAKERS:
        with open(argv[2], encoding="utf-8", errors="replace") as f:
            data = MAKERS[argv[1]][0](f.read())
        with open(argv[3], "wb") as f:
            f.write(data)
        return 0
    if len(argv) in (4, 5) and argv[1] == "mail":
        fmt = argv[4] if len(argv) == 5 else "doc97"
        n = 0
        for cls in ("ham", "spam"):
            for dp, _, files in os.walk(os.path.join(argv[2], cls)):
                for fn in sorted(files):
                    with open(os.path.join(dp, fn), "rb") as f:
                        raw = f.read()
                    rel = os.path.relpath(dp, argv[2])
                    od = os.path.join(argv[3], rel)
                    os.makedirs(od, exist_ok=True)
                    with open(os.path.join(od, fn), "wb") as f:
                        f.write(wordify(raw, fmt))
                    n += 1
        print("%d messages written to %s" % (n, argv[3]))
        return 0
    sys.stderr.write(__doc__)
    return 64


if __name__ == "__main__":
    sys.exit(main(sys.argv))

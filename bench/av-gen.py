#!/usr/bin/env python3
# av-gen.py - inputs for bench/av-bench, generated deterministically
#
#   av-gen.py db DIR [SCALE]     a synthetic ClamAV database of about
#                                SCALE * 500000 signatures: MD5 (.hdb),
#                                SHA-256 (.hsb), body patterns (.ndb) and
#                                logical signatures (.ldb)
#   av-gen.py mail DIR N         N messages with 1-3 attachments each (zip,
#                                pdf, office-like zip, binary, image, text)
#
# Nothing here matches real files: hashes are of counters and patterns are
# random bytes, so a scan does all the matching work and finds nothing.
import base64
import hashlib
import io
import os
import random
import sys
import zipfile


def gen_db(out, scale):
    os.makedirs(out, exist_ok=True)
    rnd = random.Random(1)
    n_hdb, n_hsb = int(350000 * scale), int(50000 * scale)
    n_ndb, n_ldb = int(95000 * scale), int(5000 * scale)
    with open(os.path.join(out, "bench.hdb"), "w") as f:
        for i in range(n_hdb):
            h = hashlib.md5(b"hdb%d" % i).hexdigest()
            f.write("%s:%d:Bench.Hash.Md5-%d\n" % (h, 1024 + i % 100000, i))
    with open(os.path.join(out, "bench.hsb"), "w") as f:
        for i in range(n_hsb):
            h = hashlib.sha256(b"hsb%d" % i).hexdigest()
            f.write("%s:%d:Bench.Hash.Sha256-%d\n" % (h, 2048 + i % 50000, i))
    with open(os.path.join(out, "bench.ndb"), "w") as f:
        for i in range(n_ndb):
            n = rnd.randint(12, 32)
            pat = rnd.randbytes(n).hex()
            if i % 10 == 0:     # some with a wildcard gap, as real ones have
                cut = rnd.randint(4, n - 4) * 2
                pat = pat[:cut] + "{-16}" + pat[cut:]
            target = (0, 1, 0, 3, 0, 7)[i % 6]
            f.write("Bench.Body-%d:%d:*:%s\n" % (i, target, pat))
    with open(os.path.join(out, "bench.ldb"), "w") as f:
        for i in range(n_ldb):
            a, b = rnd.randbytes(10).hex(), rnd.randbytes(12).hex()
            f.write("Bench.Logical-%d;Engine:51-255,Target:0;0&1;%s;%s\n"
                    % (i, a, b))
    print("db: %d signatures in %s" % (n_hdb + n_hsb + n_ndb + n_ldb, out))


def b64(data):
    s = base64.b64encode(data).decode()
    return "\r\n".join(s[i:i + 76] for i in range(0, len(s), 76)) + "\r\n"


def words(rnd, n):
    vocab = ("report quarterly figures meeting invoice please find attached "
             "regards the of and to in for with data summary").split()
    return " ".join(rnd.choice(vocab) for _ in range(n)).encode()


def attachment(rnd, kind):
    if kind == "zip":
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            for j in range(rnd.randint(1, 5)):
                z.writestr("doc%d.txt" % j, words(rnd, rnd.randint(500, 20000)))
        return "application/zip", "archive.zip", buf.getvalue()
    if kind == "office":
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr("[Content_Types].xml", b"<?xml version='1.0'?><Types/>")
            z.writestr("word/document.xml", b"<w:document><w:body>" +
                       words(rnd, rnd.randint(2000, 30000)) + b"</w:body>"
                       b"</w:document>")
        return ("application/vnd.openxmlformats-officedocument."
                "wordprocessingml.document", "letter.docx", buf.getvalue())
    if kind == "pdf":
        body = rnd.randbytes(rnd.randint(50000, 400000))
        head = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
                b"2 0 obj<</Type/Pages/Count 0/Kids[]>>endobj\n")
        stream = b"3 0 obj<</Length " + str(len(body)).encode() + b">>stream\n"
        pdf = (head + stream + body +
               b"\nendstream endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")
        return "application/pdf", "statement.pdf", pdf
    if kind == "bin":
        return ("application/octet-stream", "data.bin",
                rnd.randbytes(rnd.randint(20000, 1000000)))
    if kind == "png":
        data = rnd.randbytes(rnd.randint(20000, 300000))
        return "image/png", "photo.png", b"\x89PNG\r\n\x1a\n" + data
    return "text/plain", "notes.txt", words(rnd, rnd.randint(200, 5000))


def gen_mail(out, n):
    os.makedirs(out, exist_ok=True)
    rnd = random.Random(2)
    kinds = ("zip", "office", "pdf", "bin", "png", "txt")
    for i in range(n):
        parts = ["From: sender%d@example.org\r\nTo: rcpt@example.net\r\n"
                 "Subject: bench message %d\r\nMIME-Version: 1.0\r\n"
                 "Content-Type: multipart/mixed; boundary=\"b%d\"\r\n\r\n"
                 % (i, i, i),
                 "--b%d\r\nContent-Type: text/plain\r\n\r\n" % i,
                 words(rnd, 120).decode() + "\r\n"]
        for _ in range(rnd.randint(1, 3)):
            ctype, name, data = attachment(rnd, rnd.choice(kinds))
            parts.append("--b%d\r\nContent-Type: %s; name=\"%s\"\r\n"
                         "Content-Disposition: attachment; filename=\"%s\"\r\n"
                         "Content-Transfer-Encoding: base64\r\n\r\n"
                         % (i, ctype, name, name))
            parts.append(b64(data))
        parts.append("--b%d--\r\n" % i)
        with open(os.path.join(out, "att%04d.eml" % i), "w") as f:
            f.write("".join(parts))
    print("mail: %d messages in %s" % (n, out))


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "db":
        gen_db(sys.argv[2], float(sys.argv[3]) if len(sys.argv) > 3 else 1.0)
    elif len(sys.argv) == 4 and sys.argv[1] == "mail":
        gen_mail(sys.argv[2], int(sys.argv[3]))
    else:
        sys.exit("usage: av-gen.py db DIR [SCALE] | mail DIR N")

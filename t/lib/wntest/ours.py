"""What winnowd adds to a message it passes on - and that nothing else
changes.

A message downstream must be the original byte for byte except for:

    1. one Received: trace field of ours, first (unless received=False:
       copies of the message as received carry none);
    2. right after it, a block of our own X-Winnow-* fields, each name at
       most once, every name one of the names users see (DESIGN.md:
       Status, Group, Score, Checks, Virus, Info);
    3. then the statuses' own header fields (STATUS.header), when the test
       says which (status_headers);
    4. every inbound X-Winnow-* field removed (case-insensitive prefix:
       X-Winnowed: stays);
    5. a tagged Subject, when the test says which tag (subject_tag): the
       first Subject field becomes "Subject: TAG value", or a
       "Subject: TAG" field is appended at the end of a header that had
       none.

    ours = filtered(sink_txn.data, sent_msg)
    assert ours.status == "not-detected" and ours.group == "All"
    assert "rules=" in ours.checks

filtered() raises AssertionError naming the first difference.  Nothing
here knows what the checks decide: tests assert the values they expect.
"""

import re

PREFIX = b"x-winnow-"
NAMES = ("Status", "Group", "Score", "Checks", "Virus", "Info")


def _field_end(data, p, hend):
    """End of the header field starting at p (past its CRLF and every
    folded continuation line), at most hend."""
    while True:
        nl = data.find(b"\n", p, hend)
        if nl < 0:
            return hend
        p = nl + 1
        if p >= hend or data[p:p + 1] not in (b" ", b"\t"):
            return p


def header_end(data):
    """Length of the header section: up to and including the empty line,
    or the whole message when there is none (as winnowd's edit does)."""
    if data.startswith(b"\r\n"):
        return 2
    i = data.find(b"\r\n\r\n")
    return len(data) if i < 0 else i + 4


def fields_at(data, hend=None):
    """[(start, end)] of every header field before the empty line."""
    if hend is None:
        hend = header_end(data)
    out = []
    p = 0
    while p < hend:
        if data[p:p + 2] == b"\r\n":
            break
        e = _field_end(data, p, hend)
        out.append((p, e))
        p = e
    return out


def name_of(field):
    return field.split(b":", 1)[0].strip()


def _chomp(field):
    return field[:-2] if field.endswith(b"\r\n") else field


def unfold(field):
    """A field's value without its name, unfolded and trimmed."""
    v = field.split(b":", 1)[1] if b":" in field else b""
    v = re.sub(rb"\r\n(?=[ \t])", b"", v)
    return v.strip().decode("utf-8", "replace")


def without_ours(msg, subject_tag=None):
    """The original as winnowd must pass it on below our fields: inbound
    X-Winnow-* removed, the Subject tagged when subject_tag is given."""
    hend = header_end(msg)
    out = []
    tagged = False
    last = 0
    for s, e in fields_at(msg, hend):
        f = msg[s:e]
        last = e
        if f.lower().startswith(PREFIX):
            continue
        if subject_tag and not tagged and \
                re.match(rb"(?i)subject:", f):
            tagged = True
            v = f[8:].lstrip(b" \t")
            tag = subject_tag.encode()
            if not v.startswith(tag):
                f = b"Subject: " + tag + b" " + v
        out.append(f)
    if subject_tag and not tagged:
        out.append(b"Subject: " + subject_tag.encode() + b"\r\n")
    return b"".join(out) + msg[last:]


def is_our_received(field):
    """Whether a Received: field is winnowd's ("... by HOST (winnow) with
    PROTO id QUEUEID ...")."""
    flat = re.sub(rb"\r\n[ \t]", b" ", field)
    return re.search(rb"\bby \S+ \(winnow\) with (?:E?SMTP|LMTP) id ",
                     flat) is not None


class Added:
    """Our fields at the top of one delivered message."""

    def __init__(self, received, fields, status_headers):
        # whole fields as in smtp.header_fields: folded, no final CRLF
        self.received = received            # or None
        self.fields = fields                # [(name, field)]
        self.status_headers = status_headers

    @property
    def names(self):
        return [n for n, _ in self.fields]

    def get(self, name):
        """The unfolded value of X-Winnow-<name>, or None."""
        for n, f in self.fields:
            if n.lower() == ("X-Winnow-" + name).lower():
                return unfold(f)
        return None

    status = property(lambda self: self.get("Status"))
    group = property(lambda self: self.get("Group"))
    score = property(lambda self: self.get("Score"))
    checks = property(lambda self: self.get("Checks"))
    virus = property(lambda self: self.get("Virus"))
    info = property(lambda self: self.get("Info"))

    def check_items(self):
        """X-Winnow-Checks as {name: value}: "dnsbl=bl1.test(60),
        bl2.test(50); rdns=ok" -> {"dnsbl": "bl1.test(60), bl2.test(50)",
        "rdns": "ok"}."""
        out = {}
        for part in (self.checks or "").split(";"):
            part = part.strip()
            if not part:
                continue
            k, _, v = part.partition("=")
            out[k.strip()] = v.strip()
        return out

    def __repr__(self):
        return "Added(%r)" % [f for _, f in self.fields]


def filtered(data, original, received=True, status_headers=(),
             subject_tag=None, names=None, above=0, hops=0):
    """Check that data (what the downstream got, CRLF, unstuffed) is
    original with only our additions; return them (Added).

    subject_tag may be a dict {status: tag}: the tag of the status our
    X-Winnow-Status names (the policy's STATUS.subject_tag settings).
    names, when given, is the exact list of X-Winnow-* names expected
    (e.g. ["X-Winnow-Info"] for a recipient that is not protected).
    Through an MTA: above is the number of Received: fields the hops after
    us put on top (Postfix's reinjection smtpd: 1), hops the number of
    Received: fields the hops before us added below ours (the first
    Postfix smtpd: 1); original is then what the first MTA was sent."""
    fields = fields_at(data)
    rec = None

    def show(k):
        return data[fields[k][0]:fields[k][1]] if k < len(fields) else \
            data[:200]
    for i in range(above):
        assert show(i).startswith(b"Received: ") and \
            not is_our_received(show(i)), \
            "expected %d Received: above ours: %r" % (above, data[:600])
    i = above
    if received:
        assert fields, "no header field at all: %r" % data[:300]
        rec = show(i)
        assert rec.startswith(b"Received: from "), \
            "our Received: is not the first field: %r" % data[:300]
        assert is_our_received(rec), "not our Received: %r" % rec
        i += 1
    ours = []
    while i < len(fields) and show(i).lower().startswith(PREFIX):
        f = show(i)
        n = name_of(f).decode("ascii", "replace")
        assert n[len("X-Winnow-"):] in NAMES, \
            "a field name users do not know: %r" % f
        assert n.lower() not in [x.lower() for x, _ in ours], \
            "%s twice: %r" % (n, data[:fields[i][1]])
        assert b"\r" not in f.replace(b"\r\n", b"") and \
            b"\n" not in f.replace(b"\r\n", b""), "bare CR/LF in %r" % f
        assert all(len(l) <= 998 for l in f.split(b"\r\n")), \
            "a line over 998 bytes in %r" % f[:200]
        ours.append((n, _chomp(f)))
        i += 1
    sh = []
    for want in status_headers:
        want = want.encode() if isinstance(want, str) else want
        got = show(i) if i < len(fields) else b""
        assert got == want + b"\r\n", \
            "status header %r expected after our block, got %r" % (want, got)
        sh.append(_chomp(got))
        i += 1
    for _ in range(hops):
        assert show(i).startswith(b"Received: ") and \
            not is_our_received(show(i)), \
            "expected %d Received: below ours: %r" % (hops, data[:900])
        i += 1
    if names is not None:
        assert [n for n, _ in ours] == list(names), \
            "our fields %r, expected %r" % ([n for n, _ in ours], names)
    start = fields[i][0] if i < len(fields) else \
        (fields[-1][1] if fields else 0)
    rest = data[start:]
    added = Added(_chomp(rec) if rec is not None else None, ours, sh)
    if isinstance(subject_tag, dict):
        subject_tag = subject_tag.get(added.status)
    expect = without_ours(original, subject_tag)
    if rest != expect:
        k = next((j for j in range(min(len(rest), len(expect)))
                  if rest[j] != expect[j]), min(len(rest), len(expect)))
        raise AssertionError(
            "below our fields the message differs from the original at "
            "byte %d (of %d/%d): got %r, expected %r"
            % (k, len(rest), len(expect), rest[max(0, k - 60):k + 60],
               expect[max(0, k - 60):k + 60]))
    return added

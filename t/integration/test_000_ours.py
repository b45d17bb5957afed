"""The helper every relay test leans on (wntest.ours.filtered) accepts
exactly "original + our Received + our X-Winnow-* block" and refuses
every other change: a helper that cannot fail would make the byte-exact
tests worthless.  No daemon here."""

import pytest

from wntest.ours import filtered, without_ours

REC = (b"Received: from c.example ([127.0.0.1]) by w.example (winnow)\r\n"
       b"\twith ESMTP id C0FFEE for <r@example.com>; Thu, 19 Nov 2026 "
       b"10:00:00 +0000\r\n")
BLOCK = (b"X-Winnow-Status: spam\r\nX-Winnow-Group: All\r\n"
         b"X-Winnow-Score: 12.5\r\n"
         b"X-Winnow-Checks: dnsbl=bl1.test(60); rdns=ok;\r\n\tspf=pass\r\n")
ORIG = (b"From: <a@example.org>\r\nX-Winnow-Status: clean\r\n"
        b"x-winnow-info: forged\r\n\tcontinued\r\nX-Winnowed: kept\r\n"
        b"Subject: hello\r\n\r\nbody\r\n.dot\r\n")
KEPT = (b"From: <a@example.org>\r\nX-Winnowed: kept\r\n"
        b"Subject: hello\r\n\r\nbody\r\n.dot\r\n")


def test_accepts_our_additions_and_reads_them():
    ours = filtered(REC + BLOCK + KEPT, ORIG)
    assert ours.status == "spam" and ours.score == "12.5"
    assert ours.check_items() == {"dnsbl": "bl1.test(60)", "rdns": "ok",
                                  "spf": "pass"}
    assert ours.names == ["X-Winnow-Status", "X-Winnow-Group",
                          "X-Winnow-Score", "X-Winnow-Checks"]
    assert ours.received == REC[:-2]


@pytest.mark.parametrize("data", [
    BLOCK + KEPT,                                   # no Received
    REC + BLOCK + ORIG,                             # inbound ones kept
    REC + BLOCK + KEPT.replace(b"body", b"bodY"),   # body changed
    REC + BLOCK + KEPT + b"x",                      # appended
    REC + BLOCK + KEPT[:-1],                        # truncated
    REC + BLOCK + b"X-Winnow-Status: x\r\n" + KEPT,  # a name twice
    REC + b"X-Winnow-Verdict: x\r\n" + KEPT,        # a name nobody knows
    REC + b"X-Winnow-Info: a\rb\r\n" + KEPT,        # bare CR
    b"Received: from x by y (Postfix) with ESMTP id 1;"
    b" now\r\n" + BLOCK + KEPT,                     # not ours
    REC + BLOCK + b"X-Other: new\r\n" + KEPT,       # something else added
    REC + BLOCK + KEPT.replace(b"\r\n\r\n", b"\n\r\n"),  # bare LF
])
def test_refuses_every_other_change(data):
    with pytest.raises(AssertionError):
        filtered(data, ORIG)


def test_subject_tag_and_status_headers():
    tagged = KEPT.replace(b"Subject: hello", b"Subject: [SPAM] hello")
    data = REC + BLOCK + b"X-Spam-Flag: YES\r\n" + tagged
    filtered(data, ORIG, subject_tag="[SPAM]",
             status_headers=["X-Spam-Flag: YES"])
    with pytest.raises(AssertionError):
        filtered(data, ORIG)
    with pytest.raises(AssertionError):
        filtered(REC + BLOCK + tagged, ORIG, subject_tag="[SPAM]",
                 status_headers=["X-Spam-Flag: YES"])
    # no Subject at all: one is added at the end of the header
    assert without_ours(b"From: a\r\n\r\nb\r\n", "[S]") == \
        b"From: a\r\nSubject: [S]\r\n\r\nb\r\n"


def test_hops_around_us():
    pf = b"Received: from h by pf.example (Postfix) with ESMTP id 1; x\r\n"
    filtered(pf + REC + BLOCK + pf + KEPT, ORIG, above=1, hops=1)
    with pytest.raises(AssertionError):
        filtered(pf + REC + BLOCK + KEPT, ORIG, above=1, hops=1)


def test_header_only_and_empty_messages():
    filtered(REC + BLOCK + b"Subject: x\r\n", b"Subject: x\r\n")
    filtered(REC + BLOCK + b"\r\n", b"\r\n")
    with pytest.raises(AssertionError):
        filtered(REC + BLOCK, b"\r\n")


def test_subject_tag_by_status():
    tags = {"spam": "[SPAM]", "probable-spam": "[SPAM?]"}
    tagged = KEPT.replace(b"Subject: hello", b"Subject: [SPAM] hello")
    filtered(REC + BLOCK + tagged, ORIG, subject_tag=tags)
    with pytest.raises(AssertionError):        # spam must be tagged
        filtered(REC + BLOCK + KEPT, ORIG, subject_tag=tags)
    ham = BLOCK.replace(b"Status: spam", b"Status: not-detected")
    filtered(REC + ham + KEPT, ORIG, subject_tag=tags)
    with pytest.raises(AssertionError):        # ham must not be
        filtered(REC + ham + tagged, ORIG, subject_tag=tags)

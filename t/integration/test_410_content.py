"""The content classifier end to end: what winnowd's content stage and the
policy make of a message, as the downstream sees it (X-Winnow-Status,
X-Winnow-Score, X-Winnow-Checks "rules=...", subject tags, status
headers), and the replies when the policy refuses spam.

Every test runs the shipped default model (data/content.model, as
procs.Winnowd configures it) and checks that the rest of the message is
byte for byte the original (wntest.ours.filtered).

The corpus test sends a fixed random sample of the development corpus
(/work/shared/corpus, or WINNOW_CORPUS) through winnowd.  The default
model was trained on that very corpus, so this is a smoke test of the
wiring - the MIME parse, the classifier and the policy in the server
path, over real and messy mail - and not a claim about accuracy (see
content/README.md and bench/accuracy for cross-validated figures).
"""

import base64
import os
import random
import tarfile

import pytest

from wntest import bombs, net, procs, res
from wntest.ours import filtered
from wntest.smtp import Client, make_message

GTUBE = b"XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X"
SAMPLES = os.environ.get("WINNOW_MIME_SAMPLES", "/work/shared/mime-samples")
CORPUS = os.environ.get("WINNOW_CORPUS", "/work/shared/corpus")
TAGS = {"spam.subject_tag": "[SPAM]",
        "probable-spam.subject_tag": "[SPAM?]"}
TAG_OF = {"spam": "[SPAM]", "probable-spam": "[SPAM?]"}


def send(w, msg, rcpts=("r@example.com",), sender="sender@example.org",
         lmtp=False):
    with Client(w.port) as c:
        c.ehlo(lmtp=lmtp)
        r = c.xfer(sender, list(rcpts), msg, lmtp=lmtp,
                   mail_params="BODY=8BITMIME")
        c.quit()
    return r


def wire_form(raw):
    """A stored message as an MTA would send it: no mbox "From " line,
    CRLF line ends, a final CRLF."""
    raw = raw.replace(b"\r\n", b"\n")
    if raw.startswith(b"From "):
        raw = raw.split(b"\n", 1)[1] if b"\n" in raw else b""
    if not raw.endswith(b"\n"):
        raw += b"\n"
    return raw.replace(b"\n", b"\r\n")


def sample_file(rel):
    path = os.path.join(SAMPLES, rel)
    if not os.path.exists(path):
        pytest.fail("%s is missing (WINNOW_MIME_SAMPLES)" % path)
    with open(path, "rb") as f:
        return wire_form(f.read())


def gtube_message(kind):
    if kind == "raw":
        return make_message(subject="cheap offer", body=b"Hello,\r\n" +
                            GTUBE + b"\r\n")[1]
    if kind == "base64":
        _, m = make_message(subject="cheap offer", body=base64.encodebytes(
            b"Hello,\n" + GTUBE + b"\n").replace(b"\n", b"\r\n"))
        return m.replace(b"charset=us-ascii\r\n", b"charset=us-ascii\r\n"
                         b"Content-Transfer-Encoding: base64\r\n")
    # a real sample: GTUBE in a base64 application/octet-stream part
    return sample_file("spamassassin/spam/extracttext/gtube_b64_oct.eml")


# ------------------------------------------------------------------ GTUBE

@pytest.mark.parametrize("kind", ["raw", "base64", "attachment"])
def test_gtube_is_spam_tagged_and_scored(relay, kind):
    w, sink = relay(policy=dict(TAGS, **{
        "spam.header": "X-Spam-Flag: YES"}))
    msg = gtube_message(kind)
    r = send(w, msg)
    assert r["final"].code == 250, r
    ours = filtered(sink.delivered()[0].data, msg, subject_tag="[SPAM]",
                    status_headers=["X-Spam-Flag: YES"])
    assert ours.status == "spam", ours
    assert float(ours.score) >= 100, ours
    assert "GTUBE" in ours.check_items()["rules"], ours.checks


def test_forged_verdicts_removed(relay):
    """A sender cannot choose the verdict: inbound X-Winnow-* are gone
    and ours say what the checks found, both ways."""
    w, sink = relay()
    forged = ["X-Winnow-Status: not-detected", "X-Winnow-Score: -100.0",
              "x-winnow-checks: rules=none", "X-Winnow-Group: trusted"]
    _, spam = make_message(body=b"buy\r\n" + GTUBE + b"\r\n",
                           extra_headers=forged)
    _, ham = make_message(extra_headers=["X-Winnow-Status: spam",
                                         "X-Winnow-Score: 1000.0"])
    send(w, spam)
    send(w, ham)
    s, h = sink.delivered()
    assert filtered(s.data, spam).status == "spam"
    o = filtered(h.data, ham)
    assert o.status == "not-detected" and float(o.score) < 50, o
    assert b"X-Winnow-Group: trusted" not in s.data


def test_gtube_rejected_in_smtp(relay):
    w, sink = relay(policy={"spam.action": "reject",
                            "spam.reject_text": "5.7.1 No spam here"})
    r = send(w, gtube_message("raw"), rcpts=["a@example.com",
                                             "b@example.com"])
    assert r["final"].code == 554, r
    assert "No spam here" in r["final"].text
    assert sink.delivered() == [] and sink.txns == [], \
        "nothing goes downstream, not even a DATA"
    # clean mail still passes the same way
    _, clean = make_message()
    assert send(w, clean)["final"].code == 250
    assert filtered(sink.delivered()[0].data, clean).status == \
        "not-detected"


def test_gtube_refused_per_recipient_in_lmtp(relay):
    """LMTP: each recipient the answer of its own group - refused for
    All, delivered (tagged) for sales, trusted at the help desk."""
    w, sink = relay(
        policy={"spam.action": "reject",
                "spam.reject_text": "5.7.1 No spam here"},
        extra={"group sales": {"recipients": "@sales.example",
                               "spam.action": "accept",
                               "spam.subject_tag": "[SPAM]"},
               "group helpdesk": {"recipients": "help@example.com",
                                  "spam_checks": "no"}})
    msg = gtube_message("raw")
    r = send(w, msg, rcpts=["anna@example.com", "boss@sales.example",
                            "help@example.com"], lmtp=True)
    codes = [x.code for x in r["final"]]
    assert codes == [554, 250, 250], r
    assert "No spam here" in r["final"][0].text
    got = {t.accepted[0]: t for t in sink.delivered()}
    assert set(got) == {"boss@sales.example", "help@example.com"}
    sales = filtered(got["boss@sales.example"].data, msg,
                     subject_tag="[SPAM]")
    assert sales.status == "spam" and sales.group == "sales"
    desk = filtered(got["help@example.com"].data, msg)
    assert desk.status == "trusted" and desk.group == "helpdesk"


def test_gtube_partly_refused_in_smtp_no_backscatter(relay):
    """SMTP: one recipient refuses spam, the other takes it: 250, one
    copy, and no DSN to the (probably forged) sender: spam.dsn = no."""
    w, sink = relay(policy={"spam.action": "reject"},
                    extra={"group sales": {"recipients": "@sales.example",
                                           "spam.action": "accept"}})
    msg = gtube_message("raw")
    r = send(w, msg, rcpts=["anna@example.com", "boss@sales.example"],
             sender="forged@example.org")
    assert r["final"].code == 250, r
    sink.wait(lambda: sink.delivered(), 5, "the accepted copy")
    got = sink.delivered()
    assert [t.accepted for t in got] == [["boss@sales.example"]]
    assert all(t.mail_addr != "" for t in sink.txns), "a DSN was sent"


# ---------------------------------------------------------- formal mail

def _dsn():
    b = b"==dsn-boundary"
    body = (b"This is a MIME-encapsulated message.\r\n\r\n--" + b +
            b"\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n"
            b"Your message could not be delivered.\r\n\r\n--" + b +
            b"\r\nContent-Type: message/delivery-status\r\n\r\n"
            b"Reporting-MTA: dns; mx.example.com\r\n\r\n"
            b"Final-Recipient: rfc822; gone@example.com\r\n"
            b"Action: failed\r\nStatus: 5.1.1\r\n\r\n--" + b +
            b"\r\nContent-Type: text/rfc822-headers\r\n\r\n"
            b"From: <sender@example.org>\r\nSubject: hello\r\n\r\n--" + b +
            b"--\r\n")
    _, m = make_message(subject="Undelivered Mail Returned to Sender",
                        sender="MAILER-DAEMON@mx.example.com", body=body)
    return m.replace(b"Content-Type: text/plain; charset=us-ascii",
                     b"Content-Type: multipart/report; "
                     b"report-type=delivery-status;\r\n\tboundary=\"" + b +
                     b"\"")


def _autoreply():
    return make_message(subject="Out of office", extra_headers=[
        "Auto-Submitted: auto-replied"], body=b"I am away until Monday and "
        b"will answer your message when I am back.\r\n")[1]


@pytest.mark.parametrize("name,sender,rule", [
    ("dsn", "", "FORMAL_DSN"),
    ("auto-replied", "anna@example.org", "FORMAL_AUTO"),
    ("mimekit/messages/delivery-status.txt", "", "FORMAL_DSN"),
    ("mimekit/messages/disposition-notification.txt", "", "FORMAL_MDN"),
])
def test_formal_mail(relay, name, sender, rule):
    """Bounces, receipts and auto-replies are formal, whatever their
    words weigh, and are not tagged as spam."""
    w, sink = relay(policy=TAGS)
    msg = {"dsn": _dsn, "auto-replied": _autoreply}.get(
        name, lambda: sample_file(name))()
    r = send(w, msg, sender=sender)
    assert r["final"].code == 250, r
    ours = filtered(sink.delivered()[0].data, msg)
    assert ours.status == "formal", ours
    assert rule in ours.check_items()["rules"], ours.checks
    assert ours.score is not None


# ---------------------------------------------------------- real corpus

SPAM_N = 40
HAM_N = {"easy_ham": 14, "easy_ham_2": 12, "hard_ham": 14}
SEED = int(os.environ.get("WINNOW_CORPUS_SEED", "410"))


def _pick(tarpath, per_subset, outdir, rnd):
    """Extract a random sample into outdir: {subset: [wire messages]}.
    Messages with bare CR after the LF->CRLF conversion are left out
    (bare_newline = normalize would change them, by design)."""
    out = {}
    with tarfile.open(tarpath) as tf:
        members = {}
        for m in tf.getmembers():
            if m.isfile():
                members.setdefault(m.name.split("/")[1], []).append(m)
        for subset, n in per_subset.items():
            pool = sorted(members[subset], key=lambda m: m.name)
            rnd.shuffle(pool)
            for m in pool:
                if len(out.get(subset, [])) >= n:
                    break
                raw = tf.extractfile(m).read()
                wire = wire_form(raw)
                if b"\r" in wire.replace(b"\r\n", b""):
                    continue
                path = os.path.join(outdir, m.name.replace("/", "_"))
                with open(path, "wb") as f:
                    f.write(wire)
                out.setdefault(subset, []).append((m.name, wire))
    return out


@pytest.mark.timeout(180)
def test_corpus_sample_smoke(relay, workdir):
    for f in ("spam.tar.gz", "ham.tar.gz"):
        if not os.path.exists(os.path.join(CORPUS, f)):
            pytest.fail("%s/%s is missing (WINNOW_CORPUS)" % (CORPUS, f))
    rnd = random.Random(SEED)
    spam = _pick(os.path.join(CORPUS, "spam.tar.gz"),
                 {"spam": SPAM_N // 2, "spam_2": SPAM_N // 2}, workdir, rnd)
    ham = _pick(os.path.join(CORPUS, "ham.tar.gz"), HAM_N, workdir, rnd)
    w, sink = relay(policy=TAGS)
    sent = [(name, "spam", m) for msgs in spam.values() for name, m in msgs]
    sent += [(name, "ham", m) for msgs in ham.values() for name, m in msgs]
    assert len(sent) == SPAM_N + sum(HAM_N.values())
    status = {}
    with Client(w.port) as c:
        c.ehlo()
        for i, (name, cls, m) in enumerate(sent):
            r = c.xfer("sender@example.org", ["r@example.com"], m,
                       mail_params="BODY=8BITMIME")
            assert r["final"].code == 250, (name, r)
            t = sink.delivered()[i]
            # byte for byte but for our fields and the status's tag
            ours = filtered(t.data, m, subject_tag=TAG_OF)
            status[name] = (cls, ours.status)
        c.quit()
    spam_caught = [n for n, (c, s) in status.items()
                   if c == "spam" and s in ("spam", "probable-spam")]
    ham_spam = [n for n, (c, s) in status.items()
                if c == "ham" and s == "spam"]
    ham_probable = [n for n, (c, s) in status.items()
                    if c == "ham" and s == "probable-spam"]
    missed = sorted((n, s) for n, (c, s) in status.items()
                    if c == "spam" and n not in spam_caught)
    # Cross-validated, the model catches ~95 % of unseen spam at 0.15 %
    # false positives (content/README.md); on its own training data it
    # should do at least that well.  90 % leaves room for retrained
    # models; one spam-marked ham in 40 would already be 17 times the
    # measured rate.
    assert len(spam_caught) >= 0.9 * SPAM_N, missed
    assert ham_spam == [], ham_spam
    assert len(ham_probable) <= 1, ham_probable


# -------------------------------------------- fault matrix C2, C4

SIGS = os.path.join(procs.TOP, "t", "data", "av", "sigs")

MIME_BOMBS = {
    "depth-10000": lambda: bombs.mime_depth(10000),
    "parts-100000": lambda: bombs.mime_parts(
        100000, header=b"Content-Type: text/plain\r\n"),
    "empty-parts-520000": lambda: bombs.mime_parts(520000, b""),
    "cc-50000": lambda: bombs.address_headers(50000),
    "rfc2231-10000": lambda: bombs.rfc2231_params(10000),
    "two-boundaries": lambda: bombs.duplicate_boundary(),
}
# the ones whose structure a parser must give up on or call ambiguous
MARKED = {"depth-10000", "parts-100000", "empty-parts-520000",
          "two-boundaries"}


def _bounded(relay, workdir, msg, av):
    """Send msg through a one-child winnowd (with the AV check when av);
    returns (reply, downstream copy or None, CPU seconds of the child and
    its scan process, their peak anonymous memory in KiB)."""
    extra = {}
    if av:
        extra = {"av": {"database": SIGS, "temp_directory": procs.owned_dir(
            os.path.join(workdir, "avtmp"))}}
    w, sink = relay(extra=extra, server={
        "start_children": "1", "max_children": "1", "min_spare": "1",
        "max_spare": "1", "message_size_limit": "60M"})
    send(w, make_message()[1])          # warm: the scan process started
    with Client(w.port, timeout=110) as c:
        c.ehlo()
        pid = net.conn_owner(w.port, c.local_port)
        cpu0 = res.tree_cpu(pid)
        with res.AnonPeak(pid, tree=True) as peak:
            r = c.xfer("s@example.org", ["r@example.com"], msg)
        cpu = res.tree_cpu(pid) - cpu0
    got = sink.delivered()[1:]
    return r["final"], got[0].data if got else None, cpu, peak.peak


def _c2_params():
    return [pytest.param(kind, av, id="%s-%s" % (kind, "av" if av else "noav"))
            for kind in sorted(MIME_BOMBS) for av in (False, True)]


@pytest.mark.timeout(180)
@pytest.mark.parametrize("kind,av", _c2_params())
def test_C2_mime_bombs_bounded_and_never_a_silent_pass(relay, workdir, kind,
                                                       av):
    """MIME 10,000 deep, 100,000 parts, 520,000 empty parts (19 MB in
    issue 11), 50,000 Cc: fields, 10,000 RFC 2231 parameters, two
    boundary= parameters; with and without the AV check: under 2 s of CPU
    (the child and its scan process), under 256 MB, and an answer - a
    message whose structure was cut short or is ambiguous is marked so
    (MIME_LIMIT / MIME_BROKEN, or the AV limit status, quarantined by
    default, or its error status, a temporary failure by default), never
    passed as if checked."""
    tok, msg = MIME_BOMBS[kind]()
    final, data, cpu, peak = _bounded(relay, workdir, msg, av)
    print("C2 %s av=%s: %s, %.2f s CPU, %d KiB" % (kind, av, final, cpu,
                                                   peak))
    assert peak < 256 * 1024, "%d KiB" % peak
    assert cpu < 2.0, "%.2f s of CPU" % cpu
    if final.code == 250 and data is None:
        # the AV limit status, quarantined by default (limit.action)
        assert av and "quarantined" in final.text, final
    elif final.code == 250:
        ours = filtered(data, msg)
        if kind in MARKED:
            rules = ours.check_items().get("rules", "")
            assert "MIME_LIMIT" in rules or "MIME_BROKEN" in rules or \
                (ours.virus or "").startswith(
                    ("error", "not-scanned (limits)")), ours.checks
    else:
        assert av and final.code == 451, final


C4_INPUTS = {
    "nested-tags-1000000": lambda: bombs.html_nested(10 ** 6),
    "unclosed-tags": lambda: bombs.html_unclosed(100000),
    "regex-food": lambda: bombs.regex_food(100000),
}


@pytest.mark.timeout(120)
@pytest.mark.parametrize("kind", sorted(C4_INPUTS))
def test_C4_html_and_regex_pathologies_bounded(relay, workdir, kind):
    """A million nested tags, 5 MB of tags never closed, text made to
    make backtracking patterns work hard: the classifier answers (a
    status and a score) within 2 s of CPU and 256 MB."""
    tok, msg = C4_INPUTS[kind]()
    final, data, cpu, peak = _bounded(relay, workdir, msg, False)
    assert final.code == 250, final
    ours = filtered(data, msg)
    assert ours.status and ours.score is not None, ours
    assert cpu < 2.0, "%.2f s of CPU" % cpu
    assert peak < 256 * 1024, "%d KiB" % peak

"""One set of MIME limits, end to end: [content] max_parts and max_depth
bound the message index every check reads; the old [av] names are
deprecated spellings (winnowd -t warns, naming the new key); a message past
a limit has a defined outcome - the content check records MIME_LIMIT with
the parameter, the AV walk the error status with Winnow.Limits.Exceeded.*
(whose default action is tempfail) - and a child's memory stays small
however many parts a message has (issue 11 #5: 520,000 empty parts took a
child to 1 GB; bench/mime-bomb measures the whole case).
"""

import os

from wntest import procs
from wntest.ours import filtered
from wntest.smtp import Client, make_message


def send(w, msg):
    with Client(w.port) as c:
        c.ehlo()
        r = c.xfer("sender@example.org", ["r@example.com"], msg)
        c.quit()
    return r


def many_parts(n, boundary=b"b"):
    body = b"".join(b"--" + boundary + b"\r\nContent-Type: text/plain\r\n"
                    b"\r\npart %d\r\n" % i for i in range(n))
    _, m = make_message(subject="many parts", body=body + b"--" + boundary +
                        b"--\r\n")
    return m.replace(b"Content-Type: text/plain; charset=us-ascii",
                     b"Content-Type: multipart/mixed; boundary=" + boundary)


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def test_deprecated_av_limits_warn_and_name_the_new_key(workdir):
    path = os.path.join(workdir, "old.conf")
    with open(path, "w") as f:
        f.write("[av]\ndatabase =\nmax_mime_parts = 50\nmax_mime_depth = 9\n"
                "[content]\ndefault_model = %s/data/content.model\n"
                "obscene_words = %s/data/obscene-en.txt\n" % (
                    procs.SRCDIR, procs.SRCDIR))
    rc, out = procs.winnowd_check(path)
    assert rc == 0, out
    assert "old.conf:3: [av] max_mime_parts is deprecated: use [content] " \
        "max_parts" in out, out
    assert "[av] max_mime_depth is deprecated: use [content] max_depth" \
        in out, out
    # a value the new key cannot take is an error at its line
    with open(path, "w") as f:
        f.write("[av]\nmax_mime_depth = 500\n")
    rc, out = procs.winnowd_check(path)
    assert rc == 78 and "old.conf:2:" in out and "[content] max_depth" in \
        out, out


def test_the_content_limit_is_a_rule_with_its_parameter(relay):
    w, sink = relay(extra={"content": {"max_parts": "5"}})
    msg = many_parts(12)
    r = send(w, msg)
    assert r["final"].code == 250, r
    ours = filtered(sink.delivered()[0].data, msg)
    assert "MIME_LIMIT(max_parts)" in ours.check_items()["rules"], \
        ours.checks
    w.wait_log(r"content: max_parts reached")


def test_the_old_av_name_sets_the_limit_for_every_check(relay):
    """[av] max_mime_parts = 5 (deprecated) bounds the index: content says
    MIME_LIMIT, and the attachment filter's walk gives the error status,
    tempfail by default."""
    w, sink = relay(extra={"av": {"max_mime_parts": "5",
                                  "filter_names": "*.exe"}},
                    policy={"av_checks": "yes"})
    r = send(w, many_parts(12))
    assert r["final"].code == 451, r
    assert sink.delivered() == []
    w.wait_log(r"Winnow\.Limits\.Exceeded\.MimeParts|MimeParts")
    assert "[av] max_mime_parts is deprecated" in w.log()


def test_many_empty_parts_keep_the_child_small(relay):
    """100,000 parts (3.4 MB): the index stops at max_parts, so the child
    stays far below what a tree of 100,000 parts takes."""
    w, sink = relay(server={"max_children": "1", "start_children": "1"})
    part = b"--b\r\nContent-Type: text/plain\r\n\r\n"
    _, msg = make_message(subject="bomb", body=part * 100000 + b"--b--\r\n")
    msg = msg.replace(b"Content-Type: text/plain; charset=us-ascii",
                      b"Content-Type: multipart/mixed; boundary=b")
    r = send(w, msg)
    assert r["final"].code == 250, r
    kids = w.children()
    assert len(kids) == 1
    assert rss_kb(kids[0]) < 64 * 1024, "peak RSS %d kB" % rss_kb(kids[0])
    ours = filtered(sink.delivered()[0].data, msg)
    assert "MIME_LIMIT(max_parts)" in ours.check_items()["rules"]

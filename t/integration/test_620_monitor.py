"""[monitor] alerts (issue 12): a new problem is mailed once to alert_to
through the downstream, the daily digest at digest_hour lists what is
still open, and a resolved problem is mailed once; winnowctl monitor
--print shows the state and since when."""

import os
import subprocess
import time

from wntest import procs

WINNOWCTL = os.path.join(procs.TOP, "build", "winnowctl")


def alerts(sink):
    """The alert mails the downstream got: (subject, body)."""
    out = []
    for t in sink.delivered():
        if t.accepted != ["admin@example.org"]:
            continue
        head, _, body = t.data.partition(b"\r\n\r\n")
        subj = [l for l in head.split(b"\r\n") if l.startswith(b"Subject:")]
        out.append((subj[0].decode() if subj else "", body.decode()))
    return out


def test_alerts_start_digest_end(relay):
    hour = time.localtime().tm_hour
    mon = {"alert_to": "admin@example.org", "interval": "1s",
           "digest_hour": str(hour)}
    w, sink = relay(extra={"monitor": mon})
    # The tests have no virus database while every group wants av_checks:
    # the "check-off" problem is open from the start.
    sink.wait(lambda: len(alerts(sink)) >= 2, 20, "the first alerts")
    a = alerts(sink)
    assert a[0][0].startswith("Subject: [winnow] problem on "), a
    assert "[warning] check-off: no virus database is loaded" in a[0][1]
    assert a[1][0].startswith("Subject: [winnow] digest on "), a
    assert "still has these problems" in a[1][1]
    assert sink.delivered()[0].mail_addr == "", "from the null sender"
    w.wait_log(r"monitor: problem mailed to admin@example.org: check-off")
    p = subprocess.run([WINNOWCTL, "-c", w.conf_path, "monitor", "--print"],
                       stdout=subprocess.PIPE, timeout=30)
    out = p.stdout.decode()
    assert p.returncode == 1 and "WARNING check-off:" in out and \
        "(since " in out, out
    time.sleep(3)
    assert len(alerts(sink)) == 2, "mailed once, not every round"
    # the problem goes away: one "resolved" mail
    w.sections["policy"]["av_checks"] = "no"
    w.write_config()
    os.kill(w.pid, 1)
    sink.wait(lambda: len(alerts(sink)) >= 3, 20, "the resolved alert")
    a = alerts(sink)
    assert a[2][0].startswith("Subject: [winnow] resolved on "), a
    assert "is over" in a[2][1] and "check-off" in a[2][1]
    time.sleep(3)
    assert len(alerts(sink)) == 3
    p = subprocess.run([WINNOWCTL, "-c", w.conf_path, "monitor", "--print"],
                       stdout=subprocess.PIPE, timeout=30)
    assert p.returncode == 0 and p.stdout.decode().startswith("0 problems")

"""scripts/winnow-mta-setup for milters: postfix --milter on Debian 12's
/etc/postfix (t/data/mta/postfix) and sendmail on Sendmail's
generic-linux.mc (from the sendmail-cf that scripts/fetch-sendmail
unpacks), with m4 building sendmail.cf.

Pass criteria: the first run adds winnowd as a milter (postconf shows
smtpd_milters with milters already there kept ahead of ours and
milter_default_action = tempfail; postfix check passes / the built
sendmail.cf has the Xwinnow filter line with F=T); a second run changes
nothing; --undo gives back the original tree byte for byte.
"""

import os
import shutil
import subprocess

import pytest

from wntest import procs
from wntest.sendmail import fetch
from test_320_mta_setup import DATA, diff, run, snapshot


def test_postfix_milter(workdir):
    d = os.path.join(workdir, "postfix")
    os.makedirs(d)
    for f in ("main.cf", "master.cf"):
        shutil.copy2(os.path.join(DATA, "postfix", f), d)
    with open(os.path.join(d, "main.cf"), "a") as f:
        f.write("smtpd_milters = inet:127.0.0.1:8891\n")
    before = snapshot(d)
    run("postfix", "--milter", "--config-dir", d, "--filter",
        "127.0.0.1:10099")
    p = subprocess.run(["postconf", "-c", d, "-h", "smtpd_milters",
                        "milter_default_action", "content_filter"],
                       stdout=subprocess.PIPE, check=True)
    assert p.stdout.decode().splitlines() == [
        "inet:127.0.0.1:8891, inet:127.0.0.1:10099", "tempfail", ""]
    once = snapshot(d)
    assert "nothing changed" in run("postfix", "--milter", "--config-dir", d,
                                    "--filter", "127.0.0.1:10099")
    assert snapshot(d) == once
    run("postfix", "--milter", "--undo", "--config-dir", d)
    assert snapshot(d) == before, diff(snapshot(d), before)


def test_sendmail(workdir):
    if os.geteuid() != 0:
        pytest.skip("scripts/fetch-sendmail needs root the first time")
    binary, why = fetch()
    assert binary, why
    cfdir = os.path.join(procs.TOP, "build", "sendmail", "root", "usr",
                         "share", "sendmail", "cf")
    d = os.path.join(workdir, "mail")
    os.makedirs(d)
    shutil.copy2(os.path.join(cfdir, "cf", "generic-linux.mc"),
                 os.path.join(d, "sendmail.mc"))
    before = snapshot(d)
    run("sendmail", "--config-dir", d, "--cf-dir", cfdir)
    with open(os.path.join(d, "sendmail.cf")) as f:
        cf = f.read()
    assert "\nXwinnow, S=inet:10025@127.0.0.1, F=T, " in cf
    assert "\nO InputMailFilters=winnow\n" in cf
    once = snapshot(d)
    assert "nothing changed" in run("sendmail", "--config-dir", d,
                                    "--cf-dir", cfdir)
    assert snapshot(d) == once
    run("sendmail", "--undo", "--config-dir", d)
    assert snapshot(d) == before, diff(snapshot(d), before)

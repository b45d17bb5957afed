"""scripts/winnow-mta-setup on copies of Debian's configuration trees.

Postfix: t/data/mta/postfix (Debian 12's /etc/postfix as installed).
Exim: Debian's exim4-config tree (unpacked by scripts/fetch-exim), in its
three layouts - plain exim4.conf (Exim's example.conf), the non-split
template and the split conf.d - with t/data/mta/exim4's debconf defaults.

For every mode: the first run changes the tree and the MTA accepts it
(postfix check, exim -bV, run by the script); a second run changes
nothing, byte for byte; --undo gives back the original tree byte for byte
(same files, same bytes, same modes, no state left behind).  For Exim,
exim -bt shows that ordinary mail is routed to winnow and mail winnowd
reinjected (127.0.0.1 on the reinjection port, or submitted locally by
winnowd's user with exim -bs) is not.  Nothing here touches /etc.
"""

import os
import shutil
import stat
import subprocess

import pytest

from wntest import procs

TOP = procs.TOP
SETUP = os.path.join(TOP, "scripts", "winnow-mta-setup")
FETCH = os.path.join(TOP, "scripts", "fetch-exim")
DATA = os.path.join(TOP, "t", "data", "mta")
EXIM_ROOT = os.path.join(TOP, "build", "exim", "root")
EXIM = os.path.join(EXIM_ROOT, "usr", "sbin", "exim4")
UPEX4C = os.path.join(EXIM_ROOT, "usr", "sbin", "update-exim4.conf")


def snapshot(top):
    """Every file and directory under top: relative path -> (mode, bytes)."""
    out = {}
    for d, dirs, files in os.walk(top):
        for name in dirs + files:
            p = os.path.join(d, name)
            st = os.lstat(p)
            data = None
            if stat.S_ISREG(st.st_mode):
                with open(p, "rb") as f:
                    data = f.read()
            out[os.path.relpath(p, top)] = (st.st_mode, data)
    return out


def diff(a, b):
    """What differs between two snapshots, for assertion messages."""
    keys = sorted(set(a) | set(b))
    return [k for k in keys if a.get(k) != b.get(k)]


def run(*args, expect=0):
    p = subprocess.run([SETUP] + list(args), stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=120)
    out = p.stdout.decode("utf-8", "replace")
    assert p.returncode == expect, "exit %d, wanted %d:\n%s" % (
        p.returncode, expect, out)
    return out


@pytest.fixture(scope="session")
def exim_tree():
    """Debian's exim4-config files (and the exim binary to check with)."""
    if not os.path.exists(EXIM):
        if os.geteuid() != 0:
            pytest.skip("scripts/fetch-exim needs root the first time")
        p = subprocess.run([FETCH], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=600)
        assert p.returncode == 0, p.stdout.decode("utf-8", "replace")
    return os.path.join(EXIM_ROOT, "etc", "exim4")


def postfix_tree(workdir):
    d = os.path.join(workdir, "postfix")
    os.makedirs(d)
    for f in ("main.cf", "master.cf"):
        shutil.copy2(os.path.join(DATA, "postfix", f), d)
    return d


def exim_copy(exim_tree, workdir, layout):
    """A copy of Debian's /etc/exim4 in one of the three layouts; returns
    (directory, the script's arguments for it)."""
    d = os.path.join(workdir, "exim4")
    shutil.copytree(exim_tree, d, symlinks=True)
    with open(os.path.join(DATA, "exim4", "update-exim4.conf.conf")) as f:
        ue = f.read()
    if layout == "split":
        ue = ue.replace("dc_use_split_config='false'",
                        "dc_use_split_config='true'")
    with open(os.path.join(d, "update-exim4.conf.conf"), "w") as f:
        f.write(ue)
    check = ["--exim", EXIM, "--update-exim4-conf", UPEX4C]
    if layout == "plain":
        src = os.path.join(EXIM_ROOT, "usr", "share", "doc", "exim4-base",
                           "examples", "example.conf")
        shutil.copy2(src, os.path.join(d, "exim4.conf"))
    return d, ["--config-dir", d] + check


def exim_config_of(d, layout, workdir):
    """The one file Exim reads for this layout."""
    if layout == "plain":
        return os.path.join(d, "exim4.conf")
    out = os.path.join(workdir, "generated.conf")
    p = subprocess.run([UPEX4C, "--confdir", d, "--output", out],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       timeout=60)
    assert p.returncode == 0, p.stdout
    return out


def route(conf, addr, *opts):
    """exim -bt: the router that takes addr."""
    p = subprocess.run([EXIM, "-C", conf] + list(opts) + ["-bt", addr],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       timeout=60)
    out = p.stdout.decode("utf-8", "replace")
    for line in out.splitlines():
        line = line.strip()
        if line.startswith("router = "):
            return line.split()[2].rstrip(",")
    # delivered some other way: the outcome without the routers' debug_print
    return "\n".join(l for l in out.splitlines() if not l.startswith("R: "))


# ------------------------------------------------------------ Postfix

POSTFIX_MODES = {
    "content_filter": [],
    "lmtp": ["--lmtp"],
    "before_queue": ["--before-queue"],
}


@pytest.mark.parametrize("mode", sorted(POSTFIX_MODES))
def test_postfix_apply_twice_then_undo(workdir, mode):
    d = postfix_tree(workdir)
    pristine = snapshot(d)
    out = run("postfix", "--config-dir", d, *POSTFIX_MODES[mode])
    assert "winnow added" in out
    once = snapshot(d)
    assert diff(pristine, once), "nothing changed"
    with open(os.path.join(d, "master.cf")) as f:
        master = f.read()
    with open(os.path.join(d, "main.cf")) as f:
        main = f.read()
    if mode == "before_queue":
        assert "smtpd_proxy_filter=127.0.0.1:10025" in master
        assert "smtpd_proxy_options=speed_adjust" in master
        assert "#winnow-mta-setup# smtp      inet" in master
        assert "content_filter" not in main
    elif mode == "lmtp":
        assert "content_filter = winnow-lmtp:inet:[127.0.0.1]:10025" in main
        assert "winnow-lmtp unix" in master
    else:
        assert "content_filter = winnow:[127.0.0.1]:10025" in main
        assert "lmtp_" not in master.split("# BEGIN winnow")[1]
    assert "127.0.0.1:10026 inet n" in master
    out = run("postfix", "--config-dir", d, *POSTFIX_MODES[mode])
    assert "nothing changed" in out
    assert snapshot(d) == once, diff(once, snapshot(d))
    run("postfix", "--config-dir", d, "--undo")
    assert snapshot(d) == pristine, diff(pristine, snapshot(d))
    out = run("postfix", "--config-dir", d, "--undo")
    assert "nothing to undo" in out
    assert snapshot(d) == pristine


def test_postfix_switching_modes_then_undo(workdir):
    d = postfix_tree(workdir)
    pristine = snapshot(d)
    run("postfix", "--config-dir", d)
    run("postfix", "--config-dir", d, "--before-queue")
    with open(os.path.join(d, "main.cf")) as f:
        assert "content_filter" not in f.read()
    run("postfix", "--config-dir", d, "--lmtp", "--filter",
        "127.0.0.1:10024", "--maxproc", "5")
    with open(os.path.join(d, "master.cf")) as f:
        master = f.read()
    assert "smtpd_proxy_filter" not in master
    assert "#winnow-mta-setup#" not in master
    assert "winnow-lmtp unix -      -       n       -       5      lmtp" \
        in master
    run("postfix", "--config-dir", d, "--undo")
    assert snapshot(d) == pristine, diff(pristine, snapshot(d))


def test_postfix_undo_after_the_admin_edited(workdir):
    d = postfix_tree(workdir)
    with open(os.path.join(d, "main.cf"), "rb") as f:
        orig = f.read()
    run("postfix", "--config-dir", d)
    with open(os.path.join(d, "main.cf"), "a") as f:
        f.write("# added by the admin later\nsmtpd_banner = $myhostname\n")
    out = run("postfix", "--config-dir", d, "--undo")
    assert "edited after winnow was added" in out
    with open(os.path.join(d, "main.cf"), "rb") as f:
        now = f.read()
    assert now == orig + b"# added by the admin later\n" \
        b"smtpd_banner = $myhostname\n", now
    assert not os.path.exists(os.path.join(d, ".winnow-mta-setup"))


def test_postfix_existing_content_filter_is_kept_for_undo(workdir):
    d = postfix_tree(workdir)
    with open(os.path.join(d, "main.cf"), "a") as f:
        f.write("content_filter = amavis:[127.0.0.1]:10024\n")
    pristine = snapshot(d)
    run("postfix", "--config-dir", d)
    with open(os.path.join(d, "main.cf")) as f:
        main = f.read()
    assert "#winnow-mta-setup# content_filter = amavis" in main
    assert main.count("\ncontent_filter = ") == 1
    run("postfix", "--config-dir", d, "--undo")
    assert snapshot(d) == pristine


def test_postfix_conflict_changes_nothing(workdir):
    d = postfix_tree(workdir)
    with open(os.path.join(d, "master.cf"), "a") as f:
        f.write("127.0.0.1:10026 inet n - n - - smtpd\n"
                "  -o content_filter=\n")
    before = snapshot(d)
    out = run("postfix", "--config-dir", d, expect=65)
    assert "--reinject-port" in out
    assert snapshot(d) == before
    run("postfix", "--config-dir", d, "--reinject-port", "10030")


def test_postfix_failed_check_puts_everything_back(workdir):
    d = postfix_tree(workdir)
    with open(os.path.join(d, "master.cf"), "a") as f:
        f.write("broken   unix  -\n")            # bad field count
    before = snapshot(d)
    out = run("postfix", "--config-dir", d, expect=78)
    assert "back as it was" in out
    assert snapshot(d) == before, diff(before, snapshot(d))


def test_postfix_dry_run_changes_nothing(workdir):
    d = postfix_tree(workdir)
    before = snapshot(d)
    out = run("postfix", "--config-dir", d, "--dry-run")
    assert "+content_filter = winnow:[127.0.0.1]:10025" in out
    assert snapshot(d) == before


def test_usage_errors(workdir):
    run(expect=64)
    # sendmail is a mode since the milter (test_530); an unknown MTA is not
    run("qmail", expect=64)
    run("sendmail", "--lmtp", expect=64)
    run("exim", "--milter", expect=64)
    run("postfix", "--lmtp", "--before-queue", expect=64)
    run("exim", "--before-queue", expect=64)
    run("postfix", "--filter", "nocolon", expect=64)
    run("exim", "--winnowd-user", "a}b", expect=64)
    run("postfix", "--config-dir", os.path.join(workdir, "none"), expect=66)
    assert "Usage:" in run("--help")


# ------------------------------------------------------------ Exim

@pytest.mark.parametrize("layout", ["plain", "template", "split"])
@pytest.mark.parametrize("lmtp", [False, True], ids=["smtp", "lmtp"])
def test_exim_apply_twice_then_undo(exim_tree, workdir, layout, lmtp):
    d, args = exim_copy(exim_tree, workdir, layout)
    if lmtp:
        args.append("--lmtp")
    pristine = snapshot(d)
    out = run("exim", *args)
    assert "winnow added" in out
    once = snapshot(d)
    changed = diff(pristine, once)
    if layout == "split":
        assert "conf.d/router/050_winnow-mta-setup" in changed
        assert "conf.d/transport/30_winnow-mta-setup" in changed
        assert "conf.d/main/05_winnow-mta-setup" in changed
        assert "exim4.conf.template" not in changed
    elif layout == "template":
        assert "exim4.conf.template" in changed
    else:
        assert "exim4.conf" in changed
    out = run("exim", *args)
    assert "nothing changed" in out
    assert snapshot(d) == once, diff(once, snapshot(d))
    run("exim", "--undo", *args)
    assert snapshot(d) == pristine, diff(pristine, snapshot(d))


@pytest.mark.parametrize("layout", ["plain", "template", "split"])
def test_exim_routes_through_winnow_once(exim_tree, workdir, layout):
    """Loop avoidance on Debian's own configuration: what arrives on the
    reinjection port from 127.0.0.1, or is submitted locally by winnowd's
    user (forward = exec:exim4 -bs), is routed as before; everything else
    goes to winnow."""
    d, args = exim_copy(exim_tree, workdir, layout)
    conf0 = exim_config_of(d, layout, workdir)
    before = route(conf0, "root@localhost")
    assert before != "winnow"
    run("exim", "--lmtp", *args)
    conf = exim_config_of(d, layout, workdir)
    assert route(conf, "root@localhost") == "winnow"
    assert route(conf, "someone@example.com") == "winnow"
    # reinjected by winnowd over SMTP: let by
    assert route(conf, "root@localhost", "-oMa", "127.0.0.1", "-oMi",
                 "127.0.0.1.10026") == before
    # the same port from elsewhere is ordinary mail
    assert route(conf, "root@localhost", "-oMa", "192.0.2.1", "-oMi",
                 "127.0.0.1.10026") == "winnow"
    # submitted locally by the user winnowd's children run as (exim -bs
    # from forward = exec:...; -oMt sets the caller's login for the test)
    assert route(conf, "root@localhost", "-oMt", "winnow") == before
    # ... but any other local user's mail is filtered, and so is mail from
    # a remote host whose ident (RFC 1413) answer claims to be winnow
    assert route(conf, "root@localhost", "-oMt", "alice") == "winnow"
    assert route(conf, "root@localhost", "-oMa", "192.0.2.1", "-oMt",
                 "winnow") == "winnow"
    # -oMr cannot mark exim -bs mail (EHLO sets the protocol): not a way by
    assert route(conf, "root@localhost", "-oMr", "winnow-scanned") == \
        "winnow"
    run("exim", "--undo", *args)
    assert route(exim_config_of(d, layout, workdir), "root@localhost") == \
        before
    # --winnowd-user names another account for the children; winnow-pipe's
    # user (its size bypass and on_error = accept use the same forward) is
    # let by too
    run("exim", "--lmtp", "--winnowd-user", "daemon", "--pipe-user",
        "nobody", *args)
    conf = exim_config_of(d, layout, workdir)
    assert route(conf, "root@localhost", "-oMt", "daemon") == before
    assert route(conf, "root@localhost", "-oMt", "nobody") == before
    assert route(conf, "root@localhost", "-oMt", "winnow") == "winnow"
    run("exim", "--undo", *args)


def test_exim_failed_check_puts_everything_back(exim_tree, workdir):
    d, args = exim_copy(exim_tree, workdir, "plain")
    with open(os.path.join(d, "exim4.conf"), "a") as f:
        f.write("\nthis_is_not_an_option = 1\n")
    before = snapshot(d)
    out = run("exim", *args, expect=78)
    assert "back as it was" in out
    assert snapshot(d) == before, diff(before, snapshot(d))

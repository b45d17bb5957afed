"""The manual pages and the command lines around them.

winnowd(8) and winnow.conf(5) are made from the parameter tables by
scripts/gen-man: the pages in the tree must be what the tables make now,
so a parameter cannot change without its page.  Every page must render
without a groff warning.  A wrong option gets one usage line, not the
whole help; winnowd -n shows only real changes; -t reports in file order
with suggestions.
"""

import os
import subprocess
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))

from wntest import procs     # noqa: E402

TOP = procs.TOP
PAGES = ["man/winnowd.8", "man/winnow.conf.5", "man/winnowctl.8",
         "man/winnow-pipe.8", "man/winnow-mta-setup.8", "man/winnow-udsd.8"]


def run(argv, **kw):
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=60, **kw)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def test_generated_pages_match_the_parameter_tables():
    rc, out, err = run([os.path.join(TOP, "scripts", "gen-man"),
                        "--winnowd", procs.WINNOWD, "--check"])
    assert rc == 0, out + err


def test_every_parameter_is_in_winnow_conf_5():
    rc, dump, _ = run([procs.WINNOWD, "--dump-params"])
    assert rc == 0
    with open(os.path.join(TOP, "man", "winnow.conf.5")) as fp:
        page = fp.read()
    names = [line.split("\t")[2] for line in dump.splitlines()
             if line.startswith("param\t")]
    assert len(names) > 100
    statuses = ("not-detected", "probable-spam", "spam", "formal", "trusted",
                "blacklisted", "clean", "infected", "suspicious",
                "encrypted", "error", "filtered")
    for name in names:
        status, _, key = name.partition(".")
        shown = (key if status in statuses else name).replace("-", "\\-")
        assert ".B " + shown in page or ".B STATUS." + shown in page, name


@pytest.mark.parametrize("page", PAGES)
def test_page_renders_without_warnings(page):
    rc, out, err = run(["groff", "-man", "-Tutf8", "-ww", "-z",
                        os.path.join(TOP, page)])
    assert rc == 0 and err == "", err
    rc, out, err = run(["man", "-l", "--warnings", os.path.join(TOP, page)],
                       env=dict(os.environ, MANWIDTH="80", MANPAGER="cat",
                                PAGER="cat"))
    assert rc == 0 and "NAME" in out and err == "", err


@pytest.mark.parametrize("prog", ["winnowd", "winnowctl", "winnow-pipe",
                                  "winnow-udsd"])
def test_unknown_option_gets_one_usage_line(prog):
    rc, out, err = run([os.path.join(TOP, "build", prog), "--no-such"])
    assert rc == 64 and out == ""
    lines = err.splitlines()
    usage = [line for line in lines if line.startswith("Usage: " + prog)]
    assert len(usage) == 1, err
    assert len(lines) <= 3, err       # getopt's complaint, usage, --help
    assert "Try %s --help." % prog in err


def test_non_default_shows_only_real_changes(workdir):
    conf = os.path.join(workdir, "n.conf")
    with open(conf, "w") as fp:
        fp.write("[server]\nmax_idle = 5m\nmax_children = 20\n"
                 "on_error = TempFail\nstart_children = 3\n"
                 "spool_dir = %s\n[policy]\nsplit_by_result = on\n"
                 "spam.action = accept\nblacklisted.action = drop\n"
                 % os.path.join(workdir, "spool"))
    rc, out, err = run([procs.WINNOWD, "-n", "-c", conf])
    assert rc == 0, err
    # max_idle 5m is the default 300s, the rest are defaults as written;
    # spool_dir, start_children and blacklisted.action are changes
    assert "start_children = 3" in out and "blacklisted.action = drop" in out
    for same in ("max_idle", "max_children", "on_error", "split_by_result",
                 "spam.action"):
        assert same not in out, (same, out)


def test_check_reports_in_file_order_with_suggestions(workdir):
    conf = os.path.join(workdir, "t.conf")
    with open(conf, "w") as fp:
        fp.write("[server]\n"               # 1
                 "max_children = 0\n"       # 2: out of range
                 "[polcy]\n"                # 3: unknown section
                 "[grop sales]\n"           # 4
                 "recipients = a@b\n"       # 5
                 "[server]\n"               # 6
                 "max_chidren = 3\n"        # 7: unknown parameter
                 "no equals sign\n")        # 8: syntax, found first
    rc, out, err = run([procs.WINNOWD, "-t", "-c", conf])
    assert rc == 78
    lines = [line for line in (out + err).splitlines()
             if line.startswith(conf + ":")]
    numbers = [int(line.split(":")[1]) for line in lines]
    assert numbers == sorted(numbers) and numbers[0] == 2, lines
    text = "\n".join(lines)
    assert "unknown section [polcy] (did you mean [policy]?)" in text
    assert "unknown section [grop sales] (did you mean [group sales]?)" \
        in text
    assert 'did you mean "max_children"?' in text

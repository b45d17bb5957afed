"""MATRIX.md cannot rot: every row of the fault matrix is there once,
every test it names exists and is named after a row, each row that is
run has at least one test named after it, and every test named after a
row is listed in MATRIX.md.  No daemon here: files only."""

import glob
import os
import re

import pytest

from wntest import procs

HERE = os.path.dirname(os.path.abspath(__file__))
MATRIX = os.path.join(HERE, "MATRIX.md")
ROWS = ([("D", 7), ("N", 8), ("S", 5), ("U", 6), ("P", 5), ("C", 5),
         ("A", 8), ("L", 3)])
ROW_IDS = ["%s%d" % (k, i) for k, n in ROWS for i in range(1, n + 1)]
ID_RX = r"(?:^|_)(%s)(?=_|$)" % "|".join(ROW_IDS)


def _rows():
    """{row id: (test column, notes column)} from MATRIX.md's table."""
    out = {}
    with open(MATRIX) as f:
        for line in f:
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if len(cells) == 4 and re.fullmatch(r"[A-Z]\d", cells[0]):
                assert cells[0] not in out, "%s twice" % cells[0]
                out[cells[0]] = (cells[2], cells[3])
    return out


def _ids(name):
    return set(re.findall(ID_RX, name))


def _integration_tests():
    """{function name: file} of every test function named after a row."""
    out = {}
    for path in glob.glob(os.path.join(HERE, "test_*.py")):
        with open(path) as f:
            for name in re.findall(r"^def (test_\w+)\(", f.read(), re.M):
                if _ids(name[len("test_"):]):
                    out[name] = os.path.basename(path)
    return out


def _unit_tests():
    """{test name: path} of every criterion test named after a row."""
    out = {}
    for path in glob.glob(os.path.join(procs.TOP, "t", "unit", "*",
                                       "test_*.c")):
        with open(path) as f:
            for name in re.findall(r"^Test\(\w+,\s*(\w+)\s*[,)]", f.read(),
                                   re.M):
                if _ids(name):
                    out[name] = os.path.relpath(path, procs.TOP)
    return out


def _refs(cell):
    return re.findall(r"`([^`]+)`", cell)


def test_every_row_once_and_in_order():
    rows = _rows()
    assert list(rows) == ROW_IDS, "MATRIX.md rows: %s" % list(rows)


@pytest.mark.parametrize("row", ROW_IDS)
def test_row_names_tests_that_exist(row):
    tests, notes = _rows()[row]
    refs = _refs(tests)
    if not refs:
        assert tests == "not run here" and len(notes) > 20, \
            "%s: no test and no reason" % row
        return
    own = False
    integ, unit = _integration_tests(), _unit_tests()
    for ref in refs:
        if "::" not in ref:
            path = os.path.join(procs.TOP, ref)
            assert os.path.isfile(path) and os.access(path, os.X_OK), \
                "%s: %s is not an executable file" % (row, ref)
            continue
        where, name = ref.split("::")
        if where.endswith(".py"):
            assert integ.get(name) == where, \
                "%s: no def %s() named after a row in %s" % (row, name,
                                                             where)
            own = own or row in _ids(name[len("test_"):])
        else:
            assert unit.get(name) == where, \
                "%s: no Test(..., %s) named after a row in %s" % (
                    row, name, where)
            own = own or row in _ids(name)
    scripts_only = all("::" not in r for r in refs)
    assert own or scripts_only, \
        "%s: none of its tests is named after it: %s" % (row, refs)


def test_every_test_named_after_a_row_is_listed():
    rows = _rows()
    listed = {}
    for row, (tests, _) in rows.items():
        for ref in _refs(tests):
            listed.setdefault(ref.split("::")[-1], set()).add(row)
    missing = []
    for name, where in sorted(list(_integration_tests().items()) +
                              list(_unit_tests().items())):
        ids = _ids(name[len("test_"):] if name.startswith("test_")
                   else name)
        if not ids & listed.get(name, set()):
            missing.append("%s::%s (%s)" % (where, name, ",".join(
                sorted(ids))))
    assert not missing, "named after a row but not under it in " \
        "MATRIX.md:\n" + "\n".join(missing)

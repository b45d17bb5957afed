"""The dashboard's fleet views in a real browser (issue 15): headless
Chromium (as test_640) on node 1 of three real nodes with one Redis: the
Nodes page lists every node up with its heartbeat, version, generation
and messages per second; the Statistics page's fleet switch shows the
fleet's totals, equal to the sum of each node's own totals, and each
node's line; the History page's fleet switch shows every node's
verdicts; node 3 frozen (SIGSTOP) is shown down on the Nodes page and as
a node-down alert on the Status page, and up again after SIGCONT.
Screenshots in the test's work directory (screenshots/)."""

import os
import signal

import pytest

from wntest.smtp import wait_until

from test_640_dashboard import Shots, browser, wait  # noqa: F401
from test_650_fleet import redis, send  # noqa: F401
from test_656_fleet_views import family, node

webdriver = pytest.importorskip("selenium.webdriver")
from selenium.webdriver.common.by import By                  # noqa: E402
from selenium.webdriver.support import expected_conditions as EC  # noqa


def rows(d, css):
    return {r.get_attribute("data-node"): r
            for r in d.find_elements(By.CSS_SELECTOR, css)}


def node_states(d):
    try:
        return {n: r.get_attribute("data-state")
                for n, r in rows(d, "#nodes-table tbody tr").items()}
    except Exception:       # a row redrawn under us
        return {}


def num(text):
    return int(text.replace(",", "")) if text.strip() not in ("", "-") \
        else 0


@pytest.mark.timeout(300)
def test_fleet_pages_in_a_real_browser(relay, redis, ports, workdir,
                                       browser):
    r = redis()
    url = "redis://127.0.0.1:%d" % r.port
    nodes = [node(relay, ports, i, url) for i in range(3)]
    ws = [w for w, _ in nodes]
    sent = {}
    for i, w in enumerate(ws):
        assert send(w.port, w.host, n=1 + 2 * i, tag="d%d" % i) == \
            [250] * (1 + 2 * i)
        sent["node%d" % (i + 1)] = 1 + 2 * i
    d, shot = browser, Shots(browser, workdir)
    d.get("http://127.0.0.1:%d/" % ws[0].api.port)
    wait(d, EC.visibility_of_element_located((By.ID, "secret")))
    d.find_element(By.ID, "secret").send_keys(ws[0].secret)
    d.find_element(By.ID, "login-button").click()
    wait(d, EC.visibility_of_element_located((By.CSS_SELECTOR, ".banner")))

    # Nodes: all three up, each with its figures
    d.find_element(By.CSS_SELECTOR, "#nav a[data-page=nodes]").click()
    wait(d, lambda d: node_states(d) == {"node1": "up", "node2": "up",
                                         "node3": "up"}, timeout=30)
    wait(d, lambda d: all(text_rate(r) > 0 for r in rows(
        d, "#nodes-table tbody tr").values()), timeout=30)
    assert "Redis answers" in d.find_element(By.ID, "nodes-redis").text
    t = d.find_element(By.ID, "nodes-table").text
    assert "(this node)" in t and "node1" in t
    shot("nodes")

    # Statistics: the fleet's totals are the sum of the nodes' own
    wait_until(lambda: ws[0].api.get("/api/v1/stats?fleet=1")[2]
               ["fleet"]["total"] == sum(sent.values()), timeout=30,
               what="the fleet's figures in Redis")
    d.find_element(By.CSS_SELECTOR, "#nav a[data-page=stats]").click()
    sw = wait(d, EC.visibility_of_element_located(
        (By.CSS_SELECTOR, "#fleet-switch button[data-scope=fleet]")))
    sw.click()
    wait(d, EC.visibility_of_element_located((By.ID, "fleet-nodes-table")),
         timeout=30)
    per = {}
    for n, row in rows(d, "#fleet-nodes-table tbody tr").items():
        per[n] = num(row.find_element(By.CSS_SELECTOR,
                                      "td[data-col=total]").text)
    assert per == sent, per
    own = {"node%d" % (i + 1): w.api.get("/api/v1/stats")[2]["total"]
           for i, w in enumerate(ws)}
    assert own == sent
    fleet_cells = d.find_elements(By.CSS_SELECTOR,
                                  ".card table:not(#fleet-nodes-table) "
                                  "tbody td.num")
    assert num(fleet_cells[-1].text) == sum(sent.values())
    shot("stats-fleet")

    # History: every node's verdicts
    d.find_element(By.CSS_SELECTOR, "#nav a[data-page=history]").click()
    wait(d, EC.visibility_of_element_located(
        (By.CSS_SELECTOR, "#fleet-switch button[data-scope=fleet]"))).click()
    wait(d, lambda d: len(d.find_elements(
        By.CSS_SELECTOR, "#history-table tbody tr[data-node]")) ==
        sum(sent.values()), timeout=30)
    seen = [r.get_attribute("data-node") for r in d.find_elements(
        By.CSS_SELECTOR, "#history-table tbody tr[data-node]")]
    assert {n: seen.count(n) for n in sent} == sent
    shot("history-fleet")

    # node 3 frozen: down on the Nodes page, an alert on the Status page
    frozen = family(ws[2].proc.pid)
    for p in frozen:
        os.kill(p, signal.SIGSTOP)
    try:
        d.find_element(By.CSS_SELECTOR, "#nav a[data-page=nodes]").click()
        wait(d, lambda d: node_states(d).get("node3") == "down",
             timeout=30)
        shot("nodes-node3-down")
        d.find_element(By.CSS_SELECTOR, "#nav a[data-page=status]").click()
        wait(d, EC.text_to_be_present_in_element(
            (By.ID, "main"), "node-down:node3"), timeout=30)
        assert "fleet node node3 is down" in d.find_element(
            By.ID, "main").text
        shot("status-node3-alert")
    finally:
        for p in frozen:
            os.kill(p, signal.SIGCONT)
    d.find_element(By.CSS_SELECTOR, "#nav a[data-page=nodes]").click()
    wait(d, lambda d: node_states(d).get("node3") == "up", timeout=30)
    d.find_element(By.CSS_SELECTOR, "#nav a[data-page=status]").click()
    wait(d, lambda d: "node-down:node3" not in d.find_element(
        By.ID, "main").text and "Alerts" in d.find_element(
        By.ID, "main").text, timeout=30)
    errors = [e for e in d.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == [], errors


def text_rate(row):
    try:
        return float(row.find_element(By.CSS_SELECTOR,
                                      "td[data-col=rate]").text)
    except (ValueError, Exception):
        return 0.0

"""The dashboard in a real browser (issue 13): headless Chromium driven
by Selenium (Debian's chromium, chromium-driver, python3-selenium) logs
in, watches mail sent through winnowd change the counters and the
history, opens a message's explanation, scans a pasted message, edits a
list, releases a quarantined message (the sink gets it once) and saves a
screenshot of every page in the test's work directory (screenshots/)."""

import os
import shutil
import time

import pytest

from wntest import net, procs
from wntest.control import Api
from wntest.smtp import Client, make_message, wait_until

webdriver = pytest.importorskip("selenium.webdriver")
from selenium.webdriver.chrome.service import Service       # noqa: E402
from selenium.webdriver.common.by import By                  # noqa: E402
from selenium.webdriver.support import expected_conditions as EC  # noqa
from selenium.webdriver.support.ui import WebDriverWait      # noqa: E402

GTUBE = "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
EVIL = "<img src=x onerror=alert(1)> cheap pills"


def send(w, body=None, subject="test", rcpt="b@example.com"):
    with Client(w.port) as c:
        c.ehlo()
        r = c.xfer("a@example.org", [rcpt],
                   make_message(subject=subject, body=body, to=rcpt)[1])
        c.quit()
    assert r["final"].code == 250, r


@pytest.fixture
def browser(workdir):
    if not os.path.exists(CHROMEDRIVER) or not os.path.exists(CHROMIUM):
        pytest.skip("no chromium/chromium-driver (scripts/install-deps)")
    o = webdriver.ChromeOptions()
    o.binary_location = CHROMIUM
    for a in ("--headless", "--no-sandbox", "--disable-gpu",
              "--disable-background-networking", "--disable-component-update",
              "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
              "--window-size=1366,900",
              "--user-data-dir=" + os.path.join(workdir, "chromium")):
        o.add_argument(a)
    o.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    svc = Service(executable_path=CHROMEDRIVER,
                  log_path=os.path.join(workdir, "chromedriver.log"))
    d = webdriver.Chrome(options=o, service=svc)
    d.set_page_load_timeout(30)
    yield d
    d.quit()


class Shots:
    def __init__(self, d, workdir):
        self.d = d
        self.dir = os.path.join(workdir, "screenshots")
        os.makedirs(self.dir, exist_ok=True)
        self.n = 0

    def __call__(self, name):
        self.n += 1
        path = os.path.join(self.dir, "%02d-%s.png" % (self.n, name))
        time.sleep(0.3)
        self.d.save_screenshot(path)
        return path


def wait(d, cond, timeout=20):
    try:
        return WebDriverWait(d, timeout).until(cond)
    except Exception:
        # what the page showed, for the failure's report
        print("page at the timeout:\n" + d.find_element(By.TAG_NAME,
                                                         "body").text)
        raise


def text_of(d, css):
    return d.find_element(By.CSS_SELECTOR, css).text


@pytest.mark.timeout(300)
def test_dashboard_in_a_real_browser(relay, ports, workdir, browser):
    cport = ports()
    lists = procs.owned_dir(os.path.join(workdir, "lists"))
    white = os.path.join(lists, "white.txt")
    with open(white, "w") as f:
        f.write("# senders we trust\nfriend@example.org\n")
    model = os.path.join(procs.owned_dir(os.path.join(workdir, "model")),
                         "learned.model")
    w, sink = relay(policy={"spam.action": "quarantine",
                            "whitelist": "file:" + white},
                    extra={"control": {"listen": "tcp:127.0.0.1:%d" % cport},
                           "content": {"model": model}})
    net.wait_listening(cport)
    d, shot = browser, Shots(browser, workdir)
    base = "http://127.0.0.1:%d/" % cport
    d.get(base)
    wait(d, EC.visibility_of_element_located((By.ID, "secret")))
    shot("login")
    # a wrong secret is said in words
    d.find_element(By.ID, "secret").send_keys("admin")
    d.find_element(By.ID, "login-button").click()
    wait(d, EC.text_to_be_present_in_element((By.ID, "login-error"),
                                             "not the secret"))
    d.find_element(By.ID, "secret").clear()
    d.find_element(By.ID, "secret").send_keys(w.secret)
    d.find_element(By.ID, "login-button").click()
    wait(d, EC.visibility_of_element_located((By.CSS_SELECTOR, ".banner")))
    cookies = {c["name"]: c for c in d.get_cookies()}
    assert cookies["winnow_session"]["httpOnly"] is True
    assert cookies["winnow_session"]["sameSite"] == "Strict"
    assert d.execute_script("return document.cookie") == ""
    shot("status")
    # the page loads, without any external request, in under a second
    # (the browser's own navigation timing of a reload)
    d.refresh()
    wait(d, EC.visibility_of_element_located((By.CSS_SELECTOR, ".banner")))
    ms = d.execute_script("const t = performance.getEntriesByType("
                          "'navigation')[0]; return t.loadEventEnd;")
    assert 0 < ms < 1000, ms
    hosts = d.execute_script("return performance.getEntriesByType("
                             "'resource').map(e => new URL(e.name).host)")
    assert set(hosts) <= {"127.0.0.1:%d" % cport}, hosts
    # mail through winnowd: the counters and the history change
    send(w, "hello there\r\n", subject="lunch on tuesday")
    send(w, GTUBE + "\r\n", subject=EVIL)
    sink.wait_delivered(1)
    d.get(base + "#stats")
    wait(d, lambda d: d.find_elements(By.CSS_SELECTOR, "td[data-col=spam]")
         and text_of(d, "td[data-col=spam]") == "1")
    assert text_of(d, "td[data-col=not-detected]") == "1"
    assert d.execute_script("return typeof Chart") == "function"
    assert d.execute_script(
        "return document.getElementById('chart-series').width") > 100
    shot("statistics")
    d.get(base + "#history")
    wait(d, lambda d: len(d.find_elements(
        By.CSS_SELECTOR, "#history-table tbody tr.click")) == 2)
    shot("history")
    # the third message appears within a few seconds, without a reload
    send(w, "another one\r\n", subject="minutes")
    wait(d, lambda d: len(d.find_elements(
        By.CSS_SELECTOR, "#history-table tbody tr.click")) == 3, 10)
    # one message's explanation
    rows = d.find_elements(By.CSS_SELECTOR, "#history-table tbody tr.click")
    spam = [r for r in rows if "spam" in r.text and "not-detected" not in
            r.text][0]
    spam.click()
    wait(d, EC.visibility_of_element_located((By.ID, "explain")))
    assert "GTUBE(raw)" in text_of(d, "#explain")
    d.find_element(By.ID, "explain-deep").click()
    wait(d, EC.visibility_of_element_located((By.ID, "scan-result")))
    assert "GTUBE" in text_of(d, "#scan-result")
    shot("history-explanation")
    # the quarantine: the hostile Subject is text, no script ran
    d.get(base + "#quarantine")
    wait(d, lambda d: d.find_elements(By.CSS_SELECTOR,
                                      "#quar-table tbody tr.click"))
    assert EVIL in text_of(d, "#quar-table td.subject")
    assert not d.find_elements(By.CSS_SELECTOR, "#main img")
    shot("quarantine")
    d.find_element(By.CSS_SELECTOR, "#quar-table tbody tr.click").click()
    wait(d, EC.visibility_of_element_located((By.ID, "q-headers")))
    assert EVIL in text_of(d, "#q-subject")
    assert "Subject: " + EVIL in text_of(d, "#q-headers")
    shot("quarantine-message")
    assert len(sink.delivered()) == 2
    # another admin releases it (the API) while this page still offers
    # Release: the click is refused in the dashboard's words (no
    # command-line flag), nothing is sent again ...
    api = Api(cport, w.secret)
    qid = api.get("/api/v1/quarantine")[2]["entries"][0]["id"]
    assert api.post("/api/v1/quarantine/%s/release" % qid)[0] == 200
    sink.wait_delivered(3)
    d.find_element(By.ID, "q-release").click()
    wait(d, EC.text_to_be_present_in_element((By.ID, "flash"),
                                             "released already"))
    said = text_of(d, "#flash")
    assert "not sent again" in said and "--force" not in said, said
    shot("quarantine-released-already")
    time.sleep(1)
    assert len(sink.delivered()) == 3
    # ... and the page now offers a deliberate second copy
    wait(d, EC.element_to_be_clickable((By.ID, "q-release-again"))).click()
    wait(d, EC.text_to_be_present_in_element((By.ID, "flash"),
                                             "released to b@example.com"))
    sink.wait_delivered(4)
    shot("quarantine-released")
    released = [t for t in sink.delivered()
                if b"released from quarantine" in t.data]
    assert len(released) == 2 and len(sink.delivered()) == 4
    # scan a pasted message
    d.get(base + "#scan")
    box = wait(d, EC.visibility_of_element_located((By.ID, "scan-message")))
    box.send_keys("From: friend@example.org\nTo: b@example.com\n"
                  "Subject: hi\n\n" + GTUBE + "\n")
    d.find_element(By.ID, "scan-button").click()
    wait(d, EC.visibility_of_element_located((By.ID, "scan-result")))
    assert "trusted" in text_of(d, "#scan-result")      # the white list
    shot("scan")
    # lists: a bad line is refused in words, a good edit is saved
    d.get(base + "#lists")
    ta = wait(d, EC.visibility_of_element_located(
        (By.CSS_SELECTOR, "textarea[data-path]")))
    ta.send_keys("re:(broken\n")
    d.find_element(By.CSS_SELECTOR, "button.save-list").click()
    wait(d, EC.text_to_be_present_in_element((By.ID, "flash"), white))
    assert "re:(broken" not in open(white).read()
    shot("lists-refused")
    ta.clear()
    ta.send_keys("friend@example.org\nboss@example.org\n")
    d.find_element(By.CSS_SELECTOR, "button.save-list").click()
    wait(d, EC.text_to_be_present_in_element((By.ID, "flash"), "Saved"))
    assert "boss@example.org" in open(white).read()
    shot("lists")
    # no error in the browser's console (the CSP would report there) but
    # the refusals the test asked for (409, 400)
    errors = [e for e in d.get_log("browser") if e["level"] == "SEVERE" and
              "Failed to load resource" not in e["message"]]
    assert not errors, errors
    # log out: the API refuses the old cookie
    d.get(base + "#status")
    wait(d, EC.element_to_be_clickable((By.ID, "logout"))).click()
    wait(d, EC.visibility_of_element_located((By.ID, "secret")))
    assert not any(c["value"] for c in d.get_cookies()
                   if c["name"] == "winnow_session")

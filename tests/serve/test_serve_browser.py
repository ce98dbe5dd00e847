"""The station's page in a real browser: Debian's chromium driven by Selenium through
Debian's chromium-driver (`make test` installs both: scripts/system-deps.sh --browser).

With CARDKIT_SCREENSHOTS=DIR set, the flows also save the pictures of the guides there
(docs/img: serve-en.png, serve-zh.png).
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest
from conftest import run_cli
from serve_helpers import EPOCH, Browserless, bad_roster_csv, roster_csv, serve_factory_fixture, station  # noqa: F401

pytestmark = pytest.mark.browser
CHROMIUM = shutil.which("chromium")
DRIVER = shutil.which("chromedriver")
if not (CHROMIUM and DRIVER):
    pytest.skip("chromium and chromium-driver are not installed (sh scripts/system-deps.sh --browser "
                "installs them; make test does)", allow_module_level=True)
webdriver = pytest.importorskip("selenium.webdriver")
from selenium.common.exceptions import StaleElementReferenceException  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

SCREENSHOTS = os.environ.get("CARDKIT_SCREENSHOTS")


@pytest.fixture
def browser(tmp_path):
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", "--window-size=1280,1600",
                 f"--user-data-dir={tmp_path / 'profile'}"):
        options.add_argument(flag)
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    options.add_experimental_option("prefs", {"download.default_directory": str(downloads),
                                              "download.prompt_for_download": False,
                                              "intl.accept_languages": "en-GB,en"})
    driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(executable_path=DRIVER))
    driver.downloads = downloads
    driver.implicitly_wait(0)
    yield driver
    driver.quit()


def wait_for(driver, test, timeout: float = 60):
    """``test(driver)`` once true; the page may reload meanwhile (it follows its job)."""
    return WebDriverWait(driver, timeout, poll_frequency=0.2,
                         ignored_exceptions=(StaleElementReferenceException,)).until(test)


def upload(driver, files: list[Path]) -> None:
    boxes = wait_for(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "form.drop input[type=file]"),
                     30)  # the page a click (log in) leads to may still be loading
    box = boxes[-1]
    box.send_keys("\n".join(str(f) for f in files))
    box.find_element(By.XPATH, "..").find_element(By.CSS_SELECTOR, "button").click()


def job_settled(driver) -> bool:
    section = driver.find_elements(By.ID, "job")
    return bool(section) and section[0].get_attribute("data-state") not in ("queued", "running")


def shot(driver, name: str) -> None:
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(Path(SCREENSHOTS) / name))


def test_flow_1_two_bad_rows_then_previews_and_the_cli_s_pdf(tmp_path, serve_factory, browser,
                                                               monkeypatch):
    home = station(tmp_path / "s")
    served = serve_factory(["--project", "s"], tmp_path, env={"SOURCE_DATE_EPOCH": EPOCH})
    files = tmp_path / "files"
    files.mkdir()
    (files / "roster.csv").write_bytes(bad_roster_csv())
    browser.get(served.url + "/")
    upload(browser, [files / "roster.csv"])
    wait_for(browser, lambda d: job_settled(d) and d.find_elements(By.ID, "problems"))
    rows = browser.find_elements(By.CSS_SELECTOR, "#problems tbody tr")
    assert [r.get_attribute("data-row") for r in rows] == ["2", "4"]
    assert "CG001 吴明" in rows[0].text and "0772-12" in rows[0].text
    assert "CG003 韦建国" in rows[1].text and "mobile" in rows[1].text
    assert browser.find_elements(By.ID, "errors-stand") and not browser.find_elements(By.ID, "make-office")
    if SCREENSHOTS:  # with the designs' pictures, made once per server in a worker
        wait_for(browser, lambda d: all(d.execute_script("return arguments[0].naturalWidth", i) > 0
                                       for i in d.find_elements(By.CSS_SELECTOR, "img[data-thumb]")))
        shot(browser, "serve-problems-en.png")

    (files / "roster.csv").write_bytes(roster_csv())  # fixed, dropped again
    upload(browser, [files / "roster.csv"])
    wait_for(browser, lambda d: job_settled(d) and d.find_elements(By.ID, "make-office"))
    faces = browser.find_elements(By.CSS_SELECTOR, "#cards img.face")
    assert len(faces) == 6 and all(f.get_attribute("loading") == "lazy" for f in faces)
    for face in faces:
        browser.execute_script("arguments[0].scrollIntoView()", face)
    wait_for(browser, lambda d: all(d.execute_script("return arguments[0].naturalWidth", f) > 100
                                   for f in faces))
    browser.find_element(By.ID, "make-office").click()
    wait_for(browser, lambda d: d.find_elements(By.ID, "download-office"))
    browser.find_element(By.ID, "download-office").click()
    wait_for(browser, lambda d: [p for p in d.downloads.glob("*.pdf")])
    time.sleep(0.3)
    [pdf] = list(browser.downloads.glob("*.pdf"))
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    result = run_cli(["--project", str(home), "print", "--gen", "2022", "--roster", "roster.csv",
                      "--paper", "A4", "--layout", "sheet", "-o", str(tmp_path / "cli.pdf")], cwd=files)
    assert result.code == 0, result.stderr
    assert pdf.read_bytes() == (tmp_path / "cli.pdf").read_bytes()
    if SCREENSHOTS:
        browser.execute_script("window.scrollTo(0, 0)")
        shot(browser, "serve-en.png")
        browser.get(served.url + "/lang?to=zh&next=" + browser.current_url.split(served.url)[1])
        # the problems are said again in Chinese: the page follows the job until it is done
        wait_for(browser, lambda d: job_settled(d) and "警告" in d.page_source)
        faces = browser.find_elements(By.CSS_SELECTOR, "#cards img.face")
        for face in faces:
            browser.execute_script("arguments[0].scrollIntoView()", face)
        wait_for(browser, lambda d: all(d.execute_script("return arguments[0].naturalWidth", f) > 100
                                       for f in faces))
        browser.execute_script("window.scrollTo(0, 0)")
        shot(browser, "serve-zh.png")


def test_flow_2_the_unit_form_refuses_a_placeholder_then_saves(tmp_path, serve_factory, browser):
    home = station(tmp_path / "s")
    served = serve_factory(["--project", "s"], tmp_path)
    browser.get(served.url + "/settings")
    url = browser.find_element(By.ID, "web_url_0")
    url.clear()
    url.send_keys("https://wsgaj.example.gov.cn/")
    browser.find_element(By.ID, "save").click()
    wait_for(browser, lambda d: d.find_elements(By.ID, "not-saved"))
    reason = browser.find_element(By.CSS_SELECTOR, '.why[data-for="web0"]').text
    assert "placeholder host" in reason
    assert "example.gov.cn" not in (home / "cardkit.yaml").read_text(encoding="utf-8")
    url = browser.find_element(By.ID, "web_url_0")
    url.clear()
    url.send_keys("https://wsgaj.chengguan-pcs.cn/new")
    browser.find_element(By.ID, "save").click()
    wait_for(browser, lambda d: d.find_elements(By.ID, "saved"))
    text = (home / "cardkit.yaml").read_text(encoding="utf-8")
    assert "https://wsgaj.chengguan-pcs.cn/new" in text and text.startswith("# the station's own settings")
    # the mascot's drawing: chosen in the browser, saved, shown as the form's preview
    drawing = tmp_path / "城关小警.svg"
    drawing.write_text('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10">'
                       '<circle cx="5" cy="5" r="4" fill="#1b4f8c"/></svg>', encoding="utf-8")
    name = browser.find_element(By.ID, "mascot")
    name.clear()
    name.send_keys("城关小警")
    browser.find_element(By.ID, "mascot_image").send_keys(str(drawing))
    browser.find_element(By.ID, "save").click()
    wait_for(browser, lambda d: d.find_elements(By.ID, "saved"))
    assert (home / "assets" / "mascot.svg").read_bytes() == drawing.read_bytes()
    preview = browser.find_element(By.ID, "mascot-preview")
    assert browser.execute_script("return arguments[0].naturalWidth", preview) > 0
    if SCREENSHOTS:
        shot(browser, "serve-settings-en.png")


def test_flow_3_and_4_a_station_s_token_shows_only_its_own_cards(tmp_path, serve_factory, browser):
    bureau = tmp_path / "bureau"
    a = station(bureau / "chengguan")
    station(bureau / "liudong", unit="unit:\n  name: 柳州市公安局柳东派出所\n  address: 柳东路9号\n")
    served = serve_factory(["--stations", str(bureau)], tmp_path)
    token_b = (bureau / "liudong" / ".cardkit-serve-token").read_text().strip()
    others = []
    for number in range(2):  # other stations' clerks upload at the same time, over HTTP
        bob = Browserless(served.url)
        bob.login(token_b)
        bob.get("/")
        others.append(bob.post("/upload", files=[("files", ("roster.csv", roster_csv(
            prefix=f"LD{number}", count=1, names=["柳东民警"])))], follow=False).headers["location"])
    browser.get(served.url + "/")
    assert browser.current_url.endswith("/login")
    browser.find_element(By.ID, "token").send_keys((a / ".cardkit-serve-token").read_text().strip())
    browser.find_element(By.ID, "login").click()
    files = tmp_path / "files"
    files.mkdir()
    (files / "roster.csv").write_bytes(roster_csv(prefix="CG", count=2))
    upload(browser, [files / "roster.csv"])
    wait_for(browser, lambda d: job_settled(d) and d.find_elements(By.ID, "cards"))
    ids = [b.get_attribute("value") for b in browser.find_elements(By.NAME, "officer")]
    assert ids == ["CG001", "CG002"]
    assert "柳东" not in browser.page_source and "liudong" not in browser.page_source
    for job in others:
        browser.get(served.url + job)
        assert "Not found" in browser.find_element(By.ID, "message").text
        assert "柳东民警" not in browser.page_source
    browser.get(served.url + "/settings")
    assert browser.find_element(By.ID, "name").get_attribute("value") == "柳州市公安局城关派出所"

"""`cardkit serve` over HTTP: start and stop, safety, the roster's problems, downloads, stations.

One real server per test (a subprocess, as a clerk starts it); the browser flows are in
test_serve_browser.py.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import tempfile
import threading
import time
from pathlib import Path

import pytest
from conftest import run_cli
from serve_helpers import (  # noqa: F401 (a fixture)
    EPOCH,
    Browserless,
    bad_roster_csv,
    roster_csv,
    roster_file,
    serve_factory_fixture,
    start,
    station,
)


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    """One station's server for the tests that need nothing else of it (a server costs a
    start and a warm-up of its workers): (server, the station's folder, the folder it runs in)."""
    folder = tmp_path_factory.mktemp("shared")
    home = station(folder / "s")
    served = start(["--project", "s"], folder, env={"SOURCE_DATE_EPOCH": EPOCH})
    yield served, home, folder
    _code, log = served.stop(signal.SIGTERM)
    served.log.unlink(missing_ok=True)
    for personal in ("吴明", "韦建国", "0772-28", "1390770", "roster.csv"):  # names, numbers, files
        assert personal not in log


def _server_roots() -> set[str]:
    base = Path(tempfile.gettempdir()) / f"cardkit-serve-{os.getuid()}"
    return {p.name for p in base.glob("run-*")} if base.is_dir() else set()


def test_a_non_loopback_host_without_a_token_is_refused(tmp_path):
    result = run_cli(["serve", "--project", str(station(tmp_path / "s")), "--host", "0.0.0.0"])
    assert result.code == 2
    assert "--token" in result.stderr and "0.0.0.0" in result.stderr


@pytest.mark.parametrize("sig, status", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_stops_with_the_contract_status_and_leaves_nothing(tmp_path, serve_factory, sig, status):
    station(tmp_path / "s")
    served = serve_factory(["--project", "s"], tmp_path)
    root = f"run-{served.process.pid}"
    assert root in _server_roots()
    if sig == signal.SIGTERM:  # with a job folder, and its worker started
        Browserless(served.url).upload([("roster.csv", roster_csv(count=1))])
    code, err = served.stop(sig)
    assert code == status, err
    assert root not in _server_roots()
    assert "Traceback" not in err
    assert "吴明" not in err and "0772-2800001" not in err  # the log holds no officer's data


def test_every_response_is_guarded(tmp_path, shared):
    served, home, _folder = shared
    client = Browserless(served.url)
    page = client.get("/")
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert "default-src 'none'" in page.headers["content-security-policy"]
    cookie = page.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie
    # a form without its CSRF token is refused, and so is one from another session
    refused = client.client.post("/upload", files=[("files", ("r.csv", roster_csv()))])
    assert refused.status_code == 403
    assert client.client.post("/settings", data={"csrf": "0" * 64, "name": "x"}).status_code == 403
    # a form posted from another site is refused, the login form too
    assert client.client.post("/login", data={"token": "x"},
                              headers={"Origin": "https://evil.example"}).status_code == 403
    # DNS rebinding: a loopback server answers loopback names only
    assert client.client.get("/", headers={"Host": "cards.example.com"}).status_code == 421
    # the upload cap is named, refused before the body is read
    with socket.create_connection(("127.0.0.1", served.port)) as sock:
        sock.sendall(b"POST /upload HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: multipart/form-data; "
                     b"boundary=x\r\nContent-Length: 900000000\r\n\r\n--x\r\n")
        sock.settimeout(10)
        received = b""
        while b"</html>" not in received:
            chunk = sock.recv(65536)
            if not chunk:
                break
            received += chunk
        answer = received.decode("utf-8", "replace")
    assert " 413 " in answer.splitlines()[0] and "64 MiB" in answer
    # garbled uploads get a clear message and the server goes on
    for name, data in [("roster.xlsx", b"PK\x03\x04 not a zip at all"), ("r.zip", b"garbage"),
                       ("../../etc/passwd.csv", b"x"), ("notes.exe", b"MZ")]:
        answer = client.post("/upload", files=[("files", (name, data))])
        assert answer.status_code in (200, 400), name
        assert str(home.parent) not in answer.text and "Traceback" not in answer.text
    assert client.get("/").status_code == 200


def test_the_page_speaks_the_browser_s_language_or_the_switch_s(tmp_path, shared):
    served, home, _folder = shared
    chinese = Browserless(served.url, lang="zh-CN,zh;q=0.9,en;q=0.8")
    assert "把花名册" in chinese.get("/").text and 'lang="zh-CN"' in chinese.get("/").text
    refused = chinese.post("/upload", files=[("files", ("r.zip", b"garbage"))])
    assert "不是可读的 zip 文件" in refused.text
    english = Browserless(served.url, lang="en-GB,fr;q=0.5")
    assert "Drop the roster" in english.get("/").text
    english.get("/lang?to=zh&next=/settings")  # the switch: a cookie, then back to the page
    assert "单位名称" in english.get("/settings").text
    assert english.client.get("/lang?to=zh&next=//evil.example/").url.path == "/"


def test_a_bomb_in_a_spreadsheet_affects_only_its_job(tmp_path, shared):
    served, home, _folder = shared
    client = Browserless(served.url)
    import io
    import zipfile

    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            chunk = b"\0" * 2**24
            for _ in range(18):  # 288 MiB of zeros, more than a roster may unpack to (256)
                member.write(chunk)
    job = client.upload([("roster.xlsx", bomb.getvalue())])
    page = client.get(job).text
    assert "Traceback" not in page and str(home.parent) not in page
    assert "Print shop" not in page  # nothing printable
    good = client.upload([("roster.csv", roster_csv(count=1))])
    assert "吴明" in client.get(good).text


def test_problems_by_row_are_check_json_and_the_pdfs_are_print_s(tmp_path, shared, monkeypatch):
    served, home, _folder = shared
    client = Browserless(served.url)
    job = client.upload([("roster.csv", bad_roster_csv())])
    page = client.get(job).text
    rows = re.findall(r'<tr class="(\w+)" data-severity="\w+" data-row="(\d*)">(.*?)</tr>', page, re.S)
    assert [(sev, row) for sev, row, _ in rows] == [("error", "2"), ("error", "4")]
    assert "CG001 吴明" in rows[0][2] and "phone" in rows[0][2] and "0772-12" in rows[0][2]
    assert "CG003 韦建国" in rows[1][2] and "mobile" in rows[1][2]
    assert 'id="errors-stand"' in page and 'id="make-office"' not in page
    # the same diagnostics as check --json (run in a folder holding the same file)
    (tmp_path / "cli").mkdir()
    (tmp_path / "cli" / "roster.csv").write_bytes(bad_roster_csv())
    (tmp_path / "cli" / "cardkit.yaml").write_bytes((home / "cardkit.yaml").read_bytes())
    cli = run_cli(["check", "--gen", "2022", "--roster", "roster.csv", "--json"], cwd=tmp_path / "cli")
    expected = json.loads(cli.stdout)["problems"]
    for (_sev, _row, cells), problem in zip(rows, expected, strict=True):
        assert problem["field"] in cells and problem["subject"].split()[1] in cells
        assert problem["message"].split(":")[0].replace('"', "&#34;") in cells

    # fixed: no error, every card previewed, the downloads are print's bytes
    job = client.upload([("roster.csv", roster_csv())])
    page = client.get(job).text
    faces = re.findall(r'<img class="face" src="([^"]+)"[^>]*loading="lazy"', page)
    assert len(faces) == 6
    assert client.client.get(faces[-1]).headers["content-type"] == "image/png"
    (tmp_path / "cli" / "roster.csv").write_bytes(roster_csv())
    for kind, flags in [("office", ["--paper", "A4", "--layout", "sheet"]), ("shop", ["--preset", "shop"])]:
        client.post(job + "/print", {"kind": kind, "officer": ["CG001", "CG002", "CG003"]})
        assert client.wait(job)["state"] == "done"
        pdf = client.client.get(f"{job}/file/{kind}.pdf")
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
        out = tmp_path / "cli" / f"{kind}.pdf"
        monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
        done = run_cli(["--project", str(home), "print", "--gen", "2022", "--roster", "roster.csv",
                        "-o", str(out), *flags], cwd=tmp_path / "cli")
        assert done.code == 0, done.stderr
        assert pdf.content == out.read_bytes(), kind
    ledger = client.client.get(f"{job}/file/shop.json").json()
    assert ledger["roster"] == "roster.csv" and str(home.parent) not in json.dumps(ledger)
    assert sorted(ledger["digests"]) == ["CG001", "CG002", "CG003"]
    # the station keeps its ledgers: an officer changed since is ticked for the reprint
    assert len(list((home / "ledgers").glob("2022-*.json"))) == 2
    changed = roster_csv().decode().replace("覃晓红", "覃晓虹").encode()
    job2 = client.upload([("roster.csv", changed)])
    assert 'data-changed="[&#34;CG002&#34;]"' in client.get(job2).text
    # done: the job and its files go
    folder_count = len(list(Path(tempfile.gettempdir()).glob(f"cardkit-serve-{os.getuid()}/run-*/jobs/*")))
    client.post(job2 + "/done")
    assert client.client.get(job2).status_code == 404
    assert len(list(Path(tempfile.gettempdir()).glob(
        f"cardkit-serve-{os.getuid()}/run-*/jobs/*"))) == folder_count - 1


def test_eight_stations_uploading_at_once_each_get_their_own_officers(tmp_path, shared):
    served, home, _folder = shared
    results: dict[int, str] = {}

    def one(number: int) -> None:
        client = Browserless(served.url)
        name = ["甲", "乙", "丙", "丁", "戊", "己", "庚", "辛"][number] + "警官"
        kind = ("csv", "xlsx", "xls", "yaml")[number % 4]  # every format a clerk may drop
        job = client.upload([roster_file(kind, f"S{number}X", [name])])
        results[number] = client.get(job).text

    threads = [threading.Thread(target=one, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert len(results) == 8
    for number, page in results.items():
        ids = set(re.findall(r'name="officer" value="([^"]+)"', page))
        assert ids == {f"S{number}X001"}, (number, ids)
        assert ["甲", "乙", "丙", "丁", "戊", "己", "庚", "辛"][number] + "警官" in page
        others = [f"S{n}X001" for n in range(8) if n != number]
        assert not any(other in page for other in others)


def test_a_job_cancelled_while_working_or_waiting_leaves_nothing(tmp_path, serve_factory):
    station(tmp_path / "s")
    served = serve_factory(["--project", "s", "--workers", "1"], tmp_path)
    client = Browserless(served.url)
    client.get("/")
    first = client.post("/upload", files=[("files", ("roster.csv", roster_csv(count=8)))],
                        follow=False).headers["location"]
    second = client.post("/upload", files=[("files", ("roster.csv", roster_csv(count=2)))],
                         follow=False).headers["location"]
    assert client.client.get(second + "/state").json()["place"] == 1
    assert "place 1 in the queue" in client.get(second).text
    client.post(second + "/cancel")
    while client.client.get(first + "/state").json()["state"] == "queued":
        time.sleep(0.05)
    client.post(first + "/cancel")
    for job in (first, second):
        assert client.wait(job)["state"] == "cancelled"
        page = client.get(job).text
        assert "Cancelled" in page and 'class="face"' not in page
    folders = Path(tempfile.gettempdir()).glob(f"cardkit-serve-{os.getuid()}/run-{served.process.pid}/jobs/*")
    for folder in folders:
        assert sorted(p.name for p in folder.iterdir()) == ["roster.csv"], folder


def test_a_token_of_its_own_auto_is_printed_once_and_asked_for(tmp_path, serve_factory):
    station(tmp_path / "s")
    served = serve_factory(["--project", "s", "--token", "auto"], tmp_path)
    client = Browserless(served.url)
    assert client.get("/").url.path == "/login"
    assert client.client.post("/upload", files=[("files", ("r.csv", roster_csv()))]).status_code == 401
    code, err = served.stop(signal.SIGTERM)
    [token] = re.findall(r"token: (\S+) \(type it on the login page", err)
    assert err.count(token) == 1 and code == 143
    again = serve_factory(["--project", "s", "--token", token], tmp_path)
    client = Browserless(again.url)
    assert client.login("wrong" * 4).status_code == 403
    assert client.login(token).url.path == "/" and "Drop the roster" in client.get("/").text


def test_a_station_sees_only_its_own_folder(tmp_path, serve_factory):
    bureau = tmp_path / "bureau"
    a = station(bureau / "chengguan")
    b = station(bureau / "liudong", unit="unit:\n  name: 柳州市公安局柳东派出所\n  address: 柳东路9号\n")
    served = serve_factory(["--stations", str(bureau)], tmp_path)
    token_a = (a / ".cardkit-serve-token").read_text().strip()
    token_b = (b / ".cardkit-serve-token").read_text().strip()
    assert token_a != token_b and (a / ".cardkit-serve-token").stat().st_mode & 0o077 == 0
    anonymous = Browserless(served.url)
    assert anonymous.get("/").url.path == "/login"
    assert anonymous.login("not-a-token-of-anyone").status_code == 403
    alice, bob = Browserless(served.url), Browserless(served.url)
    alice.login(token_a)
    bob.login(token_b)
    job_b = bob.upload([("roster.csv", roster_csv(prefix="LD", count=1, names=["柳东民警"]))])
    for path in ("/", "/settings", job_b, job_b + "/file/preview-0.png", job_b + "/state"):
        answer = alice.get(path)
        assert "柳东" not in answer.text and "liudong" not in answer.text, path
        assert str(bureau) not in answer.text
    assert alice.get(job_b).status_code == 404
    assert "城关派出所" in alice.get("/settings").text
    assert "柳东派出所" in bob.get("/settings").text


def test_the_unit_form_refuses_a_placeholder_and_saves_keeping_the_comments(tmp_path, shared):
    served, home, _folder = shared
    client = Browserless(served.url)
    form = client.get("/settings").text
    assert 'value="柳州市公安局城关派出所"' in form and 'value="https://wsgaj.chengguan-pcs.cn/"' in form
    before = (home / "cardkit.yaml").read_text(encoding="utf-8")
    values = {"name": "柳州市公安局城关派出所", "address": "柳州市城中区城关路1号",
              "hotline": "0772-0000000", "mascot": "", "mascot_none": "1", "web_label_0": "网上公安局",
              "web_url_0": "https://wsgaj.example.gov.cn/"}
    refused = client.post("/settings", values)
    assert refused.status_code == 400
    reasons = dict(re.findall(r'data-for="(\w+)">([^<]+)<', refused.text))
    assert "placeholder number" in reasons["hotline"]
    assert "placeholder host" in reasons["web0"]
    assert (home / "cardkit.yaml").read_text(encoding="utf-8") == before
    values.update(hotline="0772-2810119", web_url_0="https://wsgaj.chengguan-pcs.cn/",
                  web_label_1="网上警务室", web_url_1="https://jwsh.chengguan-pcs.cn/")
    saved = client.post("/settings", values)
    assert saved.status_code == 200 and 'id="saved"' in saved.text
    after = (home / "cardkit.yaml").read_text(encoding="utf-8")
    assert after.startswith("# the station's own settings\noutput: out\n")
    assert 'hotline: "0772-2810119"' in after and "mascot" not in after
    from cardkit.project import open_project

    unit = open_project(home).config["unit"]
    assert unit["hotline"] == "0772-2810119" and len(unit["web"]) == 2


def test_a_zip_of_the_roster_and_its_qr_screenshots(tmp_path, shared):
    import io
    import zipfile

    import segno

    served, home, _folder = shared
    picture = io.BytesIO()
    segno.make("https://u.wechat.com/EXAMPLE001", error="m").save(picture, kind="png", scale=8, border=4)
    rows = roster_csv(count=1).decode().splitlines()
    csv = f"{rows[0]},微信\n{rows[1]},qr/吴明.png\n"
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("名单/roster.csv", csv)
        z.writestr("名单/qr/吴明.png", picture.getvalue())
    client = Browserless(served.url)
    page = client.get(client.upload([("名单.zip", archive.getvalue())])).text
    assert "wechat" not in page.split('id="problems"')[-1].split("</table>")[0]  # the code was read
    assert page.count('class="face"') == 2 and 'id="make-shop"' in page
    missing = io.BytesIO()
    with zipfile.ZipFile(missing, "w") as z:
        z.writestr("roster.csv", csv)  # names a screenshot the zip does not hold
    page = client.get(client.upload([("bad.zip", missing.getvalue())])).text
    assert 'data-severity="error"' in page and "qr/吴明.png" in page and str(home.parent) not in page


def test_a_station_s_own_design_is_offered_without_a_picture(tmp_path, shared):
    served, home, _folder = shared
    (home / "generations").mkdir()
    (home / "generations" / "local.yaml").write_text('extends: "2022"\n', encoding="utf-8")
    try:
        client = Browserless(served.url)
        page = client.get(client.upload([("roster.csv", roster_csv(count=1))])).text
        assert 'name="gen" value="local"' in page and 'name="gen" value="2006"' in page
        assert "/thumbs/2006-front.png" in page and "/thumbs/local-" not in page
    finally:
        (home / "generations" / "local.yaml").unlink()
        (home / "generations").rmdir()

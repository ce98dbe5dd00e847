"""The serve package's small parts, without a server."""

from __future__ import annotations

import io
import zipfile

import pytest

pytest.importorskip("starlette")

from cardkit.serve.results import problem_rows, split_fix  # noqa: E402
from cardkit.serve.stations import is_loopback  # noqa: E402
from cardkit.serve.texts import TEXTS, Texts, choose_language, translation  # noqa: E402
from cardkit.serve.uploads import UploadRefused, clean_name, save  # noqa: E402


@pytest.mark.parametrize("host, loopback", [("127.0.0.1", True), ("localhost", True), ("::1", True),
                                            ("[::1]", True), ("127.0.0.2", True), ("0.0.0.0", False),
                                            ("192.168.1.5", False), ("cards.local", False)])
def test_loopback(host, loopback):
    assert is_loopback(host) is loopback


@pytest.mark.parametrize("cookie, accept, lang", [
    (None, "zh-CN,zh;q=0.9,en;q=0.8", "zh"), (None, "en-US,zh;q=0.5", "en"),
    (None, "fr-FR,zh-TW;q=0.7", "zh"), (None, "", "en"), ("en", "zh-CN", "en"), ("zh", "en", "zh"),
    ("xx", "zh", "zh"), (None, "zh;q=bad,en", "en")])
def test_the_language_of_a_request(cookie, accept, lang):
    assert choose_language(cookie, accept) == lang


def test_texts_are_per_request_and_every_one_is_translated():
    chinese, english = Texts(translation("zh")), Texts(translation("en"))
    assert chinese.office == "办公室打印机（A4）" and english.office == "Office printer (A4)"
    assert all(getattr(chinese, key) != TEXTS[key] or TEXTS[key] in ("URL",) for key in TEXTS
               if key not in ("web_url",)), "every text has its Chinese translation"
    from cardkit import i18n

    assert i18n.language() == "en"  # the CLI's language is left alone


def test_the_fix_is_told_apart_from_what_is_wrong():
    assert split_fix('"0772-0000000": a placeholder number (all zeros), not a real one (write the '
                     "real value; only a roster marked specimen: true may hold placeholders)") == (
        '"0772-0000000": a placeholder number (all zeros), not a real one',
        "write the real value; only a roster marked specimen: true may hold placeholders")
    assert split_fix('"1390": not a valid mobile number') == ('"1390": not a valid mobile number', "")
    reason = "empty: these 3 officers' cards are printed without their QR code (qr: missing: omit)"
    assert split_fix(reason) == (reason, "")  # a reason, not a fix
    assert split_fix("名字太长（改短，或换行）") == ("名字太长", "改短，或换行")
    rows = problem_rows([{"severity": "error", "file": "r.csv", "line": 4, "subject": "officer CG3",
                          "field": "mobile", "message": "bad (use eleven digits)"}], {"CG3": "韦建国"})
    assert rows[0]["officer"] == "CG3" and rows[0]["name"] == "韦建国"
    assert rows[0]["fix"] == "use eleven digits"


@pytest.mark.parametrize("name, safe", [("roster.csv", "roster.csv"), ("qr/LD001.png", "qr/LD001.png"),
                                        ("../../etc/passwd", None), ("/etc/passwd", None),
                                        (".hidden.csv", None), ("a\\..\\b.csv", None), ("", None)])
def test_file_names_stay_inside_the_job(name, safe):
    assert clean_name(name) == safe


def test_a_zip_is_unpacked_within_its_caps(tmp_path):
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("roster.csv", "编号,姓名\nA1,吴明\n")
        z.writestr("qr/A1.png", b"\x89PNG")
        z.writestr("../evil.csv", "x")
    (tmp_path / "a").mkdir()
    with pytest.raises(UploadRefused) as refused:
        save(tmp_path / "a", [("all.zip", archive.getvalue())])
    assert "not a file name" in refused.value.text(lambda m: m)
    assert not (tmp_path / "evil.csv").exists()
    good = io.BytesIO()
    with zipfile.ZipFile(good, "w") as z:
        z.writestr("roster.csv", "编号,姓名\nA1,吴明\n")
        z.writestr("qr/A1.png", b"\x89PNG")
    (tmp_path / "b").mkdir()
    saved = save(tmp_path / "b", [("all.zip", good.getvalue())])
    assert saved.roster == "roster.csv" and (tmp_path / "b" / "qr" / "A1.png").is_file()
    with pytest.raises(UploadRefused):
        (tmp_path / "c").mkdir()
        save(tmp_path / "c", [("a.csv", b"x"), ("b.csv", b"y")])  # two rosters


def test_a_task_past_its_time_is_stopped_and_leaves_nothing(tmp_path):
    import asyncio

    from serve_helpers import roster_csv, station

    from cardkit.serve.jobs import Runner

    async def run():
        (tmp_path / "root").mkdir()
        runner = Runner(tmp_path / "root", workers=1, task_seconds=0.3)
        runner._context.set_forkserver_preload([])  # the task is stopped long before it would need it
        job = runner.new_job("s", roster="roster.csv", gen="2022", lang="en")
        (job.folder / "roster.csv").write_bytes(roster_csv(count=20))
        runner.start(job, "analyse", {"station": str(station(tmp_path / "s"))})
        while job.state in ("queued", "running"):
            await asyncio.sleep(0.05)
        await runner.shutdown()
        return job

    job = asyncio.run(run())
    assert job.state == "failed" and job.last == {"ok": False, "timeout": True, "problems": []}
    assert sorted(p.name for p in job.folder.iterdir()) == ["roster.csv"]

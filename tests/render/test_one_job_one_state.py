"""One job, one state (issue 21): jobs on threads, designs in one process, the fork rule."""

from __future__ import annotations

import threading

import pytest
from conftest import FULL_UNIT

OFFICERS = 150
STATIONS = ["城关", "柳东", "柳南", "鱼峰"]


def _station(root, name: str):
    root.mkdir(parents=True)
    unit = FULL_UNIT.replace("城关派出所", f"{name}派出所")
    (root / "cardkit.yaml").write_text(unit, encoding="utf-8")
    return root


def _roster(station: str) -> list[dict[str, str]]:
    """The same ids at every station, with the station's own names."""
    first = {"城关": "吴", "柳东": "覃", "柳南": "韦", "鱼峰": "黄"}[station]
    return [{"id": f"A{n}", "name": f"{first}{'明晓红建国丽华'[n % 7]}{'一二三四五六七八九'[n % 9]}",
             "post": "社区民警", "mobile": f"1390771{n:04d}", "phone": f"0772-28{n:05d}",
             "wechat": f"https://u.wechat.com/{station}{n}", "area": f"{station}社区"}
            for n in range(1, OFFICERS + 1)]


def _print(root, roster, **options) -> bytes:
    from cardkit import open_project
    from cardkit.api import PrintOptions, print_cards

    return print_cards(open_project(root), PrintOptions(gen="2022", roster=roster, layout="cards",
                                                        sides="front", **options)).pdf


def test_four_stations_on_four_threads_each_get_their_own_cards(tmp_path, monkeypatch):
    """4 threads x 2 rounds, the same officer ids, 150 officers each: every PDF holds only its
    own station's officers and equals the same job run alone."""
    import pypdfium2 as pdfium

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")
    roots = {s: _station(tmp_path / s, s) for s in STATIONS}
    rosters = {s: _roster(s) for s in STATIONS}
    alone = {s: _print(roots[s], rosters[s]) for s in STATIONS}
    results: dict[tuple[str, int], bytes | BaseException] = {}

    def run(station: str, round_: int) -> None:
        try:
            results[station, round_] = _print(roots[station], rosters[station])
        except BaseException as exc:  # noqa: BLE001 (reported below)
            results[station, round_] = exc

    for round_ in range(2):
        threads = [threading.Thread(target=run, args=(s, round_)) for s in STATIONS]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    for (station, _round), pdf in results.items():
        assert isinstance(pdf, bytes), pdf
        assert pdf == alone[station], station
        doc = pdfium.PdfDocument(pdf)
        try:
            text = "".join(doc[n].get_textpage().get_text_range() for n in range(0, len(doc), 2))
        finally:
            doc.close()
        assert f"{station}派出所" in text
        assert not any(f"{other}派出所" in text for other in STATIONS if other != station)


def test_two_jobs_on_two_threads_speak_their_own_language(tmp_path):
    """The language of a job's messages is a parameter of the job, not of the process."""
    from cardkit import open_project
    from cardkit.api import PrintOptions, print_cards
    from cardkit.errors import CardkitError

    root = _station(tmp_path / "p", "城关")
    said: dict[str, str] = {}

    def run(lang: str) -> None:
        try:
            print_cards(open_project(root), PrintOptions(gen="nosuch", roster=_roster("城关"),
                                                         lang=lang))
        except CardkitError as exc:
            said[lang] = exc.lines()[0]

    threads = [threading.Thread(target=run, args=(lang,)) for lang in ("zh", "en", "zh", "en")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert said["en"].isascii()
    assert not said["zh"].isascii()


def _font_design(root, font_file) -> None:
    """A design whose name is set in its own file under the family name CardFont."""
    (root / "templates" / "fonts").mkdir(parents=True)
    (root / "templates" / "fonts" / "card.ttf").write_bytes(font_file.read_bytes())
    (root / "templates" / "own.css").write_text(
        '{% include "card.css" %}\n@font-face { font-family: "CardFont"; '
        'src: url(fonts/card.ttf); }\n.name { font-family: "CardFont"; }\n', encoding="utf-8")
    (root / "generations").mkdir()
    (root / "generations" / "own.yaml").write_text(
        'extends: "2022"\ntemplates:\n  stylesheet: own.css\n', encoding="utf-8")


def test_two_designs_that_name_two_files_alike_get_their_own_glyphs(tmp_path, monkeypatch):
    """P1 and P2 both declare @font-face CardFont, with two different files: printed one
    after the other in one process, each job's names are drawn from its own file."""
    from pathlib import Path

    from cardkit import open_project
    from cardkit.api import PrintOptions, print_cards

    found = {p.name: p for p in Path("/usr/share/fonts").rglob("DejaVu*.ttf")}
    if not {"DejaVuSans.ttf", "DejaVuSerif.ttf"} <= set(found):
        pytest.skip("DejaVu Sans and Serif are needed (fonts-dejavu-core)")
    fonts = [found["DejaVuSans.ttf"], found["DejaVuSerif.ttf"]]
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")
    roster = [{**o, "name": f"Wu Ming {o['id']}"} for o in _roster("城关")[:4]]
    outputs = []
    for number, font in enumerate(fonts):
        root = _station(tmp_path / f"p{number}", "城关")
        _font_design(root, font)
        pdf = print_cards(open_project(root), PrintOptions(gen="own", roster=roster, jobs=1,
                                                           layout="cards", sides="front")).pdf
        assert pdf == _fresh_process_bytes(root, roster), font.name
        outputs.append(pdf)
    assert outputs[0] != outputs[1]


def _fresh_process_bytes(root, roster) -> bytes:
    """The same job in a process of its own: what P2 printed after P1 must equal."""
    import json
    import subprocess
    import sys

    code = ("import json,sys\nfrom cardkit import open_project\n"
            "from cardkit.api import PrintOptions, print_cards\n"
            "roster=json.loads(sys.argv[2])\n"
            "pdf=print_cards(open_project(sys.argv[1]), PrintOptions(gen='own', roster=roster, "
            "layout='cards', sides='front', jobs=1)).pdf\nsys.stdout.buffer.write(pdf)\n")
    done = subprocess.run([sys.executable, "-c", code, str(root), json.dumps(roster)],
                          capture_output=True, check=True)
    return done.stdout


def test_workers_are_forked_explicitly_and_never_from_a_threaded_process(tmp_path, monkeypatch):
    """The start method is named, not the platform's default; with other threads alive a
    job lays its chunks out in its own thread (forking a threaded process is unsafe)."""
    import multiprocessing

    from cardkit.render import batch

    assert batch.START_METHOD == "fork"
    started: list[str] = []
    real = multiprocessing.get_context

    def spy(method=None):
        started.append(method)
        return real(method)

    monkeypatch.setattr(multiprocessing, "get_context", spy)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")
    root = _station(tmp_path / "p", "城关")
    roster = _roster("城关")[:40]
    monkeypatch.setattr(batch, "CHUNK", 20)
    forked = _print(root, roster, jobs=2)
    assert started == ["fork"]
    gate = threading.Event()
    other = threading.Thread(target=gate.wait)
    other.start()
    try:
        started.clear()
        threaded = _print(root, roster, jobs=2)
    finally:
        gate.set()
        other.join()
    assert started == []
    assert threaded == forked


def _print_in_pool_worker(root, roster) -> bytes:
    """In a ``multiprocessing.Pool``'s worker (a daemonic process): chunks of 20."""
    import os

    from cardkit.render import batch

    os.environ["SOURCE_DATE_EPOCH"] = "0"  # the pool's server may have started before the test
    batch.CHUNK = 20
    return _print(root, roster, jobs=2)


def test_a_job_in_a_pool_worker_lays_its_chunks_out_there(tmp_path, monkeypatch):
    """A daemonic process may have no children (multiprocessing refuses them): a job called
    in a ``Pool``'s worker lays its chunks out in that process, with the same bytes."""
    import multiprocessing

    from cardkit.render import batch

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")
    root = _station(tmp_path / "p", "城关")
    roster = _roster("城关")[:40]
    monkeypatch.setattr(batch, "CHUNK", 20)
    alone = _print(root, roster, jobs=2)
    with multiprocessing.get_context("forkserver").Pool(1) as pool:
        in_pool = pool.apply(_print_in_pool_worker, (root, roster))
    assert in_pool == alone

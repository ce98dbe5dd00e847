"""A helper process takes a share of a lone chunk's new faces (render/stamp, ``ahead``).

A small job on a design never printed before is one chunk; with a processor to spare, one
helper is forked before it starts and plans the tip lists or builds some plates while the
job's process builds the rest. The bytes must be those of the job done in one process,
every new plate must be built once (by one process or the other), and whatever the helper
fails to send is made by the job's own process.
"""

from __future__ import annotations

import importlib.util
import os

import pytest
from conftest import REPO

from cardkit.render import batch, stamp
from cardkit.render.stamp import plates

spare_processor = batch.processor_spare  # as it is, before the fixture below replaces it


def _roster(folder, officers: int = 10):
    spec = importlib.util.spec_from_file_location("bench_roster", REPO / "bench" / "roster.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.write_roster(officers, folder / "roster.csv")  # three stations


@pytest.fixture(autouse=True)
def idle_machine(monkeypatch):
    """A processor is spare whenever more than one process is allowed, whatever the load of
    the machine running the tests (``batch.processor_spare`` is tested below)."""
    monkeypatch.setattr(batch, "processor_spare", lambda jobs: jobs != 1)


def test_a_helper_needs_an_idle_processor_and_more_than_one_job(monkeypatch):
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    monkeypatch.setattr(batch, "default_jobs", lambda: 2)
    # threads runnable right now besides the asker: the job and its helper need a processor each
    for others, jobs, spare in [(0, None, True), (0, 2, True), (0, 1, False),
                                (1, None, False), (3, 2, False)]:
        monkeypatch.setattr(batch, "runnable_others", lambda others=others: others)
        # a load average left high by the jobs before is not asked when the moment is known
        monkeypatch.setattr(os, "getloadavg", lambda: (1.9, 1.9, 1.9))
        assert spare_processor(jobs) is spare, (others, jobs)
    # where the moment cannot be read: the last minute's load average
    monkeypatch.setattr(batch, "runnable_others", lambda: None)
    for load, jobs, spare in [(0.3, None, True), (0.3, 2, True), (0.3, 1, False),
                              (1.6, None, False), (2.5, 2, False)]:
        monkeypatch.setattr(os, "getloadavg", lambda load=load: (load, load, load))
        assert spare_processor(jobs) is spare, (load, jobs)


def test_a_blip_of_another_thread_is_not_a_busy_machine(monkeypatch):
    """The fewest runnable threads of three readings: a kernel thread's blip at one reading
    does not cost the job its helper; a process runnable at every reading counts."""
    import io

    def readings(*running: int):
        lines = iter(f"0.50 0.40 0.30 {n}/120 4242\n" for n in running)
        monkeypatch.setattr(batch, "open", lambda *a, **k: io.StringIO(next(lines)),
                            raising=False)

    readings(2, 1, 2)
    assert batch.runnable_others() == 0
    readings(2, 3, 2)
    assert batch.runnable_others() == 1
    readings(1, 1)
    assert batch.runnable_others(samples=2) == 0
    readings(1)  # an idle machine is read once (no more readings are there to take)
    assert batch.runnable_others() == 0


def test_the_threads_runnable_now_are_read_from_the_kernel():
    """On Linux ``runnable_others`` reads /proc/loadavg: never negative, and a process kept
    busy meanwhile is among them while it runs."""
    import subprocess
    import sys
    import time

    if not os.path.exists("/proc/loadavg"):
        assert batch.runnable_others() is None
        return
    idle = batch.runnable_others()
    assert idle is not None and idle >= 0
    busy = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        seen: list[int | None] = []
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not any(n and n >= 1 for n in seen):
            seen.append(batch.runnable_others())
            time.sleep(0.005)
        assert any(n and n >= 1 for n in seen), seen
    finally:
        busy.kill()
        busy.wait()


def test_a_face_goes_to_the_parent_as_its_installed_file_while_that_file_is_unchanged(
        tmp_path):
    """A helper's face whose bytes the store found in an installed file
    (``FontFace.installed``) is sent as that file and its identity, not as its bytes (16 MiB
    for a CJK font, on the job's critical path); the parent maps the file only while it is
    still that file, and refuses the helper's work (made again here) once it was replaced. A
    part's worker sends the bytes (what it stamped is in the output: tests/unit/
    test_stamp_parts.py)."""
    import pickle
    import shutil
    import subprocess
    from pathlib import Path

    from cardkit.jobstate import new_job
    from cardkit.render.stamp import shaping, store

    listed = subprocess.run(["fc-list", "--format", "%{file}\\n"], capture_output=True,
                            check=False).stdout.decode().split("\n")
    fonts = sorted((Path(p).stat().st_size, p) for p in listed if p.endswith((".otf", ".ttf")))
    if not fonts:
        pytest.skip("no OpenType or TrueType font installed")
    font = tmp_path / "installed.ttf"
    shutil.copyfile(fonts[0][1], font)
    data = font.read_bytes()
    face = shaping.FontFace(key="Test Sans", data=data, index=0, family="Test Sans")
    face.digest_of()
    face.installed = (str(font), store._ident(str(font)))
    sent_face = pickle.dumps(stamp._SentFont(face, by_file=True))
    assert len(sent_face) < 1000 < len(data)  # the file's name, not its bytes
    assert len(pickle.dumps(stamp._SentFont(face))) > len(data)  # a part's worker: the bytes
    with new_job() as job:
        assert stamp._take_fonts(None, {"Test Sans": pickle.loads(sent_face)})
        taken = job.fonts["Test Sans"]
        assert (taken.path, taken.data, taken.digest) == (str(font), b"", face.digest)
        assert taken.cmap == face.cmap and taken.program() == data
    without = shaping.FontFace(key="Test Sans", data=data, index=0, family="Test Sans")
    assert len(pickle.dumps(stamp._SentFont(without, by_file=True))) > len(data)  # none known
    font.write_bytes(data[:-4] + b"\0\0\0\0")  # replaced since the worker found it
    other = pickle.loads(pickle.dumps(stamp._SentFont(without, by_file=True)))  # its bytes
    with new_job() as job:  # all or nothing: the other font sent is not taken either
        assert not stamp._take_fonts(None, {"Other Sans": other,
                                            "Test Sans": pickle.loads(sent_face)})
        assert "Test Sans" not in job.fonts and "Other Sans" not in job.fonts
    with new_job() as job:
        assert stamp._take_fonts(None, {"Other Sans": other})
        assert job.fonts["Other Sans"].program() == data


@pytest.fixture
def logged(tmp_path, monkeypatch):
    """What each process did: ``ahead PID LISTS PLATES`` when a helper got a share,
    ``plate PID KEY`` for each plate built, ``lists PID`` for each layout measuring tip
    lists (in the forked helper too)."""
    log = tmp_path / "log.txt"

    def note(line: str) -> None:
        with log.open("a", encoding="utf-8") as handle:
            handle.write(line + "\n")

    from cardkit import listfit

    build_ahead, build, measure = stamp.build_ahead, plates.build, listfit._measure_all

    def noted_ahead(job, task):
        note(f"ahead {os.getpid()} {len(task.lists)} {len(task.plates)}")
        return build_ahead(job, task)

    def noted_build(*args, **kwargs):
        note(f"plate {os.getpid()} {args[1]}")
        return build(*args, **kwargs)

    def noted_measure(*args, **kwargs):
        note(f"lists {os.getpid()}")
        return measure(*args, **kwargs)

    monkeypatch.setattr(listfit, "_measure_all", noted_measure)
    monkeypatch.setattr(stamp, "build_ahead", noted_ahead)
    monkeypatch.setattr(plates, "build", noted_build)

    def lines() -> list[list[str]]:
        found = [line.split() for line in log.read_text(encoding="utf-8").splitlines()] \
            if log.exists() else []
        log.unlink(missing_ok=True)
        return found

    return lines


def _print(cli, monkeypatch, tmp_path, name: str, gen: str, jobs: str, cache: str = "") -> bytes:
    """Print ten officers on ``gen``, a design new to the cache folder ``cache`` (default: one
    of its own), or with no plate store at all (``"off"``: what the helper made reaches the
    job only as it sends it)."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / f"cache-{cache or name}"))
    monkeypatch.setenv("CARDKIT_CACHE", "0" if cache == "off" else "1")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")
    target = tmp_path / f"{name}.pdf"
    result = cli(["-v", "print", "--gen", gen, "--roster", str(_roster(tmp_path)), "--layout",
                  "sheet", "--duplex", "long", "--jobs", jobs, "-o", str(target)], cwd=REPO)
    assert result.code == 0, result.stderr
    assert "10 officers' cards were filled into a layout made once" in result.stderr
    return target.read_bytes()


@pytest.mark.parametrize(("gen", "lists", "helper_plates"), [("2022", 3, 0), ("2002", 0, 2)])
def test_a_helper_shares_a_new_designs_faces_and_the_bytes_stay(cli, monkeypatch, tmp_path,
                                                                 logged, gen, lists,
                                                                 helper_plates):
    """2022: the helper plans the three stations' backs (tip lists) while the job builds the
    three front plates; 2002 (no lists): it builds two of the three plates."""
    alone = _print(cli, monkeypatch, tmp_path, "alone", gen, "1")  # --jobs 1: no helper
    assert sorted(line[0] for line in logged() if line[0] != "lists") == ["plate"] * 3
    shared = _print(cli, monkeypatch, tmp_path, "shared", gen, "2", cache="off")
    assert shared == alone
    lines = logged()
    aheads = [line for line in lines if line[0] == "ahead"]
    assert [(int(n), int(p)) for _a, _pid, n, p in aheads] == [(lists, helper_plates)]
    helper = aheads[0][1]
    assert helper != str(os.getpid())
    built = [(line[1], line[2]) for line in lines if line[0] == "plate"]
    assert len(built) == len({key for _pid, key in built}) == 3  # each plate once
    assert sum(pid == helper for pid, _key in built) == helper_plates
    measured = [line[1] for line in lines if line[0] == "lists"]  # a probe and its check
    assert measured == ([helper] * 2 if lists else [])  # the plans came from the helper
    if not lists:  # the design printed before (its plates kept by the first job): no helper
        assert _print(cli, monkeypatch, tmp_path, "again", gen, "2", cache="alone") == alone
        assert logged() == []


def test_what_a_failed_helper_did_not_send_is_made_here(cli, monkeypatch, tmp_path, logged):
    alone = _print(cli, monkeypatch, tmp_path, "alone", "2002", "1")
    logged()

    tried = tmp_path / "tried.txt"

    def broken(job, task):
        tried.write_text(str(len(task.plates)), encoding="utf-8")  # the helper got a share
        raise RuntimeError("the helper fell over")

    monkeypatch.setattr(stamp, "build_ahead", broken)
    assert _print(cli, monkeypatch, tmp_path, "failed", "2002", "2", cache="off") == alone
    built = [line[2] for line in logged() if line[0] == "plate"]
    assert len(built) == len(set(built)) == 3  # all three here, once each
    assert tried.read_text(encoding="utf-8") == "2"


def test_the_jobs_time_limit_ends_it_while_its_helper_works(cli, monkeypatch, tmp_path):
    """The limit trips in the job's process while it waits for a slow helper: the job ends
    with the limit named, and does not take the limit for the helper's failure."""
    import time

    def slow(job, task):
        time.sleep(30)

    monkeypatch.setattr(stamp, "build_ahead", slow)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    started = time.monotonic()
    result = cli(["print", "--gen", "2002", "--roster", str(_roster(tmp_path)), "--jobs", "2",
                  "--time-limit", "1.5", "-o", str(tmp_path / "out.pdf")], cwd=REPO)
    assert result.code == 1, result.stderr
    assert "took longer than 1.5 s, the limit" in result.stderr
    assert time.monotonic() - started < 20 and not (tmp_path / "out.pdf").exists()


def _dejavu() -> dict[str, bytes]:
    from pathlib import Path

    found = {p.name: p for p in Path("/usr/share/fonts").rglob("DejaVu*.ttf")}
    if not {"DejaVuSans.ttf", "DejaVuSerif.ttf"} <= set(found):
        pytest.skip("DejaVu Sans and Serif are needed (fonts-dejavu-core)")
    return {name: found[name].read_bytes() for name in ("DejaVuSans.ttf", "DejaVuSerif.ttf")}


def test_a_font_sent_under_a_known_name_with_other_bytes_is_not_taken():
    """What a helper (or a part's worker) made with a font that has the name of one this
    process knows but another file is made again here (where one process refuses it)."""
    from cardkit.jobstate import new_job
    from cardkit.render.stamp import shaping

    fonts = _dejavu()
    with new_job():
        sans = shaping.FontFace(key="CardFont", data=fonts["DejaVuSans.ttf"], index=0,
                                family="CardFont")
        shaping.font_faces()["CardFont"] = sans

        def sent(data: bytes, digest: str = "") -> dict:
            return {"CardFont": (data, 0, "CardFont", "", digest, None)}

        assert not stamp._fonts_differ(sent(fonts["DejaVuSans.ttf"]))
        assert stamp._fonts_differ(sent(fonts["DejaVuSerif.ttf"]))
        assert stamp._fonts_differ({"CardFont": stamp._SentFont(shaping.FontFace(
            key="CardFont", data=fonts["DejaVuSerif.ttf"], index=0, family="CardFont"))})
        assert not stamp._fonts_differ({"Other": (fonts["DejaVuSerif.ttf"], 0, "Other", "", "", None)})


def _two_files_one_family(tmp_path, names: list[str]):
    """A project whose stylesheet sets names in two files by unicode-range (DejaVu Sans for
    capitals, DejaVu Serif for small letters; two family names, as WeasyPrint needs them:
    ``fontfaces``) and whose roster's names are ``names``."""
    fonts = _dejavu()
    project = tmp_path / "project"
    (project / "templates" / "fonts").mkdir(parents=True, exist_ok=True)
    for name, data in fonts.items():
        (project / "templates" / "fonts" / name).write_bytes(data)
    (project / "templates" / "own.css").write_text(
        '{% include "card.css" %}\n'
        '@font-face { font-family: "CardCaps"; src: url(fonts/DejaVuSans.ttf); '
        "unicode-range: U+0041-005A; }\n"
        '@font-face { font-family: "CardSmall"; src: url(fonts/DejaVuSerif.ttf); '
        "unicode-range: U+0061-007A; }\n"
        '.name { font-family: "CardCaps", "CardSmall"; }\n', encoding="utf-8")
    (project / "generations").mkdir(exist_ok=True)
    (project / "generations" / "own.yaml").write_text(
        'extends: "2002"\ntemplates:\n  stylesheet: own.css\n', encoding="utf-8")
    roster = _roster(project, len(names))
    header, *rows = roster.read_text(encoding="utf-8").splitlines()
    rows = [",".join([row.split(",")[0], name, *row.split(",")[2:]])
            for row, name in zip(rows, names, strict=True)]
    roster.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    (project / "cardkit.yaml").write_text("specimen: true\nroster: roster.csv\n",
                                          encoding="utf-8")
    return project


MIXED = ["WUMING", "LIHUA", "ZHANGWEI", "wuming", "lihua", "zhangwei", "chenjing", "yangfan",
         "zhaolei", "sunli"]  # station 1: capitals (Sans); stations 2 and 3: small letters


def _fronts(cli, monkeypatch, project, cache, jobs: str = "1") -> bytes:
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    target = project / "out.pdf"
    result = cli(["print", "--gen", "own", "--layout", "cards", "--sides", "front",
                  "--jobs", jobs, "-o", str(target)], cwd=project)
    assert result.code == 0, result.stderr
    return target.read_bytes()


def test_a_design_that_declares_its_fonts_gets_no_helper(cli, monkeypatch, tmp_path, logged):
    """One family, two files (an @font-face per script): which file a plate gets depends on
    the order its faces are met in, so the job stays in one process."""
    project = _two_files_one_family(tmp_path, MIXED)
    alone = _fronts(cli, monkeypatch, project, tmp_path / "cache-1")
    assert _fronts(cli, monkeypatch, project, tmp_path / "cache-2", jobs="2") == alone
    assert not [line for line in logged() if line[0] == "ahead"]


def test_a_family_given_two_files_by_unicode_range_is_laid_out(cli, monkeypatch, tmp_path):
    """A slot's font is the file its first officer's letters came from; another officer's
    letters may come from the family's other file, under the same name. Such a design is laid
    out, officer by officer, whatever the cache holds (a plate kept from a job whose first
    officer had small letters would otherwise stamp capitals from the Serif file)."""
    cache = tmp_path / "cache"
    small = _two_files_one_family(tmp_path, MIXED[3:])  # small letters only
    _fronts(cli, monkeypatch, small, cache)
    mixed = _two_files_one_family(tmp_path, MIXED)  # the same design, capitals first
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    result = cli(["-v", "print", "--gen", "own", "--layout", "cards", "--sides", "front",
                  "--jobs", "1", "-o", str(mixed / "kept.pdf")], cwd=mixed)
    assert result.code == 0, result.stderr
    assert "0 officers' cards were filled into a layout made once" in result.stderr
    assert "laid out card by card: 10 (the design gives a font family several files by " \
        "unicode-range" in result.stderr
    monkeypatch.setenv("CARDKIT_STAMP", "0")
    assert (mixed / "kept.pdf").read_bytes() == _fronts(cli, monkeypatch, mixed,
                                                        tmp_path / "empty")


def test_the_time_limit_counts_the_faces_drafted_before_the_helper(cli, monkeypatch, tmp_path):
    """Finding the helper's share drafts every officer's faces first: that is the chunk's
    work, under its limit, which then goes on counting from the drafting's start. (The plates
    are kept from a first job: what is left after the drafting takes less than the limit.)"""
    from conftest import copy_example

    project = tmp_path / "slow"
    (project / "templates").mkdir(parents=True)
    copy_example(project / "roster.yaml")
    (project / "cardkit.yaml").write_text("roster: roster.yaml\n", encoding="utf-8")
    (project / "templates" / "front.html").write_text(  # a slow face, under the loop cap
        '{% extends "!builtin/front.html" %}{% block decoration %}{% for i in range(500) %}'
        "{% for j in range(1000) %}{% endfor %}{% endfor %}{% endblock %}", encoding="utf-8")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    args = ["print", "--gen", "2002", "--jobs", "2", "-o", str(project / "out.pdf")]
    assert cli(args, cwd=project).code == 0
    (project / "out.pdf").unlink()
    result = cli([*args, "--time-limit", "0.6"], cwd=project)
    assert result.code == 1, result.stderr
    assert "took longer than 0.6 s, the limit" in result.stderr
    assert not (project / "out.pdf").exists()


def test_what_the_helper_read_is_in_the_jobs_record(cli, monkeypatch, tmp_path):
    """An image only the backs draw, read by the helper's layout of them: -o may not replace
    it, as with the job in one process."""
    from PIL import Image

    project = tmp_path / "project"
    (project / "templates").mkdir(parents=True)
    (project / "generations").mkdir()
    roster = _roster(project)
    Image.new("RGB", (20, 20), (230, 240, 255)).save(project / "back-bg.png")
    original = (project / "back-bg.png").read_bytes()
    (project / "templates" / "own.css").write_text(
        '{% include "card.css" %}\n.back-title::before { content: url(../back-bg.png); }\n',
        encoding="utf-8")
    (project / "generations" / "own.yaml").write_text(
        'extends: "2022"\ntemplates:\n  stylesheet: own.css\n', encoding="utf-8")
    for jobs in ("1", "2"):
        monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / f"cache-{jobs}"))
        result = cli(["print", "--gen", "own", "--roster", str(roster), "--jobs", jobs, "-o",
                      str(project / "back-bg.png")], cwd=project)
        assert result.code == 2, (jobs, result.stderr)
        assert "back-bg.png" in result.stderr
        assert (project / "back-bg.png").read_bytes() == original


def test_workers_stopped_while_one_sends_its_result_leave_no_thread_waiting():
    """A worker killed in the middle of sending its result (a helper's fonts are tens of
    megabytes): the pool's thread must not wait for the rest of the message for ever, or
    the process would hang on its way out after saying what went wrong."""
    import multiprocessing
    import struct
    import time
    from concurrent.futures import ProcessPoolExecutor

    pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork"))
    results = pool._result_queue  # noqa: SLF001
    try:
        pool.submit(time.sleep, 60)
        deadline = time.monotonic() + 30
        while not pool._processes and time.monotonic() < deadline:  # noqa: SLF001
            time.sleep(0.01)
        manager = pool._executor_manager_thread  # noqa: SLF001
        # a message that says 1,000 bytes and brings 10, as from a worker killed mid-send
        os.write(results._writer.fileno(), struct.pack("!i", 1000) + b"x" * 10)  # noqa: SLF001
        time.sleep(0.2)  # the pool's thread is now reading the rest
        batch._stop_workers(pool)
        manager.join(10)
        assert not manager.is_alive()
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
        if not results._writer.closed:  # noqa: SLF001  (broken: let the test process end)
            results._writer.close()  # noqa: SLF001


def test_a_family_given_two_files_for_one_style_is_refused(cli, monkeypatch, tmp_path):
    """Two @font-face rules giving one family two files (unicode-range) are laid out right
    but written by WeasyPrint as one PDF font, drawn from the first file's program: the other
    file's letters came out as wrong glyphs or blank, exit 0. Refused, with the way that
    works (a family name per file, both listed)."""
    project = _two_files_one_family(tmp_path, MIXED)
    css = project / "templates" / "own.css"
    css.write_text(css.read_text(encoding="utf-8").replace('"CardCaps"', '"CardFont"')
                   .replace('"CardSmall"', '"CardFont"'), encoding="utf-8")
    result = cli(["print", "--gen", "own", "--jobs", "1", "-o", "out.pdf"], cwd=project)
    assert result.code == 1, result.stderr
    assert not (project / "out.pdf").exists()
    assert result.err_lines == [
        "error: generation own: @font-face gives the font family 'CardFont' two files for "
        "one style (unicode-range?); WeasyPrint would draw the letters of one with the glyphs "
        "of the other: give each file a family name of its own and list both in font-family"]

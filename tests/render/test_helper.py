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


def _roster(tmp_path, officers: int = 10):
    spec = importlib.util.spec_from_file_location("bench_roster", REPO / "bench" / "roster.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.write_roster(officers, tmp_path / "roster.csv")  # three stations


@pytest.fixture(autouse=True)
def idle_machine(monkeypatch):
    """A processor is spare whenever more than one process is allowed, whatever the load of
    the machine running the tests (``batch.processor_spare`` is tested below)."""
    monkeypatch.setattr(batch, "processor_spare", lambda jobs: jobs != 1)


def test_a_helper_needs_an_idle_processor_and_more_than_one_job(monkeypatch):
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    monkeypatch.setattr(batch, "default_jobs", lambda: 2)
    for load, jobs, spare in [(0.3, None, True), (0.3, 2, True), (0.3, 1, False),
                              (1.6, None, False), (2.5, 2, False)]:
        monkeypatch.setattr(os, "getloadavg", lambda load=load: (load, load, load))
        assert spare_processor(jobs) is spare, (load, jobs)


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
    # the design printed before (its plates kept by the first job): nothing new, no helper
    assert _print(cli, monkeypatch, tmp_path, "again", gen, "2", cache="alone") == alone
    assert logged() == []


def test_what_a_failed_helper_did_not_send_is_made_here(cli, monkeypatch, tmp_path, logged):
    alone = _print(cli, monkeypatch, tmp_path, "alone", "2002", "1")
    logged()

    def broken(job, task):
        raise RuntimeError("the helper fell over")

    monkeypatch.setattr(stamp, "build_ahead", broken)
    assert _print(cli, monkeypatch, tmp_path, "failed", "2002", "2", cache="off") == alone
    built = [line[2] for line in logged() if line[0] == "plate"]
    assert len(built) == len(set(built)) == 3  # all three here, once each


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
                  "--time-limit", "2.5", "-o", str(tmp_path / "out.pdf")], cwd=REPO)
    assert result.code == 1, result.stderr
    assert "took longer than 2.5 s, the limit" in result.stderr
    assert time.monotonic() - started < 20 and not (tmp_path / "out.pdf").exists()

"""Big jobs: chunks and workers, parts merged on disk, the ledger, --changed-since, --shard,
the progress bar, and a smoke run of the benchmark. Rosters are fictional (bench/roster.py).

Their point is what happens around the faces, so most jobs here make their faces with the fake
face source (tests/fakefaces.py: a line of text per face, no layout); the stamped and laid-out
faces across chunks, workers, parts and shards are tests/render/test_stamp.py's."""

from __future__ import annotations

import gc
import importlib.util
import io
import json
import subprocess
import sys
from pathlib import Path

import fakefaces
import pytest
from conftest import REPO, run_cli
from pdfcheck import find_text, page_count, page_texts

from cardkit import api
from cardkit.render import batch

N = 23  # three sheets of ten, the last part-filled


def _bench_module(name: str):
    spec = importlib.util.spec_from_file_location(f"bench_{name}", REPO / "bench" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def roster(tmp_path_factory) -> Path:
    return _bench_module("roster").write_roster(N, tmp_path_factory.mktemp("r") / "roster.csv")


@pytest.fixture(scope="module")
def names(roster) -> dict[str, str]:
    rows = roster.read_text(encoding="utf-8").splitlines()[1:]
    return {row.split(",")[0]: row.split(",")[1] for row in rows}


@pytest.fixture(scope="module")
def fronts(names) -> dict[str, str]:
    """What each officer's fake front reads (tests/fakefaces.py), by officer id."""
    return {officer_id: f"front {officer_id}" for officer_id in names}


@pytest.fixture(scope="module")
def printed(roster, tmp_path_factory):
    """The same job three ways: one chunk in-process, chunks of 4 on 2 workers, parts of 10
    (faces from the fake source)."""
    out = tmp_path_factory.mktemp("out")
    base = ["print", "--gen", "2022", "--roster", str(roster)]
    ways = {"one": ["--jobs", "1", "--report", str(out / "one.json")],
            "chunks": ["--jobs", "2"],  # chunks of 4
            "parts": ["--report", str(out / "parts.json")]}  # chunks of 4 in parts of 10
    with fakefaces.using(), pytest.MonkeyPatch.context() as patch:
        for way, args in ways.items():
            if way == "chunks":
                patch.setattr(batch, "CHUNK", 4)
            if way == "parts":
                patch.setattr(api, "PART", 10)
            result = run_cli([*base, *args, "-o", str(out / f"{way}.pdf")])
            assert result.code == 0, result.stderr
    runs = {way: out / f"{way}.pdf" for way in ways}
    for way in ("one", "parts"):
        runs[f"{way}.json"] = json.loads((out / f"{way}.json").read_text(encoding="utf-8"))
    return runs


def _names_in_reading_order(pdf: Path, page: int, names: dict[str, str]) -> list[str]:
    found = [(round(f.y), f.x, officer_id) for officer_id, name in names.items()
             for f in find_text(pdf, page, name)]
    return [officer_id for _, _, officer_id in sorted(found)]


def test_chunks_on_workers_print_the_same_cards(printed):
    one, chunks = page_texts(printed["one"]), page_texts(printed["chunks"])
    assert len(one) == len(chunks) == 6  # 3 sheets, fronts then backs
    assert one == chunks


def test_backs_are_shared_across_chunks(printed):
    """23 officers of 3 units: 23 fronts and 3 backs, however many chunks rendered them."""
    assert printed["one.json"]["counts"]["distinct_faces"] == N + 3


def test_ledger_puts_each_officer_where_the_pdf_has_it(printed, fronts):
    ledger = printed["one.json"]
    assert ledger["format"] == "cardkit-report/1"
    assert ledger["counts"] == {"officers": N, "cards": N, "sheets": 3, "pages": 6,
                                "distinct_faces": N + 3, "per_sheet": 10}
    assert len(ledger["inputs"]["roster"]) == 64 and len(ledger["inputs"]["design"]) == 64
    by_page: dict[int, dict[int, str]] = {}
    for entry in ledger["officers"]:
        (copy,) = entry["copies"]
        assert copy["pages"]["back"] == copy["pages"]["front"] + 1 == 2 * copy["sheet"]
        by_page.setdefault(copy["pages"]["front"], {})[copy["slot"]] = entry["id"]
    for page, slots in by_page.items():
        order = _names_in_reading_order(printed["one"], page - 1, fronts)
        assert order == [slots[s] for s in sorted(slots)], page
    assert ledger["officers"][12]["copies"] == [
        {"sheet": 2, "slot": 3, "pages": {"front": 3, "back": 4}}]


def test_parts_merge_into_the_same_document(printed):
    import pikepdf

    assert page_texts(printed["parts"]) == page_texts(printed["one"])
    with pikepdf.open(printed["parts"]) as merged, pikepdf.open(printed["one"]) as whole:
        assert len(merged.pages) == 6
        assert str(merged.docinfo.Subject) == f"{N} cards"
        assert str(merged.docinfo.Title) == str(whole.docinfo.Title)
        assert [p.MediaBox for p in merged.pages] == [p.MediaBox for p in whole.pages]
    joined, whole = printed["parts.json"], printed["one.json"]
    assert [e["copies"] for e in joined["officers"]] == [e["copies"] for e in whole["officers"]]
    assert joined["digests"] == whole["digests"]
    assert joined["counts"]["sheets"] == 3 and joined["counts"]["pages"] == 6


@pytest.mark.parametrize("renew, forked", [(8, [2]), (2, [2, 2])])
def test_a_job_in_parts_forks_its_workers_once_per_renewal(printed, roster, tmp_path,
                                                           monkeypatch, fake_faces, renew, forked):
    """The workers render the next part while the parent writes the last: one pool for the
    three parts, or a fresh one every ``RENEW_PARTS`` parts (their memory), and the same cards
    as the job in one piece."""
    from concurrent import futures

    pools = []

    frozen = []  # objects left out of the collector as each pool forks

    class Counted(futures.ProcessPoolExecutor):
        def __init__(self, *args, **kwargs):
            pools.append(kwargs.get("max_workers"))
            frozen.append(gc.get_freeze_count())
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(futures, "ProcessPoolExecutor", Counted)
    monkeypatch.setattr(batch, "CHUNK", 4)
    monkeypatch.setattr(api, "PART", 10)
    monkeypatch.setattr(batch, "RENEW_PARTS", renew)
    out = tmp_path / "parts.pdf"
    result = run_cli(["print", "--gen", "2022", "--roster", str(roster), "--jobs", "2",
                      "-o", str(out)])
    assert result.code == 0, result.stderr
    assert pools == forked
    assert all(frozen)  # the parent's objects frozen while workers live
    assert gc.get_freeze_count() == 0  # frozen for the workers' lifetime only
    assert page_texts(out) == page_texts(printed["one"])
    # a caller that froze objects of its own: cardkit freezes nothing more, thaws nothing
    gc.freeze()
    try:
        mine = gc.get_freeze_count()
        pools.clear()
        frozen.clear()
        again = run_cli(["print", "--gen", "2022", "--roster", str(roster), "--jobs", "2",
                         "-o", str(tmp_path / "again.pdf")])
        assert again.code == 0, again.stderr
        # (the count moves by a few as frozen objects are freed; even this small job on fake
        # faces has some 400 objects of its own a freeze would take)
        assert pools == forked and all(abs(count - mine) < 100 for count in frozen), (frozen, mine)
        assert abs(gc.get_freeze_count() - mine) < 100
    finally:
        gc.unfreeze()


def test_changed_since_prints_only_the_changed_officer(printed, roster, tmp_path, names):
    """The report of a job (of fake faces: an officer's digest does not depend on how the faces
    were made), and the real job printing only the officer whose name changed."""
    changed = roster.parent / "roster-changed.csv"  # beside it: its cardkit.yaml and drawings
    changed.write_text(roster.read_text(encoding="utf-8").replace(
        f"BK000007,{names['BK000007']},", "BK000007,欧阳改名,"), encoding="utf-8")
    report = tmp_path / "one.json"
    report.write_text(json.dumps(printed["one.json"], ensure_ascii=False), encoding="utf-8")
    result = run_cli(["print", "--gen", "2022", "--roster", str(changed), "-o",
                      str(tmp_path / "c.pdf"), "--changed-since", str(report)])
    assert result.code == 0, result.stderr
    notice, count, wrote = result.err_lines  # a specimen (its folder's cardkit.yaml)
    assert notice.startswith(f"notice: {changed}: printed specimens")
    assert count == f"1 officer's card changed since {report}"  # who it printed (issue 23)
    assert wrote == f"wrote {tmp_path / 'c.pdf'}: 1 card, 1 sheet, 2 pages"
    assert "欧阳改名" in page_texts(tmp_path / "c.pdf")[0]

    same = run_cli(["print", "--gen", "2022", "--roster", str(roster), "-o",
                    str(tmp_path / "d.pdf"), "--changed-since", str(report)])
    assert same.code == 0
    assert same.err_lines == [f"nothing to print: no officer's card changed since {report}"]
    assert not (tmp_path / "d.pdf").exists()


def test_changed_since_refuses_what_is_not_a_report(roster, tmp_path):
    bogus = tmp_path / "r.json"
    bogus.write_text("{}", encoding="utf-8")
    result = run_cli(["print", "--gen", "2022", "--roster", str(roster), "-o",
                      str(tmp_path / "x.pdf"), "--changed-since", str(bogus)])
    assert result.code == 1
    assert result.err_lines == [
        f'error: {bogus}: not a cardkit report (expected "format": "cardkit-report/1")']


def test_shards_split_the_roster_once_and_in_order(roster, tmp_path, fake_faces):
    seen = []
    for i in (1, 2, 3):
        report = tmp_path / f"s{i}.json"
        result = run_cli(["print", "--gen", "2022", "--roster", str(roster), "--shard", f"{i}/3",
                          "-o", str(tmp_path / f"s{i}.pdf"), "--report", str(report)])
        assert result.code == 0, result.stderr
        ledger = json.loads(report.read_text(encoding="utf-8"))
        assert ledger["shard"] == f"{i}/3"
        seen += [e["id"] for e in ledger["officers"]]
    assert seen == [f"BK{i:06d}" for i in range(1, N + 1)]
    assert page_count(tmp_path / "s1.pdf") == 2  # 7 officers: one sheet, front and back


@pytest.mark.parametrize("shard", ["0/3", "4/3", "2", "a/b"])
def test_bad_shard_is_a_usage_error(roster, tmp_path, shard):
    result = run_cli(["print", "--gen", "2022", "--roster", str(roster), "--shard", shard,
                      "-o", str(tmp_path / "x.pdf")])
    assert result.code == 2
    assert len(result.err_lines) == 1 and result.err_lines[0].startswith("error: --shard")


def test_progress_bar_draws_only_on_a_terminal():
    from cardkit.cli.progress import ProgressBar, for_console

    class Tty(io.StringIO):
        def isatty(self):
            return True

    assert for_console(quiet=False, stream=io.StringIO()) is None  # a pipe or a file
    assert for_console(quiet=True, stream=Tty()) is None  # -q
    stream = Tty()
    ticks = iter([0.0, 10.0, 20.0])
    bar = for_console(quiet=False, stream=stream)
    assert isinstance(bar, ProgressBar)
    bar.clock = lambda: next(ticks)
    bar.started = bar.clock()
    bar(500, 2000)
    bar(2000, 2000)
    bar.close()
    first, last = stream.getvalue().strip("\n").split("\r")[1:]
    assert "500/2,000 cards" in first and "50.0 cards/s" in first and "0:30 left" in first
    assert "2,000/2,000 cards" in last and "20.0 s" in last
    assert stream.getvalue().endswith("\n")


def test_print_in_a_pipe_shows_no_progress(roster, tmp_path, fake_faces):
    """stderr is not a terminal here: only the one summary line (after the specimen notice:
    the bench roster's folder has a cardkit.yaml saying specimen: true)."""
    result = run_cli(["print", "--gen", "2022", "--roster", str(roster), "-o",
                      str(tmp_path / "p.pdf")])
    assert result.err_lines == [
        f"notice: {roster}: printed specimens: {roster.parent / 'cardkit.yaml'} marks the roster "
        "specimen: true, so its placeholders are allowed and every card carries a 样张 / SPECIMEN mark",
        f"wrote {tmp_path / 'p.pdf'}: {N} cards, 3 sheets, 6 pages"]


def test_bench_smoke(tmp_path):
    """The benchmark runs end to end at N=10 and writes its table and JSON."""
    out = tmp_path / "bench.json"
    done = subprocess.run([sys.executable, str(REPO / "bench" / "bench.py"), "--sizes", "10",
                           "--repeat", "1", "--json", str(out), "--workdir", str(tmp_path)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    data = json.loads(out.read_text(encoding="utf-8"))
    tools = {row["tool"]: row for row in data["rows"]}
    assert set(tools) == {"cardkit", "cold", "laid-out", "baseline"}
    for row in tools.values():
        assert row["officers"] == 10 and row["wall_s"] > 0 and row["peak_rss_mib"] > 10
        assert 10 < row["peak_pss_mib"] <= row["peak_tree_mib"] + 1
        assert row["pdf_bytes"] > 10_000 and row["cpu_ms_per_card"] > 0
    assert tools["laid-out"]["stamped_share"] == 0.0  # CARDKIT_STAMP=0
    assert tools["cardkit"]["stamped_share"] == tools["cold"]["stamped_share"] == 1.0
    # plates kept from the warm-up job or made afresh: the same bytes
    assert (tmp_path / "cardkit-10.pdf").read_bytes() == (tmp_path / "cold-10.pdf").read_bytes()
    assert page_count(tmp_path / "cardkit-10.pdf") == 2  # one sheet, front and back
    assert page_count(tmp_path / "baseline-10.pdf") == 20  # every face, no sharing
    assert "cards/s" in done.stdout and "cardkit --help" in done.stdout


def test_verbose_explains_and_quiet_silences(roster, tmp_path, fake_faces):
    out = tmp_path / "v.pdf"
    loud = run_cli(["-v", "print", "--gen", "2022", "--roster", str(roster), "--jobs", "1",
                    "--shard", "1/3", "-o", str(out)])
    assert loud.code == 0
    assert loud.err_lines[0] == (f"laying the cards out with 1 worker process, {batch.CHUNK} "
                                 f"officers at a time, in parts of {api.PART} officers")
    quiet = run_cli(["-q", "print", "--gen", "2022", "--roster", str(roster), "--shard", "1/3",
                     "-o", str(out)])
    assert quiet.code == 0 and quiet.stderr == ""


def test_report_to_stdout_is_refused_before_printing(roster, tmp_path):
    out = tmp_path / "x.pdf"
    result = run_cli(["print", "--gen", "2022", "--roster", str(roster), "-o", str(out),
                      "--report", "-"])
    assert result.code == 2
    assert result.err_lines == ["error: --report needs a file name: standard output may carry "
                                "the PDF"]
    assert not out.exists()


def test_ledger_follows_first_slot(roster, tmp_path, names):
    """--first 8: the first three cards fill slots 8 to 10 of sheet 1, the rest go on sheet 2."""
    out, report = tmp_path / "f.pdf", tmp_path / "f.json"
    result = run_cli(["print", "--gen", "2022", "--roster", str(roster), "--shard", "1/4",
                      "--first", "8", "-o", str(out), "--report", str(report)])
    assert result.code == 0, result.stderr
    ledger = json.loads(report.read_text(encoding="utf-8"))
    places = [(c["sheet"], c["slot"]) for e in ledger["officers"] for c in e["copies"]]
    assert places == [(1, 8), (1, 9), (1, 10), (2, 1), (2, 2)]
    first_sheet = {e["id"]: names[e["id"]] for e in ledger["officers"][:3]}
    assert _names_in_reading_order(out, 0, first_sheet) == list(first_sheet)


def test_faces_bench_smoke():
    """bench/faces.py prints a CPU time per face and per officer for the generation asked."""
    import re

    done = subprocess.run([sys.executable, str(REPO / "bench" / "faces.py"), "--gen", "2012",
                           "--officers", "4", "--repeat", "1"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("generation 2012, 4 officers, 1 runs")
    times = [float(t) for t in re.findall(r"([\d.]+) ms per (?:face|officer)", done.stdout)]
    assert len(times) == 2 and all(t > 0 for t in times)

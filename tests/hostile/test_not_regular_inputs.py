"""A FIFO (or a device, or a folder) where a project file is expected never blocks a job
(design.md "Bounded work"; issue 21 item 5, "--time-limit always ends a job"): the project's
stock file, the --output-intent profile, cardkit.yaml and the --changed-since ledger are
refused at once, with one error line naming the file.

A build that waits on the FIFO would hang for ever; each test here opens its FIFO for writing
after a few seconds (``unblocked``), so that such a build fails the test instead."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import fakefaces
import pytest

from cardkit.digests import NotRegularFile, read_regular, regular_bytes

STOCK = "cn-a4-90x54-2x5"  # a built-in stock


@contextmanager
def unblocked(fifo: Path, after: float = 8.0) -> Iterator[None]:
    """Make ``fifo``; if a reader is still waiting on it ``after`` seconds on, give it an
    end of file (a writer that opens and closes), so the test ends either way."""
    os.mkfifo(fifo)
    done = threading.Event()

    def release() -> None:
        if done.wait(after):
            return
        while not done.wait(0.2):
            try:
                os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))  # only with a reader
            except OSError:
                continue

    thread = threading.Thread(target=release, daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join()


@pytest.fixture
def station(project: Path, monkeypatch) -> Path:
    """The example roster's project, with a stocks folder of its own."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")
    (project / "stocks").mkdir()
    return project


def test_read_regular_refuses_a_fifo_a_device_and_a_folder(tmp_path):
    fifo = tmp_path / "pipe.xml"
    with unblocked(fifo):
        with pytest.raises(NotRegularFile, match="not a regular file"):
            read_regular(fifo)
        assert regular_bytes(fifo) is None
    with pytest.raises(NotRegularFile):
        read_regular("/dev/zero")  # would never end
    with pytest.raises(NotRegularFile):
        read_regular(tmp_path)
    with pytest.raises(FileNotFoundError):
        read_regular(tmp_path / "missing.icc")
    (tmp_path / "big.icc").write_bytes(b"x" * 100)
    assert read_regular(tmp_path / "big.icc", limit=10) == b"x" * 11  # one more: too big


def test_a_fifo_in_the_projects_stocks_folder_is_refused_by_stocks(cli, station):
    with unblocked(station / "stocks" / "mine.xml"):
        result = cli(["stocks"], cwd=station)
    assert result.code == 1, result.stderr
    assert result.err_lines == [
        "error: stocks/mine.xml: not a regular file; the project's stocks folder holds "
        "gLabels XML files only (remove it, or put the file itself there)"]


def test_a_fifo_in_the_stocks_folder_is_refused_even_for_a_builtin_stock(cli, station,
                                                                        fake_faces):
    """The project's stocks folder is searched first (its stock may override a built-in's
    id): a file there that cannot be read is refused, never waited on nor passed over."""
    with unblocked(station / "stocks" / "mine.xml"):
        result = cli(["print", "--gen", "2022", "--jobs", "1", "--time-limit", "3",
                      "--stock", STOCK, "-o", "out.pdf"], cwd=station)
    assert result.code == 1, result.stderr
    assert "error: stocks/mine.xml: not a regular file" in result.stderr
    assert not (station / "out.pdf").exists()


@pytest.mark.parametrize("command", ["print", "check"])
def test_a_fifo_output_intent_is_refused(cli, station, fake_faces, command):
    args = ["--gen", "2022", "--jobs", "1", "--color", "cmyk", "--output-intent", "press.icc"]
    if command == "print":
        args += ["--layout", "cards", "-o", "out.pdf"]
    with unblocked(station / "press.icc"):
        result = cli([command, *args], cwd=station)
    assert result.code == 1, result.stderr
    assert ("error: --output-intent press.icc: not a regular file; give the ICC profile's "
            "own file") in result.err_lines
    assert not (station / "out.pdf").exists()


class _NoLayout(fakefaces.FakeFaces):
    """Faces that fail the test when a job starts laying its cards out."""

    def prepare(self, job) -> None:
        raise AssertionError("the cards are laid out before the profile is refused")

    def render_chunk(self, job, span):
        raise AssertionError("the cards are laid out before the profile is refused")


@pytest.mark.parametrize("command", ["print", "check"])
def test_a_fifo_output_intent_is_refused_before_any_card_is_laid_out(cli, station, command):
    """The profile is read (never waited on: ``unblocked`` ends a wait) before the cards are
    laid out, not after every card of the job is rendered."""
    args = ["--gen", "2022", "--jobs", "1", "--color", "cmyk", "--output-intent", "press.icc"]
    if command == "print":
        args += ["--layout", "cards", "-o", "out.pdf"]
    with unblocked(station / "press.icc"), fakefaces.using(_NoLayout()):
        result = cli([command, *args], cwd=station)
    assert result.code == 1, result.stderr
    assert result.err_lines[0] == ("error: --output-intent press.icc: not a regular file; "
                                   "give the ICC profile's own file"), result.stderr
    assert "laid out" not in result.stderr
    assert not (station / "out.pdf").exists()


def test_a_fifo_cardkit_yaml_is_refused(cli, station):
    """Not passed over as if there were no settings (the unit, the printers would be lost)."""
    (station / "cardkit.yaml").unlink()
    with unblocked(station / "cardkit.yaml"):
        result = cli(["stocks"], cwd=station)
    assert result.code == 1, result.stderr
    assert result.err_lines == [
        "error: cardkit.yaml: not a regular file; the project's settings are a YAML file"]


def test_a_fifo_as_the_changed_since_ledger_is_refused(cli, station, fake_faces):
    with unblocked(station / "a.json"):
        result = cli(["print", "--gen", "2022", "--jobs", "1", "-o", "out.pdf",
                      "--changed-since", "a.json"], cwd=station)
    assert result.code == 1, result.stderr
    assert ("error: a.json: not a regular file; give the ledger file an earlier --report "
            "wrote") in result.err_lines
    assert not (station / "out.pdf").exists()


def test_a_fifo_generation_file_is_refused(cli, station):
    """A generation file is read by the one YAML reader (``yamlio``), which never waits."""
    (station / "generations").mkdir(exist_ok=True)
    with unblocked(station / "generations" / "site.yaml"):
        result = cli(["print", "--gen", "site", "--jobs", "1", "-o", "out.pdf"], cwd=station)
    assert result.code == 1, result.stderr
    assert any("site.yaml" in line and "not a regular file" in line
               for line in result.err_lines), result.err_lines


def test_a_fifo_a_design_names_is_refused_as_not_a_regular_file(cli, station):
    """An image a stylesheet names, put there as a FIFO: refused at once, and said to be what
    it is, not "no such file"."""
    (station / "generations").mkdir(exist_ok=True)
    (station / "templates" / "assets").mkdir(parents=True)
    (station / "generations" / "site.yaml").write_text(
        'extends: "2022"\ntemplates:\n  stylesheet: site.css\n', encoding="utf-8")
    (station / "templates" / "site.css").write_text(
        '{% include "card.css" %}\n.main { background-image: url(assets/pipe.png); }\n',
        encoding="utf-8")
    with unblocked(station / "templates" / "assets" / "pipe.png"):
        result = cli(["print", "--gen", "site", "--jobs", "1", "-o", "out.pdf"], cwd=station)
    assert result.code == 1, result.stderr
    assert any("pipe.png" in line and "not a regular file" in line
               for line in result.err_lines), result.err_lines


def test_a_fifo_a_generation_names_as_its_asset_is_refused_as_not_a_regular_file(cli, station):
    """``mascot: image:`` of a generation naming a FIFO in templates/assets/: said to be what
    it is (not "not found"), at the generation's line, and never waited on."""
    (station / "generations").mkdir(exist_ok=True)
    (station / "templates" / "assets").mkdir(parents=True)
    (station / "generations" / "site.yaml").write_text(
        'extends: "2022"\nmascot:\n  image: pipe.png\n', encoding="utf-8")
    with unblocked(station / "templates" / "assets" / "pipe.png"):
        result = cli(["check", "--gen", "site", "--jobs", "1"], cwd=station)
    assert result.code == 1, result.stderr
    assert ("error: generations/site.yaml:3: mascot.image: asset 'pipe.png': not a regular "
            "file; put the drawing's own file in templates/assets/") in result.err_lines, \
        result.err_lines
    assert "not found" not in result.stderr

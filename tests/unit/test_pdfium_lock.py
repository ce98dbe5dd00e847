"""pdfium is not thread-safe: cardkit's uses of it run one at a time (cardkit/pdfiumlock.py).
Rasterising on many threads at once (four stations' jobs in one service) must not crash."""

from __future__ import annotations

import ast
import threading
from pathlib import Path

import pytest

from cardkit.tools.preview import render_pages

SRC = Path(__file__).resolve().parents[2] / "src" / "cardkit"


@pytest.fixture(scope="module")
def sheet(tmp_path_factory) -> bytes:
    """A sheet of ten real cards (bench/roster.py: Chinese text, fonts, QR codes, the
    mascot's drawing): what pdfium crashed on."""
    import importlib.util
    import os

    import cardkit

    spec = importlib.util.spec_from_file_location("bench_roster", SRC.parents[1] / "bench" /
                                                  "roster.py")
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    folder = tmp_path_factory.mktemp("lock")
    bench.write_roster(10, folder / "roster.csv")
    here = os.getcwd()
    os.chdir(folder)
    try:
        result = cardkit.print_cards(cardkit.open_project(), cardkit.PrintOptions(
            gen="2022", roster="roster.csv", layout="sheet", jobs=1))
    finally:
        os.chdir(here)
    assert result.pdf is not None
    return result.pdf


def test_many_threads_rasterise_at_once_and_get_the_same_pixels(sheet):
    """Without the lock this crashes the process or scrambles pixels (tried: six threads on
    this sheet at 100 dpi, three runs of three)."""
    expected = [image.tobytes() for image in render_pages(sheet, dpi=100)]
    found: list[list[bytes]] = []
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(6):
                found.append([image.tobytes() for image in render_pages(sheet, dpi=100)])
        except BaseException as exc:  # noqa: BLE001 (reported below)
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors and len(found) == 36 and all(pages == expected for pages in found)


def test_every_pdfium_call_in_cardkit_is_inside_the_lock():
    """A module that renders with pypdfium2 takes pdfiumlock.one_at_a_time (a reader's check:
    the import and the lock go together)."""
    users = []
    for path in SRC.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = {alias.name for node in ast.walk(tree)
                 if isinstance(node, (ast.Import, ast.ImportFrom)) for alias in node.names}
        if "pypdfium2" in names:
            users.append((path.relative_to(SRC).as_posix(), "one_at_a_time" in names))
    exempt = ("serve/work.py", "pdfiumlock.py")  # the lock's own module
    assert users and all(locked for name, locked in users if name not in exempt), users


def test_a_rendered_page_leaves_nothing_open_whatever_happens(sheet):
    """``pdfiumlock.rendered_page`` closes the bitmap, the page and the document also when
    what takes the bitmap raises (a job's limit, say): a document left open is closed by
    pypdfium2 at exit with a warning on the job's standard error, a second line after its
    error."""
    from pypdfium2.internal import bases

    from cardkit.pdfiumlock import rendered_page

    def still_open() -> int:
        return sum(1 for refs in bases.ObjectTracker.values() for ref in refs
                   if ref() is not None)

    before = still_open()

    def interrupted(bitmap):
        raise KeyboardInterrupt  # as a limit's or Ctrl-C's signal would, mid-way

    with pytest.raises(KeyboardInterrupt) as raised:  # kept, as the CLI keeps its context
        rendered_page(sheet, 0, 0.5, interrupted, grayscale=True)
    assert raised.traceback and still_open() == before
    image = rendered_page(sheet, 1, 0.5, lambda bitmap: bitmap.to_pil().copy())
    assert image.size[0] > 100 and still_open() == before

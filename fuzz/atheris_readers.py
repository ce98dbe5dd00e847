"""Coverage-guided fuzzing (atheris / libFuzzer) of the roster and generation readers.

    .venv/bin/pip install atheris
    .venv/bin/python fuzz/atheris_readers.py -max_total_time=600 fuzz/corpus

The first byte picks the reader (YAML reader in both modes, YAML roster, CSV roster,
generation), the rest is the file. Any exception other than a ``CardkitError`` (one line
for the user) is a finding: libFuzzer stops and writes the input as ``crash-*``. A reader
that takes over 2 s on one input is a finding too. Seeds come from fuzz/corpus (created
from the examples on first run).

With ``CARDKIT_FUZZ_KEEP_GOING=DIR`` a finding does not stop the run: each distinct one
(exception type and the innermost cardkit line) is written once to DIR with its input,
and fuzzing goes on, so one long run reports every bug it meets, not only the first.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
import tempfile
import time
import traceback
from pathlib import Path

import atheris

with atheris.instrument_imports():
    from cardkit import yamlio
    from cardkit.design import generations
    from cardkit.errors import CardkitError
    from cardkit.project import Project
    from cardkit.roster.csv_roster import read_csv_roster
    from cardkit.roster.validate import build_roster
    from cardkit.roster.yaml_roster import read_yaml_roster

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
PROJECT = Path(tempfile.mkdtemp(prefix="cardkit-fuzz-"))
(PROJECT / "generations").mkdir()
SLOW_SECONDS = 2.0


def seed_corpus(folder: Path) -> None:
    """Seed an empty corpus with the example files, each under every reader's first byte."""
    if folder.exists() and any(folder.iterdir()):
        return
    folder.mkdir(parents=True, exist_ok=True)
    seeds = [(2, REPO / "examples" / "liudong" / "roster.yaml"),
             (3, REPO / "examples" / "liudong" / "roster.csv"),
             *[(4, p) for p in sorted((REPO / "generations").glob("*.yaml"))]]
    for selector, path in seeds:
        if path.is_file():
            (folder / f"{selector}-{path.name}").write_bytes(bytes([selector]) + path.read_bytes())


def read(selector: int, data: bytes) -> None:
    if selector == 0:
        yamlio.load(data, name="fuzz.yaml", strings=True)
    elif selector == 1:
        yamlio.load(data, name="fuzz.yaml", strings=False)
    elif selector == 2:
        build_roster(read_yaml_roster(data, name="fuzz.yaml", root=PROJECT))
    elif selector == 3:
        build_roster(read_csv_roster(data, name="fuzz.csv", root=PROJECT))
    else:
        (PROJECT / "generations" / "fz.yaml").write_bytes(data)
        generations.load(Project(root=PROJECT), "fz")


KEEP_GOING = os.environ.get("CARDKIT_FUZZ_KEEP_GOING", "")
SEEN: set[str] = set()


def check_one_input(data: bytes) -> None:
    start = time.perf_counter()
    try:
        read(data[0] % 5, data[1:])
    except CardkitError as exc:
        if any("\n" in line for line in exc.lines()):
            raise AssertionError(f"a multi-line error message: {exc.lines()!r}") from None
    elapsed = time.perf_counter() - start
    if elapsed > SLOW_SECONDS:
        raise AssertionError(f"reader {data[0] % 5} took {elapsed:.1f} s on {len(data)} bytes")


def test_one_input(data: bytes) -> None:
    if not data:
        return
    if not KEEP_GOING:
        check_one_input(data)
        return
    try:
        check_one_input(data)
    except Exception as exc:  # record each distinct finding once, then go on
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if "/cardkit/" in f.filename]
        where = f"{Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else "?"
        key = f"{type(exc).__name__} at {where}"
        if key not in SEEN:
            SEEN.add(key)
            folder = Path(KEEP_GOING)
            folder.mkdir(parents=True, exist_ok=True)
            name = f"finding-{hashlib.sha1(data).hexdigest()[:12]}"
            (folder / name).write_bytes(data)
            (folder / (name + ".txt")).write_text(
                f"{key}: {exc}\n\n" + "".join(traceback.format_exception(exc)), encoding="utf-8")
            print(f"FINDING {key}: {str(exc)[:200]} -> {folder / name}", file=sys.stderr, flush=True)


def main() -> None:
    corpus = [a for a in sys.argv[1:] if not a.startswith("-")]
    for folder in corpus:
        seed_corpus(Path(folder))
    try:
        atheris.Setup(sys.argv, test_one_input)
        atheris.Fuzz()
    finally:
        shutil.rmtree(PROJECT, ignore_errors=True)


if __name__ == "__main__":
    main()

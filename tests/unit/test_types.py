"""mypy over src/cardkit with the project's settings ([tool.mypy] in pyproject.toml): no error."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from mypy import api

REPO = Path(__file__).resolve().parents[2]
CONFIG = str(REPO / "pyproject.toml")


@pytest.fixture(scope="module")
def cache_dir(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """mypy's incremental cache, kept in pytest's cache between runs (a warm run takes seconds),
    or a folder of this run when pytest keeps no cache (``-p no:cacheprovider``)."""
    cache = getattr(request.config, "cache", None)
    return str(cache.mkdir("mypy") if cache is not None else tmp_path_factory.mktemp("mypy"))


def mypy(*args: str, cache: str) -> tuple[str, int]:
    limit = sys.getrecursionlimit()
    try:
        stdout, stderr, status = api.run(["--config-file", CONFIG, "--cache-dir", cache, *args])
    finally:  # mypy raises the interpreter's recursion limit for good; the suite's next test
        sys.setrecursionlimit(limit)  # in this process would not meet RecursionError
    return stdout + stderr, status


def test_mypy_finds_no_error_in_src(cache_dir):
    report, status = mypy(str(REPO / "src" / "cardkit"), cache=cache_dir)
    assert status == 0, report
    assert report.startswith("Success: no issues found"), report


def test_the_settings_check_the_bodies_of_unannotated_functions(cache_dir, tmp_path):
    """check_untyped_defs is on: a wrong type inside a function without hints is an error."""
    source = tmp_path / "untyped.py"
    source.write_text("def untyped():\n    count: int = 'many'\n    return count\n", encoding="utf-8")
    report, status = mypy(str(source), cache=cache_dir)
    assert status == 1 and "[assignment]" in report, report

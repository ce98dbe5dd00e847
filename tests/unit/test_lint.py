"""The lint the suite runs: ruff over the code and the tests, with a complexity ceiling."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PATHS = ["src", "tests", "bench", "fuzz", "scripts"]


def ruff(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", *args], cwd=REPO,
                          input=stdin, capture_output=True, text=True, timeout=120, check=False)


def test_ruff_passes():
    result = ruff(*PATHS)
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_function_over_twelve_branches_fails_the_lint():
    branches = "\n".join(f"    if x == {i}:\n        return {i}" for i in range(12))
    source = f"def tangled(x):\n{branches}\n    return -1\n"
    result = ruff("--stdin-filename", "src/cardkit/tangled.py", "-", stdin=source)
    assert result.returncode == 1 and "C901 `tangled` is too complex (13 > 12)" in result.stdout
    simpler = source.replace("    if x == 11:\n        return 11\n", "")
    assert ruff("--stdin-filename", "src/cardkit/tangled.py", "-", stdin=simpler).returncode == 0


def test_no_noqa_hides_a_tangled_function():
    """The complexity ceiling holds everywhere: no function is exempted with noqa C901."""
    found = [f"{path.relative_to(REPO)}:{number}" for path in sorted((REPO / "src").rglob("*.py"))
             for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if "noqa: C901" in line]
    assert found == []


def test_no_dead_code():
    """vulture at 60 % finds nothing but what tests/vulture_whitelist.py says is used."""
    result = subprocess.run([sys.executable, "-m", "vulture", "src", "tests/vulture_whitelist.py",
                             "--min-confidence", "60"], cwd=REPO, capture_output=True, text=True,
                            timeout=120, check=False)
    assert result.returncode == 0, result.stdout + result.stderr

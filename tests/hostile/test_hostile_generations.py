"""Hostile generation files: wrong shapes are one located line, never an internal error.

The wrong-shape cases include four findings of the atheris fuzzer
(fuzz/atheris_readers.py) in generations.py/model.py, since fixed.
"""

from __future__ import annotations

import pytest
from conftest import EXAMPLE_ROSTER
from hostile_helpers import no_network, write

pytestmark = pytest.mark.usefixtures("no_network")
__all__ = ["no_network"]


@pytest.mark.parametrize(("body", "line"), [
    ("card: 1", 2), ("qr: 1", 2), ("mascot: x", 2), ("templates: x", 2), ("fit: x", 2),
    ("colors:\n  background: 1", 3), ("front:\n  show: x", 3),
    ("colors: red", 2),
    ("fonts: Noto", 2),
    ("front: x", 2),
    ("front:\n  show:\n    - {a: 1}", 4),  # unhashable block: the line of the list
])
def test_a_section_of_the_wrong_shape_is_one_located_line(cli, tmp_path, body, line):
    write(tmp_path / "generations" / "g.yaml", f'extends: "2022"\n{body}\n')
    result = cli(["check", "--gen", "g", "--roster", str(EXAMPLE_ROSTER)], cwd=tmp_path)
    assert result.code == 1
    assert "internal error" not in result.stderr
    assert result.err_lines[0].startswith(f"error: generations/g.yaml:{line}: ")


def test_a_generation_that_extends_itself_through_a_chain_is_refused(cli, tmp_path):
    write(tmp_path / "generations" / "a.yaml", "extends: b\n")
    write(tmp_path / "generations" / "b.yaml", "extends: a\n")
    result = cli(["check", "--gen", "a", "--roster", str(EXAMPLE_ROSTER)], cwd=tmp_path)
    assert result.code == 1 and "cycle" in result.stderr and "internal error" not in result.stderr


def test_a_billion_laughs_generation_is_refused_at_once(cli, tmp_path):
    lol = 'a: &a ["lol"]\n' + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 9)}]\n" for i in range(8))
    write(tmp_path / "generations" / "g.yaml", lol)
    result = cli(["check", "--gen", "g", "--roster", str(EXAMPLE_ROSTER)], cwd=tmp_path)
    assert result.code == 1
    assert result.err_lines[:-1] == ["error: generations/g.yaml:1: anchors and aliases (&, *) are not "
                                "allowed"]

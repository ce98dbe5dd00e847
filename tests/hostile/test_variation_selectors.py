"""A text cardkit refuses must really be undrawable: a variation selector after a character
the fonts draw is printed (the variant where the font has it, else the base character)."""

from __future__ import annotations

import pytest
from hostile_helpers import OFFICER, no_network, roster_yaml, write

pytestmark = pytest.mark.usefixtures("no_network")
__all__ = ["no_network"]

JP = 'extends: "2002"\nfonts:\n  body: [Noto Serif CJK JP]\n  heading: [Noto Serif CJK JP]\n'


def _check(cli, tmp_path, name: str, gen: str = "2002"):
    write(tmp_path / "generations" / "jp.yaml", JP)
    write(tmp_path / "roster.yaml", roster_yaml(OFFICER.replace("吴明", name)))
    return cli(["check", "--gen", gen, "--roster", "roster.yaml"], cwd=tmp_path)


@pytest.mark.parametrize("gen", ["2002", "jp"])  # SC: no such sequence, JP: the variant
def test_an_ideographic_variation_sequence_is_accepted(cli, tmp_path, gen):
    result = _check(cli, tmp_path, "葛\U000E0100明", gen)
    assert result.code == 0, result.stderr
    assert "U+E0100" not in result.stderr


def test_a_standard_variation_selector_is_accepted(cli, tmp_path):
    assert _check(cli, tmp_path, "吴明\uFE00").code == 0


def test_a_selector_after_a_character_no_font_draws_is_still_refused(cli, tmp_path):
    result = _check(cli, tmp_path, "吴\U0001F8B0\U000E0100")  # an arrow in no CJK font
    assert result.code == 1
    assert "U+1F8B0" in result.stderr

"""No mark dropped (issue 22, item 10): a combining mark that the font of its base lacks would
be drawn by a fallback font alone, off its base or not at all; preflight refuses it, naming
the officer and the field. Marks with no precomposed form are the case that NFC cannot fix."""

from __future__ import annotations

import pytest
from hostile_helpers import OFFICER, no_network, roster_yaml, write

pytestmark = pytest.mark.usefixtures("no_network")
__all__ = ["no_network"]

CJK_FIRST = ("Noto Sans CJK SC", "DejaVu Sans")  # as cardkit's glyph refusal suggests adding
LATIN_FIRST = ("DejaVu Sans", "Noto Sans CJK SC")


def _check(cli, tmp_path, name: str, fonts: tuple[str, ...]):
    listed = ", ".join(fonts)
    write(tmp_path / "generations" / "dv.yaml",
          f'extends: "2022"\nfonts:\n  body: [{listed}]\n  heading: [{listed}]\n')
    write(tmp_path / "roster.yaml", roster_yaml(OFFICER.replace("吴明", f'"{name}"')))
    return cli(["check", "--gen", "dv", "--roster", "roster.yaml", "--jobs", "1"], cwd=tmp_path)


@pytest.mark.parametrize(("name", "fonts", "mark"), [
    ("Ah\u0303mad", CJK_FIRST, "U+0303"),  # h + tilde: no precomposed form
    ("A\u20dd吴明", LATIN_FIRST, "U+20DD"),  # DejaVu draws A, only Noto the enclosing circle
], ids=["tilde after Noto's h", "circle after DejaVu's A"])
def test_a_mark_drawn_by_another_font_than_its_base_is_refused(cli, tmp_path, name, fonts, mark):
    result = _check(cli, tmp_path, name, fonts)
    assert result.code == 1, result.stderr
    errors = [line for line in result.err_lines if line.startswith("error:")]
    assert len(errors) == 1, result.stderr
    assert errors[0].startswith("error: roster.yaml:4: officer H1: name: ")
    assert mark in errors[0] and f"{fonts[0]}, which draws" in errors[0]


@pytest.mark.parametrize(("name", "fonts"), [
    ("Nguy\u1ec5n", CJK_FIRST),  # precomposed: one character, DejaVu draws it whole
    ("A\u20dd吴明", CJK_FIRST),  # Noto has A and the circle: drawn on its base
])
def test_a_mark_its_base_font_draws_is_printed(cli, tmp_path, name, fonts):
    result = _check(cli, tmp_path, name, fonts)
    assert result.code == 0, result.stderr


def test_each_font_list_is_asked_and_a_mark_in_no_font_is_left_to_the_glyph_check():
    from cardkit.preflight import lone_marks

    assert lone_marks("x\u0303", [CJK_FIRST], None)
    assert lone_marks("x\u0303", [LATIN_FIRST, CJK_FIRST], None)  # heading's list refuses it
    assert lone_marks("x\u0303", [LATIN_FIRST], None) == []
    assert lone_marks("x\U0001d167", [CJK_FIRST], frozenset({ord("x")})) == []  # in no font
    assert lone_marks("葛\U000e0100", [CJK_FIRST], None) == []  # a variation selector
    assert lone_marks("\u0303x", [CJK_FIRST], None) == []  # no base: textsafety's business

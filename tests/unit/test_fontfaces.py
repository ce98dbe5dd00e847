"""A design's @font-face rules: one family given two files for one style is found (WeasyPrint
would write them as one PDF font, drawn from one file's program)."""

from __future__ import annotations

from cardkit.render.fontfaces import families_with_two_files


def test_one_family_two_files_for_one_style_is_found():
    css = ('@font-face { font-family: "Card Font"; src: url(a.ttf); unicode-range: U+0-FF; }'
           "@font-face { font-family: card  font; src: url(b.otf); font-weight: normal; }")
    assert families_with_two_files([css]) == ["Card Font"]


def test_other_styles_other_families_and_one_file_twice_are_not():
    css = ('@font-face { font-family: Card; src: url(a.ttf); }'
           "@font-face { font-family: Card; src: url(b.ttf); font-weight: bold; }"
           "@font-face { font-family: Card; src: url(c.ttf); font-style: italic; }"
           "@font-face { font-family: Latin; src: url(a.ttf); unicode-range: U+0-FF; }"
           "@font-face { font-family: Other; src: url(d.ttf); }"
           "@font-face { font-family: Other; src: url(d.ttf); font-weight: 400; }")
    assert families_with_two_files([css, ".name { font-family: Card }"]) == []


def test_the_rules_of_several_stylesheets_are_taken_together():
    first = "@font-face { font-family: Card; src: url(a.ttf); font-weight: 700; }"
    second = "@font-face { font-family: Card; src: url(b.ttf); font-weight: bold; }"
    assert families_with_two_files([first, second]) == ["Card"]

"""A design's stylesheets as WeasyPrint reads them: whether a rule names the officer, which
fonts an ``@font-face`` gives features, and the stylesheets a document links."""

from __future__ import annotations

from pathlib import Path

import pytest

from cardkit.render.stylesheets import linked_stylesheets, names_officer, read


@pytest.mark.parametrize("css", [
    '.face[data-officer="T1"] .name { color: red }',
    '.face[DATA-OFFICER="T1"] .name { color: red }',
    '.face[data-offic\\65 r="T1"] .name { color: red }',  # a CSS escape: "e"
    '.face[data-\\6f fficer^="T"] .name { color: red }',
    '.face:not([data-officer="T1"]) .name { color: red }',
    '@media print { .face[data-officer="T1"] .name { color: red } }',
    '.name::after { content: attr(data-officer) }',
])
def test_a_rule_naming_the_officer_is_seen_however_it_is_spelt(css):
    assert names_officer(css)


@pytest.mark.parametrize("css", [
    "/* .face[data-officer=T1] is how one would colour one officer */ .name { color: red }",
    '.name::after { content: "data-officer" }',
    ".face[data-side=front] .name { color: red }",
])
def test_a_comment_or_a_string_that_mentions_it_does_not_count(css):
    assert not names_officer(css)


def test_linked_stylesheets_are_read_with_the_imported_ones(tmp_path: Path):
    (tmp_path / "extra.css").write_text('@import "more.css"; .name { color: red }', "utf-8")
    (tmp_path / "more.css").write_text('.face[data-officer="T1"] { color: red }', "utf-8")
    (tmp_path / "print.css").write_text(".post { color: blue }", "utf-8")
    html = ('<html><head><link rel="stylesheet" href="extra.css">'
            "<link href='print.css' rel='alternate stylesheet'><link rel=icon href=x.png>"
            "<style>.a { color: red }</style></head></html>")
    assert linked_stylesheets(html) == ["extra.css"]  # WeasyPrint skips an alternate one
    sheets = read(html, tmp_path.as_uri() + "/", [tmp_path])
    assert sheets.files == [(tmp_path / n).as_uri() for n in ("extra.css", "more.css")]
    assert sheets.select_officers


def test_fonts_an_at_font_face_gives_features_of_their_own(tmp_path: Path):
    css = ('@font-face { font-family: "Card Font"; src: url(a.ttf); '
           'font-feature-settings: "smcp" 1 }\n'
           "@font-face { font-family: Plain Face; src: url(b.ttf) }\n"
           "@font-face { font-family: Small Caps; src: url(c.ttf); font-variant: small-caps }\n"
           '.name { font-family: "Card Font"; font-feature-settings: "liga" 0 }')
    sheets = read(f"<style>{css}</style>", tmp_path.as_uri() + "/", [tmp_path])
    assert sheets.featured_families == {"card font", "small caps"}

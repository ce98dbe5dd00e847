"""A design's stylesheets as WeasyPrint reads them: whether a rule names the officer, which
fonts an ``@font-face`` gives features, and the stylesheets a document links."""

from __future__ import annotations

from pathlib import Path

import pytest

from cardkit.render.stylesheets import (
    linked_stylesheets,
    names_officer,
    place_dependent,
    probe_faces,
    read,
    split_styles,
)


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


FACE = ('<section class="face front gen-2022" data-officer="A1" data-side="front">'
        '<div class="side mascot-side"></div><div class="main"><p class="name-line">'
        '<span class="name" data-field="name">吴明</span></p><ul class="tips"><li>a</li>'
        "<li>b</li></ul></div></section>")


def _document(face: str) -> str:
    return f"<!DOCTYPE html><html><head></head><body>{face}</body></html>"


@pytest.mark.parametrize(("css", "dependent"), [
    # cardkit's own card.css: inside a face, or only a page break
    (".face:last-child { break-after: auto; } .mascot-side + .main { margin-left: 19mm; } "
     ".side + .main .tips li { width: 49.9%; }", False),
    (".tips li:nth-child(odd) { color: red } .tips li + li { margin-top: 1mm }", False),
    ("@media print { .main .name::after { content: '' } }", False),
    (".face:nth-child(even) .name { color: red }", True),
    (".face:first-child .name { color: red }", True),
    (":first-child .name { color: red }", True),
    (".face + .face .post { color: red }", True),
    (".back ~ .front .name { color: red }", True),
    (".face:not(:last-child) .name { color: red }", True),
    ("@media screen, print { body > :nth-child(3) .name { color: red } }", True),
    ("body { counter-reset: f } .face { counter-increment: f }", True),
    ("@page :first { margin-top: 1mm }", True),
    ("@page { margin: 0 }", False),
])
def test_rules_on_a_faces_place_among_faces_are_found(css, dependent):
    probes = [_document(probe) for probe in probe_faces(FACE)]
    assert place_dependent([css], probes) is dependent


def test_split_styles_gives_the_style_texts_and_the_document_without_them():
    html = ('<html><head><STYLE media="print">.a { color: red }</STYLE></head><body>'
            '<div class="face"><style>\n.b { color: blue }\n</style><p>吴明</p></div></body></html>')
    texts, rest = split_styles(html)
    assert texts == [".a { color: red }", "\n.b { color: blue }\n"]
    assert rest == '<html><head></head><body><div class="face"><p>吴明</p></div></body></html>'
    assert split_styles("<p>no style</p>") == ([], "<p>no style</p>")

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


def _depends(css: str) -> bool:
    """``place_dependent`` of ``css`` for the sample face, front and back."""
    return place_dependent([css], [_document(probe) for probe in probe_faces(FACE)])


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
    assert _depends(css) is dependent


@pytest.mark.parametrize(("css", "dependent"), [
    # implicit counters run on from face to face: the list items' and the pages'
    (".face { display: list-item; list-style: none }", True),
    ("body > section { display: block list-item }", True),
    ("body { display: list-item }", True),
    (".tips li { display: list-item } .main p { display: list-item }", False),
    (".name-line::after { content: ' #' counter(list-item) }", True),
    (".name-line::after { content: ' p' counter(page) '/' counter(pages) }", True),
    (".name::before { content: counters(LIST-ITEM, '.') }", True),
    (".name::after { content: target-counter(attr(href url), page) }", True),
    (".name { float: footnote }", True),
    (".tips li::marker { content: '- ' } .name::after { content: counter(x) }", False),
])
def test_counters_that_run_on_from_face_to_face_make_the_design_place_dependent(css, dependent):
    assert _depends(css) is dependent


@pytest.mark.parametrize("face", [
    FACE.replace("<section", "<li").replace("</section>", "</li>"),
    FACE.replace("<section", '<section style="display: list-item"'),
    FACE.replace("<section", '<section style="counter-increment: f"'),
])
def test_a_face_that_is_a_list_item_by_its_html_is_place_dependent(face):
    assert place_dependent([""], [_document(probe) for probe in probe_faces(face)])


@pytest.mark.parametrize(("css", "dependent"), [
    # the quote depth runs on from face to face: an open-quote with no close-quote nests the
    # next face's quotes deeper
    (".name-line { quotes: '«' '»' '‹' '›' } .name-line::before { content: open-quote }", True),
    (".name::before { content: no-open-quote }", True),
    (".name::after { content: '」' CLOSE-QUOTE }", True),
    (".name::after { content: no-close-quote }", True),
    (".name-line { quotes: '«' '»' } .name::before { content: 'open-quote' }", False),
])
def test_quotes_that_nest_from_face_to_face_make_the_design_place_dependent(css, dependent):
    assert _depends(css) is dependent


def test_a_q_element_in_the_faces_or_the_templates_makes_the_design_place_dependent():
    probes = [_document(probe) for probe in probe_faces(FACE)]
    assert place_dependent([""], probes, [FACE.replace("吴明", "<Q>吴明</Q>")])
    assert place_dependent([""], probes, [FACE, "{% if x %}<q class='x'>{{ x }}</q>{% endif %}"])
    assert not place_dependent([""], probes, [FACE, "<quote>x</quote><p>quiet</p>"])


def test_a_q_in_a_template_of_the_other_side_lays_the_faces_out_face_by_face(tmp_path):
    from cardkit import api
    from cardkit.design import generations
    from cardkit.project import Project
    from cardkit.render.faces import FaceRenderer

    (tmp_path / "templates" / "blocks").mkdir(parents=True)
    (tmp_path / "templates" / "blocks" / "tips.html").write_text(  # on the back
        "<div class=tips><q>{{ gen.tips.title }}</q></div>", "utf-8")
    project = Project(root=tmp_path)
    gen = generations.load(project, "2022")
    rows = [{"id": "A1", "name": "吴明", "mobile": "13912340001", "post": "社区民警",
             "unit": {"name": "第一派出所", "address": "1号"}}]
    officer = api.load_roster(project, gen, {"officers": rows}).officers[0]
    renderer = FaceRenderer(project, gen)
    front = renderer.face_html(officer, "front", None)
    assert "<q" not in front and renderer.faces_alone(front)


@pytest.mark.parametrize(("css", "dependent"), [
    # a sibling combinator inside a pseudo-class's selectors
    (":is(.face + .face) .post { color: red }", True),
    (":where(.face ~ .face) .name { color: red }", True),
    (".name:is(.face ~ .face *) { color: red }", True),
    (".face:not(.back + .front) .name { color: red }", True),
    (":matches(.face + *) .name { color: red }", True),
    (":-webkit-any(* ~ section) .name { color: red }", True),
    (".name:is(.face:nth-child(2) *) { color: red }", True),
    (".face:has(~ .back) .post { color: red }", True),
    # any :has() on a face or an element around the faces looks into the other faces
    ("body:has(.qr) .name { color: red }", True),
    (":has(.qr) .name { color: red }", True),
    ("html:has(.face[data-side=back]) .name { color: red }", True),
    # ... inside a face it sees that face only; sibling combinators inside a face stay there
    (".tips:has(> li + li) h3 { color: red } .main:has(.qr) .name { color: red }", False),
    (".tips :is(li + li) { margin-top: 1mm } .tips li:not(:last-child) { color: red }", False),
    (".main :where(.name, .post ~ .area) { color: red } .face:not(li + li) { color: red }", False),
])
def test_sibling_combinators_in_pseudo_classes_and_has_are_seen(css, dependent):
    assert _depends(css) is dependent


@pytest.mark.parametrize(("css", "dependent"), [
    # CSS nesting: the nested rules are read as the rules they stand for
    (".face { & + .face .post { color: red } }", True),
    (".face { &:nth-child(odd) .name { color: red } }", True),
    (".face { & { counter-increment: f } } .name::after { content: counter(f) }", True),
    ("section { .name { color: red } :is(& ~ *) .post { color: red } }", True),
    ("body { > :first-child .name { color: red } }", True),
    (".main { @media print { .face:last-child & .name { color: red } } }", True),
    (".face { color: black; .main { .name { &::after { content: ' p' counter(page) } } } }",
     True),
    (".face { .name { &::before { content: open-quote } } }", True),
    ("@media print { .face { .tips { li + li { margin-top: 1mm } } } }", False),
    (".face { &:last-child { break-after: auto } .tips li:nth-child(odd) { color: red } }",
     False),
    (".face { .side + .main { margin-left: 19mm } & .tips { & li:not(:last-child) { a: b } } }",
     False),
    # @page: a margin box that shows the page's number
    ("@page { margin: 5mm; @bottom-center { content: counter(page) } }", True),
    ("@page { margin: 5mm; @bottom-center { content: 'specimen' } }", False),
])
def test_nested_rules_are_read_as_the_rules_they_stand_for(css, dependent):
    assert _depends(css) is dependent


@pytest.mark.parametrize(("css", "dependent"), [
    # a named page has a size and margins of its own: chosen by place, it depends on place
    (".face ~ .front { page: later } @page later { size: 95mm 60mm }", True),
    (".face:first-child { page: first; break-after: page } @page first { margin: 2mm }", True),
    (".back { page: b } @page b { size: 95mm 60mm }", False),
    (".face:last-child { break-after: auto; page-break-inside: avoid }", False),
])
def test_a_named_page_chosen_by_place_is_place_dependent(css, dependent):
    assert _depends(css) is dependent


@pytest.mark.parametrize(("css", "dependent"), [
    # what an earlier face or page set: a string, a running element, a target's text
    (".name { string-set: n content() } @page { margin: 3mm; @top-left { content: string(n) } }",
     True),
    (".band { position: running(b) } @page { @top-center { content: element(b) } }", True),
    (".name::after { content: target-text(attr(href url)) }", True),
    # a fixed box is repeated on every page of the document
    (".face::after { content: ''; position: fixed; bottom: 1mm; left: 1mm }", True),
    (".name-line { position: relative } .qr { position: absolute }", False),
    # a list item through a custom property
    (":root { --shown: list-item } .face { display: var(--shown) }", True),
    (":root { --shown: block } .main { display: var(--shown) }", False),
])
def test_what_an_earlier_face_set_makes_the_design_place_dependent(css, dependent):
    assert _depends(css) is dependent


def test_split_styles_gives_the_style_texts_and_the_document_without_them():
    html = ('<html><head><STYLE media="print">.a { color: red }</STYLE></head><body>'
            '<div class="face"><style>\n.b { color: blue }\n</style><p>吴明</p></div></body></html>')
    texts, rest = split_styles(html)
    assert texts == [".a { color: red }", "\n.b { color: blue }\n"]
    assert rest == '<html><head></head><body><div class="face"><p>吴明</p></div></body></html>'
    assert split_styles("<p>no style</p>") == ([], "<p>no style</p>")


REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(("folder", "gen_id"), [
    (None, "2002"), (None, "2006"), (None, "2012"), (None, "2022"),
    (REPO / "examples" / "lingxian", "lingxian")])
def test_the_builtin_generations_and_the_example_are_not_laid_out_face_by_face(
        tmp_path, folder, gen_id):
    """The generations cardkit ships (and the lingxian example) draw every face alike
    wherever it lies among the job's faces: the fast path lays their faces out together."""
    from cardkit import api
    from cardkit.design import generations
    from cardkit.project import Project
    from cardkit.render.faces import FaceRenderer

    project = Project(root=folder or tmp_path)
    gen = generations.load(project, gen_id)
    rows = [{"id": "A1", "name": "吴明", "mobile": "13912340001", "post": "社区民警",
             "wechat": "https://u.wechat.com/x1", "unit": {"name": "第一派出所", "address": "1号"}}]
    roster = folder / "roster.yaml" if folder else {"officers": rows}
    officer = api.load_roster(project, gen, roster).officers[0]
    for side in ("front", "back"):
        renderer = FaceRenderer(project, gen)
        assert not renderer.faces_alone(renderer.face_html(officer, side,
                                                           renderer.qr_for(officer)))


@pytest.mark.parametrize("before", ["<!-- 本局定制卡面 -->\n", "<style>.x { color: red }</style>",
                                    '<link rel="stylesheet" href="extra.css">\n'])
def test_the_face_root_is_found_after_a_comment_a_style_or_a_link(before):
    """A project's base.html that begins with a comment, its own <style> or a <link>: the
    face's root is the element after them (it was taken to be missing, or the <style>, and
    no rule on a face's place counted)."""
    probes = [_document(probe) for probe in probe_faces(before + FACE)]
    assert probes and place_dependent([".face ~ .face .name { color: red }"], probes)
    assert not place_dependent([".face .name { color: red }"], probes)


def test_a_face_whose_root_is_not_found_is_laid_out_as_alone():
    assert probe_faces("just text, no element") == []
    assert place_dependent([".name { color: red }"], [])

"""Hostile templates, stylesheets, assets and generations: nothing read outside the project,
nothing fetched, no sandbox escape, and every refusal is one line naming what was refused."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import REPO, copy_example
from hostile_helpers import no_network, write
from pdfcheck import page_texts

pytestmark = pytest.mark.usefixtures("no_network")
__all__ = ["no_network"]

OUTSIDE = "file:///etc/hostname"


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """A project folder with the example roster and room for templates and generations."""
    copy_example(tmp_path / "roster.yaml")
    write(tmp_path / "cardkit.yaml", "roster: roster.yaml\n")
    return tmp_path


def front(site: Path, decoration: str) -> None:
    write(site / "templates" / "front.html", '{% extends "!builtin/front.html" %}'
          "{% block decoration %}" + decoration + "{% endblock %}")


def stylesheet(site: Path, css: str) -> None:
    write(site / "templates" / "card.css", css + '\n{% include "!builtin/card.css" %}')


def mascot(site: Path, image: str, gen: str = "m") -> str:
    write(site / "generations" / f"{gen}.yaml",
          f'extends: "2022"\nmascot:\n  image: "{image}"\n  caption: 螺警官\n')
    return gen


def run(cli, site: Path, gen: str = "2002"):
    """Print one officer; on refusal check nothing was written and return the one line."""
    result = cli(["print", "--gen", gen, "--officer", "LD001", "-o", "out.pdf"], cwd=site)
    if result.code != 0:
        assert not (site / "out.pdf").exists()
        assert len(result.err_lines) == 1 and "Traceback" not in result.stderr, result.stderr
    return result


def refused(cli, site: Path, gen: str = "2002") -> str:
    result = run(cli, site, gen)
    assert result.code == 1, result.stderr
    return result.err_lines[0]


# --------------------------------------------------------------------------------------------
# Sandbox escapes and template mistakes

@pytest.mark.parametrize("expression", [
    "''.__class__.__mro__[1].__subclasses__()",
    "cycler.__init__.__globals__.os",
    "self._TemplateReference__context",
    "lipsum.__globals__['os'].popen('id').read()",
    "range.__self__",
    "gen.__class__",
])
def test_sandbox_escapes_are_refused(cli, site, expression):
    front(site, "{{ " + expression + " }}")
    line = refused(cli, site)
    assert line.startswith(f"error: {site / 'templates' / 'front.html'}:1: template: ")
    assert "unsafe" in line or "undefined" in line or "no attribute" in line, line


def test_a_sandbox_escape_cannot_mutate_the_context(cli, site):
    front(site, "{{ texts.update({'promise': 'x'}) }}")
    assert "unsafe" in refused(cli, site)


@pytest.mark.parametrize("expression", ["'x' * 1000000000", "[0] * 10**8", "9 ** 999999"])
def test_a_template_cannot_allocate_without_bound(cli, site, expression):
    front(site, "{{ " + expression + " }}")
    assert "a template may not" in refused(cli, site)  # refused before allocating


def test_a_python_exception_in_a_template_is_one_located_line(cli, site):
    front(site, "{{ 1 / 0 }}")
    assert refused(cli, site) == (f"error: {site / 'templates' / 'front.html'}:1: template: "
                                  "ZeroDivisionError: division by zero")


@pytest.mark.parametrize("name", ["../../../../../../etc/passwd", "/etc/passwd"])
def test_include_cannot_leave_the_template_folders(cli, site, name):
    front(site, '{% include "' + name + '" %}')
    line = refused(cli, site)
    assert "root:" not in line and "template" in line


def test_a_template_symlinked_out_of_the_project_is_not_read(cli, site):
    (site / "templates").mkdir()
    os.symlink("/etc/passwd", site / "templates" / "front.html")
    line = refused(cli, site)
    assert line == (f"error: {site / 'templates' / 'front.html'}: template links to /etc/passwd, "
                    f"outside {site.resolve() / 'templates'}")


def test_a_block_folder_symlinked_out_of_the_project_is_not_read(cli, site, tmp_path_factory):
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    write(elsewhere / "name.html", "<p>SECRET-FROM-ELSEWHERE</p>")
    (site / "templates").mkdir()
    os.symlink(elsewhere, site / "templates" / "blocks")
    line = refused(cli, site)
    assert "template links to" in line and "SECRET" not in line


@pytest.mark.parametrize("name", ["../../../../etc/passwd", "/etc/passwd"])
def test_a_generation_cannot_name_a_template_outside(cli, site, name):
    write(site / "generations" / "t.yaml", f'extends: "2002"\ntemplates:\n  front: "{name}"\n')
    line = refused(cli, site, "t")
    assert "root:" not in line and "not found" in line


# --------------------------------------------------------------------------------------------
# URLs in templates and stylesheets: the network and files outside are refused by name

@pytest.mark.parametrize(("markup", "url", "reason"), [
    ('<img src="http://127.0.0.1:9/x.png">', "http://127.0.0.1:9/x.png", "network"),
    ('<img src="https://example.gov.cn/x.png">', "https://example.gov.cn/x.png", "network"),
    ('<img src="ftp://127.0.0.1:9/x.png">', "ftp://127.0.0.1:9/x.png", "network"),
    (f'<img src="{OUTSIDE}">', OUTSIDE, "outside"),
    ('<img src="../../../../../../etc/hostname">', OUTSIDE, "outside"),
    ('<img src="file://evil.example/etc/hostname">', "file://evil.example/etc/hostname",
     "another host"),
    ('<div style="background: url(http://127.0.0.1:9/bg.png)">x</div>',
     "http://127.0.0.1:9/bg.png", "network"),
    ('<iframe src="http://127.0.0.1:9/"></iframe><object data="http://127.0.0.1:9/o.svg">'
     '</object>', "http://127.0.0.1:9/o.svg", "network"),
    (f'<svg width="10" height="10"><image href="{OUTSIDE}" width="5" height="5"/></svg>',
     OUTSIDE, "outside"),
])
def test_templates_cannot_fetch_from_the_network_or_outside(cli, site, markup, url, reason):
    front(site, markup)
    line = refused(cli, site)
    assert line.startswith(f"error: refused to read {url}: "), line
    assert reason in line


@pytest.mark.parametrize(("css", "url"), [
    ('@import url("http://127.0.0.1:9/x.css");', "http://127.0.0.1:9/x.css"),
    (f'@import "{OUTSIDE}";', OUTSIDE),
    ("@font-face { font-family: Evil; src: url(http://127.0.0.1:9/f.woff2); }"
     ".face { font-family: Evil; }", "http://127.0.0.1:9/f.woff2"),
    ("@font-face { font-family: Sys; src: url(file:///usr/share/fonts/opentype/noto/"
     "NotoSansCJK-Regular.ttc); } .face { font-family: Sys; }",
     "file:///usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
    (f".face {{ background-image: url({OUTSIDE}); }}", OUTSIDE),
    (".face { list-style-image: url(http://127.0.0.1:9/b.png); } .face { display: list-item; }",
     "http://127.0.0.1:9/b.png"),
])
def test_stylesheets_cannot_fetch_from_the_network_or_outside(cli, site, css, url):
    stylesheet(site, css)
    assert refused(cli, site).startswith(f"error: refused to read {url}: ")


def test_a_data_url_svg_cannot_reach_outside_either(cli, site):
    import base64

    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" width="9" height="9">'
           f'<image href="{OUTSIDE}" width="9" height="9"/></svg>').encode()
    front(site, f'<img src="data:image/svg+xml;base64,{base64.b64encode(svg).decode()}">')
    assert refused(cli, site).startswith(f"error: refused to read {OUTSIDE}: outside")


def test_percent_encoded_traversal_is_resolved_before_the_check(cli, site):
    templates = (site / "templates").resolve().as_uri()
    front(site, f'<img src="{templates}/..%2f..%2f..%2f..%2f..%2f..%2fetc/hostname">')
    assert "outside the project" in refused(cli, site)


def test_attachments_are_refused(cli, site):
    # <link rel=attachment> would embed the roster in the PDF; cardkit adds no attachments.
    write(site / "templates" / "document.html",
          (Path(__file__).parents[2] / "templates" / "document.html").read_text(encoding="utf-8")
          .replace("<title>", '<link rel="attachment" href="../roster.yaml"><title>'))
    line = refused(cli, site)
    assert line == (f"error: a template attaches {(site / 'roster.yaml').resolve().as_uri()} "
                    "(rel=attachment); cards carry no file attachments")


def test_attachment_links_are_refused(cli, site):
    front(site, '<a rel="attachment" href="../cardkit.yaml">x</a>')
    assert "(rel=attachment); cards carry no file attachments" in refused(cli, site)


# --------------------------------------------------------------------------------------------
# Assets named by a generation

def test_an_asset_name_cannot_climb_out_of_templates_assets(cli, site):
    gen = mascot(site, "../../../../../../etc/hostname")
    line = refused(cli, site, gen)
    assert "mascot.image: asset" in line and "not found" in line


def test_an_asset_symlinked_out_of_the_project_is_not_used(cli, site):
    (site / "templates" / "assets").mkdir(parents=True)
    os.symlink("/etc/hostname", site / "templates" / "assets" / "evil.svg")
    gen = mascot(site, "evil.svg")
    line = refused(cli, site, gen)
    assert "mascot.image: asset" in line and "not found" in line


def test_an_svg_asset_reaching_outside_is_refused(cli, site):
    write(site / "templates" / "assets" / "reach.svg",
          '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
          f'<image href="{OUTSIDE}" width="5" height="5"/></svg>')
    gen = mascot(site, "reach.svg")
    assert refused(cli, site, gen).startswith(f"error: refused to read {OUTSIDE}: outside")


@pytest.mark.parametrize("dtd", [
    '<!ENTITY xxe SYSTEM "file:///etc/hostname">',  # external entity
    '<!ENTITY a "aaaaaaaaaa">' + "".join(  # billion laughs inside an SVG
        f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(8)),
])
def test_svg_entities_are_not_expanded(cli, site, dtd):
    last = "xxe" if "xxe" in dtd else "i"
    write(site / "templates" / "assets" / "ent.svg",
          f'<?xml version="1.0"?><!DOCTYPE svg [{dtd}]>'
          f'<svg xmlns="http://www.w3.org/2000/svg" width="9" height="9"><text>&{last};</text></svg>')
    gen = mascot(site, "ent.svg")
    line = refused(cli, site, gen)
    assert "Failed to load image" in line and "the card would have a hole there" in line


def test_a_positive_control_an_asset_inside_the_project_is_used(cli, site):
    write(site / "templates" / "assets" / "ok.svg",
          '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
          '<rect width="10" height="10" fill="#123456"/></svg>')
    gen = mascot(site, "ok.svg")
    result = run(cli, site, gen)
    assert result.code == 0, result.stderr
    assert "螺警官" in "".join(page_texts(site / "out.pdf"))


def test_the_exhibition_poster_refuses_the_network_in_one_line(cli, site):
    poster = (Path(__file__).parents[2] / "templates" / "exhibit.html").read_text(encoding="utf-8")
    write(site / "templates" / "exhibit.html",
          poster.replace("<body>", '<body><img src="http://127.0.0.1:9/x.png">', 1))
    result = cli(["exhibit", "-o", "poster.pdf"], cwd=site)
    assert result.code == 1 and not (site / "poster.pdf").exists()
    assert result.err_lines == ["error: refused to read http://127.0.0.1:9/x.png: only files of "
                                "the project may be used; nothing is fetched from the network"]


@pytest.mark.parametrize("name", ["http://127.0.0.1:9/mascot.svg", "file:///etc/hostname"])
def test_an_asset_name_that_is_a_url_is_not_fetched(cli, site, name):
    line = refused(cli, site, mascot(site, name))
    assert "mascot.image: asset" in line and "not found" in line


def test_a_broken_image_on_a_stamped_face_stops_the_job(cli, site):
    """An image that fails to load behind the band of the front (a face stamped on a plate)
    stops the job, as it does laid out: the plate was written from some of the layout's pages
    without the layout's warnings, and every card was printed with a hole, exit 0."""
    write(site / "templates" / "bad.svg", '<svg xmlns="http://www.w3.org/2000/svg" width="10" '
          'height="10"><rect width="10" height="10" fill="red"></svg>')  # </rect> missing
    write(site / "templates" / "card.css",  # after the built-in rules, which set .band-bg's
          '{% include "!builtin/card.css" %}\n.band-bg { background-image: url(bad.svg); }')
    result = cli(["print", "--gen", "2022", "--jobs", "1", "-o", "out.pdf"], cwd=site)
    assert result.code == 1, result.stderr
    assert not (site / "out.pdf").exists()
    assert "Failed to load image" in result.stderr
    assert "the card would have a hole there" in result.stderr


@pytest.mark.parametrize("css", ["@page { size: 95mm 60mm; }",
                                 ".back { page: b; } @page b { size: 95mm 60mm; }"])
def test_a_page_size_in_a_stylesheet_is_refused(cli, site, css):
    """A project's stylesheet that sizes the page (a user making the card bigger in CSS, not
    with card:) was laid out on that page and cut to the card: the band cut off at the top,
    a white strip at the bottom, exit 0."""
    write(site / "templates" / "card.css", '{% include "!builtin/card.css" %}\n' + css)
    line = refused(cli, site, "2022")
    assert "a face is laid out on a page of 95 x 60 mm, not the card's 90 x 54 mm" in line
    assert "set the card's size with card: in the generation" in line


def test_an_at_font_face_file_that_is_no_font_stops_the_job(cli, site):
    """A project's font that is a Git LFS pointer (a checkout without LFS) or a truncated
    copy: WeasyPrint drops the face, and the names were set in the next family of the list,
    exit 0, with nothing said."""
    write(site / "templates" / "fonts" / "card.ttf",
          "version https://git-lfs.github.com/spec/v1\noid sha256:" + "0" * 64 + "\nsize 9\n")
    write(site / "templates" / "card.css", '{% include "!builtin/card.css" %}\n'
          "@font-face { font-family: CardLatin; src: url(fonts/card.ttf); }\n"
          '.name { font-family: CardLatin, "Noto Sans CJK SC"; }')
    line = refused(cli, site, "2022")
    assert "the @font-face font 'CardLatin' cannot be loaded" in line


def test_a_style_element_in_a_face_is_not_text_that_found_no_room(cli, site):
    """A face template's own <style> (cardkit reads it for rules on the officer): preflight
    counted its text as text of the card that no box printed, and refused the job."""
    write(site / "templates" / "front.html", '{% extends "!builtin/front.html" %}'
          "{% block content %}<style>.name { color: #c00000; }</style>{{ super() }}"
          "{% endblock %}")
    result = run(cli, site, "2022")
    assert result.code == 0, result.stderr


def test_a_template_module_keeps_no_state_from_face_to_face(cli, site):
    """A macro module a template imports, keeping a counter in a namespace(): Jinja keeps an
    imported module for the whole job, so the fronts read 1, 2, 3... by their place (and
    otherwise stamped, which renders faces more often). Each face now imports it afresh."""
    import pypdfium2

    front = (REPO / "templates" / "front.html").read_text(encoding="utf-8")
    front = front.replace('{% extends "base.html" %}',
                          '{% extends "base.html" %}{% import "macros.html" as m %}', 1)
    front = front.replace('<span class="kind">{{ face.title }}</span>',
                          '<span class="kind">{{ face.title }} No.{{ m.tick() }}</span>', 1)
    assert "m.tick()" in front
    write(site / "templates" / "front.html", front)
    write(site / "templates" / "macros.html", "{% set ns = namespace(n=0) %}{% macro tick() %}"
          "{% set ns.n = ns.n + 1 %}{{ ns.n }}{% endmacro %}")
    result = cli(["print", "--gen", "2022", "--layout", "cards", "--sides", "front",
                  "--jobs", "1", "-o", "out.pdf"], cwd=site)
    assert result.code == 0, result.stderr
    doc = pypdfium2.PdfDocument(site / "out.pdf")
    try:
        texts = ["".join(page.get_textpage().get_text_range().split()) for page in doc]
        numbers = {text.split("No.")[1][:1] for text in texts}  # the band's title is spaced out
    finally:
        doc.close()
    assert numbers == {"1"}


def test_a_design_weasyprint_cannot_lay_out_is_an_error_of_the_design(cli, site):
    """``body { display: grid; grid-auto-rows: 1fr }`` ends WeasyPrint's layout in an
    IndexError: one error line naming the generation and the likely cause, not an internal
    error to report."""
    write(site / "templates" / "card.css", '{% include "!builtin/card.css" %}\n'
          "body { display: grid; grid-auto-rows: 1fr; }")
    result = cli(["print", "--gen", "2022", "--jobs", "1", "-o", "out.pdf"], cwd=site)
    assert result.code == 1, result.stderr
    assert not (site / "out.pdf").exists()
    assert result.err_lines[0].startswith("error: generation 2022: WeasyPrint could not lay "
                                          "the faces out (IndexError"), result.stderr
    assert "display: grid or flex on body" in result.err_lines[0]
    assert "internal error" not in result.stderr

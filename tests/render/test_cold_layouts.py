"""A design printed for the first time: its tip lists, plates and whole pages are laid out in
as few WeasyPrint documents as can be and written once (render/stamp, listfit), and a page
taken out of a PDF written with others is the same whoever its neighbours were
(render/stamp/alone.py)."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pikepdf
import pytest

from cardkit.render.faces import FaceRenderer
from cardkit.render.stamp import alone

BENCH = Path(__file__).resolve().parents[2] / "bench"


@pytest.fixture
def counted(monkeypatch):
    """The pages of every WeasyPrint layout, and of every PDF WeasyPrint wrote."""
    from weasyprint.document import Document

    made: dict[str, list[int]] = {"layouts": [], "writes": []}
    layout, write_pdf = FaceRenderer.layout, Document.write_pdf

    def counting(self, faces, *args, **options):
        made["layouts"].append(len(faces))
        return layout(self, faces, *args, **options)

    def writing(self, *args, **options):
        made["writes"].append(len(self.pages))
        return write_pdf(self, *args, **options)

    monkeypatch.setattr(FaceRenderer, "layout", counting)
    monkeypatch.setattr(Document, "write_pdf", writing)
    return made


def test_ten_officers_of_three_units_are_laid_out_in_three_documents(cli, tmp_path, monkeypatch,
                                                                     counted):
    sys.path.insert(0, str(BENCH))
    try:
        from roster import write_roster
    finally:
        sys.path.remove(str(BENCH))
    roster = tmp_path / "r" / "roster.csv"
    write_roster(10, roster)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")
    monkeypatch.delenv("CARDKIT_CACHE", raising=False)
    monkeypatch.delenv("CARDKIT_STAMP", raising=False)

    def run(name: str) -> bytes:
        target = tmp_path / f"{name}.pdf"
        result = cli(["-v", "print", "--gen", "2022", "--layout", "sheet", "--duplex", "long",
                      "--roster", str(roster), "--jobs", "1", "-o", str(target)], cwd=roster.parent)
        assert result.code == 0, result.stderr
        assert any(line.startswith("10 officers' cards were filled into a layout made once")
                   for line in result.err_lines), result.stderr
        return target.read_bytes()

    cold = run("cold")
    # the three backs' tip lists probed, then checked; then the three plates (4 pages each)
    # and the three backs together, written once
    assert counted["layouts"] == [3, 3, 15]
    assert counted["writes"] == [12]  # but the plates' B pages, only measured
    counted["layouts"].clear()
    counted["writes"].clear()
    assert run("warm") == cold  # kept plates and pages: nothing laid out, the same bytes
    assert counted["layouts"] == [] and counted["writes"] == []
    # a layout of at most five pages: a plate and its back each, and still the same bytes
    from cardkit.render import stamp

    monkeypatch.setattr(stamp, "SHARED_PAGES", 5)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "another cache"))
    assert run("small") == cold
    assert counted["layouts"] == [3, 3, 5, 5, 5]


PAGES = """<style>@page {{ size: 60mm 30mm; margin: 0 }} section {{ break-after: page }}
.see-through {{ opacity: 0.5 }}</style>{sections}"""


def _written(*texts: str) -> pikepdf.Pdf:
    from weasyprint import HTML

    sections = "".join(f'<section><p class="see-through">{text}</p><p>{text[::-1]}</p>'
                       "</section>" for text in texts)
    pdf = HTML(string=PAGES.format(sections=sections)).write_pdf()
    return pikepdf.Pdf.open(io.BytesIO(pdf))


def _parts(pdf: bytes) -> tuple:
    """What a page is made of, but its font files: content, resource names, fonts' glyph
    widths and text maps."""
    with pikepdf.Pdf.open(io.BytesIO(pdf)) as src:
        page = src.pages[0].obj
        names = {str(k): sorted(str(n) for n in v.keys()) for k, v in page.Resources.items()
                 if isinstance(v, pikepdf.Dictionary) and k != "/ColorSpace"}
        fonts = []
        for holder in [page, *[x for x in page.Resources.XObject.values()
                              if x.get("/Subtype") == "/Form"]]:
            for font in holder.Resources.Font.values():
                cid = font.DescendantFonts[0]
                fonts.append((repr(cid.W), font.ToUnicode.read_bytes(),
                              repr(cid.FontDescriptor.FontBBox)))
        return page.Contents.read_bytes(), names, sorted(fonts)


def test_a_page_taken_out_is_the_same_whoever_its_neighbours_were():
    crowded = _written("Alpha", "Zulu quay", "Beta")
    single = _written("Beta")
    # WeasyPrint counts the document's groups: the same page names another group
    assert crowded.pages[2].Contents.read_bytes() != single.pages[0].Contents.read_bytes()
    taken = alone.page(crowded, 2, known_only=False)
    own = alone.page(single, 0, known_only=False)
    assert taken is not None and own is not None
    assert _parts(taken) == _parts(own)
    content = _parts(taken)[0]
    assert b"/G0 Do" in content and b"/x" not in content


def test_a_page_whose_font_file_would_stay_the_documents_is_refused(monkeypatch):
    from cardkit.render.stamp import writer

    crowded = _written("Alpha", "Beta")
    monkeypatch.setattr(writer, "faces_by_name", lambda: {})  # no face known in this process
    assert alone.page(crowded, 1) is None  # its font file would keep Alpha: written alone
    assert alone.page(crowded, 1, known_only=False) is not None

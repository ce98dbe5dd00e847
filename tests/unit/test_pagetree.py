"""pagetree.set_pages: a new document's pages in one step, in order, each object once."""

from __future__ import annotations

import io

import pikepdf
import pytest

from cardkit.pagetree import set_pages


def _source(texts: list[str]) -> pikepdf.Pdf:
    """Pages that show ``texts`` and share one font dictionary."""
    pdf = pikepdf.Pdf.new()
    font = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Font,
                                                Subtype=pikepdf.Name.Type1,
                                                BaseFont=pikepdf.Name.Helvetica))
    for text in texts:
        page = pdf.add_blank_page(page_size=(200, 100))
        page.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font))
        page.Contents = pdf.make_stream(f"BT /F1 12 Tf 10 50 Td ({text}) Tj ET".encode())
    return pdf


def _texts(pdf: pikepdf.Pdf) -> list[bytes]:
    return [page.Contents.read_bytes().split(b"(")[1].split(b")")[0] for page in pdf.pages]


def test_pages_of_two_documents_and_a_new_one_in_order():
    first, second = _source(["a1", "a2", "a3"]), _source(["b1", "b2"])
    dst = pikepdf.Pdf.new()
    made = pikepdf.Dictionary(Type=pikepdf.Name.Page, MediaBox=[0, 0, 10, 10],
                              Contents=dst.make_stream(b"BT (new) Tj ET"))
    chosen = [list(second.pages)[1], list(first.pages)[0], made, list(first.pages)[2]]
    set_pages(dst, chosen)
    assert _texts(dst) == [b"b2", b"a1", b"new", b"a3"]
    pages = list(dst.pages)
    fonts = {pages[n].Resources.Font.F1.objgen for n in (0, 1, 3)}
    assert len(fonts) == 2  # one per source document: shared objects copied once
    out = io.BytesIO()
    dst.save(out)
    with pikepdf.open(io.BytesIO(out.getvalue())) as saved:
        assert _texts(saved) == [b"b2", b"a1", b"new", b"a3"]
        assert saved.check_pdf_syntax() == []
        assert all(page.obj.Parent.objgen == saved.Root.Pages.objgen for page in saved.pages)


def test_a_page_twice_or_a_document_with_pages_is_refused():
    source = _source(["a"])
    (page,) = source.pages
    with pytest.raises(ValueError):
        set_pages(pikepdf.Pdf.new(), [page, page])
    with pytest.raises(ValueError):
        set_pages(source, list(_source(["b"]).pages))


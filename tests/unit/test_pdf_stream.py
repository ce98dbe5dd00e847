"""The streaming PDF writer (pdf/stream.py) and a big job's parts concatenated with it
(pdf/concat.py): references renumbered, streams copied as stored, a shared object written
once, reference cycles, a cross-reference table whose offsets are right. No WeasyPrint."""

from __future__ import annotations

import io
import re
import zlib
from pathlib import Path

import pikepdf
import pytest

from cardkit.pdf.concat import concatenate
from cardkit.pdf.stream import Copier, Writer


def _written(build) -> bytes:
    """The bytes of a document that ``build(out, copier)`` fills and returns the root of."""
    handle = io.BytesIO()
    out = Writer(handle)
    root = build(out)
    out.finish(root=root)
    return handle.getvalue()


def _xref_offsets_point_at_their_objects(data: bytes) -> int:
    start = int(re.search(rb"startxref\n(\d+)\n%%EOF\n$", data)[1])
    assert data[start:start + 5] == b"xref\n"
    head = re.match(rb"xref\n0 (\d+)\n", data[start:])
    rows = data[start + head.end():].split(b"\n")[:int(head[1])]
    assert rows[0] == b"0000000000 65535 f "
    for number, row in enumerate(rows[1:], start=1):
        offset, generation, kind = row.split()
        assert (generation, kind) == (b"00000", b"n")
        assert data[int(offset):].startswith(b"%d 0 obj\n" % number), number
    return int(head[1])


def _clean(data: bytes) -> pikepdf.Pdf:
    pdf = pikepdf.open(io.BytesIO(data))
    assert pdf.check_pdf_syntax() == []
    return pdf


def _source() -> pikepdf.Pdf:
    """Two pages sharing one form XObject (compressed), the form pointing back at the first
    page (a cycle: page -> resources -> form -> page), and reals of every precision."""
    src = pikepdf.new()
    form = src.make_stream(zlib.compress(b"0 0 1 rg 0 0 10 10 re f"))
    form.Filter = pikepdf.Name.FlateDecode
    form.Type, form.Subtype = pikepdf.Name.XObject, pikepdf.Name.Form
    form.BBox = [0, 0, 10, 10]
    for text in (b"(one) Tj /F Do", b"(two) Tj /F Do"):
        page = pikepdf.Dictionary(
            Type=pikepdf.Name.Page, MediaBox=pikepdf.Array([0, 0, pikepdf.Object.parse(b"595.2756"), 842]),
            Resources=pikepdf.Dictionary(XObject=pikepdf.Dictionary(F=form)),
            Contents=src.make_stream(text), Note=pikepdf.String("(a) \\ paren"))
        src.pages.append(pikepdf.Page(page))
    form.Owner = src.pages[0].obj
    form.Tiny = pikepdf.Object.parse(b"[0.0000001]")
    return src


def _copy_pages(src: pikepdf.Pdf):
    def build(out: Writer) -> int:
        root, pages = out.allocate(), out.allocate()
        copier = Copier(out)
        kids = [copier.write(p.obj, {"/Parent": b"%d 0 R" % pages}) for p in src.pages]
        copier.flush()
        out.add(pages, b"<< /Type /Pages /Count %d /Kids [%s] >>"
                % (len(kids), b" ".join(b"%d 0 R" % k for k in kids)))
        out.add(root, b"<< /Type /Catalog /Pages %d 0 R >>" % pages)
        return root
    return build


def test_pages_are_renumbered_and_their_objects_copied_once():
    data = _written(_copy_pages(_source()))
    # catalog, pages, 2 pages, 2 contents, the form once: nothing of the source's page tree
    assert _xref_offsets_point_at_their_objects(data) == 1 + 7
    pdf = _clean(data)
    one, two = pdf.pages
    assert one.Contents.read_bytes() == b"(one) Tj /F Do"
    assert two.Contents.read_bytes() == b"(two) Tj /F Do"
    form = one.Resources.XObject.F
    assert form.objgen == two.Resources.XObject.F.objgen  # shared: written once
    assert form.Owner.objgen == one.obj.objgen  # the cycle closes on the copied page
    assert one.obj.Parent.objgen == pdf.Root.Pages.objgen
    assert str(one.obj.Note) == "(a) \\ paren"


def test_a_stream_is_copied_as_stored_with_its_length():
    data = _written(_copy_pages(_source()))
    pdf = _clean(data)
    form = pdf.pages[0].Resources.XObject.F
    assert form.Filter == pikepdf.Name.FlateDecode
    assert form.read_raw_bytes() == zlib.compress(b"0 0 1 rg 0 0 10 10 re f")
    assert form.read_bytes() == b"0 0 1 rg 0 0 10 10 re f"
    assert form.Length == len(form.read_raw_bytes())


def test_reals_keep_every_digit():
    data = _written(_copy_pages(_source()))
    assert b"595.2756" in data and b"0.0000001" in data
    pdf = _clean(data)
    assert pdf.pages[0].MediaBox[2] == pikepdf.Object.parse(b"595.2756")


def test_an_object_mapped_beforehand_is_not_copied():
    src = _source()
    form = src.pages[0].Resources.XObject.F

    def build(out: Writer) -> int:
        root, pages, replacement = out.allocate(), out.allocate(), out.allocate()
        copier = Copier(out, {form.objgen: replacement})
        kid = copier.write(src.pages[0].obj, {"/Parent": b"%d 0 R" % pages})
        copier.flush()
        out.add(replacement, b"<< /Type /XObject /Subtype /Form /BBox [0 0 1 1] /Length 0 >>",
                b"")
        out.add(pages, b"<< /Type /Pages /Count 1 /Kids [%d 0 R] >>" % kid)
        out.add(root, b"<< /Type /Catalog /Pages %d 0 R >>" % pages)
        return root

    pdf = _clean(_written(build))
    assert pdf.pages[0].Resources.XObject.F.read_bytes() == b""


def test_every_object_allocated_must_be_written():
    out = Writer(io.BytesIO())
    out.allocate()
    with pytest.raises(ValueError, match="not written"):
        out.finish(root=1)


def test_parts_concatenate_into_one_document(tmp_path: Path):
    parts = []
    for number in range(3):
        src = _source()
        src.Root.ViewerPreferences = pikepdf.Dictionary(Duplex=pikepdf.Name.DuplexFlipLongEdge)
        src.docinfo = src.make_indirect(pikepdf.Dictionary(Title=pikepdf.String("2022"),
                                                           Subject=pikepdf.String("part")))
        parts.append(tmp_path / f"part-{number}.pdf")
        src.save(parts[-1], object_stream_mode=pikepdf.ObjectStreamMode.generate,
                 min_version="1.6")
    handle = io.BytesIO()
    concatenate(parts, handle, "6 cards")
    data = handle.getvalue()
    _xref_offsets_point_at_their_objects(data)
    pdf = _clean(data)
    assert [p.Contents.read_bytes() for p in pdf.pages] == [b"(one) Tj /F Do",
                                                            b"(two) Tj /F Do"] * 3
    assert len({p.Resources.XObject.F.objgen for p in pdf.pages}) == 3  # one form a part
    assert pdf.Root.ViewerPreferences.Duplex == pikepdf.Name.DuplexFlipLongEdge
    assert (str(pdf.docinfo.Title), str(pdf.docinfo.Subject)) == ("2022", "6 cards")
    assert pdf.pdf_version == "1.6" and data.startswith(b"%PDF-1.6\n")  # the parts' own

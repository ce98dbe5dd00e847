"""What a font's glyphs read as does not depend on who else is in the document (issue 21).

A PDF font maps each glyph to one text; WeasyPrint gives a glyph the text it was first drawn
for. Under small-caps Pango draws "l" with the capital's glyph, so "Wolff" read "WoLff" after
a "Lan" and "Wolff" alone. ``stamp.letters`` makes such a glyph read as the font's own letter.
"""

from __future__ import annotations

import io

from cardkit.render.stamp.letters import Letters, settled_map


def _letters(cmap: dict[str, int]) -> Letters:
    points = {ord(k): v for k, v in cmap.items()}
    return Letters(lambda: points, lambda point: points.get(point, 0))


def _map(entries: dict[int, str]) -> bytes:
    body = b"\n".join(b"<%04x> <%s>" % (g, t.encode("utf-16-be").hex().encode())
                      for g, t in entries.items())
    return b"begincmap\n%d beginbfchar\n%s\nendbfchar\nendcmap" % (len(entries), body)


def test_a_glyph_drawn_for_another_letter_reads_as_the_fonts_own_letter():
    letters = _letters({"L": 5, "l": 9, "a": 6, "A": 7, "胶": 40, "㬵": 40, "f": 11, "i": 12})
    cmap = _map({5: "l", 7: "a", 6: "a", 40: "㬵", 99: "fi", 11: "f"})
    settled = settled_map(cmap, letters)
    assert settled == _map({5: "L", 7: "A", 6: "a", 40: "㬵", 99: "fi", 11: "f"})
    assert settled_map(settled, letters) == settled  # nothing left to change
    unchanged = _map({6: "a", 11: "f"})
    assert settled_map(unchanged, letters) == unchanged


def _settled_text(body: str) -> str:
    """``body`` laid out by WeasyPrint, its fonts settled, as pdfium reads it."""
    import pikepdf
    import pypdfium2
    import weasyprint

    from cardkit.internals import font_spaces
    from cardkit.jobstate import new_job
    from cardkit.render.stamp.writer import settle_fonts

    document = weasyprint.HTML(string='<html lang="zh-CN"><body style="font-family: '
                               f'Noto Sans CJK SC">{body}</body></html>').render()
    pdf = pikepdf.open(io.BytesIO(document.write_pdf()))
    with new_job() as job:
        job.font_spaces.update(font_spaces(document))
        settle_fonts(pdf)
    out = io.BytesIO()
    pdf.save(out)
    doc = pypdfium2.PdfDocument(out.getvalue())
    try:
        return doc[0].get_textpage().get_text_range()
    finally:
        doc.close()


def _small_caps_text(text: str) -> str:
    return _settled_text(f'<p style="font-variant: small-caps">{text}</p>')


def test_small_caps_read_the_same_alone_and_after_another_name():
    assert _small_caps_text("Wolff") == "WOLFF"
    assert _small_caps_text("Lan Wolff") == "LAN WOLFF"  # was "Lan WoLff": "L" came first


def test_letter_spaced_text_reads_alike_whether_or_not_its_font_drew_a_space():
    """pdfium guesses a space between two letters from their gap and the font's space width
    (a fallback when the font lists none): every font lists its space. 0.14 em lies between
    the gap it takes for a space with Noto's space listed (0.112 em) and without (0.167 em)."""
    title = '<p style="font-weight: bold; letter-spacing: 0.14em">警民联系卡</p>'
    alone = _settled_text(title)
    beside_a_number = _settled_text(title + '<p style="font-weight: bold">138 0000</p>')
    assert alone.split("\r\n")[0] == beside_a_number.split("\r\n")[0] == "警 民 联 系 卡"

"""What a font's glyphs read as: the text a PDF's ``ToUnicode`` map gives each glyph.

A font in a PDF maps each glyph to one text. WeasyPrint (and a first writer of a glyph
anywhere) gives a glyph the text it was first drawn for, so a glyph drawn for two letters
reads as whichever came first in the document: under ``font-variant: small-caps`` Pango
draws "l" with the capital's glyph, and "Wolff" read "WoLff" when a "Lan" was drawn before
it. A card's text then depended on who else was in the job. Here a glyph drawn for a letter
that the font maps to another glyph reads as the one letter the font maps to that glyph
("WOLFF", as it looks), in every document. A glyph that several letters map to (Noto CJK
draws 㬵 and 胶 alike) keeps its first text: no choice between them reads right for both.
"""

from __future__ import annotations

import re
from collections.abc import Callable

_BFCHAR = re.compile(rb"^<([0-9a-fA-F]+)>[ \t]*<([0-9a-fA-F]*)>[ \t]*$", re.M)


class Letters:
    """The letters a font maps to each glyph (its ``cmap`` read backwards), made when first
    asked: ``unicodes`` are the font's code points, ``nominal`` its glyph for one (HarfBuzz's)."""

    def __init__(self, unicodes: Callable[[], object], nominal: Callable[[int], int]) -> None:
        self._unicodes = unicodes
        self.nominal = nominal
        self._by_glyph: dict[int, list[int]] | None = None

    @classmethod
    def of_face(cls, hb_face) -> Letters:
        import uharfbuzz as hb

        font = hb.Font(hb_face)
        return cls(lambda: hb_face.unicodes, lambda point: font.get_nominal_glyph(point) or 0)

    @classmethod
    def of_program(cls, program: bytes) -> Letters:
        """Of an embedded font file (a subset keeps the letters of every glyph it keeps)."""
        import uharfbuzz as hb

        return cls.of_face(hb.Face(hb.Blob(program)))

    def by_glyph(self, glyph: int) -> list[int]:
        if self._by_glyph is None:
            self._by_glyph = {}
            for point in sorted(self._unicodes()):  # type: ignore[call-overload]
                self._by_glyph.setdefault(self.nominal(point), []).append(point)
        return self._by_glyph.get(glyph, [])

    def text_of(self, glyph: int, text: str) -> str:
        """What ``glyph``, drawn for ``text``, reads as in every document."""
        if len(text) != 1 or self.nominal(ord(text)) == glyph:
            return text
        letters = self.by_glyph(glyph)
        return chr(letters[0]) if len(letters) == 1 else text


def settled_map(cmap: bytes, letters: Letters) -> bytes:
    """A ``ToUnicode`` CMap (``bfchar`` entries, as WeasyPrint and ``writer.to_unicode``
    write) with each glyph's text ``letters.text_of``; the same bytes if nothing changes."""

    def entry(match: re.Match[bytes]) -> bytes:
        glyph = int(match.group(1), 16)
        try:
            text = bytes.fromhex(match.group(2).decode()).decode("utf-16-be")
        except ValueError:
            return match.group(0)
        settled = letters.text_of(glyph, text)
        if settled == text:
            return match.group(0)
        return b"<%s> <%s>" % (match.group(1), settled.encode("utf-16-be").hex().encode())

    return _BFCHAR.sub(entry, cmap)

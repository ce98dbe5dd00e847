"""A slot's text shaped with HarfBuzz exactly as WeasyPrint's Pango would, and written as glyphs.

Pango shapes with HarfBuzz at a scale of the font size in Pango units (1/1024 of a CSS
pixel) and no rounding (WeasyPrint turns glyph-position rounding off), then adds CSS
``letter-spacing`` cluster by cluster: half before each cluster but the first of the
item, the rest after each but the last. WeasyPrint writes the glyphs as a ``TJ`` array
whose adjustments come from those widths (``weasyprint/draw/text.py``); ``tj`` writes the
same array, so a stamped line lands where WeasyPrint would have put it, to the
thousandth of an em. Plates check this model against WeasyPrint's own layout of two
sentinel values before anything is stamped with it (``plates.Plate.verify``).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

PANGO_SCALE = 1024
NO_LIGATURES = {"liga": False, "clig": False}  # what Pango sets when letter-spacing is not 0
UNPLAIN_TABLES = {"fvar", "COLR", "CBDT", "sbix", "SVG "}


@dataclass(eq=False)
class FontFace:
    """One font face (file + index), as WeasyPrint's Pango chose it for a slot.

    Its bytes are ``data``, or, for a face the plate store found in an installed font file
    known to hold them unchanged, that file, ``path``: HarfBuzz maps it (as Pango's
    FreeType does) instead of a 16 MiB read and copy, and ``program`` copies the mapped
    bytes only when they are wanted (kept in the store, sent to the parent): the very bytes
    the face shapes with, even if the file is replaced meanwhile. ``origin`` is an address
    in WeasyPrint's font map, which lives as long as the job's renderer, as the face does."""

    key: str  # Pango's description without size: what WeasyPrint keys a PDF font by
    data: bytes
    index: int
    family: str
    path: str = ""  # the installed file holding exactly the face's bytes, when ``data`` is b""
    origin: tuple[int, int] = (0, 0)  # address and length of Pango's copy of the bytes
    digest: str = ""  # the SHA-256 of the bytes, once known (``digest_of``)
    # an installed file found to hold exactly the face's bytes, and its identity then (device,
    # inode, size, modification and change time): the face goes to another process as that
    # (``store.mapped_as``), not as its bytes
    installed: tuple[str, tuple[int, int, int, int, int]] | None = None
    cmap: frozenset[int] = frozenset()
    hb_face: object = None

    def __post_init__(self) -> None:
        import uharfbuzz as hb

        blob = hb.Blob.from_file_path(self.path) if self.path and not self.data \
            else hb.Blob(self.data)
        face = self.hb_face = hb.Face(blob, self.index)
        self.cmap = frozenset(face.unicodes)
        self.upem = face.upem
        # what WeasyPrint changes before it embeds a font (a variable font made static, colour
        # glyphs dropped): a plain subset of this file would not draw what it draws
        self.plain = not set(face.table_tags) & UNPLAIN_TABLES
        self._fonts: dict[int, object] = {}
        self._letters: object = None  # letters(), made once

    def program(self) -> bytes:
        """The font file's bytes: those HarfBuzz shapes with (copied from the mapping of
        ``path`` the first time they are asked for)."""
        if not self.data and self.path:
            self.data = bytes(self.hb_face.blob.data)  # type: ignore[attr-defined]
        return self.data

    def digest_of(self) -> str:
        """The SHA-256 of the face's bytes (hashed once)."""
        if not self.digest:
            import hashlib

            self.digest = hashlib.sha256(self.program()).hexdigest()
        return self.digest

    def letters(self):
        """The letters the face maps to each glyph (``letters.Letters``), made once."""
        from .letters import Letters

        if self._letters is None:
            self._letters = Letters.of_face(self.hb_face)
        return self._letters

    def __reduce__(self):  # plates travel between processes; the font data once, by ``keep``
        return (_font_face, (self.key,))

    def font(self, scale: int):
        import uharfbuzz as hb

        font = self._fonts.get(scale)
        if font is None:
            font = self._fonts[scale] = hb.Font(self.hb_face)
            font.scale = (scale, scale)
        return font


@dataclass(frozen=True)
class Shaped:
    """A shaped run: glyphs with Pango's widths and offsets (Pango units)."""

    glyphs: tuple[int, ...]
    widths: tuple[int, ...]
    offsets: tuple[int, ...]
    texts: tuple[str, ...]  # the characters each glyph stands for ('' after the first of a cluster)
    size: float  # font size in CSS px, as WeasyPrint's Tf gets it
    letter_spacing: float  # CSS px, added after the last glyph to the box width by WeasyPrint

    @property
    def advance(self) -> float:
        """The text box's width in CSS px, as WeasyPrint lays it out."""
        return sum(self.widths) / PANGO_SCALE + self.letter_spacing


def font_faces() -> dict[str, FontFace]:
    """The running job's font faces, by Pango's description (``jobstate``): two jobs, or two
    designs that give one family name to two files, never share a face."""
    from ...jobstate import current

    return current().fonts


def _font_face(key: str) -> FontFace:
    return font_faces()[key]


def scale_of(size: float) -> int:
    return round(size * PANGO_SCALE)


def shape(face: FontFace, text: str, size: float, letter_spacing: float, language: str) -> Shaped:
    """Shape ``text`` as Pango does for one item of one font, in an element of ``language``
    (its ``lang``; "" for none)."""
    import uharfbuzz as hb

    from .pangolang import run_language

    buf = hb.Buffer()
    buf.add_str(text)
    buf.guess_segment_properties()
    # the run's language as Pango derives it: a Latin name in a zh-CN card is shaped as
    # English (Noto CJK's Chinese ' " and digits are not Pango's there), a Han name as zh-CN
    script = next((kind for kind in map(_script, text) if kind in ("han", "latin")), "common")
    shaped_as = run_language(language, script)
    if shaped_as:
        buf.language = shaped_as
    spacing = int(letter_spacing * PANGO_SCALE)
    # Pango turns the ligatures off under letter-spacing ("Tiffany" keeps its two f's)
    hb.shape(face.font(scale_of(size)), buf, NO_LIGATURES if spacing else {})
    infos, positions = buf.glyph_infos, buf.glyph_positions
    glyphs = [i.codepoint for i in infos]
    widths = [p.x_advance for p in positions]
    offsets = [p.x_offset for p in positions]
    clusters = [i.cluster for i in infos]
    ends = sorted(set(clusters)) + [len(text)]  # clusters count characters (add_str)
    texts = []
    for n, start in enumerate(clusters):
        if n and clusters[n - 1] == start:
            texts.append("")
            continue
        end = ends[ends.index(start) + 1]
        texts.append(text[start:end])
    if spacing:
        # pango_glyph_item_letter_space: each cursor position (every character here: the
        # stamper only takes text without combining marks) is a cluster.
        left = int(spacing / 2)
        if spacing & (PANGO_SCALE - 1) == 0:
            left = (left + 512) & ~(PANGO_SCALE - 1)
        right = spacing - left
        starts = [n for n in range(len(glyphs)) if n == 0 or clusters[n] != clusters[n - 1]]
        for k, first in enumerate(starts):
            last = (starts[k + 1] if k + 1 < len(starts) else len(glyphs)) - 1
            if k > 0:
                widths[first] += left
                offsets[first] += left
            if k + 1 < len(starts):
                widths[last] += right
    return Shaped(tuple(glyphs), tuple(widths), tuple(offsets), tuple(texts), size,
                  letter_spacing)


def tj(face: FontFace, shaped: Shaped, widths: dict[int, int]) -> str:
    """The ``TJ`` operand WeasyPrint's ``draw_first_line`` writes for this run.

    A glyph's PDF width (``widths``, one per font in a document) is its advance in the
    font's own units, scaled to 1000 an em (not at the size the font first meets it, as
    WeasyPrint does: fonts merged from several chunks keep every chunk's widths); the
    adjustments make up the difference to where Pango put the next glyph.
    """
    size = shaped.size
    from_units = 1 / PANGO_SCALE
    string = "<"
    for glyph, width, x_offset in zip(shaped.glyphs, shaped.widths, shaped.offsets, strict=True):
        offset = x_offset / size
        if offset:
            string += f">{-offset}<"
        string += f"{glyph:04x}"
        logical = widths.get(glyph)
        if logical is None:
            advance = face.font(face.upem).get_glyph_h_advance(glyph)
            logical = widths[glyph] = round(advance * 1000 / face.upem)
        kerning = logical + offset - width * 1000 * from_units / size
        if kerning:
            string += f">{int(kerning)}<"
    string = string[:-1] if string[-1] == "<" else string + ">"
    return f"[{string}]"


# ------------------------------------------------------------------ what the model covers

def _script(char: str) -> str:
    """'han', 'latin', 'common' or '' (anything the stamper does not take)."""
    code = ord(char)
    if 0x20 <= code < 0x7F:
        return "latin" if char.isalpha() else "common"
    if 0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF or 0xF900 <= code <= 0xFAFF \
            or 0x20000 <= code <= 0x3134F or code == 0x3007:  # ideographs
        return "han"
    if 0x3001 <= code <= 0x3003 or 0x3008 <= code <= 0x3011 or code == 0x00B7 \
            or 0xFF01 <= code <= 0xFF20 or 0xFF3B <= code <= 0xFF40 or 0xFF5B <= code <= 0xFF5E:
        return "common"
    if 0xFF21 <= code <= 0xFF3A or 0xFF41 <= code <= 0xFF5A:
        return "latin"
    return ""


def stampable_text(text: str, cmap: frozenset[int]) -> bool:
    """Whether Pango would set ``text`` as one item of this one font, as ``shape`` models:
    every character in the font, one script (Han or Latin; digits and punctuation go with
    either), no combining marks or variation selectors, spaces single and inside."""
    if not text or text != text.strip(" ") or "  " in text:
        return False
    scripts = set()
    for char in text:
        if ord(char) not in cmap or unicodedata.combining(char):
            return False
        kind = _script(char)
        if not kind:
            return False
        scripts.add(kind)
    return len(scripts - {"common"}) <= 1

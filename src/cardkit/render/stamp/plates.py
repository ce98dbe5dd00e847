"""Plates: a face laid out once by WeasyPrint, its officer fields read back as slots.

A face's HTML is cut into a skeleton and slots: every ``<span data-field=F>text</span>``
of an officer field (the unit's fields stay in the plate) and the QR code's SVG. Faces
with the same skeleton (the same generation, unit, side, size, and the same fields
present: an empty field, a code left off or a template branch gives another skeleton)
share a plate. A plate is laid out once, on four pages of a WeasyPrint document (with the
other plates a chunk needs: ``stamp._lay_out_new``):

* A: the first officer's own values, QR code included;
* B: sentinel values (each slot one character shorter, or doubled), no QR code;
* the plate: A with the slot text hidden (``visibility: hidden`` keeps the layout).

From A and B it reads each slot's font, size, colour, baseline and x, the slots that
follow one another on a line (the post after the name) and how far a line may run; it
checks that WeasyPrint's glyphs and positions are exactly what ``shaping`` predicts and
that nothing else on the face moved between A and B. Any doubt and the plate is refused:
its officers go through the full WeasyPrint path. A refused plate is never stamped.
"""

from __future__ import annotations

import html as htmlmod
import re
from dataclasses import dataclass
from typing import Any

from ...internals import page_box
from ...units import PX_MM
from . import shaping, split
from .split import Refused
from .writer import num

UNIT_FIELDS = frozenset({"unit", "address", "hotline", "website"})
SLOT = re.compile(r'<span(?P<pre>[^<>]*?) data-field="(?P<field>[^"<>]+)"(?P<post>[^<>]*)>'
                  r'(?P<text>[^<>]*)</span>')
QR_SVG = re.compile(r'<svg [^<>]*class="qr-code"[^<>]*>.*?</svg>', re.S)
HOLE, QR_HOLE = "\x00", "\x01"
# CSS that changes the characters drawn, or how they are shaped or set, at these values
# only: the stamper shapes a field's own characters with the font's default features (and
# Pango's no-ligature rule under letter-spacing), so under any other value the face is laid
# out. A Han name looks the same under most of them, so the first officer alone cannot tell.
_PLAIN_TEXT = {
    "text_transform": "none", "font_variant_caps": "normal", "font_variant_east_asian": "normal",
    "font_variant_ligatures": "normal", "font_variant_numeric": "normal",
    "font_variant_position": "normal", "font_variant_alternates": "normal",
    "font_feature_settings": "normal", "font_variation_settings": "normal",
    "font_kerning": "auto", "font_language_override": "normal", "text_align_last": "auto",
    "direction": "ltr",
}
# CSS's generic families (and Pango's own aliases): no font is called that, so a slot set in
# one never passes the first-family check, whoever the officer (CSS Fonts 4, "generic-family")
GENERIC_FAMILIES = frozenset({"serif", "sans-serif", "sans", "monospace", "mono", "cursive",
                              "fantasy", "system-ui", "ui-serif", "ui-sans-serif",
                              "ui-monospace", "ui-rounded", "emoji", "math", "fangsong"})
EPSILON = 1e-6  # CSS px: WeasyPrint's positions are sums of the same floats
MARGIN = 0.01  # CSS px kept free before the line's end (a value that just fits goes the full way)


@dataclass(frozen=True)
class Face:
    """One officer's face cut into skeleton and slot values."""

    skeleton: str
    values: tuple[str, ...]
    fields: tuple[str, ...]
    qr_svg: str  # '' when the face shows no code


def cut(html: str) -> Face | None:
    """Skeleton and slots of a face's HTML; None when a slot is not plain text in a span."""
    from ..faces import face_key

    html = face_key(html)
    values: list[str] = []
    fields: list[str] = []
    bad = False

    def hole(match: re.Match) -> str:
        nonlocal bad
        name = match["field"]
        if name in UNIT_FIELDS:
            return match[0]
        if "style=" in match["pre"] + match["post"] or HOLE in match["text"]:
            bad = True
        values.append(htmlmod.unescape(match["text"]))
        fields.append(name)
        return f'<span{match["pre"]} data-field="{name}"{match["post"]}>{HOLE}</span>'

    skeleton = SLOT.sub(hole, html)
    svgs = QR_SVG.findall(skeleton)
    if bad or len(svgs) > 1 or QR_HOLE in skeleton:
        return None
    skeleton = QR_SVG.sub(QR_HOLE, skeleton)
    return Face(skeleton, tuple(values), tuple(fields), svgs[0] if svgs else "")


def fill(face: Face, values: tuple[str, ...], qr_svg: str, hidden: bool) -> str:
    """The face's HTML with these slot values (hidden: laid out, not drawn)."""
    parts = iter(values)

    def put(match: re.Match) -> str:
        if match["text"] != HOLE:
            return match[0]
        style = ' style="visibility:hidden"' if hidden else ""
        return (f'<span{match["pre"]} data-field="{match["field"]}"{match["post"]}{style}>'
                f'{htmlmod.escape(next(parts), quote=False)}</span>')

    return SLOT.sub(put, face.skeleton).replace(QR_HOLE, qr_svg)


def empty_svg(svg: str) -> str:
    """The QR's SVG element with nothing in it: same box, nothing drawn. Its viewBox is one
    unit, not the code's modules: the plate (shared by officers whose codes have other
    versions) must not keep the scale of the officer it was laid out with."""
    svg = re.sub(r' viewBox="[^"]*"', ' viewBox="0 0 1 1"', svg, count=1)
    return re.sub(r">.*</svg>$", "></svg>", svg, flags=re.S)


def sentinel(value: str) -> str:
    """B's value of a slot: one character shorter (a space left at its end too: B must be
    text the model takes whoever A is, or the plate would depend on its first officer's
    name, "Wu Ming 2", and with it on the cache), or doubled."""
    shorter = value[:-1].rstrip(" ")
    return shorter if shorter else value * 2




@dataclass
class Slot:
    field: str
    face: shaping.FontFace
    size: float  # CSS px
    letter_spacing: float
    language: str
    color: Any  # tinycss2 colour
    x: float  # CSS px, from the card's top-left (WeasyPrint's page coordinates)
    baseline: float
    gap: float  # after the previous slot of its line (None-like 0 for the first)
    limit: float  # the line's right end
    first: bool  # first slot on its line


@dataclass
class Plate:
    """A face laid out once: the slots and the page with them left blank."""

    key: str
    slots: list[Slot]
    qr_rect: tuple[float, float, float, float] | None  # CSS px: x, y, w, h
    pdf: bytes  # the WeasyPrint PDF of A, B, the plate and A again (hollow QR), pruned
    page: int = 2
    top: float = 0.0  # the ``1 0 0 -1 0 top cm`` WeasyPrint starts its page with
    cut: Any = None  # split.Cut: the plate's pieces and the text between them
    qr_dark: str = ""
    qr_light: str = ""
    qr_quiet: int = 4
    # while the plate is checked (stamp._new_plate removes both, so a kept plate has neither):
    checked: bytes = b""  # A, the plate, A with a hollow code: for the pixel check
    document: Any = None  # the weasyprint Document of those pages, for the plate's preflight
    faces: tuple = ()  # shaping.FontFace of every text on the plate (``page_faces``)


def _font_face(pango_font: Any, seen: dict[Any, tuple[shaping.FontFace, float]] | None = None
               ) -> tuple[shaping.FontFace, float]:
    """The face and size of a Pango font; ``seen``: those met already in this document (the
    font file is read once, not for every slot of every page)."""
    from ...internals import font_file

    if seen is None:
        seen = {}
    if pango_font in seen:
        return seen[pango_font]
    found = font_file(pango_font)
    fonts = shaping.font_faces()
    face = fonts.get(found.key)
    if face is None:
        face = fonts[found.key] = shaping.FontFace(
            key=found.key, data=found.data(), index=found.index, family=found.family,
            origin=found.origin)
    elif face.index != found.index or (face.origin != found.origin
                                       and face.program() != found.data()):
        # one name, two files: not ours to tell apart (the bytes Pango holds are compared
        # only when they are not the very copy the face was made from)
        raise Refused(f"two font files are both called {found.key}")
    face.origin = found.origin  # the same bytes: compared once
    seen[pango_font] = face, found.size
    return face, found.size


def page_faces(page: Any) -> tuple[shaping.FontFace, ...]:
    """The faces of the text a laid-out page draws (each text box's first run), known from
    then on (``shaping.font_faces``): ``writer.share_face_files`` gives each one file. A
    page's faces are known whenever the page is used, laid out now or kept (the store keeps
    them with it), so which fonts get one file never depends on the cache."""
    from ...internals import first_line_run, font_key

    seen: dict[Any, tuple[shaping.FontFace, float]] = {}
    found: dict[str, shaping.FontFace] = {}
    stack = [page_box(page)]
    while stack:
        box = stack.pop()
        if type(box).__name__ == "TextBox" and box.text:
            pango_font = first_line_run(box)[0]
            # one description, one file in a document: each file is read once
            if pango_font is not None and font_key(pango_font) not in found:
                try:
                    face = _font_face(pango_font, seen)[0]
                except Refused:
                    continue  # one name, two files: that font keeps a file of its own
                found[face.key] = face
            continue
        stack.extend(getattr(box, "children", None) or [])
    return tuple(found[key] for key in sorted(found))


def _pango_glyphs(box: Any) -> tuple[Any, list[tuple[int, int, int]]]:
    """The font and (glyph, width, x offset) of a text box's only run."""
    from ...internals import first_line_run

    font, glyphs, lines, runs = first_line_run(box)
    if lines:
        raise Refused("the text takes more than one line", officer=True)
    if runs:
        raise Refused("the text is set in more than one run", officer=True)
    if not glyphs:
        raise Refused("glyphs raised or lowered")
    return font, glyphs


def _slot_font(box: Any, name: str, seen: dict[Any, tuple[shaping.FontFace, float]]
               ) -> tuple[shaping.FontFace, float, list[tuple[int, int, int]]]:
    """The face, size and glyphs WeasyPrint set a slot's text box in."""
    pango_font, glyphs = _pango_glyphs(box)
    font, size = _font_face(pango_font, seen)
    if not font.plain:  # WeasyPrint embeds an instance of it, the stamper would not
        raise Refused(f"{name}: set in a variable or colour font ({font.family})")
    return font, size, glyphs


def _slot_boxes(page_box: Any, fields: tuple[str, ...]) -> list[tuple[Any, Any, float]]:
    """(text box, its line box, where its text must end) of each slot, in document order.

    A slot's text must end before the content edge of every box around it (as preflight's
    ``render.measure`` counts them: not the page's, nor html's), or preflight and the ``fit:``
    policy have something to say about it, which only a layout says. A float beside a
    slot's line (a badge floated into it, room kept for a photo by an earlier block) makes
    the line as short as layout finds it for each officer: such a plate is refused."""
    found: list[tuple[Any, Any, float]] = []
    seen: list[Any] = []
    floats: list[Any] = []

    def walk(box: Any, containers: tuple[Any, ...], line: Any, slot: Any) -> None:
        kind = type(box).__name__
        if getattr(box, "style", None) is not None and box.style["float"] != "none":
            floats.append(box)
        element = getattr(box, "element", None)
        if element is not None and element.tag == "span" and "data-field" in element.attrib \
                and element.get("data-field") not in UNIT_FIELDS \
                and (element.text or "") != "" and slot is None:
            slot = element
        if kind == "LineBox":
            line = box
        elif kind not in ("InlineBox", "TextBox") and hasattr(box, "content_box_x"):
            containers = (*containers, box)
        if kind == "TextBox" and slot is not None:
            if any(e is slot for e in seen):
                raise Refused("a slot's text is split into several boxes")
            seen.append(slot)
            edges = [c.content_box_x() + (c.width or 0) for c in containers[2:]]
            if not edges:
                raise Refused("a slot lies in no box of its own")
            found.append((box, line, min(edges)))
            return
        for child in getattr(box, "children", None) or []:
            walk(child, containers, line, slot)

    walk(page_box, (), None, None)
    if len(found) != len(fields):
        raise Refused("a slot has no text box of its own")
    _no_float_beside(found, floats)
    return found


def _no_float_beside(found: list[tuple[Any, Any, float]], floats: list[Any]) -> None:
    """Refuse a plate on which one of ``floats`` lies beside a slot's line: from its top to
    its bottom, between its start and where its text must end (a float beside the slot's
    block, the design's own column, takes nothing from the line)."""
    for _box, line, edge in found:
        if line is None:
            continue
        top, bottom = line.position_y, line.position_y + line.height
        left = line.position_x
        if any(f.position_y < bottom and top < f.position_y + f.margin_height()
               and f.position_x < edge and left < f.position_x + f.margin_width()
               for f in floats):
            raise Refused("a float lies beside a slot's line")


def _geometry(page_box: Any, skip: tuple[set[int], set[int]]) -> list[tuple]:
    """Every box but the slots' own, with its place and size, in tree order (the width of
    a line holding a slot aside: it is the width of its content)."""
    rows: list[tuple] = []
    slots, lines = skip

    def walk(box: Any, depth: int) -> None:
        if id(box) in slots:
            rows.append((depth, type(box).__name__, "slot"))
            return
        width = None if id(box) in lines else round(box.width or 0, 6)
        rows.append((depth, type(box).__name__, round(box.position_x, 6), round(box.position_y, 6),
                     width, round(box.height or 0, 6)))
        for child in getattr(box, "children", None) or []:
            walk(child, depth + 1)

    walk(page_box, 0)
    return rows


def _plain_style(name: str, box: Any, value: str) -> None:
    """Refuse a slot whose style the stamper does not reproduce."""
    style = box.style
    if box.text != value:
        raise Refused(f"{name}: the text drawn is not the field's (text-transform?)")
    if style["visibility"] != "visible" and style["visibility"] != "hidden":
        raise Refused(f"{name}: visibility {style['visibility']}")
    decoration = style["text_decoration_line"]
    if style["word_spacing"] or (decoration and decoration != "none") \
            or style["color"].alpha != 1:
        raise Refused(f"{name}: word-spacing, decoration or a translucent colour")
    if style["color"].space not in ("srgb", "device-cmyk"):
        raise Refused(f"{name}: colour space {style['color'].space}")
    changed = [prop for prop, plain in _PLAIN_TEXT.items() if style[prop] != plain]
    if changed:  # the stamper shapes the field's own characters with the font's defaults
        raise Refused(f"{name}: {changed[0].replace('_', '-')} {style[changed[0]]}")


@dataclass(frozen=True)
class _Rules:
    """What a design says that the plate's reader holds every slot to: the right edge of
    the card's safe zone (CSS px: no stamped text goes beyond it, an officer whose text would
    is laid out, and ``fit:`` and preflight judge it), and the font families an
    ``@font-face`` rule gives features of its own (never stamped: the model shapes with a
    face's defaults)."""

    safe_right: float
    featured: frozenset[str]


def _read(page: Any, face: Face, values: tuple[str, ...],
          seen: dict[Any, tuple[shaping.FontFace, float]], rules: _Rules) -> tuple[list[dict], tuple]:
    """Slot facts from one laid-out page, each checked against the shaping model and
    ``rules``."""
    rows = []
    skip: set[int] = set()
    lines: set[int] = set()
    for (box, line, edge), name, value in zip(_slot_boxes(page_box(page), face.fields),
                                              face.fields, values, strict=True):
        style = box.style
        _plain_style(name, box, value)
        font, size, glyphs = _slot_font(box, name, seen)
        families = style["font_family"]
        if not families or str(families[0]).lower() in GENERIC_FAMILIES:
            # fontconfig's choice for every officer, never the name of a font: the template's
            raise Refused(f"{name}: its first font family is a generic one "
                          f"({families[0] if families else 'none'})")
        if str(families[0]).lower() != font.family.lower():
            # only the first family's font is sure to draw every character it has
            raise Refused(f"{name}: set in {font.family}, not the first of its font families",
                          officer=True)
        if str(families[0]).lower() in rules.featured:
            raise Refused(f"{name}: its @font-face rule gives {families[0]} features of its own")
        if not shaping.stampable_text(value, font.cmap):
            raise Refused(f"{name}: the text is outside what the shaping model covers",
                          officer=True, cmaps={name: font.cmap})
        spacing = style["letter_spacing"]
        spacing = 0.0 if spacing == "normal" else float(spacing)
        shaped = shaping.shape(font, value, size, spacing, str(style["lang"] or ""))
        if list(zip(shaped.glyphs, shaped.widths, shaped.offsets, strict=True)) != glyphs:
            raise Refused(f"{name}: HarfBuzz's glyphs differ from WeasyPrint's")
        if abs(shaped.advance - box.width) > EPSILON:
            raise Refused(f"{name}: shaped width differs from the laid-out box")
        limit = min(edge, rules.safe_right)
        rows.append({"field": name, "box": box, "line": id(line), "font": font, "size": size,
                     "spacing": spacing, "lang": str(style["lang"] or ""), "color": style["color"],
                     "x": box.position_x, "baseline": box.position_y + box.baseline,
                     "width": box.width, "limit": limit})
        skip.add(id(box))
        lines.add(id(line))
        parent = _parent_of(page_box(page), box)
        while parent is not None and type(parent).__name__ == "InlineBox":
            if parent.style["unicode_bidi"] != "normal" or parent.style["direction"] != "ltr":
                raise Refused(f"{name}: unicode-bidi or direction on the slot")
            if len(parent.children) != 1:
                raise Refused(f"{name}: the slot's span holds more than its text")
            if _paints_itself(parent):  # as wide as the text: the plate keeps A's width
                raise Refused(f"{name}: the slot's span has a background, border, outline "
                              "or shadow")
            skip.add(id(parent))
            parent = _parent_of(page_box(page), parent)
    return rows, (skip, lines)


_BORDERS = tuple(f"border_{side}_width" for side in ("top", "right", "bottom", "left"))


def _paints_itself(box: Any) -> bool:
    """Whether an inline box paints something of its own around its text, as wide as the
    text: a background (WeasyPrint leaves ``background`` None when nothing is painted), a
    border, an outline or a box shadow. (Its margins and padding alone paint nothing: they
    only move what follows, by as much for every officer, which the line rules hold.)"""
    if getattr(box, "background", None) is not None:
        return True
    if any(getattr(box, edge, 0) for edge in _BORDERS):
        return True
    style = box.style
    if style["outline_style"] != "none" and style["outline_width"]:
        return True
    return bool(style["box_shadow"]) and style["box_shadow"] != "none"


def _parent_of(root: Any, target: Any) -> Any:
    stack = [root]
    while stack:
        box = stack.pop()
        for child in getattr(box, "children", None) or []:
            if child is target:
                return box
            stack.append(child)
    return None


def _line_geometry(rows: list[dict]) -> list[tuple[float, bool]]:
    """(gap before, first on its line) of each slot."""
    result = []
    previous: dict[int, dict] = {}
    for row in rows:
        before = previous.get(row["line"])
        if before is None:
            result.append((0.0, True))
        else:
            result.append((row["x"] - before["x"] - before["width"], False))
        previous[row["line"]] = row
    return result


def _qr_rect(page_box: Any) -> tuple[float, float, float, float] | None:
    found = []

    def walk(box: Any) -> None:
        element = getattr(box, "element", None)
        if element is not None and "qr-code" in (element.get("class") or "") \
                and type(box).__name__.endswith("ReplacedBox"):
            found.append((box.content_box_x(), box.content_box_y(), box.width, box.height))
            return
        for child in getattr(box, "children", None) or []:
            walk(child)

    walk(page_box)
    return found[0] if len(found) == 1 else None


WRITTEN = (0, 2, 3)  # the pages of ``pages`` a plate needs written: B is only measured


def pages(face: Face, qr_svg: str) -> list[str]:
    """The four pages a plate is laid out on (see ``build``)."""
    a_values = face.values
    b_values = tuple(sentinel(v) for v in a_values)
    hollow = empty_svg(face.qr_svg) if face.qr_svg else ""
    return [fill(face, a_values, qr_svg, hidden=False),
            fill(face, b_values, hollow, hidden=False),
            fill(face, a_values, hollow, hidden=True),
            fill(face, a_values, hollow, hidden=False)]


def build(renderer: Any, key: str, face: Face, qr_svg: str, prune_resources: Any,
          laid: Any = None, written: tuple[Any, int] | None = None) -> Plate:
    """Lay the plate out (A, B, plate, A without its code) and read it; ``Refused`` when it
    cannot be stamped. ``qr_svg``: the first officer's code, drawn on A for the pixel check;
    ``prune_resources``: batch's, giving each page only the resources it names; ``laid``:
    the four ``pages`` already laid out (render.faces.Laid) and ``written``: the pikepdf
    PDF they were written in (A, the plate and A without its code: B is read from its
    boxes, never drawn), with other faces' pages, and the number of page A in it."""
    import io

    import pikepdf

    a_values = face.values
    b_values = tuple(sentinel(v) for v in a_values)
    if laid is None:
        laid = renderer.lay_out(pages(face, qr_svg))
        renderer.check_pages(laid, 4)
    own = None
    if written is None:
        pdf, warnings = renderer.written(laid.pages(WRITTEN))
        if warnings:
            raise Refused("WeasyPrint warned about glyphs", officer=True)
        own = pikepdf.Pdf.open(io.BytesIO(pdf))
        written = (own, 0)
    try:
        return _built(renderer, key, face, laid, written, prune_resources, (a_values, b_values))
    finally:
        if own is not None:
            own.close()


def _built(renderer: Any, key: str, face: Face, laid: Any, written: tuple[Any, int],
           prune_resources: Any, values: tuple[tuple[str, ...], tuple[str, ...]]) -> Plate:
    """``build``'s reading and checking of the laid-out and written pages."""
    from . import alone as own_page

    document = laid.document
    a_values, b_values = values
    src, page_a = written
    seen: dict[Any, tuple[shaping.FontFace, float]] = {}  # Pango font -> face, size
    card = renderer.gen.card
    rules = _Rules((card.width - card.safe) / PX_MM, renderer.featured_families())
    a_rows, a_skip = _read(document.pages[0], face, a_values, seen, rules)
    b_rows, b_skip = _read(document.pages[1], face, b_values, seen, rules)
    if _geometry(page_box(document.pages[0]), a_skip) != _geometry(page_box(document.pages[1]), b_skip):
        raise Refused("the face's other boxes move when a slot's text changes")
    _plate_rows, plate_skip = _read(document.pages[2], face, a_values, seen, rules)
    if _geometry(page_box(document.pages[0]), a_skip) != _geometry(page_box(document.pages[2]),
                                                                   plate_skip):
        raise Refused("hiding the slots moved the face")
    geometry = _line_geometry(a_rows)
    # B must land where the line rules put it
    ends: dict[int, float] = {}
    for row, b_row, (gap, first) in zip(a_rows, b_rows, geometry, strict=True):
        x = row["x"] if first else ends[row["line"]] + gap
        if abs(b_row["x"] - x) > EPSILON or abs(b_row["baseline"] - row["baseline"]) > EPSILON \
                or abs(b_row["limit"] - row["limit"]) > EPSILON:
            raise Refused(f"{row['field']}: B is not where the line rules put it")
        ends[row["line"]] = x + b_row["width"]
    qr_rect = None
    if face.qr_svg:
        qr_rect = _qr_rect(page_box(document.pages[0]))
        if qr_rect is None or _qr_rect(page_box(document.pages[2])) != qr_rect:
            raise Refused("the QR code's box is not found")
    slots = [Slot(field=row["field"], face=row["font"], size=row["size"],
                  letter_spacing=row["spacing"], language=row["lang"], color=row["color"],
                  x=row["x"], baseline=row["baseline"], gap=gap, limit=row["limit"], first=first)
             for row, (gap, first) in zip(a_rows, geometry, strict=True)]
    faces = page_faces(document.pages[2])  # known before the plate is taken out
    checked = _xobjects_named_by_content(
        prune_resources(own_page.pages(src, range(page_a, page_a + len(WRITTEN)))))
    cut, top, hidden = _cut(checked, slots)
    # the plate as a PDF of its own: its bytes (fonts listing its own text) depend neither on
    # the officer it was read with nor on the other faces written with it, so neither does
    # the output
    alone = own_page.page(src, page_a + 1)
    if alone is None:  # written alone, then taken apart the same way
        alone = _written_alone(renderer, laid.pages([2]))
    alone = _xobjects_named_by_content(prune_resources(alone))
    if _stream(alone, 0) != hidden:
        raise Refused("the plate laid out alone is drawn differently")
    plate = Plate(key=key, slots=slots, qr_rect=qr_rect, pdf=alone, page=0, cut=cut, top=top,
                  faces=faces)
    plate.checked = checked  # A, the plate, A with a hollow code: for the pixel check
    plate.document = document  # for the plate's preflight, dropped after it
    return plate


def _written_alone(renderer: Any, laid: Any) -> bytes:
    """The one page of ``laid`` written by itself, as ``alone.page`` gives it (its fonts are
    its own then, whatever face they are of)."""
    import io

    import pikepdf

    from . import alone as own_page

    pdf, _warnings = renderer.written(laid)
    with pikepdf.Pdf.open(io.BytesIO(pdf)) as src:
        found = own_page.page(src, 0, known_only=False)
    if found is None:
        raise Refused("the plate's page is not one the stamper takes apart")
    return found


_TOP = re.compile(rb"^\s*1 0 0 -1 0 (-?[\d.]+) cm")


def _stream(pdf: bytes, number: int) -> bytes:
    import io

    import pikepdf

    with pikepdf.Pdf.open(io.BytesIO(pdf)) as src:
        return _content(src.pages[number].obj)


def _content(page: Any) -> bytes:
    import pikepdf

    content = page.Contents
    parts = list(content) if isinstance(content, pikepdf.Array) else [content]
    return b"\n".join(part.read_bytes() for part in parts)


def _xobjects_named_by_content(pdf: bytes) -> bytes:
    """``pdf`` with each page's images and forms named after their bytes and entries.

    WeasyPrint names an XObject per page that draws it: a background image is ``/x1`` on
    the plate page and ``/x2`` on A, ``/x0`` on the plate written alone. The plate is cut
    where A's content adds to the plate's, and its pieces are drawn with the resources of
    the plate written alone, so all three must name the image alike. A page on which two
    different XObjects would get one name keeps its names (the plate is then refused, as
    before). The stamped card is checked against A's pixels all the same."""
    import hashlib
    import io

    import pikepdf

    def digest(xobject: Any) -> str:
        entries = sorted((k, xobject[k].unparse()) for k in xobject.keys()
                         if k not in ("/Length", "/Resources"))
        data = xobject.read_raw_bytes() if isinstance(xobject, pikepdf.Stream) else b""
        return "/X" + hashlib.sha256(repr(entries).encode() + data).hexdigest()[:16]

    with pikepdf.Pdf.open(io.BytesIO(pdf)) as src:
        changed = False
        for page in src.pages:
            resources = page.obj.get("/Resources")
            if not isinstance(resources, pikepdf.Dictionary):
                continue
            found = resources.get("/XObject")
            if not isinstance(found, pikepdf.Dictionary) or not len(found):
                continue
            names = {name: digest(xobject) for name, xobject in found.items()}
            if len(set(names.values())) != len(names):
                continue
            content = _renamed_xobjects(_content(page.obj), names)
            own = pikepdf.Dictionary({k: v for k, v in resources.items()})
            own.XObject = pikepdf.Dictionary({names[n]: x for n, x in found.items()})
            page.obj.Resources = own
            page.obj.Contents = src.make_stream(content)
            changed = True
        if not changed:
            return pdf
        out = io.BytesIO()
        src.save(out, deterministic_id=True)
        return out.getvalue()


def _renamed_xobjects(content: bytes, names: dict[str, str]) -> bytes:
    """``content`` with each ``/name Do`` of ``names`` (old -> new, slashes included)
    renamed."""

    def renamed(match: re.Match[bytes]) -> bytes:
        name = "/" + match[1].decode("latin-1")
        return names.get(name, name).encode("latin-1") + match[2]

    return re.sub(rb"/([^\s/\[\]()<>{}%]+)(\s+Do\b)", renamed, content)


def _cut(pdf: bytes, slots: list[Slot]) -> tuple[Any, float, bytes]:
    """The plate page cut where A draws its slots; the top of WeasyPrint's page matrix."""

    streams = [_stream(pdf, 1), _stream(pdf, 2)]
    match = _TOP.match(streams[0])
    if match is None:
        raise Refused("the plate page does not start as WeasyPrint's pages do")
    try:
        plate, visible = (s.decode("ascii") for s in streams)
    except UnicodeDecodeError:
        raise Refused("binary data in the plate's content stream") from None
    xy = [(num(slot.x), num(slot.baseline)) for slot in slots]
    return split.cut(plate, visible, xy), float(match[1]), streams[0]

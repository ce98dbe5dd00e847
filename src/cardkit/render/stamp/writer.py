"""Stamped faces as PDF pages: the plate as a form XObject, the slot text as glyphs of
Type 0 fonts, the QR code as rectangles straight from its matrix.

Fonts are subset once, at the end: a chunk's stamped fonts list their glyphs (``/W``, the
text map) but carry no font program yet, only the face they need (``/CardkitFace`` on the
descriptor: ``LATER``); when the chunks are merged into the job's faces (or a big job's
parts into its file) each face gets one file subset to the union of every glyph of every
font of that face (``embed_face_files``, ``job_fonts``)."""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from . import shaping

# what WeasyPrint keeps out of its subsets (weasyprint/pdf/fonts.py)
_DROPPED = (b"BASE", b"DSIG", b"EBDT", b"EBLC", b"EBSC", b"GPOS", b"GSUB", b"JSTF", b"LTSH",
            b"PCLT", b"SVG ")


def num(value: float) -> str:
    """A number as pydyf writes it (WeasyPrint's stream writer)."""
    if float(value).is_integer():
        return str(int(value))
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def color_op(color: Any, stroke: bool = False) -> str:
    """``rg``/``k`` for an sRGB or device-cmyk colour (tinycss2), as WeasyPrint sets it."""
    if color.space == "device-cmyk":
        return " ".join(num(v) for v in color.coordinates) + (" K" if stroke else " k")
    return " ".join(num(v) for v in color.to("srgb").coordinates) + (" RG" if stroke else " rg")


@dataclass
class Run:
    """One slot's text as placed for one officer."""

    slot: Any  # plates.Slot
    shaped: shaping.Shaped
    x: float
    text: str


@dataclass
class Stamp:
    """What goes on a plate for one officer's face."""

    plate: Any  # plates.Plate
    runs: list[Run]
    qr: Any = None  # qr.QrGraphic with its matrix

    def key(self) -> str:
        """What makes two stamped faces print the same."""
        parts = [self.plate.key, *(r.text for r in self.runs), self.qr.payload if self.qr else ""]
        return hashlib.sha256("\x00stamp\x00".join(parts).encode()).hexdigest()


_DARK_RUN = re.compile(b"\x01+")
_NUMBERS = tuple(str(n) for n in range(256))  # module counts of a code (177 + quiet zones)


def qr_ops(rect: tuple[float, float, float, float], matrix: tuple[bytes, ...], dark: str,
           light: str, quiet: int) -> str:
    """The code as WeasyPrint draws cardkit's SVG of it: the ground, then one rectangle per
    run of dark modules (CSS px, y down)."""
    n = len(matrix)
    total = n + 2 * quiet
    x, y, w, _h = rect
    ops = [f"q 1 0 0 1 {num(x)} {num(y)} cm {num(w / total)} 0 0 {num(w / total)} 0 0 cm",
           f"{light} 0 0 {total} {total} re f {dark}"]
    for y, row in enumerate(matrix):  # numbers from a table: a code has about 300 runs
        at_y = " " + _NUMBERS[y + quiet] + " "
        for run in _DARK_RUN.finditer(row):
            start, end = run.span()
            ops.append(_NUMBERS[start + quiet] + at_y + _NUMBERS[end - start] + " 1 re")
    ops.append("f Q")
    return "\n".join(ops)


class Writer:
    """Appends stamped faces to one pikepdf document; ``finish`` fills in the fonts."""

    def __init__(self, pdf: Any) -> None:
        self.pdf = pdf
        self.plates: dict[str, tuple[Any, Any, Any]] = {}  # key -> (forms, resources, boxes)
        self.fonts: dict[str, tuple[str, Any, dict[int, str]]] = {}  # face key -> (name, dict, used)
        self.widths: dict[str, dict[int, int]] = {}  # face key -> glyph -> PDF width

    def _plate(self, plate: Any) -> tuple[Any, Any, Any]:
        """The plate's pieces as form XObjects in this document, made once."""
        import pikepdf

        if plate.key not in self.plates:
            with pikepdf.Pdf.open(io.BytesIO(plate.pdf)) as src:
                page = src.pages[plate.page].obj
                resources = self.pdf.copy_foreign(src.make_indirect(page.Resources))
                group = self.pdf.copy_foreign(src.make_indirect(page.Group)) if "/Group" in page \
                    else None
                boxes = {box: pikepdf.Array([float(v) for v in page[box]])
                         for box in ("/MediaBox", "/TrimBox", "/BleedBox") if box in page}
            forms = []
            for piece in plate.cut.pieces:
                form = self.pdf.make_stream(piece.encode("ascii"))
                form.Type = pikepdf.Name.XObject
                form.Subtype = pikepdf.Name.Form
                form.BBox = boxes["/MediaBox"]
                form.Resources = resources
                if group is not None:
                    form.Group = group
                forms.append(form)
            self.plates[plate.key] = (forms, resources, boxes)
        return self.plates[plate.key]

    def _font(self, face: shaping.FontFace) -> tuple[str, Any, dict[int, str]]:
        import pikepdf

        if face.key not in self.fonts:
            name = f"/S{len(self.fonts)}"
            self.fonts[face.key] = (name, self.pdf.make_indirect(pikepdf.Dictionary()), {})
        return self.fonts[face.key]

    def page(self, stamp: Stamp) -> None:
        import pikepdf

        forms, plate_resources, boxes = self._plate(stamp.plate)
        fonts = pikepdf.Dictionary()
        runs = {n: run for n, run in enumerate(stamp.runs)}
        ops: list[str] = []
        for number, _form in enumerate(forms):
            ops.append(f"/P{number} Do")
            if number == len(stamp.plate.cut.groups):
                break
            prefix, template, closing = stamp.plate.cut.groups[number]
            ops += ["q", prefix] if prefix else ["q"]
            for item in template:
                if not isinstance(item, int):
                    ops.append(item)
                    continue
                run = runs[item]
                name, font, used = self._font(run.slot.face)
                fonts[name] = font
                for glyph, text in zip(run.shaped.glyphs, run.shaped.texts, strict=True):
                    if glyph not in used:
                        used[glyph] = text
                widths = self.widths.setdefault(run.slot.face.key, {})
                ops.append(f"1 0 0 -1 {num(run.x)} {num(run.slot.baseline)} Tm\n"
                           f"{name} {num(run.slot.size)} Tf\n"
                           f"{shaping.tj(run.slot.face, run.shaped, widths)} TJ")
            ops += [closing, "Q"] if closing else ["Q"]
        if stamp.qr is not None:
            plate = stamp.plate
            ops += [f"q 1 0 0 -1 0 {num(plate.top)} cm 0.75 0 0 0.75 0 0 cm",
                    qr_ops(plate.qr_rect, stamp.qr.matrix, plate.qr_dark, plate.qr_light,
                           plate.qr_quiet), "Q"]
        resources = pikepdf.Dictionary({k: v for k, v in plate_resources.items()
                                        if k in ("/ExtGState", "/ColorSpace")})
        resources.XObject = pikepdf.Dictionary({f"/P{n}": form for n, form in enumerate(forms)})
        if len(fonts):
            resources.Font = fonts
        obj = pikepdf.Dictionary(Type=pikepdf.Name.Page, Resources=resources,
                                 Contents=self.pdf.make_stream("\n".join(ops).encode("ascii")),
                                 **{k[1:]: v for k, v in boxes.items()})
        self.pdf.pages.append(pikepdf.Page(obj))

    def finish(self, embed: bool = False, files: dict[str, Any] | None = None) -> None:
        """Fill each font's dictionary with the glyphs of every page written; with ``embed``
        its file subset to them (or the face's stream in ``files``: ``face_files``), else a
        font file to come (``LATER``: the chunk's fonts are subset once the job's glyphs are
        known)."""
        files = files or {}
        for key, (_name, font, used) in self.fonts.items():
            face = next(f for f in _faces() if f.key == key)
            stream = files[key] if key in files \
                else font_file(self.pdf, face, set(used)) if embed else None
            _fill_font(self.pdf, font, face, used, self.widths[key], stream)

    def font_info(self) -> dict[str, tuple[str, dict[int, str], dict[int, int]]]:
        """After ``finish``: each font's BaseFont -> (face key, glyphs used, their widths), for
        ``merge_fonts`` when this chunk's pages join others."""
        return {str(font.BaseFont): (key, dict(used), dict(self.widths[key]))
                for key, (_name, font, used) in self.fonts.items()}


FontInfo = dict[str, tuple[str, dict[int, str], dict[int, int]]]  # BaseFont -> key, glyphs, widths

def remember(info: FontInfo) -> None:
    """In the parent: every stamped font the job's chunks and parts embed (``jobstate``).
    The parts of a big job are concatenated by ``pdf.concat``, which puts one font per face
    in place of them all (``job_fonts``)."""
    from ...jobstate import current

    current().face_fonts.update(info)


def _union(infos: list[FontInfo]) -> tuple[dict[str, str], dict[str, dict[int, str]],
                                            dict[str, dict[int, int]]]:
    """BaseFont -> face key, and per face key every glyph used with its text and width,
    for the faces known in this process."""
    faces = {f.key for f in _faces()}
    by_base: dict[str, str] = {}
    used: dict[str, dict[int, str]] = {}
    widths: dict[str, dict[int, int]] = {}
    for info in infos:
        for base, (key, glyphs, pdf_widths) in info.items():
            if key not in faces:
                continue  # not known here: that font stays as it is
            by_base[base] = key
            for glyph, text in glyphs.items():
                used.setdefault(key, {}).setdefault(glyph, text)
            widths.setdefault(key, {}).update(pdf_widths)
    return by_base, used, widths


def job_fonts(glyphs: dict[str, set[int]]) -> tuple[dict[str, str], Any]:
    """For concatenating a job's parts: BaseFont -> face key of every stamped font, and a
    document holding, per face key, one font file subset to ``glyphs`` (every glyph the
    parts' fonts of that face use: ``face_glyphs``) in ``Root.CardkitFiles``, and one
    stamped font drawing from it in ``Root.CardkitFonts`` (the caller copies what it uses)."""
    import pikepdf

    from ...jobstate import current

    by_base, used, widths = _union([current().face_fonts])
    faces = {f.key: f for f in _faces()}
    pdf = pikepdf.Pdf.new()
    files, fonts = pikepdf.Dictionary(), pikepdf.Dictionary()
    for key in sorted(set(glyphs) | set(used)):
        files[font_name(key)] = font_file(pdf, faces[key], glyphs.get(key, set()) | set(used.get(key, {})))
    for key in sorted(used):
        font = pdf.make_indirect(pikepdf.Dictionary())
        _fill_font(pdf, font, faces[key], used[key], widths[key], files[font_name(key)])
        fonts[font_name(key)] = font
    pdf.Root.CardkitFonts = fonts
    pdf.Root.CardkitFiles = files
    return by_base, pdf


def face_of_cid_font(obj: Any, by_name: dict[str, str]) -> str | None:
    """The face key of a CID font whose glyph ids are the face's own (``Identity``), whose
    ``/W`` lists every glyph it uses and whose descriptor lists none (``CIDSet``): such fonts
    may share one file per face."""
    import pikepdf

    if not isinstance(obj, pikepdf.Dictionary) or obj.get("/Type") != "/Font" \
            or obj.get("/Subtype") not in ("/CIDFontType0", "/CIDFontType2") \
            or obj.get("/CIDToGIDMap") != "/Identity":
        return None
    descriptor = obj.get("/FontDescriptor")
    if descriptor is None or "/CIDSet" in descriptor or not obj.get("/W"):
        return None  # no /W: the glyphs it uses are not listed, it keeps its own file
    return by_name.get(str(descriptor.get("/FontName", "")).partition("+")[2])


def faces_by_name() -> dict[str, str]:
    """``pdf_font_name`` -> face key, for the plain faces known here (``FontFace.plain``).
    A name that is empty or that two faces share (``黑体`` and ``宋体`` both lose every
    letter) names no face: such fonts keep their own file."""
    names: dict[str, list[str]] = {}
    for face in _faces():
        names.setdefault(pdf_font_name(face.key), []).append(face.key if face.plain else "")
    return {name: keys[0] for name, keys in names.items()
            if re.search(r"[A-Za-z]", name) and len(keys) == 1 and keys[0]}


def font_name(key: str) -> str:
    """The name ``job_fonts`` files a face key's font under."""
    return "/" + hashlib.sha256(key.encode()).hexdigest()[:16]


def merge_fonts(pdf: Any, infos: list[FontInfo], embed: bool = True) -> None:
    """The chunks of a job (or part) as one document (``batch.merge_chunks``): each face's
    stamped fonts become one, and with ``embed`` every font of a face draws from one file
    subset once to every glyph of the document (``embed_face_files``; glyph ids are kept, so
    the pages' ``TJ`` arrays stay as they are). Without, the files of those fonts are to
    come (a part of a big job: ``pdf.concat`` subsets each face once for the job:
    ``defer_face_files``)."""
    import pikepdf

    faces = {f.key: f for f in _faces()}
    by_base, used, widths = _union(infos)
    merged: dict[str, Any] = {}
    for key in sorted(used):  # their file comes with the face's (``embed_face_files``)
        merged[key] = pdf.make_indirect(pikepdf.Dictionary())
        _fill_font(pdf, merged[key], faces[key], used[key], widths[key], None)
    remember({str(font.BaseFont): (key, used[key], widths[key]) for key, font in merged.items()})
    for page in pdf.pages:
        fonts = page.obj.get("/Resources", {}).get("/Font")
        if fonts is None:
            continue
        for name, font in list(fonts.items()):
            face_key = by_base.get(str(font.get("/BaseFont", "")))
            if face_key is not None:
                fonts[name] = merged[face_key]
    if embed:
        embed_face_files(pdf)
    else:
        defer_face_files(pdf)


def pdf_font_name(key: str) -> str:
    """A face's PostScript-like name, as WeasyPrint and ``_fill_font`` write it after the
    subset tag: ``Noto-Sans-CJK-SC-Bold``."""
    return re.sub(r"[^A-Za-z0-9-]", "", key.replace(" ", "-"))


def face_glyphs(pdf: Any) -> tuple[dict[str, set[int]], dict[str, list[Any]]]:
    """Per face key (of the faces known here): every glyph id the document's CID fonts of
    that face use (from their widths), and their font descriptors (``face_of_cid_font``
    says which fonts count; the others keep their own file)."""
    by_name = faces_by_name()
    glyphs: dict[str, set[int]] = {}
    descriptors: dict[str, list[Any]] = {}
    for obj in pdf.objects:
        key = face_of_cid_font(obj, by_name)
        if key is not None:
            glyphs.setdefault(key, set()).update(_glyphs_of(obj.get("/W", [])))
            descriptors.setdefault(key, []).append(obj.FontDescriptor)
    return glyphs, descriptors


def face_files(src: Any, pdf: Any, keys: set[str]) -> dict[str, tuple[Any, set[int]]]:
    """Per face key of ``keys``: the font file WeasyPrint embedded for that face in ``src``
    (a subset of it, glyph ids kept), copied into ``pdf`` (read from ``src`` when ``pdf`` is
    saved), and the glyphs the fonts drawing from that file list (``/W``): what it draws.
    A glyph not among them may be absent from the file, and draws nothing."""
    by_name = faces_by_name()
    chosen: dict[str, Any] = {}
    drawn: dict[str, set[int]] = {}
    for obj in src.objects:
        key = face_of_cid_font(obj, by_name)
        if key not in keys:
            continue
        descriptor = obj.FontDescriptor
        stream = next((descriptor[e] for e in ("/FontFile2", "/FontFile3", "/FontFile")
                       if e in descriptor), None)
        if stream is None:
            continue
        if chosen.setdefault(key, stream).objgen == stream.objgen:
            drawn.setdefault(key, set()).update(_glyphs_of(obj.get("/W", [])))
    return {key: (pdf.copy_foreign(stream), drawn[key]) for key, stream in chosen.items()}


def _glyphs_of(w_array: Any) -> set[int]:
    """The glyph ids a ``/W`` array gives widths for."""
    found: set[int] = set()
    for first, count, _widths in _w_runs(w_array):
        found.update(range(first, first + count))
    return found


def _widths_of(w_array: Any) -> dict[int, Any]:
    """Glyph id -> width of a ``/W`` array."""
    import pikepdf

    found: dict[int, Any] = {}
    for first, count, widths in _w_runs(w_array):
        if isinstance(widths, pikepdf.Array):
            found.update(zip(range(first, first + count), widths, strict=True))
        else:
            found.update(dict.fromkeys(range(first, first + count), widths))
    return found


def _w_runs(w_array: Any) -> Iterator[tuple[int, int, Any]]:
    """The runs of a ``/W`` array: (first glyph, how many, their widths: an array, or the
    one width of a ``c1 c2 w`` run)."""
    import pikepdf

    items = list(w_array)
    at = 0
    while at < len(items):
        first = int(items[at])
        if at + 1 < len(items) and isinstance(items[at + 1], pikepdf.Array):
            yield first, len(items[at + 1]), items[at + 1]
            at += 2
        else:
            yield first, int(items[at + 1]) + 1 - first, items[at + 2]
            at += 3


def _w_array(widths: dict[int, Any]) -> list:
    """``widths`` as a ``/W`` array, runs of consecutive glyphs in one ``c [w ...]`` each."""
    w_array: list = []
    for glyph in sorted(widths):
        if glyph - 1 not in widths:
            w_array += [glyph, []]
        w_array[-1].append(widths[glyph])
    return w_array


def space_of(face: shaping.FontFace) -> tuple[int, int] | None:
    """The face's space glyph and its PDF width (as ``shaping.tj`` gives glyphs theirs), or
    ``None`` if it has none."""
    font = face.font(face.upem)
    glyph = font.get_nominal_glyph(0x20)
    if not glyph:
        return None
    return glyph, round(font.get_glyph_h_advance(glyph) * 1000 / face.upem)


def settle_fonts(pdf: Any) -> None:
    """What each font's glyphs read as is the same in every document, whoever else is in it.

    - Every font lists its face's space glyph, in its ``/W`` and its ``ToUnicode``, whether
      or not the document draws it (the face known here, or as the layout that embedded the
      font found it: ``internals.font_spaces``). A text extractor (pdfium, and so
      copy and search in viewers) guesses a space between two letters from their gap and
      the font's space width, or from a fallback when the font lists no space: the band's
      letter-spaced "警 民 联 系 卡" read "警民联系卡" from a font whose document drew no
      space (a plate's, or a chunk without a bold number).
    - A glyph drawn for a letter the font maps to another glyph reads as the font's own
      letter (``letters``: under small-caps, "Wolff" reads "WOLFF", not "WoLff" after a
      "Lan").

    Only the lists change: no glyph is drawn, so the pixels are the same."""
    import pikepdf

    from ...jobstate import current
    from .letters import Letters, settled_map

    by_name = faces_by_name()
    faces = {f.key: f for f in _faces()}
    spaces = current().font_spaces  # of the faces not known here, as the layouts found them
    programs: dict[tuple[int, int], Letters | None] = {}
    for font in pdf.objects:
        if not isinstance(font, pikepdf.Dictionary) or font.get("/Subtype") != "/Type0" \
                or not font.get("/DescendantFonts") or "/ToUnicode" not in font:
            continue
        cid_font = font.DescendantFonts[0]
        if cid_font.get("/CIDToGIDMap") != "/Identity":
            continue  # its codes are not glyph ids
        key = face_of_cid_font(cid_font, by_name)
        if key is not None:
            letters, space = faces[key].letters(), space_of(faces[key])
        else:
            letters = _program_letters(cid_font, programs)
            space = spaces.get(str(cid_font.get("/BaseFont", "")).partition("+")[2])
        original = cmap = font.ToUnicode.read_bytes()
        if space is not None:
            cmap = _list_space(cid_font, cmap, *space)
        if letters is not None:
            cmap = settled_map(cmap, letters)
        if cmap != original:
            font.ToUnicode = _compressed(pdf, cmap)


def _program_letters(cid_font: Any, programs: dict) -> Any:
    """``letters.Letters`` of the font file ``cid_font`` embeds (read once per file into
    ``programs``), or None without one or when HarfBuzz cannot read it."""
    import pikepdf

    from .letters import Letters

    descriptor = cid_font.get("/FontDescriptor")
    stream = next((descriptor[e] for e in ("/FontFile2", "/FontFile3", "/FontFile")
                   if isinstance(descriptor.get(e), pikepdf.Stream)), None) \
        if descriptor is not None else None
    if stream is None:
        return None
    if stream.objgen not in programs:
        try:
            programs[stream.objgen] = Letters.of_program(stream.read_bytes())
        except Exception:  # noqa: BLE001 - a program HarfBuzz cannot read keeps its map
            programs[stream.objgen] = None
    return programs[stream.objgen]


def _list_space(cid_font: Any, cmap: bytes, glyph: int, width: int) -> bytes:
    """The space ``glyph`` of ``width`` added to ``cid_font``'s ``/W``, and its ``ToUnicode``
    ``cmap`` with it (unless a glyph reads as a space already, or that one reads otherwise)."""
    import pikepdf

    if re.search(f"^<{glyph:04x}>[ \t]".encode(), cmap, re.M | re.I):
        return cmap  # drawn: listed in /W too (every writer lists what it draws in both)
    widths = _widths_of(cid_font.W)
    if glyph not in widths:
        widths[glyph] = width
        cid_font.W = pikepdf.Array(_w_array(widths))
    if re.search(rb"^<[0-9a-fA-F]+>[ \t]*<0020>[ \t]*$", cmap, re.M):
        return cmap
    return cmap.replace(b"endcmap", f"1 beginbfchar\n<{glyph:04x}> <0020>\nendbfchar\n"
                        "endcmap".encode(), 1)


def font_file(pdf: Any, face: shaping.FontFace, glyphs: set[int]) -> Any:
    """``face`` subset to ``glyphs`` as a compressed font-file stream of ``pdf``."""
    import pikepdf

    data = subset(face, glyphs)
    stream = _compressed(pdf, data)
    if data[:4] == b"OTTO":
        stream.Subtype = pikepdf.Name.OpenType
    else:
        stream.Length1 = len(data)
    return stream


def file_entry(stream: Any) -> str:
    return "/FontFile3" if stream.get("/Subtype") == "/OpenType" else "/FontFile2"


def embed_face_files(pdf: Any) -> None:
    """Every font of a face (the plates' and backs' as WeasyPrint embedded them, the stamped
    text's) draws from one file subset to all their glyphs: glyph ids are kept, so each
    font keeps its own widths and text map. A stamped font whose face shares no file (its
    name is not the face's alone: ``faces_by_name``) gets a file subset to its own glyphs.
    Other font files with the same bytes become one."""

    glyphs, descriptors = face_glyphs(pdf)
    faces = {f.key: f for f in _faces()}
    for key in sorted(glyphs):
        stream = font_file(pdf, faces[key], glyphs[key])
        for descriptor in descriptors[key]:
            for entry in ("/FontFile", "/FontFile2", "/FontFile3", LATER):
                if entry in descriptor:
                    del descriptor[entry]
            descriptor[file_entry(stream)] = stream
    # the stamped fonts are the pages' own (those of the chunks they replaced are not)
    embed_own_files(pdf, [font for page in pdf.pages for font in
                          (page.obj.get("/Resources", {}).get("/Font") or {}).values()])
    share_font_files(pdf)


def defer_face_files(pdf: Any) -> None:
    """A part of a big job: the fonts of a face that ``embed_face_files`` would give one file
    drop their program (WeasyPrint's subsets), and name the face whose file comes when the
    parts are merged (``LATER``: ``pdf.concat`` subsets it once for the job). Other font
    files with the same bytes become one."""
    import pikepdf

    for key, found in face_glyphs(pdf)[1].items():
        for descriptor in found:
            for entry in ("/FontFile", "/FontFile2", "/FontFile3"):
                if entry in descriptor:
                    del descriptor[entry]
            descriptor[LATER] = pikepdf.String(key)
    share_font_files(pdf)


def embed_own_files(pdf: Any, fonts: list[Any]) -> None:
    """Those of ``fonts`` (Type 0 fonts) whose file is still to come (``LATER``) get their
    face subset to their own glyphs, and are named after it."""
    import pikepdf

    faces = {f.key: f for f in _faces()}
    for font in fonts:
        cid_font = font.DescendantFonts[0] if "/DescendantFonts" in font else font
        descriptor = cid_font.get("/FontDescriptor")
        if descriptor is None or LATER not in descriptor:
            continue
        stream = font_file(pdf, faces[str(descriptor[LATER])], _glyphs_of(cid_font.W))
        del descriptor[LATER]
        descriptor[file_entry(stream)] = stream
        name = pikepdf.Name(retagged(str(descriptor.FontName), subset_tag(stream.read_raw_bytes())))
        descriptor.FontName = cid_font.BaseFont = font.BaseFont = name


LATER = "/CardkitFace"  # a font descriptor's face, whose file comes at the end


def share_font_files(pdf: Any) -> None:
    """Font descriptors whose font file has the same bytes point to one stream."""
    import pikepdf

    first: dict[str, Any] = {}
    for obj in pdf.objects:
        if not isinstance(obj, pikepdf.Dictionary) or obj.get("/Type") != "/FontDescriptor":
            continue
        for entry in ("/FontFile2", "/FontFile3", "/FontFile"):
            stream = obj.get(entry)
            if not isinstance(stream, pikepdf.Stream):
                continue
            digest = hashlib.sha256(entry.encode() + stream.read_raw_bytes()
                                    + repr(sorted((k, str(v)) for k, v in stream.items()
                                                  if k != "/Length")).encode()).hexdigest()
            if digest in first:
                obj[entry] = first[digest]
            else:
                first[digest] = stream


def _faces():
    return shaping.font_faces().values()


def subset(face: shaping.FontFace, glyphs: set[int]) -> bytes:
    """The font reduced to ``glyphs`` (ids kept), as WeasyPrint subsets with HarfBuzz."""
    import uharfbuzz as hb

    inp = hb.SubsetInput()
    inp.glyph_set.update({0, *glyphs})
    for tag in _DROPPED:
        inp.drop_table_tag_set.add(int.from_bytes(tag, "big"))
    inp.flags = (hb.SubsetFlags.RETAIN_GIDS | hb.SubsetFlags.PASSTHROUGH_UNRECOGNIZED
                 | hb.SubsetFlags.DESUBROUTINIZE | hb.SubsetFlags.NO_HINTING)
    result = hb.subset(face.hb_face, inp)
    if result is None:
        raise ValueError(f"cannot subset {face.family}")
    return result.blob.data


def _fill_font(pdf: Any, font: Any, face: shaping.FontFace, used: dict[int, str],
               pdf_widths: dict[int, int], stream: Any = None) -> None:
    """``font`` made the Type 0 font of ``used`` (glyph -> text) drawing from the font file
    ``stream``, or from one to come (``None``: ``LATER``)."""
    import pikepdf

    # named after the face (Pango's description: "Noto Sans CJK SC Bold"), as WeasyPrint names
    # it, with the tag of the program it embeds (``subset_tag``), or until there is one, of
    # the face and glyphs it will embed
    program = stream.read_raw_bytes() if stream is not None \
        else f"{face.key}\x00{sorted(used)}".encode()
    base = pikepdf.Name("/" + subset_tag(program) + "+" + pdf_font_name(face.key))
    hb_font = face.font(face.upem)
    extents = hb_font.get_font_extents("ltr")
    ascent = round(extents.ascender * 1000 / face.upem)
    descent = round(extents.descender * 1000 / face.upem)
    space = space_of(face)  # listed whether drawn or not (``settle_fonts``)
    if space is not None and space[0] not in used:
        used, pdf_widths = {**used, space[0]: " "}, {**pdf_widths, space[0]: space[1]}
    letters = face.letters()
    used = {glyph: letters.text_of(glyph, text) for glyph, text in used.items()}
    widths = {g: pdf_widths[g] for g in sorted(used)}
    cff = bool({"CFF ", "CFF2"} & set(getattr(face.hb_face, "table_tags", ())))  # OpenType
    descriptor = pdf.make_indirect(pikepdf.Dictionary(
        Type=pikepdf.Name.FontDescriptor, FontName=base, FontFamily=pikepdf.String(face.family),
        Flags=4, FontBBox=[0, descent, max(widths.values(), default=0), ascent], ItalicAngle=0,
        Ascent=ascent, Descent=descent, CapHeight=ascent, StemV=80, StemH=80))
    if stream is None:
        descriptor[LATER] = pikepdf.String(face.key)
    else:
        descriptor[file_entry(stream)] = stream
    w_array = _w_array(widths)
    cid_font = pdf.make_indirect(pikepdf.Dictionary(
        Type=pikepdf.Name.Font,
        Subtype=pikepdf.Name("/CIDFontType0" if cff else "/CIDFontType2"),
        BaseFont=base, CIDSystemInfo=pikepdf.Dictionary(
            Registry=pikepdf.String("Adobe"), Ordering=pikepdf.String("Identity"), Supplement=0),
        CIDToGIDMap=pikepdf.Name.Identity, W=w_array, FontDescriptor=descriptor))
    font.Type = pikepdf.Name.Font
    font.Subtype = pikepdf.Name.Type0
    font.BaseFont = base
    font.Encoding = pikepdf.Name("/Identity-H")
    font.DescendantFonts = [cid_font]
    font.ToUnicode = _compressed(pdf, to_unicode(used))


def _compressed(pdf: Any, data: bytes) -> Any:
    import zlib

    import pikepdf

    stream = pdf.make_stream(zlib.compress(data, 6))
    stream.Filter = pikepdf.Name.FlateDecode
    return stream


def to_unicode(used: dict[int, str]) -> bytes:
    lines = [b"/CIDInit /ProcSet findresource begin", b"12 dict begin", b"begincmap",
             b"/CIDSystemInfo", b"<< /Registry (Adobe)", b"/Ordering (UCS)", b"/Supplement 0",
             b">> def", b"/CMapName /Adobe-Identity-UCS def", b"/CMapType 2 def",
             b"1 begincodespacerange", b"<0000> <ffff>", b"endcodespacerange"]
    items = sorted((g, t) for g, t in used.items() if t)
    for start in range(0, len(items), 100):
        batch = items[start:start + 100]
        lines.append(f"{len(batch)} beginbfchar".encode())
        lines += [f"<{g:04x}> <{t.encode('utf-16-be').hex()}>".encode() for g, t in batch]
        lines.append(b"endbfchar")
    lines += [b"endcmap", b"CMapName currentdict /CMap defineresource pop", b"end", b"end"]
    return b"\n".join(lines)


# --- names and resources of the finished document ---------------------------------------------

def subset_tag(font_program: bytes) -> str:
    """A subset's six-letter tag from the bytes of the font program it embeds: two different
    subsets never share a name (a RIP that caches fonts by name across ganged jobs would draw
    one job's text from the other's glyphs), and one subset always has the same name."""
    digest = hashlib.sha256(font_program).digest()
    return "".join(chr(65 + b % 26) for b in digest[:6])


def retagged(name: str, tag: str) -> str:
    """``name`` (``/ABCDEF+Noto-Sans-CJK-SC``, or untagged) with the subset tag ``tag``."""
    plain = name[1:] if name.startswith("/") else name
    if len(plain) > 7 and plain[6] == "+" and plain[:6].isupper():
        plain = plain[7:]
    return f"/{tag}+{plain}"


def name_subsets(pdf: Any) -> None:
    """Every embedded font named after its own program (``subset_tag``): the descriptor's
    FontName, and the BaseFont of the fonts drawing from it (a Type 0 font's too)."""
    import pikepdf

    renamed: dict[tuple[int, int], str] = {}  # descriptor -> its new name
    for obj in pdf.objects:
        if not isinstance(obj, pikepdf.Dictionary) or obj.get("/Type") != "/FontDescriptor":
            continue
        stream = next((obj[e] for e in ("/FontFile2", "/FontFile3", "/FontFile")
                       if isinstance(obj.get(e), pikepdf.Stream)), None)
        if stream is None or "/FontName" not in obj:
            continue
        name = retagged(str(obj.FontName), subset_tag(stream.read_raw_bytes()))
        obj.FontName = pikepdf.Name(name)
        renamed[obj.objgen] = name
    for obj in pdf.objects:
        if not isinstance(obj, pikepdf.Dictionary) or obj.get("/Type") != "/Font":
            continue
        target: Any = obj
        if obj.get("/Subtype") == "/Type0" and obj.get("/DescendantFonts"):
            target = obj.DescendantFonts[0]
        descriptor = target.get("/FontDescriptor")
        if descriptor is None or descriptor.objgen not in renamed:
            continue
        obj.BaseFont = pikepdf.Name(renamed[descriptor.objgen])
        if target is not obj:
            target.BaseFont = pikepdf.Name(renamed[descriptor.objgen])


_RESOURCE_NAME = re.compile(rb"/([^\s/\[\]()<>{}%]+)")


def drop_unpainted_color_spaces(pdf: Any) -> None:
    """A page's or form's ``/ColorSpace`` resources that its content never names go: a
    document declares no colour space that nothing paints (WeasyPrint lists every space
    it knows, Lab among them, in every resource dictionary)."""
    import pikepdf

    holders = [page.obj for page in pdf.pages]
    holders += [obj for obj in pdf.objects if isinstance(obj, pikepdf.Stream)
                and obj.get("/Subtype") == "/Form"]
    for holder in holders:
        resources = holder.get("/Resources")
        if not isinstance(resources, pikepdf.Dictionary):
            continue
        spaces = resources.get("/ColorSpace")
        if not isinstance(spaces, pikepdf.Dictionary):
            continue
        if isinstance(holder, pikepdf.Stream):
            data = holder.read_bytes()
        else:
            content = holder.get("/Contents")
            parts = list(content) if isinstance(content, pikepdf.Array) else [content]
            data = b"\n".join(p.read_bytes() for p in parts if p is not None)
        named = {"/" + n.decode("latin-1") for n in _RESOURCE_NAME.findall(data)}
        for form in (resources.get("/XObject") or {}).values():  # a form that has no resources
            if isinstance(form, pikepdf.Stream) and form.get("/Subtype") == "/Form" \
                    and "/Resources" not in form:  # paints with these
                named |= {"/" + n.decode("latin-1")
                          for n in _RESOURCE_NAME.findall(form.read_bytes())}
        kept = {k: v for k, v in spaces.items() if k in named}
        if len(kept) == len(spaces):
            continue
        own = pikepdf.Dictionary({k: v for k, v in resources.items()})
        if kept:
            own.ColorSpace = pikepdf.Dictionary(kept)
        else:
            del own["/ColorSpace"]
        holder.Resources = own

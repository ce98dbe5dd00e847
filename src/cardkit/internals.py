"""The one place cardkit uses WeasyPrint's private internals.

Preflight, the list fitter and the plate reader read WeasyPrint's laid-out box tree (the
page box of a ``Page``), and the plate reader asks Pango which font and glyphs it chose
for a text box (WeasyPrint's cffi bindings and font helpers). None of this is WeasyPrint's
public API, so it is used only through the functions here, for the WeasyPrint versions in
``SUPPORTED`` (pyproject.toml says the same), and ``tests/unit/test_internals.py`` names
the internal that changed when a new WeasyPrint moves one.
"""

from __future__ import annotations

import ctypes
import functools
import os
from dataclasses import dataclass
from typing import Any

SUPPORTED = (68, 71)  # WeasyPrint major versions: from the first, below the second

# (module, attribute) of every internal used here
INTERNALS = (
    ("weasyprint.document", "Page._page_box"),
    ("weasyprint.document", "Document.fonts"),
    ("weasyprint.pdf.fonts", "Font.hb_face"),
    ("weasyprint.pdf.fonts", "Font.name"),
    ("weasyprint.layout.absolute", "AbsolutePlaceholder._box"),
    ("weasyprint.text.ffi", "ffi"),
    ("weasyprint.text.ffi", "pango"),
    ("weasyprint.text.ffi", "harfbuzz"),
    ("weasyprint.text.fonts", "get_pango_font_key"),
    ("weasyprint.text.fonts", "get_pango_font_hb_face"),
    ("weasyprint.text.fonts", "get_hb_object_data"),
    ("weasyprint.text.line_break", "Layout.reactivate"),
    ("weasyprint.text.line_break", "Layout.deactivate"),
    ("weasyprint.text.line_break", "Layout.get_first_line"),
)


def page_box(page: Any) -> Any:
    """The root of a laid-out page's box tree."""
    return page._page_box


def placed_box(box: Any) -> Any:
    """The box an ``AbsolutePlaceholder`` stands for (an absolutely positioned box), or
    ``box`` itself."""
    return box._box if type(box).__name__ == "AbsolutePlaceholder" else box


def first_line_run(box: Any) -> tuple[Any, list[tuple[int, int, int]], bool, bool]:
    """For a text box: Pango's font of its first run, that run's (glyph, width, x offset)
    in Pango units, whether the text takes more than one line, and whether it is set in
    more than one run."""
    from weasyprint.text.ffi import ffi

    box.pango_layout.reactivate(box.style)
    try:
        line, index = box.pango_layout.get_first_line()
        run = line.runs[0]
        if run == ffi.NULL:
            return None, [], index is not None, True
        item = run.data
        glyphs = item.glyphs
        found = [(glyphs.glyphs[i].glyph, glyphs.glyphs[i].geometry.width,
                  glyphs.glyphs[i].geometry.x_offset) for i in range(glyphs.num_glyphs)]
        raised = any(glyphs.glyphs[i].geometry.y_offset for i in range(glyphs.num_glyphs))
        if raised:
            found = []
        return item.item.analysis.font, found, index is not None, run.next != ffi.NULL
    finally:
        box.pango_layout.deactivate()


@dataclass(frozen=True)
class PangoFontFile:
    """What ``font_file`` tells of a Pango font, without copying its file's bytes."""

    key: str  # Pango's description without size
    family: str
    index: int  # of the face in its file
    size: float  # CSS px
    origin: tuple[int, int]  # address and length of the bytes HarfBuzz holds: one per file
    hb_face: Any  # HarfBuzz's face (a cffi pointer, alive while Pango's font map is)

    def data(self) -> bytes:
        """The font file's bytes (a copy: 16 MiB for a CJK collection)."""
        from weasyprint.text.fonts import get_hb_object_data

        return bytes(get_hb_object_data(self.hb_face))


def font_file(pango_font: Any) -> PangoFontFile:
    """Pango's description of ``pango_font`` (without size), its family, the face index
    and where the bytes of the font file it draws from lie, and its size in CSS px."""
    from weasyprint.text.ffi import ffi, harfbuzz, pango
    from weasyprint.text.fonts import get_pango_font_hb_face, get_pango_font_key

    _hash, description, size = get_pango_font_key(pango_font)
    key = ffi.string(pango.pango_font_description_to_string(description)).decode()
    family = ffi.string(pango.pango_font_description_get_family(description)).decode()
    hb_face = get_pango_font_hb_face(pango_font)
    blob = harfbuzz.hb_face_reference_blob(hb_face)
    try:
        with ffi.new("unsigned int *") as length:
            address = harfbuzz.hb_blob_get_data(blob, length)
            origin = (int(ffi.cast("uintptr_t", address)), int(length[0]))
    finally:
        harfbuzz.hb_blob_destroy(blob)
    return PangoFontFile(key, family, harfbuzz.hb_face_get_index(hb_face), size, origin, hb_face)


def font_key(pango_font: Any) -> str:
    """``font_file``'s first item alone (Pango's description without size), without reading
    the font file."""
    from weasyprint.text.ffi import ffi, pango
    from weasyprint.text.fonts import get_pango_font_key

    _hash, description, _size = get_pango_font_key(pango_font)
    return str(ffi.string(pango.pango_font_description_to_string(description)).decode())


def font_spaces(document: Any) -> dict[str, tuple[int, int]]:
    """After ``document.write_pdf()``: for each font WeasyPrint embedded, by its PDF name
    after the subset tag (``Noto-Sans-CJK-SC-Bold``), its face's space glyph and that
    glyph's PDF width (1000 an em, as ``stamp.writer.space_of``), whether or not the
    document drew a space in it (``stamp.writer.settle_fonts`` lists it in every font)."""
    from weasyprint.text.ffi import ffi

    found: dict[str, tuple[int, int]] = {}
    for font in document.fonts.values():
        space = _face_space(int(ffi.cast("uintptr_t", font.hb_face)))
        name = bytes(font.name).decode("latin-1").partition("+")[2]
        if space is not None and name:
            found[name] = space
    return found


def _face_space(face: int) -> tuple[int, int] | None:
    """The space glyph of the HarfBuzz face at address ``face`` and its advance, scaled to
    1000 an em; None if the face maps no glyph to U+0020."""
    harfbuzz = _harfbuzz()
    upem = harfbuzz.hb_face_get_upem(face)
    font = harfbuzz.hb_font_create(face)
    try:
        harfbuzz.hb_font_set_scale(font, upem, upem)
        glyph = ctypes.c_uint32()
        if not upem or not harfbuzz.hb_font_get_nominal_glyph(font, 0x20, ctypes.byref(glyph)):
            return None
        return glyph.value, round(harfbuzz.hb_font_get_glyph_h_advance(font, glyph.value)
                                  * 1000 / upem)
    finally:
        harfbuzz.hb_font_destroy(font)


@functools.lru_cache(maxsize=1)
def _harfbuzz() -> ctypes.CDLL:
    """HarfBuzz, as WeasyPrint loaded it (the same library: its faces are HarfBuzz's own)."""
    failed: OSError | None = None
    for name in ("libharfbuzz.so.0", "libharfbuzz-0", "harfbuzz-0.0", "harfbuzz",
                 "libharfbuzz.0.dylib", "libharfbuzz-0.dll"):
        try:
            library = ctypes.CDLL(name, mode=os.RTLD_NOW if hasattr(os, "RTLD_NOW") else 0)
            break
        except OSError as exc:
            failed = exc
    else:
        raise OSError("cannot load HarfBuzz") from failed
    pointer, code = ctypes.c_void_p, ctypes.c_uint32
    library.hb_face_get_upem.argtypes, library.hb_face_get_upem.restype = [pointer], code
    library.hb_font_create.argtypes, library.hb_font_create.restype = [pointer], pointer
    library.hb_font_destroy.argtypes, library.hb_font_destroy.restype = [pointer], None
    library.hb_font_set_scale.argtypes = [pointer, ctypes.c_int, ctypes.c_int]
    library.hb_font_set_scale.restype = None
    library.hb_font_get_nominal_glyph.argtypes = [pointer, code, ctypes.POINTER(code)]
    library.hb_font_get_nominal_glyph.restype = ctypes.c_int
    library.hb_font_get_glyph_h_advance.argtypes = [pointer, code]
    library.hb_font_get_glyph_h_advance.restype = ctypes.c_int32
    return library


def missing() -> list[str]:
    """The internals this WeasyPrint does not have, as ``module.attribute``."""
    import importlib

    gone = []
    for module_name, path in INTERNALS:
        try:
            target: Any = importlib.import_module(module_name)
        except ImportError:
            gone.append(f"{module_name}.{path}")
            continue
        for part in path.split("."):
            if part.startswith("_") and part not in ("__init__",):  # set in __init__
                import inspect

                if part not in inspect.getsource(target.__init__):
                    gone.append(f"{module_name}.{path}")
                break
            if not hasattr(target, part):
                import inspect

                if not (inspect.isclass(target)  # an instance's attribute, set in __init__
                        and f"self.{part} =" in inspect.getsource(target.__init__)):
                    gone.append(f"{module_name}.{path}")
                break
            target = getattr(target, part)
    return gone

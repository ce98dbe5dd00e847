"""An uploaded mascot drawing, checked by its content before the station keeps it.

Its kind comes from its bytes, never its name (as the roster's QR screenshots are read): a
PNG or JPEG by its magic bytes and Pillow reading it whole (a decompression bomb refused);
an SVG parsed by defusedxml (no DTD, no entities) and refused when it reaches outside
itself (an ``href``/``src`` or ``url()`` that is not ``#id`` or an embedded PNG/JPEG, an
``@import``) or holds a script. The size cap is the mascot's own (``design.mascot.MAX_BYTES``).
"""

from __future__ import annotations

import io
import re
import warnings

from ..design.mascot import MAX_BYTES
from ..i18n import _

PNG = b"\x89PNG\r\n\x1a\n"
JPEG = b"\xff\xd8\xff"
SVG_NS = "{http://www.w3.org/2000/svg}"
LINK_ATTRIBUTES = ("href", "src")
INNER = re.compile(r"#|data:image/(png|jpeg);", re.I)  # what a drawing may point to
MAX_PIXELS = 16_000_000  # 4000 x 4000: a 20 mm drawing at 5000 dpi; more is a bomb, not a drawing
URL = re.compile(r"url\(\s*['\"]?\s*([^'\")\s]*)", re.I)


def check(data: bytes) -> tuple[str, str | None]:
    """The drawing's file suffix (``.svg``, ``.png``, ``.jpg``) and why it is refused (None
    when it is fine)."""
    if len(data) > MAX_BYTES:
        return "", _("larger than {size} MiB; a card's drawing needs far less").format(
            size=MAX_BYTES // 2**20)
    if data.startswith(PNG):
        return ".png", _raster(data, "PNG")
    if data.startswith(JPEG):
        return ".jpg", _raster(data, "JPEG")
    return ".svg", _svg(data)


def _raster(data: bytes, kind: str) -> str | None:
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():  # a decompression bomb is refused, not warned about
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=(kind,)) as image:
                width, height = image.size  # from the header: checked before a pixel is read
                if width * height > MAX_PIXELS:
                    return _("{width} × {height} pixels; a card's drawing needs far fewer (at "
                             "most {limit} million)").format(width=width, height=height,
                                                            limit=MAX_PIXELS // 10**6)
                image.load()
    except UnidentifiedImageError:  # its message names the buffer: said in words instead
        return _("not a readable {kind} image: the file is damaged or cut short").format(
            kind=kind)
    except (OSError, SyntaxError, ValueError,
            Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        return _("not a readable {kind} image ({reason})").format(kind=kind, reason=exc)
    return None


def _svg(data: bytes) -> str | None:
    from xml.etree.ElementTree import ParseError

    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import fromstring

    not_an_image = _("not an SVG, PNG or JPEG image, whatever its name says; save the drawing "
                     "as SVG, PNG or JPEG")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return not_an_image
    if "<svg" not in text:
        return not_an_image
    try:
        root = fromstring(text.encode("utf-8"), forbid_dtd=True)
    except DefusedXmlException as exc:
        return _("an SVG with a DTD or entities is refused ({reason})").format(
            reason=type(exc).__name__)
    except ParseError as exc:
        return _("not a well-formed SVG ({reason})").format(reason=exc)
    if root.tag not in (f"{SVG_NS}svg", "svg"):
        return not_an_image
    for element in root.iter():
        tag = str(element.tag).rpartition("}")[2]
        if tag == "script" or any(k.rpartition("}")[2].lower().startswith("on")
                                  for k in element.attrib):
            return _("an SVG with a script is refused: a card's drawing needs none")
        values = [v for k, v in element.attrib.items()
                  if k.rpartition("}")[2] in LINK_ATTRIBUTES]
        values += [m[1] for v in [*element.attrib.values(), element.text or ""]
                   for m in URL.finditer(v)]
        if tag == "style" and "@import" in (element.text or ""):
            values.append("@import")
        for value in values:
            if not INNER.match(value.strip()):
                return _("the SVG refers to {what} outside itself; a card's drawing must hold "
                         "everything it shows (embed its pictures, convert its text to "
                         "paths)").format(what=repr(value.strip()[:80]))
    return None

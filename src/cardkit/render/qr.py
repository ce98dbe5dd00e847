"""QR codes: payload -> vector SVG of exact size; decode back from a raster image."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..model import MIN_MODULE_MM

QUIET_ZONE = 4  # modules of light on every side (ISO/IEC 18004), drawn and card together
DRAWN_QUIET = 2  # modules of light drawn with the code; the card's light margin gives the rest
EC_LEVELS = ("L", "M", "Q", "H")


@dataclass(frozen=True)
class QrGraphic:
    """A QR code drawn as one SVG path, with the numbers preflight checks."""

    payload: str
    svg: str
    version: int
    modules: int  # modules per side, without the quiet zone
    size_mm: float  # printed size including the light margin drawn with it
    error_correction: str
    quiet: int = QUIET_ZONE  # modules of light drawn on every side

    @property
    def module_mm(self) -> float:
        return self.size_mm / (self.modules + 2 * self.quiet)

    @property
    def clear_mm(self) -> float:
        """Light the card must keep around the drawing, to make up a 4-module quiet zone."""
        return max(0, QUIET_ZONE - self.quiet) * self.module_mm


def largest_clear_mm(size_mm: float, quiet: int = DRAWN_QUIET) -> float:
    """Light margin around a ``size_mm`` code drawn with ``quiet`` modules, at its biggest
    modules (version 1, 21 modules), to make up the 4-module quiet zone."""
    return max(0, QUIET_ZONE - quiet) * size_mm / (21 + 2 * quiet)


def encode(payload: str, size_mm: float, ec: str | None = None, quiet: int = DRAWN_QUIET,
           min_module_mm: float = MIN_MODULE_MM):
    """The segno symbol for ``payload``: version and error correction chosen for it.

    With ``ec`` given, that level at the smallest version that holds the payload.
    Without, the smallest version at level M, raised to Q or H when that costs no
    module size (segno's boost), or level L when M's modules would fall under
    ``min_module_mm``: the biggest modules first, then the most correction.
    """
    import segno

    if ec:
        return segno.make_qr(payload, error=ec.lower(), boost_error=False)
    code = segno.make_qr(payload, error="m", boost_error=True)
    if size_mm / (len(code.matrix) + 2 * quiet) < min_module_mm:
        smaller = segno.make_qr(payload, error="l", boost_error=True)
        if len(smaller.matrix) < len(code.matrix):
            code = smaller
    return code


def vector_qr(payload: str, size_mm: float, *, ec: str | None = None, dark: str = "#000000",
              light: str = "#ffffff", quiet: int = DRAWN_QUIET,
              min_module_mm: float = MIN_MODULE_MM) -> QrGraphic:
    """Encode ``payload`` and draw it as an SVG of ``size_mm`` (``quiet`` light modules included)."""
    code = encode(payload, size_mm, ec, quiet, min_module_mm)
    matrix = [list(row) for row in code.matrix]
    n = len(matrix)
    total = n + 2 * quiet
    runs = []
    for y, row in enumerate(matrix):
        x = 0
        while x < n:
            if row[x]:
                start = x
                while x < n and row[x]:
                    x += 1
                runs.append(f"M{start + quiet} {y + quiet}h{x - start}v1h{start - x}z")
            else:
                x += 1
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="qr-code" viewBox="0 0 {total} {total}" '
        f'width="{size_mm:.3f}mm" height="{size_mm:.3f}mm" shape-rendering="crispEdges">'
        f'<rect width="{total}" height="{total}" fill="{light}"/>'
        f'<path fill="{dark}" d="{"".join(runs)}"/></svg>'
    )
    return QrGraphic(payload=payload, svg=svg, version=int(code.version), modules=n,
                     size_mm=size_mm, error_correction=str(code.error).upper(), quiet=quiet)


def decode(image: Any) -> list[str]:
    """Payloads of every QR code found in a PIL image."""
    import zxingcpp

    results = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    return [r.text for r in results]

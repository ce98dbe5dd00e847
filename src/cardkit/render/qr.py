"""QR codes: payload -> vector SVG of exact size; decode back from a raster image."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

QUIET_ZONE = 4  # modules on every side (ISO/IEC 18004)
MIN_MODULE_MM = 0.4  # smallest module a phone reads reliably at hand distance


@dataclass(frozen=True)
class QrGraphic:
    """A QR code drawn as one SVG path, with the numbers preflight checks."""

    payload: str
    svg: str
    version: int
    modules: int  # modules per side, without the quiet zone
    size_mm: float  # printed size including the quiet zone
    error_correction: str

    @property
    def module_mm(self) -> float:
        return self.size_mm / (self.modules + 2 * QUIET_ZONE)


def vector_qr(payload: str, size_mm: float, *, ec: str = "M", dark: str = "#000000",
              light: str = "#ffffff") -> QrGraphic:
    """Encode ``payload`` and draw it as an SVG of ``size_mm`` (quiet zone included)."""
    import segno

    code = segno.make_qr(payload, error=ec.lower(), boost_error=False)
    matrix = [list(row) for row in code.matrix]
    n = len(matrix)
    total = n + 2 * QUIET_ZONE
    runs = []
    for y, row in enumerate(matrix):
        x = 0
        while x < n:
            if row[x]:
                start = x
                while x < n and row[x]:
                    x += 1
                runs.append(f"M{start + QUIET_ZONE} {y + QUIET_ZONE}h{x - start}v1h{start - x}z")
            else:
                x += 1
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="qr-code" viewBox="0 0 {total} {total}" '
        f'width="{size_mm:.3f}mm" height="{size_mm:.3f}mm" shape-rendering="crispEdges">'
        f'<rect width="{total}" height="{total}" fill="{light}"/>'
        f'<path fill="{dark}" d="{"".join(runs)}"/></svg>'
    )
    return QrGraphic(payload=payload, svg=svg, version=int(code.version), modules=n,
                     size_mm=size_mm, error_correction=ec.upper())


def decode(image: Any) -> list[str]:
    """Payloads of every QR code found in a PIL image."""
    import zxingcpp

    results = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    return [r.text for r in results]

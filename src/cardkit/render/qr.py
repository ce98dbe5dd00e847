"""QR codes: payload -> vector SVG of exact size; decode back from a raster image."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any

from ..model import MIN_MODULE_MM

QUIET_ZONE = 4  # modules of light on every side (ISO/IEC 18004), drawn and card together
DRAWN_QUIET = 2  # modules of light drawn with the code; the card's light margin gives the rest
_DARK = bytes(1 if v < 128 else 0 for v in range(256))  # zxing-cpp's pixel -> module
_GREY = bytes(0 if v else 255 for v in range(256))  # module -> pixel
_DARK_RUN = re.compile(b"\x01+")


@dataclass(frozen=True)
class QrGraphic:
    """A QR code's matrix, drawn as one SVG path on demand, with the numbers preflight checks."""

    payload: str
    version: int
    modules: int  # modules per side, without the quiet zone
    size_mm: float  # printed size including the light margin drawn with it
    error_correction: str
    matrix: tuple[bytes, ...] = ()  # rows of modules, 1 = dark, without the quiet zone
    dark: str = "#000000"
    light: str = "#ffffff"
    quiet: int = QUIET_ZONE  # modules of light drawn on every side

    @property
    def module_mm(self) -> float:
        return self.size_mm / (self.modules + 2 * self.quiet)

    @property
    def clear_mm(self) -> float:
        """Light the card must keep around the drawing, to make up a 4-module quiet zone."""
        return max(0, QUIET_ZONE - self.quiet) * self.module_mm

    @property
    def svg_outline(self) -> str:
        """The SVG element with nothing drawn: the code's box."""
        total = self.modules + 2 * self.quiet
        return (f'<svg xmlns="http://www.w3.org/2000/svg" class="qr-code" '
                f'viewBox="0 0 {total} {total}" width="{self.size_mm:.3f}mm" '
                f'height="{self.size_mm:.3f}mm" shape-rendering="crispEdges"></svg>')

    @property
    def svg(self) -> str:
        """The code as an SVG of ``size_mm`` (quiet zone included): one rectangle a run."""
        total = self.modules + 2 * self.quiet
        runs = "".join(f"M{m.start() + self.quiet} {y + self.quiet}h{m.end() - m.start()}v1"
                       f"h{m.start() - m.end()}z"
                       for y, row in enumerate(self.matrix) for m in _DARK_RUN.finditer(row))
        return (self.svg_outline[:-6] + f'<rect width="{total}" height="{total}" '
                f'fill="{self.light}"/><path fill="{self.dark}" d="{runs}"/></svg>')


def largest_clear_mm(size_mm: float, quiet: int = DRAWN_QUIET) -> float:
    """Light margin around a ``size_mm`` code drawn with ``quiet`` modules, at its biggest
    modules (version 1, 21 modules), to make up the 4-module quiet zone."""
    return max(0, QUIET_ZONE - quiet) * size_mm / (21 + 2 * quiet)


def choose_level(payload: str, size_mm: float, quiet: int = DRAWN_QUIET,
                 min_module_mm: float = MIN_MODULE_MM) -> tuple[str, tuple[bytes, ...]]:
    """Error correction for ``payload`` and its matrix: the smallest version at level M,
    raised to Q or H when that costs no module size, or level L when M's modules would
    fall under ``min_module_mm``: the biggest modules first, then the most correction.

    An ASCII payload is encoded once: the rule is applied to the smallest version each level
    could take (``least_versions``, a bound on any segmentation the encoder may choose), and
    when the encoder's version at the level chosen is that bound, so is every version the rule
    compared (the versions grow from L to H). Otherwise the payload is encoded at each level
    the rule tries.
    """
    if payload.isascii() and payload.isprintable():
        least = least_versions(payload)
        if least["M"] is not None:
            level = _level_of(least, size_mm, quiet, min_module_mm)
            matrix, version = qr_matrix(payload, level), least[level]
            if version is not None and len(matrix) == 4 * version + 17:  # the bound held
                return level, matrix
    return _tried_level(payload, size_mm, quiet, min_module_mm)


def _level_of(versions: dict[str, int | None], size_mm: float, quiet: int,
              min_module_mm: float) -> str:
    """``choose_level``'s rule, from each level's version."""
    at_m = versions["M"]
    assert at_m is not None
    if size_mm / (4 * at_m + 17 + 2 * quiet) < min_module_mm:
        at_l = versions["L"]
        if at_l is not None and at_l < at_m:
            return "L"
    level = "M"
    for higher in ("Q", "H"):
        if versions[higher] != at_m:
            break
        level = higher
    return level


def _tried_level(payload: str, size_mm: float, quiet: int,
                 min_module_mm: float) -> tuple[str, tuple[bytes, ...]]:
    """``choose_level`` by encoding the payload at each level it considers."""
    level, matrix = "M", qr_matrix(payload, "M")
    if size_mm / (len(matrix) + 2 * quiet) < min_module_mm:
        smaller = qr_matrix(payload, "L")
        if len(smaller) < len(matrix):
            return "L", smaller
    for higher in ("Q", "H"):
        try:
            candidate = qr_matrix(payload, higher)
        except Exception:  # the payload does not fit this level at any version
            break
        if len(candidate) != len(matrix):
            break
        level, matrix = higher, candidate
    return level, matrix


# Data codewords of a QR code of each version (1 to 40) at each level (ISO/IEC 18004, table 7)
DATA_CODEWORDS = {
    "L": (19, 34, 55, 80, 108, 136, 156, 194, 232, 274, 324, 370, 428, 461, 523, 589, 647, 721,
          795, 861, 932, 1006, 1094, 1174, 1276, 1370, 1468, 1531, 1631, 1735, 1843, 1955, 2071,
          2191, 2306, 2434, 2566, 2702, 2812, 2956),
    "M": (16, 28, 44, 64, 86, 108, 124, 154, 182, 216, 254, 290, 334, 365, 415, 453, 507, 563,
          627, 669, 714, 782, 860, 914, 1000, 1062, 1128, 1193, 1267, 1373, 1455, 1541, 1631,
          1725, 1812, 1914, 1992, 2102, 2216, 2334),
    "Q": (13, 22, 34, 48, 62, 76, 88, 110, 132, 154, 180, 206, 244, 261, 295, 325, 367, 397, 445,
          485, 512, 568, 614, 664, 718, 754, 808, 871, 911, 985, 1033, 1115, 1171, 1231, 1286,
          1354, 1426, 1502, 1582, 1666),
    "H": (9, 16, 26, 36, 46, 60, 66, 86, 100, 122, 140, 158, 180, 197, 223, 253, 283, 313, 341,
          385, 406, 442, 464, 514, 538, 596, 628, 661, 701, 745, 793, 845, 901, 961, 986, 1054,
          1096, 1142, 1222, 1276),
}
_ALPHANUMERIC = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")
# Bits of a segment's count field in numeric, alphanumeric and byte mode, for versions 1-9,
# 10-26 and 27-40 (ISO/IEC 18004, table 3)
_COUNT_BITS = ((10, 9, 8), (12, 11, 16), (14, 13, 16))


def least_versions(payload: str) -> dict[str, int | None]:
    """For the printable ASCII ``payload``, the smallest version of its code at each level
    (None: none holds it) that any split into numeric, alphanumeric and byte segments could
    take: the fewest bits over every split (a mode indicator and count field per segment; a
    digit at 10/3 bits, another character of the alphanumeric set at 5.5, any other at 8,
    never more than the encoder writes), against each version's data codewords."""
    fewest: dict[int, int] = {}  # in sixths of a bit, so that the sums are exact
    never = 1 << 40

    def sixths(version: int) -> int:
        band = 0 if version < 10 else 1 if version < 27 else 2
        if band not in fewest:
            heads = [6 * (4 + count) for count in _COUNT_BITS[band]]
            best = [never] * 3  # ending in numeric, alphanumeric, byte mode
            for number, char in enumerate(payload):
                cost = (20 if char.isdigit() else never,
                        33 if char in _ALPHANUMERIC else never, 48)
                start = min(best) if number else 0  # a new segment from here
                best = [min(best[m], start + heads[m]) + cost[m] for m in range(3)]
            fewest[band] = min(best) if payload else heads[2]
        return fewest[band]

    return {level: next((v for v, words in enumerate(codewords, 1)
                         if sixths(v) <= 48 * words), None)
            for level, codewords in DATA_CODEWORDS.items()}


# Bytes a QR code of each version (1 to 40) holds at level M in byte mode (ISO/IEC 18004,
# table 7); numeric and alphanumeric modes hold more, so a payload within this fits any mode.
BYTES_AT_M = (14, 26, 42, 62, 84, 106, 122, 152, 180, 213, 251, 287, 331, 362, 412, 450, 504,
              560, 624, 666, 711, 779, 857, 911, 997, 1059, 1125, 1190, 1264, 1370, 1452, 1538,
              1628, 1722, 1809, 1911, 1989, 2099, 2213, 2331)


def forced_to_low(payload: str, size_mm: float, quiet: int = DRAWN_QUIET,
                  min_module_mm: float = MIN_MODULE_MM) -> bool:
    """Whether ``payload`` is so long that its code drops to level L (``choose_level``):
    7 % of the code may be lost instead of M's 15 %, so a scratch or a glare spot on the
    card is more likely to make it unreadable. A payload that fits level M at the largest
    version whose modules are big enough is never forced, and is not encoded to say so (a
    roster of 160,000 officers is checked before any layout)."""
    largest = max((v for v in range(1, 41)
                   if size_mm / (4 * v + 17 + 2 * quiet) >= min_module_mm), default=0)
    if largest and len(payload.encode("utf-8")) + 3 <= BYTES_AT_M[largest - 1]:
        return False  # (+3: the mode and count bits, and ECI, at the most)
    return choose_level(payload, size_mm, quiet, min_module_mm)[0] == "L"


def vector_qr(payload: str, size_mm: float, *, ec: str | None = None, dark: str = "#000000",
              light: str = "#ffffff", quiet: int = DRAWN_QUIET,
              min_module_mm: float = MIN_MODULE_MM) -> QrGraphic:
    """Encode ``payload`` for a code of ``size_mm`` (``quiet`` light modules included), at
    level ``ec`` or the level ``choose_level`` picks.

    zxing-cpp's encoder: 0.2 ms a code where segno's mask evaluation took 5 ms; the
    stamper draws the same matrix straight into the page (``stamp.writer.qr_ops``).
    """
    if ec:
        ec, matrix = ec.upper(), qr_matrix(payload, ec)
    else:
        ec, matrix = choose_level(payload, size_mm, quiet, min_module_mm)
    n = len(matrix)
    return QrGraphic(payload=payload, version=(n - 17) // 4, modules=n, size_mm=size_mm,
                     error_correction=ec, matrix=matrix, dark=dark, light=light, quiet=quiet)


@functools.lru_cache(maxsize=4096)
def qr_matrix(payload: str, ec: str = "M") -> tuple[bytes, ...]:
    """The code's modules, row by row (1 = dark), smallest version for ``ec``. Remembered by
    payload and level (bounded; the same for every thread and job): the roster's check of
    the levels, the layout and the stamper encode each code once, not once each."""
    import zxingcpp

    code = zxingcpp.create_barcode(payload, zxingcpp.BarcodeFormat.QRCode, ec_level=ec.upper())
    image = code.to_image(scale=1, add_quiet_zones=False)
    n = image.shape[0]
    # zxingcpp.Image has the buffer protocol, which its stub leaves out
    pixels = bytes(memoryview(image)).translate(_DARK)  # type: ignore[arg-type]
    return tuple(pixels[r * n:(r + 1) * n] for r in range(n))


def matrix_pixels(matrix: tuple[bytes, ...], scale: int = 2) -> memoryview:
    """The code with its quiet zone as grey pixels (``scale`` a module, rows of bytes), to
    decode it from its own matrix: a buffer zxing-cpp reads, without PIL."""
    import itertools

    side = (len(matrix) + 2 * QUIET_ZONE) * scale
    light = b"\xff" * side
    margin = b"\xff" * (QUIET_ZONE * scale)
    rows = [light] * (QUIET_ZONE * scale)
    for modules in matrix:
        grey = modules.translate(_GREY)
        wide = bytes(itertools.chain.from_iterable(zip(*[grey] * scale, strict=True)))
        rows += [margin + wide + margin] * scale
    rows += [light] * (QUIET_ZONE * scale)
    return memoryview(b"".join(rows)).cast("B", (side, side))


def grey_pixels(bitmap: Any) -> memoryview:
    """A pypdfium2 bitmap rendered with ``grayscale=True`` as rows of grey pixels (its rows'
    padding cut), a buffer zxing-cpp reads without PIL. The pixels are copied: the bitmap's
    own memory is pdfium's, freed when the bitmap object goes."""
    if bitmap.n_channels != 1:
        raise ValueError("grey_pixels takes a bitmap rendered with grayscale=True")
    width, height, stride = bitmap.width, bitmap.height, bitmap.stride
    raw = memoryview(bitmap.buffer).cast("B")
    if stride == width:
        pixels = raw.tobytes()
    else:
        pixels = b"".join(raw[row * stride:row * stride + width] for row in range(height))
    return memoryview(pixels).cast("B", (height, width))


def decode(image: Any) -> list[str]:
    """Payloads of every QR code found in an image (PIL, or a buffer of grey pixels)."""
    import zxingcpp

    results = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode))
    return [r.text for r in results]

"""Read back what cardkit printed: boxes in mm, text per page, QR codes, positions."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pikepdf
import pypdfium2 as pdfium
import zxingcpp

PT_PER_MM = 72 / 25.4


def mm(value: float) -> float:
    return round(float(value) / PT_PER_MM, 2)


def boxes_mm(path: Path | bytes) -> list[dict[str, tuple[float, float, float, float]]]:
    """Per page: MediaBox, TrimBox, BleedBox as (x0, y0, x1, y1) in mm."""
    source = pikepdf.open(path if isinstance(path, Path) else __import__("io").BytesIO(path))
    pages = []
    with source as pdf:
        for page in pdf.pages:
            entry = {}
            for name in ("MediaBox", "TrimBox", "BleedBox"):
                box = page.obj.get(f"/{name}")
                if box is not None:
                    entry[name] = tuple(mm(v) for v in box)
            pages.append(entry)
    return pages


def page_texts(path: Path | bytes) -> list[str]:
    pdf = pdfium.PdfDocument(path)
    try:
        texts = []
        for page in pdf:
            textpage = page.get_textpage()
            texts.append(textpage.get_text_range())
        return texts
    finally:
        pdf.close()


@dataclass
class Found:
    text: str
    x: float  # centre, mm from the left edge of the page
    y: float  # centre, mm from the top edge of the page
    left: float = 0.0  # left edge, mm


def find_text(path: Path | bytes, page_index: int, needle: str) -> list[Found]:
    """Centres (mm, from top-left) of every occurrence of ``needle`` on a page."""
    pdf = pdfium.PdfDocument(path)
    try:
        page = pdf[page_index]
        height = page.get_height()
        textpage = page.get_textpage()
        searcher = textpage.search(needle, match_case=True)
        found = []
        while (hit := searcher.get_next()) is not None:
            index, count = hit
            boxes = [textpage.get_charbox(i) for i in range(index, index + count)]
            left = min(b[0] for b in boxes)
            right = max(b[2] for b in boxes)
            bottom = min(b[1] for b in boxes)
            top = max(b[3] for b in boxes)
            found.append(Found(needle, mm((left + right) / 2), mm(height - (top + bottom) / 2),
                               left=mm(left)))
        return found
    finally:
        pdf.close()


def qr_codes(path: Path | bytes, page_index: int, dpi: int = 200) -> list[Found]:
    """Every QR code decoded from a rasterised page, with its centre in mm."""
    pdf = pdfium.PdfDocument(path)
    try:
        page = pdf[page_index]
        image = page.render(scale=dpi / 72).to_pil()
        codes = []
        for result in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode):
            pos = result.position
            xs = [pos.top_left.x, pos.top_right.x, pos.bottom_left.x, pos.bottom_right.x]
            ys = [pos.top_left.y, pos.top_right.y, pos.bottom_left.y, pos.bottom_right.y]
            px_per_mm = dpi / 25.4
            codes.append(Found(result.text, round(sum(xs) / 4 / px_per_mm, 2),
                               round(sum(ys) / 4 / px_per_mm, 2)))
        return codes
    finally:
        pdf.close()


def pixel(path: Path | bytes, page_index: int, x_mm: float, y_mm: float,
          dpi: int = 72) -> tuple[int, int, int]:
    """RGB colour of the rasterised page at a point (mm from top-left)."""
    pdf = pdfium.PdfDocument(path)
    try:
        image = pdf[page_index].render(scale=dpi / 72).to_pil().convert("RGB")
        return image.getpixel((int(x_mm * dpi / 25.4), int(y_mm * dpi / 25.4)))
    finally:
        pdf.close()


def page_count(path: Path | bytes) -> int:
    pdf = pdfium.PdfDocument(path)
    try:
        return len(pdf)
    finally:
        pdf.close()

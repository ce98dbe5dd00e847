"""Draw docs/img/gutter-a4.png: the A4 office sheet of the 2022 design (its background bleeds)
as cardkit lays it out by default (10 cards, 3 mm gutters, 1.5 mm bleed each) beside the butt
layout of `--gutter 0` (10 cards, neighbours share a cut), with the cut lines drawn in red.
Run from the repository: python scripts/gutter_picture.py
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TARGET = REPO / "docs" / "img" / "gutter-a4.png"
DPI = 40


def sheet(args: list[str], folder: Path, name: str):
    """Page 1 (fronts) of a 2022 sheet printed with ``args``, as an image, and its card cells."""
    import pikepdf
    import pypdfium2

    sys.path.insert(0, str(REPO / "tests"))
    import _golden

    pdf = folder / f"{name}.pdf"
    subprocess.run([sys.executable, "-m", "cardkit", "-q", "--project", str(REPO), "print",
                    "--gen", "2022", "--sides", "front", "-o", str(pdf), *args], check=True)
    document = pypdfium2.PdfDocument(str(pdf))
    image = document[0].render(scale=DPI / 72).to_pil().convert("RGB")
    document.close()
    with pikepdf.open(pdf):
        cards = _golden.sheet_slots(pdf, 90, 54, 2)[0]["cards_mm"]
    return image, [c["trim"] for c in cards]


def main() -> int:
    from PIL import Image, ImageDraw, ImageFont

    with tempfile.TemporaryDirectory() as tmp:
        left, left_cards = sheet([], Path(tmp), "default")
        right, right_cards = sheet(["--gutter", "0"], Path(tmp), "butt")
    px = DPI / 25.4
    font_file = subprocess.run(["fc-match", "-f", "%{file}", "Noto Sans CJK SC:style=Bold"],
                               capture_output=True, text=True, check=False).stdout.strip()
    font = ImageFont.truetype(font_file, 15) if font_file else ImageFont.load_default()
    pad, caption = 16, 44
    width = left.width + right.width + 3 * pad
    canvas = Image.new("RGB", (width, left.height + caption + 2 * pad), "#f4f4f4")
    draw = ImageDraw.Draw(canvas)
    for x0, image, cards, title in (
            (pad, left, left_cards, "默认：10 张，卡间 3 mm，每张 1.5 mm 出血"),
            (2 * pad + left.width, right, right_cards, "--gutter 0：10 张紧挨，共用一刀")):
        canvas.paste(image, (x0, pad + caption))
        draw.rectangle((x0 - 1, pad + caption - 1, x0 + image.width, pad + caption + image.height),
                       outline="#999999")
        draw.text((x0, pad), title, fill="#222222", font=font)
        for x, y, w, h in cards:  # the trim: where the guillotine cuts (裁切线)
            draw.rectangle((x0 + x * px, pad + caption + y * px, x0 + (x + w) * px,
                            pad + caption + (y + h) * px), outline="#d62020", width=1)
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    canvas.save(TARGET, optimize=True)
    print(f"wrote {TARGET.relative_to(REPO)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Golden layout facts of the built-in generations, read back from what is printed.

Per generation: where each card lies on the A4 sheet (mm), the text and box of
every printed field on the first officer's front and back (mm from the card's
top-left trim corner), and the QR code's decoded payload and size. The facts
are stored as JSON in ``tests/golden/`` and compared by the test suite; when a
change in layout is intended, review the diff and update them with:

    python tests/_golden.py --update
"""

from __future__ import annotations

import io
import json
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

from cardkit.units import PT_MM, PX_MM

GOLDEN_GENERATIONS = ("2002", "2006", "2012", "2022")
# A US and a European business-card stock whose cards are not 90 x 54 mm: the built-in
# design is laid out at the stock's size (stored as tests/golden/GEN-STOCK.json).
GOLDEN_STOCKS = (("2022", "avery-8371"), ("2022", "zweckform-32010"))
PRECISION = 1  # decimals of a millimetre kept (font metrics are exact, rounding is not)


def _mm(value: float) -> float:
    return round(float(value), PRECISION) + 0.0  # + 0.0: no -0.0 in the JSON


def sheet_slots(pdf: bytes | Path, card_w: float, card_h: float,
                bleed: float) -> list[dict[str, Any]]:
    """Per sheet page: each placed card's trim box and its clip (trim + the bleed its slot
    allows), in mm from the sheet's top-left corner, in the order they are drawn."""
    import pikepdf

    source = pikepdf.open(io.BytesIO(pdf) if isinstance(pdf, bytes) else pdf)
    pages = []
    with source:
        for page in source.pages:
            height = float(page.mediabox[3])
            cards = []
            clip = None
            shift = (0.0, 0.0)
            for operands, operator in pikepdf.parse_content_stream(page):
                op = str(operator)
                if op == "re":
                    x, y, w, h = (float(v) for v in operands)
                    clip = [_mm(x * PT_MM), _mm((height - y - h) * PT_MM), _mm(w * PT_MM), _mm(h * PT_MM)]
                elif op == "cm" and clip is not None:
                    shift = (float(operands[4]), float(operands[5]))
                elif op == "Do" and clip is not None:
                    # The face's bounding box is its bleed box; the trim lies ``bleed`` inside it.
                    bbox = page.obj.Resources.XObject[str(operands[0])].BBox
                    left = (shift[0] + float(bbox[0])) * PT_MM + bleed
                    bottom = (shift[1] + float(bbox[1])) * PT_MM + bleed
                    top = height * PT_MM - bottom - card_h
                    cards.append({"trim": [_mm(left), _mm(top), _mm(card_w), _mm(card_h)],
                                  "clip": clip})
                    clip = None
            pages.append({"size_mm": [_mm(float(page.mediabox[2]) * PT_MM), _mm(height * PT_MM)],
                          "cards_mm": cards})
    return pages


def walk(box: Any) -> Any:
    """Every box under ``box``, depth first, absolutely positioned ones included."""
    box = getattr(box, "_box", box)  # an AbsolutePlaceholder stands for the placed box
    yield box
    for child in getattr(box, "children", ()) or ():
        yield from walk(child)


def field_boxes(document: Any, page_index: int) -> dict[str, dict[str, Any]]:
    """Every element with a ``data-field`` on a laid-out face: its laid-out text and box."""
    from weasyprint.formatting_structure.boxes import TextBox

    page_box = document.pages[page_index]._page_box
    origin = None
    fields: dict[str, dict[str, Any]] = {}
    for box in walk(page_box):
        element = getattr(box, "element", None)
        if element is None or isinstance(box, TextBox):
            continue
        if origin is None and "face" in (element.get("class") or "").split():
            origin = (box.border_box_x(), box.border_box_y())
        name = element.get("data-field")
        if not name or name in fields or origin is None:
            continue
        text = " ".join(b.text for b in walk(box) if isinstance(b, TextBox))
        fields[name] = {
            "text": " ".join(text.split()),
            "box_mm": [_mm((box.border_box_x() - origin[0]) * PX_MM),
                       _mm((box.border_box_y() - origin[1]) * PX_MM),
                       _mm(box.border_width() * PX_MM), _mm(box.border_height() * PX_MM)],
        }
    return dict(sorted(fields.items()))


def facts(gen_id: str, project: Any = None, roster: str | Path | None = None,
          stock: str | None = None) -> dict[str, Any]:
    """The layout facts of one generation, printed with the built-in example roster
    (on ``stock`` when given, laid out at its card size)."""
    from cardkit.api import PrintOptions, load_roster, print_cards
    from cardkit.design import generations
    from cardkit.project import open_project
    from cardkit.render.faces import SIDES, FaceRenderer
    from cardkit.render.qr import decode
    from cardkit.resources import builtin_dir
    from cardkit.tools.preview import render_pages

    project = project or open_project(builtin_dir("templates").parent)
    gen = generations.load(project, gen_id)
    if stock is not None:
        from cardkit.sheet.papers import fit_to_stock

        gen, _notice = fit_to_stock(project, gen, stock=stock)
    loaded = load_roster(project, gen, roster)
    officer = loaded.officers[0]
    faces = FaceRenderer(project, gen).render([officer], SIDES)
    result: dict[str, Any] = {
        "generation": gen.id,
        "officer": officer.id,
        "card_mm": {"width": gen.card.width, "height": gen.card.height,
                    "bleed": gen.card.bleed, "safe": gen.card.safe},
        "faces": {side: field_boxes(faces.document, faces.index[(officer.id, side)])
                  for side in SIDES},
    }
    qr = faces.qr_codes.get(officer.id)
    if qr is not None:
        side = "front" if "qr" in gen.shows("front") else "back"
        image = render_pages(faces.pdf, [faces.index[(officer.id, side)]], dpi=300)[0]
        svg = _svg_box(faces.document, faces.index[(officer.id, side)])
        result["qr"] = {"side": side, "decoded": decode(image), "version": qr.version,
                        "printed_mm": svg, "module_mm": round(qr.module_mm, 3)}
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / "sheet.pdf"
        print_cards(project, PrintOptions(gen=gen_id, roster=roster, output=target, stock=stock))
        card = gen.card
        result["sheet"] = sheet_slots(target, card.width, card.height, card.bleed)
    return result


def _svg_box(document: Any, page_index: int) -> list[float]:
    for box in walk(document.pages[page_index]._page_box):
        element = getattr(box, "element", None)
        if element is not None and str(element.tag).endswith("svg") and \
                "qr-code" in (element.get("class") or ""):
            return [_mm(box.border_width() * PX_MM), _mm(box.border_height() * PX_MM)]
    return []


def golden_dir() -> Path:
    from cardkit.resources import builtin_dir

    return builtin_dir("templates").parent / "tests" / "golden"


def dumps(data: dict[str, Any]) -> str:
    """Stable JSON, one list of numbers per line so that a diff reads well."""
    text = json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True)
    return re.sub(r"\[\s*([-0-9.,\s]+?)\s*\]",
                  lambda m: "[" + ", ".join(m[1].replace(",", " ").split()) + "]", text) + "\n"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    folder = golden_dir()
    if not (folder.parent.parent / "pyproject.toml").is_file():
        print("error: golden facts live in a checkout of cardkit (tests/golden/)", file=sys.stderr)
        return 1
    changed = 0
    jobs = [(gen_id, None) for gen_id in GOLDEN_GENERATIONS] + list(GOLDEN_STOCKS)
    for gen_id, stock in jobs:
        text = dumps(facts(gen_id, stock=stock))
        path = folder / (f"{gen_id}-{stock}.json" if stock else f"{gen_id}.json")
        old = path.read_text(encoding="utf-8") if path.is_file() else None
        if old == text:
            continue
        changed += 1
        if "--update" in args:
            folder.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            print(f"updated {path}", file=sys.stderr)
        else:
            print(f"differs: {path} (run with --update to rewrite it)", file=sys.stderr)
    if not changed:
        print("golden layout facts are up to date", file=sys.stderr)
    return 0 if changed == 0 or "--update" in args else 1


if __name__ == "__main__":
    raise SystemExit(main())

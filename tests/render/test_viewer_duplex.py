"""How a sheet is printed from a viewer and turned over (issue 23, items 6 and 8): the PDF
says print at actual size on the job's duplex edge, and the backs come out head to head
with their fronts whichever edge the sheet turns on."""

from __future__ import annotations

import io

import pikepdf
import pypdfium2 as pdfium
import pytest
from conftest import EXAMPLE_ROSTER, REPO, run_cli
from pdfcheck import mm

from cardkit.sheet.calibrate import build_target
from cardkit.sheet.impose import Calibration, Paper, back_turned

A4_PAPER = Paper("A4", 210, 297)


def _chars(path, page_index: int, needle: str) -> list[tuple[float, float]]:
    """Centres (mm from the top-left) of each character of the first ``needle`` on a page."""
    pdf = pdfium.PdfDocument(path)
    try:
        page = pdf[page_index]
        height = page.get_height()
        text = page.get_textpage()
        hit = text.search(needle, match_case=True).get_next()
        assert hit is not None, needle
        boxes = [text.get_charbox(i) for i in range(hit[0], hit[0] + hit[1])]
        return [(mm((b[0] + b[2]) / 2), mm(height - (b[1] + b[3]) / 2)) for b in boxes]
    finally:
        pdf.close()


def _upright(chars: list[tuple[float, float]]) -> bool:
    """A line of text reads upright (left to right) or turned 180° (right to left)."""
    first, last = chars[0][0], chars[-1][0]
    assert abs(first - last) > 3
    return last > first


@pytest.fixture(scope="module")
def sheets(tmp_path_factory) -> dict[str, object]:
    out = tmp_path_factory.mktemp("duplex")
    made = {}
    for duplex in ("long", "short", "none"):
        target = out / f"{duplex}.pdf"
        result = run_cli(["-q", "print", "--gen", "2022", "--roster", str(EXAMPLE_ROSTER),
                          "--officer", "LD001", "--duplex", duplex, "--jobs", "1",
                          "-o", str(target)], cwd=REPO)
        assert result.code == 0, result.stderr
        made[duplex] = target
    return made


@pytest.mark.parametrize("duplex,name", [("long", "/DuplexFlipLongEdge"),
                                         ("short", "/DuplexFlipShortEdge"), ("none", "/Simplex")])
def test_sheets_print_at_actual_size_on_the_jobs_duplex_edge(sheets, duplex, name):
    with pikepdf.open(sheets[duplex]) as pdf:
        prefs = pdf.Root.ViewerPreferences
        assert prefs.PrintScaling == pikepdf.Name("/None")
        assert prefs.Duplex == pikepdf.Name(name)


def test_one_card_per_page_carries_the_viewer_preferences_too(tmp_path):
    target = tmp_path / "cards.pdf"
    result = run_cli(["-q", "print", "--gen", "2002", "--roster", str(EXAMPLE_ROSTER),
                      "--officer", "LD001", "--layout", "cards", "--duplex", "short",
                      "--jobs", "1", "-o", str(target)], cwd=REPO)
    assert result.code == 0, result.stderr
    with pikepdf.open(target) as pdf:
        assert pdf.Root.ViewerPreferences.PrintScaling == pikepdf.Name("/None")
        assert pdf.Root.ViewerPreferences.Duplex == pikepdf.Name("/DuplexFlipShortEdge")


def test_short_edge_turns_the_backs_so_cards_are_head_to_head(sheets):
    # Portrait A4: the long edge is vertical, the backs read upright on the page; the short
    # edge turns the sheet top over bottom, so each back is drawn turned 180° in its slot.
    for duplex in ("long", "short"):
        assert _upright(_chars(sheets[duplex], 0, "警民联系卡"))  # the front
    assert _upright(_chars(sheets["long"], 1, "网上公安局"))
    turned = _chars(sheets["short"], 1, "网上公安局")
    assert not _upright(turned)
    # and it lies where the long-edge back would be after turning the sheet: the same
    # place on the card, mirrored through the page's centre
    upright = _chars(sheets["long"], 1, "网上公安局")
    x, y = upright[0]
    assert turned[0] == pytest.approx((210 - x, 297 - y), abs=0.3)


def test_the_edge_that_turns_backs_is_the_horizontal_one():
    landscape = Paper("297x210mm", 297, 210)
    assert not back_turned(A4_PAPER, "long") and back_turned(A4_PAPER, "short")
    assert back_turned(landscape, "long") and not back_turned(landscape, "short")
    assert not back_turned(A4_PAPER, "none")


def _back_image(calibration: Calibration | None, duplex: str):
    pdf = build_target(A4_PAPER, duplex, calibration)
    out = io.BytesIO()
    pdf.save(out)
    document = pdfium.PdfDocument(out.getvalue())
    try:
        return document[1].render(scale=100 / 72, grayscale=True).to_pil().convert("L")
    finally:
        document.close()


def _differing(a, b) -> float:
    from PIL import ImageChops

    histogram = ImageChops.difference(a, b).histogram()
    return sum(histogram[64:]) / (a.width * a.height)


@pytest.mark.parametrize("calibration", [None, Calibration(dx=2.0, dy=1.0, rotation=0.3)])
def test_calibration_back_and_a_printers_offsets_follow_the_same_rule(calibration):
    # The short-edge back is the long-edge back turned 180°: read upright after turning
    # the sheet as a card is turned, and a printer's stored offsets move it the same way
    # as it is read.
    from PIL import Image

    long_back = _back_image(calibration, "long")
    short_back = _back_image(calibration, "short")
    assert _differing(long_back.transpose(Image.Transpose.ROTATE_180), short_back) < 0.001
    assert _differing(long_back, short_back) > 0.001  # the caption is not symmetric
    if calibration is not None:  # and the offsets do move it
        assert _differing(_back_image(None, "short"), short_back) > 0.001


@pytest.mark.parametrize("duplex", ["long", "short"])
def test_a_printers_offsets_move_the_card_backs_as_the_back_is_read(duplex):
    # dx right and dy down as the back is read (upright), on either edge: on a short-edge
    # sheet the back page is turned, so the page moves the other way.
    from cardkit.model import Officer, Unit
    from cardkit.sheet.impose import grid_layout
    from cardkit.sheet.plan import plan_sheets

    layout = grid_layout(A4_PAPER, 90, 54, bleed=2)
    unit = Unit(name="x")
    cards = [Officer(id="A", name="甲", unit=unit)]
    index = {("A", "front"): 0, ("A", "back"): 1}
    (front, back) = plan_sheets(layout, cards, ("front", "back"), index, duplex,
                                calibration=Calibration(dx=2.0, dy=1.0))
    assert front.transform is None
    a, b, c, d, e, f = back.transform
    pt = 72 / 25.4
    x, y = 50 * pt, (297 - 80) * pt  # a point 50 mm from the left, 80 mm from the top
    moved_x, moved_y = (a * x + c * y + e) / pt, 297 - (b * x + d * y + f) / pt
    shift = (moved_x - 50, moved_y - 80)
    if back_turned(A4_PAPER, duplex):
        shift = (-shift[0], -shift[1])  # as read: the page turned about its centre
    assert shift == pytest.approx((2.0, 1.0), abs=1e-6)
    assert back.placements[0].turned == back_turned(A4_PAPER, duplex)

"""A4 sheets with backgrounds that bleed (issue 23, item 10).

A design whose background runs to the card's edge gets gutters and bleed by default: on
A4, 2 x 5 with 3 mm gutters and 1.5 mm bleed per card (7.5 mm margins top and bottom) when
the printer's unprintable margin allows, else 2 x 4 with the full bleed; ``-v`` says which;
``--gutter 0`` still butts the cards. Positions are measured on the sheet in mm.
"""

from __future__ import annotations

import _golden
import pytest

from cardkit.design import generations
from cardkit.project import open_project
from cardkit.sheet.papers import bleeds_to_edge, resolve_layout


def _layout(tmp_path, gen_id: str, config: str = "", **options):
    (tmp_path / "cardkit.yaml").write_text(config, encoding="utf-8")
    project = open_project(tmp_path)
    gen = generations.load(project, gen_id)
    return resolve_layout(project, gen.card, gen=gen, **options)


def _grid(layout) -> tuple[list[float], list[float]]:
    xs = sorted({round(s.trim.x, 2) for s in layout.slots})
    ys = sorted({round(s.trim.y, 2) for s in layout.slots})
    return xs, ys


def test_which_designs_bleed(tmp_path):
    project = open_project(tmp_path)
    assert [bleeds_to_edge(generations.load(project, g)) for g in ("2002", "2006", "2012", "2022")] \
        == [False, True, True, True]


def test_a_bleeding_design_gets_3_mm_gutters_and_2_x_5_on_a4(tmp_path):
    layout = _layout(tmp_path, "2022")
    xs, ys = _grid(layout)
    assert xs == [13.5, 106.5]  # 2 x 90 + 3 = 183 mm, centred on 210
    assert ys == [7.5, 64.5, 121.5, 178.5, 235.5]  # 5 x 54 + 4 x 3 = 282: 7.5 mm margins
    for slot in layout.slots:
        left, top, right, bottom = slot.bleed
        assert min(slot.bleed) >= 1.5 - 1e-9  # every card its bleed, the bottom row's too
        assert (left if slot.col else right) == pytest.approx(1.5)
    bottom_row = [s for s in layout.slots if s.row == 4]
    assert all(s.bleed[3] == pytest.approx(2) and s.trim.bottom == pytest.approx(289.5)
               for s in bottom_row)


def test_a_printer_with_a_wider_margin_gets_2_x_4_with_the_full_bleed(tmp_path):
    config = "printers:\n  old-laser: {dx: 0, dy: 0, margin: 8}\n"
    layout = _layout(tmp_path, "2022", config, printer="old-laser")
    xs, ys = _grid(layout)
    assert layout.per_sheet == 8
    assert xs == [13.0, 107.0]  # 4 mm gutters: twice the 2 mm bleed
    assert ys == pytest.approx([34.5, 92.5, 150.5, 208.5])  # 4 x 54 + 3 x 4 = 228
    assert all(s.bleed == pytest.approx((2, 2, 2, 2)) for s in layout.slots)
    narrow = "printers:\n  mfp: {margin: 4.5}\n"
    assert _layout(tmp_path, "2022", narrow, printer="mfp").per_sheet == 10


def test_the_butt_layout_stays_on_request_and_white_designs_keep_theirs(tmp_path):
    butted = _layout(tmp_path, "2022", gutter=0)
    xs, ys = _grid(butted)
    assert xs == [15.0, 105.0] and ys == [13.5, 67.5, 121.5, 175.5, 229.5]
    assert _grid(_layout(tmp_path, "2022", "paper:\n  size: A4\n  gutter: 0\n")) == (xs, ys)
    white = _layout(tmp_path, "2002")  # white to the edge: rows still abut, as before
    assert _grid(white)[1] == [13.5, 67.5, 121.5, 175.5, 229.5]


def test_print_says_which_layout_and_places_the_cards_so(cli, project):
    out = project / "a4.pdf"
    result = cli(["-v", "print", "--gen", "2022", "-o", str(out)], cwd=project)
    assert result.code == 0, result.stderr
    said = [line for line in result.err_lines if "the background bleeds" in line]
    assert said and "2 x 5 with 3 mm gutters, 1.5 mm of bleed each, margins 7.5 mm top and " \
                     "bottom" in said[0] and "--gutter 0 butts the cards" in said[0], said
    pages = _golden.sheet_slots(out, 90, 54, 2)
    first, last = pages[0]["cards_mm"], pages[2]["cards_mm"]  # fronts of sheets 1 and 2
    assert [c["trim"][:2] for c in first] == [[x, y] for y in (7.5, 64.5, 121.5, 178.5, 235.5)
                                             for x in (13.5, 106.5)]
    # clip = [x, y, w, h]: 1.5 mm inside the gutters, 2 mm at the sheet's edges
    assert first[-1]["clip"] == pytest.approx([105.0, 234.0, 93.5, 57.5], abs=0.05)
    assert len(last) == 2  # officers 11 and 12: the last sheet's only row keeps its bleed
    assert all(c["clip"][1] + c["clip"][3] == pytest.approx(c["trim"][1] + 54 + 1.5, abs=0.05)
               for c in last)


def test_a_slug_line_needs_the_room_of_the_full_bleed_layout(tmp_path):
    layout = _layout(tmp_path, "2022", slug=True)
    assert layout.per_sheet == 8 and _grid(layout)[0] == [13.0, 107.0]

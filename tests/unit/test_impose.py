import pytest

from cardkit.sheet.impose import Paper, back_slot, crop_marks, grid_layout, parse_paper

A4 = Paper("A4", 210, 297)


def test_a4_holds_ten_90x54_cards_in_two_columns_of_five():
    layout = grid_layout(A4, 90, 54, bleed=2)
    assert layout.per_sheet == 10
    assert {(s.col, s.row) for s in layout.slots} == {(c, r) for c in range(2) for r in range(5)}
    first = layout.slots[0].trim
    # 2 x 90 + 4 mm gutter = 184 -> 13 mm margins; 5 x 54 abutting = 270 -> 13.5 mm margins
    assert (first.x, first.y, first.w, first.h) == pytest.approx((13, 13.5, 90, 54))
    second = layout.slots[1].trim
    assert second.x == pytest.approx(107)  # 13 + 90 + 4 mm gutter
    last = layout.slots[-1].trim
    assert (last.right, last.bottom) == pytest.approx((197, 283.5))


def test_bleed_is_kept_in_gutters_and_margins_but_not_between_abutting_rows():
    layout = grid_layout(A4, 90, 54, bleed=2)
    top_left = layout.slots[0]
    assert top_left.bleed == pytest.approx((2, 2, 2, 0))  # left, top, right, bottom
    middle_right = layout.slots[3]
    assert middle_right.bleed == pytest.approx((2, 0, 2, 0))
    bottom = layout.slots[-1]
    assert bottom.bleed == pytest.approx((2, 0, 2, 2))


def test_no_slot_overlaps_another_or_leaves_the_paper():
    for paper in ("A4", "A3", "SRA3", "Letter", "320x450mm"):
        layout = grid_layout(parse_paper(paper), 90, 54, bleed=2)
        clips = [s.clip for s in layout.slots]
        for i, a in enumerate(clips):
            assert a.x >= 0 and a.y >= 0 and a.right <= layout.paper.width + 1e-9
            assert a.bottom <= layout.paper.height + 1e-9
            for b in clips[i + 1:]:
                overlap_x = min(a.right, b.right) - max(a.x, b.x)
                overlap_y = min(a.bottom, b.bottom) - max(a.y, b.y)
                assert overlap_x <= 1e-9 or overlap_y <= 1e-9


@pytest.mark.parametrize("paper,count", [("A3", 21), ("SRA3", 21), ("Letter", 8)])
def test_other_papers_hold_as_many_cards_as_fit(paper, count):
    assert grid_layout(parse_paper(paper), 90, 54, bleed=2).per_sheet == count


def test_long_edge_duplex_mirrors_x_on_a_portrait_sheet():
    layout = grid_layout(A4, 90, 54, bleed=2)
    for slot in layout.slots:
        back = back_slot(layout, slot, "long")
        assert back.trim.x == pytest.approx(210 - slot.trim.right)
        assert back.trim.y == pytest.approx(slot.trim.y)
        # the bleed a slot may use is mirrored with it
        assert back.bleed == pytest.approx((slot.bleed[2], slot.bleed[1], slot.bleed[0], slot.bleed[3]))


def test_short_edge_duplex_mirrors_y_on_a_portrait_sheet_and_x_on_landscape():
    layout = grid_layout(A4, 90, 54, bleed=2)
    slot = layout.slots[0]
    back = back_slot(layout, slot, "short")
    assert (back.trim.x, back.trim.y) == pytest.approx((slot.trim.x, 297 - slot.trim.bottom))
    landscape = grid_layout(Paper("A4L", 297, 210), 90, 54, bleed=2)
    s = landscape.slots[0]
    assert back_slot(landscape, s, "long").trim.y == pytest.approx(210 - s.trim.bottom)
    assert back_slot(landscape, s, "short").trim.x == pytest.approx(297 - s.trim.right)


def test_asymmetric_margins_mirror_to_the_real_position():
    layout = grid_layout(A4, 90, 54, bleed=2)
    # shift the whole grid 3 mm right: the back must shift 3 mm left
    from dataclasses import replace

    from cardkit.sheet.impose import Rect, SheetLayout
    shifted = SheetLayout(A4, 90, 54, tuple(
        replace(s, trim=Rect(s.trim.x + 3, s.trim.y, s.trim.w, s.trim.h)) for s in layout.slots))
    assert back_slot(shifted, shifted.slots[0], "long").trim.x == pytest.approx(210 - (13 + 3 + 90))


def test_duplex_none_keeps_the_front_position():
    layout = grid_layout(A4, 90, 54, bleed=2)
    assert back_slot(layout, layout.slots[4], "none").trim == layout.slots[4].trim


def test_crop_marks_mark_every_cut_outside_every_bleed():
    layout = grid_layout(A4, 90, 54, bleed=2)
    marks = crop_marks(layout.slots, A4)
    cuts_x = {13, 103, 107, 197}
    cuts_y = {13.5 + 54 * i for i in range(6)}
    vertical = [m for m in marks if m.x1 == m.x2]
    horizontal = [m for m in marks if m.y1 == m.y2]
    assert {round(m.x1, 3) for m in vertical} == cuts_x
    assert {round(m.y1, 3) for m in horizontal} == {round(y, 3) for y in cuts_y}
    for m in vertical:
        assert m.y2 <= 13.5 - 2 or m.y1 >= 283.5 + 2  # outside the bleed
        assert m.y2 - m.y1 == pytest.approx(5)
    for m in horizontal:
        assert m.x2 <= 13 - 2 or m.x1 >= 197 + 2
    assert all(0 <= m.x1 <= 210 and 0 <= m.y1 <= 297 for m in marks)


def test_unknown_paper_is_refused():
    with pytest.raises(ValueError, match="unknown paper"):
        parse_paper("A9000")
    assert parse_paper("a4").name == "A4"
    assert parse_paper("320x450mm").width == 320


# --- margins, gutters, stocks, part-used sheets, calibration ------------------------------

from cardkit.sheet.impose import (  # noqa: E402
    Calibration,
    Rect,
    cell_layout,
    slot_batches,
    slots_from,
    solve_calibration,
)


def test_margin_and_gutter_can_be_set():
    layout = grid_layout(A4, 90, 54, bleed=2, min_margin=5, gutter=3)
    # 2 x 90 + 3 = 183 -> 13.5 mm margins; rows: (297 - 10 + 3) // 57 = 5 rows
    assert layout.per_sheet == 10
    first, second, below = layout.slots[0].trim, layout.slots[1].trim, layout.slots[2].trim
    assert first.x == pytest.approx(13.5)
    assert second.x - first.right == pytest.approx(3)
    assert below.y - first.bottom == pytest.approx(3)
    assert layout.slots[0].bleed == pytest.approx((2, 2, 1.5, 1.5))  # half the gutter inside
    # a bigger paper with small margins holds more
    assert grid_layout(parse_paper("320x450mm"), 90, 54, 2, min_margin=5, gutter=0).per_sheet == 24


def _cn_a4():
    cells = [Rect(15 + 90 * i, 13.5 + 54 * j, 90, 54) for j in range(5) for i in range(2)]
    return cell_layout(A4, 90, 54, 2, cells)


def test_stock_cells_are_used_as_they_are_with_no_bleed_between_abutting_cards():
    layout = _cn_a4()
    assert [(s.trim.x, s.trim.y) for s in layout.slots[:3]] == [(15, 13.5), (105, 13.5), (15, 67.5)]
    assert layout.slots[0].bleed == pytest.approx((2, 2, 0, 0))
    assert layout.slots[9].bleed == pytest.approx((0, 0, 2, 2))


def test_a_card_that_does_not_match_the_stock_is_refused():
    with pytest.raises(ValueError, match="does not match the 85x54 mm cards"):
        cell_layout(A4, 90, 54, 2, [Rect(15, 13.5, 85, 54)])


# Zweckform 32010 as the gLabels database has it: unequal margins left/right and top/bottom.
Z_CELLS = [Rect(14.11 + 94.9 * i, 14.11 + 53.97 * j, 85, 54) for j in range(5) for i in range(2)]


@pytest.mark.parametrize("duplex", ["long", "short"])
def test_backs_of_an_asymmetric_stock_land_on_the_same_physical_card(duplex):
    layout = cell_layout(A4, 85, 54, 0, Z_CELLS)
    for slot in layout.slots:
        back = back_slot(layout, slot, duplex)
        if duplex == "long":  # x mirrored about the sheet: 210 - x - w, not the front's x
            assert back.trim.x == pytest.approx(210 - slot.trim.x - 85)
            assert back.trim.y == pytest.approx(slot.trim.y)
        else:
            assert back.trim.x == pytest.approx(slot.trim.x)
            assert back.trim.y == pytest.approx(297 - slot.trim.y - 54)
    top_left = back_slot(layout, layout.slots[0], "long").trim
    assert top_left.x == pytest.approx(210 - 14.11 - 85)  # 110.89, where no front card starts
    assert all(abs(top_left.x - s.trim.x) > 1 for s in layout.slots)


def test_first_slot_and_partly_filled_sheets():
    layout = _cn_a4()
    assert [s.index for s in slots_from(layout, 4)] == list(range(3, 10))
    batches = slot_batches(layout, 12, first=4)
    assert [len(b) for b in batches] == [7, 5]
    assert batches[0][0].index == 3 and batches[1][0].index == 0
    assert [len(b) for b in slot_batches(layout, 3, first=9)] == [2, 1]
    with pytest.raises(ValueError, match="between 1 and 10"):
        slots_from(layout, 11)


def test_crop_marks_are_5mm_hairlines_starting_beyond_the_bleed():
    layout = grid_layout(A4, 90, 54, bleed=3)
    marks = crop_marks(layout.slots, A4)
    top = min(s.trim.y for s in layout.slots)
    for m in marks:
        assert max(m.x2 - m.x1, m.y2 - m.y1) == pytest.approx(5)
        if m.x1 == m.x2 and m.y2 <= top:
            assert top - m.y2 >= 3  # at least the bleed away from the trim


def test_calibration_matrix_moves_points_as_documented():
    cal = Calibration(dx=2, dy=-1.5, rotation=0.5, scale=1.01)
    pt = 72 / 25.4
    a, b, c, d, e, f = cal.pdf_matrix(A4)
    for x, y in ((0, 0), (30, 40), (210, 297), (105, 148.5)):
        px, py = x * pt, (297 - y) * pt  # the same point in PDF space (y up, points)
        qx, qy = a * px + c * py + e, b * px + d * py + f
        ex, ey = cal.apply(A4, x, y)
        assert (qx / pt, 297 - qy / pt) == pytest.approx((ex, ey), abs=1e-6)
    # clockwise as seen on the page: a point right of centre moves down
    assert Calibration(rotation=1).apply(A4, 155, 148.5)[1] > 148.5
    assert Calibration(dx=1, dy=2).apply(A4, 10, 10) == pytest.approx((11, 12))
    assert Calibration().is_identity and not cal.is_identity


def test_readings_of_the_target_give_the_calibration_back():
    # A printer that shifts backs by (-1, +0.5) mm, turns them 0.2 degrees anticlockwise
    # and prints them 0.5 % small: the readings are what the front's crosses show.
    import math
    shift, turn, grow, half = (-1.0, 0.5), math.radians(-0.2), 0.995, 75.0

    def reading(px, py):  # target at (px, py) from the centre; reading = front - printed back
        bx = grow * (px * math.cos(turn) - py * math.sin(turn)) + shift[0]
        by = grow * (px * math.sin(turn) + py * math.cos(turn)) + shift[1]
        return px - bx, py - by

    cal = solve_calibration({"C": reading(0, 0), "L": reading(-half, 0), "R": reading(half, 0)}, half)
    assert (cal.dx, cal.dy) == pytest.approx((1.0, -0.5))
    assert cal.rotation == pytest.approx(0.2, abs=0.01)
    assert cal.scale == pytest.approx(1 / grow, abs=1e-3)


@pytest.mark.parametrize("duplex,expected", [
    # the Chinese 10-up sheet is symmetric: each back lands on the mirrored cell
    ("long", [(105, 13.5), (15, 13.5), (105, 67.5)]),
    ("short", [(15, 229.5), (105, 229.5), (15, 175.5)]),
    ("none", [(15, 13.5), (105, 13.5), (15, 67.5)]),
])
def test_back_positions_on_the_chinese_sheet_in_mm(duplex, expected):
    layout = _cn_a4()
    backs = [back_slot(layout, s, duplex).trim for s in layout.slots[:3]]
    assert [v for b in backs for v in (b.x, b.y)] == pytest.approx([v for xy in expected for v in xy])


@pytest.mark.parametrize("paper,duplex,front_xy,back_xy", [
    # Letter portrait, 2 x 4 with 4 mm gutters: long edge mirrors x
    ("Letter", "long", (15.95, 25.7), (215.9 - 15.95 - 90, 25.7)),
    ("Letter", "short", (15.95, 25.7), (15.95, 279.4 - 25.7 - 54)),
    # A4 landscape (297 x 210), 3 x 3: the long edge is horizontal, so y is mirrored
    ("297x210mm", "long", (13.5, 20), (13.5, 210 - 20 - 54)),
    ("297x210mm", "short", (13.5, 20), (297 - 13.5 - 90, 20)),
])
def test_back_positions_on_other_papers_in_mm(paper, duplex, front_xy, back_xy):
    layout = grid_layout(parse_paper(paper), 90, 54, bleed=2)
    front = layout.slots[0].trim
    back = back_slot(layout, layout.slots[0], duplex).trim
    assert (front.x, front.y) == pytest.approx(front_xy)
    assert (back.x, back.y) == pytest.approx(back_xy)

import pytest

from cardkit.impose import (
    Paper,
    back_slot,
    crop_marks,
    grid_layout,
    parse_paper,
)

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

    from cardkit.impose import Rect, SheetLayout
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

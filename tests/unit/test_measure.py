"""How many lines a field takes, read from the laid-out box tree (render/measure.py)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from cardkit.render.measure import measure

GEN = SimpleNamespace(card=SimpleNamespace(safe=3.0, width=90.0, height=54.0))


def _lines(css: str, body: str) -> dict[str, int]:
    """Each field's lines on a card laid out from ``body`` (fields marked data-field)."""
    import weasyprint

    html = ("<style>@page { size: 90mm 54mm; margin: 0 } body { margin: 0; font: 11pt sans-serif }"
            f"{css}</style><div data-officer='A1' data-side='front'>{body}</div>")
    document = weasyprint.HTML(string=html).render()
    return {box.field: box.lines for box in measure(GEN, document)}


NAME_LINE = ("<div class='name-line'><span data-field='name'>{name}</span> "
             "<span data-field='post'>所长</span></div>")


@pytest.mark.parametrize("css", [
    ".name-line::first-letter { font-size: 130% }",  # a first letter of another size
    ".name-line::first-letter { font-size: 80%; vertical-align: -2pt }",  # lowered, smaller
])
def test_a_letter_of_another_size_on_the_line_is_not_another_line(css):
    assert _lines(".name-line { width: 70mm }" + css, NAME_LINE.format(name="Lan Haiyan")) == {
        "name": 1, "post": 1}


def test_a_name_that_wraps_takes_a_line_per_line_box():
    css = ".name-line { width: 22mm } .name-line::first-letter { font-size: 130% }"
    lines = _lines(css, NAME_LINE.format(name="Alexandra Wolfgang Smith"))
    assert lines == {"name": 3, "post": 1}  # Alexandra / Wolfgang / Smith 所长


def test_a_block_field_counts_the_lines_inside_it():
    """An inline-block's own line inside one of the field's lines is that line."""
    css = ("p { margin: 0; width: 30mm } p::first-letter { font-size: 150% } "
           "i { display: inline-block }")
    body = ("<p data-field='area'>城关 <i>社区</i></p>"
            "<p data-field='unit'>柳州市公安局柳东派出所城关警务室</p>")  # 柳州市公安局柳/东派出所城关警/务室
    assert _lines(css, body) == {"area": 1, "unit": 3}

"""Line breaks (issue 23, item 7).

Labels (web labels, texts.label_*), each item of the 24-hour promise and each tip never
break inside; lines wrap only between items; an item too long for its line is a preflight
error naming it. The 2012 back no longer breaks 网上公安局 between 网 and 上.
"""

from __future__ import annotations

import re

import pypdfium2 as pdfium
from conftest import EXAMPLE_ROSTER, copy_example

from cardkit.design.templating import keep_together

PT_MM = 25.4 / 72


def _lines_of(pdf_path, page_index: int, needle: str, where: bool = False) -> list:
    """For each occurrence of ``needle`` on the page: how far apart (mm) the bottoms of its
    characters lie (0 on one line; a line's height, 3 mm and more, when it is broken)."""
    pdf = pdfium.PdfDocument(pdf_path)
    try:
        page = pdf[page_index]
        textpage = page.get_textpage()
        chars = []
        for i in range(textpage.count_chars()):
            char = textpage.get_text_range(i, 1)
            if char.strip():
                _left, bottom, _right, _top = textpage.get_charbox(i)
                chars.append((char, bottom * PT_MM))
        text = "".join(c for c, _ in chars)
        spans = [[y for _c, y in chars[m.start():m.end()]]
                 for m in re.finditer(re.escape(needle), text)]
        return [min(ys) if where else max(ys) - min(ys) for ys in spans]
    finally:
        pdf.close()


def test_the_2012_back_keeps_each_web_label_on_one_line(cli, tmp_path):
    out = tmp_path / "2012.pdf"
    result = cli(["-q", "print", "--gen", "2012", "--layout", "cards", "--officer", "LD001",
                  "--roster", str(EXAMPLE_ROSTER), "-o", str(out)], cwd=tmp_path)
    assert result.code == 0, result.stderr
    for label in ("网上公安局", "网上警务室"):
        found = _lines_of(out, 1, label)
        assert len(found) == 2, (label, found)  # in the advice and in the web block
        assert all(spread < 1 for spread in found), (label, found)  # never 网 / 上公安局


def test_keep_together_wraps_labels_and_escapes():
    text = keep_together("可登录网上公安局、网上警务室<b>", [{"label": "网上公安局"}],
                         [{"label": "网上警务室", "url": "https://x.cn"}], {"label_phone": "电话"})
    assert str(text) == ('可登录<span class="nobr">网上公安局</span>、'
                         '<span class="nobr">网上警务室</span>&lt;b&gt;')


def _project(tmp_path, generation: str):
    (tmp_path / "generations").mkdir()
    (tmp_path / "generations" / "long.yaml").write_text(generation, encoding="utf-8")
    copy_example(tmp_path / "roster.yaml")
    (tmp_path / "cardkit.yaml").write_text("roster: roster.yaml\n", encoding="utf-8")
    return tmp_path


def test_an_item_too_long_for_its_line_is_an_error_naming_it(cli, tmp_path):
    tip = "陌生来电不轻信未知链接不点击个人信息不透露转账汇款多核实切记切记"
    promise = "有警必接有难必帮有险必救有求必应" * 3
    _project(tmp_path, 'extends: "2022"\nfraud_tips:\n  lines:\n    - 陌生来电不轻信\n'
             f"    - {tip}\ntexts:\n  promise: 有警必接 {promise}\n")
    result = cli(["check", "--gen", "long", "--officer", "LD001"], cwd=tmp_path)
    assert result.code == 1
    errors = [line for line in result.err_lines if "too long for its line" in line]
    assert any(line.startswith("error: generations/long.yaml:4: back face: fraud_tips.lines: "
                               f'"{tip}" is too long for its line') for line in errors), \
        result.stderr
    assert any(f'front face: texts.promise: "{promise}" is too long' in line
               for line in errors), result.stderr


def test_promise_items_wrap_between_items_only(cli, tmp_path):
    items = "有警必接 有难必帮 有险必救 有求必应 热情服务 文明执法 公正廉洁 快速反应"
    _project(tmp_path, f'extends: "2002"\ntexts:\n  promise: {items}\n')
    (tmp_path / "roster.yaml").write_text(  # a real roster: no specimen stripe above it
        'unit:\n  name: 柳州市公安局桂中派出所\n  address: 柳州市城中区桂中大道8号\n'
        '  hotline: "0772-2810110"\nofficers:\n  - id: G1\n    name: 王明\n'
        '    phone: "0772-2812345"\n', encoding="utf-8")
    out = tmp_path / "p.pdf"
    result = cli(["-q", "print", "--gen", "long", "--layout", "cards", "-o", str(out)],
                 cwd=tmp_path)
    assert result.code == 0, result.stderr  # on main: one nowrap line, over the card's edge
    spreads = {item: _lines_of(out, 0, item) for item in items.split()}
    assert all(len(found) == 1 and found[0] < 1 for found in spreads.values()), spreads
    first, last = _lines_of(out, 0, "有警必接", where=True), _lines_of(out, 0, "快速反应", where=True)
    assert first[0] - last[0] > 2  # the last items went to a second line, below the first

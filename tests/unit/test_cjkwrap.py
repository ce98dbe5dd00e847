"""Chinese help wraps by terminal columns; English help is left to click."""

from __future__ import annotations

import click.formatting
import pytest

from cardkit.cli import cjkwrap


@pytest.fixture
def wrap():
    original = click.formatting.wrap_text
    return cjkwrap.make_wrap_text(original)


def test_width_of_chinese_and_mixed_text():
    assert cjkwrap.display_width("民警 LD042") == 10
    assert cjkwrap.display_width("\033[31m错误\033[0m") == 4


def test_chinese_lines_fit_the_width_and_nothing_is_lost(wrap):
    text = "写出台账：每位民警所在的纸张、位置、正反面；数量；输入文件的校验和。  [默认：1; x>=1]"
    lines = wrap(text, 30, initial_indent="  ", subsequent_indent="  ", preserve_paragraphs=True)
    lines = lines.splitlines()
    assert len(lines) > 2
    assert all(cjkwrap.display_width(line) <= 30 for line in lines), lines
    assert "".join(line.strip() for line in lines).replace(" ", "") == text.replace(" ", "")


def test_no_line_starts_with_closing_punctuation_or_ends_with_an_opening_one(wrap):
    text = "按厂家型号使用预切卡纸，如 avery-c32011-10（见 cardkit stocks）。" * 3
    for width in range(12, 40):
        for line in wrap(text, width).splitlines():
            assert line[0] not in cjkwrap.NO_LINE_START, (width, line)
            assert line[-1] not in cjkwrap.NO_LINE_END, (width, line)


def test_ascii_words_are_not_broken(wrap):
    lines = wrap("颜色取自 colors_cmyk，输出带输出意图的 PDF/X-4 文件", 16).splitlines()
    assert any("colors_cmyk，" in line for line in lines)
    assert any("PDF/X-4" in line for line in lines)


def test_english_goes_to_click_unchanged(wrap):
    text = "Edge the sheet is turned on; backs land behind fronts.  [default: long]"
    assert wrap(text, 30, preserve_paragraphs=True) == \
        click.formatting.wrap_text(text, 30, preserve_paragraphs=True)


def test_chinese_help_fits_an_80_column_terminal(cli, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    for args in (["--help"], ["print", "--help"], ["check", "--help"]):
        out = cli(["--lang", "zh", *args]).stdout.decode("utf-8")
        assert "选项:" in out
        too_wide = [line for line in out.splitlines() if cjkwrap.display_width(line) > 80]
        assert not too_wide, too_wide

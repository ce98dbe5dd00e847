"""Headers as offices title them (issue 23, item 2): 警号 is the police number (the id
without a 编号 column, and the field ``badge``); headers with alternatives or words in
brackets match by their parts; a column that looks like a printed field but is kept as
``extra.*`` is a warning; the guide and the reference agree with the code on every alias."""

from __future__ import annotations

import re

import pytest
from conftest import REPO, run_cli

from cardkit.roster.read import read_roster
from cardkit.roster.records import HEADER_ALIASES, match_header
from cardkit.roster.validate import build_roster

UNIT = "unit:\n  name: 桂林市公安局象山派出所\n"


def _roster(tmp_path, text: str):
    path = tmp_path / "民警名单.csv"
    path.write_text(text, encoding="utf-8")
    return build_roster(read_roster(path), {"name": "桂林市公安局象山派出所"})


def test_jinghao_is_the_id_without_a_bianhao_column_and_the_badge_field(tmp_path):
    roster = _roster(tmp_path, "象山派出所社区民警名单\n"
                               "警号,姓名,移动电话（手机）,责任区/辖区,联系电话（办公）,单位\n"
                               "450331,王明,13912345678,象山村,0773-2812345,桂林市公安局象山派出所\n")
    officer = roster.officers[0]
    assert (officer.id, officer.badge, officer.name) == ("450331", "450331", "王明")
    assert officer.mobile == "139 1234 5678" or officer.mobile.replace(" ", "") == "13912345678"
    assert officer.area == "象山村"  # 辖区 no longer vanishes into extra.*
    assert officer.phone.replace("-", "").replace(" ", "") == "07732812345"
    assert not officer.extra
    assert not [n for n in roster.notes if n.severity != "notice"]


def test_a_bianhao_jinghao_column_is_the_police_number_and_the_id(tmp_path):
    roster = _roster(tmp_path, "编号/警号,姓名,手机\n450331,王明,13912345678\n")
    assert (roster.officers[0].id, roster.officers[0].badge) == ("450331", "450331")


def test_with_a_bianhao_column_jinghao_is_the_badge_only(tmp_path):
    roster = _roster(tmp_path, "编号,警号,姓名,手机\nGL01,450331,王明,13912345678\n")
    officer = roster.officers[0]
    assert (officer.id, officer.badge) == ("GL01", "450331")


def test_an_exact_alias_wins_and_parts_match_otherwise():
    assert match_header("手机号码").key == "mobile" and not match_header("手机号码").parts
    assert match_header("联系电话（办公）").key == "phone" and match_header("联系电话（办公）").parts
    assert match_header("移动电话（手机）").key == "mobile"
    assert match_header("责任区/辖区").key == "area"
    assert match_header("辖区 / 责任区").key == "area"
    assert match_header("警号").key == "badge"


def test_parts_naming_two_fields_warn_naming_both(tmp_path):
    roster = _roster(tmp_path, "编号,姓名,手机,电话/手机\nGL01,王明,13912345678,13912345678\n")
    warnings = [n for n in roster.notes if n.severity == "warning"]
    assert len(warnings) == 1, roster.notes
    line = warnings[0].format()
    assert "电话/手机" in line and "phone" in line and "mobile" in line
    assert roster.officers[0].extra == {"电话/手机": "13912345678"}


def test_a_column_that_looks_like_a_printed_field_is_a_warning_not_a_notice(tmp_path):
    roster = _roster(tmp_path, "编号,姓名,手机,紧急联系人电话,备注\n"
                               "GL01,王明,13912345678,13900000000,新入职\n")
    by_field = {n.field: n for n in roster.notes}
    warning = by_field["紧急联系人电话"]
    assert warning.severity == "warning"
    assert "phone" in warning.message and "extra.紧急联系人电话" in warning.message
    notices = [n.format() for n in roster.notes if n.severity == "notice"]
    assert any("备注" in n for n in notices) and not any("紧急联系人电话" in n for n in notices)


def test_the_warning_fails_check_under_strict(tmp_path):
    roster = tmp_path / "r.csv"
    roster.write_text("编号,姓名,手机,电话/手机\nGL01,王明,13912345678,13912345678\n",
                      encoding="utf-8")
    (tmp_path / "cardkit.yaml").write_text(UNIT, encoding="utf-8")
    result = run_cli(["--project", str(tmp_path), "check", "--gen", "2002", "--roster",
                      str(roster), "--strict", "--jobs", "1"])
    assert result.code == 1, result.stderr
    assert not any(line.startswith("error:") for line in result.err_lines), result.stderr
    assert any("电话/手机" in line and line.startswith("warning:") for line in result.err_lines)


def test_a_generation_may_show_the_badge(tmp_path):
    (tmp_path / "generations").mkdir()
    (tmp_path / "generations" / "gl.yaml").write_text(
        'extends: "2002"\ntitle: 桂林\nfront:\n'
        "  show: [unit, name, post, badge, area, phone, mobile, address, promise]\n",
        encoding="utf-8")
    (tmp_path / "cardkit.yaml").write_text(UNIT + "  address: 桂林市象山区示例路1号\n"
                                           "  hotline: \"0773-2812345\"\n", encoding="utf-8")
    roster = tmp_path / "r.csv"
    roster.write_text("警号,姓名,手机\n450331,王明,13912345678\n", encoding="utf-8")
    out = tmp_path / "gl.pdf"
    result = run_cli(["--project", str(tmp_path), "print", "--gen", "gl", "--roster", str(roster),
                      "--layout", "cards", "--jobs", "1", "-o", str(out)])
    assert result.code == 0, result.stderr
    from pdfcheck import page_texts

    front = page_texts(out)[0]
    assert "警号" in front and "450331" in front


# --- the guide's tables and text, and the reference, agree with the code --------------------

def _guide_rows(path) -> list[tuple[list[str], str]]:
    """(headers, field) of every table row of the guide that pairs Chinese headers with one
    officer field: `| 编号 | `id` |` and `| `id` | 编号、警号 |`."""
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 2:
            continue
        first, second = cells[0], cells[1]
        for names, field in ((first, second), (second, first)):
            match = re.fullmatch(r"`([a-z_]+)`", field)
            if match and re.search(r"[\u4e00-\u9fff]", names) and not names.startswith("`"):
                names = re.sub(r"（[^）]*）", "", names)  # (没有编号列时：警号): said in the text
                headers = [h.strip() for h in re.split(r"[、/]", names) if h.strip()]
                rows.append((headers, match[1]))
    return rows


@pytest.mark.parametrize("guide", ["guide.en.md", "guide.zh-CN.md"])
def test_the_guides_tables_agree_with_the_code_on_every_header(guide):
    rows = _guide_rows(REPO / "docs" / guide)
    assert rows
    for headers, field in rows:
        for header in headers:
            assert match_header(header).key == field, (guide, header, field)


def test_the_guides_text_agrees_with_the_code():
    text = (REPO / "docs" / "guide.zh-CN.md").read_text(encoding="utf-8")
    pairs = re.findall(r"([\u4e00-\u9fff、]+) 即 `([a-z]+)`", text)
    assert len(pairs) >= 4
    for names, field in pairs:
        for header in names.split("、"):
            assert HEADER_ALIASES.get(header) == field, (header, field)
    english = (REPO / "docs" / "guide.en.md").read_text(encoding="utf-8")
    for names, field in re.findall(r"((?:[\u4e00-\u9fff]+ / )*[\u4e00-\u9fff]+) for `([a-z]+)`",
                                   english):
        for header in names.split(" / "):
            assert HEADER_ALIASES.get(header) == field, (header, field)
    for header, field in (("责任区/辖区", "area"), ("联系电话（办公）", "phone"),
                          ("移动电话（手机）", "mobile")):
        assert f"`{header}`" in text and f"`{header}`" in english
        assert match_header(header).key == field


def test_the_reference_names_jinghao_for_both_fields():
    for name in ("reference.md", "reference.zh-CN.md"):
        text = (REPO / "docs" / name).read_text(encoding="utf-8")
        rows = {line.split("|")[1].strip(): line for line in text.splitlines()
                if line.startswith("| `")}
        assert "警号" in rows["`badge`"] and "警号" in rows["`id`"], name

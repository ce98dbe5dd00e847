"""Validation of rosters as stations export them: big files, XLSX, stdin, screenshots."""

from __future__ import annotations

import openpyxl
import pytest
from conftest import REPO, run_cli

from cardkit.errors import InputError
from cardkit.roster.read import read_roster
from cardkit.roster.validate import build_roster

DEFECTS = REPO / "tests" / "fixtures" / "defects"
HEADER = "编号,姓名,职务,电话,手机,微信,辖区,单位\n"


def row(n: int, phone: str | None = None, mobile: str | None = None, name: str = "吴明") -> str:
    phone = phone if phone is not None else f"0772-{2000000 + n % 7000000:07d}"
    mobile = mobile if mobile is not None else f"138{n:08d}"
    return f"P{n:05d},{name},社区民警,{phone},{mobile},https://u.wechat.com/P{n},柳东村,柳东派出所\n"


def test_50000_rows_with_three_bad_ones_report_exactly_those_three_lines(tmp_path):
    bad = {7: row(7, phone="0772-12"), 25_000: row(25_000, mobile="1.38E+10"),
           49_990: row(49_990, name="")}
    lines = [HEADER] + [bad.get(n) or row(n) for n in range(1, 50_001)]
    path = tmp_path / "big.csv"
    path.write_text("".join(lines), encoding="utf-8")
    result = run_cli(["check", "--gen", "2022", "--roster", "big.csv"], cwd=tmp_path)
    assert result.code == 1
    assert result.err_lines[:-1] == [
        'error: big.csv:8: officer P00007 吴明: phone: "0772-12": not a valid Chinese number',
        'error: big.csv:25001: officer P25000 吴明: mobile: "1.38E+10": Excel\'s scientific notation; '
        "the last digits are lost (format the column as Text in Excel, retype the numbers and "
        "export again)",
        "error: big.csv:49991: officer P49990: name: missing (required)",
    ]


def _xlsx(path, sheets: dict[str, list[list]]) -> None:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for r in rows:
            sheet.append(r)
    book.save(path)


XLSX_HEADER = ["编号", "姓名", "职务", "电话", "手机", "微信", "单位"]


def test_xlsx_first_sheet_or_the_one_named(tmp_path):
    path = tmp_path / "staff.xlsx"
    _xlsx(path, {
        "说明": [["本表为柳东派出所民警名单"]],
        "民警": [XLSX_HEADER, ["A1", "吴明", "社区民警", "0772-2812345", 13800000001,
                             "https://u.wechat.com/A1", "柳东派出所"]],
    })
    with pytest.raises(InputError, match=r"staff.xlsx\[说明\]: no header row"):
        read_roster(path)
    roster = build_roster(read_roster(path, sheet="民警"))
    officer = roster.officers[0]
    assert (officer.id, officer.phone, officer.mobile) == ("A1", "0772-2812345", "138 0000 0001")
    assert officer.source.file == f"{path}[民警]" and officer.source.line == 2
    with pytest.raises(InputError, match=r'no sheet named "Sheet9" \(sheets: "说明", "民警"\)'):
        read_roster(path, sheet="Sheet9")


def test_xlsx_errors_name_sheet_and_row(tmp_path):
    path = tmp_path / "staff.xlsx"
    _xlsx(path, {"民警": [["柳东派出所民警名单"], [], XLSX_HEADER,
                          ["A1", "吴明", "社区民警", 7722812345, 13800000001,
                           "https://u.wechat.com/A1", "柳东派出所"],
                          ["A2", "覃晓红", "社区民警", "0772-2812346", 13800000002.5,
                           "https://u.wechat.com/A2", "柳东派出所"]]})
    with pytest.raises(InputError) as err:
        build_roster(read_roster(path))
    assert err.value.lines() == [
        f'error: {path}[民警]:4: officer A1: phone: "7722812345": lost its leading zero '
        '(a spreadsheet stored it as a number); write it as text: "0772-2812345"',
        f'error: {path}[民警]:5: officer A2: mobile: "13800000002.5": a number cell shown with '
        "decimals or separators, not as typed: type the number as text (format the column as "
        "Text, or start the entry with an apostrophe: '13800000001)",
    ]


def test_xlsx_from_stdin_with_sheet_option(tmp_path):
    path = tmp_path / "staff.xlsx"
    _xlsx(path, {"一所": [XLSX_HEADER, ["A1", "吴明", "", "", "13800000001",
                                       "https://u.wechat.com/A1", "一所"]],
                 "二所": [XLSX_HEADER, ["B1", "韦建国", "", "", "1380000000",
                                       "https://u.wechat.com/B1", "二所"]]})
    result = run_cli(["check", "--gen", "2022", "--roster", "-", "--sheet", "二所"],
                     cwd=tmp_path, stdin=path.read_bytes())
    assert result.code == 1
    assert result.err_lines[:-1] == [
        'error: <stdin>[二所]:2: officer B1 韦建国: mobile: "1380000000": not a valid mobile number']


def test_sheet_option_on_a_csv_is_refused(tmp_path):
    (tmp_path / "r.csv").write_text(HEADER + row(1), encoding="utf-8")
    result = run_cli(["check", "--gen", "2022", "--roster", "r.csv", "--sheet", "x"], cwd=tmp_path)
    assert result.code == 1
    assert result.err_lines[:-1] == [
        "error: r.csv: --sheet applies only to spreadsheet rosters (XLSX, XLS, ODS)"]


@pytest.mark.parametrize("encoding", ["utf-16", "gb18030"])
def test_tab_separated_unicode_text_and_gbk_with_english_headers(tmp_path, encoding):
    text = "ID\tName\tMobile\tUnit\nA1\t吴明\t13800000001\t柳东派出所\n"
    path = tmp_path / "r.txt"
    path.write_bytes(text.encode(encoding))
    officer = build_roster(read_roster(path)).officers[0]
    assert (officer.id, officer.name, officer.mobile, officer.unit.name) == \
        ("A1", "吴明", "138 0000 0001", "柳东派出所")


def test_csv_line_numbers_are_physical_lines_across_multiline_cells(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text('id,name,mobile,area,unit\nA1,吴明,13800000001,"柳东村\n新柳社区",所\n'
                    "A2,覃晓红,0772-12,新柳社区,所\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        build_roster(read_roster(path))
    assert err.value.lines() == [
        f'error: {path}:4: officer A2: mobile: "0772-12": not a valid mobile number']


def test_wechat_screenshot_is_decoded_to_its_url(tmp_path):
    (tmp_path / "wuming.png").write_bytes((DEFECTS / "wechat_ok.png").read_bytes())
    (tmp_path / "r.csv").write_text("id,name,mobile,wechat,unit\n"
                                    "A1,吴明,13800000001,wuming.png,所\n", encoding="utf-8")
    officer = build_roster(read_roster(tmp_path / "r.csv")).officers[0]
    assert officer.wechat == "https://u.wechat.com/SCREENSHOT1"


def _qr_screenshot(path, payload: str) -> None:
    import zxingcpp
    from PIL import Image

    code = zxingcpp.create_barcode(payload, zxingcpp.BarcodeFormat.QRCode)
    Image.fromarray(code.to_image(scale=6, add_quiet_zones=True)).save(path, format="PNG")


def test_a_screenshot_replaced_under_its_name_is_decoded_again_in_the_same_process(tmp_path):
    """A long-running caller (a service, a notebook): the officer replaces the screenshot
    with a new code under the same name; the next job reads the new code, and the card's
    digest (what --changed-since compares) changes with it."""
    from cardkit.report import card_digest

    (tmp_path / "r.csv").write_text("id,name,mobile,wechat,unit\n"
                                    "A1,吴明,13800000001,shots/A1.png,所\n", encoding="utf-8")
    (tmp_path / "shots").mkdir()
    _qr_screenshot(tmp_path / "shots" / "A1.png", "https://u.wechat.com/OLDCODE1")
    before = build_roster(read_roster(tmp_path / "r.csv")).officers[0]
    _qr_screenshot(tmp_path / "shots" / "A1.png", "https://u.wechat.com/NEWCODE2")
    after = build_roster(read_roster(tmp_path / "r.csv")).officers[0]
    assert (before.wechat, after.wechat) == ("https://u.wechat.com/OLDCODE1",
                                             "https://u.wechat.com/NEWCODE2")
    assert card_digest("design", before) != card_digest("design", after)
    (tmp_path / "copy.png").write_bytes((tmp_path / "shots" / "A1.png").read_bytes())
    (tmp_path / "r.csv").write_text("id,name,mobile,wechat,unit\n"
                                    "A1,吴明,13800000001,copy.png,所\n", encoding="utf-8")
    assert build_roster(read_roster(tmp_path / "r.csv")).officers[0].wechat == after.wechat


def test_yaml_date_and_number_where_text_belongs(tmp_path):
    path = tmp_path / "r.yaml"
    path.write_text("unit:\n  name: 所\nofficers:\n  - id: 007\n    name: 吴明\n"
                    "    mobile: '13800000001'\n    area: 2024-03-01\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        build_roster(read_roster(path))
    assert err.value.lines() == [
        f'error: {path}:4: officer 007: id: "007" is read by YAML as the number 7; put it in quotes',
        f'error: {path}:7: officer 007: area: "2024-03-01" is read by YAML as a date; '
        "put it in quotes",
    ]


def test_unit_hotline_is_checked_and_formatted(tmp_path):
    path = tmp_path / "r.yaml"
    path.write_text("unit:\n  name: 所\n  hotline: 0772 281 2345\nofficers:\n  - id: A1\n"
                    "    name: 吴明\n    mobile: '13800000001'\n", encoding="utf-8")
    assert build_roster(read_roster(path)).officers[0].unit.hotline == "0772-2812345"
    path.write_text("unit:\n  name: 所\n  hotline: 1.38E+10\nofficers:\n  - id: A1\n"
                    "    name: 吴明\n    mobile: '13800000001'\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        build_roster(read_roster(path))
    assert err.value.lines()[0].startswith(
        f'error: {path}:3: unit: hotline: "1.38E+10": Excel\'s scientific notation')


def test_gbk_csv_from_stdin_is_detected(tmp_path):
    data = (HEADER + row(1)).encode("gb18030")
    (tmp_path / "cardkit.yaml").write_text(
        'unit:\n  address: 柳东新区示例大道1号\n  hotline: "0772-2812000"\n', encoding="utf-8")
    result = run_cli(["check", "--gen", "2002", "--roster", "-"], cwd=tmp_path, stdin=data)
    assert result.code == 0, result.stderr
    assert result.err_lines == ["ok: generation 2002: no problems found"]


def test_unit_in_cardkit_yaml_written_as_a_number_is_located_there(tmp_path):
    (tmp_path / "cardkit.yaml").write_text("unit:\n  name: 柳东派出所\n  hotline: 07722012345\n",
                                           encoding="utf-8")
    (tmp_path / "r.csv").write_text("id,name,mobile\nA1,吴明,13800000001\n", encoding="utf-8")
    result = run_cli(["check", "--gen", "2002", "--roster", "r.csv"], cwd=tmp_path)
    assert result.code == 1
    assert result.err_lines[:-1] == [
        "error: cardkit.yaml:3: unit: hotline: written as a number (YAML reads it as "
        "1061688549); put it in quotes so that leading zeros are kept"]

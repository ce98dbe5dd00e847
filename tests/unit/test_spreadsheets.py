"""Spreadsheets as offices keep them: aliases, extra columns, title rows, XLS/ODS, number cells."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from cardkit.errors import InputError
from cardkit.roster.read import read_roster
from cardkit.roster.validate import build_roster

TITLE = "柳东派出所社区民警名单"
HEADER = ["序号", "编号", "姓名", "职务", "办公电话", "手机号", "微信号", "所属单位", "性别", "入职日期",
          "警号", "备注"]


def officer(n: int, phone: object = None, mobile: object = None) -> list[object]:
    return [n, f"LD{n:03d}", "吴明", "社区民警", phone or f"0772-{2812340 + n}",
            mobile or f"1380000{n:04d}", f"https://u.wechat.com/LD{n:03d}", "柳州市公安局柳东派出所",
            "男", "2015-09-01", f"45{n:04d}", ""]


def xlsx(path: Path, rows: list[list[object]], formats: dict[tuple[int, int], str] | None = None
         ) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "名单"
    for row in rows:
        sheet.append(row)
    for (r, c), number_format in (formats or {}).items():
        sheet.cell(row=r, column=c).number_format = number_format
    book.save(path)
    return path


def problems(path: Path) -> list[str]:
    with pytest.raises(InputError) as err:
        build_roster(read_roster(path))
    return err.value.lines()


def test_aliases_and_extra_columns_are_kept_with_one_notice(tmp_path):
    path = xlsx(tmp_path / "r.xlsx", [[TITLE], [], HEADER, officer(1), officer(2)])
    roster = build_roster(read_roster(path))
    first = roster.officers[0]
    assert (first.id, first.phone, first.mobile, first.wechat, first.unit.name) == (
        "LD001", "0772-2812341", "138 0000 0001", "https://u.wechat.com/LD001",
        "柳州市公安局柳东派出所")
    assert first.extra == {"序号": "1", "性别": "男", "入职日期": "2015-09-01"}
    assert first.badge == "450001"  # 警号 is the police number (issue 23)
    assert first.source.line == 4  # Excel's own row number, below the title rows
    assert [n.format() for n in roster.notes] == [
        f"notice: {path}[名单]:3: extra columns kept for templates as extra.*: 序号, 性别, 入职日期, "
        "备注"]


@pytest.mark.parametrize(("header", "suggestion"), [("手机好", "手机"), ("phnoe", "phone"),
                                                    ("wechatt", "wechat")])
def test_a_header_close_to_a_field_is_a_did_you_mean_error_once(tmp_path, header, suggestion):
    rows = [["编号", "姓名", "电话", "单位", header]] + [
        [f"A{n}", "吴明", "0772-2812345", "柳东派出所", "x"] for n in range(1, 4)]
    path = xlsx(tmp_path / "r.xlsx", rows)
    assert problems(path) == [
        f'error: {path}[名单]:1: {header}: unknown column (did you mean "{suggestion}"?)']


def test_a_csv_with_title_rows_is_read_like_the_xlsx(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text(f"{TITLE},,,,\n制表日期：2026年11月,,,,\n"
                    "编号,姓名,电话,手机,单位\n"
                    "A1,吴明,0772-2812345,13800000001,柳东派出所\n"
                    "A2,覃晓红,0772-12,13800000002,柳东派出所\n", encoding="utf-8")
    assert problems(path) == [f'error: {path}:5: officer A2: phone: "0772-12": not a valid Chinese number']


def test_csv_title_rows_with_tabs_find_the_delimiter(tmp_path):
    path = tmp_path / "r.txt"
    path.write_text(f"{TITLE}\n编号\t姓名\t手机\t单位\nA1\t吴明\t13800000001\t柳东派出所\n",
                    encoding="utf-8")
    roster = build_roster(read_roster(path))
    assert [(o.id, o.source.line) for o in roster.officers] == [("A1", 3)]


SCI = "0.00E+00"


@pytest.mark.parametrize(("value", "number_format", "message"), [
    (13800000001, SCI, '"1.38E+10": a number cell shown in scientific notation, not as typed; its '
     "last digits may be lost: type the number as text"),
    (7722812345.0, "0.0", '"7722812345.0": a number cell shown with decimals or separators, not as '
     "typed: type the number as text"),
    (13800000001, "#,##0", '"13,800,000,001": a number cell shown with decimals or separators'),
])
def test_a_number_cell_shown_otherwise_than_typed_is_refused(tmp_path, value, number_format,
                                                             message):
    rows = [["编号", "姓名", "手机", "单位"], ["A1", "吴明", value, "柳东派出所"]]
    path = xlsx(tmp_path / "r.xlsx", rows, {(2, 3): number_format})
    [line] = problems(path)
    assert line.startswith(f"error: {path}[名单]:2: officer A1: mobile: {message}"), line
    assert line.endswith("(format the column as Text, or start the entry with an apostrophe: "
                         "'13800000001)")


@pytest.mark.parametrize("number_format", ["General", "0", "@"])
def test_a_whole_number_in_general_or_0_format_is_accepted(tmp_path, number_format):
    rows = [["编号", "姓名", "手机", "单位"], [7, "吴明", 13800000001, "柳东派出所"]]
    path = xlsx(tmp_path / "r.xlsx", rows, {(2, 3): number_format, (2, 1): number_format})
    [first] = build_roster(read_roster(path)).officers
    assert (first.id, first.mobile) == ("7", "138 0000 0001")


def test_a_landline_number_cell_still_names_the_lost_zero(tmp_path):
    rows = [["编号", "姓名", "电话", "单位"], ["A1", "吴明", 7722812345, "柳东派出所"]]
    path = xlsx(tmp_path / "r.xlsx", rows, {(2, 3): "0"})
    assert problems(path) == [
        f'error: {path}[名单]:2: officer A1: phone: "7722812345": lost its leading zero (a '
        'spreadsheet stored it as a number); write it as text: "0772-2812345"']


def test_an_id_shown_in_scientific_notation_is_refused(tmp_path):
    rows = [["编号", "姓名", "手机", "单位"], [450001234567, "吴明", "13800000001", "柳东派出所"]]
    path = xlsx(tmp_path / "r.xlsx", rows, {(2, 1): SCI})
    [line] = problems(path)
    assert line.startswith(f'error: {path}[名单]:2: officer 450001234567: id: "4.50E+11": a number '
                           "cell shown in scientific notation")


# --- .xls (Excel 97-2003, WPS) through xlrd, written here with xlwt --------------------------

def xls(path: Path, rows: list[list[object]], formats: dict[tuple[int, int], str] | None = None,
        sheet: str = "名单") -> Path:
    xlwt = pytest.importorskip("xlwt")
    book = xlwt.Workbook(encoding="utf-8")
    worksheet = book.add_sheet(sheet)
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            number_format = (formats or {}).get((r + 1, c + 1))
            if number_format:
                worksheet.write(r, c, value, xlwt.easyxf(num_format_str=number_format))
            elif value is not None:
                worksheet.write(r, c, value)
    book.save(str(path))
    return path


def test_an_xls_roster_reads_like_xlsx(tmp_path):
    rows = [[TITLE], HEADER, officer(1), officer(2, phone=7722812345),
            officer(3, mobile=13800000003.0), officer(4, mobile=13800000004.0)]
    path = xls(tmp_path / "r.xls", rows, {(6, 6): SCI})
    assert problems(path)[1:] == [
        f'error: {path}[名单]:4: officer LD002: phone: "7722812345": lost its leading zero (a '
        'spreadsheet stored it as a number); write it as text: "0772-2812345"',
        f'error: {path}[名单]:6: officer LD004: mobile: "1.38E+10": a number cell shown in '
        "scientific notation, not as typed; its last digits may be lost: type the number as text "
        "(format the column as Text, or start the entry with an apostrophe: '13800000001)",
    ]
    good = xls(tmp_path / "good.xls", [[TITLE], HEADER, officer(1), officer(3, mobile=13800000003.0)])
    roster = build_roster(read_roster(good))
    assert [(o.id, o.mobile, o.source.line) for o in roster.officers] == [
        ("LD001", "138 0000 0001", 3), ("LD003", "138 0000 0003", 4)]
    assert roster.notes[0].severity == "notice" and roster.notes[0].line == 2


def test_an_xls_sheet_is_chosen_by_name(tmp_path):
    path = xls(tmp_path / "r.xls", [HEADER, officer(1)], sheet="二组")
    assert read_roster(path, sheet="二组").file == f"{path}[二组]"
    with pytest.raises(InputError, match='no sheet named "一组"'):
        read_roster(path, sheet="一组")


def test_a_damaged_xls_is_refused_in_one_line(tmp_path):
    path = tmp_path / "r.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    with pytest.raises(InputError, match="not a readable XLS workbook"):
        read_roster(path)


def test_an_xls_over_the_size_limit_is_refused_before_reading(tmp_path, monkeypatch):
    from cardkit.roster import xls_roster

    monkeypatch.setattr(xls_roster, "MAX_WORKBOOK_BYTES", 1000)
    path = xls(tmp_path / "r.xls", [HEADER, officer(1)])
    with pytest.raises(InputError, match=r"more than a roster can be \(0 MiB\)"):
        read_roster(path)


# --- .ods (LibreOffice) through odfpy: value and displayed text ------------------------------

def ods(path: Path, rows: list[list[object]], shown: dict[tuple[int, int], str] | None = None,
        repeat_empty: int = 0) -> Path:
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableCell, TableRow
    from odf.text import P

    document = OpenDocumentSpreadsheet()
    table = Table(name="名单")
    for r, row in enumerate(rows, start=1):
        table_row = TableRow()
        for c, value in enumerate(row, start=1):
            if value is None or value == "":
                table_row.addElement(TableCell())
                continue
            text = (shown or {}).get((r, c), str(value))
            if isinstance(value, (int, float)):
                cell = TableCell(valuetype="float", value=value)
            else:
                cell = TableCell(valuetype="string")
            cell.addElement(P(text=text))
            table_row.addElement(cell)
        table.addElement(table_row)
    if repeat_empty:
        table.addElement(TableRow(numberrowsrepeated=repeat_empty))
    document.spreadsheet.addElement(table)
    document.save(str(path))
    return path


def test_an_ods_roster_reads_like_xlsx(tmp_path):
    rows = [[TITLE], HEADER, officer(1), officer(2, mobile=13800000002),
            officer(3, mobile=13800000003)]
    path = ods(tmp_path / "r.ods", rows, shown={(5, 6): "1.38E+10"}, repeat_empty=1_048_000)
    assert problems(path)[1:] == [
        f'error: {path}[名单]:5: officer LD003: mobile: "1.38E+10": a number cell shown in '
        "scientific notation, not as typed; its last digits may be lost: type the number as text "
        "(format the column as Text, or start the entry with an apostrophe: '13800000001)"]
    good = ods(tmp_path / "good.ods", rows[:4])
    roster = build_roster(read_roster(good))
    assert [(o.id, o.mobile, o.source.line) for o in roster.officers] == [
        ("LD001", "138 0000 0001", 3), ("LD002", "138 0000 0002", 4)]


def test_an_ods_number_shown_with_decimals_is_refused(tmp_path):
    rows = [["编号", "姓名", "电话", "单位"], ["A1", "吴明", 7722812345, "柳东派出所"]]
    path = ods(tmp_path / "r.ods", rows, shown={(2, 3): "7722812345.0"})
    [line] = problems(path)
    assert line.startswith(f'error: {path}[名单]:2: officer A1: phone: "7722812345.0": a number cell '
                           "shown with decimals or separators")


def test_an_ods_from_standard_input_is_recognised(tmp_path):
    from conftest import run_cli

    path = ods(tmp_path / "r.ods", [["编号", "姓名", "电话", "单位"], ["A1", "吴明", "0772-12", "所"]])
    result = run_cli(["check", "--gen", "2022", "--roster", "-"], cwd=tmp_path,
                     stdin=path.read_bytes())
    assert result.err_lines[0] == ('error: <stdin>[名单]:2: officer A1 吴明: phone: "0772-12": not a '
                                   "valid Chinese number")


def test_a_damaged_ods_is_refused_in_one_line(tmp_path):
    path = tmp_path / "r.ods"
    path.write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(InputError, match="not a readable ODS spreadsheet"):
        read_roster(path)


def test_an_xls_from_standard_input_is_recognised(tmp_path):
    from conftest import run_cli

    path = xls(tmp_path / "r.xls", [["编号", "姓名", "电话", "单位"], ["A1", "吴明", "0772-12", "所"]])
    result = run_cli(["check", "--gen", "2022", "--roster", "-", "--sheet", "名单"], cwd=tmp_path,
                     stdin=path.read_bytes())
    assert result.err_lines[0] == ('error: <stdin>[名单]:2: officer A1 吴明: phone: "0772-12": not a '
                                   "valid Chinese number")

"""Issue 22, item 2: bounded spreadsheets. A small file that claims a million rows of text,
or a number format of megabytes, is refused with one line naming the cap, within 500 MiB
and well within a minute (each bomb runs in a subprocess under those limits), while the
huge repeats of empty cells LibreOffice writes in ordinary files stay accepted."""

from __future__ import annotations

import io
import resource
import subprocess
import sys
import zipfile

import pytest
from hostile_helpers import no_network, write

import cardkit
from cardkit.api import load_roster
from cardkit.design import generations
from cardkit.errors import InputError
from cardkit.roster import table
from cardkit.roster.read import read_roster

pytestmark = pytest.mark.usefixtures("no_network")
__all__ = ["no_network"]

MEMORY = 500 * 2**20
UNIT = "柳州市公安局柳东派出所"
_NS = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
       'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
       'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"')


def cell(text: str | None, repeat: int = 1) -> str:
    times = f' table:number-columns-repeated="{repeat}"' if repeat > 1 else ""
    if text is None:
        return f"<table:table-cell{times}/>"
    return (f'<table:table-cell office:value-type="string"{times}><text:p>{text}</text:p>'
            "</table:table-cell>")


def row(cells: str, repeat: int = 1) -> str:
    times = f' table:number-rows-repeated="{repeat}"' if repeat > 1 else ""
    return f"<table:table-row{times}>{cells}</table:table-row>"


def ods(*rows: str) -> bytes:
    """An ODS file of one sheet with these rows, as LibreOffice lays it out (small, generated)."""
    content = (f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {_NS}>'
               '<office:body><office:spreadsheet><table:table table:name="S">'
               f'{"".join(rows)}</table:table></office:spreadsheet></office:body>'
               "</office:document-content>")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"),
                         "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


HEADER = row(cell("编号") + cell("姓名") + cell("手机") + cell("单位"))


def officer(number: int) -> str:
    return row(cell(f"A{number}") + cell("吴明") + cell(f"1380000{number:04d}") + cell(UNIT))


def _limited() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))


def check_in_a_box(folder, roster: str) -> subprocess.CompletedProcess:
    """``cardkit check`` of ``roster`` in a process of at most 500 MiB, stopped after 120 s
    (the caps refuse a bomb in about a second; the timeout only catches a bomb that explodes)."""
    return subprocess.run([sys.executable, "-m", "cardkit", "check", "--gen", "2022", "--jobs", "1",
                           "--roster", roster], cwd=folder, capture_output=True, text=True,
                          timeout=120, preexec_fn=_limited, env=_environment())


def _environment() -> dict[str, str]:
    import os

    return {**os.environ, "LANG": "C.UTF-8"}


def one_error(result: subprocess.CompletedProcess) -> str:
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert result.returncode == 1, result.stderr[-2000:]
    assert len(errors) == 1 and "internal error" not in result.stderr, result.stderr[-2000:]
    assert len(result.stderr) < 2000  # nothing quoted at length
    return errors[0]


def test_an_ods_of_a_kilobyte_claiming_a_million_rows_is_refused_naming_the_row_cap(tmp_path):
    bomb = ods(HEADER, row(cell("x" * 150, 190), 1_000_000))
    assert len(bomb) < 2000
    write(tmp_path / "bomb.ods", bomb)
    line = one_error(check_in_a_box(tmp_path, "bomb.ods"))
    assert line == ("error: bomb.ods[S]:2: more than 250,000 rows hold content, more than a "
                    "roster can (one print job holds 250,000 cards); split it into smaller files")


def test_an_ods_of_fewer_rows_but_too_many_cells_is_refused_naming_the_cell_cap(tmp_path):
    write(tmp_path / "wide.ods", ods(HEADER, row(cell("x" * 150, 190), 30_000)))
    line = one_error(check_in_a_box(tmp_path, "wide.ods"))
    assert line == ("error: wide.ods[S]:2: more than 2,500,000 cells hold content, more than a "
                    "roster can; remove the columns no card uses, or split it into smaller files")


def test_a_cell_past_a_spreadsheets_own_limit_is_refused(tmp_path):
    write(tmp_path / "long.ods", ods(HEADER, row(cell("x" * 40_000, 3), 1000)))
    with pytest.raises(InputError) as caught:
        read_roster(tmp_path / "long.ods")
    assert str(caught.value) == (f"{tmp_path / 'long.ods'}[S]:2: a cell of 40,000 characters; a "
                                 "spreadsheet cell holds at most 32,767")


def test_libreoffices_huge_repeats_of_empty_cells_are_read_as_ever(tmp_path):
    empty_tail = cell(None, 16_380)
    data = ods(row(HEADER[len("<table:table-row>"):-len("</table:table-row>")] + empty_tail),
               *(row(officer(n)[len("<table:table-row>"):-len("</table:table-row>")] + empty_tail)
                 for n in range(1, 4)),
               row(cell(None, 1024), 1_048_000), row(cell(None, 16_384)))
    raw = read_roster(write(tmp_path / "lo.ods", data))
    assert [r.fields["id"] for r in raw.records] == ["A1", "A2", "A3"]


def test_the_caps_count_only_cells_with_content(tmp_path, monkeypatch):
    monkeypatch.setattr(table, "MAX_ROWS", 3)
    data = ods(HEADER, officer(1), officer(2), row(cell(None, 100), 5000))  # 3 rows hold text
    assert len(read_roster(write(tmp_path / "ok.ods", data)).records) == 2
    with pytest.raises(InputError, match=r"ok\.ods\[S\]:4: more than 3 rows hold content"):
        read_roster(write(tmp_path / "ok.ods", ods(HEADER, officer(1), officer(2), officer(3))))


def _xlsx_with_number_format(number_format: str, rows: int = 20) -> bytes:
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["编号", "姓名", "手机", "单位"])
    for number in range(rows):
        sheet.append([f"A{number}", "吴明", 13800000000 + number, UNIT])
        sheet.cell(row=number + 2, column=3).number_format = number_format
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_an_xlsx_with_a_five_megabyte_number_format_is_refused_naming_the_cap(tmp_path):
    data = _xlsx_with_number_format("0." + "0" * 5_000_000)
    assert len(data) < 30_000
    write(tmp_path / "bomb.xlsx", data)
    line = one_error(check_in_a_box(tmp_path, "bomb.xlsx"))
    assert line == ("error: bomb.xlsx[Sheet]:2: a number format of 5,000,002 characters; Excel's "
                    "hold at most 255: the workbook is damaged or made to do harm")


def test_a_value_quoted_in_a_message_is_cut_to_80_characters(tmp_path):
    data = _xlsx_with_number_format("0." + "0" * 250, rows=3)  # under the cap, shown at length
    project = cardkit.open_project(tmp_path)
    with pytest.raises(InputError) as caught:
        load_roster(project, generations.load(project, "2022"), write(tmp_path / "r.xlsx", data))
    lines = [d.format() for d in caught.value.diagnostics if d.fails()]
    assert len(lines) == 3 and all(len(line) < 400 for line in lines), lines
    assert f'mobile: "13800000000.{"0" * 68}…": a number cell shown with decimals' in lines[0]


def test_a_long_value_is_quoted_short_in_every_message_about_it(tmp_path):
    text = "编号,姓名,手机,单位\n" + f"A1,吴明,{'1' * 5000},{UNIT}\n"
    project = cardkit.open_project(tmp_path)
    with pytest.raises(InputError) as caught:
        load_roster(project, generations.load(project, "2022"), write(tmp_path / "r.csv", text))
    lines = [d.format() for d in caught.value.diagnostics]
    assert any('"' + "1" * 80 + '…": not a valid mobile number' in line for line in lines), lines
    assert all(len(line) < 400 for line in lines), lines


@pytest.mark.parametrize("name", ["r.csv", "r.xlsx", "r.ods"])
def test_a_roster_file_past_64_mib_is_refused_before_it_is_read(tmp_path, name):
    with open(tmp_path / name, "wb") as handle:
        handle.truncate(65 * 2**20)  # sparse: nothing to read, only its size
    with pytest.raises(InputError) as caught:
        read_roster(tmp_path / name)
    assert str(caught.value) == f"{tmp_path / name}: 65 MiB, more than a roster can be (64 MiB)"


def test_running_out_of_memory_is_said_never_swallowed_into_an_empty_reason(tmp_path,
                                                                            monkeypatch):
    from cardkit.roster import ods_roster

    def exhausted(*args, **kwargs):
        raise MemoryError

    monkeypatch.setattr(ods_roster, "read_table", exhausted)
    with pytest.raises(InputError) as caught:
        read_roster(write(tmp_path / "r.ods", ods(HEADER, officer(1))))
    assert str(caught.value) == (f"{tmp_path / 'r.ods'}: reading the spreadsheet ran out of "
                                 "memory; a roster this big must be split into smaller files")


def test_an_xls_number_format_past_excels_limit_is_refused_too(tmp_path):
    xlwt = pytest.importorskip("xlwt")
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("S")
    for column, text in enumerate(["编号", "姓名", "手机", "单位"]):
        sheet.write(0, column, text)
    sheet.write(1, 0, "A1")
    sheet.write(1, 1, "吴明")
    sheet.write(1, 2, 13800000001, xlwt.easyxf(num_format_str="0." + "0" * 3000))
    sheet.write(1, 3, UNIT)
    book.save(str(tmp_path / "r.xls"))
    with pytest.raises(InputError) as caught:
        read_roster(tmp_path / "r.xls")
    assert str(caught.value) == (f"{tmp_path / 'r.xls'}[S]:2: a number format of 3,002 "
                                 "characters; Excel's hold at most 255: the workbook is damaged or "
                                 "made to do harm")


def _rewritten_xlsx(data: bytes, change) -> bytes:
    """``data`` (an XLSX) with its first sheet's XML passed through ``change``."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                content = change(content)
            target.writestr(item, content)
    return out.getvalue()


def test_an_xlsx_whose_dimension_claims_the_whole_sheet_is_read_in_seconds(tmp_path):
    """5 KB claiming A1:XFD1048576 with a cell in the last row: openpyxl padded every row to
    16,384 cells, a million times (it ran past a minute)."""
    import re

    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["编号", "姓名", "手机", "单位"])
    sheet.append(["A1", "吴明", "13800000001", UNIT])
    for column, value in enumerate(["A2", "覃晓红", "12", UNIT], start=1):
        sheet.cell(row=1_048_576, column=column, value=value)
    out = io.BytesIO()
    workbook.save(out)
    write(tmp_path / "dim.xlsx", _rewritten_xlsx(out.getvalue(), lambda xml: re.sub(
        rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:XFD1048576"/>', xml)))
    line = one_error(check_in_a_box(tmp_path, "dim.xlsx"))
    assert line == ('error: dim.xlsx[Sheet]:1048576: officer A2 覃晓红: mobile: "12": '
                    'not a valid mobile number')


def test_an_xlsx_row_with_a_cell_past_column_256_is_refused_before_it_is_expanded(tmp_path):
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["编号", "姓名", "手机", "单位"])
    for number in range(20_000):
        sheet.append([f"A{number}", "吴明", f"1380000{number % 10000:04d}", UNIT])
    out = io.BytesIO()
    workbook.save(out)
    data = _rewritten_xlsx(out.getvalue(), lambda xml: xml.replace(
        b"</row>", b'<c r="XFD1" s="0"/></row>'))  # a styled cell at XFD in every row
    write(tmp_path / "wide.xlsx", data)
    line = one_error(check_in_a_box(tmp_path, "wide.xlsx"))
    assert line == ("error: wide.xlsx[Sheet]:1: a cell past column 256; a roster has a few dozen "
                    "columns: delete the columns after the roster's own")


def test_an_ods_row_with_a_cell_past_column_256_is_refused_before_it_is_expanded(tmp_path):
    far = row(cell("A1") + cell("吴明") + cell(None, 15_997) + cell("x"), 100_000)
    write(tmp_path / "far.ods", ods(HEADER, far))
    line = one_error(check_in_a_box(tmp_path, "far.ods"))
    assert line == ("error: far.ods[S]:2: a cell past column 256; a roster has a few dozen "
                    "columns: delete the columns after the roster's own")


def test_empty_cells_past_column_256_are_cut_not_counted(tmp_path):
    data = ods(row(HEADER[len("<table:table-row>"):-len("</table:table-row>")]
                   + cell(None, 300) + cell(None, 16_000)), officer(1))
    raw = read_roster(write(tmp_path / "r.ods", data))
    assert [r.fields["id"] for r in raw.records] == ["A1"]

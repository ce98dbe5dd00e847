"""Read rosters (who gets cards) from YAML, CSV, XLSX, XLS or ODS into raw records.

Raw records keep every value as text with the line it came from; turning them
into officers, and finding what is wrong with them, is ``cardkit.validate``'s job.
"""

from __future__ import annotations

import itertools
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from ..errors import Diagnostic, InputError
from ..i18n import _

# Column headers as stations write them (Chinese and English), and their field names.
# Documented in docs/reference.md (generated from this table).
HEADER_ALIASES = {
    "编号": "id", "姓名": "name", "职务": "post", "岗位": "post", "职位": "post",
    "电话": "phone", "办公电话": "phone", "手机": "mobile", "手机号": "mobile",
    "微信": "wechat", "微信号": "wechat", "辖区": "area", "单位": "unit", "地址": "address",
    "工作地址": "address", "热线": "hotline", "值班电话": "hotline", "网站": "website",
    "微博": "weibo", "民警编号": "id", "民警姓名": "name",
    "联系电话": "phone", "固定电话": "phone", "座机": "phone", "移动电话": "mobile",
    "手机号码": "mobile", "微信二维码": "wechat", "责任区": "area", "警务区": "area",
    "所属单位": "unit", "单位名称": "unit", "单位地址": "address", "所在单位": "unit",
    "派出所": "unit", "电话号码": "phone", "座机号码": "phone", "固话": "phone",
    "办公室电话": "phone", "微信号码": "wechat", "微信链接": "wechat", "负责社区": "area",
    "telephone": "phone", "tel": "phone", "cell": "mobile", "mobile_phone": "mobile",
    "wechat_url": "wechat", "station": "unit",
}
# Headers offices add that no card field stands for: kept as extra.* (named in one
# notice) without a did-you-mean, although some are close to a field's name (警号, 编号).
COMMON_EXTRAS = frozenset({
    "序号", "备注", "性别", "入职日期", "警号", "工号", "出生日期", "民族", "政治面貌", "学历",
    "身份证号", "年龄", "职级", "警衔", "籍贯", "邮箱", "照片", "部门",
    "no", "no.", "notes", "remarks", "gender", "email", "badge",
})


def column_name(header: object) -> str:
    """The field a column header stands for: an alias or a field name in any case."""
    text = header_text(header)
    packed = "".join(text.split())  # 姓 名, 手机　号 (spaces Excel users pad headers with)
    if packed in HEADER_ALIASES:
        return HEADER_ALIASES[packed]
    text = text.lower().replace(" ", "_")
    return HEADER_ALIASES.get(text, text)


def header_text(header: object) -> str:
    return str(header or "").replace("\ufeff", "").strip()


# Roster columns that describe the unit rather than the officer.
UNIT_COLUMNS = {"unit": "name", "address": "address", "hotline": "hotline",
                "website": "website", "weibo": "weibo", "unit_wechat": "wechat"}
FIELD_COLUMNS = ("id", "name", "post", "phone", "mobile", "wechat", "area", *UNIT_COLUMNS)


def typo_of(header: str) -> str | None:
    """The field name or alias ``header`` is a slip of the keyboard for, or None.

    Close means one edit for a short header (two for one over five characters); a
    header offices commonly add (COMMON_EXTRAS) is never a typo.
    """
    text = header_text(header)
    if text in COMMON_EXTRAS or text.lower() in COMMON_EXTRAS or len(text) < 2:
        return None
    lowered = text.lower().replace(" ", "_")
    best = None
    for choice in (*FIELD_COLUMNS, *HEADER_ALIASES):
        limit = 1 if max(len(choice), len(lowered)) <= 5 else 2
        if abs(len(choice) - len(lowered)) > limit:
            continue
        distance = _edit_distance(lowered, choice.lower())
        if 0 < distance <= limit and (best is None or distance < best[0]):
            best = (distance, choice)
    return best[1] if best else None


def _edit_distance(a: str, b: str) -> int:
    """Insertions, deletions, substitutions and swaps of two neighbours (``phnoe``: 1)."""
    rows = [list(range(len(b) + 1))]
    for i, char_a in enumerate(a, start=1):
        current = [i]
        for j, char_b in enumerate(b, start=1):
            best = min(rows[-1][j] + 1, current[j - 1] + 1, rows[-1][j - 1] + (char_a != char_b))
            if i > 1 and j > 1 and char_a == b[j - 2] and a[i - 2] == char_b:
                best = min(best, rows[-2][j - 2] + 1)
            current.append(best)
        rows.append(current)
    return rows[-1][-1]


@dataclass
class RawRecord:
    """One officer as read: field -> text, with the line of each field."""

    fields: dict[str, str | None]
    file: str
    line: int
    lines: dict[str, int] = field(default_factory=dict)
    numeric: set[str] = field(default_factory=set)  # fields YAML read as numbers
    # What the source says a value is, when it is not plain text: "int"/"float"/"octal"
    # (YAML or a spreadsheet number cell) or "date" (a spreadsheet date cell).
    kinds: dict[str, str] = field(default_factory=dict)
    # The YAML/spreadsheet reading of a number, to say how it was misread ("1043345637").
    readings: dict[str, str] = field(default_factory=dict)

    def line_of(self, key: str) -> int:
        return self.lines.get(key, self.line)


@dataclass
class RawRoster:
    """A roster as read, before validation."""

    file: str
    records: list[RawRecord]
    unit: dict[str, str | None] | None = None
    unit_lines: dict[str, int] = field(default_factory=dict)
    root: Path | None = None
    # A spreadsheet's header row: where it is, its columns' headers, and what was wrong with it
    # (two columns for one field). Extra columns are read as "extra.HEADER" fields.
    header_line: int = 0
    headers: dict[str, str] = field(default_factory=dict)  # field key -> header as written
    problems: list[Diagnostic] = field(default_factory=list)


HEADER_SEARCH_ROWS = 10


class Cell(NamedTuple):
    """A spreadsheet cell as read: its text, what it was stored as, and how it was shown."""

    text: str | None
    kind: str = ""  # "" text; "int", "float", "date", "bool"; "scientific"/"formatted" numbers
    shown: str = ""  # the number as the spreadsheet shows it, when that is not the text


def read_table(rows: Iterable[tuple[int, list[Cell]]], where: str, root: Path | None, *,
               header_required: bool = True) -> RawRoster:
    """Officers from rows of cells: the header is the first of the first ten rows naming
    both an id and a name column (title rows above it are skipped); row numbers are kept.

    Without such a row, ``header_required`` refuses the table; otherwise the first
    non-empty row is the header (and validation names what is missing).
    """
    rows = iter(rows)
    looked: list[tuple[int, list[Cell]]] = []
    header: tuple[int, list[Cell]] | None = None
    for number, row in rows:
        names = [column_name(c.text) if c.kind == "" and c.text else "" for c in row]
        if "id" in names and "name" in names:
            header = (number, row)
            break
        looked.append((number, row))
        if len(looked) >= HEADER_SEARCH_ROWS:
            break
    if header is None:
        filled = [item for item in looked if any(c.text for c in item[1])]
        if header_required or not filled:
            if not header_required:
                raise InputError(f"{where}: " + _("empty file"))
            raise InputError(f"{where}: " + _("no header row with id and name columns (编号, 姓名) "
                                              "in the first {rows} rows").format(rows=HEADER_SEARCH_ROWS))
        header = filled[0]
        rows = itertools.chain(looked[looked.index(header) + 1:], rows)
    line, cells = header
    columns, headers, problems = _map_columns(cells, where, line)
    records: list[RawRecord] = []
    for number, row in rows:
        fields: dict[str, str | None] = {}
        kinds: dict[str, str] = {}
        readings: dict[str, str] = {}
        for column, cell in zip(columns, row, strict=False):
            if not column:
                continue
            fields[column] = cell.text
            if cell.kind:
                kinds[column] = cell.kind
            if cell.shown:
                readings[column] = cell.shown
        if len(row) > len(columns) and any(c.text for c in row[len(columns):]):
            fields["(extra cells)"] = ",".join(c.text or "" for c in row[len(columns):])
        if not any(fields.values()):
            continue
        records.append(RawRecord(fields=fields, file=where, line=number, kinds=kinds,
                                 readings=readings))
    return RawRoster(file=where, records=records, root=root, header_line=line, headers=headers,
                     problems=problems)


def _map_columns(cells: list[Cell], where: str, line: int
                 ) -> tuple[list[str], dict[str, str], list[Diagnostic]]:
    """Each column's field key ("extra.HEADER" for a column no field stands for, "" to skip)."""
    columns: list[str] = []
    headers: dict[str, str] = {}
    problems: list[Diagnostic] = []
    for number, cell in enumerate(cells, start=1):
        text = header_text(cell.text) if cell.kind == "" else header_text(cell.shown or cell.text)
        if not text:
            columns.append("")
            continue
        key = column_name(text)
        if key not in FIELD_COLUMNS:
            key = f"extra.{text}"
        if key in headers:
            problems.append(Diagnostic(
                file=where, line=line, field=key.removeprefix("extra."),
                message=_('columns "{first}" and "{second}" (column {number}) are the same field; '
                          "keep one").format(first=headers[key], second=text, number=number)))
            columns.append("")
            continue
        headers[key] = text
        columns.append(key)
    return columns, headers, problems


def read_roster(path: str | Path, sheet: str | None = None) -> RawRoster:
    """Read a roster file by its extension (or, for ``-``, standard input, by its content).

    ``sheet`` names the worksheet of an XLSX, XLS or ODS roster (default: the first one).
    """
    from .. import workbooks
    from . import csv_roster, xlsx_roster, yaml_roster

    if str(path) == "-":
        data = sys.stdin.buffer.read()
        root = Path.cwd()
        if data.startswith(b"PK\x03\x04") and workbooks.is_ods(data):
            return workbooks.read_ods_roster(data, name="<stdin>", root=root, sheet=sheet)
        if data.startswith(b"PK\x03\x04"):
            return xlsx_roster.read_xlsx_roster(data, name="<stdin>", root=root, sheet=sheet)
        if data.startswith(workbooks.OLE_MAGIC):
            return workbooks.read_xls_roster(data, name="<stdin>", root=root, sheet=sheet)
        _no_sheet(sheet, "<stdin>")
        if _looks_like_yaml(data):
            return yaml_roster.read_yaml_roster(data, name="<stdin>", root=root)
        return csv_roster.read_csv_roster(data, name="<stdin>", root=root)
    path = Path(path)
    if not path.is_file():
        raise InputError(_("roster {path} not found").format(path=repr(str(path))))
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return xlsx_roster.read_xlsx_roster(path.read_bytes(), name=str(path), root=path.parent,
                                            sheet=sheet)
    if suffix == ".ods":
        return workbooks.read_ods_roster(path.read_bytes(), name=str(path), root=path.parent,
                                         sheet=sheet)
    if suffix == ".xls":
        return workbooks.read_xls_roster(_bounded_read(path), name=str(path), root=path.parent,
                                         sheet=sheet)
    _no_sheet(sheet, str(path))
    if suffix in (".yaml", ".yml"):
        return yaml_roster.read_yaml_roster(path, name=str(path), root=path.parent)
    if suffix in (".csv", ".txt", ".tsv"):
        return csv_roster.read_csv_roster(path.read_bytes(), name=str(path), root=path.parent)
    raise InputError(_("roster {path}: unknown format {suffix}; use .yaml, .csv, .xlsx, .xls "
                       "or .ods").format(
        path=repr(str(path)), suffix=suffix or _("(none)")))


def _bounded_read(path: Path) -> bytes:
    from ..workbooks import MAX_WORKBOOK_BYTES

    if path.stat().st_size > MAX_WORKBOOK_BYTES:
        raise InputError(f"{path}: " + _("{size} MiB, more than a roster can be ({limit} MiB)").format(
            size=path.stat().st_size // 2**20, limit=MAX_WORKBOOK_BYTES // 2**20))
    return path.read_bytes()


def _no_sheet(sheet: str | None, name: str) -> None:
    if sheet is not None:
        raise InputError(f"{name}: " + _("--sheet applies only to spreadsheet rosters (XLSX, XLS, ODS)"))


def _looks_like_yaml(data: bytes) -> bool:
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:200]
    return head.startswith((b"unit:", b"officers:", b"---", b"#"))

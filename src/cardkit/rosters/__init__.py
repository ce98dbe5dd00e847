"""Read rosters (who gets cards) from YAML, CSV or XLSX into raw records.

Raw records keep every value as text with the line it came from; turning them
into officers, and finding what is wrong with them, is ``cardkit.validate``'s job.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError
from ..i18n import _

# Chinese column headers as stations export them, and their field names.
HEADER_ALIASES = {
    "编号": "id", "警号": "id", "姓名": "name", "职务": "post", "岗位": "post",
    "电话": "phone", "办公电话": "phone", "手机": "mobile", "手机号": "mobile",
    "微信": "wechat", "辖区": "area", "单位": "unit", "地址": "address",
    "工作地址": "address", "热线": "hotline", "值班电话": "hotline", "网站": "website",
    "微博": "weibo", "序号": "", "备注": "", "民警编号": "id", "民警姓名": "name",
    "联系电话": "phone", "固定电话": "phone", "座机": "phone", "移动电话": "mobile",
    "手机号码": "mobile", "微信二维码": "wechat", "责任区": "area", "警务区": "area",
    "所属单位": "unit", "单位名称": "unit", "单位地址": "address",
}


def column_name(header: object) -> str:
    """The field a column header stands for: Chinese aliases, English in any case."""
    text = str(header or "").replace("\ufeff", "").strip()
    if text in HEADER_ALIASES:
        return HEADER_ALIASES[text]
    text = text.lower().replace(" ", "_")
    return HEADER_ALIASES.get(text, text)


# Roster columns that describe the unit rather than the officer.
UNIT_COLUMNS = {"unit": "name", "address": "address", "hotline": "hotline",
                "website": "website", "weibo": "weibo", "unit_wechat": "wechat"}


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


def read_roster(path: str | Path, sheet: str | None = None) -> RawRoster:
    """Read a roster file by its extension (or, for ``-``, standard input, by its content).

    ``sheet`` names the worksheet of an XLSX roster (default: the first one).
    """
    from . import csv_roster, xlsx_roster, yaml_roster

    if str(path) == "-":
        if _is_terminal(sys.stdin):  # nobody would ever type a roster: refuse instead of waiting
            from ..errors import UsageError

            raise UsageError(_("--roster -: standard input is a terminal; pipe or redirect the "
                               "roster (< roster.csv)"))
        data = sys.stdin.buffer.read()
        root = Path.cwd()
        if data.startswith(b"PK\x03\x04"):
            return xlsx_roster.read_xlsx_roster(data, name="<stdin>", root=root, sheet=sheet)
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
    _no_sheet(sheet, str(path))
    if suffix in (".yaml", ".yml"):
        return yaml_roster.read_yaml_roster(path, name=str(path), root=path.parent)
    if suffix in (".csv", ".txt", ".tsv"):
        return csv_roster.read_csv_roster(path.read_bytes(), name=str(path), root=path.parent)
    if suffix == ".xls":
        raise InputError(_("roster {path}: old Excel format (.xls); in Excel use "
                           "Save As > Excel Workbook (.xlsx) or CSV UTF-8").format(path=repr(str(path))))
    raise InputError(_("roster {path}: unknown format {suffix}; use .yaml, .csv or .xlsx").format(
        path=repr(str(path)), suffix=suffix or _("(none)")))


def _is_terminal(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError, OSError):
        return False


def _no_sheet(sheet: str | None, name: str) -> None:
    if sheet is not None:
        raise InputError(f"{name}: " + _("--sheet applies only to XLSX rosters"))


def _looks_like_yaml(data: bytes) -> bool:
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:200]
    return head.startswith((b"unit:", b"officers:", b"---", b"#"))

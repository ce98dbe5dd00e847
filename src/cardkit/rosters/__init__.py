"""Read rosters (who gets cards) from YAML or CSV into raw records.

Raw records keep every value as text with the line it came from; turning them
into officers, and finding what is wrong with them, is ``cardkit.validate``'s job.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError

# Chinese column headers as stations export them, and their field names.
HEADER_ALIASES = {
    "编号": "id", "警号": "id", "姓名": "name", "职务": "post", "岗位": "post",
    "电话": "phone", "办公电话": "phone", "手机": "mobile", "手机号": "mobile",
    "微信": "wechat", "辖区": "area", "单位": "unit", "地址": "address",
    "工作地址": "address", "热线": "hotline", "值班电话": "hotline", "网站": "website",
    "微博": "weibo",
}
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


def read_roster(path: str | Path) -> RawRoster:
    """Read a roster file by its extension; ``-`` reads YAML or CSV from standard input."""
    from . import csv_roster, yaml_roster

    if str(path) == "-":
        data = sys.stdin.buffer.read()
        if _looks_like_yaml(data):
            return yaml_roster.read_yaml_roster(data, name="<stdin>", root=Path.cwd())
        return csv_roster.read_csv_roster(data, name="<stdin>", root=Path.cwd())
    path = Path(path)
    if not path.is_file():
        raise InputError(f"roster {str(path)!r} not found")
    suffix = path.suffix.lower()
    if suffix in (".yaml", ".yml"):
        return yaml_roster.read_yaml_roster(path, name=str(path), root=path.parent)
    if suffix in (".csv", ".txt"):
        return csv_roster.read_csv_roster(path.read_bytes(), name=str(path), root=path.parent)
    raise InputError(f"roster {str(path)!r}: unknown format {suffix or '(none)'}; use .yaml or .csv")


def _looks_like_yaml(data: bytes) -> bool:
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:200]
    return head.startswith((b"unit:", b"officers:", b"---", b"#"))

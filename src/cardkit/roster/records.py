"""Raw records: a roster as read, every value text with the line it came from, and the
column names a station's spreadsheet may use for each field.

The readers (``read``, one module per format) make them; turning them into
officers, and finding what is wrong with them, is ``validate``'s job.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

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
    "网上公安局": "web.网上公安局", "网上警务室": "web.网上警务室", "卡通形象": "mascot",
    "吉祥物": "mascot",
}


def column_name(header: object) -> str:
    """The field a column header stands for: Chinese aliases, English in any case."""
    text = str(header or "").replace("\ufeff", "").strip()
    if text in HEADER_ALIASES:
        return HEADER_ALIASES[text]
    text = text.lower().replace(" ", "_")
    return HEADER_ALIASES.get(text, text)


# Roster columns that describe the unit rather than the officer (and ``web.LABEL``:
# the unit's web address of that label, e.g. a 网上公安局 column).
UNIT_COLUMNS = {"unit": "name", "address": "address", "hotline": "hotline",
                "website": "website", "weibo": "weibo", "unit_wechat": "wechat",
                "mascot": "mascot"}


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
    specimen: bool = False  # the roster says specimen: true

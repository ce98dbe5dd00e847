"""Raw records: a roster as read, every value text with the line it came from, and the
column names a station's spreadsheet may use for each field.

The readers (``read``, one module per format) make them; turning them into
officers, and finding what is wrong with them, is ``validate``'s job.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import Diagnostic, field_label

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
    "网上公安局": "web.网上公安局", "网上警务室": "web.网上警务室", "卡通形象": "mascot",
    "吉祥物": "mascot", "警号": "badge", "police_number": "badge",
}
# 警号 (the police number, field ``badge``) is also the id of a table without an id column.
ID_FALLBACK = "badge"
# Headers offices add that no card field stands for: kept as extra.* (named in one
# notice) without a did-you-mean, although some are close to a field's name (工号, 编号).
COMMON_EXTRAS = frozenset({
    "序号", "备注", "性别", "入职日期", "工号", "出生日期", "民族", "政治面貌", "学历",
    "身份证号", "年龄", "职级", "警衔", "籍贯", "邮箱", "照片", "部门",
    "no", "no.", "notes", "remarks", "gender", "email",
})
# What separates the parts of a header: alternatives (责任区/辖区) and words in brackets
# (联系电话（办公）, 移动电话（手机）).
_PARTS = re.compile(r"[/／\\、,，;；|｜()（）\[\]【】<>《》]+")


@dataclass(frozen=True)
class HeaderMatch:
    """What a column header stands for (``match_header``)."""

    key: str  # the field key; for a column no field stands for, the header as extra's name
    parts: bool = False  # matched by one of its parts, not as a whole
    fields: tuple[str, ...] = ()  # its parts name these different fields: kept as an extra
    looks_like: tuple[str, str] = ("", "")  # (field, alias) an extra's header contains


def match_header(header: object) -> HeaderMatch:
    """The field a column header stands for.

    The whole header first: an alias or a field name in any case (an exact alias wins).
    Then its parts, split at alternatives and brackets (``责任区/辖区``, ``联系电话（办公）``,
    ``移动电话（手机）``): parts that name one field give it; parts that name two fields
    give none (``fields`` names them, to warn). A header that still names no field but
    contains an alias (``紧急联系人电话``) ``looks_like`` that field.
    """
    text = header_text(header)
    whole = _exact(text)
    if whole:
        return HeaderMatch(whole)
    plain = text.lower().replace(" ", "_")
    parts = [part for part in _PARTS.split(text) if part.strip()]
    if len(parts) > 1:
        found: list[str] = []
        for part in parts:
            key = _exact(part)
            if key and key not in found:
                found.append(key)
        if set(found) == {"id", ID_FALLBACK}:  # 编号/警号: the police number, the id too
            return HeaderMatch(ID_FALLBACK, parts=True)
        if len(found) == 1:
            return HeaderMatch(found[0], parts=True)
        if found:
            return HeaderMatch(plain, fields=tuple(found))
    return HeaderMatch(plain, looks_like=_contained(text))


def column_name(header: object) -> str:
    """The field a column header stands for: an alias or a field name in any case, or the
    field its parts name (``match_header``)."""
    return match_header(header).key


def _exact(text: str) -> str:
    """The field ``text`` names as a whole: an alias (spaces ignored) or a field's key."""
    text = text.strip()
    packed = "".join(text.split())  # 姓 名, 手机　号 (spaces Excel users pad headers with)
    if packed in HEADER_ALIASES:
        return HEADER_ALIASES[packed]
    lowered = text.lower().replace(" ", "_")
    if lowered in HEADER_ALIASES:
        return HEADER_ALIASES[lowered]
    return lowered if is_field_column(lowered) else ""


def _contained(text: str) -> tuple[str, str]:
    """(field, alias) of the longest Chinese alias inside ``text``, or ("", "")."""
    if text in COMMON_EXTRAS:
        return "", ""
    best = ("", "")
    for alias, key in HEADER_ALIASES.items():
        if len(alias) >= 2 and not alias.isascii() and alias in text and len(alias) > len(best[1]):
            best = (key, alias)
    return best


def extra_warning(header: str, file: str, line: int) -> Diagnostic | None:
    """The warning for a column kept as ``extra.*`` that looks like a field the card prints:
    its parts name two fields, or it contains a field's name; None for any other column."""
    from ..i18n import _

    match = match_header(header)
    if match.fields:
        message = _("this column names two fields, {first} and {second}, so it is kept as "
                    "extra.{column} and not printed; title it with one of them, or split it "
                    "into two columns").format(first=field_label(match.fields[0]),
                                               second=field_label(match.fields[1]), column=header)
    elif match.looks_like[0]:
        field, alias = match.looks_like
        message = _('this column looks like {field} but is kept as extra.{column}, so the card '
                    'does not print it; title the column "{alias}" if it is the officer\'s '
                    "{field}").format(field=field_label(field), column=header, alias=alias)
    else:
        return None
    return Diagnostic(file=file, line=line, field=header, severity="warning", message=message)


def header_text(header: object) -> str:
    return str(header or "").replace("\ufeff", "").strip()


# Roster columns that describe the unit rather than the officer (and ``web.LABEL``:
# the unit's web address of that label, e.g. a 网上公安局 column).
UNIT_COLUMNS = {"unit": "name", "address": "address", "hotline": "hotline",
                "website": "website", "weibo": "weibo", "unit_wechat": "wechat",
                "mascot": "mascot", "mascot_image": "mascot_image",
                "mascot_image_cmyk": "mascot_image_cmyk"}
FIELD_COLUMNS = ("id", "name", "post", "phone", "mobile", "wechat", "area", "badge", *UNIT_COLUMNS)


def is_field_column(key: str) -> bool:
    """Whether a column key (``column_name``) is a roster field rather than an extra column."""
    return key in FIELD_COLUMNS or key.startswith("web.")


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
    unit: dict[str, object] | None = None  # text or None; a YAML roster's web: a list
    unit_lines: dict[str, int] = field(default_factory=dict)
    root: Path | None = None
    specimen: bool = False  # the roster says specimen: true
    # A spreadsheet's header row: where it is, its columns' headers, and what was wrong with it
    # (two columns for one field). Extra columns are read as "extra.HEADER" fields.
    header_line: int = 0
    headers: dict[str, str] = field(default_factory=dict)  # field key -> header as written
    problems: list[Diagnostic] = field(default_factory=list)

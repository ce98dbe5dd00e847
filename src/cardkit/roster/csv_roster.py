"""CSV rosters as stations export them from Excel.

The encoding is detected, never asked for: UTF-8 (with or without BOM), UTF-16 with
BOM (Excel's "Unicode text", tab-separated), else GB18030 (a superset of GBK, what a
Chinese Windows Excel writes for plain "CSV"). The delimiter is a comma, a tab or a
semicolon, whichever the header row uses. Line numbers are physical lines of the file,
so a quoted cell that spans lines does not shift the rows after it.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from ..errors import InputError
from ..i18n import _
from .records import RawRecord, RawRoster, column_name

ENCODINGS = ("utf-8-sig", "gb18030")


def decode(data: bytes, name: str) -> str:
    """Decode CSV bytes in whichever encoding a station's Excel may have used."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    for encoding in ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise InputError(f"{name}: " + _("neither UTF-8 nor GB18030 text; save it as CSV UTF-8 "
                                       "from Excel"))


def _delimiter(text: str) -> str:
    header = text.split("\n", 1)[0]
    counts = {d: header.count(d) for d in (",", "\t", ";")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def read_csv_roster(data: bytes, *, name: str, root: Path) -> RawRoster:
    text = decode(data, name)
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise InputError(f"{name}:{line}: " + _("contains a NUL byte; is it really a CSV file?"))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    try:
        header = next(reader)
    except StopIteration:
        raise InputError(f"{name}: " + _("empty file")) from None
    except csv.Error as exc:
        raise InputError(f"{name}:1: " + _("CSV: {reason}").format(reason=exc)) from None
    columns = [column_name(h) for h in header]
    records = []
    line = reader.line_num
    try:
        for row in reader:
            start = line + 1
            line = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            fields: dict[str, str | None] = {}
            for column, cell in zip(columns, row, strict=False):
                if column:
                    fields[column] = cell.strip() or None
            if len(row) > len(columns) and any(c.strip() for c in row[len(columns):]):
                fields["(extra cells)"] = ",".join(row[len(columns):])
            records.append(RawRecord(fields=fields, file=name, line=start))
    except csv.Error as exc:
        raise InputError(f"{name}:{reader.line_num}: " + _("CSV: {reason}").format(reason=exc)) from None
    return RawRoster(file=name, records=records, root=root)

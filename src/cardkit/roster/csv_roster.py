"""CSV rosters as stations export them from Excel.

The encoding is detected, never asked for: UTF-8 (with or without BOM), UTF-16 with
BOM (Excel's "Unicode text", tab-separated), else GB18030 (a superset of GBK, what a
Chinese Windows Excel writes for plain "CSV"). The delimiter is a comma, a tab or a
semicolon, whichever the header row uses. The header is found below any title rows,
as in a spreadsheet (see ``read_table``). Line numbers are physical lines of the file,
so a quoted cell that spans lines does not shift the rows after it.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from ..errors import InputError
from ..i18n import _
from .records import RawRoster
from .table import HEADER_SEARCH_ROWS, Cell, read_table

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
    """The delimiter the header uses: the one most used on any of the first lines (title
    rows above the header may hold none)."""
    head = text.split("\n", HEADER_SEARCH_ROWS + 1)[:HEADER_SEARCH_ROWS]
    counts = {d: max(line.count(d) for line in head) for d in (",", "\t", ";")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def read_csv_roster(data: bytes, *, name: str, root: Path) -> RawRoster:
    text = decode(data, name)
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise InputError(f"{name}:{line}: " + _("contains a NUL byte; is it really a CSV file?"))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))

    def rows():
        line = 0
        try:
            for row in reader:
                start = line + 1
                line = reader.line_num
                yield start, [Cell(cell.strip() or None) for cell in row]
        except csv.Error as exc:
            raise InputError(f"{name}:{reader.line_num}: " + _("CSV: {reason}").format(
                reason=exc)) from None

    return read_table(rows(), name, root, header_required=False)

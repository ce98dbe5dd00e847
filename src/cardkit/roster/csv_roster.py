"""CSV rosters as stations export them from Excel.

The encoding is detected on the whole file, never asked for: UTF-8 (with or without BOM),
UTF-16 with BOM (Excel's "Unicode text", tab-separated), else GB18030 (a superset of GBK,
what a Chinese Windows Excel writes for plain "CSV"); a UTF-8 file with a few bytes that
are not is refused naming them (see ``decode``). The delimiter is a comma, a tab or a
semicolon, whichever the header row uses. The header is found below any title rows,
as in a spreadsheet (see ``read_table``). Line numbers are physical lines of the file,
so a quoted cell that spans lines does not shift the rows after it.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from pathlib import Path

from ..errors import InputError
from ..i18n import _, ngettext
from .records import RawRoster
from .table import HEADER_SEARCH_ROWS, Cell, read_table


def decode(data: bytes, name: str) -> str:
    """Decode CSV bytes in whichever encoding a station's Excel may have used, decided on the
    whole file: UTF-8 (with or without BOM) or UTF-16 with BOM; a file that is UTF-8 but for
    a few bytes is refused naming them; else GB18030.

    "Reads as Chinese" is no test (UTF-8 read as GB18030 is Han text too: 吴明 becomes
    鍚存槑), so the choice is made on the file's UTF-8 structure: GBK text makes valid UTF-8
    sequences only by chance (路 is C2 B7), far fewer than the bytes that break the rules,
    while a UTF-8 file damaged by a stray Windows-1252 byte has almost none that do.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    valid, invalid = _utf8_census(data)
    if valid < UTF8_MAJORITY * len(invalid):  # not UTF-8: a Chinese Windows "CSV"
        try:
            return data.decode("gb18030")
        except UnicodeDecodeError as exc:
            line = data.count(b"\n", 0, exc.start) + 1
            raise InputError(f"{name}:{line}: " + _(
                "neither UTF-8 nor GB18030 text; save it as CSV UTF-8 from Excel")) from None
    first = invalid[0]
    run = data[first:first + 4]
    try:
        run.decode("utf-8")
    except UnicodeDecodeError as exc:
        run = run[:max(1, exc.end)]
    line = data.count(b"\n", 0, first) + 1
    raise InputError(f"{name}:{line}: " + ngettext(
        "the bytes {bytes} are not UTF-8, though the rest of the file is ({count} such byte in "
        "all): the file mixes encodings; retype the text there, or save the file again as CSV "
        "UTF-8",
        "the bytes {bytes} are not UTF-8, though the rest of the file is ({count} such bytes in "
        "all): the file mixes encodings; retype the text there, or save the file again as CSV "
        "UTF-8", len(invalid)).format(bytes=" ".join(f"0x{b:02X}" for b in run),
                                      count=len(invalid)))


UTF8_MAJORITY = 2  # bytes in valid multi-byte UTF-8 sequences per byte that breaks the rules


def _utf8_census(data: bytes) -> tuple[int, list[int]]:
    """(bytes in valid multi-byte UTF-8 sequences, offsets of the bytes in none)."""
    valid = 0
    invalid: list[int] = []
    decoder = codecs.getincrementaldecoder("utf-8")
    offset = 0
    for match in _HIGH.finditer(data):  # runs of non-ASCII bytes, each decoded on its own
        run, offset = match.group(), match.start()
        while run:
            try:
                decoder().decode(run, final=True)
                valid += len(run)
                break
            except UnicodeDecodeError as exc:
                valid += exc.start
                invalid.append(offset + exc.start)
                offset += exc.start + 1
                run = run[exc.start + 1:]
    return valid, invalid


_HIGH = re.compile(rb"[\x80-\xff]+")


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

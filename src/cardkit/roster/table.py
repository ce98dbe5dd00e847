"""Rows of spreadsheet cells (CSV, XLSX, XLS, ODS) into raw records: the header found
below any title rows, each column mapped to its field (or kept as ``extra.HEADER``),
the sheet's own row numbers kept."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import NamedTuple

from ..errors import Diagnostic, InputError
from ..i18n import _
from ..limits import MAX_CARDS
from .records import ID_FALLBACK, RawRecord, RawRoster, column_name, header_text, is_field_column

HEADER_SEARCH_ROWS = 10
# What a roster's sheet may hold, counted before a repeat is expanded (ODS) and as rows are
# read, so that a small file claiming a million rows of text is refused at once. Only cells
# with content count: LibreOffice writes huge repeats of empty cells in ordinary files.
MAX_ROWS = MAX_CARDS  # rows with content: what one print job holds
MAX_CELLS = 2_500_000  # cells with content: 160,000 officers of 15 columns (some 300 MiB read)
MAX_CELL_CHARS = 32_767  # Excel's and LibreOffice's own limit for a cell's text
MAX_SHEET_COLUMNS = 256  # what an XLS sheet holds; a roster needs a few dozen (at most 200)


class Cell(NamedTuple):
    """A spreadsheet cell as read: its text, what it was stored as, and how it was shown."""

    text: str | None
    kind: str = ""  # "" text; "int", "float", "date", "bool"; "scientific"/"formatted" numbers
    shown: str = ""  # the number as the spreadsheet shows it, when that is not the text


def read_table(rows: Iterable[tuple[int, list[Cell]]], where: str, root: Path | None, *,
               header_required: bool = True) -> RawRoster:
    """Officers from rows of cells: the header is the first of the first ten rows naming
    both an id (or 警号) and a name column (title rows above it are skipped); row numbers
    are kept. Without an id column, 警号 (``badge``) is the id too.

    Without such a row, ``header_required`` refuses the table; otherwise the first
    non-empty row is the header (and validation names what is missing).
    """
    rows = bounded(rows, where)
    header, rows = _header(rows, where, header_required)
    line, cells = header
    columns, headers, problems = _map_columns(cells, where, line)
    badge_is_id = "id" not in headers and ID_FALLBACK in headers
    records = [record for number, row in rows
               if (record := _record(number, row, columns, badge_is_id, where)) is not None]
    return RawRoster(file=where, records=records, root=root, header_line=line, headers=headers,
                     problems=problems)


def _header(rows: Iterator[tuple[int, list[Cell]]], where: str, header_required: bool
            ) -> tuple[tuple[int, list[Cell]], Iterator[tuple[int, list[Cell]]]]:
    """The header row, and the rows after it."""
    looked: list[tuple[int, list[Cell]]] = []
    for number, row in rows:
        names = [column_name(c.text) if c.kind == "" and c.text else "" for c in row]
        if ("id" in names or ID_FALLBACK in names) and "name" in names:
            return (number, row), rows
        looked.append((number, row))
        if len(looked) >= HEADER_SEARCH_ROWS:
            break
    filled = [item for item in looked if any(c.text for c in item[1])]
    if header_required or not filled:
        if not header_required:
            raise InputError(f"{where}: " + _("empty file"))
        raise InputError(f"{where}: " + _("no header row with id and name columns (编号, 姓名) "
                                          "in the first {rows} rows").format(rows=HEADER_SEARCH_ROWS))
    header = filled[0]
    return header, itertools.chain(looked[looked.index(header) + 1:], rows)


def _record(number: int, row: list[Cell], columns: list[str], badge_is_id: bool,
            where: str) -> RawRecord | None:
    """A row's fields by column, or None for a row with nothing in it."""
    fields: dict[str, str | None] = {}
    kinds: dict[str, str] = {}
    readings: dict[str, str] = {}
    for column, cell in zip(columns, row, strict=False):
        if not column:
            continue
        for key in ("id", column) if badge_is_id and column == ID_FALLBACK else (column,):
            fields[key] = cell.text
            if cell.kind:
                kinds[key] = cell.kind
            if cell.shown:
                readings[key] = cell.shown
    if len(row) > len(columns) and any(c.text for c in row[len(columns):]):
        fields["(extra cells)"] = ",".join(c.text or "" for c in row[len(columns):])
    if not any(fields.values()):
        return None
    return RawRecord(fields=fields, file=where, line=number, kinds=kinds, readings=readings)


class Tally:
    """Rows and cells with content read so far, refused past ``MAX_ROWS`` and ``MAX_CELLS``."""

    def __init__(self, where: str) -> None:
        self.where, self.rows, self.cells = where, 0, 0

    def add(self, line: int, cells: int, times: int = 1) -> None:
        """Count ``times`` rows of ``cells`` cells with content, the first at ``line``."""
        self.rows += times
        self.cells += cells * times
        if self.rows > MAX_ROWS:
            raise InputError(f"{self.where}:{line}: " + _(
                "more than {limit} rows hold content, more than a roster can (one print job "
                "holds {limit} cards); split it into smaller files").format(limit=f"{MAX_ROWS:,}"))
        if self.cells > MAX_CELLS:
            raise InputError(f"{self.where}:{line}: " + _(
                "more than {limit} cells hold content, more than a roster can; remove the "
                "columns no card uses, or split it into smaller files").format(
                limit=f"{MAX_CELLS:,}"))


def past_columns(where: str, line: int) -> InputError:
    """A row with a cell past ``MAX_SHEET_COLUMNS``, refused before the row is expanded."""
    return InputError(f"{where}:{line}: " + _(
        "a cell past column {limit}; a roster has a few dozen columns: delete the columns after "
        "the roster's own").format(limit=MAX_SHEET_COLUMNS))


def check_cell(text: str | None, where: str, line: int) -> None:
    """Refuse a cell's text longer than ``MAX_CELL_CHARS``, before anything copies it."""
    if text is not None and len(text) > MAX_CELL_CHARS:
        raise InputError(f"{where}:{line}: " + _(
            "a cell of {length} characters; a spreadsheet cell holds at most {limit}").format(
            length=f"{len(text):,}", limit=f"{MAX_CELL_CHARS:,}"))


def bounded(rows: Iterable[tuple[int, list[Cell]]], where: str
            ) -> Iterator[tuple[int, list[Cell]]]:
    """``rows``, each counted (``Tally``) and its cells' length checked as it is read."""
    tally = Tally(where)
    for number, row in rows:
        content = 0
        for cell in row:
            if cell.text:
                content += 1
                check_cell(cell.text, where, number)
        if content:
            tally.add(number, content)
        yield number, row


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
        if not is_field_column(key):
            key = f"extra.{key}"
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


def pick_sheet(names: list[str], sheet: str | None, name: str) -> str:
    """The worksheet to read: the one named (refused, listing them, when there is none of
    that name), else the first."""
    if sheet is None:
        if not names:
            raise InputError(f"{name}: " + _("the workbook has no sheets"))
        return names[0]
    if sheet not in names:
        listed = ", ".join(f'"{n}"' for n in names)
        raise InputError(f"{name}: " + _('no sheet named "{sheet}" (sheets: {listed})').format(
            sheet=sheet, listed=listed))
    return sheet

"""Rows of spreadsheet cells (CSV, XLSX, XLS, ODS) into raw records: the header found
below any title rows, each column mapped to its field (or kept as ``extra.HEADER``),
the sheet's own row numbers kept."""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from pathlib import Path
from typing import NamedTuple

from ..errors import Diagnostic, InputError
from ..i18n import _
from .records import ID_FALLBACK, RawRecord, RawRoster, column_name, header_text, is_field_column

HEADER_SEARCH_ROWS = 10


class Cell(NamedTuple):
    """A spreadsheet cell as read: its text, what it was stored as, and how it was shown."""

    text: str | None
    kind: str = ""  # "" text; "int", "float", "date", "bool"; "scientific"/"formatted" numbers
    shown: str = ""  # the number as the spreadsheet shows it, when that is not the text


def read_table(rows: Iterable[tuple[int, list[Cell]]], where: str, root: Path | None, *,  # noqa: C901 (fresh from issue 13b; to split)
               header_required: bool = True) -> RawRoster:
    """Officers from rows of cells: the header is the first of the first ten rows naming
    both an id (or 警号) and a name column (title rows above it are skipped); row numbers
    are kept. Without an id column, 警号 (``badge``) is the id too.

    Without such a row, ``header_required`` refuses the table; otherwise the first
    non-empty row is the header (and validation names what is missing).
    """
    rows = iter(rows)
    looked: list[tuple[int, list[Cell]]] = []
    header: tuple[int, list[Cell]] | None = None
    for number, row in rows:
        names = [column_name(c.text) if c.kind == "" and c.text else "" for c in row]
        if ("id" in names or ID_FALLBACK in names) and "name" in names:
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
    badge_is_id = "id" not in headers and ID_FALLBACK in headers
    records: list[RawRecord] = []
    for number, row in rows:
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

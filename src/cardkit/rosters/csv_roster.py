"""CSV rosters as stations export them: UTF-8 (with or without BOM) or GB18030/GBK."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from ..errors import InputError
from . import HEADER_ALIASES, RawRecord, RawRoster

ENCODINGS = ("utf-8-sig", "gb18030")


def decode(data: bytes, name: str) -> str:
    """Decode CSV bytes as UTF-8 (BOM or not) or, failing that, GB18030 (a superset of GBK)."""
    for encoding in ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise InputError(f"{name}: neither UTF-8 nor GB18030 text; save it as CSV UTF-8 from Excel")


def read_csv_roster(data: bytes, *, name: str, root: Path) -> RawRoster:
    text = decode(data, name)
    if "\x00" in text:
        raise InputError(f"{name}: contains a NUL byte; is it really a CSV file?")
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise InputError(f"{name}: empty file") from None
    except csv.Error as exc:
        raise InputError(f"{name}:1: CSV: {exc}") from None
    columns = [HEADER_ALIASES.get(h.strip(), h.strip()) for h in header]
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
            if len(row) > len(columns):
                fields["(extra cells)"] = ",".join(row[len(columns):])
            records.append(RawRecord(fields=fields, file=name, line=start))
    except csv.Error as exc:
        raise InputError(f"{name}:{reader.line_num}: CSV: {exc}") from None
    return RawRoster(file=name, records=records, root=root)

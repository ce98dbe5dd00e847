"""An upload into a job's folder: the roster, its QR screenshots, or a zip of them.

Names are kept as the user's (the roster is named by its file name in every message and
the ledger) but only as plain file names, or relative paths inside a zip without ``..``;
sizes are capped: the request by ``MAX_UPLOAD_BYTES`` (app.py), a zip by what it unpacks to.
"""

from __future__ import annotations

import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from ..i18n import N_

ROSTER_SUFFIXES = (".xlsx", ".xls", ".ods", ".csv", ".yaml", ".yml")
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".webp", ".bmp")
MAX_FILES = 2000  # files in one upload, a zip's members included
MAX_UNPACKED = 200 * 1024 * 1024  # bytes a zip may unpack to
MAX_NAME = 200


class UploadRefused(ValueError):
    """The upload cannot be a job; the message says why (and the cap, when one was hit).

    Kept untranslated (``message`` marked with ``N_``, and its values): the page says it
    in the language of the request."""

    def __init__(self, message: str, **values: object) -> None:
        super().__init__(message)
        self.message = message
        self.values = values

    def text(self, gettext) -> str:
        return gettext(self.message).format(**self.values)


@dataclass
class Saved:
    roster: str
    files: int


def clean_name(name: str) -> str | None:
    """A safe relative path for ``name``, or None (absolute, ``..``, empty, hidden)."""
    parts = [p for p in PurePosixPath(name.replace("\\", "/")).parts if p not in ("", ".")]
    if not parts or len(name) > MAX_NAME or any(
            p == ".." or p.startswith(".") or p == "/" or "\x00" in p for p in parts):
        return None
    return "/".join(parts)


def save(folder: Path, files: list[tuple[str, bytes]]) -> Saved:
    """Write ``files`` (name, bytes) into ``folder``; unpack zips; find the one roster."""
    written: list[str] = []
    for name, data in files:
        if name.lower().endswith(".zip"):
            written += _unpack(folder, data, len(written))
        else:
            written.append(_write(folder, name, data, len(written)))
    rosters = [n for n in written if n.lower().endswith(ROSTER_SUFFIXES) and "/" not in n] or \
              [n for n in written if n.lower().endswith(ROSTER_SUFFIXES)]
    if not rosters:
        raise UploadRefused(N_("no roster among the files: drop an XLSX, XLS, ODS, CSV or YAML file"))
    if len(rosters) > 1:
        raise UploadRefused(N_("more than one roster ({names}): drop one roster at a time"),
            names=", ".join(sorted(rosters)))
    return Saved(roster=rosters[0], files=len(written))


def _write(folder: Path, name: str, data: bytes, count: int) -> str:
    safe = clean_name(name)
    if safe is None:
        raise UploadRefused(N_("{name}: not a file name the page accepts"), name=repr(name[:80]))
    if not safe.lower().endswith(ROSTER_SUFFIXES + IMAGE_SUFFIXES):
        raise UploadRefused(N_("{name}: not a roster (XLSX, XLS, ODS, CSV, YAML), an image or a "
                              "zip"), name=safe)
    if count >= MAX_FILES:
        raise UploadRefused(N_("more than {limit} files in one upload"), limit=MAX_FILES)
    target = folder / safe
    if target.exists():
        raise UploadRefused(N_("{name} is given twice"), name=safe)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    return safe


def _unpack(folder: Path, data: bytes, count: int) -> list[str]:
    import io

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = [m for m in archive.infolist() if not m.is_dir()]
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise UploadRefused(N_("not a readable zip ({reason})"), reason=exc) from None
    if count + len(members) > MAX_FILES:
        raise UploadRefused(N_("more than {limit} files in one upload"), limit=MAX_FILES)
    if sum(m.file_size for m in members) > MAX_UNPACKED:
        raise UploadRefused(N_("the zip unpacks to more than {limit} MiB"),
            limit=MAX_UNPACKED // 2**20)
    written: list[str] = []
    total = 0
    for member in members:
        if member.filename.startswith("__MACOSX/"):
            continue
        try:
            with archive.open(member) as stream:  # no more than the member says it holds
                content = stream.read(member.file_size + 1)
        except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError,
                zlib.error) as exc:
            raise UploadRefused(N_("not a readable zip ({reason})"), reason=exc) from None
        total += len(content)
        if len(content) > member.file_size or total > MAX_UNPACKED:
            raise UploadRefused(N_("the zip unpacks to more than {limit} MiB"),
                limit=MAX_UNPACKED // 2**20)
        written.append(_write(folder, member.filename, content, count + len(written)))
    return written

"""Files by their bytes: the SHA-256 of a file, remembered for as long as the file is unchanged.

The job's record of what it read (``jobstate``), the plate store's entries and the ledger's
design files compare files by content, never by size and time alone. A file's digest is
remembered by device, inode, size, modification and change time (an edit in place that
keeps size and modification time still changes the change time), in a bounded table
shared by every thread of the process.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import stat
import threading
from pathlib import Path

_DIGESTS: dict[tuple[int, ...], str] = {}  # (device, inode, size, mtime_ns, ctime_ns) -> SHA-256
_DIGESTS_MAX = 4096
_LOCK = threading.Lock()


def file_digest(path: str | Path) -> str | None:
    """The SHA-256 of a regular file's bytes, or None (missing, not a regular file)."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    if not stat.S_ISREG(info.st_mode):
        return None
    ident = (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns)
    with _LOCK:
        known = _DIGESTS.get(ident)
    if known is not None:
        return known
    data = regular_bytes(path)
    if data is None:
        return None
    digest = hashlib.sha256(data).hexdigest()
    with _LOCK:
        if len(_DIGESTS) >= _DIGESTS_MAX:
            _DIGESTS.clear()
        _DIGESTS[ident] = digest
    return digest


class NotRegularFile(OSError):
    """A path that is there but is not a regular file: a FIFO, a device, a folder, a socket.
    Reading one could block for ever (a FIFO waits for a writer) or never end (a device)."""

    def __init__(self, path: str | Path) -> None:
        from .i18n import _

        super().__init__(errno.EINVAL, _("not a regular file"), str(path))


def read_regular(path: str | Path, limit: int | None = None) -> bytes:
    """A regular file's bytes; with ``limit``, at most ``limit + 1`` of them (so the caller
    can tell a file that is too big). Never blocks: a FIFO, a device or a folder raises
    ``NotRegularFile`` before it is read (looked at, then opened without waiting and looked
    at again); a missing or unreadable file raises the ``OSError`` of ``open``."""
    if not stat.S_ISREG(os.stat(path).st_mode):
        raise NotRegularFile(path)
    descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    with open(descriptor, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):  # swapped since it was looked at
            raise NotRegularFile(path)
        return handle.read() if limit is None else handle.read(limit + 1)


def regular_bytes(path: str | Path) -> bytes | None:
    """A regular file's bytes, or None: missing, unreadable, or a FIFO, a device or a folder
    (never read: see ``read_regular``)."""
    try:
        return read_regular(path)
    except OSError:
        return None


def value_digest(value: object) -> str:
    """The SHA-256 of a setting's value (a mapping read from cardkit.yaml), keys in order."""
    return hashlib.sha256(json.dumps(value, ensure_ascii=False, sort_keys=True,
                                     default=str).encode()).hexdigest()

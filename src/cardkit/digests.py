"""Files by their bytes: the SHA-256 of a file, remembered for as long as the file is unchanged.

The job's record of what it read (``jobstate``), the plate store's entries and the ledger's
design files compare files by content, never by size and time alone. A file's digest is
remembered by device, inode, size, modification and change time (an edit in place that
keeps size and modification time still changes the change time), in a bounded table
shared by every thread of the process.
"""

from __future__ import annotations

import hashlib
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


def regular_bytes(path: str | Path) -> bytes | None:
    """A regular file's bytes, or None: a FIFO, a device or a folder is never read (opened
    without waiting, then looked at)."""
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError:
        return None
    with open(descriptor, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            return None
        return handle.read()

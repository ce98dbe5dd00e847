"""Which characters a font file maps, remembered between runs.

Reading the character map of a CJK font (45,000 code points) with fontTools
takes a tenth of a second, about a tenth of a short job.  The answer is kept
in the user's cache folder (``$XDG_CACHE_HOME/cardkit/cmap``, else
``~/.cache/cardkit/cmap``), one small file of code-point ranges per font file,
face index, size and modification time, so that a changed font is read again.
A cache that cannot be read or written is simply not used.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

VERSION = 1


def cache_root() -> Path | None:
    """cardkit's cache folder, or None when there is no place for one (or
    ``CARDKIT_CACHE=0`` turns caching off).

    ``$XDG_CACHE_HOME`` (an absolute path, as the XDG spec requires) may be created;
    the home folder never is (a service account's ``HOME=/nonexistent``, say).
    """
    if os.environ.get("CARDKIT_CACHE", "1") == "0":
        return None
    base = os.environ.get("XDG_CACHE_HOME", "")
    if os.path.isabs(base):
        return Path(base) / "cardkit"
    home = os.environ.get("HOME") or ""
    if not home:
        try:
            home = str(Path.home())
        except (KeyError, RuntimeError):
            return None
    if not os.path.isabs(home) or not os.path.isdir(home):
        return None
    return Path(home) / ".cache" / "cardkit"


def cache_dir() -> Path | None:
    """The character maps' folder (``cmap`` in ``cache_root``), or None."""
    root = cache_root()
    return root / "cmap" if root else None


def code_points(path: str, index: int = 0) -> frozenset[int]:
    """Code points the face ``index`` of the font file ``path`` maps.

    Raises OSError when the file cannot be read, ValueError when it is not a font.
    """
    stat = os.stat(path)
    key = hashlib.sha256(f"{VERSION}|{os.path.realpath(path)}|{index}|{stat.st_size}|"
                         f"{stat.st_mtime_ns}".encode()).hexdigest()[:32]
    folder = cache_dir()
    cached = folder / f"{key}.ranges" if folder else None
    if cached is not None:
        try:
            return _parse(cached.read_text(encoding="ascii"))
        except (OSError, ValueError):
            pass
    points = _read_cmap(path, index)
    if cached is not None:
        _store(cached, points)
    return points


def _read_cmap(path: str, index: int) -> frozenset[int]:
    from fontTools.ttLib import TTFont

    try:
        with open(path, "rb") as handle:  # closed also when fontTools gives up half-way
            return frozenset(TTFont(handle, fontNumber=index, lazy=True).getBestCmap() or {})
    except OSError:
        raise
    except Exception as exc:  # fontTools raises many kinds on a damaged file
        raise ValueError(f"{path}: not a readable font ({type(exc).__name__})") from exc


def _ranges(points: frozenset[int]) -> str:
    lines, start, last = [], None, None
    for point in sorted(points):
        if start is None:
            start = last = point
        elif point == last + 1:
            last = point
        else:
            lines.append(f"{start:x}-{last:x}")
            start = last = point
    if start is not None:
        lines.append(f"{start:x}-{last:x}")
    return "cmap\n" + "\n".join(lines) + "\n"


def _parse(text: str) -> frozenset[int]:
    head, _, body = text.partition("\n")
    if head != "cmap" or not text.endswith("\n"):
        raise ValueError("not a cmap cache file")
    points: set[int] = set()
    for line in body.splitlines():
        start, _, end = line.partition("-")
        points.update(range(int(start, 16), int(end, 16) + 1))
    return frozenset(points)


def _store(target: Path, points: frozenset[int]) -> None:
    """Whole or not at all, also with parallel workers; no temporary left on a full disk."""
    from ..errors import CardkitError
    from ..outputs import write_file

    try:
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        write_file(target, _ranges(points).encode("ascii"))
    except (OSError, CardkitError):
        pass

"""Which characters a font file maps, remembered between runs.

HarfBuzz reads the character map of a CJK font (45,000 code points) in a few
milliseconds from the mapped file (fontTools took 0.15 s, a tenth of a short job's
first run); the code points still cost a set to build.  The answer is kept
in the user's cache folder (``$XDG_CACHE_HOME/cardkit/cmap``, else
``~/.cache/cardkit/cmap``), one small file of code-point ranges per font file,
face index and identity (size, modification and change time, device, inode), so that a
changed font is read again; at most ``MAX_MAPS`` of them, the oldest going first.
A cache that cannot be read or written is simply not used.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

VERSION = 2  # 2: read by HarfBuzz (WOFF files refused, a symbol font's F0xx points)
MAX_MAPS = 1024  # character maps kept (a font file each, a new one when a font changes)
FONT_FOLDERS = ("/etc/fonts", "/usr/share/fonts", "/usr/local/share/fonts")
USER_FONT_FOLDERS = (".fonts", ".local/share/fonts")


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
    # the file's identity: a font replaced by one of the same size and modification time (a
    # copy with its times kept) has another inode or change time
    key = hashlib.sha256(f"{VERSION}|{os.path.realpath(path)}|{index}|{stat.st_size}|"
                         f"{stat.st_mtime_ns}|{stat.st_dev}|{stat.st_ino}|"
                         f"{stat.st_ctime_ns}".encode()).hexdigest()[:32]
    folder = cache_dir()
    cached = folder / f"{key}.ranges" if folder else None
    if cached is not None:
        try:
            data = read_own(cached)
            if data is not None:
                return _parse(data.decode("ascii"))
        except (OSError, ValueError):
            pass
    points = _read_cmap(path, index)
    if cached is not None:
        _store(cached, points)
    return points


def _read_cmap(path: str, index: int) -> frozenset[int]:
    """The code points of the best Unicode subtable of the face's ``cmap`` (the ones
    fontTools' ``getBestCmap`` picks), read by HarfBuzz, as Pango's shaping reads them."""
    import uharfbuzz as hb

    with open(path, "rb"):  # OSError as reading the file gives it (HarfBuzz's are vaguer)
        pass
    try:
        face = hb.Face(hb.Blob.from_file_path(path), index)
    except hb.HarfBuzzError as exc:
        raise OSError(f"{path}: cannot read ({exc})") from exc
    if face.glyph_count == 0:  # not an OpenType or TrueType font (Type 1, damaged, no face)
        raise ValueError(f"{path}: not a readable font (face {index})")
    return frozenset(face.unicodes)


def _ranges(points: frozenset[int]) -> str:
    lines: list[str] = []
    start: int | None = None
    last: int | None = None
    for point in sorted(points):
        if start is None or last is None:  # the first point (they are set together)
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

    try:
        own_folder(target.parent)
        prune_oldest(target.parent, ".ranges", MAX_MAPS)
        write_own(target, _ranges(points).encode("ascii"))
    except (OSError, CardkitError):
        pass


def prune_oldest(folder: Path, suffix: str, most: int) -> None:
    """Room for one more file of ``suffix`` in ``folder``: when it holds ``most``, the older
    half of them goes (by modification time)."""
    entries = [entry for entry in os.scandir(folder) if entry.name.endswith(suffix)]
    if len(entries) < most:
        return
    entries.sort(key=lambda entry: entry.stat(follow_symlinks=False).st_mtime_ns)
    for entry in entries[:len(entries) - most // 2]:
        try:
            os.unlink(entry.path)
        except OSError:
            pass


def own_folder(path: Path) -> None:
    """Make ``path`` with its missing parents mode 0700 whatever the umask; cardkit's own
    cache folders (``cache_root`` and below) are set to 0700 even when they exist."""
    root = cache_root()
    missing = []
    for place in (path, *path.parents):
        if place.exists():
            break
        missing.append(place)
    for place in reversed(missing):
        place.mkdir(mode=0o700, exist_ok=True)
        os.chmod(place, 0o700)
    if root is not None and path.is_relative_to(root):
        for place in (path, *path.parents):
            if not place.is_relative_to(root):
                break
            info = os.lstat(place)
            if info.st_uid == os.getuid() and info.st_mode & 0o077:
                os.chmod(place, 0o700)


def write_own(path: Path, data: bytes) -> None:
    """Put ``data`` at ``path`` in one of cardkit's cache folders, whole or not at all: written
    to a new file of this user's (mode 0600) beside it, then renamed over the entry, so a
    symlink, a FIFO or another user's file found at the entry's name is replaced, never
    followed or written into; concurrent writers each replace the entry whole. On a full
    disk nothing is left behind (``OSError``). The bytes reach the disk before the rename
    (a crash never leaves an entry that is there but empty), and the rename after it where
    the filesystem lets its folder be synced."""
    import tempfile

    from ..outputs import sync_folder

    descriptor, temporary = tempfile.mkstemp(prefix=".new-", dir=path.parent)
    try:
        with open(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise
    sync_folder(path.parent)


def read_own(path: Path) -> bytes | None:
    """The bytes of ``path`` when it is a regular file of this user's own, else None. It is
    opened without following a symlink and without waiting (a FIFO put in the cache would
    otherwise block the job past its time limit), then looked at."""
    import stat

    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None
    with open(descriptor, "rb") as handle:
        found = os.fstat(handle.fileno())
        if not stat.S_ISREG(found.st_mode) or found.st_uid != os.getuid():
            return None
        return handle.read()


def font_folders_listing() -> list[str]:
    """Every folder and file under the font folders, with its size, times and inode: the
    standard ones, the user's, fontconfig's configuration and every ``<dir>`` it names. What
    a layout finds when it asks fontconfig for a family changes only when this does."""
    home = os.environ.get("HOME", "")
    data_home = os.environ.get("XDG_DATA_HOME") or os.path.join(home, ".local/share")
    config_home = os.environ.get("XDG_CONFIG_HOME") or os.path.join(home, ".config")
    folders = [*FONT_FOLDERS, *(os.path.join(home, f) for f in USER_FONT_FOLDERS if home),
               os.path.join(data_home, "fonts"), os.path.join(config_home, "fontconfig"),
               *_fontconfig_folders()]
    listing = []
    for base in dict.fromkeys(folders):
        for path, dirs, files in os.walk(base):
            dirs.sort()
            listing.append(f"{path} {_identity(path)}")
            listing += [f"{path}/{name} {_identity(os.path.join(path, name))}"
                        for name in sorted(files)]
    return listing


def installed_fonts_digest() -> str:
    """The SHA-256 of ``font_folders_listing``: the machine's fonts, as a job's ledger keeps
    them (a font upgraded or installed makes ``--changed-since`` print every officer)."""
    return hashlib.sha256("\n".join(font_folders_listing()).encode()).hexdigest()


def _identity(path: str) -> tuple[int, int, int, int]:
    try:
        found = os.stat(path)
    except OSError:
        return (0, 0, 0, 0)
    return (found.st_size, found.st_mtime_ns, found.st_ino, found.st_ctime_ns)


def _fontconfig_folders() -> list[str]:
    """The font folders fontconfig's configuration names (its ``<dir>`` elements, wherever
    the configuration is: ``FONTCONFIG_FILE``, ``conf.d``): a font added to one of them
    changes what a layout finds. The configuration is read, the fonts not scanned (7 ms)."""
    import ctypes

    try:
        lib = ctypes.CDLL("libfontconfig.so.1")
    except OSError:
        return []
    lib.FcInitLoadConfig.restype = ctypes.c_void_p
    lib.FcConfigGetFontDirs.argtypes = [ctypes.c_void_p]
    lib.FcConfigGetFontDirs.restype = ctypes.c_void_p
    lib.FcStrListNext.argtypes = [ctypes.c_void_p]
    lib.FcStrListNext.restype = ctypes.c_char_p
    lib.FcStrListDone.argtypes = [ctypes.c_void_p]
    lib.FcConfigDestroy.argtypes = [ctypes.c_void_p]
    config = lib.FcInitLoadConfig()
    if not config:
        return []
    folders = []
    try:
        listed = lib.FcConfigGetFontDirs(config)
        if listed:
            while (folder := lib.FcStrListNext(listed)) is not None:
                folders.append(os.fsdecode(folder))
            lib.FcStrListDone(listed)
    finally:
        lib.FcConfigDestroy(config)
    return folders



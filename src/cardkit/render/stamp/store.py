"""Plates kept between runs: a design is laid out once, not once per job.

A station prints a few cards for new officers every week, on the same design; laying
its plates out again each time is most of a small job (WeasyPrint alone takes half a
second to start). So what the stamper made with WeasyPrint (plates, faces without slots
such as a unit's back, tip-list plans) is kept in the user's cache folder
(``$XDG_CACHE_HOME/cardkit/plates``, else ``~/.cache/cardkit/plates``; none when the
folder cannot be written, or with ``CARDKIT_CACHE=0``), next to the glyph check's
character maps.

An entry is used only when everything it was made from is unchanged, so a kept plate
prints exactly what a fresh one would (same bytes):

* its name is a hash of the HTML of the face less the officer's values, the stylesheet
  and document around it, the generation's settings, the folders files may be read from
  (``stamp._look``), and of the environment: cardkit's code and the layout libraries'
  versions, the font folders and fontconfig's configuration (every folder's and file's
  size, time and inode: installing, removing or replacing a font changes them), the
  versions of Pango, HarfBuzz and fontconfig, and the system's shared libraries
  (``/etc/ld.so.cache``, rewritten whenever a library is installed or upgraded);
* it lists every file its layout read (images, ``@font-face`` fonts) with size,
  modification time and inode; one that differs and the entry is not used;
* the fonts its slots are set in are found again in their installed files (fontconfig's,
  or one a layout read), unchanged, or else kept once each, by the hash of their bytes.

Only what passed its checks is kept (a refused plate is tried again next time). Entries
are written whole (``outputs.write_file``) and read only when the file is the user's own.
Delete the folder at any time; it is filled again as jobs need it.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from pathlib import Path
from typing import Any

from ...limits import LimitExceeded
from ..fontcache import cache_root
from . import shaping

VERSION = 2
FONT_FOLDERS = ("/etc/fonts", "/usr/share/fonts", "/usr/local/share/fonts")
USER_FONT_FOLDERS = (".fonts", ".local/share/fonts")
LIBRARIES = ("cardkit", "weasyprint", "pydyf", "tinycss2", "cssselect2", "tinyhtml5", "html5lib",
             "uharfbuzz", "pikepdf", "zxing-cpp", "fonttools", "Pillow")

_ENVIRONMENT: dict[str, str] = {}


def folder() -> Path | None:
    root = cache_root()
    return root / "plates" if root else None


def environment() -> str:
    """What every layout depends on outside the job (see the module's doc), as a hash."""
    if "hash" in _ENVIRONMENT:
        return _ENVIRONMENT["hash"]
    import sys
    from importlib import metadata

    parts = [f"python {sys.version}"]
    for name in LIBRARIES:
        try:
            parts.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            parts.append(f"{name} -")
    parts += _native_versions()
    for name in ("FONTCONFIG_FILE", "FONTCONFIG_PATH", "FONTCONFIG_SYSROOT", "FC_LANG",
                 "XDG_DATA_HOME", "XDG_CONFIG_HOME", "PANGOCAIRO_BACKEND", "LD_LIBRARY_PATH",
                 "LANG", "LC_ALL", "LC_CTYPE"):
        parts.append(f"{name}={os.environ.get(name, '')}")
    home = os.environ.get("HOME", "")
    data_home = os.environ.get("XDG_DATA_HOME") or os.path.join(home, ".local/share")
    config_home = os.environ.get("XDG_CONFIG_HOME") or os.path.join(home, ".config")
    folders = [*FONT_FOLDERS, *(os.path.join(home, f) for f in USER_FONT_FOLDERS if home),
               os.path.join(data_home, "fonts"), os.path.join(config_home, "fontconfig")]
    for base in dict.fromkeys(folders):  # every folder and file: a font copied over in place too
        for path, dirs, files in os.walk(base):
            dirs.sort()
            parts.append(f"{path} {_mtime(path)}")
            parts += [f"{path}/{name} {_stat(os.path.join(path, name))}" for name in sorted(files)]
    parts.append(f"/etc/ld.so.cache {_mtime('/etc/ld.so.cache')}")
    # cardkit's own code (an editable install keeps its version while the code changes)
    package = Path(__file__).resolve().parents[2]
    code = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        code.update(path.read_bytes())
    parts.append(f"code {code.hexdigest()}")
    _ENVIRONMENT["hash"] = hashlib.sha256("\n".join(parts).encode()).hexdigest()
    return _ENVIRONMENT["hash"]


def _native_versions() -> list[str]:
    """The versions of the C libraries WeasyPrint lays out with, as the loader finds them
    (without importing WeasyPrint, half a second)."""
    import ctypes

    found = []
    for library, function in (("libpango-1.0.so.0", "pango_version_string"),
                              ("libharfbuzz.so.0", "hb_version_string"),
                              ("libfontconfig.so.1", "FcGetVersion")):
        try:
            call = getattr(ctypes.CDLL(library), function)
            if function == "FcGetVersion":
                call.restype = ctypes.c_int
                found.append(f"{library} {call()}")
            else:
                call.restype = ctypes.c_char_p
                found.append(f"{library} {call().decode()}")
        except (OSError, AttributeError):
            found.append(f"{library} -")
    return found


def _stat(path: str) -> tuple[int, int, int]:
    try:
        found = os.stat(path)
    except OSError:
        return (0, 0, 0)
    return (found.st_size, found.st_mtime_ns, found.st_ino)


def _mtime(path: str) -> int:
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return 0


class Store:
    """The entries of one job's look (``stamp._look``); every method is a no-op without a
    cache folder, and any error reading or writing one is a miss, never a failed job."""

    def __init__(self, look: str) -> None:
        self.root = folder()
        if self.root is not None and not _safe_folder(self.root):
            self.root = None
        self.prefix = f"{VERSION}\x00{environment()}\x00{look}" if self.root else ""

    def _path(self, kind: str, key: str) -> Path:
        assert self.root is not None
        name = hashlib.sha256(f"{self.prefix}\x00{kind}\x00{key}".encode()).hexdigest()
        return self.root / kind / f"{name}.pickle"

    def get(self, kind: str, key: str) -> tuple[bool, Any]:
        """(found, value) of the entry ``kind``/``key`` when all it was made from is unchanged."""
        if self.root is None:
            return False, None
        try:
            entry = _load(self._path(kind, key))
            if entry is None or not all(_same(path, stat) for path, stat in entry["files"].items()):
                return False, None
            for font_key, (where, index, family) in entry["fonts"].items():
                if font_key not in shaping.font_faces():
                    data = self._font_data(where)
                    if data is None:
                        return False, None
                    shaping.font_faces()[font_key] = shaping.FontFace(
                        key=font_key, data=data, index=index, family=family)
            return True, pickle.loads(entry["value"])
        except LimitExceeded:  # the chunk's time or memory cap: the job's end, not a miss
            raise
        except Exception:  # noqa: BLE001 (a damaged or foreign entry is a miss)
            return False, None

    def _font_data(self, where: tuple) -> bytes | None:
        """A font's bytes: from its installed file while that is unchanged, or the copy kept
        under the hash of its bytes (written whole: its size says it is complete)."""
        assert self.root is not None
        if where[0] == "file":
            _kind, path, stat = where
            if not _same(path, stat):
                return None
            with open(path, "rb") as handle:
                data = handle.read()
            return data if len(data) == stat[0] else None
        _kind, digest, size = where
        data = _own(self.root / "fonts" / f"{digest}.font")
        return data if data is not None and len(data) == size else None

    def _font_place(self, face: shaping.FontFace, files: dict[str, tuple[int, int, int]]) -> tuple:
        """Where ``face``'s bytes will be found again: the installed file (fontconfig's, or
        one a layout read) that holds exactly them, else a copy in the cache."""
        from ...outputs import write_file

        path = _installed_file(face.data, files)
        if path is not None:
            stat = os.stat(path)
            return ("file", path, (stat.st_size, stat.st_mtime_ns, stat.st_ino))
        assert self.root is not None
        digest = hashlib.sha256(face.data).hexdigest()
        target = self.root / "fonts" / f"{digest}.font"
        if not target.exists():
            _folder(target.parent)
            write_file(target, face.data)
        return ("copy", digest, len(face.data))

    def put(self, kind: str, key: str, value: Any, files: dict[str, tuple[int, int, int]],
            fonts: tuple[shaping.FontFace, ...] = ()) -> None:
        """Keep ``value``, made from ``files`` (path -> size, mtime, inode) and ``fonts``."""
        if self.root is None:
            return
        from ...outputs import write_file

        try:
            path = self._path(kind, key)
            if path.exists():
                return
            entry_fonts = {face.key: (self._font_place(face, files), face.index, face.family)
                           for face in fonts}
            entry = {"value": pickle.dumps(value), "files": dict(files), "fonts": entry_fonts}
            _folder(path.parent)
            write_file(path, pickle.dumps(entry))
        except LimitExceeded:
            raise
        except Exception:  # noqa: BLE001 (a full disk, a read-only folder, what will not pickle)
            pass


_INSTALLED: dict[int, str | None] = {}  # font data size -> the file found for it


def _installed_file(data: bytes, files: dict[str, tuple[int, int, int]]) -> str | None:
    """The font file (fontconfig's list, or one of ``files``) whose bytes are ``data``."""
    if len(data) in _INSTALLED:
        found = _INSTALLED[len(data)]
        if found is not None and _bytes_of(found) == data:
            return found
    for path in [*files, *_fontconfig_files()]:
        try:
            if os.path.getsize(path) != len(data) or _bytes_of(path) != data:
                continue
        except OSError:
            continue
        _INSTALLED[len(data)] = path
        return path
    return None


def _bytes_of(path: str) -> bytes:
    with open(path, "rb") as handle:
        return handle.read()


_FONTCONFIG: list[str] = []


def _fontconfig_files() -> list[str]:
    """The font files fontconfig lists (none when ``fc-list`` cannot be run)."""
    if not _FONTCONFIG:
        import subprocess

        try:
            listed = subprocess.run(["fc-list", "--format", "%{file}\\n"], capture_output=True,
                                    timeout=30, check=False).stdout
        except (OSError, subprocess.SubprocessError):
            listed = b""
        _FONTCONFIG.extend(dict.fromkeys(os.fsdecode(line) for line in listed.splitlines()
                                         if line.strip()))
    return _FONTCONFIG


def _folder(path: Path) -> None:
    path.mkdir(mode=0o700, parents=True, exist_ok=True)


def _safe_folder(path: Path) -> bool:
    """Entries are pickles: the folder must be the user's own, a real folder (no symlink)
    nobody else may write to, or none of it is used. Missing is fine (made 0700)."""
    import stat

    for place in (path, *(path / kind for kind in ("plate", "page", "plan", "fonts"))):
        try:
            found = os.lstat(place)
        except FileNotFoundError:
            continue
        except OSError:
            return False
        if not stat.S_ISDIR(found.st_mode) or found.st_uid != os.getuid() \
                or found.st_mode & 0o022:
            return False
    return True


def _own(path: Path) -> bytes | None:
    """The file's bytes when it is a regular file of this user's own (not a symlink), else
    None: an entry somebody else could have written is never read."""
    import stat

    try:
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None
    with open(descriptor, "rb") as handle:
        found = os.fstat(handle.fileno())
        if not stat.S_ISREG(found.st_mode) or found.st_uid != os.getuid():
            return None
        return handle.read()


def _load(path: Path) -> dict | None:
    data = _own(path)
    return pickle.loads(data) if data is not None else None


def _same(path: str, stat: tuple[int, int, int]) -> bool:
    try:
        now = os.stat(path)
    except OSError:
        return False
    return (now.st_size, now.st_mtime_ns, now.st_ino) == tuple(stat)

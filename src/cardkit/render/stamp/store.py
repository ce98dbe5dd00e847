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
  and document around it, the generation's settings (``stamp._look``; never where the
  roster lies: a service saving each upload in a new folder still finds its plates; nor
  where the project lies: the address of each of the job's folders in that HTML is its
  place among them, ``Store._portable``, so a project moved or copied elsewhere finds its
  plates), and of the environment: cardkit's code and the layout libraries'
  versions, the font folders and fontconfig's configuration (every folder's and file's
  size, time and inode: installing, removing or replacing a font changes them), the
  versions of Pango, HarfBuzz and fontconfig, and the system's shared libraries
  (``/etc/ld.so.cache``, rewritten whenever a library is installed or upgraded);
* it lists every file its layout read (images, ``@import``ed stylesheets, ``@font-face``
  fonts), named by the job's folder it lies in and its path from there (``Store._named``),
  with the SHA-256 of its bytes; one whose bytes differ now, or that lies outside
  the folders this job may read, and the entry is not used. One name has ``VARIANTS``
  places, so two copies of a design whose files differ (two stations' seals) or a design
  before and after an edit each keep their entry; a new one takes a free place or the
  least recently used (a file's hash is remembered by
  device, inode, size and the times of its last change, so an edit that keeps size and
  modification time is still seen);
* the fonts its slots are set in are found again in their installed files (fontconfig's,
  or one a layout read), unchanged, or else kept once each, by the hash of their bytes.

Only what passed its checks is kept (a refused plate is tried again next time). Entries
are data, not pickles (``codec``: JSON of known shapes, the bytes they hold appended raw,
so reading one runs no code of its own), written whole (``fontcache.write_own``: concurrent
writers each replace the entry atomically) and read only when the file is a regular file
of the user's own (a FIFO or a device put there is never opened for reading and waited
on). The folders are made 0700 whatever the umask. The store is bounded: past ``CARDKIT_CACHE_MB`` (default
``DEFAULT_MB``, 256 MiB) the entries least recently used are removed. A full disk or a
folder that cannot be written is no cache, never a failed job.
Delete the folder at any time; it is filled again as jobs need it.
"""

from __future__ import annotations

import hashlib
import os
import stat as stat_module
from pathlib import Path
from typing import Any

from ...digests import file_digest
from ...digests import regular_bytes as _regular_bytes
from ...limits import LimitExceeded
from ..fontcache import cache_root
from . import codec, shaping

VERSION = 4  # 4: keys and files named by the job's folders (``_portable``, ``_named``)
DEFAULT_MB = 256  # the store's size cap (CARDKIT_CACHE_MB), evicting the least recently used
VARIANTS = 4  # entries of one name (``Store._paths``)
KNOWN_FILES = 256  # installed font files whose digest the store remembers (fonts/known.json)
LIBRARIES = ("cardkit", "weasyprint", "pydyf", "tinycss2", "cssselect2", "tinyhtml5", "html5lib",
             "uharfbuzz", "pikepdf", "zxing-cpp", "fonttools", "Pillow")

def folder() -> Path | None:
    root = cache_root()
    return root / "plates" if root else None


def environment() -> str:
    """What every layout depends on outside the job (see the module's doc), as a hash:
    looked at once per job (``jobstate``: a service's next job sees a font installed since)."""
    from ...jobstate import current

    machine = current().machine
    if "environment" not in machine:
        machine["environment"] = _environment()
    return machine["environment"]


def _environment() -> str:
    import sys

    parts = [f"python {sys.version}"]
    installed = installed_versions()
    parts += [f"{name} {installed.get(_normalized(name), '-')}" for name in LIBRARIES]
    parts += _native_versions()
    for name in ("FONTCONFIG_FILE", "FONTCONFIG_PATH", "FONTCONFIG_SYSROOT", "FC_LANG",
                 "XDG_DATA_HOME", "XDG_CONFIG_HOME", "PANGOCAIRO_BACKEND", "LD_LIBRARY_PATH",
                 "LANG", "LC_ALL", "LC_CTYPE"):
        parts.append(f"{name}={os.environ.get(name, '')}")
    from ..fontcache import font_folders_listing

    parts += font_folders_listing()  # every font folder and file: a font copied over too
    parts.append(f"/etc/ld.so.cache {_mtime('/etc/ld.so.cache')}")
    # cardkit's own code (an editable install keeps its version while the code changes)
    package = Path(__file__).resolve().parents[2]
    code = hashlib.sha256()
    for source in sorted(package.rglob("*.py")):
        code.update(source.read_bytes())
    parts.append(f"code {code.hexdigest()}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def installed_versions() -> dict[str, str]:
    """Every installed distribution's version by its normalised name, read from the names of
    the ``.dist-info`` folders on ``sys.path`` (``name-version.dist-info``, as installers
    write them, PEP 427/491): what ``importlib.metadata.version`` answers, without parsing
    each METADATA file (30 ms of a warm ten-officer job). The first found on the path wins,
    as at import."""
    import sys

    found: dict[str, str] = {}
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        for folder in names:
            if folder.endswith(".dist-info") and "-" in folder:
                name, _, version = folder[:-len(".dist-info")].partition("-")
                found.setdefault(_normalized(name), version)
    return found


def _normalized(name: str) -> str:
    """A distribution's name as PEP 503 compares them."""
    import re

    return re.sub(r"[-_.]+", "-", name).lower()


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


def _ident(path: str) -> tuple[int, int, int, int, int] | None:
    """What tells a file's bytes changed without reading them: device, inode, size,
    modification and change time."""
    try:
        found = os.stat(path)
    except OSError:
        return None
    return (found.st_dev, found.st_ino, found.st_size, found.st_mtime_ns, found.st_ctime_ns)


def mapped_as(key: str, index: int, family: str, path: str, digest: str,
              ident: tuple[int, int, int, int, int]) -> shaping.FontFace | None:
    """The face ``index`` of the installed font file ``path``, mapped (``FontFace.path``),
    when the file is still the one found to hold the bytes of ``digest`` (same identity,
    ``_ident``: device, inode, size, modification and change time) before and after
    HarfBuzz maps it; else None. A face another process sent by its file
    (``FontFace.installed``) is taken this way, without its 16 MiB."""
    if _ident(path) != ident:
        return None
    face = shaping.FontFace(key=key, data=b"", index=index, family=family, path=path,
                            digest=digest)
    if _ident(path) != ident:
        return None
    face.installed = (path, ident)
    return face


def _mtime(path: str) -> int:
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return 0


class Store:
    """The entries of one job's look (``stamp._look``); every method is a no-op without a
    cache folder, and any error reading or writing one is a miss, never a failed job."""

    def __init__(self, look: str, roots: list[Path] | None = None) -> None:
        self.root = folder()
        if self.root is not None and not _safe_folder(self.root):
            self.root = None
        self.roots = [Path(r).resolve() for r in roots or []]
        self.prefix = f"{VERSION}\x00{environment()}\x00{self._portable(look)}" \
            if self.root else ""
        self._known: dict[str, str] | None = None  # installed font files already hashed

    def _paths(self, kind: str, key: str) -> list[Path]:
        """The places of the entries ``kind``/``key``: ``VARIANTS`` of them, for designs that
        read different files under the same names (two stations' copies of one design, each
        with its own seal; a design before and after an edit)."""
        assert self.root is not None
        name = hashlib.sha256(f"{self.prefix}\x00{kind}\x00{self._portable(key)}".encode()
                              ).hexdigest()
        return [self.root / kind / f"{name}{f'-{n}' if n else ''}{codec.SUFFIX}"
                for n in range(VARIANTS)]

    def get(self, kind: str, key: str,
            read: dict[str, tuple[int, int, int]] | None = None) -> tuple[bool, Any]:
        """(found, value) of an entry ``kind``/``key`` all of whose files are this job's and
        unchanged; the files its layout read are added to ``read`` (the job's record). An
        entry no job can use any more (damaged, under another entry's name, its font gone)
        is removed; one made from other files is left for the job whose files they are."""
        if self.root is None:
            return False, None
        try:
            for path in self._paths(kind, key):
                found = self._entry(path)
                if found is None:
                    continue
                entry, value_of = found
                files = {self._here(name): digest for name, digest in entry["files"].items()}
                if not all(self._readable(p) and file_digest(p) == digest
                           for p, digest in files.items()):
                    continue  # another design's files, or these before an edit
                fonts = self._entry_fonts(entry, path)
                if fonts is None:
                    continue
                value = value_of(lambda k, fonts=fonts: fonts[k])
                _touch(path)
                if read is not None:
                    read.update({p: _stat(p) for p in files})
                return True, value
            return False, None
        except LimitExceeded:  # the chunk's time or memory cap: the job's end, not a miss
            raise
        except Exception:  # noqa: BLE001 (a damaged or foreign entry is a miss)
            return False, None

    def _entry(self, path: Path) -> tuple[dict[str, Any], Any] | None:
        """The entry at ``path`` (``codec.unpack``), when there is one, undamaged and written
        under this name (an entry whose file was renamed would be another plate)."""
        data = _own(path)
        if data is None:
            return None
        try:
            entry, value_of = codec.unpack(data)
        except ValueError:
            _remove(path)
            return None
        if entry.get("name") != path.stem:
            _remove(path)
            return None
        return entry, value_of

    def _entry_fonts(self, entry: dict[str, Any], path: Path) -> dict[str, Any] | None:
        """The job's font faces, with those of ``entry`` this job did not know yet taken from
        where the entry says they are; None when one cannot be (the entry is then a miss)."""
        fonts = shaping.font_faces()
        for font_key, (where, index, family) in entry["fonts"].items():
            if font_key in fonts and fonts[font_key].digest_of() != where[2]:
                return None  # made with another file of that name (one family, two files):
                # this job's face of the name would stamp it
            if font_key not in fonts:
                source = self._font_source(where)
                if source is None:  # its font's copy evicted, its installed file changed
                    _remove(path)
                    return None
                font_data, font_path = source
                face = self.mapped(font_key, index, family, font_path, where[2]) \
                    if font_path else shaping.FontFace(key=font_key, data=font_data,
                                                       index=index, family=family,
                                                       digest=where[2])
                if face is None:
                    return None  # replaced while it was being mapped
                fonts[font_key] = face
        return fonts

    def _portable(self, text: str) -> str:
        """``text`` (a face's HTML, the look of a design) with the address of each folder of
        the job's (``file:///.../site/``, as an asset's or a mascot's URL has it) replaced by
        its place in ``roots``: the key of a design moved elsewhere is the same. The files
        behind those addresses are compared by their bytes (``get``)."""
        for number, root in sorted(enumerate(self.roots), key=lambda item: -len(str(item[1]))):
            text = text.replace(root.as_uri().rstrip("/") + "/", f"cardkit-root:{number}/")
        return text

    def _named(self, path: str) -> str:
        """How an entry names a file the layout read: by the folder of the job's it lies in
        (its place in ``roots``) and its path from there, ``"0:templates/seal.svg"``. So a
        project moved or copied elsewhere, or another station's copy of the same design,
        finds the entries its own files vouch for. A file outside them keeps its path."""
        real = Path(path).resolve()
        for number, root in enumerate(self.roots):
            if real.is_relative_to(root):
                return f"{number}:{real.relative_to(root).as_posix()}"
        return path

    def _here(self, name: str) -> str:
        """The file an entry's ``name`` (``_named``) is in this job ("" for none)."""
        number, colon, rest = name.partition(":")
        if not colon or not number.isdigit():
            return name
        return str(self.roots[int(number)] / rest) if int(number) < len(self.roots) else ""

    def _readable(self, path: str) -> bool:
        """A file of the entry lies where this job may read (``stamp._look`` has no folders)."""
        if not path:
            return False
        real = Path(path).resolve()
        return not self.roots or any(real.is_relative_to(root) for root in self.roots)

    def _font_source(self, where: tuple) -> tuple[bytes, str] | None:
        """A font's bytes, or the installed file known to hold them unchanged: (b"", path)
        (``FontFace`` maps it), or the copy kept under the hash of its bytes: (bytes, "")."""
        assert self.root is not None
        kind, place, digest = where
        if kind == "file":
            if self._known_unchanged(place, digest):
                return b"", place
            data = self._installed_bytes(place, digest)
            return None if data is None else (data, "")
        data = _own(self.root / "fonts" / f"{digest}.font")
        return (data, "") if data is not None and hashlib.sha256(data).hexdigest() == digest \
            else None

    def _installed_file(self, data: bytes, digest: str, files: dict[str, tuple[int, int, int]]
                        ) -> tuple[str, tuple[int, int, int, int, int]] | None:
        """The font file (one a layout read, or fontconfig's) whose bytes are ``data`` (of
        SHA-256 ``digest``), with its identity then (``_ident``): one known unchanged since it
        was hashed to ``digest``, else one of the same size read and compared (then known:
        ``fonts/known.json``)."""
        if not data:
            return None
        sized = []
        for path in dict.fromkeys([*files, *_fontconfig_files()]):
            try:
                if os.path.getsize(path) == len(data):
                    sized.append(path)
            except OSError:
                continue
        for path in sized:
            ident = self._known_ident(path, digest)
            if ident is not None:
                return path, ident
        for path in sized:
            before = _ident(path)
            try:
                if before is None or _bytes_of(path) != data or _ident(path) != before:
                    continue
            except OSError:
                continue
            known = self._known_files()
            known[f"{path}\x00{before}"] = digest
            self._keep_known(known)
            return path, before
        return None

    def _known_unchanged(self, path: str, digest: str) -> bool:
        """``path`` is a regular file hashed before to ``digest`` and unchanged since: same
        device, inode, size, modification and change time (``fonts/known.json``)."""
        return self._known_ident(path, digest) is not None

    def _known_ident(self, path: str, digest: str) -> tuple[int, int, int, int, int] | None:
        """``_known_unchanged``'s answer: the identity under which ``path`` is known, or None."""
        try:
            found = os.stat(path)
        except OSError:
            return None
        ident = (found.st_dev, found.st_ino, found.st_size, found.st_mtime_ns, found.st_ctime_ns)
        known = stat_module.S_ISREG(found.st_mode) \
            and self._known_files().get(f"{path}\x00{ident}") == digest
        return ident if known else None

    def _installed_bytes(self, path: str, digest: str) -> bytes | None:
        """The bytes of the installed font file ``path`` when they are those of ``digest``.
        A file is hashed once (a CJK font: 16 MiB, 30 ms), then known by its device, inode,
        size, modification and change time (an edit in place changes the change time) in
        ``fonts/known.json``, the store's own file (at most ``KNOWN_FILES``)."""
        before = _ident(path)
        data = _regular_bytes(path)
        if before is None or data is None or _ident(path) != before:
            return None
        known = self._known_files()
        key = f"{path}\x00{before}"
        if known.get(key) == digest:
            return data
        if hashlib.sha256(data).hexdigest() != digest:
            return None
        known[key] = digest
        self._keep_known(known)
        return data

    def _known_files(self) -> dict[str, str]:
        import json

        assert self.root is not None
        if self._known is None:
            raw = _own(self.root / "fonts" / "known.json")
            try:
                found = json.loads(raw) if raw else {}
            except ValueError:
                found = {}
            self._known = {k: v for k, v in found.items()
                           if isinstance(k, str) and isinstance(v, str)} \
                if isinstance(found, dict) else {}
        return self._known

    def _keep_known(self, known: dict[str, str]) -> None:
        import json

        from ...errors import CardkitError
        from ..fontcache import write_own

        assert self.root is not None
        kept = dict(list(known.items())[-KNOWN_FILES:])
        try:
            _folder(self.root / "fonts")
            write_own(self.root / "fonts" / "known.json", json.dumps(kept).encode())
        except (OSError, CardkitError):
            pass

    def mapped(self, key: str, index: int, family: str, path: str,
               digest: str) -> shaping.FontFace | None:
        """The face ``index`` of the installed font file ``path``, mapped (``FontFace.path``),
        when the file is known to hold the bytes of ``digest`` unchanged before and after
        HarfBuzz maps it; else None."""
        ident = self._known_ident(path, digest)
        return None if ident is None else mapped_as(key, index, family, path, digest, ident)

    def _font_place(self, face: shaping.FontFace, files: dict[str, tuple[int, int, int]]) -> tuple:
        """Where ``face``'s bytes will be found again: the installed file (fontconfig's, or
        one a layout read) that holds exactly them, else a copy in the cache."""
        from ..fontcache import write_own

        digest = face.digest_of()
        if face.path:
            return ("file", face.path, digest)
        installed = self._installed_file(face.program(), digest, files)
        if installed is not None:
            face.installed = installed  # sent to another process by it (``mapped_as``)
            return ("file", installed[0], digest)
        assert self.root is not None
        target = self.root / "fonts" / f"{digest}.font"
        if not target.exists():
            _folder(target.parent)
            write_own(target, face.program())
        return ("copy", "", digest)

    def put(self, kind: str, key: str, value: Any, files: dict[str, tuple[int, int, int]],
            fonts: tuple[shaping.FontFace, ...] = ()) -> None:
        """Keep ``value``, made from ``files`` (path -> size, mtime, inode) and ``fonts``."""
        if self.root is None:
            return
        from ..fontcache import write_own

        try:
            paths = self._paths(kind, key)
            # a free place, else that of the entry least recently used (``_touch``)
            path = next((p for p in paths if not p.exists()), None) \
                or min(paths, key=lambda p: p.stat().st_mtime_ns)
            entry_fonts = {face.key: (self._font_place(face, files), face.index, face.family)
                           for face in fonts}
            digests = {self._named(p): file_digest(p) for p in files}
            if None in digests.values():  # a file gone while the job ran: nothing to vouch for
                return
            _folder(path.parent)
            write_own(path, codec.pack(value, {"files": digests, "fonts": entry_fonts,
                                               "name": path.stem}))
            evict(self.root)
        except LimitExceeded:
            raise
        except Exception:  # noqa: BLE001 (a full disk, a read-only folder, a value not kept)
            pass


def cap_bytes() -> int:
    """The store's size cap: ``CARDKIT_CACHE_MB`` (MiB), else ``DEFAULT_MB``."""
    try:
        return max(0, int(float(os.environ.get("CARDKIT_CACHE_MB", DEFAULT_MB)) * 2**20))
    except ValueError:
        return DEFAULT_MB * 2**20


def evict(root: Path) -> None:
    """Remove the least recently used entries (and kept fonts) until the store is under its
    cap. Entries are touched when used; a file another job removes first is skipped."""
    found = []
    for kind in ("plate", "page", "plan", "fonts"):
        try:
            with os.scandir(root / kind) as entries:
                for entry in entries:
                    try:
                        info = entry.stat(follow_symlinks=False)
                    except OSError:
                        continue
                    if stat_module.S_ISREG(info.st_mode):
                        found.append((info.st_mtime_ns, info.st_size, entry.path))
        except OSError:
            continue
    total = sum(size for _t, size, _p in found)
    cap = cap_bytes()
    for _time, size, path in sorted(found):
        if total <= cap:
            break
        try:
            os.unlink(path)
        except OSError:
            continue
        total -= size


def _remove(path: Path) -> None:
    """An entry no job can use any more, removed (so the next ``put`` of its key writes it:
    ``put`` leaves an entry that is there alone); gone already or not removable: no matter."""
    try:
        path.unlink()
    except OSError:
        pass


def _touch(path: Path) -> None:
    """Mark an entry used now, to the nanosecond (a file system's own clock may be coarser
    than the time between two jobs' uses: the least recently used must still go first)."""
    import time

    now = time.time_ns()
    try:
        os.utime(path, ns=(now, now))
    except OSError:
        pass


def _bytes_of(path: str) -> bytes:
    data = _regular_bytes(path)
    if data is None:
        raise OSError(f"{path}: not a regular file")
    return data


def _fontconfig_files() -> list[str]:
    """The font files fontconfig lists (none when ``fc-list`` cannot be run), asked once per
    job (``jobstate``: a service's next job sees a font installed since)."""
    from ...jobstate import current

    machine = current().machine
    if "font_files" not in machine:
        import subprocess

        try:
            listed = subprocess.run(["fc-list", "--format", "%{file}\\n"], capture_output=True,
                                    timeout=30, check=False).stdout
        except (OSError, subprocess.SubprocessError):
            listed = b""
        machine["font_files"] = list(dict.fromkeys(os.fsdecode(line)
                                                   for line in listed.splitlines()
                                                   if line.strip()))
    return machine["font_files"]


def _folder(path: Path) -> None:
    """Make ``path`` and the cache folders above it 0700, whatever the umask (a umask of 002
    would make them group-writable, and the store would then refuse its own folder)."""
    from ..fontcache import own_folder

    own_folder(path)


def _safe_folder(path: Path) -> bool:
    """The folder must be the user's own, a real folder (no symlink) nobody else may write
    to, or none of it is used. Missing is fine (made 0700)."""
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
    """The file's bytes when it is a regular file of this user's own (not a symlink, FIFO or
    device: opened without following or waiting), else None."""
    from ..fontcache import read_own

    return read_own(path)

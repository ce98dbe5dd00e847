"""Compiled templates kept between runs: Jinja's bytecode cache in cardkit's cache folder.

Compiling the built-in templates takes about a tenth of a second, a fifth of a ten-officer
job on a design printed before. Jinja can keep the code it compiles (``BytecodeCache``):
an entry is used only for the same template name, the same source (Jinja compares a
checksum of it), the same Python (its marshal format) and, added here, the same Jinja and
the same cardkit templating code (``CardEnvironment`` rewrites every template it parses).

An entry is Python code that runs when a template renders, so it is read only from
cardkit's own cache folder (``cache_root()/templates``, mode 0700 whatever the umask),
only as a regular file of this user's, opened without following a symlink or waiting on
a FIFO (``fontcache.read_own``), and unmarshalled only when it hashes to the digest
written before it (a file cut short or damaged is a miss, never code run). Entries are
written by renaming a new file over them (``fontcache.write_own``: a symlink put at an
entry's name is replaced, not followed); an entry that cannot be written is no entry.
The folder keeps at most ``MAX_ENTRIES`` files, the oldest going first.
"""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import jinja2

MAX_ENTRIES = 512  # about 5 KiB each: a few hundred designs' templates
MAGIC = b"cardkit-template-code 1\n"  # then the SHA-256 of the code Jinja wrote, then the code


class TemplateCodeCache(jinja2.BytecodeCache):
    """Jinja's compiled templates in ``folder``, keyed by ``salt`` as well."""

    def __init__(self, folder: Path, salt: str) -> None:
        self.folder = folder
        self.salt = salt

    def get_cache_key(self, name: str, filename: str | None = None) -> str:
        return hashlib.sha256(f"{self.salt}\x00{name}\x00{filename}".encode()).hexdigest()

    def _path(self, bucket: jinja2.bccache.Bucket) -> Path:
        return self.folder / f"{bucket.key}.code"

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        from .fontcache import read_own

        data = read_own(self._path(bucket))
        if not data or not data.startswith(MAGIC):
            return
        digest, code = data[len(MAGIC):len(MAGIC) + 32], data[len(MAGIC) + 32:]
        if hashlib.sha256(code).digest() != digest:  # cut short or damaged: never unmarshalled
            return
        try:
            bucket.load_bytecode(io.BytesIO(code))  # a stale or other entry: reset, a miss
        except Exception:  # noqa: BLE001 (Jinja's pickle and marshal raise many kinds)
            bucket.reset()

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        from ..errors import CardkitError
        from .fontcache import own_folder, prune_oldest, write_own

        data = io.BytesIO()
        bucket.write_bytecode(data)
        code = data.getvalue()
        try:
            own_folder(self.folder)
            prune_oldest(self.folder, ".code", MAX_ENTRIES)
            write_own(self._path(bucket), MAGIC + hashlib.sha256(code).digest() + code)
        except (OSError, CardkitError):
            pass


def code_cache(codegen: Path | None = None) -> TemplateCodeCache | None:
    """The cache of compiled templates, or None without a cache folder. ``codegen``: the
    module whose code shapes what Jinja compiles (``design.templating``), part of every key."""
    from .fontcache import cache_root

    root = cache_root()
    if root is None:
        return None
    if codegen is None:
        from ..design import templating

        codegen = Path(templating.__file__)
    salt = hashlib.sha256(jinja2.__version__.encode() + codegen.read_bytes()).hexdigest()
    return TemplateCodeCache(root / "templates", salt)

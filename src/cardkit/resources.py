"""Where the built-in templates, generations and examples live.

In a checkout (editable install) they are the folders at the repository root;
in an installed wheel they are copied to ``cardkit/_data/``. The checkout wins so
that an edit to ``templates/`` is seen at once without reinstalling.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent
DATA_KINDS = ("templates", "generations", "examples")


@cache
def builtin_dir(kind: str) -> Path:
    """Return the folder of built-in ``kind`` (templates, generations or examples)."""
    if kind not in DATA_KINDS:
        raise ValueError(f"unknown data kind {kind!r}")
    checkout = _PACKAGE_DIR.parent.parent / kind
    if (_PACKAGE_DIR.parent.parent / "pyproject.toml").is_file() and checkout.is_dir():
        return checkout
    return _PACKAGE_DIR / "_data" / kind


def package_roots() -> list[Path]:
    """Folders of package data a render may read."""
    return [builtin_dir(kind) for kind in DATA_KINDS]

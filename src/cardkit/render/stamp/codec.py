"""Plates as data: what the plate store writes is JSON of known shapes, never a pickle.

Reading a kept entry runs no code of the entry's: every object is one of the few types
listed in ``_types`` (rebuilt field by field), bytes, numbers, strings, lists, tuples,
dicts with string keys, a font face named by its key, or a colour. Anything else in a file
is a damaged entry (``ValueError``), which the store treats as a miss.

An entry is one file (``pack``): ``MAGIC``; the size of its JSON part as kept and as read
(``_HEAD``: two unsigned 32-bit little-endian numbers); the JSON part, zlib-compressed,
holding the entry's facts about itself (``meta``), its value, the sizes of its bytes
objects and their SHA-256 (``digest``: zlib checks the JSON part, nothing would check a
PDF, which qpdf reads even with a bit flipped); then those bytes objects one after the
other, raw (a plate's PDF is compressed already: neither base64 nor zlib again). In the
JSON a bytes object is ``{"$b": index}``.
The sizes must add up to the file's exact size before anything is sliced, and the bytes must
be those hashed, so a truncated or damaged file, one with bytes appended or a foreign one
(no ``MAGIC``: also the store's older ``.json.z`` entries; an entry without ``digest``) is a
``ValueError``, never a crash, a long wait or other cards.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import struct
import zlib
from collections.abc import Callable
from functools import partial
from typing import Any

from . import shaping

MAGIC = b"\x89cardkit plate store 1\n"  # the format's version is its last digit
SUFFIX = ".entry"  # the file name's ending (the store's names are hashes)
JSON_LIMIT = 64 * 2**20  # the JSON part of one entry, unpacked (a plate's is about 12 KB)
_HEAD = struct.Struct("<II")

Fonts = Callable[[str], shaping.FontFace]


def _types() -> dict[str, type]:
    from ...listfit import Plan
    from . import plates, split

    return {"Plate": plates.Plate, "Slot": plates.Slot, "Cut": split.Cut, "Plan": Plan}


def pack(value: Any, meta: dict[str, Any]) -> bytes:
    """One entry's file: ``value`` with ``meta`` (the same shapes, without font faces)."""
    types = {cls: name for name, cls in _types().items()}
    blobs: list[bytes] = []

    def put(item: Any) -> Any:
        if item is None or isinstance(item, bool | int | float | str):
            return item
        if isinstance(item, bytes):
            blobs.append(item)
            return {"$b": len(blobs) - 1}
        if isinstance(item, tuple):
            return {"$t": [put(x) for x in item]}
        if isinstance(item, list):
            return [put(x) for x in item]
        if isinstance(item, dict):
            if not all(isinstance(k, str) for k in item):
                return {"$m": [[put(k), put(v)] for k, v in item.items()]}
            return {"$o": {k: put(v) for k, v in item.items()}}
        if isinstance(item, shaping.FontFace):
            return {"$font": item.key}
        if type(item) in types:
            fields = {f.name: put(getattr(item, f.name)) for f in dataclasses.fields(item)}
            return {"$d": types[type(item)], "f": fields}
        if hasattr(item, "space") and hasattr(item, "coordinates") and hasattr(item, "alpha"):
            return {"$c": [item.space, list(item.coordinates), item.alpha]}
        raise TypeError(f"not kept as data: {type(item).__name__}")

    tree = {"meta": put(meta), "value": put(value)}
    tree["sizes"] = [len(blob) for blob in blobs]
    tree["digest"] = _digest(blobs)
    text = json.dumps(tree, separators=(",", ":")).encode()
    if len(text) > JSON_LIMIT:
        raise ValueError("an entry too big to keep")
    kept = zlib.compress(text, 6)
    return b"".join((MAGIC, _HEAD.pack(len(kept), len(text)), kept, *blobs))


def unpack(data: bytes) -> tuple[dict[str, Any], Callable[[Fonts], Any]]:
    """The ``meta`` of the entry ``pack`` wrote, and a function that rebuilds its value with
    the font faces by key from the function it is given; ``ValueError`` for a file that is
    not such an entry, or any shape not a known one."""
    try:
        tree, blobs = _parts(data)
        meta = _rebuild(tree["meta"], blobs, _no_font)
    except _DAMAGED as exc:
        raise ValueError(f"not an entry of the plate store ({type(exc).__name__})") from None
    if not isinstance(meta, dict):
        raise ValueError("not an entry of the plate store")
    return meta, partial(_value, tree["value"], blobs)


def _parts(data: bytes) -> tuple[dict[str, Any], list[bytes]]:
    """The entry's JSON and its bytes objects, every size checked against the file's before
    anything past the header is read."""
    start = len(MAGIC) + _HEAD.size
    if len(data) < start or not data.startswith(MAGIC):
        raise ValueError("not an entry of the plate store")
    kept, size = _HEAD.unpack_from(data, len(MAGIC))
    end = start + kept
    if size > JSON_LIMIT or end > len(data):
        raise ValueError("not an entry of the plate store (sizes)")
    unpacker = zlib.decompressobj()
    text = unpacker.decompress(data[start:end], size + 1)
    if len(text) != size or not unpacker.eof or unpacker.unused_data:
        raise ValueError("not an entry of the plate store (its JSON part)")
    tree = json.loads(text)
    if not isinstance(tree, dict) or set(tree) != {"meta", "value", "sizes", "digest"}:
        raise ValueError("not an entry of the plate store")
    sizes = tree["sizes"]
    if not isinstance(sizes, list) or not all(type(n) is int and n >= 0 for n in sizes) \
            or end + sum(sizes) != len(data):
        raise ValueError("not an entry of the plate store (truncated, or sizes not its own)")
    blobs = []
    for length in sizes:
        blobs.append(data[end:end + length])
        end += length
    if tree["digest"] != _digest(blobs):  # a bit flipped on the disk, a half-copied file
        raise ValueError("not an entry of the plate store (its bytes are not those kept)")
    return tree, blobs


def _digest(blobs: list[bytes]) -> str:
    """The SHA-256 of an entry's bytes objects, each after its size: the JSON part has zlib's
    own check, the bytes (a plate's PDF, which qpdf would read even damaged) have this."""
    digest = hashlib.sha256()
    for blob in blobs:
        digest.update(len(blob).to_bytes(8, "little"))
        digest.update(blob)
    return digest.hexdigest()


def _value(tree: Any, blobs: list[bytes], font: Fonts) -> Any:
    try:
        return _rebuild(tree, blobs, font)
    except _DAMAGED as exc:
        raise ValueError(f"not an entry of the plate store ({type(exc).__name__})") from None


def _rebuild(tree: Any, blobs: list[bytes], font: Fonts) -> Any:
    """The object ``pack``'s ``put`` made ``tree`` of; ``ValueError`` for any other shape."""
    types = _types()

    def get(item: Any) -> Any:
        if item is None or isinstance(item, bool | int | float | str):
            return item
        if isinstance(item, list):
            return [get(x) for x in item]
        if not isinstance(item, dict) or not item or len(item) > 2:
            raise ValueError("not an entry of the plate store")
        tag = next(iter(item))
        if tag == "$d":
            return _dataclass(types, item, get)
        if tag == "$b":
            index = item[tag]
            if type(index) is not int or not 0 <= index < len(blobs) or len(item) != 1:
                raise ValueError("not an entry of the plate store (a bytes object not in it)")
            return blobs[index]
        if tag not in _TAGS or len(item) != 1:
            raise ValueError("not an entry of the plate store")
        return _TAGS[tag](item[tag], get, font)

    return get(tree)


# what a damaged entry can raise while it is read (besides ValueError)
_DAMAGED = (zlib.error, TypeError, KeyError, AttributeError, RecursionError, OverflowError)


def _no_font(key: str) -> shaping.FontFace:
    raise ValueError(f"a font where none belongs ({key})")


def _dataclass(types: dict[str, type], item: dict, get: Callable[[Any], Any]) -> Any:
    cls = types.get(item["$d"])
    if cls is None:
        raise ValueError(f"an unknown kind of object ({item['$d']})")
    fields = item["f"]
    if set(fields) != {f.name for f in dataclasses.fields(cls)}:
        raise ValueError(f"a {item['$d']} of other fields")
    return cls(**{k: get(v) for k, v in fields.items()})


def _color(value: list, _get: Any, _font: Any) -> Any:
    import tinycss2.color4

    space, coordinates, alpha = value
    return tinycss2.color4.Color(str(space), tuple(float(c) for c in coordinates), float(alpha))


_TAGS: dict[str, Callable[[Any, Callable[[Any], Any], Fonts], Any]] = {
    "$t": lambda v, get, font: tuple(get(x) for x in v),
    "$o": lambda v, get, font: {str(k): get(x) for k, x in v.items()},
    "$m": lambda v, get, font: {get(k): get(x) for k, x in v},
    "$font": lambda v, get, font: font(str(v)),
    "$c": _color,
}

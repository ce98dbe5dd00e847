"""Plates as data: what the plate store writes is JSON of known shapes, never a pickle.

Reading a kept entry runs no code of the entry's: every object is one of the few types
listed in ``_TYPES`` (rebuilt field by field), bytes, numbers, strings, lists, tuples,
dicts with string keys, a font face named by its key, or a colour. Anything else in a file
is a damaged entry (``ValueError``), which the store treats as a miss.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import zlib
from collections.abc import Callable
from typing import Any

from . import shaping


def _types() -> dict[str, type]:
    from ...listfit import Plan
    from . import plates, split

    return {"Plate": plates.Plate, "Slot": plates.Slot, "Cut": split.Cut, "Plan": Plan}


def encode(value: Any) -> bytes:
    """``value`` as compressed JSON."""
    types = {cls: name for name, cls in _types().items()}

    def put(item: Any) -> Any:
        if item is None or isinstance(item, bool | int | float | str):
            return item
        if isinstance(item, bytes):
            return {"$b": base64.b64encode(item).decode("ascii")}
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

    return zlib.compress(json.dumps(put(value), separators=(",", ":")).encode(), 6)


def decode(data: bytes, font: Callable[[str], shaping.FontFace]) -> Any:
    """The value ``encode`` wrote; font faces by key from ``font``; ``ValueError`` for
    anything that is not one of the known shapes."""
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
        if tag not in _TAGS:
            raise ValueError("not an entry of the plate store")
        return _TAGS[tag](item[tag], get, font)

    try:
        return get(json.loads(zlib.decompress(data)))
    except (zlib.error, json.JSONDecodeError, TypeError, KeyError) as exc:
        raise ValueError(f"not an entry of the plate store ({type(exc).__name__})") from None


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


_TAGS: dict[str, Callable[[Any, Callable[[Any], Any], Callable[[str], Any]], Any]] = {
    "$b": lambda v, get, font: base64.b64decode(v, validate=True),
    "$t": lambda v, get, font: tuple(get(x) for x in v),
    "$o": lambda v, get, font: {str(k): get(x) for k, x in v.items()},
    "$m": lambda v, get, font: {get(k): get(x) for k, x in v},
    "$font": lambda v, get, font: font(str(v)),
    "$c": _color,
}

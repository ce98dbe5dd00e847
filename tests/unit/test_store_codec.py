"""The plate store's entry format (render/stamp/codec.py): bytes come back exactly; a
truncated entry, one whose sizes point past its end, a foreign file and an entry of the
older format are misses (``ValueError`` from the codec, ``(False, None)`` from the store),
never a crash or a wait."""

from __future__ import annotations

import base64
import json
import os
import struct
import zlib

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from cardkit.listfit import Plan
from cardkit.render.stamp import codec, shaping, store
from cardkit.render.stamp.split import Cut

EXAMPLES = settings(max_examples=150, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow])
PDF = b"%PDF-1.7\n" + bytes(range(256)) * 40 + os.urandom(50_000) + b"\n%%EOF\n"


def _value():
    return {"pdf": PDF, "empty": b"", "again": PDF[:100],
            "cut": Cut(pieces=["q 1 0 0 1 0 0 cm", "Q"], groups=[("q", ["name", 1.5], "Q")]),
            "plan": Plan(columns=2, sizes={"tips": 7.5}, width_mm=80.0),
            "tuple": (1, "二", None, True), 3: [b"\x00\xff", 2.25]}


def _fonts(key: str) -> shaping.FontFace:
    return shaping.FontFace(key=key, data=b"OTTO", index=0, family=key)


def _rebuilt(data: bytes):
    meta, value_of = codec.unpack(data)
    return meta, value_of(_fonts)


def _json_part(data: bytes) -> tuple[dict, int]:
    """The entry's JSON, read by hand, and where its bytes objects begin."""
    start = len(codec.MAGIC) + 8
    kept, _size = struct.unpack_from("<II", data, len(codec.MAGIC))
    return json.loads(zlib.decompress(data[start:start + kept])), start + kept


def _with_json(data: bytes, tree: dict) -> bytes:
    """``data`` with its JSON part replaced by ``tree``'s (its bytes objects kept)."""
    _old, end = _json_part(data)
    text = json.dumps(tree).encode()
    kept = zlib.compress(text)
    return codec.MAGIC + struct.pack("<II", len(kept), len(text)) + kept + data[end:]


def test_bytes_and_every_shape_come_back_exactly():
    meta = {"files": {"/a/b.svg": "0" * 64}, "fonts": {"Sans": (("file", "/f.otf", "1"), 2, "S")}}
    value = _value()
    data = codec.pack(value, meta)
    assert data.startswith(codec.MAGIC)
    assert PDF in data  # appended raw: no base64, no zlib over it
    got_meta, got = _rebuilt(data)
    assert got_meta == meta and got == value
    assert type(got["pdf"]) is bytes and got["pdf"] == PDF and got["empty"] == b""
    face = codec.unpack(codec.pack([_fonts("Sans")], {}))[1](_fonts)[0]
    assert face.key == "Sans"


def test_a_truncated_entry_or_one_with_bytes_appended_is_a_miss():
    data = codec.pack(_value(), {"files": {}})
    for end in [*range(0, 200), len(data) // 2, len(data) - 1]:
        with pytest.raises(ValueError):
            codec.unpack(data[:end])
    with pytest.raises(ValueError):
        codec.unpack(data + b"\x00")


def test_a_bit_flipped_anywhere_in_an_entry_is_a_miss():
    """A disk's or a copy's damage never reaches a card: qpdf would read a damaged plate PDF
    and print other text (or fail), so every byte of an entry is checked."""
    data = codec.pack(_value(), {"files": {}})
    for position in range(len(codec.MAGIC), len(data), max(1, len(data) // 400)):
        for bit in (0, 7):
            damaged = bytearray(data)
            damaged[position] ^= 1 << bit
            with pytest.raises(ValueError):
                codec.unpack(bytes(damaged))[1](_fonts)
    assert PDF in data and codec.unpack(data)[1](_fonts) == _value()


def test_sizes_pointing_past_the_end_are_a_miss():
    data = codec.pack(_value(), {"files": {}})
    start = len(codec.MAGIC)
    kept, size = struct.unpack_from("<II", data, start)
    for head in ((2**32 - 1, size), (kept, 2**32 - 1), (kept, size - 1), (kept + 1, size)):
        with pytest.raises(ValueError):
            codec.unpack(data[:start] + struct.pack("<II", *head) + data[start + 8:])
    tree, _end = _json_part(data)
    for sizes in ([n + 1 for n in tree["sizes"]], [*tree["sizes"], 10**12], [-1, 10**9],
                  [True] * len(tree["sizes"]), "12"):
        with pytest.raises(ValueError):
            codec.unpack(_with_json(data, {**tree, "sizes": sizes}))
    for index in (len(tree["sizes"]), -1, True, "0", 0.0):  # a bytes object not in the file
        with pytest.raises(ValueError):
            codec.unpack(_with_json(data, {**tree, "meta": {"$o": {"x": {"$b": index}}}}))
    assert codec.unpack(_with_json(data, tree))[1](_fonts) == _value()  # the hand-made one reads


def test_foreign_files_and_older_entries_are_a_miss():
    old_value = zlib.compress(json.dumps({"$b": base64.b64encode(PDF).decode()}).encode())
    old_entry = zlib.compress(json.dumps({"$o": {
        "value": {"$b": base64.b64encode(old_value).decode()},
        "files": {"$o": {}}, "fonts": {"$o": {}}}}).encode())  # the store's .json.z format
    bomb = zlib.compress(b"[" * 10**7)
    foreign = [b"", b"\x89", PDF, os.urandom(5000), old_entry, json.dumps({"meta": {}}).encode(),
               codec.MAGIC + struct.pack("<II", len(bomb), 10) + bomb,  # bigger than it says
               codec.MAGIC.replace(b"1\n", b"2\n") + codec.pack(b"x", {})[len(codec.MAGIC):]]
    for data in foreign:
        with pytest.raises(ValueError):
            codec.unpack(data)
    data = codec.pack(b"x", {})
    for tree in ({"meta": {}, "value": {"$b": 0}},  # no sizes
                 {"meta": {"$o": {}}, "value": {"$x": 1}, "sizes": [1]},  # an unknown tag
                 {"meta": {"$o": {}}, "value": {"$d": "Popen", "f": {}}, "sizes": [1]},
                 {"meta": {"$font": "Sans"}, "value": 1, "sizes": [1]},  # no font in meta
                 {"meta": [], "value": 1, "sizes": [1]},
                 {"meta": {"$o": {}}, "value": {"$t": 5}, "sizes": [1]}):
        with pytest.raises(ValueError):
            codec.unpack(_with_json(data, tree))[1](_fonts)
    deep = "[" * 100_000 + "]" * 100_000
    text = ('{"meta":{"$o":{}},"value":' + deep + ',"sizes":[1]}').encode()
    kept = zlib.compress(text)
    with pytest.raises(ValueError):  # nested past the recursion limit
        codec.unpack(codec.MAGIC + struct.pack("<II", len(kept), len(text)) + kept + b"x")


def _only_value_errors(data: bytes) -> None:
    """Reading ``data`` gives an entry or a ValueError, nothing else (a font not known: the
    store's lookup raises KeyError)."""
    try:
        codec.unpack(data)[1]({"Sans": _fonts("Sans")}.__getitem__)
    except ValueError:
        pass


SMALL = codec.pack(
    {"pdf": PDF[:300], "cut": _value()["cut"], 3: (b"", 1.5)}, {"files": {"/a.svg": "0" * 64}})


@EXAMPLES
@given(st.lists(st.tuples(st.integers(0, len(SMALL) - 1), st.integers(0, 255)), max_size=4),
       st.integers(0, len(SMALL)), st.binary(max_size=8))
def test_any_edit_of_an_entry_is_an_entry_or_a_miss(edits, cut, added):
    data = bytearray(SMALL)
    for where, byte in edits:
        data[where] = byte
    _only_value_errors(bytes(data[:cut]) + added)


TAGS = st.sampled_from(["$b", "$t", "$o", "$m", "$font", "$c", "$d", "f", "x", "Sans"])
JSON = st.recursive(st.none() | st.booleans() | st.integers(-2, 2) | st.integers() | st.floats()
                    | st.text(max_size=4) | st.sampled_from(["Cut", "Plan", "Plate", "Slot"]),
                    lambda inner: st.lists(inner, max_size=3)
                    | st.builds(lambda tag, item: {tag: item}, TAGS, inner)
                    | st.dictionaries(TAGS, inner, min_size=2, max_size=2)
                    | st.sampled_from([{"$d": "Cut", "f": {"pieces": [], "groups": []}},
                                       {"$d": "Plan", "f": {}}, {"$b": 0}, {"$b": 1}]),
                    max_leaves=12)


@EXAMPLES
@given(st.builds(lambda fields: {"$o": fields}, st.dictionaries(st.text(max_size=2), JSON,
                                                                 max_size=2)) | JSON, JSON)
@example({"$o": {}}, {"$d": "Cut"})  # KeyError
@example({"$o": {}}, {"$font": "Serif"})  # KeyError (the store's lookup)
@example({"$o": []}, 1)  # AttributeError
@example({"$o": {}}, {"$m": 1})  # TypeError
@example({"$o": {}}, {"$c": ["srgb", [10**400], 1]})  # OverflowError (an int too big for a float)
def test_any_json_part_is_an_entry_or_a_miss(meta, value):
    sizes = _json_part(SMALL)[0]["sizes"]  # its own (other sizes: a miss before any shape)
    _only_value_errors(_with_json(SMALL, {"meta": meta, "value": value, "sizes": sizes}))


@pytest.fixture
def kept(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("CARDKIT_CACHE", raising=False)
    monkeypatch.delenv("CARDKIT_CACHE_MB", raising=False)
    return store.Store("a look")


@pytest.mark.parametrize("spoil", ["truncated", "past the end", "foreign", "old format"])
def test_a_spoilt_entry_in_the_store_is_a_miss(kept, spoil):
    kept.put("page", "back", PDF, {})
    (entry,) = (kept.root / "page").iterdir()
    assert entry.name.endswith(codec.SUFFIX)
    assert kept.get("page", "back") == (True, PDF)
    data = entry.read_bytes()
    if spoil == "truncated":
        data = data[:-1]
    elif spoil == "past the end":
        tree, _end = _json_part(data)
        data = _with_json(data, {**tree, "sizes": [len(PDF) + 1]})
    elif spoil == "foreign":
        data = b"%PDF-1.7\n" + data
    else:
        data = zlib.compress(json.dumps({"$o": {"value": {"$b": ""}}}).encode())
    entry.write_bytes(data)
    assert kept.get("page", "back") == (False, None)


def test_entries_of_the_older_format_are_never_read_and_are_evicted(kept, monkeypatch):
    """The store's ``.json.z`` entries are not looked at any more; they count towards the
    size cap and, never used again, are the first to go."""
    old = kept.root / "plate" / ("0" * 64 + ".json.z")
    old.parent.mkdir(parents=True)
    old.write_bytes(os.urandom(30_000))
    os.utime(old, ns=(0, 10**18))
    monkeypatch.setenv("CARDKIT_CACHE_MB", "0.05")  # about 52 KB
    kept.put("page", "back", os.urandom(20_000), {})
    assert old.exists()  # under the cap still
    kept.put("page", "front", os.urandom(20_000), {})
    assert not old.exists()
    assert kept.get("page", "back")[0] and kept.get("page", "front")[0]

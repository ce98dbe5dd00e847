"""A generation's sections are typed and read-only, and only design/ reads its raw YAML.

Outside ``design/`` code reads ``gen.qr``, ``gen.colors``, ``gen.fit``...; the resolved
mapping (``gen.data``) is left to the few places that serialise the whole generation.
"""

from __future__ import annotations

import ast
import dataclasses
import pickle
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

import cardkit
from cardkit.design import generations
from cardkit.model import CardSize, FitPolicy, MascotSection, QrSettings, TemplateNames
from cardkit.project import open_project

PACKAGE = Path(cardkit.__file__).resolve().parent

# The places outside design/ that may read a generation's raw YAML: each serialises the whole
# generation, where a typed section would leave keys out.
SERIALISERS = {
    ("report.py", "design_digest"),  # the ledger's design checksum
    ("report.py", "input_checksums"),  # the ledger's generation checksum
    ("api.py", "show_generation"),  # `cardkit show`: the resolved YAML
    ("tools/diff.py", "compare"),  # `cardkit diff`: every resolved key
    ("render/stamp/__init__.py", "_look"),  # a plate's key: everything a plate depends on
}
_GENERATION = re.compile(r"\b(gen|generation|base|first|second)\b|\[.gen.\]")


def raw_reads(source: str) -> Iterator[tuple[int, str, str]]:
    """(line, enclosing function, expression) of each raw read of a generation's YAML:
    ``X.data.get(...)`` or ``X.data[...]`` of anything, or ``.data`` of a generation."""
    tree = ast.parse(source)
    owner: dict[int, str] = {}  # id(node) -> the innermost function around it
    for node in ast.walk(tree):  # breadth first: an inner function comes after its outer one
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            owner.update((id(inner), node.name) for inner in ast.walk(node))
    for node in ast.walk(tree):
        for child in ast.iter_child_nodes(node):
            if not (isinstance(child, ast.Attribute) and child.attr == "data"):
                continue
            getter = isinstance(node, ast.Attribute) and node.attr == "get"
            indexed = isinstance(node, ast.Subscript) and node.value is child
            if getter or indexed or _GENERATION.search(ast.unparse(child.value)):
                yield child.lineno, owner.get(id(child), ""), ast.unparse(node)


def _outside_design() -> Iterator[tuple[str, Path]]:
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE).as_posix()
        if not relative.startswith("design/"):
            yield relative, path


def test_no_raw_read_of_a_generation_outside_design_and_its_serialisers():
    found = [f"src/cardkit/{name}:{line}: {function}: {expression}"
             for name, path in _outside_design()
             for line, function, expression in raw_reads(path.read_text(encoding="utf-8"))
             if (name, function) not in SERIALISERS]
    assert found == [], "read the typed sections (gen.qr, gen.colors, ...) instead:\n" + "\n".join(found)


def test_each_serialiser_listed_still_reads_the_raw_yaml():
    """A serialiser that no longer reads ``gen.data`` leaves the list: it would excuse a
    raw read added there later."""
    used = {(name, function) for name, path in _outside_design()
            for _line, function, _expr in raw_reads(path.read_text(encoding="utf-8"))}
    assert SERIALISERS <= used


@pytest.mark.parametrize("source", [
    'def f(gen):\n    return gen.data.get("qr")\n',
    'def f(self):\n    return self.gen.data["fit"]\n',
    'def f(renderer):\n    return (renderer.gen.data.get("colors") or {}).get("qr")\n',
    'def f(c):\n    return c["gen"].data\n',
    'def f(thing):\n    return thing.data.get("fonts")\n',
    'def f(job):\n    return dict(job.gen.data)\n',
])
def test_the_scan_sees_a_raw_read(source):
    assert [function for _line, function, _expr in raw_reads(source)] == ["f"]


def test_the_scan_leaves_other_data_alone():
    source = "def f(face, blob):\n    return face.data, blob.data, hash(face.data)\n"
    assert list(raw_reads(source)) == []


@pytest.fixture(scope="module")
def builtin(tmp_path_factory):
    return open_project(tmp_path_factory.mktemp("empty"))  # no overrides: built-ins only


def test_a_builtin_generations_sections_are_typed_with_its_values(builtin):
    gen = generations.load(builtin, "2022")
    assert (gen.title, gen.year, gen.base) == ("第四代警民联系卡", 2022, "2012")
    assert gen.summary.startswith("加入卡通形象")
    assert gen.card == CardSize(width=90.0, height=54.0, bleed=2.0, safe=3.5, fixed=False)
    assert gen.shows("front") == ["unit", "name", "post", "area", "phone", "mobile", "address",
                                  "qr", "promise"]
    assert gen.qr == QrSettings(field="wechat", size_mm=19.0, ec=None, min_module_mm=0.5,
                                missing="omit",
                                hosts=("u.wechat.com", "weixin.qq.com", "wxp://", "weixin://"))
    assert gen.qr_field == "wechat" and gen.qr_side == "front"
    assert gen.colors["accent"] == "#0b4a9a" and gen.colors["background"] == "#e3f0fb"
    assert gen.colors["text"] == "#2c2c2b"  # inherited from 2012's chain
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in gen.colors.items())
    assert gen.fonts["body"] == ("Noto Sans CJK SC",) and isinstance(gen.fonts["heading"], tuple)
    assert gen.fit["fraud_tips"] == FitPolicy(min_pt=5.5, max_lines=1)  # its own
    assert gen.fit["address"] == FitPolicy(min_pt=6, max_lines=2)  # from 2002
    assert gen.fit["fraud_tips"].floor(9.0) == 5.5 and FitPolicy().floor(9.0) == 9.0
    assert gen.templates == TemplateNames("front.html", "back.html", "card.css")
    assert gen.mascot == MascotSection()  # the unit's own mascot, none of the generation's
    assert gen.fields == ()
    assert ("fraud_tips.lines", "陌生来电不轻信") in gen.printed_texts
    assert not any(path.startswith(("colors.", "fit.", "qr.size")) for path, _ in gen.printed_texts)


def test_sections_are_read_only_and_travel_to_workers(builtin):
    gen = generations.load(builtin, "2022")
    with pytest.raises(TypeError):
        gen.colors["accent"] = "#000000"  # type: ignore[index]
    with pytest.raises(dataclasses.FrozenInstanceError):
        gen.qr.size_mm = 30  # type: ignore[misc]
    copy = pickle.loads(pickle.dumps(gen))
    assert copy.qr == gen.qr and dict(copy.colors) == dict(gen.colors)
    assert copy.fit == gen.fit and copy.data == gen.data


def test_a_revised_generation_reads_its_sections_again(builtin):
    gen = generations.load(builtin, "2012")
    revised = generations.revised(gen, {"card": {"bleed_mm": 0}, "fit": {"name": None}})
    assert revised.card.bleed == 0 and revised.data["card"]["bleed_mm"] == 0
    assert revised.fit["name"] is None and gen.fit["name"] == FitPolicy(min_pt=11)
    assert gen.card.bleed == 2  # the original is left as it was
    with pytest.raises(TypeError):  # a copy with other data and stale sections cannot be made
        dataclasses.replace(gen, data={})  # type: ignore[call-arg]


def test_sections_of_a_project_generation_fill_defaults_and_drop_empty_policies(tmp_path):
    (tmp_path / "generations").mkdir()
    (tmp_path / "generations" / "mine.yaml").write_text(
        'extends: "2022"\nqr: {ec: h, min_module_mm: 0.4, missing: error}\n'
        "fit: {name: null, post: {}, phone: {}, area: {max_lines: 3}}\nfields: [duty]\n"
        "card: {fixed: true}\n", encoding="utf-8")
    gen = generations.load(open_project(tmp_path), "mine")
    assert gen.qr.ec == "h" and gen.qr.min_module_mm == 0.4 and gen.qr.missing == "error"
    assert gen.qr.size_mm == 19.0  # still 2022's
    assert gen.fit["name"] is None and gen.fit["phone"] is None  # null, and an empty one
    assert gen.fit["post"] == FitPolicy(min_pt=6)  # {} adds nothing to 2002's
    assert gen.fit["area"] == FitPolicy(min_pt=6, max_lines=3)  # merged onto 2002's
    assert gen.fields == ("duty",) and gen.card.fixed

"""The generation schema: one table from which validation, the reference and "did you mean" come."""

from __future__ import annotations

import re

import pytest
from conftest import REPO

from cardkit import i18n
from cardkit.design import generations, schema
from cardkit.i18n import N_
from cardkit.project import Project
from cardkit.tools import reference
from cardkit.yamlio import load


def problems(text: str) -> list[str]:
    return [d.format() for d in schema.check_layer(load(text, name="generations/x.yaml", strings=False),
                                                   "generations/x.yaml")]


def test_every_option_is_documented_and_every_document_is_translated():
    options = dict(schema.OPTIONS)
    for key in schema.OPTIONS:
        options.update({f"{key}.{k}": o for k, o in schema.nested(key).items()})
    assert len(options) > 30
    i18n.set_language("zh")
    try:
        for key, option in options.items():
            assert option.doc.strip(), key
            assert re.search(r"[\u4e00-\u9fff]", i18n._(option.doc)), f"{key}: no Chinese"
    finally:
        i18n.set_language("en")


def test_every_kind_of_mistake_is_one_located_line_with_a_hint():
    text = ("titel: x\ncard:\n  widht_mm: 85\n  height_mm: 54mm\ncolors:\n  text: red\n"
            "fonts:\n  body: Noto Sans\nfront:\n  show: qr\nfit:\n  nmae: {min_pt: 6}\n"
            "  unit: {min_pt: 2, max_line: 2}\ntexts: hello\n")
    assert problems(text) == [
        'error: generations/x.yaml:1: titel: unknown key (did you mean "title"?)',
        'error: generations/x.yaml:3: card.widht_mm: unknown key (did you mean "width_mm"?) '
        "(card: takes width_mm, height_mm, bleed_mm, safe_mm, fixed)",
        "error: generations/x.yaml:4: card.height_mm: '54mm' is not a number of millimetres "
        "(write 90, not 90mm)",
        "error: generations/x.yaml:6: colors.text: 'red' is not a colour like #1a5fb4",
        "error: generations/x.yaml:8: fonts.body: expected a list of font family names",
        "error: generations/x.yaml:10: front.show: expected a list of block names",
        'error: generations/x.yaml:12: fit.nmae: no such field on a card (did you mean "name"?)',
        "error: generations/x.yaml:13: fit.unit: min_pt 2: expected a font size from 3 to 30 (points)",
        "error: generations/x.yaml:13: fit.unit: unknown key 'max_line' (did you mean \"max_lines\"?)",
        "error: generations/x.yaml:14: texts: expected a mapping",
    ]


def test_an_option_added_to_the_table_is_validated_documented_and_suggested(monkeypatch):
    card = schema.OPTIONS["card"].kind.keys
    monkeypatch.setitem(card, "corner_mm", schema.Option(schema.Millimetres(),
                                                         N_("radius of rounded corners")))
    monkeypatch.setitem(schema.OPTIONS, "stamp", schema.Option(schema.Choice("none", "specimen"),
                                                               N_("a mark across the card")))
    assert problems("card:\n  corner_mm: 3\nstamp: none\n") == []
    assert problems("card:\n  corner_mm: round\nstamp: specimin\nstmp: none\n") == [
        "error: generations/x.yaml:2: card.corner_mm: 'round' is not a number of millimetres "
        "(write 90, not 90mm)",
        "error: generations/x.yaml:3: stamp: 'specimin': expected none or specimen "
        '(did you mean "specimen"?)',
        'error: generations/x.yaml:4: stmp: unknown key (did you mean "stamp"?)',
    ]
    text = reference.render()
    assert "| `card.corner_mm` | a number of millimetres | radius of rounded corners |" in text
    assert "| `stamp` | none \\| specimen | a mark across the card |" in text


def test_blocks_are_the_files_of_templates_blocks(tmp_path):
    built_in = schema.blocks()
    assert built_in["front"] == {"unit", "name", "post", "area", "phone", "mobile", "address",
                                 "hotline", "promise", "qr", "mascot", "website", "badge"}
    assert built_in["back"] == {"advice", "tips", "web", "fraud_tips", "mascot", "promise",
                                "hotline", "qr"}
    assert {p.stem for p in (REPO / "templates" / "blocks").glob("*.html")} == \
        built_in["front"] | built_in["back"]

    blocks = tmp_path / "templates" / "blocks"
    blocks.mkdir(parents=True)
    (blocks / "motto.html").write_text("{#- sides: back -#}\n<p>{{ texts.motto }}</p>\n",
                                       encoding="utf-8")
    (blocks / "tips.html").write_text("<div>{{ gen.tips.title }}</div>\n", encoding="utf-8")
    (blocks / "seal.html").write_text("<p>seal</p>\n", encoding="utf-8")  # no line: both faces
    (tmp_path / "generations").mkdir()
    (tmp_path / "generations" / "m.yaml").write_text(
        'extends: "2022"\nback:\n  show: [motto, tips, seal]\nfront:\n  show: [name, motto]\n',
        encoding="utf-8")
    found = schema.blocks([tmp_path / "templates"])
    assert "motto" in found["back"] and "motto" not in found["front"]
    assert "tips" in found["back"] and "tips" not in found["front"]  # the override keeps its sides
    assert "seal" in found["front"] and "seal" in found["back"]
    with pytest.raises(generations.InputError) as caught:
        generations.load(Project(root=tmp_path), "m")
    assert [d.format() for d in caught.value.diagnostics] == [
        "error: generations/m.yaml:5: front.show: unknown block 'motto' (blocks: address, area, badge, "
        "hotline, mascot, mobile, name, phone, post, promise, qr, seal, unit, website)"]


def test_the_reference_comes_in_english_and_chinese():
    english, chinese = reference.render("en"), reference.render("zh")
    assert "| `card.bleed_mm` | a number of millimetres | bleed beyond the trim, 0 to 10 (default 2) |" \
        in english
    assert "| `card.bleed_mm` | 毫米数 | 裁切线外的出血，0 到 10（默认 2） |" in chinese
    assert "## 名册（YAML、CSV、XLSX）" in chinese and "Officer fields" not in chinese
    assert i18n.language() == "en"  # the language is put back
    assert reference.main(["--lang", "fr"]) == 2

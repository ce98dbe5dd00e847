"""The Python API: an in-memory roster in, the PDF's bytes out (fictional officers)."""

from __future__ import annotations

import ast
import dataclasses
import inspect
import textwrap

import pytest
from pdfcheck import boxes_mm, page_count, page_texts, qr_codes

import cardkit

OFFICERS = [
    {"id": "T001", "name": "吴明", "post": "社区民警", "mobile": "13912345671",
     "wechat": "https://u.wechat.com/T001", "area": "柳东村", "unit": "柳州市公安局柳东派出所",
     "hotline": "0772-3851234"},
    {"id": "T002", "name": "覃晓红", "mobile": "13912345672",
     "wechat": "https://u.wechat.com/T002", "unit": "柳州市公安局柳东派出所"},
]


def test_three_lines_print_an_in_memory_roster_and_return_the_pdf(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # a folder without cardkit.yaml: built-in generations only
    options = cardkit.PrintOptions(gen="2022", roster=OFFICERS, layout="cards")
    result = cardkit.print_cards(cardkit.open_project(), options)

    assert result.output == "" and list(tmp_path.iterdir()) == []  # nothing written
    assert result.pdf.startswith(b"%PDF-") and result.cards == 2
    assert page_count(result.pdf) == result.pages == 4  # front and back of each card
    texts = page_texts(result.pdf)
    assert "吴明" in texts[0] and "柳东村" in texts[0] and "覃晓红" in texts[2]
    assert boxes_mm(result.pdf)[0]["TrimBox"] == (2.0, 2.0, 92.0, 56.0)  # 90 x 54 mm card
    assert [q.text for q in qr_codes(result.pdf, 0)] == ["https://u.wechat.com/T001"]


def test_a_yaml_shaped_mapping_and_officer_objects_are_rosters_too(tmp_path):
    project = cardkit.open_project(tmp_path)
    unit = {"name": "柳州市公安局柳东派出所", "hotline": "0772-3851234"}
    mapping = cardkit.PrintOptions(gen="2012", roster={"unit": unit, "officers": [
        {k: v for k, v in OFFICERS[0].items() if k not in ("unit", "hotline")}]})
    first = cardkit.print_cards(project, mapping)
    assert "吴明" in page_texts(first.pdf)[0] and first.sheets == 1

    officer = cardkit.Officer(id="T003", name="韦建国", unit=cardkit.Unit(name=unit["name"]),
                              mobile="139 1234 5673", wechat="https://u.wechat.com/T003")
    given = cardkit.print_cards(project, cardkit.PrintOptions(gen="2012", roster=[officer],
                                                              sides="front", layout="cards"))
    assert "韦建国" in page_texts(given.pdf)[0]
    assert isinstance(cardkit.Roster(officers=(officer,)), cardkit.Roster)
    assert cardkit.Generation.__name__ == "Generation"


def test_in_memory_rows_are_validated_and_located_like_a_file(tmp_path):
    bad = [dict(OFFICERS[0]), {**OFFICERS[1], "mobile": "0772-12", "emial": "x"}]
    with pytest.raises(cardkit.InputError) as caught:
        cardkit.print_cards(cardkit.open_project(tmp_path),
                            cardkit.PrintOptions(gen="2022", roster=bad))
    lines = [d.format() for d in caught.value.diagnostics]
    assert "error: <roster>:2: officer T002 覃晓红: mobile: \"0772-12\": not a valid mobile number" in lines
    assert any("emial" in line and "<roster>:2" in line for line in lines), lines


def test_an_output_file_is_written_and_no_bytes_are_returned(tmp_path):
    target = tmp_path / "cards.pdf"
    result = cardkit.print_cards(cardkit.open_project(tmp_path),
                                 cardkit.PrintOptions(gen="2022", roster=OFFICERS, output=target))
    assert result.output == str(target) and result.pdf is None
    assert "吴明" in "".join(page_texts(target))


def test_print_options_are_documented_field_by_field_and_hide_nothing_internal():
    source = textwrap.dedent(inspect.getsource(cardkit.PrintOptions))
    body = ast.parse(source).body[0].body
    documented = {node.target.id for node, after in zip(body, body[1:], strict=False)
                  if isinstance(node, ast.AnnAssign) and isinstance(after, ast.Expr)
                  and isinstance(after.value, ast.Constant)}
    fields = {f.name for f in dataclasses.fields(cardkit.PrintOptions)}
    assert fields - documented == set()
    assert "part_of" not in fields and all(not name.startswith("_") for name in fields)
    assert "problems" not in {f.name for f in dataclasses.fields(cardkit.PrintResult)}
    assert {"Officer", "Roster", "Generation", "Unit"} <= set(cardkit.__all__)

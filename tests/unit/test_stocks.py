"""Pre-cut stocks: gLabels XML read as gLabels reads it, the vendored subset, lookup, listing."""

import json

import pytest
from conftest import run_cli

from cardkit.errors import InputError, UsageError
from cardkit.sheet import stocks

XML = """<?xml version="1.0"?>
<Glabels-templates xmlns="http://glabels.org/xmlns/3.0/">
  <Template brand="Test" part="PT" size="A4" _description="bare numbers are points">
    <Meta category="business-card"/>
    <Label-rectangle id="0" width="255.1" height="147.4" round="in">
      <Layout nx="2" ny="5" x0="42.51" y0="52.44" dx="255.1" dy="147.4"/>
    </Label-rectangle>
  </Template>
  <Template brand="Test" part="PT-CLONE" equiv="PT"/>
  <Template brand="Test" part="LETTER" size="US-Letter">
    <Meta category="card"/>
    <Label-rectangle id="0" width="3.5in" height="2in" round="0">
      <Layout nx="2" ny="5" x0="0.75in" y0="0.5in" dx="3.5in" dy="2in"/>
    </Label-rectangle>
  </Template>
  <Template brand="Test" part="OVERLAP" size="A4">
    <Meta category="business-card"/>
    <Label-rectangle id="0" width="85mm" height="54mm">
      <Layout nx="1" ny="2" x0="10mm" y0="10mm" dx="85mm" dy="50mm"/>
    </Label-rectangle>
  </Template>
  <Template brand="Test" part="ROUND" size="A4">
    <Label-round id="0" radius="20mm"><Layout nx="1" ny="1" x0="0" y0="0" dx="0" dy="0"/></Label-round>
  </Template>
  <Template brand="Test" part="ODD" size="B7-ish"><Label-rectangle width="1mm" height="1mm"/></Template>
</Glabels-templates>
"""


def test_distances_follow_glabels_units():
    assert stocks.distance_mm("72") == pytest.approx(25.4)  # no unit = points
    assert stocks.distance_mm("1in") == pytest.approx(25.4)
    assert stocks.distance_mm("2.5cm") == pytest.approx(25)
    assert stocks.distance_mm("12pc") == pytest.approx(50.8)
    assert stocks.distance_mm("in") == 0 and stocks.distance_mm("") == 0
    with pytest.raises(ValueError):
        stocks.distance_mm("ten mm")


def test_templates_are_read_with_clones_and_bad_ones_reported(tmp_path):
    path = tmp_path / "test-templates.xml"
    path.write_text(XML, encoding="utf-8")
    problems = []
    found = {s.id: s for s in stocks.parse_templates(path, problems=problems)}
    assert set(found) == {"test-pt", "test-pt-clone", "test-letter"}
    pt = found["test-pt"]
    assert (pt.card_w, pt.card_h) == pytest.approx((89.99, 52.0), abs=0.01)
    assert pt.cells[0].x == pytest.approx(15.0, abs=0.01) and pt.per_sheet == 10
    assert found["test-pt-clone"].cells == pt.cells
    letter = found["test-letter"]
    assert (letter.paper.width, letter.paper.height) == pytest.approx((215.9, 279.4))
    assert letter.margins() == pytest.approx((19.05, 12.7, 19.05, 12.7))
    assert any("OVERLAP" in p and "overlap" in p for p in problems)
    assert any("ODD" in p and "unknown paper size" in p for p in problems)
    assert not stocks.parse_templates(tmp_path / "missing.xml", problems=problems)
    assert "not a gLabels template file" in problems[-1]


def test_vendored_stocks_include_the_chinese_sheet_and_are_all_valid():
    assert (stocks.DATA_DIR / "LICENSE").read_text().count("Copyright (c) 2001-2009 Jim Evins") == 1
    problems = []
    vendored = []
    for path in sorted(stocks.DATA_DIR.glob("*.xml")):
        vendored.extend(stocks.parse_templates(path, problems=problems))
    assert problems == []
    assert len(vendored) >= 100
    cn = next(s for s in vendored if s.id == "cn-a4-90x54-2x5")
    assert (cn.paper.width, cn.paper.height, cn.card_w, cn.card_h) == (210, 297, 90, 54)
    assert [(c.x, c.y) for c in cn.cells[:3]] == [(15, 13.5), (105, 13.5), (15, 67.5)]
    assert cn.cells[-1].right == 195 and cn.cells[-1].bottom == 283.5
    z = next(s for s in vendored if s.id == "zweckform-32010")
    assert z.margins() == pytest.approx((14.11, 14.11, 15.99, 12.99), abs=0.01)


@pytest.mark.parametrize("name", ["cn-a4-90x54-2x5", "CN A4-90x54-2x5", "a4-90x54-2x5"])
def test_stocks_are_found_by_id_brand_and_part_or_part(name):
    assert stocks.find_stock(name).id == "cn-a4-90x54-2x5"


def test_unknown_stock_says_what_it_might_be():
    with pytest.raises(UsageError, match=r"unknown stock 'avery-c32011-1'.*did you mean \"avery-c32011-10\""):
        stocks.find_stock("avery-c32011-1")


def test_project_and_system_folders_are_searched(tmp_path, monkeypatch):
    system = tmp_path / "system"
    system.mkdir()
    (system / "x-templates.xml").write_text(XML, encoding="utf-8")
    monkeypatch.setattr(stocks, "SYSTEM_DIRS", (system,))
    assert stocks.find_stock("test-letter").source.endswith("x-templates.xml")
    project = tmp_path / "project"
    (project / "stocks").mkdir(parents=True)
    (project / "stocks" / "mine.xml").write_text(
        XML.replace('part="LETTER"', 'part="OWN"'), encoding="utf-8")
    assert "test-own" in stocks.all_stocks(project)
    assert "test-own" not in stocks.all_stocks(None)


def test_stock_layout_refuses_a_card_of_another_size():
    with pytest.raises(InputError, match="stock avery-c32011-10: a 90x54 mm card does not match"):
        stocks.find_stock("avery-c32011-10").layout(90, 54, 2)


def test_cardkit_stocks_lists_them(tmp_path):
    result = run_cli(["stocks"], cwd=tmp_path)
    assert result.code == 0
    line = next(x for x in result.stdout.decode().splitlines() if x.startswith("cn-a4-90x54-2x5"))
    assert "A4" in line and "90x54mm" in line and "10-up" in line and "margins 15/13.5/15/13.5" in line
    rows = json.loads(run_cli(["stocks", "--json"], cwd=tmp_path).stdout)
    assert {"avery-c32011-10", "avery-5371", "cn-a4-90x54-2x5"} <= {r["id"] for r in rows}


# --- cardkit.yaml paper: settings, flags first ---------------------------------------------

def _project(tmp_path, text):
    from cardkit.project import open_project

    (tmp_path / "cardkit.yaml").write_text(text, encoding="utf-8")
    return open_project(tmp_path)


def test_paper_settings_from_cardkit_yaml_and_flags(tmp_path):
    from cardkit.model import CardSize
    from cardkit.sheet.papers import resolve_layout

    card = CardSize(90, 54, 2, 3)
    project = _project(tmp_path, "paper:\n  size: 320x450mm\n  margin: 5\n  gutter: 0\n")
    layout = resolve_layout(project, card)
    assert (layout.paper.width, layout.paper.height, layout.per_sheet) == (320, 450, 24)
    assert layout.slots[1].trim.x - layout.slots[0].trim.right == 0
    # flags win over the file
    assert resolve_layout(project, card, paper="A4", margin=10).per_sheet == 10
    stocked = resolve_layout(_project(tmp_path, "paper:\n  stock: cn-a4-90x54-2x5\n"), card)
    assert (stocked.slots[0].trim.x, stocked.slots[0].trim.y) == (15, 13.5)
    assert resolve_layout(_project(tmp_path, "paper: Letter\n"), card).paper.name == "Letter"


def test_bad_paper_settings_are_located(tmp_path):
    from cardkit.model import CardSize
    from cardkit.sheet.papers import resolve_layout

    card = CardSize(90, 54, 2, 3)
    with pytest.raises(InputError,
                       match=r'cardkit.yaml:3: paper.gutters: unknown key \(did you mean "gutter"\?\)'):
        resolve_layout(_project(tmp_path, "paper:\n  size: A4\n  gutters: 3\n"), card)
    with pytest.raises(InputError, match=r"cardkit.yaml:2: paper.margin: 'wide' is not a number of mm"):
        resolve_layout(_project(tmp_path, "paper:\n  margin: wide\n"), card)
    with pytest.raises(InputError, match="does not fit on 100x60mm"):
        resolve_layout(_project(tmp_path, "paper: 100x60mm\n"), card)

"""The job's record of what it read (issues 21 and 22): no output replaces it, and a change to
any file in it makes ``--changed-since`` print the officers again."""

from __future__ import annotations

import shutil

import pytest
from conftest import FULL_UNIT, REPO

SVG = ('<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40" viewBox="0 0 40 40">'
       '<circle cx="20" cy="20" r="18" fill="{color}"/></svg>\n')


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A station whose card.css @imports style/extra.css, which uses a font and an image;
    a stock of its own in stocks/mine.xml."""
    from pathlib import Path

    site = tmp_path / "site"
    (site / "templates" / "style").mkdir(parents=True)
    (site / "generations").mkdir()
    dejavu = sorted(Path("/usr/share/fonts").rglob("DejaVuSans.ttf"))
    if not dejavu:
        pytest.skip("DejaVu Sans is needed (fonts-dejavu-core)")
    shutil.copy(dejavu[0], site / "templates" / "style" / "latin.ttf")
    (site / "templates" / "style" / "seal.svg").write_text(SVG.format(color="#c00000"),
                                                         encoding="utf-8")
    (site / "templates" / "style" / "extra.css").write_text(
        '@font-face { font-family: "Station Latin"; src: url(latin.ttf); }\n'
        '.post { font-family: "Station Latin", "Noto Sans CJK SC"; }\n'
        '.face.front .bleed-bg { background: url(seal.svg) no-repeat right bottom / 6mm; }\n',
        encoding="utf-8")
    (site / "templates" / "own.css").write_text(
        '@import url(style/extra.css);\n{% include "card.css" %}\n', encoding="utf-8")
    (site / "generations" / "site.yaml").write_text(
        'extends: "2022"\ntemplates:\n  stylesheet: own.css\n', encoding="utf-8")
    (site / "stocks").mkdir()
    stock = REPO / "src" / "cardkit" / "data" / "stocks"
    found = sorted(stock.glob("*.xml")) if stock.is_dir() else []
    if found:
        shutil.copy(found[0], site / "stocks" / "mine.xml")
    roster = ["id,name,post,mobile,wechat,area"]
    roster += [f"G{n},吴明{n},Officer,1390771{n:04d},https://u.wechat.com/G{n},城关社区"
               for n in range(1, 4)]
    (site / "roster.csv").write_text("\n".join(roster) + "\n", encoding="utf-8")
    (site / "cardkit.yaml").write_text(FULL_UNIT + "roster: roster.csv\n", encoding="utf-8")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")
    return site


@pytest.mark.parametrize("target", ["templates/style/extra.css", "templates/style/latin.ttf",
                                    "templates/style/seal.svg"])
def test_an_output_onto_a_file_the_layout_read_is_refused(cli, project, target):
    before = (project / target).read_bytes()
    result = cli(["print", "--gen", "site", "--layout", "cards", "-o", target], cwd=project)
    assert result.code == 2, result.stderr
    assert "cardkit never writes over a file the job reads" in result.stderr
    assert target.rsplit("/", 1)[-1] in result.stderr
    assert (project / target).read_bytes() == before


def test_an_output_onto_the_stock_file_is_refused(cli, project):
    stocks = list((project / "stocks").glob("*.xml"))
    if not stocks:
        pytest.skip("no stock file shipped to copy")
    from cardkit.sheet.stocks import parse_templates

    cards = [s for s in parse_templates(stocks[0]) if s.is_card]
    if not cards:
        pytest.skip("the stock file copied has no card stock")
    first = cards[0].id
    before = stocks[0].read_bytes()
    result = cli(["print", "--gen", "site", "--stock", first, "-o", "stocks/mine.xml"],
                 cwd=project)
    assert result.code == 2, result.stderr
    assert (project / "stocks" / "mine.xml").read_bytes() == before


@pytest.mark.parametrize("changed", ["templates/style/extra.css", "templates/style/seal.svg"])
def test_a_change_to_a_file_the_layout_read_prints_every_officer_again(cli, project, changed):
    """A colour changed in an @imported stylesheet, or an image redrawn: the officers' own
    fields are the same, but every card changed."""
    first = cli(["print", "--gen", "site", "--layout", "cards", "-o", "a.pdf",
                 "--report", "a.json"], cwd=project)
    assert first.code == 0, first.stderr
    same = cli(["print", "--gen", "site", "--layout", "cards", "-o", "b.pdf",
                "--changed-since", "a.json"], cwd=project)
    assert same.code == 0, same.stderr
    assert not (project / "b.pdf").exists()  # nothing changed: nothing printed
    path = project / changed
    path.write_text(path.read_text(encoding="utf-8").replace("#c00000", "#00c000")
                    .replace("font-family", "color: #0000c0; font-family"), encoding="utf-8")
    again = cli(["print", "--gen", "site", "--layout", "cards", "-o", "c.pdf",
                 "--changed-since", "a.json"], cwd=project)
    assert again.code == 0, again.stderr
    assert "wrote c.pdf: 3 cards" in again.stderr


def test_a_redrawn_mascot_prints_every_officer_again_wherever_the_roster_lies(cli, tmp_path,
                                                                              monkeypatch):
    """The unit's drawing is a design file of the ledger, named beside the roster: a roster
    copied to a new folder with the same drawing changes nothing, a redrawn one everything."""
    from conftest import EXAMPLE_DRAWINGS, copy_example

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")
    first = tmp_path / "a"
    first.mkdir()
    copy_example(first / "roster.yaml")
    done = cli(["print", "--gen", "2022", "--roster", str(first / "roster.yaml"), "-o",
                str(tmp_path / "a.pdf"), "--report", str(tmp_path / "a.json")])
    assert done.code == 0, done.stderr
    again = tmp_path / "b"
    again.mkdir()
    copy_example(again / "roster.yaml")
    same = cli(["print", "--gen", "2022", "--roster", str(again / "roster.yaml"), "-o",
                str(tmp_path / "b.pdf"), "--changed-since", str(tmp_path / "a.json")])
    assert same.code == 0 and not (tmp_path / "b.pdf").exists(), same.stderr
    drawing = again / EXAMPLE_DRAWINGS[0]
    drawing.write_text(drawing.read_text(encoding="utf-8").replace("<svg", "<svg data-x='1'", 1),
                       encoding="utf-8")
    redrawn = cli(["print", "--gen", "2022", "--roster", str(again / "roster.yaml"), "-o",
                   str(tmp_path / "c.pdf"), "--changed-since", str(tmp_path / "a.json")])
    assert redrawn.code == 0, redrawn.stderr
    assert (tmp_path / "c.pdf").exists()

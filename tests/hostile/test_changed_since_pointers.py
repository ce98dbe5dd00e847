"""``--changed-since`` sees what moves a card without being one of the files the earlier job
read: a unit's mascot pointed at another drawing (cardkit.yaml's unit, or a roster's own) and a
printer's calibration changed in cardkit.yaml. An unchanged project still prints nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import EXAMPLE_ROSTER, FULL_UNIT, REPO

SNAIL = REPO / "examples" / "liudong" / "mascot-snail.svg"


def _drawings(folder: Path, *names: str) -> None:
    """The example's snail as ``names[0]``, and each further name a recoloured copy of it."""
    text = SNAIL.read_text(encoding="utf-8")
    for number, name in enumerate(names):
        recoloured = text if number == 0 else text.replace("#", f"#{number}", 1)
        assert number == 0 or recoloured != text
        (folder / name).write_text(recoloured, encoding="utf-8")


def _officers(ledger: Path) -> list[str]:
    return sorted(json.loads(ledger.read_text(encoding="utf-8"))["digests"])


@pytest.fixture
def station(tmp_path: Path, monkeypatch) -> Path:
    """Three officers in a CSV roster; the unit, its mascot (snail.svg beside cardkit.yaml)
    and a printer's calibration in cardkit.yaml."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")
    _drawings(tmp_path, "snail.svg", "snail2.svg")
    unit = FULL_UNIT.replace(f"image: {SNAIL}", "image: snail.svg")
    unit = "\n".join(line for line in unit.splitlines() if "image_cmyk" not in line) + "\n"
    (tmp_path / "cardkit.yaml").write_text(
        unit + "roster: roster.csv\nprinters:\n  office-hp: {dx: 0.5, dy: -1.0}\n",
        encoding="utf-8")
    rows = ["id,name,post,mobile,wechat,area"]
    rows += [f"G{n},吴明{n},Officer,1390771{n:04d},https://u.wechat.com/G{n},城关社区"
             for n in range(1, 4)]
    (tmp_path / "roster.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return tmp_path


def _print(cli, folder: Path, *args: str):
    return cli(["print", "--gen", "2022", "--jobs", "1", *args], cwd=folder)


def test_the_units_mascot_pointed_at_another_drawing_prints_every_officer(cli, station,
                                                                         fake_faces):
    first = _print(cli, station, "-o", "a.pdf", "--report", "a.json")
    assert first.code == 0, first.stderr
    same = _print(cli, station, "-o", "b.pdf", "--changed-since", "a.json")
    assert same.code == 0, same.stderr
    assert "nothing to print: no officer's card changed since a.json" in same.stderr
    assert not (station / "b.pdf").exists()
    config = station / "cardkit.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace("image: snail.svg",
                                                                 "image: snail2.svg"),
                      encoding="utf-8")
    again = _print(cli, station, "-o", "c.pdf", "--changed-since", "a.json",
                   "--report", "c.json")
    assert again.code == 0, again.stderr
    assert "wrote c.pdf: 3 cards" in again.stderr
    assert _officers(station / "c.json") == ["G1", "G2", "G3"]


def test_a_rosters_own_mascot_pointed_elsewhere_prints_only_that_units_officers(
        cli, tmp_path, monkeypatch, fake_faces):
    """Two stations in one spreadsheet, each row naming its unit's drawing: the officers of
    the station whose drawing changed are printed again, the other station's are not."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")
    _drawings(tmp_path, "a.svg", "a2.svg", "b.svg")
    (tmp_path / "cardkit.yaml").write_text(
        "\n".join(line for line in FULL_UNIT.splitlines() if "image" not in line)
        + "\nroster: roster.csv\n", encoding="utf-8")
    rows = ["id,name,post,mobile,wechat,area,unit,mascot,mascot_image"]
    for n, station in ((1, "a"), (2, "a"), (3, "b")):
        rows.append(f"G{n},吴明{n},Officer,1390771{n:04d},https://u.wechat.com/G{n},城关社区,"
                    f"柳州市公安局{station.upper()}派出所,螺警官,{station}.svg")
    roster = tmp_path / "roster.csv"
    roster.write_text("\n".join(rows) + "\n", encoding="utf-8")
    first = _print(cli, tmp_path, "-o", "a.pdf", "--report", "a.json")
    assert first.code == 0, first.stderr
    same = _print(cli, tmp_path, "-o", "b.pdf", "--changed-since", "a.json")
    assert same.code == 0 and not (tmp_path / "b.pdf").exists(), same.stderr
    roster.write_text(roster.read_text(encoding="utf-8").replace(",a.svg", ",a2.svg"),
                      encoding="utf-8")
    again = _print(cli, tmp_path, "-o", "c.pdf", "--changed-since", "a.json",
                   "--report", "c.json")
    assert again.code == 0, again.stderr
    assert "wrote c.pdf: 2 cards" in again.stderr
    assert _officers(tmp_path / "c.json") == ["G1", "G2"]


def test_the_example_rosters_mascot_pointed_at_another_drawing(cli, project, fake_faces,
                                                               monkeypatch):
    """A YAML roster's own ``unit: mascot: image:`` edited to name another drawing."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")
    _drawings(project, "mascot-snail.svg", "snail2.svg")
    first = _print(cli, project, "--officer", "LD001", "-o", "a.pdf", "--report", "a.json")
    assert first.code == 0, first.stderr
    roster = project / EXAMPLE_ROSTER.name
    roster.write_text(roster.read_text(encoding="utf-8").replace(
        "image: mascot-snail.svg", "image: snail2.svg"), encoding="utf-8")
    again = _print(cli, project, "--officer", "LD001", "-o", "c.pdf", "--changed-since",
                   "a.json")
    assert again.code == 0, again.stderr
    assert "wrote c.pdf: 1 card" in again.stderr


def test_a_printers_calibration_changed_prints_every_officer(cli, station, fake_faces):
    """The backs move on the sheet: every card is printed again. The ledger names the
    setting it kept."""
    first = _print(cli, station, "--printer", "office-hp", "-o", "a.pdf", "--report", "a.json")
    assert first.code == 0, first.stderr
    kept = json.loads((station / "a.json").read_text(encoding="utf-8"))["design_files"]
    assert "cardkit.yaml#printers.office-hp" in kept
    same = _print(cli, station, "--printer", "office-hp", "-o", "b.pdf", "--changed-since",
                  "a.json")
    assert same.code == 0 and not (station / "b.pdf").exists(), same.stderr
    config = station / "cardkit.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace("dx: 0.5", "dx: 1.5"),
                      encoding="utf-8")
    again = _print(cli, station, "--printer", "office-hp", "-o", "c.pdf", "--changed-since",
                   "a.json")
    assert again.code == 0, again.stderr
    assert "wrote c.pdf: 3 cards" in again.stderr


def test_a_font_installed_or_upgraded_prints_every_officer(cli, station, fake_faces,
                                                           tmp_path, monkeypatch):
    """An installed font is no file the job read, yet a family may find another one after an
    upgrade: the ledger keeps the machine's font folders (``fonts#installed``)."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    (tmp_path / "data" / "fonts").mkdir(parents=True)
    first = _print(cli, station, "-o", "a.pdf", "--report", "a.json")
    assert first.code == 0, first.stderr
    assert "fonts#installed" in json.loads((station / "a.json").read_text("utf-8"))["design_files"]
    same = _print(cli, station, "-o", "b.pdf", "--changed-since", "a.json")
    assert "nothing to print: no officer's card changed since a.json" in same.stderr
    (tmp_path / "data" / "fonts" / "station.ttf").write_bytes(b"\x00\x01\x00\x00")
    again = _print(cli, station, "-o", "c.pdf", "--changed-since", "a.json", "--report", "c.json")
    assert again.code == 0, again.stderr
    assert _officers(station / "c.json") == ["G1", "G2", "G3"]

"""The mascot belongs to its station (issue 23, item 1).

A built-in prints a mascot only when the unit supplies one, its own name and drawing; a
card without one lays the anti-fraud tips out in pairs, with no hole; no message points at
a built-in file the user does not have; the Liudong example supplies its snail; in CMYK
output an SVG must be device-cmyk and a PNG is converted through the output profile.
"""

from __future__ import annotations

import re
import shutil

import pikepdf
import pytest
from conftest import EXAMPLE_CSV, EXAMPLE_ROSTER, REPO
from pdfcheck import find_text, page_texts

SNAIL = REPO / "examples" / "liudong" / "mascot-snail.svg"
UNIT = """unit:
  name: 桂林市公安局象山派出所
  address: 桂林市象山区示例路8号
  hotline: "0773-2810110"
{mascot}  web:
    - {{label: 网上公安局, url: "https://wsgaj.guilin-pcs.cn/"}}
    - {{label: 网上警务室, url: "https://jwsh.guilin-pcs.cn/"}}
officers:
  - id: G1
    name: 王明
    phone: "0773-2812345"
    wechat: https://u.wechat.com/G1abc
"""
FRAUD = ("陌生来电不轻信", "未知链接不点击", "个人信息不透露", "转账汇款多核实")


def _roster(folder, mascot: str = "") -> str:
    (folder / "r.yaml").write_text(UNIT.format(mascot=mascot), encoding="utf-8")
    return "r.yaml"


def _images(path, page_index: int) -> list[str]:
    """The colour spaces of the images drawn on a page (forms followed)."""
    found = []

    def walk(resources):
        for _name, obj in (resources.get("/XObject") or {}).items():
            if obj.get("/Subtype") == "/Image":
                found.append(str(obj.get("/ColorSpace")))
            elif obj.get("/Subtype") == "/Form" and "/Resources" in obj:
                walk(obj.Resources)

    with pikepdf.open(path) as pdf:
        walk(pdf.pages[page_index].Resources)
    return found


def _print(cli, folder, *args):
    out = folder / "cards.pdf"
    result = cli(["print", "--gen", "2022", "--layout", "cards", "-o", str(out), *args],
                 cwd=folder)
    return result, out


def test_a_station_without_a_mascot_gets_no_snail_and_tips_in_pairs(cli, tmp_path):
    result, out = _print(cli, tmp_path, "--roster", _roster(tmp_path, "  mascot: 桂小警\n"))
    assert result.code == 0, result.stderr
    back = page_texts(out)[1]
    assert "螺警官" not in back and "桂小警" not in back and "民警提醒您" in back
    assert "generations/" not in result.stderr  # no built-in file named to the user
    assert ("warning: r.yaml: unit: mascot: the unit names its mascot 桂小警 but gives no drawing "
            "of it; generation 2022 prints a unit's mascot only with its drawing, so the cards "
            "leave it off (write mascot: {name: 桂小警, image: FILE} under unit: in cardkit.yaml "
            "or the roster, or fill a mascot_image column with the drawing's file)"
            ) in result.err_lines
    found = {tip: find_text(out, 1, tip)[0] for tip in FRAUD}
    rows = sorted({round(f.y, 1) for f in found.values()})
    assert len(rows) == 2  # 2 + 2, never 3 + 1
    assert found[FRAUD[0]].y == pytest.approx(found[FRAUD[1]].y, abs=0.2)
    assert found[FRAUD[2]].y == pytest.approx(found[FRAUD[3]].y, abs=0.2)
    assert found[FRAUD[0]].left < 8 and found[FRAUD[2]].left < 8  # no hole on the left
    assert found[FRAUD[1]].left > 40


def test_the_unit_supplies_its_mascot_name_and_drawing(cli, tmp_path):
    shutil.copy(SNAIL, tmp_path / "gui.svg")
    mascot = "  mascot: {name: 桂小警, image: gui.svg}\n"
    result, out = _print(cli, tmp_path, "--roster", _roster(tmp_path, mascot))
    assert result.code == 0, result.stderr
    back = re.sub(r"\s", "", page_texts(out)[1])
    assert "桂小警提醒您" in back and back.count("桂小警") == 2  # title and caption
    assert not any("mascot" in line for line in result.err_lines)


def test_the_liudong_example_supplies_its_own_snail(cli, tmp_path):
    for roster in (EXAMPLE_ROSTER, EXAMPLE_CSV):
        result, out = _print(cli, tmp_path, "--roster", str(roster), "--officer", "LD001")
        assert result.code == 0, result.stderr
        assert "螺警官提醒您" in re.sub(r"\s", "", page_texts(out)[1])


def test_a_png_mascot_is_converted_to_cmyk_with_a_notice(cli, tmp_path):
    from PIL import Image

    image = Image.new("RGBA", (60, 60), (0, 0, 0, 0))
    image.paste((220, 120, 30, 255), (10, 10, 50, 50))
    image.save(tmp_path / "gui.png")
    mascot = "  mascot: {name: 桂小警, image: gui.png}\n"
    result, out = _print(cli, tmp_path, "--roster", _roster(tmp_path, mascot), "--color", "cmyk")
    assert result.code == 0, result.stderr
    assert ("notice: r.yaml: unit: mascot.image: gui.png (RGBA pixels) is converted to CMYK "
            "through the output profile for the CMYK job; transparent parts take the card's "
            "background colour") in result.err_lines
    assert _images(out, 1) == ["/DeviceCMYK"]


def test_an_rgb_svg_mascot_is_refused_in_cmyk_saying_what_to_write(cli, tmp_path):
    shutil.copy(SNAIL, tmp_path / "gui.svg")
    mascot = "  mascot: {name: 桂小警, image: gui.svg}\n"
    result, _out = _print(cli, tmp_path, "--roster", _roster(tmp_path, mascot), "--color", "cmyk")
    assert result.code == 1
    error = next(line for line in result.err_lines if line.startswith("error:"))
    assert error.startswith("error: r.yaml: unit: mascot.image: gui.svg is RGB (colour #")
    assert "its colours must be device-cmyk(c m y k); give its CMYK drawing as mascot: " \
           "{image_cmyk: FILE} under unit: in cardkit.yaml or the roster" in error
    assert "generations/" not in result.stderr


def test_a_spreadsheet_names_the_caption_and_the_drawing_in_columns(cli, tmp_path):
    shutil.copy(SNAIL, tmp_path / "gui.svg")
    (tmp_path / "r.csv").write_text(
        "编号,姓名,电话,单位,微信,卡通形象,mascot_image\n"
        "G1,王明,0773-2812345,桂林市公安局象山派出所,https://u.wechat.com/G1abc,桂小警,gui.svg\n",
        encoding="utf-8")
    result, out = _print(cli, tmp_path, "--roster", "r.csv")
    assert result.code == 0, result.stderr
    assert "桂小警提醒您" in re.sub(r"\s", "", page_texts(out)[1])
    (tmp_path / "r.csv").write_text(
        (tmp_path / "r.csv").read_text(encoding="utf-8").replace("gui.svg", "none.svg"),
        encoding="utf-8")
    result, _out = _print(cli, tmp_path, "--roster", "r.csv")
    assert result.code == 1
    assert any(": unit: mascot.image: " in line and "none.svg: no such file" in line
               for line in result.err_lines), result.stderr


def test_a_drawing_beside_a_roster_outside_the_project_is_printed(cli, tmp_path):
    elsewhere = tmp_path / "rosters"
    elsewhere.mkdir()
    shutil.copy(SNAIL, elsewhere / "gui.svg")
    _roster(elsewhere, "  mascot: {name: 桂小警, image: gui.svg}\n")
    project = tmp_path / "project"
    project.mkdir()
    result, out = _print(cli, project, "--roster", str(elsewhere / "r.yaml"))
    assert result.code == 0, result.stderr
    assert "桂小警提醒您" in re.sub(r"\s", "", page_texts(out)[1])


def test_a_drawing_cardkit_yaml_names_is_said_of_cardkit_yaml_with_its_line(cli, tmp_path):
    """A drawing the roster leaves to cardkit.yaml's unit: is blamed on cardkit.yaml, at the
    line that names it, saying how to fix it; the roster names no drawing."""
    (tmp_path / "cardkit.yaml").write_text(
        "roster: r.csv\nunit:\n  name: 桂林市公安局象山派出所\n  mascot:\n    name: 桂小警\n"
        "    image: none.svg\n", encoding="utf-8")
    (tmp_path / "r.csv").write_text(
        "编号,姓名,电话,微信\nG1,王明,0773-2812345,https://u.wechat.com/G1abc\n",
        encoding="utf-8")
    result = cli(["check", "--gen", "2022"], cwd=tmp_path)
    assert result.code == 1
    errors = [line for line in result.err_lines if line.startswith("error:")]
    assert len(errors) == 1, result.stderr
    assert errors[0].startswith("error: cardkit.yaml:6: unit: mascot.image: "), errors
    assert "none.svg: no such file; put the drawing there or correct its name in cardkit.yaml" \
        in errors[0]
    assert "r.csv" not in result.stderr
    shutil.copy(SNAIL, tmp_path / "gui.svg")  # RGB, in a CMYK job: cardkit.yaml's too
    (tmp_path / "cardkit.yaml").write_text(
        (tmp_path / "cardkit.yaml").read_text(encoding="utf-8").replace("none.svg", "gui.svg"),
        encoding="utf-8")
    result = cli(["check", "--gen", "2022", "--color", "cmyk"], cwd=tmp_path)
    assert result.code == 1
    assert any(line.startswith("error: cardkit.yaml:6: unit: mascot.image: gui.svg is RGB")
               for line in result.err_lines), result.stderr

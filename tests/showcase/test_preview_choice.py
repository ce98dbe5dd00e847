"""Previews for approval (issue 23, item 5; issue 22, item 8): which officers preview takes,
contact sheets of every card, and file names that never collide."""

from __future__ import annotations

import math

import pytest
from conftest import EXAMPLE_ROSTER
from PIL import Image

from cardkit.render import qr
from cardkit.roster.read import read_roster
from cardkit.roster.validate import build_roster
from cardkit.tools.preview import CONTACT_ROWS, file_names

OFFICERS = build_roster(read_roster(EXAMPLE_ROSTER)).officers


def test_without_officer_or_all_the_first_officer_is_previewed_and_it_says_so(cli, project):
    result = cli(["preview", "--gen", "2002", "--dpi", "40", "-o", "p"], cwd=project)
    assert result.code == 0, result.stderr
    first = OFFICERS[0]
    assert result.err_lines[0] == (f"previewing the roster's first officer, {first.id} {first.name}; "
                                   "name others with --officer ID, or every officer with --all")
    assert sorted(p.name for p in (project / "p").iterdir()) == [
        f"2002-{first.id}-back.png", f"2002-{first.id}-front.png"]


def test_all_previews_every_officer_and_officer_is_repeatable(cli, project):
    result = cli(["-q", "preview", "--gen", "2002", "--all", "--dpi", "36", "-o", "all"], cwd=project)
    assert result.code == 0, result.stderr
    assert len(list((project / "all").iterdir())) == 2 * len(OFFICERS)
    result = cli(["preview", "--gen", "2002", "--officer", "LD003", "--officer", "LD001",
                  "--dpi", "36", "-o", "two"], cwd=project)
    assert result.code == 0, result.stderr
    assert result.err_lines == ["wrote two/2002-LD003-front.png", "wrote two/2002-LD003-back.png",
                                "wrote two/2002-LD001-front.png", "wrote two/2002-LD001-back.png"]
    both = cli(["preview", "--gen", "2002", "--officer", "LD003", "--all"], cwd=project)
    assert both.code == 2
    by_name = cli(["-q", "preview", "--gen", "2002", "--officer", OFFICERS[2].name, "--dpi", "36",
                   "-o", "named"], cwd=project)  # a name, as --officer takes it (issue 23)
    assert by_name.code == 0, by_name.stderr
    assert sorted(p.name for p in (project / "named").iterdir()) == [
        f"2002-{OFFICERS[2].id}-back.png", f"2002-{OFFICERS[2].id}-front.png"]


def test_contact_sheets_show_every_card_front_beside_back_readable_on_a_phone(cli, project):
    result = cli(["-q", "preview", "--gen", "2022", "--contact-sheet", "-o", "cs"], cwd=project)
    assert result.code == 0, result.stderr
    pages = sorted((project / "cs").iterdir())
    assert [p.name for p in pages] == [f"2022-contact-{n}.png"
                                       for n in range(1, math.ceil(len(OFFICERS) / CONTACT_ROWS) + 1)]
    with Image.open(pages[0]) as image:
        width, height = image.size
        assert 900 <= width <= 1400 and height > width  # a phone's screen, upright
        # every card of the page, readable: its QR code decodes from the picture
        codes = qr.decode(image.convert("RGB"))
        # fronts on the left half, backs (no code on the 2022 back) on the right
        left = qr.decode(image.crop((0, 0, width // 2, height)).convert("RGB"))
    assert sorted(codes) == sorted(o.wechat for o in OFFICERS[:CONTACT_ROWS])
    assert sorted(left) == sorted(codes)
    with Image.open(pages[-1]) as image:
        last = qr.decode(image.convert("RGB"))
    rest = len(OFFICERS) % CONTACT_ROWS or CONTACT_ROWS
    assert sorted(last) == sorted(o.wechat for o in OFFICERS[-rest:])


def test_ids_that_differ_only_in_unsafe_characters_get_their_own_files():
    names = file_names(["x/1", "x_1", "x:1", "LD001"])
    assert len(set(names.values())) == 4
    assert names["x_1"] == "x_1" and names["LD001"] == "LD001"  # safe ids keep their name
    assert names["x/1"].startswith("x_1-") and names["x:1"].startswith("x_1-")


def test_ids_that_would_share_a_file_refuse_the_job_naming_them(cli, tmp_path):
    roster = tmp_path / "r.yaml"
    roster.write_text(
        "specimen: true\nunit: {name: 柳州市公安局柳东派出所}\nofficers:\n"
        "  - {id: x/1, name: 吴明, mobile: '13800000001'}\n"
        "  - {id: x_1, name: 覃红, mobile: '13800000002'}\n"
        "  - {id: 'x:1', name: 韦国, mobile: '13800000003'}\n"
        "  - {id: LD9, name: 莫兰, mobile: '13800000004'}\n"
        "  - {id: ld9, name: 黄海, mobile: '13800000005'}\n", encoding="utf-8")
    made = cli(["-q", "preview", "--gen", "2002", "--roster", str(roster), "--dpi", "36",
                "--officer", "x/1", "--officer", "x_1", "--officer", "x:1", "-o", "p"],
               cwd=tmp_path)
    assert made.code == 0, made.stderr
    assert len(list((tmp_path / "p").iterdir())) == 6
    clash = cli(["preview", "--gen", "2002", "--roster", str(roster), "--all", "--dpi", "36",
                 "-o", "q"], cwd=tmp_path)
    assert clash.code == 1
    assert "LD9, ld9" in clash.stderr
    assert not (tmp_path / "q").exists()


@pytest.mark.parametrize("readme", ["README.md", "README.zh-CN.md"])
def test_the_readme_says_what_preview_does(readme):
    from conftest import REPO

    text = (REPO / readme).read_text(encoding="utf-8")
    assert "--contact-sheet" in text and "--all" in text

"""exhibit (the poster of every generation) and diff (what changed between two)."""

import json
from pathlib import Path

import pytest
from conftest import REPO
from pdfcheck import boxes_mm, find_text, page_count, page_texts, pixel, qr_codes
from PIL import Image


@pytest.fixture(scope="module")
def poster(tmp_path_factory) -> Path:
    from conftest import run_cli

    target = tmp_path_factory.mktemp("exhibit") / "poster.pdf"
    result = run_cli(["exhibit", "-o", str(target)], cwd=REPO)
    assert result.code == 0, result.stderr
    assert result.err_lines == [f"wrote {target}: 4 generations on 420x297mm"]
    return target


def test_exhibit_is_one_a3_landscape_page(poster):
    assert page_count(poster) == 1
    assert boxes_mm(poster)[0]["MediaBox"] == (0, 0, 420, 297)


def test_exhibit_shows_each_generation_with_year_title_and_what_changed(poster):
    text = page_texts(poster)[0]
    for words in ("2002", "第一代警民联系卡", "2006", "浅蓝底色；背面增加财产安全防范提示",
                  "2012", "背面增加网上公安局、网上警务室网址", "2022",
                  "加入卡通形象“螺警官”、民警微信二维码；背面增加反诈提示",
                  "背面新增：安全防范提示", "正面新增：二维码"):
        assert words in text, words


def test_exhibit_places_fronts_in_year_order_left_to_right_with_backs_below(poster):
    names = find_text(poster, 0, "吴明")  # the first officer's name, on each front
    assert len(names) == 4
    xs = [round(n.x) for n in sorted(names, key=lambda n: n.x)]
    assert all(b - a == pytest.approx(100, abs=1) for a, b in zip(xs, xs[1:], strict=False))
    years = sorted(find_text(poster, 0, y)[0].x for y in ("2002", "2006", "2012", "2022"))
    assert years == sorted(years)
    fronts_y = {round(n.y) for n in names}
    assert len(fronts_y) == 1
    backs = find_text(poster, 0, "报警求助")  # the hotline line at the foot of each back
    front_y = fronts_y.pop()
    assert len(backs) == 4 and all(b.y > front_y + 54 for b in backs)


def test_exhibit_cards_are_vector_art_with_a_readable_qr(poster):
    codes = qr_codes(poster, 0, dpi=300)
    assert [c.text for c in codes] == ["https://u.wechat.com/EXAMPLE001"]
    # 2006's light-blue card background is drawn inside its frame.
    name_2006 = sorted(find_text(poster, 0, "吴明"), key=lambda n: n.x)[1]
    assert pixel(poster, 0, name_2006.x + 30, name_2006.y + 12, dpi=100) == (0xdc, 0xeb, 0xf7)


def test_diff_lists_the_resolved_fields_that_differ(cli, tmp_path):
    result = cli(["diff", "2002", "2006", "--png", "d.png"], cwd=tmp_path)
    assert result.code == 0, result.stderr
    lines = result.stdout.decode("utf-8").splitlines()
    assert '~ colors.background: "#ffffff" -> "#dcebf7"' in lines
    assert '~ back.show: ["advice", "hotline"] -> ["advice", "tips", "hotline"]' in lines
    assert '+ tips.title: "安全防范提示"' in lines
    assert not any(line.split(":")[0].endswith(("card.width_mm", "texts.promise")) for line in lines)
    assert result.err_lines == ["wrote d.png"]
    with Image.open(tmp_path / "d.png") as image:
        assert image.width > image.height  # two columns side by side
        rgb = image.convert("RGB")
        right_half = rgb.crop((image.width // 2, 0, image.width, image.height))
        assert (0xdc, 0xeb, 0xf7) in {c for _, c in right_half.getcolors(1 << 20)}
        left_half = rgb.crop((0, 0, image.width // 2, image.height))
        assert (0xdc, 0xeb, 0xf7) not in {c for _, c in left_half.getcolors(1 << 20)}


def test_diff_json_and_identical_generations(cli, tmp_path):
    result = cli(["diff", "2012", "2022", "--json", "--no-png"], cwd=tmp_path)
    assert result.code == 0, result.stderr
    changes = {c["key"]: c for c in json.loads(result.stdout)}
    assert changes["qr.size_mm"] == {"key": "qr.size_mm", "change": "added", "new": 19}
    assert changes["front.show"]["change"] == "changed"
    same = cli(["diff", "2012", "2012", "--no-png"], cwd=tmp_path)
    assert same.code == 0 and same.stdout == b""
    assert same.err_lines == ["2012 and 2012 resolve to the same fields"]
    assert not (tmp_path / "out").exists()


def test_diff_of_an_unknown_generation_is_a_usage_error(cli, tmp_path):
    result = cli(["diff", "2002", "2032", "--no-png"], cwd=tmp_path)
    assert result.code == 2
    assert "unknown generation '2032'" in result.err_lines[-1]


def test_exhibit_tells_changes_against_the_generation_extended():
    from cardkit.design import generations
    from cardkit.project import open_project
    from cardkit.tools import exhibit

    project = open_project(REPO / "examples" / "lingxian")
    gens = [generations.load(project, g) for g in ("2002", "2012", "lingxian", "2022")]
    (width, height), columns = exhibit.layout(gens)
    against = {c["gen"].id: (c["previous"].id if c["previous"] else None) for c in columns}
    assert against == {"2002": None, "2012": "2002", "lingxian": "2012", "2022": "2012"}
    assert (width, height) == (420, 297)
    xs = [c["x"] for c in columns]
    assert xs == sorted(xs) and xs[0] == 15 and xs[-1] + 90 == 405


def test_exhibit_is_byte_reproducible(poster, cli, tmp_path):
    again = cli(["-q", "exhibit", "-o", str(tmp_path / "again.pdf")], cwd=REPO)
    assert again.code == 0, again.stderr
    assert (tmp_path / "again.pdf").read_bytes() == poster.read_bytes()

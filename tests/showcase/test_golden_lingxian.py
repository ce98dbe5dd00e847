"""Golden layout facts of the built-in generations, and the second bureau's example."""

import json
import re

import _golden
import pytest
from conftest import REPO
from pdfcheck import find_text, page_texts, qr_codes

UPDATE = "if the change is intended, review it and run `python tests/_golden.py --update`"


@pytest.mark.parametrize("gen", _golden.GOLDEN_GENERATIONS)
def test_layout_matches_the_golden_facts(gen):
    stored = json.loads((REPO / "tests" / "golden" / f"{gen}.json").read_text(encoding="utf-8"))
    assert _golden.facts(gen) == stored, f"generation {gen}: layout changed; {UPDATE}"


def test_golden_facts_say_what_the_articles_describe():
    facts = {g: json.loads((REPO / "tests" / "golden" / f"{g}.json").read_text(encoding="utf-8"))
             for g in _golden.GOLDEN_GENERATIONS}
    # 2002: unit, name, post, numbers, address; no QR. 2022: the WeChat QR, 19 mm, scannable.
    assert set(facts["2002"]["faces"]["front"]) >= {"unit", "name", "post", "phone", "mobile",
                                                    "address", "promise"}
    assert "qr" not in facts["2002"]
    assert "tips" in facts["2006"]["faces"]["back"] and "web" in facts["2012"]["faces"]["back"]
    qr = facts["2022"]["qr"]
    assert qr["decoded"] == ["https://u.wechat.com/EXAMPLE001"]
    assert qr["printed_mm"] == [19.0, 19.0] and qr["module_mm"] >= 0.4
    # Ten 90 x 54 mm cards per A4 sheet; backs mirrored for long-edge duplex.
    fronts, backs = facts["2022"]["sheet"][0]["cards_mm"], facts["2022"]["sheet"][1]["cards_mm"]
    assert len(fronts) == 10 and {tuple(c["trim"][2:]) for c in fronts} == {(90.0, 54.0)}
    for front, back in zip(fronts, backs, strict=True):
        assert back["trim"][0] == pytest.approx(210 - front["trim"][0] - 90, abs=0.1)
        assert back["trim"][1] == front["trim"][1]


def test_golden_update_command_is_documented():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert "python tests/_golden.py --update" in readme


LINGXIAN = REPO / "examples" / "lingxian"


@pytest.fixture(scope="module")
def lingxian_pdf(tmp_path_factory):
    from conftest import run_cli

    target = tmp_path_factory.mktemp("lingxian") / "cards.pdf"
    result = run_cli(["-q", "--project", str(LINGXIAN), "print", "--gen", "lingxian",
                      "--layout", "cards", "-o", str(target)], cwd=REPO)
    assert result.code == 0, result.stderr
    return target


def test_lingxian_is_yaml_and_at_most_one_template_override():
    templates = [p for p in (LINGXIAN / "templates").rglob("*") if p.is_file()]
    assert [str(p.relative_to(LINGXIAN)) for p in templates] == ["templates/blocks/hotline.html"]
    ours = [p for p in LINGXIAN.rglob("*") if p.is_file() and "out" not in p.relative_to(LINGXIAN).parts]
    assert {p.suffix for p in ours} == {".yaml", ".html", ".md"}


def test_lingxian_card_has_family_hotline_weibo_qr_and_police_office(lingxian_pdf):
    texts = page_texts(lingxian_pdf)
    front, back = texts[0], texts[1]
    assert "德州市陵县公安局" in front and "孙立新" in front
    assert "东方红社区警务室 · 陵县东方红路12号" in front
    assert [c.text for c in qr_codes(lingxian_pdf, 0)] == ["https://weibo.com/lingxian-specimen"]
    assert "扫码关注官方微博" in front
    assert re.search(r"亲情热线\s*0534-0000123", back)
    assert re.search(r"值班电话\s*0534-0000000", back)
    for words in ("防火", "防盗", "防抢", "防骗", "官方微博"):
        assert words in back
    # The three channels sit on one line at the foot of the back, inside the card.
    foot = [max(find_text(lingxian_pdf, 1, w), key=lambda f: f.y)
            for w in ("报警求助", "亲情热线", "值班电话")]
    assert len({round(f.y) for f in foot}) == 1 and foot[0].x < foot[1].x < foot[2].x


def test_lingxian_cards_for_every_officer_at_their_own_office(lingxian_pdf):
    texts = page_texts(lingxian_pdf)
    assert len(texts) == 8  # four officers, front and back
    offices = [re.search(r"(\S+社区警务室)", texts[i])[1] for i in (0, 2, 4, 6)]
    assert offices == ["东方红社区警务室", "迎宾社区警务室", "郑家寨社区警务室", "宋家社区警务室"]


def test_readme_shows_a_png_of_each_generation():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for gen in _golden.GOLDEN_GENERATIONS:
        for side in ("front", "back"):
            name = f"docs/img/{gen}-{side}.png"
            assert name in readme and (REPO / name).is_file()

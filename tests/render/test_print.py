"""Print the example roster and read the PDFs back as a printer or a clerk would."""

import pytest
from conftest import EXAMPLE_ROSTER, REPO, run_cli
from pdfcheck import boxes_mm, find_text, page_count, page_texts, pixel, qr_codes

from cardkit.roster.read import read_roster
from cardkit.roster.validate import build_roster

GENERATIONS = ("2002", "2006", "2012", "2022")
OFFICERS = build_roster(read_roster(EXAMPLE_ROSTER)).officers
BACK_TEXT = {
    "2002": ["民警叮咛", "报警求助"],
    "2006": ["门窗加固、注意关锁", "车辆回家、存放入库", "财物箱包、不离手眼"],
    "2012": ["网上公安局", "网上警务室", "门窗加固、注意关锁"],
    "2022": ["反诈提示", "陌生来电不轻信", "网上公安局", "门窗加固、注意关锁"],
}


@pytest.mark.parametrize("gen", GENERATIONS)
def test_one_card_per_page_has_trim_and_bleed_boxes(printed, gen):
    pages = boxes_mm(printed[f"{gen}-cards"])
    assert len(pages) == 2 * len(OFFICERS)
    for page in pages:
        assert page["MediaBox"] == (0, 0, 94, 58)
        assert page["BleedBox"] == (0, 0, 94, 58)
        assert page["TrimBox"] == (2, 2, 92, 56)


@pytest.mark.parametrize("gen", GENERATIONS)
def test_each_face_carries_its_text(printed, gen):
    texts = page_texts(printed[f"{gen}-cards"])
    for i, officer in enumerate(OFFICERS):
        front, back = texts[2 * i], texts[2 * i + 1]
        for expected in (officer.unit.name, officer.name, officer.post, officer.phone,
                         officer.mobile, officer.area, "24小时为民服务承诺"):
            assert expected in front, (officer.id, expected)
        assert officer.name not in back
        for expected in BACK_TEXT[gen]:
            assert expected in back, (gen, expected)
    if gen in ("2002", "2006"):
        assert "网上公安局" not in "".join(texts)
    if gen != "2022":
        assert "反诈" not in "".join(texts)


def test_every_2022_front_carries_the_officers_own_wechat_qr(printed):
    path = printed["2022-cards"]
    for i, officer in enumerate(OFFICERS):
        assert [c.text for c in qr_codes(path, 2 * i)] == [officer.wechat]
        assert qr_codes(path, 2 * i + 1) == []


def test_older_generations_print_no_qr(printed):
    assert qr_codes(printed["2012-cards"], 0) == []


def test_backgrounds_white_then_light_blue(printed):
    # A point in the bleed, left of the safe zone, where only background is printed.
    assert pixel(printed["2002-cards"], 1, 1, 30) == (255, 255, 255)
    r, g, b = pixel(printed["2006-cards"], 1, 1, 30)
    assert b > r and r > 200 and b > 240


def _warm_pixels(path, page):
    import pypdfium2 as pdfium
    pdf = pdfium.PdfDocument(path)
    image = pdf[page].render(scale=2).to_pil().convert("RGB")
    pdf.close()
    return sum(count for count, (r, g, b) in image.getcolors(maxcolors=1 << 24)
               if r > 150 and 80 < g < 170 and b < 100)


def test_2022_back_shows_the_mascot_and_2012_does_not(printed):
    assert _warm_pixels(printed["2022-cards"], 1) > 500  # the snail's orange shell
    assert _warm_pixels(printed["2012-cards"], 1) == 0


@pytest.mark.parametrize("gen", GENERATIONS)
def test_sheet_is_a4_fronts_then_backs(printed, gen):
    path = printed[f"{gen}-sheet"]
    boxes = boxes_mm(path)
    assert len(boxes) == 4  # 12 cards: 2 sheets of 10, each fronts + backs
    assert all(b["MediaBox"] == (0, 0, 210, 297) for b in boxes)
    texts = page_texts(path)
    assert all(o.name in texts[0] for o in OFFICERS[:10])
    assert all(o.name in texts[2] for o in OFFICERS[10:])
    assert not any(o.name in texts[1] + texts[3] for o in OFFICERS)


def test_same_inputs_give_the_same_bytes(tmp_path, monkeypatch):
    args = ["-q", "print", "--gen", "2022", "--roster", str(EXAMPLE_ROSTER), "--officer", "LD001"]
    run_cli([*args, "-o", str(tmp_path / "a.pdf")], cwd=REPO)
    run_cli([*args, "-o", str(tmp_path / "b.pdf")], cwd=REPO)
    assert (tmp_path / "a.pdf").read_bytes() == (tmp_path / "b.pdf").read_bytes()
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    run_cli([*args, "-o", str(tmp_path / "c.pdf")], cwd=REPO)
    data = (tmp_path / "c.pdf").read_bytes()
    assert data != (tmp_path / "a.pdf").read_bytes()
    import pikepdf
    with pikepdf.open(tmp_path / "c.pdf") as pdf:
        assert str(pdf.docinfo["/CreationDate"]) == "D:20231114221320Z"
    assert str(tmp_path).encode() not in data and b"/root" not in data


DUPLEX_GEN = """\
extends: "2022"
back:
  title: 背面
  show: [qr, hotline]
"""


@pytest.fixture(scope="module")
def duplex_project(tmp_path_factory):
    root = tmp_path_factory.mktemp("duplex")
    (root / "generations").mkdir()
    (root / "generations" / "dx.yaml").write_text(DUPLEX_GEN, encoding="utf-8")
    return root


def _offsets(path):
    """Where the name and QR sit inside a card's trim box (from a 1-up print)."""
    name = find_text(path, 0, OFFICERS[0].name)[0]
    code = qr_codes(path, 1)[0]
    return (name.left - 2, name.y - 2), (code.x - 2, code.y - 2)


@pytest.mark.parametrize("duplex", ["long", "short"])
def test_each_back_lies_behind_its_own_front(duplex_project, tmp_path, duplex):
    cards = tmp_path / "cards.pdf"
    sheet = tmp_path / "sheet.pdf"
    common = ["-q", "--project", str(duplex_project), "print", "--gen", "dx",
              "--roster", str(EXAMPLE_ROSTER)]
    assert run_cli([*common, "--layout", "cards", "--officer", "LD001", "-o", str(cards)]).code == 0
    result = run_cli([*common, "--duplex", duplex, "-o", str(sheet)])
    assert result.code == 0, result.stderr
    (name_dx, name_dy), (qr_dx, qr_dy) = _offsets(cards)
    assert page_count(sheet) == 4
    for sheet_index, batch in ((0, OFFICERS[:10]), (1, OFFICERS[10:])):
        backs = {c.text: c for c in qr_codes(sheet, 2 * sheet_index + 1)}
        assert set(backs) == {o.wechat for o in batch}  # a partly filled last sheet too
        for officer in batch:
            name = find_text(sheet, 2 * sheet_index, officer.name)[0]
            front_x, front_y = name.left - name_dx, name.y - name_dy
            code = backs[officer.wechat]
            if duplex == "long":
                back_x, back_y = code.x - qr_dx, code.y - qr_dy
                expected = (210 - 90 - front_x, front_y)
            else:  # turned 180° in its slot, head to head with its front (issue 23)
                back_x, back_y = code.x - (90 - qr_dx), code.y - (54 - qr_dy)
                expected = (front_x, 297 - 54 - front_y)
            assert (back_x, back_y) == pytest.approx(expected, abs=0.5), officer.id


LONG_ROSTER = """\
unit:
  name: 广西壮族自治区柳州市公安局柳东新区分局柳东派出所
  address: 柳州市柳东新区示例大道一千二百三十四号示例大厦东区二十三楼警务服务中心
officers:
  - id: F1
    name: 欧阳德华
    post: 社区民警（警务室主任）
    mobile: "13800000001"
    wechat: https://u.wechat.com/EXAMPLE001
    area: 柳东村、官塘村、新柳社区、龙泉社区、花岭社区
"""


@pytest.mark.parametrize("gen", ["2002", "2022"])
def test_builtin_generations_fit_a_long_unit_and_address_on_the_card(tmp_path, gen):
    roster = tmp_path / "long.yaml"
    roster.write_text(LONG_ROSTER, encoding="utf-8")
    out = tmp_path / "long.pdf"
    result = run_cli(["-q", "print", "--gen", gen, "--roster", str(roster), "--layout", "cards",
                      "-o", str(out)], cwd=tmp_path)
    assert result.code == 0, result.stderr
    unit = find_text(out, 0, "广西壮族自治区柳州市公安局柳东新区分局柳东派出所")[0]
    title = find_text(out, 0, "警民联系卡")[0]
    assert 2 * unit.x - unit.left < title.left  # shrunk: clears the card title
    text = page_texts(out)[0]
    assert "柳州市柳东新区示例大道" in text and "服务中心" in text  # wrapped, not cut
    for word in ("柳州市柳东新区示例大道", "服务中心"):
        found = find_text(out, 0, word)[0]
        assert 2 + 3 - 0.2 < found.left and 2 * found.x - found.left < 2 + 90 - 3 + 0.2

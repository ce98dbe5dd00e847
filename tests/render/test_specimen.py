"""Placeholders never reach a real card; specimens say what they are (issue 13, item 2).

A roster marked ``specimen: true`` may hold placeholders (example.gov.cn, 0772-0000000),
and every card made from it carries a 样张 / SPECIMEN stripe set as text, clear of the QR
code and the officer's details. Without the marker the placeholders are refused.
"""

from __future__ import annotations

import re
import shutil

import pypdfium2 as pdfium
import pytest
import zxingcpp
from conftest import EXAMPLE_ROSTER, REPO, copy_example
from pdfcheck import page_texts

MARK = "样张·SPECIMEN·样张·SPECIMEN"
NOTICE = ("notice: {roster}: printed specimens: {roster} marks the roster specimen: true, so "
          "its placeholders are allowed and every card carries a 样张 / SPECIMEN mark")
DETAILS = ("吴明", "社区民警", "柳州市柳东新区示例大道1号")  # LD001's name, post; the address
PT_MM = 25.4 / 72


def _chars(page) -> list[tuple[str, tuple[float, float, float, float]]]:
    """Every character of a page with its box (left, top, right, bottom) in mm from top-left."""
    height = page.get_height()
    textpage = page.get_textpage()
    out = []
    for i in range(textpage.count_chars()):
        char = textpage.get_text_range(i, 1)
        left, bottom, right, top = textpage.get_charbox(i)
        out.append((char, (left * PT_MM, (height - top) * PT_MM, right * PT_MM,
                           (height - bottom) * PT_MM)))
    return out


def _rect(chars, needle: str):
    """The box around the first run of ``chars`` spelling ``needle`` (whitespace skipped)."""
    letters = [(c, box) for c, box in chars if not c.isspace()]
    text = "".join(c for c, _ in letters)
    start = text.find(needle.replace(" ", ""))
    assert start >= 0, f"{needle!r} not on the page"
    boxes = [box for _, box in letters[start:start + len(needle.replace(" ", ""))]]
    return (min(b[0] for b in boxes), min(b[1] for b in boxes),
            max(b[2] for b in boxes), max(b[3] for b in boxes))


def _gap(a, b) -> float:
    """Distance between two boxes in mm (negative: they overlap)."""
    dx = max(b[0] - a[2], a[0] - b[2])
    dy = max(b[1] - a[3], a[1] - b[3])
    return max(dx, dy)


def _qr_rect(page):
    image = page.render(scale=200 / 72).to_pil()
    px = 200 / 25.4
    rects = []
    for code in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode):
        p = code.position
        xs = [p.top_left.x, p.top_right.x, p.bottom_left.x, p.bottom_right.x]
        ys = [p.top_left.y, p.top_right.y, p.bottom_left.y, p.bottom_right.y]
        rects.append((min(xs) / px, min(ys) / px, max(xs) / px, max(ys) / px))
    return rects


@pytest.mark.parametrize("gen", ["2002", "2006", "2012", "2022"])
def test_every_card_of_a_specimen_carries_the_mark_clear_of_qr_and_details(printed, gen):
    pdf = pdfium.PdfDocument(printed[f"{gen}-cards"])
    try:
        assert len(pdf) == 24
        for index in range(len(pdf)):
            page = pdf[index]
            chars = _chars(page)
            mark = _rect(chars, MARK)
            width_mm = page.get_width() * PT_MM
            assert mark[2] - mark[0] > 0.6 * (width_mm - 2 * 2 - 2 * 3.5)  # across the card
            # Every other character of the face (the officer's details, the footer, ...) and
            # the QR code keep clear of the stripe.
            letters = [(c, box) for c, box in chars if not c.isspace()]
            text = "".join(c for c, _ in letters)
            start = text.find(MARK)
            others = [box for i, (_, box) in enumerate(letters)
                      if not start <= i < start + len(MARK)]
            if index % 2 == 0:
                assert DETAILS[2] in text  # the unit's address, on every front
                qr = _qr_rect(page)
                assert len(qr) == (1 if gen == "2022" else 0)
                others += qr
            assert len(others) > 20
            for box in others:
                assert _gap(mark, box) > 0.3, (gen, index, box)
    finally:
        pdf.close()


def test_the_mark_is_text_on_both_faces(printed):
    for text in page_texts(printed["2022-sheet"]):
        assert MARK in re.sub(r"\s", "", text)


def test_print_with_no_argument_prints_specimens_and_says_so_once(cli, tmp_path):
    result = cli(["print", "--gen", "2022"], cwd=tmp_path)
    assert result.code == 0, result.stderr
    target = tmp_path / "out" / "cards-2022.pdf"
    assert result.err_lines == [NOTICE.format(roster=REPO / "examples" / "liudong" / "roster.yaml"),
                                "wrote out/cards-2022.pdf: 12 cards, 2 sheets, 4 pages"]
    assert MARK in re.sub(r"\s", "", page_texts(target)[0])
    quiet = cli(["-q", "print", "--gen", "2022", "-o", "q.pdf"], cwd=tmp_path)
    assert quiet.code == 0 and quiet.stderr == ""


def test_removing_the_marker_makes_the_placeholders_errors(cli, tmp_path):
    text = EXAMPLE_ROSTER.read_text(encoding="utf-8")
    assert "\nspecimen: true\n" in text
    roster = tmp_path / "roster.yaml"
    copy_example(roster, text.replace("\nspecimen: true\n", "\n"))
    lines = text.replace("\nspecimen: true\n", "\n").splitlines()

    def line(start: str) -> int:
        return next(i for i, ln in enumerate(lines, 1) if ln.strip().startswith(start))

    fix = ("write the real value; only a roster marked specimen: true may hold placeholders, "
           "and its cards are marked 样张 / SPECIMEN")
    result = cli(["check", "--gen", "2022", "--roster", "roster.yaml"], cwd=tmp_path)
    assert result.code == 1
    assert result.err_lines[:-1] == [
        f'error: roster.yaml:{line("hotline:")}: unit: hotline: "0772-0000000": a placeholder '
        f"number (all zeros), not a real one ({fix})",
        f'error: roster.yaml:{line("website:")}: unit: website: '
        '"https://liudong.example.gov.cn/": liudong.example.gov.cn is a placeholder host, not '
        f"the unit's real address ({fix})",
        f'error: roster.yaml:{line("- label: 网上公安局")}: unit: web.网上公安局: '
        '"https://wsgaj.example.gov.cn": wsgaj.example.gov.cn is a placeholder host, not the '
        f"unit's real address ({fix})",
        f'error: roster.yaml:{line("- label: 网上警务室")}: unit: web.网上警务室: '
        '"https://jwsh.example.gov.cn": jwsh.example.gov.cn is a placeholder host, not the '
        f"unit's real address ({fix})",
    ]


OFFICER = 'id: P1\nname: 吴明\nphone: "0772-2812345"\nwechat: https://u.wechat.com/P1abc\n'


@pytest.mark.parametrize(("unit_line", "officer_line", "field", "shown"), [
    ('hotline: "0772-0000000"', "", "hotline", '"0772-0000000": a placeholder number'),
    ('hotline: "0000-1234567"', "", "hotline", '"0000-1234567": a placeholder number'),
    ('hotline: "010-00000000"', "", "hotline", '"010-00000000": a placeholder number'),
    ("", 'mobile: "13800000000"', "mobile", '"138 0000 0000": a placeholder number'),
    ("", 'phone: "0772-0000000"', "phone", '"0772-0000000": a placeholder number'),
    ("website: https://example.com/", "", "website", "example.com is a placeholder host"),
    ("website: https://police.example.cn/", "", "website", "police.example.cn is a placeholder"),
    ("website: https://station.test/", "", "website", "station.test is a placeholder host"),
    ("website: https://station.invalid/", "", "website", "station.invalid is a placeholder"),
    ("website: https://station.localhost/", "", "website", "station.localhost is a placeholder"),
    ("weibo: https://weibo.example/x", "", "weibo", "weibo.example is a placeholder host"),
    ("", "wechat: https://u.wechat.com.example/x", "wechat",
     "host u.wechat.com.example is not allowed"),
])
def test_placeholders_are_refused_naming_the_field(cli, tmp_path, unit_line, officer_line,
                                                   field, shown):
    body = OFFICER
    if officer_line:
        key = officer_line.split(":")[0]
        body = "".join(ln + "\n" for ln in body.splitlines() if not ln.startswith(key + ":"))
        body += officer_line + "\n"
    unit = "  name: 柳东派出所\n" + (f"  {unit_line}\n" if unit_line else "")
    officers = "  - " + body.strip("\n").replace("\n", "\n    ") + "\n"
    (tmp_path / "r.yaml").write_text(f"unit:\n{unit}officers:\n{officers}", encoding="utf-8")
    result = cli(["check", "--gen", "2022", "--roster", "r.yaml"], cwd=tmp_path)
    assert result.code == 1
    errors = [ln for ln in result.err_lines if ln.startswith("error:")]
    assert len(errors) == 1
    subject = "unit" if unit_line else "officer P1 吴明"
    assert re.match(rf"error: r\.yaml:\d+: {subject}: {field}: ", errors[0]), errors[0]
    assert shown in errors[0]
    # The same values in a specimen pass (a QR host is never a placeholder matter).
    (tmp_path / "r.yaml").write_text(f"specimen: true\nunit:\n{unit}officers:\n{officers}",
                                     encoding="utf-8")
    again = cli(["check", "--gen", "2022", "--roster", "r.yaml"], cwd=tmp_path)
    assert (again.code == 1) == (field == "wechat"), again.stderr


def test_real_looking_numbers_are_no_placeholders():
    from cardkit.urlrules import placeholder_host, placeholder_number

    for number in ("0772-2812345", "0772-0000001", "138 0000 0001", "110", "400-123-4567"):
        assert not placeholder_number(number), number
    for url in ("https://u.wechat.com/EXAMPLE001", "https://examples.gov.cn/",
                "https://gaj.liuzhou.gov.cn/", "https://testing.cn/"):
        assert placeholder_host(url) is None, url


def test_samples_exhibit_and_preview_of_a_specimen_carry_the_mark(cli, tmp_path):
    result = cli(["-q", "samples", "--gen", "2002", "-o", str(tmp_path / "s")], cwd=REPO)
    assert result.code == 0, result.stderr
    for name in ("2002-sheet.pdf", "2002-1up.pdf"):
        assert all(MARK in re.sub(r"\s", "", t) for t in page_texts(tmp_path / "s" / name))
    result = cli(["-q", "exhibit", "--gen", "2022", "-o", str(tmp_path / "e.pdf")], cwd=REPO)
    assert result.code == 0, result.stderr
    assert re.sub(r"\s", "", page_texts(tmp_path / "e.pdf")[0]).count(MARK) == 2
    # preview: the stripe is drawn in the 2022 fraud-tip red, which nothing else on the
    # front uses; a roster that is no specimen gets no red at all.
    from PIL import Image

    def red_pixels(png):
        image = Image.open(png).convert("RGB")
        data = image.tobytes()
        return sum(1 for i in range(0, len(data), 3)
                   if data[i] > 150 and data[i + 1] < 90 and data[i + 2] < 90)

    result = cli(["-q", "preview", "--gen", "2022", "--dpi", "100", "-o", str(tmp_path / "p")],
                 cwd=REPO)
    assert result.code == 0, result.stderr
    marked = red_pixels(tmp_path / "p" / "2022-LD001-front.png")
    real = tmp_path / "real"
    real.mkdir()
    (real / "r.yaml").write_text(
        "unit:\n  name: 柳东派出所\nofficers:\n  - " + OFFICER.strip().replace("\n", "\n    ")
        + "\n", encoding="utf-8")
    result = cli(["-q", "preview", "--gen", "2022", "--roster", "r.yaml", "--dpi", "100", "-o",
                  "p"], cwd=real)
    assert result.code == 0, result.stderr
    assert marked > 200 and red_pixels(real / "p" / "2022-P1-front.png") == 0


def test_init_writes_a_specimen_that_prints_and_is_refused_once_unmarked(cli, tmp_path):
    site = tmp_path / "site"
    assert cli(["init", str(site)], cwd=tmp_path).code == 0
    roster = site / "roster.yaml"
    assert "\nspecimen: true\n" in roster.read_text(encoding="utf-8")
    result = cli(["--project", str(site), "print", "--gen", "local"], cwd=tmp_path)
    assert result.code == 0, result.stderr
    assert NOTICE.format(roster=site / "roster.yaml") in result.err_lines
    back = page_texts(site / "out" / "cards-local.pdf")[1]
    assert "网上公安局" in back and "民警提醒您" in back  # no mascot of another station's
    shutil.copy(roster, tmp_path / "kept.yaml")
    roster.write_text(roster.read_text(encoding="utf-8").replace("\nspecimen: true\n", "\n"),
                      encoding="utf-8")
    result = cli(["--project", str(site), "check", "--gen", "local"], cwd=tmp_path)
    assert result.code == 1
    assert {ln.split(": ")[3] for ln in result.err_lines[:-1]} == {
        "hotline", "phone", "web.网上公安局", "web.网上警务室"}


def test_the_stripe_follows_a_long_address_instead_of_covering_it(cli, tmp_path):
    """A long area and a two-line address push the stripe down; it stays off every character."""
    (tmp_path / "r.yaml").write_text(
        "specimen: true\nunit:\n  name: 柳州市公安局柳东新区分局柳东派出所\n"
        "  address: 柳州市柳东新区示例大道一千二百三十四号示例大厦二楼东侧接待大厅旁边\n"
        "officers:\n  - id: L1\n    name: 欧阳德华\n    post: 社区民警\n"
        '    phone: "0772-2812345"\n    mobile: "13912345678"\n'
        "    wechat: https://u.wechat.com/L1abc\n    area: 柳东新区官塘村第一居民小组至第五居民小组\n",
        encoding="utf-8")
    result = cli(["-q", "print", "--gen", "2022", "--roster", "r.yaml", "--layout", "cards",
                  "--sides", "front", "-o", "l.pdf"], cwd=tmp_path)
    assert result.code == 0, result.stderr
    pdf = pdfium.PdfDocument(tmp_path / "l.pdf")
    try:
        page = pdf[0]
        chars = _chars(page)
        letters = [(c, box) for c, box in chars if not c.isspace()]
        text = "".join(c for c, _ in letters)
        assert "大厅旁边" in text  # the address wrapped onto its second line
        start = text.find(MARK)
        mark = _rect(chars, MARK)
        others = [box for i, (_, box) in enumerate(letters) if not start <= i < start + len(MARK)]
        others += _qr_rect(page)
        assert min(_gap(mark, box) for box in others) > 0.2
    finally:
        pdf.close()

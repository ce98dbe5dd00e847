"""Print production read back from the PDF: stocks, duplex on unequal margins, part-used
sheets, printer calibration (backs only), slug line, 1-up marks, PDF/X-4 in CMYK."""

import pikepdf
import pytest
from conftest import EXAMPLE_ROSTER, copy_example, run_cli
from pdfcheck import boxes_mm, find_text, page_count, page_texts, qr_codes

from cardkit.roster.read import read_roster
from cardkit.roster.validate import build_roster

OFFICERS = build_roster(read_roster(EXAMPLE_ROSTER)).officers
# Zweckform 32010 (gLabels): 85 x 54 mm, margins left 14.11 / right 15.99, top 14.11 / bottom 12.99
Z_X0, Z_Y0, Z_DX, Z_DY = 14.11, 14.11, 94.9, 53.97

GENERATIONS = {
    "dx.yaml": 'extends: "2022"\nback:\n  title: 背面\n  show: [qr, hotline]\n',
    "rgb22.yaml": 'extends: "2022"\ncolors:\n  stripe: "#e3f0fb"\nmascot:\n  image_cmyk: null\n',
    "zdx.yaml": 'extends: "dx"\ncard:\n  width_mm: 85\n  height_mm: 54\n  bleed_mm: 0\n',
    "k06.yaml": """extends: "2006"
title: 印刷厂CMYK版
colors_cmyk:
  background: cmyk(12, 3, 0, 0)
  text: cmyk(0, 0, 0, 100)
  accent: cmyk(100, 60, 0, 10)
  muted: cmyk(0, 0, 0, 60)  # small type: a K tint (issue 23: one ink under 9 pt)
  name: cmyk(100, 70, 0, 40)
  band: cmyk(100, 60, 0, 10)
  band_text: cmyk(0, 0, 0, 0)
""",
    "k22.yaml": """extends: "2022"
mascot:
  image: snail-cmyk.svg
colors_cmyk:
  background: cmyk(10, 3, 0, 0)
  text: cmyk(0, 0, 0, 90)
  accent: cmyk(100, 60, 0, 10)
  muted: cmyk(0, 0, 0, 60)  # small type: a K tint (issue 23: one ink under 9 pt)
  name: cmyk(100, 70, 0, 40)
  band: cmyk(100, 60, 0, 10)
  band_text: cmyk(0, 0, 0, 0)
  fraud: cmyk(0, 90, 85, 10)
""",
}
CMYK_SNAIL = """<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100" width="100" height="100">
  <circle cx="55" cy="50" r="30" fill="device-cmyk(0 0.4 0.8 0)" stroke="device-cmyk(0 0.6 1 0.3)"/>
</svg>
"""
CONFIG = """\
roster: roster.yaml
printers:
  office:
    dx: 2
    dy: -1.5
  tilted:
    rotation: 0.5
    scale: 1.01
"""


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    root = tmp_path_factory.mktemp("shop")
    (root / "generations").mkdir()
    for name, text in GENERATIONS.items():
        (root / "generations" / name).write_text(text, encoding="utf-8")
    (root / "templates" / "assets").mkdir(parents=True)
    (root / "templates" / "assets" / "snail-cmyk.svg").write_text(CMYK_SNAIL, encoding="utf-8")
    copy_example(root / "roster.yaml")
    (root / "cardkit.yaml").write_text(CONFIG, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def printed(shop):
    jobs = {
        "z-1up": ["--gen", "zdx", "--layout", "cards", "--officer", "LD001"],
        "z-long": ["--gen", "zdx", "--stock", "zweckform-32010", "--first", "4"],
        "z-short": ["--gen", "zdx", "--stock", "zweckform-32010", "--first", "4", "--duplex", "short"],
        # the butt layout (--gutter 0: 10 cards a sheet), the same with a slug line or not
        "plain": ["--gen", "dx", "--gutter", "0"],
        "office": ["--gen", "dx", "--printer", "office", "--slug", "--gutter", "0"],
        "cmyk": ["--gen", "k06", "--color", "cmyk", "--slug"],
        "cmyk-again": ["--gen", "k06", "--color", "cmyk", "--slug"],
        "cmyk-1up": ["--gen", "k06", "--color", "cmyk", "--layout", "cards", "--marks", "crop",
                     "--officer", "LD001", "--officer", "LD002"],
        "k22-1up": ["--gen", "k22", "--color", "cmyk", "--layout", "cards", "--officer", "LD003"],
        "fronts": ["--gen", "dx", "--sides", "front", "--copies", "3", "--officer", "LD001",
                   "--officer", "LD002", "--marks", "none"],
    }
    out = {}
    for name, args in jobs.items():
        target = shop / f"{name}.pdf"
        result = run_cli(["-q", "--project", str(shop), "print", *args, "-o", str(target)])
        assert result.code == 0, (name, result.stderr)
        out[name] = target
    return out


def _card_offsets(path):
    """Where the name (left edge, centre line) and the back's QR centre sit inside the trim."""
    name = find_text(path, 0, OFFICERS[0].name)[0]
    code = qr_codes(path, 1)[0]
    return (name.left, name.y), (code.x, code.y)


@pytest.mark.parametrize("duplex", ["long", "short"])
def test_backs_land_behind_their_fronts_on_a_stock_with_unequal_margins(printed, duplex):
    path = printed[f"z-{duplex}"]
    (name_dx, name_dy), (qr_dx, qr_dy) = _card_offsets(printed["z-1up"])  # bleed 0: trim at 0,0
    assert page_count(path) == 4
    # --first 4: the first sheet fills slots 4..10 (7 cards), the second slots 1..5
    layout = [(0, slot, OFFICERS[i]) for i, slot in enumerate(range(3, 10))]
    layout += [(1, slot, OFFICERS[7 + i]) for i, slot in enumerate(range(5))]
    for sheet, slot, officer in layout:
        cell_x, cell_y = Z_X0 + Z_DX * (slot % 2), Z_Y0 + Z_DY * (slot // 2)
        name = find_text(path, 2 * sheet, officer.name)
        assert len(name) == 1, officer.id
        assert (name[0].left - name_dx, name[0].y - name_dy) == pytest.approx((cell_x, cell_y), abs=0.3)
        backs = {c.text: c for c in qr_codes(path, 2 * sheet + 1)}
        back = backs[officer.wechat]
        if duplex == "long":
            expected = (210 - 85 - cell_x, cell_y)
            offset = (qr_dx, qr_dy)
        else:  # turned 180° in its slot, head to head with its front (issue 23)
            expected = (cell_x, 297 - 54 - cell_y)
            offset = (85 - qr_dx, 54 - qr_dy)
        assert (back.x - offset[0], back.y - offset[1]) == pytest.approx(expected, abs=0.4), officer.id
    assert len(qr_codes(path, 1)) == 7 and len(qr_codes(path, 3)) == 5


def test_a_stock_gets_no_crop_marks_by_default(printed):
    with pikepdf.open(printed["z-long"]) as pdf:
        ops = [str(op) for _, op in pikepdf.parse_content_stream(pdf.pages[0])]
    assert "S" not in ops and "Do" in ops


def test_printer_calibration_moves_the_backs_and_only_the_backs(printed):
    plain, office = printed["plain"], printed["office"]
    texts_plain, texts_office = page_texts(plain), page_texts(office)
    assert texts_plain == texts_office
    for officer in OFFICERS[:10]:
        a, b = find_text(plain, 0, officer.name)[0], find_text(office, 0, officer.name)[0]
        assert (a.left, a.y) == pytest.approx((b.left, b.y), abs=0.05)  # fronts untouched
    before = {c.text: c for c in qr_codes(plain, 1)}
    after = {c.text: c for c in qr_codes(office, 1)}
    assert set(before) == set(after) == {o.wechat for o in OFFICERS[:10]}
    for payload, code in before.items():
        moved = after[payload]
        assert (moved.x - code.x, moved.y - code.y) == pytest.approx((2.0, -1.5), abs=0.25)


def test_slug_line_is_drawn_outside_the_trim_on_fronts_only(printed):
    import pypdfium2 as pdfium

    def dark_rows(path, page):
        pdf = pdfium.PdfDocument(path)
        image = pdf[page].render(scale=4).to_pil().convert("L")
        pdf.close()
        px_per_mm = 4 * 72 / 25.4
        band = image.crop((int(20 * px_per_mm), int(286 * px_per_mm), int(100 * px_per_mm),
                           int(296 * px_per_mm)))  # between the bottom marks
        return sum(count for count, value in band.getcolors(maxcolors=256) if value < 128)

    assert dark_rows(printed["office"], 0) > 200  # text below the marks
    assert dark_rows(printed["plain"], 0) == 0
    assert dark_rows(printed["office"], 1) == 0


def _rgb_operators(pdf):  # noqa: C901 (an independent reading of every kind of colour use, kept whole so the check reads as one)
    """RGB colour operators anywhere: pages, forms (recursively), images, groups."""
    found = []

    def rgb_space(space):
        if space is None:
            return False
        if isinstance(space, pikepdf.Array):
            if str(space[0]) == "/ICCBased":
                return int(space[1].N) == 3
            return str(space[0]) in ("/DeviceRGB", "/CalRGB", "/Indexed") and (
                str(space[0]) != "/Indexed" or rgb_space(space[1]))
        return str(space) in ("/DeviceRGB", "/CalRGB")

    def walk(owner, resources, seen):
        for operands, op in pikepdf.parse_content_stream(owner):
            name = str(op)
            if name in ("rg", "RG"):
                found.append(name)
            if name in ("cs", "CS"):
                spaces = (resources or {}).get("/ColorSpace", {})
                space = spaces.get(str(operands[0]), operands[0])
                if rgb_space(space):
                    found.append(f"{name} {operands[0]}")
            if name == "Do":
                xobj = resources.XObject[str(operands[0])]
                if xobj.objgen in seen:
                    continue
                seen.add(xobj.objgen)
                if xobj.Subtype == "/Image" and rgb_space(xobj.get("/ColorSpace")):
                    found.append("RGB image")
                if xobj.Subtype == "/Form":
                    group = xobj.get("/Group")
                    if group is not None and rgb_space(group.get("/CS")):
                        found.append("RGB group")
                    walk(xobj, xobj.get("/Resources"), seen)

    for page in pdf.pages:
        walk(page, page.obj.get("/Resources"), set())
    return found


@pytest.mark.parametrize("job", ["cmyk", "cmyk-1up", "k22-1up"])
def test_cmyk_output_is_pdf_x4_with_an_output_intent_and_no_rgb(printed, job):
    with pikepdf.open(printed[job]) as pdf:
        assert pdf.pdf_version == "1.6"
        intents = pdf.Root.OutputIntents
        assert len(intents) == 1
        intent = intents[0]
        assert intent.S == "/GTS_PDFX"
        assert str(intent.OutputConditionIdentifier) == "FOGRA39"
        profile = intent.DestOutputProfile
        assert int(profile.N) == 4
        icc = profile.read_bytes()
        assert icc[36:40] == b"acsp" and icc[16:20] == b"CMYK" and icc[12:16] == b"prtr"
        xmp = pdf.Root.Metadata.read_bytes().decode()
        assert "<pdfxid:GTS_PDFXVersion>PDF/X-4</pdfxid:GTS_PDFXVersion>" in xmp
        assert "xmpMM:DocumentID>uuid:" in xmp
        assert pdf.docinfo.Trapped == "/False"
        assert all("/TrimBox" in page.obj for page in pdf.pages)
        assert _rgb_operators(pdf) == []
        ops = {str(op) for page in pdf.pages for _, op in pikepdf.parse_content_stream(page)}
        assert ("K" in ops) == (job != "k22-1up")  # marks, in 100 % K, where asked for


def test_rgb_operators_are_found_where_they_are(printed):
    with pikepdf.open(printed["plain"]) as pdf:  # an RGB job: the checker must see its colours
        assert "rg" in _rgb_operators(pdf)
        from cardkit.pdf.pdfx import rgb_uses
        assert any("RGB colour" in line and line.startswith("page 1 /F") for line in rgb_uses(pdf))


def test_pdf_x4_is_byte_reproducible(printed):
    assert printed["cmyk"].read_bytes() == printed["cmyk-again"].read_bytes()


def test_1up_marks_stay_outside_the_bleed(printed):
    boxes = boxes_mm(printed["cmyk-1up"])
    assert len(boxes) == 4
    for page in boxes:
        assert page["TrimBox"] == (9.0, 9.0, 99.0, 63.0)  # 2 mm bleed + 1 mm gap + 5 mm marks + 1
        assert page["BleedBox"] == (7.0, 7.0, 101.0, 65.0)
        assert page["MediaBox"] == (0, 0, 108.0, 72.0)
    pt = 72 / 25.4
    with pikepdf.open(printed["cmyk-1up"]) as pdf:
        points = []
        for operands, op in pikepdf.parse_content_stream(pdf.pages[0]):
            if str(op) in ("m", "l"):
                points.append((float(operands[0]) / pt, float(operands[1]) / pt))
    assert len(points) == 16  # 8 marks
    for x, y in points:
        assert not (7 < x < 101 and 7 < y < 65), (x, y)  # never inside the BleedBox


def test_rgb_colours_and_images_are_refused_in_cmyk_mode(shop):
    result = run_cli(["--project", str(shop), "print", "--gen", "rgb22", "--color", "cmyk",
                      "-o", str(shop / "never.pdf")])
    assert result.code == 1
    lines = result.err_lines
    assert ("error: generations/rgb22.yaml:3: colors.stripe: RGB colour #e3f0fb cannot be printed "
            "with --color cmyk: give colors_cmyk.stripe as cmyk(c, m, y, k)") in lines
    # (the built-in 2022 draws no mascot since issue 23: nothing points at a built-in file)
    assert not any("generations/2022.yaml" in line for line in lines), lines
    assert not (shop / "never.pdf").exists()


def test_bad_cmyk_values_are_located(shop):
    (shop / "generations" / "bad.yaml").write_text(
        'extends: "k06"\ncolors_cmyk:\n  text: cmyk(0, 0, 0, 140)\n', encoding="utf-8")
    result = run_cli(["--project", str(shop), "print", "--gen", "bad", "--color", "cmyk",
                      "-o", str(shop / "never.pdf")])
    assert result.code == 1
    assert result.err_lines == ["error: generations/bad.yaml:3: colors_cmyk.text: "
                                "'cmyk(0, 0, 0, 140)': each ink is 0 to 100 per cent"]


def test_unknown_printer_and_options_that_do_not_mix(shop):
    result = run_cli(["--project", str(shop), "print", "--gen", "dx", "--printer", "ofice"])
    assert result.code == 2
    assert result.err_lines == ['error: unknown printer \'ofice\' (did you mean "office"?) '
                                "(printers in cardkit.yaml: office, tilted)"]
    result = run_cli(["--project", str(shop), "print", "--gen", "dx", "--stock", "cn-a4-90x54-2x5",
                      "--paper", "A3"])
    assert result.code == 2 and "--stock sets the paper" in result.stderr


def test_calibration_target_moves_only_its_back(shop):
    plain, tilted = shop / "cal.pdf", shop / "cal-tilted.pdf"
    assert run_cli(["-q", "--project", str(shop), "calibrate", "-o", str(plain)]).code == 0
    assert run_cli(["-q", "--project", str(shop), "calibrate", "--printer", "tilted",
                    "-o", str(tilted)]).code == 0
    with pikepdf.open(plain) as a, pikepdf.open(tilted) as b:
        assert len(a.pages) == len(b.pages) == 2
        # the front says which calibration it carries, so only its words differ
        ops_a = [str(op) for _, op in pikepdf.parse_content_stream(a.pages[1])]
        ops_b = [str(op) for _, op in pikepdf.parse_content_stream(b.pages[1])]
        assert ops_b[:2] == ["q", "cm"] and ops_b[2:-1] == ops_a
        cm = [float(v) for v in pikepdf.parse_content_stream(b.pages[1])[1][0]]
        assert cm[0] == pytest.approx(1.01 * 0.99996, abs=1e-4)
        assert a.pages[0].obj.MediaBox == b.pages[0].obj.MediaBox


def test_calibrate_turns_readings_into_settings(shop):
    result = run_cli(["--project", str(shop), "calibrate", "--printer", "lobby",
                      "--read", "C=1.5,-0.5", "--read", "L=1,-1", "--read", "R=2,0"])
    assert result.code == 0, result.stderr
    assert result.stdout.decode().splitlines() == [
        "printers:", "  lobby:", "    dx: 1.50", "    dy: -0.50", "    rotation: 0.382",
        "    scale: 1.0067"]


def test_a_cmyk_card_keeps_its_qr_code_and_cmyk_mascot(printed):
    path = printed["k22-1up"]
    assert [c.text for c in qr_codes(path, 0)] == [OFFICERS[2].wechat]
    from pdfcheck import pixel
    r, g, b = pixel(path, 1, 12, 22, dpi=150)  # inside the snail's shell on the back
    assert r > 200 and 100 < g < 200 and b < 120


def test_sides_and_copies(printed):
    path = printed["fronts"]
    assert page_count(path) == 1  # 6 fronts on one sheet, no backs
    text = page_texts(path)[0]
    assert text.count(OFFICERS[0].name) == 3 and text.count(OFFICERS[1].name) == 3
    assert qr_codes(path, 0) and len(qr_codes(path, 0)) == 6


def test_first_beyond_the_sheet_is_a_usage_error(shop):
    result = run_cli(["--project", str(shop), "print", "--gen", "dx", "--stock", "cn-a4-90x54-2x5",
                      "--first", "11", "--officer", "LD001", "-o", str(shop / "never.pdf")])
    assert result.code == 2
    assert result.err_lines == ["error: --first must be between 1 and 10 (slots on this sheet)"]

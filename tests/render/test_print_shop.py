"""Print-shop output from the built-ins: CMYK as they are, the shop preset, K-only black
type that overprints (read back with pikepdf and Ghostscript separations), a stock's card
size, and the A4 sheet's gutter explained."""

import json
import shutil
import subprocess
from pathlib import Path

import _golden
import pikepdf
import pytest
from conftest import REPO, project_with, run_cli
from pdfcheck import boxes_mm, find_text, page_texts, qr_codes

from cardkit.pdf.pdfx import rgb_uses

LINGXIAN = REPO / "examples" / "lingxian"
BUILT_IN = ("2002", "2006", "2012", "2022")
SHOP_GENERATIONS = {
    # 2022 whose back no longer shows the mascot: its RGB drawing is never looked at
    "nomascot.yaml": 'extends: "2022"\nback:\n  show: [fraud_tips, tips, web, hotline]\n'
                     "mascot:\n  image_cmyk: null\n",
    "nullmascot.yaml": 'extends: "2022"\nback:\n  show: [fraud_tips, tips, web, hotline]\n'
                       "mascot: null\n",
    "stillshown.yaml": 'extends: "2022"\nmascot: null\n',
    "rgbonly.yaml": 'extends: "2022"\ncolors:\n  stripe: "#e3f0fb"\n',
    "pinned.yaml": 'extends: "2022"\ncard:\n  fixed: true\n',
}


def _project(root: Path, config: str = "roster: roster.yaml\n") -> Path:
    return project_with(root, SHOP_GENERATIONS, config)


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    return _project(tmp_path_factory.mktemp("shop14"))


def _print(args, project=None):
    base = ["-q"] + (["--project", str(project)] if project else [])
    return run_cli([*base, "print", *args])


@pytest.fixture(scope="module")
def cmyk_cards(tmp_path_factory):
    """One 1-up CMYK card (front and back) of every built-in generation and of lingxian."""
    out = tmp_path_factory.mktemp("cmyk")
    found = {}
    for gen in (*BUILT_IN, "lingxian"):
        target = out / f"{gen}.pdf"
        project = LINGXIAN if gen == "lingxian" else REPO
        result = _print(["--gen", gen, "--color", "cmyk", "--layout", "cards", "--officer",
                         "LX001" if gen == "lingxian" else "LD001", "-o", str(target)], project)
        assert result.code == 0, (gen, result.stderr)
        found[gen] = target
    return found


# ---------------------------------------------------------------- 1. CMYK as they are

@pytest.mark.parametrize("gen", [*BUILT_IN, "lingxian"])
def test_every_built_in_and_lingxian_print_in_cmyk_as_they_are(cmyk_cards, gen):
    with pikepdf.open(cmyk_cards[gen]) as pdf:
        assert rgb_uses(pdf) == []
        assert pdf.Root.OutputIntents[0].S == "/GTS_PDFX"
        assert len(pdf.pages) == 2


def test_the_2022_mascot_prints_from_its_cmyk_drawing(cmyk_cards):
    with pikepdf.open(cmyk_cards["2022"]) as pdf:
        back = pdf.pages[1].obj.Resources.XObject
        (face,) = back.values()
        assert not (face.get("/Resources") or {}).get("/XObject")  # vector, no raster image
        ops = [([round(float(v), 3) for v in operands], str(op))
               for operands, op in pikepdf.parse_content_stream(face) if str(op) == "scn"]
    assert ([0.15, 0.6, 0.85, 0.05], "scn") in ops  # the shell, from mascot-snail-cmyk.svg
    from pdfcheck import pixel
    r, g, b = pixel(cmyk_cards["2022"], 1, 13, 22, dpi=150)  # the shell on the proof
    assert r > 150 and 70 < g < 170 and b < 120


def test_an_image_the_card_does_not_show_is_never_checked(shop, tmp_path):
    for gen in ("nomascot", "nullmascot"):
        result = _print(["--gen", gen, "--color", "cmyk", "--officer", "LD001",
                         "-o", str(tmp_path / f"{gen}.pdf")], shop)
        assert result.code == 0, result.stderr


def test_a_shown_mascot_needs_no_drawing_in_the_generation(shop, tmp_path):
    """Issue 23: the unit supplies its mascot; a generation that shows the block without a
    drawing of its own is no error (it used to point at generations/2022.yaml:21)."""
    result = _print(["--gen", "stillshown", "--officer", "LD001", "-o", str(tmp_path / "x.pdf")],
                    shop)
    assert result.code == 0, result.stderr
    assert "螺警官提醒您" in "".join(page_texts(tmp_path / "x.pdf")[1].split())


def test_check_color_cmyk_reports_cmyk_problems_without_printing(shop):
    before = sorted(p.name for p in shop.rglob("*"))
    result = run_cli(["--project", str(shop), "check", "--gen", "rgbonly", "--color", "cmyk"])
    assert result.code == 1
    assert result.err_lines[:-1] == [
        "error: generations/rgbonly.yaml:3: colors.stripe: RGB colour #e3f0fb cannot be printed "
        "with --color cmyk: give colors_cmyk.stripe as cmyk(c, m, y, k)"]
    ok = run_cli(["--project", str(shop), "check", "--gen", "2022", "--color", "cmyk"])
    assert ok.code == 0, ok.stderr
    rgb = run_cli(["--project", str(shop), "check", "--gen", "rgbonly"])  # RGB: nothing to say
    assert rgb.code == 0, rgb.stderr
    assert sorted(p.name for p in shop.rglob("*")) == before


# ---------------------------------------------------------------- 2. the shop preset

def _marks(path: Path, page: int = 0) -> list[tuple[float, float]]:
    pt = 72 / 25.4
    with pikepdf.open(path) as pdf:
        return [(float(o[0]) / pt, float(o[1]) / pt)
                for o, op in pikepdf.parse_content_stream(pdf.pages[page]) if str(op) in ("m", "l")]


def test_preset_shop_is_cards_cmyk_3mm_bleed_marks_outside_the_bleed(shop, tmp_path):
    target = tmp_path / "shop.pdf"
    result = _print(["--gen", "2022", "--preset", "shop", "--officer", "LD001", "-o", str(target)],
                    shop)
    assert result.code == 0, result.stderr
    boxes = boxes_mm(target)
    assert len(boxes) == 2  # one card: front and back, one per page
    for page in boxes:
        x0, y0, x1, y1 = page["TrimBox"]
        assert (x1 - x0, y1 - y0) == pytest.approx((90, 54), abs=0.01)
        bx0, by0, bx1, by1 = page["BleedBox"]
        assert (x0 - bx0, y0 - by0, bx1 - x1, by1 - y1) == pytest.approx((3, 3, 3, 3), abs=0.01)
    marks = _marks(target)
    assert len(marks) == 16
    assert all(not (bx0 < x < bx1 and by0 < y < by1) for x, y in marks)
    with pikepdf.open(target) as pdf:
        assert pdf.Root.OutputIntents[0].S == "/GTS_PDFX"
        assert "PDF/X-4" in pdf.Root.Metadata.read_bytes().decode()


def _bleed(path: Path) -> float:
    page = boxes_mm(path)[0]
    return round(page["TrimBox"][0] - page["BleedBox"][0], 2)


def test_precedence_flag_then_cardkit_yaml_then_preset_then_generation(tmp_path):
    project = _project(tmp_path / "p", "roster: roster.yaml\npreset: shop\nbleed: 3.5\n")
    out = tmp_path / "o.pdf"
    args = ["--gen", "2022", "--officer", "LD001", "-o", str(out)]
    assert _print(args, project).code == 0
    assert _bleed(out) == 3.5 and len(boxes_mm(out)) == 2  # cardkit.yaml's bleed, the preset's cards
    assert _print([*args, "--bleed", "1"], project).code == 0
    assert _bleed(out) == 1.0  # the flag wins
    (project / "cardkit.yaml").write_text("roster: roster.yaml\nlayout: sheet\n", encoding="utf-8")
    assert _print([*args, "--preset", "shop"], project).code == 0
    with pikepdf.open(out) as pdf:  # cardkit.yaml's layout beats the preset's; CMYK stays
        assert float(pdf.pages[0].MediaBox[2]) == pytest.approx(210 * 72 / 25.4, abs=0.1)
        assert "/OutputIntents" in pdf.Root
    (project / "cardkit.yaml").write_text("roster: roster.yaml\n", encoding="utf-8")
    assert _print([*args, "--layout", "cards"], project).code == 0
    assert _bleed(out) == 2.0  # nothing said: the generation's bleed


def test_bad_print_settings_in_cardkit_yaml_are_located(tmp_path):
    project = _project(tmp_path / "p", "roster: roster.yaml\npreset: shopp\nbleed: 30\n")
    result = _print(["--gen", "2022", "-o", str(tmp_path / "x.pdf")], project)
    assert result.code == 1
    assert result.err_lines == [
        "error: cardkit.yaml:2: preset: 'shopp' is not one of shop",
        "error: cardkit.yaml:3: bleed: 30 is not a bleed of 0 to 10 mm"]


# ---------------------------------------------------------------- 3. K-only type, overprint

def _text_fills(path: Path, page: int = 0, ops=("Tj", "TJ")) -> list[tuple[tuple, dict]]:
    """(fill colour, overprint state) of every text-showing operator (or ``ops``) on a page."""
    found = []

    def walk(stream, resources, state):
        states = (resources or {}).get("/ExtGState", {})
        stack = []
        for operands, op in pikepdf.parse_content_stream(stream):
            op = str(op)
            if op == "q":
                stack.append(dict(state))
            elif op == "Q" and stack:
                state = stack.pop()
            elif op == "gs":
                gstate = states[str(operands[0])]
                for key in ("/OP", "/op", "/OPM"):
                    if key in gstate:
                        state[key] = gstate[key]
            elif op in ("scn", "sc", "k"):
                state["fill"] = tuple(round(float(v), 3) for v in operands)
            elif op in ops:
                found.append((state.get("fill"), {k: state.get(k) for k in ("/OP", "/op", "/OPM")}))
            elif op == "Do":
                xobj = resources.XObject[str(operands[0])]
                if xobj.get("/Subtype") == "/Form":
                    walk(xobj, xobj.get("/Resources"), dict(state))

    with pikepdf.open(path) as pdf:
        walk(pdf.pages[page], pdf.pages[page].obj.get("/Resources"), {})
    return found


@pytest.mark.parametrize("gen", ["2006", "2022"])
def test_black_type_is_k_only_and_overprints_while_other_type_knocks_out(cmyk_cards, gen):
    fills = _text_fills(cmyk_cards[gen])
    black = [state for fill, state in fills if fill == (0, 0, 0, 1)]
    other = [state for fill, state in fills if fill != (0, 0, 0, 1)]
    assert len(black) >= 4  # name, numbers, area, address
    assert all(s == {"/OP": True, "/op": True, "/OPM": 1} for s in black)
    assert other and all(s["/op"] is False for s in other)  # white band text must knock out


def test_black_rules_overprint_and_the_qr_code_knocks_out(cmyk_cards):
    rules = [state for fill, state in _text_fills(cmyk_cards["2002"], ops=("f", "f*"))
             if fill == (0, 0, 0, 1)]
    assert len(rules) >= 2 and all(s["/op"] is True for s in rules)  # the 0.25 mm rules
    code = [state for fill, state in _text_fills(cmyk_cards["2022"], ops=("f",))
            if fill == (0, 0, 0, 1)]
    assert len(code) == 1 and code[0]["/op"] is False  # the QR modules on their white ground


def test_rgb_output_sets_no_overprint(tmp_path):
    target = tmp_path / "rgb.pdf"
    assert _print(["--gen", "2006", "--layout", "cards", "--officer", "LD001", "-o",
                   str(target)]).code == 0
    assert all(state == {"/OP": None, "/op": None, "/OPM": None} for _, state in _text_fills(target))


def test_rgb_proof_of_the_k_only_text_is_what_the_output_profile_gives():
    from PIL import Image, ImageCms

    from cardkit.design import generations
    from cardkit.pdf.pdfx import ICC_DIR, OUTPUT_INTENT
    from cardkit.project import open_project

    to_srgb = ImageCms.buildTransform(
        ImageCms.ImageCmsProfile(str(ICC_DIR / OUTPUT_INTENT["profile"])),
        ImageCms.createProfile("sRGB"), "CMYK", "RGB", renderingIntent=1)
    proof = ImageCms.applyTransform(Image.new("CMYK", (1, 1), (0, 0, 0, 255)), to_srgb).getpixel((0, 0))
    project = open_project(REPO)
    for gen_id in ("2006", "2012", "2022"):
        gen = generations.load(project, gen_id)
        for key in ("text", "name"):
            assert gen.data["colors_cmyk"][key] == "cmyk(0, 0, 0, 100)"
            rgb = bytes.fromhex(gen.data["colors"][key][1:])
            assert all(abs(a - b) <= 2 for a, b in zip(rgb, proof, strict=True)), (gen_id, key)


@pytest.mark.skipif(shutil.which("gs") is None,
                    reason="Ghostscript (gs) is not installed: scripts/system-deps.sh installs it")
def test_ghostscript_separations_show_the_background_ink_under_black_text(cmyk_cards, tmp_path):
    from PIL import Image

    path = cmyk_cards["2006"]
    dpi = 300
    subprocess.run(["gs", "-q", "-dNOPAUSE", "-dBATCH", "-dSAFER", "-sDEVICE=tiffsep",
                    f"-r{dpi}", "-dFirstPage=1", "-dLastPage=1",
                    f"-sOutputFile={tmp_path / 'sep.tif'}", str(path)], check=True)
    plates = {ink: Image.open(tmp_path / f"sep({ink}).tif").convert("L")
              for ink in ("Cyan", "Magenta", "Yellow", "Black")}  # 255: no ink, 0: full ink
    name = find_text(path, 0, "吴明")[0]
    px = dpi / 25.4
    box = (int((name.x - 3) * px), int((name.y - 1.5) * px), int((name.x + 3) * px),
           int((name.y + 1.5) * px))
    black = plates["Black"].crop(box).load()
    cyan, magenta, yellow = (plates[i].crop(box).load() for i in ("Cyan", "Magenta", "Yellow"))
    width, height = box[2] - box[0], box[3] - box[1]
    under_type = [(x, y) for x in range(width) for y in range(height) if black[x, y] < 20]
    assert len(under_type) > 200  # the name's strokes, in solid black
    background = 255 - plates["Cyan"].getpixel((int(5 * px), int(40 * px)))  # 10 % cyan
    assert 15 < background < 40
    tint = {ink: plates[ink].getpixel((int(5 * px), int(40 * px)))  # cmyk(10, 3, 0, 0)
            for ink in ("Cyan", "Magenta", "Yellow")}
    for x, y in under_type:  # the tint stays under the type, and the type is K alone
        assert (cyan[x, y], magenta[x, y], yellow[x, y]) == pytest.approx(
            (tint["Cyan"], tint["Magenta"], tint["Yellow"]), abs=3)
    assert tint["Yellow"] == 255


# ---------------------------------------------------------------- 4. a stock's card size

def test_a_us_stock_lays_the_design_out_at_its_card_size(shop, tmp_path):
    target = tmp_path / "avery.pdf"
    result = run_cli(["--project", str(shop), "print", "--gen", "2022", "--stock", "avery-8371",
                      "-o", str(target)])
    assert result.code == 0, result.stderr
    notice = ("notice: generation 2022: laid out at 88.9x50.8 mm, the card size of stock "
              "avery-8371 (designed for 90x54 mm); preflight checks that everything fits")
    assert result.err_lines.count(notice) == 1  # one line (and the example's specimen notice)
    slots = _golden.sheet_slots(target, 88.9, 50.8, 2)
    assert slots[0]["size_mm"] == [215.9, 279.4] and len(slots[0]["cards_mm"]) == 10
    assert {c.text for c in qr_codes(target, 0)} >= {"https://u.wechat.com/EXAMPLE001"}


def test_a_pinned_generation_is_refused_on_a_stock_of_another_size(shop, tmp_path):
    result = run_cli(["--project", str(shop), "print", "--gen", "pinned", "--stock",
                      "zweckform-32010", "-o", str(tmp_path / "x.pdf")])
    assert result.code == 1
    assert result.err_lines == [
        "error: generations/pinned.yaml:3: card.fixed: generation pinned is fixed at 90x54 mm; "
        "stock zweckform-32010 has 85x54 mm cards (choose a stock of that size, or drop card.fixed)"]


@pytest.mark.parametrize(("gen", "stock"), _golden.GOLDEN_STOCKS)
def test_stock_layouts_match_their_golden_facts(gen, stock):
    stored = json.loads((REPO / "tests" / "golden" / f"{gen}-{stock}.json").read_text(encoding="utf-8"))
    assert _golden.facts(gen, stock=stock) == stored, \
        "layout changed; if intended, run `python tests/_golden.py --update`"
    card = stored["card_mm"]
    for side, fields in stored["faces"].items():
        bottoms = {}
        for name, field in fields.items():
            x, y, w, h = field["box_mm"]
            assert x >= card["safe"] - 0.05 and x + w <= card["width"] - card["safe"] + 0.05, \
                (side, name)
            bottoms[name] = y + h
        if side == "back":  # the blocks end above the hotline's rule
            assert max(v for k, v in bottoms.items() if k != "hotline") < \
                fields["hotline"]["box_mm"][1] - 1, bottoms
    assert stored["qr"]["decoded"] == ["https://u.wechat.com/EXAMPLE001"]


# ---------------------------------------------------------------- 6. the A4 gutter

def test_the_a4_sheet_says_why_its_cards_abut_under_v(shop, tmp_path):
    """A white design (2002) abuts; one whose background bleeds gets gutters
    (tests/unit/test_bleed_sheet.py)."""
    out = tmp_path / "a4.pdf"
    quiet = run_cli(["--project", str(shop), "print", "--gen", "2002", "-o", str(out)])
    assert quiet.code == 0 and not any("abut" in line for line in quiet.err_lines)
    verbose = run_cli(["-v", "--project", str(shop), "print", "--gen", "2002", "-o", str(out)])
    assert ("A4: 10 cards a sheet; the rows abut, as a 4 mm gutter for the bleed would cost a "
            "card: neighbours share one cut and bleed into each other (--gutter 4 gives every "
            "card its full 2 mm bleed, 8 cards a sheet)") in verbose.err_lines
    gutter = run_cli(["-v", "--project", str(shop), "print", "--gen", "2002", "--gutter", "4",
                      "-o", str(out)])
    assert not any("abut" in line for line in gutter.err_lines)
    cards = _golden.sheet_slots(out, 90, 54, 2)[0]["cards_mm"]
    assert len(cards) == 8
    assert all(c["clip"][2] == pytest.approx(94, abs=0.1) for c in cards)  # full 2 mm bleed


def test_the_gutter_picture_in_the_guides_is_made_by_the_script():
    assert (REPO / "docs" / "img" / "gutter-a4.png").is_file()
    assert "scripts/gutter_picture.py" in (REPO / "docs" / "guide.en.md").read_text(encoding="utf-8")
    for guide in ("guide.en.md", "guide.zh-CN.md"):
        assert "img/gutter-a4.png" in (REPO / "docs" / guide).read_text(encoding="utf-8")


def test_overprint_is_set_once(cmyk_cards):
    from cardkit.pdf import overprint

    with pikepdf.open(cmyk_cards["2022"]) as pdf:
        assert overprint.apply(pdf) == 0  # print already set it: nothing more to switch


def test_an_svg_shape_without_fill_is_rgb_black_and_named(tmp_path):
    project = _project(tmp_path / "p")
    (project / "templates" / "assets").mkdir(parents=True)
    (project / "templates" / "assets" / "stalks.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10">'
        '<path d="M1 1 L9 9" stroke="device-cmyk(0 0 0 1)"/></svg>', encoding="utf-8")
    (project / "generations" / "stalks.yaml").write_text(
        'extends: "2022"\nmascot:\n  image: stalks.svg\n  image_cmyk: stalks.svg\n',
        encoding="utf-8")
    result = run_cli(["--project", str(project), "check", "--gen", "stalks", "--color", "cmyk"])
    assert result.code == 1
    assert result.err_lines[:-1] == [
        "error: generations/stalks.yaml:4: mascot.image_cmyk: image stalks.svg is RGB (a <path> "
        "without fill= is filled in RGB black): give a CMYK image (mascot.image_cmyk) for "
        "--color cmyk"]


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_check_color_cmyk_reads_the_laid_out_faces_back_for_rgb(tmp_path, jobs):
    project = _project(tmp_path / "p")
    (project / "templates" / "blocks").mkdir(parents=True)
    (project / "templates" / "blocks" / "area.html").write_text(
        '<p class="field" data-field="area" style="color: #ff0000">{{ officer.area }}</p>\n',
        encoding="utf-8")
    result = run_cli(["--project", str(project), "check", "--gen", "2006", "--color", "cmyk",
                      "--jobs", jobs])
    assert result.code == 1
    *found, summary = result.err_lines  # check's last line counts the problems
    assert found and all(
        line.startswith("error: generation 2006: page ") and "RGB colour 1.0 0.0 0.0" in line
        and line.endswith("(use device-cmyk colours)") for line in found)
    assert summary.endswith("nothing written")
    assert run_cli(["--project", str(project), "check", "--gen", "2006"]).code == 0

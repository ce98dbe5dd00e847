"""QR codes that a phone reads from a printed card: every built-in generation and the lingxian
example through a simulated phone photo; the 0.5 mm module floor; version and error
correction chosen for the payload; the card's light margin as part of the quiet zone."""

import io

import pypdfium2 as pdfium
import pytest
import zxingcpp
from conftest import REPO, project_with, run_cli
from PIL import Image, ImageEnhance, ImageFilter

from cardkit.design import generations
from cardkit.project import open_project
from cardkit.render.qr import vector_qr

LINGXIAN = REPO / "examples" / "lingxian"
GENERATIONS = ("2002", "2006", "2012", "2022", "lingxian")
PAYLOAD = "https://u.wechat.com/EXAMPLE001"  # 31 characters, as the example roster's


def _perspective(size, skew):
    """PIL PERSPECTIVE coefficients: the top edge pulled in by ``skew`` of the width."""
    w, h = size
    out = [(0, 0), (w, 0), (w, h), (0, h)]
    src = [(w * skew, h * skew / 2), (w * (1 - skew), 0), (w, h), (0, h * (1 - skew / 2))]
    rows, rhs = [], []
    for (x, y), (u, v) in zip(out, src, strict=True):
        rows += [[x, y, 1, 0, 0, 0, -u * x, -u * y], [0, 0, 0, x, y, 1, -v * x, -v * y]]
        rhs += [u, v]
    m = [row + [b] for row, b in zip(rows, rhs, strict=True)]
    for col in range(8):  # Gauss-Jordan on the 8 x 8 system
        pivot = max(range(col, 8), key=lambda r: abs(m[r][col]))
        m[col], m[pivot] = m[pivot], m[col]
        for r in range(8):
            if r != col:
                factor = m[r][col] / m[col][col]
                m[r] = [a - factor * b for a, b in zip(m[r], m[col], strict=True)]
    return [m[i][8] / m[i][i] for i in range(8)]


def phone_photo(page_image, blur=1.0, quality=30, contrast=0.5, angle=5, skew=0.05):
    """What a phone makes of the printed card: 150 dpi, lowered contrast, Gaussian blur,
    a 5 degree rotation, a slight perspective skew, JPEG compression."""
    image = page_image.convert("RGB")
    image = ImageEnhance.Contrast(image).enhance(contrast)
    image = image.filter(ImageFilter.GaussianBlur(blur))
    image = image.rotate(angle, resample=Image.BICUBIC, expand=True, fillcolor=(255, 255, 255))
    image = image.transform(image.size, Image.PERSPECTIVE, _perspective(image.size, skew),
                            Image.BICUBIC, fillcolor=(255, 255, 255))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality)
    buffer.seek(0)
    return Image.open(buffer)


@pytest.fixture(scope="module")
def cards(tmp_path_factory):
    """Front and back of the first officer, 1-up, of every generation (RGB, as offices print)."""
    out = tmp_path_factory.mktemp("phone")
    found = {}
    for gen in GENERATIONS:
        target = out / f"{gen}.pdf"
        project = LINGXIAN if gen == "lingxian" else REPO
        officer = "LX001" if gen == "lingxian" else "LD001"
        result = run_cli(["-q", "--project", str(project), "print", "--gen", gen, "--layout",
                          "cards", "--officer", officer, "-o", str(target)])
        assert result.code == 0, result.stderr
        found[gen] = target
    return found


def _expected(gen):
    """The first officer's QR payload, if the generation prints one."""
    from cardkit.api import load_roster

    project = open_project(LINGXIAN if gen == "lingxian" else REPO)
    loaded = generations.load(project, gen)
    if loaded.qr_field is None:
        return []
    officer = load_roster(project, loaded).officers[0]
    return [officer.as_context()[loaded.qr_field]]


@pytest.mark.parametrize("gen", GENERATIONS)
@pytest.mark.parametrize(("blur", "quality"), [(1.0, 30), (1.3, 20)],
                         ids=["phone", "worse-phone"])
def test_every_generation_survives_a_phone_photo(cards, gen, blur, quality):
    document = pdfium.PdfDocument(cards[gen])
    try:
        read = []
        for page in document:
            photo = phone_photo(page.render(scale=150 / 72).to_pil(), blur=blur, quality=quality)
            read += [r.text for r in zxingcpp.read_barcodes(
                photo, formats=zxingcpp.BarcodeFormat.QRCode)]
    finally:
        document.close()
    assert read == _expected(gen)


def test_version_and_error_correction_are_chosen_for_the_payload():
    # 19 mm: version 3 is the smallest that holds 31 bytes at M; Q costs nothing more there
    code = vector_qr(PAYLOAD, 19)
    assert (code.version, code.error_correction, code.quiet) == (3, "Q", 2)
    assert code.module_mm == pytest.approx(19 / (29 + 4))
    # 15 mm: M's modules would be 0.45 mm; L fits version 2 and keeps them at 0.52 mm
    code = vector_qr(PAYLOAD, 15)
    assert (code.version, code.error_correction) == (2, "L") and code.module_mm >= 0.5
    # a generation's own ec is kept
    code = vector_qr(PAYLOAD, 19, ec="H")
    assert (code.version, code.error_correction) == (4, "H")


SMALL = {
    "small.yaml": 'extends: "2022"\nqr:\n  size_mm: 15\n',
    "smallm.yaml": 'extends: "2022"\nqr:\n  size_mm: 15\n  ec: M\n',
    "smallok.yaml": 'extends: "smallm"\nqr:\n  min_module_mm: 0.45\n',
    "tiny.yaml": 'extends: "2022"\nqr:\n  min_module_mm: 0.3\n',
    "dark.yaml": 'extends: "2022"\ncolors:\n  background: "#23303d"\n',
    "edge.yaml": 'extends: "2022"\ncard:\n  safe_mm: 1\n',
}


@pytest.fixture(scope="module")
def qr_project(tmp_path_factory):
    """The generations above, and the example roster's first two officers: each check lays
    a new design out, and the QR problems are the same on every row."""
    import yaml

    project = project_with(tmp_path_factory.mktemp("qrfloor"), SMALL)
    roster = project / "roster.yaml"
    data = yaml.safe_load(roster.read_text(encoding="utf-8"))
    data["officers"] = data["officers"][:2]
    roster.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return project


def _messages(lines):
    """What the lines say of the QR field, less where (the example roster's lines may move,
    and the same problem on many rows is one line)."""
    return [line.split(": wechat: ", 1)[1] for line in lines if ": wechat: " in line]


def _check(project, gen):
    return run_cli(["--project", str(project), "check", "--gen", gen])


def test_the_module_floor_is_half_a_millimetre_unless_the_generation_lowers_it(qr_project):
    assert _check(qr_project, "small").code == 0  # level L keeps the modules at 0.5 mm
    result = _check(qr_project, "smallm")
    assert result.code == 1
    assert result.err_lines[0].startswith("error: ")  # the roster's path as cardkit names it
    assert _messages(result.err_lines) == [
        "QR module 0.45 mm is under 0.5 mm: too "
        "small to scan from a phone photo (payload of 31 characters needs version 3 at level "
        "M; make qr.size_mm bigger or the payload shorter)"]
    assert _check(qr_project, "smallok").code == 0, "min_module_mm: 0.45 lowers the floor"
    result = _check(qr_project, "tiny")
    assert result.code == 1
    assert result.err_lines[:-1] == ["error: generations/tiny.yaml:3: qr.min_module_mm: 0.3 mm: the "
                                "smallest QR module preflight accepts may be 0.4 to 2 mm"]


def test_the_cards_margin_must_be_light_to_count_toward_the_quiet_zone(qr_project):
    result = _check(qr_project, "dark")
    assert result.code == 1
    assert ("the QR code needs 4 modules (2.3 mm) of light around it: something dark lies "
            "within 1.2 mm of its drawn edge (keep that margin of the card light)") in _messages(
        result.err_lines)


def test_the_quiet_zone_does_not_end_beyond_the_cards_edge(qr_project):
    result = _check(qr_project, "edge")
    assert result.code == 1
    assert _messages(result.err_lines) == [
        "the QR code needs 4 modules (2.3 mm) of light around it: it lies 1.0 mm from the "
        "card's edge"]

"""preview and samples: PNG faces a designer looks at, and the CI artefact folder."""

import hashlib
import re
from pathlib import Path

import pytest
from conftest import REPO
from PIL import Image

from cardkit.render import qr


def _decode_png(path: Path) -> list[str]:
    with Image.open(path) as image:
        return qr.decode(image.convert("RGB"))


def test_preview_writes_one_png_per_face_at_trim_size(cli, project):
    result = cli(["preview", "--gen", "2022", "--officer", "LD002", "-o", "pngs", "--dpi", "150"],
                 cwd=project)
    assert result.code == 0, result.stderr
    front, back = project / "pngs" / "2022-LD002-front.png", project / "pngs" / "2022-LD002-back.png"
    assert result.err_lines == ["wrote pngs/2022-LD002-front.png", "wrote pngs/2022-LD002-back.png"]
    with Image.open(front) as image:
        # 90 x 54 mm at 150 dpi, cut at the trim: no bleed in the picture.
        assert image.size[0] == pytest.approx(90 / 25.4 * 150, abs=1)
        assert image.size[1] == pytest.approx(54 / 25.4 * 150, abs=1)
        assert image.info["dpi"] == pytest.approx((150, 150), abs=0.1)
        # The corner is the blue band of the 2022 front, right up to the edge.
        assert image.convert("RGB").getpixel((1, 1)) == (0x0b, 0x4a, 0x9a)
    assert _decode_png(front) == ["https://u.wechat.com/EXAMPLE002"]
    assert back.stat().st_size > 10_000


def test_preview_defaults_to_the_first_officer_and_out_preview(cli, project):
    result = cli(["-q", "preview", "--gen", "2002", "--dpi", "72"], cwd=project)
    assert result.code == 0, result.stderr
    assert sorted(p.name for p in (project / "out" / "preview").iterdir()) == [
        "2002-LD001-back.png", "2002-LD001-front.png"]


def test_preview_refuses_a_silly_dpi_and_an_unknown_officer(cli, project):
    bad_dpi = cli(["preview", "--gen", "2002", "--dpi", "5"], cwd=project)
    assert bad_dpi.code == 2
    assert bad_dpi.err_lines[-1].endswith("--dpi must be between 36 and 1200")
    unknown = cli(["preview", "--gen", "2002", "--officer", "LD999"], cwd=project)
    assert unknown.code == 2  # a name on the command line that does not exist: usage
    assert "LD999" in unknown.err_lines[-1]
    assert not (project / "out").exists()


@pytest.fixture(scope="module")
def samples(tmp_path_factory) -> Path:
    from conftest import run_cli

    out = tmp_path_factory.mktemp("samples")
    result = run_cli(["-q", "samples", "-o", str(out)], cwd=REPO)
    assert result.code == 0, result.stderr
    return out


def test_samples_has_sheet_1up_and_pngs_of_every_generation_and_an_index(samples):
    names = sorted(p.name for p in samples.iterdir())
    expected = ["index.html"]
    for gen in ("2002", "2006", "2012", "2022"):
        expected += [f"{gen}-1up.pdf", f"{gen}-back.png", f"{gen}-front.png", f"{gen}-sheet.pdf"]
    assert names == sorted(expected)
    index = (samples / "index.html").read_text(encoding="utf-8")
    links = re.findall(r'(?:href|src)="([^"]+)"', index)
    assert sorted(set(links)) == sorted(n for n in expected if n != "index.html")
    for title in ("第一代警民联系卡", "第四代警民联系卡", "背面增加网上公安局、网上警务室网址"):
        assert title in index
    # Generations in the order of their years.
    assert index.index("2002-front.png") < index.index("2006-front.png") < index.index("2022-front.png")


def test_sample_pngs_are_the_first_officer_at_200_dpi(samples):
    with Image.open(samples / "2012-front.png") as image:
        assert image.size[0] == pytest.approx(90 / 25.4 * 200, abs=1)
        assert image.size[1] == pytest.approx(54 / 25.4 * 200, abs=1)
    assert _decode_png(samples / "2022-front.png") == ["https://u.wechat.com/EXAMPLE001"]


def test_samples_are_byte_reproducible(samples, cli, tmp_path):
    again = cli(["-q", "samples", "--gen", "2002", "--gen", "2022", "-o", str(tmp_path)], cwd=REPO)
    assert again.code == 0, again.stderr
    for path in tmp_path.iterdir():
        if path.name == "index.html":
            continue  # this run lists two generations only
        first = hashlib.sha256((samples / path.name).read_bytes()).hexdigest()
        assert hashlib.sha256(path.read_bytes()).hexdigest() == first, path.name

"""The unit form's mascot: its name and drawing uploaded, checked, saved, printed, removed."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import REPO, run_cli
from serve_helpers import (  # noqa: F401 (a fixture)
    Browserless,
    roster_csv,
    serve_factory_fixture,
    station,
)

GREEN = "#00ff00"  # a colour no built-in card prints: where it shows, the drawing is printed
DRAWING = (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10">'
           f'<rect width="10" height="10" fill="{GREEN}"/></svg>').encode()
FITS = b"SIMPLE  =                    T / a FITS image, not a PNG" + b" " * 2800


def _reasons(html: str) -> dict[str, str]:
    return dict(re.findall(r'data-for="(\w+)">([^<]+)<', html))


def _mascot(home: Path) -> object:
    from cardkit.project import open_project

    return open_project(home).config["unit"].get("mascot")


def _values(**extra: str) -> dict[str, str]:
    return {"name": "柳州市公安局城关派出所", "address": "柳州市城中区城关路1号",
            "hotline": "0772-2810110", "web_label_0": "网上公安局",
            "web_url_0": "https://wsgaj.chengguan-pcs.cn/", **extra}


def _printed_back(home: Path, tmp: Path) -> tuple[str, int]:
    """A 2022 card printed for the station: its back's text and its green pixels."""
    import pypdfium2

    (tmp / "roster.csv").write_bytes(roster_csv(count=1))
    out = tmp / "cards.pdf"
    done = run_cli(["--project", str(home), "-q", "print", "--gen", "2022", "--layout", "cards",
                    "--roster", "roster.csv", "-o", str(out)], cwd=tmp)
    assert done.code == 0, done.stderr
    pdf = pypdfium2.PdfDocument(out)
    try:
        back = pdf[1]
        text = back.get_textpage().get_text_range()
        image = back.render(scale=100 / 72).to_pil().convert("RGB")
    finally:
        pdf.close()
    pixels = image.tobytes()
    green = sum(1 for r, g, b in zip(pixels[0::3], pixels[1::3], pixels[2::3], strict=True)
                if g > 200 and r < 60 and b < 60)
    return text, green


def test_the_mascot_s_drawing_is_uploaded_printed_refused_and_removed(tmp_path, serve_factory):
    home = station(tmp_path / "s")  # the snail 螺警官, as a clerk wrote it by hand
    (tmp_path / "s" / "cardkit.yaml").write_text(
        (home / "cardkit.yaml").read_text(encoding="utf-8").replace(
            "  mascot:\n", "  # our mascot, drawn by the school\n  mascot:\n"), encoding="utf-8")
    served = serve_factory(["--project", "s"], tmp_path)
    client = Browserless(served.url)
    form = client.get("/settings").text
    assert 'id="mascot" value="螺警官"' in form and 'id="mascot-preview"' in form
    snail = client.client.get("/settings/mascot")
    assert snail.status_code == 200 and snail.headers["content-type"].startswith("image/svg+xml")
    assert "sandbox" in snail.headers["content-security-policy"]

    # a new drawing with a new name: saved under a fixed name, cardkit.yaml keeps its comments
    saved = client.post("/settings", _values(mascot="城关小警"),
                        files={"mascot_image": ("我的 吉祥物.SVG", DRAWING, "image/svg+xml")})
    assert saved.status_code == 200 and 'id="saved"' in saved.text, _reasons(saved.text)
    text = (home / "cardkit.yaml").read_text(encoding="utf-8")
    assert text.startswith("# the station's own settings\noutput: out\n")
    assert "# our mascot, drawn by the school" in text
    assert "  mascot:\n    name: 城关小警\n    image: assets/mascot.svg\n  web:" in text  # its style kept
    assert _mascot(home) == {"name": "城关小警", "image": "assets/mascot.svg"}  # image_cmyk: the old one's
    assert (home / "assets" / "mascot.svg").read_bytes() == DRAWING
    assert 'id="mascot-preview"' in saved.text
    assert 'id="mascot-rgb"' in saved.text and 'id="mascot-rgb"' not in form  # the snail has its CMYK
    assert client.client.get("/settings/mascot").content == DRAWING
    back, green = _printed_back(home, tmp_path)
    assert "城关小警" in back and green > 50

    # refused by their content, with the reason beside the field; nothing changes
    before = (home / "cardkit.yaml").read_text(encoding="utf-8")
    outside = DRAWING.replace(b"<rect", b'<image href="https://cdn.example.cn/m.png" '
                                        b'width="5" height="5"/><rect')
    for name, data, reason in [("mascot.png", FITS, "not an SVG, PNG or JPEG image"),
                               ("mascot.png", b"\x89PNG\r\n\x1a\n" + FITS, "not a readable PNG image"),
                               ("mascot.svg", outside, "https://cdn.example.cn/m.png"),
                               ("big.svg", DRAWING + b" " * (4 * 2**20), "larger than 4 MiB")]:
        refused = client.post("/settings", _values(mascot="城关小警"),
                              files={"mascot_image": (name, data, "image/png")})
        assert refused.status_code == 400 and 'id="not-saved"' in refused.text
        assert reason in _reasons(refused.text).get("mascot_image", ""), (name, refused.text)
        assert (home / "cardkit.yaml").read_text(encoding="utf-8") == before
        assert (home / "assets" / "mascot.svg").read_bytes() == DRAWING
        assert sorted(p.name for p in (home / "assets").iterdir()) == ["mascot.svg"]

    # a drawing in CMYK colours: no word about the print shop
    cmyk = (REPO / "examples" / "liudong" / "mascot-snail-cmyk.svg").read_bytes()
    again = client.post("/settings", _values(mascot="城关小警"),
                        files={"mascot_image": ("snail.svg", cmyk, "image/svg+xml")})
    assert again.status_code == 200 and 'id="mascot-rgb"' not in again.text
    assert (home / "assets" / "mascot.svg").read_bytes() == cmyk

    # a name changed alone keeps the drawing
    renamed = client.post("/settings", _values(mascot="城关警官"))
    assert renamed.status_code == 200
    assert _mascot(home) == {"name": "城关警官", "image": "assets/mascot.svg"}

    # none: name and drawing gone from cardkit.yaml, the form's own file deleted
    removed = client.post("/settings", _values(mascot="城关警官", mascot_none="1"))
    assert removed.status_code == 200 and 'id="mascot-preview"' not in removed.text
    text = (home / "cardkit.yaml").read_text(encoding="utf-8")
    assert "mascot" not in text.replace("# our mascot", "") and _mascot(home) is None
    assert not (home / "assets" / "mascot.svg").exists()
    assert client.client.get("/settings/mascot").status_code == 404
    back, green = _printed_back(home, tmp_path)
    assert "城关警官" not in back and green == 0


@pytest.mark.parametrize("svg", [
    b'<svg xmlns="http://www.w3.org/2000/svg"><image href="file:///etc/passwd"/></svg>',
    b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:x="http://www.w3.org/1999/xlink">'
    b'<use x:href="other.svg#a"/></svg>',
    b'<svg xmlns="http://www.w3.org/2000/svg"><rect style="fill: url(http://x.cn/p)"/></svg>',
    b'<svg xmlns="http://www.w3.org/2000/svg"><style>@import "http://x.cn/a.css";</style></svg>',
    b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
    b'<svg xmlns="http://www.w3.org/2000/svg">&e;</svg>',
    b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
    b'<html><svg xmlns="http://www.w3.org/2000/svg"/></html>',
])
def test_a_drawing_that_reaches_outside_itself_is_refused(svg):
    from cardkit.serve.drawing import check

    kind, problem = check(svg)
    assert problem, svg


def test_a_drawing_of_too_many_pixels_is_refused_before_it_is_read():
    import io

    from PIL import Image

    from cardkit.serve.drawing import check

    out = io.BytesIO()
    Image.new("1", (5000, 4000)).save(out, format="PNG")
    assert check(out.getvalue()) == (".png", "5000 × 4000 pixels; a card's drawing needs far "
                                             "fewer (at most 16 million)")


def test_a_drawing_that_holds_everything_it_shows_is_kept():
    from conftest import REPO

    from cardkit.serve.drawing import check

    assert check((REPO / "examples" / "liudong" / "mascot-snail.svg").read_bytes()) == (".svg", None)
    inner = (b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
             b'<defs><linearGradient id="g"/></defs><rect fill="url(#g)"/><use xlink:href="#g"/>'
             b'<image href="data:image/png;base64,iVBORw0KGgo="/></svg>')
    assert check(inner) == (".svg", None)


def test_a_mascot_written_flat_is_read_and_saved_as_one_mapping(tmp_path):
    from cardkit.serve import unitform

    home = station(tmp_path / "s", unit="unit:\n  name: 柳州市公安局柳东派出所\n  mascot: 螺警官\n"
                                          "  mascot_image: snail.svg  # drawn by hand\n")
    (home / "snail.svg").write_bytes(DRAWING)
    form = unitform.read(home)
    assert (form.values["mascot"], form.image) == ("螺警官", "snail.svg")
    assert unitform.drawing_file(home) == (home / "snail.svg").resolve()
    kept = unitform.with_current_drawing(home, unitform.from_request(
        {"name": "柳州市公安局柳东派出所", "mascot": "螺警官"}, []))
    unitform.check(home, kept)
    assert not kept.problems
    unitform.save(home, kept)
    assert _mascot(home) == {"name": "螺警官", "image": "snail.svg"}
    assert "mascot_image" not in (home / "cardkit.yaml").read_text(encoding="utf-8")
    gone = unitform.from_request({"name": "柳州市公安局柳东派出所", "mascot": "螺警官"}, [], none=True)
    unitform.check(home, unitform.with_current_drawing(home, gone))
    unitform.save(home, gone)
    assert _mascot(home) is None and (home / "snail.svg").exists()  # not the form's own file: left

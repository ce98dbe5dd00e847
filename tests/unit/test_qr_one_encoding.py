"""A payload's QR level is chosen from bounds on its versions and encoded once; the level and
the matrix are those of encoding it at every level tried (issue 21, item 7: speed)."""

from __future__ import annotations

import io
import random
import string

import pytest

from cardkit.render import qr

_URL_CHARS = string.ascii_letters + string.digits + "-._~:/?#[]@!$&'()*+,;=%"


def _links(seed: int = 21) -> list[str]:
    rnd = random.Random(seed)
    lengths = [*range(1, 300), *range(300, 2400, 53)]
    return [("https://u.wechat.com/" + "".join(rnd.choice(_URL_CHARS) for _ in range(n)))[:n]
            for n in lengths]


@pytest.mark.parametrize("size_mm, min_module_mm", [(20, 0.3), (12, 0.25), (25, 0.5), (8, 0.2)])
def test_the_table_picks_the_level_and_matrix_that_trying_every_level_picks(size_mm, min_module_mm):
    compared = 0
    for link in _links():
        try:
            tried = qr._tried_level(link, size_mm, 2, min_module_mm)
        except Exception as exc:  # too long for any version: both refuse it alike
            with pytest.raises(type(exc)):
                qr.choose_level(link, size_mm, 2, min_module_mm)
            continue
        assert qr.choose_level(link, size_mm, 2, min_module_mm) == tried, len(link)
        compared += 1
    assert compared > 300


def test_a_web_link_is_encoded_once(monkeypatch):
    calls: list[str] = []
    encode = qr.qr_matrix.__wrapped__

    def counted(payload: str, ec: str = "M"):
        calls.append(ec)
        return encode(payload, ec)

    monkeypatch.setattr(qr, "qr_matrix", counted)
    level, matrix = qr.choose_level("https://u.wechat.com/MFx1Ab2cD3eF4gH5iJ6kL7m", 20)
    assert calls == [level] and len(matrix) == 4 * ((len(matrix) - 17) // 4) + 17


@pytest.mark.parametrize("payload", ["13912345678", "HTTPS://U.WECHAT.COM/ABC", "微信 王明",
                                     "tab\there"])
def test_other_texts_get_the_level_trying_every_level_gets(payload):
    assert qr.choose_level(payload, 20) == qr._tried_level(payload, 20, 2, qr.MIN_MODULE_MM)


@pytest.mark.parametrize("width", [64, 63])
def test_a_rendered_page_decodes_from_its_grey_pixels_without_pil(width):
    import pikepdf
    import pypdfium2 as pdfium

    link = "https://u.wechat.com/MFx1Ab2cD3eF4gH5iJ6kL7m"
    matrix = qr.qr_matrix(link, "M")
    modules = len(matrix) + 8
    pdf = pikepdf.Pdf.new()
    page = pdf.add_blank_page(page_size=(width, width))
    unit = width / modules
    ops = [f"{(x + 4) * unit:.3f} {(modules - 5 - y) * unit:.3f} {unit:.3f} {unit:.3f} re"
           for y, row in enumerate(matrix) for x, dark in enumerate(row) if dark]
    page.Contents = pdf.make_stream(("0 g " + " ".join(ops) + " f").encode())
    out = io.BytesIO()
    pdf.save(out)
    bitmap = pdfium.PdfDocument(out.getvalue())[0].render(scale=6, grayscale=True)
    pixels = qr.grey_pixels(bitmap)
    assert pixels.shape == (bitmap.height, bitmap.width)
    assert qr.decode(pixels) == [link]


def test_grey_pixels_cut_the_padding_of_each_row():
    import ctypes
    from types import SimpleNamespace

    buffer = (ctypes.c_ubyte * 8)(1, 2, 3, 99, 4, 5, 6, 99)
    bitmap = SimpleNamespace(n_channels=1, width=3, height=2, stride=4, buffer=buffer)
    assert qr.grey_pixels(bitmap).tolist() == [[1, 2, 3], [4, 5, 6]]
    with pytest.raises(ValueError):
        qr.grey_pixels(SimpleNamespace(n_channels=3, width=1, height=1, stride=3, buffer=buffer))


def _mixed_links(count: int, seed: int = 7) -> list[str]:
    """Links with runs the encoder may write in numeric or alphanumeric mode: digits (a
    share id, ``?s=414839603``), capitals, and the mixed-case tails of WeChat's links."""
    rnd = random.Random(seed)
    pieces = [lambda: "".join(rnd.choice(string.ascii_lowercase) for _ in range(rnd.randint(1, 8))),
              lambda: "".join(rnd.choice(string.digits) for _ in range(rnd.randint(1, 12))),
              lambda: "".join(rnd.choice(string.ascii_uppercase) for _ in range(rnd.randint(1, 12))),
              lambda: rnd.choice("/.:?=&-_%+ $*"),
              lambda: "".join(rnd.choice(string.ascii_letters + string.digits)
                              for _ in range(rnd.randint(5, 30)))]
    return ["https://u.wechat.com/" + "".join(rnd.choice(pieces)() for _ in range(rnd.randint(1, 10)))
            for _ in range(count)]


@pytest.mark.parametrize("size_mm", [15, 18, 22])
def test_links_with_digit_and_capital_runs_get_the_level_trying_every_level_gets(size_mm):
    """The encoder writes a long enough run of digits or capitals in a mode of its own, which
    can make a level's version smaller than the byte table says: such a link is tried at each
    level, so the level is never one whose modules preflight refuses when another passes."""
    links = _mixed_links(800)
    encodes = 0
    encode = qr.qr_matrix.__wrapped__

    def counted(payload: str, ec: str = "M"):
        nonlocal encodes
        encodes += 1
        return encode(payload, ec)

    for link in links:
        tried = qr._tried_level(link, size_mm, qr.DRAWN_QUIET, qr.MIN_MODULE_MM)
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(qr, "qr_matrix", counted)
            assert qr.choose_level(link, size_mm) == tried, link
    assert encodes < 1.1 * len(links)  # once each, but for the few the bound misses
    assert qr.choose_level("https://u.wechat.com/kqH8kQrPTsDSuFEhbtyvAY?s=414839603", 18)[0] == "L"

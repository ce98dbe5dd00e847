"""Fonts are subset once, at the end (issue 21, item 4): a job of many chunks, and a job
printed in parts, subset each face's font file once, from the union of its glyphs, and
every font of the output is embedded; the plate check subsets none."""

from __future__ import annotations

import dataclasses
import io
from collections import Counter

import pytest
from conftest import FULL_UNIT

NAMES = ["吴明", "覃晓红", "韦建国", "黄丽", "蓝海燕", "莫志刚", "梁文"]


@pytest.fixture
def site(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")
    monkeypatch.setenv("CARDKIT_CACHE", "0")
    (tmp_path / "cardkit.yaml").write_text(FULL_UNIT, encoding="utf-8")
    return tmp_path


@pytest.fixture
def subsets(monkeypatch) -> Counter:
    """Face key -> how many times its font was subset for the output (the plate check's
    own page, rasterised once per plate, is not the output)."""
    from cardkit.render import stamp
    from cardkit.render.stamp import writer

    counted: Counter = Counter()
    checking = []
    subset, check = writer.subset, stamp._check_against_weasyprint

    def counting_subset(face, glyphs):
        if not checking:
            counted[face.key] += 1
        return subset(face, glyphs)

    def not_counted(*args):
        checking.append(True)
        try:
            return check(*args)
        finally:
            checking.pop()

    monkeypatch.setattr(writer, "subset", counting_subset)
    monkeypatch.setattr(stamp, "_check_against_weasyprint", not_counted)
    return counted


def _job(site, names=NAMES, **options):
    from cardkit import open_project
    from cardkit.api import PrintOptions, print_cards

    roster = [{"id": f"N{n}", "name": name, "post": "社区民警", "mobile": f"1390771{n:04d}",
               "phone": f"0772-28{n:05d}", "wechat": f"https://u.wechat.com/N{n}",
               "area": "城关社区"} for n, name in enumerate(names, 1)]
    return print_cards(open_project(site), PrintOptions(gen="2022", roster=roster, jobs=1,
                                                        **options))


def _print(site, **options) -> bytes:
    return _job(site, **options).pdf


def _every_font_embedded(pdf: bytes) -> int:
    import pikepdf

    from cardkit.render.stamp.writer import LATER

    count = 0
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        for obj in doc.objects:
            if isinstance(obj, pikepdf.Dictionary) and obj.get("/Type") == "/FontDescriptor":
                assert LATER not in obj
                assert any(isinstance(obj.get(e), pikepdf.Stream)
                           for e in ("/FontFile2", "/FontFile3", "/FontFile")), obj.FontName
                count += 1
        opentype = any(isinstance(obj, pikepdf.Stream) and obj.get("/Subtype") == "/OpenType"
                       for obj in doc.objects)
        assert doc.pdf_version >= "1.6" or not opentype  # OpenType font files are PDF 1.6
    return count


def _pixels(pdf: bytes) -> list[bytes]:
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(pdf)
    try:
        return [bytes(page.render(scale=100 / 72, grayscale=True).to_pil().tobytes())
                for page in document]
    finally:
        document.close()


def test_a_job_of_many_chunks_subsets_each_face_once(site, monkeypatch, subsets):
    from cardkit.render import batch

    monkeypatch.setattr(batch, "CHUNK", 2)  # four chunks
    pdf = _print(site)
    assert subsets and set(subsets.values()) == {1}, subsets
    assert _every_font_embedded(pdf)


def test_a_job_in_parts_subsets_each_face_once(site, monkeypatch, subsets):
    from cardkit import api

    monkeypatch.setattr(api, "PART", 3)  # three parts
    out = site / "parts.pdf"
    _print(site, output=str(out), layout="cards")  # a page a card: parts of 3 fill them
    assert subsets and set(subsets.values()) == {1}, subsets
    assert _every_font_embedded(out.read_bytes())
    monkeypatch.setattr(api, "PART", 1000)  # the same job in one piece draws the same
    whole = site / "whole.pdf"
    _print(site, output=str(whole), layout="cards")
    assert _pixels(out.read_bytes()) == _pixels(whole.read_bytes())


# The plate check (stamp._check_against_weasyprint): a new plate is used only once its first
# officer, stamped, looks as WeasyPrint laid them out. Its stamped page draws from the font
# programs WeasyPrint embedded for the laid-out page (no subset is made for it), and the check
# stays as strict: a glyph moved, or a glyph WeasyPrint never drew, is a difference.

def _with_text(stamp, number: int, text: str):
    """``stamp`` with run ``number`` drawing ``text`` where it drew its own."""
    from cardkit.render.stamp import shaping

    run = stamp.runs[number]
    slot = run.slot
    shaped = shaping.shape(slot.face, text, slot.size, slot.letter_spacing, slot.language)
    runs = list(stamp.runs)
    runs[number] = dataclasses.replace(run, shaped=shaped, text=text)
    return dataclasses.replace(stamp, runs=runs)


def test_the_check_draws_from_weasyprints_programs_and_still_sees_every_difference(
        site, monkeypatch):
    from cardkit.render import stamp
    from cardkit.render.stamp import plates, writer

    check, subset = stamp._check_against_weasyprint, writer.subset
    checking: list[bool] = []
    subsets_for_checks: list[str] = []
    outcomes: list[tuple[str, str]] = []

    def counting_subset(face, glyphs):
        if checking:
            subsets_for_checks.append(face.key)
        return subset(face, glyphs)

    def tampering_check(plate, good, qr):
        checking.append(True)
        try:
            # the officer's name: two different characters of it, drawn the other way round
            # (both glyphs are in WeasyPrint's programs), a character drawn nowhere on the
            # laid-out page in place of each of its own (its glyph is not), and that character
            # drawn after the name where WeasyPrint drew nothing (absent from WeasyPrint's
            # programs it would draw nothing there either: no pixel would differ)
            number = next(n for n, run in enumerate(good.runs) if len(set(run.text)) > 1)
            text = good.runs[number].text
            for what, bad in (("moved", _with_text(good, number, text[::-1])),
                              ("foreign", _with_text(good, number, "鑫" * len(text))),
                              ("added", _with_text(good, number, text + "鑫鑫"))):
                try:
                    check(plate, bad, qr)
                    outcomes.append((what, "passed"))
                except plates.Refused as exc:
                    outcomes.append((what, str(exc)))
            return check(plate, good, qr)
        finally:
            checking.pop()

    monkeypatch.setattr(writer, "subset", counting_subset)
    monkeypatch.setattr(stamp, "_check_against_weasyprint", tampering_check)
    result = _job(site, NAMES[:3])
    assert result.pdf.startswith(b"%PDF")
    assert outcomes, "no plate was checked"
    assert [what for what, _outcome in outcomes[:3]] == ["moved", "foreign", "added"]
    for what, outcome in outcomes:
        assert outcome != "passed", (what, outcome)
        assert outcome.startswith(("stamped and laid-out pixels differ",
                                   "the stamped text draws a glyph")), (what, outcome)
    # the good stamps passed (every officer was stamped) and no font was subset for a check
    assert result.stamped == 3, result.laid_out
    assert subsets_for_checks == []

"""What a print shop's RIP sees (issue 21, item 4): a font subset's name comes from its own
glyphs, so two jobs ganged on one press never share a name for two different subsets; no
colour space is declared that nothing paints."""

from __future__ import annotations

import hashlib
import io

import pytest
from conftest import FULL_UNIT


def _fonts(pdf: bytes) -> dict[str, set[str]]:
    """BaseFont -> digests of the font programs embedded under that name."""
    import pikepdf

    found: dict[str, set[str]] = {}
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        for obj in doc.objects:
            if not isinstance(obj, pikepdf.Dictionary) or obj.get("/Type") != "/FontDescriptor":
                continue
            for entry in ("/FontFile2", "/FontFile3", "/FontFile"):
                if isinstance(obj.get(entry), pikepdf.Stream):
                    digest = hashlib.sha256(obj[entry].read_raw_bytes()).hexdigest()
                    found.setdefault(str(obj.FontName), set()).add(digest)
    return found


def _roster(names: list[str]) -> list[dict[str, str]]:
    return [{"id": f"N{n}", "name": name, "post": "社区民警", "mobile": f"1390771{n:04d}",
             "phone": f"0772-28{n:05d}", "wechat": f"https://u.wechat.com/N{n}", "area": "城关社区"}
            for n, name in enumerate(names, 1)]


@pytest.fixture
def site(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")
    (tmp_path / "cardkit.yaml").write_text(FULL_UNIT, encoding="utf-8")
    return tmp_path


def _print(site, names, **options) -> bytes:
    from cardkit import open_project
    from cardkit.api import PrintOptions, print_cards

    return print_cards(open_project(site), PrintOptions(gen="2022", roster=_roster(names),
                                                        jobs=1, **options)).pdf


def test_two_subsets_never_share_a_name(site, monkeypatch):
    """Two stations' jobs (other names, so other glyphs), and a job printed in parts: one name
    never stands for two font programs, in one file or across them."""
    from cardkit import api

    first = _print(site, ["吴明", "覃晓红", "韦建国"])
    second = _print(site, ["黄丽", "蓝海燕", "莫志刚"])
    monkeypatch.setattr(api, "PART", 2)
    out = site / "parts.pdf"
    _print(site, ["梁文", "陆平", "甘露", "农凯", "潘越"], output=str(out))
    names: dict[str, set[str]] = {}
    for pdf in (first, second, out.read_bytes()):
        for name, digests in _fonts(pdf).items():
            assert len(digests) == 1, name  # within one file
            names.setdefault(name, set()).update(digests)
    assert all(len(d) == 1 for d in names.values()), names
    assert len(names) > 2  # the two jobs' subsets differ, and so do their names


def test_no_colour_space_is_declared_that_nothing_paints(site):
    import re

    import pikepdf

    pdf = _print(site, ["吴明", "Wu Ming"], color="cmyk", layout="cards")
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        holders = [p.obj for p in doc.pages] + [o for o in doc.objects if isinstance(
            o, pikepdf.Stream) and o.get("/Subtype") == "/Form"]
        for holder in holders:
            spaces = (holder.get("/Resources") or {}).get("/ColorSpace") or {}
            if not spaces:
                continue
            if isinstance(holder, pikepdf.Stream):
                data = holder.read_bytes()
            else:
                content = holder.Contents
                parts = list(content) if isinstance(content, pikepdf.Array) else [content]
                data = b"".join(p.read_bytes() for p in parts)
            used = {"/" + m.decode() for m in re.findall(rb"/([^\s/\[\]()<>{}%]+)", data)}
            assert set(spaces.keys()) <= used, set(spaces.keys()) - used


def test_a_colour_space_a_form_without_resources_paints_is_kept():
    """A form that has no resources of its own paints with its page's: what it names stays,
    what nothing names goes."""
    import pikepdf

    from cardkit.render.stamp.writer import drop_unpainted_color_spaces

    pdf = pikepdf.new()
    pdf.add_blank_page()
    form = pdf.make_stream(b"/CS0 cs 1 0 0 sc 0 0 10 10 re f", Type=pikepdf.Name.XObject,
                           Subtype=pikepdf.Name.Form, BBox=[0, 0, 10, 10])
    profile = pdf.make_stream(b"profile", N=3)
    page = pdf.pages[0].obj
    page.Resources = pikepdf.Dictionary(
        XObject=pikepdf.Dictionary(F0=form),
        ColorSpace=pikepdf.Dictionary(CS0=pikepdf.Array([pikepdf.Name.ICCBased, profile]),
                                      CS1=pikepdf.Name.DeviceRGB))
    page.Contents = pdf.make_stream(b"/F0 Do")
    drop_unpainted_color_spaces(pdf)
    assert sorted(pdf.pages[0].obj.Resources.ColorSpace.keys()) == ["/CS0"]

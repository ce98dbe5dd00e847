"""One WeasyPrint font configuration for the layouts of a renderer (render/faces.py
``_font_config``): what a layout draws never depends on what the renderer laid out before."""

from __future__ import annotations

import io
import os
import shutil
from pathlib import Path

import pytest

from cardkit.design import generations
from cardkit.project import Project
from cardkit.render.faces import FaceRenderer

SERIF = Path("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf")
MONO = Path("/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf")


def _font_names(pdf: bytes) -> set[str]:
    """The full names of the font programs the PDF embeds (whatever the PDF calls them)."""
    import pikepdf
    from fontTools.ttLib import TTFont

    names = set()
    with pikepdf.open(io.BytesIO(pdf)) as document:
        for page in document.pages:
            for font in page.Resources.Font.values():
                descriptor = font.DescendantFonts[0].FontDescriptor
                program = descriptor.get("/FontFile2") or descriptor.get("/FontFile3")
                names.add(TTFont(io.BytesIO(program.read_bytes()))["name"].getDebugName(4))
    return names


@pytest.mark.skipif(not (SERIF.exists() and MONO.exists()), reason="DejaVu fonts not installed")
def test_a_face_declaring_its_own_font_is_drawn_as_when_laid_out_first(tmp_path):
    shutil.copy(SERIF, tmp_path / "serif.ttf")
    shutil.copy(MONO, tmp_path / "mono.ttf")
    project = Project(root=tmp_path)
    gen = generations.load(project, "2022")
    first, second = (f'<section class="face"><style>@font-face{{font-family:Card;'
                     f'src:url({(tmp_path / name).as_uri()})}}</style>'
                     f'<p style="font-family:Card">Wu Ming</p></section>'
                     for name in ("serif.ttf", "mono.ttf"))
    alone = FaceRenderer(project, gen).layout([second], [tmp_path])[1]
    renderer = FaceRenderer(project, gen)
    renderer.layout([first], [tmp_path])
    after = renderer.layout([second], [tmp_path])[1]
    assert _font_names(alone) == {"DejaVu Sans Mono"}
    assert _font_names(after) == _font_names(alone)


def test_plain_faces_share_one_configuration_per_process(tmp_path, monkeypatch):
    renderer = FaceRenderer(Project(root=tmp_path), generations.load(Project(root=tmp_path), "2022"))
    made: list[object] = []

    def make():
        made.append(object())
        return made[-1]

    plain = ["<p>王明</p>", "<p>李强</p>"]
    assert renderer._font_config(plain, make) is renderer._font_config(plain[:1], make)
    assert len(made) == 1
    for own in ("<style>@font-face{font-family:X;src:url(x.ttf)}</style>",
                "<style>@FONT-FACE{}</style>", "<style>@f\\ont-face{}</style>"):
        renderer._font_config([plain[0], own], make)
    assert len(made) == 4  # each face declaring fonts: a configuration of its own
    pid = os.getpid()
    monkeypatch.setattr(os, "getpid", lambda: pid + 1)  # a forked worker
    assert renderer._font_config(plain, make) is made[-1] and len(made) == 5

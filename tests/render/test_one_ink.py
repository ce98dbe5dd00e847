"""Small type in one ink (issue 23, item 9).

In CMYK output the built-ins set text under 9 pt in a pure K tint or one ink, and white
text reversed out of a band at 8 pt bold or more; preflight warns (CMYK only) about text
under 8 pt painted with more than one ink, naming the block and its size.
"""

from __future__ import annotations

import pytest
from conftest import EXAMPLE_ROSTER, REPO, copy_example

from cardkit import api
from cardkit.design import generations
from cardkit.design.colors import cmyk_generation
from cardkit.preflight import small_type_inks
from cardkit.project import open_project
from cardkit.render.faces import FaceRenderer


def _text_boxes(document):
    """(side, text, pt, bold, CMYK fractions or None) of every text box laid out."""
    out = []

    def walk(box, side):
        element = getattr(box, "element", None)
        if element is not None:
            side = element.get("data-side") or side
        if type(box).__name__ == "AbsolutePlaceholder":
            box = box._box
        if type(box).__name__ == "TextBox" and box.text.strip():
            color = box.style["color"]
            cmyk = tuple(color.coordinates) if getattr(color, "space", "") == "device-cmyk" else None
            out.append((side, box.text, round(float(box.style["font_size"]) * 0.75, 2),
                        int(box.style["font_weight"]) >= 700, cmyk))
            return
        for child in getattr(box, "children", None) or []:
            walk(child, side)

    for page in document.pages:
        walk(page._page_box, "")
    return out


def _cmyk_faces(project_dir, gen_id, roster):
    project = open_project(project_dir)
    gen = cmyk_generation(generations.load(project, gen_id), project)
    officers = api.load_roster(project, gen, roster).officers[:1]
    return gen, FaceRenderer(project, gen).render(officers, extra_roots=[roster.parent]).document


@pytest.mark.parametrize(("folder", "gen_id", "roster"), [
    (REPO, "2002", EXAMPLE_ROSTER), (REPO, "2006", EXAMPLE_ROSTER),
    (REPO, "2012", EXAMPLE_ROSTER), (REPO, "2022", EXAMPLE_ROSTER),
    (REPO / "examples" / "lingxian", "lingxian", REPO / "examples" / "lingxian" / "roster.yaml"),
])
def test_small_type_of_the_built_ins_is_one_ink_and_reversed_type_is_bold(folder, gen_id, roster):
    gen, document = _cmyk_faces(folder, gen_id, roster)
    boxes = _text_boxes(document)
    assert {side for side, *_ in boxes} == {"front", "back"}
    for side, text, pt, bold, cmyk in boxes:
        assert cmyk is not None, (side, text)  # CMYK throughout
        inks = [v for v in cmyk if v > 0.005]
        if pt < 9:
            assert len(inks) <= 1, f"{gen_id} {side}: {text!r} at {pt} pt in {cmyk}"
        if not inks:  # white: reversed out of the band
            assert pt >= 8 and bold, f"{gen_id} {side}: reversed {text!r} at {pt} pt"
    assert small_type_inks(gen, document, under_pt=9) == []


def test_preflight_warns_of_small_type_in_several_inks_in_cmyk_only(cli, tmp_path):
    (tmp_path / "generations").mkdir()
    (tmp_path / "generations" / "grey.yaml").write_text(
        'extends: "2022"\ncolors_cmyk:\n  muted: cmyk(45, 25, 0, 50)\n', encoding="utf-8")
    copy_example(tmp_path / "roster.yaml")
    (tmp_path / "cardkit.yaml").write_text("roster: roster.yaml\n", encoding="utf-8")
    result = cli(["check", "--gen", "grey", "--color", "cmyk", "--officer", "LD001"],
                 cwd=tmp_path)
    assert result.code == 0, result.stderr
    warned = [line for line in result.err_lines if "blurs" in line]
    assert "warning: generations/grey.yaml: front face: label: text at 7 pt is printed in 3 " \
           "inks (C45 M25 K50)" in "\n".join(warned), result.stderr
    assert any(": front face: qr: text at 5.5 pt" in line for line in warned), warned
    rgb = cli(["check", "--gen", "grey", "--officer", "LD001"], cwd=tmp_path)
    assert rgb.code == 0 and "blurs" not in rgb.stderr

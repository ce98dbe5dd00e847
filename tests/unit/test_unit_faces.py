"""A face that prints the same for every officer of a unit (the built-in back) is rendered
once per unit (render/faces.py ``_same_for_unit``): the same HTML as rendered per officer,
and never for a face that can read the officer."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cardkit import api
from cardkit.design import generations
from cardkit.project import Project
from cardkit.render import faces as faces_module
from cardkit.render.faces import BUILTIN_READING_OFFICER, FaceRenderer
from cardkit.resources import builtin_dir

READS = re.compile(r"(?<![\w.-])(officer|qr)\b")


def test_the_list_of_builtin_templates_reading_the_officer_is_true():
    folder = builtin_dir("templates")
    reading = set()
    for path in folder.rglob("*.html"):
        name = path.relative_to(folder).as_posix()
        text = path.read_text(encoding="utf-8")
        if name == "base.html":  # the officer's id, in data-officer, and nothing else
            assert READS.findall(text) == ["officer"]
            assert 'data-officer="{{ officer.id }}"' in text
        elif READS.search(text):
            reading.add(name)
    assert reading - {"exhibit.html"} == BUILTIN_READING_OFFICER


def _officers(tmp_path: Path, gen):
    units = [{"unit": {"name": f"第{n}派出所", "address": f"{n}号"}} for n in range(3)]
    rows = [{"id": f"A<{n}>&", "name": f"王{n}", "mobile": f"1391234{n:04d}",
             "wechat": f"https://u.wechat.com/x{n}", "unit": units[n % 3]["unit"]}
            for n in range(9)]
    roster = api.load_roster(Project(root=tmp_path), gen, {"officers": rows})
    return roster.officers


@pytest.mark.parametrize("gen_id", ["2002", "2006", "2012", "2022"])
def test_each_officers_back_is_the_html_the_template_renders_for_them(tmp_path, gen_id):
    project = Project(root=tmp_path)
    gen = generations.load(project, gen_id)
    shared, alone = FaceRenderer(project, gen), FaceRenderer(project, gen)
    assert shared._same_for_unit("back") and not shared._same_for_unit("front")
    for officer in _officers(tmp_path, gen):
        qr = shared.qr_for(officer)
        for side in ("front", "back"):
            assert shared.face_html(officer, side, qr) == alone._rendered(officer, side, qr)
    assert len(shared._unit_faces) == 3


def test_a_back_of_the_projects_own_or_showing_the_officer_is_rendered_per_officer(tmp_path):
    project = Project(root=tmp_path)
    gen = generations.load(project, "2022")
    names = type(gen.sections.shows)({**gen.sections.shows, "back": ["name", "tips"]})
    showing = FaceRenderer(project, gen)
    showing.gen = type(gen)(**{**gen.__dict__, "sections": type(gen.sections)(
        **{**gen.sections.__dict__, "shows": names})})
    assert not showing._same_for_unit("back")
    (tmp_path / "templates" / "blocks").mkdir(parents=True)
    (tmp_path / "templates" / "blocks" / "tips.html").write_text("{{ officer.name }}",
                                                                 encoding="utf-8")
    own = FaceRenderer(Project(root=tmp_path), gen)
    assert not own._same_for_unit("back")
    officers = _officers(tmp_path, gen)
    backs = {own.face_html(o, "back", None) for o in officers[:3]}
    assert len(backs) == 3 and all(any(o.name in b for b in backs) for o in officers[:3])


def test_the_id_is_cut_out_only_from_one_data_officer_attribute():
    cut = faces_module._around_officer_id
    assert cut('<s data-officer="A&amp;1">x</s>', "A&1") == ('<s data-officer="', '">x</s>')
    assert cut('<s data-officer="A1"><i data-officer="A1"></i></s>', "A1") is None
    assert cut('<s data-officer="A2">', "A1") is None

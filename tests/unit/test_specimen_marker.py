"""A specimen is a specimen because its roster says so (issue 23, item 3).

``specimen:`` in a cardkit.yaml applies only to roster files inside that file's own folder
tree; the repository's own cardkit.yaml sets none; the examples stay specimens through
their own files; the notice names the file that made the roster a specimen.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import EXAMPLE_CSV, EXAMPLE_ROSTER, REPO

from cardkit import api
from cardkit.design import generations
from cardkit.project import open_project

REAL = ('unit:\n  name: 柳州市公安局桂中派出所\n  hotline: "0772-2810110"\nofficers:\n'
        '  - id: G1\n    name: 王明\n    phone: "0772-2812345"\n'
        '    wechat: https://u.wechat.com/G1abc\n')
CSV = ('编号,姓名,电话,单位,微信\n'
       'G1,王明,0772-2812345,柳州市公安局桂中派出所,https://u.wechat.com/G1abc\n')


@pytest.fixture
def in_folder():
    """Run with the current folder set to a path, as a clerk would."""
    old = Path.cwd()
    yield os.chdir
    os.chdir(old)


def _load(project_dir: Path, roster: object = None):
    project = open_project(project_dir)
    gen = generations.load(project, "2022")
    return api.load_roster(project, gen, roster)


def test_the_repository_cardkit_yaml_marks_nothing(tmp_path, in_folder):
    assert "specimen" not in open_project(REPO).config
    real = tmp_path / "guilin.yaml"
    real.write_text(REAL, encoding="utf-8")
    in_folder(REPO)
    roster = _load(REPO, real)
    assert not roster.specimen
    assert api.specimen_notice(roster) is None
    assert not any(o.unit.specimen for o in roster.officers)


def test_specimen_applies_only_inside_the_folder_tree_of_its_cardkit_yaml(tmp_path, in_folder):
    project = tmp_path / "station"
    (project / "rosters" / "old").mkdir(parents=True)
    (project / "cardkit.yaml").write_text("specimen: true\n", encoding="utf-8")
    inside = project / "rosters" / "old" / "r.csv"
    inside.write_text(CSV, encoding="utf-8")
    outside = tmp_path / "elsewhere" / "r.csv"
    outside.parent.mkdir()
    outside.write_text(CSV, encoding="utf-8")
    in_folder(tmp_path)
    marked = _load(project, inside)
    assert marked.specimen and marked.officers[0].unit.specimen
    notice = api.specimen_notice(marked)
    assert notice is not None
    assert f"printed specimens: {Path('station/cardkit.yaml')} marks the roster " \
           "specimen: true" in notice.message
    assert not _load(project, outside).specimen  # the project's own file, but not its tree
    # A nearer cardkit.yaml that says false ends the search.
    (project / "rosters" / "cardkit.yaml").write_text("specimen: false\n", encoding="utf-8")
    assert not _load(project, inside).specimen


def test_a_roster_that_marks_itself_is_named_by_the_notice(tmp_path, in_folder):
    in_folder(tmp_path)
    roster = _load(REPO, EXAMPLE_ROSTER)
    assert roster.specimen
    assert str(EXAMPLE_ROSTER) in api.specimen_notice(roster).message


def test_the_example_csv_is_a_specimen_through_its_own_folder(tmp_path, in_folder):
    in_folder(tmp_path)  # no cardkit.yaml here: only examples/liudong/cardkit.yaml marks it
    roster = _load(tmp_path, EXAMPLE_CSV)
    assert roster.specimen
    message = api.specimen_notice(roster).message
    assert str(EXAMPLE_CSV.parent / "cardkit.yaml") in message

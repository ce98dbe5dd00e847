"""The machine's font folders are walked once per job for its ledgers (every part of a big
job writes one), never remembered past the job; outside a job (``cardkit serve`` asks the
ledger's ``select``) they are walked afresh."""

from __future__ import annotations

import json

import pytest

from cardkit.render import fontcache


@pytest.fixture
def walks(monkeypatch) -> list[int]:
    """Each walk of the font folders, counted; each gives another digest."""
    done: list[int] = []

    def walk() -> str:
        done.append(1)
        return f"fonts-{len(done)}"

    monkeypatch.setattr(fontcache, "installed_fonts_digest", walk)
    return done


def test_a_job_in_parts_walks_the_font_folders_once(cli, project, fake_faces, walks,
                                                     monkeypatch):
    from cardkit import api

    monkeypatch.setattr(api, "PART", 4)  # the example's 12 officers in three parts
    args = ["print", "--gen", "2022", "--jobs", "1", "--layout", "cards", "-o", "cards.pdf"]
    result = cli([*args, "--report", "a.json"], cwd=project)
    assert result.code == 0, result.stderr
    assert len(walks) == 1
    ledger = json.loads((project / "a.json").read_text(encoding="utf-8"))
    assert ledger["design_files"]["fonts#installed"] == "fonts-1"
    assert len(ledger["digests"]) == 12
    # the next job walks them again, once for its --changed-since and its ledger's parts
    result = cli([*args, "--changed-since", "a.json", "--report", "b.json"], cwd=project)
    assert result.code == 0, result.stderr
    assert len(walks) == 2
    ledger = json.loads((project / "b.json").read_text(encoding="utf-8"))
    assert ledger["design_files"]["fonts#installed"] == "fonts-2"
    assert len(ledger["digests"]) == 12  # the fonts changed between the jobs: every card


def test_outside_a_job_the_font_folders_are_walked_each_time(cli, project, fake_faces, walks):
    """As ``cardkit serve`` asks which officers changed since its last print."""
    from cardkit import api, report
    from cardkit.design import generations
    from cardkit.project import open_project

    result = cli(["print", "--gen", "2022", "--jobs", "1", "--layout", "cards",
                  "-o", "cards.pdf", "--report", "a.json"], cwd=project)
    assert result.code == 0, result.stderr
    station = open_project(project)
    gen = generations.load(station, "2022")
    roster = api.load_roster(station, gen, project / "roster.yaml")
    walks.clear()  # the next walk gives the ledger's own digest: nothing changed
    assert report.select(station, gen, roster, changed_since=project / "a.json").officers == ()
    assert len(walks) == 1
    assert len(report.select(station, gen, roster, changed_since=project / "a.json").officers) \
        == 12  # walked again, not remembered: the fonts give another digest now
    assert len(walks) == 2

"""The ledger of a job printed in parts counts the job's distinct faces, not the parts'."""

from __future__ import annotations

import json

import pytest


@pytest.mark.parametrize("sides", ["both", "back"])
def test_a_job_in_parts_counts_each_face_once_in_its_ledger(cli, project, fake_faces,
                                                             monkeypatch, sides):
    """A unit's back printed by three parts is one distinct face of the job, as in one piece."""
    from cardkit import api

    counts = {}
    for way, part in (("one", 1000), ("parts", 4)):  # the example's 12 officers, three parts
        monkeypatch.setattr(api, "PART", part)
        result = cli(["print", "--gen", "2022", "--jobs", "1", "--layout", "cards",
                      "--sides", sides, "-o", f"{way}.pdf", "--report", f"{way}.json"],
                     cwd=project)
        assert result.code == 0, result.stderr
        counts[way] = json.loads((project / f"{way}.json").read_text(encoding="utf-8"))["counts"]
    units = 1  # the example roster's officers are of one station: one back
    assert counts["one"]["distinct_faces"] == (12 + units if sides == "both" else units)
    assert counts["parts"] == counts["one"]

"""render/batch.py on the fake face source: chunks in roster order, faces shared across chunks,
the same bytes on any number of workers, progress, `check`'s problems only, limits per chunk.
The faces are tests/fakefaces.py's (a line of text each): none of this depends on how a face
is made, which tests/render/test_stamp.py proves for the real ways."""

from __future__ import annotations

import pytest
from conftest import EXAMPLE_ROSTER
from fakefaces import FakeFaces, face_words, using
from pdfcheck import page_texts

from cardkit.errors import Diagnostic
from cardkit.render import batch


@pytest.fixture(scope="module")
def job():
    """The built-in 2022 generation and the example's twelve officers, the last five moved to
    another unit."""
    from dataclasses import replace

    from cardkit.design import generations
    from cardkit.project import open_project
    from cardkit.resources import builtin_dir
    from cardkit.roster.read import read_roster
    from cardkit.roster.validate import build_roster

    project = open_project(builtin_dir("templates").parent)
    officers = list(build_roster(read_roster(EXAMPLE_ROSTER)).officers)
    other = replace(officers[0].unit, name="柳州市公安局城关派出所")
    officers[7:] = [replace(o, unit=other) for o in officers[7:]]
    return project, generations.load(project, "2022"), officers


def _render(job, source=None, **options):
    project, gen, officers = job
    options.setdefault("check", lambda gen, officers, faces: [])
    with using(source):
        return batch.render_checked(project, gen, officers, ("front", "back"), **options)


def test_chunks_come_back_in_roster_order_with_backs_shared_across_them(job):
    _, _, officers = job
    units = {repr(o.unit) for o in officers}
    assert len(units) == 2
    faces, problems = _render(job, chunk=5, jobs=1)  # three chunks
    assert problems == []
    texts = page_texts(faces.pdf)
    assert len(texts) == len(officers) + len(units)  # each unit's back once, over the chunks
    for officer in officers:
        for side in ("front", "back"):
            assert texts[faces.index[(officer.id, side)]] == face_words(officer, side)
    fronts = [faces.index[(o.id, "front")] for o in officers]
    assert fronts == sorted(fronts)


def test_any_number_of_workers_gives_the_same_faces(job):
    import os

    class Where(FakeFaces):
        """Each chunk says which process rendered it (among the files it read)."""

        def render_chunk(self, job, span):
            result = super().render_chunk(job, span)
            result.files_read = {f"pid {os.getpid()}": (0, 0, 0)}
            return result

    one, _ = _render(job, Where(), chunk=4, jobs=1)
    two, _ = _render(job, Where(), chunk=4, jobs=2)
    assert set(one.files_read) == {f"pid {os.getpid()}"}
    assert two.files_read and f"pid {os.getpid()}" not in two.files_read  # in workers
    assert one.pdf == two.pdf and one.index == two.index


def test_progress_is_told_after_each_chunk(job):
    told: list[tuple[int, int]] = []
    _render(job, chunk=5, jobs=1, progress=lambda done, total: told.append((done, total)))
    assert told == [(5, 12), (10, 12), (12, 12)]


def test_check_gets_what_preflight_found_and_no_faces(job):
    """``keep_faces=False`` (``cardkit check``): every chunk's problems, once each, in order;
    no face comes back, whatever the source sent."""
    class Checked(FakeFaces):
        def render_chunk(self, job, span):
            result = super().render_chunk(job, span)
            result.problems = [Diagnostic(file="r.yaml", line=n + 2, subject=f"officer {n}",
                                          message="a problem") for n in range(*span)]
            return result

    faces, problems = _render(job, Checked(), chunk=5, jobs=2, keep_faces=False)
    assert faces.pdf == b"" and faces.index == {}
    assert [p.line for p in problems] == list(range(2, 14))


def test_a_chunk_past_the_time_limit_stops_the_job_naming_its_officers(job):
    from cardkit.limits import LimitExceeded, Limits

    with pytest.raises(LimitExceeded, match="rendering officers 6 to 10 took longer than 0.3 s"):
        _render(job, _SlowSecond(), chunk=5, jobs=1, limits=Limits(seconds=0.3))


class _SlowSecond(FakeFaces):
    """The second chunk takes a second."""

    def render_chunk(self, job, span):
        if span[0] == 5:
            import time

            time.sleep(1)
        return super().render_chunk(job, span)

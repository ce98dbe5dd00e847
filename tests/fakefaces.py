"""A fake face source (render/facesource.py): trivial face pages made at once, no WeasyPrint.

Tests whose point is what happens around the faces (chunks, their order, shared backs across
chunks, workers, parts, shards, the ledger, --changed-since, interruptions) hand it to the jobs
they run (``using``, or conftest.py's ``fake_faces`` fixture) instead of laying hundreds of
real cards out; the real rendering keeps an end-to-end test of its own wherever it is the
point (tests/render/test_stamp.py).

Each face is one page of the card's size with its bleed (TrimBox inside), its words written
in Helvetica so that the PDF reads back: a front says ``front <officer id>``, a back says
``back <unit digest>``, so that every officer of a unit shares one back, as real backs do.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest

from cardkit.render.facesource import ChunkResult, Job
from cardkit.units import MM


def face_words(officer, side: str) -> str:
    """What the fake face of ``officer``'s ``side`` reads."""
    if side == "front":
        return f"front {officer.id}"
    return "back " + hashlib.sha256(repr(officer.unit).encode()).hexdigest()[:8]


@dataclass(frozen=True)
class FakeFaces:
    """A FaceSource whose faces are one line of text each. ``slow`` (seconds per chunk) makes
    a chunk take its time, for limits and interruptions; ``announce`` writes ``STAGE layout``
    on stderr as each chunk starts (tests/hostile/test_never_destroy.py waits for it)."""

    slow: float = 0.0
    announce: bool = False

    def prepare(self, job: Job) -> None:
        pass

    def render_chunk(self, job: Job, span: tuple[int, int]) -> ChunkResult:
        import pikepdf

        if self.announce:
            import sys

            sys.stderr.write("STAGE layout\n")
            sys.stderr.flush()
        if self.slow:
            import time

            time.sleep(self.slow)
        start, stop = span
        card = job.gen.card
        pdf = pikepdf.Pdf.new()
        font = pdf.make_indirect(pikepdf.Dictionary(
            Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica,
            Encoding=pikepdf.Name.WinAnsiEncoding))
        width, height, bleed = (card.width + 2 * card.bleed) * MM, \
            (card.height + 2 * card.bleed) * MM, card.bleed * MM
        keys: list[str] = []
        index: dict[tuple[str, str], int] = {}
        for officer in job.officers[start:stop]:
            for side in job.sides:
                words = face_words(officer, side)
                key = hashlib.sha256(words.encode()).hexdigest()
                if key not in keys:
                    content = f"BT /F1 9 Tf {bleed + 12:.2f} {height / 2:.2f} Td ({words}) Tj ET"
                    page = pdf.add_blank_page(page_size=(width, height))
                    page.obj.TrimBox = [bleed, bleed, width - bleed, height - bleed]
                    page.obj.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font))
                    page.obj.Contents = pdf.make_stream(content.encode())
                    keys.append(key)
                index[(officer.id, side)] = keys.index(key)
        out = io.BytesIO()
        pdf.save(out)
        return ChunkResult(start=start, pdf=out.getvalue(), keys=keys, index=index, qr_codes={},
                           glyph_warnings=[])

    def keep(self, job: Job, result: ChunkResult) -> None:
        pass

    def ahead(self, job: Job, span: tuple[int, int]) -> None:
        return None

    def build_ahead(self, job: Job, task: object) -> None:
        return None


@contextmanager
def using(source: FakeFaces | None = None) -> Iterator[FakeFaces]:
    """Within: jobs make their faces with ``source`` (a FakeFaces; forked workers too)."""
    from cardkit.render import batch

    source = source or FakeFaces()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(batch, "face_source", lambda: source)
        yield source


"""Chunked, parallel rendering: the faces of a job of any size, preflighted, in bounded memory.

A roster is cut into chunks of ``CHUNK`` officers. Each chunk is laid out by its
own WeasyPrint document (layout and font subsetting grow worse than linearly
with document size) and preflighted where it was rendered (by the ``check`` the
caller passes: render does not depend on preflight), in one of ``jobs`` worker
processes. The chunks' face pages are then merged in roster order into
one face PDF, where a face seen in an earlier chunk (the shared back) is kept
once. Chunk boundaries do not depend on ``jobs``: any ``--jobs`` gives the same bytes.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import Diagnostic
from ..model import Generation, Officer
from ..pdfsave import save
from ..project import Project

CHUNK = 100  # officers per WeasyPrint document (measured: see bench/README.md)

Progress = Callable[[int, int], None]  # (cards done, cards in all)
Check = Callable[..., list[Diagnostic]]  # (gen, officers, faces) -> problems: preflight.check_faces


@dataclass
class ChunkResult:
    """What a worker sends back: pruned face pages and what preflight found."""

    start: int
    pdf: bytes
    keys: list[str]  # per page: digest of the face's HTML, to share faces across chunks
    index: dict[tuple[str, str], int]
    qr_codes: dict
    glyph_warnings: list[str]
    problems: list[Diagnostic] = field(default_factory=list)


@dataclass
class _Job:
    project: Project
    gen: Generation
    officers: Sequence[Officer]
    sides: tuple[str, ...]
    extra_roots: tuple[Path, ...]
    check: Check
    renderer: object = None


_JOB: _Job | None = None  # set before the workers fork; they read it instead of pickles


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def render_checked(project: Project, gen: Generation, officers: Sequence[Officer],
                   sides: Sequence[str], extra_roots: Sequence[Path] = (), *, check: Check,
                   jobs: int | None = None, progress: Progress | None = None,
                   chunk: int = CHUNK):
    """Render every face and run ``check`` (preflight) on each chunk where it was laid out;
    return (FaceSet, problems)."""
    global _JOB
    from .faces import FaceSet

    job = _Job(project, gen, officers, tuple(sides), tuple(extra_roots), check)
    starts = list(range(0, len(officers), chunk)) or [0]
    spans = [(s, min(s + chunk, len(officers))) for s in starts]
    jobs = max(1, min(jobs or default_jobs(), len(spans)))
    results: list[ChunkResult] = []
    done = 0

    def collect(result: ChunkResult, stop: int) -> None:
        nonlocal done
        results.append(result)
        done += stop - result.start
        if progress:
            progress(done, len(officers))

    if jobs == 1:
        _JOB = job
        try:
            for start, stop in spans:
                collect(_render_chunk((start, stop)), stop)
        finally:
            _JOB = None
    else:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        _JOB = job
        try:
            context = multiprocessing.get_context("fork")
            with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
                for (_, stop), result in zip(spans, pool.map(_render_chunk, spans), strict=True):
                    collect(result, stop)
        finally:
            _JOB = None
    pdf, index, qr_codes, warnings, problems = merge_chunks(results)
    return FaceSet(pdf=pdf, faces=[], index=index, qr_codes=qr_codes,
                   glyph_warnings=warnings), problems


def _render_chunk(span: tuple[int, int]) -> ChunkResult:
    """Worker: lay out and preflight the officers ``span`` of the job."""
    from .faces import FaceRenderer, face_key

    job = _JOB
    assert job is not None
    if job.renderer is None:
        job.renderer = FaceRenderer(job.project, job.gen)
    start, stop = span
    officers = list(job.officers[start:stop])
    faces = job.renderer.render(officers, job.sides, job.extra_roots)
    problems = job.check(job.gen, officers, faces)
    keys = [hashlib.sha256(face_key(html).encode()).hexdigest() for html in faces.faces]
    return ChunkResult(start=start, pdf=prune_resources(faces.pdf), keys=keys, index=faces.index,
                       qr_codes=faces.qr_codes, glyph_warnings=faces.glyph_warnings,
                       problems=problems)


def merge_chunks(results: Sequence[ChunkResult]):
    """One face PDF from the chunks, in order; a face already seen is not added again."""
    import pikepdf

    results = sorted(results, key=lambda r: r.start)
    if len(results) == 1:
        only = results[0]
        return (only.pdf, dict(only.index), dict(only.qr_codes), list(only.glyph_warnings),
                list(only.problems))
    dst = pikepdf.Pdf.new()
    seen: dict[str, int] = {}
    index: dict[tuple[str, str], int] = {}
    qr_codes: dict = {}
    warnings: list[str] = []
    problems: list[Diagnostic] = []
    sources = []
    for result in results:
        src = pikepdf.Pdf.open(io.BytesIO(result.pdf))
        sources.append(src)
        local: dict[int, int] = {}
        for number, key in enumerate(result.keys):
            if key not in seen:
                seen[key] = len(dst.pages)
                dst.pages.append(src.pages[number])
            local[number] = seen[key]
        index.update({k: local[v] for k, v in result.index.items()})
        qr_codes.update(result.qr_codes)
        warnings += [w for w in result.glyph_warnings if w not in warnings]
        problems += result.problems
    return save(dst), index, qr_codes, warnings, sorted(set(problems))


_NAME = re.compile(rb"/([^\s/\[\]()<>{}%]+)")
_PRUNED = ("/XObject", "/Pattern", "/Shading", "/ExtGState")


def prune_resources(pdf_bytes: bytes) -> bytes:
    """Give each page only the resources its content names.

    WeasyPrint shares one resource dictionary between all pages of a document,
    listing every page's XObjects; a face turned into a Form XObject would carry
    all of them, and the output grew with the square of the faces per document.
    """
    import pikepdf

    pdf = pikepdf.Pdf.open(io.BytesIO(pdf_bytes))
    for page in pdf.pages:
        resources = page.obj.get("/Resources")
        if resources is None:
            continue
        content = page.obj.get("/Contents")
        if isinstance(content, pikepdf.Array):
            data = b"\n".join(part.read_bytes() for part in content)
        else:
            data = content.read_bytes() if content is not None else b""
        names = {"/" + n.decode("latin-1") for n in _NAME.findall(data)}
        own = pikepdf.Dictionary()
        for key, value in resources.items():
            if key in _PRUNED and isinstance(value, pikepdf.Dictionary):
                kept = {k: v for k, v in value.items() if k in names}
                own[key] = pikepdf.Dictionary(kept)
            else:
                own[key] = value
        page.obj.Resources = own
    return save(pdf)

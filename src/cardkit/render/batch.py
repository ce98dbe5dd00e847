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
from typing import TYPE_CHECKING, Any

from ..errors import Diagnostic
from ..model import Generation, Officer
from ..pdfsave import save
from ..project import Project
from .faces import FaceSet

if TYPE_CHECKING:
    from ..limits import Limits
    from .faces import FaceRenderer

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
    stamped: int = 0  # officers stamped on a plate (render.stamp), the rest laid out
    refused: dict[str, int] = field(default_factory=dict)  # why officers were laid out
    shared: dict = field(default_factory=dict)  # plates the worker made (stamp.keep)
    fonts: dict = field(default_factory=dict)  # stamped fonts, for one per face (stamp.writer)
    files_read: dict = field(default_factory=dict)  # files the layouts read (the job's record)


@dataclass
class _Job:
    """What a chunk is rendered from (the job, fixed when it starts) and what the process
    rendering it keeps between its chunks (the renderer, plates: each forked worker has its
    own copy)."""

    project: Project
    gen: Generation
    officers: Sequence[Officer]
    sides: tuple[str, ...]
    extra_roots: tuple[Path, ...]
    check: Check
    keep_faces: bool = True  # False for `check`: only the problems come back
    limits: Limits | None = None  # time and memory cap of each chunk
    prune: Callable[[bytes], bytes] | None = None  # prune_resources, handed to the stamper
    renderer: FaceRenderer | None = None  # made where the chunks are rendered
    stamp_cache: Any = None  # stamp._Cache: plates and whole faces of this process
    stamp_store: Any = None  # stamp.store.Store: plates kept between runs


# In a worker process only: the one job it works for, handed over by the fork (never pickled;
# see ``_worker_started``). The parent never sets it: its jobs pass themselves along.
_WORKER_JOB: list[_Job] = []

# Worker processes are forked, explicitly (Python 3.14 changes the default start method):
# a fork starts at once with the job's designs, fonts and plates in memory, and shares them
# with the parent page by page. Forking is safe only from a process with one thread, so a
# job started while other threads run (a web service's, say) lays its chunks out in its own
# thread instead: the bytes are the same either way.
START_METHOD = "fork"


def can_fork() -> bool:
    """Whether worker processes may be forked now: only while this process has one thread."""
    import threading

    return threading.active_count() == 1


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def render_checked(project: Project, gen: Generation, officers: Sequence[Officer],
                   sides: Sequence[str], extra_roots: Sequence[Path] = (), *, check: Check,
                   jobs: int | None = None, progress: Progress | None = None,
                   chunk: int | None = None, keep_faces: bool = True,
                   limits: Any = None) -> tuple[FaceSet, list[Diagnostic]]:
    """Render every face and run ``check`` (preflight) on each chunk where it was laid out;
    return (FaceSet, problems).

    With ``keep_faces=False`` (``cardkit check``) the workers send back only what preflight
    found, so memory does not grow with the roster; the FaceSet returned is then empty.
    ``limits`` (limits.Limits) caps the time and memory of each chunk.
    """
    from . import stamp

    job = _Job(project, gen, officers, tuple(sides), tuple(extra_roots), check,
               keep_faces=keep_faces, limits=limits, prune=prune_resources)
    if stamp.enabled():
        stamp.prepare(job)  # plates of earlier parts, inherited by the workers
    chunk = chunk or CHUNK
    spans = [(s, min(s + chunk, len(officers))) for s in range(0, len(officers), chunk)] or [(0, 0)]
    jobs = max(1, min(jobs or default_jobs(), len(spans))) if can_fork() else 1
    results: list[ChunkResult] = []

    def collect(result: ChunkResult) -> None:
        if result.shared:
            stamp.keep(job, result.shared)
            result.shared = {}
        if result.fonts:  # for one font per face when the parts are concatenated
            stamp.writer.remember(result.fonts)
        results.append(result)
        if progress:
            progress(sum(stop - start for start, stop in spans[:len(results)]), len(officers))

    _run_chunks(job, spans, jobs, collect)
    return _face_set(results, keep_faces)


def _run_chunks(job: _Job, spans: list[tuple[int, int]], jobs: int,
                collect: Callable[[ChunkResult], None]) -> None:
    """Each span rendered in this thread (``jobs`` 1) or by forked workers, collected in order."""
    if jobs == 1:
        for span in spans:
            collect(_render_chunk_of(job, span))
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from ..jobstate import current

    pool = None
    try:
        context = multiprocessing.get_context(START_METHOD)
        pool = ProcessPoolExecutor(max_workers=jobs, mp_context=context,
                                   initializer=_worker_started,
                                   initargs=(os.getpid(), job, current()))
        for result in pool.map(_render_chunk, spans):
            collect(result)
        pool.shutdown()
    except BaseException:  # an error, Ctrl-C: nothing more to render, workers stopped now
        if pool is not None:
            _stop_workers(pool)
        raise


def _face_set(results: list[ChunkResult], keep_faces: bool) -> tuple[FaceSet, list[Diagnostic]]:
    """The chunks' faces as one FaceSet (empty for ``check``), and every problem found."""
    files_read = {k: v for result in results for k, v in result.files_read.items()}
    if not keep_faces:
        problems = sorted({p for result in results for p in result.problems})
        return FaceSet(pdf=b"", faces=[], index={}, files_read=files_read), problems
    pdf, index, qr_codes, warnings, problems = merge_chunks(results)
    refused: dict[str, int] = {}
    for result in results:
        for why, count in result.refused.items():
            refused[why] = refused.get(why, 0) + count
    faces = FaceSet(pdf=pdf, faces=[], index=index, qr_codes=qr_codes, glyph_warnings=warnings,
                    files_read=files_read, stamped=sum(r.stamped for r in results),
                    refused=refused)
    return faces, problems


def _worker_started(parent: int, job: _Job, state: object) -> None:
    """In each worker: work for ``job`` with its state (both came with the fork), die with the
    parent (even on ``kill -9``), leave Ctrl-C to the parent."""
    import signal

    from ..jobstate import JobState, adopt

    assert isinstance(state, JobState)
    adopt(state)
    _WORKER_JOB[:] = [job]

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent stops the pool on Ctrl-C
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not the parent's unwinding handler
    if not _die_with_parent():  # elsewhere: look at the parent once a second
        import threading

        def watch() -> None:
            import time

            while os.getppid() == parent:
                time.sleep(1)
            os._exit(1)

        threading.Thread(target=watch, daemon=True).start()
    if os.getppid() != parent:  # the parent died before the kernel was told
        os._exit(1)


def _die_with_parent() -> bool:
    """Linux: ask the kernel to send SIGKILL to this process when its parent dies."""
    import ctypes
    import signal
    import sys

    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        PR_SET_PDEATHSIG = 1
        return libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _stop_workers(pool) -> None:
    """Cancel what has not started and end the workers without waiting for their chunks."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    manager = getattr(pool, "_executor_manager_thread", None)
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        try:
            process.kill()
        except (OSError, ValueError, AttributeError):
            pass
    for process in processes:
        try:
            process.join(5)
        except (OSError, ValueError, AssertionError):
            pass
    if manager is not None:  # gone before exit: Python 3.11's exit hook races with it otherwise
        manager.join(1)  # ("Exception ignored in: <module 'threading'>", handle is closed)


def _render_chunk(span: tuple[int, int]) -> ChunkResult:
    """In a worker process: the chunk ``span`` of the job the worker was started for."""
    return _render_chunk_of(_WORKER_JOB[0], span)


def _render_chunk_of(job: _Job, span: tuple[int, int]) -> ChunkResult:
    """Lay out and preflight the officers ``span`` of ``job``."""
    from ..i18n import _
    from ..limits import capped
    from . import stamp
    from .faces import FaceRenderer, face_key

    start, stop = span
    what = _("rendering officers {first} to {last}").format(first=start + 1, last=stop)
    if stamp.enabled():  # lay out once per plate, stamp every officer who fits
        with capped(job.limits, what):
            result = ChunkResult(**stamp.render_chunk(job, span))
        if not job.keep_faces:  # check: only what preflight found
            result.pdf, result.keys, result.index, result.qr_codes = b"", [], {}, {}
        assert job.renderer is not None, "render_chunk lays out with the job's renderer"
        result.files_read = dict(job.renderer.files_read)
        return result
    with capped(job.limits, what):
        if job.renderer is None:
            job.renderer = FaceRenderer(job.project, job.gen)
        officers = list(job.officers[start:stop])
        faces = job.renderer.render(officers, job.sides, job.extra_roots)
        problems = job.check(job.gen, officers, faces)
    files_read = dict(job.renderer.files_read)
    if not job.keep_faces:
        return ChunkResult(start=start, pdf=b"", keys=[], index={}, qr_codes={},
                           glyph_warnings=[], problems=problems, files_read=files_read)
    keys = [hashlib.sha256(face_key(html).encode()).hexdigest() for html in faces.faces]
    return ChunkResult(start=start, pdf=prune_resources(faces.pdf), keys=keys, index=faces.index,
                       qr_codes=faces.qr_codes, glyph_warnings=faces.glyph_warnings,
                       problems=problems, refused={stamp.TURNED_OFF: len(officers)},
                       files_read=files_read)


def merge_chunks(results: Sequence[ChunkResult]):
    """One face PDF from the chunks, in order; a face already seen is not added again. The
    stamped fonts of every chunk become one per face, and each face's fonts one file subset
    to all their glyphs (``stamp.writer.merge_fonts``: the chunks' stamped fonts carry no
    file), but in a part of a big job, whose fonts are subset when the parts are merged."""
    import pikepdf

    results = sorted(results, key=lambda r: r.start)
    if len(results) == 1 and not results[0].fonts:  # nothing to merge, no font to embed
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
    from ..jobstate import current
    from .stamp.writer import merge_fonts

    merge_fonts(dst, [result.fonts for result in results], embed=not current().in_parts)
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

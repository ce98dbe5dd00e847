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

import gc
import io
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import Diagnostic
from ..model import Generation, Officer
from ..pagetree import set_pages
from ..pdfsave import save
from ..project import Project
from .faces import FaceSet
from .facesource import Check, ChunkResult, FaceSource, Job

CHUNK = 100  # officers per WeasyPrint document (measured: see bench/README.md)
RENEW_PARTS = 8  # parts of a big job one set of workers renders (ChunkRun.renew)

Progress = Callable[[int, int], None]  # (cards done, cards in all)


_Job = Job  # what a chunk is rendered from (facesource.Job)


def face_source() -> FaceSource:
    """How a job's faces are made, chosen once per job (``stamp.face_source``: stamped, or
    laid out under ``CARDKIT_STAMP=0``); a test hands jobs a fake source here."""
    from . import stamp

    return stamp.face_source()


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
    """Whether worker processes may be forked now: only while this process has one thread,
    and is not itself a daemonic worker (a ``multiprocessing.Pool``'s, which multiprocessing
    forbids children: the job then lays its chunks out in this process)."""
    import multiprocessing
    import threading

    return threading.active_count() == 1 and not multiprocessing.current_process().daemon


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def processor_spare(jobs: int | None) -> bool:
    """Whether a helper process would have a processor of its own: more than one process is
    allowed (``jobs``, ``--jobs``), and no more threads are runnable on the machine right now,
    besides the one asking, than leave it and a helper a processor each
    (``runnable_others``). Where that cannot be read, the last minute's load average must
    leave one processor idle. On a busy machine (print jobs run side by side, a test suite's
    workers) a helper would only add its own start to the job's work.

    The load average alone is a poor judge: it decays over a minute, so the jobs a shop runs
    one after another (each its own load, two processes for a second) would keep it over the
    mark on a two-processor machine whose second processor is idle when the next job starts."""
    if (jobs or default_jobs()) < 2:
        return False
    cpus = os.cpu_count() or 1
    others = runnable_others()
    if others is not None:
        return others + 2 <= cpus
    try:
        load = os.getloadavg()[0]
    except (AttributeError, OSError):  # not measurable here
        return True
    return load < cpus - 0.5


def runnable_others(samples: int = 3) -> int | None:
    """Threads runnable on the machine at this moment besides the one asking (Linux:
    ``/proc/loadavg``'s fourth field counts them, the asker included): the fewest of
    ``samples`` readings a millisecond apart, so a kernel thread's blip is not taken for a
    busy machine (a busy process is runnable at every reading); None where it cannot be read.
    A reading of none ends the count (an idle machine is read once)."""
    import time

    found = []
    for sample in range(samples):
        if sample:
            time.sleep(0.001)
        try:
            with open("/proc/loadavg", encoding="ascii") as handle:
                running = handle.read().split()[3].split("/")[0]
            found.append(max(0, int(running) - 1))
        except (OSError, IndexError, ValueError):
            return None
        if found[-1] == 0:
            break
    return min(found)


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
    with ChunkRun(project, gen, officers, sides, extra_roots, check=check, jobs=jobs,
                  progress=progress, chunk=chunk, keep_faces=keep_faces, limits=limits) as run:
        return run.collect(run.queue(0, len(officers)))


@dataclass
class Queued:
    """Officers ``spans`` of a run, handed to its workers (``futures``) or left for the
    calling thread to render when collected (no workers)."""

    spans: list[tuple[int, int]]
    futures: list[Any] | None = None


class ChunkRun:
    """One job's officers rendered chunk by chunk, by one set of workers for the whole job.

    A big job (``api._print_in_parts``) queues its parts ahead: the workers render the next
    part while this process imposes and writes the last one, and they are forked once, with
    their renderer, plates and fonts, not once a part. Use it as a context manager: leaving
    it on an error or Ctrl-C stops the workers at once.
    """

    def __init__(self, project: Project, gen: Generation, officers: Sequence[Officer],
                 sides: Sequence[str], extra_roots: Sequence[Path] = (), *, check: Check,
                 jobs: int | None = None, progress: Progress | None = None,
                 chunk: int | None = None, keep_faces: bool = True, limits: Any = None) -> None:
        self.job = _Job(project, gen, officers, tuple(sides), tuple(extra_roots), check,
                        keep_faces=keep_faces, limits=limits, prune=prune_resources,
                        source=face_source())
        self.job.source.prepare(self.job)  # e.g. plates of earlier jobs, inherited by the workers
        self.chunk = chunk or CHUNK
        self.progress = progress
        self.done = 0  # officers collected so far, for ``progress``
        chunks = max(1, -(-len(officers) // self.chunk))
        self.jobs = max(1, min(jobs or default_jobs(), chunks)) if can_fork() else 1
        # one chunk, and a processor to spare: a helper may take some of its work (``_ahead``)
        self.spare = chunks == 1 and processor_spare(jobs) and can_fork()
        self.pool: Any = None
        self.frozen_before = 0  # objects a caller had frozen (gc.freeze) before this run did

    def queue(self, start: int, stop: int) -> Queued:
        """Hand officers ``start`` to ``stop`` to the workers (they start at once)."""
        spans = [(s, min(s + self.chunk, stop)) for s in range(start, stop, self.chunk)] \
            or [(start, start)]
        if self.jobs == 1:
            if self.spare and len(spans) == 1:
                self._ahead(spans[0])
            return Queued(spans)
        return Queued(spans, [self._workers().submit(_render_chunk, span) for span in spans])

    def _ahead(self, span: tuple[int, int]) -> None:
        """Fork one helper for the work the face source gives it ahead of the chunk ``span``
        (``FaceSource.ahead``: a design's new plates), done while this process renders.
        Finding that work is the chunk's (its faces drafted): it counts toward the chunk's
        limits, whose watch ends before the fork (a fork is from one thread)."""
        from ..limits import capped, started

        self.spare = False
        self.job.work.since = since = started()
        with capped(self.job.limits, _chunk_named(span), since):
            task = self.job.source.ahead(self.job, span)
        if task is not None:
            self.job.work.ahead = (task, self._workers().submit(_build_ahead, span, task))

    def collect(self, queued: Queued) -> tuple[FaceSet, list[Diagnostic]]:
        """The faces and problems of ``queued``, in order, once its chunks are rendered."""
        results: list[ChunkResult] = []
        for number, span in enumerate(queued.spans):
            result = (queued.futures[number].result() if queued.futures is not None
                      else _render_chunk_of(self.job, span))
            self.job.source.keep(self.job, result)
            results.append(result)
            self.done += span[1] - span[0]
            if self.progress:
                self.progress(self.done, len(self.job.officers))
        return _face_set(results, self.job.keep_faces)

    def renew(self) -> None:
        """Fresh workers from the next ``queue`` on, once everything queued is collected: a
        worker's memory grows with what it has rendered (the allocator keeps what it freed),
        so a big job forks new ones every ``RENEW_PARTS`` parts. The old ones are stopped
        first, so the fork is again from a process of one thread."""
        if self.pool is not None:
            self.pool.shutdown()
            self.pool = None
            self._thaw()
            self.job.source.prepare(self.job)  # what the old ones made, for the next to inherit
            if not can_fork():  # another thread of the caller's: lay out in this one
                self.jobs = 1

    def _workers(self) -> Any:
        if self.pool is None:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            from ..jobstate import current

            # The job's objects (a roster of 160,000 officers) stay shared with the workers only
            # while nobody writes their pages; the garbage collector's passes in the parent
            # would, so what exists now is left out of them while the workers live (gc.freeze)
            self.frozen_before = gc.get_freeze_count()
            if not self.frozen_before:  # a caller's own freeze cannot be undone apart from ours
                gc.freeze()
            # forked at the first submit, all at once, before the pool starts its thread
            self.pool = ProcessPoolExecutor(
                max_workers=self.jobs, mp_context=multiprocessing.get_context(START_METHOD),
                initializer=_worker_started, initargs=(os.getpid(), self.job, current()))
        return self.pool

    def __enter__(self) -> ChunkRun:
        return self

    def __exit__(self, kind: Any, *_error: Any) -> None:
        if self.pool is None:
            return
        if kind is None:
            self.pool.shutdown()
        else:  # an error, Ctrl-C: nothing more to render, workers stopped now
            _stop_workers(self.pool)
        self.pool = None
        self._thaw()

    def _thaw(self) -> None:
        """Undo ``gc.freeze`` when this run froze (never while a caller had frozen objects of
        its own: unfreezing would thaw theirs, and freezing more would keep the job's objects
        out of the collector for good)."""
        if not self.frozen_before:
            gc.unfreeze()


def _face_set(results: list[ChunkResult], keep_faces: bool) -> tuple[FaceSet, list[Diagnostic]]:
    """The chunks' faces as one FaceSet (empty for ``check``), and every problem found."""
    files_read = {k: v for result in results for k, v in result.files_read.items()}
    _remember_font_spaces(results)
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
                    refused=refused, face_keys={officer_side: result.keys[page]
                                                for result in results
                                                for officer_side, page in result.index.items()})
    return faces, problems


def _remember_font_spaces(results: list[ChunkResult]) -> None:
    """The spaces of the fonts the chunks' layouts embedded, in the job's state (a name two
    faces give different spaces names none): ``stamp.writer.settle_fonts`` lists them."""
    from ..jobstate import current

    spaces = current().font_spaces
    for result in results:
        for name, space in result.font_spaces.items():
            spaces[name] = space if spaces.get(name, space) == space else None


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
    results = getattr(pool, "_result_queue", None)  # (shutdown forgets them)
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
    # a worker killed while it sent its result leaves the pool's thread reading the rest of
    # that message, for ever while this process holds the pipe's other end (and Python's exit
    # would wait for the thread): closed, the read ends
    writer = getattr(results, "_writer", None)
    if writer is not None:
        try:
            writer.close()
        except OSError:
            pass
    if manager is not None:  # gone before exit: Python 3.11's exit hook races with it otherwise
        manager.join(1)  # ("Exception ignored in: <module 'threading'>", handle is closed)


def _render_chunk(span: tuple[int, int]) -> ChunkResult:
    """In a worker process: the chunk ``span`` of the job the worker was started for."""
    return _render_chunk_of(_WORKER_JOB[0], span)


def _chunk_named(span: tuple[int, int]) -> str:
    """The chunk ``span`` as a limit's message names it."""
    from ..i18n import _

    start, stop = span
    return _("rendering officers {first} to {last}").format(first=start + 1, last=stop)


def _build_ahead(span: tuple[int, int], task: Any) -> Any:
    """In the helper process: what the face source asked for ahead of the chunk ``span``,
    within the job's limits."""
    from ..limits import capped

    job = _WORKER_JOB[0]
    with capped(job.limits, _chunk_named(span)):
        return job.source.build_ahead(job, task)


def _render_chunk_of(job: _Job, span: tuple[int, int]) -> ChunkResult:
    """The officers ``span`` of ``job``, made by the job's face source and preflighted,
    within the job's limits."""
    from ..limits import capped

    since, job.work.since = job.work.since, None  # drafted ahead of the chunk (``_ahead``)
    with capped(job.limits, _chunk_named(span), since):
        result = job.source.render_chunk(job, span)
    if not job.keep_faces:  # check: only what preflight found
        result.pdf, result.keys, result.index, result.qr_codes = b"", [], {}, {}
    return result


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
    pages: list[Any] = []  # the faces, each once
    for result in results:
        src = pikepdf.Pdf.open(io.BytesIO(result.pdf))
        sources.append(src)
        local: dict[int, int] = {}
        for number, (key, page) in enumerate(zip(result.keys, src.pages, strict=True)):
            if key not in seen:
                seen[key] = len(pages)
                pages.append(page)
            local[number] = seen[key]
        index.update({k: local[v] for k, v in result.index.items()})
        qr_codes.update(result.qr_codes)
        warnings += [w for w in result.glyph_warnings if w not in warnings]
        problems += result.problems
    set_pages(dst, pages)
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

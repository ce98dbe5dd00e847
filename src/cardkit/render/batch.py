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
        self.pool: Any = None

    def queue(self, start: int, stop: int) -> Queued:
        """Hand officers ``start`` to ``stop`` to the workers (they start at once)."""
        spans = [(s, min(s + self.chunk, stop)) for s in range(start, stop, self.chunk)] \
            or [(start, start)]
        if self.jobs == 1:
            return Queued(spans)
        return Queued(spans, [self._workers().submit(_render_chunk, span) for span in spans])

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

    def _workers(self) -> Any:
        if self.pool is None:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            from ..jobstate import current

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
    """The officers ``span`` of ``job``, made by the job's face source and preflighted,
    within the job's limits."""
    from ..i18n import _
    from ..limits import capped

    start, stop = span
    what = _("rendering officers {first} to {last}").format(first=start + 1, last=stop)
    with capped(job.limits, what):
        result = job.source.render_chunk(job, span)
    if not job.keep_faces:  # check: only what preflight found
        result.pdf, result.keys, result.index, result.qr_codes = b"", [], {}, {}
    return result


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
    if any(result.fonts for result in results):
        from .stamp.writer import merge_fonts

        merge_fonts(dst, [result.fonts for result in results])
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


# --- parts: jobs too big for one PDF in memory (api.print_cards cuts them) ------------

def merged(parts: Sequence[Path], subject: str) -> Callable[[object], None]:
    """A writer of the part PDFs concatenated, streaming (``outputs`` makes it atomic).

    One part is open at a time: its objects are renumbered and written out, then it
    is closed, so memory does not grow with the job (a pikepdf merge held every
    part's objects until the end: about 15 MiB per 1,000 cards). Catalog entries
    of the first part (an output intent, say) and its document info are kept: they
    already name the generation.
    """
    return lambda handle: _concat(parts, handle, subject)


def _job_glyphs(parts: Sequence[Path]) -> dict[str, set[int]]:
    """Every glyph of each face the parts' fonts use (``stamp.writer.face_glyphs``)."""
    import pikepdf

    from .stamp import writer

    glyphs: dict[str, set[int]] = {}
    for path in parts:
        with pikepdf.Pdf.open(path) as src:
            for key, found in writer.face_glyphs(src)[0].items():
                glyphs.setdefault(key, set()).update(found)
    return glyphs


def _share_fonts(src, out, mapping, todo, by_base, shared) -> None:
    """Before a part is copied: its stamped fonts become the job's one font per face, its
    fonts of a known face draw from the job's one file of that face (both written at the
    end: ``shared``, face key -> number, under "font" and "file"), and a font file an
    earlier part wrote with the same bytes (another font's) is not written again."""
    import pikepdf

    from .stamp import writer

    by_name = writer.faces_by_name()

    def number(kind: str, key: str) -> int:
        if key not in shared[kind]:
            shared[kind][key] = out.allocate()
        return shared[kind][key]

    fonts = [obj for obj in src.objects if isinstance(obj, pikepdf.Dictionary)
             and obj.get("/Type") in ("/Font", "/FontDescriptor")]
    parents = {obj.DescendantFonts[0].objgen: obj for obj in fonts
               if obj.get("/Subtype") == "/Type0" and obj.get("/DescendantFonts")}
    for obj in fonts:  # first the fonts, so a file they take over is never queued on its own
        face = writer.face_of_cid_font(obj, by_name)
        if obj.get("/Subtype") == "/Type0" and str(obj.get("/BaseFont", "")) in by_base:
            mapping[obj.objgen] = number("font", by_base[str(obj.BaseFont)])
        elif face is not None and face in shared["glyphs"]:
            descriptor = obj.FontDescriptor
            for entry in ("/FontFile2", "/FontFile3", "/FontFile"):
                if isinstance(descriptor.get(entry), pikepdf.Stream):
                    mapping[descriptor[entry].objgen] = number("file", face)
            # it draws from the job's file of its face now: named after that program
            name = pikepdf.Name(writer.retagged(str(descriptor.FontName), shared["tags"][face]))
            descriptor.FontName = obj.BaseFont = name
            if obj.objgen in parents:
                parents[obj.objgen].BaseFont = name
    for obj in fonts:
        if obj.get("/Type") == "/FontDescriptor":
            _file_once(obj, out, mapping, todo, shared["bytes"])


def _file_once(descriptor, out, mapping, todo, numbers: dict[str, int]) -> None:
    """A font file with the bytes of one an earlier part wrote is that one."""
    import pikepdf

    for entry in ("/FontFile2", "/FontFile3", "/FontFile"):
        stream = descriptor.get(entry)
        if not isinstance(stream, pikepdf.Stream) or stream.objgen in mapping:
            continue
        digest = hashlib.sha256(stream.read_raw_bytes() + repr(sorted(
            (k, str(v)) for k, v in stream.stream_dict.items() if k != "/Length")).encode()
        ).hexdigest()
        if digest not in numbers:
            numbers[digest] = out.allocate()
            todo.append(stream.objgen)  # written with this part
        mapping[stream.objgen] = numbers[digest]


def _copy_objects(src, out, mapping, todo, renumber) -> None:
    """Write the objects ``todo`` lists, and those they lead to, under their new numbers."""
    import pikepdf

    while todo:
        key = todo.pop()
        obj = src.get_object(key)
        if isinstance(obj, pikepdf.Stream):
            raw = obj.read_raw_bytes()
            obj.stream_dict.Length = len(raw)
            out.object(mapping[key], renumber(obj.stream_dict.unparse(resolved=True)), raw)
        else:
            out.object(mapping[key], renumber(obj.unparse(resolved=True)))


def _write_job_fonts(fonts, out, shared) -> None:
    """The job's one font and one font file per face (``stamp.writer.job_fonts``), under the
    numbers the parts' pages already refer to."""
    from .stamp import writer

    mapping: dict[tuple[int, int], int] = {}
    todo: list[tuple[int, int]] = []
    for key in shared["font"]:  # a stamped font draws from its face's file
        if key not in shared["file"]:
            shared["file"][key] = out.allocate()
    with fonts:
        for kind, where in (("font", fonts.Root.CardkitFonts), ("file", fonts.Root.CardkitFiles)):
            for key, number in shared[kind].items():
                obj = where[writer.font_name(key)]
                mapping[obj.objgen] = number
                todo.append(obj.objgen)
        _copy_objects(fonts, out, mapping, todo, _renumbering(out, mapping, todo))


def _renumbering(out, mapping: dict[tuple[int, int], int], todo: list[tuple[int, int]]):
    """Rewrites the references of an object's source: each object gets a new number the first
    time it is met, and is listed in ``todo`` to be copied."""

    def renumber(data: bytes) -> bytes:
        def sub(match: re.Match) -> bytes:
            if match[3] is None:
                return match[0]
            key = (int(match[3]), int(match[4]))
            if key not in mapping:
                mapping[key] = out.allocate()
                todo.append(key)
            return b"%d 0 R" % mapping[key]
        return _TOKEN.sub(sub, data)

    return renumber


_TOKEN = re.compile(rb"(\((?:[^()\\]|\\.)*\))|(<[0-9A-Fa-f\s]*>)|(\d+) (\d+) R\b")
_CATALOG, _PAGES, _INFO = 1, 2, 3


class _Writer:
    """A PDF written object by object, with a classic cross-reference table."""

    def __init__(self, handle) -> None:
        self.handle = handle
        self.offset = 0
        self.offsets: dict[int, int] = {}
        self.digest = hashlib.sha256()
        self.next = _INFO + 1
        self.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")

    def write(self, data: bytes) -> None:
        self.handle.write(data)
        self.digest.update(data)
        self.offset += len(data)

    def allocate(self) -> int:
        self.next += 1
        return self.next - 1

    def object(self, number: int, body: bytes, stream: bytes | None = None) -> None:
        self.offsets[number] = self.offset
        self.write(b"%d 0 obj\n" % number + body)
        if stream is not None:
            self.write(b"\nstream\n" + stream + b"\nendstream")
        self.write(b"\nendobj\n")

    def finish(self) -> None:
        size = self.next
        start = self.offset
        rows = [b"xref\n0 %d\n0000000000 65535 f \n" % size]
        rows += [b"%010d 00000 n \n" % self.offsets[n] for n in range(1, size)]
        file_id = self.digest.hexdigest()[:32].encode()
        rows.append(b"trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R /ID [<%s> <%s>] >>\n"
                    b"startxref\n%d\n%%%%EOF\n" % (size, _CATALOG, _INFO, file_id, file_id, start))
        self.handle.write(b"".join(rows))


def _concat(parts: Sequence[Path], handle, subject: str) -> None:
    import pikepdf

    from .stamp import writer

    out = _Writer(handle)
    kids: list[int] = []
    catalog_extra = b""
    info = b"<< >>"
    glyphs = _job_glyphs(parts)
    by_base, fonts = writer.job_fonts(glyphs)
    # face key -> object number of the job's one stamped font ("font") and one font file
    # ("file") of the face; a font file's digest -> its number ("bytes")
    shared: dict = {"glyphs": glyphs, "font": {}, "file": {}, "bytes": {},
                    "tags": {key: writer.subset_tag(fonts.Root.CardkitFiles[
                        writer.font_name(key)].read_raw_bytes()) for key in glyphs}}
    for number, path in enumerate(parts):
        with pikepdf.Pdf.open(path) as src:
            mapping: dict[tuple[int, int], int] = {}
            todo: list[tuple[int, int]] = []
            _share_fonts(src, out, mapping, todo, by_base, shared)
            renumber = _renumbering(out, mapping, todo)

            if number == 0:
                extra = {k: v for k, v in src.Root.items() if k not in ("/Pages", "/Type")}
                catalog_extra = renumber(pikepdf.Dictionary(extra).unparse(resolved=True))[2:-2] if extra \
                    else b""
                if src.trailer.get("/Info") is not None:
                    fields = dict(src.trailer.Info.items())
                    fields["/Subject"] = pikepdf.String(subject)
                    info = renumber(pikepdf.Dictionary(fields).unparse(resolved=True))
            for page in src.pages:
                obj = page.obj
                del obj["/Parent"]
                kid = out.allocate()
                kids.append(kid)
                out.object(kid, b"<< /Parent %d 0 R " % _PAGES + renumber(obj.unparse(resolved=True))[2:])
            _copy_objects(src, out, mapping, todo, renumber)
    _write_job_fonts(fonts, out, shared)
    out.object(_PAGES, b"<< /Type /Pages /Count %d /Kids [%s] >>"
               % (len(kids), b" ".join(b"%d 0 R" % k for k in kids)))
    out.object(_CATALOG, b"<< /Type /Catalog /Pages %d 0 R %s>>" % (_PAGES, catalog_extra))
    out.object(_INFO, info)
    out.finish()

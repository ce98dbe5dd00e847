"""Where a chunk's faces come from: one interface, whichever way they are made.

``render/batch.py`` cuts a job into chunks and renders each with the job's ``FaceSource``,
chosen once per job (``batch.face_source``): the stamper (``stamp.Stamped``: lay each plate
out once, stamp every officer who fits it, lay out the rest) or ``LaidOut`` (every officer
laid out by WeasyPrint, ``CARDKIT_STAMP=0``). Both return a ``ChunkResult``: pruned face
pages, a key per page (so a face met in an earlier chunk, the shared back, is kept once) and
what preflight found. batch.py merges the chunks, runs them on workers, and keeps limits and
parts without knowing which source made a face; tests hand a job a fake source
(tests/fakefaces.py) where the chunking, not the layout, is the point.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from ..errors import Diagnostic
from ..model import Generation, Officer
from ..project import Project

if TYPE_CHECKING:
    from ..limits import Limits
    from .faces import FaceRenderer

Check = Callable[..., list[Diagnostic]]  # (gen, officers, faces) -> problems: preflight.check_faces


@dataclass
class ChunkResult:
    """What a chunk's source sends back: pruned face pages and what preflight found."""

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
    font_spaces: dict = field(default_factory=dict)  # the embedded fonts' spaces (FaceRenderer)


class FaceSource(Protocol):
    """Makes the faces of a chunk of a job's officers. ``prepare`` and ``keep`` run in the
    process that started the job, ``render_chunk`` where the chunk is rendered (a forked
    worker inherits what ``prepare`` made)."""

    def prepare(self, job: Job) -> None:
        """Before the chunks: what every chunk of the job may start from."""

    def render_chunk(self, job: Job, span: tuple[int, int]) -> ChunkResult:
        """The faces of officers ``span`` of ``job``, preflighted by ``job.check``."""
        ...

    def keep(self, job: Job, result: ChunkResult) -> None:
        """A chunk came back: keep what later chunks and parts of the job may reuse."""

    def ahead(self, job: Job, span: tuple[int, int]) -> Any:
        """Before the job's one chunk is rendered in this process, with a processor to spare:
        work one helper process may do meanwhile (``build_ahead``), or None. ``render_chunk``
        finds the helper's future in ``job.work.ahead``."""

    def build_ahead(self, job: Job, task: Any) -> Any:
        """In the helper: ``task`` done; what to send back to ``render_chunk``."""


@dataclass
class Workspace:
    """What the process rendering a job's chunks keeps between them: the renderer and the
    stamper's plates (``stamp._Cache``) and store (``stamp.store.Store``). Made with the job,
    filled by ``FaceSource.prepare`` in the process that started it; each forked worker
    has its own copy from then on."""

    renderer: FaceRenderer | None = None  # made where the chunks are rendered
    stamp_cache: Any = None  # stamp._Cache: plates and whole faces of this process
    stamp_store: Any = None  # stamp.store.Store: plates kept between runs
    ahead: Any = None  # (task, future): what a helper does for the lone chunk (FaceSource.ahead)
    since: tuple[float, int] | None = None  # limits.started(): the lone chunk's work began
    # before it was rendered (``batch.ChunkRun._ahead``)


@dataclass(frozen=True)
class Job:
    """What a chunk is rendered from: the job, fixed when it starts (handed to the workers
    by the fork), and ``work``, what the process rendering it keeps between its chunks."""

    project: Project
    gen: Generation
    officers: Sequence[Officer]
    sides: tuple[str, ...]
    extra_roots: tuple[Path, ...]
    check: Check
    keep_faces: bool = True  # False for `check`: only the problems come back
    limits: Limits | None = None  # time and memory cap of each chunk
    prune: Callable[[bytes], bytes] | None = None  # prune_resources, handed to the stamper
    source: FaceSource = field(kw_only=True)  # how the faces are made (batch.face_source)
    work: Workspace = field(default_factory=Workspace, compare=False, repr=False)

    def face_renderer(self) -> FaceRenderer:
        """The process's renderer of the job's faces, made the first time it is needed."""
        if self.work.renderer is None:
            from .faces import FaceRenderer

            self.work.renderer = FaceRenderer(self.project, self.gen)
        return self.work.renderer


def page_keys(faces: Sequence[str]) -> list[str]:
    """Per face page: the digest of its HTML, by which chunks share a face."""
    from .faces import face_key

    return [hashlib.sha256(face_key(html).encode()).hexdigest() for html in faces]


@dataclass(frozen=True)
class LaidOut:
    """Every officer laid out in full by WeasyPrint (``FaceRenderer.render``)."""

    why: str  # counted under -v as the reason no officer was stamped

    def prepare(self, job: Job) -> None:
        job.face_renderer()

    def render_chunk(self, job: Job, span: tuple[int, int]) -> ChunkResult:
        start, stop = span
        renderer = job.face_renderer()
        officers = list(job.officers[start:stop])
        faces = renderer.render(officers, job.sides, job.extra_roots)
        problems = job.check(job.gen, officers, faces)
        files_read = dict(renderer.files_read)
        if not job.keep_faces:  # `check`: only what preflight found
            return ChunkResult(start=start, pdf=b"", keys=[], index={}, qr_codes={},
                               glyph_warnings=[], problems=problems, files_read=files_read,
                               font_spaces=dict(renderer.font_spaces))
        assert job.prune is not None, "batch hands its prune_resources to every job"
        return ChunkResult(start=start, pdf=job.prune(faces.pdf), keys=page_keys(faces.faces),
                           index=faces.index, qr_codes=faces.qr_codes,
                           glyph_warnings=faces.glyph_warnings, problems=problems,
                           refused={self.why: len(officers)}, files_read=files_read,
                           font_spaces=dict(renderer.font_spaces))

    def keep(self, job: Job, result: ChunkResult) -> None:
        pass

    def ahead(self, job: Job, span: tuple[int, int]) -> None:
        return None  # every face is laid out by the chunk: nothing to share

    def build_ahead(self, job: Job, task: Any) -> None:
        return None

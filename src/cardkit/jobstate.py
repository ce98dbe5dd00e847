"""One job, one state: everything a job computes lives in one object made per call.

A job (``api.print_cards``, ``api.check``, a preview) runs inside :func:`new_job`,
which makes a fresh :class:`JobState` and makes it the *current* one for the calling
thread only (a :class:`contextvars.ContextVar`). The stages find it with
:func:`current`; when the call returns, the state is dropped. So two jobs on two
threads of one process never see each other's plates, fonts or inputs, and a job
never sees what an earlier job in the same process left behind.

Worker processes are forked by the job that owns them and start with a copy of
its state (``render.batch``): they belong to that one job.

What is kept across jobs on purpose is keyed by content and bounded: the plate
store on disk (``render.stamp.store``), the glyph check's character maps (by font file),
compiled templates (by source) and the codes decoded from WeChat screenshots (by the bytes
of the picture: ``roster.validate``). What the machine answers (which font a family name finds)
is asked again by every job.
Nothing mutable that belongs to a job stays at module level.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Input:
    """A file the job reads: no output may name it."""

    what: str  # "the roster", "a generation file", ...
    shown: str  # the path as the user gave it
    real: str
    ident: tuple[int, int] | None  # (device, inode) of a regular file


@dataclass
class JobState:
    """What one job has read and made. Made per call by :func:`new_job`, never shared."""

    inputs: dict[str, Input] = field(default_factory=dict)
    """The record of the files the job reads, by real path (``outputs.protect``)."""
    layout_files: dict[str, str] = field(default_factory=dict)
    """Files the layouts read (stylesheets, ``@import``s, fonts, images), by real path, with
    the SHA-256 of their bytes: sent back by the workers, kept in the ledger so that a change
    to any of them makes ``--changed-since`` print every officer again."""
    fonts: dict[str, Any] = field(default_factory=dict)
    """The stamper's font faces (``render.stamp.shaping.FontFace``) by Pango's description."""
    kept: dict[str, Any] = field(default_factory=dict)
    """Plates and whole faces kept from part to part of the job (``render.stamp``)."""
    sent: dict[str, Any] = field(default_factory=dict)
    """In a worker process: what it inherited from the job or already sent back."""
    font_spaces: dict[str, Any] = field(default_factory=dict)
    """The space glyph and width of each font the layouts embedded, by its PDF name
    (``internals.font_spaces``; None for a name two faces share), for
    ``render.stamp.writer.settle_fonts``."""
    face_fonts: dict[str, Any] = field(default_factory=dict)
    """The stamped fonts of every part, for one font per face (``render.stamp.writer``)."""
    machine: dict[str, Any] = field(default_factory=dict)
    """What the job asked of the machine, once: fontconfig's answers (preflight), the plate
    store's key of the installed libraries and fonts. Per job, so a font installed while a
    service runs is seen by its next job."""
    in_parts: bool = False
    """The job is printed in parts (``api``): each face's font file is subset once, when the
    parts are concatenated (``pdf.concat``), not in every part."""
    job: bool = False
    """Made by :func:`new_job` for one job (and so a worker's, adopted from it); False for
    the state :func:`current` makes outside any job, which lasts as long as its context."""


_CURRENT: ContextVar[JobState | None] = ContextVar("cardkit_job", default=None)


def current() -> JobState:
    """The running job's state; outside any job, a state of the calling context's own."""
    state = _CURRENT.get()
    if state is None:
        state = JobState()
        _CURRENT.set(state)
    return state


def running() -> JobState | None:
    """The running job's state, or None outside any job: what is kept for a job alone (an
    answer of the machine's asked once per job) is asked afresh there."""
    state = _CURRENT.get()
    return state if state is not None and state.job else None


@contextmanager
def new_job() -> Iterator[JobState]:
    """Run a job with a state of its own, dropped when the block ends."""
    state = JobState(job=True)
    token = _CURRENT.set(state)
    try:
        yield state
    finally:
        _CURRENT.reset(token)


def adopt(state: JobState) -> None:
    """In a worker process: the job's state is the one it was started with."""
    _CURRENT.set(state)


def reset() -> None:
    """A new command in this context (the CLI's entry point): nothing known yet."""
    _CURRENT.set(JobState())

"""Bounded work: what one chunk of rendering, one template and one generation may take.

* **Time and memory per chunk.** Each chunk of officers (``batch.CHUNK``) is rendered
  and preflighted under a wall-clock cap and a cap on how much the rendering process may
  grow (resident memory, sampled every 20 ms by a watchdog thread). Past either, the
  render is stopped in the rendering thread and the job refused with the limit named.
  Defaults are generous (``DEFAULT_SECONDS``, ``DEFAULT_MEMORY_MIB``: a chunk of 100
  officers takes some 3 s and 150 MiB); ``cardkit.yaml`` may set ``limits:
  {render_seconds: N, render_memory_mib: N}``, and ``--time-limit``/``--memory-limit``
  override both for one job.
* **Template output.** A template's output is counted while it renders (Jinja's
  ``generate()``), so nested loops stop at ``MAX_OUTPUT_CHARS``; a macro's result and a
  call's result are checked as they are made (doubling in a macro stops at twice the cap),
  and the string-growing forms (``center``/``ljust``/``format`` widths, ``%*d``, ``{:>N}``,
  ``replace``, ``indent``) are refused before they allocate (see ``templating``).
* **Generation and roster sizes.** Lists a generation prints (tips, fraud tips, web
  addresses, the blocks of a face) and the extra fields it names are refused past
  ``MAX_LIST_ITEMS`` and ``MAX_FIELDS`` when the generation is loaded, and a roster with
  more than ``MAX_COLUMNS`` fields when it is read, before anything is validated or laid out.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from .errors import InputError
from .i18n import _

DEFAULT_SECONDS = 600.0
DEFAULT_MEMORY_MIB = 4096
MAX_OUTPUT_CHARS = 2_000_000  # what one template may write beyond the faces it is given
MAX_LIST_ITEMS = 40  # lines of a tip list, web addresses, blocks of a face
MAX_FIELDS = 64  # extra officer fields a generation names
MAX_COLUMNS = 200  # fields (columns) of a roster: a station's sheet has a dozen or two
MAX_CARDS = 250_000  # cards of one print job (officers x --copies): 160,000 officers fit
POLL_SECONDS = 0.02
RESEND_SECONDS = 0.5  # a tripped limit's signal is sent again while the body goes on


class LimitExceeded(InputError):
    """A render went past one of the caps (exit 1, nothing written)."""


@dataclass(frozen=True)
class Limits:
    seconds: float = DEFAULT_SECONDS
    memory_mib: float = DEFAULT_MEMORY_MIB


def from_settings(config: dict[str, Any], seconds: float | None = None,
                  memory_mib: float | None = None) -> Limits:
    """The caps of a job: the options given, else ``cardkit.yaml``'s ``limits:``, else defaults."""
    settings = config.get("limits") or {}
    if not isinstance(settings, dict):
        raise InputError("cardkit.yaml: limits: " + _(
            "expected a mapping (render_seconds: N, render_memory_mib: N)"))
    for key in settings:
        if key not in ("render_seconds", "render_memory_mib"):
            raise InputError(f"cardkit.yaml: limits: {key}: " + _(
                "unknown setting (limits take render_seconds and render_memory_mib)"))

    def number(value: Any, key: str) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
            raise InputError(f"cardkit.yaml: limits: {key}: " + _(
                "{value} is not a positive number").format(value=repr(value)))
        return float(value)

    return Limits(
        seconds=float(seconds) if seconds is not None else number(
            settings.get("render_seconds", DEFAULT_SECONDS), "render_seconds"),
        memory_mib=float(memory_mib) if memory_mib is not None else number(
            settings.get("render_memory_mib", DEFAULT_MEMORY_MIB), "render_memory_mib"))


def check_columns(raw: Any) -> None:
    """Refuse a roster (``roster.records.RawRoster``) with more fields than ``MAX_COLUMNS``."""
    names: set[str] = set()
    for record in raw.records:
        names.update(record.fields)
        if len(names) > MAX_COLUMNS:
            raise InputError(f"{record.file}:{record.line}: " + _(
                "{count} fields (columns); a roster may have at most {limit}").format(
                count=f"{len(set(record.fields)):,}" if len(record.fields) > MAX_COLUMNS
                else f"{len(names):,}", limit=MAX_COLUMNS))


def hand_on_interrupt() -> None:
    """Call as a ``KeyboardInterrupt`` leaves a job for its caller, who may handle it.

    CPython (3.11, 3.12) marks an interrupt that escapes code run by ``exec`` of a string as
    unhandled, and a process so marked kills itself by SIGINT when it exits, whatever
    happened since. A job runs such code (dataclasses make their methods so, as modules
    are imported lazily): a Ctrl-C that lands there ended a caller that had handled it by
    SIGINT, not with its own exit status. Running ``exec`` once more clears the mark; an
    interrupt the caller does not handle marks the process again as it leaves the script."""
    exec("", {})  # noqa: S102 - an empty string: clears CPython's unhandled-interrupt mark


def _rss_bytes() -> int:
    try:
        with open("/proc/self/statm", "rb") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


Start = tuple[float, int]  # when a body of work began (monotonic seconds) and the RSS then


def started() -> Start:
    """Now, and this process's memory now: the start of a body of work whose caps are
    checked in more than one stretch (``capped``'s ``since``)."""
    return time.monotonic(), _rss_bytes()


# the code of contextlib's generator-based managers' __enter__ and __exit__ (see
# _Watch.handler); a private name of the standard library since Python 3.2, looked up
# defensively: a Python without it gets no exemption rather than an import error
_MANAGER = getattr(contextlib, "_GeneratorContextManager", None)
_ENTERING = frozenset(getattr(getattr(_MANAGER, name, None), "__code__", None)
                      for name in ("__enter__", "__exit__")) - {None}


def _deferred(frame: Any) -> bool:
    """Whether the limit's signal, handled in ``frame``, waits for the next one (``handler``)."""
    if getattr(frame, "f_code", None) in _ENTERING:
        return True
    module = getattr(frame, "f_globals", {}).get("__name__", "")
    return isinstance(module, str) and module.split(".")[0] == "pypdfium2"


class _Watch:
    """The caps of one body of work: time since it started, memory grown since then."""

    def __init__(self, limits: Limits, what: str, since: Start | None = None) -> None:
        self.limits, self.what = limits, what
        self.start, self.base = since or started()
        self.tripped: list[str] = []
        self.stop = threading.Event()
        self.done = threading.Event()  # the watchdog has sent its last signal
        self.ending = False  # capped is cleaning up: the signal no longer raises

    def over(self) -> str | None:
        limits, what = self.limits, self.what
        if time.monotonic() - self.start > limits.seconds:
            return _("{what} took longer than {seconds} s, the limit (limits: render_seconds "
                     "in cardkit.yaml, or --time-limit)").format(what=what,
                                                                seconds=f"{limits.seconds:g}")
        grown = _rss_bytes() - self.base
        if grown > limits.memory_mib * 2**20:
            return _("{what} grew by {mib} MiB, past the limit of {limit} MiB (limits: "
                     "render_memory_mib in cardkit.yaml, or --memory-limit)").format(
                what=what, mib=grown // 2**20, limit=f"{limits.memory_mib:g}")
        return None

    def watch(self) -> None:
        """The watchdog thread: past a cap, send the main thread SIGUSR2, and again every
        ``RESEND_SECONDS`` until the body ends. A signal, not ``_thread.interrupt_main``
        (which only sets the flag the interpreter checks between bytecodes): a main thread
        blocked in a system call (a sleep, a read, a lock's wait) is woken by it (EINTR)
        and runs the handler, so the limit ends the body then and not when the call
        returns, if ever. Code that ignores it for a while (C code between system calls)
        is sent it again."""
        main = threading.main_thread().ident
        try:
            while not self.stop.wait(POLL_SECONDS):
                reason = self.over()
                if reason:
                    self.tripped.append(reason)
                    while main is not None:
                        signal.pthread_kill(main, signal.SIGUSR2)
                        if self.stop.wait(RESEND_SECONDS):
                            return
                    return
        finally:
            self.done.set()

    def handler(self, _signum: int, frame: Any) -> None:
        """Raise the limit in the body. Not as a with statement enters or leaves a
        ``contextlib`` manager (capped's own ``__exit__`` before it resumes capped, which
        would leave the watch running for as long as the exception is kept), nor inside
        pypdfium2's own code (a document it opened but had not handed back yet would stay
        open, and its exit hook says so on standard error, a second line after the job's
        error): the signal is sent again, and capped raises the limit itself once its watch
        has ended."""
        if self.tripped and not self.ending and not _deferred(frame):
            raise LimitExceeded(self.tripped[0])

    def end(self, watcher: threading.Thread, old: Any) -> None:
        """Stop the watchdog, wait for it, put the old SIGUSR2 handler back: all three, even
        when Ctrl-C (or SIGTERM's ``Terminated``) lands on the way, which is raised after.
        The old handler (SIG_DFL: death) goes back only once the watchdog has sent its last
        signal (``done``: a join returns at once when retried after Ctrl-C cut it short,
        Python 3.11); and ``ending`` (set before this is called) keeps a resent
        signal from raising half way through."""
        interrupted: KeyboardInterrupt | None = None
        while True:
            try:
                self.stop.set()
                if watcher.ident is not None:  # it runs (a start cut short too): it may send
                    self.done.wait()
                    watcher.join()  # gone: a fork next is from a process of one thread
                signal.signal(signal.SIGUSR2, old)
                break
            except KeyboardInterrupt as exc:
                interrupted = interrupted or exc
        if interrupted is not None:
            raise interrupted


@contextmanager
def capped(limits: Limits | None, what: str, since: Start | None = None) -> Iterator[None]:
    """Run the body under ``limits``; past one, raise :class:`LimitExceeded` in this thread.
    ``since`` (``started``): the work began before the body, in an earlier stretch whose
    time and memory count too.

    The watchdog interrupts the rendering thread through a signal handler, so only the
    main thread of a process can be interrupted (cardkit's own workers and the CLI); in
    another thread (a library caller's) the caps are checked when the body ends: a service
    that needs them to stop a job runs its jobs in worker processes.
    """
    if limits is None:
        yield
        return
    state = _Watch(limits, what, since)
    main = threading.current_thread() is threading.main_thread() and hasattr(signal, "SIGUSR2")
    # the watchdog words the limit's message: in the job's context (the language it speaks)
    watcher = threading.Thread(target=contextvars.copy_context().run, args=(state.watch,),
                               name="cardkit-limits", daemon=True) if main else None
    old = signal.signal(signal.SIGUSR2, state.handler) if main else None
    try:
        if watcher is not None:  # in the try: the limit may trip before start returns (since)
            watcher.start()
        yield
        reason = None if main else state.over()
        if reason:
            raise LimitExceeded(reason)
    except Exception as exc:
        # the limit's exception, raised inside a library that catches what it calls (a
        # WeasyPrint image fetch turns it into "failed to load image"): the limit is the cause
        if state.tripped and not isinstance(exc, LimitExceeded):
            raise LimitExceeded(state.tripped[0]) from exc
        raise
    finally:
        state.ending = True  # first: a signal landing from here on is the check below's
        if watcher is not None:
            state.end(watcher, old)
    if state.tripped:  # tripped as the body ended, before the handler ran
        raise LimitExceeded(state.tripped[0])

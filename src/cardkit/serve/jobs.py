"""Jobs: one upload each, in a folder of its own, worked on by worker processes.

The server owns one temporary root (``TMPDIR/cardkit-serve-UID/run-PID``); a root left
by a server that died is swept at start. A job is deleted an hour after its last use,
or when its user says done. Its tasks (check and previews, a download) run one at a time
per job in a process of their own, started from a forkserver that has imported cardkit
once: at most ``workers`` run at once, the others wait in order and are told their place.
A task over its time limit is stopped; a cancelled or failed task leaves no file.
"""

from __future__ import annotations

import asyncio
import json
import logging
import multiprocessing
import os
import secrets
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..outputs import process_alive

LOG = logging.getLogger("cardkit.serve")
IDLE_SECONDS = 3600  # a job is deleted an hour after its last use
TASK_SECONDS = 900  # a task running longer is stopped


@dataclass(eq=False)
class Job:
    """One upload: its folder, its roster, and the state of its current task."""

    id: str
    station: str
    folder: Path
    roster: str
    gen: str
    lang: str = "en"
    state: str = "queued"  # queued, running, done, failed, cancelled
    task: str = "analyse"
    kind: str = ""  # the download a print task makes
    analysis: dict[str, Any] | None = None
    printed: dict[str, Any] = field(default_factory=dict)  # kind -> result
    last: dict[str, Any] | None = None  # the last task's result
    progress: tuple[int, int] = (0, 0)
    version: int = 0
    used: float = field(default_factory=time.monotonic)
    process: Any = None
    ticket: object | None = None  # the current task's; None once it is cancelled

    def touch(self) -> None:
        self.used = time.monotonic()

    def changed(self) -> None:
        self.version += 1


def server_root() -> Path:
    """This server's temporary root, after sweeping the roots of servers that are gone."""
    base = Path(tempfile.gettempdir()) / f"cardkit-serve-{os.getuid()}"
    base.mkdir(mode=0o700, exist_ok=True)
    info = base.lstat()
    if not base.is_dir() or base.is_symlink() or info.st_uid != os.getuid() or info.st_mode & 0o077:
        raise OSError(f"{base.name}: not a private folder of this user")
    for old in base.glob("run-*"):
        pid = old.name[4:]
        if not pid.isdigit() or not process_alive(int(pid)):
            shutil.rmtree(old, ignore_errors=True)
    root = base / f"run-{os.getpid()}"
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(mode=0o700)
    return root


class Runner:
    """The jobs of one server and the worker processes that do their tasks."""

    def __init__(self, root: Path, workers: int = 2, task_seconds: float = TASK_SECONDS,
                 idle_seconds: float = IDLE_SECONDS) -> None:
        self.root = root
        self.jobs: dict[str, Job] = {}
        self.waiting: list[Job] = []
        self.workers = max(1, workers)
        self.task_seconds = task_seconds
        self.idle_seconds = idle_seconds
        self._slots: asyncio.Semaphore | None = None
        self._context = multiprocessing.get_context("forkserver")
        self._context.set_forkserver_preload(["cardkit.serve.work"])
        self._tasks: set[asyncio.Task] = set()
        self._processes: set[Any] = set()  # every worker alive, a job's or not
        self.thumbs: Path = root / "thumbs"
        self.thumbs_state = "none"

    # --- jobs ---------------------------------------------------------------------------

    def new_job(self, station: str, roster: str, gen: str, lang: str) -> Job:
        job_id = secrets.token_urlsafe(12)
        folder = self.root / "jobs" / job_id
        folder.mkdir(parents=True, mode=0o700)
        job = Job(id=job_id, station=station, folder=folder, roster=roster, gen=gen, lang=lang)
        self.jobs[job_id] = job
        return job

    def get(self, job_id: str, station: str) -> Job | None:
        """The job, if it is this station's (another station's job does not exist for it)."""
        job = self.jobs.get(job_id)
        if job is None or job.station != station:
            return None
        job.touch()
        return job

    def place(self, job: Job) -> int:
        """1 for the next job to start, 0 when not waiting."""
        return self.waiting.index(job) + 1 if job in self.waiting else 0

    def delete(self, job: Job) -> None:
        self.stop(job)
        self.jobs.pop(job.id, None)
        shutil.rmtree(job.folder, ignore_errors=True)
        LOG.info("job %s deleted", job.id)

    def sweep_idle(self) -> None:
        limit = time.monotonic() - self.idle_seconds
        for job in [j for j in self.jobs.values() if j.used < limit and j.state != "running"]:
            self.delete(job)

    # --- tasks --------------------------------------------------------------------------

    def start(self, job: Job, task: str, params: dict[str, Any]) -> None:
        """Queue ``task`` of ``job`` (after stopping the task it has, if any).

        ``params`` hold ``station``, the station's folder, and what the task needs."""
        self.stop(job)
        job.task, job.kind, job.state = task, params.get("kind", ""), "queued"
        job.progress = (0, 0)
        job.ticket = ticket = object()
        job.changed()
        full = {"folder": str(job.folder), "roster": job.roster, "gen": job.gen, "lang": job.lang,
                **params}
        self.waiting.append(job)
        self._spawn(self._run(job, ticket, task, full))

    def _spawn(self, coroutine) -> None:
        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def stop(self, job: Job) -> None:
        """Cancel what the job is doing: a waiting task leaves the queue, a running one is
        stopped; either way its unfinished files go."""
        job.ticket = None
        if job in self.waiting:
            self.waiting.remove(job)
            job.state = "cancelled"
            job.changed()
        if job.process is not None and job.process.is_alive():
            job.process.kill()

    def slots(self) -> asyncio.Semaphore:
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.workers)
        return self._slots

    async def _run(self, job: Job, ticket: object, task: str, params: dict[str, Any]) -> None:
        async with self.slots():
            if job.ticket is not ticket:  # cancelled or replaced while waiting
                return
            self.waiting.remove(job)
            job.state = "running"
            job.changed()
            started = time.monotonic()
            result = await self._in_process(job, task, params)
            LOG.info("job %s: %s %s in %.1f s", job.id, task,
                     "ok" if result.get("ok") else "stopped or refused",
                     time.monotonic() - started)
        self._finish(job, job.ticket is not ticket, task, params, result)

    async def _in_process(self, job: Job, task: str, params: dict[str, Any]) -> dict[str, Any]:
        from . import entry

        folder = job.folder if task != "thumbnails" else self.thumbs
        for name in ("result.json", "progress.json"):
            (folder / name).unlink(missing_ok=True)
        process = self._context.Process(target=entry.run, args=(task, str(folder), params),
                                        daemon=True)
        # the first start waits for the forkserver to import the render engine: not in the loop
        await asyncio.get_running_loop().run_in_executor(None, process.start)
        self._processes.add(process)
        job.process = process
        try:
            return await self._result(job, process, folder)
        finally:  # the task's bookkeeping: not left in the job's folder
            self._processes.discard(process)
            job.process = None
            for name in ("result.json", "progress.json"):
                (folder / name).unlink(missing_ok=True)

    async def _result(self, job: Job, process, folder: Path) -> dict[str, Any]:
        """Follow ``process`` to its end (or its time limit); what it wrote as its result."""
        deadline = time.monotonic() + self.task_seconds
        while process.is_alive():
            await asyncio.sleep(0.1)
            job.progress = _read_progress(folder) or job.progress
            if time.monotonic() > deadline:
                process.kill()
                process.join(timeout=5)
                return {"ok": False, "timeout": True, "problems": []}
        process.join()
        try:
            return json.loads((folder / "result.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {"ok": False, "crashed": True, "problems": []}

    def _finish(self, job: Job, cancelled: bool, task: str, params: dict[str, Any],
                result: dict[str, Any]) -> None:
        if cancelled:
            self._clean(job, task, params)
            if job.state == "running":
                job.state = "cancelled"
                job.changed()
            return
        if result.get("ok") or task == "analyse" and "names" in result:
            job.state = "done"
        else:
            job.state = "failed"
            self._clean(job, task, params)
        job.last = result
        if task == "analyse" and "names" in result:
            job.analysis = result
        if task == "print" and job.state == "done":
            job.printed[params["kind"]] = result
        job.changed()

    def _clean(self, job: Job, task: str, params: dict[str, Any]) -> None:
        """What an unfinished task may have left: its outputs and temporary files."""
        folder = job.folder
        if task == "print":
            from .results import KINDS

            job.printed.pop(params["kind"], None)
            for name in KINDS[params["kind"]][:2]:
                (folder / name).unlink(missing_ok=True)
        if task == "analyse":
            job.analysis = None
            shutil.rmtree(folder / "preview", ignore_errors=True)
            (folder / "preview.pdf").unlink(missing_ok=True)
        for stray in folder.glob(".*"):  # temporary files of atomic writes
            if stray.is_dir():
                shutil.rmtree(stray, ignore_errors=True)
            else:
                stray.unlink(missing_ok=True)

    async def call(self, task: str, params: dict[str, Any]) -> dict[str, Any]:
        """Run ``task`` in a worker (in its turn) and return its result: a job of no upload."""
        holder = self.new_job(station="", roster="", gen="", lang=params.get("lang", "en"))
        self.jobs.pop(holder.id, None)
        try:
            async with self.slots():
                return await self._in_process(holder, task, params)
        finally:
            shutil.rmtree(holder.folder, ignore_errors=True)

    # --- generation pictures ------------------------------------------------------------

    async def warm_up(self) -> None:
        """Start the forkserver (it imports the render engine once) before the first upload."""
        from multiprocessing import forkserver

        await asyncio.get_running_loop().run_in_executor(None, forkserver.ensure_running)

    def want_thumbnails(self) -> None:
        """Front and back of each built-in generation, made once per server in a worker."""
        if self.thumbs_state != "none":
            return
        self.thumbs_state = "making"
        self.thumbs.mkdir(exist_ok=True)
        holder = Job(id="thumbnails", station="", folder=self.thumbs, roster="", gen="")

        async def make() -> None:
            async with self.slots():
                result = await self._in_process(holder, "thumbnails", {"lang": "en"})
            self.thumbs_state = "done" if result.get("ok") else "failed"
        self._spawn(make())

    async def shutdown(self) -> None:
        """Stop every worker (a job's, the pictures', a settings check) and wait for it."""
        for job in list(self.jobs.values()):
            self.stop(job)
        for process in list(self._processes):
            if process.is_alive():
                process.kill()
        for process in list(self._processes):
            process.join(timeout=5)
        for task in list(self._tasks):
            task.cancel()


def _read_progress(folder: Path) -> tuple[int, int] | None:
    try:
        data = json.loads((folder / "progress.json").read_text(encoding="utf-8"))
        return int(data["done"]), int(data["total"])
    except (OSError, ValueError, KeyError, TypeError):
        return None

"""What a job's worker process does: check, preview and print one upload.

Each task runs in a process of its own (started by ``jobs.Runner`` from a forkserver), in
the job's folder, in the language of the request that started it: ``i18n.set_language``
changes only this process, so one job's language, caches and limits never reach another.
The task writes ``progress.json`` as it goes and ``result.json`` at the end; a task that is
cancelled or dies leaves no output behind (``jobs`` deletes what it did not finish).

Paths: the worker works in the job's folder with the roster by its file name, so every
message and the ledger name the uploaded file, never a path of the server.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

# Imported here so that the forkserver loads them once and every task starts warm (jobs.py
# preloads this module; the server process itself names only entry.run).
import pypdfium2  # noqa: F401
import weasyprint  # noqa: F401

from .. import api, i18n, preflight, report  # noqa: F401
from ..errors import CardkitError, group_rows
from ..pdf import assemble  # noqa: F401
from ..project import open_project
from ..render import batch, faces  # noqa: F401
from ..roster import read, validate  # noqa: F401
from ..tools import preview  # noqa: F401
from .results import KINDS

PREVIEW_DPI = 110  # pixels per inch of the card previews: a 90 mm card is ~390 px wide
PREVIEW_PDF = "preview.pdf"
PREVIEW_DIR = "preview"
LEDGERS = "ledgers"  # in the station's folder: the ledgers of every print made by the page


def run(task: str, folder: str, params: dict[str, Any]) -> None:
    """The process's target: run ``task`` in ``folder`` and write its result."""
    os.chdir(folder)
    i18n.set_language(params.get("lang", "en"))
    try:
        result = TASKS[task](params, _progress_writer())
    except CardkitError as exc:
        result = {"ok": False, "message": _scrub(exc.message, params),
                  "problems": [_scrub_dict(d.as_dict(), params) for d in group_rows(exc.diagnostics)]}
    except Exception as exc:  # noqa: BLE001 (a bug: said without a traceback or a path)
        result = {"ok": False, "message": _scrub(f"{type(exc).__name__}: {exc}", params),
                  "problems": []}
    _write_json("result.json", result)


def _progress_writer() -> Callable[[int, int], None]:
    last = [0.0]

    def progress(done: int, total: int) -> None:
        now = time.monotonic()
        if now - last[0] > 0.25 or done == total:
            last[0] = now
            _write_json("progress.json", {"done": done, "total": total})
    return progress


def _write_json(name: str, value: object) -> None:
    temporary = Path(f".{name}.tmp")
    temporary.write_text(json.dumps(value, ensure_ascii=False), encoding="utf-8")
    os.replace(temporary, name)


def _scrub(text: str, params: dict[str, Any]) -> str:
    """``text`` without the server's folders (the station's, the job's, the package's)."""
    from ..resources import package_roots

    roots = [params.get("folder", ""), params.get("station", ""), os.getcwd(),
             *(str(r) for r in package_roots())]
    for root in sorted(filter(None, roots), key=len, reverse=True):
        text = text.replace(str(root).rstrip("/") + "/", "").replace(str(root), ".")
    return text


def _scrub_dict(value: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    return {k: _scrub(v, params) if isinstance(v, str) else v for k, v in value.items()}


def analyse(params: dict[str, Any], progress: Callable[[int, int], None]) -> dict[str, Any]:
    """check (as ``check --json``), then, when nothing fails, the previews and what changed."""
    project = open_project(params["station"])
    gen, roster = params["gen"], params["roster"]
    options = api.PrintOptions(gen=gen, roster=roster, jobs=1)
    problems = api.check(project, gen, roster, progress=progress, options=options)
    shown = [_scrub_dict(p.as_dict(), params) for p in group_rows(sorted(problems))]
    result: dict[str, Any] = {"ok": not any(p.fails() for p in problems), "problems": shown,
                              "names": _names(roster), "gen": gen}
    if result["ok"]:
        result.update(_previews(project, params, progress))
    return result


def _names(roster: str) -> dict[str, str]:
    """Officer id -> name, as the roster spells them (to name the officer of a problem)."""
    from ..roster.read import read_roster

    try:
        raw = read_roster(roster)
    except CardkitError:
        return {}
    return {str(r.fields.get("id") or ""): str(r.fields.get("name") or "") for r in raw.records
            if r.fields.get("id")}


def _previews(project, params: dict[str, Any], progress) -> dict[str, Any]:
    """One PNG per face, from the 1-up PDF print lays out (the same faces as every download)."""
    from ..design import generations
    from ..report import select
    from ..tools.preview import png_bytes, render_pages

    gen_id, roster = params["gen"], params["roster"]
    printed = api.print_cards(project, api.PrintOptions(
        gen=gen_id, roster=roster, layout="cards", marks="none", color="rgb", jobs=1,
        progress=progress, output=PREVIEW_PDF))
    loaded = api.load_roster(project, generations.load(project, gen_id), roster)
    officers = [{"id": o.id, "name": o.name} for o in loaded.officers]
    folder = Path(PREVIEW_DIR)
    folder.mkdir(exist_ok=True)
    for index, image in enumerate(render_pages(Path(PREVIEW_PDF), dpi=PREVIEW_DPI)):
        (folder / f"{index}.png").write_bytes(png_bytes(image, PREVIEW_DPI))
    Path(PREVIEW_PDF).unlink()
    changed = None
    ledger = latest_ledger(Path(params["station"]), gen_id)
    if ledger is not None:  # digests of the generation as that print made it (CMYK for the shop)
        from ..presets import resolve

        kind = ledger.stem.rpartition("-")[2]
        printed_gen = api.job_generation(project, resolve(project, api.PrintOptions(
            gen=gen_id, **KINDS.get(kind, KINDS["office"])[2])))[0]
        # the roster as that print read it: its units' mascot drawings made CMYK for the shop,
        # as the ledger's digests count them
        as_printed = api.load_roster(project, printed_gen, roster)
        changed = [o.id for o in select(project, printed_gen, as_printed,
                                        changed_since=ledger).officers]
    return {"officers": officers, "pages": printed.pages, "changed": changed,
            "notes": [_scrub_dict(n.as_dict(), params) for n in printed.notes]}


def latest_ledger(station: Path, gen_id: str) -> Path | None:
    """The station's newest ledger of generation ``gen_id`` printed from the page."""
    folder = station / LEDGERS
    if not folder.is_dir():
        return None
    found = sorted(folder.glob(f"{gen_id}-*.json"), key=lambda p: (p.stat().st_mtime_ns, p.name))
    return found[-1] if found else None


def print_job(params: dict[str, Any], progress: Callable[[int, int], None]) -> dict[str, Any]:
    """One download: the PDF and its ledger, as ``cardkit print`` writes them."""
    from ..outputs import write_file

    kind = params["kind"]
    output, ledger, settings = KINDS[kind]
    project = open_project(params["station"])
    result = api.print_cards(project, api.PrintOptions(
        gen=params["gen"], roster=params["roster"], officers=list(params.get("officers") or []),
        output=output, report=ledger, jobs=1, progress=progress, **settings))
    folder = Path(params["station"]) / LEDGERS
    folder.mkdir(exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
    write_file(folder / f"{params['gen']}-{stamp}-{kind}.json", Path(ledger).read_bytes())
    return {"ok": True, "kind": kind, "cards": result.cards, "pages": result.pages,
            "notes": [_scrub_dict(n.as_dict(), params) for n in result.notes]}


def thumbnails(params: dict[str, Any], progress: Callable[[int, int], None]) -> dict[str, Any]:
    """Front and back of every built-in generation, with the built-in example's first officer."""
    from ..project import Project
    from ..tools.preview import face_images, png_bytes
    from ..tools.samples import ordered

    project = Project(root=Path.cwd())
    made = []
    for gen_id in ordered(project):
        for _oid, side, image in face_images(project, gen_id, None, None, dpi=60):
            Path(f"{gen_id}-{side}.png").write_bytes(png_bytes(image, 60))
        made.append(gen_id)
    return {"ok": True, "generations": made}


def unit_settings(params: dict[str, Any], progress: Callable[[int, int], None]) -> dict[str, Any]:
    """Check the unit form as cardkit.yaml is checked; save it when asked and nothing is wrong."""
    from . import unitform

    station = Path(params["station"])
    upload = params.get("upload")
    form = unitform.from_request(params["values"], [(str(a), str(b)) for a, b in params["web"]],
                                 upload=(str(upload[0]), bytes(upload[1])) if upload else None,
                                 none=bool(params.get("none")))
    unitform.check(station, unitform.with_current_drawing(station, form))
    problems = {k: [_scrub(m, params) for m in v] for k, v in form.problems.items()}
    if problems or not params.get("save"):
        return {"ok": not problems, "problems": problems}
    unitform.save(station, form)
    return {"ok": True, "problems": {}}


TASKS: dict[str, Callable[[dict[str, Any], Callable[[int, int], None]], dict[str, Any]]] = {
    "analyse": analyse, "print": print_job, "thumbnails": thumbnails,
    "unit": unit_settings}


__all__ = ["latest_ledger", "run"]

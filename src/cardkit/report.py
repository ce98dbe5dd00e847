"""The reprint ledger: ``--report FILE.json``, ``--changed-since REPORT.json`` and ``--shard I/N``.

A report says which officer went on which sheet, slot and side, with counts and
checksums of every input. Each officer's card gets a digest of what decides
its content (the officer's and the unit's fields, the resolved generation, the
template files and cardkit's version), so a later run with ``--changed-since``
keeps only the officers whose card would come out different, without
rendering anything to find out.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from .digests import NotRegularFile, file_digest, read_regular, value_digest
from .errors import InputError, UsageError
from .i18n import _
from .model import Generation, Officer, Roster
from .outputs import SETTING
from .project import Project

FORMAT = "cardkit-report/1"
_SHARD = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _canonical(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str).encode()


def design_digest(project: Project, gen: Generation) -> str:
    """Checksum of everything but the roster that shapes a card: generation, templates, cardkit."""
    from ._version import __version__

    digest = hashlib.sha256()
    digest.update(f"cardkit {__version__}\n".encode())
    # the whole resolved YAML (gen.data, not the typed sections): any key may shape a card
    digest.update(_canonical({"id": gen.id, "data": gen.data}))
    for folder in project.layers("templates"):
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            digest.update(str(path.relative_to(folder)).encode() + b"\0")
            digest.update((file_digest(path) or "").encode())  # a FIFO is never read
    return digest.hexdigest()


def card_digest(design: str, officer: Officer, drawings: dict[str, str] | None = None) -> str:
    """Checksum of one officer's card content: the design plus the officer's and unit's fields.

    The unit's mascot drawing counts by its bytes as the job prints them (once read for the
    job, a data: URL, which differs between RGB and CMYK jobs), never by where the file lies:
    pointing the mascot at another drawing changes the card, moving the project does not.
    ``drawings`` remembers each drawing's digest across the officers of one job.
    """
    unit = officer.unit.as_context()
    if unit["mascot_url"]:
        unit["mascot_url"] = _drawing_digest(officer.unit.mascot_image,
                                             drawings if drawings is not None else {})
    return _sha256(design.encode() + _canonical({"officer": officer.as_context(), "unit": unit}))


def _drawing_digest(image: str, known: dict[str, str]) -> str:
    """The SHA-256 of a mascot drawing: of its data: URL, or of its file's bytes ("" when
    there is no regular file to read)."""
    found = known.get(image)
    if found is None:
        found = _sha256(image.encode()) if image.startswith("data:") else file_digest(image) or ""
        known[image] = found
    return found


def input_checksums(project: Project, gen: Generation, roster_file: str | Path | None,
                    design: str) -> dict[str, str]:
    sums = {"design": design, "generation": _sha256(_canonical(gen.data))}  # all of it, as above
    roster_sum = file_digest(roster_file) if roster_file is not None and str(roster_file) != "-" \
        else None
    if roster_sum:
        sums["roster"] = roster_sum
    return sums


# --- selecting officers ---------------------------------------------------------------

def parse_shard(text: str) -> tuple[int, int]:
    """``I/N`` -> (I, N), 1 <= I <= N."""
    match = _SHARD.match(text or "")
    if not match:
        raise UsageError(_("--shard must look like I/N (e.g. 2/4), not {text}").format(text=repr(text)))
    index, count = int(match[1]), int(match[2])
    if count < 1 or not 1 <= index <= count:
        raise UsageError(f"--shard {text}: " + _("I must be between 1 and N"))
    return index, count


def shard_span(total: int, index: int, count: int) -> tuple[int, int]:
    """The officers [start, stop) of shard ``index`` of ``count``: contiguous, sizes within one."""
    return (index - 1) * total // count, index * total // count


def select(project: Project, gen: Generation, roster: Roster,
           changed_since: str | Path | None = None, shard: str | None = None) -> Roster:
    """The officers to print: those changed since a report (if given), then one shard of them."""
    officers: Sequence[Officer] = roster.officers
    if changed_since:
        previous = read_report(changed_since)
        design = design_digest(project, gen)
        before = previous.get("digests", {})
        if not _design_files_changed(project, previous, roster.root):
            drawings: dict[str, str] = {}
            officers = [o for o in officers if before.get(o.id) != card_digest(design, o, drawings)]
    if shard:
        start, stop = shard_span(len(officers), *parse_shard(shard))
        officers = officers[start:stop]
    if officers is roster.officers:
        return roster
    return dataclasses.replace(roster, officers=tuple(officers))


def read_report(path: str | Path) -> dict:
    try:
        data = json.loads(read_regular(path).decode("utf-8"))
    except FileNotFoundError:
        raise InputError(f"{path}: " + _("no such report")) from None
    except NotRegularFile:
        raise InputError(f"{path}: " + _("not a regular file; give the ledger file an earlier "
                                         "--report wrote")) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{path}: " + _("not a cardkit report ({reason})").format(reason=exc)) from None
    except RecursionError:  # thousands of nested [ or {: no ledger cardkit writes is so deep
        raise InputError(f"{path}: " + _("not a cardkit report (nested too deeply)")) from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise InputError(f"{path}: " + _('not a cardkit report (expected "format": "{format}")').format(
            format=FORMAT))
    digests = data.get("digests", {})
    if not isinstance(digests, dict) or not all(isinstance(v, str) for v in digests.values()):
        raise InputError(f"{path}: " + _('damaged cardkit report: "digests" must map each officer '
                                         "id to the digest of their card; print the job again "
                                         "with --report to make a new one"))
    return data


ROSTER_FOLDER = "roster:"  # a design file beside the roster, wherever the roster lies now
INSTALLED_FONTS = "fonts#installed"  # the machine's font folders, as the ledger names them


def _installed_fonts() -> str:
    """The digest of the machine's font folders (``fontcache.installed_fonts_digest``): a
    font a design's family finds through fontconfig, upgraded or installed, is no design file
    of the job's, yet changes its cards. Walked once per job (every part of a big job writes
    a ledger), kept with the job's other answers of the machine; outside a job (``cardkit
    serve``'s ``select``) walked afresh."""
    from .jobstate import running
    from .render.fontcache import installed_fonts_digest

    job = running()
    if job is None:
        return installed_fonts_digest()
    if INSTALLED_FONTS not in job.machine:
        job.machine[INSTALLED_FONTS] = installed_fonts_digest()
    return str(job.machine[INSTALLED_FONTS])


def _shown_files(project: Project, files: Mapping[str, str],
                 roster_root: Path | None = None) -> dict[str, str]:
    """The design files as the ledger names them: relative to the project when inside it,
    ``roster:NAME`` when beside the roster (a service saves each upload in a new folder);
    cardkit's own files are left out (cardkit's version stands for them)."""
    from .resources import package_roots

    own = [Path(p).resolve() for p in package_roots()]
    root = project.root.resolve()
    beside = roster_root.resolve() if roster_root is not None else None
    shown = {}
    for path, digest in sorted(files.items()):
        if path.startswith(SETTING):  # a setting of cardkit.yaml, by its name
            shown[path] = digest
            continue
        real = Path(path)
        if any(real.is_relative_to(folder) for folder in own):
            continue
        if real.is_relative_to(root):
            shown[str(real.relative_to(root))] = digest
        elif beside is not None and real.is_relative_to(beside):
            shown[ROSTER_FOLDER + str(real.relative_to(beside))] = digest
        else:
            shown[str(real)] = digest
    return shown


def _design_files_changed(project: Project, previous: dict, roster_root: Path | None) -> bool:
    """Whether a file that shaped the previous job's cards has other bytes now (or is gone)."""
    files = previous.get("design_files") or {}
    if not isinstance(files, dict):
        return True
    for name, digest in files.items():
        if name == INSTALLED_FONTS:
            if _installed_fonts() != digest:
                return True
            continue
        if str(name).startswith(SETTING):
            if _setting_digest(project, str(name)[len(SETTING):]) != digest:
                return True
            continue
        if str(name).startswith(ROSTER_FOLDER):
            path = (roster_root or Path.cwd()) / str(name)[len(ROSTER_FOLDER):]
        else:
            path = project.root / str(name)
        if file_digest(path) != digest:
            return True
    return False


def _setting_digest(project: Project, name: str) -> str | None:
    """The digest of cardkit.yaml's setting ``name`` now (``printers.NAME``: a printer's
    calibration, as ``outputs.record_setting`` kept it), or None when it is gone."""
    section, _dot, key = name.partition(".")
    settings = project.config.get(section)
    if not isinstance(settings, dict) or key not in settings:
        return None
    entry = settings[key] if settings[key] is not None else {}  # "office-hp:" alone: no change
    return value_digest(dict(entry)) if isinstance(entry, dict) else None


# --- writing the ledger ------------------------------------------------------------------

def build(project: Project, gen: Generation, roster: Roster, cards: Sequence[Officer],
          sides: Sequence[str], *, layout: str, per_sheet: int = 0, first: int = 1,
          output: str = "", pages: int = 0, sheets: int = 0, faces: int = 0,
          roster_file: str | Path | None = None, shard: str | None = None,
          changed_since: str | Path | None = None,
          design_files: Mapping[str, str] | None = None) -> dict:
    """The ledger of a print job, as a JSON-ready dict.

    ``cards`` is the print order (each officer once per copy). On sheets, card
    ``i`` (counting the ``first - 1`` slots left empty on the first sheet) is on
    sheet ``i // per_sheet + 1`` in slot ``i % per_sheet + 1``; each sheet is a
    page of fronts then a page of backs. With ``layout="cards"`` each face is a page.
    ``design_files`` (real path -> SHA-256) are the files beyond the generation and templates
    that shaped the cards (``outputs.record_design``): kept as ``design_files``, so that a
    change to any of them reprints every officer (``select``).
    """
    design = design_digest(project, gen)
    drawings: dict[str, str] = {}
    entries: dict[str, dict] = {}
    for number, officer in enumerate(cards):
        entry = entries.setdefault(officer.id, {
            "id": officer.id, "name": officer.name, "unit": officer.unit.name,
            "source": f"{officer.source.file}:{officer.source.line}" if officer.source.line
            else officer.source.file,
            "digest": card_digest(design, officer, drawings), "copies": []})
        if layout == "sheet" and per_sheet:
            position = number + first - 1
            sheet, slot = divmod(position, per_sheet)
            entry["copies"].append({
                "sheet": sheet + 1, "slot": slot + 1,
                "pages": {side: sheet * len(sides) + k + 1 for k, side in enumerate(sides)}})
        else:
            entry["copies"].append({
                "pages": {side: number * len(sides) + k + 1 for k, side in enumerate(sides)}})
    return {
        "format": FORMAT,
        "generation": gen.id,
        "roster": str(roster.source),
        "output": output,
        "layout": layout,
        "sides": list(sides),
        "shard": shard,
        "changed_since": str(changed_since) if changed_since else None,
        "counts": {"officers": len(entries), "cards": len(cards), "sheets": sheets,
                   "pages": pages, "distinct_faces": faces, "per_sheet": per_sheet},
        "inputs": input_checksums(project, gen, roster_file, design),
        "design_files": {**_shown_files(project, design_files or {}, roster.root),
                         INSTALLED_FONTS: _installed_fonts()},
        "digests": {officer_id: e["digest"] for officer_id, e in entries.items()},
        "officers": list(entries.values()),
    }


def check_target(path: str | Path | None) -> None:
    """Refuse ``--report -`` before anything is rendered."""
    if path is not None and str(path) == "-":
        raise UsageError(_("--report needs a file name: standard output may carry the PDF"))


def encode(ledger: dict) -> bytes:
    """The ledger as the bytes of its file."""
    return json.dumps(ledger, ensure_ascii=False, indent=1).encode() + b"\n"


def join(ledgers: Sequence[dict], *, output: str, faces: int, shard: str | None = None,
         changed_since: str | Path | None = None) -> dict:
    """One ledger from the ledgers of consecutive parts of a job (sheets and pages renumbered).
    ``faces`` is the job's distinct faces: a face two parts print (a unit's back) is one, so
    it is not the sum of the parts' counts."""
    joined = dict(ledgers[0])
    officers: list[dict] = []
    counts = dict.fromkeys(("officers", "cards", "sheets", "pages"), 0)
    for ledger in ledgers:
        sheet_base, page_base = counts["sheets"], counts["pages"]
        for entry in ledger["officers"]:
            for copy in entry["copies"]:
                if "sheet" in copy:
                    copy["sheet"] += sheet_base
                copy["pages"] = {side: page + page_base for side, page in copy["pages"].items()}
            officers.append(entry)
        for key in ("officers", "cards", "sheets", "pages"):
            counts[key] += ledger["counts"].get(key, 0)
    counts.update(distinct_faces=faces, per_sheet=ledgers[0]["counts"].get("per_sheet", 0))
    joined.update(output=output, shard=shard,
                  changed_since=str(changed_since) if changed_since else None, counts=counts,
                  digests={e["id"]: e["digest"] for e in officers}, officers=officers,
                  design_files={name: digest for ledger in ledgers
                                for name, digest in (ledger.get("design_files") or {}).items()})
    return joined

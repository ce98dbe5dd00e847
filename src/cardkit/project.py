"""The project folder: ``cardkit.yaml`` settings and the layered search paths.

A project folder may hold its own ``generations/`` and ``templates/``; each file
there overrides the built-in file of the same name, the way a site overrides a
theme. Everything else comes from the package's built-in data.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import yamlio
from .errors import Diagnostic, InputError
from .i18n import N_, _
from .resources import builtin_dir

CONFIG_NAME = "cardkit.yaml"
CONFIG_KEYS = {  # setting -> what it is for (shown with _())
    "roster": N_("default roster file, relative to the project folder"),
    "output": N_("output folder for `print` (default: out)"),
    "paper": N_("default paper for sheet layout (A4, A3, SRA3, Letter or WxHmm)"),
    "unit": N_("unit fields that rows of a CSV/XLSX roster leave out"),
    "printers": N_("per-printer duplex calibration (dx, dy, rotation, scale) and unprintable "
                   "margin (margin, mm: whether a sheet of bleeding cards gets 2 x 5 on A4)"),
    "limits": N_("caps on rendering one chunk of officers: render_seconds, render_memory_mib"),
    "qr_hosts": N_("hosts a QR payload may use besides those its generation's qr.hosts lists"),
    "specimen": N_("true: every roster file in this folder and the folders below it is a "
                   "specimen (placeholders allowed, cards marked 样张 / SPECIMEN), for a "
                   "spreadsheet that cannot say so itself"),
    "preset": N_("print preset every print of the project uses (shop: cards, CMYK, 3 mm bleed, "
                 "crop marks)"),
    "layout": N_("default print layout: sheet or cards"),
    "color": N_("default print colour: rgb or cmyk"),
    "bleed": N_("default bleed in mm (instead of the generation's)"),
    "marks": N_("default crop marks: crop or none"),
}


@dataclass(frozen=True, eq=False)
class Project:
    """A folder cardkit works in, with its settings."""

    root: Path
    config: dict[str, Any] = field(default_factory=dict)
    config_path: Path | None = None

    def layers(self, kind: str) -> list[Path]:
        """Folders to search for ``kind`` (generations or templates), first wins."""
        folders = []
        own = self.root / kind
        if own.is_dir():
            folders.append(own.resolve())
        builtin = builtin_dir(kind).resolve()
        if builtin not in folders:
            folders.append(builtin)
        return folders

    def allowed_roots(self) -> list[Path]:
        """Folders a render may read files from."""
        roots = [self.root.resolve()]
        for kind in ("templates", "generations", "examples"):
            roots.extend(p for p in self.layers(kind) if p not in roots)
        return roots

    @property
    def output_dir(self) -> Path:
        return self.root / str(self.config.get("output") or "out")

    def unit(self) -> Any:
        """cardkit.yaml's ``unit:`` (None if unset), with the mascot's drawings
        (``mascot: {image, image_cmyk}``) made absolute: they lie beside cardkit.yaml."""
        unit = self.config.get("unit")
        if not isinstance(unit, dict):
            return unit
        resolved = _same_kind(unit, unit)
        mascot = unit.get("mascot")
        if isinstance(mascot, dict):
            resolved["mascot"] = _same_kind(mascot, {
                key: str(self.root.absolute() / str(value))
                if key in ("image", "image_cmyk") and value else value
                for key, value in mascot.items()})
        for key in ("mascot_image", "mascot_image_cmyk"):
            if unit.get(key):
                resolved[key] = str(self.root.absolute() / str(unit[key]))
        return resolved

    @property
    def default_roster(self) -> Path | None:
        roster = self.config.get("roster")
        if roster:
            return self.root / str(roster)
        return None


def _same_kind(original: dict, values: dict) -> dict:
    """``values`` in a mapping of the kind of ``original`` (a YAML mapping keeps its lines)."""
    copy = type(original)(values)
    for attr in ("lines", "line", "tags"):
        if hasattr(original, attr):
            setattr(copy, attr, getattr(original, attr))
    return copy


def open_project(directory: str | Path | None = None) -> Project:
    """Read ``cardkit.yaml`` (if any) from ``directory`` or the current folder."""
    # Relative, so that what cardkit names from it (out/cards-2022.pdf, roster.yaml:3)
    # reads as the user would type it; --project DIR keeps DIR as given.
    root = Path(directory) if directory else Path()
    if not root.is_dir():
        raise InputError(_("project folder {folder} does not exist").format(folder=repr(str(root))))
    config_path = root / CONFIG_NAME
    if not config_path.exists():
        return Project(root=root)
    data = yamlio.load(_config_bytes(config_path), name=CONFIG_NAME, strings=False)
    if data is None:
        return Project(root=root, config={}, config_path=config_path)
    if not isinstance(data, yamlio.YDict):  # how yamlio reads every mapping
        raise InputError(f"{CONFIG_NAME}: " + _("expected a mapping of settings"))
    problems = []
    for key in data:
        if key not in CONFIG_KEYS:
            problems.append(
                Diagnostic(
                    file=CONFIG_NAME,
                    line=data.line_of(key),
                    field=key,
                    message=_("unknown setting") + did_you_mean(key, CONFIG_KEYS),
                )
            )
    hosts = data.get("qr_hosts")
    if hosts is not None and not (isinstance(hosts, list)
                                  and all(isinstance(h, str) and h.strip() for h in hosts)):
        problems.append(Diagnostic(file=CONFIG_NAME, line=data.line_of("qr_hosts"),
                                   field="qr_hosts", message=_("expected a list of host names")))
    if data.get("specimen") not in (None, True, False):
        problems.append(Diagnostic(file=CONFIG_NAME, line=data.line_of("specimen"),
                                   field="specimen", message=_("expected true or false")))
    if problems:
        raise InputError(_("bad settings"), problems)
    return Project(root=root, config=dict(data), config_path=config_path)


def _config_bytes(config_path: Path) -> bytes:
    """cardkit.yaml's bytes (a FIFO or a device is refused, never waited on)."""
    from .digests import NotRegularFile, read_regular

    try:
        return read_regular(config_path, yamlio.MAX_YAML_BYTES)
    except NotRegularFile:
        raise InputError(f"{CONFIG_NAME}: " + _("not a regular file; the project's settings "
                                                "are a YAML file")) from None
    except OSError as exc:
        raise InputError(f"{CONFIG_NAME}: " + _("cannot read: {reason}").format(
            reason=exc.strerror)) from None


def specimen_marker(project: Project, roster_file: str | Path | None) -> Path | None:
    """The cardkit.yaml whose ``specimen: true`` makes the roster a specimen, or None.

    ``specimen:`` applies only to roster files inside that cardkit.yaml's own folder tree:
    the nearest cardkit.yaml at or above the roster's folder that sets it decides (a
    ``specimen: false`` there ends the search). A roster from standard input or from memory
    is taken to be in the project's folder.
    """
    start = project.root if roster_file is None or str(roster_file) == "-" \
        else Path(roster_file).parent
    own = project.config_path.resolve() if project.config_path is not None else None
    folder = start.resolve()
    for candidate in (folder, *folder.parents):
        config = candidate / CONFIG_NAME
        if own is not None and config == own:
            value = project.config.get("specimen")
            config = project.config_path  # type: ignore[assignment]  # as the user named it
        elif config.is_file():
            value = _specimen_setting(config)
        else:
            continue
        if value is not None:
            return shown_path(config) if value is True else None
    return None


def _specimen_setting(config: Path) -> bool | None:
    """The ``specimen:`` of another folder's cardkit.yaml (None: unset or unreadable)."""
    try:
        data = yamlio.load(_config_bytes(config), name=str(config), strings=False)
    except Exception:  # a file of some other folder: what it cannot say, it does not say
        return None
    value = data.get("specimen") if isinstance(data, dict) else None
    return value if isinstance(value, bool) else None


def shown_path(path: Path) -> Path:
    """``path`` as a message names it: relative to the current folder when inside it."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve())
    except ValueError:
        return path.resolve()


def did_you_mean(word: str, choices: Any) -> str:
    """`` (did you mean "x"?)`` for the closest choice, or an empty string."""
    close = difflib.get_close_matches(str(word), list(choices), n=1, cutoff=0.6)
    return _(' (did you mean "{choice}"?)').format(choice=close[0]) if close else ""

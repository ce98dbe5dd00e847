"""Find generations along the project's layers, resolve ``extends:``, validate.

What a generation may contain is declared in ``schema``; this module checks the
resolved values that depend on each other (sizes, blocks, files that must exist)."""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from .. import yamlio
from ..errors import Diagnostic, InputError, UsageError, Where
from ..i18n import _
from ..limits import MAX_FIELDS, MAX_LIST_ITEMS
from ..model import HARD_MIN_MODULE_MM, MIN_MODULE_MM, Generation
from ..project import Project, did_you_mean
from . import sections
from .schema import blocks, check_layer

# Blocks that print a unit field, and the field.
UNIT_BLOCKS = {"address": "address", "hotline": "hotline", "website": "website"}


def available(project: Project) -> dict[str, Path]:
    """Generation id -> file, project files overriding built-ins of the same name."""
    found: dict[str, Path] = {}
    for folder in reversed(project.layers("generations")):
        for path in sorted(folder.glob("*.yaml")):
            found[path.stem] = path
    return dict(sorted(found.items()))


def load(project: Project, gen_id: str) -> Generation:
    """Load generation ``gen_id`` with its ancestors merged in and check it.

    Every problem of every file in the chain is reported at once, with file and line.
    """
    files = available(project)
    chain, layers, problems = _read_chain(files, str(gen_id))
    resolved: dict[str, Any] = {}
    for layer in reversed(layers):
        resolved = merge(resolved, {k: v for k, v in layer.items() if k != "extends"})
    if problems:
        raise InputError(_("bad generation"), problems)
    data = yamlio.plain(resolved)
    generation = Generation(id=str(gen_id), sections=sections.build(str(gen_id), data),
                            chain=tuple(chain), path=files[str(gen_id)], where=_where(layers, chain))
    # values of the merged result, located in the file that set them
    problems = _check_values(generation, project, layers, [_label(c) for c in chain])
    if problems:
        raise InputError(_("bad generation"), problems)
    return generation


def revised(gen: Generation, changes: Mapping[str, Any]) -> Generation:
    """``gen`` with ``changes`` merged into its YAML (``{"card": {"bleed_mm": 0}}``) and its
    sections read again: the one way to make a changed copy of a generation."""
    data = merge(dict(gen.data), dict(changes))
    return dataclasses.replace(gen, sections=sections.build(gen.id, data))


def _read_chain(files: dict[str, Path],
                gen_id: str) -> tuple[list[str], list[yamlio.YDict], list[Diagnostic]]:
    """The generation and its ancestors (ids, files read), with each file's own problems."""
    chain: list[str] = []
    layers: list[yamlio.YDict] = []
    problems: list[Diagnostic] = []
    current: str | None = gen_id
    while current is not None:
        if current in chain or current not in files:
            raise InputError(_("bad generation"), [*problems, _broken_link(files, chain, layers, current)])
        data = yamlio.load(files[current], name=_label(current), strings=False)
        if not isinstance(data, yamlio.YDict):  # how yamlio reads every mapping
            raise InputError(f"{_label(current)}: " + _("expected a mapping"))
        problems += check_layer(data, _label(current))
        chain.append(current)
        layers.append(data)
        parent = data.get("extends")
        current = str(parent) if parent is not None else None
    return chain, layers, problems


def _broken_link(files: dict[str, Path], chain: list[str], layers: list[yamlio.YDict],
                 current: str) -> Diagnostic:
    """What is wrong with ``extends: current`` at the end of ``chain`` (a cycle, or no such file)."""
    if not chain:  # the generation asked for by name: a usage error (exit 2)
        known = ", ".join(files) or _("none")
        raise UsageError(_("unknown generation {id}{hint} (known: {known})").format(
            id=repr(current), hint=did_you_mean(current, files), known=known))
    where: Where = {"file": _label(chain[-1]), "line": layers[-1].line_of("extends"), "field": "extends"}
    if current in chain:
        cycle = " -> ".join([*chain[chain.index(current):], current])
        return Diagnostic(**where, message=_("cycle: {cycle}").format(cycle=cycle))
    known = ", ".join(f for f in files if f not in chain) or _("none")
    return Diagnostic(**where, message=_(
        "unknown generation {id}{hint} (generations that exist: {known})").format(
        id=repr(current), hint=did_you_mean(current, files), known=known))


def _where(layers: list[yamlio.YDict], chain: list[str]) -> dict[str, tuple[str, int]]:
    """Key paths two deep (``tips.lines``) -> file and line of the nearest file setting them."""
    where: dict[str, tuple[str, int]] = {}
    for layer, gen_id in zip(reversed(layers), reversed(chain), strict=True):
        for key, value in layer.items():
            where[str(key)] = (_label(gen_id), layer.line_of(key))
            if isinstance(value, yamlio.YDict):
                for sub in value:
                    where[f"{key}.{sub}"] = (_label(gen_id), value.line_of(sub))
    return where


def _label(gen_id: str) -> str:
    return f"generations/{gen_id}.yaml"


def merge(base: Any, override: Any) -> Any:
    """Deep-merge mappings; anything else in ``override`` replaces ``base``."""
    if isinstance(base, dict) and isinstance(override, dict):
        result = {k: copy.deepcopy(v) for k, v in base.items()}
        for key, value in override.items():
            result[key] = merge(result.get(key), value) if key in result else copy.deepcopy(value)
        return result
    return copy.deepcopy(override)


def qr_hosts(gen: Generation, project: Project | None = None) -> list[str]:
    """Hosts (and scheme:// forms) a QR payload of ``gen`` may use, the project's included."""
    hosts = list(gen.qr.hosts)
    extra = (project.config.get("qr_hosts") if project is not None else None) or []
    return list(dict.fromkeys([*hosts, *(str(h) for h in extra)]))


def web_entries(gen: Generation) -> list[dict[str, str]]:
    """The generation's web: entries, each with ``source``: where its url comes from."""
    entries = []
    for entry in gen.data.get("web") or []:
        if entry.get("url"):
            source = ""
        elif entry.get("field"):
            source = str(entry["field"])
        else:
            source = f"web.{entry['label']}"
        entries.append({"label": str(entry["label"]), "url": str(entry.get("url") or ""),
                        "source": source})
    return entries


def unit_fields(gen: Generation) -> list[str]:
    """The unit fields ``gen`` prints (besides the unit's name), in the order of its faces.

    ``web.LABEL`` is the unit's web address of that label; ``mascot`` the unit's mascot
    (``mascot_needs``: its name and drawing, those the generation does not give itself).
    """
    fields: list[str] = []
    for side in ("front", "back"):
        for block in gen.shows(side):
            if block in UNIT_BLOCKS:
                fields.append(UNIT_BLOCKS[block])
            elif block == "web":
                fields += [e["source"] for e in web_entries(gen) if e["source"]]
            elif block == "mascot" and mascot_needs(gen):
                fields.append("mascot")
    return list(dict.fromkeys(fields))


def mascot_needs(gen: Generation) -> list[str]:
    """The unit fields a card of ``gen`` needs to print a mascot: its name (``mascot``)
    unless the generation captions its own drawing, and its drawing (``mascot_image``)
    unless the generation draws one (a built-in prints the unit's own mascot only)."""
    own = gen.mascot
    return [key for key, given in (("mascot", own.caption), ("mascot_image", own.image)) if not given]


def _locate(layers: list[yamlio.YDict], names: list[str], *path: str) -> tuple[str, int]:
    """File and line where the nearest generation of the chain sets ``path``."""
    for layer, name in zip(layers, names, strict=True):
        node: Any = layer
        line = 0
        for key in path:
            if not isinstance(node, yamlio.YDict) or key not in node:
                break
            line = node.line_of(key)
            node = node[key]
        else:
            return name, line
    return names[0], 0


def _check_values(gen: Generation, project: Project, layers: list[yamlio.YDict],
                  names: list[str]) -> list[Diagnostic]:
    """Checks of the merged generation: sizes, blocks, templates and assets that exist,
    each located in the nearest file of the chain that sets the value."""
    template_dirs = project.layers("templates")
    problems: list[Diagnostic] = []
    for checks in ((_limit_problems,),  # refused before anything else is looked at
                   (_card_problems, _block_problems, _qr_problems, _template_problems,
                    _mascot_problems)):
        for check in checks:
            for path, message in check(gen, template_dirs):
                file, line = _locate(layers, names, *path)
                problems.append(Diagnostic(file=file, line=line, field=".".join(path),
                                           message=message))
        if problems:
            return problems
    return problems


Problems = Iterator[tuple[tuple[str, ...], str]]  # (key path, message)


def _limit_problems(gen: Generation, template_dirs: list[Path]) -> Problems:
    """Lists longer than a card could hold, refused before anything is laid out."""
    for path in (("tips", "lines"), ("fraud_tips", "lines"), ("web",), ("front", "show"),
                 ("back", "show"), ("fields",)):
        value: Any = gen.data
        for key in path:
            value = value.get(key) if isinstance(value, dict) else None
        limit = MAX_FIELDS if path == ("fields",) else MAX_LIST_ITEMS
        if isinstance(value, list) and len(value) > limit:
            yield path, _("{count} items; a generation may list at most {limit} here").format(
                count=f"{len(value):,}", limit=limit)


def _card_problems(gen: Generation, template_dirs: list[Path]) -> Problems:
    card = gen.card
    if not (20 <= card.width <= 300 and 20 <= card.height <= 300):
        yield ("card", "width_mm"), _("size {width} x {height} mm is not a card size "
                                      "(20 to 300 mm a side)").format(
            width=f"{card.width:g}", height=f"{card.height:g}")
    if not 0 <= card.bleed <= 10:
        yield ("card", "bleed_mm"), f"{card.bleed:g} mm: " + _("bleed must be 0 to 10 mm")
    if not 0 <= card.safe <= 15 or 2 * card.safe >= min(card.width, card.height):
        yield ("card", "safe_mm"), f"{card.safe:g} mm: " + _("the safe margin must be 0 to 15 mm "
                                                             "and leave room on the card")


def _block_problems(gen: Generation, template_dirs: list[Path]) -> Problems:
    known = blocks(template_dirs)
    for side in ("front", "back"):
        for block in gen.shows(side):
            if not isinstance(block, str):
                yield (side, "show"), _("expected a list of block names")
            elif block not in known[side]:
                yield (side, "show"), _("unknown block {block}{hint} (blocks: {blocks})").format(
                    block=repr(block), hint=did_you_mean(block, known[side]),
                    blocks=", ".join(sorted(known[side])))


def _qr_problems(gen: Generation, template_dirs: list[Path]) -> Problems:
    qr = gen.data.get("qr") or {}
    if gen.qr_field is None:
        return
    if not qr:
        yield ("front", "show"), _("qr is shown but has no qr: settings")
        return
    card = gen.card
    size = float(qr.get("size_mm", 18))
    if not 8 <= size <= min(card.width, card.height) - 2 * card.safe:
        yield ("qr", "size_mm"), f"{size:g} mm: " + _("a QR code must be 8 mm or more and fit "
                                                      "inside the safe zone")
    if "ec" in qr and str(qr["ec"]).upper() not in ("L", "M", "Q", "H"):
        yield ("qr", "ec"), f"{qr.get('ec')!r}: " + _("error correction is L, M, Q or H")
    floor = qr.get("min_module_mm", MIN_MODULE_MM)
    if isinstance(floor, int | float) and not HARD_MIN_MODULE_MM <= floor <= 2:
        yield ("qr", "min_module_mm"), f"{floor:g} mm: " + _(
            "the smallest QR module preflight accepts may be {low} to {high} mm").format(
            low=HARD_MIN_MODULE_MM, high=2)


def _template_problems(gen: Generation, template_dirs: list[Path]) -> Problems:
    for key in ("front", "back", "stylesheet"):
        template = getattr(gen.templates, key)
        candidates = [d / gen.id / template for d in template_dirs] + \
                     [d / template for d in template_dirs]
        if not any(p.is_file() for p in candidates):
            yield ("templates", key), _("template {name} not found in the project's "
                                        "templates/ nor among cardkit's built-in templates").format(
                name=repr(template))


def _mascot_problems(gen: Generation, template_dirs: list[Path]) -> Problems:
    # A generation may draw its own mascot (mascot: image:); without one, a card shows the
    # unit's (unit: mascot: {name, image}), or none: showing the block needs no drawing here.
    mascot = gen.data.get("mascot") or {}
    shown = "mascot" in gen.shows("front") + gen.shows("back")
    for key in ("image", "image_cmyk"):
        if not (shown and mascot.get(key)):
            continue
        image = str(mascot[key])
        there = [path for d in template_dirs
                 if (path := (d / "assets" / image).resolve()).exists() and path.is_relative_to(d)]
        if not there:
            yield ("mascot", key), _("asset {name} not found in the project's "
                                     "templates/assets/ nor among cardkit's built-in assets").format(
                name=repr(image))
        elif not there[0].is_file():  # the first layer's wins: a FIFO there is never read
            yield ("mascot", key), _("asset {name}: not a regular file; put the drawing's own "
                                     "file in templates/assets/").format(name=repr(image))


def describe(gen: Generation) -> dict[str, Any]:
    """What `cardkit list` says of a generation."""
    card = gen.card
    return {
        "id": gen.id,
        "title": gen.title,
        "year": gen.year,
        "base": gen.base,
        "size": f"{card.width:g}x{card.height:g}mm",
        "bleed_mm": card.bleed,
        "front": gen.shows("front"),
        "back": gen.shows("back"),
        "unit": unit_fields(gen),
        "summary": gen.data.get("summary", ""),
    }

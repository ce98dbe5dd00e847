"""One function per command. The CLI is a thin layer over these."""

from __future__ import annotations

import dataclasses
import functools
import inspect  # dataclasses imports it anyway
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from . import yamlio
from .design import generations
from .errors import CardkitError, Diagnostic, ExitStatus, InputError, PreflightError, UsageError, named
from .i18n import _, ngettext
from .jobstate import current, new_job
from .model import Generation, Officer, Roster
from .project import CONFIG_NAME, Project, specimen_marker
from .resources import builtin_dir
from .sheet.impose import DUPLEX_EDGES, parse_paper

LAYOUTS = ("sheet", "cards")
SIDE_CHOICES = ("both", "front", "back")
DEFAULT_ROSTER = "liudong/roster.yaml"  # inside the built-in examples
# A roster file, or one in memory (see load_roster); None: cardkit.yaml's, else the example.
# PrintOptions.roster spells it out: its field docs print the annotation.
RosterSource = str | Path | Roster | Sequence[Mapping[str, Any] | Officer] | Mapping[str, Any] | None


def list_generations(project: Project) -> list[dict[str, Any]]:
    """Every generation the project can print, resolved."""
    return [generations.describe(generations.load(project, gen_id))
            for gen_id in generations.available(project)]


def show_generation(project: Project, gen_id: str) -> str:
    """The fully resolved generation as YAML text."""
    gen = generations.load(project, gen_id)
    # every key as resolved (gen.data), not only those the typed sections read
    data = {"id": gen.id, "extends": gen.base, "chain": list(gen.chain), **gen.data}
    return yamlio.dump(data)


def roster_path(project: Project, roster: str | Path | None) -> str | Path:
    """The roster file to use: the one given, cardkit.yaml's, or the built-in example."""
    if roster is not None:
        return roster
    if project.default_roster is not None:
        return project.default_roster
    return builtin_dir("examples") / DEFAULT_ROSTER


def _roster_file(project: Project, roster: object) -> str | Path | None:
    """The roster's file, for the ledger's checksums (None for an in-memory roster)."""
    if roster is None or isinstance(roster, str | Path):  # not in memory
        return roster_path(project, roster)
    return None


def load_roster(project: Project, gen: Generation, roster: RosterSource = None,
                officer_ids: list[str] | None = None, sheet: str | None = None) -> Roster:
    """Read and validate the roster; keep only ``officer_ids`` when given.

    ``roster`` is a file (see ``roster_path``) or in memory: a ``Roster``, a list of
    officer mappings or ``Officer`` objects, or a ``{unit:, officers:}`` mapping; all are
    validated like a file's rows (an ``Officer``'s unit as the row's unit columns).
    """
    from . import limits
    from .roster.choose import officer_ids as chosen_ids
    from .roster.read import read_data, read_roster
    from .roster.validate import QrRule, build_roster, id_key

    if isinstance(roster, Roster):  # built by hand, or kept from an earlier job: checked again
        raw = read_data(roster.officers)
        raw.root, raw.specimen = roster.root, roster.specimen
    elif roster is None or isinstance(roster, str | Path):
        raw = read_roster(roster_path(project, roster), sheet=sheet)
    else:
        raw = read_data(roster)
    limits.check_columns(raw)
    people = [(str(r.fields.get("id") or ""), str(r.fields.get("name") or "").strip())
              for r in raw.records]
    if officer_ids:  # an id, or a name as the clerk knows the officer
        officer_ids = chosen_ids(officer_ids, people)
    qr = None
    if gen.qr_field is not None:
        qr = QrRule(field=gen.qr_field, hosts=tuple(generations.qr_hosts(gen, project)))
    marker = None if raw.specimen or not (roster is None or isinstance(roster, str | Path)) \
        else specimen_marker(project, roster_path(project, roster))
    try:
        result = build_roster(raw, project.unit(), gen.fields,
                              needs=generation_needs(gen),
                              specimen=marker is not None, qr=qr,
                              only=officer_ids or None)
    except InputError as exc:  # said with each officer's name beside the id
        rows = {(r.file, line): person for r, person in zip(raw.records, people, strict=True)
                for line in (r.line, *r.lines.values())}
        exc.diagnostics = sorted(named(exc.diagnostics, dict(reversed(people)), rows))
        raise
    if result.specimen:
        result = replace(result, specimen_by=str(marker or raw.file))
    every_id = [officer_id for officer_id, _name in people]
    if officer_ids:
        known = {id_key(o.id) for o in result.officers}
        missing = [i for i in officer_ids if id_key(i) not in known]
        if missing:  # an id given by name: a usage error (exit 2)
            from .project import did_you_mean

            raise UsageError(f"{result.source}: " + _("no officer with id {ids}").format(
                ids=", ".join(i + did_you_mean(i, every_id) for i in missing)))
        wanted = {id_key(i) for i in officer_ids}
        result = replace(result, officers=tuple(o for o in result.officers
                                                if id_key(o.id) in wanted))
    result, converted = _unit_mascots(project, gen, result)
    return replace(result, notes=tuple(named((*result.notes, *converted,
                                              *card_warnings(gen, result)),
                                             officer_names(result))))


def officer_names(roster: Roster) -> dict[str, str]:
    """Each officer's id -> name, to say both in messages (``errors.named``)."""
    return {o.id: o.name for o in roster.officers}


def _unit_mascots(project: Project, gen: Generation, roster: Roster) -> tuple[Roster, list]:
    """The units' mascot drawings checked, and made CMYK for a CMYK job (with its notices)."""
    from .design import colors, mascot

    roots = [*project.allowed_roots(), *([roster.root] if roster.root else [])]
    places = mascot.config_places(project.unit(), str(project.config_path or CONFIG_NAME))
    problems = mascot.check(roster, gen, roots, places)
    if problems:
        raise InputError(_("bad roster"), problems)
    # the drawings are the job's own files (its date; never an output's target), and shape the
    # cards: kept in the ledger by their bytes (the officers' digests leave them out)
    drawings = mascot.drawings(roster, gen)
    roster = replace(roster, inputs=(*roster.inputs, *drawings))
    from . import outputs

    outputs.record_design(drawings, _("the unit's mascot drawing"))
    return (mascot.for_cmyk(roster, gen, places) if colors.is_cmyk(gen)
            else (mascot.inline(roster, gen), []))


def own_inputs(project: Project, gen_ids: tuple[str, ...] | list[str] = (),
               roster_file: str | Path | None = None, roster: Roster | None = None) -> list[Path]:
    """The job's own files, whose newest modification time dates the PDF.

    The roster (not standard input), its QR screenshots, cardkit.yaml, the project's
    generations in the jobs' ``extends:`` chains and its templates; never the package's
    own data (the built-in generations, templates and example), which a reinstall touches.
    """
    from .resources import package_roots

    files: list[Path] = []
    if roster_file is not None and str(roster_file) != "-":
        files.append(Path(roster_file))
    if roster is not None:
        files.extend(roster.inputs)
    if project.config_path is not None:
        files.append(project.config_path)
    found = generations.available(project)
    files.extend(found[gen_id] for gen_id in dict.fromkeys(gen_ids) if gen_id in found)
    templates = project.root / "templates"
    if templates.is_dir():
        files.extend(p for p in sorted(templates.rglob("*")) if p.is_file())
    package = [root.resolve() for root in package_roots()]
    return [f for f in files
            if f.is_file() and not any(f.resolve().is_relative_to(root) for root in package)]


def enforce_strict(notes: list[Diagnostic], strict: bool) -> None:
    """Under ``--strict`` a warning fails the job: raise with every note, and one line
    saying why the job stopped, when there is one."""
    if strict and any(n.fails(strict=True) for n in notes):
        count = sum(n.severity == "warning" for n in notes)
        raise InputError(_("a warning fails the job under --strict"), [*notes, Diagnostic(
            message=ngettext("{count} warning and --strict: nothing written",
                             "{count} warnings and --strict: nothing written", count).format(
                count=count))])


def generation_needs(gen: Generation) -> dict[str, str]:
    """Officer fields this generation cannot print without (a QR payload under missing: error)."""
    if gen.qr_field is None or qr_missing(gen) != "error":
        return {}
    return {gen.qr_field: _("generation {gen} prints a QR code of this field (qr: missing: "
                            "error)").format(gen=gen.id)}


def qr_missing(gen: Generation) -> str:
    """What a card does when the officer's QR field is empty: omit (default) or error."""
    return gen.qr.missing


# The roster column (Chinese, as the guide names it) of each unit field, for the warnings.
UNIT_COLUMN_NAMES = {"address": "地址", "hotline": "值班电话", "website": "网站", "weibo": "微博",
                     "mascot": "卡通形象 (its name) and a mascot_image (its drawing)"}


def card_warnings(gen: Generation, roster: Roster) -> list[Diagnostic]:
    """What the cards of ``roster`` leave off: one warning per missing unit field, one for
    the officers printed without their QR code."""
    warnings = []
    file = str(roster.source)
    for key in generations.unit_fields(gen):
        needs = generations.mascot_needs(gen) if key == "mascot" else [key]  # name and drawing
        lacking = [o for o in roster.officers if not all(o.unit.value(k) for k in needs)]
        if not lacking:
            continue
        named = sorted({o.unit.mascot for o in lacking if o.unit.mascot}) if key == "mascot" else []
        if named and "mascot_image" in needs:  # a name without its drawing (mascot: 桂小警)
            warnings.append(Diagnostic(file=file, subject="unit", field=key, severity="warning",
                                       message=_(
                "the unit names its mascot {names} but gives no drawing of it; generation {gen} "
                "prints a unit's mascot only with its drawing, so the cards leave it off (write "
                "mascot: {{name: {name}, image: FILE}} under unit: in cardkit.yaml or the roster, "
                "or fill a mascot_image column with the drawing's file)").format(
                names=", ".join(named), gen=gen.id, name=named[0])))
            continue
        column = key[4:] if key.startswith("web.") else UNIT_COLUMN_NAMES.get(key, key)
        written = (f"web: [{{label: {key[4:]}, url: https://...}}]" if key.startswith("web.")
                   else "mascot: {name: ..., image: FILE}" if key == "mascot"
                   else f"{key}: ...")
        if len(lacking) == len(roster.officers):
            whose = _("no officer's unit gives it")
        else:
            whose = _("the unit of {count} officers ({ids}) does not give it").format(
                count=len(lacking), ids=_id_list(lacking))
        # a unit without a mascot is a station's choice (issue 23): said, never a warning that
        # --strict would fail on
        severity = "notice" if key == "mascot" else "warning"
        warnings.append(Diagnostic(file=file, subject="unit", field=key, severity=severity,
                                   message=_(
            "{whose}; generation {gen} prints it, so the cards leave it off (write "
            "{written} under unit: in cardkit.yaml or the roster, or fill a {column} column)"
        ).format(whose=whose, gen=gen.id, written=written, column=column)))
    if gen.qr_field is not None and qr_missing(gen) == "omit":
        for officer in roster.officers:  # one line each, with its row (grouped when printed)
            if not officer.as_context().get(gen.qr_field):
                warnings.append(Diagnostic(
                    file=officer.source.file or file, line=officer.source.line,
                    subject=f"officer {officer.id}", field=gen.qr_field, severity="warning",
                    message=_("empty: the card is printed without its QR code (qr: missing: "
                              "omit in generation {gen})").format(gen=gen.id)))
    warnings += qr_level_warnings(gen, roster)
    return warnings


def qr_level_warnings(gen: Generation, roster: Roster) -> list[Diagnostic]:
    """One warning per officer whose QR payload is so long that its code drops to error
    correction level L (a WeChat link with ``&from=...`` after it, say)."""
    from .render.qr import forced_to_low

    if gen.qr_field is None or gen.qr.ec:  # a level the design chose is its own
        return []
    size = gen.qr.size_mm
    warnings = []
    for officer in roster.officers:
        payload = str(officer.as_context().get(gen.qr_field) or "")
        if payload and forced_to_low(payload, size, min_module_mm=gen.qr_min_module_mm):
            warnings.append(Diagnostic(
                file=officer.source.file or str(roster.source), line=officer.source.line,
                subject=f"officer {officer.id}", field=gen.qr_field, severity="warning",
                message=_("the link is {length} characters long, so its QR code drops to error "
                          "correction level L (which restores less of a scratched or smudged "
                          "code than M); use the short form of the link (without ?from=... "
                          "or &from=... and the like after it)").format(length=len(payload))))
    return warnings


def _id_list(officers: list[Officer], shown: int = 8) -> str:
    ids = ", ".join(o.id for o in officers[:shown])
    return ids + (_(" and {count} more").format(count=len(officers) - shown)
                  if len(officers) > shown else "")


def specimen_notice(roster: Roster) -> Diagnostic | None:
    """The one notice a job made from a specimen roster gives."""
    if not roster.specimen:
        return None
    return Diagnostic(file=str(roster.source), severity="notice", message=_(
        "printed specimens: {file} marks the roster specimen: true, so its placeholders are "
        "allowed and every card carries a 样张 / SPECIMEN mark").format(
        file=roster.specimen_by or roster.source))


def with_field_docs(cls: type) -> type:
    """Make ``help(cls)`` list each field with its documentation (the string under its
    declaration, which Python does not keep at run time) after the class's docstring.

    The text is made when the docstring is first read, not at import: reading the source
    costs more than a small job's whole import.
    """
    # typeshed says str | None; type() reads a descriptor there too (see _FieldDocs)
    cls.__doc__ = _FieldDocs(cls.__doc__ or "")  # type: ignore[assignment]
    return cls


class _FieldDocs:
    """A class docstring worked out on first reading: ``type`` calls the ``__get__`` of a
    ``__doc__`` found in the class's dict."""

    def __init__(self, doc: str) -> None:
        self.doc = inspect.cleandoc(doc)
        self.text: str | None = None

    def __get__(self, _instance: object, owner: type | None = None) -> str:
        if self.text is None:
            self.text = self.doc  # while the source is read, and if it cannot be
            if owner is not None:
                self.text = self.doc + _fields_text(owner)
        return self.text


def _fields_text(cls: type) -> str:
    """``Fields:`` and, per field, ``name: type = default`` and its documentation indented;
    empty without the source (a build that dropped the .py files)."""
    import ast
    import textwrap

    try:
        node = ast.parse(textwrap.dedent(inspect.getsource(cls))).body[0]
    except (OSError, TypeError, SyntaxError, IndexError):
        return ""
    if not isinstance(node, ast.ClassDef):  # the source of a class is its class statement
        return ""
    body = node.body
    docs = {node.target.id: inspect.cleandoc(after.value.value)
            for node, after in zip(body, body[1:], strict=False)
            if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)
            and isinstance(after, ast.Expr) and isinstance(after.value, ast.Constant)
            and isinstance(after.value.value, str)}
    lines = []
    for item in dataclasses.fields(cls):
        if item.default is not dataclasses.MISSING:
            default = f" = {item.default!r}"
        elif item.default_factory is not dataclasses.MISSING:
            factory: Callable[[], object] = item.default_factory
            default = f" = {factory.__name__}()"
        else:
            default = ""
        lines.append(f"{item.name}: {item.type}{default}")
        lines.extend("    " + line for line in docs.get(item.name, "").splitlines())
    return "\n\nFields:\n\n" + "\n".join(lines)


@with_field_docs
@dataclass
class PrintOptions:
    """What to print and how: the one options object of ``print_cards`` (and of ``cardkit print``).

    Only ``gen`` is required. Paths may be ``str`` or ``Path``; ``-`` means standard
    input (``roster``) or output (``output``), as on the command line.
    """

    gen: str
    """Generation id, e.g. ``"2022"`` (``cardkit list`` shows them)."""
    roster: str | Path | Roster | Sequence[Mapping[str, Any] | Officer] | Mapping[str, Any] | None = None
    """Who gets cards: a roster file (YAML, CSV, XLSX, XLS, ODS); or, in memory, a list of officers
    (mappings with the roster's field names, or ``Officer`` objects), a mapping with
    ``unit:`` and ``officers:`` like a YAML roster, or a ``Roster``. None: cardkit.yaml's
    roster, else the built-in example."""
    sheet: str | None = None
    """Worksheet of a spreadsheet roster (default: the first)."""
    officers: list[str] = field(default_factory=list)
    """Print only these officer ids (default: everyone on the roster). Only they are
    checked; the other officers' problems are one notice with their count."""
    output: str | Path | None = None
    """Where to write the PDF (``-``: standard output). None: write nothing and return the
    bytes in ``PrintResult.pdf``."""
    layout: str | None = None
    """``sheet``: N-up on paper with crop marks; ``cards``: one card per page with bleed.
    None: cardkit.yaml's ``layout:``, else the preset's, else ``sheet``."""
    paper: str | None = None
    """A4, A3, SRA3, Letter or ``WxHmm`` (default: cardkit.yaml's ``paper:``, else A4)."""
    duplex: str = "long"
    """Edge the sheet is turned on (``long``, ``short``, ``none``); backs land behind fronts."""
    bleed: float | None = None
    """Bleed in mm, 0 to 10 (default: the generation's)."""
    marks: str | None = None
    """``crop`` or ``none`` (default: crop on paper; none on a stock or 1-up)."""
    sides: str = "both"
    """``both``, ``front`` or ``back``."""
    copies: int = 1
    """Cards per officer."""
    stock: str | None = None
    """A pre-cut card sheet by its maker's code (``cardkit stocks`` lists them)."""
    margin: float | None = None
    """Millimetres kept free at the paper's edges (sheet layout on paper)."""
    gutter: float | None = None
    """Millimetres between cards."""
    first: int = 1
    """First free slot of a part-used sheet (1 = a fresh sheet; slots counted row by row)."""
    printer: str | None = None
    """Apply this printer's duplex calibration (cardkit.yaml ``printers:``) to the backs."""
    color: str | None = None
    """``rgb``, or ``cmyk``: PDF/X-4 with an output intent, colours from ``colors_cmyk:``,
    black type overprinting. None: cardkit.yaml's ``color:``, else the preset's, else rgb."""
    preset: str | None = None
    """``shop``: one card per page, CMYK PDF/X-4, 3 mm bleed, crop marks outside the bleed
    (``presets.PRESETS``). An option given here or in cardkit.yaml wins over the preset."""
    slug: bool = False
    """Print a line of job facts outside the trim of each front sheet."""
    strict: bool = False
    """Every warning fails the job (notices never do)."""
    jobs: int | None = None
    """Worker processes rendering in parallel (None: every core)."""
    progress: Callable[[int, int], None] | None = None
    """Called with (cards done, cards in all) as the faces are rendered."""
    report: str | Path | None = None
    """Write the reprint ledger here (JSON): officer -> sheet, slot, side; input checksums."""
    changed_since: str | Path | None = None
    """Print only officers whose card changed since this ledger."""
    shard: str | None = None
    """``"I/N"``: print the I-th of N contiguous parts of the roster."""
    time_limit: float | None = None
    """Seconds a chunk of officers may take to render (default: cardkit.yaml ``limits:``, 600)."""
    memory_limit: float | None = None
    """MiB rendering a chunk may grow a process by (default: ``limits:``, 4096). It is the
    process's growth: a job called on a thread of a service counts what the service's other
    threads allocate meanwhile (jobs included), so a service that needs a memory limit per
    job runs its jobs in worker processes, as ``cardkit serve`` does."""
    lang: str | None = None
    """Language of the job's messages, ``en`` or ``zh`` (None: the calling thread's, which the
    CLI sets from ``--lang`` or the locale). Two jobs on two threads may speak two languages."""
    output_intent: str | Path | None = None
    """The shop's ICC profile of its press condition (CMYK output profile), embedded as the
    PDF/X output intent instead of cardkit's FOGRA39. CMYK values are printed as the design
    states them: nothing is converted to the profile."""
    output_condition: str | None = None
    """The OutputConditionIdentifier of ``output_intent``: the registered name of its
    characterisation, e.g. ``JC200103`` (Japan Color 2001 Coated). None: ``Custom``."""


@with_field_docs
@dataclass
class PrintResult:
    """What ``print_cards`` did. Problems that stop the job are not returned: they raise
    ``InputError``, ``PreflightError`` or ``UsageError``, each with its ``diagnostics``;
    the warnings and notices of a job that went through are in ``notes``."""

    output: str
    """The file written (``<stdout>`` for ``-``), or ``""`` when the PDF is returned."""
    cards: int
    """Cards printed (officers x copies)."""
    pages: int
    """Pages of the PDF."""
    sheets: int
    """Sheets of paper (0 for the ``cards`` layout)."""
    layout: str
    """``sheet`` or ``cards``."""
    pdf: bytes | None = None
    """The PDF itself, when no ``output`` was given."""
    stamped: int = 0
    """Officers stamped on a plate laid out once (``render.stamp``); the others were laid out."""
    laid_out: dict[str, int] = field(default_factory=dict)
    """Why the others were laid out in full: reason -> officers."""
    notes: list[Diagnostic] = field(default_factory=list)
    """Warnings (what the cards leave off) and notices (specimens, extra columns, other
    officers' problems under ``officers``, a design laid out at a stock's card size) of the
    job, which did not stop it."""
    details: list[str] = field(default_factory=list)
    """What ``-v`` explains: why the cards of an A4 sheet abut, say."""
    officers: tuple[Officer, ...] = ()
    """The officers printed (those ``changed_since`` or ``shard`` chose, say)."""


def _job_boundary(function: Callable) -> Callable:
    """``function`` (a job: ``print_cards``, ``check``) as a caller meets it.

    - Python running out of stack (a stylesheet of thousands of nested ``calc(``, a design
      nested past what layout recurses through) is one error line, not a crash. The
      template's own nesting is refused before layout (``templating.MAX_NESTING``); this is
      the boundary for what no check foresaw.
    - A Ctrl-C (``KeyboardInterrupt``) goes on to the caller, who may handle it and go on
      (``limits.hand_on_interrupt``: Python would otherwise end that process by SIGINT at its
      exit, now and then).
    """

    @functools.wraps(function)
    def at_the_boundary(*args: Any, **kwargs: Any) -> Any:
        from .limits import hand_on_interrupt

        try:
            return function(*args, **kwargs)
        except RecursionError:
            raise InputError(_("the design is nested too deeply to lay out (thousands "
                               "of elements, brackets or calc() inside one another); simplify "
                               "the templates and stylesheets")) from None
        except KeyboardInterrupt:
            hand_on_interrupt()
            raise

    return at_the_boundary


PART = 1680  # officers per part; a multiple of 8, 10, 12, 14, 15, 16, 20, 21, 24, 28, 30 per sheet


@_job_boundary
def print_cards(project: Project, options: PrintOptions) -> PrintResult:
    """Render, preflight and write the cards; nothing is written if a check fails.

    Unset options come from cardkit.yaml, then the preset (``presets.resolve``). A job
    of more than ``PART`` officers written to a file is printed part by part (memory
    stays that of one part) and the parts merged on disk.
    """
    with new_job(), _speaking(options.lang):
        try:
            return _print_job(project, options)
        except CardkitError as exc:
            raise with_diagnostics(exc) from None


def _speaking(lang: str | None):
    """The job's language, for this context only (``i18n.using``); None keeps the caller's."""
    import contextlib

    from .i18n import LANGUAGES, using

    if lang is None:
        return contextlib.nullcontext()
    if lang not in LANGUAGES:
        raise UsageError(_("{value} is not one of {choices}").format(
            value=f"lang {lang!r}", choices=", ".join(LANGUAGES)))
    return using(lang)


def _print_job(project: Project, options: PrintOptions) -> PrintResult:
    from . import report
    from .presets import resolve

    options = resolve(project, options)  # flag > cardkit.yaml > preset > defaults
    _check_options(options)
    _check_names(project, options)
    report.check_target(options.report)
    _guard_outputs(project, options)
    _output_intent(options)  # the shop's profile read (never waited on) before any rendering
    gen, adapted = job_generation(project, options)
    roster = load_roster(project, gen, options.roster, options.officers, sheet=options.sheet)
    missing = fonts_missing(gen)
    if missing:
        raise InputError(_("fonts not installed"), missing)
    if options.changed_since or options.shard:
        roster = report.select(project, gen, roster, options.changed_since, options.shard)
        if not roster.officers:
            return PrintResult(output="", cards=0, pages=0, sheets=0, layout=_layout(options))
        roster = replace(roster, notes=tuple(named(card_warnings(gen, roster),
                                                   officer_names(roster))))
    notes = [*roster.notes, *filter(None, [specimen_notice(roster)]), *adapted]
    enforce_strict(notes, options.strict)
    _check_job_size(roster, options)
    if len(roster.officers) > PART and options.output is not None and str(options.output) != "-":
        result = _print_in_parts(project, options, gen, roster)  # too big for one PDF in memory
    else:
        result = _print_roster(project, options, gen, roster)
    result.notes = [*notes, *result.notes]  # the job's, then preflight's warnings
    result.officers = roster.officers
    return result


def job_generation(project: Project, options: PrintOptions) -> tuple[Generation, list[Diagnostic]]:
    """The generation as the job prints it: with the job's bleed, its stock's card size
    and its colour; and the notice that says the size was adapted, if it was."""
    gen = generations.load(project, options.gen)
    if options.bleed is not None:
        gen = _with_bleed(gen, options.bleed)
    adapted: list[Diagnostic] = []
    if options.layout == "sheet":
        from .sheet.papers import fit_to_stock

        gen, notice = fit_to_stock(project, gen, options.paper, options.stock)
        adapted += [notice] if notice else []
    if options.color == "cmyk":
        from .design.colors import cmyk_generation

        gen = cmyk_generation(gen, project)
    return gen, adapted


def _print_roster(project: Project, options: PrintOptions, gen: Generation,
                  roster: Roster) -> PrintResult:
    """One PDF of ``roster``: render and preflight the faces, lay out, write."""
    with _chunk_run(project, options, gen, roster) as run:
        faces, problems = run.collect(run.queue(0, len(roster.officers)))
    return _write_roster(project, options, gen, roster, faces, problems)


def _sides(options: PrintOptions) -> tuple[str, ...]:
    from .render.faces import SIDES

    return tuple(SIDES) if options.sides == "both" else (options.sides,)


def _chunk_run(project: Project, options: PrintOptions, gen: Generation, roster: Roster):
    """The workers that render ``roster``'s faces and preflight them (``batch.ChunkRun``)."""
    from . import limits
    from .preflight import check_faces
    from .render import batch

    return batch.ChunkRun(
        project, gen, roster.officers, _sides(options), [roster.root] if roster.root else [],
        check=check_faces, jobs=options.jobs, progress=options.progress,
        limits=limits.from_settings(project.config, options.time_limit, options.memory_limit))


def _write_roster(project: Project, options: PrintOptions, gen: Generation, roster: Roster,
                  faces: Any, problems: list[Diagnostic]) -> PrintResult:
    """The PDF of ``roster`` from its rendered ``faces``, checked by preflight first."""
    from . import outputs, report
    from .pdf import assemble as pdfout

    sides = _sides(options)
    if any(p.fails(strict=options.strict) for p in problems):  # a warning fails under --strict
        raise PreflightError(_("preflight failed"), named(problems, officer_names(roster)))
    # what the layouts read (an @imported stylesheet, a font, an image) joins the job's record:
    # no output may replace it, and the ledger keeps its bytes for --changed-since
    outputs.record_design(sorted(faces.files_read), _("a file the cards' layout reads"))
    outputs.check_target(options.output, "-o")
    outputs.check_target(options.report, "--report")
    cards = [o for o in roster.officers for _ in range(options.copies)]
    pdf, sheets, layout = compose(project, options, gen, roster, faces, sides)
    details = []
    if options.layout == "sheet":
        from .sheet.papers import gutter_note

        details = [note for note in [gutter_note(project, gen.card, options.paper, options.stock,
                                                 options.margin, options.gutter, gen=gen,
                                                 printer=options.printer,
                                                 slug=options.slug)] if note]
    data = pdfout.finish(pdf, title=f"{gen.title}", subject=f"{len(cards)} cards",
                         pdfx=options.color == "cmyk",
                         duplex=options.duplex if options.sides == "both" else "none",
                         intent=_output_intent(options),
                         inputs=own_inputs(project, gen.chain,
                                           _roster_file(project, options.roster), roster))
    page_count = len(pdf.pages)
    written = "" if options.output is None else (
        "<stdout>" if str(options.output) == outputs.STDOUT else str(options.output))
    writes = [] if options.output is None else [(options.output, data, "-o")]
    if options.report:  # the PDF and its ledger succeed or fail together
        writes.append((options.report, report.encode(report.build(
            project, gen, roster, cards, sides, layout=_layout(options),
            per_sheet=layout.per_sheet if options.layout == "sheet" else 0,
            first=options.first, output=written, pages=page_count,
            sheets=sheets, faces=len(set(faces.index.values())),
            roster_file=_roster_file(project, options.roster), shard=options.shard,
            changed_since=options.changed_since,
            design_files=current().layout_files)), "--report"))
    if writes:
        outputs.write_together(*writes)
    return PrintResult(output=written, cards=len(cards), pages=page_count, sheets=sheets,
                       layout=_layout(options), pdf=data if options.output is None else None,
                       stamped=faces.stamped, laid_out=faces.refused,
                       details=details, notes=list(named(problems, officer_names(roster))))


def compose(project: Project, options: PrintOptions, gen: Generation, roster: Roster, faces,
            sides: tuple[str, ...]):
    """The job's PDF from its faces: (pikepdf document, sheets, sheet layout or None).

    Raises InputError for what the layout or colour cannot take (RGB in a CMYK job).
    """
    from .pdf import assemble as pdfout

    cards = [o for o in roster.officers for _ in range(options.copies)]
    card = gen.card
    layout = None
    if options.layout == "cards":
        sequence = [faces.index[(o.id, side)] for o in cards for side in sides]
        pdf = pdfout.build_cards(faces.pdf, sequence, card.width, card.height, card.bleed,
                                 marks=options.marks == "crop")
        sheets = 0
    else:
        from .sheet import papers as sheet_setup
        from .sheet.plan import plan_sheets

        layout = sheet_setup.resolve_layout(project, card, options.paper, options.stock,
                                            options.margin, options.gutter, gen=gen,
                                            printer=options.printer, slug=options.slug)
        marks = options.marks or ("none" if sheet_setup.uses_stock(
            project, options.paper, options.stock) else "crop")
        checksum = sheet_setup.roster_checksum(roster.officers) if options.slug else ""
        pages = plan_sheets(
            layout, cards, sides, faces.index, options.duplex, marks=marks == "crop",
            first=options.first, calibration=_calibration(project, options.printer),
            slug=(lambda n, m: sheet_setup.slug_text(gen.id, checksum, n, m, options.duplex,
                                                     layout.paper.name)) if options.slug else None)
        pdf = pdfout.build_sheets(faces.pdf, layout.paper, pages)
        sheets = len(pages) // len(sides)
    if options.color == "cmyk":
        from .pdf import overprint
        from .pdf.pdfx import rgb_uses

        overprint.apply(pdf)  # black type and hairlines print over the background
        found = rgb_uses(pdf)
        if found:
            raise InputError(_("RGB in a CMYK job"), [
                Diagnostic(file=f"generation {gen.id}",
                           message=_("{where} (use device-cmyk colours)").format(where=where))
                for where in found[:20]])
    return pdf, sheets, layout


def _part_size(project: Project, options: PrintOptions, gen: Generation) -> int:
    """Officers per part: ``PART``, or on a sheet whose cards do not divide it (a stock of
    nine, say, or ``--copies``), the largest number below it whose cards fill whole sheets,
    so that no sheet inside the job is left part empty."""
    import math

    if options.layout != "sheet":
        return PART
    from .sheet import papers as sheet_setup

    per_sheet = sheet_setup.resolve_layout(project, gen.card, options.paper, options.stock,
                                           options.margin, options.gutter, gen=gen,
                                           printer=options.printer,
                                           slug=options.slug).per_sheet
    officers = per_sheet // math.gcd(per_sheet, options.copies)  # whose cards fill sheets
    return PART - PART % officers if PART >= officers else PART


def _print_in_parts(project: Project, options: PrintOptions, gen: Generation,
                    roster: Roster) -> PrintResult:
    """Print ``roster`` in parts of ``PART`` officers, each part to a temporary PDF beside
    the output, then merge the parts into the output.

    Memory stays that of one part while rendering; the merge copies pages, whose
    content qpdf reads from the part files as it writes. Every sheet but the last
    of each part is full: parts hold a multiple of the cards per sheet (``_part_size``;
    unless ``first`` leaves slots empty on the first sheet, when part 1 ends on a part sheet).
    """
    import dataclasses
    import json
    import shutil

    from . import outputs, report
    from .pdf.concat import merged
    from .render.batch import RENEW_PARTS

    assert options.output is not None, "_print_job prints in parts only to a file"
    output = Path(options.output)
    total = len(roster.officers)
    cards = pages = sheets = stamped = 0
    laid_out: dict[str, int] = {}
    ledgers = []
    face_keys: set[str] = set()  # the job's distinct faces, a face two parts print once
    details: list[str] = []
    warned: list[Diagnostic] = []  # preflight warnings of the parts, once each
    tmp = outputs.temporary_folder(output)  # a killed job's folder goes at the next run
    size = _part_size(project, options, gen)
    starts = range(0, total, size)
    current().in_parts = True  # fonts subset once, when the parts are merged
    try:
        parts = []
        with _chunk_run(project, options, gen, roster) as run:  # one set of workers
            # two parts queued ahead: the workers render the next while this writes one
            queued = [run.queue(start, min(start + size, total)) for start in starts[:2]]
            for number, start in enumerate(starts):
                part = replace(roster, officers=roster.officers[start:start + size])
                changes: dict[str, Any] = {"output": str(tmp / f"part-{number:05d}.pdf"),
                           "changed_since": None, "shard": None,
                           "report": str(tmp / f"part-{number:05d}.json") if options.report
                           else None}
                if number:
                    changes["first"] = 1  # only the first part starts on a part-used sheet
                faces, problems = run.collect(queued.pop(0))
                if not queued and number + 1 < len(starts):  # fresh workers (batch.RENEW_PARTS)
                    run.renew()
                    queued = [run.queue(at, min(at + size, total))
                              for at in starts[number + 1:number + 3]]
                elif number + 2 < len(starts) and (number + 2) % RENEW_PARTS:
                    ahead = starts[number + 2]  # the workers go on with the part after the next
                    queued.append(run.queue(ahead, min(ahead + size, total)))
                try:
                    result = _write_roster(project, dataclasses.replace(options, **changes), gen,
                                           part, faces, problems)
                except outputs.OutputError as exc:  # the disk filled up under a part: the output
                    raise outputs.failed(output, exc) from None
                parts.append(Path(changes["output"]))
                if options.report:
                    ledgers.append(json.loads(Path(changes["report"]).read_text(encoding="utf-8")))
                    face_keys.update(faces.face_keys.values())
                details = details or result.details  # the first part's (the sheet is the same)
                warned += [n for n in result.notes if n not in warned]
                cards += result.cards
                pages += result.pages
                sheets += result.sheets
                stamped += result.stamped
                for why, count in result.laid_out.items():
                    laid_out[why] = laid_out.get(why, 0) + count
        writes: list[tuple[str | Path, outputs.Content, str]] = [
            (output, merged(parts, f"{cards} cards"), "-o")]
        if options.report:  # the PDF and its ledger succeed or fail together
            writes.append((options.report, report.encode(report.join(
                ledgers, output=str(output), faces=len(face_keys), shard=options.shard,
                changed_since=options.changed_since)), "--report"))
        written = outputs.write_together(*writes)[0]
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return PrintResult(output=written, cards=cards, pages=pages, sheets=sheets,
                       layout=_layout(options), stamped=stamped, laid_out=laid_out,
                       details=details, notes=warned)


def _layout(options: PrintOptions) -> str:
    """The layout of options that ``presets.resolve`` filled in."""
    assert options.layout is not None, "presets.resolve fills the layout"
    return options.layout


def _output_intent(options: PrintOptions):
    """The shop's output intent of a CMYK job, or None for the built-in FOGRA39."""
    if options.color != "cmyk" or options.output_intent is None:
        return None
    from .pdf.pdfx import shop_intent

    return shop_intent(options.output_intent, options.output_condition)


def _guard_outputs(project: Project, options: PrintOptions) -> None:
    """Refuse, before anything is rendered, outputs that would destroy an input or a device."""
    from . import outputs

    outputs.protect_project(project, _roster_file(project, options.roster))
    outputs.protect([options.changed_since], _("the --changed-since report"))
    outputs.record_design([options.output_intent] if options.output_intent else [],
                          "--output-intent")  # the shop's profile: in the ledger too
    outputs.check_target(options.output, "-o")
    outputs.check_target(options.report, "--report", others=[("-o", options.output)])


def _calibration(project: Project, printer: str | None):
    if printer is None:
        return None
    from .sheet.calibrate import printer_calibration

    return printer_calibration(project, printer)


def _check_job_size(roster: Roster, options: PrintOptions) -> None:
    """Refuse, before any layout, a job of more cards than one run should hold."""
    from .limits import MAX_CARDS, LimitExceeded

    cards = len(roster.officers) * options.copies
    if cards > MAX_CARDS:
        raise LimitExceeded(_("{cards} cards ({officers} officers x --copies {copies}) are more "
                              "than one job's limit of {limit}; print fewer copies, or split the "
                              "roster with --shard").format(cards=cards, officers=len(roster.officers),
                                                            copies=options.copies, limit=MAX_CARDS))


def _check_options(options: PrintOptions) -> None:
    if options.layout not in LAYOUTS:
        raise UsageError(_("{option} must be one of {choices}").format(option="--layout",
                                                                       choices=", ".join(LAYOUTS)))
    if options.duplex not in DUPLEX_EDGES:
        raise UsageError(_("{option} must be one of {choices}").format(option="--duplex",
                                                                       choices=", ".join(DUPLEX_EDGES)))
    if options.sides not in SIDE_CHOICES:
        raise UsageError(_("{option} must be one of {choices}").format(option="--sides",
                                                                       choices=", ".join(SIDE_CHOICES)))
    if options.copies < 1:
        raise UsageError(_("{option} must be at least 1").format(option="--copies"))
    if options.bleed is not None and not 0 <= options.bleed <= 10:
        raise UsageError(_("--bleed must be between 0 and 10 mm"))
    if options.paper is not None:
        paper_named(options.paper)
    if options.color not in ("rgb", "cmyk"):
        raise UsageError(_("{option} must be one of {choices}").format(option="--color", choices="rgb, cmyk"))
    if options.first < 1:
        raise UsageError(_("{option} must be at least 1").format(option="--first"))
    if options.jobs is not None and (isinstance(options.jobs, bool)
                                     or not isinstance(options.jobs, int) or options.jobs < 1):
        raise UsageError(_("{option} must be at least 1").format(option="--jobs"))
    _check_intent_options(options)
    if options.layout == "cards" and (options.stock or options.printer or options.first != 1):
        raise UsageError(_("--stock, --first and --printer apply to --layout sheet only"))


def fonts_missing(gen: Generation) -> list[Diagnostic]:
    """The fonts the job needs that are not installed (``preflight.missing_fonts``), asked
    before any layout: Pango without them crashes or draws boxes."""
    from .preflight import missing_fonts

    return missing_fonts(gen)


def paper_named(text: str):
    """The paper ``--paper`` names; an unknown one is a usage error with a did-you-mean."""
    import difflib

    from .sheet.impose import PAPERS

    try:
        return parse_paper(text)
    except ValueError as exc:
        names = {name.lower(): name for name in PAPERS}
        close = difflib.get_close_matches(text.strip().lower(), list(names), n=1, cutoff=0.6)
        hint = _(' (did you mean "{choice}"?)').format(choice=names[close[0]]) if close else ""
        raise UsageError(str(exc) + hint) from None


def _check_names(project: Project, options: PrintOptions) -> None:
    """Refuse, before any work, a name given by the caller that does not exist: a usage error
    (exit 2) with a did-you-mean. The generation and the stock say so where they are looked
    up (``generations.load``, ``stocks.find_stock``), the paper in ``_check_options``, the
    officers in ``load_roster``; the printer is looked up here, not after the layout."""
    if options.gen not in generations.available(project):
        generations.load(project, options.gen)  # raises UsageError
    if options.stock:
        from .sheet.stocks import find_stock

        find_stock(options.stock, project.root)
    _calibration(project, options.printer)


def _check_intent_options(options: PrintOptions) -> None:
    if options.output_condition is not None and options.output_intent is None:
        raise UsageError(_("--output-condition names the condition of an --output-intent "
                           "profile; give the profile too"))
    if options.output_intent is not None and options.color != "cmyk":
        raise UsageError(_("--output-intent applies to --color cmyk (or --preset shop)"))


def _with_bleed(gen: Generation, bleed: float) -> Generation:
    return generations.revised(gen, {"card": {"bleed_mm": bleed}})


@_job_boundary
def check(project: Project, gen_id: str, roster: str | Path | None = None,
          sheet: str | None = None, jobs: int | None = None,
          progress: Callable[[int, int], None] | None = None,
          time_limit: float | None = None, memory_limit: float | None = None,
          options: PrintOptions | None = None) -> list[Diagnostic]:
    """Validate and preflight without writing anything; returns the problems found
    (errors, the warnings of what the cards would leave off, and notices;
    ``Diagnostic.fails`` tells which fail the job).

    ``gen_id`` (and ``roster``, ``sheet``, ``jobs`` when given) win over the same fields of
    ``options``, which are print's (layout, paper, stock, margin, gutter, bleed, colour, sides,
    officers, strict, jobs, limits): check refuses what that print would. The faces are
    laid out and preflighted as ``print`` does (same chunks, same workers), but nothing
    is kept of them but the problems, so memory does not grow with the roster; the sheet
    layout is resolved as print resolves it; only a CMYK job keeps its faces, to find RGB
    in the composed PDF as print does.
    """
    if options is None:
        options = PrintOptions(gen=gen_id, roster=roster, sheet=sheet)
    else:  # the arguments given beside the options win, as they say
        options = replace(options, gen=gen_id)
        if roster is not None:
            options = replace(options, roster=roster)
        if sheet is not None:
            options = replace(options, sheet=sheet)
    if jobs is not None:
        options = replace(options, jobs=jobs)
    with new_job(), _speaking(options.lang):
        try:
            return _check_job(project, options, jobs, progress, time_limit, memory_limit)
        except CardkitError as exc:
            raise with_diagnostics(exc) from None


def with_diagnostics(exc: CardkitError) -> CardkitError:
    """``exc`` with its ``diagnostics`` filled when it fails the job (exit 1): a refusal found
    while laying out (a template's syntax, a refused URL, a limit) is one problem, so that
    a caller (and ``check --json``) always has the list of what is wrong."""
    if exc.exit_status == ExitStatus.INPUT_ERROR and not exc.diagnostics:
        exc.diagnostics = [Diagnostic(message=exc.message)]
    return exc


def _check_job(project: Project, options: PrintOptions, jobs: int | None,
               progress: Callable[[int, int], None] | None, time_limit: float | None,
               memory_limit: float | None) -> list[Diagnostic]:
    from . import limits
    from .preflight import check_faces
    from .presets import resolve
    from .render import batch
    from .render.faces import SIDES

    options = resolve(project, options)
    _check_options(options)
    _check_names(project, options)
    try:
        _output_intent(options)  # the shop's profile refused, as print refuses it, before layout
        gen, adapted = job_generation(project, options)
        loaded = load_roster(project, gen, options.roster, options.officers, sheet=options.sheet)
    except InputError as exc:
        # Every problem is listed (in --json too), located where it can be.
        return exc.diagnostics or [Diagnostic(message=exc.message)]
    missing = fonts_missing(gen)
    if missing:  # nothing is laid out without them
        return [*missing, *loaded.notes, *adapted]
    sides = SIDES if options.sides == "both" else (options.sides,)
    whole = options.color == "cmyk"  # RGB is looked for in the composed PDF
    faces, problems = batch.render_checked(
        project, gen, loaded.officers, sides, [loaded.root] if loaded.root else [],
        check=check_faces, jobs=options.jobs, progress=progress, keep_faces=whole,
        limits=limits.from_settings(project.config, time_limit or options.time_limit,
                                    memory_limit or options.memory_limit))
    problems = [*named(problems, officer_names(loaded)), *loaded.notes, *adapted]
    if not any(p.fails() for p in problems):
        try:
            if whole:
                compose(project, options, gen, loaded, faces, sides)
            elif options.layout == "sheet":
                from .sheet import papers

                papers.resolve_layout(project, gen.card, options.paper, options.stock,
                                      options.margin, options.gutter, gen=gen,
                                      printer=options.printer, slug=options.slug)
        except InputError as exc:
            problems += exc.diagnostics or [Diagnostic(message=exc.message)]
    return problems

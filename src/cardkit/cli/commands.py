"""The command line: options -> one API call -> exit status. No logic lives here."""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Any

import click
import click.formatting

from .. import i18n
from ..errors import CardkitError, ExitStatus
from ..i18n import _, ngettext
from ..outputs import forget_inputs, silence_stdout, write_json
from . import cjkwrap, libs
from .console import Console, make_streams_robust

if TYPE_CHECKING:
    from ..project import Project

cjkwrap.hook(click.formatting)  # help text measured by the columns a terminal shows


class Context:
    def __init__(self, project_dir: str | None, console: Console) -> None:
        self.project_dir = project_dir
        self.console = console
        self._project: Project | None = None

    @property
    def project(self) -> Project:
        if self._project is None:
            from ..project import open_project

            self._project = open_project(self.project_dir)
        return self._project


pass_ctx = click.make_pass_decorator(Context)


def _choose_language(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """--lang is eager, so that `cardkit --lang zh --help` is in Chinese (see i18n.py)."""
    if value:
        i18n.set_language(value)
        i18n.localize_commands(ctx.find_root().command)
    return value


class Commands(click.Group):
    """cardkit's command group: standard output closed early is an error (exit 1), not silence.

    click ends a command whose output hits EPIPE with exit status 1 and no word; cardkit
    says it, as for any output it cannot write (``| head -c 100`` closed the pipe).
    """

    def make_context(self, *args, **kwargs) -> click.Context:  # `cardkit --help | ...`
        try:
            return super().make_context(*args, **kwargs)
        except BrokenPipeError as exc:
            raise _stdout_failed(exc) from None

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except BrokenPipeError as exc:
            raise _stdout_failed(exc) from None


def _stdout_failed(exc: OSError) -> CardkitError:
    from ..outputs import OutputError

    silence_stdout()  # the exit's flush must not fail again
    return OutputError(_("cannot write standard output: {reason}").format(
        reason=exc.strerror or exc))


def _short_write(exc: OSError, console: Console) -> None:
    for line in _stdout_failed(exc).lines():
        console.error(line)
    sys.exit(ExitStatus.INPUT_ERROR)


@click.group(cls=Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--project", "project_dir", metavar="DIR",
              help="Project folder (cardkit.yaml, generations/, templates/). Default: here.")
@click.option("-q", "--quiet", is_flag=True, help="Say nothing but errors.")
@click.option("-v", "--verbose", is_flag=True, help="Explain what is done.")
@click.option("--lang", type=click.Choice(["en", "zh"]), is_eager=True, callback=_choose_language,
              help="Language of messages (default: from LANGUAGE, LC_ALL, LC_MESSAGES or LANG).")
@click.version_option(package_name="cardkit", prog_name="cardkit")
@click.pass_context
def cli(ctx: click.Context, project_dir: str | None, quiet: bool, verbose: bool,
        lang: str | None) -> None:
    """Print police-public contact cards (警民联系卡)."""
    ctx.obj = Context(project_dir, Console(quiet=quiet, verbose=verbose))


def _global_after_command(ctx: click.Context, param: click.Parameter, value):
    """-q, -v, --lang and --project given after the command: same effect as before it."""
    if value is None or value is False:
        return value
    context = ctx.find_object(Context)
    assert context is not None, "cli() made it before any command's options are read"
    if param.name == "project_dir":
        context.project_dir = value
    elif param.name == "quiet":
        context.console.quiet = True
    elif param.name == "verbose":
        context.console.verbose = True
    elif param.name == "lang":
        _choose_language(ctx, param, value)
    return value


def _accept_global_options(group: click.Group) -> None:
    """Give every command the global options, hidden (its help lists its own options).

    They stay documented where they belong, before the command (``cardkit -q print``);
    accepting them after it too (``cardkit print -q``) is what people type.
    """
    for command in group.commands.values():
        names = {opt for param in command.params for opt in getattr(param, "opts", [])}
        for param in group.params:
            if not isinstance(param, click.Option) or param.name == "version":
                continue
            if names.intersection(param.opts):  # the command's own option wins
                continue
            default: dict[str, Any] = {} if param.is_flag else {"default": None}  # a flag keeps its own
            command.params.append(click.Option(
                [param.name, *param.opts], is_flag=param.is_flag, type=param.type,
                metavar=param.metavar, hidden=True, expose_value=False,
                callback=_global_after_command, is_eager=param.is_eager, help=param.help,
                **default))


@cli.command("list")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_ctx
def list_cmd(ctx: Context, as_json: bool) -> None:
    """List the generations: id, title, base, size, what each face shows."""
    from ..api import list_generations
    from ..errors import field_label
    from ..tools.diff import BLOCK_LABELS

    rows = list_generations(ctx.project)
    if as_json:
        write_json(rows, indent=2)
        return

    def blocks(ids: list[str]) -> str:  # in Chinese, what the card calls them: 单位（unit）
        if i18n.language() == "zh":
            return "、".join(f"{BLOCK_LABELS[b]}（{b}）" if b in BLOCK_LABELS else b for b in ids)
        return ", ".join(ids)

    def fields(keys: list[str]) -> str:  # the roster's unit fields: 地址（address）
        return ("、" if i18n.language() == "zh" else ", ").join(field_label(k) for k in keys)

    for row in rows:
        base = row["base"] or "-"
        click.echo(f"{row['id']:<6} {row['title']}  "
                   + _("(base {base}, {size})").format(base=base, size=row["size"]))
        click.echo("       " + _("front: {blocks}").format(blocks=blocks(row["front"])))
        click.echo("       " + _("back:  {blocks}").format(blocks=blocks(row["back"])))
        if row["unit"]:
            click.echo("       " + _("unit:  {fields}").format(fields=fields(row["unit"])))


@cli.command("show")
@click.argument("gen")
@pass_ctx
def show_cmd(ctx: Context, gen: str) -> None:
    """Print generation GEN fully resolved, as YAML."""
    from ..api import show_generation

    click.echo(show_generation(ctx.project, gen), nl=False)


# Options that decide what a job is, taken by print and check alike, so that check refuses
# exactly what print would.
JOB_OPTIONS = [
    click.option("--officer", "officers", multiple=True, metavar="ID",
                 help="Only this officer, by id or name (repeatable); the others' problems are "
                      "one notice."),
    click.option("--layout", type=click.Choice(["sheet", "cards"]),
                 help="sheet (default): N-up on paper with crop marks; cards: one card per page "
                      "with bleed."),
    click.option("--paper", metavar="NAME", help="A4, A3, SRA3, Letter or WxHmm."),
    click.option("--bleed", type=float, metavar="MM", help="Bleed in mm (default: the generation's)."),
    click.option("--sides", type=click.Choice(["both", "front", "back"]), default="both",
                 show_default=True, help="Faces to print: both, only the fronts, or only the backs."),
    click.option("--stock", metavar="NAME",
                 help="Pre-cut card sheet by its maker's code, e.g. avery-c32011-10 (cardkit stocks)."),
    click.option("--margin", type=click.FloatRange(0, 50), metavar="MM",
                 help="Paper margin kept free at every edge (default 10, or paper.margin)."),
    click.option("--gutter", type=click.FloatRange(0, 50), metavar="MM",
                 help="Gap between cards; 0 butts them (default: 3 mm when the background bleeds "
                      "and the printer's margin allows, else twice the bleed when it costs no "
                      "card)."),
    click.option("--color", type=click.Choice(["rgb", "cmyk"]),
                 help="rgb (default), or cmyk: PDF/X-4 with an output intent; colours from "
                      "colors_cmyk, black type overprinting."),
    click.option("--output-intent", metavar="FILE.icc",
                 help="The shop's CMYK press profile as the PDF/X output intent (default: "
                      "FOGRA39); colours are printed as the design states them, not converted."),
    click.option("--output-condition", metavar="NAME",
                 help="The registered name of that profile's press condition, e.g. JC200103 "
                      "(Japan Color 2001 Coated); default: Custom."),
    click.option("--preset", type=click.Choice(["shop"]),
                 help="shop: one card per page, CMYK PDF/X-4, 3 mm bleed, crop marks outside the "
                      "bleed. Flags and cardkit.yaml override it."),
    click.option("--jobs", type=click.IntRange(min=1), metavar="N",
                 help="Worker processes rendering in parallel (default: all cores)."),
    click.option("--time-limit", type=click.FloatRange(min=0, min_open=True), metavar="SECONDS",
                 help="Stop when a chunk of officers takes longer (default 600, or cardkit.yaml "
                      "limits: render_seconds)."),
    click.option("--memory-limit", type=click.FloatRange(min=0, min_open=True), metavar="MIB",
                 help="Stop when rendering a chunk grows a process by more (default 4096, or "
                      "cardkit.yaml limits: render_memory_mib)."),
    click.option("--strict", is_flag=True,
                 help="Every warning fails the job (notices never do)."),
]


# What print and check are asked to read: the generation and the roster.
ROSTER_OPTIONS = [
    click.option("--gen", required=True, help="Generation id, e.g. 2022."),
    click.option("--roster", metavar="FILE",
                 help="Roster (YAML, CSV, XLSX, XLS or ODS); - reads standard input."),
    click.option("--sheet", metavar="NAME",
                 help="Worksheet of a spreadsheet roster (default: the first)."),
]


def _with(options):
    def decorate(command):
        for option in reversed(options):
            command = option(command)
        return command
    return decorate


job_options = _with(JOB_OPTIONS)
roster_options = _with(ROSTER_OPTIONS)


@cli.command("print")
@roster_options
@click.option("-o", "--output", metavar="FILE", help="PDF to write; - writes standard output.")
@click.option("--duplex", type=click.Choice(["long", "short", "none"]), default="long",
              show_default=True, help="Edge the sheet is turned on; backs land behind fronts.")
@click.option("--marks", type=click.Choice(["crop", "none"]),
              help="Crop marks outside the bleed (default: crop on paper; none on a stock or 1-up).")
@click.option("--copies", type=click.IntRange(min=1), default=1, show_default=True,
              help="Cards per officer.")
@click.option("--report", metavar="FILE.json",
              help="Write the ledger: officer -> sheet, slot, side; counts; input checksums.")
@click.option("--changed-since", metavar="REPORT.json",
              help="Print only officers whose card changed since that report.")
@click.option("--shard", metavar="I/N", help="Print the I-th of N equal parts of the roster.")
@click.option("--first", type=click.IntRange(min=1), default=1, show_default=True, metavar="N",
              help="Start at slot N of a part-used sheet (slots counted row by row).")
@click.option("--printer", metavar="NAME",
              help="Apply this printer's calibration (cardkit.yaml printers:) to the backs.")
@click.option("--slug", is_flag=True,
              help="Print a slug line (generation, roster checksum, sheet n/m, duplex edge).")
@job_options
@pass_ctx
def print_cmd(ctx: Context, gen: str, roster: str | None, sheet: str | None,
              officers: tuple[str, ...],
              output: str | None, layout: str, paper: str | None, duplex: str,
              bleed: float | None, marks: str, sides: str, copies: int, **scale) -> None:
    """Render cards to a print-ready PDF."""
    from ..api import PART, PrintOptions, print_cards
    from .progress import for_console

    bar = for_console(ctx.console.quiet)
    if ctx.console.verbose:
        from ..render import batch

        jobs = scale.get("jobs") or batch.default_jobs()
        ctx.console.detail(ngettext(
            "laying the cards out with {jobs} worker process, {chunk} officers at a time, in "
            "parts of {part} officers",
            "laying the cards out with {jobs} worker processes, {chunk} officers at a time, in "
            "parts of {part} officers", jobs).format(jobs=jobs, chunk=batch.CHUNK, part=PART))
    if output is None:  # the API returns the bytes; the command writes out/cards-GEN.pdf
        output = str(ctx.project.output_dir / f"cards-{gen}.pdf")
    try:
        result = print_cards(ctx.project, PrintOptions(
            gen=gen, roster=roster, sheet=sheet, officers=list(officers), output=output,
            layout=layout, paper=paper, duplex=duplex, bleed=bleed, marks=marks, sides=sides,
            copies=copies, progress=bar, **scale))
    finally:
        if bar:
            bar.close()
    _say_notes(ctx, result.notes, bool(scale.get("strict")))
    for detail in result.details:
        ctx.console.detail(detail)
    if not result.cards:
        ctx.console.info(_("nothing to print: no officer's card changed since {report}").format(
            report=scale.get("changed_since")) if scale.get("changed_since")
            else _("nothing to print: this shard is empty"))
        return
    if scale.get("changed_since"):  # who it printed: the count always, the names with -v
        ctx.console.info(ngettext(
            "{count} officer's card changed since {report}",
            "{count} officers' cards changed since {report}", len(result.officers)).format(
            count=len(result.officers), report=scale.get("changed_since")))
        for officer in result.officers:
            ctx.console.detail(f"  {officer.id} {officer.name}")
    ctx.console.info(print_summary(result))
    if ctx.console.verbose:
        ctx.console.detail(_(
            "{stamped} officers' cards were filled into a layout made once for cards that "
            "differ only in the officer's text (quick; a \"plate\" below), {laid} laid out "
            "card by card").format(stamped=result.stamped, laid=sum(result.laid_out.values())))
        for why, count in sorted(result.laid_out.items()):
            ctx.console.detail(_("laid out card by card: {count} ({why})").format(count=count,
                                                                                   why=_(why)))


def print_summary(result) -> str:
    """``wrote FILE: 1 card, 1 sheet, 2 pages``, each count in its own plural."""
    cards = ngettext("{count} card", "{count} cards", result.cards).format(count=result.cards)
    pages = ngettext("{count} page", "{count} pages", result.pages).format(count=result.pages)
    if result.layout == "sheet":
        sheets = ngettext("{count} sheet", "{count} sheets", result.sheets).format(
            count=result.sheets)
        return _("wrote {output}: {cards}, {sheets}, {pages}").format(
            output=result.output, cards=cards, sheets=sheets, pages=pages)
    return _("wrote {output}: {cards}, {pages}").format(output=result.output, cards=cards,
                                                       pages=pages)


def _say_notes(ctx: Context, notes, strict: bool = False) -> None:
    """Problems, the same on many rows grouped: errors (and warnings under --strict) always
    go to stderr; warnings and notices are information, which -q silences."""
    from ..errors import group_rows

    for note in group_rows(list(notes)):
        if note.fails(strict):
            ctx.console.error(note.format())
        else:
            ctx.console.info(note.format())


@cli.command("check")
@roster_options
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output on stdout.")
@job_options
@pass_ctx
def check_cmd(ctx: Context, gen: str, roster: str | None, sheet: str | None,
              as_json: bool, officers: tuple[str, ...], **job) -> None:
    """Validate the roster and preflight the cards as print would; write nothing."""
    from ..api import PrintOptions, check
    from ..errors import group_rows, summary
    from ..presets import resolve
    from .progress import for_console

    bar = None
    try:
        options = resolve(ctx.project, PrintOptions(gen=gen, roster=roster, sheet=sheet,
                                                    officers=list(officers), **job))
        bar = for_console(ctx.console.quiet)
        problems = check(ctx.project, gen, roster, sheet=sheet, progress=bar, options=options)
    except Exception as exc:  # docs/check-json.md: the JSON is printed on every exit 1
        if as_json:
            _json_of_failure(exc)
        raise
    finally:
        if bar:
            bar.close()
    failing = summary(problems, options.strict)[0]
    shown = group_rows(sorted(problems))
    if as_json:
        write_json({"ok": not failing, "problems": [p.as_dict() for p in shown]}, indent=2)
    else:
        _say_notes(ctx, sorted(problems), options.strict)
        if ctx.console.verbose:
            _explain_check(ctx, options, problems)
        say = ctx.console.error if failing else ctx.console.info
        say(check_summary(gen, problems, options.strict))
    if failing:
        raise SystemExit(ExitStatus.INPUT_ERROR)


def _json_of_failure(exc: Exception) -> None:
    """``check --json``'s document for a job stopped by ``exc`` (the caller re-raises it, so
    the exit status and the line on stderr are those of any command). Not for a usage error
    (exit 2: nothing on standard output) nor for a standard output that cannot be written."""
    from ..errors import Diagnostic
    from ..outputs import OutputError

    if isinstance(exc, OutputError) or (isinstance(exc, CardkitError)
                                        and exc.exit_status != ExitStatus.INPUT_ERROR):
        return
    if isinstance(exc, CardkitError):
        problems = exc.diagnostics or [Diagnostic(message=exc.message)]
    else:  # a bug in cardkit: exit 1 as well
        problems = [Diagnostic(message=_internal_error(exc))]
    write_json({"ok": False, "problems": [p.as_dict() for p in problems]}, indent=2)


def check_summary(gen: str, problems, strict: bool) -> str:
    """The last line of check: how many problems, how many officers, nothing written."""
    from ..errors import summary

    failing, officers = summary(problems, strict)
    if not failing:
        warnings = sum(p.severity == "warning" for p in problems)
        if not warnings:
            return "ok: " + _("generation {gen}: no problems found").format(gen=gen)
        return "ok: " + _("generation {gen}: no errors").format(gen=gen) + ngettext(
            " ({count} warning; --strict fails it)", " ({count} warnings; --strict fails them)",
            warnings).format(count=warnings)
    found = ngettext("found {count} problem", "found {count} problems", failing).format(
        count=failing)
    if not officers:
        return _("{found}; nothing written").format(found=found)
    return _("{found} {officers}; nothing written").format(found=found, officers=ngettext(
        "concerning {count} officer", "concerning {count} officers", officers).format(
        count=officers))


def _explain_check(ctx: Context, options, problems) -> None:
    """With -v: what check looked at, so that "no problems" says what it covers."""
    from ..api import roster_path

    roster = roster_path(ctx.project, options.roster)
    counts = {s: sum(p.severity == s for p in problems) for s in ("error", "warning", "notice")}
    paper = options.stock or options.paper or _("paper from cardkit.yaml or A4")
    ctx.console.detail(_("checked: roster {roster}; generation {gen}; sides {sides}; layout {layout}"
                         "{paper}; colour {color}{strict}").format(
        roster=roster, gen=options.gen, sides=options.sides, layout=options.layout,
        paper=f" ({paper})" if options.layout == "sheet" else "",
        color=options.color, strict=", --strict" if options.strict else ""))
    ctx.console.detail(_("checks: required fields, numbers, ids, units, columns; every face "
                         "rendered and preflighted (fonts, overflow, block fit, QR size and "
                         "decoding); the sheet layout and colours as print composes them"))
    ctx.console.detail(_("found: {errors} errors, {warnings} warnings, {notices} notices").format(
        errors=counts["error"], warnings=counts["warning"], notices=counts["notice"]))


@cli.command("preview")
@click.option("--gen", required=True, help="Generation id, e.g. 2022.")
@click.option("--roster", metavar="FILE", help="Roster (default: cardkit.yaml's or the example).")
@click.option("--officer", "officers", multiple=True, metavar="ID",
              help="Preview this officer's card, by id or name (repeatable; default: the "
                   "roster's first).")
@click.option("--all", "everyone", is_flag=True, help="Preview every officer's card.")
@click.option("--contact-sheet", is_flag=True,
              help="One PNG per page of all the cards (or those of --officer), front beside "
                   "back, to approve on a phone.")
@click.option("-o", "--output", "out_dir", metavar="DIR", help="Folder for the PNGs (default: out/preview).")
@click.option("--dpi", type=int, metavar="N",
              help="Resolution of the PNGs (default 300; 150 for --contact-sheet).")
@pass_ctx
def preview_cmd(ctx: Context, gen: str, roster: str | None, officers: tuple[str, ...],
                everyone: bool, contact_sheet: bool, out_dir: str | None, dpi: int | None) -> None:
    """Write a PNG of each card face (cut to the trim), or contact sheets of every card."""
    from ..errors import UsageError
    from ..tools.preview import preview

    if officers and everyone:
        raise UsageError(_("--officer and --all: give one of them"))
    result = preview(ctx.project, gen, roster, list(officers), out_dir, dpi, everyone=everyone,
                     contact_sheet=contact_sheet)
    if result.first_only is not None:
        ctx.console.info(_("previewing the roster's first officer, {officer}; name others with "
                           "--officer ID, or every officer with --all").format(
            officer=f"{result.first_only.id} {result.first_only.name}"))
    for name in result.files:
        ctx.console.info(_("wrote {file}").format(file=name))


@cli.command("samples")
@click.option("-o", "--output", "out_dir", metavar="DIR", help="Folder to fill (default: out/samples).")
@click.option("--gen", "gens", multiple=True, metavar="ID",
              help="Only this generation (repeatable; default: every one).")
@click.option("--roster", metavar="FILE", help="Roster (default: cardkit.yaml's or the example).")
@click.option("--dpi", type=int, default=200, show_default=True, help="Resolution of the PNGs.")
@click.option("--png-only", is_flag=True, help="Only GEN-front.png and GEN-back.png (no PDFs, no index).")
@pass_ctx
def samples_cmd(ctx: Context, out_dir: str | None, gens: tuple[str, ...], roster: str | None,
                dpi: int, png_only: bool) -> None:
    """Every generation: sheet and 1-up PDFs, PNG previews and an index.html (reproducible)."""
    from ..tools.samples import write_samples

    result = write_samples(ctx.project, out_dir, list(gens) or None, roster, dpi, png_only)
    if result.index:
        summary = _("wrote {files} files for {gens} generations; open {index}")
    else:
        summary = _("wrote {files} files for {gens} generations in {folder}")
    ctx.console.info(summary.format(files=len(result.files), gens=len(result.generations),
                                    index=result.index, folder=result.folder))


@cli.command("exhibit")
@click.option("-o", "--output", metavar="FILE", help="Poster PDF to write (default: out/exhibit.pdf).")
@click.option("--gen", "gens", multiple=True, metavar="ID",
              help="Only this generation (repeatable; default: every one, by year).")
@click.option("--roster", metavar="FILE", help="Roster whose first officer is shown.")
@pass_ctx
def exhibit_cmd(ctx: Context, output: str | None, gens: tuple[str, ...], roster: str | None) -> None:
    """One poster with every generation side by side, front and back, and what changed."""
    from ..tools.exhibit import build_exhibit

    result = build_exhibit(ctx.project, output, list(gens) or None, roster)
    width, height = result.size_mm
    ctx.console.info(_("wrote {output}: {gens} generations on {size}").format(
        output=result.output, gens=len(result.generations), size=f"{width:g}x{height:g}mm"))


@cli.command("diff")
@click.argument("gen_a")
@click.argument("gen_b")
@click.option("--png", metavar="FILE",
              help="Side-by-side picture to write (default: out/diff-A-B.png).")
@click.option("--no-png", is_flag=True, help="Only list the fields that differ.")
@click.option("--roster", metavar="FILE", help="Roster whose first officer is pictured.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output on stdout.")
@pass_ctx
def diff_cmd(ctx: Context, gen_a: str, gen_b: str, png: str | None, no_png: bool,
             roster: str | None, as_json: bool) -> None:
    """The resolved fields that differ between two generations, and a side-by-side PNG."""
    from ..tools.diff import compare, side_by_side
    from ..tools.preview import safe_name

    found = compare(ctx.project, gen_a, gen_b)
    if as_json:
        write_json([c.as_dict() for c in found], indent=2)
    else:
        for change in found:
            click.echo(change.format())
        if not found:
            ctx.console.info(_("{a} and {b} resolve to the same fields").format(a=gen_a, b=gen_b))
    if not no_png:
        target = png or ctx.project.output_dir / f"diff-{safe_name(gen_a)}-{safe_name(gen_b)}.png"
        ctx.console.info(_("wrote {file}").format(
            file=side_by_side(ctx.project, gen_a, gen_b, target, roster)))


@cli.command("init")
@click.argument("directory", metavar="DIR")
@click.option("--from", "base", default="2022", show_default=True, metavar="BASE",
              help="Built-in generation the new one extends.")
@click.option("--gen", "gen_id", default="local", show_default=True, metavar="ID",
              help="Id of the bureau's own generation.")
@pass_ctx
def init_cmd(ctx: Context, directory: str, base: str, gen_id: str) -> None:
    """Scaffold a bureau's folder: cardkit.yaml, a roster, a generation extending BASE."""
    from ..tools.scaffold import init

    for name in init(directory, base, gen_id):
        ctx.console.info(_("wrote {file}").format(file=name))
    ctx.console.info(_("next: {command}").format(
        command=f"cardkit --project {directory} print --gen {gen_id}"))


@cli.command("new")
@click.argument("gen")
@click.option("--from", "base", required=True, metavar="BASE", help="Generation the new one extends.")
@pass_ctx
def new_cmd(ctx: Context, gen: str, base: str) -> None:
    """Scaffold generations/GEN.yaml, extending BASE, in the project folder."""
    from ..tools.scaffold import new_generation

    ctx.console.info(_("wrote {file}").format(file=new_generation(ctx.project, gen, base)))


@cli.command("stocks")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option("--all", "show_all", is_flag=True, help="Every rectangular template, not only cards.")
@pass_ctx
def stocks_cmd(ctx: Context, as_json: bool, show_all: bool) -> None:
    """List the pre-cut card sheets known (for print --stock NAME)."""
    from ..sheet.stocks import all_stocks, describe, description_text

    stocks = all_stocks(ctx.project.root, cards_only=not show_all).values()
    rows = [describe(s) for s in stocks]
    if as_json:
        write_json(rows, indent=2)
        return
    for stock, row in zip(stocks, rows, strict=True):
        row["description"] = description_text(stock)
        margins = "/".join(f"{v:g}" for v in row["margins_mm"])
        click.echo(f"{row['id']:<28} {row['paper']:<10} {row['card']:<16} "
                   + _("{count}-up  margins {margins}").format(count=f"{row['per_sheet']:>3}",
                                                               margins=margins)
                   + f"  {row['description']}  [{row['source']}]")


@cli.command("calibrate")
@click.option("-o", "--output", metavar="FILE", help="PDF to write (default: out/calibrate.pdf).")
@click.option("--paper", metavar="NAME", help="A4, A3, SRA3, Letter or WxHmm (default: A4).")
@click.option("--duplex", type=click.Choice(["long", "short"]), default="long", show_default=True,
              help="Edge your printer turns the sheet on for the back.")
@click.option("--printer", metavar="NAME",
              help="Apply this printer's stored calibration to the back, to check it.")
@click.option("--read", "readings", multiple=True, metavar="T=X,Y",
              help="Readings from a printed target (C=0.5,-1 L=.. R=..): print the settings.")
@pass_ctx
def calibrate_cmd(ctx: Context, output: str | None, paper: str | None, duplex: str,
                  printer: str | None, readings: tuple[str, ...]) -> None:
    """Print a two-sided duplex calibration target, or turn its readings into settings."""
    from ..api import own_inputs, paper_named
    from ..outputs import check_target, protect_project, write_file
    from ..pdf.assemble import finish
    from ..sheet.calibrate import build_target, printer_calibration, solve

    sheet = paper_named(paper or "A4")
    if readings:
        cal = solve(list(readings), sheet)
        name = printer or "my-printer"
        click.echo(f"printers:\n  {name}:\n    dx: {cal.dx:.2f}\n"  # i18n: machine-readable
                   f"    dy: {cal.dy:.2f}\n    rotation: {cal.rotation:.3f}\n    scale: {cal.scale:.4f}")
        return
    target = output or ctx.project.output_dir / "calibrate.pdf"
    protect_project(ctx.project)
    check_target(target, "-o")
    calibration = printer_calibration(ctx.project, printer) if printer else None
    pdf = build_target(sheet, duplex, calibration, printer)
    written = write_file(target, finish(pdf, title="cardkit duplex calibration",
                                        inputs=own_inputs(ctx.project), duplex=duplex))
    ctx.console.info(_("wrote {file}: print it two-sided ({duplex} edge) at 100 %, read the back "
                       "against the light").format(file=written, duplex=duplex))


@cli.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; any but the loopback needs --token.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="Port to listen on.")
@click.option("--open", "open_browser", is_flag=True, help="Open the page in the browser.")
@click.option("--token", metavar="VALUE|auto",
              help="Token the login page asks for; auto makes one and prints it once.")
@click.option("--stations", "stations_dir", metavar="DIR",
              help="Serve each subfolder of DIR as a station, with the token in its folder.")
@click.option("--workers", type=click.IntRange(min=1), metavar="N",
              help="Jobs worked on at once; the others wait their turn (default: cores, at most 4).")
@pass_ctx
def serve_cmd(ctx: Context, host: str, port: int, open_browser: bool, token: str | None,
              stations_dir: str | None, workers: int | None) -> None:
    """Serve the station's web page: drop a roster, see its problems and cards, download PDFs."""
    from ..serve import serve

    serve(ctx.project_dir, stations_dir, host=host, port=port, open_browser=open_browser,
          token=token, workers=workers, say=lambda line: click.echo(line, err=True))


_accept_global_options(cli)


def _exit_now(status: int) -> None:
    """End the process at once, without the interpreter's exit hooks.

    A worker stopped in the middle of sending its chunk back leaves the process pool's
    manager thread waiting for the rest of that message for ever, and Python's exit joins
    that thread: an interrupted job would hang after saying "interrupted".
    """
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(status)


def run() -> None:
    """The console script's entry (and ``python -m cardkit``'s): ``main``, then the process
    ends without tearing the interpreter down (``_leave``). A program that calls ``main``
    itself gets Python's own exit."""
    try:
        main()
    except SystemExit as exc:
        if isinstance(exc.code, int | None):
            _leave(exc.code or 0)
        raise


def _leave(status: int) -> None:
    """End the console script once its command is done, without tearing the interpreter
    down: its exit hooks (``atexit``: temporary folders, worker pools, logging) run and its
    streams are flushed, but the objects of the job (box trees, fonts, plates) are not
    freed one by one, which takes a tenth of a second after a layout for nothing (the
    process's memory goes back to the system whole). Only with no other thread left, whose
    end Python's own exit would wait for."""
    import atexit
    import threading

    if threading.active_count() != 1:
        return
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):  # None when started with the descriptor closed
        try:
            if stream is not None:
                stream.flush()
        except (OSError, ValueError):  # a short write: said as Python's own exit says it
            return
    os._exit(status)


def main(argv: list[str] | None = None) -> None:
    """Entry point: maps every outcome to the contract's exit statuses."""
    make_streams_robust()
    libs.install()
    i18n.setup(sys.argv[1:] if argv is None else argv)
    i18n.localize_commands(cli)
    console = Console()
    forget_inputs()
    restore = _unwind_on_sigterm()
    quiet_unraisable = _no_interrupt_noise()
    try:
        cli.main(args=argv, prog_name="cardkit", standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        _show_click_error(exc, console)
        sys.exit(ExitStatus.USAGE_ERROR if isinstance(exc, click.UsageError) else exc.exit_code)
    except (click.exceptions.Abort, KeyboardInterrupt) as exc:
        console.error(_("interrupted"))
        terminated = isinstance(exc, Terminated) or isinstance(exc.__cause__, Terminated)
        status = 128 + 15 if terminated else ExitStatus.INTERRUPTED  # click wraps it in Abort
        if argv is None:  # the console script: the job has unwound, its temporaries are gone
            _exit_now(status)
        sys.exit(status)
    except CardkitError as exc:
        for line in exc.lines():
            console.error(line)
        sys.exit(exc.exit_status)
    except BrokenPipeError as exc:  # a pipe closed early, outside a command: a short write
        _short_write(exc, console)
    except Exception as exc:  # a bug in cardkit, not the user's mistake
        if "-v" in (argv or sys.argv) or "--verbose" in (argv or sys.argv):
            raise
        console.error("error: " + _internal_error(exc))
        sys.exit(ExitStatus.INPUT_ERROR)
    finally:
        restore()
        quiet_unraisable()
        if argv is None:  # the console script: a Ctrl-C after the job changes nothing any more
            _ignore_interrupts()
    sys.exit(ExitStatus.SUCCESS)


def _internal_error(exc: Exception) -> str:
    return _("internal error: {kind}: {detail} (run with -v for the traceback, and please "
             "report it)").format(kind=type(exc).__name__, detail=exc)


def _show_click_error(exc: click.ClickException, console: Console) -> None:
    """click's usage error, with cardkit's ``error:`` keyword (click writes ``Error:``)."""
    ctx = getattr(exc, "ctx", None)
    if ctx is not None:
        hint = ""
        if ctx.command.get_help_option(ctx) is not None:
            hint = "\n" + _("Try '{command} {option}' for help.").format(
                command=ctx.command_path, option=ctx.help_option_names[0])
        console.error(ctx.get_usage() + hint)
    console.error("error: " + exc.format_message())


def _ignore_interrupts() -> None:
    import signal
    import threading

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)


def _no_interrupt_noise():
    """Ctrl-C landing inside a finaliser (WeasyPrint's ``FontConfiguration.__del__``, say) would
    print "Exception ignored in ..." and be lost; deliver it again outside the finaliser instead.

    Returns the function that puts the previous hook back (interruptions are then ignored
    quietly: the job is over).
    """
    import signal

    previous = sys.unraisablehook if sys.unraisablehook is not _swallow_interrupts \
        else sys.__unraisablehook__
    state = {"live": True}

    def hook(unraisable) -> None:
        if not issubclass(unraisable.exc_type, KeyboardInterrupt):
            previous(unraisable)
            return
        if state["live"]:  # again, from outside: the main thread gets it out of the finaliser
            import _thread

            number = signal.SIGTERM if issubclass(unraisable.exc_type, Terminated) else signal.SIGINT
            _thread.start_new_thread(_deliver_later, (number,))  # does not wait for the thread

    sys.unraisablehook = hook

    def restore() -> None:
        state["live"] = False
        if sys.unraisablehook is hook:
            sys.unraisablehook = _swallow_interrupts

    return restore


def _deliver_later(number: int) -> None:
    import os
    import time

    time.sleep(0.05)  # the hook has returned by then
    os.kill(os.getpid(), number)


def _swallow_interrupts(unraisable) -> None:
    """After the job: a late Ctrl-C in a finaliser is no news."""
    if not issubclass(unraisable.exc_type, KeyboardInterrupt):
        sys.__unraisablehook__(unraisable)


class Terminated(KeyboardInterrupt):
    """SIGTERM arrived: unwind like Ctrl-C (temporary files go, the earlier PDF stays)."""


def _unwind_on_sigterm():
    """Turn SIGTERM (a scheduler or ``kill`` stopping the job) into ``Terminated``.

    Returns the function that puts the previous handler back.
    """
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    previous = signal.getsignal(signal.SIGTERM)
    if previous is not signal.SIG_DFL:
        return lambda: None

    def terminated(_signum, _frame):
        raise Terminated()

    signal.signal(signal.SIGTERM, terminated)
    return lambda: signal.signal(signal.SIGTERM, previous)


__all__ = ["cli", "main"]

"""One function per command. The CLI is a thin layer over these."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import generations, yamlio
from .errors import Diagnostic, InputError, PreflightError, UsageError
from .i18n import _
from .impose import DUPLEX_EDGES, SheetLayout, back_slot, crop_marks, parse_paper
from .model import Generation, Officer, Roster
from .project import Project
from .resources import builtin_dir

LAYOUTS = ("sheet", "cards")
SIDE_CHOICES = ("both", "front", "back")
DEFAULT_ROSTER = "liudong/roster.yaml"  # inside the built-in examples


def list_generations(project: Project) -> list[dict[str, Any]]:
    """Every generation the project can print, resolved."""
    return [generations.describe(generations.load(project, gen_id))
            for gen_id in generations.available(project)]


def show_generation(project: Project, gen_id: str) -> str:
    """The fully resolved generation as YAML text."""
    gen = generations.load(project, gen_id)
    data = {"id": gen.id, "extends": gen.base, "chain": list(gen.chain), **gen.data}
    return yamlio.dump(data)


def roster_path(project: Project, roster: str | Path | None) -> str | Path:
    """The roster to use: the one given, cardkit.yaml's, or the built-in example."""
    if roster is not None:
        return roster
    if project.default_roster is not None:
        return project.default_roster
    return builtin_dir("examples") / DEFAULT_ROSTER


def load_roster(project: Project, gen: Generation, roster: str | Path | None = None,
                officer_ids: list[str] | None = None, sheet: str | None = None) -> Roster:
    """Read and validate the roster; keep only ``officer_ids`` when given."""
    from .rosters import read_roster
    from .validate import build_roster

    raw = read_roster(roster_path(project, roster), sheet=sheet)
    result = build_roster(raw, project.config.get("unit"), gen.data.get("fields", []),
                          needs=generation_needs(gen))
    if officer_ids:
        known = {o.id: o for o in result.officers}
        missing = [i for i in officer_ids if i not in known]
        if missing:
            raise InputError(f"{result.source}: " + _("no officer with id {ids}").format(
                ids=", ".join(missing)))
        wanted = set(officer_ids)
        result = Roster(officers=tuple(o for o in result.officers if o.id in wanted),
                        source=result.source, root=result.root)
    return result


def generation_needs(gen: Generation) -> dict[str, str]:
    """Officer fields this generation cannot print without (the QR payload, say)."""
    if "qr" not in gen.shows("front") + gen.shows("back"):
        return {}
    field_name = (gen.data.get("qr") or {}).get("field", "wechat")
    return {field_name: _("generation {gen} prints a QR code of this field").format(gen=gen.id)}


@dataclass
class PrintOptions:
    gen: str
    roster: str | Path | None = None
    sheet: str | None = None  # worksheet of an XLSX roster (default: the first)
    officers: list[str] = field(default_factory=list)
    output: str | Path | None = None
    layout: str | None = None  # sheet (default) | cards; see presets.resolve
    paper: str | None = None
    duplex: str = "long"
    bleed: float | None = None
    marks: str | None = None  # crop | none; default: crop on paper, none on a stock or 1-up
    sides: str = "both"
    copies: int = 1
    stock: str | None = None  # a pre-cut sheet by its maker's code (see `cardkit stocks`)
    margin: float | None = None  # mm free at the paper's edges (sheet layout on paper)
    gutter: float | None = None  # mm between cards
    first: int = 1  # first free slot of a part-used sheet (1 = a fresh sheet)
    printer: str | None = None  # apply this printer's calibration (cardkit.yaml) to the backs
    color: str | None = None  # rgb (default) | cmyk (PDF/X-4 with an output intent)
    preset: str | None = None  # shop: cards, cmyk, 3 mm bleed, crop marks (presets.PRESETS)
    slug: bool = False  # a line of job facts outside the trim of each front sheet
    jobs: int | None = None  # worker processes; None: every core
    progress: Any = None  # callable(cards done, cards in all), or None
    report: str | Path | None = None  # write the reprint ledger here (JSON)
    changed_since: str | Path | None = None  # print only officers changed since this report
    shard: str | None = None  # "I/N": print the I-th of N contiguous parts of the roster
    part_of: Roster | None = None  # set by batch.print_in_parts: this part of a big job


@dataclass
class PrintResult:
    output: str
    cards: int
    pages: int
    sheets: int
    layout: str
    problems: list[Diagnostic] = field(default_factory=list)
    details: list[str] = field(default_factory=list)  # what -v explains


def print_cards(project: Project, options: PrintOptions) -> PrintResult:
    """Render, preflight and write the cards; nothing is written if a check fails."""
    from . import batch, pdfout, report
    from .presets import resolve
    from .render import SIDES

    options = resolve(project, options)  # flag > cardkit.yaml > preset > defaults
    _check_options(options)
    report.check_target(options.report)
    gen = generations.load(project, options.gen)
    if options.bleed is not None:
        gen = _with_bleed(gen, options.bleed)
    notices: list[Diagnostic] = []
    if options.layout == "sheet":
        from .sheets import fit_to_stock

        gen, notice = fit_to_stock(project, gen, options.paper, options.stock)
        notices += [notice] if notice else []
    if options.color == "cmyk":
        from .colors import cmyk_generation

        gen = cmyk_generation(gen, project)
    roster = options.part_of or load_roster(project, gen, options.roster, options.officers,
                                            sheet=options.sheet)
    if options.changed_since or options.shard:
        roster = report.select(project, gen, roster, options.changed_since, options.shard)
        if not roster.officers:
            return PrintResult(output="", cards=0, pages=0, sheets=0, layout=options.layout)
    if batch.needs_parts(options, roster):  # too big for one PDF in memory
        return batch.print_in_parts(project, options, roster, print_cards)
    sides = SIDES if options.sides == "both" else (options.sides,)
    extra_roots = [roster.root] if roster.root else []
    faces, problems = batch.render_checked(project, gen, roster.officers, sides, extra_roots,
                                           jobs=options.jobs, progress=options.progress)
    if problems:
        raise PreflightError(_("preflight failed"), problems)
    cards = [o for o in roster.officers for _ in range(options.copies)]
    card = gen.card
    if options.layout == "cards":
        sequence = [faces.index[(o.id, side)] for o in cards for side in sides]
        pdf = pdfout.build_cards(faces.pdf, sequence, card.width, card.height, card.bleed,
                                 marks=options.marks == "crop")
        sheets = 0
        details = []
    else:
        from . import sheets as sheet_setup

        layout = sheet_setup.resolve_layout(project, card, options.paper, options.stock,
                                            options.margin, options.gutter)
        marks = options.marks or ("none" if sheet_setup.uses_stock(
            project, options.paper, options.stock) else "crop")
        checksum = sheet_setup.roster_checksum(roster.officers)
        pages = plan_sheets(
            layout, cards, sides, faces.index, options.duplex, marks=marks == "crop",
            first=options.first, calibration=_calibration(project, options.printer),
            slug=(lambda n, m: sheet_setup.slug_text(gen.id, checksum, n, m, options.duplex,
                                                     layout.paper.name)) if options.slug else None)
        pdf = pdfout.build_sheets(faces.pdf, layout.paper, pages)
        sheets = len(pages) // len(sides)
        note = sheet_setup.gutter_note(project, card, options.paper, options.stock,
                                       options.margin, options.gutter)
        details = [note] if note else []
    if options.color == "cmyk":
        from . import overprint
        from .colors import rgb_uses

        overprint.apply(pdf)  # black type and hairlines print over the background
        found = rgb_uses(pdf)
        if found:
            raise InputError(_("RGB in a CMYK job"), [
                Diagnostic(file=f"generation {gen.id}",
                           message=_("{where} (use device-cmyk colours)").format(where=where))
                for where in found[:20]])
    output = options.output or project.output_dir / f"cards-{gen.id}.pdf"
    data = pdfout.finish(pdf, title=f"{gen.title}", subject=f"{len(cards)} cards",
                         pdfx=options.color == "cmyk")
    page_count = len(pdf.pages)
    written = pdfout.write_atomic(data, output)
    if options.report:
        report.write(options.report, report.build(
            project, gen, roster, cards, sides, layout=options.layout,
            per_sheet=layout.per_sheet if options.layout == "sheet" else 0,
            first=getattr(options, "first", None) or 1, output=written, pages=page_count,
            sheets=sheets, faces=len(set(faces.index.values())),
            roster_file=roster_path(project, options.roster), shard=options.shard,
            changed_since=options.changed_since))
    return PrintResult(output=written, cards=len(cards), pages=page_count, sheets=sheets,
                       layout=options.layout, problems=notices, details=details)


def plan_sheets(layout: SheetLayout, cards: list[Officer], sides: tuple[str, ...],
                index: dict[tuple[str, str], int], duplex: str, marks: bool = True,
                first: int = 1, calibration=None, slug=None) -> list:
    """Pages of sheets: each sheet of fronts followed by its sheet of backs.

    The first sheet starts at slot ``first`` (a part-used sheet); ``calibration``
    (an impose.Calibration) moves the back pages only; ``slug(n, m)`` gives the
    slug line of sheet n of m, printed on the side printed first.
    """
    from .impose import slot_batches, slug_origin
    from .pdfout import Placement, SheetPage

    pages = []
    try:
        batches = slot_batches(layout, len(cards), first)
    except ValueError as exc:  # --first beyond the sheet's slots
        raise UsageError(str(exc)) from None
    transform = None
    if calibration is not None and not calibration.is_identity:
        transform = calibration.pdf_matrix(layout.paper)
    start = 0
    for number, slots in enumerate(batches, start=1):
        batch = cards[start:start + len(slots)]
        start += len(slots)
        for side in sides:
            placements = []
            for slot, officer in zip(slots, batch, strict=False):
                target = back_slot(layout, slot, duplex) if side == "back" else slot
                placements.append(Placement(index[(officer.id, side)], target))
            # Marks go on the side printed first; cutting is done from that side.
            with_marks = marks and side == sides[0]
            page_marks = crop_marks([p.slot for p in placements], layout.paper) if with_marks else []
            page = SheetPage(side, placements, page_marks,
                             transform=transform if side == "back" else None)
            if slug is not None and side == sides[0]:
                page.slug = slug(number, len(batches))
                page.slug_at = slug_origin(layout.slots, layout.paper)
            pages.append(page)
    return pages


def _calibration(project: Project, printer: str | None):
    if printer is None:
        return None
    from .calibrate import printer_calibration

    return printer_calibration(project, printer)


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
        try:
            parse_paper(options.paper)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
    if options.color not in ("rgb", "cmyk"):
        raise UsageError(_("{option} must be one of {choices}").format(option="--color", choices="rgb, cmyk"))
    if options.first < 1:
        raise UsageError(_("{option} must be at least 1").format(option="--first"))
    if options.layout == "cards" and (options.stock or options.printer or options.first != 1):
        raise UsageError(_("--stock, --first and --printer apply to --layout sheet only"))


def _with_bleed(gen: Generation, bleed: float) -> Generation:
    data = generations.merge(dict(gen.data), {"card": {"bleed_mm": bleed}})
    return Generation(id=gen.id, data=data, chain=gen.chain, path=gen.path)


def check(project: Project, gen_id: str, roster: str | Path | None = None,
          sheet: str | None = None, color: str | None = None,
          preset: str | None = None) -> list[Diagnostic]:
    """Validate and preflight without writing anything; returns the problems found.

    ``color``/``preset`` (and cardkit.yaml) as for print: in CMYK the generation's
    CMYK colours and images are checked, and the rendered faces read back for RGB.
    """
    from .preflight import check_faces
    from .presets import resolve
    from .render import FaceRenderer

    options = resolve(project, PrintOptions(gen=gen_id, color=color, preset=preset))
    try:
        gen = generations.load(project, gen_id)
        if options.bleed is not None:
            gen = _with_bleed(gen, options.bleed)
        if options.color == "cmyk":
            from .colors import cmyk_generation

            gen = cmyk_generation(gen, project)
        loaded = load_roster(project, gen, roster, sheet=sheet)
    except InputError as exc:
        # Every problem is listed (in --json too), located where it can be.
        return exc.diagnostics or [Diagnostic(message=exc.message)]
    faces = FaceRenderer(project, gen).render(loaded.officers,
                                              extra_roots=[loaded.root] if loaded.root else [])
    problems = check_faces(gen, list(loaded.officers), faces)
    if options.color == "cmyk":
        problems += _rgb_in_faces(gen, faces.pdf)
    return problems


def _rgb_in_faces(gen: Generation, face_pdf: bytes) -> list[Diagnostic]:
    """RGB left in the rendered faces of a CMYK job, one line per use (at most 20)."""
    import io

    import pikepdf

    from .colors import rgb_uses

    with pikepdf.open(io.BytesIO(face_pdf)) as pdf:
        found = rgb_uses(pdf)
    return [Diagnostic(file=f"generation {gen.id}",
                       message=_("{where} (use device-cmyk colours)").format(where=where))
            for where in found[:20]]

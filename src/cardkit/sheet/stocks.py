"""Pre-cut card sheets ("stocks") from gLabels template XML.

Three places are searched, first wins for a given id:

1. the project's own ``stocks/*.xml`` (a sheet you measured yourself);
2. cardkit's built-in data: a subset of the gLabels database (its business-card
   templates, MIT licence, see ``data/stocks/LICENSE``) and cardkit's own
   sheets such as the Chinese ``cn-a4-90x54-2x5``;
3. the system's gLabels database when installed (Debian ``glabels-data``:
   ``/usr/share/libglabels-3.0/templates``; glabels-qt: ``share/glabels-qt/templates``).

A stock's id is ``brand-part`` in lower case with runs of other characters as
``-``: ``avery-c32011-10``, ``zweckform-32010``, ``cn-a4-90x54-2x5``.
"""

from __future__ import annotations

import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TypedDict

from ..digests import read_regular
from ..errors import InputError, UsageError
from ..i18n import N_, _, language
from ..outputs import record_design
from ..units import MM
from .impose import Paper, Rect, SheetLayout, cell_layout

DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "stocks"
SYSTEM_DIRS = (
    Path("/usr/share/libglabels-3.0/templates"),
    Path("/usr/local/share/libglabels-3.0/templates"),
    Path("/usr/share/glabels-qt/templates"),
    Path("/usr/local/share/glabels-qt/templates"),
)
UNITS_PT = {"pt": 1.0, "in": 72.0, "mm": MM, "cm": 720 / 25.4, "pc": 12.0}
PAPER_SIZES_MM = {  # gLabels paper ids used by card templates (paper-sizes.xml is read when present)
    "A4": (210.0, 297.0), "A3": (297.0, 420.0), "A5": (148.0, 210.0),
    "US-Letter": (215.9, 279.4), "US-Legal": (215.9, 355.6),
}
OVERLAP_TOLERANCE = 0.05  # mm; the gLabels data has a few -0.03 mm pitches
CARD_CATEGORIES = ("business-card", "card")


@dataclass(frozen=True)
class Stock:
    """One pre-cut sheet: paper size and the cells (cards) on it, in mm."""

    id: str
    brand: str
    part: str
    description: str
    paper: Paper
    card_w: float
    card_h: float
    cells: tuple[Rect, ...]
    categories: tuple[str, ...]
    source: str  # file it was read from

    @property
    def per_sheet(self) -> int:
        return len(self.cells)

    @property
    def is_card(self) -> bool:
        return any(c in self.categories for c in CARD_CATEGORIES)

    def layout(self, card_w: float, card_h: float, bleed: float) -> SheetLayout:
        """Slots for cards of this size; each bleeds as far as the neighbours allow."""
        try:
            return cell_layout(self.paper, card_w, card_h, bleed, list(self.cells))
        except ValueError as exc:
            raise InputError(_("stock {id}: {reason}").format(id=self.id, reason=exc)) from None

    def margins(self) -> tuple[float, float, float, float]:
        """Left, top, right, bottom distance from the cards to the sheet edge (mm)."""
        return (min(c.x for c in self.cells), min(c.y for c in self.cells),
                self.paper.width - max(c.right for c in self.cells),
                self.paper.height - max(c.bottom for c in self.cells))


def stock_id(brand: str, part: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", f"{brand} {part}".lower()).strip("-")


def _key(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def distance_mm(text: str | None) -> float:
    """A gLabels distance: a number and a unit (pt, in, mm, cm, pc); no unit means pt."""
    if text is None or not text.strip():
        return 0.0
    match = re.fullmatch(r"\s*([-+]?\d*\.?\d*)\s*(pt|in|mm|cm|pc)?\s*", text)
    if not match or match[1] in ("", "+", "-", "."):
        if match and match[2]:
            return 0.0  # "in" alone: a unit with no number (seen in the database)
        raise ValueError(f"not a distance: {text!r}")
    return float(match[1]) * UNITS_PT[match[2] or "pt"] / MM


def _strip_ns(root) -> None:
    for element in root.iter():
        if isinstance(element.tag, str) and "}" in element.tag:
            element.tag = element.tag.split("}", 1)[1]


def read_paper_sizes(folder: Path) -> dict[str, tuple[float, float]]:
    import xml.etree.ElementTree as ET

    sizes = dict(PAPER_SIZES_MM)
    path = folder / "paper-sizes.xml"
    if path.is_file():
        try:
            root = ET.fromstring(read_regular(path))
        except (ET.ParseError, OSError):
            return sizes
        _strip_ns(root)
        for paper in root.iter("Paper-size"):
            try:
                sizes[paper.get("id", "")] = (distance_mm(paper.get("width")),
                                              distance_mm(paper.get("height")))
            except ValueError:
                continue
    return sizes


def parse_templates(path: Path, paper_sizes: dict[str, tuple[float, float]] | None = None,
                    problems: list[str] | None = None) -> list[Stock]:
    """Every rectangular template in a gLabels ``*-templates.xml`` file.

    ``equiv`` clones take the geometry of the earlier template of the same brand.
    Templates whose cards overlap or leave the sheet are skipped and reported in
    ``problems``; a file that is not XML is one problem, never a crash.
    """
    import xml.etree.ElementTree as ET

    sizes = paper_sizes or PAPER_SIZES_MM
    problems = problems if problems is not None else []
    try:
        root = ET.fromstring(read_regular(path))  # a FIFO or a device is never waited on
    except (ET.ParseError, OSError) as exc:
        problems.append(f"{path}: not a gLabels template file ({exc})")
        return []
    _strip_ns(root)
    stocks: list[Stock] = []
    by_part: dict[tuple[str, str], Stock] = {}
    for template in root.iter("Template"):
        brand = template.get("brand", "").strip()
        part = template.get("part", "").strip()
        if not brand or not part:
            continue
        where = f"{path.name}: {brand} {part}"
        equiv = template.get("equiv")
        stock: Stock | None
        if equiv:
            base = by_part.get((brand, equiv))
            if base is None:
                continue  # a clone of a non-rectangular or skipped template
            stock = Stock(stock_id(brand, part), brand, part,
                          template.get("_description") or template.get("description")
                          or base.description, base.paper, base.card_w, base.card_h,
                          base.cells, base.categories, str(path))
        else:
            try:
                stock = _parse_one(template, brand, part, sizes, str(path))
            except ValueError as exc:
                problems.append(f"{where}: {exc}")
                continue
            if stock is None:
                continue
        by_part[(brand, part)] = stock
        stocks.append(stock)
    return stocks


def _parse_one(template, brand: str, part: str, sizes, source: str) -> Stock | None:
    label = template.find("Label-rectangle")
    if label is None:
        return None  # round, elliptical, CD labels: not cards
    size = template.get("size", "")
    if size in sizes:
        paper_w, paper_h = sizes[size]
    elif size.lower() in ("other", "roll", "") and template.get("width") and template.get("height"):
        paper_w, paper_h = distance_mm(template.get("width")), distance_mm(template.get("height"))
    else:
        raise ValueError(f"unknown paper size {size!r}")
    if size.lower() == "roll":
        raise ValueError("roll stock is not a sheet")
    w, h = distance_mm(label.get("width")), distance_mm(label.get("height"))
    if w <= 0 or h <= 0:
        raise ValueError("card without a size")
    cells: list[Rect] = []
    for layout in label.iter("Layout"):
        nx, ny = int(layout.get("nx", "1")), int(layout.get("ny", "1"))
        x0, y0 = distance_mm(layout.get("x0")), distance_mm(layout.get("y0"))
        dx, dy = distance_mm(layout.get("dx")), distance_mm(layout.get("dy"))
        for j in range(ny):
            for i in range(nx):
                cell = Rect(x0 + i * dx, y0 + j * dy, w, h)
                # a few templates repeat a <Layout> word for word: one card, not two
                if not any(abs(c.x - cell.x) < 0.01 and abs(c.y - cell.y) < 0.01 for c in cells):
                    cells.append(cell)
    if not cells:
        raise ValueError("no <Layout>")
    paper = Paper(size if size in sizes else f"{paper_w:g}x{paper_h:g}mm", paper_w, paper_h)
    _check_cells(cells, paper)
    categories = tuple(m.get("category", "") for m in template.iter("Meta") if m.get("category"))
    description = template.get("_description") or template.get("description") or ""
    return Stock(stock_id(brand, part), brand, part, description, paper, w, h,
                 tuple(cells), categories, source)


def _check_cells(cells: list[Rect], paper: Paper) -> None:
    tol = OVERLAP_TOLERANCE
    for cell in cells:
        if cell.x < -tol or cell.y < -tol or cell.right > paper.width + tol \
                or cell.bottom > paper.height + tol:
            raise ValueError(f"a card at ({cell.x:.2f}, {cell.y:.2f}) mm leaves the sheet")
    for i, a in enumerate(cells):
        for b in cells[i + 1:]:
            over_x = min(a.right, b.right) - max(a.x, b.x)
            over_y = min(a.bottom, b.bottom) - max(a.y, b.y)
            if over_x > tol and over_y > tol:
                raise ValueError(f"cards at ({a.x:.2f}, {a.y:.2f}) and ({b.x:.2f}, {b.y:.2f}) "
                                 "mm overlap")


def search_dirs(project_root: Path | None = None) -> list[Path]:
    dirs = []
    if project_root is not None and (project_root / "stocks").is_dir():
        dirs.append(project_root / "stocks")
    dirs.append(DATA_DIR)
    dirs.extend(d for d in SYSTEM_DIRS if d.is_dir())
    return dirs


def _loaded(project_root: Path | None) -> Iterator[tuple[Stock, ...]]:
    """The stocks of each place searched, in search order (the project's own folder first),
    each folder read only when the caller gets to it."""
    own = project_root / "stocks" if project_root is not None else None
    for folder in search_dirs(project_root):
        yield _load_dir(folder.resolve(), own=folder == own)[0]


def _load_dir(folder: Path, own: bool = False) -> tuple[tuple[Stock, ...], tuple[str, ...]]:
    """The stocks of a folder's XML files, read again whenever one of the files changes (a
    long-running service sees a stock edited between two jobs).

    A FIFO, a device or a folder named ``*.xml`` is never read (it could block the job for
    ever): in the project's own folder (``own``) it is refused, since skipping it could let a
    built-in stock of the same id take its place unseen; elsewhere it is passed over.
    """
    files = []
    for path in sorted(folder.glob("*.xml")):
        try:
            info = path.stat()
        except OSError:
            continue
        if not stat.S_ISREG(info.st_mode):
            if own:
                from ..project import shown_path

                raise InputError(f"{shown_path(path)}: " + _(
                    "not a regular file; the project's stocks folder holds gLabels XML files "
                    "only (remove it, or put the file itself there)"))
            continue
        files.append((path.name, info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino))
    return _parse_dir(folder, tuple(files))


@lru_cache(maxsize=16)
def _parse_dir(folder: Path, files: tuple[tuple[str, int, int, int, int], ...],
               ) -> tuple[tuple[Stock, ...], tuple[str, ...]]:
    sizes = read_paper_sizes(folder)
    problems: list[str] = []
    stocks: list[Stock] = []
    for name, *_ident in files:  # the files _load_dir found regular
        if name in ("paper-sizes.xml", "categories.xml", "vendors.xml"):
            continue
        path = folder / name
        stocks.extend(parse_templates(path, sizes, problems))
    return tuple(stocks), tuple(problems)


def all_stocks(project_root: Path | None = None, cards_only: bool = True) -> dict[str, Stock]:
    """Every stock known, id -> stock, the first place searched winning."""
    found: dict[str, Stock] = {}
    for place in _loaded(project_root):
        for stock in place:
            if cards_only and not stock.is_card:
                continue
            found.setdefault(stock.id, stock)
    return dict(sorted(found.items()))


def find_stock(name: str, project_root: Path | None = None) -> Stock:
    """A stock by id (``avery-c32011-10``), brand and part (``Avery C32011-10``) or part alone.

    A name that matches no stock, or several, is a usage error (``--stock`` names it).
    """
    found = _find_stock(name, project_root)
    # the job's input: no output may replace it, and its bytes go in the ledger
    record_design([found.source], _("the stock's file"))
    return found


def _find_stock(name: str, project_root: Path | None = None) -> Stock:
    from ..project import did_you_mean

    key = _key(name)
    for place in _loaded(project_root):  # an exact id: the first place that has it wins
        for stock in place:
            if _key(stock.id) == key:
                return stock
    stocks = all_stocks(project_root, cards_only=False)
    by_part = [s for s in stocks.values() if _key(s.part) == key]
    if len(by_part) == 1:
        return by_part[0]
    if len(by_part) > 1:
        raise UsageError(_("stock {name} is ambiguous: {stocks}").format(
            name=repr(name), stocks=", ".join(s.id for s in by_part)))
    hint = did_you_mean(name.lower(), all_stocks(project_root))
    raise UsageError(_("unknown stock {name}{hint} (`cardkit stocks` lists them)").format(
        name=repr(name), hint=hint))


# What the makers' descriptions say (gLabels data is English), for people reading Chinese:
# a description is translated whole when the catalogue knows it, else phrase by phrase.
STOCK_DESCRIPTIONS = (
    N_("Business card sheet (名片纸), A4, 10 cards 90x54 mm: measure your sheet"),
)
STOCK_PHRASES = (  # longest first
    N_("both sides printable"), N_("Foldable business cards"), N_("Membership cards"),
    N_("Business cards"), N_("high glossy"), N_("punched"), N_("glossy"),
    N_("dull"),
)
STOCK_CATEGORIES = {"business-card": N_("business cards"), "card": N_("cards"),
                    "label": N_("labels"), "rectangle-label": N_("labels")}
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


def description_text(stock: Stock) -> str:
    """The stock's description in the user's language (English: the maker's own words).

    In Chinese no English word is left: what the phrase table cannot say is replaced
    by the stock's kind (名片, 卡片, 标签).
    """
    text = stock.description
    if language() == "en":
        return text
    if _(text) != text:
        return _(text)
    for phrase in STOCK_PHRASES:
        text = re.sub(re.escape(phrase), _(phrase), text, flags=re.I)
    text = re.sub(r"\s*,\s*|\s+(?=[^\x00-\x7f])|(?<=[^\x00-\x7f])\s+", "，", text.strip())
    if not text or _LATIN_WORD.search(text.replace("mm", "")):
        kinds = [_(STOCK_CATEGORIES[c]) for c in stock.categories if c in STOCK_CATEGORIES]
        text = kinds[0] if kinds else _("cards")
    return text


class StockRow(TypedDict):
    """A stock as ``cardkit stocks`` lists it (and ``--json`` writes it)."""

    id: str
    brand: str
    part: str
    description: str
    paper: str
    card: str
    per_sheet: int
    margins_mm: list[float]
    source: str


def describe(stock: Stock) -> StockRow:
    left, top, right, bottom = stock.margins()
    return {
        "id": stock.id,
        "brand": stock.brand,
        "part": stock.part,
        "description": stock.description,
        "paper": stock.paper.name,
        "card": f"{stock.card_w:.2f}x{stock.card_h:.2f}mm".replace(".00", ""),
        "per_sheet": stock.per_sheet,
        "margins_mm": [round(v, 2) for v in (left, top, right, bottom)],
        "source": "cardkit" if Path(stock.source).parent == DATA_DIR else stock.source,
    }

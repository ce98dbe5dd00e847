"""The data cardkit works on, independent of how it is read or rendered."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from .errors import Diagnostic

OFFICER_FIELDS = ("id", "name", "post", "phone", "mobile", "wechat", "area", "badge")
UNIT_FIELDS = ("name", "address", "hotline", "website", "weibo", "wechat", "web", "mascot",
               "mascot_image", "mascot_image_cmyk")


@dataclass(frozen=True)
class Source:
    """Where a value came from: a file and a line (a row for spreadsheets)."""

    file: str
    line: int = 0


@dataclass(frozen=True, eq=False)
class Unit:
    """The police unit (station or bureau) printed on a card."""

    name: str
    address: str = ""
    hotline: str = ""
    website: str = ""
    weibo: str = ""
    wechat: str = ""
    web: tuple[tuple[str, str], ...] = ()  # (label, url): 网上公安局, 网上警务室, ...
    mascot: str = ""  # the mascot's name, printed under its drawing, e.g. 螺警官
    # The unit's own mascot drawing (SVG, PNG or JPEG): a file path, resolved against the file
    # that names it, or a data: URL (a drawing converted for CMYK output); and its CMYK version.
    mascot_image: str = ""
    mascot_image_cmyk: str = ""
    specimen: bool = False  # from a roster marked specimen: true (cards carry 样张 / SPECIMEN)
    extra: Mapping[str, str] = field(default_factory=dict)

    def as_context(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "address": self.address,
            "hotline": self.hotline,
            "website": self.website,
            "weibo": self.weibo,
            "wechat": self.wechat,
            "web": [{"label": label, "url": url} for label, url in self.web],
            "mascot": self.mascot,
            # the drawing a card prints: only a mascot with both its name and its drawing
            "mascot_url": _url(self.mascot_image) if self.mascot and self.mascot_image else "",
            "specimen": self.specimen,
            "extra": dict(self.extra),
        }

    def value(self, key: str) -> str:
        """A unit field by name; ``web.LABEL`` is the web address of that label."""
        if key.startswith("web."):
            return next((url for label, url in self.web if label == key[4:]), "")
        return str(getattr(self, key, "") or "")


def _url(image: str) -> str:
    return image if image.startswith("data:") else Path(image).absolute().as_uri()


@dataclass(frozen=True, eq=False)
class Officer:
    """One community officer: one card (front and back) per copy."""

    id: str
    name: str
    unit: Unit
    post: str = ""
    phone: str = ""
    mobile: str = ""
    wechat: str = ""
    area: str = ""
    extra: Mapping[str, str] = field(default_factory=dict)
    source: Source = Source("")
    badge: str = ""  # the police number (警号), which a generation may show (block badge)

    def as_context(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "post": self.post,
            "phone": self.phone,
            "mobile": self.mobile,
            "wechat": self.wechat,
            "area": self.area,
            "badge": self.badge,
            "extra": dict(self.extra),
        }


@dataclass(frozen=True, eq=False)
class Roster:
    """Who gets cards: officers, each with their unit."""

    officers: tuple[Officer, ...]
    source: str = ""
    root: Path | None = None  # the roster's folder (QR screenshots are read from here)
    inputs: tuple[Path, ...] = ()  # files read besides the roster: its QR screenshots
    specimen: bool = False  # marked specimen: true: placeholders allowed, cards marked 样张
    specimen_by: str = ""  # the file that marks it so (the roster itself, or a cardkit.yaml)
    notes: tuple[Diagnostic, ...] = ()  # warnings and notices that do not stop the job


MIN_MODULE_MM = 0.5  # smallest QR module a phone reads from a photo of the card (default floor)
HARD_MIN_MODULE_MM = 0.4  # a generation may lower its floor (qr.min_module_mm) to this, no further


@dataclass(frozen=True)
class CardSize:
    """A card's trim size, bleed and safe zone in millimetres."""

    width: float = 90.0
    height: float = 54.0
    bleed: float = 2.0
    safe: float = 3.0
    fixed: bool = False  # card.fixed: the size is kept on a stock whose cards differ


K = TypeVar("K")
V = TypeVar("V")


class ReadOnly(Mapping[K, V]):
    """A mapping nobody can change after it is made (unlike ``MappingProxyType``, it pickles,
    so a generation goes to worker processes as it is)."""

    __slots__ = ("_items",)

    def __init__(self, items: Mapping[K, V] | Iterable[tuple[K, V]] = ()) -> None:
        self._items: dict[K, V] = dict(items)

    def __getitem__(self, key: K) -> V:
        return self._items[key]

    def __iter__(self) -> Iterator[K]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:
        return f"ReadOnly({self._items!r})"


@dataclass(frozen=True)
class QrSettings:
    """A generation's ``qr:`` section, defaults filled in."""

    field: str = "wechat"  # the officer field holding the payload
    size_mm: float = 18.0
    ec: str | None = None  # the error correction the design chose, as written; None: per payload
    min_module_mm: float = MIN_MODULE_MM  # the smallest module preflight accepts (>= 0.4 mm)
    missing: str = "omit"  # an officer whose field is empty: omit (warned) or error (refused)
    hosts: tuple[str, ...] = ()  # hosts and scheme:// forms the payload may use


@dataclass(frozen=True)
class FitPolicy:
    """One field's ``fit:`` policy: shrink down to ``min_pt``, wrap onto ``max_lines``."""

    min_pt: float | None = None  # as written (7 or 6.5); None: the field may not shrink
    max_lines: int = 1

    def floor(self, size: float) -> float:
        """The smallest size the field may take, ``size`` when no min_pt is given."""
        return float(self.min_pt if self.min_pt is not None else size)


@dataclass(frozen=True)
class TemplateNames:
    """A generation's ``templates:``: the files of its faces and stylesheet."""

    front: str = "front.html"
    back: str = "back.html"
    stylesheet: str = "card.css"


@dataclass(frozen=True)
class MascotSection:
    """A generation's own ``mascot:`` drawing and its caption ("" where it gives none)."""

    image: str = ""
    caption: str = ""


@dataclass(frozen=True, eq=False)
class Sections:
    """A generation's resolved YAML and the typed, read-only sections read from it.

    Made only by ``design.sections.build``: outside ``design/`` code reads these sections,
    never the YAML mapping (``data``), which stays for design/ and for what serialises the
    whole generation (the ledger's digests, the plate key, ``cardkit show`` and ``diff``).
    """

    data: Mapping[str, Any]  # the resolved YAML mapping (without ``extends``)
    title: str
    year: int | float | str | None  # as written; ``Generation.year`` reads it as a number
    summary: str
    card: CardSize
    shows: Mapping[str, tuple[str, ...]]  # side -> the blocks it shows, in order
    qr: QrSettings
    colors: Mapping[str, str]
    fonts: Mapping[str, tuple[str, ...]]  # body, heading, ...: font families, first choice first
    fit: Mapping[str, FitPolicy | None]  # printed field -> its policy; None: none (``name: null``)
    templates: TemplateNames
    mascot: MascotSection
    fields: tuple[str, ...]  # extra officer fields the templates use
    printed_texts: tuple[tuple[str, str], ...]  # (key path, text) of every text the card prints


@dataclass(frozen=True, eq=False)
class Generation:
    """A named, dated card design, with ``extends:`` already resolved.

    Its sections are typed and read-only (``qr``, ``colors``, ``fonts``, ``fit``, ...);
    ``design.generations`` makes a generation (``load``) and a changed copy (``revised``).
    """

    id: str
    sections: Sections
    chain: tuple[str, ...]  # this generation first, then its ancestors
    path: Path | None = None
    # "tips.lines" -> (file, line) of the generation in the chain that sets it (keys two deep)
    where: Mapping[str, tuple[str, int]] = field(default_factory=dict)

    def locate(self, key: str) -> tuple[str, int]:
        """File and line that set ``key`` (``tips.lines``), else the generation's own file."""
        if key in self.where:
            return self.where[key]
        head = key.split(".")[0]
        return self.where.get(head, (f"generations/{self.id}.yaml", 0))

    @property
    def data(self) -> Mapping[str, Any]:
        """The resolved YAML mapping: for design/ and for serialising the whole generation."""
        return self.sections.data

    @property
    def title(self) -> str:
        return self.sections.title

    @property
    def year(self) -> int | None:
        year = self.sections.year
        return int(year) if year is not None else None

    @property
    def summary(self) -> str:
        return self.sections.summary

    @property
    def base(self) -> str | None:
        return self.chain[1] if len(self.chain) > 1 else None

    @property
    def card(self) -> CardSize:
        return self.sections.card

    def shows(self, side: str) -> list[str]:
        return list(self.sections.shows.get(side, ()))

    @property
    def qr(self) -> QrSettings:
        return self.sections.qr

    @property
    def colors(self) -> Mapping[str, str]:
        return self.sections.colors

    @property
    def fonts(self) -> Mapping[str, tuple[str, ...]]:
        return self.sections.fonts

    @property
    def fit(self) -> Mapping[str, FitPolicy | None]:
        return self.sections.fit

    @property
    def templates(self) -> TemplateNames:
        return self.sections.templates

    @property
    def mascot(self) -> MascotSection:
        return self.sections.mascot

    @property
    def fields(self) -> tuple[str, ...]:
        return self.sections.fields

    @property
    def printed_texts(self) -> tuple[tuple[str, str], ...]:
        return self.sections.printed_texts

    @property
    def qr_field(self) -> str | None:
        """The officer field whose value the QR code carries, or None when no face shows one.

        The one place that decides whether a generation prints a QR code, and of what.
        """
        if "qr" not in self.shows("front") + self.shows("back"):
            return None
        return self.qr.field

    @property
    def qr_min_module_mm(self) -> float:
        """The smallest QR module preflight accepts (``qr.min_module_mm``, default 0.5 mm)."""
        return self.qr.min_module_mm

    @property
    def qr_side(self) -> str | None:
        """The face that carries the QR code (the front when both would), or None."""
        if self.qr_field is None:
            return None
        return "front" if "qr" in self.shows("front") else "back"

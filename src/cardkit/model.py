"""The data cardkit works on, independent of how it is read or rendered."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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


@dataclass(frozen=True, eq=False)
class Generation:
    """A named, dated card design, with ``extends:`` already resolved."""

    id: str
    data: Mapping[str, Any]  # the resolved YAML mapping (without ``extends``)
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
    def title(self) -> str:
        return str(self.data.get("title", self.id))

    @property
    def year(self) -> int | None:
        year = self.data.get("year")
        return int(year) if year is not None else None

    @property
    def base(self) -> str | None:
        return self.chain[1] if len(self.chain) > 1 else None

    @property
    def card(self) -> CardSize:
        card = self.data.get("card", {})
        return CardSize(
            width=float(card.get("width_mm", 90)),
            height=float(card.get("height_mm", 54)),
            bleed=float(card.get("bleed_mm", 2)),
            safe=float(card.get("safe_mm", 3)),
        )

    def shows(self, side: str) -> list[str]:
        face = self.data.get(side)
        show = face.get("show") if isinstance(face, dict) else None
        return list(show) if isinstance(show, list) else []

    @property
    def qr_field(self) -> str | None:
        """The officer field whose value the QR code carries, or None when no face shows one.

        The one place that decides whether a generation prints a QR code, and of what.
        """
        if "qr" not in self.shows("front") + self.shows("back"):
            return None
        return str((self.data.get("qr") or {}).get("field", "wechat"))

    @property
    def qr_min_module_mm(self) -> float:
        """The smallest QR module preflight accepts (``qr.min_module_mm``, default 0.5 mm)."""
        value = (self.data.get("qr") or {}).get("min_module_mm", MIN_MODULE_MM)
        try:
            return max(HARD_MIN_MODULE_MM, float(value))
        except (TypeError, ValueError):  # the generation's check reports it
            return MIN_MODULE_MM

    @property
    def qr_side(self) -> str | None:
        """The face that carries the QR code (the front when both would), or None."""
        if self.qr_field is None:
            return None
        return "front" if "qr" in self.shows("front") else "back"

"""The generation schema: every key a generation file may set, declared once, documented.

``OPTIONS`` is the one table. Each entry is an ``Option``: the kind of value it
takes (which checks it) and its documentation. From it come

* the checks of each generation file (``check_layer``): every unknown key with a
  "did you mean", every value of the wrong kind, each located at its line;
* docs/reference.md and its Chinese twin (``cardkit.tools.reference``, in the
  language asked for: the documentation is marked ``N_`` and translated in the
  catalogue like any message);
* the keys ``cardkit new`` lists in a new generation, and the ``gen`` mapping
  templates read.

The blocks a face can show are the files of ``templates/blocks/`` (``blocks``):
each block file says on its first line on which faces it may stand,
``{#- sides: front back -#}``, so a new block is one new file.

How to add an option
--------------------
Add an ``Option`` to ``OPTIONS`` (a top-level key) or to the ``keys`` of the
``Table`` it belongs to, with the kind of value and a one-line documentation::

    "missing": Option(Choice("omit", "error"), N_("what an officer without a QR code gets")),

Kinds: ``Anything``, ``Millimetres``, ``Choice``, ``Colour``, ``FontList``,
``Mapping`` (any keys, one kind of value), ``Table`` (named keys, each an
Option), ``FitPolicies``. A new kind is a small class with ``check`` (yield the
problems of a value) and ``takes`` (what it says in the reference). Checks that
need the whole resolved generation (sizes against the card, files that must
exist) live in ``generations._check_values``. When code outside ``design/`` needs the
value, read it into the typed sections (``sections.build``, ``model.Sections``): nothing
outside ``design/`` reads the YAML itself. Then ``make i18n`` (translate the new
documentation in cardkit.po) and ``python -m cardkit.tools.reference --write``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import Diagnostic
from ..i18n import N_, _
from ..project import did_you_mean

_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
_FONT = re.compile(r"^[\w \-]+$")
_SIDES = re.compile(r"^\{#-?\s*sides:([\w\s]*?)-?#\}")
SIDES = ("front", "back")


@dataclass(frozen=True)
class At:
    """Where a value stands: its file, dotted key path and line."""

    file: str
    field: str
    line: int

    def problem(self, message: str) -> Diagnostic:
        return Diagnostic(file=self.file, line=self.line, field=self.field, message=message)

    def inner(self, mapping: Any, key: str) -> At:
        return At(self.file, f"{self.field}.{key}", _line(mapping, key, self.line))


def _line(mapping: Any, key: str, default: int = 0) -> int:
    line_of = getattr(mapping, "line_of", None)
    return line_of(key) if line_of is not None else default


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


class Anything:
    """Any value (texts, lists the templates read as they are); ``what`` says what is meant."""

    what = ""

    def __init__(self, what: str = "") -> None:
        self.what = what

    def check(self, value: Any, at: At) -> Iterator[Diagnostic]:
        return iter(())

    def takes(self) -> str:
        return _(self.what) if self.what else ""


class Millimetres(Anything):
    def check(self, value: Any, at: At) -> Iterator[Diagnostic]:
        if not _is_number(value):
            yield at.problem(_("{value} is not a number of millimetres (write 90, not 90mm)").format(
                value=repr(value)))

    def takes(self) -> str:
        return _("a number of millimetres")


class Choice(Anything):
    """One of a few words (``Choice("omit", "error")``)."""

    def __init__(self, *choices: str) -> None:
        super().__init__()
        self.choices = choices

    def check(self, value: Any, at: At) -> Iterator[Diagnostic]:
        if value not in self.choices:
            words = ", ".join(self.choices[:-1]) + _(" or ") + self.choices[-1] \
                if len(self.choices) > 1 else self.choices[0]
            yield at.problem(_("{value}: expected {choices}").format(value=repr(value), choices=words)
                             + did_you_mean(str(value), self.choices))

    def takes(self) -> str:
        return " | ".join(self.choices)


class Flag(Anything):
    def check(self, value: Any, at: At) -> Iterator[Diagnostic]:
        if not isinstance(value, bool):
            yield at.problem(_("expected true or false"))

    def takes(self) -> str:
        return "true | false"


class Colour(Anything):
    def check(self, value: Any, at: At) -> Iterator[Diagnostic]:
        if not isinstance(value, str) or not _COLOUR.match(value):
            yield at.problem(_("{value} is not a colour like #1a5fb4").format(value=repr(value)))

    def takes(self) -> str:
        return "#rrggbb"


class FontList(Anything):
    def check(self, value: Any, at: At) -> Iterator[Diagnostic]:
        if not isinstance(value, list) or not all(isinstance(f, str) and _FONT.match(f) for f in value):
            yield at.problem(_("expected a list of font family names"))

    def takes(self) -> str:
        return _("a list of font families, first choice first")


class HostList(Anything):
    def check(self, value: Any, at: At) -> Iterator[Diagnostic]:
        if value is not None and not (isinstance(value, list)
                                      and all(isinstance(h, str) and h.strip() for h in value)):
            yield at.problem(_("expected a list of host names (u.wechat.com) or forms (weixin://)"))

    def takes(self) -> str:
        return _("a list of hosts (u.wechat.com) or forms (weixin://)")


class WebList(Anything):
    """``web:``: entries ``{label, url, field}``; the url comes from the unit unless given."""

    keys: dict[str, Option]  # set below, once Option exists
    fields = ("website", "weibo")  # unit fields a web: entry may print

    def check(self, value: Any, at: At) -> Iterator[Diagnostic]:
        if value is None:
            return
        if not isinstance(value, list):
            yield at.problem(_("expected a list of {label: ...} entries"))
            return
        for index, entry in enumerate(value):
            line = value.lines[index] if hasattr(value, "lines") else at.line
            yield from self._check_entry(entry, At(at.file, f"{at.field}[{index + 1}]", line))

    def _check_entry(self, entry: Any, at: At) -> Iterator[Diagnostic]:
        if not isinstance(entry, dict) or not isinstance(entry.get("label"), str):
            yield at.problem(_("expected a mapping with a label"))
            return
        for key in entry:
            if key not in self.keys:
                yield at.problem(_("unknown key {key}").format(key=repr(key)) + did_you_mean(key, self.keys))
        if "field" in entry and entry["field"] not in self.fields:
            yield at.problem(_("field {value}: expected one of {fields}").format(
                value=repr(entry["field"]), fields=", ".join(self.fields)))
        url = entry.get("url")
        if url is not None:
            message = _url_problem(url)
            if message:
                yield At(at.file, f"{at.field}.url", at.line).problem(message)

    def takes(self) -> str:
        return _("a list of {label, url, field}")


def _url_problem(url: Any) -> str | None:
    from ..urlrules import placeholder_host, scheme_problem

    message = scheme_problem(str(url)) if isinstance(url, str) else _("expected text")
    host = placeholder_host(str(url)) if not message else None
    if host:
        message = _('"{url}": {host} is a placeholder host; write the real address, or '
                    "leave url: out so that it comes from the unit").format(url=url, host=host)
    return message


class BlockList(Anything):
    def check(self, value: Any, at: At) -> Iterator[Diagnostic]:
        if not isinstance(value, list):
            yield at.problem(_("expected a list of block names"))

    def takes(self) -> str:
        return _("a list of block names (see the blocks below)")


@dataclass(frozen=True)
class Mapping(Anything):
    """A mapping with keys of the author's choosing, each value of one kind."""

    value: Anything = field(default_factory=Anything)

    def check(self, value: Any, at: At) -> Iterator[Diagnostic]:
        if not isinstance(value, dict):
            yield at.problem(_("expected a mapping"))
            return
        for key, item in value.items():
            yield from self.value.check(item, at.inner(value, key))

    def takes(self) -> str:
        kind = self.value.takes()
        return _("a mapping: any name -> {kind}").format(kind=kind) if kind else _("a mapping")


@dataclass(frozen=True)
class Table(Anything):
    """A mapping of named keys, each an ``Option``; ``open`` tables accept other keys too."""

    keys: dict[str, Option]
    open: bool = False
    nullable: bool = False  # null drops what a parent set (`mascot: null`)

    def check(self, value: Any, at: At) -> Iterator[Diagnostic]:
        if value is None and self.nullable:
            return
        if not isinstance(value, dict):
            yield at.problem(_("expected a mapping"))
            return
        for key, item in value.items():
            where = at.inner(value, key)
            option = self.keys.get(key)
            if option is None:
                if not self.open:
                    yield where.problem(_("unknown key") + did_you_mean(key, self.keys) + _(
                        " ({key}: takes {keys})").format(key=at.field, keys=", ".join(self.keys)))
                continue
            yield from option.kind.check(item, where)

    def takes(self) -> str:
        return _("a mapping of the keys below")


FIT_FIELDS = ("unit", "name", "post", "area", "phone", "mobile", "address", "hotline",
              "website", "promise", "tips", "fraud_tips")


class FitPolicies(Anything):
    """``fit:``: printed field -> ``{min_pt, max_lines}`` or null."""

    policy = {
        "min_pt": N_("smallest font size in points it may shrink to, 3 to 30"),
        "max_lines": N_("lines it may wrap onto, 1 to 5 (default 1: no wrapping)"),
    }

    def check(self, value: Any, at: At) -> Iterator[Diagnostic]:
        if not isinstance(value, dict):
            yield at.problem(_("expected a mapping"))
            return
        for name, policy in value.items():
            where = at.inner(value, name)
            if name not in FIT_FIELDS:
                yield where.problem(_("no such field on a card") + did_you_mean(name, FIT_FIELDS))
            elif policy is not None:  # null: no policy for this field, even if a parent has one
                yield from self._check_policy(policy, where)

    def _check_policy(self, policy: Any, where: At) -> Iterator[Diagnostic]:
        if not isinstance(policy, dict):
            yield where.problem(_("expected {min_pt: N, max_lines: N}"))
            return
        for key, value in policy.items():
            if key not in self.policy:
                yield where.problem(_("unknown key {key}").format(key=repr(key))
                                    + did_you_mean(key, self.policy))
            elif key == "min_pt" and not (_is_number(value) and 3 <= value <= 30):
                yield where.problem(f"min_pt {value!r}: " + _("expected a font size from 3 to 30 (points)"))
            elif key == "max_lines" and not (isinstance(value, int) and 1 <= value <= 5):
                yield where.problem(f"max_lines {value!r}: " + _("expected a whole number from 1 to 5"))

    def takes(self) -> str:
        return _("a mapping: printed field -> {min_pt: N, max_lines: N} or null")


@dataclass(frozen=True)
class Option:
    """One key of a generation: the kind of value it takes and what it means (``N_``-marked)."""

    kind: Anything
    doc: str


TEXT = Anything(N_("text"))
FILE = Anything(N_("a file name"))
TIPS = Anything(N_("title: text, lines: a list of texts"))

WebList.keys = {
    "label": Option(TEXT, N_("what the address is, printed before it (网上公安局)")),
    "url": Option(Anything(N_("an http(s) address")), N_(
        "the address itself; left out, it comes from the unit's web: entry of that label")),
    "field": Option(Anything("website | weibo"), N_("take the address from this unit field")),
}

FACE = Table({
    "title": Option(TEXT, N_("heading printed on this face")),
    "show": Option(BlockList(), N_("the blocks printed on this face, in order")),
}, open=True)  # open: a template may read keys of its own from its face

OPTIONS: dict[str, Option] = {
    "title": Option(TEXT, N_("name shown in `cardkit list` and on the exhibition sheet")),
    "year": Option(Anything(N_("a year")), N_("year the design was introduced")),
    "extends": Option(Anything(N_("a generation id")), N_(
        "id of the generation this one builds on; only differences are stated")),
    "summary": Option(TEXT, N_("what changed from the generation before (one line)")),
    "card": Option(Table({
        "width_mm": Option(Millimetres(), N_("trim width (default 90)")),
        "height_mm": Option(Millimetres(), N_("trim height (default 54)")),
        "bleed_mm": Option(Millimetres(), N_("bleed beyond the trim, 0 to 10 (default 2)")),
        "safe_mm": Option(Millimetres(), N_(
            "margin inside the trim that text keeps clear of (default 3)")),
        "fixed": Option(Flag(), N_(
            "true keeps the size on a stock whose cards differ (the job is refused instead of "
            "laid out at the stock's size)")),
    }), N_("the card's size")),
    "colors": Option(Mapping(Colour()), N_(
        "background, text, accent, band, band_text, muted, name, qr, qr_light; templates may "
        "use more")),
    "colors_cmyk": Option(Anything(N_("a mapping: name -> cmyk(c, m, y, k)")), N_(
        "the same keys as colors, as cmyk(c, m, y, k) in per cent: used by print --color cmyk")),
    "fonts": Option(Mapping(FontList()), N_(
        "body and heading: lists of font families, first choice first")),
    "templates": Option(Table({
        "front": Option(FILE, N_("template of the front (default front.html)")),
        "back": Option(FILE, N_("template of the back (default back.html)")),
        "stylesheet": Option(FILE, N_("stylesheet (default card.css)")),
    }), N_("template file names, found in the project's templates/ first")),
    "front": Option(FACE, N_("the front: title and show")),
    "back": Option(FACE, N_("the back: title and show")),
    "texts": Option(Mapping(), N_(
        "fixed texts: promise, advice_title, advice; label_address, label_area, label_phone, "
        "label_mobile, label_website, label_alarm, label_hotline: the labels printed before "
        "those fields (地址 辖区 电话 手机 网站 报警求助 值班电话); templates may use more")),
    "tips": Option(TIPS, N_("property-safety tips")),
    "web": Option(WebList(), N_(
        "web addresses printed on the card; each url comes from the unit's web: address of "
        "that label, or from the unit field named by field: (website, weibo); a bureau's own "
        "generation may write url: itself")),
    "qr": Option(Table({
        "field": Option(Anything(N_("an officer field")), N_(
            "officer field holding the payload (default wechat)")),
        "size_mm": Option(Millimetres(), N_("printed size of the code, 8 mm or more (default 18)")),
        "caption": Option(TEXT, N_("text under the code")),
        "ec": Option(Anything("L | M | Q | H"), N_(
            "error correction (default: chosen for the payload: the smallest version at M, "
            "raised to Q or H when free, L when M's modules would be under min_module_mm)")),
        "min_module_mm": Option(Millimetres(), N_(
            "smallest module preflight accepts (default 0.5, never under 0.4)")),
        "missing": Option(Choice("omit", "error"), N_(
            "an officer whose field is empty: omit (a card without the code, with a warning) "
            "or error (refused)")),
        "hosts": Option(HostList(), N_(
            "hosts and scheme:// forms the payload may use; cardkit.yaml's qr_hosts adds to them")),
    }), N_("the officer's QR code")),
    "mascot": Option(Table({
        "image": Option(FILE, N_("image file under templates/assets")),
        "image_cmyk": Option(FILE, N_(
            "the same drawing in device-cmyk colours, used by print --color cmyk")),
        "caption": Option(TEXT, N_("text beside the image (default: the unit's mascot)")),
    }, nullable=True), N_("the mascot picture; null: none")),
    "fraud_tips": Option(TIPS, N_("anti-telecom-fraud tips")),
    "fields": Option(Anything(N_("a list of field names")), N_(
        "extra officer fields this generation's templates use")),
    "fit": Option(FitPolicies(), N_(
        "per printed field (name, unit, address, ...): what to do when its text is too long "
        "for its box or the safe zone: {min_pt: N, max_lines: N}. The text is first shrunk, "
        "down to min_pt points at the least; if it still does not fit it wraps onto at most "
        "max_lines lines (default 1: no wrapping); if it still does not fit, preflight fails. "
        "Without a fit entry, text that does not fit is an error; `name: null` drops a policy "
        "inherited from the parent. The built-in generations fit unit, name, post, area and "
        "address. For the tip lists (tips, fraud_tips) only min_pt applies: the lists are laid "
        "out in as many columns as their widest line allows, 2 mm apart; when their rows would "
        "not fit the free space of the face, the type size and the columns are searched "
        "together, down to min_pt.")),
}


def check_layer(data: dict, name: str) -> list[Diagnostic]:
    """Keys and value kinds of one generation file, each problem located at its line."""
    problems = []
    for key, value in data.items():
        at = At(name, str(key), _line(data, key))
        option = OPTIONS.get(key)
        if option is None:
            problems.append(at.problem(_("unknown key") + did_you_mean(key, OPTIONS)))
        else:
            problems += option.kind.check(value, at)
    return problems


def nested(key: str) -> dict[str, Option]:
    """The keys of a ``Table`` option (empty for any other kind)."""
    kind = OPTIONS[key].kind
    return kind.keys if isinstance(kind, Table) else {}


def summary() -> dict[str, str]:
    """Key -> its documentation in the current language, a table's keys named after it."""
    return {key: _(option.doc) + (f" ({', '.join(nested(key))})" if nested(key) else "")
            for key, option in OPTIONS.items()}


def blocks(template_dirs: list[Path] | None = None) -> dict[str, set[str]]:
    """Side -> the blocks it can show: the files of templates/blocks/ in every layer.

    A block file declares its faces on its first line (``{#- sides: front back -#}``); the
    first layer that declares them wins (a project's override of a block may leave it out).
    """
    from ..resources import builtin_dir

    folders = [*(template_dirs or []), builtin_dir("templates")]
    sides_of: dict[str, tuple[str, ...]] = {}
    for folder in reversed(folders):  # nearer layers override farther ones
        for path in sorted((folder / "blocks").glob("*.html")):
            match = _SIDES.match(path.read_text(encoding="utf-8"))
            if match:
                sides_of[path.stem] = tuple(s for s in match[1].split() if s in SIDES)
            else:
                sides_of.setdefault(path.stem, SIDES)
    return {side: {b for b, sides in sides_of.items() if side in sides} for side in SIDES}

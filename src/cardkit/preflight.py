"""Checks on the laid-out cards before anything is written.

* glyphs: every character of the officer's and unit's text must be in one of the
  generation's configured fonts (checked against the fonts' own character maps), and
  WeasyPrint's "no glyph" warnings catch the generation's own texts;
* overflow: text measured on the laid-out pages (WeasyPrint's box tree) must stay inside
  its box, every box around it and the card's safe zone (measured by ``render.measure``;
  a generation's ``fit:`` policy has already shrunk or wrapped it, ``render.fit``);
* QR codes: module size, contrast on the rasterised face, and decoding back to the payload.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import unicodedata
from collections.abc import Iterator, Sequence
from collections.abc import Set as AbstractSet
from typing import Any

from .errors import Diagnostic, Where
from .i18n import _, ngettext
from .internals import page_box, placed_box
from .jobstate import current
from .listfit import LIST_FIELDS
from .model import Generation, Officer
from .pdfiumlock import one_at_a_time
from .render.faces import FaceSet
from .render.measure import TOLERANCE_MM, _beyond, measure
from .render.qr import QUIET_ZONE, decode
from .units import PX_MM

_NOTDEF = re.compile(r'unsupported by fonts: "(.*)" \((U\+[0-9A-F]+)\)')
DECODE_DPI = 200
MIN_CONTRAST = 0.40  # ISO/IEC 15415 symbol contrast, grade C and better
# elements whose text is never printed: a face's own stylesheet, a script, a template
NEVER_PRINTED = frozenset({"style", "script", "template", "noscript", "title"})


def check_faces(gen: Generation, officers: list[Officer], faces: FaceSet) -> list[Diagnostic]:
    """Every problem the rendered faces show: glyphs, overflow, unreadable QR codes."""
    problems = _missing_glyphs(gen, officers, faces)
    if faces.document is not None:
        problems += _overflows(gen, officers, faces)
        problems += unbreakable_items(gen, faces.document)
        told = {(p.subject, p.field) for p in problems}  # one line per field and face
        problems += [p for p in _blocks(gen, officers, faces.document)
                     if (p.subject, p.field) not in told]
        problems += small_type_inks(gen, faces.document)
    # text that overflows may run over a code's margin: that is one problem, already told
    overflowing = {p.subject for p in problems if p.subject}
    problems += _qr_codes(gen, officers, faces, overflowing)
    return sorted(set(problems))


# ---------------------------------------------------------------- glyphs

def _missing_glyphs(gen: Generation, officers: list[Officer], faces: FaceSet) -> list[Diagnostic]:
    label = f"generations/{gen.id}.yaml"
    families = _configured_families(gen)
    coverage = _coverage(tuple(families))
    problems = missing_fonts(gen)
    reported: set[str] = set()
    lists = list(_font_lists(gen))
    for officer in officers:
        for field, value in _texts(officer):
            where: Where = {"file": officer.source.file, "line": officer.source.line,
                            "subject": f"officer {officer.id}", "field": field}
            missing = _missing_chars(value, coverage, faces)
            if missing:
                reported.update(missing)
                problems.append(Diagnostic(**where, message=glyph_message(missing, families)))
            problems += [Diagnostic(**where, message=m) for m in lone_marks(value, lists, coverage)]
    for field, value in gen.printed_texts:
        missing = _missing_chars(value, coverage, faces)
        if missing:
            reported.update(missing)
            problems.append(Diagnostic(file=label, field=field,
                                       message=glyph_message(missing, families)))
        problems += [Diagnostic(file=label, field=field, message=m)
                     for m in lone_marks(value, lists, coverage)]
    for warning in faces.glyph_warnings:
        match = _NOTDEF.search(warning)
        if not match:
            continue
        char = chr(int(match[2][2:], 16))
        if char not in reported:
            reported.add(char)
            problems.append(Diagnostic(file=label, message=glyph_message([char], families)))
    return problems


# The Debian package of each family the built-in and example designs name, so that a missing
# font is one line saying what to install (first match on the start of the family's name).
FONT_PACKAGES = (("Noto Sans CJK", "fonts-noto-cjk"), ("Noto Serif CJK", "fonts-noto-cjk"),
                 ("DejaVu", "fonts-dejavu-core"), ("WenQuanYi Zen Hei", "fonts-wqy-zenhei"),
                 ("WenQuanYi Micro Hei", "fonts-wqy-microhei"))


def missing_fonts(gen: Generation) -> list[Diagnostic]:
    """The generation's font lists (``fonts.body``, ``fonts.heading``) of which no family is
    installed: one problem per list (a list both give, once), naming its families and the
    Debian package that provides them.

    Asked before any layout: with no font at all Pango crashes the process, and with none
    of the design's a card is boxes and every text a problem. Fontconfig answers (``fc-list``,
    which honours ``FONTCONFIG_FILE`` as Pango does); without ``fc-list`` nothing is said.
    """
    if shutil.which("fc-list") is None:
        return []
    problems = []
    for wanted, keys in _font_lists(gen).items():
        if any(_family_coverage(family) is not None for family in wanted):
            continue
        field = f"fonts.{keys[0]}" if len(keys) == 1 else "fonts"
        file, line = gen.locate(field)
        packages = " ".join(sorted({p for p in map(font_package, wanted) if p}))
        if packages:
            message = _("none of these fonts is installed: {fonts} (install the Debian package "
                        "{packages}: apt-get install {packages})").format(
                fonts=", ".join(wanted), packages=packages)
        else:
            message = _("none of these fonts is installed: {fonts} (fc-list lists the installed "
                        "ones)").format(fonts=", ".join(wanted))
        problems.append(Diagnostic(file=file, line=line, field=field, message=message))
    return problems


def font_package(family: str) -> str | None:
    """The Debian package that installs ``family``, when cardkit knows it."""
    folded = family.casefold()
    return next((package for prefix, package in FONT_PACKAGES
                 if folded.startswith(prefix.casefold())), None)


def _missing_chars(value: str, coverage: frozenset[int] | None, faces: FaceSet) -> list[str]:
    """Characters of ``value`` the configured fonts lack (WeasyPrint's warnings if unknown)."""
    if coverage is not None:
        return sorted({c for i, c in enumerate(value) if not c.isspace()
                       and ord(c) not in coverage and not _selects_variant(value, i, coverage)})
    return sorted({c for c in value if not c.isspace() and _box_warned(c, faces)})


_VARIATION_SELECTORS = ((0xFE00, 0xFE0F), (0xE0100, 0xE01EF), (0x180B, 0x180F))


def lone_marks(value: str, lists: Sequence[tuple[str, ...]],
               coverage: frozenset[int] | None) -> list[str]:
    """What to say of each combining mark of ``value`` that would not be drawn on its base.

    Pango draws a character in the first font of the list that has it: a mark that font of
    its base lacks comes from another font (a fallback), alone, and is drawn beside its base
    or not at all (``Nguyê`` + U+0303 + ``n`` printed as "Nguyên" with Noto Sans CJK first and
    DejaVu Sans after it). Each font list a field may be set in (``fonts.body``,
    ``fonts.heading``) is asked. A mark no configured font has is a missing glyph (told
    apart); variation selectors select, they are not drawn (``_selects_variant``).
    """
    if not any(unicodedata.category(c).startswith("M") for c in value):
        return []
    said: list[str] = []
    base = None
    for char in value:
        if not unicodedata.category(char).startswith("M"):
            base = char
            continue
        point = ord(char)
        if base is None or base.isspace() or any(low <= point <= high
                                                 for low, high in _VARIATION_SELECTORS):
            continue
        if coverage is not None and point not in coverage:
            continue  # in no configured font: the glyph message says so
        for families in lists:
            font = next((f for f in families if _has(f, ord(base))), None)
            if font is None or _has(font, point):
                continue
            message = _('"{base}" + U+{point:04X} ({name}): {font}, which draws "{base}", has no '
                        "glyph for the mark, so another font would draw it alone, off its base; "
                        "write the letter with its mark as one character where Unicode has one, "
                        "or list a font that has both first in fonts: of the generation").format(
                base=base, point=point, name=unicodedata.name(char, "combining mark"), font=font)
            if message not in said:
                said.append(message)
            break
    return said


def _has(family: str, point: int) -> bool:
    return point in (_family_coverage(family) or ())


def _font_lists(gen: Generation) -> dict[tuple[str, ...], list[str]]:
    """The generation's font lists, each once, with the keys that give it (``body``,
    ``heading``)."""
    lists: dict[tuple[str, ...], list[str]] = {}
    for key in ("body", "heading"):
        wanted = gen.fonts.get(key, ())
        if wanted:
            lists.setdefault(wanted, []).append(key)
    return lists


def _selects_variant(value: str, index: int, coverage: frozenset[int]) -> bool:
    """A variation selector after a character the fonts draw is never a box.

    Fonts list variation sequences (葛 + U+E0100) in a cmap subtable of their own, not
    as characters; HarfBuzz draws the variant when the font has the sequence and the
    base character otherwise, as Unicode asks (the selector itself is default-ignorable).
    """
    point = ord(value[index])
    if not any(low <= point <= high for low, high in _VARIATION_SELECTORS):
        return False
    return index > 0 and ord(value[index - 1]) in coverage


def _texts(officer: Officer) -> Iterator[tuple[str, str]]:
    for key, value in officer.as_context().items():
        if key == "extra":
            yield from ((k, str(v)) for k, v in value.items())
        elif key != "wechat" and value:
            yield key, str(value)
    for key, value in officer.unit.as_context().items():
        if key in ("name", "address", "hotline", "mascot") and value:
            yield ("unit" if key == "name" else key), str(value)
    for label, _url in officer.unit.web:
        yield f"web.{label}", label


def _box_warned(char: str, faces: FaceSet) -> bool:
    return any(f"U+{ord(char):04X})" in w for w in faces.glyph_warnings)


def glyph_message(chars: Sequence[str], families: Sequence[str]) -> str:
    """What to tell about characters no configured font has, and which installed fonts do."""
    listed = ", ".join(f'"{c}" (U+{ord(c):04X})' for c in chars[:5])
    if len(chars) > 5:
        listed += _(" and {count} more").format(count=len(chars) - 5)
    holders = sorted(set.intersection(*(set(installed_fonts_with(ord(c))) for c in chars[:5])))
    if holders:
        fonts = ", ".join(holders[:4]) + (", ..." if len(holders) > 4 else "")
        return ngettext(
            "{chars} is in no configured font ({families}); installed fonts that have it: "
            "{fonts} (add one to fonts: in the generation)",
            "{chars} are in no configured font ({families}); installed fonts that have them: "
            "{fonts} (add one to fonts: in the generation)", len(chars)).format(
            chars=listed, families=", ".join(families), fonts=fonts)
    return ngettext(
        "{chars} is in no configured font; it would print as a box (no installed font has it)",
        "{chars} are in no configured font; it would print as a box (no installed font has "
        "them all)", len(chars)).format(chars=listed)


def _configured_families(gen: Generation) -> list[str]:
    families: list[str] = []
    for key in ("body", "heading"):
        for family in gen.fonts.get(key, ()):
            if family not in families:
                families.append(family)
    return families


def _coverage(families: tuple[str, ...]) -> frozenset[int] | None:
    """Code points the families' regular faces map, or None when none can be read (once
    per job, as ``_family_coverage``)."""
    answers = current().machine.setdefault("coverage", {})
    if families not in answers:
        found = [points for points in map(_family_coverage, families) if points is not None]
        answers[families] = frozenset().union(*found) if found else None
    return answers[families]


def _family_coverage(family: str) -> frozenset[int] | None:
    """Code points the family's regular face maps, or None when fontconfig has no readable
    font of that family (by any of its names, case and spaces ignored, as Pango matches).

    Asked once per job (``jobstate``): the job asks before its workers start
    (``missing_fonts``), and they inherit the answer; the next job asks fontconfig again
    (a font installed while a service runs is found). The character map itself is kept by
    font file (``fontcache.code_points``)."""
    answers = current().machine.setdefault("family_coverage", {})
    if family not in answers:
        answers[family] = _asked_coverage(family)
    return answers[family]


def _asked_coverage(family: str) -> frozenset[int] | None:
    from .render.fontcache import code_points

    escaped = re.sub(r"([\\:,=-])", r"\\\1", family)
    located = _fc(["fc-list", f":family={escaped}:style=Regular", "file", "index"]) or \
        _fc(["fc-list", f":family={escaped}", "file", "index"])
    for line in located[:1]:
        path = line.partition(": ")[0].rstrip(":")
        found = re.search(r"index=(\d+)", line)
        index = int(found[1]) if found else 0
        try:
            return code_points(path, index)
        except (OSError, ValueError):
            return None
    return None


def installed_fonts_with(code_point: int) -> list[str]:
    """Families of installed fonts (fontconfig) that have a glyph for ``code_point``, asked
    once per job."""
    answers = current().machine.setdefault("fonts_with", {})
    if code_point not in answers:
        lines = _fc(["fc-list", f":charset={code_point:x}", "family"])
        answers[code_point] = sorted({line.split(",")[0].strip() for line in lines
                                      if line.strip()})
    return list(answers[code_point])


def _fc(command: list[str]) -> list[str]:
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=20, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return []
    return [line for line in result.stdout.splitlines() if line.strip()]


# ---------------------------------------------------------------- overflow

def _overflows(gen: Generation, officers: list[Officer], faces: FaceSet) -> list[Diagnostic]:
    by_id = {o.id: o for o in officers}
    policies = gen.fit
    problems = []
    for box in measure(gen, faces.document):
        policy = policies.get(box.field) if box.field not in LIST_FIELDS else None
        max_lines = policy.max_lines if policy is not None else 1
        officer = by_id.get(box.officer)
        if policy and box.lines > max_lines:
            how = _("takes {lines} lines at {pt} pt; the fit: policy allows {max_lines}").format(
                lines=box.lines, pt=f"{box.font_pt:.1f}", max_lines=max_lines)
        elif box.overflow > TOLERANCE_MM:
            where = _(box.where)
            if policy:
                how = ngettext(
                    "overflows {where} by {mm} mm even at {pt} pt on {lines} line "
                    "(fit: min_pt {min_pt}, max_lines {max_lines})",
                    "overflows {where} by {mm} mm even at {pt} pt on {lines} lines "
                    "(fit: min_pt {min_pt}, max_lines {max_lines})", box.lines).format(
                    where=where, mm=f"{box.overflow:.1f}", pt=f"{box.font_pt:.1f}",
                    lines=box.lines, min_pt="-" if policy.min_pt is None else policy.min_pt,
                    max_lines=max_lines)
            else:
                how = _("overflows {where} by {mm} mm; shorten it, or give the generation a fit: "
                        "policy for {field}").format(where=where, mm=f"{box.overflow:.1f}",
                                                     field=box.field)
        else:
            continue
        if officer is None or (box.field not in _officer_fields(officer)):
            problems.append(Diagnostic(file=f"generations/{gen.id}.yaml", field=box.field,
                                       subject=f"{box.side} face",
                                       message=_("text {how}").format(how=how)))
            continue
        value = dict(_texts(officer)).get(box.field, "")
        problems.append(Diagnostic(file=officer.source.file, line=officer.source.line,
                                   subject=f"officer {officer.id}", field=box.field,
                                   message=f'"{value}" {how}'))
    return problems


def _officer_fields(officer: Officer) -> set[str]:
    return {key for key, _ in _texts(officer)}


# ---------------------------------------------------------------- blocks: nothing dropped

MIN_COLUMN_GAP_MM = 2.0
# Block (data-field) -> the generation key that sets what it prints.
BLOCK_KEYS = {"tips": "tips.lines", "fraud_tips": "fraud_tips.lines", "web": "web",
              "advice": "texts.advice", "promise": "texts.promise", "mascot": "mascot.caption",
              "qr": "qr.caption"}


def _blocks(gen: Generation, officers: list[Officer], document: Any) -> list[Diagnostic]:
    """Every text of each face is laid out in full, inside the safe zone, clear of the
    positioned blocks (the footer's rule, a side column), and tip columns keep 2 mm apart."""
    by_id = {o.id: o for o in officers}
    problems: list[Diagnostic] = []
    for page in document.pages:
        problems += _page_blocks(gen, by_id, page_box(page))
    return problems


def _page_blocks(gen: Generation, by_id: dict, page_box: Any) -> list[Diagnostic]:
    face = _FaceBoxes.read(gen, by_id, page_box)
    if face is None:
        return []
    dropped = face.dropped()
    problems = [Diagnostic(**face.where(block), message=face.dropped_message(block, found))
                for block, found in dropped.items()]
    problems += face.crowding_lists(dropped)
    problems += _column_gaps(face.section, face.laid, face.where)
    problems += face.outside_safe(dropped)
    problems += _into_neighbours(face.section, face.laid, face.positioned, face.parents,
                                 face.block_of, face.where)
    return problems


class _FaceBoxes:
    """One laid-out face: its text boxes by element, its positioned boxes, and its blocks."""

    def __init__(self, gen: Generation, by_id: dict, section: Any, laid: dict,
                 positioned: list[tuple[tuple, Any]]) -> None:
        self.gen, self.section, self.laid, self.positioned = gen, section, laid, positioned
        self.officer = by_id.get(section.get("data-officer", ""))
        self.side = section.get("data-side", "")
        self.parents = {child: parent for parent in section.iter() for child in parent}

    @classmethod
    def read(cls, gen: Generation, by_id: dict, page_box: Any) -> _FaceBoxes | None:
        laid: dict[int, list[tuple[tuple, str]]] = {}  # id(element) -> its text boxes
        positioned: list[tuple[tuple, Any]] = []  # (border rect, element) of positioned boxes
        sections: list[Any] = []

        def walk(box: Any) -> None:
            element = getattr(box, "element", None)
            if element is not None and not sections and "data-side" in element.attrib:
                sections.append(element)
            if type(box).__name__ == "AbsolutePlaceholder":
                inner = placed_box(box)
                positioned.append((_border_rect(inner), getattr(inner, "element", None)))
                walk(inner)
                return
            if type(box).__name__ == "TextBox":
                rect = (box.position_x * PX_MM, box.position_y * PX_MM,
                        (box.position_x + box.width) * PX_MM,
                        (box.position_y + box.height) * PX_MM)
                laid.setdefault(id(element), []).append((rect, box.text))
                return
            for child in getattr(box, "children", None) or []:
                walk(child)

        walk(page_box)
        return cls(gen, by_id, sections[0], laid, positioned) if sections else None

    def block_of(self, element: Any) -> Any:
        """The block an element belongs to: the nearest with a data-field, else with a class."""
        start = element
        while element is not None and "data-field" not in element.attrib:
            element = self.parents.get(element)
        if element is not None:
            return element
        found = None  # else the outermost element with a class of its own, under the layout
        while start is not None and start is not self.section:
            if (start.get("class") or "").split()[:1] not in (
                    [], ["safe"], ["columns"], ["main"], ["side"], ["specimen-content"]):
                found = start
            start = self.parents.get(start)
        return found

    def where(self, block: Any) -> dict:
        gen, officer, side = self.gen, self.officer, self.side
        field = block.get("data-field") if block is not None else ""
        if block is not None and not field:  # a block without a data-field: name its class
            return {"file": f"generations/{gen.id}.yaml", "subject": f"{side} face",
                    "field": block.get("class", "").split()[0] if block.get("class") else ""}
        if officer is not None and field in _officer_fields(officer):
            return {"file": officer.source.file, "line": officer.source.line,
                    "subject": f"officer {officer.id}", "field": field}
        key = BLOCK_KEYS.get(field, field or "")
        file, line = gen.locate(key) if key else (f"generations/{gen.id}.yaml", 0)
        return {"file": file, "line": line, "subject": f"{side} face", "field": key}

    def dropped(self) -> dict[Any, list[tuple[str, str]]]:
        """Text of the face that no box prints, by block: (tag, text) of each element (not
        that of a ``<style>``, ``<script>`` or ``<template>``, which is never printed)."""
        dropped: dict[Any, list[tuple[str, str]]] = {}
        unprinted = {id(inner) for element in self.section.iter()
                     if isinstance(element.tag, str) and element.tag.lower() in NEVER_PRINTED
                     for inner in element.iter()}
        for element in self.section.iter():
            if not isinstance(element.tag, str) or element.tag.startswith("{"):
                continue  # SVG and other foreign content: no text of ours
            if id(element) in unprinted:
                continue
            own = (element.text or "") + "".join(child.tail or "" for child in element)
            wanted = len("".join(own.split()))
            printed = len("".join("".join(t.split()) for _r, t in self.laid.get(id(element), [])))
            if wanted and printed < wanted:
                dropped.setdefault(self.block_of(element), []).append(
                    (element.tag, " ".join(own.split())))
        return dropped

    def dropped_message(self, block: Any, found: list[tuple[str, str]]) -> str:
        items = len(list(block.iter("li"))) if block is not None else 0
        lines = [t for tag, t in found if tag == "li"]
        texts = [t for _tag, t in found]
        lost = ", ".join(f'"{t}"' for t in (lines or texts)[:3]) \
            + (" ..." if len(lines or texts) > 3 else "")
        if not lines:
            return _("{texts} is not printed: there is no room for it on the card, or the "
                     "stylesheet hides it (to leave a block out, drop it from the face's show: "
                     "list in the generation)").format(texts=lost)
        policy = self.gen.fit.get(block.get("data-field", ""))
        hint = _("even at the fit: policy's min_pt {pt}").format(pt=policy.min_pt) \
            if policy is not None and policy.min_pt \
            else _("give the generation a fit: policy (min_pt) for it")
        return _("{lost} of {items} lines are not printed ({texts}): there is no room "
                 "for them on the card ({hint}); shorten the list").format(
            lost=len(lines), items=items, texts=lost, hint=hint)

    def crowding_lists(self, dropped: dict) -> list[Diagnostic]:
        """When other blocks lost their text and lists are on the face: which list took it."""
        lists = [b for b in self.section.iter() if b.get("data-field") in LIST_FIELDS]
        others = [b for b in dropped if b is None or b.get("data-field") not in LIST_FIELDS]
        if not (others and lists):
            return []
        names = ", ".join(sorted({(b.get("data-field") or b.get("class", "?").split()[0])
                                  if b is not None else "?" for b in others}))
        rows = {b: len(list(b.iter("li"))) for b in lists}
        block = max(lists, key=lambda b: rows[b])
        rects = [r for li in block.iter("li") for e in li.iter()
                 for r, _t in self.laid.get(id(e), [])]
        columns = len({round(r[0], 1) for r in rects})
        return [Diagnostic(**self.where(block), message=ngettext(
            "{lines} lines in {columns} column leave no room for {names} below them; "
            "shorten the list or lower its fit: min_pt",
            "{lines} lines in {columns} columns leave no room for {names} below them; "
            "shorten the list or lower its fit: min_pt", columns).format(
            lines=len(list(block.iter("li"))), columns=columns, names=names))]

    def outside_safe(self, dropped: dict) -> list[Diagnostic]:
        """Text printed beyond the safe area, once per block."""
        card = self.gen.card
        safe = (card.safe, card.safe, card.width - card.safe, card.height - card.safe)
        outside: set[int] = set()
        problems = []
        for element in self.section.iter():
            for rect, text in self.laid.get(id(element), []):
                slack = 0.18 * (rect[3] - rect[1])
                amount = _beyond((rect[0], rect[1] + slack, rect[2], rect[3] - slack), safe)
                block = self.block_of(element)
                if amount > TOLERANCE_MM and id(block) not in outside and block not in dropped:
                    outside.add(id(block))
                    problems.append(Diagnostic(**self.where(block), message=_(
                        '"{text}" is printed {mm} mm outside the safe area (within {safe} mm of '
                        "the trim it may be cut off)").format(text=text.strip(), mm=f"{amount:.1f}",
                                                             safe=f"{card.safe:g}")))
        return problems


def _column_gaps(section: Any, laid: dict, where: Any) -> list[Diagnostic]:
    """Items of a list printed side by side must keep ``MIN_COLUMN_GAP_MM`` apart."""
    problems = []
    for block in section.iter():
        if block.get("data-field") not in LIST_FIELDS:
            continue
        items = []
        for li in block.iter("li"):
            rects = [r for e in li.iter() for r, _t in laid.get(id(e), [])]
            if rects:
                items.append(((min(r[0] for r in rects), min(r[1] for r in rects),
                               max(r[2] for r in rects), max(r[3] for r in rects)),
                              " ".join("".join(li.itertext()).split())))
        closest = None
        for (a, text_a), (b, text_b) in ((x, y) for x in items for y in items if x is not y):
            same_row = min(a[3], b[3]) - max(a[1], b[1]) > 0.4 * min(a[3] - a[1], b[3] - b[1])
            if same_row and b[0] >= a[0] + 0.01:
                gap = b[0] - a[2]
                if closest is None or gap < closest[0]:
                    closest = (gap, text_a, text_b)
        if closest is not None and closest[0] < MIN_COLUMN_GAP_MM - 0.05:
            problems.append(Diagnostic(**where(block), message=_(
                '"{a}" and "{b}" are printed {gap} mm apart, side by side: they read as one '
                "line (tip columns need at least {minimum} mm between them)").format(
                a=closest[1], b=closest[2], gap=f"{max(0.0, closest[0]):.1f}",
                minimum=f"{MIN_COLUMN_GAP_MM:g}")))
    return problems


def _into_neighbours(section: Any, laid: dict, positioned: list, parents: dict, block_of: Any,
                     where: Any) -> list[Diagnostic]:
    """Text in the flow must not run into a positioned block (the footer, a side column)."""
    problems = []
    seen: set = set()
    holders = [(rect, element) for rect, element in positioned if element is not None
               and any(laid.get(id(e)) for e in element.iter())]

    def ancestors(element: Any) -> set[int]:
        found = set()
        while element is not None:
            found.add(id(element))
            element = parents.get(element)
        return found

    for element in section.iter():
        boxes = laid.get(id(element))
        if not boxes:
            continue
        mine = ancestors(element)
        for rect, text in boxes:
            slack = 0.18 * (rect[3] - rect[1])
            inked = (rect[0], rect[1] + slack, rect[2], rect[3] - slack)
            for other, holder in holders:
                if id(holder) in mine:
                    continue
                width = min(inked[2], other[2]) - max(inked[0], other[0])
                height = min(inked[3], other[3]) - max(inked[1], other[1])
                block = block_of(element)
                if width > TOLERANCE_MM and height > TOLERANCE_MM and (id(block), id(holder)) not in seen:
                    seen.add((id(block), id(holder)))
                    problems.append(Diagnostic(**where(block), message=_(
                        '"{text}" runs {mm} mm into the {neighbour} block below or beside it; '
                        "shorten what comes before it or give the generation a fit: policy").format(
                        text=text.strip(), mm=f"{height:.1f}",
                        neighbour=holder.get("class", holder.tag).split()[0])))
    return problems


def _border_rect(box: Any) -> tuple[float, float, float, float]:
    if not hasattr(box, "border_box_x"):
        return (0.0, 0.0, 0.0, 0.0)
    x, y = box.border_box_x() * PX_MM, box.border_box_y() * PX_MM
    return (x, y, x + box.border_width() * PX_MM, y + box.border_height() * PX_MM)


# ---------------------------------------------------------------- items that never break

def unbreakable_items(gen: Generation, document: Any) -> list[Diagnostic]:
    """An item that never breaks inside (a label, an item of the promise, a tip: the
    templates mark them ``class="nobr"`` with the generation key in ``data-key``) but is
    wider than its line: one error per face and item, naming it and its key."""
    found: dict[tuple[str, str, str], tuple[float, float]] = {}
    for page in document.pages:
        _nobr_walk(page_box(page), "", None, found)
    problems = []
    for (side, key, text), (need, room) in sorted(found.items()):
        file, line = gen.locate(key)
        problems.append(Diagnostic(file=file, line=line, subject=f"{side} face", field=key,
                                   message=_(
            '"{text}" is too long for its line ({need} mm; the line holds {room} mm) and is '
            "never broken inside; shorten it").format(text=text, need=f"{need:.1f}",
                                                        room=f"{room:.1f}")))
    return problems


def _nobr_walk(box: Any, side: str, line_box: Any,
               found: dict[tuple[str, str, str], tuple[float, float]]) -> None:
    element = getattr(box, "element", None)
    kind = type(box).__name__
    if element is not None and element.get("data-side"):
        side = element.get("data-side")
    if kind == "AbsolutePlaceholder":
        box = placed_box(box)
        kind = type(box).__name__
    if kind not in ("LineBox", "InlineBox", "TextBox") and hasattr(box, "content_box_x"):
        line_box = box  # the block whose lines the items are set in
    if kind == "InlineBox" and element is not None and "nobr" in (element.get("class") or "").split() \
            and element.get("data-key") and line_box is not None:
        text = " ".join("".join(element.itertext()).split())
        left = line_box.content_box_x()
        right = left + line_box.width
        start, end = box.position_x, box.position_x + box.margin_width()
        if text and end > right + TOLERANCE_MM / PX_MM:
            found.setdefault((side, element.get("data-key"), text),
                             ((end - max(start, left)) * PX_MM, line_box.width * PX_MM))
        return
    for child in getattr(box, "children", None) or []:
        _nobr_walk(child, side, line_box, found)


# ---------------------------------------------------------------- small type in one ink

ONE_INK_UNDER_PT = 8.0  # text under this size printed with two or more process inks blurs


def small_type_inks(gen: Generation, document: Any,
                    under_pt: float = ONE_INK_UNDER_PT) -> list[Diagnostic]:
    """CMYK output: text under ``ONE_INK_UNDER_PT`` painted with more than one process ink
    (C45 M25 K50, say) shows colour fringes when an offset press is a hair out of register.
    One warning per face, block and size; RGB text is not looked at (RGB output)."""
    found: dict[tuple[str, str, float], list[str]] = {}
    for page in document.pages:
        _small_type_walk(page_box(page), "", "", found, under_pt)
    problems = []
    for (side, block, pt), colours in sorted(found.items()):
        problems.append(Diagnostic(
            file=f"generations/{gen.id}.yaml", subject=f"{side} face", field=block,
            severity="warning", message=_(
                "text at {pt} pt is printed in {inks} ({colour}): under {limit} pt, type of "
                "more than one ink blurs when the press is a hair out of register; give it one "
                "ink or a K tint in colors_cmyk").format(
                pt=f"{pt:g}", inks=colours[0], colour=colours[1], limit=f"{under_pt:g}")))
    return problems


def _small_type_walk(box: Any, side: str, block: str,
                     found: dict[tuple[str, str, float], list[str]], under_pt: float) -> None:
    element = getattr(box, "element", None)
    if element is not None:
        side = element.get("data-side") or side
        named = element.get("data-field") or (element.get("class") or "").split()[:1]
        if named and named not in (["face"], ["safe"], ["columns"], ["main"], ["side"],
                                   ["specimen-content"]):
            block = named if isinstance(named, str) else named[0]
    if type(box).__name__ == "AbsolutePlaceholder":
        box = placed_box(box)
    if type(box).__name__ == "TextBox" and box.text.strip():
        color = box.style["color"]
        coordinates = getattr(color, "coordinates", ()) if getattr(color, "space", "") == \
            "device-cmyk" else ()
        inks = [name for name, value in zip("CMYK", coordinates, strict=False) if value > 0.005]
        pt = round(float(box.style["font_size"]) * 0.75, 1)
        if len(inks) > 1 and pt < under_pt - 1e-6:
            found.setdefault((side, block, pt), [
                ngettext("{count} ink", "{count} inks", len(inks)).format(count=len(inks)),
                " ".join(f"{name}{round(value * 100):g}" for name, value
                         in zip("CMYK", coordinates, strict=False) if value > 0.005)])
        return
    for child in getattr(box, "children", None) or []:
        _small_type_walk(child, side, block, found, under_pt)


# ---------------------------------------------------------------- QR codes

def _qr_codes(gen: Generation, officers: list[Officer], faces: FaceSet,
              overflowing: AbstractSet[str] = frozenset()) -> list[Diagnostic]:
    import pypdfium2 as pdfium

    problems: list[Diagnostic] = []
    if not faces.qr_codes:
        return problems
    rects = _qr_rects(faces.document) if faces.document is not None else {}
    pdf = None
    try:
        with one_at_a_time():  # in the try: a limit landing just after is still closed
            pdf = pdfium.PdfDocument(faces.pdf)
        checked: dict[int, tuple[list[str], float | None, str | None]] = {}
        floor = gen.qr_min_module_mm
        for officer in officers:
            qr = faces.qr_codes.get(officer.id)
            field, side = gen.qr_field, gen.qr_side
            if qr is None or field is None or side is None:  # a code only where one is shown
                continue
            where: Where = {"file": officer.source.file, "line": officer.source.line,
                     "subject": f"officer {officer.id}", "field": field}
            if qr.module_mm < floor - 1e-9:
                problems.append(Diagnostic(**where, message=_(
                    "QR module {module} mm is under {minimum} mm: too small to scan from a phone "
                    "photo (payload of {chars} characters needs version {version} at level "
                    "{ec}; make qr.size_mm bigger or the payload shorter)").format(
                    module=f"{qr.module_mm:.2f}", minimum=f"{floor:g}", chars=len(qr.payload),
                    version=qr.version, ec=qr.error_correction)))
                continue
            page_index = faces.index.get((officer.id, side))
            if page_index is None:  # --sides back: the code's face is not printed
                continue
            if page_index not in checked:
                with one_at_a_time():  # pdfium is not thread-safe (pdfiumlock)
                    page = pdf[page_index]
                    try:
                        bitmap = page.render(scale=DECODE_DPI / 72)
                        try:
                            image = bitmap.to_pil().copy()
                        finally:
                            bitmap.close()
                    finally:
                        page.close()  # inside the lock, also on an error
                contrast = crowded = None
                if page_index in rects:
                    contrast = symbol_contrast(image, rects[page_index], faces.document, page_index)
                    crowded = quiet_zone_problem(image, rects[page_index], faces.document,
                                                 page_index, qr)
                checked[page_index] = (decode(image), contrast, crowded)
            payloads, contrast, crowded = checked[page_index]
            if crowded and where["subject"] not in overflowing:
                problems.append(Diagnostic(**where, message=crowded))
            if contrast is not None and contrast < MIN_CONTRAST:
                problems.append(Diagnostic(**where, message=_(
                    "QR contrast {contrast} between its dark modules and the background is "
                    "under {minimum}: phones may not read it (darken colors.qr or "
                    "lighten the background)").format(contrast=f"{contrast:.0%}",
                                                      minimum=f"{MIN_CONTRAST:.0%}")))
            elif qr.payload not in payloads:
                problems.append(Diagnostic(**where, message=_(
                    "the printed QR code does not decode back to its payload "
                    "(read: {read})").format(read=payloads or _("nothing"))))
    finally:
        if pdf is not None:
            with one_at_a_time():
                pdf.close()
    return problems


def _qr_rects(document: Any) -> dict[int, tuple[float, float, float, float]]:
    """Page -> rectangle (CSS px) of the QR code's SVG on that page."""
    rects = {}

    def walk(box: Any, number: int) -> None:
        element = getattr(box, "element", None)
        if element is not None and "qr-code" in (element.get("class") or "") \
                and type(box).__name__.endswith("ReplacedBox"):
            rects[number] = (box.content_box_x(), box.content_box_y(), box.width, box.height)
            return
        for child in getattr(box, "children", None) or []:
            walk(child, number)

    for number, page in enumerate(document.pages):
        walk(page_box(page), number)
    return rects


def _pixel_box(image: Any, rect: tuple, document: Any, page_index: int,
               grow_mm: float = 0.0) -> tuple[int, int, int, int]:
    """``rect`` (CSS px on the page, trim origin) grown by ``grow_mm``, in image pixels."""
    page = document.pages[page_index]
    bleed = page.bleed
    scale = image.width / (page.width + bleed["left"] + bleed["right"])
    grow = grow_mm / PX_MM
    x, y, w, h = rect
    return (round((x - grow + bleed["left"]) * scale), round((y - grow + bleed["top"]) * scale),
            round((x + w + grow + bleed["left"]) * scale), round((y + h + grow + bleed["top"]) * scale))


def quiet_zone_problem(image: Any, rect: tuple, document: Any, page_index: int, qr: Any) -> str | None:
    """What spoils the 4-module quiet zone around a code drawn with less: the card's edge
    or a dark mark in the light margin the card must keep. None when it is clear."""
    clear = qr.clear_mm
    if clear <= 0:
        return None
    page = document.pages[page_index]
    x, y, w, h = rect
    edge = min(x, y, page.width - x - w, page.height - y - h) * PX_MM
    needed = _("the QR code needs {quiet} modules ({mm} mm) of light around it").format(
        quiet=QUIET_ZONE, mm=f"{QUIET_ZONE * qr.module_mm:.1f}")
    if edge < clear - 0.05:
        return needed + _(": it lies {edge} mm from the card's edge").format(edge=f"{edge:.1f}")
    inner = _pixel_box(image, rect, document, page_index)
    outer = _pixel_box(image, rect, document, page_index, clear)
    grey = image.convert("L")
    histogram = grey.crop(inner).histogram()
    dark, light = _percentile(histogram, 0.1), _percentile(histogram, 0.9)
    threshold = dark + (light - dark) / 2
    dark_marks = grey.crop(outer).point(lambda v: 255 if v < threshold else 0)
    dark_marks.paste(0, (inner[0] - outer[0], inner[1] - outer[1],
                         inner[2] - outer[0], inner[3] - outer[1]))
    if dark_marks.getbbox() is not None:
        return needed + _(": something dark lies within {clear} mm of its drawn edge "
                          "(keep that margin of the card light)").format(clear=f"{clear:.1f}")
    return None


def symbol_contrast(image: Any, rect: tuple, document: Any, page_index: int) -> float:
    """ISO-style symbol contrast of the QR area: light minus dark reflectance, 0 to 1."""
    grey = image.crop(_pixel_box(image, rect, document, page_index)).convert("L")
    histogram = grey.histogram()
    if not sum(histogram):
        return 1.0
    return (_percentile(histogram, 0.9) - _percentile(histogram, 0.1)) / 255


def _percentile(histogram: list[int], fraction: float) -> int:
    """The grey level below which ``fraction`` of the pixels lie."""
    total = sum(histogram)
    count = 0
    for value, n in enumerate(histogram):
        count += n
        if count >= fraction * total:
            return value
    return 255

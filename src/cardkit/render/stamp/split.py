"""The plate's content stream cut where WeasyPrint draws the slots, so stamped text keeps
WeasyPrint's drawing order (and with it the order text is extracted in).

WeasyPrint writes one operator a line. The first officer's visible page (A) is the plate's
stream with the slots' text objects inserted; ``difflib`` finds those insertions (any other
difference refuses the plate). The plate is cut at each insertion (moved before the text
object it falls into) into pieces that are each a balanced form XObject: a piece starts by
replaying the graphics state open at its start (every ``q`` level's ``cm``, clip, colour,
``gs``) and ends by closing it. Between pieces the stamped text is drawn in that same state,
with A's own operators around it (colour, ``gs``, ``BT``/``ET``): only ``Tm``, ``Tf`` and
``TJ`` are the officer's.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass


class Refused(Exception):
    """The plate reader cannot reproduce this face exactly.

    ``officer``: because of the values the plate was laid out with (a name on two lines,
    a character in another font), so the plate is tried again with the next officer's;
    otherwise the template itself, and the face is always laid out in full."""

    def __init__(self, message: str, officer: bool = False) -> None:
        super().__init__(message)
        self.officer = officer

_STATE = {"cm", "gs", "rg", "RG", "k", "K", "g", "G", "cs", "CS", "sc", "scn", "SC", "SCN", "w",
          "J", "j", "M", "d", "ri", "i", "Tc", "Tw", "Tz", "TL", "Tf", "Tr", "Ts"}
_PATH = {"m", "l", "c", "v", "y", "h", "re"}
_PAINT = {"S", "s", "f", "F", "f*", "B", "B*", "b", "b*", "n", "sh", "Do"}


def _op(line: str) -> str:
    return line.rsplit(None, 1)[-1] if line.strip() else ""


@dataclass
class Cut:
    """The plate in pieces, and the text drawn between them."""

    pieces: list[str]  # balanced content of each form XObject
    groups: list[tuple[str, list, str]]  # after piece k: (state prefix, template, closing)


def _states(lines: list[str]) -> list[tuple[list[list[str]], bool]]:  # noqa: C901 (fresh from issue 17; to split)
    """Before each line: the state ops of every open ``q`` level, and whether in BT..ET."""
    levels: list[list[str]] = [[]]
    path: list[str] = []
    in_text = False
    result = []
    for line in lines:
        result.append(([list(level) for level in levels], in_text))
        op = _op(line)
        if op in ("BI", "ID", "EI"):
            raise Refused("an inline image in the plate")
        if op == "q":
            levels.append([])
        elif op == "Q":
            if len(levels) == 1:
                raise Refused("unbalanced Q in the plate")
            levels.pop()
        elif op == "BT":
            in_text = True
        elif op == "ET":
            in_text = False
        elif op in ("W", "W*"):
            path.append(line)
        elif op in _PATH:
            path.append(line)
        elif op in _PAINT:
            if op == "n" and any(_op(p) in ("W", "W*") for p in path):
                levels[-1].extend([*path, line])
            path = []
        elif op in _STATE and not in_text:
            levels[-1].append(line)
    result.append(([list(level) for level in levels], in_text))
    return result


def _prefix(levels: list[list[str]]) -> tuple[str, str]:
    out = list(levels[0])
    for level in levels[1:]:
        out.append("q")
        out.extend(level)
    return "\n".join(out), "\n".join(["Q"] * (len(levels) - 1))


def cut(plate: str, visible: str, slots: list[tuple[str, str]]) -> Cut:  # noqa: C901 (fresh from issue 17; to split)
    """``slots``: each slot's ``x y`` as its ``Tm`` writes them, in slot order."""
    lines, shown = plate.splitlines(), visible.splitlines()
    states = _states(lines)
    inserts: dict[int, list[str]] = {}
    for tag, i1, _i2, j1, j2 in difflib.SequenceMatcher(None, lines, shown, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        if tag != "insert":
            raise Refused("the visible page is not the plate plus the slots' text")
        at = i1
        levels, in_text = states[at]
        inserted = shown[j1:j2]
        if in_text:  # move before the text object it falls into
            while at > 0 and _op(lines[at - 1]) != "BT":
                at -= 1
            at -= 1
            inserted = ["BT", *inserted, "ET"]
        inserts.setdefault(at, []).extend(inserted)
    wanted = {xy: number for number, xy in enumerate(slots)}
    found: set[int] = set()
    cuts = sorted(inserts)
    groups = []
    for at in cuts:
        template: list = []
        for line in inserts[at]:
            op = _op(line)
            if op == "Tm":
                parts = line.split()
                number = wanted.get((parts[4], parts[5]))
                if number is None or number in found:
                    raise Refused("inserted text that is not a slot")
                found.add(number)
                template.append(number)
            elif op in ("Tf", "TJ", "Tj", "'", '"'):
                continue  # the slot's own: written per officer (every Tm above is a slot's)
            else:
                template.append(line)
        prefix, closing = _prefix(states[at][0])
        groups.append((prefix, template, closing))
    if found != set(range(len(slots))):
        raise Refused("a slot's text was not found in the visible page")
    pieces = []
    bounds = [0, *cuts, len(lines)]
    for start, stop in zip(bounds, bounds[1:], strict=False):
        prefix, _ = _prefix(states[start][0])
        _, closing = _prefix(states[stop][0])
        pieces.append("\n".join(x for x in (prefix, *lines[start:stop], closing) if x))
    return Cut(pieces=pieces, groups=groups)

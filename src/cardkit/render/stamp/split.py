"""The plate's content stream cut where WeasyPrint draws the slots, so stamped text keeps
WeasyPrint's drawing order (and with it the order text is extracted in).

WeasyPrint writes one operator a line. The first officer's visible page (A) is the plate's
stream with the slots' text objects inserted; ``difflib`` finds those insertions (any other
difference refuses the plate). The plate is cut at each insertion into pieces that are each
a balanced form XObject (a cut inside a text object closes it and opens it again with its
text state, when what follows places itself; otherwise the cut moves before that object): a piece starts by
replaying the graphics state open at its start (every ``q`` level's ``cm``, clip, colour,
``gs``) and ends by closing it. Between pieces the stamped text is drawn in that same state,
with A's own operators around it (colour, ``gs``, ``BT``/``ET``): only ``Tm``, ``Tf`` and
``TJ`` are the officer's.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field


class Refused(Exception):
    """The plate reader cannot reproduce this face exactly.

    ``officer``: because of the values the plate was laid out with (a name on two lines,
    a character in another font), so the plate is tried again with the next officer's;
    otherwise the template itself, and the face is always laid out in full."""

    def __init__(self, message: str, officer: bool = False,
                 cmaps: dict[str, frozenset[int]] | None = None) -> None:
        super().__init__(message)
        self.officer = officer
        # a slot's font's character map, when the officer's text is not all in it: the next
        # officer whose text is not either need not lay the plate out to learn so
        self.cmaps = cmaps or {}

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


def _states(lines: list[str]) -> list[tuple[list[list[str]], bool]]:
    """Before each line: the state ops of every open ``q`` level, and whether in BT..ET."""
    state = _State()
    result = []
    for line in lines:
        result.append(([list(level) for level in state.levels], state.in_text))
        state.step(line)
    result.append(([list(level) for level in state.levels], state.in_text))
    return result


@dataclass
class _State:
    """The graphics state ops open at a point of a content stream, level by level."""

    levels: list[list[str]] = field(default_factory=lambda: [[]])
    path: list[str] = field(default_factory=list)
    in_text: bool = False

    def step(self, line: str) -> None:
        op = _op(line)
        if op in ("BI", "ID", "EI"):
            raise Refused("an inline image in the plate")
        if op in ("q", "Q"):
            self._nest(op)
        elif op in ("BT", "ET"):
            self.in_text = op == "BT"
        elif op in ("W", "W*") or op in _PATH:
            self.path.append(line)
        elif op in _PAINT:
            if op == "n" and any(_op(p) in ("W", "W*") for p in self.path):  # a clip: state
                self.levels[-1].extend([*self.path, line])
            self.path = []
        elif op in _STATE and not self.in_text:
            self.levels[-1].append(line)

    def _nest(self, op: str) -> None:
        if op == "q":
            self.levels.append([])
        elif len(self.levels) == 1:
            raise Refused("unbalanced Q in the plate")
        else:
            self.levels.pop()


def _prefix(levels: list[list[str]]) -> tuple[str, str]:
    out = list(levels[0])
    for level in levels[1:]:
        out.append("q")
        out.extend(level)
    return "\n".join(out), "\n".join(["Q"] * (len(levels) - 1))


def cut(plate: str, visible: str, slots: list[tuple[str, str]]) -> Cut:
    """``slots``: each slot's ``x y`` as its ``Tm`` writes them, in slot order."""
    lines, shown = plate.splitlines(), visible.splitlines()
    states = _states(lines)
    inserts = _insertions(lines, shown, states)
    wanted = {xy: number for number, xy in enumerate(slots)}
    found: set[int] = set()
    cuts = sorted(inserts)
    groups = []
    for at in cuts:
        template = _template(inserts[at], wanted, found)
        prefix, closing = _prefix(states[at][0])
        groups.append((prefix, template, closing))
    if found != set(range(len(slots))):
        raise Refused("a slot's text was not found in the visible page")
    pieces = []
    bounds = [0, *cuts, len(lines)]
    for start, stop in zip(bounds, bounds[1:], strict=False):
        prefix, _ = _prefix(states[start][0])
        _, closing = _prefix(states[stop][0])
        opened = _reopened(lines, start) if states[start][1] else []  # cut in a text object
        closed = ["ET"] if states[stop][1] and stop < len(lines) else []
        pieces.append("\n".join(x for x in (prefix, *opened, *lines[start:stop], *closed,
                                             closing) if x))
    return Cut(pieces=pieces, groups=groups)


def _insertions(lines: list[str], shown: list[str],
                states: list[tuple[list[list[str]], bool]]) -> dict[int, list[str]]:
    """Where the visible page adds lines to the plate: line number -> the lines added there
    (an addition inside a text object moves before it, in a text object of its own)."""
    inserts: dict[int, list[str]] = {}
    matcher = difflib.SequenceMatcher(None, lines, shown, autojunk=False)
    for op, i1, _i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            continue
        if op != "insert":
            raise Refused("the visible page is not the plate plus the slots' text")
        at = i1
        inserted = shown[j1:j2]
        # difflib may place an insertion of "BT <slot> ET" after a text object as "ET BT <slot>"
        # before that object's own ET: the same lines, but inside it. Slid right while it is
        # in a text object and the same lines would result, it is drawn where WeasyPrint drew
        # it, after that object (a positioned slot is painted after the text in flow)
        while states[at][1] and at < len(lines) and inserted and inserted[0] == lines[at]:
            inserted = [*inserted[1:], lines[at]]
            at += 1
        if states[at][1]:  # in a text object: in one of its own, there or before that one
            inserted = ["BT", *inserted, "ET"]
            if not _splittable(lines, at):
                while at > 0 and _op(lines[at - 1]) != "BT":
                    at -= 1
                at -= 1
        inserts.setdefault(at, []).extend(inserted)
    return inserts


_TEXT_STATE = {"Tc", "Tw", "Tz", "TL", "Tf", "Tr", "Ts"}
_SHOW = {"TJ", "Tj", "'", '"'}


def _splittable(lines: list[str], at: int) -> bool:
    """Whether the text object ``lines[at]`` lies in may be closed there and opened again
    after the slot's text (which then keeps its place in the text's order: a ``::before``
    drawn with the name reads before it): what follows places itself (``Tm``) before it
    shows anything, and the text state set in it so far is replayed (``_reopened``)."""
    for line in lines[at:]:
        op = _op(line)
        if op == "Tm":
            return True
        if op in _SHOW or op in ("ET", "Td", "TD", "T*"):
            return False
    return False


def _reopened(lines: list[str], at: int) -> list[str]:
    """``BT`` and the text state the text object around ``lines[at]`` set before it."""
    start = at
    while start > 0 and _op(lines[start - 1]) != "BT":
        start -= 1
    return ["BT", *(line for line in lines[start:at] if _op(line) in _TEXT_STATE)]


def _template(inserted: list[str], wanted: dict[tuple[str, str], int], found: set[int]) -> list:
    """The lines added at one place, each slot's own text replaced by the slot's number."""
    template: list = []
    for line in inserted:
        op = _op(line)
        if op == "Tm":
            parts = line.split()
            number = wanted.get((parts[4], parts[5]))
            if number is None or number in found:
                raise Refused("inserted text that is not a slot")
            found.add(number)
            template.append(number)
        elif op not in ("Tf", "TJ", "Tj", "'", '"'):  # the slot's own: written per officer
            template.append(line)
    return template

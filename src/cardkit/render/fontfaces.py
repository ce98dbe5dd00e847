"""A design's ``@font-face`` rules, as WeasyPrint will embed them.

WeasyPrint makes one PDF font of each font Pango describes alike (its family, weight, style
and stretch). Two ``@font-face`` rules giving one family two files for one style (a Latin
file for ``unicode-range: U+0000-00FF`` and a CJK one for the rest: a common pattern) are
laid out right, each letter from its file, but written as one PDF font: every glyph is drawn
from the program of the file met first, so the other file's letters come out as wrong
glyphs or blank (and which file is first depends on who else is in the document). Such a
design is refused, with how to write it so that it works.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

# what makes two faces of a family different fonts to Pango: descriptor -> its default
STYLE_DESCRIPTORS = {"font-weight": "normal", "font-style": "normal", "font-stretch": "normal"}
_WEIGHTS = {"normal": "400", "bold": "700"}


def font_face_rules(css: str) -> Iterator[dict[str, str]]:
    """Each ``@font-face`` rule of ``css``: descriptor (lower case) -> its value, serialised."""
    import tinycss2

    for rule in tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True):
        if rule.type != "at-rule" or rule.lower_at_keyword != "font-face" or rule.content is None:
            continue
        yield {d.lower_name: tinycss2.serialize(d.value).strip()
               for d in tinycss2.parse_blocks_contents(rule.content, skip_comments=True,
                                                       skip_whitespace=True)
               if d.type == "declaration"}


def _family(value: str) -> str:
    """A ``font-family`` descriptor's family, as CSS matches it (quotes and case aside)."""
    return " ".join(value.strip().strip("\"'").split()).lower()


def families_with_two_files(texts: Iterable[str]) -> list[str]:
    """The families (as written) that ``@font-face`` rules of ``texts`` give two different
    files (``src``) for one weight, style and stretch."""
    files: dict[tuple[str, ...], set[str]] = {}
    names: dict[str, str] = {}
    for css in texts:
        if "font-face" not in css.lower():
            continue
        for rule in font_face_rules(css):
            if "font-family" not in rule or "src" not in rule:
                continue
            family = _family(rule["font-family"])
            names.setdefault(family, rule["font-family"].strip().strip("\"'"))
            style = tuple(_WEIGHTS.get(rule.get(d, default).lower(), rule.get(d, default).lower())
                          for d, default in STYLE_DESCRIPTORS.items())
            files.setdefault((family, *style), set()).add(rule["src"])
    return sorted({names[key[0]] for key, sources in files.items() if len(sources) > 1})

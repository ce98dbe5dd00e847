"""A design's stylesheets as WeasyPrint will read them: the card's own and every ``@import``.

Read before anything is laid out, for two things:

* whether a rule can match one officer and not another (``[data-officer=...]``, or
  ``attr(data-officer)`` printing the id): then no two officers' faces are the same, and
  neither sharing a face nor stamping on a shared plate is exact;
* the files the design reads, for the job's record (no output may replace them).

Only ``file:`` URLs inside the folders a render may read are followed (the rules of
``design.fetcher.RootedFetcher``, which WeasyPrint's own fetches obey and which reports what
is refused); this reader needs no WeasyPrint, so a job whose plates are kept never starts it.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

MAX_IMPORTS = 64  # stylesheets followed at the most (a loop of @imports ends here)
OFFICER_ATTRIBUTE = "data-officer"
_STYLE = re.compile(r"<style\b[^>]*>(.*?)</style>", re.S | re.I)
_LINK = re.compile(r"<link\b[^>]*>", re.I)
_ATTRIBUTE = re.compile(r"""\b(rel|href)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.I)
# @font-face descriptors that make Pango shape a face otherwise than with its defaults
FEATURE_DESCRIPTORS = ("font-feature-settings", "font-variation-settings",
                       "font-language-override")


@dataclass
class Stylesheets:
    texts: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)  # the @imported and linked files, as read

    @property
    def select_officers(self) -> bool:
        """Whether any rule names the officer's id attribute (as CSS reads it: escapes
        decoded, comments not)."""
        return any(names_officer(text) for text in self.texts)

    @property
    def featured_families(self) -> frozenset[str]:
        """The font families (lower case) an ``@font-face`` rule gives features of its own
        (``font-feature-settings``, ``font-variant``...): WeasyPrint hands them to
        fontconfig, and Pango shapes the face with them whatever the element says."""
        return frozenset(family for text in self.texts for family in _featured(text))


def read(document_html: str, base_url: str, roots: list[Path]) -> Stylesheets:
    """The ``<style>`` blocks of ``document_html`` and every stylesheet they ``@import``."""
    import tinycss2

    found = Stylesheets()
    queue = [(text, base_url) for text in _STYLE.findall(document_html)]
    seen: set[str] = set()

    def follow(url: str) -> None:
        if url in seen:
            return
        seen.add(url)
        body = _file_of(url, roots)
        if body is None:  # refused or missing: WeasyPrint's own fetch reports it, located
            return
        found.files.append(url)
        queue.append((body.decode("utf-8", errors="replace"), url))

    for href in linked_stylesheets(document_html):  # WeasyPrint applies these too
        follow(urljoin(base_url, href))
    while queue and len(found.texts) < MAX_IMPORTS:
        text, base = queue.pop(0)
        found.texts.append(text)
        for rule in tinycss2.parse_stylesheet(text, skip_comments=True, skip_whitespace=True):
            if rule.type != "at-rule" or rule.lower_at_keyword != "import":
                continue
            url = next((token.value for token in rule.prelude
                        if token.type in ("url", "string")), None)
            if url:
                follow(urljoin(base, url))
    return found


def linked_stylesheets(html: str) -> list[str]:
    """The ``href`` of every ``<link rel="stylesheet">`` of ``html`` that WeasyPrint applies
    (not an alternate one)."""
    found = []
    for tag in _LINK.findall(html):
        attributes = {m[1].lower(): m[2] or m[3] or m[4] for m in _ATTRIBUTE.finditer(tag)}
        rel = attributes.get("rel", "").lower().split()
        if "stylesheet" in rel and "alternate" not in rel and attributes.get("href"):
            found.append(attributes["href"])
    return found


@functools.lru_cache(maxsize=64)  # a face's <style>, the same for every officer: by its text
def names_officer(css: str) -> bool:
    """Whether the CSS ``css`` names the officer's id attribute anywhere a name counts: in a
    selector (``[data-officer=A2]``, however escaped: ``[data-offic\\65 r=A2]``) or in
    ``attr(data-officer)``; a comment or a string that mentions it does not count."""
    import tinycss2

    def names(tokens: Any) -> bool:
        for token in tokens or ():
            if token.type == "ident" and token.lower_value == OFFICER_ATTRIBUTE:
                return True
            if token.type == "function" and names(token.arguments):
                return True
            if token.type in ("[] block", "() block", "{} block") and names(token.content):
                return True
            if token.type in ("qualified-rule", "at-rule") \
                    and (names(token.prelude) or names(token.content)):
                return True
        return False

    return names(tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True))


def _featured(css: str) -> list[str]:
    """The families of the ``@font-face`` rules of ``css`` that set a descriptor of
    ``FEATURE_DESCRIPTORS`` or ``font-variant*``."""
    import tinycss2

    families = []
    for rule in tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True):
        if rule.type != "at-rule" or rule.lower_at_keyword != "font-face" or rule.content is None:
            continue
        declarations = [d for d in tinycss2.parse_blocks_contents(
            rule.content, skip_comments=True, skip_whitespace=True) if d.type == "declaration"]
        featured = any(d.lower_name in FEATURE_DESCRIPTORS or d.lower_name.startswith("font-variant")
                       for d in declarations)
        for declaration in declarations:
            if not featured or declaration.lower_name != "font-family":
                continue
            value = [token for token in declaration.value if token.type != "whitespace"]
            if value and value[0].type == "string":  # "Card Font"
                families.append(value[0].value.lower())
            else:  # Card Font
                families.append(" ".join(t.value for t in value if t.type == "ident").lower())
    return families


def _file_of(url: str, roots: list[Path]) -> bytes | None:
    """The bytes of a ``file:`` URL inside ``roots`` (symlinks followed), else None."""
    from urllib.parse import unquote, urlsplit

    from ..digests import regular_bytes

    parts = urlsplit(url)
    if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
        return None
    path = Path(unquote(parts.path)).resolve()
    if not any(path.is_relative_to(Path(root).resolve()) for root in roots):
        return None
    return regular_bytes(path)


def officer_markers(html: str) -> bool:
    """Whether a face's own HTML (a ``<style>`` inside it) names the officer's id attribute."""
    return any(names_officer(text) for text in _STYLE.findall(html))

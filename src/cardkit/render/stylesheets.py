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
from collections.abc import Sequence
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
            url = next((_url_of(token) for token in rule.prelude if _url_of(token)), None)
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
    if "\\" not in css and OFFICER_ATTRIBUTE not in css.lower():
        return False  # not even spelt with an escape: no need to read it as CSS (16 ms)
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


def _url_of(token: Any) -> str | None:
    """The URL an ``@import``'s token names: ``url(x)``, ``"x"`` or ``url("x")``."""
    if token.type in ("url", "string"):
        return str(token.value)
    if token.type == "function" and token.lower_name == "url":
        return next((str(t.value) for t in token.arguments if t.type == "string"), None)
    return None


def _file_of(url: str, roots: list[Path]) -> bytes | None:
    """The bytes of a ``file:`` URL inside ``roots`` (symlinks followed), or of a ``data:``
    URL (WeasyPrint applies a stylesheet ``@import``ed from one), else None."""
    from urllib.parse import unquote, unquote_to_bytes, urlsplit

    from ..digests import regular_bytes

    parts = urlsplit(url)
    if parts.scheme == "data":
        header, comma, body = url[5:].partition(",")
        if not comma:
            return None
        if header.lower().endswith(";base64"):
            import base64
            import binascii

            try:
                return base64.b64decode(unquote(body), validate=False)
            except (binascii.Error, ValueError):
                return None
        return unquote_to_bytes(body)
    if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
        return None
    path = Path(unquote(parts.path)).resolve()
    if not any(path.is_relative_to(Path(root).resolve()) for root in roots):
        return None
    return regular_bytes(path)


def template_texts(folders: Sequence[Path]) -> list[str]:
    """The text of every file of the template folders ``folders`` (a file that is not UTF-8
    text, larger than a template may be or leading out of its folder left out)."""
    from ..design.templating import MAX_TEMPLATE_BYTES

    texts = []
    for folder in folders:
        root = Path(folder).resolve()
        for path in sorted(root.rglob("*")):
            try:
                real = path.resolve()
                if not real.is_file() or not real.is_relative_to(root) \
                        or real.stat().st_size > MAX_TEMPLATE_BYTES:
                    continue
                texts.append(real.read_bytes().decode("utf-8"))
            except (OSError, UnicodeDecodeError):
                continue
    return texts


def split_styles(html: str) -> tuple[list[str], str]:
    """The texts of the ``<style>`` elements of ``html``, and ``html`` without them."""
    return _STYLE.findall(html), _STYLE.sub("", html)


def officer_markers(html: str) -> bool:
    """Whether a face's own HTML (a ``<style>`` inside it) names the officer's id attribute."""
    return any(names_officer(text) for text in _STYLE.findall(html))


# --- rules that may draw a face otherwise by its place among the job's faces ---------------
#
# A chunk lays its faces out as the pages of one document, siblings of one another: a rule on
# a face's place among them (``.face:nth-child(even)``, ``.face + .face``, also inside
# ``:is()``, ``:not()``... or a rule nested in another, ``:has()`` on a face or around the
# faces, a named page chosen so), a counter that runs on from face to face (the design's,
# or ``page``, ``list-item``: ``display: list-item``), the quote depth (``open-quote``,
# ``<q>``), what an earlier page set (``string()``, ``element()``), a fixed box (repeated on
# every page) or ``@page :first`` would draw an officer's card otherwise among others than
# alone. A design with such a rule has each face laid out in a document of its own
# (``FaceRenderer``), as it is alone. A rule whose positional part applies inside a face
# (``.mascot-side + .main``) draws every face alike, and a rule that only breaks pages
# (``.face:last-child { break-after: auto }``) draws nothing.

PROBE = "data-cardkit-probe"  # marks the root of the face a probe document is made of
_POSITIONAL = frozenset({"first-child", "last-child", "only-child", "first-of-type",
                         "last-of-type", "only-of-type", "nth-child", "nth-last-child",
                         "nth-of-type", "nth-last-of-type"})
# (not ``page``: a named page may have a size, margins and a background of its own)
_PAGINATION = frozenset({"break-after", "break-before", "break-inside", "page-break-after",
                         "page-break-before", "page-break-inside", "orphans", "widows"})
_COUNTERS = frozenset({"counter-increment", "counter-reset", "counter-set"})
# pseudo-classes whose arguments are selectors of the element itself (``:has()``'s are of
# elements beside or inside it)
_SAME_ELEMENT = frozenset({"is", "where", "not", "matches", "-webkit-any", "-moz-any"})
# counters that run on from face to face without a counter-* declaration of the design's: the
# pages', the list items' (an element of ``display: list-item`` increments ``list-item``, CSS
# Lists 3) and the footnotes'
_RUNNING = frozenset({"page", "pages", "list-item", "footnote"})
# the quote depth runs on document-wide too: an unbalanced open-quote nests the next face deeper
_QUOTES = frozenset({"open-quote", "close-quote", "no-open-quote", "no-close-quote"})
_Q = re.compile(r"<q[\s/>]", re.I)  # a <q> element: the user agent's open- and close-quote


def place_dependent(texts: list[str], probes: list[str], markup: Sequence[str] = ()) -> bool:
    """Whether a rule of the stylesheets ``texts`` may draw a face otherwise by its place
    among other faces. ``probes``: documents of one face each (a front, a back), its root
    marked with ``PROBE``: a rule's positional part counts when it may match that root or
    an element around it (a counter anywhere and ``@page`` with a page selector always do).
    ``markup``: the faces' HTML or the templates' text; a ``<q>`` element there counts (its
    quotation marks nest by the quotes opened before it, in any face)."""
    import tinycss2

    if any(_Q.search(text) for text in markup):
        return True
    if not probes:  # no face root found: any rule may be on a place (laid out face by face)
        return True
    levels = [level for html in probes for level in _face_levels(html)]
    if any(_list_item_level(level) for level in levels):
        return True
    return any(_rules_depend(tinycss2.parse_stylesheet(text, skip_comments=True,
                                                       skip_whitespace=True), levels)
               for text in texts)


def _rules_depend(rules: list[Any], levels: list[Any]) -> bool:
    """Whether a rule of ``rules`` (a stylesheet's, or a conditional group's: ``@media``...)
    may draw a face otherwise by its place."""
    import tinycss2

    for rule in rules:
        if rule.type == "qualified-rule":
            if _block_depends(rule.prelude, _contents(rule.content), levels):
                return True
        elif rule.type != "at-rule" or rule.content is None:
            continue
        elif rule.lower_at_keyword == "page":  # a page selector, or a counter of the pages'
            if any(t.type == "literal" and t.value == ":" for t in rule.prelude) \
                    or _page_depends(_contents(rule.content)):
                return True
        elif rule.lower_at_keyword != "font-face" and _rules_depend(
                tinycss2.parse_rule_list(rule.content, skip_comments=True, skip_whitespace=True),
                levels):
            return True
    return False


def _contents(block: Any) -> list[Any]:
    """The declarations and the rules (CSS nesting) of a rule's block."""
    import tinycss2

    return tinycss2.parse_blocks_contents(block, skip_comments=True, skip_whitespace=True)


def _page_depends(contents: list[Any]) -> bool:
    """Whether an ``@page`` rule's block, or a margin box's in it, sets or reads a counter
    (``@bottom-center { content: counter(page) }``) or opens a quote."""
    return any(_page_depends(_contents(node.content)) if node.type == "at-rule" and node.content
               else node.type == "declaration" and (node.lower_name in _COUNTERS
                                                    or _reads_running(node.value))
               for node in contents)


def _block_depends(prelude: list[Any], contents: list[Any], levels: list[Any]) -> bool:
    """Whether the style rule of selector ``prelude`` and block ``contents`` may draw a face
    otherwise by its place: its declarations, and those of the rules nested in it (CSS
    nesting: ``.face { & + .face .post {...} }``, ``@media`` inside), with their selectors
    made whole (``:is(.face) + .face .post``)."""
    if _rule_depends_on_place(prelude, [n for n in contents if n.type == "declaration"],
                              levels):
        return True
    for node in contents:
        if node.type == "qualified-rule":
            if _block_depends(_nested(node.prelude, prelude), _contents(node.content), levels):
                return True
        elif node.type == "at-rule" and node.content is not None \
                and _block_depends(prelude, _contents(node.content), levels):
            return True
    return False


def _nested(prelude: list[Any], parent: list[Any]) -> list[Any]:
    """The selector list of a rule nested in the block of the rule of selector ``parent``, as
    written whole: each ``&`` made ``:is(parent)``; a selector without one (``.name``,
    ``> .main``) put after ``:is(parent)`` and a space."""
    import tinycss2

    outer = f":is({tinycss2.serialize(parent).strip()})"
    whole = []
    for selector in _split_commas(prelude):
        text, with_parent = _parent_put(selector, outer)
        whole.append(text if with_parent else f"{outer} {text}")
    return tinycss2.parse_component_value_list(", ".join(whole))


def _split_commas(tokens: list[Any]) -> list[list[Any]]:
    parts: list[list[Any]] = [[]]
    for token in tokens:
        if token.type == "literal" and token.value == ",":
            parts.append([])
        else:
            parts[-1].append(token)
    return parts


def _parent_put(tokens: list[Any], outer: str) -> tuple[str, bool]:
    """``tokens`` serialized with each ``&`` (also inside ``:is(...)``...) made ``outer``, and
    whether there was one."""
    import tinycss2
    from tinycss2.serializer import serialize_identifier

    text, found = [], False
    for token in tokens:
        if token.type == "literal" and token.value == "&":
            text.append(outer)
            found = True
        elif token.type == "function":
            inner, nested = _parent_put(token.arguments, outer)
            text.append(f"{serialize_identifier(token.name)}({inner})")
            found = found or nested
        else:
            text.append(tinycss2.serialize([token]))
    return "".join(text).strip(), found


def _rule_depends_on_place(prelude: list[Any], declarations: list[Any],
                           levels: list[Any]) -> bool:
    """Whether the declarations ``declarations`` of a style rule of selector ``prelude`` may
    draw a face otherwise by its place."""
    names = {d.lower_name for d in declarations}
    if names & _COUNTERS or any(_reads_running(d.value) or _fixed(d) for d in declarations):
        return True
    if any(_makes_list_item(d) for d in declarations) \
            and any(_matches_any([subject], levels) for subject in _subjects(prelude)):
        return True  # a face, or an element around the faces, a list item
    if names <= _PAGINATION:  # only breaks pages, or nothing at all (a block of rules)
        return False
    return any(_matches_any(compound, levels) for compound in _positional_compounds(prelude))


def _reads_running(tokens: Any) -> bool:
    """Whether a declaration's value reads a counter that runs on from face to face
    (``counter(page)``, ``counters(list-item, ".")``), another element's counter or text
    (``target-counter()``, ``target-text()``: an id is found in the first face that has
    it), a string or a running element an earlier page may have set (``string()``,
    ``element()``, in a page's margin box), sets a footnote (``float: footnote``, whose call
    and marker read the ``footnote`` counter), or opens or closes a quote (``open-quote``...:
    the quote depth runs on too)."""
    for token in tokens or ():
        if token.type == "function":
            name = token.lower_name
            first = next((t for t in token.arguments if t.type != "whitespace"), None)
            if name.startswith("target-") or name in ("string", "element") or (
                    name in ("counter", "counters") and first is not None
                    and first.type == "ident" and first.lower_value in _RUNNING):
                return True
            if _reads_running(token.arguments):
                return True
        elif token.type == "ident" and (token.lower_value == "footnote"
                                        or token.lower_value in _QUOTES):
            return True
        elif token.type in ("[] block", "() block", "{} block") and _reads_running(token.content):
            return True
    return False


def _fixed(declaration: Any) -> bool:
    """Whether ``declaration`` is a ``position: fixed``: WeasyPrint repeats the box on every
    page of the document, every other face's page too."""
    return declaration.lower_name == "position" and any(
        t.type == "ident" and t.lower_value == "fixed" for t in declaration.value)


def _makes_list_item(declaration: Any) -> bool:
    """Whether ``declaration`` is a ``display`` of a list item (``list-item``,
    ``block list-item``...), or may be one (``var(--shown)``)."""
    return declaration.lower_name == "display" and any(
        (t.type == "ident" and t.lower_value == "list-item")
        or (t.type == "function" and t.lower_name == "var") for t in declaration.value)


def _list_item_level(level: Any) -> bool:
    """Whether the face's root or an element around it is a list item by the HTML itself: an
    ``<li>`` (the user agent's ``display: list-item``), or a ``style`` attribute that makes
    it one or names a counter."""
    import tinycss2

    if level.local_name == "li":
        return True
    declarations = [d for d in tinycss2.parse_blocks_contents(
        level.etree_element.get("style") or "", skip_comments=True, skip_whitespace=True)
        if d.type == "declaration"]
    return any(d.lower_name in _COUNTERS or _makes_list_item(d) or _reads_running(d.value)
               for d in declarations)


def _subjects(prelude: list[Any]) -> list[list[Any]]:
    """The subject of each selector of ``prelude`` (its last compound), as the element it
    may match (``_subject``)."""
    return [_subject(selector[-1][1]) for selector in _selectors(prelude)]


def _selectors(tokens: list[Any]) -> list[list[tuple[str, list[Any]]]]:
    """The selectors of the selector list ``tokens``, each a list of its compounds with the
    combinator before each (``" "``, ``">"``, ``"+"``, ``"~"``; ``""`` before the first, or
    the combinator a relative selector starts with: ``~ .back`` in ``:has()``)."""
    selectors: list[list[tuple[str, list[Any]]]] = []
    selector: list[tuple[str, list[Any]]] = []
    combinator = ""
    compound: list[Any] = []
    for token in [*tokens, None]:
        if token is None or (token.type == "literal" and token.value == ","):
            if compound:
                selector.append((combinator, compound))
            if selector:
                selectors.append(selector)
            selector, combinator, compound = [], "", []
        elif token.type == "whitespace" or (token.type == "literal"
                                            and token.value in (">", "+", "~")):
            if compound:
                selector.append((combinator, compound))
                combinator, compound = " ", []
            if token.type == "literal":
                combinator = token.value
        else:
            compound.append(token)
    return selectors


def _positional_compounds(prelude: list[Any]) -> list[list[list[Any]]]:
    """The compounds of the selector list ``prelude`` whose place counts, each as the simple
    selectors (``_subject``) the one element it matches must all match."""
    return [compound for compound, _ in _place_compounds(prelude)]


def _place_compounds(tokens: list[Any]) -> list[tuple[list[list[Any]], bool]]:
    """The compounds of the selector list ``tokens`` whose place counts: with a positional
    pseudo-class, beside ``+`` or ``~``, or with ``:has()`` (from an element around the
    faces it looks into all of them); and those of the selectors in a pseudo-class's
    arguments (``:is(.face + .face)``, ``:not(:last-child)``, ``:has(~ .back)``), of the
    compound's own element (``:is()``, ``:not()``...: its own simple selectors apply too)
    or of others (``:has()``). Each as the simple selectors the one element it matches must
    all match, and whether it is the subject of its selector."""
    found: list[tuple[list[list[Any]], bool]] = []
    for selector in _selectors(tokens):
        for n, (combinator, compound) in enumerate(selector):
            subject = n == len(selector) - 1
            own = _subject(compound)
            after = "" if subject else selector[n + 1][0]
            pseudo = _pseudo_classes(compound)
            if combinator in ("+", "~") or after in ("+", "~") \
                    or any(name in _POSITIONAL or name == "has" for name, _ in pseudo):
                found.append(([own], subject))
            for name, arguments in pseudo:
                if name not in _SAME_ELEMENT and name != "has":
                    continue
                for inner, inner_subject in _place_compounds(arguments):
                    if name in _SAME_ELEMENT and inner_subject:
                        found.append(([own, *inner], subject))
                    else:
                        found.append((inner, False))
    return found


def _pseudo_classes(compound: list[Any]) -> list[tuple[str, list[Any]]]:
    """The pseudo-classes of ``compound`` (``:first-child``, ``:is(...)``), each as its name
    (lower case) and its arguments (none for one that is not a function)."""
    found = []
    for n, token in enumerate(compound):
        if n and compound[n - 1].type == "literal" and compound[n - 1].value == ":" \
                and (n < 2 or compound[n - 2].type != "literal" or compound[n - 2].value != ":"):
            if token.type == "function":
                found.append((token.lower_name, token.arguments))
            elif token.type == "ident":
                found.append((token.lower_value, []))
    return found


def _subject(compound: list[Any]) -> list[Any]:
    """``compound`` without its pseudo-classes and pseudo-elements (``:x``, ``::x``, ``:f()``)."""
    kept: list[Any] = []
    skip = 0
    for n, token in enumerate(compound):
        if skip:
            skip -= 1
            continue
        if token.type == "literal" and token.value == ":":
            after = compound[n + 1:n + 3]
            skip = 2 if after[:1] and after[0].type == "literal" and after[0].value == ":" else 1
            continue
        kept.append(token)
    return kept


def _matches_any(compound: list[list[Any]], levels: list[Any]) -> bool:
    """Whether an element of ``levels`` matches all the simple selectors of ``compound``."""
    import cssselect2
    import tinycss2

    parts = []
    for part in compound:
        try:
            parts.append(cssselect2.compile_selector_list(tinycss2.serialize(part).strip() or "*"))
        except cssselect2.SelectorError:
            return False  # WeasyPrint, which compiles its selectors alike, skips the rule too
    return any(all(any(selector.test(element) for selector in part) for part in parts)
               for element in levels)


def _face_levels(html: str) -> list[Any]:
    """The root of the face marked ``PROBE`` in the document ``html``, and every element
    around it."""
    import cssselect2
    import tinyhtml5

    wrapper = cssselect2.ElementWrapper.from_html_root(tinyhtml5.parse(html))
    root = next((element for element in wrapper.iter_subtree()
                 if element.etree_element.get(PROBE) is not None), None)
    levels = []
    while root is not None:
        levels.append(root)
        root = root.parent
    return levels


_ROOT = re.compile(r"\s*<([A-Za-z][\w-]*)([^>]*)>")
# what a face's template may write before its root element: comments, its own <style> and
# <link>s (a <link> is no face; WeasyPrint applies it where it lies)
_BEFORE_ROOT = re.compile(r"\s*(?:<!--.*?-->|<style\b[^>]*>.*?</style\s*>|<link\b[^>]*>)",
                          re.S | re.I)


def probe_faces(face: str) -> list[str]:
    """The root element of ``face``, empty and marked ``PROBE``, and the same as the other
    side (its ``front`` and ``back`` swapped), for ``place_dependent``: only the root and what
    lies around it count there, so a face's content need not be parsed."""
    at = 0
    while (before := _BEFORE_ROOT.match(face, at)) is not None:
        at = before.end()
    found = _ROOT.match(face, at)
    if found is None:
        return []
    tag, attributes = found[1], found[2].rstrip("/")
    swapped = re.sub(r"\b(front|back)\b", lambda m: "back" if m[1] == "front" else "front",
                     attributes)
    return [f'<{tag}{attrs} {PROBE}=""></{tag}>' for attrs in (attributes, swapped)]

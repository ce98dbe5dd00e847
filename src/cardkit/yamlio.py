"""The one YAML reader of cardkit.

PyYAML's defaults are wrong for rosters: ``0772`` becomes the integer 506, ``no``
becomes False, a duplicate key silently wins, and aliases allow "billion laughs".
This reader composes the node tree itself and

* refuses anchors and aliases (so "billion laughs" stops at the first ``&``),
  merge keys, duplicate keys, explicit tags other than the plain YAML types
  (``!!python/...``, ``!!binary``, ``!!set``, ``!foo``), lone surrogates and NUL;
* limits the size of a file and the nesting depth *while composing*, so a file
  of ten thousand ``[`` fails at once instead of exhausting Python's stack;
* refuses U+0085 (NEL), which YAML reads as a line break but is the sign of a
  Windows-1252 text read wrongly, naming its line and key;
* keeps every scalar as the exact text written (``strings=True``; a ``Null`` or ``~`` is
  None, the word kept in ``YDict.nulls`` so that a roster can say what YAML did) or
  converts it with the safe resolver (``strings=False``, for generations and settings);
* records the line of every value, so errors can say ``file:line``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from .errors import Diagnostic, InputError
from .i18n import N_, _

MAX_YAML_BYTES = 32 * 1024 * 1024
MAX_DEPTH = 64
_PLAIN_TAGS = frozenset(f"tag:yaml.org,2002:{t}" for t in (
    "str", "int", "float", "bool", "null", "seq", "map", "timestamp"))
_SURROGATE = re.compile("[\ud800-\udfff]")


class YDict(dict):
    """A mapping that remembers the line of each key and of itself."""

    line: int = 0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lines: dict[str, int] = {}
        self.tags: dict[str, str] = {}
        self.nulls: dict[str, str] = {}  # key -> the word read as empty (Null, ~), when read as text

    def line_of(self, key: str) -> int:
        return self.lines.get(key, self.line)


class YList(list):
    """A sequence that remembers the line of each item and of itself."""

    line: int = 0

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.lines: list[int] = []


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses anchors, aliases, odd tags and deep nesting while composing."""

    _depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:  # noqa: D401
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise _Refused(_("anchors and aliases (&, *) are not allowed"), event.start_mark)
        tag = getattr(event, "tag", None)
        if tag not in (None, "!") and self._expand(tag) not in _PLAIN_TAGS:
            shown = tag.replace("tag:yaml.org,2002:", "!!")
            raise _Refused(_("tag {tag} is not allowed (only plain text, numbers, lists "
                             "and mappings)").format(tag=shown), event.start_mark)
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise _Refused(_("nested deeper than {depth} levels").format(depth=MAX_DEPTH),
                               event.start_mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    @staticmethod
    def _expand(tag: str) -> str:
        return "tag:yaml.org,2002:" + tag[2:] if tag.startswith("!!") else tag


class _Refused(Exception):
    def __init__(self, message: str, mark: Any) -> None:
        super().__init__(message)
        self.message = message
        self.mark = mark


# PyYAML's commonest complaints, marked so that people read them in their language
# (the others are shown as PyYAML words them).
YAML_PROBLEMS = (
    N_("mapping values are not allowed here"),
    N_("found unexpected end of stream"),
    N_("found character '\\t' that cannot start any token"),
    N_("expected <block end>, but found '<block mapping start>'"),
    N_("expected <block end>, but found '?'"),
)
# The rest, by their shape: PyYAML words them with the token it expected or found.
YAML_PATTERNS = (
    (re.compile(r"^expected (?P<expected>.+?), but (?:found|got) (?P<found>.+)$", re.S),
     N_("expected {expected}, but found {found}")),
    (re.compile(r"^found character (?P<found>.+) that cannot start any token$", re.S),
     N_("found character {found} that cannot start any token")),
    (re.compile(r"^found unknown escape character (?P<found>.+)$", re.S),
     N_("found unknown escape character {found}")),
    (re.compile(r"^could not find expected (?P<expected>.+)$", re.S),
     N_("could not find the expected {expected}")),
    (re.compile(r"^while (?:scanning|parsing|composing) (?:an? )?(?P<what>.+)$", re.S),
     N_("while reading {what}")),
)
# PyYAML's names of tokens and nodes, as people call them.
YAML_TOKENS = {
    "<scalar>": N_("a value"),
    "<block end>": N_("the end of the indented block"),
    "<block mapping start>": N_("the start of a new set of keys"),
    "<block sequence start>": N_("the start of a list"),
    "<document start>": N_("a document start (---)"),
    "<document end>": N_("a document end (...)"),
    "<stream end>": N_("the end of the file"),
    "<alias>": N_("an alias (*)"),
    "<anchor>": N_("an anchor (&)"),
    "<tag>": N_("a tag (!)"),
    "?": N_("a key marker (?)"),
    ":": N_("a colon (:)"),
    "-": N_("a list item (-)"),
    ",": N_("a comma (,)"),
    "the node content": N_("a value"),
    "block mapping": N_("a set of keys"),
    "block collection": N_("an indented block"),
    "flow mapping": N_("a {...} mapping"),
    "flow sequence": N_("a [...] list"),
    "simple key": N_("a key"),
    "quoted scalar": N_("a quoted text"),
    "double-quoted scalar": N_("a quoted text"),
    "block scalar": N_("a block of text"),
    "node": N_("a value"),
    "tag": N_("a tag (!)"),
    "directive": N_("a directive (%)"),
    "mapping": N_("a set of keys"),
}


def yaml_problem(problem: str) -> str:
    """PyYAML's description of a syntax error, in the user's language.

    In English PyYAML's own words are kept. In Chinese the commonest complaints have
    a sentence of their own; the rest are translated by their shape, the tokens named
    in words; what fits no shape gets a plain sentence rather than English.
    """
    from .i18n import language

    whole = _(problem)
    if not problem or language() == "en" or whole != problem:
        return whole
    for pattern, template in YAML_PATTERNS:
        match = pattern.match(problem)
        if match:
            return _(template).format(**{k: _yaml_token(v) for k, v in match.groupdict().items()})
    return _("this does not follow YAML's rules")


def _yaml_token(text: str) -> str:
    if " or " in text:  # "',' or ']'"
        return _(" or ").join(_yaml_token(part) for part in text.split(" or "))
    bare = text[1:-1] if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"" else text
    if bare in YAML_TOKENS:
        return _(YAML_TOKENS[bare])
    return text


def load(source: str | bytes | Path, *, name: str = "", strings: bool = True) -> Any:
    """Parse one YAML document into YDict/YList/scalars.

    ``source`` is a path or the text itself; ``name`` is how errors call the file.
    """
    if isinstance(source, Path):
        name = name or str(source)
    text = _text_of(source, name)
    _refuse_nel(text, name)
    try:
        loader = _StrictLoader(text)
    except yaml.reader.ReaderError as exc:
        line = text[: exc.position].count("\n") + 1
        raise _located(name, line, _("contains the control character {code}; YAML allows no "
                                     "control characters").format(code=f"U+{exc.character:04X}")) from None
    try:
        node = _single_node(loader, name)
    finally:
        loader.dispose()
    if node is None:
        return None
    return _convert(node, name, strings, loader, 0)


def _text_of(source: str | bytes | Path, name: str) -> str:
    """The text of ``source`` (a path, bytes or text), refused when too big, not UTF-8 or with NUL."""
    if isinstance(source, Path):
        from .digests import read_regular

        try:  # never waits on a FIFO or reads a device (a generation file one, say)
            source = read_regular(source, MAX_YAML_BYTES)
        except OSError as exc:
            raise InputError(f"{name}: " + _("cannot read: {reason}").format(reason=exc.strerror)) from None
    if isinstance(source, bytes):
        data = source
        if len(data) > MAX_YAML_BYTES:
            raise InputError(f"{name}: " + _("file is larger than {size} MiB").format(
                size=MAX_YAML_BYTES // 2**20))
        try:
            source = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise _located(name, _line_of_offset(data, exc.start), _("not valid UTF-8 text")) from None
    if "\x00" in source:
        raise _located(name, source[: source.index("\x00")].count("\n") + 1, _("contains a NUL byte"))
    return source


def _single_node(loader: Any, name: str) -> Any:
    """The document's node, every YAML error turned into one located line."""
    try:
        return loader.get_single_node()
    except _Refused as exc:
        raise _located(name, exc.mark.line + 1, exc.message) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 0
        raise _located(name, line, _("YAML syntax: {problem}").format(
            problem=yaml_problem(exc.problem or exc.context or ""))) from None
    except yaml.YAMLError as exc:
        raise InputError(f"{name}: " + _("YAML syntax: {problem}").format(
            problem=" ".join(str(exc).split()))) from None


def _scalar_text(node: yaml.ScalarNode, name: str) -> str:
    text = str(node.value)
    if _SURROGATE.search(text):
        raise _located(name, node.start_mark.line + 1,
                       _("contains a lone surrogate escape (\\ud800-\\udfff); that is not text"))
    return text


def _line_of_offset(data: bytes, offset: int) -> int:
    return data[:offset].count(b"\n") + 1


def _located(name: str, line: int, message: str) -> InputError:
    return InputError(message, [Diagnostic(file=name, line=line, message=message)])


def _mapping(node: yaml.MappingNode, name: str, strings: bool, loader: _StrictLoader,
             depth: int) -> YDict:
    result = YDict()
    result.line = node.start_mark.line + 1
    for key_node, value_node in node.value:
        if not isinstance(key_node, yaml.ScalarNode):
            raise _located(name, key_node.start_mark.line + 1, _("a key must be plain text"))
        if key_node.tag == "tag:yaml.org,2002:merge":
            raise _located(name, key_node.start_mark.line + 1, _("merge keys (<<) are not allowed"))
        key = _scalar_text(key_node, name)
        if key in result:
            raise _located(
                name,
                key_node.start_mark.line + 1,
                _("duplicate key {key} (first at line {line})").format(
                    key=repr(key), line=result.lines[key]),
            )
        result[key] = _convert(value_node, name, strings, loader, depth + 1)
        result.lines[key] = value_node.start_mark.line + 1
        result.tags[key] = value_node.tag
        if strings and result[key] is None and value_node.value:
            result.nulls[key] = str(value_node.value)
    return result


def _convert(node: yaml.Node, name: str, strings: bool, loader: _StrictLoader, depth: int) -> Any:
    if depth > MAX_DEPTH:
        raise _located(name, node.start_mark.line + 1,
                       _("nested deeper than {depth} levels").format(depth=MAX_DEPTH))
    if isinstance(node, yaml.MappingNode):
        return _mapping(node, name, strings, loader, depth)
    if isinstance(node, yaml.SequenceNode):
        seq = YList()
        seq.line = node.start_mark.line + 1
        for item in node.value:
            seq.append(_convert(item, name, strings, loader, depth + 1))
            seq.lines.append(item.start_mark.line + 1)
        return seq
    assert isinstance(node, yaml.ScalarNode)  # the one kind of node left
    text = _scalar_text(node, name)
    if strings:
        if node.tag == "tag:yaml.org,2002:null" and node.style is None:
            return None
        return text
    try:
        return loader.construct_object(node, deep=True)
    except (ValueError, OverflowError, yaml.YAMLError) as exc:
        message = " ".join(str(getattr(exc, "problem", None) or exc).split())
        raise _located(name, node.start_mark.line + 1,
                       _("cannot read {text}: {reason}").format(text=repr(text[:40]),
                                                                 reason=message)) from None


def _refuse_nel(text: str, name: str) -> None:
    """Refuse U+0085 (NEL) anywhere: YAML reads it as a line break (so a name with it becomes
    two lines, a space or a syntax error), and it is the sign of Windows-1252 text read
    wrongly, where byte 0x85 is its "…". The error names the line and the key on it."""
    index = text.find("\x85")
    if index < 0:
        return
    line = text.count("\n", 0, index) + 1
    start = text.rfind("\n", 0, index) + 1
    key = _KEY_ON_LINE.match(text, start)
    message = _("contains U+0085 (NEL), which YAML reads as a line break: the sign of "
                "Windows-1252 text read wrongly, where that byte is \"…\"; type the value again")
    raise InputError(message, [Diagnostic(file=name, line=line, field=key[1] if key else "",
                                          message=message)])


_KEY_ON_LINE = re.compile(r"[ \t]*(?:-[ \t]+)?\{?[ \t]*([^\s:#{\[][^:#\n]*?)[ \t]*:(?:[ \t]|$)", re.M)


def dump(data: Any) -> str:
    """YAML text for humans: block style, keys in their order, Chinese kept as is."""
    return yaml.safe_dump(
        plain(data), allow_unicode=True, sort_keys=False, default_flow_style=False, width=100
    )


def plain(data: Any) -> Any:
    """Plain dicts and lists (no line bookkeeping), e.g. to hand to templates."""
    if isinstance(data, dict):
        return {str(k): plain(v) for k, v in data.items()}
    if isinstance(data, list):
        return [plain(v) for v in data]
    return data

"""The Jinja environment for card faces: sandboxed, autoescaped, strict, layered.

Templates are found along the project's layers (project ``templates/`` first,
then the built-ins). ``{% extends "!builtin/front.html" %}`` reaches the built-in
file even from an override of the same name.

A template sees only what it is given: the sandbox refuses ``__class__`` and
friends, and ``*``/``**`` cannot build a string, list or number too large to
hold. A template file must lie inside the folder it is found in: a symlink
``templates/x.html -> /etc/passwd`` is refused before it is opened.

Work is bounded by one cap on output, ``limits.MAX_OUTPUT_CHARS`` (see :func:`render`):
the output is counted as it streams out; every call, filter, ``~`` and ``+`` is checked as
its result is made (so doubling in a macro stops at twice the cap); a width, a
``%*d``/``{:>N}`` field, ``replace`` or ``join`` that would make more is refused before it
allocates; and loop iterations are counted (``MAX_ITERATIONS`` per render), so nested
loops stop early even when they print nothing.
"""

from __future__ import annotations

import functools
import os
import re
import string
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import jinja2
from jinja2 import nodes
from jinja2.loaders import split_template_path
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError
from markupsafe import Markup, escape

from ..errors import InputError
from ..i18n import _
from ..limits import MAX_OUTPUT_CHARS
from ..model import Generation
from ..resources import builtin_dir

_CSS_IDENT = re.compile(r"^[\w \-]+$")
MAX_TEMPLATE_BYTES = 1024 * 1024
MAX_PRODUCT = 100_000  # items or characters a template may make with * (a card holds ~300)
MAX_EXPONENT = 64
MAX_ITERATIONS = 1_000_000  # loop iterations of one render (a face makes a few hundred)
_PERCENT_SPEC = re.compile(r"%(?:\([^)]*\))?[#0 +\-]*(\d*)(?:\.(\d*))?")
_DIGITS = re.compile(r"\d+")
MAX_NESTING = 100  # elements inside one another (a face nests about 10; WeasyPrint's layout
# recurses per level and runs out of Python's stack between 120 and 200)
# An element's tag; void elements, those whose end tag may be left out (a <p> the next one
# closes) and self-closed ones (<path/>) do not nest what follows them.
_TAG = re.compile(r"<(/?)([a-zA-Z][^\s/>]*)[^>]*?(/?)>")
_NOT_NESTING = frozenset((
    "area base br col embed hr img input link meta param source track wbr "  # void
    "p li dt dd tr td th option optgroup thead tbody tfoot colgroup rb rt rp rtc").split())
_GROWING_METHODS = ("center", "ljust", "rjust", "zfill", "expandtabs", "format", "format_map",
                    "replace", "join", "__mod__", "__add__", "__mul__")


class _Budget(threading.local):
    """What the render in progress on this thread has made so far."""

    chars = 0
    iterations = 0
    allowance = 0


_BUDGET = _Budget()


def _too_big(size: int) -> SecurityError:
    return SecurityError(_("a template may not make more than {limit} characters (it asked "
                           "for {size})").format(limit=f"{MAX_OUTPUT_CHARS:,}", size=f"{size:,}"))


def _sized(value: Any) -> Any:
    """``value``, unless it is a string or list past the output cap."""
    if isinstance(value, (str, list, tuple)) and len(value) > MAX_OUTPUT_CHARS + _BUDGET.allowance:
        raise _too_big(len(value))
    return value


def _format_widths(fmt: str, percent: bool) -> list[int]:
    """Widths and precisions written in a format string (``%9d``, ``{:>9}``, ``{:.9}``)."""
    if percent:
        return [int(n) for spec in _PERCENT_SPEC.finditer(fmt) for n in spec.groups() if n]
    try:
        specs = [spec for _lit, _name, spec, _conv in string.Formatter().parse(fmt) if spec]
    except ValueError:
        return []
    return [int(n) for spec in specs for n in _DIGITS.findall(spec)]


def _precheck(name: str, target: Any, args: tuple, kwargs: dict) -> None:
    """Refuse, before it runs, a string operation that would make more than the cap."""
    numbers = [a for a in (*args, *kwargs.values()) if isinstance(a, int) and not isinstance(a, bool)]
    if isinstance(target, str):
        if name in ("format", "format_map"):
            numbers += _format_widths(target, percent=False)
        elif name in ("__mod__", "format_filter"):
            numbers += _format_widths(target, percent=True)
        elif name == "replace" and len(args) >= 2 and all(isinstance(a, str) for a in args[:2]):
            old, new = args[0], args[1]
            if old and len(new) > len(old):
                numbers.append(len(target) + target.count(old) * (len(new) - len(old)))
            elif not old:
                numbers.append(len(target) * (len(new) + 1))
        elif name == "join" and args and isinstance(args[0], (list, tuple, str)):
            numbers.append(len(target) * max(0, len(args[0]) - 1))
    big = max(numbers, default=0)
    if big > MAX_OUTPUT_CHARS:
        raise _too_big(big)


def _checked_filter(name: str, func: Any) -> Any:
    """A built-in filter that refuses sizes past the cap before and after it runs."""

    @functools.wraps(func)
    def checked(*args: Any, **kwargs: Any) -> Any:
        plain = [a for a in args if not isinstance(a, (jinja2.runtime.Context, jinja2.Environment,
                                                       jinja2.nodes.EvalContext))]
        if plain:
            value, rest = plain[0], tuple(plain[1:])
            if name == "format" and isinstance(value, str):
                _precheck("format_filter", value, rest, kwargs)
            elif name == "join" and isinstance(value, (list, tuple)) and rest \
                    and isinstance(rest[0], str):
                _precheck("join", rest[0], (value,), {})
            elif name == "replace" and isinstance(value, str):
                _precheck("replace", value, rest, kwargs)
            elif name == "indent" and isinstance(value, str):
                width = rest[0] if rest and isinstance(rest[0], int) else 0
                _precheck(name, None, (width * (value.count("\n") + 1),), {})
            else:
                _precheck(name, None, rest, kwargs)
        return _sized(func(*args, **kwargs))

    return checked


def _counted(iterable: Iterable) -> Iterator:
    """The items of a ``{% for %}``, counted against the render's ``MAX_ITERATIONS``."""
    for item in iterable:
        _BUDGET.iterations += 1
        if _BUDGET.iterations > MAX_ITERATIONS:
            raise SecurityError(_("a template may not loop more than {limit} times").format(
                limit=f"{MAX_ITERATIONS:,}"))
        yield item


def _bound_tree(node: nodes.Node) -> None:
    """Rewrite a parsed template so that loops are counted and ``~`` results are checked."""
    for child in node.iter_child_nodes():
        _bound_tree(child)
    for name in node.fields:
        value = getattr(node, name, None)
        if isinstance(value, nodes.Concat):
            setattr(node, name, _wrap("sized", value))
        elif isinstance(value, list):
            setattr(node, name, [_wrap("sized", v) if isinstance(v, nodes.Concat) else v
                                 for v in value])
    if isinstance(node, nodes.For):
        node.iter = _wrap("counted", node.iter)


def _wrap(helper: str, node: nodes.Node) -> nodes.Node:
    call = nodes.Call(nodes.EnvironmentAttribute(helper), [node], [], None, None)
    return call.set_lineno(node.lineno)


def render(template: Any, context: dict[str, Any], allowance: int = 0) -> str:
    """Render ``template``, counting its output as it streams: past the cap it stops.

    ``allowance``: characters given to the template to print as they are (the faces a
    document template lays out), on top of the cap.
    """
    saved = (_BUDGET.chars, _BUDGET.iterations, _BUDGET.allowance)
    _BUDGET.chars, _BUDGET.iterations, _BUDGET.allowance = 0, 0, allowance
    limit = MAX_OUTPUT_CHARS + allowance
    pieces = []
    try:
        for piece in template.generate(context):
            _BUDGET.chars += len(piece)
            if _BUDGET.chars > limit:
                raise _too_big(_BUDGET.chars)
            pieces.append(piece)
    finally:
        _BUDGET.chars, _BUDGET.iterations, _BUDGET.allowance = saved
    html = "".join(pieces)
    if html.count("<") - html.count("</") <= MAX_NESTING:  # nests no deeper than its opening tags
        return html
    depth = nesting(html)
    if depth > MAX_NESTING:
        raise InputError(f"{template.filename or template.name}: " + _(
            "the page this template makes nests elements {depth} deep; a card's layout takes "
            "at most {limit} (close the elements the template opens)").format(
            depth=f"{depth:,}", limit=MAX_NESTING))
    return html


def nesting(html: str) -> int:
    """How deep the elements of ``html`` are nested (an upper bound: an element left open
    counts as holding the rest)."""
    depth = deepest = 0
    for match in _TAG.finditer(html):
        if match[3] or match[2].lower() in _NOT_NESTING:
            continue
        if match[1]:
            depth = max(0, depth - 1)
        else:
            depth += 1
            deepest = max(deepest, depth)
    return deepest


class RootedLoader(jinja2.BaseLoader):
    """Like ``FileSystemLoader``, but a file must resolve inside the folder it is found in."""

    def __init__(self, folders: list[Path]) -> None:
        self.folders = [Path(f) for f in folders]

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple:
        pieces = split_template_path(template)  # refuses ".." and absolute names
        for folder in self.folders:
            path = folder.joinpath(*pieces)
            if path.is_file():
                break
        else:
            raise jinja2.TemplateNotFound(template)
        root = folder.resolve()
        real = path.resolve()
        if not real.is_relative_to(root):
            raise InputError(f"{path}: " + _("template links to {target}, outside {root}").format(
                target=real, root=root))
        if real.stat().st_size > MAX_TEMPLATE_BYTES:
            raise InputError(f"{path}: " + _("template larger than {size} KiB").format(
                size=MAX_TEMPLATE_BYTES // 1024))
        try:
            source = real.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise InputError(f"{path}: " + _("template is not UTF-8 text (byte {offset})").format(
                offset=exc.start)) from None
        mtime = os.path.getmtime(real)

        def uptodate() -> bool:
            try:
                return os.path.getmtime(real) == mtime
            except OSError:
                return False

        return source, str(path), uptodate


class CardEnvironment(ImmutableSandboxedEnvironment):
    """The sandbox, with ``*`` and ``**`` kept to sizes a card could print."""

    intercepted_binops = frozenset(["*", "**", "%", "+"])
    sized = staticmethod(_sized)
    counted = staticmethod(_counted)

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        tree = super()._parse(source, name, filename)
        _bound_tree(tree)
        return tree

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805
        target = getattr(getattr(__obj, "__wrapped__", __obj), "__self__", None)
        name = getattr(__obj, "__name__", "")
        if isinstance(target, (str, list, tuple)) and name in _GROWING_METHODS:
            _precheck(name, target, args, kwargs)
        return _sized(super().call(__context, __obj, *args, **kwargs))

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "%" and isinstance(left, str):
            _precheck("__mod__", left, right if isinstance(right, tuple) else (right,), {})
        if operator == "+" and isinstance(left, (str, list, tuple)) \
                and isinstance(right, (str, list, tuple)):
            _sized_len = len(left) + len(right)
            if _sized_len > MAX_OUTPUT_CHARS + _BUDGET.allowance:
                raise _too_big(_sized_len)
        if operator == "*":
            for seq, count in ((left, right), (right, left)):
                if (isinstance(seq, (str, list, tuple)) and isinstance(count, int)
                        and len(seq) * count > MAX_PRODUCT):
                    raise SecurityError(_("a template may not repeat something {count} times").format(
                        count=count))
        if operator == "**" and isinstance(right, (int, float)) and abs(right) > MAX_EXPONENT:
            raise SecurityError(_("a template may not raise to the power {power}").format(power=right))
        return super().call_binop(context, operator, left, right)


def generation_context(gen: Generation) -> dict[str, Any]:
    """What a card's templates read of ``gen``: ``gen`` (every key the schema declares, None
    where unset), ``colors``, ``fonts`` and ``texts``, as the YAML writes them. Templates (a
    project's own too) may read any key, so they get the YAML's mappings, not the sections."""
    from .schema import OPTIONS

    data = gen.data
    return {
        "gen": {"id": gen.id, **{key: data.get(key) for key in OPTIONS}},
        "colors": data.get("colors", {}),
        "fonts": data.get("fonts", {}),
        "texts": data.get("texts", {}),
    }


def face_context(gen: Generation, side: str) -> Any:
    """The ``face`` a template of ``side`` reads: ``front:`` or ``back:`` as written (its
    title, show and any key of the template's own)."""
    return gen.data.get(side, {})


def make_environment(template_dirs: list[Path],
                     bytecode_cache: jinja2.BytecodeCache | None = None) -> jinja2.Environment:
    """The sandbox for ``template_dirs`` (then the built-in templates); ``bytecode_cache``
    keeps what it compiles between runs (``render.templatecode``)."""
    loader = jinja2.ChoiceLoader([
        jinja2.PrefixLoader({"!builtin": RootedLoader([builtin_dir("templates")])}, delimiter="/"),
        RootedLoader(template_dirs),
    ])
    env = CardEnvironment(
        loader=loader,
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        # a job prints from the templates as it found them: a file saved half-way through a
        # job does not change its last cards (and no file is looked at again per card)
        auto_reload=False,
        bytecode_cache=bytecode_cache,
    )
    for name in ("center", "indent", "wordwrap", "format", "replace", "join", "truncate",
                 "urlize", "string", "list", "batch", "slice"):
        env.filters[name] = _checked_filter(name, env.filters[name])
    env.filters["css_fonts"] = css_fonts
    env.filters["keep_together"] = keep_together
    return env


def keep_together(text: object, *sources: object) -> Markup:
    """``text`` escaped, with every label of ``sources`` in it kept on one line.

    The labels are the ``label`` of each entry of a list of mappings (the generation's and
    the unit's ``web:``) and the ``label_*`` values of a ``texts:`` mapping: CJK line
    breaking may break between any two characters, and 网上公安局 must not print as 网 / 上公安局.
    """
    words: set[str] = set()
    for source in sources:
        if isinstance(source, dict):
            words.update(str(v) for k, v in source.items() if str(k).startswith("label_") and v)
        elif isinstance(source, list | tuple):
            words.update(str(e.get("label")) for e in source if isinstance(e, dict) and e.get("label"))
    escaped = str(escape(str(text or "")))
    found = sorted((w for w in words if len(w) > 1 and str(escape(w)) in escaped), key=len,
                   reverse=True)
    if not found:
        return Markup(escaped)
    pattern = re.compile("|".join(re.escape(str(escape(w))) for w in found))
    return Markup(pattern.sub(lambda m: f'<span class="nobr">{m[0]}</span>', escaped))


def css_fonts(families: list[str]) -> Markup:
    """A CSS font-family list with each name quoted; only plain names get through."""
    safe = [f for f in families if _CSS_IDENT.match(f)]
    return Markup(", ".join(f'"{f}"' for f in safe) + ", sans-serif")

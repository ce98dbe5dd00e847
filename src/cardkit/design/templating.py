"""The Jinja environment for card faces: sandboxed, autoescaped, strict, layered.

Templates are found along the project's layers (project ``templates/`` first,
then the built-ins). ``{% extends "!builtin/front.html" %}`` reaches the built-in
file even from an override of the same name.

A template sees only what it is given: the sandbox refuses ``__class__`` and
friends, and ``*``/``**`` cannot build a string, list or number too large to
hold. A template file must lie inside the folder it is found in: a symlink
``templates/x.html -> /etc/passwd`` is refused before it is opened.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import jinja2
from jinja2.loaders import split_template_path
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError
from markupsafe import Markup

from ..errors import InputError
from ..i18n import _
from ..resources import builtin_dir

_CSS_IDENT = re.compile(r"^[\w \-]+$")
MAX_TEMPLATE_BYTES = 1024 * 1024
MAX_PRODUCT = 100_000  # items or characters a template may make with * (a card holds ~300)
MAX_EXPONENT = 64


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

    intercepted_binops = frozenset(["*", "**"])

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "*":
            for seq, count in ((left, right), (right, left)):
                if (isinstance(seq, (str, list, tuple)) and isinstance(count, int)
                        and len(seq) * count > MAX_PRODUCT):
                    raise SecurityError(_("a template may not repeat something {count} times").format(
                        count=count))
        if operator == "**" and isinstance(right, (int, float)) and abs(right) > MAX_EXPONENT:
            raise SecurityError(_("a template may not raise to the power {power}").format(power=right))
        return super().call_binop(context, operator, left, right)


def make_environment(template_dirs: list[Path]) -> jinja2.Environment:
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
    )
    env.filters["css_fonts"] = css_fonts
    return env


def css_fonts(families: list[str]) -> Markup:
    """A CSS font-family list with each name quoted; only plain names get through."""
    safe = [f for f in families if _CSS_IDENT.match(f)]
    return Markup(", ".join(f'"{f}"' for f in safe) + ", sans-serif")

"""The Jinja environment for card faces: sandboxed, autoescaped, strict, layered.

Templates are found along the project's layers (project ``templates/`` first,
then the built-ins). ``{% extends "!builtin/front.html" %}`` reaches the built-in
file even from an override of the same name.
"""

from __future__ import annotations

import re
from pathlib import Path

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup

from .resources import builtin_dir

_CSS_IDENT = re.compile(r"^[\w \-]+$")


def make_environment(template_dirs: list[Path]) -> jinja2.Environment:
    loader = jinja2.ChoiceLoader([
        jinja2.PrefixLoader({"!builtin": jinja2.FileSystemLoader(str(builtin_dir("templates")))},
                            delimiter="/"),
        jinja2.FileSystemLoader([str(d) for d in template_dirs]),
    ])
    env = ImmutableSandboxedEnvironment(
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

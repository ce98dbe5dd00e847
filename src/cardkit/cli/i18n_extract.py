"""Babel extraction of the command line's help texts, read from the click command tree.

click takes help texts from docstrings and ``help=`` arguments at import time, where
gettext keywords cannot mark them; this extractor imports ``cardkit.cli.commands`` and yields
every help text of every command and option, so ``make i18n`` puts them in the
catalogue and :func:`cardkit.i18n.localize_commands` can show them translated.
Used by ``babel.cfg`` and the tests, never at run time.
"""

from __future__ import annotations

from collections.abc import Iterator


def help_texts(command=None, path: str = "cardkit") -> Iterator[tuple[str, str]]:
    """``(where, text)`` for each help text of ``command`` (default: cardkit's CLI) and below."""
    if command is None:
        from .commands import cli as command
    for attr in ("help", "short_help"):
        text = getattr(command, f"_cardkit_{attr}", getattr(command, attr, None))
        if text:
            yield path, text
    for param in getattr(command, "params", []):
        text = getattr(param, "_cardkit_help", getattr(param, "help", None))
        if text:
            yield f"{path} {param.opts[0] if getattr(param, 'opts', None) else param.name}", text
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        yield from help_texts(sub, f"{path} {name}")


def extract_help(fileobj, keywords, comment_tags, options):
    """Babel extraction method (named in babel.cfg)."""
    for where, text in help_texts():
        yield 0, None, text, [f"help of {where}"]

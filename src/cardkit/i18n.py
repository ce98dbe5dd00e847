"""Messages in the user's language: gettext catalogues, chosen once per run.

Every sentence a person reads goes through ``_()`` (or ``ngettext()`` when it
counts something).  The catalogues are ordinary gettext files under
``cardkit/locale/LANG/LC_MESSAGES/cardkit.{po,mo}``; the compiled ``.mo`` files
are committed, so an installed cardkit needs only the standard library here.
``make i18n`` extracts, updates and compiles them with Babel.

The language is decided by :func:`setup` before a command runs: ``--lang
en|zh`` if given, else the first of ``LANGUAGE``, ``LC_ALL``, ``LC_MESSAGES``
and ``LANG`` that names a language (a ``zh*`` locale gives Chinese).

What scripts read never changes with the language: the ``error:``,
``warning:`` and ``notice:`` keywords, the ``file:line:`` prefix, field names, exit statuses
and JSON keys.  Keep those out of the strings given to ``_()``.

How to write a message:

- ``_("unknown setting")``; with values, ``_("wrote {output}: {cards} cards").format(...)``:
  never an f-string inside ``_()`` (the catalogue needs the literal text), and named
  placeholders so a translation can reorder them;
- ``ngettext(singular, plural, n)`` when a number is counted (Chinese has one form);
- leave out of the text what scripts rely on: ``"error: " + _(...)``,
  ``f"{file}:{line}: " + _(...)``, field names and option names as values;
- a ``Diagnostic``'s subject stays ``"officer LD042"`` (English, for ``--json``):
  ``Diagnostic.format`` translates its first word;
- strings evaluated at import time (tables of settings) are marked with :func:`N_` and
  translated where they are shown, with ``_(text)``; click help texts need no marking
  (``localize_commands`` translates them, ``i18n_extract`` extracts them);
- run ``make i18n``, translate the new entries of the .po, run it again;
  ``scripts/i18n_unwrapped.py`` lists the texts not yet wrapped.
"""

from __future__ import annotations

import functools
import gettext as _gettext
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

DOMAIN = "cardkit"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
LANGUAGES = {"en": None, "zh": "zh_CN"}  # --lang value -> catalogue (None: the source text)
ENV_VARS = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")

# The language is the calling context's (a thread's, or a job's): two jobs on two threads
# may speak Chinese and English at once. A new thread starts in English.
_LANGUAGE: ContextVar[tuple[str, _gettext.NullTranslations]] = ContextVar(
    "cardkit_language", default=("en", _gettext.NullTranslations()))


def _(message: str) -> str:
    """``message`` in the chosen language (itself when there is no translation).

    The empty string stays empty (gettext would answer with the catalogue's header).
    """
    if not message:
        return message
    return _LANGUAGE.get()[1].gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The form of ``singular``/``plural`` for the count ``n``, in the chosen language."""
    return _LANGUAGE.get()[1].ngettext(singular, plural, n)


def N_(message: str) -> str:  # noqa: N802 (the gettext convention)
    """Mark ``message`` for extraction; translate it later, where it is shown, with ``_()``."""
    return message


def Nn_(singular: str, plural: str) -> tuple[str, str]:  # noqa: N802
    """Mark a singular/plural pair for extraction; show it later with ``ngettext()``."""
    return singular, plural


def language() -> str:
    """The language chosen for this run: ``en`` or ``zh``."""
    return _LANGUAGE.get()[0]


def detect(environ: Mapping[str, str] | None = None) -> str:
    """The language the environment asks for, ``en`` or ``zh``.

    The variables are read in gettext's order; ``LANGUAGE`` may list several
    (``fr:zh_CN``), and the first one cardkit speaks wins.  ``C``/``POSIX`` and
    anything unknown give English.
    """
    environ = os.environ if environ is None else environ
    for var in ENV_VARS:
        value = environ.get(var, "")
        for item in value.split(":") if var == "LANGUAGE" else [value]:
            item = item.strip().lower()
            if not item:
                continue
            if item.startswith("zh"):
                return "zh"
            if item in ("c", "posix") or item.startswith(("c.", "en")) or var != "LANGUAGE":
                return "en"
    return "en"


def set_language(lang: str) -> None:
    """Use ``lang`` (``en`` or ``zh``) for every message of this context (thread) from now on."""
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}")
    _LANGUAGE.set((lang, _translation(lang)))
    _hook_click()


@functools.cache
def _translation(lang: str) -> _gettext.NullTranslations:
    """The catalogue of ``lang``, read once (it never changes while cardkit runs)."""
    catalogue = LANGUAGES[lang]
    if catalogue is None:
        return _gettext.NullTranslations()
    return _gettext.translation(DOMAIN, LOCALE_DIR, languages=[catalogue], fallback=True)


@contextmanager
def using(lang: str) -> Iterator[None]:
    """Speak ``lang`` inside the ``with`` block, in this context only (a Chinese document from
    an English run, or one job of a service speaking its user's language)."""
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}")
    token = _LANGUAGE.set((lang, _translation(lang)))
    try:
        yield
    finally:
        _LANGUAGE.reset(token)


def setup(argv: list[str] | None = None, environ: Mapping[str, str] | None = None) -> str:
    """Choose the language for a run from ``--lang`` in ``argv``, else the environment."""
    lang = lang_from_argv(argv or []) or detect(environ)
    set_language(lang)
    return lang


def lang_from_argv(argv: list[str]) -> str | None:
    """The value of ``--lang`` in a command line, if valid (click reports a bad one)."""
    for index, arg in enumerate(argv):
        if arg == "--":
            break
        value = None
        if arg == "--lang" and index + 1 < len(argv):
            value = argv[index + 1]
        elif arg.startswith("--lang="):
            value = arg.partition("=")[2]
        if value in LANGUAGES:
            return value
    return None


def localize_commands(command) -> None:
    """Show the help texts of a click command tree in the chosen language.

    click keeps help texts as plain strings from import time; the English text
    (marked with ``N_``) is kept aside and each run shows ``_()`` of it, so a
    later run in another language (tests run many in one process) is right too.
    """
    # click makes each command's --help option once and keeps it (``_help_option``)
    params = [*getattr(command, "params", []), getattr(command, "_help_option", None)]
    for obj in [command, *(p for p in params if p is not None)]:
        for attr in ("help", "short_help"):
            source_attr = f"_cardkit_{attr}"
            if not hasattr(obj, source_attr):
                setattr(obj, source_attr, getattr(obj, attr, None))
            source = getattr(obj, source_attr)
            if source:
                setattr(obj, attr, _(source))
    for sub in getattr(command, "commands", {}).values():
        localize_commands(sub)


def _hook_click() -> None:
    """Route click's own words (Usage:, Options:, its usage errors) through our catalogue.

    click translates with the standard library's ``gettext`` functions, which it
    imports by name into each module; giving those modules ours lets ``--lang``
    decide for click too.  The click messages we translate are listed in
    ``cardkit.cli.click_messages`` so that extraction and the completeness test see them.
    """
    import sys

    for name in ("core", "decorators", "exceptions", "formatting", "parser", "types", "termui"):
        module = sys.modules.get(f"click.{name}")
        if module is None:
            continue
        if hasattr(module, "_"):
            module.__dict__["_"] = _
        if hasattr(module, "ngettext"):
            module.__dict__["ngettext"] = ngettext


__all__ = ["N_", "Nn_", "_", "detect", "language", "localize_commands", "ngettext", "set_language",
           "setup", "using"]

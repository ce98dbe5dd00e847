"""The language Pango shapes a run of text with, asked of Pango itself.

Pango does not shape a run with the language of its element as such: a run whose script
the language is not written in gets the script's sample language instead
(``compute_derived_language`` in Pango's itemize.c). In a ``lang="zh-CN"`` card, a Latin
name is shaped as English, so Noto CJK's Chinese forms (``locl``: the wide ' and ", and
other digits) are not used for it, while a Han name and a phone number (digits and
punctuation alone take the element's language) keep them. The stamper shapes a slot with
HarfBuzz, so it asks Pango the same question (public C functions of Pango and GLib, through
ctypes): the answer is the one WeasyPrint's Pango gives in this process, whatever Pango's
version, the preferred languages (``PANGO_LANGUAGE``, ``LANGUAGE``) or the locale.
"""

from __future__ import annotations

import ctypes
import functools
import os

# what WeasyPrint's cffi bindings try, by platform (weasyprint/text/ffi.py)
_PANGO = ("libpango-1.0.so.0", "libpango-1.0-0", "pango-1.0-0", "pango-1.0",
          "libpango-1.0.dylib", "libpango-1.0-0.dll")
_GLIB = ("libglib-2.0.so.0", "libglib-2.0-0", "glib-2.0-0", "glib-2.0",
         "libglib-2.0.0.dylib", "libglib-2.0-0.dll")
# a letter of each script the stamper takes (``shaping._script``), to ask GLib its number
SAMPLE_LETTER = {"han": "中", "latin": "A"}


def run_language(language: str, script: str) -> str:
    """The language Pango shapes a run of ``script`` ('han', 'latin', or 'common' for digits
    and punctuation alone) with, in an element of ``language`` ("" when the element has
    none: Pango's default, from the locale). Lowercase, as HarfBuzz takes it."""
    return _run_language(language.lower(), script)


@functools.lru_cache(maxsize=256)  # a few (language, script) pairs a process; Pango's
def _run_language(language: str, script: str) -> str:  # answers do not change in it
    pango, glib = _libraries()
    lang = pango.pango_language_from_string(language.encode()) if language \
        else pango.pango_language_get_default()
    if script not in SAMPLE_LETTER:  # digits and punctuation: Pango keeps the language
        return _text(pango, lang)
    code = glib.g_unichar_get_script(ord(SAMPLE_LETTER[script]))
    if pango.pango_language_includes_script(lang, code):
        return _text(pango, lang)
    sample = pango.pango_script_get_sample_language(code)
    return _text(pango, sample) if sample else "xx"  # Pango's tag for "none"


def _text(pango: ctypes.CDLL, lang: int | None) -> str:
    name = pango.pango_language_to_string(lang) if lang else None
    return name.decode("ascii", "replace").lower() if name else ""


@functools.lru_cache(maxsize=1)
def _libraries() -> tuple[ctypes.CDLL, ctypes.CDLL]:
    """Pango and GLib, as loaded already by WeasyPrint (the same handles)."""
    pango, glib = _load(_PANGO), _load(_GLIB)
    pango.pango_language_from_string.argtypes = [ctypes.c_char_p]
    pango.pango_language_from_string.restype = ctypes.c_void_p
    pango.pango_language_get_default.argtypes = []
    pango.pango_language_get_default.restype = ctypes.c_void_p
    pango.pango_language_to_string.argtypes = [ctypes.c_void_p]
    pango.pango_language_to_string.restype = ctypes.c_char_p
    pango.pango_language_includes_script.argtypes = [ctypes.c_void_p, ctypes.c_int]
    pango.pango_language_includes_script.restype = ctypes.c_int
    pango.pango_script_get_sample_language.argtypes = [ctypes.c_int]
    pango.pango_script_get_sample_language.restype = ctypes.c_void_p
    glib.g_unichar_get_script.argtypes = [ctypes.c_uint32]  # PangoScript is GUnicodeScript
    glib.g_unichar_get_script.restype = ctypes.c_int
    return pango, glib


def _load(names: tuple[str, ...]) -> ctypes.CDLL:
    failed: OSError | None = None
    for name in names:
        try:
            return ctypes.CDLL(name, mode=os.RTLD_NOW if hasattr(os, "RTLD_NOW") else 0)
        except OSError as exc:
            failed = exc
    raise OSError(f"cannot load any of {', '.join(names)}") from failed

"""WeasyPrint's C libraries, found without running a compiler.

WeasyPrint loads GLib, Pango, HarfBuzz and fontconfig through cffi, trying a list
of names per library (``libgobject-2.0-0``, ``gobject-2.0-0``, ``gobject-2.0``,
... ``libgobject-2.0.so.0``).  For each name cffi asks ``ctypes.util.find_library``,
which on Linux runs ``ldconfig -p`` and, when that finds nothing, ``gcc`` and ``ld``:
about 8 ms per miss, 17 misses, 0.14 s of a 1.3 s ten-officer job.

:func:`install` makes the CLI's process answer from ``ldconfig -p`` alone (and from
``LD_LIBRARY_PATH`` through ``ld`` when that is set).  Nothing is lost: every list
WeasyPrint tries also holds the library's soname (``libgobject-2.0.so.0``), which
cffi hands to ``dlopen`` directly, the way the dynamic loader finds it anyway.
Only the CLI installs it; a program using cardkit's API keeps its own lookup.
"""

from __future__ import annotations

import ctypes.util
import functools
import os
import sys


def install() -> None:
    """Use the quick lookup in this process (Linux only; elsewhere nothing changes)."""
    if not sys.platform.startswith("linux"):
        return
    ldconfig = getattr(ctypes.util, "_findSoname_ldconfig", None)
    ld = getattr(ctypes.util, "_findLib_ld", None)
    if ldconfig is None or getattr(ctypes.util.find_library, "_cardkit", False):
        return  # another Python's internals, or already installed

    @functools.cache
    def find_library(name: str) -> str | None:
        found = ldconfig(name)
        if found is None and ld is not None and os.environ.get("LD_LIBRARY_PATH"):
            found = ld(name)
        return found

    # marks on the function, read back above and by the tests
    vars(find_library).update(_cardkit=True, _original=ctypes.util.find_library)
    ctypes.util.find_library = find_library

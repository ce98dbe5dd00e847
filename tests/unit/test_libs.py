"""The CLI's quick library lookup finds what the dynamic loader finds, and no more."""

from __future__ import annotations

import ctypes.util
import sys

import pytest

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux only")


def test_lookup_answers_like_ldconfig(monkeypatch):
    from cardkit.cli import libs

    # the stdlib's own (an in-process CLI run of another test may have installed it already)
    original = getattr(ctypes.util.find_library, "_original", ctypes.util.find_library)
    monkeypatch.setattr(ctypes.util, "find_library", original)  # restored after the test
    monkeypatch.delenv("LD_LIBRARY_PATH", raising=False)
    libs.install()
    quick = ctypes.util.find_library
    assert quick is not original and quick._cardkit
    for name in ("gobject-2.0", "pango-1.0", "harfbuzz", "fontconfig"):
        assert quick(name) == original(name) and quick(name).startswith(f"lib{name}.so")
    assert quick("libgobject-2.0-0") is None  # WeasyPrint's Windows-style names miss at once
    libs.install()
    assert ctypes.util.find_library is quick  # installing twice changes nothing


def test_weasyprint_loads_with_it(tmp_path):
    import subprocess

    code = ("from cardkit.cli import libs; libs.install(); import weasyprint.text.ffi as f; "
            "print(f.pango is not None, f.harfbuzz_subset is not None)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "True"]

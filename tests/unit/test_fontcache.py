"""The character-map cache: the same answer as fontTools, a changed font read again."""

from __future__ import annotations

import os
import shutil

import pytest

from cardkit.render import fontcache
from cardkit.render.glyphs import FALLBACK_PATHS

FONT = next((p for p in FALLBACK_PATHS if os.path.exists(p)), None)
pytestmark = pytest.mark.skipif(FONT is None, reason="Noto Sans CJK is not installed")


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache" / "cardkit" / "cmap"


def test_cached_answer_is_fonttools_answer(cache):
    from fontTools.ttLib import TTFont

    font = TTFont(FONT, fontNumber=2, lazy=True)
    expected = frozenset(font.getBestCmap())
    font.close()
    first = fontcache.code_points(FONT, 2)
    assert first == expected and ord("警") in first and ord("A") in first
    files = list(cache.glob("*.ranges"))
    assert len(files) == 1
    assert fontcache.code_points(FONT, 2) == expected  # read back from the file
    assert ord("警") in fontcache._parse(files[0].read_text(encoding="ascii"))


def test_a_changed_font_is_read_again(cache, tmp_path):
    copy = tmp_path / "font.ttc"
    shutil.copy(FONT, copy)
    fontcache.code_points(str(copy), 2)
    os.utime(copy, ns=(1, 1))  # another modification time: another key
    fontcache.code_points(str(copy), 2)
    assert len(list(cache.glob("*.ranges"))) == 2


def test_damaged_cache_file_and_unwritable_cache_are_not_used(cache, tmp_path, monkeypatch):
    expected = fontcache.code_points(FONT, 2)
    (cached,) = cache.glob("*.ranges")
    cached.write_text("cmap\n4e00-", encoding="ascii")  # cut short
    assert fontcache.code_points(FONT, 2) == expected
    blocked = tmp_path / "file"
    blocked.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))  # a file where a folder should be
    assert fontcache.code_points(FONT, 2) == expected


def test_not_a_font_is_a_value_error(tmp_path, cache):
    bad = tmp_path / "bad.ttf"
    bad.write_bytes(b"\x00\x01\x00\x00garbage" * 10)
    with pytest.raises(ValueError, match="not a readable font"):
        fontcache.code_points(str(bad))

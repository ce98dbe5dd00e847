"""The character-map cache: HarfBuzz gives the same answer as fontTools, a changed font is
read again, what is not a font is refused."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

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


def test_a_face_the_file_does_not_have_and_a_missing_file(tmp_path, cache):
    with pytest.raises(ValueError, match="not a readable font"):
        fontcache.code_points(FONT, 40)  # the collection has ten faces
    with pytest.raises(OSError):
        fontcache.code_points(str(tmp_path / "gone.ttf"))


@pytest.mark.parametrize("path", ["/usr/share/fonts/type1/urw-base35/P052-Roman.t1"])
def test_a_type1_font_is_not_read_as_a_font_without_a_map(path, cache):
    """fontconfig lists Type 1 fonts too; HarfBuzz reads no face from them (an empty map
    would say the family has no glyph at all): refused, as fontTools refused them."""
    if not os.path.exists(path):
        pytest.skip("no Type 1 font installed")
    with pytest.raises(ValueError, match="not a readable font"):
        fontcache.code_points(path)


def test_a_cache_entry_replaces_a_symlink_at_its_name_and_leaves_nothing_on_failure(
        tmp_path, monkeypatch):
    """``write_own``, the writer of every cache entry (character maps, plates, fonts, compiled
    templates): a symlink at the entry's name is replaced, never written through."""
    import errno

    victim = tmp_path / "victim.txt"
    victim.write_bytes(b"the user's own file")
    folder = tmp_path / "cache"
    folder.mkdir()
    entry = folder / "entry"
    entry.symlink_to(victim)
    fontcache.write_own(entry, b"entry")
    assert victim.read_bytes() == b"the user's own file"
    assert not entry.is_symlink() and entry.read_bytes() == b"entry"
    assert entry.stat().st_mode & 0o077 == 0

    def full(*_args):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "replace", full)  # the disk fills up: an error, nothing left
    with pytest.raises(OSError):
        fontcache.write_own(folder / "other", b"x")
    assert sorted(p.name for p in folder.iterdir()) == ["entry"]


def test_a_font_replaced_with_its_size_and_time_kept_is_read_again(cache, tmp_path):
    """A file put in a font's place keeping its size and modification time (a copy with
    ``cp -p``, an unpacked archive) is another inode and change time: read again."""
    font, other = tmp_path / "font.otf", tmp_path / "other.otf"
    latin = next((p for p in ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",) if
                  os.path.exists(p)), None)
    if latin is None:
        pytest.skip("DejaVu Sans is not installed")
    shutil.copy(FONT, font)
    first = fontcache.code_points(str(font), 0)
    data = bytearray(Path(latin).read_bytes())
    data += b"\0" * (font.stat().st_size - len(data))  # padded to the CJK file's size
    other.write_bytes(bytes(data))
    times = font.stat()
    os.replace(other, font)
    os.utime(font, ns=(times.st_atime_ns, times.st_mtime_ns))
    assert font.stat().st_size == times.st_size and font.stat().st_mtime_ns == times.st_mtime_ns
    again = fontcache.code_points(str(font), 0)
    assert ord("警") in first and ord("警") not in again


def test_the_character_maps_kept_are_bounded(cache, monkeypatch):
    monkeypatch.setattr(fontcache, "MAX_MAPS", 4)
    cache.mkdir(parents=True)
    for n in range(6):
        (cache / f"{n:032x}.ranges").write_text("41-5a\n", encoding="ascii")
        os.utime(cache / f"{n:032x}.ranges", ns=(n * 10**9, n * 10**9))
    fontcache.code_points(FONT, 2)
    kept = sorted(p.name for p in cache.glob("*.ranges"))
    assert len(kept) == 3 and f"{5:032x}.ranges" in kept and f"{0:032x}.ranges" not in kept

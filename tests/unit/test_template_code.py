"""Compiled templates kept between runs (design/templatecode.py): used when the template and
the templating code are the same, never when an entry is damaged, edited or not ours."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from cardkit.design import templating
from cardkit.design.templating import make_environment
from cardkit.render import templatecode


@pytest.fixture()
def cache(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("CARDKIT_CACHE", raising=False)
    return tmp_path / "cache" / "cardkit" / "templates"


def _render(folder: Path, compiled: list[str], name: str = "card.html") -> str:
    """Render ``name`` from ``folder`` in a fresh environment, noting what is compiled."""
    env = make_environment([folder], templatecode.code_cache())
    real = env.compile

    def counted(source, name=None, filename=None, raw=False, defer_init=False):
        compiled.append(name)
        return real(source, name, filename, raw, defer_init)

    env.compile = counted  # type: ignore[method-assign]
    return env.get_template(name).render(officer={"name": "王明"})


def test_a_template_is_compiled_once_then_read_back(tmp_path, cache):
    (tmp_path / "card.html").write_text("<p>{{ officer.name }}</p>", encoding="utf-8")
    first: list[str] = []
    second: list[str] = []
    assert _render(tmp_path, first) == _render(tmp_path, second) == "<p>王明</p>"
    assert first == ["card.html"] and second == []
    (entry,) = cache.iterdir()
    assert entry.stat().st_mode & 0o777 in (0o600, 0o644) and cache.stat().st_mode & 0o077 == 0


def test_an_edited_template_is_compiled_again(tmp_path, cache):
    card = tmp_path / "card.html"
    card.write_text("<p>{{ officer.name }}</p>", encoding="utf-8")
    _render(tmp_path, [])
    card.write_text("<b>{{ officer.name }}</b>", encoding="utf-8")
    compiled: list[str] = []
    assert _render(tmp_path, compiled) == "<b>王明</b>" and compiled == ["card.html"]


def test_other_templating_code_does_not_read_the_entries(tmp_path, cache, monkeypatch):
    (tmp_path / "card.html").write_text("<p>{{ officer.name }}</p>", encoding="utf-8")
    _render(tmp_path, [])
    made = templatecode.code_cache
    edited = tmp_path / "templating.py"  # cardkit's templating code, edited
    edited.write_bytes(Path(templating.__file__).read_bytes() + b"\n# edited\n")

    def other_salt(codegen=None):
        return made(edited)

    monkeypatch.setattr(templatecode, "code_cache", other_salt)
    compiled: list[str] = []
    _render(tmp_path, compiled)
    assert compiled == ["card.html"]


@pytest.mark.parametrize("damage", ["garbage", "symlink", "fifo", "cut", "flipped"])
def test_a_damaged_or_foreign_entry_is_a_miss(tmp_path, cache, damage):
    (tmp_path / "card.html").write_text("<p>{{ officer.name }}</p>", encoding="utf-8")
    _render(tmp_path, [])
    (entry,) = cache.iterdir()
    kept = entry.read_bytes()
    elsewhere = tmp_path / "elsewhere.code"
    elsewhere.write_bytes(b"")
    lengths = [len(kept)]
    if damage == "cut":  # cut short anywhere: in the header, the digest, Jinja's pickle, the code
        lengths = [*range(1, 120, 7), len(kept) // 2, len(kept) - 1]
    for length in lengths:
        entry.unlink()
        if damage == "garbage":
            entry.write_bytes(b"j2 not marshal data")
        elif damage == "symlink":
            entry.symlink_to(elsewhere)
        elif damage == "fifo":
            os.mkfifo(entry)
        elif damage == "cut":
            entry.write_bytes(kept[:length])
        else:  # a bit flipped in the compiled code: would run other code, or crash Python
            damaged = bytearray(kept)
            damaged[-40] ^= 0x10
            entry.write_bytes(bytes(damaged))
        compiled: list[str] = []
        assert _render(tmp_path, compiled) == "<p>王明</p>" and compiled == ["card.html"], length
        assert entry.is_file() and not entry.is_symlink() and entry.read_bytes() == kept
    assert elsewhere.read_bytes() == b""  # never written through a symlink


def test_no_cache_folder_no_entries(tmp_path, monkeypatch):
    monkeypatch.setenv("CARDKIT_CACHE", "0")
    (tmp_path / "card.html").write_text("x", encoding="utf-8")
    compiled: list[str] = []
    assert _render(tmp_path, compiled) == "x" and compiled == ["card.html"]
    assert templatecode.code_cache() is None


def test_the_folder_keeps_at_most_its_cap(tmp_path, cache, monkeypatch):
    monkeypatch.setattr(templatecode, "MAX_ENTRIES", 4)
    for number in range(9):
        (tmp_path / f"card{number}.html").write_text(f"<p>{number}</p>", encoding="utf-8")
        _render(tmp_path, [], f"card{number}.html")
        assert 1 <= len(list(cache.iterdir())) <= 4
    compiled: list[str] = []
    _render(tmp_path, compiled, "card8.html")  # the newest entry stays
    assert compiled == []

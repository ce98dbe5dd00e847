"""Plates kept between runs (render/stamp/store.py): a second job on the same design lays
nothing out, prints the same bytes as a job without the cache, and a changed asset,
a damaged or foreign entry or an unwritable cache folder is never printed from."""

from __future__ import annotations

import os
import shutil

import pytest
from conftest import copy_example

from cardkit.render.faces import FaceRenderer
from cardkit.render.stamp import codec, store

SVG = ('<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40" viewBox="0 0 40 40">'
       '<circle cx="20" cy="20" r="18" fill="{color}"/></svg>\n')


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A station's project: 2022 with its own mascot drawing, and a cache of its own."""
    site = tmp_path / "site"
    (site / "generations").mkdir(parents=True)
    (site / "templates" / "assets").mkdir(parents=True)
    (site / "generations" / "site.yaml").write_text(
        'extends: "2022"\nmascot:\n  image: mine.svg\n', encoding="utf-8")
    (site / "templates" / "assets" / "mine.svg").write_text(SVG.format(color="#c00000"),
                                                            encoding="utf-8")
    copy_example(site / "roster.yaml")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")
    monkeypatch.delenv("CARDKIT_CACHE", raising=False)
    monkeypatch.delenv("CARDKIT_STAMP", raising=False)
    return site


@pytest.fixture
def layouts(monkeypatch):
    """How many WeasyPrint layouts the jobs made."""
    made = []
    layout = FaceRenderer.layout

    def counting(self, faces, *args, **options):
        made.append(len(faces))
        return layout(self, faces, *args, **options)

    monkeypatch.setattr(FaceRenderer, "layout", counting)
    return made


def _print(cli, site, name):
    target = site / f"{name}.pdf"
    result = cli(["-v", "print", "--gen", "site", "--roster", "roster.yaml", "--jobs", "1",
                  "-o", str(target)], cwd=site)
    assert result.code == 0, result.stderr
    assert any(line.startswith("12 officers' cards were filled into a layout made once")
               for line in result.err_lines), result.stderr
    return target.read_bytes()


def _fresh(cli, site, monkeypatch, name):
    """The same job without any cache."""
    monkeypatch.setenv("CARDKIT_CACHE", "0")
    try:
        return _print(cli, site, name)
    finally:
        monkeypatch.delenv("CARDKIT_CACHE")


def test_a_second_job_on_the_same_design_lays_nothing_out(cli, project, layouts, monkeypatch):
    first = _print(cli, project, "first")
    assert layouts  # plates, the back, the tip lists' plan
    assert list((project.parent / "cache" / "cardkit" / "plates").glob("*/*" + codec.SUFFIX))
    layouts.clear()
    second = _print(cli, project, "second")
    assert layouts == []  # everything from the kept plates
    assert second == first
    assert _fresh(cli, project, monkeypatch, "fresh") == first  # the cache changes no byte


def test_a_changed_asset_is_laid_out_again(cli, project, layouts, monkeypatch):
    first = _print(cli, project, "first")
    drawing = project / "templates" / "assets" / "mine.svg"
    before = drawing.stat()
    drawing.write_text(SVG.format(color="#0000c0"), encoding="utf-8")  # same size, same path
    os.utime(drawing, ns=(before.st_atime_ns, before.st_mtime_ns + 1_000_000_000))
    layouts.clear()
    second = _print(cli, project, "second")
    assert layouts  # the back (it shows the mascot) was laid out again
    assert second != first
    assert second == _fresh(cli, project, monkeypatch, "fresh")
    layouts.clear()
    assert _print(cli, project, "third") == second
    assert layouts == []  # the entry made before the change was replaced, not kept for ever


@pytest.mark.parametrize("spoil", ["damaged", "foreign"])
def test_damaged_or_foreign_entries_are_not_used(cli, project, layouts, monkeypatch, spoil):
    first = _print(cli, project, "first")
    entries = list((project.parent / "cache" / "cardkit" / "plates").glob("*/*" + codec.SUFFIX))
    assert entries
    if spoil == "damaged":
        for entry in entries:
            entry.write_bytes(entry.read_bytes()[:40])
    else:  # written by another user: never read
        uid = os.getuid()
        monkeypatch.setattr(store.os, "getuid", lambda: uid + 1)
    layouts.clear()
    assert _print(cli, project, "second") == first
    assert layouts
    if spoil == "damaged":  # written again: the next job lays nothing out
        layouts.clear()
        assert _print(cli, project, "third") == first
        assert layouts == []


def test_an_unwritable_cache_folder_is_no_cache(cli, project, layouts, tmp_path, monkeypatch):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x", encoding="utf-8")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    first = _print(cli, project, "first")
    layouts.clear()
    assert _print(cli, project, "second") == first
    assert layouts  # nothing was kept


def test_a_font_installed_for_the_user_makes_new_plates(tmp_path, monkeypatch):
    """Installing a font can change which face Pango picks: the environment's hash (part of
    every entry's name) follows the font folders."""
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    from cardkit.jobstate import new_job

    with new_job():  # the environment is looked at once per job
        before = store.environment()
    fonts = tmp_path / ".local" / "share" / "fonts" / "station"
    fonts.mkdir(parents=True)
    with new_job():
        with_folder = store.environment()
    (fonts / "a.otf").write_bytes(b"OTTO")
    os.utime(fonts, ns=(0, fonts.stat().st_mtime_ns + 1_000_000_000))
    with new_job():
        with_font = store.environment()
        assert store.environment() == with_font
    assert len({before, with_folder, with_font}) == 3


def _small_font(tmp_path):
    import subprocess

    listed = subprocess.run(["fc-list", "--format", "%{file}\\n"], capture_output=True,
                            check=False).stdout.decode().split("\n")
    fonts = sorted((os.path.getsize(p), p) for p in listed if p.endswith((".otf", ".ttf")))
    if not fonts:
        pytest.skip("no OpenType or TrueType font installed")
    copy = tmp_path / "station.otf"
    shutil.copy(fonts[0][1], copy)
    return copy


def test_fonts_are_found_again_in_their_files_or_kept(tmp_path, monkeypatch):
    """A slot's font is referred to by its installed file while that is unchanged, or kept
    once in the cache when no file holds it."""
    from cardkit.render.stamp import shaping

    font = _small_font(tmp_path)
    data = font.read_bytes()
    face = shaping.FontFace(key="Station Sans", data=data, index=0, family="Station Sans")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("CARDKIT_CACHE", raising=False)
    shaping.font_faces().clear()
    kept = store.Store("a look")
    monkeypatch.setattr(store, "_fontconfig_files", lambda: [str(font)])
    kept.put("plate", "installed", "plate A", {}, fonts=(face,))
    monkeypatch.setattr(store, "_fontconfig_files", lambda: [])
    kept.put("plate", "kept", "plate B", {}, fonts=(face,))
    assert len(list((tmp_path / "cache" / "cardkit" / "plates" / "fonts").glob("*.font"))) == 1
    for key, value, mapped in (("installed", "plate A", str(font)), ("kept", "plate B", "")):
        shaping.font_faces().clear()
        assert kept.get("plate", key) == (True, value)
        found = shaping.font_faces()["Station Sans"]
        # the installed file is mapped, its bytes read only when asked for; the copy is read
        assert found.path == mapped and (found.data == b"") == bool(mapped)
        assert found.program() == data and found.cmap == face.cmap
    font.write_bytes(data[:-1] + bytes([data[-1] ^ 1]))  # the installed file changes
    os.utime(font, ns=(0, font.stat().st_mtime_ns + 1_000_000_000))
    shaping.font_faces().clear()
    assert kept.get("plate", "installed") == (False, None)
    assert kept.get("plate", "kept") == (True, "plate B")


def test_an_entry_made_with_another_file_of_a_known_name_is_a_miss(tmp_path, monkeypatch):
    """The job knows a face by a name (Pango's description) from one file; an entry made
    with another file of that name (one family, two files) would be stamped with this job's
    face: a miss."""
    from cardkit.render.stamp import shaping

    font = _small_font(tmp_path)
    data = font.read_bytes()
    other = data[:-1] + bytes([data[-1] ^ 1])
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("CARDKIT_CACHE", raising=False)
    monkeypatch.setattr(store, "_fontconfig_files", lambda: [])
    shaping.font_faces().clear()
    kept = store.Store("a look")
    made = shaping.FontFace(key="Station Sans", data=other, index=0, family="Station Sans")
    kept.put("plate", "other file", "plate A", {}, fonts=(made,))
    shaping.font_faces().clear()
    shaping.font_faces()["Station Sans"] = shaping.FontFace(
        key="Station Sans", data=data, index=0, family="Station Sans")
    assert kept.get("plate", "other file") == (False, None)
    shaping.font_faces()["Station Sans"] = shaping.FontFace(
        key="Station Sans", data=other, index=0, family="Station Sans")
    assert kept.get("plate", "other file") == (True, "plate A")  # the same bytes: found


def test_an_edit_that_keeps_size_and_time_is_seen(cli, project, layouts, monkeypatch):
    """A stylesheet asset edited in place with its size and modification time kept: the
    entry is checked by the file's bytes, not its size and time."""
    first = _print(cli, project, "first")
    drawing = project / "templates" / "assets" / "mine.svg"
    before = drawing.stat()
    drawing.write_text(SVG.format(color="#00c000"), encoding="utf-8")  # same size
    os.utime(drawing, ns=(before.st_atime_ns, before.st_mtime_ns))  # same time
    layouts.clear()
    second = _print(cli, project, "second")
    assert layouts
    assert second != first
    assert second == _fresh(cli, project, monkeypatch, "fresh")


def test_a_roster_in_another_folder_finds_the_plates(cli, project, layouts, tmp_path):
    """A service saves each upload in a new folder: the plates do not depend on it."""
    _print(cli, project, "first")
    for number in range(2):
        upload = tmp_path / f"upload-{number}"
        upload.mkdir()
        copy_example(upload / "roster.yaml")
        layouts.clear()
        target = upload / "cards.pdf"
        result = cli(["print", "--gen", "site", "--roster", str(upload / "roster.yaml"),
                      "--jobs", "1", "-o", str(target)], cwd=project)
        assert result.code == 0, result.stderr
        assert layouts == []


def test_entries_are_data_the_folders_stay_private_and_a_fifo_never_blocks(
        cli, project, layouts, tmp_path, monkeypatch):
    """Under umask 002 the store's folders are 0700 (and so used); entries are JSON, not
    pickles; a FIFO in the place of an entry is passed by, the job does not wait on it."""
    import json
    import stat
    import struct
    import zlib

    old = os.umask(0o002)
    try:
        first = _print(cli, project, "first")
    finally:
        os.umask(old)
    plates = project.parent / "cache" / "cardkit" / "plates"
    for folder in (plates.parent, plates, *[p for p in plates.iterdir() if p.is_dir()]):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder
    entries = list(plates.glob("*/*" + codec.SUFFIX))
    for entry in entries:  # a JSON part, whatever it holds, then its bytes objects, raw
        data = entry.read_bytes()
        assert data.startswith(codec.MAGIC)
        start = len(codec.MAGIC) + 8
        kept, _size = struct.unpack_from("<II", data, len(codec.MAGIC))
        assert start + kept + sum(json.loads(zlib.decompress(data[start:start + kept]))["sizes"]) \
            == len(data)
    layouts.clear()
    assert _print(cli, project, "second") == first
    assert layouts == []  # the cache was used under that umask
    for entry in entries:
        entry.unlink()
        os.mkfifo(entry)
    layouts.clear()
    assert _print(cli, project, "third") == first  # laid out again, not blocked
    assert layouts


def test_the_store_is_bounded(tmp_path, monkeypatch):
    """Past CARDKIT_CACHE_MB, the entries least recently used go first."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("CARDKIT_CACHE", raising=False)
    monkeypatch.setenv("CARDKIT_CACHE_MB", "0.05")  # about 52 KB
    kept = store.Store("a look")
    blob = os.urandom(20_000)  # does not compress
    for number in range(6):
        kept.put("page", f"face {number}", blob, {})
        if number >= 1:
            assert kept.get("page", "face 0") == (True, blob)  # used: kept last
    assert store.DEFAULT_MB == 256
    assert kept.get("page", "face 0") == (True, blob)
    assert kept.get("page", "face 5") == (True, blob)
    assert kept.get("page", "face 1") == (False, None)
    size = sum(p.stat().st_size for p in (tmp_path / "cache").rglob("*") if p.is_file())
    assert size <= 0.05 * 2**20


def test_a_roster_prints_the_same_bytes_on_a_plate_another_roster_left(cli, project, monkeypatch):
    """Names whose last character follows a space ("Wu Ming 2") make a plate of their own
    as well as any other: stamped on a cold cache as on the plate a Han roster left, so the
    cache changes no byte (before, such a roster's plate was refused on a cold cache and its
    officers laid out, while a kept plate stamped them)."""
    import yaml

    roster = yaml.safe_load((project / "roster.yaml").read_text(encoding="utf-8"))
    officers = roster["officers"][:3]
    for number, officer in enumerate(officers, 1):
        officer["name"] = f"Wu Ming {number}"
    (project / "latin.yaml").write_text(yaml.safe_dump({**roster, "officers": officers},
                                                       allow_unicode=True), encoding="utf-8")

    def printed(name):
        result = cli(["-v", "print", "--gen", "site", "--roster", "latin.yaml", "--jobs", "1",
                      "-o", f"{name}.pdf"], cwd=project)
        assert result.code == 0, result.stderr
        assert any(line.startswith("3 officers' cards were filled into a layout made once")
                   for line in result.err_lines), result.stderr
        return (project / f"{name}.pdf").read_bytes()

    cold = printed("cold")
    shutil.rmtree(project.parent / "cache")
    _print(cli, project, "han")  # the example roster's Han names leave their plates
    assert printed("after-han") == cold


def test_a_font_added_where_fontconfig_is_configured_to_look_changes_the_key(tmp_path,
                                                                            monkeypatch):
    """A folder fontconfig's configuration adds (``<dir>``, here through FONTCONFIG_FILE) is
    walked like the standard font folders: a font copied there is a new environment, so no
    plate laid out without it is printed from."""
    fonts = tmp_path / "more fonts"
    fonts.mkdir()
    conf = tmp_path / "fonts.conf"
    conf.write_text('<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n'
                    '<fontconfig><include ignore_missing="yes">/etc/fonts/fonts.conf</include>'
                    f"<dir>{fonts}</dir></fontconfig>\n", encoding="utf-8")
    monkeypatch.setenv("FONTCONFIG_FILE", str(conf))
    before = store._environment()
    assert store._environment() == before
    (fonts / "station.ttf").write_bytes(b"\x00\x01\x00\x00")
    assert store._environment() != before


def test_an_entry_under_another_entrys_name_is_not_used(cli, project, monkeypatch):
    """Two kept entries whose files swapped names (a restored backup, a hand-made copy) are
    misses, not each other's plates: an entry knows the name it was written under."""
    _print(cli, project, "first")
    kept = sorted((project.parent / "cache" / "cardkit" / "plates").glob("*/*" + codec.SUFFIX))
    assert len(kept) >= 2
    first, second = kept[0], kept[1]
    first_bytes, second_bytes = first.read_bytes(), second.read_bytes()
    first.write_bytes(second_bytes)
    second.write_bytes(first_bytes)
    kind = first.parent.name
    entries = store.Store("any look")
    monkeypatch.setattr(entries, "_paths", lambda _kind, _key: [first])
    assert entries.get(kind, "any key") == (False, None)
    assert not first.exists()  # removed: the next job writes it again


def test_a_design_moved_or_copied_elsewhere_finds_its_plates(cli, project, layouts, tmp_path):
    """Entries name the files they were made from by the job's folders, so a project moved
    to another folder (or a station's copy of it) is warm at once. A copy whose drawing
    differs under the same name gets plates of its own, and neither drives the other's out:
    each prints again from the store."""
    first = _print(cli, project, "first")
    moved = tmp_path / "moved" / "site"
    shutil.copytree(project, moved)
    layouts.clear()
    assert _print(cli, moved, "moved") == first
    assert layouts == []  # the drawing has the same bytes where the moved project has it
    (moved / "templates" / "assets" / "mine.svg").write_text(SVG.format(color="#0000c0"),
                                                            encoding="utf-8")
    changed = _print(cli, moved, "changed")
    assert changed != first
    for site, printed in ((project, first), (moved, changed), (project, first)):
        layouts.clear()
        assert _print(cli, site, "again") == printed
        assert layouts == []

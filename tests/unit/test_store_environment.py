"""The plate store's key names each library's installed version as importlib.metadata does."""

from __future__ import annotations

from importlib import metadata

from cardkit.render.stamp import store


def test_versions_from_the_dist_info_folders_are_those_metadata_reads():
    installed = store.installed_versions()
    for name in store.LIBRARIES:
        try:
            expected = metadata.version(name)
        except metadata.PackageNotFoundError:
            expected = "-"
        assert installed.get(store._normalized(name), "-") == expected, name
    assert installed[store._normalized("zxing_cpp")] == metadata.version("zxing-cpp")


def test_a_library_upgrade_changes_the_environment(monkeypatch):
    from cardkit.jobstate import new_job

    with new_job():
        before = store.environment()
    real = store.installed_versions
    monkeypatch.setattr(store, "installed_versions",
                        lambda: {**real(), "weasyprint": "999.0"})
    with new_job():
        assert store.environment() != before


def test_a_font_installed_while_a_service_runs_is_found_by_its_next_job(monkeypatch):
    """fontconfig's answers are kept for one job, not for the process (``cardkit serve``)."""
    from cardkit import preflight
    from cardkit.design import generations
    from cardkit.jobstate import new_job
    from cardkit.project import Project

    installed: list[str] = []
    monkeypatch.setattr(preflight, "_fc", lambda command: list(installed))
    gen = generations.load(Project(root=store.Path.cwd()), "2022")
    with new_job():
        assert preflight.missing_fonts(gen)  # nothing installed
        installed.append("/usr/share/fonts/x.otf: index=0")
        assert preflight.missing_fonts(gen)  # the job's answer stands for the job
    monkeypatch.setattr(preflight, "_asked_coverage", lambda family: frozenset({0x738B}))
    with new_job():
        assert preflight.missing_fonts(gen) == []


def test_an_installed_font_file_is_hashed_once_then_known_by_its_inode_and_times(
        tmp_path, monkeypatch):
    """A warm job reads a kept plate's font from its installed file without hashing 16 MiB
    again; an edit in place that keeps size and modification time is still seen."""
    import hashlib
    import os

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("CARDKIT_CACHE", raising=False)
    font = tmp_path / "station.otf"
    font.write_bytes(b"OTTO" + bytes(range(256)) * 64)
    digest = hashlib.sha256(font.read_bytes()).hexdigest()
    assert store.Store("look")._installed_bytes(str(font), digest) == font.read_bytes()
    assert (tmp_path / "cache" / "cardkit" / "plates" / "fonts" / "known.json").is_file()

    class Unhashable:
        def __init__(self, *args):
            raise AssertionError("hashed again")

    with monkeypatch.context() as patched:
        patched.setattr(store.hashlib, "sha256", Unhashable)
        assert store.Store("look")._installed_bytes(str(font), digest) == font.read_bytes()
    assert store.Store("look")._installed_bytes(str(font), "0" * 64) is None

    before = font.stat()
    with font.open("r+b") as handle:  # same size, same modification time, other bytes
        handle.write(b"XXXX")
    os.utime(font, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert store.Store("look")._installed_bytes(str(font), digest) is None


def test_the_font_files_fontconfig_lists_are_asked_once_per_job(monkeypatch):
    import subprocess
    from types import SimpleNamespace

    from cardkit.jobstate import new_job

    listed = [b"/usr/share/fonts/a.otf\n"]
    asked = []

    def fc_list(command, **kwargs):
        asked.append(command[0])
        return SimpleNamespace(stdout=listed[-1])

    monkeypatch.setattr(subprocess, "run", fc_list)
    with new_job():
        assert store._fontconfig_files() == ["/usr/share/fonts/a.otf"]
        listed.append(b"/usr/share/fonts/a.otf\n/usr/share/fonts/new.otf\n")
        assert store._fontconfig_files() == ["/usr/share/fonts/a.otf"]  # the job's answer
    with new_job():  # a font installed since: the next job finds it
        assert store._fontconfig_files()[-1] == "/usr/share/fonts/new.otf"
    assert asked == ["fc-list", "fc-list"]

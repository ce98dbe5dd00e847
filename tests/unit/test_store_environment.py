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

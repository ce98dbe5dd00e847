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
    store._ENVIRONMENT.clear()
    before = store.environment()
    store._ENVIRONMENT.clear()
    real = store.installed_versions
    monkeypatch.setattr(store, "installed_versions",
                        lambda: {**real(), "weasyprint": "999.0"})
    try:
        assert store.environment() != before
    finally:
        store._ENVIRONMENT.clear()

"""The wheel carries every built-in template, generation and example, and works installed."""

import os
import re
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest
from conftest import REPO
from pdfcheck import page_texts


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
                    "--no-build-isolation", "-w", str(out), str(REPO)], check=True)
    return next(out.glob("cardkit-*.whl"))


def test_wheel_contains_every_builtin_file(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for kind in ("templates", "generations", "examples"):
        for path in (REPO / kind).rglob("*"):
            if path.is_file():
                assert f"cardkit/_data/{kind}/{path.relative_to(REPO / kind)}" in names


def test_wheel_says_its_package_is_typed(wheel):
    """PEP 561: the marker, so that mypy checks a caller's use of the API against cardkit's hints."""
    archive = zipfile.ZipFile(wheel)
    assert "cardkit/py.typed" in archive.namelist()
    metadata = archive.read(next(n for n in archive.namelist()
                                 if n.endswith(".dist-info/METADATA"))).decode("utf-8")
    assert "Classifier: Typing :: Typed" in metadata.splitlines()


def test_installed_wheel_prints_from_any_folder(wheel, tmp_path):
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
                    "--target", str(target), str(wheel)], check=True)
    work = tmp_path / "elsewhere"
    work.mkdir()
    env = {**os.environ, "PYTHONPATH": str(target)}
    result = subprocess.run(
        [sys.executable, "-c", "import cardkit.resources as r, sys; "
         "print(r.builtin_dir('templates')); sys.argv[0]='cardkit'; "
         "from cardkit.cli import main; main(['print', '--gen', '2022', '--officer', 'LD004'])"],
        cwd=work, env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(str(target))  # the wheel's data, not the checkout's
    assert "莫小兰" in page_texts(work / "out" / "cards-2022.pdf")[0]


def test_wheel_speaks_chinese_without_babel(wheel, tmp_path):
    assert "cardkit/locale/zh_CN/LC_MESSAGES/cardkit.mo" in zipfile.ZipFile(wheel).namelist()
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
                    "--target", str(target), str(wheel)], check=True)
    env = {**os.environ, "PYTHONPATH": str(target), "LANG": "zh_CN.UTF-8"}
    result = subprocess.run(  # Babel is only for building the catalogues: block it
        [sys.executable, "-c", "import sys; sys.modules['babel'] = None; sys.argv[0] = 'cardkit'; "
         "from cardkit.cli import main; main(['--help'])"],
        cwd=tmp_path, env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert "打印警民联系卡。" in result.stdout


def test_wheel_metadata_names_the_licence_and_classifiers_and_no_invented_url(wheel):
    archive = zipfile.ZipFile(wheel)
    metadata = archive.read(next(n for n in archive.namelist()
                                 if n.endswith(".dist-info/METADATA"))).decode("utf-8")
    headers = [line.partition(": ") for line in metadata.split("\n\n")[0].splitlines()]
    assert ("License-Expression", ": ", "MIT") in headers
    classifiers = {value for key, _, value in headers if key == "Classifier"}
    assert {"Programming Language :: Python :: 3", "Topic :: Printing",
            "Natural Language :: Chinese (Simplified)"} <= classifiers
    assert not any(value.startswith("License ::") for value in classifiers)  # PEP 639
    assert not {key for key, _, _ in headers} & {"Home-page", "Project-URL", "License"}
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in archive.namelist())


def _read_by_tests() -> set[str]:
    """Top-level files and folders of the checkout that the tests read by name."""
    named: set[str] = set()
    for source in (REPO / "tests").rglob("*.py"):
        text = source.read_text(encoding="utf-8")
        named.update(re.findall(r'REPO\s*/\s*"([^"/]+)', text))
        named.update(m.split("/")[0] for m in re.findall(r'"((?:docs|bench|scripts)/[\w./-]+'
                                                           r'|README[\w.-]*\.md)"', text))
    named.update(("bench", "scripts", "fuzz"))  # test_lint runs ruff on them
    return {name for name in named if (REPO / name).exists()}


def test_sdist_ships_what_the_tests_read(tmp_path):
    subprocess.run([sys.executable, "-m", "hatchling", "build", "-t", "sdist", "-d",
                    str(tmp_path)], cwd=REPO, check=True, capture_output=True)
    with tarfile.open(next(tmp_path.glob("cardkit-*.tar.gz"))) as sdist:
        names = {name.partition("/")[2] for name in sdist.getnames()}
    wanted = _read_by_tests()
    assert {"docs", "README.zh-CN.md", "bench", "tests", "examples"} <= wanted
    for name in sorted(wanted):
        assert name in names or any(n.startswith(name + "/") for n in names), name
    for path in (REPO / "docs").rglob("*"):
        if path.is_file():
            assert str(path.relative_to(REPO)) in names


@pytest.mark.parametrize("cls", ["PrintOptions", "PrintResult"])
def test_help_shows_every_field_and_its_documentation(cls):
    import dataclasses
    import pydoc

    import cardkit

    shown = pydoc.render_doc(getattr(cardkit, cls), renderer=pydoc.plaintext)
    for item in dataclasses.fields(getattr(cardkit, cls)):
        assert re.search(rf"\|  {item.name}: .*\n \|      \S", shown), item.name
    if cls == "PrintOptions":
        assert "strict: bool = False\n |      Every warning fails the job" in shown
        assert 'gen: str\n |      Generation id, e.g. ``"2022"``' in shown

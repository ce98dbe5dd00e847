"""The wheel carries every built-in template, generation and example, and works installed."""

import os
import subprocess
import sys
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

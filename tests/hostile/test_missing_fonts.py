"""Missing fonts (issue 22, item 6): with no font, or none of the design's, cardkit says in
one line which family is missing and which package installs it, before any layout: never a
SIGSEGV after Pango's complaints, never the useful line buried under sixty others.

cardkit runs in a subprocess whose fontconfig (``FONTCONFIG_FILE``) knows only a folder of
the test's own: no root needed, the machine's fonts untouched."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
ENV = {"LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "LANGUAGE": "", "CARDKIT_CACHE": "0"}
# 2022's fonts are those of 2006, which it extends through 2012
WANTED = re.compile(r"error: generations/2006\.yaml:\d+: fonts: none of these fonts is installed: "
                    r"Noto Sans CJK SC \(install the Debian package fonts-noto-cjk: apt-get "
                    r"install fonts-noto-cjk\)")

pytestmark = pytest.mark.skipif(shutil.which("fc-list") is None, reason="needs fontconfig's fc-list")


def fontconfig(tmp_path: Path, *fonts: Path) -> dict[str, str]:
    """The environment of a machine whose only fonts are ``fonts``."""
    folder = tmp_path / "fonts"
    folder.mkdir()
    for font in fonts:
        shutil.copy(font, folder / font.name)
    config = tmp_path / "fonts.conf"
    config.write_text(f"""<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">
<fontconfig>
  <dir>{folder}</dir>
  <cachedir>{tmp_path / "fc-cache"}</cachedir>
</fontconfig>
""", encoding="utf-8")
    return {**os.environ, **ENV, "FONTCONFIG_FILE": str(config)}


def cardkit(tmp_path: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    work = tmp_path / "work"
    work.mkdir(exist_ok=True)
    return subprocess.run([sys.executable, "-m", "cardkit", *args], cwd=work, env=env,
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120,
                          check=False)


@pytest.mark.parametrize("installed", [(), (DEJAVU,)], ids=["no fonts", "only DejaVu"])
def test_print_names_the_missing_family_and_its_package_in_one_line(tmp_path, installed):
    if installed and not all(f.is_file() for f in installed):
        pytest.skip("DejaVu Sans is not installed here")
    result = cardkit(tmp_path, fontconfig(tmp_path, *installed),
                     "print", "--gen", "2022", "--officer", "LD004", "--jobs", "1", "-o", "c.pdf")
    assert result.returncode == 1, result.stderr  # not -11 (SIGSEGV)
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert WANTED.fullmatch(result.stderr.strip()), result.stderr
    assert not (tmp_path / "work" / "c.pdf").exists()


def test_check_json_names_it_too(tmp_path):
    result = cardkit(tmp_path, fontconfig(tmp_path), "check", "--gen", "2022", "--json")
    assert result.returncode == 1, result.stderr
    problems = json.loads(result.stdout)["problems"]
    assert [(p["field"], p["severity"]) for p in problems if p["severity"] != "notice"] == [
        ("fonts", "error")]
    assert "fonts-noto-cjk" in problems[0]["message"]
    assert "Pango" not in result.stderr


def test_the_packages_of_the_families_designs_name():
    from cardkit.preflight import font_package

    assert font_package("Noto Sans CJK SC") == "fonts-noto-cjk"
    assert font_package("noto serif cjk tc") == "fonts-noto-cjk"
    assert font_package("DejaVu Sans") == "fonts-dejavu-core"
    assert font_package("Nonexistent Sans") is None

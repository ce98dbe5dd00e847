"""Shared fixtures: a CLI runner with captured streams, and the repository's paths."""

from __future__ import annotations

import atexit
import io
import os
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
LOCALE_VARS = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")
# The locale the suite was started in (make test under zh_CN.UTF-8, say): tests marked
# locale_sensitive run cardkit in it and assert per language; every other test runs pinned.
AMBIENT_LOCALE = {var: os.environ[var] for var in LOCALE_VARS if var in os.environ}


def pin_english_environment(environ=os.environ) -> None:
    """C.UTF-8 and no other locale variable: English messages, whatever the machine's locale."""
    for var in LOCALE_VARS:
        environ.pop(var, None)
    environ["LANG"] = "C.UTF-8"


# Pinned for the whole session, before any fixture of any scope runs cardkit (a module-scoped
# fixture runs before the function-scoped one below could pin it).
pin_english_environment()
# A CI that sets SOURCE_DATE_EPOCH for its own builds must not change what the tests see: the
# tests of PDF dates set it themselves where they want it.
os.environ.pop("SOURCE_DATE_EPOCH", None)
# cardkit's caches (character maps, plates: render/stamp/store.py) go to a folder of the
# session's own, so a developer's ~/.cache neither helps nor hides anything; tests share it,
# as the jobs of one user do.
_CACHE = os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="cardkit-cache-")
atexit.register(shutil.rmtree, _CACHE, True)


def ambient_language() -> str:
    """``zh`` or ``en``: the language cardkit speaks in the locale the suite was started in."""
    from cardkit.i18n import detect

    return detect(AMBIENT_LOCALE)


def ambient_env(**extra: str) -> dict[str, str]:
    """The environment for a subprocess in the suite's starting locale (see AMBIENT_LOCALE)."""
    env = dict(os.environ)
    for var in LOCALE_VARS:
        env.pop(var, None)
    env.update(AMBIENT_LOCALE)
    env.update(extra)
    return env
EXAMPLE_ROSTER = REPO / "examples" / "liudong" / "roster.yaml"
EXAMPLE_CSV = REPO / "examples" / "liudong" / "roster.csv"
# The Liudong example's own mascot drawings, which its rosters name (beside them).
EXAMPLE_DRAWINGS = ("mascot-snail.svg", "mascot-snail-cmyk.svg")


def copy_example(dest: Path, text: str | None = None) -> Path:
    """Write the example roster (or ``text``, an edited copy of it) to ``dest``, with the
    mascot drawings it names beside it, as a station copying the example would."""
    dest = Path(dest)
    dest.write_text(EXAMPLE_ROSTER.read_text(encoding="utf-8") if text is None else text,
                    encoding="utf-8")
    for name in EXAMPLE_DRAWINGS:  # dated 2000-01-01: they never date a test's PDF
        shutil.copy(EXAMPLE_ROSTER.parent / name, dest.parent / name)
        os.utime(dest.parent / name, (946684800, 946684800))
    return dest
# A cardkit.yaml unit: with everything the built-in generations print of a unit
# (fictional addresses and numbers), so that a job has no warning for a missing field.
FULL_UNIT = f"""unit:
  name: 柳州市公安局城关派出所
  address: 柳州市城中区城关路1号
  hotline: "0772-2810110"
  mascot:
    name: 螺警官
    image: {REPO / "examples" / "liudong" / "mascot-snail.svg"}
    image_cmyk: {REPO / "examples" / "liudong" / "mascot-snail-cmyk.svg"}
  web:
    - {{label: 网上公安局, url: "https://wsgaj.chengguan-pcs.cn/"}}
    - {{label: 网上警务室, url: "https://jwsh.chengguan-pcs.cn/"}}
"""


@dataclass
class Result:
    code: int
    stdout: bytes
    stderr: str

    @property
    def err_lines(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if line.strip()]




def project_with(root: Path, generations: dict[str, str],
                 config: str = "roster: roster.yaml\n") -> Path:
    """A project folder at ``root``: these generation files, the example roster, ``config``."""
    (root / "generations").mkdir(parents=True, exist_ok=True)
    for name, text in generations.items():
        (root / "generations" / name).write_text(text, encoding="utf-8")
    copy_example(root / "roster.yaml")
    (root / "cardkit.yaml").write_text(config, encoding="utf-8")
    return root


def run_cli(args: list[str], cwd: Path | None = None, stdin: bytes = b"") -> Result:
    """Run ``cardkit ARGS`` in-process, as a user would, and capture what it says."""
    from cardkit.cli.commands import main

    out_buffer = io.BytesIO()
    err = io.StringIO()
    old = sys.stdin, sys.stdout, sys.stderr, os.getcwd()
    sys.stdin = io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8")
    wrapper = io.TextIOWrapper(out_buffer, encoding="utf-8", write_through=True)
    sys.stdout = wrapper
    sys.stderr = err
    if cwd is not None:
        os.chdir(cwd)
    code = 0
    try:
        main(args)
    except SystemExit as exc:
        code = int(exc.code or 0)
    finally:
        wrapper.flush()
        wrapper.detach()  # keep out_buffer open when the wrapper goes away
        sys.stdin, sys.stdout, sys.stderr, cwd_back = old
        os.chdir(cwd_back)
    return Result(code, out_buffer.getvalue(), err.getvalue())


@pytest.fixture
def cli():
    return run_cli


@pytest.fixture(autouse=True)
def _no_helper_process(monkeypatch):
    """Jobs run in a test fork no helper for a lone chunk (render/batch.py's
    ``processor_spare`` asks the machine's load, which a test suite's own workers drive): the
    path a job takes does not depend on what else runs. tests/render/test_helper.py turns
    the helper on and compares."""
    from cardkit.render import batch

    monkeypatch.setattr(batch, "processor_spare", lambda jobs: False)


@pytest.fixture(autouse=True)
def _english_messages(monkeypatch):
    """Tests expect English messages whatever the developer's locale (zh tests set their own)."""
    for var in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")
    from cardkit import i18n

    i18n.set_language("en")  # and no language left over from a test that ran cardkit in Chinese
    yield
    i18n.set_language("en")


@pytest.fixture
def fake_faces():
    """Jobs started in this test make their faces with the fake face source (tests/fakefaces.py:
    a line of text per face, no layout), in forked workers too."""
    import fakefaces

    with fakefaces.using() as source:
        yield source


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """An empty project folder with a copy of the example roster as its default."""
    copy_example(tmp_path / "roster.yaml")
    (tmp_path / "cardkit.yaml").write_text("roster: roster.yaml\n", encoding="utf-8")
    return tmp_path


@pytest.fixture(scope="session")
def printed(tmp_path_factory) -> dict[str, Path]:
    """The example roster printed once per generation and layout, shared by render tests."""
    out = tmp_path_factory.mktemp("printed")
    results = {}
    for gen in ("2002", "2006", "2012", "2022"):
        for layout in ("sheet", "cards"):
            target = out / f"{gen}-{layout}.pdf"
            result = run_cli(["-q", "print", "--gen", gen, "--layout", layout,
                              "--roster", str(EXAMPLE_ROSTER), "-o", str(target)], cwd=REPO)
            assert result.code == 0, result.stderr
            results[f"{gen}-{layout}"] = target
    return results

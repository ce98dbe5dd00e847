"""A script gets the truth (issue 22, item 4): a short write to standard output is exit 1,
``check --json`` prints its document on every exit 1, and a name given on the command line
that does not exist is a usage error (exit 2) with a did-you-mean."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import EXAMPLE_ROSTER

import cardkit
from cardkit.errors import CardkitError, Diagnostic, ExitStatus
from cardkit.outputs import OutputError, write_stdout

ENV = {"LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "LANGUAGE": ""}


# --------------------------------------------------------------------------------------------
# A short write to standard output

def test_a_reader_that_stops_after_100_bytes_makes_exit_1(tmp_path):
    """``cardkit print ... -o - | head -c 100``: the PDF (250 KB) does not fit the pipe."""
    read_end, write_end = os.pipe()
    process = subprocess.Popen(
        [sys.executable, "-m", "cardkit", "print", "--gen", "2022", "--officer", "LD004",
         "--jobs", "1", "-o", "-"], cwd=tmp_path, stdin=subprocess.DEVNULL, stdout=write_end,
        stderr=subprocess.PIPE, env={**os.environ, **ENV})
    os.close(write_end)
    with os.fdopen(read_end, "rb") as reader:
        head = reader.read(100)
    _, err = process.communicate(timeout=180)
    assert head.startswith(b"%PDF-")
    assert process.returncode == 1, err
    assert err.decode().splitlines()[-1] == "error: cannot write standard output: Broken pipe"
    assert "wrote" not in err.decode()


class _Takes:
    """A binary stream that takes at most ``step`` bytes a write (a pipe nearly full)."""

    def __init__(self, step: int) -> None:
        self.step = step
        self.data = b""

    def write(self, chunk) -> int:
        taken = bytes(chunk[:self.step])
        self.data += taken
        return len(taken)

    def flush(self) -> None:
        pass


class _Stdout(io.TextIOBase):
    def __init__(self, buffer: _Takes) -> None:
        self.buffer = buffer


def test_what_a_short_write_left_is_written_again(monkeypatch):
    taken = _Takes(7)
    monkeypatch.setattr(sys, "stdout", _Stdout(taken))
    write_stdout(b"%PDF-1.7 " * 100)
    assert taken.data == b"%PDF-1.7 " * 100


def test_a_stream_that_takes_nothing_is_an_error(monkeypatch):
    monkeypatch.setattr(sys, "stdout", _Stdout(_Takes(0)))
    with pytest.raises(OutputError, match="cannot write standard output: short write"):
        write_stdout(b"%PDF-1.7")


def test_a_closed_pipe_under_any_command_is_one_line_and_exit_1(tmp_path):
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        for args in (["show", "2022"], ["--help"], ["stocks"]):
            result = subprocess.run([sys.executable, "-m", "cardkit", *args], cwd=tmp_path,
                                    stdout=write_end, stderr=subprocess.PIPE,
                                    env={**os.environ, **ENV}, timeout=60, check=False)
            assert result.returncode == 1, args
            assert result.stderr.decode().splitlines() == [
                "error: cannot write standard output: Broken pipe"], args
    finally:
        os.close(write_end)


# --------------------------------------------------------------------------------------------
# check --json on every exit 1, and the API's diagnostics

@pytest.fixture
def site(tmp_path: Path) -> Path:
    (tmp_path / "roster.yaml").write_bytes(EXAMPLE_ROSTER.read_bytes())
    (tmp_path / "cardkit.yaml").write_text("roster: roster.yaml\n", encoding="utf-8")
    (tmp_path / "templates").mkdir()
    return tmp_path


def _template_syntax_error(site: Path) -> str:
    (site / "templates" / "front.html").write_text(
        '{% extends "!builtin/front.html" %}{% block decoration %}{% if %}{% endblock %}',
        encoding="utf-8")
    return "template: Expected an expression"


def _refused_url(site: Path) -> str:
    (site / "templates" / "card.css").write_text(
        '@import url("https://example.org/x.css");\n{% include "!builtin/card.css" %}',
        encoding="utf-8")
    return "refused to read https://example.org/x.css"


def _bad_setting(site: Path) -> str:
    (site / "cardkit.yaml").write_text("roster: roster.yaml\ncolor: purple\n", encoding="utf-8")
    return "'purple' is not one of rgb, cmyk"


@pytest.mark.parametrize("defect", [_template_syntax_error, _refused_url, _bad_setting])
def test_check_json_prints_its_document_on_every_exit_1(cli, site, defect):
    said = defect(site)
    result = cli(["check", "--gen", "2002", "--officer", "LD001", "--jobs", "1", "--json"],
                 cwd=site)
    assert result.code == 1, result.stderr
    document = json.loads(result.stdout)
    assert document["ok"] is False
    assert [p["severity"] for p in document["problems"]] == ["error"]
    assert said in document["problems"][0]["message"]
    assert set(document["problems"][0]) == {"severity", "file", "line", "subject", "field",
                                            "message"}


def test_check_json_prints_its_document_even_on_an_internal_error(cli, site, monkeypatch):
    from cardkit import api

    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(api, "_check_job", broken)
    result = cli(["check", "--gen", "2002", "--json"], cwd=site)
    assert result.code == 1
    assert [p["message"][:31] for p in json.loads(result.stdout)["problems"]] == [
        "internal error: RuntimeError: a"]
    assert result.err_lines[-1].startswith("error: internal error: RuntimeError: a bug")


@pytest.mark.parametrize("defect", [_template_syntax_error, _refused_url])
def test_the_api_raises_with_its_diagnostics_filled(site, defect):
    said = defect(site)
    project = cardkit.open_project(site)
    options = cardkit.PrintOptions(gen="2002", officers=["LD001"], jobs=1)
    with pytest.raises(CardkitError) as raised:
        cardkit.check(project, "2002", options=options)
    assert raised.value.exit_status == ExitStatus.INPUT_ERROR
    assert [said in d.message for d in raised.value.diagnostics] == [True]
    assert all(isinstance(d, Diagnostic) for d in raised.value.diagnostics)


# --------------------------------------------------------------------------------------------
# A name that does not exist: exit 2, with a did-you-mean

PRINTERS = "roster: roster.yaml\nprinters:\n  office-mfp: {dx: 0.5, dy: -0.3, rotation: 0.0, scale: 1.0}\n"


@pytest.mark.parametrize("command", ["print", "check"])
@pytest.mark.parametrize(("args", "hint"), [
    (["--gen", "2O22"], 'unknown generation \'2O22\' (did you mean "2022"?)'),
    (["--gen", "2022", "--stock", "avery-c32011-1"],
     'unknown stock \'avery-c32011-1\' (did you mean "avery-c32011-10"?)'),
    (["--gen", "2022", "--paper", "a44"], '(did you mean "A4"?)'),
    (["--gen", "2022", "--officer", "LD0004"],
     '--officer LD0004: no officer has this id or name (did you mean "LD004"?)'),
])
def test_an_unknown_name_is_a_usage_error_with_a_did_you_mean(cli, site, command, args, hint):
    result = cli([command, *args, "-o" if command == "print" else "--json",
                  *(["out.pdf"] if command == "print" else [])], cwd=site)
    assert result.code == 2, result.stderr
    assert len(result.err_lines) == 1 and hint in result.err_lines[0], result.stderr
    assert result.stdout == b""
    assert not (site / "out.pdf").exists()


@pytest.mark.parametrize(("args", "hint"), [
    (["print", "--gen", "2022", "--printer", "office-mpf", "-o", "out.pdf"],
     'unknown printer \'office-mpf\' (did you mean "office-mfp"?)'),
    (["calibrate", "--paper", "Leter", "-o", "out.pdf"], '(did you mean "Letter"?)'),
    (["show", "2O22"], 'unknown generation \'2O22\' (did you mean "2022"?)'),
    (["diff", "2022", "2O12", "--no-png"], 'unknown generation \'2O12\' (did you mean "2012"?)'),
])
def test_every_command_refuses_unknown_names_alike(cli, site, args, hint):
    (site / "cardkit.yaml").write_text(PRINTERS, encoding="utf-8")
    result = cli(args, cwd=site)
    assert result.code == 2, result.stderr
    assert result.err_lines[-1].startswith("error: ") and hint in result.err_lines[-1]
    assert not (site / "out.pdf").exists()


@pytest.mark.parametrize("readme", ["README.md", "README.zh-CN.md"])
def test_the_readme_lists_every_exit_status_and_the_name_rule(readme):
    from conftest import REPO

    text = (REPO / readme).read_text(encoding="utf-8")
    section = text[text.index("- 0 "):text.index("`check --json`", text.index("- 0 "))]
    for status in ("- 0 ", "- 1 ", "- 2 ", "130", "143", "SIGTERM", "head -c 100", "--stock",
                   "--paper", "--printer", "--officer", "did you mean"):
        assert status in section, status


# --------------------------------------------------------------------------------------------
# The console script's end (commands._leave)

def test_the_console_script_runs_exit_hooks_and_flushes_before_it_leaves(tmp_path):
    """The console script ends without tearing the interpreter down, but what a caller
    registered with ``atexit`` still runs, and everything written reaches the pipe. An
    object left for the teardown is never freed (it would be, a tenth of a second after a
    layout, on Python's own exit)."""
    program = ("import atexit, sys\n"
               "class Kept:\n"
               "    def __del__(self):\n"
               "        print('torn down', file=sys.stderr)\n"
               "kept = Kept()\n"
               "atexit.register(lambda: print('hook ran', file=sys.stderr))\n"
               "sys.argv = ['cardkit', *sys.argv[1:]]\n"
               "from cardkit.cli import run\n"
               "run()\n")
    listed = subprocess.run([sys.executable, "-c", program, "list"], cwd=tmp_path,
                            capture_output=True, env={**os.environ, **ENV}, timeout=120)
    assert listed.returncode == 0, listed.stderr
    assert listed.stderr.decode().splitlines()[-1] == "hook ran"  # and nothing torn down
    assert "2022" in listed.stdout.decode()  # the list, written through a pipe, all there
    refused = subprocess.run([sys.executable, "-c", program, "print", "--gen", "1999"],
                             cwd=tmp_path, capture_output=True, env={**os.environ, **ENV},
                             timeout=120)
    assert refused.returncode == ExitStatus.USAGE_ERROR, refused.stderr
    assert refused.stderr.decode().splitlines()[-1] == "hook ran"

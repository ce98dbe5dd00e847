"""Chinese for people, stable output for scripts, and no crash on any terminal."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO

BAD_ROSTER = """\
unit:
  name: 柳州市公安局柳东派出所
  hotline: "0772-0000000"
officers:
  - id: LD001
    name: 吴明
    phone: "0772-12"
    wechat: https://u.wechat.com/EXAMPLE001
  - id: LD002
    nmae: 覃晓红
    mobile: "13800000002"
    wechat: https://u.wechat.com/EXAMPLE002
"""
PREFIX = re.compile(r"^error: roster\.yaml:\d+: ")


@pytest.fixture
def bad(tmp_path: Path) -> Path:
    (tmp_path / "roster.yaml").write_text(BAD_ROSTER, encoding="utf-8")
    return tmp_path


@pytest.fixture
def chinese(monkeypatch):
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")


def run(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess:
    """cardkit in a child process with exactly this locale (nothing inherited but PATH and HOME)."""
    base = {k: os.environ[k] for k in ("PATH", "HOME", "SYSTEMROOT") if k in os.environ}
    return subprocess.run([sys.executable, "-m", "cardkit", *args], cwd=cwd, env={**base, **env},
                          capture_output=True, check=False)


def test_check_in_chinese_keeps_the_error_keyword_and_file_line_prefix(cli, bad, chinese):
    result = cli(["check", "--gen", "2022", "--roster", "roster.yaml"], cwd=bad)
    assert result.code == 1
    lines = result.err_lines
    assert lines and all(PREFIX.match(line) for line in lines), lines
    assert 'error: roster.yaml:7: 民警 LD001: phone: "0772-12": ' in result.stderr
    assert any(line.startswith("error: roster.yaml:10: 民警 LD002: nmae: ")
               and line.endswith('（是不是想写 "name"？）') for line in lines), lines


def test_check_json_is_the_same_in_every_language(cli, bad, monkeypatch):
    english = cli(["check", "--gen", "2022", "--roster", "roster.yaml", "--json"], cwd=bad)
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    chinese = cli(["check", "--gen", "2022", "--roster", "roster.yaml", "--json"], cwd=bad)
    assert english.code == chinese.code == 1
    en, zh = json.loads(english.stdout), json.loads(chinese.stdout)
    assert en.keys() == zh.keys() == {"ok", "problems"}
    strip = [{k: v for k, v in p.items() if k != "message"} for p in en["problems"]]
    assert strip == [{k: v for k, v in p.items() if k != "message"} for p in zh["problems"]]
    assert {"officer LD001", "officer LD002"} <= {p["subject"] for p in zh["problems"]}


def test_bad_setting_in_chinese(cli, bad, chinese):
    (bad / "cardkit.yaml").write_text("roster: roster.yaml\nouptut: out\n", encoding="utf-8")
    result = cli(["check", "--gen", "2022"], cwd=bad)
    assert result.code == 1
    assert result.err_lines == ['error: cardkit.yaml:2: ouptut: 未知的设置项（是不是想写 "output"？）']


def test_lang_option_overrides_the_environment(cli, bad, chinese):
    args = ["check", "--gen", "2022", "--roster", "roster.yaml"]
    english = cli(["--lang", "en", *args], cwd=bad)
    assert english.code == 1
    assert 'error: roster.yaml:7: officer LD001: phone: "0772-12": ' in english.stderr
    assert "民警" not in english.stderr and "是不是" not in english.stderr
    chinese = cli(["--lang", "zh", *args], cwd=bad)
    assert 'error: roster.yaml:7: 民警 LD001: phone: "0772-12": ' in chinese.stderr


def test_clean_check_says_ok_in_chinese_with_the_ok_keyword(cli):
    result = cli(["--lang", "zh", "check", "--gen", "2022"], cwd=REPO)
    assert result.code == 0, result.stderr
    assert result.err_lines == ["ok: 版式 2022：未发现问题"]


def test_list_in_chinese(cli):
    out = cli(["--lang", "zh", "list"], cwd=REPO).stdout.decode("utf-8")
    assert "2006   第二代警民联系卡  （基础版式 2002，尺寸 90x54mm）" in out
    assert "       正面：" in out and "       背面：" in out


@pytest.mark.parametrize("args", [["--lang", "zh", "--help"], ["--help", "--lang", "zh"],
                                  ["--lang=zh", "-h"]])
def test_help_in_chinese_with_lang(cli, args):
    result = cli(args)
    assert result.code == 0
    out = result.stdout.decode("utf-8")
    assert out.startswith("用法: cardkit [OPTIONS] COMMAND [ARGS]...")
    assert "打印警民联系卡。" in out and "显示本帮助并退出。" in out
    assert re.search(r"^  print +把卡片排成可直接印刷的 PDF。$", out, re.M)


def test_help_in_chinese_from_the_locale_and_back_to_english(cli, monkeypatch):
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    out = cli(["print", "--help"]).stdout.decode("utf-8")
    assert "只打印这位民警（可重复）。" in out and "[默认：sheet]" in out and "[必填]" in out
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    out = cli(["print", "--help"]).stdout.decode("utf-8")
    assert "Print only this officer (repeatable)." in out and "只打印" not in out


def test_usage_error_in_chinese_keeps_exit_2_and_the_error_keyword(cli, chinese):
    result = cli(["print"])
    assert result.code == 2
    assert result.err_lines[-1] == "Error: 缺少选项 '--gen'."
    assert result.err_lines[0].startswith("用法: cardkit print")


def test_help_from_a_real_chinese_terminal():
    result = run(["--help"], REPO, LANG="zh_CN.UTF-8")
    assert result.returncode == 0
    assert "打印警民联系卡。" in result.stdout.decode("utf-8")


@pytest.mark.parametrize("env", [
    {"LANG": "C", "PYTHONIOENCODING": "ascii"},
    {"LC_ALL": "C", "LANG": "C", "PYTHONIOENCODING": "ascii:strict"},
    {"LANG": "zh_CN.UTF-8", "PYTHONIOENCODING": "latin-1"},
    {"LANG": "C", "PYTHONUTF8": "0", "LC_ALL": "POSIX"},
])
def test_check_in_chinese_on_a_terminal_that_cannot_show_it(bad, env):
    result = run(["--lang", "zh", "check", "--gen", "2022", "--roster", "roster.yaml"], bad, **env)
    assert result.returncode == 1
    stderr = result.stderr.decode("ascii")  # only escapes, nothing undecodable
    assert "Traceback" not in stderr
    lines = stderr.splitlines()
    assert lines and all(PREFIX.match(line) for line in lines), lines
    # escaped, not lost: the escapes read back as the Chinese words
    restored = stderr.encode("ascii").decode("unicode_escape")
    assert "民警 LD001: phone" in restored and "（是不是想写" in restored


def test_stdout_on_a_latin1_pipe_is_escaped_not_crashed(tmp_path):
    result = run(["--lang", "zh", "list"], tmp_path, LANG="C", PYTHONIOENCODING="latin-1")
    assert result.returncode == 0, result.stderr
    out = result.stdout.decode("latin-1")
    assert "\\u7b2c\\u56db\\u4ee3" in out  # 第四代, escaped
    assert "第四代警民联系卡" in out.encode("latin-1").decode("unicode_escape")


def test_ascii_environment_lists_shows_and_prints(tmp_path):
    env = {"LANG": "C", "LC_ALL": "C", "PYTHONIOENCODING": "ascii"}
    listed = run(["list"], tmp_path, **env)
    assert listed.returncode == 0, listed.stderr
    # click writes UTF-8 to a stream that claims ASCII (it treats that as misconfigured):
    # either way the text survives
    assert "第四代警民联系卡" in listed.stdout.decode("utf-8")
    shown = run(["--lang", "zh", "show", "2022"], tmp_path, **env)
    assert shown.returncode == 0 and b"extends:" in shown.stdout
    printed = run(["--lang", "zh", "print", "--gen", "2002", "--officer", "LD001", "-o", "-"],
                  tmp_path, **env)
    assert printed.returncode == 0, printed.stderr
    assert printed.stdout.startswith(b"%PDF-")
    assert printed.stderr.decode("ascii").strip() == \
        "\\u5df2\\u5199\\u5165 <stdout>\\uff1a1 \\u5f20\\u5361\\uff0c1 \\u5f20\\u7eb8\\uff0c2 \\u9875"

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
# Every test here runs cardkit in a locale of its own: .ci/run runs them under C as well.
pytestmark = pytest.mark.locale_sensitive


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
    assert lines and all(PREFIX.match(line) for line in lines[:-1]), lines
    assert 'error: roster.yaml:7: 民警 LD001 吴明: 电话（phone）: "0772-12": ' in result.stderr
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
    assert 'error: roster.yaml:7: officer LD001 吴明: phone: "0772-12": ' in english.stderr
    assert "民警" not in english.stderr and "是不是" not in english.stderr
    chinese = cli(["--lang", "zh", *args], cwd=bad)
    assert 'error: roster.yaml:7: 民警 LD001 吴明: 电话（phone）: "0772-12": ' in chinese.stderr


def test_clean_check_says_ok_in_chinese_with_the_ok_keyword(cli):
    result = cli(["--lang", "zh", "check", "--gen", "2022"], cwd=REPO)
    assert result.code == 0, result.stderr
    assert result.err_lines == ["ok: 版式 2022：未发现问题"]


def test_list_in_chinese(cli):
    out = cli(["--lang", "zh", "list"], cwd=REPO).stdout.decode("utf-8")
    assert "2006   第二代警民联系卡  （基础版式 2002，尺寸 90x54mm）" in out
    assert "       正面：" in out and "       背面：" in out
    assert ("       正面：单位（unit）、姓名（name）、职务（post）、辖区（area）、电话（phone）、"
            "手机（mobile）、地址（address）、服务承诺（promise）\n") in out  # 2002: the key named


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
    assert "只处理这位民警" in out
    assert "[默认：long]" in out and "[必填]" in out
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    out = cli(["print", "--help"]).stdout.decode("utf-8")
    assert "Only this officer, by id" in out and "只打印" not in out


def test_usage_error_in_chinese_keeps_exit_2_and_the_error_keyword(cli, chinese):
    result = cli(["print"])
    assert result.code == 2
    assert result.err_lines[-1] == "error: 缺少选项 '--gen'."
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
    assert lines and all(PREFIX.match(line) for line in lines[:-1]), lines
    # escaped, not lost: the escapes read back as the Chinese words
    restored = stderr.encode("ascii").decode("unicode_escape")
    assert "民警 LD001 吴明: 电话（phone）" in restored and "（是不是想写" in restored


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
    notice, wrote = printed.stderr.decode("ascii").strip().split("\n")
    assert notice.startswith("notice: ") and "\\u6837\\u5f20 / SPECIMEN" in notice  # 样张
    assert wrote == \
        "\\u5df2\\u5199\\u5165 <stdout>\\uff1a1 \\u5f20\\u5361\\uff0c1 \\u5f20\\u7eb8\\uff0c2 \\u9875"


# One roster with the defects station staff meet most: a number Excel damaged in each of its
# ways, a duplicate id, a missing id and name, no number at all, a WeChat id instead of its URL.
DEFECTS_CSV = """\
编号,姓名,职务,电话,手机,微信,辖区,单位
LD001,吴明,社区民警,0772-0000001,13800000001,https://u.wechat.com/EXAMPLE001,柳东村,柳东派出所
LD002,覃晓红,社区民警,0772-12,,https://u.wechat.com/EXAMPLE002,新柳社区,柳东派出所
LD003,韦建国,社区民警,7722812345,,https://u.wechat.com/EXAMPLE003,官塘村,柳东派出所
LD004,莫小兰,社区辅警,,1.38E+10,https://u.wechat.com/EXAMPLE004,雒容社区,柳东派出所
LD005,黄志远,社区民警,2023/3/12,,https://u.wechat.com/EXAMPLE005,龙泉社区,柳东派出所
LD006,蓝海燕,社区民警,,13800000006.0,https://u.wechat.com/EXAMPLE006,花岭社区,柳东派出所
LD001,梁子豪,警务室主任,0772-0000007,,https://u.wechat.com/EXAMPLE007,双冲村,柳东派出所
,陆秋菊,社区民警,0772-0000008,,https://u.wechat.com/EXAMPLE008,沙塘社区,柳东派出所
LD009,,社区民警,0772-0000009,,https://u.wechat.com/EXAMPLE009,长塘村,柳东派出所
LD010,廖春梅,社区辅警,,,https://u.wechat.com/EXAMPLE010,新兴社区,柳东派出所
LD011,潘文斌,社区民警,0772-0000011,,wxid_panwenbin,官塘村,柳东派出所
LD012,韦丽,社区民警,45000,,https://u.wechat.com/EXAMPLE012,柳东村,柳东派出所
"""
# 民警 LD002 覃晓红: 电话（phone）: the officer's id and name, the field's name and key
LOCATED = re.compile(r"^error: 名单\.csv:(\d+): 民警 (LD\d{3}|（无编号）)(?: [^:]+)?: "
                     r"\w+（(id|name|phone|mobile|wechat)）: (.+)$")
# What may stay in Latin letters inside a Chinese message: the values quoted from the roster,
# names of programs and formats, and the example URL of a WeChat QR code.
NOT_ENGLISH = re.compile(r'"[^"]*"|https://u\.wechat\.com/\.\.\.|\.(png|jpg)\b|\b(Excel|CSV|UTF-8|YAML)\b')


def test_check_on_a_bad_roster_speaks_chinese_throughout(cli, tmp_path, monkeypatch):
    (tmp_path / "名单.csv").write_text(DEFECTS_CSV, encoding="utf-8")
    args = ["check", "--gen", "2022", "--roster", "名单.csv"]
    english = cli(args, cwd=tmp_path)
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    chinese = cli(args, cwd=tmp_path)
    assert english.code == chinese.code == 1
    found = {}
    assert chinese.err_lines[-1] == "发现 11 个问题，涉及 11 名民警；未写入任何文件"
    for line in chinese.err_lines[:-1]:
        match = LOCATED.match(line)
        assert match, f"not a located Chinese error line: {line!r}"
        row, subject, field, message = match.groups()
        found[(int(row), field)] = message
        words = re.findall(r"[A-Za-z]{2,}", NOT_ENGLISH.sub("", message))
        assert not words, f"English words {words} in {line!r}"
        assert re.search(r"[\u4e00-\u9fff]", message), line
    assert sorted(found) == [(3, "phone"), (4, "phone"), (5, "mobile"), (6, "phone"), (7, "mobile"),
                             (8, "id"), (9, "id"), (10, "name"), (11, "phone"), (12, "wechat"),
                             (13, "phone")]
    assert found[(3, "phone")] == '"0772-12": 不是有效的国内电话号码'
    assert found[(4, "phone")] == \
        '"7722812345": 丢了开头的 0（表格把它存成了数字）；请按文本填写："0772-2812345"'
    assert found[(8, "id")] == '编号 "LD001" 重复（第一次出现在第 2 行）'
    assert found[(9, "id")] == found[(10, "name")] == "缺少（必填）"
    assert found[(11, "phone")] == "每位民警至少要有一个电话或手机号码"
    # the same lines in English, up to the message: file:line, officer id and field do not move
    stable = re.compile(r"^(error: 名单\.csv:\d+: )(?:officer|民警) (.+?): (?:\w+（)?"
                        r"(id|name|phone|mobile|wechat)）?: ")

    def located(lines):
        return [stable.match(line).group(1, 2, 3) for line in lines]

    assert [(p, "?" if s == "(no id)" else s, f) for p, s, f in located(english.err_lines[:-1])] == \
           [(p, "?" if s == "（无编号）" else s, f) for p, s, f in located(chinese.err_lines[:-1])]

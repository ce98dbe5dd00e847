"""Chinese all the way (issue 15): the suite under any locale, Chinese init files and reference,
no English in a Chinese run, `error:` for usage errors, global options after the command,
paths as the user gave them, a real date in the PDF."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import click
import pikepdf
import pytest
from conftest import EXAMPLE_ROSTER, REPO, ambient_env, ambient_language, copy_example

from cardkit.tools import reference

ONE_CARD = ["--gen", "2022", "--officer", "LD001", "--layout", "cards"]


def pdf_dates(path: Path) -> tuple[str, str]:
    with pikepdf.open(path) as pdf:
        return str(pdf.docinfo["/CreationDate"]), str(pdf.docinfo["/ModDate"])


# --------------------------------------------------------------------------------------------
# 1. Run in the locale the suite was started in (make test under zh_CN.UTF-8 in CI; C as well)

@pytest.mark.locale_sensitive
def test_a_real_run_speaks_the_language_of_the_locale_it_was_started_in(tmp_path):
    copy_example(tmp_path / "roster.yaml")
    done = subprocess.run([sys.executable, "-m", "cardkit", "print", *ONE_CARD,
                           "--roster", "roster.yaml", "-o", "card.pdf"],
                          cwd=tmp_path, env=ambient_env(), capture_output=True, check=False)
    assert done.returncode == 0, done.stderr.decode("utf-8", "replace")
    expected = {"zh": "已写入 card.pdf：1 张卡，2 页", "en": "wrote card.pdf: 1 card, 2 pages"}
    assert done.stderr.decode("utf-8").splitlines()[-1] == expected[ambient_language()]


@pytest.mark.locale_sensitive
def test_a_usage_error_in_the_starting_locale_says_error_and_exits_2(tmp_path):
    done = subprocess.run([sys.executable, "-m", "cardkit", "print", "--gen", "2022", "--bogus"],
                          cwd=tmp_path, env=ambient_env(), capture_output=True, check=False)
    assert done.returncode == 2
    last = done.stderr.decode("utf-8").splitlines()[-1]
    expected = {"zh": "error: 没有选项 '--bogus'", "en": "error: No such option '--bogus'"}
    assert last.startswith(expected[ambient_language()]), last


def test_a_module_scoped_run_is_english_whatever_the_machine_locale():
    from conftest import AMBIENT_LOCALE

    assert os.environ["LANG"] == "C.UTF-8" and "LC_ALL" not in os.environ
    assert set(AMBIENT_LOCALE) <= {"LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"}


# --------------------------------------------------------------------------------------------
# 2. init writes its comments in the user's language

def _comments(folder: Path) -> dict[str, str]:
    names = ("cardkit.yaml", "generations/local.yaml", "roster.yaml")
    found = {n: "\n".join(line for line in (folder / n).read_text(encoding="utf-8").splitlines()
                          if line.startswith("#")) for n in names}
    found["templates/README.md"] = (folder / "templates" / "README.md").read_text(encoding="utf-8")
    return found


def test_init_in_chinese_writes_chinese_comments(cli, tmp_path):
    result = cli(["--lang", "zh", "init", "bureau"], cwd=tmp_path)
    assert result.code == 0, result.stderr
    texts = _comments(tmp_path / "bureau")
    assert texts["cardkit.yaml"].startswith("# 本文件夹的 cardkit 设置。全部设置项：\n"
                                            "#   roster: 默认名单文件，相对于项目文件夹")
    assert "# 版式 local：在 2022（第四代警民联系卡）的基础上修改，只写不同的地方。" in \
        texts["generations/local.yaml"]
    assert "#   year: 该版式启用的年份" in texts["generations/local.yaml"]
    assert texts["roster.yaml"].startswith("# 本单位的民警名单（样张")
    assert "这里的文件会替换 cardkit 内置的同名模板" in texts["templates/README.md"]
    assert cli(["--lang", "en", "init", "english"], cwd=tmp_path).code == 0
    english = _comments(tmp_path / "english")
    for name, text in texts.items():  # every line of comment is Chinese, none left in English
        for line in text.splitlines():
            if line.strip("# ") and line != "# templates/" and not re.match(r'#\s+\w+: "', line):
                assert re.search(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]", line), (name, line)
                assert line not in english[name], (name, line)
    printed = cli(["--project", "bureau", "print", "--gen", "local"], cwd=tmp_path)
    assert printed.code == 0, printed.stderr


def test_init_in_english_writes_english_comments(cli, tmp_path):
    assert cli(["init", "bureau"], cwd=tmp_path).code == 0
    texts = _comments(tmp_path / "bureau")
    assert texts["cardkit.yaml"].startswith("# cardkit settings for this folder. Every setting:")
    assert texts["roster.yaml"].startswith("# The unit's officers (a specimen")
    english = (texts["cardkit.yaml"] + texts["templates/README.md"]).replace("样张", "")
    assert not re.search(r"[\u4e00-\u9fff]", english)


def test_init_follows_a_chinese_locale(cli, tmp_path, monkeypatch):
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    assert cli(["init", "bureau"], cwd=tmp_path).code == 0
    assert _comments(tmp_path / "bureau")["cardkit.yaml"].startswith("# 本文件夹的 cardkit 设置")


# --------------------------------------------------------------------------------------------
# 3. The Chinese field reference

def test_chinese_reference_is_in_chinese_and_linked_from_the_chinese_guide():
    committed = reference.render("zh")  # = docs/reference.zh-CN.md (test_scaffold_reference)
    assert committed.startswith("# cardkit 字段参考\n")
    assert "| `year` | 年份 | 该版式启用的年份 |" in committed
    assert "| `phone` | 电话或手机 | 电话、" in committed
    for guide in ("docs/guide.zh-CN.md", "README.zh-CN.md"):
        assert "reference.zh-CN.md" in (REPO / guide).read_text(encoding="utf-8"), guide


def test_rendering_the_chinese_reference_leaves_the_language_alone():
    from cardkit import i18n

    i18n.set_language("en")
    reference.render("zh")
    assert i18n.language() == "en" and i18n._("meaning") == "meaning"


# --------------------------------------------------------------------------------------------
# 4. No English in a Chinese run

def test_stocks_are_described_in_chinese(cli):
    result = cli(["--lang", "zh", "stocks", "--all"])
    assert result.code == 0, result.stderr
    lines = result.stdout.decode("utf-8").splitlines()
    assert len(lines) > 50
    descriptions = [re.split(r"边距 \S+\s+", line, maxsplit=1)[1].rsplit("  [", 1)[0]
                    for line in lines]
    assert "名片" in descriptions and "桌卡（对折名片），亮光/哑光" in descriptions
    assert "名片纸，A4，10 张 90x54 mm（请实测您的纸张）" in descriptions
    for text in descriptions:
        assert not re.search(r"[A-Za-z]{2,}", text.replace("mm", "")), text


def test_stocks_keep_the_makers_words_in_english_and_in_json(cli):
    text = cli(["stocks"]).stdout.decode("utf-8")
    assert "Business Cards" in text and "名片，" not in text
    data = cli(["--lang", "zh", "stocks", "--json"]).stdout.decode("utf-8")
    assert '"description": "Business Cards"' in data


YAML_CASES = [
    ("a:\n  b: 1\n c\n", 3, "expected <block end>, but found '<scalar>'",
     "此处应为缩进块的结束，却遇到了一个值"),
    ("a: [1, 2\nb: 3\n", 2, "expected ',' or ']', but got ':'",
     "此处应为逗号（,）或']'，却遇到了冒号（:）"),
    ("a: \"\\q\"\n", 1, "found unknown escape character 'q'", "未知的转义字符 'q'"),
]


@pytest.mark.parametrize(("text", "line", "english", "chinese"), YAML_CASES)
def test_a_yaml_syntax_error_is_told_in_the_users_language(cli, tmp_path, text, line, english,
                                                           chinese):
    (tmp_path / "roster.yaml").write_text(text, encoding="utf-8")
    args = ["check", "--gen", "2022", "--roster", "roster.yaml"]
    result = cli(args, cwd=tmp_path)
    assert result.code == 1
    assert result.err_lines[0] == f"error: roster.yaml:{line}: YAML syntax: {english}"
    result = cli(["--lang", "zh", *args], cwd=tmp_path)
    assert result.err_lines[0] == f"error: roster.yaml:{line}: YAML 语法错误：{chinese}"


def test_every_option_of_every_command_has_help_in_both_languages():
    from cardkit import i18n
    from cardkit.cli import cli as group

    missing, untranslated = [], []
    for name, command in [("cardkit", group), *group.commands.items()]:
        for param in command.params:
            if not isinstance(param, click.Option) or param.hidden or param.name == "version":
                continue
            source = getattr(param, "_cardkit_help", param.help)
            if not source:
                missing.append(f"{name} {param.opts[-1]}")
                continue
            with i18n.using("zh"):
                if i18n._(source) == source:
                    untranslated.append(f"{name} {param.opts[-1]}")
    assert missing == [] and untranslated == []


def test_sides_has_help_in_chinese(cli):
    out = cli(["--lang", "zh", "print", "--help"]).stdout.decode("utf-8")
    assert re.search(r"--sides \[both\|front\|back\]\s+打印哪一面", out)


# --------------------------------------------------------------------------------------------
# 5. Usage errors: `error:`, in the user's language, exit 2

@pytest.mark.parametrize(("args", "last"), [
    (["print", "--bogus"], "error: No such option '--bogus'."),
    (["print"], "error: Missing option '--gen'."),
    (["show"], "error: Missing argument 'GEN'."),
    (["print", "--gen", "2022", "--copies", "0"],
     "error: Invalid value for '--copies': 0 is not in the range x>=1."),
    (["bogus"], "error: No such command 'bogus'."),
])
def test_usage_errors_say_error_and_exit_2(cli, args, last):
    result = cli(args)
    assert result.code == 2
    assert result.err_lines[-1].startswith(last), result.err_lines
    assert not any(line.startswith("Error:") for line in result.err_lines)
    assert result.err_lines[0].startswith("Usage: cardkit")


def test_a_usage_error_in_chinese(cli):
    result = cli(["--lang", "zh", "show"])
    assert result.code == 2
    assert result.err_lines == ["用法: cardkit show [OPTIONS] GEN",
                                "运行 'cardkit show -h' 查看帮助。",
                                "error: 缺少参数 'GEN'."]


# --------------------------------------------------------------------------------------------
# 6. Global options after the command

def test_quiet_after_the_command(cli, tmp_path):
    result = cli(["preview", "--gen", "2022", "-q", "-o", "png"], cwd=tmp_path)
    assert result.code == 0, result.stderr
    assert result.err_lines == [] and len(list((tmp_path / "png").glob("*.png"))) == 2


def test_lang_and_verbose_after_the_command(cli, tmp_path):
    args = ["print", *ONE_CARD, "--roster", str(EXAMPLE_ROSTER), "-o", "c.pdf"]
    result = cli([*args, "--lang", "zh", "-v"], cwd=tmp_path)
    assert result.code == 0, result.stderr
    assert "已写入 c.pdf：1 张卡，2 页" in result.err_lines
    assert result.err_lines[0].startswith("用 ")  # -v: the workers line first
    assert cli([*args, "--lang=zh", "--quiet"], cwd=tmp_path).err_lines == []


def test_project_after_the_command(cli, project, tmp_path):
    result = cli(["print", *ONE_CARD, "--project", str(project.name)], cwd=project.parent)
    assert result.code == 0, result.stderr
    assert result.err_lines[-1] == f"wrote {project.name}/out/cards-2022.pdf: 1 card, 2 pages"


def test_global_options_stay_documented_before_the_command(cli):
    top = cli(["--help"]).stdout.decode("utf-8")
    assert "--project DIR" in top and "-q, --quiet" in top and "--lang [en|zh]" in top
    sub = cli(["print", "--help"]).stdout.decode("utf-8")
    assert "--quiet" not in sub and "--project" not in sub and "--lang" not in sub


# --------------------------------------------------------------------------------------------
# 7. Paths as the user gave them

def test_make_demo_names_both_outputs_relative_to_the_current_folder(cli, project):
    first = cli(["print", "--gen", "2002", "--officer", "LD001"], cwd=project)
    second = cli(["print", "--gen", "2002", "--officer", "LD001", "--layout", "cards",
                  "-o", "out/cards-2002-1up.pdf"], cwd=project)
    assert first.err_lines[-1] == "wrote out/cards-2002.pdf: 1 card, 1 sheet, 2 pages"
    assert second.err_lines[-1] == "wrote out/cards-2002-1up.pdf: 1 card, 2 pages"
    assert first.err_lines[0].startswith("notice: roster.yaml: ")  # named as cardkit.yaml does
    absolute = cli(["print", *ONE_CARD, "-o", str(project / "abs.pdf")], cwd=project)
    assert absolute.err_lines[-1] == f"wrote {project / 'abs.pdf'}: 1 card, 2 pages"  # as given


def test_a_roster_error_names_the_roster_as_cardkit_yaml_gives_it(cli, project):
    (project / "roster.yaml").write_text("officers:\n  - id: A\n    name: 吴明\n",
                                         encoding="utf-8")
    result = cli(["check", "--gen", "2002"], cwd=project)
    assert result.code == 1
    assert result.err_lines[0].startswith("error: roster.yaml:2: officer A 吴明: ")


# --------------------------------------------------------------------------------------------
# 8. A real date in the PDF

def _stamp(path: Path, when: int) -> None:
    os.utime(path, (when, when))


def test_the_date_is_the_newest_of_the_jobs_own_files(cli, project, monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    _stamp(project / "roster.yaml", 1600000000)  # 2020-09-13T12:26:40Z
    _stamp(project / "cardkit.yaml", 1500000000)
    assert cli(["print", *ONE_CARD, "-o", "a.pdf"], cwd=project).code == 0
    assert pdf_dates(project / "a.pdf") == ("D:20200913122640Z", "D:20200913122640Z")
    _stamp(project / "cardkit.yaml", 1700000000)  # a project file newer than the roster
    assert cli(["print", *ONE_CARD, "-o", "b.pdf"], cwd=project).code == 0
    assert pdf_dates(project / "b.pdf")[0] == "D:20231114221320Z"
    assert cli(["print", *ONE_CARD, "-o", "c.pdf"], cwd=project).code == 0
    assert (project / "b.pdf").read_bytes() == (project / "c.pdf").read_bytes()  # same inputs


def test_a_project_generation_and_a_qr_screenshot_count(cli, project, monkeypatch):
    import segno

    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    segno.make("https://u.wechat.com/EXAMPLE001", error="m").save(
        str(project / "wu.png"), scale=8, border=4)
    roster = (project / "roster.yaml").read_text(encoding="utf-8")
    (project / "roster.yaml").write_text(
        roster.replace("wechat: https://u.wechat.com/EXAMPLE001", "wechat: wu.png", 1),
        encoding="utf-8")
    (project / "generations").mkdir()
    (project / "generations" / "site.yaml").write_text('extends: "2022"\n', encoding="utf-8")
    for name, when in (("roster.yaml", 1500000000), ("cardkit.yaml", 1500000000),
                       ("wu.png", 1600000000), ("generations/site.yaml", 1550000000)):
        _stamp(project / name, when)
    args = ["print", "--gen", "site", "--officer", "LD001", "--layout", "cards"]
    assert cli([*args, "-o", "a.pdf"], cwd=project).code == 0
    assert pdf_dates(project / "a.pdf")[0] == "D:20200913122640Z"  # the screenshot
    _stamp(project / "generations" / "site.yaml", 1700000000)
    assert cli([*args, "-o", "b.pdf"], cwd=project).code == 0
    assert pdf_dates(project / "b.pdf")[0] == "D:20231114221320Z"  # the project's generation


def test_standard_input_and_the_package_data_do_not_count(cli, tmp_path, monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    # (without the mascot, whose drawings would be files of the job's own, beside it)
    data = re.sub(r"\n  mascot:\n(    .*\n)+", "\n", EXAMPLE_ROSTER.read_text(encoding="utf-8"))
    result = cli(["print", *ONE_CARD, "--roster", "-", "-o", "a.pdf"], cwd=tmp_path,
                 stdin=data.encode("utf-8"))
    assert result.code == 0, result.stderr
    assert pdf_dates(tmp_path / "a.pdf")[0] == "D:20000101000000Z"  # nothing of the job's own
    (tmp_path / "cardkit.yaml").write_text("output: out\n", encoding="utf-8")
    _stamp(tmp_path / "cardkit.yaml", 1600000000)
    result = cli(["print", *ONE_CARD, "-o", "b.pdf"], cwd=tmp_path)  # the built-in example
    assert result.code == 0, result.stderr
    assert pdf_dates(tmp_path / "b.pdf")[0] == "D:20200913122640Z"


def test_source_date_epoch_wins(cli, project, monkeypatch):
    _stamp(project / "roster.yaml", 1600000000)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1234567890")
    assert cli(["print", *ONE_CARD, "-o", "a.pdf"], cwd=project).code == 0
    assert pdf_dates(project / "a.pdf") == ("D:20090213233130Z", "D:20090213233130Z")

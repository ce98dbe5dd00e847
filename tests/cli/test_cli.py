"""What a user or a script sees: exit statuses, stderr lines, files written or not."""

import json
import shutil
import subprocess
import sys

import pytest
from conftest import EXAMPLE_CSV, EXAMPLE_ROSTER, REPO
from pdfcheck import page_count, page_texts, qr_codes

SPECIMEN_NOTICE = ("notice: {roster}: printed specimens: {roster} marks the roster specimen: "
                   "true, so its placeholders are allowed and every card carries a 样张 / SPECIMEN mark")


def test_print_with_no_other_argument_writes_out_cards_2022(cli, project):
    result = cli(["print", "--gen", "2022"], cwd=project)
    assert result.code == 0, result.stderr
    target = project / "out" / "cards-2022.pdf"
    assert result.err_lines == [SPECIMEN_NOTICE.format(roster="roster.yaml"),
                                "wrote out/cards-2022.pdf: 12 cards, 2 sheets, 4 pages"]
    assert page_count(target) == 4


def test_print_in_a_folder_without_settings_uses_the_builtin_example(cli, tmp_path):
    result = cli(["-q", "print", "--gen", "2002", "--officer", "LD003"], cwd=tmp_path)
    assert result.code == 0, result.stderr
    assert result.stderr == ""
    assert "韦建国" in page_texts(tmp_path / "out" / "cards-2002.pdf")[0]


def test_output_to_stdout_is_the_pdf_and_nothing_else(cli, project):
    result = cli(["print", "--gen", "2006", "--officer", "LD001", "-o", "-"], cwd=project)
    assert result.code == 0
    assert result.stdout.startswith(b"%PDF-") and result.stdout.rstrip().endswith(b"%%EOF")
    assert result.err_lines == [SPECIMEN_NOTICE.format(roster="roster.yaml"),
                                "wrote <stdout>: 1 card, 1 sheet, 2 pages"]


def test_roster_from_stdin(cli, project):
    csv = EXAMPLE_CSV.read_bytes()  # a specimen, which a CSV can say only in cardkit.yaml
    (project / "cardkit.yaml").write_text("roster: roster.yaml\nspecimen: true\n",
                                          encoding="utf-8")
    result = cli(["-q", "print", "--gen", "2022", "--roster", "-", "--layout", "cards",
                  "--officer", "LD005", "-o", "one.pdf"], cwd=project, stdin=csv)
    assert result.code == 0, result.stderr
    assert [c.text for c in qr_codes(project / "one.pdf", 0)] == ["https://u.wechat.com/EXAMPLE005"]


def test_officer_filter_prints_only_those(cli, project):
    result = cli(["-q", "print", "--gen", "2012", "--layout", "cards", "--officer", "LD002",
                  "--officer", "LD007", "-o", "two.pdf"], cwd=project)
    assert result.code == 0
    texts = page_texts(project / "two.pdf")
    assert len(texts) == 4
    assert "覃晓红" in texts[0] and "梁子豪" in texts[2] and "吴明" not in "".join(texts)


def test_unknown_officer_is_one_line_and_a_usage_error(cli, project):
    # a name given on the command line that does not exist is a usage error (issue 22/23)
    result = cli(["print", "--gen", "2012", "--officer", "XX9"], cwd=project)
    assert result.code == 2
    assert result.err_lines == ["error: --officer XX9: no officer has this id or name"]


def test_unknown_generation_is_one_line_and_exit_2(cli, project):
    result = cli(["print", "--gen", "2020"], cwd=project)
    assert result.code == 2
    assert result.err_lines == [
        "error: unknown generation '2020' (did you mean \"2022\"?) (known: 2002, 2006, 2012, 2022)"]
    assert not (project / "out").exists()


@pytest.mark.parametrize("args", [["print"], ["print", "--gen", "2022", "--frobnicate"],
                                  ["print", "--gen", "2022", "--layout", "poster"], ["nosuch"]])
def test_usage_errors_exit_2(cli, project, args):
    result = cli(args, cwd=project)
    assert result.code == 2
    assert "Traceback" not in result.stderr and result.stderr.strip()


def test_missing_roster_file(cli, project):
    result = cli(["print", "--gen", "2022", "--roster", "nope.csv"], cwd=project)
    assert result.code == 1
    assert result.err_lines == ["error: roster 'nope.csv' not found"]


def test_bad_rows_are_all_reported_and_the_old_pdf_is_untouched(cli, project):
    target = project / "cards.pdf"
    assert cli(["-q", "print", "--gen", "2022", "-o", str(target)], cwd=project).code == 0
    before = target.read_bytes()
    bad = project / "bad.csv"
    bad.write_text("编号,姓名,手机,微信,单位\nA1,吴明,13800000001,https://u.wechat.com/A1,柳东\n"
                   "A2,覃晓红,1380000,https://u.wechat.com/A2,柳东\nA3,韦建国,13800000003,,柳东\n",
                   encoding="utf-8")
    result = cli(["print", "--gen", "2022", "--roster", str(bad), "-o", str(target)], cwd=project)
    assert result.code == 1
    # A3 without a WeChat code would be printed without it (a warning); A2 stops the job.
    assert result.err_lines == [
        f'error: {bad}:3: officer A2 覃晓红: mobile: "1380000": not a valid mobile number']
    assert target.read_bytes() == before
    assert sorted(p.name for p in project.iterdir() if p.name.startswith(".")) == []


def test_a_character_no_font_has_is_refused_before_printing(cli, project):
    roster = project / "rare.yaml"
    roster.write_text("unit:\n  name: 柳东派出所\nofficers:\n  - id: R1\n    name: 王\U0002A6A5\n"
                      '    mobile: "13800000001"\n', encoding="utf-8")
    result = cli(["print", "--gen", "2006", "--roster", str(roster), "-o", "rare.pdf"], cwd=project)
    assert result.code == 1
    assert result.err_lines == [
        f'error: {roster}:4: officer R1: name: "\U0002A6A5" (U+2A6A5) is in no configured font; '
        "it would print as a box (no installed font has it)"]
    assert not (project / "rare.pdf").exists()


def test_a_qr_code_too_small_to_scan_is_refused(cli, project):
    (project / "generations").mkdir()
    (project / "generations" / "tiny.yaml").write_text(
        'extends: "2022"\nqr:\n  size_mm: 9\n', encoding="utf-8")
    result = cli(["print", "--gen", "tiny", "--officer", "LD001"], cwd=project)
    assert result.code == 1
    assert "QR module 0.31 mm is under 0.5 mm" in result.stderr


def test_a_template_cannot_read_files_outside_the_project(cli, project):
    (project / "templates").mkdir()
    (project / "templates" / "front.html").write_text(
        '{% extends "!builtin/front.html" %}{% block decoration %}'
        '<img src="file:///etc/hostname">{% endblock %}', encoding="utf-8")
    result = cli(["print", "--gen", "2002", "--officer", "LD001", "-o", "x.pdf"], cwd=project)
    assert result.code == 1
    assert result.err_lines[0].startswith("error: refused to read file:///etc/hostname")
    assert not (project / "x.pdf").exists()


def test_a_project_template_overrides_and_extends_the_builtin(cli, project):
    (project / "templates").mkdir()
    (project / "templates" / "back.html").write_text(
        '{% extends "!builtin/back.html" %}{% block content %}{{ super() }}'
        '<p class="field">本所自定义背面</p>{% endblock %}', encoding="utf-8")
    result = cli(["-q", "print", "--gen", "2002", "--layout", "cards", "--officer", "LD001",
                  "-o", "o.pdf"], cwd=project)
    assert result.code == 0, result.stderr
    back = page_texts(project / "o.pdf")[1]
    assert "本所自定义背面" in back and "民警叮咛" in back


def test_list_json_and_show(cli, project):
    result = cli(["list", "--json"], cwd=project)
    rows = json.loads(result.stdout)
    assert [r["id"] for r in rows] == ["2002", "2006", "2012", "2022"]
    assert rows[3]["base"] == "2012" and "qr" in rows[3]["front"]
    shown = cli(["show", "2022"], cwd=project).stdout.decode()
    assert "chain:\n- '2022'\n- '2012'\n- '2006'\n- '2002'" in shown
    assert "门窗加固、注意关锁" in shown  # inherited from 2006


def test_check_says_ok_or_lists_problems(cli, project):
    ok = cli(["check", "--gen", "2022"], cwd=project)
    assert ok.code == 0 and ok.err_lines == ["ok: generation 2022: no problems found"]
    bad = project / "bad.csv"
    bad.write_text("id,name,mobile,unit\nA1,吴明,123,柳东\n", encoding="utf-8")
    result = cli(["check", "--gen", "2002", "--roster", str(bad), "--json"], cwd=project)
    assert result.code == 1
    report = json.loads(result.stdout)
    assert report["ok"] is False
    assert report["problems"][0]["line"] == 2 and report["problems"][0]["field"] == "mobile"


def test_python_dash_m_and_help(tmp_path):
    result = subprocess.run([sys.executable, "-m", "cardkit", "--help"], capture_output=True,
                            text=True, cwd=tmp_path, check=False)
    assert result.returncode == 0 and "print" in result.stdout


def test_generation_and_template_overrides_come_from_project_flag(cli, tmp_path):
    shutil.copytree(REPO / "examples" / "liudong", tmp_path / "site")
    (tmp_path / "site" / "cardkit.yaml").write_text("roster: roster.yaml\n", encoding="utf-8")
    result = cli(["--project", str(tmp_path / "site"), "-q", "print", "--gen", "2002"],
                 cwd=tmp_path)
    assert result.code == 0, result.stderr
    assert (tmp_path / "site" / "out" / "cards-2002.pdf").is_file()
    assert EXAMPLE_ROSTER.is_file()

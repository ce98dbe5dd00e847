"""Said in the clerk's words (issue 23, item 4): officers by id and name, --officer by name,
who --changed-since printed, -q for errors only, -v without jargon, the row of a missing
WeChat code, Chinese field names with the key, and English plurals."""

from __future__ import annotations

import json

import pytest

BAD_PHONE = """\
unit:
  name: 柳州市公安局柳东派出所
officers:
  - id: LD001
    name: 吴明
    mobile: "13912345671"
    wechat: https://u.wechat.com/MFx1Ab2cD3eF4gH5iJ6kL701
  - id: LD002
    name: 覃晓红
    phone: "0772-12"
    wechat: https://u.wechat.com/MFx1Ab2cD3eF4gH5iJ6kL702
"""
NO_WECHAT = """\
unit:
  name: 柳州市公安局柳东派出所
officers:
  - id: LD001
    name: 吴明
    mobile: "13912345671"
    wechat: https://u.wechat.com/MFx1Ab2cD3eF4gH5iJ6kL701
  - id: LD002
    name: 覃晓红
    mobile: "13912345672"
"""


@pytest.fixture
def bad(tmp_path):
    (tmp_path / "r.yaml").write_text(BAD_PHONE, encoding="utf-8")
    return tmp_path


def test_messages_name_an_officer_by_id_and_name(cli, bad, monkeypatch):
    english = cli(["check", "--gen", "2002", "--roster", "r.yaml"], cwd=bad)
    assert 'error: r.yaml:10: officer LD002 覃晓红: phone: "0772-12": not a valid Chinese number' \
        in english.err_lines
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    chinese = cli(["check", "--gen", "2002", "--roster", "r.yaml"], cwd=bad)
    assert any(line.startswith('error: r.yaml:10: 民警 LD002 覃晓红: 电话（phone）: "0772-12": ')
               for line in chinese.err_lines), chinese.stderr


def test_check_json_keeps_its_keys_and_adds_the_officer(cli, bad):
    result = cli(["check", "--gen", "2002", "--roster", "r.yaml", "--json"], cwd=bad)
    assert result.code == 1
    (problem,) = json.loads(result.stdout)["problems"]
    assert problem["subject"] == "officer LD002" and problem["field"] == "phone"
    assert problem["officer"] == {"id": "LD002", "name": "覃晓红"}
    assert {"severity", "file", "line", "subject", "field", "message"} <= set(problem)


def test_officer_takes_a_name_with_a_did_you_mean(cli, project):
    result = cli(["print", "--gen", "2002", "--officer", "覃晓红", "--layout", "cards",
                  "-o", "one.pdf"], cwd=project)
    assert result.code == 0, result.stderr
    from pdfcheck import page_texts

    assert "覃晓红" in page_texts(project / "one.pdf")[0]
    wrong = cli(["check", "--gen", "2002", "--officer", "覃小红"], cwd=project)
    assert wrong.code == 2
    assert wrong.err_lines == ['error: --officer 覃小红: no officer has this id or name '
                               '(did you mean "覃晓红"?)']


def test_a_name_two_officers_share_asks_for_the_id(cli, tmp_path):
    (tmp_path / "r.yaml").write_text(BAD_PHONE.replace("覃晓红", "吴明"), encoding="utf-8")
    result = cli(["check", "--gen", "2002", "--roster", "r.yaml", "--officer", "吴明"],
                 cwd=tmp_path)
    assert result.code == 2
    assert result.err_lines == ["error: --officer 吴明: 2 officers have this name (LD001, LD002); "
                                "give the id"]


def test_changed_since_says_how_many_always_and_who_with_v(cli, project):
    first = cli(["-q", "print", "--gen", "2002", "-o", "a.pdf", "--report", "a.json"], cwd=project)
    assert first.code == 0, first.stderr
    roster = project / "roster.yaml"
    roster.write_text(roster.read_text(encoding="utf-8").replace("name: 覃晓红", "name: 覃晓虹"),
                      encoding="utf-8")
    again = cli(["print", "--gen", "2002", "--changed-since", "a.json", "-o", "b.pdf"],
                cwd=project)
    assert again.code == 0, again.stderr
    assert "1 officer's card changed since a.json" in again.err_lines
    assert "  LD002 覃晓虹" not in again.err_lines
    loud = cli(["-v", "print", "--gen", "2002", "--changed-since", "a.json", "-o", "c.pdf"],
               cwd=project)
    assert loud.code == 0, loud.stderr
    assert "  LD002 覃晓虹" in loud.err_lines
    assert "wrote c.pdf: 1 card, 1 sheet, 2 pages" in loud.err_lines  # singular, in English


def test_quiet_prints_errors_only(cli, tmp_path):
    (tmp_path / "r.yaml").write_text(NO_WECHAT, encoding="utf-8")
    loud = cli(["check", "--gen", "2022", "--roster", "r.yaml"], cwd=tmp_path)
    assert any(line.startswith("warning:") for line in loud.err_lines), loud.stderr
    quiet = cli(["-q", "print", "--gen", "2022", "--roster", "r.yaml", "-o", "x.pdf"],
                cwd=tmp_path)
    assert quiet.code == 0 and quiet.err_lines == []
    strict = cli(["-q", "print", "--gen", "2022", "--roster", "r.yaml", "-o", "y.pdf",
                  "--strict"], cwd=tmp_path)
    assert strict.code == 1  # under --strict the warnings are the error's reasons, and shown
    assert strict.err_lines[0].startswith("error: ")


def test_the_missing_wechat_warning_carries_the_row_and_the_name(cli, tmp_path):
    (tmp_path / "r.yaml").write_text(NO_WECHAT, encoding="utf-8")
    result = cli(["check", "--gen", "2022", "--roster", "r.yaml"], cwd=tmp_path)
    assert ("warning: r.yaml:8: officer LD002 覃晓红: wechat: empty: the card is printed without "
            "its QR code (qr: missing: omit in generation 2022)") in result.err_lines


def test_verbose_explains_without_jargon(cli, project, monkeypatch):
    result = cli(["-v", "print", "--gen", "2002", "--officer", "LD001", "--officer", "LD002",
                  "-o", "v.pdf"], cwd=project)
    assert result.code == 0, result.stderr
    assert "WeasyPrint" not in result.stderr
    said = [line for line in result.err_lines if "plate" in line]
    assert said and '"plate"' in said[0]  # the word is explained where it first appears
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    chinese = cli(["-v", "print", "--gen", "2002", "--officer", "LD001", "--officer", "LD002",
                   "-o", "w.pdf"], cwd=project)
    assert chinese.code == 0, chinese.stderr
    assert "套印" not in chinese.stderr and "WeasyPrint" not in chinese.stderr
    uses = [line for line in chinese.err_lines if "底版" in line]
    assert not uses or "称“底版”" in uses[0]


def test_list_names_fields_in_chinese_with_their_keys(cli, monkeypatch):
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    result = cli(["list"])
    assert result.code == 0
    text = result.stdout.decode("utf-8")
    assert "手机（mobile）" in text and "单位（unit）" in text
    assert "值班电话（hotline）" in text


def test_english_plurals(cli, project):
    result = cli(["print", "--gen", "2002", "--officer", "LD001", "-o", "one.pdf"], cwd=project)
    assert result.err_lines[-1] == "wrote one.pdf: 1 card, 1 sheet, 2 pages"
    cards = cli(["print", "--gen", "2002", "--officer", "LD001", "--layout", "cards",
                 "-o", "c.pdf"], cwd=project)
    assert cards.err_lines[-1] == "wrote c.pdf: 1 card, 2 pages"


def test_two_rows_sharing_an_id_are_each_named_as_their_own_row(cli, tmp_path):
    (tmp_path / "r.csv").write_text(
        "编号,姓名,电话,单位\nA1,吴明,0772-12,柳州市公安局柳东派出所\n"
        "A1,韦建国,0772-2812347,柳州市公安局柳东派出所\n", encoding="utf-8")
    result = cli(["check", "--gen", "2002", "--roster", "r.csv"], cwd=tmp_path)
    assert result.code == 1
    assert [line.split(": ")[1:3] for line in result.err_lines[:-1]] == [
        ["r.csv:2", "officer A1 吴明"], ["r.csv:3", "officer A1 韦建国"]]

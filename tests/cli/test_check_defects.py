"""One fixture per defect (tests/fixtures/defects), each with the exact stderr line expected."""

from __future__ import annotations

import json
import shutil

import pytest
import yaml
from conftest import REPO

DEFECTS = REPO / "tests" / "fixtures" / "defects"
CASES = yaml.safe_load((DEFECTS / "expected.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", CASES, ids=[" ".join(c["args"][1::2]) for c in CASES])
def test_each_defect_is_one_exact_line_and_exit_1(cli, case):
    result = cli(["check", *case["args"]], cwd=DEFECTS)
    assert result.code == 1
    assert result.err_lines[:-1] == [case["stderr"]]
    assert result.stdout == b""


def test_a_clean_roster_passes(cli):
    result = cli(["check", "--gen", "2022", "--roster", "ok.csv"], cwd=DEFECTS)
    assert result.code == 0, result.stderr
    assert result.err_lines == ["ok: generation 2022: no problems found"]


def test_print_refuses_a_preflight_defect_and_writes_nothing(cli, tmp_path):
    for name in ("long_name.csv", "ok.csv"):
        shutil.copy(DEFECTS / name, tmp_path / name)
    target = tmp_path / "cards.pdf"
    target.write_bytes(b"previous")
    result = cli(["print", "--gen", "2022", "--roster", "long_name.csv", "-o", "cards.pdf"],
                 cwd=tmp_path)
    assert result.code == 1
    assert [line.split(": name: ")[0] for line in result.err_lines] == [
        "error: long_name.csv:2: officer LD001"]
    assert target.read_bytes() == b"previous"


def test_all_problems_of_all_rows_in_one_run_sorted_by_line(cli, tmp_path):
    header = "编号,姓名,职务,电话,手机,微信,辖区,单位\n"
    rows = [
        "A1,吴明,社区民警,0772-2812345,13800000001,https://u.wechat.com/1,柳东村,柳东派出所",
        "A2,,社区民警,7722812345,1.38E+10,https://u.wechat.com/2,柳东村,柳东派出所",
        "A3,覃晓红,社区民警,0772-2812346,13800000003,https://u.wechat.com/3,柳东村,柳东派出所",
        "A1,韦建国,社区民警,0772-2812347,13800000004,https://u.wechat.com/4,柳东村,柳东派出所",
    ]
    (tmp_path / "r.csv").write_text(header + "\n".join(rows) + "\n", encoding="utf-8")
    result = cli(["check", "--gen", "2022", "--roster", "r.csv"], cwd=tmp_path)
    assert result.code == 1
    assert [line.split(": ")[1:4] for line in result.err_lines[:-1]] == [
        ["r.csv:3", "officer A2", "mobile"],  # A2 has no name to say
        ["r.csv:3", "officer A2", "name"],
        ["r.csv:3", "officer A2", "phone"],
        ["r.csv:5", "officer A1 韦建国", "id"],
    ]


def test_check_json_shape(cli):
    result = cli(["check", "--gen", "2022", "--roster", "duplicate_id.csv", "--json"],
                 cwd=DEFECTS)
    assert result.code == 1
    data = json.loads(result.stdout)
    assert data == {"ok": False, "problems": [{
        "severity": "error", "file": "duplicate_id.csv", "line": 3, "subject": "officer LD001",
        "field": "id", "message": 'duplicate id "LD001" (first at line 2)',
        "officer": {"id": "LD001", "name": "覃晓红"}}]}  # the keys kept, the officer added
    assert result.stderr == ""


def test_check_json_lists_generation_problems_too(cli):
    result = cli(["check", "--gen", "bad_colour", "--roster", "ok.csv", "--json"], cwd=DEFECTS)
    assert result.code == 1
    problems = json.loads(result.stdout)["problems"]
    assert [(p["file"], p["line"], p["field"]) for p in problems] == [
        ("generations/bad_colour.yaml", 3, "colors.background")]


def test_check_json_ok(cli):
    result = cli(["check", "--gen", "2022", "--roster", "ok.csv", "--json"], cwd=DEFECTS)
    assert result.code == 0
    assert json.loads(result.stdout) == {"ok": True, "problems": []}

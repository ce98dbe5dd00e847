"""check as a clerk reads it: one pass, grouped rows, notices, --officer, --strict, a summary,
and print's layout options (issue 13 items 4-5, issue 15 item 9)."""

from __future__ import annotations

import json

from conftest import FULL_UNIT

HEADER = "编号,姓名,职务,电话,手机,微信,辖区\n"


def rows(count: int, duplicate: int | None = None) -> str:
    lines = []
    for n in range(1, count + 1):
        officer_id = f"CG{duplicate:03d}" if n == count and duplicate else f"CG{n:03d}"
        lines.append(f"{officer_id},吴明,社区民警,0772-{2812300 + n},1380000{n:04d},"
                     f"https://u.wechat.com/CG{n:03d},城关社区\n")
    return HEADER + "".join(lines)


UNIT_LINE = ("error: r.csv:2: rows 2–26: unit: no unit name: add a column 单位 (unit) with the "
             "station's full name, e.g. 柳州市公安局柳东派出所, or write it once in cardkit.yaml as unit: "
             "name:")


def test_one_pass_lists_the_duplicate_and_the_unit_once_for_all_rows(cli, tmp_path):
    (tmp_path / "r.csv").write_text(rows(25, duplicate=11), encoding="utf-8")
    result = cli(["check", "--gen", "2022", "--roster", "r.csv"], cwd=tmp_path)
    assert result.code == 1
    assert result.err_lines == [
        UNIT_LINE,
        'error: r.csv:26: officer CG011 吴明: id: duplicate id "CG011" (first at line 12)',
        "found 2 problems concerning 25 officers; nothing written",
    ]


def test_the_summary_and_the_grouped_rows_in_chinese(cli, tmp_path, monkeypatch):
    (tmp_path / "r.csv").write_text(rows(25, duplicate=11), encoding="utf-8")
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    result = cli(["check", "--gen", "2022", "--roster", "r.csv"], cwd=tmp_path)
    assert result.err_lines == [
        "error: r.csv:2: 第 2–26 行: 单位（unit）: 缺少单位名称：在名单中加一列“单位”，填写派出所全称（如 "
        "柳州市公安局柳东派出所），或在 cardkit.yaml 的 unit: 下写一次 name:",
        'error: r.csv:26: 民警 CG011 吴明: 编号（id）: 编号 "CG011" 重复（第一次出现在第 12 行）',
        "发现 2 个问题，涉及 25 名民警；未写入任何文件",
    ]
    (tmp_path / "cardkit.yaml").write_text(FULL_UNIT, encoding="utf-8")
    (tmp_path / "r.csv").write_text(rows(3), encoding="utf-8")
    result = cli(["check", "--gen", "2022", "--roster", "r.csv"], cwd=tmp_path)
    assert (result.code, result.err_lines) == (0, ["ok: 版式 2022：未发现问题"])


def test_json_carries_grouped_rows(cli, tmp_path):
    (tmp_path / "r.csv").write_text(rows(3), encoding="utf-8")
    result = cli(["check", "--gen", "2022", "--roster", "r.csv", "--json"], cwd=tmp_path)
    data = json.loads(result.stdout)
    assert data["ok"] is False
    assert [(p["subject"], p.get("rows")) for p in data["problems"]] == [("rows 2–4", [2, 3, 4])]


def test_verbose_check_says_what_it_checked(cli, tmp_path):
    (tmp_path / "cardkit.yaml").write_text(FULL_UNIT, encoding="utf-8")
    (tmp_path / "r.csv").write_text(rows(2), encoding="utf-8")
    result = cli(["-v", "check", "--gen", "2022", "--roster", "r.csv", "--layout", "cards"],
                 cwd=tmp_path)
    assert result.code == 0
    assert result.err_lines[0] == ("checked: roster r.csv; generation 2022; sides both; layout "
                                   "cards; colour rgb")
    assert result.err_lines[1].startswith("checks: required fields, numbers, ids, units, columns;")
    assert result.err_lines[2:] == ["found: 0 errors, 0 warnings, 0 notices",
                                    "ok: generation 2022: no problems found"]


BAD_OTHERS = (HEADER + "CG001,吴明,社区民警,0772-2812301,13800000001,https://u.wechat.com/CG001,城关\n"
              "CG002,覃晓红,社区民警,0772-12,13800000002,https://u.wechat.com/CG002,城关\n"
              "CG003,,社区民警,0772-2812303,13800000003,https://u.wechat.com/CG003,城关\n")


def test_officer_checks_only_the_chosen_and_counts_the_others_in_a_notice(cli, tmp_path):
    (tmp_path / "cardkit.yaml").write_text(FULL_UNIT, encoding="utf-8")
    (tmp_path / "r.csv").write_text(BAD_OTHERS, encoding="utf-8")
    result = cli(["check", "--gen", "2022", "--roster", "r.csv", "--officer", "CG001"],
                 cwd=tmp_path)
    assert result.code == 0, result.stderr
    assert result.err_lines == [
        "notice: r.csv: 2 other officers in the roster have problems; only the officers chosen "
        "are checked and printed (cardkit check lists them all)",
        "ok: generation 2022: no problems found"]
    printed = cli(["-q", "print", "--gen", "2022", "--roster", "r.csv", "--officer", "CG001",
                   "-o", "one.pdf"], cwd=tmp_path)
    assert printed.code == 0 and printed.err_lines == []  # -q: notices are not shown
    assert (tmp_path / "one.pdf").is_file()
    chosen_bad = cli(["check", "--gen", "2022", "--roster", "r.csv", "--officer", "CG002"],
                     cwd=tmp_path)
    assert chosen_bad.code == 1
    assert chosen_bad.err_lines == [
        "notice: r.csv: 1 other officer in the roster has problems; only the officers chosen are "
        "checked and printed (cardkit check lists them all)",
        'error: r.csv:3: officer CG002 覃晓红: phone: "0772-12": not a valid Chinese number',
        "found 1 problem concerning 1 officer; nothing written"]


def test_a_warning_fails_only_under_strict(cli, tmp_path):
    # The unit gives no address or hotline, which 2022 prints; CG002 has no WeChat yet.
    unit = "".join(line for line in FULL_UNIT.splitlines(keepends=True)
                   if not line.startswith(("  address:", "  hotline:")))
    (tmp_path / "cardkit.yaml").write_text(unit, encoding="utf-8")
    (tmp_path / "r.csv").write_text(rows(3).replace("https://u.wechat.com/CG002", ""),
                                    encoding="utf-8")
    check = ["--gen", "2022", "--roster", "r.csv"]
    warnings = [line for line in cli(["check", *check], cwd=tmp_path).err_lines
                if line.startswith("warning: ")]
    assert [line.split(": ")[1:4] for line in warnings] == [
        ["r.csv", "unit", "address"], ["r.csv", "unit", "hotline"],
        ["r.csv:3", "officer CG002 吴明", "wechat"]]  # the officer's row and name (issue 23)
    result = cli(["check", *check], cwd=tmp_path)
    assert (result.code, result.err_lines) == (0, [
        *warnings, "ok: generation 2022: no errors (3 warnings; --strict fails them)"])
    strict = cli(["check", *check, "--strict"], cwd=tmp_path)
    assert (strict.code, strict.err_lines) == (1, [
        *warnings, "found 3 problems concerning 1 officer; nothing written"])
    printed = cli(["-q", "print", *check, "-o", "a.pdf"], cwd=tmp_path)
    assert printed.code == 0  # -q prints errors only (issue 23): no warning, no notice
    assert printed.err_lines == []
    refused = cli(["print", *check, "-o", "b.pdf", "--strict"], cwd=tmp_path)
    assert refused.code == 1 and not (tmp_path / "b.pdf").exists()
    assert refused.err_lines == ["error: 3 warnings and --strict: nothing written", *warnings]


def test_check_refuses_the_layout_print_refuses(cli, tmp_path):
    (tmp_path / "cardkit.yaml").write_text(FULL_UNIT, encoding="utf-8")
    (tmp_path / "r.csv").write_text(rows(2), encoding="utf-8")
    base = ["--gen", "2022", "--roster", "r.csv", "--paper", "60x60mm"]
    printed = cli(["print", *base, "-o", "x.pdf"], cwd=tmp_path)
    checked = cli(["check", *base], cwd=tmp_path)
    assert printed.code == checked.code == 1
    assert checked.err_lines[0] == printed.err_lines[0]
    assert checked.err_lines[-1] == "found 1 problem; nothing written"
    ok = cli(["check", "--gen", "2022", "--roster", "r.csv", "--layout", "cards", "--paper",
              "60x60mm", "--sides", "front", "--bleed", "2"], cwd=tmp_path)
    assert ok.code == 0, ok.stderr
    (tmp_path / "generations").mkdir()  # the built-ins print in CMYK: one that cannot
    (tmp_path / "generations" / "rgbonly.yaml").write_text(
        'extends: "2002"\ncolors:\n  stripe: "#ff0000"\n', encoding="utf-8")
    cmyk = ["--gen", "rgbonly", "--roster", "r.csv", "--color", "cmyk"]
    printed, checked = (cli(["print", *cmyk, "-o", "c.pdf"], cwd=tmp_path),
                        cli(["check", *cmyk], cwd=tmp_path))
    assert checked.code == printed.code == 1
    assert checked.err_lines[:-1] == printed.err_lines
    for usage in (["--bleed", "11"], ["--stock", "avery-c32011-10", "--paper", "A4"],
                  ["--layout", "cards", "--stock", "avery-c32011-10"]):
        assert cli(["check", "--gen", "2022", "--roster", "r.csv", *usage], cwd=tmp_path).code == 2

"""A county station's clerk, end to end, in Chinese (issue 13).

A fresh project from ``cardkit init``; the station's roster as offices keep it (an XLSX
with title rows, Chinese headers and their aliases, columns cardkit does not print, a
mobile typed as a number, a mobile shown in scientific notation, a duplicate id, an
officer without WeChat, no unit column); ``check`` read line by line; ``--officer`` for
the two cards needed today; the clerk's fixes; ``--strict``; ``print``, the officer
without WeChat printed without the code; the PDF read back. Fictional officers and
numbers only.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from conftest import FULL_UNIT
from pdfcheck import page_count, page_texts, qr_codes

ROSTER = "民警名单.xlsx"
HEADER = ["序号", "编号", "姓名", "性别", "职务", "办公电话", "手机号", "微信号", "辖区", "警号", "备注"]
NAMES = ["吴明", "覃晓红", "韦志强", "莫小兰", "蓝天宇", "黄丽娟"]


def officer_row(n: int) -> list[object]:
    return [n, f"CG{n:03d}", NAMES[(n - 1) % len(NAMES)], "男" if n % 2 else "女", "社区民警",
            f"0772-28123{n:02d}", f"1380000{n:04d}", f"https://u.wechat.com/CG{n:03d}",
            "城关社区" if n % 3 else "东门村", f"45{n:04d}", ""]


def write_roster(path: Path, count: int = 25) -> None:
    """The sheet as the station keeps it: two title rows, then the header on row 3."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "民警"
    sheet.append(["城关派出所社区民警花名册"])
    sheet.append(["制表：政工室  2026年11月"])
    sheet.append(HEADER)
    for n in range(1, count + 1):
        row = officer_row(n)
        if n == 4:
            row[6] = 13800000004  # typed as a number, shown in General: accepted as typed
        if n == 5:
            row[6] = 13800000005  # shown in scientific notation below: refused
        if n == 7:
            row[7] = None  # no WeChat yet
        if n == count:
            row[1] = "CG011"  # copied from the row above the new officer's
        sheet.append(row)
    sheet.cell(row=8, column=7).number_format = "0.00E+00"  # officer 5's mobile
    book.save(path)


@pytest.fixture
def chinese(monkeypatch):
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")


def test_the_clerks_journey(cli, tmp_path, chinese):
    made = cli(["init", "城关"], cwd=tmp_path)
    assert made.code == 0, made.stderr
    project = tmp_path / "城关"
    write_roster(project / ROSTER)
    check = ["check", "--gen", "local", "--roster", ROSTER]

    first = cli(check, cwd=project)
    assert first.code == 1
    where = f"{ROSTER}[民警]"
    extra = f"notice: {where}:3: 多出的列已保留为 extra.*，供模板使用：序号、性别、备注"
    assert first.err_lines == [
        extra,
        f"error: {where}:4: 第 4–28 行: 单位（unit）: 缺少单位名称：在名单中加一列“单位”，填写派出所全称（如 "
        "柳州市公安局柳东派出所），或在 cardkit.yaml 的 unit: 下写一次 name:",
        f'error: {where}:8: 民警 CG005 蓝天宇: 手机（mobile）: "1.38E+10": 这是显示为科学计数法的'
        "数字单元格，不是原样输入的号码，末尾几位可能已丢失：请按文本重新输入（把这一列设为“文本”格式，或在号码前加英文单引号："
        "'13800000001）",
        f'error: {where}:28: 民警 CG011 吴明: 编号（id）: 编号 "CG011" 重复（第一次出现在第 14 行）',
        "发现 3 个问题，涉及 25 名民警；未写入任何文件",
    ]

    # First fix: the unit, once, in cardkit.yaml (what the unit line says to write), with
    # everything the generation prints of it (fictional addresses and numbers).
    with (project / "cardkit.yaml").open("a", encoding="utf-8") as settings:
        settings.write(FULL_UNIT)
    # Two officers need their cards today: --officer checks and prints only them.
    today = ["--gen", "local", "--roster", ROSTER, "--officer", "CG001", "--officer", "CG002"]
    others = (f"notice: {where}: 名单中另有 2 名民警的资料有问题；只检查和打印所选的民警（cardkit check "
              "会列出全部问题）")
    checked = cli(["check", *today], cwd=project)
    assert (checked.code, checked.err_lines) == (0, [others, extra, "ok: 版式 local：未发现问题"])
    urgent = cli(["print", *today, "-o", "今天.pdf"], cwd=project)
    assert urgent.code == 0, urgent.stderr
    assert urgent.err_lines[-1] == "已写入 今天.pdf：2 张卡，1 张纸，2 页"
    assert "吴明" in page_texts(project / "今天.pdf")[0]

    # The other fixes: the mobile retyped as text, the new officer's own id. CG007's WeChat
    # link is still to come: the card is printed without the code, with one warning.
    book = openpyxl.load_workbook(project / ROSTER)
    sheet = book.active
    sheet.cell(row=8, column=7).value = "13800000005"
    sheet.cell(row=8, column=7).number_format = "@"
    sheet.cell(row=28, column=2).value = "CG025"
    book.save(project / ROSTER)
    no_qr = (f"warning: {where}:10: 民警 CG007 吴明: 微信（wechat）: 为空：这张卡不印二维码（版式 local 的 "
             "qr: missing: omit）")  # the officer's row and name, the field's name (issue 23)
    second = cli(check, cwd=project)
    assert (second.code, second.err_lines) == (0, [
        extra, no_qr, "ok: 版式 local：没有错误（1 个警告；加 --strict 时会失败）"])
    strict = cli([*check, "--strict"], cwd=project)
    assert (strict.code, strict.err_lines[-1]) == (1, "发现 1 个问题，涉及 1 名民警；未写入任何文件")

    printed = cli(["print", "--gen", "local", "--roster", ROSTER, "-o", "名片.pdf"], cwd=project)
    assert printed.code == 0, printed.stderr
    assert printed.err_lines == [extra, no_qr, "已写入 名片.pdf：25 张卡，3 张纸，6 页"]
    pdf = project / "名片.pdf"
    assert page_count(pdf) == 6
    fronts = "".join(page_texts(pdf)[0::2])
    for n in range(1, 26):
        name, mobile = NAMES[(n - 1) % len(NAMES)], f"138 0000 {n:04d}"
        assert name in fronts and mobile in fronts and f"0772-28123{n:02d}" in fronts, n
    assert fronts.count("柳州市公安局城关派出所") == 25 and "柳州市城中区城关路1号" in fronts
    assert "450001" not in fronts and "1.38E+10" not in fronts  # extra columns are not printed
    assert "样张" not in fronts  # a real job: no specimen mark
    assert sorted(code.text for code in qr_codes(pdf, 0)) == [
        f"https://u.wechat.com/CG{n:03d}" for n in range(1, 11) if n != 7]

"""The station's own content, never a fake one; every officer printed (issue 13, 1, 3, 11).

A built-in generation keeps what is the same everywhere and prints the unit's fields;
a missing unit field leaves its block off with one warning; an officer without a QR
payload gets a card without the code (``qr.missing: omit``) and one warning.
"""

from __future__ import annotations

import re

import pytest
import yaml
from conftest import REPO
from pdfcheck import find_text, page_texts, qr_codes

BUILT_INS = ("2002", "2006", "2012", "2022")
ONLY_NAME = """\
unit:
  name: 城关派出所
officers:
  - id: CG001
    name: 张卫东
    phone: "0534-2812345"
    wechat: https://u.wechat.com/CG001abc
  - id: CG002
    name: 李秀英
    mobile: "13912345678"
"""
SNAIL = REPO / "examples" / "liudong" / "mascot-snail.svg"
FULL_UNIT = f"""\
unit:
  address: 城关镇人民路8号
  hotline: "0534-2811110"
  web:
    - label: 网上公安局
      url: https://gaj.chengguan-county.cn/wsgaj
    - label: 网上警务室
      url: https://gaj.chengguan-county.cn/jws
  mascot: {{name: 小城警官, image: {SNAIL}}}
"""


def test_built_in_generations_carry_no_station_content():
    from cardkit.design import generations
    from cardkit.project import open_project

    project = open_project(REPO)
    for gen_id in BUILT_INS:
        text = (REPO / "generations" / f"{gen_id}.yaml").read_text(encoding="utf-8")
        data = yaml.safe_load(text)
        assert all("url" not in entry for entry in data.get("web", [])), gen_id
        assert "caption" not in (data.get("mascot") or {}), gen_id
        printed = yaml.safe_dump({k: v for k, v in data.items() if k not in ("summary", "title")},
                                 allow_unicode=True)
        assert not re.search(r"https?://", printed), gen_id
        assert "螺警官" not in printed, gen_id  # the summary tells the history; cards never
        assert not re.search(r"\d{3,4}-\d{7,8}", text), gen_id
        gen = generations.load(project, gen_id)
        assert "name" not in generations.unit_fields(gen)
    listed = {g["id"]: g["unit"] for g in __import__("cardkit.api").api.list_generations(project)}
    assert listed["2002"] == ["address", "hotline"]
    assert listed["2022"] == ["address", "mascot", "web.网上公安局", "web.网上警务室", "hotline"]


def test_list_names_the_unit_fields_each_generation_prints(cli):
    result = cli(["list"], cwd=REPO)
    assert result.code == 0
    text = result.stdout.decode()
    assert "       unit:  address, web.网上公安局, web.网上警务室, hotline\n" in text  # 2012


def test_missing_unit_fields_leave_their_blocks_off_with_one_warning_each(cli, tmp_path):
    (tmp_path / "r.yaml").write_text(ONLY_NAME, encoding="utf-8")
    result = cli(["print", "--gen", "2022", "--roster", "r.yaml", "--layout", "cards",
                  "-o", "c.pdf"], cwd=tmp_path)
    assert result.code == 0, result.stderr
    where = "warning: r.yaml: unit"
    tail = "generation 2022 prints it, so the cards leave it off (write"
    assert result.err_lines == [
        f"{where}: address: no officer's unit gives it; {tail} address: ... under unit: in "
        "cardkit.yaml or the roster, or fill a 地址 column)",
        f"notice: r.yaml: unit: mascot: no officer's unit gives it; {tail} mascot: {{name: ..., image: "
        "FILE} under unit: in cardkit.yaml or the roster, or fill a 卡通形象 (its name) and a "
        "mascot_image (its drawing) column)",
        f"{where}: web.网上公安局: no officer's unit gives it; {tail} web: [{{label: 网上公安局, "
        "url: https://...}] under unit: in cardkit.yaml or the roster, or fill a 网上公安局 column)",
        f"{where}: web.网上警务室: no officer's unit gives it; {tail} web: [{{label: 网上警务室, "
        "url: https://...}] under unit: in cardkit.yaml or the roster, or fill a 网上警务室 column)",
        f"{where}: hotline: no officer's unit gives it; {tail} hotline: ... under unit: in "
        "cardkit.yaml or the roster, or fill a 值班电话 column)",
        "warning: r.yaml:8: officer CG002 李秀英: wechat: empty: the card is printed without "
        "its QR code (qr: missing: omit in generation 2022)",  # its row and name (issue 23)
        "wrote c.pdf: 2 cards, 4 pages",
    ]
    front, back = page_texts(tmp_path / "c.pdf")[:2]
    assert "地址" not in front and "城关派出所" in front
    assert "网上公安局" not in back and "值班电话" not in back and "报警求助" in back
    assert "螺警官" not in back and "民警提醒您" in back


def test_unit_fields_from_cardkit_yaml_reach_the_card(cli, tmp_path):
    (tmp_path / "cardkit.yaml").write_text(FULL_UNIT, encoding="utf-8")
    (tmp_path / "r.yaml").write_text(ONLY_NAME, encoding="utf-8")
    result = cli(["print", "--gen", "2022", "--roster", "r.yaml", "--layout", "cards",
                  "--officer", "CG001", "-o", "c.pdf"], cwd=tmp_path)
    assert result.code == 0, result.stderr
    assert result.err_lines == ["wrote c.pdf: 1 card, 2 pages"]
    front, back = page_texts(tmp_path / "c.pdf")
    assert "城关镇人民路8号" in front
    for text in ("https://gaj.chengguan-county.cn/wsgaj", "https://gaj.chengguan-county.cn/jws",
                 "0534-2811110", "小城警官提醒您", "小城警官"):
        assert text in back


def test_unit_columns_of_a_spreadsheet_fill_the_web_addresses(cli, tmp_path):
    (tmp_path / "r.csv").write_text(
        "编号,姓名,手机,微信,单位,地址,值班电话,网上公安局,网上警务室,卡通形象\n"
        "CG001,张卫东,13912345678,https://u.wechat.com/CG001abc,城关派出所,人民路8号,"
        "0534-2811110,https://gaj.chengguan-county.cn/a,https://gaj.chengguan-county.cn/b,小城警官\n",
        encoding="utf-8")
    result = cli(["print", "--gen", "2012", "--roster", "r.csv", "--layout", "cards",
                  "-o", "c.pdf"], cwd=tmp_path)
    assert result.code == 0, result.stderr
    assert result.err_lines == ["wrote c.pdf: 1 card, 2 pages"]
    back = page_texts(tmp_path / "c.pdf")[1]
    assert "网上公安局 https://gaj.chengguan-county.cn/a" in back.replace("\r\n", " ")


def test_an_officer_without_a_qr_gets_a_card_without_code_or_caption(cli, tmp_path):
    (tmp_path / "cardkit.yaml").write_text(FULL_UNIT, encoding="utf-8")
    (tmp_path / "r.yaml").write_text(ONLY_NAME, encoding="utf-8")
    result = cli(["-q", "print", "--gen", "2022", "--roster", "r.yaml", "--layout", "cards",
                  "-o", "c.pdf"], cwd=tmp_path)
    assert result.code == 0
    assert result.err_lines == []  # -q prints errors only (issue 23)
    pdf = tmp_path / "c.pdf"
    texts = page_texts(pdf)
    assert [c.text for c in qr_codes(pdf, 0)] == ["https://u.wechat.com/CG001abc"]
    assert "扫码加民警微信" in texts[0]
    assert qr_codes(pdf, 2) == [] and "扫码加民警微信" not in texts[2]
    # Still balanced: the promise keeps its place at the foot of the card.
    assert find_text(pdf, 0, "24小时")[0].y == find_text(pdf, 2, "24小时")[0].y


def test_officer_filter_no_longer_fails_on_other_rows_missing_qr(cli, tmp_path):
    (tmp_path / "cardkit.yaml").write_text(FULL_UNIT, encoding="utf-8")
    (tmp_path / "r.yaml").write_text(ONLY_NAME, encoding="utf-8")
    result = cli(["print", "--gen", "2022", "--roster", "r.yaml", "--officer", "CG001",
                  "-o", "c.pdf"], cwd=tmp_path)
    assert result.code == 0, result.stderr
    assert result.err_lines == ["wrote c.pdf: 1 card, 1 sheet, 2 pages"]


def test_qr_missing_error_refuses_and_warnings_are_json_warnings(cli, tmp_path):
    (tmp_path / "cardkit.yaml").write_text(FULL_UNIT, encoding="utf-8")
    (tmp_path / "r.yaml").write_text(ONLY_NAME, encoding="utf-8")
    result = cli(["check", "--gen", "2022", "--roster", "r.yaml", "--json"], cwd=tmp_path)
    assert result.code == 0
    data = yaml.safe_load(result.stdout)
    assert data["ok"] is True
    assert [(p["severity"], p["subject"], p["field"]) for p in data["problems"]] == [
        ("warning", "officer CG002", "wechat")]
    (tmp_path / "generations").mkdir()
    (tmp_path / "generations" / "strict.yaml").write_text(
        'extends: "2022"\nqr:\n  missing: error\n', encoding="utf-8")
    result = cli(["check", "--gen", "strict", "--roster", "r.yaml"], cwd=tmp_path)
    assert result.code == 1
    assert result.err_lines[:-1] == [
        "error: r.yaml:8: officer CG002 李秀英: wechat: missing: generation strict prints a QR code of "
        "this field (qr: missing: error)"]
    (tmp_path / "generations" / "strict.yaml").write_text(
        'extends: "2022"\nqr:\n  missing: skip\n', encoding="utf-8")
    result = cli(["check", "--gen", "strict", "--roster", "r.yaml"], cwd=tmp_path)
    assert result.err_lines[:-1] == ["error: generations/strict.yaml:3: qr.missing: 'skip': "
                                     "expected omit or error"]


def test_new_with_a_year_as_id_sets_that_year(cli, tmp_path):
    result = cli(["new", "2024", "--from", "2022"], cwd=tmp_path)
    assert result.code == 0, result.stderr
    data = yaml.safe_load((tmp_path / "generations" / "2024.yaml").read_text(encoding="utf-8"))
    assert data["year"] == 2024
    result = cli(["new", "local", "--from", "2022"], cwd=tmp_path)
    import datetime

    data = yaml.safe_load((tmp_path / "generations" / "local.yaml").read_text(encoding="utf-8"))
    assert data["year"] == datetime.date.today().year


@pytest.mark.parametrize(("key", "old", "new", "page"), [
    ("label_address", "地址", "办公地址", 0), ("label_area", "辖区", "责任区", 0),
    ("label_phone", "电话", "座机", 0), ("label_mobile", "手机", "移动电话", 0),
    ("label_alarm", "报警求助", "紧急报警", 1), ("label_hotline", "值班电话", "24小时值班", 1),
])
def test_block_labels_come_from_texts(cli, tmp_path, key, old, new, page):
    (tmp_path / "cardkit.yaml").write_text(FULL_UNIT, encoding="utf-8")
    (tmp_path / "r.yaml").write_text(ONLY_NAME.replace('    phone: "0534-2812345"\n',
                                                       '    phone: "0534-2812345"\n'
                                                       '    mobile: "13912345670"\n'
                                                       '    area: 东关社区\n'),
                                     encoding="utf-8")
    (tmp_path / "generations").mkdir()
    (tmp_path / "generations" / "relabel.yaml").write_text(
        f'extends: "2022"\ntexts:\n  {key}: {new}\n', encoding="utf-8")
    result = cli(["-q", "print", "--gen", "relabel", "--roster", "r.yaml", "--layout", "cards",
                  "--officer", "CG001", "-o", "c.pdf"], cwd=tmp_path)
    assert result.code == 0, result.stderr
    text = page_texts(tmp_path / "c.pdf")[page]
    assert new in text
    assert old not in text.replace(new, "")


def test_website_label_comes_from_texts(cli, tmp_path):
    (tmp_path / "r.yaml").write_text(ONLY_NAME.replace(
        "  name: 城关派出所\n", "  name: 城关派出所\n  website: https://gaj.chengguan-county.cn/\n"),
        encoding="utf-8")
    (tmp_path / "generations").mkdir()
    (tmp_path / "generations" / "site.yaml").write_text(
        'extends: "2002"\nfront:\n  show: [unit, name, phone, website]\ntexts:\n'
        "  label_website: 官网\n", encoding="utf-8")
    result = cli(["-q", "print", "--gen", "site", "--roster", "r.yaml", "--layout", "cards",
                  "--officer", "CG001", "-o", "c.pdf"], cwd=tmp_path)
    assert result.code == 0, result.stderr
    front = page_texts(tmp_path / "c.pdf")[0]
    assert "官网" in front and "网站" not in front


def test_a_unit_field_missing_for_some_rows_names_those_officers(cli, tmp_path):
    (tmp_path / "r.csv").write_text(
        "编号,姓名,手机,微信,单位,地址,值班电话\n"
        "A1,张卫东,13912345671,https://u.wechat.com/A1,城关派出所,人民路8号,0534-2811110\n"
        "B1,李秀英,13912345672,https://u.wechat.com/B1,东关派出所,,0534-2811120\n"
        "B2,王强,13912345673,https://u.wechat.com/B2,东关派出所,,0534-2811120\n",
        encoding="utf-8")
    result = cli(["check", "--gen", "2006", "--roster", "r.csv"], cwd=tmp_path)
    assert result.code == 0
    assert result.err_lines == [
        "warning: r.csv: unit: address: the unit of 2 officers (B1, B2) does not give it; "
        "generation 2006 prints it, so the cards leave it off (write address: ... under unit: "
        "in cardkit.yaml or the roster, or fill a 地址 column)",
        "ok: generation 2006: no errors (1 warning; --strict fails it)"]


def test_a_station_without_a_mascot_prints_under_strict(cli, tmp_path):
    """No mascot is a station's choice: a notice, which --strict does not fail on."""
    from conftest import FULL_UNIT

    unit = "".join(line + "\n" for line in FULL_UNIT.splitlines()
                   if not any(key in line for key in ("mascot", "    name:", "image")))
    (tmp_path / "cardkit.yaml").write_text(unit, encoding="utf-8")
    rows = "id,name,mobile,wechat\nCG1,吴明,13907710001,https://u.wechat.com/CG1\n"
    (tmp_path / "r.csv").write_text(rows, encoding="utf-8")
    result = cli(["print", "--gen", "2022", "--roster", "r.csv", "--strict", "--layout", "cards",
                  "-o", "c.pdf"], cwd=tmp_path)
    assert result.code == 0, result.stderr
    assert [line.split(":")[0] for line in result.err_lines[:-1]] == ["notice"]
    assert "民警提醒您" in page_texts(tmp_path / "c.pdf")[1]

"""Ids and columns that pretend to be what they are not (issue 12, item 14)."""

from __future__ import annotations

from hostile_helpers import write

ROW = "吴明,13800000001,https://u.wechat.com/X,柳东派出所"


def test_two_columns_for_the_same_field_are_refused_naming_both(cli, tmp_path):
    roster = write(tmp_path / "r.csv", "编号,姓名,电话,手机,微信,单位,电话\n"
                   "A1,吴明,0772-2812345,13800000001,https://u.wechat.com/A1,柳东派出所,0772-2812346\n")
    result = cli(["check", "--gen", "2022", "--roster", str(roster)], cwd=tmp_path)
    assert result.code == 1
    assert result.err_lines[:-1] == [f'error: {roster}:1: phone: columns "电话" and "电话" (column 7) '
                                     "are the same field; keep one"]


def test_an_alias_and_the_field_name_are_the_same_column(cli, tmp_path):
    roster = write(tmp_path / "r.csv", "id,name,phone,mobile,wechat,unit,办公电话\n"
                   "A1,吴明,0772-2812345,13800000001,https://u.wechat.com/A1,柳东派出所,0772-2812346\n")
    result = cli(["check", "--gen", "2022", "--roster", str(roster)], cwd=tmp_path)
    assert result.code == 1
    assert result.err_lines[0] == (f'error: {roster}:1: phone: columns "phone" and "办公电话" '
                                   "(column 7) are the same field; keep one")


def test_ids_equal_after_nfkc_and_trimming_are_duplicates(cli, tmp_path):
    roster = write(tmp_path / "r.csv", f"编号,姓名,手机,微信,单位\nLD001,{ROW}\n ＬＤ００１ ,{ROW}\n")
    result = cli(["check", "--gen", "2022", "--roster", str(roster)], cwd=tmp_path)
    assert result.code == 1
    assert result.err_lines[:-1] == [
        f'error: {roster}:3: officer ＬＤ００１ 吴明: id: duplicate id "ＬＤ００１" (first at line 2)']


def test_officer_selects_by_the_same_key(cli, tmp_path):
    roster = write(tmp_path / "r.csv", f"编号,姓名,手机,微信,单位\nＬＤ００１,{ROW}\n")
    result = cli(["check", "--gen", "2022", "--roster", str(roster), "--officer", "LD001"],
                 cwd=tmp_path)
    assert result.code == 0, result.stderr


def test_an_id_with_an_invisible_character_is_refused(cli, tmp_path):
    for n, char in enumerate(["\u200b", "\u2060", "\u00a0", "\u3164", "\u2800"]):
        roster = write(tmp_path / f"r{n}.csv", f"编号,姓名,手机,微信,单位\nLD{char}001,{ROW}\n")
        result = cli(["check", "--gen", "2022", "--roster", str(roster)], cwd=tmp_path)
        assert result.code == 1, char
        line = result.err_lines[0]
        assert line.startswith(f"error: {roster}:2: officer LD"), line
        assert line.endswith(f": id: contains the invisible character U+{ord(char):04X} at "
                             "character 3; type the id again"), line


def _ods(path, content_dtd: str = ""):
    import io
    import zipfile

    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableCell, TableRow
    from odf.text import P

    document = OpenDocumentSpreadsheet()
    table = Table(name="名单")
    for values in (["编号", "姓名", "手机", "单位"], ["A1", "吴明", "13800000001", "柳东派出所"]):
        row = TableRow()
        for value in values:
            cell = TableCell(valuetype="string")
            cell.addElement(P(text=value))
            row.addElement(cell)
        table.addElement(row)
    document.spreadsheet.addElement(table)
    plain = io.BytesIO()
    document.write(plain)
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(path, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "content.xml" and content_dtd:
                head, _, rest = data.partition(b"?>")
                data = head + b"?>" + content_dtd.encode() + rest.replace(b"A1", b"&a;", 1)
            dst.writestr(item, data)
    return path


def test_xml_entities_in_an_ods_are_refused(cli, tmp_path):
    roster = _ods(tmp_path / "r.ods", '<!DOCTYPE x [<!ENTITY a SYSTEM "file:///etc/hostname">]>')
    result = cli(["check", "--gen", "2002", "--roster", str(roster)], cwd=tmp_path)
    assert result.code == 1
    assert result.err_lines[0] == (f"error: {roster}: not a readable ODS spreadsheet (its XML "
                                   "declares entities, which a spreadsheet never does)")


def test_an_ods_zip_bomb_is_refused_before_unpacking(cli, tmp_path, monkeypatch):
    from cardkit.roster import ods_roster

    monkeypatch.setattr(ods_roster, "MAX_UNPACKED_BYTES", 2**20)
    roster = tmp_path / "r.ods"
    _ods(roster)
    import zipfile

    with zipfile.ZipFile(roster, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("Pictures/zeros.bin", b"\0" * (2 * 2**20))
    result = cli(["check", "--gen", "2002", "--roster", str(roster)], cwd=tmp_path)
    assert result.code == 1
    assert result.err_lines[0] == (f"error: {roster}: unpacks to 2 MiB, more than a roster can be "
                                   "(1 MiB)")

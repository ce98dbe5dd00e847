"""Hostile rosters: values are only ever text on the card; bad files are refused in one line."""

from __future__ import annotations

import urllib.request

import pytest
from hostile_helpers import OFFICER, network_cut, no_network, roster_yaml, write
from pdfcheck import page_texts, qr_codes

from cardkit.roster.textsafety import MAX_FIELD_CHARS

pytestmark = pytest.mark.usefixtures("no_network")
EXAMPLE_QR_OUTSIDE = "/etc/hostname"  # any file outside the roster's folder
__all__ = ["no_network"]

# --------------------------------------------------------------------------------------------
# Shown safely: HTML, Jinja, CSS and URLs in roster fields are printed as the characters typed.

INJECTION = roster_yaml(
    # The id lands in an HTML attribute of the face: try to break out of it.
    """id: 'X1" style="display:none'
name: <b>吴明</b>
post: "{{ 7*7 }}"
area: <style>*{}</style>
mobile: "13800000001"
wechat: https://u.wechat.com/X1-127.0.0.1""",
    # A line break and a zero-width space inside the name, CSS and URLs as text.
    """id: LD002
name: "覃\\n晓\\u200b红"
post: "{% if 1 %}"
area: url(http://127.0.0.1:9/x)
mobile: "13800000002"
wechat: https://u.wechat.com/X2""",
    unit="  name: 柳东派出所\n  website: http://127.0.0.1:9/evil.png\n",
)


@pytest.fixture(scope="module")
def injected(tmp_path_factory):
    from conftest import run_cli

    folder = tmp_path_factory.mktemp("injection")
    write(folder / "roster.yaml", INJECTION)
    with network_cut() as attempts:
        result = run_cli(["-q", "print", "--gen", "2022", "--roster", "roster.yaml", "--layout",
                          "cards", "-o", "cards.pdf"], cwd=folder)
    assert attempts == []
    return result, folder / "cards.pdf"


def test_html_and_jinja_in_fields_are_printed_as_typed(injected):
    result, pdf = injected
    assert result.code == 0, result.stderr
    front = page_texts(pdf)[0]
    assert "<b>吴明</b>" in front and "{{ 7*7 }}" in front and "49" not in front
    assert "<style>*{}</style>" in front


def test_an_attribute_break_out_in_the_id_hides_nothing(injected):
    _, pdf = injected
    # display:none would have emptied the face; the name is still there and so is its QR.
    assert "<b>吴明</b>" in page_texts(pdf)[0]
    assert [c.text for c in qr_codes(pdf, 0)] == ["https://u.wechat.com/X1-127.0.0.1"]


def test_css_and_urls_in_fields_are_only_text_and_nothing_is_fetched(injected):
    _, pdf = injected  # rendered with the network cut; the fixture checks nothing tried it
    second_front = page_texts(pdf)[2]
    assert "url(http://127.0.0.1:9/x)" in second_front and "{% if 1 %}" in second_front


def test_zero_width_characters_are_removed_and_line_breaks_fold(injected):
    _, pdf = injected
    assert "覃晓红" in page_texts(pdf)[2]  # a line break between Chinese characters folds away


def test_the_network_guard_itself_catches_a_fetch(no_network):
    with pytest.raises(OSError):
        urllib.request.urlopen("http://127.0.0.1:9/", timeout=1)  # noqa: S310
    assert no_network and no_network[0].startswith(("connect", "getaddrinfo", "create_connection"))
    no_network.clear()


# --------------------------------------------------------------------------------------------
# Refused with a located message: values that are not text, or would not print as typed.

@pytest.mark.parametrize(("field_yaml", "line", "expected"), [
    ('name: "吴\\0明"', 7, "name: contains a NUL byte at character 2; a card shows only text"),
    ('name: "\\e[31m吴明"', 7,
     "name: contains control character U+001B at character 1; a card shows only text"),
    ('area: "柳东\\u202e村"', 8, "area: contains the bidi control U+202E (RIGHT-TO-LEFT OVERRIDE) "
     "at character 3; it would reorder the printed text"),
    ('post: "民警\\u2066x\\u2069"', 8, "post: contains the bidi control U+2066 "
     "(LEFT-TO-RIGHT ISOLATE) at character 3; it would reorder the printed text"),
    ('area: "a' + "\u0301" * 12 + '"', 8, "area: more than 8 combining marks in a row at "
     "character 10; they would pile up outside the text's box"),
    ('post: "\\uffff"', 8, "post: contains U+FFFF at character 1, which is not text"),
])
def test_values_that_are_not_plain_text_are_refused(cli, tmp_path, field_yaml, line, expected):
    body = 'id: H1\nname: 吴明\nmobile: "13800000001"\nwechat: https://u.wechat.com/H1'
    key = field_yaml.split(":")[0]
    lines = [ln for ln in body.split("\n") if not ln.startswith(key + ":")] + [field_yaml]
    roster = write(tmp_path / "r.yaml", roster_yaml("\n".join(lines)))
    result = cli(["print", "--gen", "2022", "--roster", str(roster), "-o", "x.pdf"], cwd=tmp_path)
    assert result.code == 1
    # the officer's name beside the id, unless the name itself is what is refused
    subject = "officer H1" if expected.startswith("name:") else "officer H1 吴明"
    assert result.err_lines == [f"error: {roster}:{line}: {subject}: {expected}"]
    assert not (tmp_path / "x.pdf").exists()


def test_a_bidi_override_in_the_unit_is_refused_at_its_line(cli, tmp_path):
    roster = write(tmp_path / "r.yaml", roster_yaml(OFFICER, unit='  name: "柳东\\u202d派出所"\n'))
    result = cli(["check", "--gen", "2022", "--roster", str(roster)], cwd=tmp_path)
    assert result.code == 1
    assert result.err_lines[:-1] == [
        f"error: {roster}:2: unit: name: contains the bidi control U+202D (LEFT-TO-RIGHT "
        "OVERRIDE) at character 3; it would reorder the printed text"]


def test_a_megabyte_name_is_refused_by_its_length(cli, tmp_path):
    roster = write(tmp_path / "r.yaml", roster_yaml(OFFICER.replace("吴明", "吴" * 1_000_000)))
    result = cli(["print", "--gen", "2022", "--roster", str(roster), "-o", "x.pdf"], cwd=tmp_path)
    assert result.code == 1
    assert result.err_lines == [f"error: {roster}:5: officer H1: name: 1000000 characters long; "
                                f"a card field has at most {MAX_FIELD_CHARS}"]


def test_a_zero_width_space_cannot_make_a_second_officer_with_the_same_id(cli, tmp_path):
    other = OFFICER.replace("id: H1", 'id: "H\\u200b1"').replace("吴明", "覃晓红")
    roster = write(tmp_path / "r.yaml", roster_yaml(OFFICER, other))
    result = cli(["check", "--gen", "2022", "--roster", str(roster)], cwd=tmp_path)
    assert result.code == 1
    assert result.err_lines[:-1] == [
        f"error: {roster}:8: officer H1 吴明: id: contains the invisible character U+200B at character "
        "2; type the id again",
        f'error: {roster}:8: officer H1 吴明: id: duplicate id "H1" (first at line 4)']


def test_a_control_character_in_a_csv_cell_is_refused(cli, tmp_path):
    roster = write(tmp_path / "r.csv", "编号,姓名,手机,微信,单位\n"
                   "C1,吴\x07明,13800000001,https://u.wechat.com/C1,柳东派出所\n")
    result = cli(["check", "--gen", "2022", "--roster", str(roster)], cwd=tmp_path)
    assert result.code == 1
    assert result.err_lines[:-1] == [f"error: {roster}:2: officer C1: name: contains control "
                                "character U+0007 at character 2; a card shows only text"]


def test_a_nul_byte_in_a_csv_file_is_refused(cli, tmp_path):
    roster = write(tmp_path / "r.csv", "编号,姓名,手机\nC1,吴\x00明,13800000001\n")
    result = cli(["check", "--gen", "2002", "--roster", str(roster)], cwd=tmp_path)
    assert result.code == 1
    assert len(result.err_lines) == 2 and "NUL" in result.stderr and str(roster) in result.stderr


def test_a_huge_roster_with_one_bad_value_is_answered_with_that_line(cli, tmp_path):
    rows = [f"H{i},吴明,138{i + 1:08d},https://u.wechat.com/H{i},柳东派出所" for i in range(20_000)]
    rows[12_345] = rows[12_345].replace("吴明", "吴\u202e明")
    roster = write(tmp_path / "big.csv", "id,name,mobile,wechat,unit\n" + "\n".join(rows) + "\n")
    result = cli(["check", "--gen", "2022", "--roster", str(roster)], cwd=tmp_path)
    assert result.code == 1
    assert result.err_lines[:-1] == [f"error: {roster}:12347: officer H12345: name: contains the bidi "
                                "control U+202E (RIGHT-TO-LEFT OVERRIDE) at character 2; it "
                                "would reorder the printed text"]


# --------------------------------------------------------------------------------------------
# Files that are not what they claim: YAML bombs, nesting, tags, encodings, sizes.

def _refused(cli, tmp_path, name: str, content: str | bytes):
    roster = write(tmp_path / name, content)
    result = cli(["print", "--gen", "2022", "--roster", str(roster), "-o", "x.pdf"], cwd=tmp_path)
    assert result.code == 1, result.stderr
    assert len(result.err_lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert not (tmp_path / "x.pdf").exists()
    return result.err_lines[0], roster


def test_billion_laughs_roster_is_refused_before_expanding(cli, tmp_path):
    lol = "".join(f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 10) + "]\n" for i in range(1, 10))
    line, roster = _refused(cli, tmp_path, "lol.yaml", 'l0: &l0 "lol"\n' + lol)
    assert line == f"error: {roster}:1: anchors and aliases (&, *) are not allowed"


def test_merge_keys_are_refused(cli, tmp_path):
    line, roster = _refused(cli, tmp_path, "m.yaml", roster_yaml("<<: {id: H1}\nname: 吴明"))
    assert line == f"error: {roster}:4: merge keys (<<) are not allowed"


def test_duplicate_keys_are_refused(cli, tmp_path):
    line, roster = _refused(cli, tmp_path, "d.yaml", roster_yaml(OFFICER + "\nname: 覃晓红"))
    assert line == f"error: {roster}:8: duplicate key 'name' (first at line 5)"


def test_deep_nesting_is_refused_before_python_runs_out_of_stack(cli, tmp_path):
    line, roster = _refused(cli, tmp_path, "deep.yaml", "officers: " + "[" * 50_000)
    assert line == f"error: {roster}:1: nested deeper than 64 levels"


@pytest.mark.parametrize("tag", ["!!python/object/apply:os.system ['true']", "!!binary aGk=",
                                 "!!set {a}", "!custom x"])
def test_explicit_tags_are_refused(cli, tmp_path, tag):
    line, roster = _refused(cli, tmp_path, "t.yaml", roster_yaml(OFFICER + f"\narea: {tag}"))
    assert line.startswith(f"error: {roster}:8: tag !")
    assert line.endswith("is not allowed (only plain text, numbers, lists and mappings)")


def test_a_lone_surrogate_escape_is_refused(cli, tmp_path):
    line, roster = _refused(cli, tmp_path, "s.yaml", roster_yaml(OFFICER + '\narea: "\\ud800"'))
    assert line == (f"error: {roster}:8: contains a lone surrogate escape (\\ud800-\\udfff); "
                    "that is not text")


def test_a_raw_nul_byte_in_yaml_is_refused_at_its_line(cli, tmp_path):
    line, roster = _refused(cli, tmp_path, "n.yaml", roster_yaml(OFFICER).replace("吴明", "吴\0明"))
    assert line == f"error: {roster}:5: contains a NUL byte"


def test_a_raw_control_character_in_yaml_is_refused_at_its_line(cli, tmp_path):
    line, roster = _refused(cli, tmp_path, "c.yaml", roster_yaml(OFFICER).replace("吴明", "吴\x1b明"))
    assert line == (f"error: {roster}:5: contains the control character U+001B; "
                    "YAML allows no control characters")


def test_a_yaml_roster_in_gbk_is_refused_with_its_line(cli, tmp_path):
    line, roster = _refused(cli, tmp_path, "g.yaml", roster_yaml(OFFICER).encode("gbk"))
    assert line == f"error: {roster}:2: not valid UTF-8 text"


def test_a_csv_in_no_known_encoding_is_refused(cli, tmp_path):
    line, roster = _refused(cli, tmp_path, "x.csv", b"id,name\nH1,\xff\xfe\x00\xd8\x81\n")
    assert str(roster) in line


def test_a_truncated_utf8_sequence_is_refused(cli, tmp_path):
    data = roster_yaml(OFFICER).encode("utf-8")
    line, roster = _refused(cli, tmp_path, "t.yaml", data + "吴".encode()[:2])
    assert line == f"error: {roster}:8: not valid UTF-8 text"


def test_a_roster_over_the_size_limit_is_refused_without_parsing(cli, tmp_path):
    from cardkit.yamlio import MAX_YAML_BYTES

    padding = "# " + "x" * 1000 + "\n"
    content = roster_yaml(OFFICER) + padding * (MAX_YAML_BYTES // len(padding) + 1)
    line, roster = _refused(cli, tmp_path, "huge.yaml", content)
    assert line == f"error: {roster}: file is larger than 32 MiB"


def test_a_number_past_pythons_digit_limit_is_one_line(cli, tmp_path):
    roster = write(tmp_path / "r.yaml", roster_yaml(OFFICER.replace('"13800000001"', "9" * 5000)))
    result = cli(["check", "--gen", "2022", "--roster", str(roster)], cwd=tmp_path)
    assert result.code == 1 and "internal error" not in result.stderr
    assert f"error: {roster}:6: officer H1 吴明: mobile: 5000 characters long; a card field has at most " \
           f"{MAX_FIELD_CHARS}" in result.err_lines


# --------------------------------------------------------------------------------------------
# WeChat QR screenshots named by a roster: only inside the roster's folder, and no bombs

def _screenshot_roster(folder, name: str):
    return write(folder / "r.yaml", roster_yaml(OFFICER.replace("https://u.wechat.com/H1", name)))


@pytest.mark.parametrize("name", ["../outside.png", "/etc/outside.png"])
def test_a_screenshot_outside_the_roster_folder_is_refused(cli, tmp_path, name):
    folder = tmp_path / "roster"
    roster = _screenshot_roster(folder, name)
    result = cli(["check", "--gen", "2022", "--roster", str(roster)], cwd=tmp_path)
    assert result.code == 1
    assert len(result.err_lines) == 2
    assert result.err_lines[0].startswith(f'error: {roster}:7: officer H1 吴明: wechat: "{name}": ')
    assert "must be inside the roster's folder" in result.err_lines[0]


def test_a_screenshot_symlinked_out_of_the_roster_folder_is_refused(cli, tmp_path):
    import os

    folder = tmp_path / "roster"
    roster = _screenshot_roster(folder, "qr.png")
    os.symlink(EXAMPLE_QR_OUTSIDE, folder / "qr.png")
    result = cli(["check", "--gen", "2022", "--roster", str(roster)], cwd=tmp_path)
    assert result.code == 1
    assert len(result.err_lines) == 2
    assert result.err_lines[0].startswith(f'error: {roster}:7: officer H1 吴明: wechat: "qr.png": ')
    assert "must be inside the roster's folder" in result.err_lines[0]


def test_a_decompression_bomb_screenshot_is_refused_before_decoding(cli, tmp_path):
    from PIL import Image

    roster = _screenshot_roster(tmp_path, "qr.png")
    Image.new("1", (20_000, 20_000)).save(tmp_path / "qr.png")  # 48 KB on disk, 400 Mpixel
    result = cli(["check", "--gen", "2022", "--roster", str(roster)], cwd=tmp_path)
    assert result.code == 1
    assert len(result.err_lines) == 2 and "internal error" not in result.stderr
    assert result.err_lines[0].startswith(f'error: {roster}:7: officer H1 吴明: wechat: "qr.png": '
                                          "not a readable image (Image size (400000000 pixels)")


# --------------------------------------------------------------------------------------------
# XLSX is a zip of XML: entity bombs, external entities and zip bombs

def _xlsx(path, dtd: str = "", name_cell: str = "吴明", rows: int = 0):
    import io
    import zipfile

    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(["编号", "姓名", "手机", "单位"])
    book.active.append(["A1", "NAMECELL", "13800000001", "柳东派出所"])
    plain = io.BytesIO()
    book.save(plain)
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = (dtd.encode() + data.replace(b"NAMECELL", name_cell.encode())
                        .replace(b"</sheetData>", b"<row/>" * rows + b"</sheetData>"))
            dst.writestr(item.filename, data)
    return path


@pytest.mark.parametrize(("dtd", "cell", "reason"), [
    ('<!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa">' + "".join(
        f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(9)) + "]>",
     "&j;", "its XML declares entities, which a spreadsheet never does"),
    ('<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file:///etc/hostname">]>', "&xxe;",
     "its XML declares entities, which a spreadsheet never does"),
])
def test_xml_entity_tricks_in_an_xlsx_are_refused(cli, tmp_path, dtd, cell, reason):
    roster = _xlsx(tmp_path / "r.xlsx", dtd, cell)
    result = cli(["check", "--gen", "2002", "--roster", str(roster)], cwd=tmp_path)
    assert result.code == 1
    assert len(result.err_lines) == 2
    assert result.err_lines[0].startswith(f"error: {roster}: not a readable XLSX workbook (")
    assert reason in result.err_lines[0]


def test_an_xlsx_zip_bomb_is_refused_before_unpacking(cli, tmp_path, monkeypatch):
    from cardkit.roster import xlsx_roster

    monkeypatch.setattr(xlsx_roster, "MAX_UNPACKED_BYTES", 2**20)  # 1 MiB instead of 256
    roster = _xlsx(tmp_path / "r.xlsx", rows=400_000)  # 2.4 MB of rows, ~10 KB zipped
    assert roster.stat().st_size < 50_000
    result = cli(["check", "--gen", "2002", "--roster", str(roster)], cwd=tmp_path)
    assert result.code == 1
    assert result.err_lines[:-1] == [f"error: {roster}: unpacks to 2 MiB, more than a roster can be "
                                "(1 MiB)"]


@pytest.mark.parametrize("value", ["file:///etc/hostname", "file:///etc/qr.png",
                                   "ftp://127.0.0.1:9/qr.png", "javascript:alert(1)"])
def test_a_wechat_value_that_names_another_scheme_is_refused(cli, tmp_path, value):
    roster = _screenshot_roster(tmp_path, value)
    result = cli(["check", "--gen", "2022", "--roster", str(roster)], cwd=tmp_path)
    assert result.code == 1 and len(result.err_lines) == 2
    assert result.err_lines[0].startswith(f'error: {roster}:7: officer H1 吴明: wechat: "{value}": ')


def test_a_hostile_column_header_cannot_write_escapes_or_lines_to_the_terminal(cli, tmp_path):
    header = '"\x1b[2J\x1b]0;pwned\x07\nname\u202e' + "x" * 500 + '"'
    roster = write(tmp_path / "r.csv", f"id,name,mobile,unit,{header}\n"
                   "C1,吴明,13800000001,柳东派出所,x\n")
    result = cli(["check", "--gen", "2002", "--roster", str(roster)], cwd=tmp_path)
    assert result.code == 0  # an extra column: kept for templates, named in one notice
    assert "\x1b" not in result.stderr and "\u202e" not in result.stderr
    [line] = [line for line in result.err_lines if line.startswith("notice:")]
    assert line.startswith(f"notice: {roster}:1: extra columns kept for templates as extra.*: "
                           "\\x1b[2J\\x1b]0;pwned\\x07\\nname\\u202exxx")
    assert line.endswith("x…") and len(line) < len(str(roster)) + 150

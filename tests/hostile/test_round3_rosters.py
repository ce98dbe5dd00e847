"""Issue 22, items 3, 7 and 10: what a roster file means is never changed silently, and
garbled text never prints (fictional officers)."""

from __future__ import annotations

import pytest
from hostile_helpers import OFFICER, no_network, roster_yaml, write

import cardkit
from cardkit.api import load_roster
from cardkit.design import generations
from cardkit.errors import InputError

pytestmark = pytest.mark.usefixtures("no_network")
__all__ = ["no_network"]

UNIT = "柳州市公安局柳东派出所"



def matrix_image(matrix, scale: int):
    """A code's matrix as a PIL image with its quiet zone (``qr.matrix_pixels``)."""
    from PIL import Image

    from cardkit.render.qr import matrix_pixels

    pixels = matrix_pixels(matrix, scale)
    return Image.frombytes("L", (pixels.shape[1], pixels.shape[0]), pixels.tobytes())

def load(folder, name: str, data: str | bytes, gen: str = "2022"):
    """Read and validate the roster file ``name`` in ``folder`` (no layout)."""
    roster = write(folder / name, data)
    project = cardkit.open_project(folder)
    return load_roster(project, generations.load(project, gen), roster)


def problems(folder, name: str, data: str | bytes) -> list[str]:
    with pytest.raises(InputError) as caught:
        load(folder, name, data)
    return [d.format() for d in caught.value.diagnostics if d.fails()] or [caught.value.message]


# --- item 7: YAML's null words, NEL, screenshots by content ----------------------------------

@pytest.mark.parametrize("word", ["Null", "null", "NULL", "~"])
def test_a_name_yaml_reads_as_null_is_reported_as_that_with_how_to_quote_it(tmp_path, word):
    text = roster_yaml(OFFICER.replace("name: 吴明", f"name: {word}"))
    lines = problems(tmp_path, "r.yaml", text)
    assert lines == [f"error: {tmp_path / 'r.yaml'}:5: officer H1: name: YAML reads the word "
                     f"{word} as empty (null), so name is left empty; if {word} is the value, put "
                     f'it in quotes: name: "{word}"']


def test_a_quoted_null_word_is_a_name_and_an_empty_value_is_still_missing(tmp_path):
    roster = load(tmp_path, "r.yaml", roster_yaml(OFFICER.replace("name: 吴明", 'name: "Null"')))
    assert roster.officers[0].name == "Null"
    lines = problems(tmp_path, "r.yaml", roster_yaml(OFFICER.replace("name: 吴明", "name:")))
    assert lines == [f"error: {tmp_path / 'r.yaml'}:5: officer H1: name: missing (required)"]


def test_an_optional_field_read_as_null_is_a_warning(tmp_path):
    roster = load(tmp_path, "r.yaml", roster_yaml(OFFICER + "\npost: NULL"))
    assert roster.officers[0].post == ""
    warned = [n.format() for n in roster.notes if n.field == "post"]
    assert warned == [f"warning: {tmp_path / 'r.yaml'}:8: officer H1 吴明: post: YAML reads the word "
                      f'NULL as empty (null), so post is left empty; if NULL is the value, put it '
                      f'in quotes: post: "NULL"']


@pytest.mark.parametrize("written", ["吴\x85明", '"吴\x85明"', "吴明\x85"])
def test_a_nel_in_a_yaml_value_is_refused_naming_the_cell(tmp_path, written):
    lines = problems(tmp_path, "r.yaml", roster_yaml(OFFICER.replace("name: 吴明",
                                                                     f"name: {written}")))
    assert lines == [f"error: {tmp_path / 'r.yaml'}:5: name: contains U+0085 (NEL), which YAML "
                     "reads as a line break: the sign of Windows-1252 text read wrongly, where "
                     'that byte is "…"; type the value again']


def test_a_nel_in_a_csv_cell_is_refused_but_other_line_breaks_are_one_space(tmp_path):
    header = "编号,姓名,职务,手机,单位\n"
    lines = problems(tmp_path, "r.csv", header + f"A1,吴\x85明,社区民警,13800000001,{UNIT}\n")
    assert lines == [f"error: {tmp_path / 'r.csv'}:2: officer A1: name: contains U+0085 (NEL) at "
                     'character 2: the sign of Windows-1252 text read wrongly, where that byte is '
                     '"…"; type the value again']
    roster = load(tmp_path, "r.csv", header + f'A1,吴明,"社区\n民警\u2028一",13800000001,{UNIT}\n')
    assert roster.officers[0].post == "社区民警一"  # folded between Chinese characters, as before
    roster = load(tmp_path, "r.csv", header + f'A1,吴明,"Police\r\nOfficer",13800000001,{UNIT}\n')
    assert roster.officers[0].post == "Police Officer"


def _fits_with_a_qr_code(payload: str) -> bytes:
    """A FITS image (astronomy's format, which Pillow reads) holding a readable QR code."""
    from PIL import Image

    from cardkit.render.qr import qr_matrix

    image = matrix_image(qr_matrix(payload), scale=4)
    cards = ["SIMPLE  = " + "T".rjust(20), "BITPIX  = " + "8".rjust(20),
             "NAXIS   = " + "2".rjust(20), "NAXIS1  = " + str(image.width).rjust(20),
             "NAXIS2  = " + str(image.height).rjust(20), "END"]
    data = image.transpose(Image.Transpose.FLIP_TOP_BOTTOM).tobytes()
    return "".join(c.ljust(80) for c in cards).ljust(2880).encode() + data + \
        b"\0" * (-len(data) % 2880)


@pytest.mark.parametrize("name, make", [
    ("wechat.png", lambda: _fits_with_a_qr_code("https://u.wechat.com/H1")),
    ("wechat.gif", lambda: b"GIF89a" + b"\0" * 64),
])
def test_a_screenshot_is_accepted_by_its_content_not_its_name(tmp_path, name, make):
    write(tmp_path / name, make())
    text = roster_yaml(OFFICER.replace("https://u.wechat.com/H1", name))
    lines = problems(tmp_path, "r.yaml", text)
    assert lines == [f'error: {tmp_path / "r.yaml"}:7: officer H1 吴明: wechat: "{name}": not a PNG, '
                     "JPEG or WebP image, whatever its name says; save the screenshot of the "
                     "officer's WeChat QR code as PNG or JPEG"]


@pytest.mark.parametrize("kind", ["PNG", "JPEG", "WEBP"])
def test_png_jpeg_and_webp_screenshots_are_read(tmp_path, kind):
    from cardkit.render.qr import qr_matrix

    payload = f"https://u.wechat.com/{kind}"
    name = f"qr-{kind.lower()}.png"  # the name does not matter, the content does
    matrix_image(qr_matrix(payload), scale=8).convert("RGB").save(tmp_path / name, kind)
    roster = load(tmp_path, "r.yaml", roster_yaml(OFFICER.replace("https://u.wechat.com/H1",
                                                                  name)))
    assert roster.officers[0].wechat == payload


# --- item 3: garbled text never prints ---------------------------------------------------------

CSV_HEADER = "id,name,post,mobile,unit,notes\n"


def test_a_utf8_csv_with_one_stray_windows_1252_byte_is_refused_naming_line_and_byte(tmp_path):
    text = (CSV_HEADER + f"A1,吴明,社区民警,13800000001,{UNIT},\n"
            f"A2,覃晓红,社区民警,13800000002,{UNIT},Caf\x00\n")
    data = text.encode("utf-8").replace(b"\x00", b"\xe9")  # one byte of a cp1252 "Café"
    lines = problems(tmp_path, "r.csv", data)
    assert lines == [f"{tmp_path / 'r.csv'}:3: the bytes 0xE9 are not UTF-8, though the rest of "
                     "the file is (1 such byte in all): the file mixes encodings; retype the "
                     "text there, or save the file again as CSV UTF-8"]


def test_a_gbk_csv_is_still_read_as_gb18030_though_bytes_of_it_look_like_utf8(tmp_path):
    # 路 is C2 B7 in GBK: valid UTF-8 ("·") by chance; the file as a whole is GBK
    text = (CSV_HEADER + f"A1,吴明,社区民警,13800000001,{UNIT},柳东路\n"
            f"A2,欧阳晓林,社区民警,13800000002,{UNIT},文昌路\n")
    roster = load(tmp_path, "r.csv", text.encode("gbk"))
    assert [o.name for o in roster.officers] == ["吴明", "欧阳晓林"]
    assert roster.officers[1].extra["notes"] == "文昌路"


def test_a_character_lost_to_a_question_mark_when_saved_as_gbk_is_an_error_naming_the_cell(
        tmp_path):
    text = CSV_HEADER + f"A1,欧阳𠮷林,社区民警,13800000001,{UNIT},\n"
    data = text.encode("gbk", errors="replace")  # what WPS writes: 欧阳?林
    assert "欧阳?林".encode("gbk") in data
    lines = problems(tmp_path, "r.csv", data)
    assert lines == [f'error: {tmp_path / "r.csv"}:2: officer A1: name: "欧阳?林": a "?" or "\ufffd" '
                     "stands where a character was: the file lost characters when it was saved "
                     'in an encoding that cannot hold them (WPS and Excel save plain "CSV" as '
                     'GBK); save the sheet as "CSV UTF-8" (Excel: Save As, CSV UTF-8; WPS: Save '
                     "As, CSV, encoding UTF-8) or as XLSX, and read that"]


@pytest.mark.parametrize("field, value", [("post", "社区?警"), ("area", "柳东\ufffd"),
                                          ("address", "柳东路?号"), ("unit", "柳州市公安局柳东?出所")])
def test_a_lost_character_in_a_post_area_address_or_unit_is_an_error_too(tmp_path, field, value):
    row = {"id": "A1", "name": "吴明", "post": "社区民警", "mobile": "13800000001", "unit": UNIT,
           field: value}
    text = ",".join(row) + "\n" + ",".join(row.values()) + "\n"
    lines = problems(tmp_path, "r.csv", text.encode("utf-8"))
    assert len(lines) == 1 and lines[0].startswith(
        f'error: {tmp_path / "r.csv"}:2: officer A1 吴明: {field}: "{value}": a "?" or "\ufffd" stands '
        "where a character was: the file lost characters"), lines


def test_a_question_mark_in_latin_text_is_kept(tmp_path):
    text = "id,name,post,mobile,unit\nA1,吴明,Any questions?,13800000001," + UNIT + "\n"
    assert load(tmp_path, "r.csv", text).officers[0].post == "Any questions?"


def test_a_lost_character_in_the_unit_of_a_yaml_roster_is_an_error(tmp_path):
    lines = problems(tmp_path, "r.yaml", roster_yaml(OFFICER, unit="  name: 柳东?出所\n"))
    assert len(lines) == 1 and lines[0].startswith(
        f'error: {tmp_path / "r.yaml"}:2: unit: name: "柳东?出所": a "?" or "\ufffd" stands'), lines


# --- item 10 (roster side): text fields are composed (NFC) before layout ----------------------

DECOMPOSED = ("Nguy\u00ea\u0303n", "Nguye\u0302\u0303n")  # ê + tilde; e + circumflex + tilde
NGUYEN = "Nguy\u1ec5n"  # ễ, one character


@pytest.mark.parametrize("written", DECOMPOSED)
def test_a_decomposed_name_is_composed_in_every_roster_form(tmp_path, written):
    csv = f"id,name,mobile,unit,address\nV1,{written},13800000001,{UNIT},{written} 路\n"
    officer = load(tmp_path, "r.csv", csv.encode("utf-8")).officers[0]
    assert (officer.name, officer.unit.address) == (NGUYEN, f"{NGUYEN} 路")
    hand_built = cardkit.Officer(id="V1", name=written, unit=cardkit.Unit(name=UNIT),
                                 mobile="13800000001")
    project = cardkit.open_project(tmp_path)
    loaded = load_roster(project, generations.load(project, "2022"), [hand_built])
    assert loaded.officers[0].name == NGUYEN


def test_a_decomposed_unit_field_of_cardkit_yaml_is_composed(tmp_path):
    write(tmp_path / "cardkit.yaml", f"unit:\n  name: {UNIT}\n  address: {DECOMPOSED[0]}路1号\n")
    roster = load(tmp_path, "r.yaml", roster_yaml(OFFICER, unit=""))
    assert roster.officers[0].unit.address == f"{NGUYEN}路1号"


def test_the_printed_pdf_holds_the_composed_name(tmp_path):
    from pdfcheck import page_texts

    officers = [{"id": "V1", "name": DECOMPOSED[0], "mobile": "13912345671",
                 "wechat": "https://u.wechat.com/V1", "unit": UNIT}]
    result = cardkit.print_cards(cardkit.open_project(tmp_path), cardkit.PrintOptions(
        gen="2022", roster=officers, layout="cards", sides="front", jobs=1))
    text = page_texts(result.pdf)[0]
    assert NGUYEN in text and "\u0303" not in text, text

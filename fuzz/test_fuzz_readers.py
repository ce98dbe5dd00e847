"""Property tests (hypothesis) for everything that reads a file a stranger may have written.

Whatever bytes arrive, the roster and generation readers either return data or raise a
``CardkitError`` (one line for the user); never another exception, never a hang. What a
roster lets through is plain text. Kept fast for the default suite; for a long run use
the atheris target beside this file (see README, "Fuzzing").
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cardkit import yamlio
from cardkit.errors import CardkitError
from cardkit.roster import textsafety

# Pieces of YAML and CSV syntax, so generated files get past the first character.
YAML_TOKENS = [
    "unit:", "officers:", "\n", "\n  ", "\n    ", "- ", ": ", "id", "name", "mobile", "wechat",
    "extra", "[", "]", "{", "}", ",", "&a ", "*a", "<<: ", "!!str ", "!!binary ", "!!python/name:os.system",
    "!x ", "? ", "'", '"', "\\u202e", "\\0", "\\ud800", "|", ">", "#", "---", "...", "0772", "0x1f",
    "1e400", "2001-13-45", "no", "~", "null", "吴明", "13800000001", "https://u.wechat.com/A",
    "\t", "\u202e", "\u200b", "\x07", "\x00", "\ufeff", "%YAML 1.1\n", "%TAG ! tag:x,1:\n",
]
CSV_TOKENS = ["编号", "姓名", "手机", "微信", "单位", "id", "name", "mobile", ",", "\n", "\r\n",
              '"', '""', "吴明", "13800000001", "0772-0000001", "\u202e", "\x00", "\x07", "=cmd|",
              "\ufeff", ";", "\t"]
EXAMPLES = settings(max_examples=150, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow])


def texts_from(tokens: list[str]) -> st.SearchStrategy[str]:
    return st.lists(st.one_of(st.sampled_from(tokens), st.text(max_size=8)), max_size=60).map(
        "".join)


def encoded(strategy: st.SearchStrategy[str]) -> st.SearchStrategy[bytes]:
    return st.one_of(
        strategy.map(lambda s: s.encode("utf-8", "surrogatepass")),
        strategy.map(lambda s: s.encode("gb18030", "replace")),
        strategy.map(lambda s: s.encode("utf-16", "surrogatepass")),
        st.binary(max_size=300),
    )


def only_cardkit_errors(function, *args, **kwargs):
    start = time.perf_counter()
    try:
        result = function(*args, **kwargs)
    except CardkitError as exc:
        assert exc.lines() and all("\n" not in line for line in exc.lines())
        result = None
    assert time.perf_counter() - start < 2, "a reader took over 2 s on a small input"
    return result


@EXAMPLES
@given(data=encoded(texts_from(YAML_TOKENS)), strings=st.booleans())
def test_yaml_reader_raises_only_cardkit_errors(data, strings):
    only_cardkit_errors(yamlio.load, data, name="fuzz.yaml", strings=strings)


@EXAMPLES
@given(data=encoded(texts_from(YAML_TOKENS)))
def test_yaml_roster_gives_plain_text_or_one_line_errors(data):
    from cardkit.roster.validate import build_roster
    from cardkit.roster.yaml_roster import read_yaml_roster

    raw = only_cardkit_errors(read_yaml_roster, data, name="fuzz.yaml", root=Path.cwd())
    if raw is None:
        return
    roster = only_cardkit_errors(build_roster, raw)
    for officer in roster.officers if roster else ():
        for value in (*officer.as_context().values(), *officer.unit.as_context().values()):
            if isinstance(value, str):
                assert textsafety.clean(value) == (value, None), value


@EXAMPLES
@given(data=encoded(texts_from(CSV_TOKENS)))
def test_csv_roster_gives_plain_text_or_one_line_errors(data):
    from cardkit.roster.csv_roster import read_csv_roster
    from cardkit.roster.validate import build_roster

    raw = only_cardkit_errors(read_csv_roster, data, name="fuzz.csv", root=Path.cwd())
    if raw is not None:
        only_cardkit_errors(build_roster, raw)


GEN_TOKENS = YAML_TOKENS + [
    'extends: "2022"', "extends: fz", "title:", "card:", "width_mm:", "bleed_mm:", "colors:",
    "background:", '"#ffffff"', "fonts:", "body:", "- Noto Sans CJK SC", "front:", "back:",
    "show:", "[qr, name]", "qr:", "size_mm:", "mascot:", "image:", "../../etc/passwd",
    "templates:", "front.html", "texts:", "promise:", "web:", "-1", "1e9", "fields:",
]


@pytest.fixture(scope="module")
def gen_project():
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "generations").mkdir()
        yield Path(folder)


@EXAMPLES
@given(text=texts_from(GEN_TOKENS))
def test_generation_reader_raises_only_cardkit_errors(gen_project, text):
    from cardkit.design import generations
    from cardkit.project import Project

    (gen_project / "generations" / "fz.yaml").write_bytes(text.encode("utf-8", "surrogatepass"))
    only_cardkit_errors(generations.load, Project(root=gen_project), "fz")


@settings(max_examples=300, deadline=None, derandomize=True)
@given(value=st.text(max_size=300))
def test_cleaned_text_is_plain_and_cleaning_is_stable(value):
    text, problem = textsafety.clean(value)
    again, second = textsafety.clean(text)
    assert again == text  # nothing left to remove
    assert second is None or "characters long" in second or "combining" in second
    assert not any(c in text for c in "\x00\x07\x1b\u202e\u2066\u200b\ufeff\n\t")
    if problem is None:
        assert len(value) <= textsafety.MAX_FIELD_CHARS


def _seed_workbooks() -> dict[str, bytes]:
    """A small valid .xls and .ods, the starting point of the mutations below."""
    import io

    import xlwt
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableCell, TableRow
    from odf.text import P

    rows = [["名单"], ["编号", "姓名", "手机", "单位"], ["A1", "吴明", 13800000001, "柳东派出所"]]
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("名单")
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            sheet.write(r, c, value, xlwt.easyxf(num_format_str="0.00E+00") if c == 2 else
                        xlwt.Style.default_style)
    xls = io.BytesIO()
    book.save(xls)
    document = OpenDocumentSpreadsheet()
    table = Table(name="名单")
    for row in rows:
        table_row = TableRow()
        for value in row:
            cell = TableCell(valuetype="float", value=value) if isinstance(value, int) else \
                TableCell(valuetype="string")
            cell.addElement(P(text=str(value)))
            table_row.addElement(cell)
        table.addElement(table_row)
    document.spreadsheet.addElement(table)
    ods = io.BytesIO()
    document.write(ods)
    return {"xls": xls.getvalue(), "ods": ods.getvalue()}


_SEEDS: dict[str, bytes] = {}


@EXAMPLES
@given(kind=st.sampled_from(["xls", "ods"]),
       edits=st.lists(st.tuples(st.integers(min_value=0), st.integers(0, 255)), max_size=12),
       cut=st.one_of(st.none(), st.integers(min_value=0)))
def test_damaged_xls_and_ods_rosters_raise_only_cardkit_errors(kind, edits, cut):
    from cardkit.roster import ods_roster, xls_roster
    from cardkit.roster.validate import build_roster

    if not _SEEDS:
        _SEEDS.update(_seed_workbooks())
    data = bytearray(_SEEDS[kind])
    for offset, value in edits:
        data[offset % len(data)] = value
    if cut is not None:
        data = data[:cut % len(data)]
    reader = xls_roster.read_xls_roster if kind == "xls" else ods_roster.read_ods_roster
    raw = only_cardkit_errors(reader, bytes(data), name=f"fuzz.{kind}", root=Path.cwd())
    if raw is not None:
        only_cardkit_errors(build_roster, raw)

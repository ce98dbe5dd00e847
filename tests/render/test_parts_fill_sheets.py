"""A job printed in parts (api._print_in_parts) cuts its parts where sheets end: no sheet
inside the job is left part empty, whatever the cards per sheet (issue 21 review)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from pdfcheck import page_texts

REPO = Path(__file__).resolve().parents[2]


def test_parts_end_where_a_sheet_ends(cli, monkeypatch, tmp_path):
    from cardkit import api

    spec = importlib.util.spec_from_file_location("bench_roster", REPO / "bench" / "roster.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    roster = module.write_roster(30, tmp_path / "roster.csv")
    monkeypatch.setattr(api, "PART", 25)  # not a multiple of A4's ten cards: parts of 20
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")
    out = tmp_path / "cards.pdf"
    result = cli(["print", "--gen", "2022", "--roster", str(roster), "-o", str(out)])
    assert result.code == 0, result.stderr
    fronts = page_texts(out)[::2]
    assert [text.count("辖区") for text in fronts] == [10, 10, 10]  # three full sheets

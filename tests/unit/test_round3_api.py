"""Issue 22, item 9: the in-memory roster does what the docs say (fictional officers)."""

from __future__ import annotations

import pytest

import cardkit
from cardkit.api import load_roster
from cardkit.design import generations
from cardkit.errors import Diagnostic, InputError

UNIT = "柳州市公安局柳东派出所"
OFFICER = {"id": "T001", "name": "吴明", "mobile": "13912345671",
           "wechat": "https://u.wechat.com/T001", "unit": UNIT}
WEB = [{"label": "网上公安局", "url": "https://wsgaj.liudong-pcs.cn/"},
       {"label": "网上警务室", "url": "https://jwsh.liudong-pcs.cn/"}]


@pytest.fixture
def project(tmp_path):
    return cardkit.open_project(tmp_path)  # built-in generations only


def load(project, roster, gen="2022"):
    return load_roster(project, generations.load(project, gen), roster)


def test_the_unit_web_list_of_an_in_memory_roster_is_read_as_written(project):
    officer = {k: v for k, v in OFFICER.items() if k != "unit"}
    roster = load(project, {"unit": {"name": UNIT, "web": WEB}, "officers": [officer]})
    assert roster.officers[0].unit.web == (("网上公安局", "https://wsgaj.liudong-pcs.cn/"),
                                           ("网上警务室", "https://jwsh.liudong-pcs.cn/"))
    assert not [n for n in roster.notes if n.field.startswith("web.")]  # no "missing" warning


def test_officer_objects_built_by_hand_are_validated_as_rows_are(project):
    unit = cardkit.Unit(name=UNIT)
    good = cardkit.Officer(id="T003", name="韦建国", unit=unit, mobile="13912345673",
                           wechat="https://u.wechat.com/T003")
    bad_number = cardkit.Officer(id="T004", name="覃晓红", unit=unit, mobile="12",
                                 wechat="https://u.wechat.com/T004")
    foreign_qr = cardkit.Officer(id="T005", name="陆海", unit=unit, mobile="13912345675",
                                 wechat="https://phish.example.net/T005")
    with pytest.raises(InputError) as caught:
        load(project, [good, bad_number, foreign_qr])
    lines = [d.format() for d in caught.value.diagnostics]
    assert 'error: <roster>:2: officer T004 覃晓红: mobile: "12": not a valid mobile number' in lines
    assert any(line.startswith("error: <roster>:3: officer T005 陆海: wechat: ")
               and "phish.example.net" in line for line in lines), lines
    roster = load(project, [good])  # as rows: the number written the way people read it
    assert roster.officers[0].mobile == "139 1234 5673" and roster.officers[0].unit.name == UNIT


def test_a_hand_built_roster_object_is_validated_too(project):
    officer = cardkit.Officer(id="T004", name="覃晓红", unit=cardkit.Unit(name=UNIT), mobile="12")
    with pytest.raises(InputError, match="not a valid mobile number"):
        load(project, cardkit.Roster(officers=(officer,)))


def test_check_honours_its_generation_beside_options(project):
    options = cardkit.PrintOptions(gen="2022", roster=[OFFICER])
    with pytest.raises(cardkit.UsageError, match="no-such-gen"):  # a name that is none: exit 2
        cardkit.check(project, "no-such-gen", options=options)


@pytest.mark.parametrize("jobs", [-5, 0])
def test_a_jobs_count_below_one_is_refused(project, jobs):
    with pytest.raises(cardkit.UsageError, match="--jobs must be at least 1"):
        cardkit.print_cards(project, cardkit.PrintOptions(gen="2022", roster=[OFFICER], jobs=jobs))
    with pytest.raises(cardkit.UsageError, match="--jobs must be at least 1"):
        cardkit.check(project, "2022", options=cardkit.PrintOptions(gen="2022", roster=[OFFICER]),
                      jobs=jobs)


@pytest.mark.parametrize("roster", [42, 4.2, b"roster.csv"])
def test_a_roster_that_is_no_roster_is_a_usage_error_saying_what_a_roster_is(project, roster):
    with pytest.raises(cardkit.UsageError) as caught:
        cardkit.print_cards(project, cardkit.PrintOptions(gen="2022", roster=roster))
    assert "is not a roster; give a file path, a list of officers" in str(caught.value)


def test_str_of_an_input_error_says_the_first_problem_and_how_many_more(project):
    rows = [{**OFFICER, "mobile": "12"}, {**OFFICER, "id": "T002", "mobile": "13"},
            {**OFFICER, "id": "T003", "name": ""}]
    with pytest.raises(InputError) as caught:
        load(project, rows)
    assert str(caught.value) == ('bad roster: <roster>:1: officer T001 吴明: mobile: "12": not a '
                                 "valid mobile number (and 2 more problems)")
    one = InputError("bad roster", [Diagnostic(file="r.csv", line=3, message="oops")])
    assert str(one) == "bad roster: r.csv:3: oops"
    assert str(InputError("plain message")) == "plain message"

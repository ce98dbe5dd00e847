"""Issue 22, item 5: damaged ledgers and designs are refused with one line, never crashed on."""

from __future__ import annotations

import pytest
from conftest import copy_example
from hostile_helpers import no_network, write

from cardkit.design import templating

pytestmark = pytest.mark.usefixtures("no_network")
__all__ = ["no_network"]

DEEP = 100_000


@pytest.fixture
def site(tmp_path):
    copy_example(tmp_path / "roster.yaml")
    write(tmp_path / "cardkit.yaml", "roster: roster.yaml\n")
    return tmp_path


def refused(result, *wanted: str) -> None:
    """Exit 1, one ``error:`` line holding every ``wanted``, no internal error."""
    assert result.code == 1, result.stderr
    errors = [line for line in result.err_lines if line.startswith("error:")]
    assert len(errors) == 1, result.stderr
    assert "internal error" not in result.stderr
    for text in wanted:
        assert text in errors[0], errors[0]


@pytest.mark.parametrize("ledger, reason", [
    ('{"format": "cardkit-report/1", "digests": []}', '"digests" must map each officer id'),
    ('{"format": "cardkit-report/1", "digests": {"LD001": 7}}', '"digests" must map'),
    ("[" * DEEP, "nested too deeply"),
    ('{"a":' * DEEP, "nested too deeply"),
])
def test_a_damaged_ledger_given_to_changed_since_is_one_line(cli, site, ledger, reason):
    write(site / "old.json", ledger)
    result = cli(["print", "--gen", "2022", "--changed-since", "old.json", "-o", "out.pdf",
                  "--jobs", "1"], cwd=site)
    refused(result, "old.json", reason)
    assert not (site / "out.pdf").exists()


@pytest.mark.parametrize("name, text", [
    ("roster.yaml", "unit:\n  name: " + "[" * DEEP + "\n"),
    ("cardkit.yaml", "unit: " + "[" * DEEP + "\n"),
])
def test_a_hundred_thousand_brackets_in_yaml_are_one_line(cli, site, name, text):
    write(site / name, text)
    result = cli(["check", "--gen", "2022", "--jobs", "1"], cwd=site)
    refused(result, f"{name}:", "nested deeper than 64 levels")


def test_a_template_of_5000_nested_divs_is_refused_before_layout(cli, site):
    write(site / "templates" / "front.html", '{% extends "!builtin/front.html" %}'
          "{% block decoration %}" + "<div>" * 5000 + "x" + "</div>" * 5000 + "{% endblock %}")
    for command in (["print", "-o", "out.pdf"], ["check"]):
        result = cli([*command, "--gen", "2022", "--jobs", "1"], cwd=site)
        refused(result, "front.html", "nests elements 5,001 deep", "at most 100")
    assert not (site / "out.pdf").exists()


def test_nesting_counts_open_elements_not_void_or_self_closed_ones():
    assert templating.nesting("<div><p>a<p>b<br><img src=x><svg><path/></svg></div>") == 2
    assert templating.nesting("<div>" * 3 + "</div>" * 3 + "<span></span>") == 3


def test_a_stylesheet_that_recurses_past_the_stack_is_one_line(cli, site):
    """What no check foresaw (thousands of nested calc()) meets the API's boundary."""
    from conftest import REPO

    css = (REPO / "templates" / "card.css").read_text(encoding="utf-8")
    write(site / "templates" / "card.css",
          css + "\n.face { width: " + "calc(" * 3000 + "1px" + ")" * 3000 + "; }\n")
    result = cli(["check", "--gen", "2022", "--jobs", "1"], cwd=site)
    refused(result, "nested too deeply to lay out")


@pytest.mark.parametrize("deep, refused_too", [(100, False), (101, True)])
def test_the_nesting_limit_holds_at_its_edge_with_text_and_closed_tags_around(deep, refused_too):
    """Pages with few opening tags skip the scan (they cannot nest deeper than they have
    tags); at the edge the count is still exact."""
    from cardkit.design.templating import CardEnvironment, render
    from cardkit.errors import InputError

    source = "<p>a</p>" * 50 + "<div>" * deep + "x" + "</div>" * deep + "<br>" * 30
    template = CardEnvironment().from_string(source)
    if refused_too:
        with pytest.raises(InputError, match=f"nests elements {deep} deep"):
            render(template, {})
    else:
        assert render(template, {}) == source

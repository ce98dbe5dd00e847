"""A QR payload long enough to force error correction down to L is a warning naming the
officer, the level and the length, and suggesting the short link (issue 23, item 12)."""

from __future__ import annotations

from cardkit import api
from cardkit.design import generations
from cardkit.project import Project

SHORT = "https://u.wechat.com/MFx1Ab2cD3eF4gH5iJ6kL7m"
LONG = SHORT + "?from=timeline&isappinstalled=0&scene=1&clicktime=1700000000&enterid=1700000000"


def _warnings(tmp_path, links: dict[str, str]):
    project = Project(root=tmp_path)
    gen = generations.load(project, "2022")
    officers = [{"id": officer_id, "name": "王明", "mobile": "13912345678", "wechat": link}
                for officer_id, link in links.items()]
    roster = api.load_roster(project, gen, {"unit": {"name": "桂林市公安局象山派出所"},
                                            "officers": officers})
    return [n for n in roster.notes if "error correction" in n.message]


def test_a_long_link_that_forces_level_l_is_a_warning_naming_officer_level_and_length(tmp_path):
    found = _warnings(tmp_path, {"450331": LONG, "450332": SHORT})
    assert len(found) == 1
    warning = found[0]
    assert warning.severity == "warning" and warning.subject.startswith("officer 450331")
    assert warning.field == "wechat"
    line = warning.format()
    assert f"{len(LONG)} characters" in line and "level L" in line
    assert "short form of the link" in line


def test_a_short_link_gives_no_warning(tmp_path):
    assert _warnings(tmp_path, {"450332": SHORT}) == []

"""Preflight on laid-out cards: fit policies, QR from a screenshot, read back from the PDF."""

from __future__ import annotations

import shutil

import pytest
from conftest import REPO
from pdfcheck import find_text, qr_codes

DEFECTS = REPO / "tests" / "fixtures" / "defects"
LONG_UNIT = "柳州市公安局柳东新区分局柳东派出所第二警务室"
ROSTER = ("编号,姓名,职务,手机,微信,单位\n"
          f"A1,吴明,社区民警,13800000001,wuming.png,{LONG_UNIT}\n")


@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
    """A generation with a fit policy for the unit; one card printed with a long unit name."""
    from conftest import run_cli

    folder = tmp_path_factory.mktemp("fit")
    (folder / "generations").mkdir()
    (folder / "generations" / "fit.yaml").write_text(
        'extends: "2022"\nfit:\n  unit: {min_pt: 7}\n', encoding="utf-8")
    (folder / "generations" / "nofit.yaml").write_text(
        'extends: "2022"\nfit:\n  unit: null\n', encoding="utf-8")  # drops the built-in policy
    shutil.copy(DEFECTS / "wechat_ok.png", folder / "wuming.png")
    (folder / "r.csv").write_text(ROSTER, encoding="utf-8")
    result = run_cli(["print", "--gen", "fit", "--roster", "r.csv", "--layout", "cards",
                      "-o", "fit.pdf"], cwd=folder)
    assert result.code == 0, result.stderr
    return folder


def test_without_a_fit_policy_the_long_unit_is_refused_with_its_overlap(cli, fitted):
    result = cli(["check", "--gen", "nofit", "--roster", "r.csv"], cwd=fitted)
    assert result.code == 1
    errors = [line for line in result.err_lines if line.startswith("error:")]
    assert len(errors) == 1
    line = errors[0]
    assert line.startswith(f'error: r.csv:2: officer A1 吴明: unit: "{LONG_UNIT}" overflows into the '
                           "text beside it by ")
    assert line.endswith(" mm; shorten it, or give the generation a fit: policy for unit")
    assert 1.0 < float(line.split(" by ")[1].split(" mm")[0]) < 5.0


def test_fit_policy_shrinks_the_unit_so_it_clears_the_card_title(fitted):
    pdf = fitted / "fit.pdf"
    unit = find_text(pdf, 0, LONG_UNIT)
    title = find_text(pdf, 0, "警民联系卡")
    assert len(unit) == 1 and len(title) == 1
    unit_right = 2 * unit[0].x - unit[0].left
    assert unit_right < title[0].left
    assert unit_right < 2 + 90 - 3  # inside the safe zone (page includes 2 mm bleed)


def test_check_agrees_that_the_fitted_card_is_fine(cli, fitted):
    result = cli(["check", "--gen", "fit", "--roster", "r.csv"], cwd=fitted)
    assert result.code == 0, result.stderr


def test_wechat_screenshot_is_printed_as_a_vector_code_of_its_url(fitted):
    codes = qr_codes(fitted / "fit.pdf", 0)
    assert [c.text for c in codes] == ["https://u.wechat.com/SCREENSHOT1"]
    import pikepdf
    from pdfcheck import page_texts

    with pikepdf.open(fitted / "fit.pdf") as pdf:  # drawn as vectors, not the screenshot pasted
        assert dict(pdf.pages[0].get_images()) == {}
    assert "吴明" in page_texts(fitted / "fit.pdf")[0]


def test_fit_policy_wraps_a_long_name_onto_two_lines_when_shrinking_is_not_enough(cli, fitted):
    (fitted / "generations" / "wrap.yaml").write_text(
        'extends: "2022"\nfit:\n  name: {min_pt: 12, max_lines: 2}\n  post: {min_pt: 6}\n',
        encoding="utf-8")
    (fitted / "long.csv").write_text(
        "编号,姓名,职务,手机,微信,单位\n"
        "A3,欧阳司马长名字特别长的名字,社区民警,13800000003,https://u.wechat.com/A3,柳东派出所\n",
        encoding="utf-8")
    refused = cli(["check", "--gen", "nofit", "--roster", "long.csv"], cwd=fitted)
    assert refused.code == 1
    result = cli(["-q", "print", "--gen", "wrap", "--roster", "long.csv", "--layout", "cards",
                  "--sides", "front", "-o", "wrap.pdf"], cwd=fitted)
    assert result.code == 0, result.stderr
    first, = find_text(fitted / "wrap.pdf", 0, "欧")
    later, = find_text(fitted / "wrap.pdf", 0, "的")
    post, = find_text(fitted / "wrap.pdf", 0, "社区民警")
    assert later.y > first.y + 3  # the name's second line
    assert abs(later.left - first.left) < 0.5  # both lines start at the same margin
    assert 2 * post.x - post.left < 2 + 90 - 3  # the post stays inside the safe zone

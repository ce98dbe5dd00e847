"""init / new scaffolds print as written; the field reference is what the schema says."""

import pytest
import yaml
from conftest import REPO
from pdfcheck import page_texts, qr_codes

from cardkit.model import OFFICER_FIELDS, UNIT_FIELDS
from cardkit.tools import reference


def test_init_scaffolds_a_folder_that_prints_with_no_edits(cli, tmp_path):
    result = cli(["init", "bureau"], cwd=tmp_path)
    assert result.code == 0, result.stderr
    folder = tmp_path / "bureau"
    assert sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()) == [
        ".gitignore", "cardkit.yaml", "generations/local.yaml", "roster.yaml", "templates/README.md"]
    assert result.err_lines[-1] == "next: cardkit --project bureau print --gen local"
    printed = cli(["--project", "bureau", "print", "--gen", "local"], cwd=tmp_path)
    assert printed.code == 0, printed.stderr
    pdf = folder / "out" / "cards-local.pdf"
    assert "张卫东" in page_texts(pdf)[0] and "示例县公安局城关派出所" in page_texts(pdf)[0]
    assert {c.text for c in qr_codes(pdf, 0)} == {"https://u.wechat.com/EXAMPLE-CG001",
                                                  "https://u.wechat.com/EXAMPLE-CG002"}
    shown = cli(["--project", "bureau", "show", "local"], cwd=tmp_path)
    resolved = yaml.safe_load(shown.stdout)
    assert resolved["chain"] == ["local", "2022", "2012", "2006", "2002"]


def test_init_never_overwrites(cli, tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "roster.yaml").write_text("mine\n", encoding="utf-8")
    result = cli(["init", "b"], cwd=tmp_path)
    assert result.code == 1
    assert result.err_lines == ["error: b/roster.yaml: already exists; cardkit does not overwrite it"]
    assert (tmp_path / "b" / "roster.yaml").read_text(encoding="utf-8") == "mine\n"
    assert not (tmp_path / "b" / "cardkit.yaml").exists()


def test_init_from_another_base(cli, tmp_path):
    result = cli(["-q", "init", "old", "--from", "2006", "--gen", "ours"], cwd=tmp_path)
    assert result.code == 0, result.stderr
    text = (tmp_path / "old" / "generations" / "ours.yaml").read_text(encoding="utf-8")
    assert 'extends: "2006"' in text and '#   background: "#dcebf7"' in text


def test_new_scaffolds_a_generation_that_resolves_and_prints(cli, project):
    result = cli(["new", "2030", "--from", "2022"], cwd=project)
    assert result.code == 0, result.stderr
    target = project / "generations" / "2030.yaml"
    assert result.err_lines == ["wrote generations/2030.yaml"]
    data = yaml.safe_load(target.read_text(encoding="utf-8"))
    assert data["extends"] == "2022" and data["title"] == "警民联系卡（2030）"
    listed = cli(["list"], cwd=project).stdout.decode("utf-8")
    assert "2030   警民联系卡（2030）  (base 2022, 90x54mm)" in listed
    diff = cli(["diff", "2022", "2030", "--no-png"], cwd=project)
    assert {line.split(":")[0] for line in diff.stdout.decode("utf-8").splitlines()} == {
        "~ title", "~ year", "~ summary"}
    again = cli(["new", "2030", "--from", "2012"], cwd=project)
    assert again.code == 1 and again.err_lines[-1].endswith("already exists; cardkit does not overwrite it")


def test_new_refuses_unknown_bases_and_bad_ids(cli, project):
    unknown = cli(["new", "2030", "--from", "1999"], cwd=project)
    assert unknown.code == 2 and "unknown generation '1999'" in unknown.err_lines[-1]
    bad = cli(["new", "../evil", "--from", "2022"], cwd=project)
    assert bad.code == 2
    missing = cli(["new", "2030"], cwd=project)
    assert missing.code == 2
    assert not (project / "generations").exists()


@pytest.mark.parametrize(("lang", "path"), sorted(reference.REFERENCE_PATHS.items()))
def test_reference_is_up_to_date_with_the_schema(lang, path):
    committed = (REPO / path).read_text(encoding="utf-8")
    assert committed == reference.render(lang), (
        f"{path} is out of date: run `python -m cardkit.tools.reference --write`")


def test_reference_documents_every_generation_key_and_roster_field():
    from cardkit.design.schema import OPTIONS as SCHEMA

    text = reference.render()
    for key in SCHEMA:
        assert f"| `{key}` |" in text
    for field in OFFICER_FIELDS + UNIT_FIELDS:
        assert f"| `{field}` |" in text
    assert "| `phone` | phone or mobile | 电话、" in text

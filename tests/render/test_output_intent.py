"""The shop's own press condition (issue 23, item 11): ``--output-intent FILE.icc`` and
``--output-condition NAME`` embed the shop's profile; FOGRA39 stays the default; CMYK
values are printed as stated, never converted."""

from __future__ import annotations

import shutil
from pathlib import Path

import pikepdf
import pytest
from conftest import EXAMPLE_ROSTER, REPO, run_cli

from cardkit.pdf.pdfx import output_profile

GS_CMYK = Path("/usr/share/color/icc/ghostscript/default_cmyk.icc")


def _cmyk_profile() -> Path:
    """A CMYK output profile found on the machine (Ghostscript's), or skip."""
    candidates = [GS_CMYK]
    for share in ("/usr/share", "/usr/local/share", "/opt/homebrew/share"):
        candidates += sorted(Path(share).glob("ghostscript/*/iccprofiles/default_cmyk.icc"))
    for path in candidates:
        if path.is_file():
            return path
    pytest.skip("no CMYK ICC profile on this machine (Ghostscript's default_cmyk.icc; "
                "install ghostscript)")


def _print(tmp_path: Path, *extra: str) -> tuple[object, Path]:
    target = tmp_path / "shop.pdf"
    result = run_cli(["print", "--gen", "2022", "--roster", str(EXAMPLE_ROSTER), "--officer",
                      "LD001", "--preset", "shop", "--jobs", "1", "-o", str(target), *extra],
                     cwd=REPO)
    return result, target


def _colour_ops(path: Path) -> list[tuple[str, tuple[float, ...]]]:
    """Every colour set in the pages and their forms, with its values as stated."""
    found = []
    with pikepdf.open(path) as pdf:
        streams = [o for o in pdf.objects
                   if isinstance(o, pikepdf.Stream) and o.get("/Subtype") == "/Form"]
        streams += [pikepdf.Page(page) for page in pdf.pages]
        for stream in streams:
            for operands, op in pikepdf.parse_content_stream(stream):
                if str(op) in ("k", "K", "sc", "scn", "SC", "SCN") and not any(
                        isinstance(v, pikepdf.Name) for v in operands):
                    found.append((str(op), tuple(round(float(v), 4) for v in operands)))
    return sorted(found)


@pytest.fixture(scope="module")
def default_job(tmp_path_factory):
    result, target = _print(tmp_path_factory.mktemp("fogra"))
    assert result.code == 0, result.stderr
    return target


def test_the_shops_profile_and_condition_are_the_output_intent(tmp_path, default_job):
    profile = _cmyk_profile()
    result, target = _print(tmp_path, "--output-intent", str(profile),
                            "--output-condition", "JC200103")
    assert result.code == 0, result.stderr
    with pikepdf.open(target) as pdf:
        intents = pdf.Root.OutputIntents
        assert len(intents) == 1
        intent = intents[0]
        assert intent.S == "/GTS_PDFX"
        assert str(intent.OutputConditionIdentifier) == "JC200103"
        assert intent.DestOutputProfile.read_bytes() == profile.read_bytes()
        assert intent.DestOutputProfile.N == 4
        assert "SWOP" in str(intent.OutputCondition)  # the profile's own description
    # nothing converted: the same CMYK values as the FOGRA39 job
    colours = _colour_ops(target)
    assert colours == _colour_ops(default_job)
    assert len({values for _op, values in colours if len(values) == 4}) > 3


def test_fogra39_stays_the_default(default_job):
    with pikepdf.open(default_job) as pdf:
        intent = pdf.Root.OutputIntents[0]
        assert str(intent.OutputConditionIdentifier) == "FOGRA39"
        assert intent.DestOutputProfile.read_bytes() == output_profile()


def test_a_profile_without_a_registered_name_is_a_custom_condition(tmp_path):
    result, target = _print(tmp_path, "--output-intent", str(_cmyk_profile()))
    assert result.code == 0, result.stderr
    with pikepdf.open(target) as pdf:
        intent = pdf.Root.OutputIntents[0]
        assert str(intent.OutputConditionIdentifier) == "Custom"
        assert "/RegistryName" not in intent


def test_an_rgb_profile_or_a_non_profile_is_refused(tmp_path):
    rgb = tmp_path / "srgb.icc"
    srgb = next((p for p in (GS_CMYK.parent / "srgb.icc", GS_CMYK.parent / "default_rgb.icc")
                 if p.is_file()), None)
    if srgb is None:
        pytest.skip("no RGB ICC profile on this machine")
    shutil.copy(srgb, rgb)
    result, target = _print(tmp_path, "--output-intent", str(rgb))
    assert result.code == 1 and not target.exists()
    assert "CMYK output (printer) profile" in result.stderr
    text = tmp_path / "notes.icc"
    text.write_text("not a profile", encoding="utf-8")
    result, _ = _print(tmp_path, "--output-intent", str(text))
    assert result.code == 1 and "not an ICC profile" in result.stderr


def test_usage_of_the_options(tmp_path):
    profile = str(_cmyk_profile())
    result = run_cli(["print", "--gen", "2002", "--roster", str(EXAMPLE_ROSTER),
                      "--output-intent", profile, "-o", str(tmp_path / "x.pdf")], cwd=REPO)
    assert result.code == 2 and "--color cmyk" in result.stderr
    result = run_cli(["print", "--gen", "2002", "--roster", str(EXAMPLE_ROSTER), "--color", "cmyk",
                      "--output-condition", "JC200103", "-o", str(tmp_path / "x.pdf")], cwd=REPO)
    assert result.code == 2 and "--output-intent" in result.stderr


def test_the_output_never_replaces_the_profile(tmp_path):
    profile = tmp_path / "press.icc"
    shutil.copy(_cmyk_profile(), profile)
    before = profile.read_bytes()
    result = run_cli(["print", "--gen", "2002", "--roster", str(EXAMPLE_ROSTER), "--preset", "shop",
                      "--output-intent", str(profile), "-o", str(profile)], cwd=REPO)
    assert result.code == 2, result.stderr
    assert profile.read_bytes() == before

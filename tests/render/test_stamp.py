"""Lay out once, stamp every officer: a stamped card is the card WeasyPrint lays out.

Every built-in generation, the lingxian example, CMYK and the fit cases are printed
both ways (``CARDKIT_STAMP=0``: every officer laid out by WeasyPrint) and compared at
300 dpi: at most 0.1 % of pixels differ, no glyph origin moves more than 0.05 mm, the
text of every page (and its order) and the QR payloads are the same.
"""

from __future__ import annotations

import shutil

import pytest
from conftest import EXAMPLE_ROSTER, REPO, copy_example

DPI = 300
MAX_PIXELS = 0.001
MAX_ORIGIN_MM = 0.05
LONG_NAME = "欧阳司马长名字特别长的名字"


@pytest.fixture(autouse=True)
def own_cache(tmp_path, monkeypatch):
    """Every test lays its plates out afresh (the session's cache would hand them over)."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


def _print(cli, monkeypatch, tmp_path, name, args, cwd=REPO, stamp=True):
    monkeypatch.setenv("CARDKIT_STAMP", "1" if stamp else "0")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")
    target = tmp_path / f"{name}-{'stamped' if stamp else 'laid'}.pdf"
    result = cli(["-v", "print", *args, "--layout", "cards", "-o", str(target)], cwd=cwd)
    assert result.code == 0, result.stderr
    counts = [line for line in result.err_lines if "were filled into a layout made once" in line]
    assert len(counts) == 1, result.stderr
    return target, int(counts[0].split()[0]), result.stderr


def _compare(laid, stamped, pages=None) -> None:
    import pypdfium2 as pdfium
    from pdfcheck import qr_codes
    from PIL import ImageChops

    a, b = pdfium.PdfDocument(laid), pdfium.PdfDocument(stamped)
    try:
        assert len(a) == len(b)
        for number in range(len(a)) if pages is None else pages:
            pa, pb = a[number], b[number]
            ia = pa.render(scale=DPI / 72).to_pil().convert("RGB")
            ib = pb.render(scale=DPI / 72).to_pil().convert("RGB")
            assert ia.size == ib.size
            diff = ImageChops.difference(ia, ib).convert("L").point(lambda v: 255 if v else 0)
            share = diff.histogram()[255] / (ia.width * ia.height)
            assert share <= MAX_PIXELS, f"page {number}: {share:.3%} of pixels differ"
            ta, tb = pa.get_textpage(), pb.get_textpage()
            assert ta.get_text_range() == tb.get_text_range(), f"page {number}"
            for char in range(ta.count_chars()):
                xa, ya = ta.get_charbox(char)[:2]
                xb, yb = tb.get_charbox(char)[:2]
                moved = max(abs(xa - xb), abs(ya - yb)) * 25.4 / 72
                assert moved <= MAX_ORIGIN_MM, f"page {number}, character {char}: {moved:.3f} mm"
        for number in range(0, len(a), 2) if pages is None else pages:
            assert [c.text for c in qr_codes(laid, number)] == \
                [c.text for c in qr_codes(stamped, number)]
    finally:
        a.close()
        b.close()


@pytest.mark.parametrize("gen", ["2002", "2006", "2012", "2022"])
def test_builtin_generations_stamped_look_like_laid_out(cli, monkeypatch, tmp_path, gen):
    args = ["--gen", gen, "--roster", str(EXAMPLE_ROSTER)]
    laid, count, _ = _print(cli, monkeypatch, tmp_path, gen, args, stamp=False)
    assert count == 0
    stamped, count, _ = _print(cli, monkeypatch, tmp_path, gen, args)
    assert count == 12  # every officer of the example
    _compare(laid, stamped)


def test_cmyk_stamped_looks_like_laid_out(cli, monkeypatch, tmp_path):
    import pikepdf
    from test_production import CMYK_SNAIL, GENERATIONS

    (tmp_path / "generations").mkdir()
    (tmp_path / "generations" / "k22.yaml").write_text(GENERATIONS["k22.yaml"], encoding="utf-8")
    (tmp_path / "templates" / "assets").mkdir(parents=True)
    (tmp_path / "templates" / "assets" / "snail-cmyk.svg").write_text(CMYK_SNAIL, encoding="utf-8")
    args = ["--gen", "k22", "--roster", str(EXAMPLE_ROSTER), "--color", "cmyk"]
    laid, _, _ = _print(cli, monkeypatch, tmp_path, "cmyk", args, cwd=tmp_path, stamp=False)
    stamped, count, _ = _print(cli, monkeypatch, tmp_path, "cmyk", args, cwd=tmp_path)
    assert count == 12
    _compare(laid, stamped)
    with pikepdf.open(stamped) as pdf:  # the stamped text is set in CMYK, as the laid-out text
        content = b"".join(x.read_bytes() for x in pdf.objects
                           if isinstance(x, pikepdf.Stream) and x.get("/Subtype") == "/Form")
        assert b" rg" not in content and b" RG" not in content and b" k\n" in content


def test_lingxian_stamped_looks_like_laid_out(cli, monkeypatch, tmp_path):
    """The second bureau's generation and template override. Its four officers each have
    their own unit (their own address): four plates of one officer each, laid out in full
    (a plate for one officer costs more than it saves); twelve officers of one unit share a
    plate and are stamped."""
    import yaml

    folder = REPO / "examples" / "lingxian"
    laid, _, _ = _print(cli, monkeypatch, tmp_path, "lingxian", ["--gen", "lingxian"],
                        cwd=folder, stamp=False)
    stamped, count, _ = _print(cli, monkeypatch, tmp_path, "lingxian", ["--gen", "lingxian"],
                               cwd=folder)
    assert count == 0
    assert not list((tmp_path / "cache" / "cardkit" / "plates").glob("plate/*"))  # none kept
    _compare(laid, stamped)
    data = yaml.safe_load((folder / "roster.yaml").read_text(encoding="utf-8"))
    officers = []
    for copy in range(3):
        for officer in data["officers"]:
            officer = {k: v for k, v in officer.items() if k != "address"}
            officers.append({**officer, "id": f"{officer['id']}-{copy}"})
    data["officers"] = officers
    roster = tmp_path / "shared.yaml"
    roster.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    args = ["--gen", "lingxian", "--roster", str(roster)]
    laid, _, _ = _print(cli, monkeypatch, tmp_path, "shared", args, cwd=folder, stamp=False)
    stamped, count, _ = _print(cli, monkeypatch, tmp_path, "shared", args, cwd=folder)
    assert count == 12
    _compare(laid, stamped)


def test_fit_cases_go_the_full_way_and_look_the_same(cli, monkeypatch, tmp_path):
    """A name too long for its line is shrunk by the fit policy on the full path; a plate
    whose unit overflows is refused; the others are stamped, and all look as before."""
    (tmp_path / "generations").mkdir()
    (tmp_path / "generations" / "fit.yaml").write_text(
        'extends: "2022"\nfit:\n  unit: {min_pt: 7}\n  name: {min_pt: 12, max_lines: 2}\n'
        '  post: {min_pt: 6}\n', encoding="utf-8")
    text = EXAMPLE_ROSTER.read_text(encoding="utf-8").replace("name: 吴明", f"name: {LONG_NAME}")
    text = text.replace("  name: 柳州市公安局柳东派出所",
                        "  name: 柳州市公安局柳东新区分局柳东派出所第二警务室")
    copy_example(tmp_path / "long-unit.yaml", text)
    copy_example(tmp_path / "long-name.yaml",
                 EXAMPLE_ROSTER.read_text(encoding="utf-8").replace("name: 吴明", f"name: {LONG_NAME}"))
    for roster, expected in (("long-name.yaml", 11), ("long-unit.yaml", 0)):
        args = ["--gen", "fit", "--roster", roster]
        laid, _, _ = _print(cli, monkeypatch, tmp_path, roster, args, cwd=tmp_path, stamp=False)
        stamped, count, err = _print(cli, monkeypatch, tmp_path, roster, args, cwd=tmp_path)
        assert count == expected, err
        assert "laid out card by card: " + str(12 - expected) in err
        _compare(laid, stamped)


def _bench_roster(tmp_path, n):
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench_roster", REPO / "bench" / "roster.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.write_roster(n, tmp_path / "roster.csv")


def _font_files(path) -> list[bytes]:
    """The bytes of every font file embedded, once per stream object."""
    import pikepdf

    with pikepdf.open(path) as pdf:
        return [stream.read_raw_bytes() for stream in pdf.objects
                if isinstance(stream, pikepdf.Stream) and ("/Length1" in stream
                                                           or stream.get("/Subtype") == "/OpenType"
                                                           or stream.get("/Subtype") == "/CIDFontType0C")]


def test_a_job_of_many_chunks_embeds_each_font_once(cli, monkeypatch, tmp_path):
    """250 officers, three chunks of 100: each face's stamped text is set in one font
    subset for all of them, a plate's fonts are not repeated by every chunk, and the cards
    at the chunks' edges look and read as WeasyPrint lays them out (every card's looks are
    the differential test's; here, every card carries its officer's text)."""
    import csv

    import pikepdf
    from pdfcheck import page_texts

    roster = _bench_roster(tmp_path, 250)
    args = ["--gen", "2022", "--roster", str(roster)]
    stamped, count, _ = _print(cli, monkeypatch, tmp_path, "many", args)
    assert count == 250
    files = _font_files(stamped)
    assert len(files) == len(set(files))  # no font file twice
    # as many font files as a job of one chunk with an officer of each unit: the plates'
    # and backs' own, and one per face of the stamped text, however many chunks
    few, _, _ = _print(cli, monkeypatch, tmp_path, "few", [
        *args, "--officer", "BK000001", "--officer", "BK000100", "--officer", "BK000250"])
    assert len(files) == len(_font_files(few))
    with roster.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    texts = page_texts(stamped)
    assert len(texts) == 2 * len(rows)
    for number, row in enumerate(rows):  # each officer's front and back, in roster order
        front, back = texts[2 * number], texts[2 * number + 1]
        assert all(row[field] in front for field in ("姓名", "职务", "电话", "单位")), number
        assert row["值班电话"] in back and row["网上公安局"] in back, number
    units = [n for n in range(2, len(rows) + 1) if rows[n - 1]["单位"] != rows[n - 2]["单位"]]
    assert len(units) == 2  # the bench roster's three stations, in blocks
    # each chunk's first and last officer, and the last and first of each station
    edges = sorted({1, 100, 101, 200, 201, 250, *units, *(n - 1 for n in units)})
    laid, _, _ = _print(cli, monkeypatch, tmp_path, "edges", [
        *args, *[a for n in edges for a in ("--officer", rows[n - 1]["编号"])]], stamp=False)
    with pikepdf.open(stamped) as pdf, pikepdf.new() as picked:
        for n in edges:
            picked.pages.extend([pdf.pages[2 * (n - 1)], pdf.pages[2 * (n - 1) + 1]])
        picked.save(tmp_path / "edges-stamped.pdf")
    _compare(laid, tmp_path / "edges-stamped.pdf")


def test_stamped_output_is_reproducible_and_independent_of_jobs(cli, monkeypatch, tmp_path):
    """Three chunks, in one worker or two: plates are built by whichever worker meets them
    first, from whichever officer; the bytes do not change."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench_roster", REPO / "bench" / "roster.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    roster = module.write_roster(250, tmp_path / "roster.csv")
    args = ["--gen", "2022", "--roster", str(roster)]
    one, count, _ = _print(cli, monkeypatch, tmp_path, "one", [*args, "--jobs", "1"])
    assert count == 250
    two, _, _ = _print(cli, monkeypatch, tmp_path, "two", [*args, "--jobs", "2"])
    assert one.read_bytes() == two.read_bytes()


def test_a_template_the_reader_cannot_reproduce_is_laid_out(cli, monkeypatch, tmp_path):
    """Text after the name on its line moves with the name: the plate is refused."""
    blocks = tmp_path / "templates" / "blocks"
    blocks.mkdir(parents=True)
    shutil.copy(REPO / "templates" / "blocks" / "name.html", blocks / "name.html")
    name = blocks / "name.html"
    name.write_text(name.read_text(encoding="utf-8").replace("</p>", "<span>同志</span></p>"),
                    encoding="utf-8")
    args = ["--gen", "2022", "--roster", str(EXAMPLE_ROSTER)]
    laid, _, _ = _print(cli, monkeypatch, tmp_path, "moving", args, cwd=tmp_path, stamp=False)
    stamped, count, err = _print(cli, monkeypatch, tmp_path, "moving", args, cwd=tmp_path)
    assert count == 0
    assert "laid out card by card: 12 (a template the plate reader does not reproduce)" in err
    _compare(laid, stamped)


def test_parts_and_the_ledger_do_not_know_how_a_face_was_made(cli, monkeypatch, tmp_path):
    """46 officers in parts of 20 (three parts, each with its own plates and fonts),
    sheets, a report: the same pages and the same ledger as with every officer laid out;
    the parts' stamped fonts become one per face for the job, and the plates' fonts are
    not repeated by every part. (A shard is chosen before any face is made, whichever way:
    tests/scale/test_scale.py, on the fake face source.)"""
    import importlib.util
    import json

    from pdfcheck import page_texts

    from cardkit import api
    from cardkit.render import batch

    spec = importlib.util.spec_from_file_location("bench_roster", REPO / "bench" / "roster.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    roster = module.write_roster(46, tmp_path / "roster.csv")
    monkeypatch.setattr(api, "PART", 20)
    monkeypatch.setattr(batch, "CHUNK", 10)  # two chunks a part, for two worker processes
    results = {}
    for stamp in (False, True):
        monkeypatch.setenv("CARDKIT_STAMP", "1" if stamp else "0")
        monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")
        out, ledger = tmp_path / f"{stamp}.pdf", tmp_path / f"{stamp}.json"
        result = cli(["-v", "print", "--gen", "2022", "--roster", str(roster), "-o", str(out),
                      "--report", str(ledger), "--jobs", "2"])
        assert result.code == 0, result.stderr
        assert "with 2 worker processes, 10 officers at a time" in result.stderr
        (line,) = [x for x in result.err_lines if "were filled into a layout made once" in x]
        results[stamp] = (out, json.loads(ledger.read_text(encoding="utf-8")), int(line.split()[0]))
    (laid, laid_ledger, none), (stamped, stamped_ledger, count) = results[False], results[True]
    assert none == 0 and count > 0
    assert page_texts(laid) == page_texts(stamped)
    _compare(laid, stamped, pages=[0, 1, 4, 5, 8, 9])  # a sheet of each part, both sides
    files = _font_files(stamped)
    assert len(files) == len(set(files))
    monkeypatch.setattr(api, "PART", 1000)
    whole = tmp_path / "one-part.pdf"
    assert cli(["print", "--gen", "2022", "--roster", str(roster), "-o", str(whole)]).code == 0
    assert len(files) == len(_font_files(whole))
    for ledger in (laid_ledger, stamped_ledger):
        ledger.pop("output", None)
    assert laid_ledger == stamped_ledger


def test_a_latin_font_first_stamps_latin_names_only(cli, monkeypatch, tmp_path):
    """Body text in DejaVu Sans, then Noto Sans CJK: a Chinese name is set by Pango in the
    second font, so it is never stamped in the first; Latin names are stamped."""
    (tmp_path / "generations").mkdir()
    (tmp_path / "generations" / "latin.yaml").write_text(
        'extends: "2022"\nfonts:\n  body: [DejaVu Sans, Noto Sans CJK SC]\n'
        '  heading: [DejaVu Sans, Noto Sans CJK SC]\n', encoding="utf-8")
    rows = ["id,name,post,mobile,wechat,unit"]
    for n in range(12):
        name = ["Wu Ming", "Lan Haiyan", "吴明", "韦建国"][n % 4]
        rows.append(f"L{n:02d},{name},Officer,1381234{n:04d},https://u.wechat.com/L{n:02d},Liudong")
    (tmp_path / "r.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    args = ["--gen", "latin", "--roster", "r.csv"]
    laid, _, _ = _print(cli, monkeypatch, tmp_path, "latin", args, cwd=tmp_path, stamp=False)
    stamped, count, err = _print(cli, monkeypatch, tmp_path, "latin", args, cwd=tmp_path)
    assert count == 6, err  # the Latin names
    assert ("laid out card by card: 6 (a field that does not fit its slot as it stands, or needs "
            "another font)") in err
    _compare(laid, stamped)


def test_a_plate_is_laid_out_once_per_job_not_once_per_part(cli, monkeypatch, tmp_path):
    """Parts run in new workers; the plates of earlier parts are kept for the next."""
    import importlib.util

    from cardkit import api
    from cardkit.render.stamp import plates

    spec = importlib.util.spec_from_file_location("bench_roster", REPO / "bench" / "roster.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    roster = module.write_roster(60, tmp_path / "roster.csv")
    header, *rows = roster.read_text(encoding="utf-8").splitlines()
    unit = header.split(",").index("单位")
    stations = sorted({row.split(",")[unit] for row in rows})
    by_station = [[r for r in rows if r.split(",")[unit] == s] for s in stations]
    rows = [r for group in zip(*by_station, strict=False) for r in group]  # every part: all
    roster.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    monkeypatch.setattr(api, "PART", 20)
    built = []
    build = plates.build
    monkeypatch.setattr(plates, "build", lambda *args: built.append(args[1]) or build(*args))
    stamped, count, _ = _print(cli, monkeypatch, tmp_path, "parts", ["--gen", "2022", "--roster",
                               str(roster), "--jobs", "1"])
    assert count == len(rows) >= 54 and len(stations) == 3
    assert len(built) == len(set(built)) == len(stations)  # each front plate once, not 3 times
    # two workers, fresh ones after every part: they inherit the plates made before them
    from cardkit.render import batch

    monkeypatch.setattr(batch, "CHUNK", 10)
    monkeypatch.setattr(batch, "RENEW_PARTS", 1)
    monkeypatch.setenv("CARDKIT_CACHE", "0")  # nothing read back from the plate store
    log = tmp_path / "built.txt"

    def logged(*args):
        with log.open("a", encoding="utf-8") as handle:  # from every worker process
            handle.write(args[1] + "\n")
        return build(*args)

    monkeypatch.setattr(plates, "build", logged)
    _stamped, count, err = _print(cli, monkeypatch, tmp_path, "renewed", [
        "--gen", "2022", "--roster", str(roster), "--jobs", "2"])
    assert count == len(rows) and "with 2 worker processes" in err
    lines = log.read_text(encoding="utf-8").split()
    # the first part's two workers may each build a plate; the later parts' build none
    assert len(set(lines)) == len(stations) and len(lines) <= 2 * len(stations), lines

"""The stamper's parts: HarfBuzz shaping against WeasyPrint's own glyphs, what the model
takes, the plate's content stream cut, the sampled decode-back."""

from __future__ import annotations

from pathlib import Path

import pytest

from cardkit.render.stamp import plates, shaping, split

SAMPLES = [("吴明", "0.08em"), ("0772-0000001", "0.03em"), ("138 0000 0001", "0.03em"),
           ("社区民警", "normal"), ("Wu Ming", "0.1em"), ("柳东村3组", "0.02em"), ("A", "1px"),
           # a Latin run of a zh-CN card is shaped as English: the ASCII ' " and digits, not
           # Noto CJK's Chinese forms, which a Han run keeps
           ("O'Brien \"Jr\"", "0.08em"), ("Wei 2008", "normal"), ("Li 100%", "0.03em"),
           ('李"伟"2', "normal")]


def _laid_out(text: str, spacing: str, weight: str, lang: str = "zh-CN"):
    from weasyprint import HTML

    lang_attribute = f' lang="{lang}"' if lang else ""
    html = (f'<html{lang_attribute}><body style="font-family: Noto Sans CJK SC; font-size: 9.5pt; '
            f'font-weight: {weight}"><p><span style="letter-spacing: {spacing}">{text}</span>'
            f'</p></body></html>')
    document = HTML(string=html).render()

    def walk(box):
        if type(box).__name__ == "TextBox":
            yield box
        for child in getattr(box, "children", None) or []:
            yield from walk(child)

    return next(walk(document.pages[0]._page_box))


@pytest.mark.parametrize("weight", ["normal", "bold"])
@pytest.mark.parametrize(("text", "spacing"), SAMPLES)
def test_harfbuzz_shapes_as_weasyprint_does(text, spacing, weight):
    box = _laid_out(text, spacing, weight)
    pango_font, glyphs = plates._pango_glyphs(box)
    face, size = plates._font_face(pango_font)
    letter = box.style["letter_spacing"]
    shaped = shaping.shape(face, text, size, 0.0 if letter == "normal" else float(letter), "zh-CN")
    assert list(zip(shaped.glyphs, shaped.widths, shaped.offsets, strict=True)) == glyphs
    assert shaped.advance == pytest.approx(box.width, abs=1e-6)
    assert "".join(shaped.texts) == text


@pytest.mark.parametrize("lang", ["", "en", "ja", "zh-TW"])
@pytest.mark.parametrize("text", ["O'Brien 2", '李"伟"2', "0772-2800001"])
def test_a_run_is_shaped_in_the_language_pango_gives_it(text, lang):
    """Pango shapes a run whose script its element's language is not written in with the
    script's sample language, and one without a lang with the locale's: so does the model."""
    box = _laid_out(text, "normal", "bold", lang)
    pango_font, glyphs = plates._pango_glyphs(box)
    face, size = plates._font_face(pango_font)
    shaped = shaping.shape(face, text, size, 0.0, str(box.style["lang"] or ""))
    assert list(zip(shaped.glyphs, shaped.widths, shaped.offsets, strict=True)) == glyphs


def test_what_the_shaping_model_takes():
    cmap = frozenset(map(ord, "吴明Wu Ming0123-é\u0301"))
    assert shaping.stampable_text("吴明", cmap)
    assert shaping.stampable_text("Wu Ming", cmap)
    assert shaping.stampable_text("0123-0", cmap)
    assert not shaping.stampable_text("吴Ming", cmap)  # two scripts: two Pango items
    assert not shaping.stampable_text(" 吴明", cmap)  # white space collapses
    assert not shaping.stampable_text("Wu  Ming", cmap)
    assert not shaping.stampable_text("吴晓", cmap)  # not in the font: Pango falls back
    assert not shaping.stampable_text("e\u0301", cmap)  # a combining mark
    assert not shaping.stampable_text("", cmap)


def test_faces_cut_into_skeleton_and_slots():
    html = ('<section data-officer="A1"><span class="unit" data-field="unit">所</span>'
            '<span class="name" data-field="name">吴&amp;明</span>'
            '<svg class="qr-code" width="19mm"><path d="M0"/></svg></section>')
    face = plates.cut(html)
    assert face.values == ("吴&明",) and face.fields == ("name",)
    assert "A1" not in face.skeleton and "所" in face.skeleton
    assert plates.cut(html.replace("吴&amp;明", "吴明")).skeleton == face.skeleton
    refilled = plates.fill(face, ("韦",), face.qr_svg, hidden=True)
    assert 'data-field="name" style="visibility:hidden">韦</span>' in refilled
    assert plates.cut(html.replace('class="name"', 'class="name" style="color:red"')) is None


PLATE = "q\n1 0 0 1 5 5 cm\n0 0 1 rg\nBT\n1 0 0 -1 9 9 Tm\n/F1 10 Tf\n[<0001>] TJ\nET\nQ\n"
VISIBLE = ("q\n1 0 0 1 5 5 cm\n1 0 0 rg\nBT\n1 0 0 -1 2 3 Tm\n/F2 20 Tf\n[<0005>] TJ\nET\n"
           "0 0 1 rg\nBT\n1 0 0 -1 4 6 Tm\n/F2 10 Tf\n[<0007>] TJ\n1 0 0 -1 9 9 Tm\n/F1 10 Tf\n"
           "[<0001>] TJ\nET\nQ\n")


def test_plate_cut_where_the_slots_are_drawn_in_weasyprints_order():
    cut = split.cut(PLATE, VISIBLE, [("2", "3"), ("4", "6")])
    assert len(cut.pieces) == 3  # before the name, before the values' text object, the rest
    for piece in cut.pieces:  # each a balanced form
        ops = [line.rsplit(None, 1)[-1] for line in piece.splitlines()]
        assert ops.count("q") == ops.count("Q")
    assert cut.pieces[1].startswith("q\n1 0 0 1 5 5 cm")  # the state replayed
    prefix, template, closing = cut.groups[1]
    assert template == ["BT", 1, "ET"] and closing == "Q"
    assert "0 0 1 rg" in prefix  # the colour WeasyPrint set before its text object
    assert cut.groups[0][1] == ["1 0 0 rg", "BT", 0, "ET"]


def test_a_plate_that_is_not_the_visible_page_less_its_slots_is_refused():
    with pytest.raises(plates.Refused):
        split.cut(PLATE, VISIBLE.replace("/F1 10 Tf", "/F1 11 Tf"), [("2", "3"), ("4", "6")])
    with pytest.raises(plates.Refused):  # text inserted that is no slot
        split.cut(PLATE, VISIBLE, [("2", "3")])


def test_the_sampled_decode_back_reports_a_code_that_does_not_read(tmp_path):
    import pikepdf

    from cardkit.design import generations
    from cardkit.model import Officer
    from cardkit.project import open_project
    from cardkit.render import stamp
    from cardkit.render.qr import vector_qr
    from cardkit.resources import builtin_dir

    project = open_project(builtin_dir("templates").parent)
    gen = generations.load(project, "2022")
    pdf = pikepdf.Pdf.new()
    pdf.add_blank_page(page_size=(255, 153))  # a face without its code
    data = tmp_path / "blank.pdf"
    pdf.save(data)
    officer = Officer.__new__(Officer)
    object.__setattr__(officer, "id", "A1")
    object.__setattr__(officer, "source", type("S", (), {"file": "r.csv", "line": 2})())
    qr = vector_qr("https://u.wechat.com/EXAMPLE", 19)
    problems = stamp._sample_decodes(gen, ("front", "back"), [stamp.Planned(officer, [], qr)],
                                     {("A1", "front"): 0}, data.read_bytes())
    assert [p.format() for p in problems] == [
        "error: r.csv:2: officer A1: wechat: the printed QR code does not decode back to its "
        "payload (read: nothing)"]


def test_fonts_share_a_file_only_under_a_name_that_is_theirs_alone(monkeypatch):
    """Fonts of a face share one file, found by the name after the subset tag: a name that
    loses every letter (黑体, 宋体) or that two faces share names no face."""
    import subprocess

    from cardkit.render.stamp import writer

    listed = subprocess.run(["fc-list", "--format", "%{file}\\n"], capture_output=True,
                            check=False).stdout.decode().split("\n")
    small = sorted((Path(p).stat().st_size, p) for p in listed if p.endswith((".otf", ".ttf")))
    if not small:
        pytest.skip("no OpenType or TrueType font installed")
    data = Path(small[0][1]).read_bytes()

    def faces(*keys):
        return {key: shaping.FontFace(key=key, data=data, index=0, family=key) for key in keys}

    from cardkit.jobstate import new_job

    with new_job() as job:
        job.fonts.update(faces("黑体", "Station Sans Bold"))
        assert writer.faces_by_name() == {"Station-Sans-Bold": "Station Sans Bold"}
    with new_job() as job:
        job.fonts.update(faces("黑体 Bold", "宋体 Bold"))
        assert writer.faces_by_name() == {}  # both are "-Bold"
    with new_job() as job:
        plain = faces("Station Sans")
        plain["Station Sans"].plain = False  # a variable or colour font: WeasyPrint changes it
        job.fonts.update(plain)
        assert writer.faces_by_name() == {}


def test_a_mapped_font_goes_to_the_parent_as_the_bytes_it_shaped_with(tmp_path, monkeypatch):
    """A face the plate store mapped from its installed file shapes with the file's bytes as
    they were when mapped. A worker sends the parent those bytes, which the parent subsets:
    while the file still holds exactly them, the parent maps the file too; once it was
    replaced (a font package upgraded during the job), the parent keeps the bytes sent."""
    import hashlib
    import os
    import pickle
    import subprocess

    from cardkit.jobstate import new_job
    from cardkit.render import stamp
    from cardkit.render.stamp import store

    listed = subprocess.run(["fc-list", "--format", "%{file}\\n"], capture_output=True,
                            check=False).stdout.decode().split("\n")
    fonts = sorted((Path(p).stat().st_size, p) for p in listed if p.endswith((".otf", ".ttf")))
    if len(fonts) < 2:
        pytest.skip("two OpenType or TrueType fonts are needed")
    first, second = Path(fonts[0][1]).read_bytes(), Path(fonts[1][1]).read_bytes()
    installed = tmp_path / "station.ttf"
    installed.write_bytes(first)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("CARDKIT_CACHE", raising=False)
    kept_store = store.Store("a look")
    monkeypatch.setattr(stamp, "_store", lambda job: kept_store)
    monkeypatch.setattr(stamp, "_look", lambda job: "a look")
    digest = hashlib.sha256(first).hexdigest()
    kept_store._installed_file(first, digest, {str(installed): (0, 0, 0)})  # known from now on

    def worker_sends() -> tuple[dict, tuple]:
        face = kept_store.mapped("Station Sans", 0, "Station Sans", str(installed), digest)
        assert face is not None and face.data == b""  # mapped, not read
        with new_job() as job:
            job.fonts["Station Sans"] = face
            job.sent.update(pid=os.getpid(), fonts=set(), plates=set(), pages=set())
            shared = pickle.loads(pickle.dumps(stamp._shared(stamp._Cache())))  # to the parent
        return shared, shaping.shape(face, "Station", 12, 0, "en").glyphs

    def parent_keeps(shared: dict) -> shaping.FontFace:
        with new_job() as parent:
            stamp.keep(None, {"fonts": shared["fonts"], "plates": pickle.dumps({}), "pages": {}})
            return parent.fonts["Station Sans"]

    shared, glyphs = worker_sends()
    kept = parent_keeps(shared)
    assert kept.path == str(installed) and kept.data == b"" and kept.digest == digest
    assert shaping.shape(kept, "Station", 12, 0, "en").glyphs == glyphs

    shared, glyphs = worker_sends()
    upgrade = tmp_path / "upgrade.ttf"
    upgrade.write_bytes(second)
    os.replace(upgrade, installed)  # as dpkg installs a new version, after the worker shaped
    (data, *_rest), = shared["fonts"].values()
    assert data == first  # what the worker shaped with, not the file as it is now
    kept = parent_keeps(shared)
    assert kept.path == "" and kept.program() == first
    assert shaping.shape(kept, "Station", 12, 0, "en").glyphs == glyphs

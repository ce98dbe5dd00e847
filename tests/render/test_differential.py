"""A card looks the same whoever else is in the job (issue 21): a differential test.

Each case prints one officer among 30 others with the fast path (plates stamped), and the
same officer alone with every face laid out by WeasyPrint (``CARDKIT_STAMP=0``). The
officer's pages must match: at 150 dpi at most 0.05 % of the card's pixels differ
(anti-aliasing), and the text pypdfium2 extracts is identical.

The cases combine a project's own CSS (text-transform, font-variant-*, font-feature-settings,
font-kerning, letter-spacing, text-align-last, direction, a selector on one officer, a
background, border and outline on the slots), names (Latin with ligature pairs or with an
apostrophe and a digit, Han, rare Han, mixed scripts, long), the built-in generations
and lingxian, and the job's options (sides, layout, copies, first, colour). ``make test``
runs a fixed-seed sample that covers every pair of values of the main dimensions at least
once in few cases; ``make test-differential`` runs the whole product (slow).
"""

from __future__ import annotations

import itertools
import os
import random
import shutil
from dataclasses import dataclass

import pytest
from conftest import FULL_UNIT, REPO

DPI = 150
MAX_PIXELS = 0.0005
CROWD = 30

CSS = {
    "plain": "",
    "uppercase": ".name, .post { text-transform: uppercase; }",
    "lowercase": ".name { text-transform: lowercase; }",
    "capitalize": ".name, .post { text-transform: capitalize; }",
    "full-width": ".post { text-transform: full-width; }",
    "small-caps": ".name { font-variant: small-caps; }",
    "east-asian": ".name { font-variant-east-asian: traditional; }",
    "no-ligatures": ".name { font-variant-ligatures: none; letter-spacing: 0; }",
    "features": '.name { font-feature-settings: "smcp" 1; }',
    "no-kerning": ".name, .post { font-kerning: none; }",
    "letter-spacing": ".name { letter-spacing: 0.2em; } .post { letter-spacing: 0; }",
    "align-last": ".name-line { text-align-last: justify; }",
    "direction": ".name { direction: rtl; unicode-bidi: embed; }",
    "officer-selector": '.face[data-officer="T1"] .name { color: #c00000; }',
    # the officer's id, spelt with a CSS escape (WeasyPrint reads [data-officer="T1"])
    "officer-escape": '.face[data-offic\\65 r="T1"] .name { color: #c00000; }',
    # features a face's @font-face gives it: Pango shapes with them, whatever .name says
    "font-face-features": '@font-face { font-family: CardFont; src: url(fonts/card.ttc); '
                          'font-weight: bold; font-feature-settings: "smcp" 1; } '
                          ".name { font-family: CardFont; }",
    # rules on a face's place among the job's faces: each face is laid out as if alone
    "face-place": ".face:nth-child(even) .name { color: #c00000; } "
                  ".face + .face .post { color: #c00000; }",
    "face-counter": "body { counter-reset: face; } .face { counter-increment: face; } "
                    '.name-line::after { content: " #" counter(face); }',
    # positioned slots are painted after the text in flow: the text reads in that order
    "positioned": ".post { position: relative; top: -0.3mm; } "
                  ".name-line { position: relative; left: 0.5mm; }",
    # painted as wide as the slot's text: a plate would keep its first officer's width
    "slot-box": ".name { background: #c00000; } "
                ".post { border: 0.3mm solid #c00000; outline: 0.2mm solid #c00000; }",
}
NAMES = {
    "latin": "Tiffany Wolff",
    "han": "李伟",
    "rare-han": "𠮷林",
    "mixed": "李 Wei",
    "long": "欧阳司马长名字",
    "latin-fi": "Jeff Fiona",
    # Pango shapes a Latin run of a zh-CN card as English: not Noto CJK's Chinese ' and digits
    "latin-quote": "O'Brien 2",
}
GENERATIONS = ["2002", "2006", "2012", "2022", "lingxian"]
OPTIONS = {  # PrintOptions, as `--layout cards --sides back` and so on give them
    "cards": {"layout": "cards"},
    "back-only": {"layout": "cards", "sides": "back"},
    "front-only": {"layout": "cards", "sides": "front"},
    "copies": {"layout": "cards", "copies": 2},
    "cmyk": {"layout": "cards", "color": "cmyk"},
    "sheet-first": {"layout": "sheet", "first": 3},
}
CROWD_NAMES = ["吴明", "覃晓红", "Lan Haiyan", "韦建国", "Wu Ming", "黄丽", "Jeff Lee"]


@dataclass(frozen=True)
class Case:
    css: str
    name: str
    gen: str
    options: str

    def __str__(self) -> str:
        return f"{self.gen}-{self.css}-{self.name}-{self.options}"


def pairwise_sample(seed: int = 21) -> list[Case]:
    """Cases, fixed by ``seed``, in which every pair of values of two dimensions meets at
    least once (greedy all-pairs: at most the product of the two largest dimensions)."""
    dims = [list(CSS), list(NAMES), GENERATIONS, list(OPTIONS)]
    rng = random.Random(seed)
    todo = {(a, x, b, y) for a, b in itertools.combinations(range(len(dims)), 2)
            for x in dims[a] for y in dims[b]}
    cases: list[Case] = []
    while todo:
        best, best_cover = None, -1
        for _ in range(60):
            pick = [rng.choice(d) for d in dims]
            cover = sum((a, pick[a], b, pick[b]) in todo
                        for a, b in itertools.combinations(range(len(dims)), 2))
            if cover > best_cover:
                best, best_cover = pick, cover
        assert best is not None
        todo -= {(a, best[a], b, best[b]) for a, b in itertools.combinations(range(len(dims)), 2)}
        cases.append(Case(*best))
    return cases


SAMPLE = 10  # cases in `make test` (about 4 s each)


def _sample() -> list[Case]:
    if os.environ.get("CARDKIT_DIFFERENTIAL") == "full":
        return pairwise_sample()
    return pairwise_sample()[:SAMPLE]


def _project(root, case: Case):
    (root / "generations").mkdir(parents=True)
    (root / "templates").mkdir()
    base = case.gen
    if case.gen == "lingxian":
        shutil.copy(REPO / "examples" / "lingxian" / "generations" / "lingxian.yaml",
                    root / "generations" / "lingxian.yaml")
        shutil.copytree(REPO / "examples" / "lingxian" / "templates", root / "templates",
                        dirs_exist_ok=True)
    css = CSS[case.css]
    if OPTIONS[case.options].get("color") == "cmyk":  # an RGB colour is refused in a CMYK job
        css = css.replace("#c00000", "device-cmyk(0 1 1 0.25)")
    if "fonts/card.ttc" in css:  # the project's own copy of the installed CJK font
        import subprocess

        installed = subprocess.run(["fc-match", "-f", "%{file}", "Noto Sans CJK SC:bold"],
                                   capture_output=True, text=True, check=True).stdout
        (root / "templates" / "fonts").mkdir()
        shutil.copyfile(installed, root / "templates" / "fonts" / "card.ttc")
    (root / "templates" / "diff.css").write_text(
        '{% include "card.css" %}\n' + css + "\n", encoding="utf-8")
    (root / "generations" / "diff.yaml").write_text(
        f'extends: "{base}"\ntemplates:\n  stylesheet: diff.css\n', encoding="utf-8")
    (root / "cardkit.yaml").write_text(FULL_UNIT + "qr_hosts: [u.wechat.com]\n", encoding="utf-8")
    return root


def _officer(number: int, name: str, officer_id: str | None = None) -> dict[str, str]:
    pad = "x" * (8 * (number // 10))  # payload lengths (QR versions) change every 10 officers
    return {"id": officer_id or f"C{number:02d}", "name": name,
            "post": ["社区民警", "Officer", "副所长"][number % 3],
            "phone": f"0772-28{number:05d}", "mobile": f"1390771{number:04d}",
            "wechat": f"https://u.wechat.com/C{number:02d}{pad}", "area": "城关社区"}


def _print(root, case: Case, officers: list[dict], stamp: bool, monkeypatch) -> bytes:
    from cardkit import open_project
    from cardkit.api import PrintOptions, print_cards
    monkeypatch.setenv("CARDKIT_STAMP", "1" if stamp else "0")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")
    options = PrintOptions(gen="diff", roster=officers, jobs=1, **OPTIONS[case.options])
    return print_cards(open_project(root), options).pdf


def _pages_of(pdf: bytes, officer_name: str) -> list[int]:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(pdf)
    try:
        return [n for n in range(len(doc)) if officer_name in doc[n].get_textpage().get_text_range()]
    finally:
        doc.close()


def _page(pdf: bytes, number: int):
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(pdf)
    try:
        page = doc[number]
        return page.render(scale=DPI / 72).to_pil().convert("RGB"), \
            page.get_textpage().get_text_range()
    finally:
        doc.close()


def _differing(a, b) -> float:
    from PIL import ImageChops

    assert a.size == b.size
    diff = ImageChops.difference(a, b).convert("L").point(lambda v: 255 if v > 8 else 0)
    return diff.histogram()[255] / (a.width * a.height)


@pytest.mark.parametrize("case", _sample(), ids=str)
def test_a_card_looks_the_same_whoever_else_is_in_the_job(case, tmp_path, monkeypatch):
    root = _project(tmp_path / "project", case)
    target = _officer(1, NAMES[case.name], "T1")
    crowd = [_officer(n, CROWD_NAMES[n % len(CROWD_NAMES)]) for n in range(2, CROWD + 2)]
    crowd.insert(17, target)
    among = _print(root, case, crowd, stamp=True, monkeypatch=monkeypatch)
    alone = _print(root, case, [target], stamp=False, monkeypatch=monkeypatch)
    if case.options == "sheet-first":  # the card's place differs: compare whole sheets' text
        return _compare_sheets(root, case, crowd, among, monkeypatch)
    pages = _pages_of(alone, target["name"].split()[0]) or list(range(_count(alone)))
    per_officer = _count(alone)
    first = 17 * per_officer
    for offset in range(per_officer):
        a_img, a_text = _page(alone, offset)
        b_img, b_text = _page(among, first + offset)
        # all the text: the spaces pdfium infers between letter-spaced characters (from the
        # font's space width: every font lists its space), and the capitals small-caps draws
        # for lower-case letters (a glyph reads as the font's own letter: ``stamp.letters``)
        assert b_text == a_text, f"{case}: page {offset}"
        share = _differing(a_img, b_img)
        assert share <= MAX_PIXELS, f"{case}: page {offset}: {share:.3%} of pixels differ"
    assert pages  # the officer's name is on their own card


def _count(pdf: bytes) -> int:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(pdf)
    try:
        return len(doc)
    finally:
        doc.close()


def _compare_sheets(root, case, crowd, among, monkeypatch) -> None:
    """On sheets the officer's card sits elsewhere alone: the whole crowd laid out instead."""
    laid = _print(root, case, crowd, stamp=False, monkeypatch=monkeypatch)
    assert _count(laid) == _count(among)
    for number in range(_count(laid)):
        a_img, a_text = _page(laid, number)
        b_img, b_text = _page(among, number)
        assert a_text == b_text, f"{case}: sheet {number}"
        share = _differing(a_img, b_img)
        assert share <= MAX_PIXELS, f"{case}: sheet {number}: {share:.3%} of pixels differ"


def test_the_sample_covers_every_pair_of_css_and_generation_over_the_full_run():
    """The fixed-seed all-pairs set meets every CSS rule with every name and generation; the
    default run takes its first cases, which still meet every generation and option."""
    cases = pairwise_sample()
    pairs = {(c.css, c.name) for c in cases} | {(c.css, c.gen) for c in cases}
    assert all((css, name) in pairs for css in CSS for name in NAMES)
    first = cases[:SAMPLE]
    assert {c.gen for c in first} == set(GENERATIONS)
    assert pairwise_sample() == cases  # fixed by its seed


def test_a_stamped_officer_is_held_to_the_safe_zone_as_a_laid_out_one(tmp_path, monkeypatch):
    """A design whose name line runs past the safe zone (a hanging line): an officer whose
    post would cross the safe zone is laid out, so ``fit:`` shrinks it as alone; one that
    does not fit even at its smallest size fails preflight, stamped or not."""
    from cardkit.errors import PreflightError

    root = _project(tmp_path / "project", Case("plain", "latin", "2002", "cards"))
    (root / "templates" / "diff.css").write_text(
        '{% include "card.css" %}\n.name-line { margin-right: -12mm; }\n', encoding="utf-8")
    case = Case("plain", "latin", "2002", "cards")
    target = {**_officer(1, "Alexandra Wolfenstein", "T1"), "post": "副所长副"}
    crowd = [_officer(n, CROWD_NAMES[n % len(CROWD_NAMES)]) for n in range(2, 8)]
    among = _print(root, case, [*crowd, target], stamp=True, monkeypatch=monkeypatch)
    alone = _print(root, case, [target], stamp=False, monkeypatch=monkeypatch)
    for offset in range(_count(alone)):
        a_img, a_text = _page(alone, offset)
        b_img, b_text = _page(among, 2 * len(crowd) + offset)
        assert b_text == a_text
        assert _differing(a_img, b_img) <= MAX_PIXELS, f"page {offset}"
    too_long = {**target, "id": "T2", "post": "副所长副所"}
    for stamp in (True, False):
        with pytest.raises(PreflightError) as failed:
            _print(root, case, [*crowd, too_long], stamp=stamp, monkeypatch=monkeypatch)
        assert any("safe zone" in d.message and d.field == "post"
                   for d in failed.value.diagnostics), failed.value.diagnostics


def test_the_back_alone_keeps_its_code_when_both_faces_show_it(tmp_path, monkeypatch):
    """`--sides back` on a design that shows the WeChat code on both faces: the stamped back
    carries the officer's code (decoded from the page) and looks as laid out alone."""
    from cardkit.render.qr import decode

    case = Case("plain", "han", "2022", "back-only")
    root = _project(tmp_path / "project", case)
    (root / "generations" / "diff.yaml").write_text(
        'extends: "2022"\ntemplates:\n  stylesheet: diff.css\n'
        "back:\n  show: [qr, fraud_tips, tips]\n", encoding="utf-8")
    target = _officer(1, "李伟", "T1")
    crowd = [_officer(n, CROWD_NAMES[n % len(CROWD_NAMES)]) for n in range(2, 6)]
    among = _print(root, case, [*crowd, target], stamp=True, monkeypatch=monkeypatch)
    alone = _print(root, case, [target], stamp=False, monkeypatch=monkeypatch)
    a_img, a_text = _page(alone, 0)
    b_img, b_text = _page(among, len(crowd))
    assert target["wechat"] in decode(b_img)
    assert b_text == a_text
    assert _differing(a_img, b_img) <= MAX_PIXELS


def _front_with_css(tmp_path, css: str):
    """A 2022 project (fronts only) whose stylesheet adds ``css`` to the design's own."""
    case = Case("plain", "han", "2022", "front-only")
    root = _project(tmp_path / "project", case)
    (root / "templates" / "diff.css").write_text('{% include "card.css" %}\n' + css + "\n",
                                                  encoding="utf-8")
    return case, root


def test_a_background_image_is_stamped_and_looks_as_laid_out(tmp_path, monkeypatch):
    """A project's image behind the band (``.band { background: url(seal.svg) }``): WeasyPrint
    names the image per page that draws it, so the plate and the card read with it named it
    otherwise and every card was laid out. The cards are stamped now, and look as laid out
    (pixels and text)."""
    from cardkit import open_project
    from cardkit.api import PrintOptions, print_cards

    case, root = _front_with_css(
        tmp_path, ".band { background: url(seal.svg) no-repeat right 25mm center / 4mm; }")
    (root / "templates" / "seal.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40" viewBox="0 0 40 40">'
        '<circle cx="20" cy="20" r="18" fill="#c00000"/></svg>\n', encoding="utf-8")
    crowd = [_officer(n, CROWD_NAMES[n % len(CROWD_NAMES)]) for n in range(2, 6)]
    assert _plates_built_and_cards_alike(root, case, crowd, monkeypatch) == 1
    monkeypatch.setenv("CARDKIT_STAMP", "1")
    printed = print_cards(open_project(root), PrintOptions(gen="diff", roster=crowd, jobs=1,
                                                           **OPTIONS[case.options]))
    assert printed.stamped == len(crowd)


def test_a_float_beside_a_slots_line_makes_the_plate_laid_out(tmp_path, monkeypatch):
    """A badge floated into the name's line shortens the line: an officer whose name and post
    do not fit beside it is set below the badge. The stamper held the name only to the boxes
    around it, so such an officer was stamped beside the badge (7 % of the pixels, exit 0)."""
    case, root = _front_with_css(
        tmp_path, '.name-line::before { content: "一级警督"; float: right; font-size: 7pt; }')
    crowd = [_officer(n, CROWD_NAMES[n % len(CROWD_NAMES)]) for n in range(2, 5)]
    crowd.insert(1, {**_officer(1, "Alexandra Wolf", "T1"), "post": "所长"})
    _plates_built_and_cards_alike(root, case, crowd, monkeypatch)


def test_text_drawn_beside_a_slot_reads_in_its_place(tmp_path, monkeypatch):
    """A mark a stylesheet draws before the name (``::before``) lies in the name's text
    object: the stamped name was drawn before that whole object, so the mark read after every
    stamped field. The object is now closed and opened again around the stamped name."""
    case, root = _front_with_css(tmp_path, '.name-line::before { content: "«"; }')
    crowd = [_officer(n, CROWD_NAMES[n % len(CROWD_NAMES)]) for n in range(2, 6)]
    assert _plates_built_and_cards_alike(root, case, crowd, monkeypatch) == 1


@pytest.mark.parametrize("linked", ["link", "import"])
def test_a_stylesheet_a_face_links_or_imports_from_data_is_read(tmp_path, monkeypatch, linked):
    """A rule on one officer in a stylesheet that the front template ``<link>``s (WeasyPrint
    applies it where it lies), or that the design ``@import``s from a ``data:`` URL, makes
    that officer's face their own: it was stamped on the shared plate in black, laid out red."""
    import base64

    css = '.face[data-officer="C03"] .name { color: #c00000; }'
    case, root = _front_with_css(tmp_path, "")
    if linked == "link":
        front = (REPO / "templates" / "front.html").read_text(encoding="utf-8")
        (root / "templates" / "front.html").write_text(front.replace(
            "{% block content %}", '{% block content %}<link rel="stylesheet" href="extra.css">',
            1), encoding="utf-8")
        (root / "templates" / "extra.css").write_text(css, encoding="utf-8")
    else:
        data = base64.b64encode(css.encode()).decode()
        (root / "templates" / "diff.css").write_text(
            f'@import url("data:text/css;base64,{data}");\n{{% include "card.css" %}}\n',
            encoding="utf-8")
    crowd = [_officer(n, CROWD_NAMES[n % len(CROWD_NAMES)]) for n in range(2, 6)]
    _plates_built_and_cards_alike(root, case, crowd, monkeypatch)


def test_a_generic_first_family_refuses_the_template_once(tmp_path, monkeypatch):
    """``.name { font-family: sans-serif }``: no font has that name, so the slot fails the
    first-family check whoever the officer is: the template is refused once, not a plate
    built and refused again for every officer (which made such a job several times slower
    than laying it out); the cards are those laid out."""
    case, root = _front_with_css(tmp_path, ".name { font-family: sans-serif; }")
    crowd = [_officer(n, CROWD_NAMES[n % len(CROWD_NAMES)]) for n in range(2, 8)]
    assert _plates_built_and_cards_alike(root, case, crowd, monkeypatch) == 1


def test_officers_the_model_cannot_take_do_not_each_lay_a_plate_out(tmp_path, monkeypatch):
    """Names the stamper does not take ("吴•明": a middle dot outside the model) are laid
    out; once one has shown the slot's font, the next such officers are known not to stamp
    without a plate laid out for each (which made the job slower than laying it out)."""
    case = Case("plain", "han", "2022", "front-only")
    root = _project(tmp_path / "project", case)
    crowd = [_officer(n, f"吴•明{'一二三四五六'[n - 2]}") for n in range(2, 8)]
    assert _plates_built_and_cards_alike(root, case, crowd, monkeypatch) == 1


def _plates_built_and_cards_alike(root, case: Case, crowd: list[dict], monkeypatch) -> int:
    """How many plates printing ``crowd`` stamped lays out; each page of it as laid out
    (pixels and text). The plate store is the test's own: a plate another test kept for the
    same design would be found, not laid out."""
    from cardkit.render.stamp import plates

    monkeypatch.setenv("XDG_CACHE_HOME", str(root.parent / "cache"))
    built = []
    real = plates.build

    def counting(*args, **kwargs):
        built.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(plates, "build", counting)
    stamped = _print(root, case, crowd, stamp=True, monkeypatch=monkeypatch)
    laid = _print(root, case, crowd, stamp=False, monkeypatch=monkeypatch)
    assert _count(laid) == _count(stamped)
    for number in range(_count(laid)):
        (a_img, a_text), (b_img, b_text) = _page(laid, number), _page(stamped, number)
        assert b_text == a_text, f"page {number}"
        assert _differing(a_img, b_img) <= MAX_PIXELS, f"page {number}"
    return len(built)

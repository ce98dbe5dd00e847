"""Lay out once, stamp every officer (variable-data printing).

A chunk of officers is split in two. An officer whose every face fits a plate the
reader understands (``plates``) is stamped: the plate, laid out once by WeasyPrint per
worker, becomes a form XObject, and only the officer's slot text (shaped with
HarfBuzz, ``shaping``) and QR modules are written into the page (``writer``). Every
other officer (a field that would not fit its slot as it stands, a character outside
the slot's font, a template the reader refuses) goes through the full WeasyPrint path
(``render.FaceRenderer``) exactly as before. The chunk's pages come out as one face PDF,
so sharing, imposition, parts and the ledger do not know which way a face was made.

Set ``CARDKIT_STAMP=0`` in the environment to lay every officer out with WeasyPrint
(the proof tests and the benchmark compare the two).
"""

from __future__ import annotations

import hashlib
import io
import os
import re
from dataclasses import dataclass, field
from typing import Any

from ... import listfit
from ...errors import Diagnostic
from ...i18n import N_
from ..facesource import ChunkResult, FaceSource, Job, LaidOut, page_keys
from . import plates, shaping, store, writer

# Why an officer was laid out in full (counted under -v)
NOT_FITTING = N_("a field that does not fit its slot as it stands, or needs another font")
NOT_READ = N_("a template the plate reader does not reproduce")
PROBLEMS = N_("preflight problems, reported as before")
QR_CODE = N_("a QR code that does not read from its own matrix")
TURNED_OFF = N_("stamping turned off (CARDKIT_STAMP=0)")
FEW = N_("fewer officers than a plate pays for share it in their chunk")
OWN_FACE = N_("the design's stylesheet names officers (data-officer): each card is its own")
SPLIT_FAMILY = N_("the design gives a font family several files by unicode-range: which one "
                  "draws a letter is the layout's choice")
# Officers of one chunk on one plate before it is laid out and stamped. Counted in the chunk,
# never from what the cache holds, so the bytes of a job do not depend on the cache. Two,
# not more: ten officers of three units are stamped, but a template that leaves an officer's
# own text in the plate (every officer a plate of their own) is laid out, not a plate
# (five WeasyPrint pages and a cache entry) per officer.
MIN_SHARE = 2
# Pages of one shared layout of a chunk's new plates and whole pages at the most (a plate
# takes four): about six plates and their backs, so memory does not grow with the units
SHARED_PAGES = 32

OWN_MARK = ' data-own-face="'  # render.faces marks a face that is one officer's alone
PIXEL_DPI = 150  # the plate's own check: stamped A against WeasyPrint's A
SAMPLE_DPI = 200  # the sampled decode-back, as preflight's
MAX_DIFFERING = 0.001  # share of pixels that may differ (anti-aliasing)


def enabled() -> bool:
    return os.environ.get("CARDKIT_STAMP", "1") != "0"


def face_source() -> FaceSource:
    """A job's face source: stamped, or every face laid out under ``CARDKIT_STAMP=0``."""
    return Stamped() if enabled() else LaidOut(why=TURNED_OFF)


@dataclass(frozen=True)
class Stamped:
    """The face source that lays each plate out once and stamps every officer who fits it
    (``facesource.FaceSource``); the others are laid out in full."""

    def prepare(self, job: Job) -> None:
        prepare(job)  # plates of earlier parts, inherited by the workers

    def render_chunk(self, job: Job, span: tuple[int, int]) -> ChunkResult:
        return render_chunk(job, span)

    def ahead(self, job: Job, span: tuple[int, int]) -> Ahead | None:
        return ahead(job, span)

    def build_ahead(self, job: Job, task: Any) -> Any:
        return build_ahead(job, task)

    def keep(self, job: Job, result: ChunkResult) -> None:
        if result.shared:
            keep(job, result.shared)
            result.shared = {}
        if result.fonts:  # for one font per face when the parts are concatenated
            writer.remember(result.fonts)


@dataclass
class _Cache:
    """Per worker process: plates and plate-only faces, by skeleton."""

    plates: dict[str, Any] = field(default_factory=dict)  # key -> Plate | str (why refused)
    pages: dict[str, Any] = field(default_factory=dict)  # key -> (pdf bytes) | str
    refused: dict[str, int] = field(default_factory=dict)  # why -> officers
    # (plate key, officer id) -> why that officer's values were refused, when the plate was
    # laid out ahead of the officer's turn (``_lay_out_new``)
    tried: dict[tuple[str, str], str] = field(default_factory=dict)
    # span -> each officer's faces as drafted (``_drafts``), made once for ``ahead`` and the chunk
    drafts: dict[tuple[int, int], list] = field(default_factory=dict)
    # plate key -> slot -> its font's character map, learnt from an officer whose text it did
    # not all hold: an officer whose text it does not hold either is never stamped on any
    # plate of that face (``stamp_face`` asks the same), so no plate is laid out for them
    screens: dict[str, dict[str, frozenset[int]]] = field(default_factory=dict)


def _cache(job: Job) -> _Cache:
    if job.work.stamp_cache is None:
        job.work.stamp_cache = _Cache()
    return job.work.stamp_cache


# --- plates outlive the workers that built them -------------------------------------------
#
# Workers are forked for each part of a big job and die with it. Each sends back the plates,
# whole faces and fonts it made (``shared``); the parent keeps them (``keep``) and the next
# part's workers inherit them when they fork (``prepare``), so a plate is laid out once per
# job rather than once per worker and part. Plates do not depend on the officer they were
# read with, so the output does not change.

def _kept() -> dict[str, _Cache]:
    """In the parent: the job's plates so far (``jobstate``: kept from part to part of the job
    and dropped with it; a template or asset may be edited between jobs), by the look of the
    job (``_look``)."""
    from ...jobstate import current

    return current().kept


def _sent() -> dict[str, Any]:
    """In a worker: what it inherited from the job or already sent back."""
    from ...jobstate import current

    return current().sent


def _look(job: Job) -> str:
    """What a plate depends on beyond its skeleton: the stylesheet and document around the
    faces and the generation's data. Never the folders: the files a layout read are checked
    by their bytes (``store``), wherever the roster lies."""
    import json

    renderer = job.face_renderer()
    # the whole generation, serialised (QR colours, preflight's rules): its raw data is allowed
    data = json.dumps(job.gen.data, sort_keys=True, default=str)
    return hashlib.sha256("\x00".join([renderer.document_html([]), data]).encode()).hexdigest()


def _roots(job: Any) -> list:
    return [*job.project.allowed_roots(), *job.extra_roots]


def prepare(job: Job) -> None:
    """In the parent, before the workers fork: the renderer, and the plates kept so far."""
    job.face_renderer()
    look = _look(job)
    kept = _kept().setdefault(look, _Cache())
    job.work.stamp_cache = _Cache(plates=dict(kept.plates), pages=dict(kept.pages))
    job.work.stamp_store = store.Store(look, _roots(job))


def _store(job: Job) -> store.Store:
    if job.work.stamp_store is None:
        job.work.stamp_store = store.Store(_look(job), _roots(job))
    return job.work.stamp_store


def _inherited(cache: _Cache) -> None:
    """At a chunk's start: after a fork, everything there is came from the parent."""
    sent = _sent()
    if sent.get("pid") != os.getpid():
        sent.update(pid=os.getpid(), fonts=set(shaping.font_faces()), plates=set(cache.plates),
                     pages=set(cache.pages))


class _SentFont:
    """A face a worker made, on its way to the parent: pickled as the bytes it shapes with
    (``FontFace.program``; a face mapped from its installed file goes as those bytes, never
    as the path, whose file may have been replaced since, and the parent subsets what was
    shaped), and not copied at all when the chunk's result stays in this process.

    ``by_file``: a helper's faces go as the installed file found to hold exactly their bytes,
    with that file's identity then (``FontFace.installed``), not as 16 MiB on the job's
    critical path: the parent maps the file only while it is still that file
    (``store.mapped_as``), and otherwise makes the helper's share itself (nothing the helper
    stamped reaches the output, so nothing needs the bytes it shaped with)."""

    def __init__(self, face: shaping.FontFace, by_file: bool = False) -> None:
        self.face = face
        self.by_file = by_file

    def __reduce__(self) -> tuple[Any, tuple]:
        face = self.face
        if self.by_file and face.installed is not None and face.digest:
            path, ident = face.installed
            return (tuple, ((b"", face.index, face.family, path, face.digest, ident),))
        return (tuple, ((face.program(), face.index, face.family, face.path, face.digest,
                         None),))


def _shared(cache: _Cache, by_file: bool = False) -> dict[str, Any]:
    """What this worker made that its parent does not have yet (``by_file``: ``_SentFont``)."""
    import pickle

    sent = _sent()
    fonts = {k: _SentFont(f, by_file) for k, f in shaping.font_faces().items()
             if k not in sent["fonts"]}
    made = {k: v for k, v in cache.plates.items() if k not in sent["plates"]}
    pages = {k: v for k, v in cache.pages.items() if k not in sent["pages"]}
    sent["fonts"].update(fonts)
    sent["plates"].update(made)
    sent["pages"].update(pages)
    if not (fonts or made or pages):
        return {}
    return {"fonts": fonts, "plates": pickle.dumps(made), "pages": pages}


def keep(job: Any, shared: dict[str, Any]) -> None:
    """In the parent: the plates, faces and fonts a worker made, for the next parts."""
    import pickle

    if not shared or _fonts_differ(shared["fonts"]) or not _take_fonts(job, shared["fonts"]):
        return  # its plates and faces are made again
    kept = _kept().setdefault(_look(job), _Cache())
    kept.plates.update(pickle.loads(shared["plates"]))
    kept.pages.update(shared["pages"])


def _fonts_differ(fonts: dict[str, Any]) -> bool:
    """Whether a font another process sent (``_shared``) has the name of one this process
    knows but other bytes (one family given two files, an ``@font-face`` per script): its
    plates would be stamped with this process's file. Within one process the second file is
    refused where it is met (``plates._font_face``), and the officers are laid out."""
    known = shaping.font_faces()
    for key, sent in fonts.items():
        face = known.get(key)
        if face is None:
            continue
        if isinstance(sent, _SentFont):  # from this process
            if sent.face is not face:
                return True
            continue
        data, _index, _family, _path, digest, _ident = sent
        if (digest or hashlib.sha256(data).hexdigest()) != face.digest_of():
            return True
    return False


def _take_fonts(job: Any, fonts: dict[str, Any]) -> bool:
    """The fonts a worker sent (``_shared``), for the plates that shape with them; False, and
    none taken, when one a helper sent by its installed file is not that file any more (then
    what the helper made is made here)."""
    taken: dict[str, shaping.FontFace] = {}
    for key, sent in fonts.items():
        if key in shaping.font_faces():
            continue
        if isinstance(sent, _SentFont):  # rendered in this process
            taken[key] = sent.face
            continue
        data, index, family, path, digest, ident = sent
        face = None
        if ident is not None:  # sent by the installed file holding its bytes
            face = store.mapped_as(key, index, family, path, digest, ident)
            if face is None:
                return False
        elif path and digest:  # the parent maps the installed file too while it holds exactly
            # those bytes (the workers it forks later share the mapping); else keeps the bytes
            if hashlib.sha256(data).hexdigest() == digest:
                face = _store(job).mapped(key, index, family, path, digest)
            else:
                digest = ""
        taken[key] = face or shaping.FontFace(key=key, data=data, index=index, family=family,
                                              digest=digest)
    shaping.font_faces().update(taken)
    return True


def _key(skeleton: str) -> str:
    return hashlib.sha256(skeleton.encode()).hexdigest()


def _problems(job: Any, officers: list, document: Any = None, pdf: bytes = b"",
              index: dict | None = None, qr_codes: dict | None = None,
              warnings: list[str] | None = None) -> list:
    """The job's preflight (``job.check``) on a laid-out plate or on stamped officers
    (no document: only what needs none, the glyph check)."""
    from ..faces import FaceSet

    faces = FaceSet(pdf=pdf, faces=[], index=index or {}, qr_codes=qr_codes or {},
                    glyph_warnings=warnings or [], document=document)
    return job.check(job.gen, officers, faces)


def _qr_colors(renderer: Any) -> tuple[str, str]:
    import tinycss2.color5

    colors = renderer.gen.colors
    dark = tinycss2.color5.parse_color(str(colors.get("qr", "#000000")))
    light = tinycss2.color5.parse_color(str(colors.get("qr_light", "#ffffff")))
    for color in (dark, light):
        if color is None or not hasattr(color, "space") or color.alpha != 1 \
                or color.space not in ("srgb", "device-cmyk"):
            raise plates.Refused("QR colours the stamper does not draw")
    return writer.color_op(dark), writer.color_op(light)


def _collect() -> None:
    """WeasyPrint's box trees are reference cycles: a plate's layout (about 100 MB) is freed
    by the cyclic collector, which would run only much later; collect it right away (once a
    layout is done with, not per face laid out on it)."""
    import gc

    gc.collect()


def _plate(job: Any, renderer: Any, face: plates.Face, officer: Any, qr: Any,
           laid: Any = None) -> Any:
    """The face's plate, built and checked the first time it is met; a str says why not.
    ``laid``: its pages laid out and written already (``_lay_out_new``): a Laid and the
    written PDF with the number of its first page."""
    cache = _cache(job)
    key = _key(face.skeleton)
    if key in cache.plates:
        return cache.plates[key]
    tried = cache.tried.pop((key, officer.id), None)
    if tried is not None:
        return tried
    found, plate = _store(job).get("plate", face.skeleton, renderer.files_read)
    if found:
        cache.plates[key] = plate
        return plate
    screen = cache.screens.get(key, {})
    if any(not shaping.stampable_text(value, screen[name])
           for name, value in zip(face.fields, face.values, strict=True) if name in screen):
        return NOT_READ  # as the plate laid out with these values would say
    plate = _new_plate(job, renderer, face, officer, qr, cache, key, laid)
    if laid is None:
        _collect()
    if not isinstance(plate, str):
        _store(job).put("plate", face.skeleton, plate, renderer.files_read,
                        fonts=tuple({face.key: face for face in (*[slot.face for slot in
                                                                    plate.slots],
                                                                   *plate.faces)}.values()))
    return plate


def _new_plate(job: Any, renderer: Any, face: plates.Face, officer: Any, qr: Any, cache: _Cache,
               key: str, laid: Any = None) -> Any:
    try:
        with_code = qr is not None and bool(face.qr_svg)
        plate = plates.build(renderer, key, face, qr.svg if with_code else "", job.prune,
                             *(laid or (None, None)))
        document = plate.__dict__.pop("document")
        # the first officer's full preflight on page A, QR code (size, contrast, decode-back)
        # included: anything wrong and the plate is not used with these values
        side = _side_of(face) or _qr_face(job.gen, job.sides) or "front"
        problems = _problems(job, [officer], document, plate.checked,
                             index={(officer.id, side): 0},
                             qr_codes={officer.id: qr} if with_code else {})
        if problems:  # the officer's own fields or code: try the next officer's
            qr_field = job.gen.qr.field
            raise plates.Refused(PROBLEMS, officer=all(
                p.field in (*face.fields, qr_field) for p in problems))
        if plate.qr_rect is not None:
            plate.qr_dark, plate.qr_light = _qr_colors(renderer)
            plate.qr_quiet = qr.quiet
        stamp = stamp_face(plate, face.values, qr)
        if stamp is None:
            raise plates.Refused("the officer does not stamp onto their own plate", officer=True)
        _check_against_weasyprint(plate, stamp, qr)
        del plate.checked  # 3 pages with their fonts: not needed any more
    except plates.Refused as exc:
        why = PROBLEMS if str(exc) == PROBLEMS else NOT_READ
        if exc.officer:  # this officer's values: the next officer's may do
            for name, cmap in exc.cmaps.items():
                cache.screens.setdefault(key, {})[name] = cmap
            return why
        cache.plates[key] = why
        return why
    cache.plates[key] = plate
    return plate


def _pil_copy(bitmap: Any) -> Any:
    return bitmap.to_pil().copy()


def _check_against_weasyprint(plate: Any, stamp: writer.Stamp, qr: Any) -> None:
    """Rasterise the first officer stamped and as WeasyPrint laid them out (page A): the
    pixels must agree, and the stamped code must decode back to its payload.

    The stamped text draws from the very font programs WeasyPrint embedded for page A (glyph
    ids kept), not from a subset made for the check. A glyph the stamper drew that WeasyPrint
    did not may be missing from them and draw nothing (no pixel would differ where
    WeasyPrint drew nothing either): such a stamp is refused before any pixel is compared."""
    import pikepdf

    from ...pdfiumlock import rendered_page
    from ...pdfsave import save
    from ..qr import decode

    out = pikepdf.Pdf.new()
    w = writer.Writer(out)
    w.page(stamp)
    with pikepdf.Pdf.open(io.BytesIO(plate.checked)) as laid:
        found = writer.face_files(laid, out, set(w.fonts))
        if any(not set(w.fonts[key][2]) <= drawn for key, (_file, drawn) in found.items()):
            # it would draw nothing from WeasyPrint's program: no pixel would tell
            raise plates.Refused("the stamped text draws a glyph the laid-out one does not")
        w.finish(embed=True, files={key: file for key, (file, _drawn) in found.items()})
        stamped_pdf = save(out)  # the programs are copied from ``laid`` as it is saved
    stamped, laid_out = (rendered_page(data, 0, PIXEL_DPI / 72, _pil_copy, grayscale=True)
                         for data in (stamped_pdf, plate.checked))
    if stamped.size != laid_out.size:
        raise plates.Refused("the stamped page is not the size of the laid-out one")
    from PIL import ImageChops

    diff = ImageChops.difference(stamped, laid_out).point(lambda v: 255 if v > 24 else 0)
    differing = diff.histogram()[255]
    if differing > MAX_DIFFERING * stamped.width * stamped.height:
        raise plates.Refused(f"stamped and laid-out pixels differ ({differing})")
    if qr is not None and plate.qr_rect is not None and qr.payload not in decode(stamped):
        raise plates.Refused("the stamped QR code does not decode back", officer=True)


def stamp_face(plate: Any, values: tuple[str, ...], qr: Any) -> writer.Stamp | None:
    """The officer's runs on this plate, or None when one would not be where WeasyPrint
    puts it (not in the slot's font or script, or longer than its line allows)."""
    runs = []
    ends: dict[int, float] = {}
    for number, (slot, value) in enumerate(zip(plate.slots, values, strict=True)):
        if not shaping.stampable_text(value, slot.face.cmap):
            return None
        shaped = shaping.shape(slot.face, value, slot.size, slot.letter_spacing, slot.language)
        x = slot.x if slot.first else ends[_line_of(plate, number)] + slot.gap
        if x + shaped.advance > slot.limit - plates.MARGIN:
            return None
        ends[_line_of(plate, number)] = x + shaped.advance
        runs.append(writer.Run(slot=slot, shaped=shaped, x=x, text=value))
    if (qr is None) != (plate.qr_rect is None):
        return None
    return writer.Stamp(plate=plate, runs=runs, qr=qr)


def _line_of(plate: Any, number: int) -> int:
    """Slots on one line share the number of the line's first slot."""
    while not plate.slots[number].first:
        number -= 1
    return number


def _qr_face(gen: Any, sides: tuple[str, ...]) -> str | None:
    """The first face printed (of ``sides``) that shows the QR code: with ``--sides back``, the
    back of a design that shows the code on both faces; None when no face printed shows it."""
    return next((side for side in ("front", "back") if side in sides and "qr" in gen.shows(side)),
                None)


def _side_of(face: plates.Face) -> str | None:
    """The side a face says it is (``data-side``, as the built-in base template writes it)."""
    found = re.search(r'\bdata-side="(front|back)"', face.skeleton)
    return found[1] if found else None


def _sample_decodes(gen: Any, sides: tuple[str, ...], planned: list, index: dict,
                    pdf: bytes) -> list[Diagnostic]:
    """The rasterised decode-back, kept for a sample: the chunk's first stamped code."""
    from ...i18n import _
    from ...pdfiumlock import rendered_page
    from ..qr import decode, grey_pixels

    for plan in planned:
        officer, qr = plan.officer, plan.qr
        if qr is None:
            continue
        side = _qr_face(gen, sides) or "front"
        pixels = rendered_page(pdf, index[(officer.id, side)], SAMPLE_DPI / 72, grey_pixels,
                               grayscale=True)
        payloads = decode(pixels)
        if qr.payload in payloads:
            return []
        field_name = gen.qr.field
        return [Diagnostic(file=officer.source.file, line=officer.source.line,
                           subject=f"officer {officer.id}", field=field_name, message=_(
                               "the printed QR code does not decode back to its payload "
                               "(read: {read})").format(read=payloads or _("nothing")))]
    return []


class _Outline:
    """A QR code as the face's HTML gets it while cutting: the SVG box without modules."""

    def __init__(self, qr: Any) -> None:
        self.qr = qr
        self.payload, self.module_mm = qr.payload, qr.module_mm

    @property
    def svg(self) -> str:
        return self.qr.svg_outline


def _qr_reads(qr: Any) -> bool:
    """The code decodes from its own matrix, and its modules are big enough to print."""
    from ..qr import MIN_MODULE_MM, decode, matrix_pixels

    return qr.module_mm >= MIN_MODULE_MM - 1e-9 and qr.payload in decode(matrix_pixels(qr.matrix))


def _page_only(job: Any, renderer: Any, html: str, laid: Any = None) -> Any:
    """A face without slots (the back, usually): laid out once per worker, as today.
    ``laid``: its page laid out and written already (``_lay_out_new``), as for ``_plate``."""
    cache = _cache(job)
    key = _page_key(html)
    if key not in cache.pages:
        found, page = _store(job).get("page", _page_text(html), renderer.files_read)
        if not found:
            page, faces = _whole_page(job, renderer, html, laid)
            if laid is None:
                _collect()
            if not isinstance(page, str):
                _store(job).put("page", _page_text(html), page, renderer.files_read, fonts=faces)
        cache.pages[key] = page
    return key, cache.pages[key]


def _page_key(html: str) -> str:
    return hashlib.sha256(_page_text(html).encode()).hexdigest()


def _page_text(html: str) -> str:
    """A whole page's HTML as kept pages are named by (``store``: officer ids aside)."""
    from ..faces import face_key

    return face_key(html)


def _wanted(job: Any, renderer: Any, cuts: list[Cut], shared: dict[str, int]) -> list:
    """The plates (face, first officer, code) and whole pages (HTML) the chunk will lay out,
    in ``_plan``'s order; those the store keeps are taken from it, as ``_plan`` would. (An
    officer whose code will not read is not foreseen: the plate is tried with them, and
    refused for their values, the next officer's are tried when asked for.)"""
    cache = _cache(job)
    wanted: list[tuple[str, Any]] = []  # ("plate", (face, officer, qr)) | ("page", html)
    met: set[str] = set()  # skeletons and page HTML looked at (most officers share them)
    for cut in cuts:
        for _side, html, face in cut.sides:
            if face is None or OWN_MARK in html:
                break
            page = not face.fields and not face.qr_svg
            if not page and shared[face.skeleton] < MIN_SHARE:
                break
            look = html if page else face.skeleton
            if look in met:
                continue
            met.add(look)
            key = _page_key(html) if page else _key(face.skeleton)
            kept = cache.pages if page else cache.plates
            if key in met or key in kept:  # another officer's page (ids aside) or kept
                continue
            met.add(key)
            found, value = _store(job).get("page" if page else "plate",
                                           _page_text(html) if page else face.skeleton,
                                           renderer.files_read)
            if found:
                kept[key] = value
            else:
                wanted.append(("page", html) if page else ("plate", (face, cut.officer, cut.qr)))
    return wanted


def _lay_out_new(job: Any, renderer: Any, cuts: list[Cut], shared: dict[str, int]) -> None:
    """The plates and whole pages the chunk will ask for first (``_plan``'s order, as if
    every face before them stamps), laid out together: a WeasyPrint document costs far
    more than a page of it. Each is then written and checked on its own, as when it is
    laid out alone (``Laid.pages``) and taken out of the one PDF written (``alone``), so its
    bytes do not depend on the others. Anything unusual about the shared layout (a warning,
    a page too many, an error) and nothing is kept from it: the faces are laid out one by
    one when asked for. At most ``SHARED_PAGES`` pages a layout: a layout's box trees stay
    in memory until its faces are read."""
    _lay_out_groups(job, renderer, [(kind, item, _pages_of(kind, item))
                                    for kind, item in _wanted(job, renderer, cuts, shared)])


def _lay_out_groups(job: Any, renderer: Any, wanted: list[tuple[str, Any, list[str]]]) -> None:
    """``wanted`` laid out in layouts of at most ``SHARED_PAGES`` pages (``_lay_out_group``)."""
    group: list[tuple[str, Any, list[str]]] = []
    for entry in wanted:
        if group and sum(len(g[2]) for g in group) + len(entry[2]) > SHARED_PAGES:
            _lay_out_group(job, renderer, group)
            group = []
        group.append(entry)
    _lay_out_group(job, renderer, group)


# --- a helper does some of a lone chunk's new faces meanwhile ------------------------------
#
# A small job on a design never printed before is one chunk, rendered in the process that
# started it, and its new faces are most of its time: a plate is four pages laid out, three
# written, its first officer preflighted and compared with the stamp; a face with tip lists
# is planned on two layouts of its own (``listfit``) before it is laid out. With a processor
# to spare, ``batch`` forks one helper before the chunk starts and hands it a share of that
# work (``ahead``): the tip lists (planned, and their whole pages laid out) or some plates.
# The helper does its share (``build_ahead``) while this process builds the rest, then sends
# back what it made, as a worker sends its plates (``_shared``), and the plans. A plate, a
# page or a plan does not depend on the process that made it, so neither do the bytes;
# whatever the helper did not send (it failed, or refused an officer's values) is made here
# when it is asked for, as without a helper.

# What a new face costs the chunk, in pages laid out (only to share the work out)
PLATE_COST = 14.0  # four pages laid out, three written, the first officer checked twice
LISTS_COST = 10.0  # a face with tip lists: its probe, the probe's check, the face written
PAGE_COST = 4.0  # a whole face laid out and written
HELPER_COST = 6.0  # the helper's own fonts, its writing, what it sends back
WAIT_STEP = 0.05  # seconds: how long the chunk waits for its helper between two looks


@dataclass(frozen=True)
class Ahead:
    """A helper's share of the chunk ``span``'s new faces: the faces with tip lists to plan
    (their HTML, and their whole pages to lay out) and the plates to build ((face, first
    officer, code) each, as ``_wanted`` lists them)."""

    span: tuple[int, int]
    lists: tuple[str, ...]
    plates: tuple[tuple[plates.Face, Any, Any], ...]

    def keys(self) -> set[str]:
        return {_key(face.skeleton) for face, _officer, _qr in self.plates}


def _free_cuts(job: Any, renderer: Any, span: tuple[int, int]
               ) -> tuple[list[Cut], dict[str, int], dict[str, str]]:
    """The chunk's faces without tip lists cut as ``_cut_chunk`` cuts them (a face with
    lists is known only once planned), how many officers share each skeleton, and the faces
    with lists whose plans are not known yet (face key -> HTML)."""
    from ..faces import face_key

    cuts = []
    shared: dict[str, int] = {}
    lists: dict[str, str] = {}
    for officer, qr, drafted in _drafts(job, renderer, span):
        sides = []
        for side, html in drafted:
            if listfit.has_lists(html):
                key = face_key(html)
                if key not in lists and not _plan_known(job, renderer, key):
                    lists[key] = html
                continue
            face = plates.cut(html)
            sides.append((side, html, face))
            if face is not None and (face.fields or face.qr_svg):
                shared[face.skeleton] = shared.get(face.skeleton, 0) + 1
        cuts.append(Cut(officer, qr, sides))
    return cuts, shared, lists


def ahead(job: Job, span: tuple[int, int]) -> Ahead | None:
    """Before the lone chunk ``span`` is rendered in this process: the helper's share of its
    new faces, the one that ends the chunk soonest, or None when no share would."""
    renderer = job.face_renderer()
    if renderer.may_declare_fonts(html for _officer, _qr, drafted in _drafts(job, renderer, span)
                                  for _side, html in drafted):
        return None  # a family its stylesheet gives two files: which one a plate gets depends
        # on the order the faces are met in, as in one process
    cuts, shared, lists = _free_cuts(job, renderer, span)
    wanted = _wanted(job, renderer, cuts, shared)
    new = [item for kind, item in wanted if kind == "plate"]
    pages = PAGE_COST * (len(wanted) - len(new))
    listed = LISTS_COST * len(lists)
    best = (pages + listed + PLATE_COST * len(new), False, 0)  # (ends, lists?, plates) alone
    for with_lists in ([False, True] if lists else [False]):
        for given in range(len(new) + 1):
            helper = (listed if with_lists else 0) + PLATE_COST * given
            if not helper:
                continue
            here = pages + (0 if with_lists else listed) + PLATE_COST * (len(new) - given)
            ends = max(here, helper + HELPER_COST)
            if ends < best[0]:
                best = (ends, with_lists, given)
    _ends, with_lists, given = best
    if not with_lists and not given:
        return None
    import weasyprint  # noqa: F401  (the helper, forked next, starts with it loaded)

    return Ahead(span, tuple(lists.values()) if with_lists else (),
                 tuple(new[len(new) - given:]))


def build_ahead(job: Job, task: Ahead) -> dict[str, Any]:
    """In the helper: ``task``'s lists planned and plates built; what to send back."""
    renderer = job.face_renderer()
    cache = _cache(job)
    _inherited(cache)
    wanted: list[tuple[str, Any]] = []
    planned: list[str] = []
    for html, key in zip(task.lists, _plan_lists(job, renderer, list(task.lists)), strict=True):
        if key is None:
            continue
        planned.append(key)
        page = listfit.plan(renderer, html, key)
        face = plates.cut(page)
        if face is not None and not face.fields and not face.qr_svg \
                and OWN_MARK not in page and not _page_known(job, renderer, page):
            wanted.append(("page", page))
    wanted += [("plate", item) for item in task.plates]
    if len(wanted) == 1:
        _build_one(job, renderer, *wanted[0])
    else:
        _lay_out_groups(job, renderer, [(kind, item, _pages_of(kind, item))
                                        for kind, item in wanted])
    plans = renderer.__dict__.setdefault("_list_plans", {})
    # the files the helper's layouts and store lookups read belong to the job's record (what
    # -o may not replace, what --changed-since hashes), whatever the job then keeps
    return {"made": _shared(cache, by_file=True), "plans": {key: plans[key] for key in planned},
            "tried": dict(cache.tried), "files_read": dict(renderer.files_read)}


def _meanwhile(job: Job, renderer: Any, span: tuple[int, int], pending: tuple[Ahead, Any]
               ) -> None:
    """In the process rendering the chunk, while its helper works: the new plates and whole
    pages of the faces without lists that are not the helper's, built; then what the helper
    made, taken in (``_take_ahead``)."""
    task, future = pending
    cuts, shared, _lists = _free_cuts(job, renderer, span)
    helpers = task.keys()
    wanted = [(kind, item) for kind, item in _wanted(job, renderer, cuts, shared)
              if not (kind == "plate" and _key(item[0].skeleton) in helpers)]
    if len(wanted) == 1:  # built now, while the helper works, not once it is done
        _build_one(job, renderer, *wanted[0])
    else:
        _lay_out_groups(job, renderer, [(kind, item, _pages_of(kind, item))
                                        for kind, item in wanted])
    _take_ahead(job, renderer, future)


def _build_one(job: Any, renderer: Any, kind: str, item: Any) -> None:
    """One wanted plate or whole page (``_wanted``) laid out by itself and kept."""
    if kind != "plate":
        _page_only(job, renderer, item)
        return
    face, officer, qr = item
    plate = _plate(job, renderer, face, officer, qr)
    key = _key(face.skeleton)
    if isinstance(plate, str) and key not in _cache(job).plates:  # the officer's values
        _cache(job).tried[(key, officer.id)] = plate


def _take_ahead(job: Job, renderer: Any, future: Any) -> None:
    """The helper's plans, plates, pages and fonts (``build_ahead``), once it is done."""
    import pickle
    from concurrent.futures import CancelledError

    while True:  # waited for in steps: the job's limits (``limits.capped``) signal this
        try:  # thread, which a wait's end also lets them interrupt, whatever the platform
            failed = future.exception(timeout=WAIT_STEP)
            break
        except TimeoutError:
            continue
        except CancelledError:
            return
    if failed is not None:  # the helper's error: its share is made here, when asked for
        return
    sent = future.result()
    renderer.files_read.update(sent["files_read"])
    made = sent["made"]
    if made and (_fonts_differ(made["fonts"]) or not _take_fonts(job, made["fonts"])):
        return  # made here again, as in one process (the plans too: measured with its fonts)
    renderer.__dict__.setdefault("_list_plans", {}).update(sent["plans"])
    if not made:
        return
    cache = _cache(job)
    for tried, why in sent["tried"].items():  # the officers' values a plate refused
        cache.tried.setdefault(tried, why)
    for key, plate in pickle.loads(made["plates"]).items():
        cache.plates.setdefault(key, plate)
    for key, page in made["pages"].items():
        cache.pages.setdefault(key, page)


def _page_known(job: Any, renderer: Any, html: str) -> bool:
    """Whether the whole page ``html`` is made already: in this process, or kept by the
    store (then taken from it)."""
    cache = _cache(job)
    key = _page_key(html)
    if key not in cache.pages:
        found, page = _store(job).get("page", _page_text(html), renderer.files_read)
        if found:
            cache.pages[key] = page
    return key in cache.pages


def _pages_of(kind: str, item: Any) -> list[str]:
    """The pages a wanted plate or whole page is laid out on."""
    if kind != "plate":
        return [item]
    face, _officer, qr = item
    with_code = qr is not None and bool(face.qr_svg)
    return plates.pages(face, qr.svg if with_code else "")


def _lay_out_group(job: Any, renderer: Any, wanted: list[tuple[str, Any, list[str]]]) -> None:
    """``_lay_out_new`` for some of the chunk's wanted faces: one layout, one PDF."""
    import pikepdf

    from ...errors import CardkitError

    if len(wanted) < 2:
        return  # one face: laid out when asked for
    cache = _cache(job)
    faces: list[str] = []
    spans = []
    for _kind, _item, pages in wanted:
        spans.append(range(len(faces), len(faces) + len(pages)))
        faces += pages
    try:
        laid = renderer.lay_out(faces, job.extra_roots)
        if laid.warnings or len(laid.document.pages) != len(faces):
            return
        # every page but the plates' B (read from its boxes, never drawn)
        drawn = [n for (kind, _item, _pages), span in zip(wanted, spans, strict=True)
                 for n in ([span[i] for i in plates.WRITTEN] if kind == "plate" else span)]
        pdf, warnings = renderer.written(laid.pages(drawn))
    except CardkitError:
        return  # said again, face by face, when the faces are asked for
    if warnings:  # whose, the pages written one by one will tell
        return
    src = pikepdf.Pdf.open(io.BytesIO(pdf))
    try:
        for (kind, item, _pages), span in zip(wanted, spans, strict=True):
            done = (laid.pages(span), (src, drawn.index(span[0])))
            if kind == "plate":
                face, officer, qr = item
                plate = _plate(job, renderer, face, officer, qr, done)
                key = _key(face.skeleton)
                if isinstance(plate, str) and key not in cache.plates:  # the officer's values
                    cache.tried[(key, officer.id)] = plate
            else:
                _page_only(job, renderer, item, done)
    finally:
        src.close()
        del laid
        _collect()


def _plan_lists(job: Any, renderer: Any, faces: list[str]) -> list[str | None]:
    """Tip lists in columns (``listfit``) for every face of ``faces`` that has them: a plan
    kept like a plate, or all the missing ones planned together. The faces' keys
    (``face_key``; None for a face without lists)."""
    from ..faces import face_key

    plans = renderer.__dict__.setdefault("_list_plans", {})
    missing: dict[str, str] = {}  # face key -> html
    keys: list[str | None] = []
    for html in faces:
        key = face_key(html) if listfit.has_lists(html) else None
        keys.append(key)
        if key is None or key in missing or _plan_known(job, renderer, key):
            continue
        missing[key] = html
    listfit.plan_all(renderer, [(html, key) for key, html in missing.items()])
    for key, html in missing.items():
        face = plates.cut(listfit.plan(renderer, html, key))
        if face is not None and not face.fields and not face.qr_svg:  # a plan per officer stays here
            _store(job).put("plan", key, plans[key], renderer.files_read)
    return keys


def _plan_known(job: Any, renderer: Any, key: str) -> bool:
    """Whether the list plan of the face ``key`` is known: planned in this process, or kept
    by the store (then taken from it)."""
    plans = renderer.__dict__.setdefault("_list_plans", {})
    if key not in plans:
        found, plan = _store(job).get("plan", key, renderer.files_read)
        if found:
            plans[key] = plan
    return key in plans


def _whole_page(job: Any, renderer: Any, html: str, laid: Any = None) -> tuple[Any, tuple]:
    """The face laid out and written as a page of its own (``alone.page``), or why not; and
    the faces of its text (``plates.page_faces``)."""
    import pikepdf

    from . import alone

    if laid is None:
        document, pdf, warnings = renderer.layout([html], job.extra_roots)
        faces = plates.page_faces(document.pages[0])
        with pikepdf.Pdf.open(io.BytesIO(pdf)) as src:
            page = alone.page(src, 0, known_only=False)
    else:
        (own, (src, number)), warnings = laid, []
        document = own.document
        faces = plates.page_faces(document.pages[0])
        page = alone.page(src, number)
        if page is None:  # a font whose file would stay the document's: written alone
            pdf, warnings = renderer.written(own)
            with pikepdf.Pdf.open(io.BytesIO(pdf)) as single:
                page = alone.page(single, 0, known_only=False)
    if page is None:
        return NOT_READ, faces
    if _problems(job, [], document, page, warnings=warnings):
        return PROBLEMS, faces
    return job.prune(page), faces


@dataclass(frozen=True)
class WholePage:
    """A face without slots (a unit's back), laid out whole once: its key and PDF page."""

    key: str
    pdf: bytes


@dataclass(frozen=True)
class Cut:
    """One officer's faces as the chunk cut them: (side, HTML, plates.Face or None) each."""

    officer: Any
    qr: Any
    sides: list[tuple[str, str, plates.Face | None]]


@dataclass
class Planned:
    """An officer stamped: each side's face, a whole page or a stamp on a plate."""

    officer: Any
    faces: list[tuple[str, WholePage | writer.Stamp]]
    qr: Any


def _drafts(job: Any, renderer: Any, span: tuple[int, int]) -> list:
    """Each officer of ``span`` with their code and their faces' HTML (the code's outline
    only: its modules are stamped), made once per chunk."""
    cache = _cache(job)
    if span not in cache.drafts:
        qr_printed = _qr_face(job.gen, job.sides) is not None  # `--sides back`, a front code
        drafts = []
        for officer in job.officers[span[0]:span[1]]:
            qr = renderer.qr_for(officer) if qr_printed else None
            drafts.append((officer, qr, [(side, renderer.face_html(
                officer, side, _Outline(qr) if qr else None)) for side in job.sides]))
        cache.drafts[span] = drafts
    return cache.drafts[span]


def _cut_chunk(job: Any, renderer: Any, span: tuple[int, int]) -> tuple[list[Cut], dict[str, int]]:
    """Every officer's faces cut into skeleton and slots, and how many officers of the chunk
    share each skeleton."""
    cuts = []
    shared: dict[str, int] = {}  # skeleton -> officers of this chunk on that plate
    drafts = _drafts(job, renderer, span)
    pending = job.work.ahead
    if pending is not None:  # a helper's share first: the list plans may be among it
        job.work.ahead = None
        _meanwhile(job, renderer, span, pending)
    # tip lists in columns, as the full path plans them: the chunk's faces planned together
    keys = iter(_plan_lists(job, renderer, [html for _o, _q, sides in drafts
                                            for _s, html in sides]))
    for officer, qr, drafted in drafts:
        sides = []
        for side, html in drafted:
            key = next(keys)
            if key is not None:
                html = listfit.plan(renderer, html, key)
            face = plates.cut(html)
            sides.append((side, html, face))
            if face is not None and (face.fields or face.qr_svg):
                shared[face.skeleton] = shared.get(face.skeleton, 0) + 1
        cuts.append(Cut(officer, qr, sides))
    _lay_out_new(job, renderer, cuts, shared)
    return cuts, shared


def _plan(job: Any, renderer: Any, cut: Cut, shared: dict[str, int]) -> Planned | str:
    """The officer's faces stamped or whole, or why the officer is laid out in full."""
    if cut.qr is not None and not _qr_reads(cut.qr):
        return QR_CODE
    faces: list[tuple[str, WholePage | writer.Stamp]] = []
    for side, html, face in cut.sides:
        if face is None:
            return NOT_READ
        if OWN_MARK in html:
            return OWN_FACE
        if not face.fields and not face.qr_svg:
            key, page = _page_only(job, renderer, html)
            if isinstance(page, str):
                return page
            faces.append((side, WholePage(key, page)))
            continue
        if shared[face.skeleton] < MIN_SHARE:
            return FEW
        plate = _plate(job, renderer, face, cut.officer, cut.qr)
        if isinstance(plate, str):
            return plate
        stamp = stamp_face(plate, face.values, cut.qr if face.qr_svg else None)
        if stamp is None:
            return NOT_FITTING
        faces.append((side, stamp))
    return Planned(cut.officer, faces, cut.qr)


def _laid_out(job: Any, renderer: Any, rest: list) -> tuple[Any, list, dict, dict, list, list]:
    """The officers the stamper stepped aside for, laid out in full and preflighted:
    (pikepdf document, page keys, index, QR codes, glyph warnings, problems)."""
    import pikepdf

    if not rest:
        return pikepdf.Pdf.new(), [], {}, {}, [], []
    laid = renderer.render(rest, job.sides, job.extra_roots)
    problems = job.check(job.gen, rest, laid)
    pdf = pikepdf.Pdf.open(io.BytesIO(job.prune(laid.pdf)))
    keys = page_keys(laid.faces)
    return pdf, keys, dict(laid.index), dict(laid.qr_codes), list(laid.glyph_warnings), problems


def _add_pages(pdf: Any, out: writer.Writer, planned: list[Planned], keys: list[str],
               index: dict, qr_codes: dict) -> list:
    """The stamped officers' pages after the laid-out ones (a face already there is not
    added again); returns the source documents to close once the chunk is saved."""
    import pikepdf

    seen = {key: number for number, key in enumerate(keys)}
    sources = []
    for plan in planned:
        if plan.qr is not None:
            qr_codes[plan.officer.id] = plan.qr
        for side, face in plan.faces:
            key = face.key if isinstance(face, WholePage) else face.key()
            if key not in seen:
                if isinstance(face, WholePage):
                    src = pikepdf.Pdf.open(io.BytesIO(face.pdf))
                    sources.append(src)
                    pdf.pages.append(src.pages[0])
                else:
                    out.page(face)
                seen[key] = len(keys)
                keys.append(key)
            index[(plan.officer.id, side)] = seen[key]
    return sources


def render_chunk(job: Job, span: tuple[int, int]) -> ChunkResult:
    """Worker: stamp the officers of ``span`` that can be, lay out the rest. ``job`` is
    batch's: its ``check`` (preflight) and ``prune`` (``batch.prune_resources``) are handed
    in, so this module imports neither."""
    from ...pdfsave import save

    renderer = job.face_renderer()
    if renderer.splits_families(html for _officer, _qr, drafted in _drafts(job, renderer, span)
                                for _side, html in drafted):
        # a slot's font is the file its first officer's letters came from: another officer's
        # may come from another file of the family, under the same name
        _cache(job).drafts.pop(span, None)
        return LaidOut(why=SPLIT_FAMILY).render_chunk(job, span)
    cache = _cache(job)
    _inherited(cache)
    start, stop = span
    cuts, shared = _cut_chunk(job, renderer, span)
    cache.drafts.pop(span, None)
    planned: list[Planned] = []
    rest = []
    for cut in cuts:
        plan = _plan(job, renderer, cut, shared)
        if isinstance(plan, str):
            cache.refused[plan] = cache.refused.get(plan, 0) + 1
            rest.append(cut.officer)
        else:
            planned.append(plan)
    pdf, keys, index, qr_codes, warnings, problems = _laid_out(job, renderer, rest)
    problems += _problems(job, [p.officer for p in planned])  # the glyph check of their values
    out = writer.Writer(pdf)
    sources = _add_pages(pdf, out, planned, keys, index, qr_codes)
    out.finish()  # fonts without files: each face's is subset once, when the chunks are merged
    data = save(pdf)
    pdf.close()  # pikepdf's objects sit in reference cycles: free them now, not at some GC
    for src in sources:
        src.close()
    problems += _sample_decodes(job.gen, job.sides, planned, index, data)
    result = ChunkResult(start=start, pdf=data, keys=keys, index=index, qr_codes=qr_codes,
                         glyph_warnings=warnings, problems=problems, stamped=len(planned),
                         refused=dict(cache.refused), shared=_shared(cache),
                         fonts=out.font_info(), files_read=dict(renderer.files_read),
                         font_spaces=dict(renderer.font_spaces))
    cache.refused.clear()
    return result

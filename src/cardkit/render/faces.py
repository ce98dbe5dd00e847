"""Card faces: generation + officer -> HTML (Jinja) -> laid-out pages (WeasyPrint).

Each distinct face is rendered once: officers share a back when their backs are
identical, so a roster of a thousand needs one back page, not a thousand.
"""

from __future__ import annotations

import itertools
import logging
import os
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from markupsafe import Markup, escape

from ..design.templating import face_context, generation_context, make_environment
from ..errors import CardkitError, FetchRefused, InputError
from ..i18n import _
from ..model import Generation, Officer
from ..project import Project
from ..resources import builtin_dir
from ..units import PX_MM
from .qr import QrGraphic, largest_clear_mm, vector_qr
from .stylesheets import officer_markers
from .templatecode import code_cache

SIDES = ("front", "back")


@dataclass
class FaceSet:
    """The distinct faces of a job, rendered as one page each (trim + bleed)."""

    pdf: bytes  # one page per distinct face, in order of ``faces``
    faces: list[str]  # face HTML, index = page number
    index: dict[tuple[str, str], int]  # (officer id, side) -> page number
    qr_codes: dict[str, QrGraphic] = field(default_factory=dict)  # officer id -> code
    glyph_warnings: list[str] = field(default_factory=list)
    document: Any = None  # weasyprint Document, for preflight on the laid-out boxes
    files_read: dict[str, tuple[int, int, int]] = field(default_factory=dict)  # what layouts read
    stamped: int = 0  # officers stamped on a plate (render.stamp); the others were laid out
    refused: dict[str, int] = field(default_factory=dict)  # why officers were laid out in full
    # (officer id, side) -> the digest of its face's HTML (``batch``): a face two parts of a
    # job print is one face of the job (the ledger's ``distinct_faces``)
    face_keys: dict[tuple[str, str], str] = field(default_factory=dict)


class FaceRenderer:
    """Renders faces of one generation for one project."""

    def __init__(self, project: Project, generation: Generation) -> None:
        self.project = project
        self.gen = generation
        dirs = project.layers("templates")
        self.template_dirs = dirs
        self.env = make_environment(dirs, code_cache())  # compiled templates kept
        templates = generation.templates
        self.front_template = self._get(templates.front)
        self.back_template = self._get(templates.back)
        self.document_template = self._get("document.html")
        self.stylesheet = self._get(templates.stylesheet)
        self.base_context = self._base_context()
        # every file a layout read (assets, fonts): path -> size, mtime, inode, for the plate store
        self.files_read: dict[str, tuple[int, int, int]] = {}
        # the space glyph of every font a written document embedded (``internals.font_spaces``)
        self.font_spaces: dict[str, tuple[int, int]] = {}
        self._own_faces: bool | None = None
        self._featured: frozenset[str] | None = None
        self._alone: bool | None = None  # faces_alone
        self._fonts_checked = False  # _check_font_faces, of the design's stylesheets
        self._linked_officer: dict[tuple[str, ...], bool] = {}  # _links_name_officer
        self._sheets: Any = None  # _stylesheets
        self._same_sides: dict[str, bool] = {}  # side -> _same_for_unit
        self._unit_faces: dict[tuple[str, Any], tuple[str, str]] = {}  # (side, unit) -> cut
        # WeasyPrint's fonts (Pango's font map, the @font-face files) for the layouts of this
        # renderer in this process (``_font_config``): (pid, FontConfiguration)
        self._font_configs: tuple[int, Any] | None = None

    def own_faces(self) -> bool:
        """Whether the design's stylesheets name the officer's id (``[data-officer=A2]``,
        ``attr(data-officer)``): then every officer's face is their own, never shared with
        another officer's nor stamped on a shared plate. Read once per renderer."""
        if self._own_faces is None:
            self._own_faces = self._stylesheets().select_officers
        return self._own_faces

    def featured_families(self) -> frozenset[str]:
        """The font families an ``@font-face`` rule of the design gives features of its own
        (``stylesheets.Stylesheets.featured_families``): a plate does not stamp with them."""
        if self._featured is None:
            self._featured = self._stylesheets().featured_families
        return self._featured

    def _stylesheets(self) -> Any:
        """The design's stylesheets (``stylesheets.read``), read once per renderer."""
        if self._sheets is None:
            from .stylesheets import read

            self._sheets = read(self.document_html([]), self.template_dirs[0].as_uri() + "/",
                                list(self.project.allowed_roots()))
        return self._sheets

    def _get(self, name: str) -> Any:
        """The template ``name`` (the generation's own first). It carries a global of its
        own (``FRESH_IMPORTS``), so a template it imports is made afresh for every face:
        Jinja keeps the module of a template imported without context otherwise, and a
        ``namespace()`` in it (a card counter) ran on from face to face."""
        import jinja2

        own = f"{self.gen.id}/{name}"
        try:
            return self.env.get_template(own, globals={FRESH_IMPORTS: True})
        except jinja2.TemplateNotFound:
            pass
        try:
            return self.env.get_template(name, globals={FRESH_IMPORTS: True})
        except jinja2.TemplateNotFound:
            raise InputError(
                f"generation {self.gen.id}: " + _("template {name} not found in {folders}").format(
                    name=repr(name), folders=", ".join(str(d) for d in self.template_dirs))
            ) from None
        except jinja2.TemplateSyntaxError as exc:
            raise InputError(f"{exc.filename or name}:{exc.lineno}: "
                             + _("template: {problem}").format(problem=exc.message)) from None

    def asset_url(self, name: str) -> str:
        for folder in self.template_dirs:
            path = (folder / "assets" / name).resolve()
            if path.is_file() and path.is_relative_to(folder):
                return path.as_uri()
        raise InputError(f"generation {self.gen.id}: "
                         + _("asset {name} not found in templates/assets/").format(name=repr(name)))

    def _base_context(self) -> dict[str, Any]:
        image = self.gen.mascot.image
        shown = "mascot" in self.gen.shows("front") + self.gen.shows("back")
        mascot_url = self.asset_url(image) if shown and image else ""
        from ..design.generations import web_entries

        self.web = web_entries(self.gen)
        return {
            **generation_context(self.gen),  # gen, colors, fonts, texts
            "card": self.gen.card,
            "mascot_url": mascot_url,
            # light the card keeps around the code (the caption's gap): enough for the
            # biggest modules this size can have, so every officer's face lays out alike
            "qr_clear_mm": round(largest_clear_mm(self.gen.qr.size_mm), 2),
        }

    def qr_for(self, officer: Officer) -> QrGraphic | None:
        settings = self.gen.qr
        if self.gen.qr_field is None:
            return None
        payload = officer.as_context().get(self.gen.qr_field, "")
        if not payload:
            return None
        colors = self.gen.colors
        return vector_qr(str(payload), settings.size_mm, ec=settings.ec,
                         dark=colors.get("qr", "#000000"), light=colors.get("qr_light", "#ffffff"),
                         min_module_mm=self.gen.qr_min_module_mm)

    def face_html(self, officer: Officer, side: str, qr: QrGraphic | None) -> str:
        shared = self._unit_faces.get((side, officer.unit)) if self._same_for_unit(side) else None
        if shared is not None:  # the unit's face, with this officer's id in data-officer
            html = shared[0] + str(escape(officer.id)) + shared[1]
        else:
            html = self._rendered(officer, side, qr)
            if self._same_for_unit(side):
                cut = _around_officer_id(html, officer.id)
                if cut is not None:
                    self._unit_faces[(side, officer.unit)] = cut
        if self.own_faces() or officer_markers(html) \
                or self._links_name_officer(html):  # the face is this officer's alone
            html = _DATA_OFFICER.sub(lambda m: f'{m[0]} data-own-face="{m[0][15:-1]}"', html, 1)
        return html

    def _same_for_unit(self, side: str) -> bool:
        """Whether ``side`` prints the same for every officer of a unit, but for the id in
        ``data-officer``: the built-in back template with no template of the project's own
        (``BUILTIN_READING_OFFICER`` says which built-in templates read the officer or the
        code; a test keeps it true), showing none of the officer's blocks. Such a face is
        rendered once per unit, not once per officer."""
        if side not in self._same_sides:
            template = self.front_template if side == "front" else self.back_template
            builtin = builtin_dir("templates").resolve()
            self._same_sides[side] = (
                template.filename is not None
                and Path(template.filename).resolve() == builtin / "back.html"
                and not any(next(folder.rglob("*.html"), None) for folder in self.template_dirs
                            if folder.resolve() != builtin)
                and not {f"blocks/{block}.html" for block in self.gen.shows(side)}
                & BUILTIN_READING_OFFICER)
        return self._same_sides[side]

    def _rendered(self, officer: Officer, side: str, qr: QrGraphic | None) -> str:
        template = self.front_template if side == "front" else self.back_template
        context = {
            **self.base_context,
            "side": side,
            "show": self.gen.shows(side),
            "face": face_context(self.gen, side),
            "officer": officer.as_context(),
            "unit": officer.unit.as_context(),
            "web": [{"label": e["label"], "url": e["url"] or officer.unit.value(e["source"])}
                    for e in self.web if e["url"] or officer.unit.value(e["source"])],
            "qr": QrContext(qr) if qr else None,
        }
        return _render_template(template, context)

    def document_html(self, faces: Sequence[str]) -> str:
        css = _render_template(self.stylesheet, self.base_context)
        return _render_template(
            self.document_template,
            {**self.base_context, "stylesheet": Markup(css), "faces": [Markup(f) for f in faces]},
            allowance=len(css) + sum(len(f) for f in faces))

    def render(self, officers: Sequence[Officer], sides: Sequence[str] = SIDES,
               extra_roots: Sequence[Path] = ()) -> FaceSet:
        faces: list[str] = []
        seen: dict[str, int] = {}
        index: dict[tuple[str, str], int] = {}
        qr_codes: dict[str, QrGraphic] = {}
        for officer in officers:
            qr = self.qr_for(officer)
            if qr:
                qr_codes[officer.id] = qr
            for side in sides:
                html = self.face_html(officer, side, qr)
                key = face_key(html)
                if key not in seen:
                    seen[key] = len(faces)
                    faces.append(html)
                index[(officer.id, side)] = seen[key]
        from .. import listfit

        listfit.plan_all(self, [(html, face_key(html)) for html in faces
                                if listfit.has_lists(html)])  # measured together
        faces = [listfit.plan(self, html, face_key(html)) if listfit.has_lists(html) else html
                 for html in faces]
        document, pdf, warnings = self.layout(faces, extra_roots)
        if self.gen.fit:  # shrink/wrap fields that overflow (generation's fit:)
            from .fit import fit_faces

            faces, document, pdf, warnings = fit_faces(self, faces, (document, pdf, warnings),
                                                       extra_roots)
        return FaceSet(pdf=pdf, faces=faces, index=index, qr_codes=qr_codes,
                       glyph_warnings=warnings, document=document)

    def layout(self, faces: Sequence[str], extra_roots: Sequence[Path] = (),
               write: bool = True, laid_only: bool = False) -> Any:
        """Lay out ``faces`` with WeasyPrint; return (document, pdf bytes, glyph warnings).
        ``write=False``: measured only, no PDF made (its bytes are ``b""``). ``laid_only``:
        the ``Laid`` document as it is, unchecked and unwritten (``lay_out``). Every
        WeasyPrint layout of cardkit's goes through here, once."""
        laid = self._laid(faces, extra_roots)
        if laid_only:
            return laid
        pdf, warnings = self.written(laid) if write else (b"", self.glyph_warnings(laid.warnings))
        self.check_pages(laid, len(faces))
        return laid.document, pdf, warnings

    def lay_out(self, faces: Sequence[str], extra_roots: Sequence[Path] = ()) -> Laid:
        """``faces`` laid out in one WeasyPrint document, a page each (not written yet)."""
        laid: Laid = self.layout(faces, extra_roots, write=False, laid_only=True)
        return laid

    def _laid(self, faces: Sequence[str], extra_roots: Sequence[Path]) -> Laid:
        self._check_font_faces(faces)
        if len(faces) > 1 and self.faces_alone(faces[0]):
            return self._laid_one_by_one(faces, extra_roots)
        return self._laid_together(faces, extra_roots)

    def _check_font_faces(self, faces: Sequence[str]) -> None:
        """Refuse a design whose ``@font-face`` rules give one family two files for one
        style (``fontfaces``): checked once for the design's stylesheets, and for each face
        that declares fonts of its own."""
        from .fontfaces import families_with_two_files

        own = [face for face in faces if _MAY_DECLARE_FONTS.search(face)]
        if self._fonts_checked and not own:
            return
        texts = [] if self._fonts_checked else list(self._stylesheets().texts)
        if own:
            from .stylesheets import split_styles

            texts += [text for face in own for text in split_styles(face)[0]]
        self._fonts_checked = True
        shared = families_with_two_files(texts)
        if shared:
            raise InputError(f"generation {self.gen.id}: " + _(
                "@font-face gives the font family {family} two files for one style "
                "(unicode-range?); WeasyPrint would draw the letters of one with the glyphs "
                "of the other: give each file a family name of its own and list both in "
                "font-family").format(family=repr(shared[0])))

    def _face_sheets(self, face: str) -> list[str]:
        """The stylesheets a face brings itself: its ``<style>`` blocks and what it
        ``<link>``s (WeasyPrint applies a link wherever it lies), with what they
        ``@import``."""
        from .stylesheets import read, split_styles

        if "<link" not in face.lower():
            return split_styles(face)[0]
        return read(face, self.template_dirs[0].as_uri() + "/",
                    list(self.project.allowed_roots())).texts

    def _links_name_officer(self, html: str) -> bool:
        """Whether a stylesheet the face links names the officer's id (read once per set of
        links of the renderer's faces)."""
        from .stylesheets import linked_stylesheets, names_officer

        if "<link" not in html.lower():
            return False
        links = tuple(linked_stylesheets(html))
        if links not in self._linked_officer:
            self._linked_officer[links] = any(
                names_officer(text) for text in self._face_sheets(html))
        return self._linked_officer[links]

    def faces_alone(self, face: str) -> bool:
        """Whether the design has a rule that may draw a face otherwise by its place among
        other faces (``stylesheets.place_dependent``; ``face``, any face of the design, shows
        where a face's root lies): then every face is laid out in a document of its own, as
        when its officer is printed alone. Decided once per renderer."""
        if self._alone is None:
            from .stylesheets import place_dependent, probe_faces, split_styles, template_texts

            texts = [*self._stylesheets().texts, *self._face_sheets(face)]
            builtin = builtin_dir("templates").resolve()
            # the project's templates: a <q> in one counts, whichever face shows it
            markup = [face, *template_texts([folder for folder in self.template_dirs
                                             if folder.resolve() != builtin])]
            # the documents a probe face lies in, their stylesheets left out (read above)
            self._alone = place_dependent(texts, [split_styles(self.document_html([probe]))[1]
                                                  for probe in probe_faces(face)], markup)
        return self._alone

    def _laid_one_by_one(self, faces: Sequence[str], extra_roots: Sequence[Path]) -> Laid:
        """``faces`` each laid out in a document of its own, as the pages of one (WeasyPrint's
        ``Document.copy`` of them all: written, one PDF)."""
        laid = [self._laid_together([face], extra_roots) for face in faces]
        document = laid[0].document.copy([page for one in laid for page in one.document.pages])
        return Laid(document, [w for one in laid for w in one.warnings], laid[0].fetcher)

    def _laid_together(self, faces: Sequence[str], extra_roots: Sequence[Path]) -> Laid:
        from weasyprint import HTML
        from weasyprint.text.fonts import FontConfiguration

        from ..design.fetcher import RootedFetcher, refusals_are_errors

        fetcher = RootedFetcher([*self.project.allowed_roots(), *extra_roots])
        html = self.document_html(faces)
        base_url = self.template_dirs[0].as_uri() + "/"
        with refusals_are_errors(fetcher), _captured_weasyprint_warnings() as warnings:
            try:
                document = HTML(string=html, base_url=base_url, url_fetcher=fetcher).render(
                    font_config=self._font_config(faces, FontConfiguration),
                    presentational_hints=False)
            except (CardkitError, RecursionError, MemoryError):
                raise  # cardkit's own refusals and limits, and the API boundary's
            except Exception as exc:  # noqa: BLE001 - WeasyPrint failed on this design
                raise InputError(f"generation {self.gen.id}: " + _(
                    "WeasyPrint could not lay the faces out ({error}); a stylesheet that lays "
                    "out the page or the faces itself (display: grid or flex on body) is the "
                    "likely cause").format(error=f"{type(exc).__name__}: {exc}")) from exc
            _refuse_attachments(document)
        self.files_read.update(fetcher.read)
        return Laid(document, warnings, fetcher)

    def _font_config(self, faces: Sequence[str], make: Any) -> Any:
        """The WeasyPrint font configuration to lay ``faces`` out with: one for every layout
        of this renderer in this process (a new one per document loads and shapes the fonts
        again, 30 ms), since the design's stylesheets, which declare its ``@font-face``
        fonts, are the same for all of them. A face that may declare fonts of its own (an
        ``@font-face``, or an at-rule with an escape, in a ``<style>`` of its template) gets
        a configuration of its own: fonts registered for other faces would change what it
        draws. A forked worker makes its own (the configuration's folder of font files is
        its process's)."""
        if any(_MAY_DECLARE_FONTS.search(face) for face in faces):
            return make()
        if self._font_configs is None or self._font_configs[0] != os.getpid():
            self._font_configs = (os.getpid(), make())
        return self._font_configs[1]

    def may_declare_fonts(self, faces: Iterable[str]) -> bool:
        """Whether the design's stylesheet, or one of ``faces``, may declare fonts of its own
        (an ``@font-face``, or an at-rule with an escape)."""
        return any(_MAY_DECLARE_FONTS.search(html)
                   for html in itertools.chain([self.document_html([])], faces))

    def splits_families(self, faces: Iterable[str]) -> bool:
        """Whether the design's stylesheet, or one of ``faces``, may give one font family
        several files (an ``@font-face`` with a ``unicode-range``, or an at-rule with an
        escape): the file that draws a letter is then Pango's choice, letter by letter."""
        return any(_MAY_DECLARE_FONTS.search(html) and _SPLITS_FAMILIES.search(html)
                   for html in itertools.chain([self.document_html([])], faces))

    def written(self, laid: Laid) -> tuple[bytes, list[str]]:
        """The PDF of ``laid`` and the glyph warnings of its layout and writing; a broken
        image is an error."""
        from ..design.fetcher import refusals_are_errors
        from ..internals import font_spaces

        with refusals_are_errors(laid.fetcher), _captured_weasyprint_warnings() as warnings:
            pdf = laid.document.write_pdf(uncompressed_pdf=False)
        self.files_read.update(laid.fetcher.read)
        self.font_spaces.update(font_spaces(laid.document))
        return pdf, self.glyph_warnings([*laid.warnings, *warnings])

    def glyph_warnings(self, warnings: list[str]) -> list[str]:
        """The warnings of a layout about glyphs; a broken image, or a font of the design's
        ``@font-face`` rules that cannot be loaded (its text would be set in the next family
        of the list, unseen), is an error."""
        holes = [w for w in warnings if w.startswith(("Failed to load", "Failed to render"))]
        if holes:  # a broken image would leave a hole in the card
            raise InputError(f"generation {self.gen.id}: " + _(
                "{problem}; the card would have a hole there").format(problem=holes[0].rstrip(": ")))
        fonts = [m[1] for w in warnings if (m := _UNLOADED_FONT.match(w))]
        if fonts:
            raise InputError(f"generation {self.gen.id}: " + _(
                "the @font-face font {family} cannot be loaded (its file is missing or is not a "
                "font: a Git LFS pointer, a truncated copy?); its text would be set in another "
                "font").format(family=fonts[0]))
        return [w for w in warnings if "glyph" in w.lower()]

    def check_pages(self, laid: Laid, faces: int) -> None:
        """A face laid out on more than its one page overflows its card, and a page of
        another size than the card (a stylesheet's own ``@page { size }``, or a named page's)
        would be cut to the card: errors."""
        if len(laid.document.pages) != faces:
            raise InputError(
                f"generation {self.gen.id}: " + _("{faces} faces laid out on {pages} pages; a face "
                                                  "overflows its card").format(
                    faces=faces, pages=len(laid.document.pages))
            )
        card = self.gen.card
        for page in laid.document.pages:
            width, height, bleed = page.width * PX_MM, page.height * PX_MM, page.bleed
            if abs(width - card.width) > 0.01 or abs(height - card.height) > 0.01 \
                    or any(abs(bleed[side] * PX_MM - card.bleed) > 0.01 for side in bleed):
                raise InputError(f"generation {self.gen.id}: " + _(
                    "a face is laid out on a page of {width:g} x {height:g} mm, not the card's "
                    "{card_width:g} x {card_height:g} mm with {bleed:g} mm of bleed; a "
                    "stylesheet sets @page's size or bleed: set the card's size with card: "
                    "in the generation").format(width=round(width, 2), height=round(height, 2),
                                                card_width=card.width, card_height=card.height,
                                                bleed=card.bleed))


@dataclass
class Laid:
    """Faces laid out by WeasyPrint, a page each, not written yet: the document, the
    warnings WeasyPrint gave while laying it out, and the fetcher that read its files."""

    document: Any
    warnings: list[str]
    fetcher: Any

    def pages(self, numbers: Sequence[int]) -> Laid:
        """Some of the pages, as a document of their own (WeasyPrint's ``Document.copy``:
        written, it is what laying those faces out alone writes). The layout's warnings go
        with them: an image that failed to load while these faces were laid out would leave
        a hole (``FaceRenderer.glyph_warnings`` stops the job)."""
        return Laid(self.document.copy([self.document.pages[n] for n in numbers]),
                    list(self.warnings), self.fetcher)


def _refuse_attachments(document: Any) -> None:
    """cardkit adds no file attachments; a template's ``rel=attachment`` is an error."""
    urls = [(getattr(a.source, "args", ()) + (None,) * 3)[2] or _("a file")
            for a in document.metadata.attachments]
    urls += [target for page in document.pages for kind, target, *_ in page.links
             if kind == "attachment"]
    if urls:
        raise FetchRefused(_("a template attaches {url} (rel=attachment); cards carry no file "
                             "attachments").format(url=urls[0]))


_DATA_OFFICER = re.compile(r' data-officer="[^"]*"')

# The built-in templates that read ``officer`` or ``qr`` (base.html reads only officer.id, for
# data-officer): tests/unit/test_unit_faces.py reads every built-in template to keep it true.
BUILTIN_READING_OFFICER = frozenset({
    "front.html", "blocks/area.html", "blocks/badge.html", "blocks/mobile.html",
    "blocks/name.html", "blocks/phone.html", "blocks/qr.html"})


def _around_officer_id(html: str, officer_id: str) -> tuple[str, str] | None:
    """``html`` before and after the officer's id in its one ``data-officer`` attribute."""
    value = str(escape(officer_id))
    attribute = ' data-officer="'
    if html.count(attribute) != 1 or f'{attribute}{value}"' not in html:
        return None
    start = html.index(attribute) + len(attribute)
    return html[:start], html[start + len(value):]


class QrContext(Mapping):
    """``qr`` as a template sees it: ``svg``, ``payload``, ``module_mm``. The SVG is drawn
    when a template prints it (a back without the code never does), once."""

    def __init__(self, qr: Any) -> None:
        self.qr = qr
        self.drawn: Markup | None = None

    def __getitem__(self, key: str) -> Any:
        if key == "svg":
            if self.drawn is None:
                self.drawn = Markup(self.qr.svg)
            return self.drawn
        if key in ("payload", "module_mm"):
            return getattr(self.qr, key)
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        return iter(("svg", "payload", "module_mm"))

    def __len__(self) -> int:
        return 3


def face_key(html: str) -> str:
    """What makes two faces print the same: their HTML less the officer-id attribute
    (every face carries one, so without this no two officers would share a back)."""
    return _DATA_OFFICER.sub("", html)


def _render_template(template: Any, context: dict[str, Any], allowance: int = 0) -> str:
    """Render (output capped, see templating.render), a mistake as one located error line."""
    import jinja2

    from ..design.templating import render
    from ..errors import CardkitError

    try:
        return render(template, context, allowance)
    except CardkitError:
        raise
    except Exception as exc:  # a template's own mistake: 1/0, a bad filter argument, ...
        what = str(exc) if isinstance(exc, jinja2.TemplateError) else f"{type(exc).__name__}: {exc}"
        where = template.filename or template.name
        line = 0
        tb = exc.__traceback__
        while tb is not None:
            if tb.tb_frame.f_code.co_filename.endswith((".html", ".css")):
                where, line = tb.tb_frame.f_code.co_filename, tb.tb_lineno
            tb = tb.tb_next
        raise InputError(f"{where}:{line}: " + _("template: {problem}").format(problem=what)) from None


# an @font-face rule, or an at-rule whose name is escaped (``@f\\ont-face``)
# a global only the templates cardkit renders have: Jinja makes a template they import afresh
# for every render (``jinja2.Template._get_default_module``: new globals, a new module)
FRESH_IMPORTS = "cardkit_fresh_imports"
# WeasyPrint's warning for an @font-face whose sources all failed (weasyprint/text/fonts.py)
_UNLOADED_FONT = re.compile(r"Font-face (.+) cannot be loaded$")
_MAY_DECLARE_FONTS = re.compile(r"@(?:font-face|[\w-]*\\)", re.I)
# a unicode-range descriptor (of an @font-face), an at-rule whose name is escaped, or an
# @font-face with an escape in it (a descriptor's name may be escaped too)
_SPLITS_FAMILIES = re.compile(r"unicode-range|@[\w-]*\\|@font-face[^}]*\\", re.I)


@contextmanager
def _captured_weasyprint_warnings() -> Iterator[list[str]]:
    """Collect WeasyPrint's warnings (missing glyphs are only logged, never raised)."""
    messages: list[str] = []

    class _Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            messages.append(record.getMessage())

    logger = logging.getLogger("weasyprint")
    handler = _Collect(level=logging.WARNING)
    old_propagate = logger.propagate
    logger.addHandler(handler)
    logger.propagate = False
    try:
        yield messages
    finally:
        logger.removeHandler(handler)
        logger.propagate = old_propagate

"""A big job's parts as one PDF, written as it is read (``api`` prints a job of more than
``api.PART`` officers part by part, each to a temporary PDF).

One part is open at a time: its pages and what they use are copied to the output
(``stream.Copier``) and the part is closed, so memory does not grow with the job (pikepdf's
own merge held every part's objects until the end: about 15 MiB per 1,000 cards). The
document-level settings of the job are the first part's: its catalog entries (the output
intent, the viewer preferences, the XMP metadata) and its document info, with the job's
subject. Each face's fonts draw from one font file for the whole job, subset to every
glyph the parts use, and the stamped text of a face is one font (``stamp.writer.job_fonts``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from .stream import Copier, ObjGen, Writer


def merged(parts: Sequence[Path], subject: str) -> Callable[[Any], None]:
    """A writer of the part PDFs as one document (``outputs`` makes it atomic)."""
    return lambda handle: concatenate(parts, handle, subject)


@dataclass
class _JobFonts:
    """The fonts written once for the whole job: per face key the number of its one stamped
    font (``font``) and one font file (``file``), with that file's subset tag (``tags``);
    per digest of a font file's bytes, the number of the stream an earlier part wrote."""

    glyphs: dict[str, set[int]]
    by_base: dict[str, str]  # BaseFont of a stamped font -> its face key
    document: Any  # stamp.writer.job_fonts's: the fonts and files to copy at the end
    tags: dict[str, str]
    entries: dict[str, str]  # face key -> /FontFile2 or /FontFile3, as its file is embedded
    font: dict[str, int] = field(default_factory=dict)
    file: dict[str, int] = field(default_factory=dict)
    by_bytes: dict[str, int] = field(default_factory=dict)


def concatenate(parts: Sequence[Path], handle: IO[bytes], subject: str) -> None:
    """Write the pages of ``parts``, in order, as one PDF to ``handle``."""
    import pikepdf

    fonts = _job_fonts(parts)
    with pikepdf.open(parts[0]) as first:  # the parts' version (1.6 for PDF/X-4), not more
        version = first.pdf_version
    if "/FontFile3" in fonts.entries.values():  # the job's OpenType font files: PDF 1.6
        version = max(version, "1.6")
    out = Writer(handle, version)
    catalog, pages, info = out.allocate(), out.allocate(), out.allocate()
    kids: list[int] = []
    catalog_extra = b""
    info_body = b"<<>>"
    for number, path in enumerate(parts):
        with pikepdf.open(path) as src:
            mapping, new_files = _share_fonts(src, out, fonts)
            copier = Copier(out, mapping)
            for stream in new_files:  # font files later parts may share
                copier.write(stream)
            if number == 0:
                catalog_extra, info_body = _document_settings(src, copier, subject)
            parent = b"%d 0 R" % pages
            for page in src.pages:
                kids.append(copier.write(page.obj, {"/Parent": parent}))
            copier.flush()
    _write_job_fonts(fonts, out)
    out.add(pages, b"<< /Type /Pages /Count %d /Kids [%s] >>"
            % (len(kids), b" ".join(b"%d 0 R" % k for k in kids)))
    out.add(catalog, b"<< /Type /Catalog /Pages %d 0 R %s>>" % (pages, catalog_extra))
    out.add(info, info_body)
    out.finish(root=catalog, info=info)


def _document_settings(src: Any, copier: Copier, subject: str) -> tuple[bytes, bytes]:
    """The first part's catalog entries (but its pages) and its document info with the
    job's ``subject``, as the source of the job's catalog entries and info dictionary."""
    import pikepdf

    extra = pikepdf.Dictionary({k: v for k, v in src.Root.items()
                                if k not in ("/Pages", "/Type")})
    fields = dict(src.trailer.Info.items()) if src.trailer.get("/Info") is not None else {}
    fields["/Subject"] = pikepdf.String(subject)
    return copier.unparse(extra)[2:-2] + b" ", copier.unparse(pikepdf.Dictionary(fields))


def _job_fonts(parts: Sequence[Path]) -> _JobFonts:
    """Every glyph of each face the parts' fonts use (``stamp.writer.face_glyphs``), and the
    job's one font file and stamped font per face made from them."""
    import pikepdf

    from ..render.stamp import writer

    glyphs: dict[str, set[int]] = {}
    for path in parts:
        with pikepdf.open(path) as src:
            for key, found in writer.face_glyphs(src)[0].items():
                glyphs.setdefault(key, set()).update(found)
    by_base, document = writer.job_fonts(glyphs)
    files = {key: document.Root.CardkitFiles[writer.font_name(key)] for key in glyphs}
    return _JobFonts(glyphs, by_base, document,
                     {key: writer.subset_tag(f.read_raw_bytes()) for key, f in files.items()},
                     {key: writer.file_entry(f) for key, f in files.items()})


def _share_fonts(src: Any, out: Writer, fonts: _JobFonts) -> tuple[dict[ObjGen, int], list[Any]]:
    """Before a part is copied, the numbers its fonts take (the copier's first mapping): its
    stamped fonts become the job's one font per face, its fonts of a known face draw from the
    job's one file of that face (renamed after it), and a font file an earlier part wrote
    with the same bytes is that one. Also returns the font files this part writes first."""
    import pikepdf

    from ..render.stamp import writer

    by_name = writer.faces_by_name()
    mapping: dict[ObjGen, int] = {}

    def number(kind: dict[str, int], key: str) -> int:
        if key not in kind:
            kind[key] = out.allocate()
        return kind[key]

    found = [obj for obj in src.objects if isinstance(obj, pikepdf.Dictionary)
             and obj.get("/Type") in ("/Font", "/FontDescriptor")]
    parents = {obj.DescendantFonts[0].objgen: obj for obj in found
               if obj.get("/Subtype") == "/Type0" and obj.get("/DescendantFonts")}
    for obj in found:  # first the fonts, so a file they take over is never counted on its own
        face = writer.face_of_cid_font(obj, by_name)
        if obj.get("/Subtype") == "/Type0" and str(obj.get("/BaseFont", "")) in fonts.by_base:
            mapping[obj.objgen] = number(fonts.font, fonts.by_base[str(obj.BaseFont)])
        elif face is not None and face in fonts.glyphs:
            descriptor = obj.FontDescriptor
            if writer.LATER in descriptor:  # the part left its program to the job's file
                del descriptor[writer.LATER]
                descriptor[fonts.entries[face]] = src.make_stream(b"")  # numbered below
            for entry in _FILES:
                if isinstance(descriptor.get(entry), pikepdf.Stream):
                    mapping[descriptor[entry].objgen] = number(fonts.file, face)
            name = pikepdf.Name(writer.retagged(str(descriptor.FontName), fonts.tags[face]))
            descriptor.FontName = obj.BaseFont = name
            if obj.objgen in parents:
                parents[obj.objgen].BaseFont = name
    # a stamped font whose file is still to come (``writer.LATER``) that is not the job's one
    # stamped font of its face (``by_base`` names every one the parts' merges made): its own
    writer.embed_own_files(src, [obj for obj in found if obj.get("/Subtype") == "/Type0"
                                 and obj.objgen not in mapping])
    new_files: list[Any] = []
    for obj in found:
        if obj.get("/Type") == "/FontDescriptor":
            new_files += _file_once(obj, out, mapping, fonts.by_bytes)
    return mapping, new_files


_FILES = ("/FontFile2", "/FontFile3", "/FontFile")


def _file_once(descriptor: Any, out: Writer, mapping: dict[ObjGen, int],
               by_bytes: dict[str, int]) -> list[Any]:
    """A font file with the bytes of one an earlier part wrote is that one; returns the
    descriptor's files met for the first time (their part writes them)."""
    import pikepdf

    new = []
    for entry in _FILES:
        stream = descriptor.get(entry)
        if not isinstance(stream, pikepdf.Stream) or stream.objgen in mapping:
            continue
        digest = hashlib.sha256(stream.read_raw_bytes() + repr(sorted(
            (k, str(v)) for k, v in stream.stream_dict.items() if k != "/Length")).encode()
        ).hexdigest()
        if digest not in by_bytes:
            by_bytes[digest] = out.allocate()
            new.append(stream)
        mapping[stream.objgen] = by_bytes[digest]
    return new


def _write_job_fonts(fonts: _JobFonts, out: Writer) -> None:
    """The job's one font and one font file per face, under the numbers the parts' pages
    already refer to."""
    from ..render.stamp import writer

    for key in fonts.font:  # a stamped font draws from its face's file
        if key not in fonts.file:
            fonts.file[key] = out.allocate()
    with fonts.document as document:
        copier = Copier(out)
        for kind, where in ((fonts.font, document.Root.CardkitFonts),
                            (fonts.file, document.Root.CardkitFiles)):
            for key, number in kind.items():
                copier.mapping[where[writer.font_name(key)].objgen] = number
        for kind, where in ((fonts.font, document.Root.CardkitFonts),
                            (fonts.file, document.Root.CardkitFiles)):
            for key in kind:
                copier.write(where[writer.font_name(key)])
        copier.flush()

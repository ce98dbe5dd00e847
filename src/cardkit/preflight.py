"""Checks on the rendered cards before anything is written."""

from __future__ import annotations

import re

from .errors import Diagnostic
from .model import Generation, Officer
from .qr import MIN_MODULE_MM, decode
from .render import FaceSet

_NOTDEF = re.compile(r'unsupported by fonts: "(.*)" \((U\+[0-9A-F]+)\)')
DECODE_DPI = 200


def check_faces(gen: Generation, officers: list[Officer], faces: FaceSet) -> list[Diagnostic]:
    """Every problem the rendered faces show: missing glyphs, unreadable QR codes."""
    problems = _missing_glyphs(gen, officers, faces)
    problems += _qr_codes(gen, officers, faces)
    return problems


def _missing_glyphs(gen: Generation, officers: list[Officer], faces: FaceSet) -> list[Diagnostic]:
    problems = []
    for warning in faces.glyph_warnings:
        match = _NOTDEF.search(warning)
        if not match:
            continue
        text, code = match[1], match[2]
        char = chr(int(code[2:], 16))
        hits = [o for o in officers if any(char in str(v) for v in o.as_context().values())]
        if hits:
            for officer in hits:
                field = next(k for k, v in officer.as_context().items() if char in str(v))
                problems.append(Diagnostic(
                    file=officer.source.file, line=officer.source.line,
                    subject=f"officer {officer.id}", field=field,
                    message=f'"{char}" ({code}) is in no configured font; it would print as a box'))
        else:
            problems.append(Diagnostic(
                file=f"generations/{gen.id}.yaml",
                message=f'"{text}" ({code}) is in no configured font; it would print as a box'))
    return sorted(set(problems))


def _qr_codes(gen: Generation, officers: list[Officer], faces: FaceSet) -> list[Diagnostic]:
    import pypdfium2 as pdfium

    problems = []
    if not faces.qr_codes:
        return problems
    pdf = pdfium.PdfDocument(faces.pdf)
    try:
        checked: dict[int, list[str]] = {}
        for officer in officers:
            qr = faces.qr_codes.get(officer.id)
            if qr is None:
                continue
            where = {"file": officer.source.file, "line": officer.source.line,
                     "subject": f"officer {officer.id}", "field": "wechat"}
            if qr.module_mm < MIN_MODULE_MM - 1e-9:
                problems.append(Diagnostic(**where, message=(
                    f"QR module {qr.module_mm:.2f} mm is under {MIN_MODULE_MM} mm: too small to "
                    f"scan (payload of {len(qr.payload)} characters needs version {qr.version})")))
                continue
            side = "front" if "qr" in gen.shows("front") else "back"
            page_index = faces.index[(officer.id, side)]
            if page_index not in checked:
                page = pdf[page_index]
                image = page.render(scale=DECODE_DPI / 72).to_pil()
                checked[page_index] = decode(image)
                page.close()
            if qr.payload not in checked[page_index]:
                problems.append(Diagnostic(**where, message=(
                    "the printed QR code does not decode back to its payload "
                    f"(read: {checked[page_index] or 'nothing'})")))
    finally:
        pdf.close()
    return problems

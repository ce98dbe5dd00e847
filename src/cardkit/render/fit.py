"""A generation's ``fit:`` policy: shrink, then wrap, a field's text until it fits its box."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from ..listfit import LIST_FIELDS
from .measure import TOLERANCE_MM, measure


def fit_faces(renderer: Any, faces: list[str], layout: tuple, extra_roots: Sequence = ()) -> tuple:
    """Apply the generation's ``fit:`` policies; return (faces, document, pdf, warnings).

    A field whose text overflows is shrunk in proportion, down to ``min_pt``; if that is
    not enough it may wrap onto ``max_lines`` lines, at the largest size that should fit.
    The faces are laid out again after each round (at most three); what still overflows
    is left for ``check_faces`` to report.
    """
    gen = renderer.gen
    policies = gen.fit
    document = layout[0]
    faces = list(faces)
    applied: dict[tuple[int, str], tuple[float, bool]] = {}
    for _round in range(3):
        changed = False
        for box in measure(gen, document):
            policy = policies.get(box.field)
            box.overflow = max(box.overflow, box.line_overflow)
            if not policy or box.field in LIST_FIELDS:  # lists: listfit plans their size
                continue
            key = (box.page, box.field)
            min_pt = policy.floor(box.font_pt)
            max_lines = policy.max_lines
            if box.overflow <= TOLERANCE_MM:
                size, wrap = applied.get(key, (box.font_pt, False))
                if box.lines > max_lines and size > min_pt:  # fits, but on too many lines
                    smaller = size * max_lines / box.lines * 0.95 if not wrap else min_pt
                    applied[key] = (max(min_pt, int(smaller * 10) / 10), wrap)
                    changed = True
                continue
            width = box.text_rect[2] - box.text_rect[0]
            size, wrap = applied.get(key, (box.font_pt, False))
            if not wrap:
                wanted = size * max(0.0, (width - box.overflow) / width) if width else min_pt
                wanted = int(wanted * 10) / 10
                if wanted >= min_pt and wanted < size:
                    applied[key] = (wanted, False)
                    changed = True
                    continue
                if max_lines > 1:
                    per_line = size * max_lines * (width - box.overflow) / (width * 1.15)
                    applied[key] = (max(min_pt, min(size, int(per_line * 10) / 10)), True)
                    changed = True
                    continue
                if size > min_pt:
                    applied[key] = (min_pt, False)
                    changed = True
            elif size > min_pt:
                applied[key] = (min_pt, True)
                changed = True
        if not changed:
            break
        faces = [_styled(html, {f: v for (p, f), v in applied.items() if p == page})
                 for page, html in enumerate(faces)]
        layout = renderer.layout(faces, extra_roots)
        document = layout[0]
    return (faces, *layout)


def _styled(html: str, fields: dict[str, tuple[float, bool]]) -> str:
    for field, (size, wrap) in fields.items():
        style = f"font-size:{size:.1f}pt"
        if wrap:
            style += ";white-space:normal;line-height:1.15;min-width:0"
        html = re.sub(rf'data-field="{re.escape(field)}"( style="[^"]*")?',
                      f'data-field="{field}" style="{style}"', html)
    return html

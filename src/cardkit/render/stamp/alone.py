"""A page of a WeasyPrint PDF as a PDF of its own, whatever else that PDF held.

A chunk lays its new plates and whole pages out in one WeasyPrint document and writes it
once (``stamp._lay_out_new``): writing costs far more per document than per page (each
font is subset once a document). But WeasyPrint names a page's transparency groups by
counting the whole document's (``/x0``, ``/x1``, ...), and gives each font one width list,
text map and file for all the pages. ``page`` takes one page out and makes it what it
would be whoever its neighbours were:

* its groups are renamed in the order its content paints them (``/G0``, ``/G1``, ...);
* its resources, and its forms' fonts, are those its content names;
* each font lists the widths and text of the glyphs the page draws, and no others (its
  box and fixed-pitch flag follow from them).

The font *file* stays the document's subset: ``writer.share_face_files`` gives every face
the chunk knows one file subset to the chunk's glyphs, so ``page`` refuses (``None``) a
page with a font of a face it does not know, and the caller writes that page alone (then
``page`` still renames and lists, and that file is the page's own). A page that paints a
pattern, shading or soft mask named by count is refused too.
"""

from __future__ import annotations

import re
from typing import Any

from . import writer

_NAME = re.compile(rb"/([^\s/\[\]()<>{}%]+)")
_PRUNED = ("/XObject", "/Pattern", "/Shading", "/ExtGState")
_GROUP = re.compile(rb"/(x\d+)(?=\s+Do\b)")
_COUNTED = {"/Pattern": re.compile(r"/p\d+$"), "/Shading": re.compile(r"/s\d+$"),
            "/ExtGState": re.compile(r"/s\d+$")}
_TEXT = re.compile(rb"/([^\s/\[\]()<>{}%]+)\s+[-+\d.]+\s+Tf\b|<([0-9A-Fa-f\s]*)>")
_BFCHAR = re.compile(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>")


class Unsupported(Exception):
    """The page holds what ``page`` does not take apart."""


def page(src: Any, number: int, known_only: bool = True) -> bytes | None:
    """Page ``number`` of ``src`` (a pikepdf PDF WeasyPrint wrote) as a PDF of its own (see
    the module's doc); None when it cannot be. ``known_only``: refuse a font whose face
    ``writer.share_face_files`` would not give one file (the page was written with others)."""
    import pikepdf

    from ...pdfsave import save

    out = pikepdf.Pdf.new()
    try:
        out.pages.append(src.pages[number])
        holder = out.pages[0].obj
        content = _content(holder)
        resources = holder.get("/Resources")
        if not isinstance(resources, pikepdf.Dictionary):
            raise Unsupported
        content, own = _renamed(out, content, resources)
        holder.Contents = out.make_stream(content)
        holder.Resources = own
        _fonts(out, [(holder, content)] + list(_forms(own)), known_only)
        return save(out)
    except Unsupported:
        return None
    finally:
        out.close()


def pages(src: Any, numbers: range) -> bytes:
    """Pages of ``src`` as a PDF of their own, as they are (for checks, not for output)."""
    import pikepdf

    from ...pdfsave import save

    out = pikepdf.Pdf.new()
    try:
        out.pages.extend(src.pages[n] for n in numbers)
        return save(out)
    finally:
        out.close()


def _content(holder: Any) -> bytes:
    import pikepdf

    if isinstance(holder, pikepdf.Stream):
        return holder.read_bytes()
    content = holder.get("/Contents")
    parts = list(content) if isinstance(content, pikepdf.Array) else [content]
    return b"\n".join(part.read_bytes() for part in parts if part is not None)


def _renamed(out: Any, content: bytes, resources: Any) -> tuple[bytes, Any]:
    """The content with its groups named in painting order, and the resources it names."""
    import pikepdf

    order: dict[str, str] = {}
    for match in _GROUP.finditer(content):
        order.setdefault("/" + match[1].decode(), f"/G{len(order)}")
    content = _GROUP.sub(lambda m: order["/" + m[1].decode()].encode(), content)
    names = {"/" + n.decode("latin-1") for n in _NAME.findall(content)}
    own = pikepdf.Dictionary()
    for key, value in resources.items():
        if key not in _PRUNED or not isinstance(value, pikepdf.Dictionary):
            own[key] = value
            continue
        kept = pikepdf.Dictionary()
        for name, item in value.items():
            if key == "/XObject" and name in order:
                kept[order[name]] = item
            elif name in names and not (key == "/XObject" and re.fullmatch(r"/x\d+", name)):
                if key in _COUNTED and _COUNTED[key].match(name):
                    raise Unsupported  # named by count, and not a group
                kept[name] = item
        own[key] = kept
    return content, own


def _forms(resources: Any) -> list[tuple[Any, bytes]]:
    """Every form the resources reach (groups, and groups in them), with its content."""
    import pikepdf

    found: list[tuple[Any, bytes]] = []
    stack = [resources]
    seen: set[tuple[int, int]] = set()
    while stack:
        res = stack.pop()
        for item in (res.get("/XObject") or {}).values():
            if not isinstance(item, pikepdf.Stream) or item.get("/Subtype") != "/Form" \
                    or item.objgen in seen:
                continue
            if item.objgen != (0, 0):
                seen.add(item.objgen)
            found.append((item, item.read_bytes()))
            inner = item.get("/Resources")
            if isinstance(inner, pikepdf.Dictionary):
                stack.append(inner)
    return found


def _fonts(out: Any, holders: list[tuple[Any, bytes]], known_only: bool) -> None:
    """Each holder's fonts: those its content names, listing the glyphs the page draws."""
    import pikepdf

    used: dict[tuple[int, int], set[int]] = {}
    fonts: dict[tuple[int, int], Any] = {}
    named: list[tuple[Any, dict[str, Any]]] = []
    for holder, content in holders:
        resources = holder.get("/Resources")
        table = resources.get("/Font") if isinstance(resources, pikepdf.Dictionary) else None
        mine: dict[str, Any] = {}
        current = None
        for match in _TEXT.finditer(content):
            if match[1] is not None:
                name = "/" + match[1].decode("latin-1")
                font = table.get(name) if table is not None else None
                if not isinstance(font, pikepdf.Dictionary) or font.objgen == (0, 0):
                    raise Unsupported
                current = font.objgen
                fonts[current] = font
                used.setdefault(current, set())
                mine[name] = font
                continue
            digits = re.sub(rb"\s", b"", match[2])
            if not digits:
                continue
            if current is None or len(digits) % 4:
                raise Unsupported
            used[current].update(int(digits[i:i + 4], 16) for i in range(0, len(digits), 4))
        named.append((holder, mine))
    by_name = writer.faces_by_name() if known_only else {}
    alone = {objgen: _font(out, fonts[objgen], glyphs, by_name, known_only)
             for objgen, glyphs in used.items()}
    for holder, mine in named:
        resources = holder.get("/Resources")
        if not isinstance(resources, pikepdf.Dictionary):
            continue
        own = pikepdf.Dictionary({k: v for k, v in resources.items()})
        own.Font = pikepdf.Dictionary({name: alone[font.objgen] for name, font in mine.items()})
        holder.Resources = own


def _font(out: Any, font: Any, glyphs: set[int], by_name: dict[str, str],
          known_only: bool) -> Any:
    """A copy of the Type 0 ``font`` listing ``glyphs`` only."""
    import pikepdf

    if font.get("/Subtype") != "/Type0" or font.get("/Encoding") != "/Identity-H":
        raise Unsupported
    cid = font.DescendantFonts[0]
    descriptor = cid.get("/FontDescriptor")
    if descriptor is None or "/CIDSet" in descriptor or cid.get("/CIDToGIDMap") != "/Identity":
        raise Unsupported
    if known_only and writer.face_of_cid_font(cid, by_name) is None:
        raise Unsupported  # its file would stay the document's: the page is written alone
    widths = _widths(cid.get("/W", []))
    if not glyphs <= set(widths):
        raise Unsupported
    kept = {g: widths[g] for g in sorted(glyphs)}
    w_array: list = []
    for glyph in kept:
        if glyph - 1 not in kept:
            w_array += [glyph, []]
        w_array[-1].append(kept[glyph])
    bbox = list(descriptor.FontBBox)
    values = [float(v) for v in kept.values()]
    flags = int(descriptor.Flags) & ~1
    if len(values) > 1 and len(set(values)) == 1:
        flags |= 1  # FixedPitch, as WeasyPrint sets it
    new_descriptor = pikepdf.Dictionary({k: v for k, v in descriptor.items()})
    new_descriptor.FontBBox = [0, bbox[1], max(kept.values(), key=float, default=0), bbox[3]]
    new_descriptor.Flags = flags
    new_cid = pikepdf.Dictionary({k: v for k, v in cid.items()})
    new_cid["/W"] = w_array
    new_cid.FontDescriptor = out.make_indirect(new_descriptor)
    new_font = pikepdf.Dictionary({k: v for k, v in font.items()})
    new_font.DescendantFonts = [out.make_indirect(new_cid)]
    texts = _texts(font.get("/ToUnicode"))
    new_font.ToUnicode = out.make_stream(writer.to_unicode(
        {g: texts.get(g, "") for g in kept}))
    return out.make_indirect(new_font)


def _widths(w_array: Any) -> dict[int, Any]:
    import pikepdf

    items = list(w_array)
    found: dict[int, Any] = {}
    at = 0
    while at < len(items):
        first = int(items[at])
        if at + 1 < len(items) and isinstance(items[at + 1], pikepdf.Array):
            for offset, width in enumerate(items[at + 1]):
                found[first + offset] = width
            at += 2
        else:
            for glyph in range(first, int(items[at + 1]) + 1):
                found[glyph] = items[at + 2]
            at += 3
    return found


def _texts(stream: Any) -> dict[int, str]:
    """A ToUnicode map's glyph -> text (its ``bfchar`` lines, as WeasyPrint writes them)."""
    if stream is None:
        return {}
    data = stream.read_bytes()
    if b"bfrange" in data:
        raise Unsupported
    return {int(g, 16): bytes.fromhex(t.decode()).decode("utf-16-be", "replace")
            for g, t in _BFCHAR.findall(data.split(b"endcodespacerange", 1)[-1])}

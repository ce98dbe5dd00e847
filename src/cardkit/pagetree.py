"""Pages added to a new document in one step.

pikepdf's ``pages.append`` counts the document's pages on every call (qpdf's page
helper lists them all), so appending n pages takes time in n²: 0.3 s for 2,000 pages,
the faces of one part of a big job. A new document gets its pages here instead: each
page dictionary is copied in (qpdf copies a page without its /Parent, and an object two
pages share once) and the page tree's /Kids is set once.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def set_pages(pdf: Any, pages: Iterable[Any]) -> None:
    """Make ``pages`` (page dictionaries of ``pdf`` or of other documents, or
    ``pikepdf.Page``) the pages of ``pdf``, a document made with ``pikepdf.Pdf.new()``
    whose page list has not been read yet (qpdf keeps the list it read)."""
    import pikepdf

    tree = pdf.Root.Pages
    if len(tree.Kids):
        raise ValueError("set_pages fills a new document's page tree")
    kids = []
    seen: set[tuple[int, int]] = set()
    for page in pages:
        obj = page.obj if isinstance(page, pikepdf.Page) else page
        if not obj.is_indirect:
            obj = pdf.make_indirect(obj)
        elif not obj.same_owner_as(pdf.Root):
            obj = pdf.copy_foreign(obj)
        if obj.objgen in seen:
            raise ValueError("a page can be in a page tree once")
        seen.add(obj.objgen)
        obj.Parent = tree
        kids.append(obj)
    tree.Kids = pikepdf.Array(kids)
    tree.Count = len(kids)
    if len(pdf.pages) != len(kids):  # qpdf had listed the pages before: not a new document
        raise ValueError("set_pages fills a new document's page tree")

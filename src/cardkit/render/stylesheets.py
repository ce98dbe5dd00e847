"""A design's stylesheets as WeasyPrint will read them: the card's own and every ``@import``.

Read before anything is laid out, for two things:

* whether a rule can match one officer and not another (``[data-officer=...]``, or
  ``attr(data-officer)`` printing the id): then no two officers' faces are the same, and
  neither sharing a face nor stamping on a shared plate is exact;
* the files the design reads, for the job's record (no output may replace them).

Only ``file:`` URLs inside the folders a render may read are followed (the rules of
``design.fetcher.RootedFetcher``, which WeasyPrint's own fetches obey and which reports what
is refused); this reader needs no WeasyPrint, so a job whose plates are kept never starts it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin

MAX_IMPORTS = 64  # stylesheets followed at the most (a loop of @imports ends here)
_OFFICER = re.compile(r"data-officer", re.I)
_STYLE = re.compile(r"<style\b[^>]*>(.*?)</style>", re.S | re.I)


@dataclass
class Stylesheets:
    texts: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)  # the @imported files, as read

    @property
    def select_officers(self) -> bool:
        """Whether any rule names the officer's id attribute."""
        return any(_OFFICER.search(text) for text in self.texts)


def read(document_html: str, base_url: str, roots: list[Path]) -> Stylesheets:
    """The ``<style>`` blocks of ``document_html`` and every stylesheet they ``@import``."""
    import tinycss2

    found = Stylesheets()
    queue = [(text, base_url) for text in _STYLE.findall(document_html)]
    seen: set[str] = set()
    while queue and len(found.texts) < MAX_IMPORTS:
        text, base = queue.pop(0)
        found.texts.append(text)
        for rule in tinycss2.parse_stylesheet(text, skip_comments=True, skip_whitespace=True):
            if rule.type != "at-rule" or rule.lower_at_keyword != "import":
                continue
            url = next((token.value for token in rule.prelude
                        if token.type in ("url", "string")), None)
            if not url:
                continue
            url = urljoin(base, url)
            if url in seen:
                continue
            seen.add(url)
            body = _file_of(url, roots)
            if body is None:  # refused or missing: WeasyPrint's own fetch reports it, located
                continue
            found.files.append(url)
            queue.append((body.decode("utf-8", errors="replace"), url))
    return found


def _file_of(url: str, roots: list[Path]) -> bytes | None:
    """The bytes of a ``file:`` URL inside ``roots`` (symlinks followed), else None."""
    from urllib.parse import unquote, urlsplit

    from ..digests import regular_bytes

    parts = urlsplit(url)
    if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
        return None
    path = Path(unquote(parts.path)).resolve()
    if not any(path.is_relative_to(Path(root).resolve()) for root in roots):
        return None
    return regular_bytes(path)


def officer_markers(html: str) -> bool:
    """Whether a face's own HTML (a ``<style>`` inside it) names the officer's id attribute."""
    return any(_OFFICER.search(text) for text in _STYLE.findall(html))

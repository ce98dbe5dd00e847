"""The only way a render may read a file: allowed folders and data: URLs, nothing else."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit

from weasyprint.urls import URLFetcher, URLFetcherResponse

MIME_TYPES = {
    ".svg": "image/svg+xml", ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
    ".css": "text/css", ".otf": "font/otf", ".ttf": "font/ttf", ".woff2": "font/woff2",
    ".woff": "font/woff",
}


class RefusedURL(Exception):
    """A resource outside the allowed folders, or on the network."""


class RootedFetcher(URLFetcher):
    """Serve ``file:`` URLs inside ``roots`` and ``data:`` URLs; refuse everything else.

    Refusals are fatal (``fail_on_errors``): a template or roster that points
    outside the project stops the render instead of leaving a hole on the card.
    """

    def __init__(self, roots: list[Path]) -> None:
        super().__init__(allowed_protocols={"file", "data"}, fail_on_errors=True,
                         allow_redirects=False, timeout=1)
        self.roots = [Path(r).resolve() for r in roots]
        self.refused: list[str] = []

    def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
        scheme = url.split(":", 1)[0].lower()
        if scheme == "data":
            return super().fetch(url, headers)
        if scheme != "file":
            self.refused.append(url)
            raise RefusedURL(f"{url}: only files of the project may be used")
        path = Path(unquote(urlsplit(url).path)).resolve()
        if not any(path.is_relative_to(root) for root in self.roots):
            self.refused.append(url)
            raise RefusedURL(f"{url}: outside the project and cardkit's own files")
        if not path.is_file():
            self.refused.append(url)
            raise RefusedURL(f"{url}: no such file")
        mime = MIME_TYPES.get(path.suffix.lower(), "application/octet-stream")
        return URLFetcherResponse(url, body=path.read_bytes(),
                                  headers={"Content-Type": mime})

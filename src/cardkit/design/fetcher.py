"""The only way a render may read a file: allowed folders and data: URLs, nothing else."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import unquote, urlsplit

from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

from ..digests import NotRegularFile, read_regular
from ..errors import CardkitError, FetchRefused
from ..i18n import _

MIME_TYPES = {
    ".svg": "image/svg+xml", ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
    ".css": "text/css", ".otf": "font/otf", ".ttf": "font/ttf", ".woff2": "font/woff2",
    ".woff": "font/woff",
}


MAX_RESOURCE_BYTES = 64 * 1024 * 1024


class RefusedURL(Exception):
    """A resource outside the allowed folders, or on the network."""


class RootedFetcher(URLFetcher):
    """Serve ``file:`` URLs inside ``roots`` and ``data:`` URLs; refuse everything else.

    Refusals are fatal (``fail_on_errors``): a template or roster that points
    outside the project stops the render instead of leaving a hole on the card.
    Nothing here opens a socket: ``http:``, ``https:``, ``ftp:`` and every other
    scheme are refused before any handler sees them. Symlinks are followed to
    where they lead, and that place must be inside a root too.
    """

    def __init__(self, roots: list[Path]) -> None:
        super().__init__(allowed_protocols={"file", "data"}, fail_on_errors=True,
                         allow_redirects=False, timeout=1)
        self.roots = [Path(r).resolve() for r in roots]
        self.refused: list[str] = []  # the URLs refused, in order
        self.reasons: list[str] = []  # why, one line each: "URL: reason"
        self.read: dict[str, tuple[int, int, int]] = {}  # files served: path -> size, mtime, inode
        self.stopped: CardkitError | None = None  # what stopped a read (not the file's fault)

    def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
        try:
            return self._fetch(url, headers)
        except RefusedURL as exc:
            self._refuse(url, str(exc))
            raise
        except CardkitError as exc:  # a limit reached while reading (limits.py): the job's end
            self.stopped = exc
            raise
        except Exception as exc:
            self._refuse(url, _("cannot be read ({reason})").format(reason=f"{type(exc).__name__}: {exc}"))
            raise

    def _refuse(self, url: str, reason: str) -> None:
        shown = url if len(url) <= 120 else url[:100] + "..."
        self.refused.append(shown)
        self.reasons.append(f"{shown}: {reason}")

    def _fetch(self, url: str, headers: dict | None) -> URLFetcherResponse:
        scheme = url.split(":", 1)[0].lower()
        if scheme == "data":
            if len(url) > MAX_RESOURCE_BYTES:
                raise RefusedURL(_("data: URL larger than {size} MiB").format(
                    size=MAX_RESOURCE_BYTES // 2**20))
            return super().fetch(url, headers)
        if scheme != "file":
            raise RefusedURL(_("only files of the project may be used; nothing is fetched "
                               "from the network"))
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost"):
            raise RefusedURL(_("a file on another host"))
        path = Path(unquote(parts.path)).resolve()
        if not any(path.is_relative_to(root) for root in self.roots):
            raise RefusedURL(_("outside the project, the roster's folder and cardkit's own files"))
        if not path.exists():
            raise RefusedURL(_("no such file"))
        try:  # looked at and opened without waiting: a FIFO or a device is never read
            body = read_regular(path, MAX_RESOURCE_BYTES)
            stat = path.stat()
        except NotRegularFile:
            raise RefusedURL(_("not a regular file")) from None
        except OSError as exc:
            raise RefusedURL(exc.strerror or str(exc)) from None
        if len(body) > MAX_RESOURCE_BYTES:
            raise RefusedURL(_("larger than {size} MiB").format(size=MAX_RESOURCE_BYTES // 2**20))
        mime = MIME_TYPES.get(path.suffix.lower(), "application/octet-stream")
        self.read[str(path)] = (stat.st_size, stat.st_mtime_ns, stat.st_ino)
        return URLFetcherResponse(url, body=body, headers={"Content-Type": mime})


@contextmanager
def refusals_are_errors(fetcher: RootedFetcher) -> Iterator[RootedFetcher]:
    """Run a WeasyPrint render; any URL ``fetcher`` refused ends it as one ``FetchRefused`` line.

    WeasyPrint raises ``FatalURLFetchingError`` (a BaseException, which would otherwise
    escape as a traceback), except inside SVG images, where it swallows the refusal and
    leaves a hole: both cases are caught here.
    """
    try:
        yield fetcher
    except FatalURLFetchingError:
        if fetcher.stopped is not None:
            raise fetcher.stopped from None
        raise _refusal(fetcher.reasons[-1] if fetcher.reasons else _("a resource")) from None
    if fetcher.stopped is not None:
        raise fetcher.stopped
    if fetcher.reasons:
        raise _refusal(fetcher.reasons[0])


def _refusal(reason: str) -> FetchRefused:
    return FetchRefused(_("refused to read {reason}").format(reason=reason))

"""The parts of a big job merged into one PDF on disk, streamed: one part open at a time."""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Sequence
from pathlib import Path


def merge_files(parts: Sequence[Path], output: Path, *, subject: str) -> str:
    """Concatenate the part PDFs into ``output`` (atomically, reproducibly), streaming.

    One part is open at a time: its objects are renumbered and written out, then it
    is closed, so memory does not grow with the job (a pikepdf merge held every
    part's objects until the end: about 15 MiB per 1,000 cards). Catalog entries
    of the first part (an output intent, say) and its document info are kept: they
    already name the generation.
    """
    import tempfile

    fd, tmp = tempfile.mkstemp(dir=output.parent, prefix=f".{output.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as handle:
            _concat(parts, handle, subject)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, output)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return str(output)


_TOKEN = re.compile(rb"(\((?:[^()\\]|\\.)*\))|(<[0-9A-Fa-f\s]*>)|(\d+) (\d+) R\b")
_CATALOG, _PAGES, _INFO = 1, 2, 3


class _Writer:
    """A PDF written object by object, with a classic cross-reference table."""

    def __init__(self, handle) -> None:
        self.handle = handle
        self.offset = 0
        self.offsets: dict[int, int] = {}
        self.digest = hashlib.sha256()
        self.next = _INFO + 1
        self.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")

    def write(self, data: bytes) -> None:
        self.handle.write(data)
        self.digest.update(data)
        self.offset += len(data)

    def allocate(self) -> int:
        self.next += 1
        return self.next - 1

    def object(self, number: int, body: bytes, stream: bytes | None = None) -> None:
        self.offsets[number] = self.offset
        self.write(b"%d 0 obj\n" % number + body)
        if stream is not None:
            self.write(b"\nstream\n" + stream + b"\nendstream")
        self.write(b"\nendobj\n")

    def finish(self) -> None:
        size = self.next
        start = self.offset
        rows = [b"xref\n0 %d\n0000000000 65535 f \n" % size]
        rows += [b"%010d 00000 n \n" % self.offsets[n] for n in range(1, size)]
        file_id = self.digest.hexdigest()[:32].encode()
        rows.append(b"trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R /ID [<%s> <%s>] >>\n"
                    b"startxref\n%d\n%%%%EOF\n" % (size, _CATALOG, _INFO, file_id, file_id, start))
        self.handle.write(b"".join(rows))


def _concat(parts: Sequence[Path], handle, subject: str) -> None:
    import pikepdf

    out = _Writer(handle)
    kids: list[int] = []
    catalog_extra = b""
    info = b"<< >>"
    for number, path in enumerate(parts):
        with pikepdf.Pdf.open(path) as src:
            mapping: dict[tuple[int, int], int] = {}
            todo: list[tuple[int, int]] = []

            def renumber(data: bytes, mapping=mapping, todo=todo) -> bytes:
                def sub(match: re.Match) -> bytes:
                    if match[3] is None:
                        return match[0]
                    key = (int(match[3]), int(match[4]))
                    if key not in mapping:
                        mapping[key] = out.allocate()
                        todo.append(key)
                    return b"%d 0 R" % mapping[key]
                return _TOKEN.sub(sub, data)

            if number == 0:
                extra = {k: v for k, v in src.Root.items() if k not in ("/Pages", "/Type")}
                catalog_extra = renumber(pikepdf.Dictionary(extra).unparse(resolved=True))[2:-2] if extra \
                    else b""
                if src.trailer.get("/Info") is not None:
                    fields = dict(src.trailer.Info.items())
                    fields["/Subject"] = pikepdf.String(subject)
                    info = renumber(pikepdf.Dictionary(fields).unparse(resolved=True))
            for page in src.pages:
                obj = page.obj
                del obj["/Parent"]
                kid = out.allocate()
                kids.append(kid)
                out.object(kid, b"<< /Parent %d 0 R " % _PAGES + renumber(obj.unparse(resolved=True))[2:])
            while todo:
                key = todo.pop()
                obj = src.get_object(key)
                if isinstance(obj, pikepdf.Stream):
                    raw = obj.read_raw_bytes()
                    obj.stream_dict.Length = len(raw)
                    out.object(mapping[key], renumber(obj.stream_dict.unparse(resolved=True)), raw)
                else:
                    out.object(mapping[key], renumber(obj.unparse(resolved=True)))
    out.object(_PAGES, b"<< /Type /Pages /Count %d /Kids [%s] >>"
               % (len(kids), b" ".join(b"%d 0 R" % k for k in kids)))
    out.object(_CATALOG, b"<< /Type /Catalog /Pages %d 0 R %s>>" % (_PAGES, catalog_extra))
    out.object(_INFO, info)
    out.finish()

"""A PDF written object by object, as its objects are made: memory holds the cross-reference
table and what is being copied, never the document.

``Writer`` writes numbered objects to a binary handle and ends the file with a classic
cross-reference table; ``Copier`` copies objects of one source document (a pikepdf ``Pdf``)
into it under new numbers, following their references. The references are renumbered by
walking the pikepdf objects (dictionaries, arrays, stream dictionaries: an indirect object
is met as a reference and copied once, so shared objects are written once and reference
cycles end); the direct values are written as pikepdf unparses them. A stream's data is
copied as it is stored (still compressed), with its ``/Length``.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal
from typing import IO, Any

import pikepdf  # imported with this module only: ``concat`` imports it when a job is merged

ObjGen = tuple[int, int]  # an object's number and generation in its source document
_DICTIONARIES = (pikepdf.ObjectType.dictionary, pikepdf.ObjectType.stream)

class Writer:
    """Numbered objects written to ``handle`` as they come; ``finish`` writes the
    cross-reference table and the trailer. The file id is a digest of the bytes written, so
    the same objects give the same file. ``version`` is the PDF version of the header."""

    def __init__(self, handle: IO[bytes], version: str = "1.7") -> None:
        self.handle = handle
        self.offset = 0
        self.offsets: dict[int, int] = {}
        self.digest = hashlib.sha256()
        self.count = 1  # object 0 is the head of the free list
        self._write(b"%%PDF-%s\n%%\xe2\xe3\xcf\xd3\n" % version.encode("ascii"))

    def _write(self, data: bytes) -> None:
        self.handle.write(data)
        self.digest.update(data)
        self.offset += len(data)

    def allocate(self) -> int:
        """A new object number, to be written (``add``) before ``finish``."""
        self.count += 1
        return self.count - 1

    def add(self, number: int, body: bytes, stream: bytes | None = None) -> None:
        """Object ``number``: ``body`` (its unparsed value, a stream's dictionary), and the
        stream's data as stored."""
        if number in self.offsets:
            raise ValueError(f"object {number} written twice")
        self.offsets[number] = self.offset
        self._write(b"%d 0 obj\n" % number + body)
        if stream is not None:
            self._write(b"\nstream\n" + stream + b"\nendstream")
        self._write(b"\nendobj\n")

    def finish(self, root: int, info: int | None = None) -> None:
        """The cross-reference table and trailer: every allocated object must be written."""
        missing = [n for n in range(1, self.count) if n not in self.offsets]
        if missing:
            raise ValueError(f"objects allocated but not written: {missing[:10]}")
        start = self.offset
        rows = [b"xref\n0 %d\n0000000000 65535 f \n" % self.count]
        rows += [b"%010d 00000 n \n" % self.offsets[n] for n in range(1, self.count)]
        file_id = self.digest.hexdigest()[:32].encode()
        info_entry = b" /Info %d 0 R" % info if info is not None else b""
        rows.append(b"trailer\n<< /Size %d /Root %d 0 R%s /ID [<%s> <%s>] >>\n"
                    b"startxref\n%d\n%%%%EOF\n"
                    % (self.count, root, info_entry, file_id, file_id, start))
        self.handle.write(b"".join(rows))


class Copier:
    """Copies objects of one source document into ``out``. ``mapping`` (source object ->
    number in ``out``) may be filled beforehand to make an object another one (a font the
    job writes once): such objects are never copied from this source."""

    def __init__(self, out: Writer, mapping: dict[ObjGen, int] | None = None) -> None:
        self.out = out
        self.mapping: dict[ObjGen, int] = {} if mapping is None else mapping
        self.pending: list[Any] = []
        self._names: dict[str, bytes] = {}

    def number(self, obj: Any) -> int:
        """The number of the indirect ``obj`` in ``out``; the first time, it is allocated and
        ``obj`` is queued to be copied."""
        key = obj.objgen
        number = self.mapping.get(key)
        if number is None:
            number = self.mapping[key] = self.out.allocate()
            self.pending.append(obj)
        return number

    def unparse(self, obj: Any, replace: dict[str, bytes] | None = None) -> bytes:
        """``obj`` (a direct value, or the value of an indirect one) as PDF source with its
        references renumbered; ``replace`` gives a dictionary's entries their own source (or
        drops those whose source is empty)."""
        if replace is not None:
            return self._dictionary(obj, replace)
        if isinstance(obj, pikepdf.Object) and obj.is_indirect:  # its value, not a reference
            if obj._type_code in _DICTIONARIES:
                return self._dictionary(obj, {})
            if obj._type_code == pikepdf.ObjectType.array:
                return self._array(obj)
            return obj.unparse(resolved=True)  # a name, a string
        return self._value(obj)

    def _value(self, value: Any) -> bytes:
        kind = type(value)
        if kind is int:
            return b"%d" % value
        if kind is Decimal:  # a real keeps every digit it was written with
            return format(value, "f").encode()
        if kind is bool:
            return b"true" if value else b"false"
        if value is None:
            return b"null"
        if value.is_indirect:
            return b"%d 0 R" % self.number(value)
        code = value._type_code
        if code in _DICTIONARIES:
            return self._dictionary(value, {})
        if code == pikepdf.ObjectType.array:
            return self._array(value)
        return value.unparse()  # a name, a string

    def _array(self, obj: Any) -> bytes:
        value = self._value
        return b"[" + b" ".join([value(item) for item in obj.as_list()]) + b"]"

    def _dictionary(self, obj: Any, replace: dict[str, bytes]) -> bytes:
        value, names = self._value, self._names
        if replace:
            items = [self._name(key) + b" " + (replace[key] if key in replace else value(item))
                     for key, item in obj.items() if replace.get(key, True)]
            items += [self._name(key) + b" " + source for key, source in replace.items()
                      if source and key not in obj]
        else:
            items = [(names.get(key) or self._name(key)) + b" " + value(item)
                     for key, item in obj.items()]
        return b"<<" + b" ".join(items) + b">>"

    def _name(self, key: str) -> bytes:
        name = self._names.get(key)
        if name is None:
            name = self._names[key] = pikepdf.Name(key).unparse()
        return name

    def write(self, obj: Any, replace: dict[str, bytes] | None = None) -> int:
        """Write the indirect ``obj`` now (``replace`` as for ``unparse``), and return its
        number; what it refers to is queued (``flush``)."""
        number = self.number(obj)
        if isinstance(obj, pikepdf.Stream):
            raw = obj.read_raw_bytes()
            own = {"/Length": b"%d" % len(raw), **(replace or {})}
            self.out.add(number, self.unparse(obj, own), raw)
        else:
            self.out.add(number, self.unparse(obj, replace))
        return number

    def flush(self) -> None:
        """Write every object queued so far, and those they lead to."""
        while self.pending:
            obj = self.pending.pop()
            if self.mapping[obj.objgen] not in self.out.offsets:  # not written by ``write``
                self.write(obj)

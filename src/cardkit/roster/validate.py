"""Turn raw roster records into officers, collecting every problem in one pass."""

from __future__ import annotations

import hashlib
import io
import re
import threading
import unicodedata
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from .. import urlrules
from ..digests import file_digest, read_regular
from ..errors import MAX_FIELD_SHOWN, Diagnostic, InputError, Where, quoted, shortened
from ..i18n import N_, _, ngettext
from ..model import OFFICER_FIELDS, UNIT_FIELDS, Officer, Roster, Source, Unit
from ..project import did_you_mean
from . import phones, textsafety
from .records import UNIT_COLUMNS, RawRecord, RawRoster, extra_warning, typo_of

REQUIRED = ("id", "name")
# Fields holding telephone numbers, with the function that checks and formats each.
NUMBER_FIELDS = {"phone": phones.format_phone, "mobile": phones.format_mobile,
                 "hotline": phones.format_phone}
# How to keep a number as typed in a spreadsheet (said when a number cell is refused).
TEXT_FIX = N_("format the column as Text, or start the entry with an apostrophe: '13800000001")
URL_FIELDS = ("website", "weibo")  # and web.LABEL: printed addresses, http(s) only


def build_roster(
    raw: RawRoster,
    default_unit: Mapping[str, object] | None = None,
    extra_fields: Iterable[str] = (),
    needs: Mapping[str, str] | None = None,
    *,
    specimen: bool = False,
    qr: QrRule | None = None,
    only: Iterable[str] | None = None,
) -> Roster:
    """Check every record of ``raw`` and return the roster, or raise InputError listing all.

    Every problem is found in one pass (a duplicate id is reported even on a row with
    other problems). ``needs`` maps fields the generation cannot do without to the
    reason given when missing. ``specimen`` (or the roster's own ``specimen: true``)
    allows placeholder values and marks the cards; ``qr`` says which officer field holds
    the QR payload and its hosts. ``only`` (ids, as ``--officer`` gives them) checks
    those officers alone: the other officers' problems become one notice with their
    count. Warnings and notices that do not stop the job are on the roster's ``notes``.
    """
    specimen = specimen or raw.specimen
    check = _Checks(specimen, qr)
    problems: list[Diagnostic] = textsafety.clean_roster(raw)  # controls, bidi, NUL, length
    problems += raw.problems  # two columns for one field
    base_unit = _unit_fields(default_unit or {}, "cardkit.yaml",
                             getattr(default_unit, "lines", {}), problems, check)
    if raw.unit:
        own = _unit_fields(raw.unit, raw.file, raw.unit_lines, problems, check)
        base_unit.update({k: v for k, v in own.items() if v})
    allowed_extra = set(extra_fields)
    problems += _column_problems(raw, allowed_extra)
    if not raw.records:
        problems.append(Diagnostic(file=raw.file, message=_("the roster lists no officers")))
    rows = _Rows(raw, base_unit, allowed_extra, needs or {}, check,
                 None if only is None else {id_key(i) for i in only}, problems)
    officers = [officer for record in raw.records
                if (officer := rows.officer(record)) is not None]
    problems = rows.problems_of_the_chosen()
    if any(p.severity == "error" for p in problems):
        raise InputError(_("bad roster"), problems)
    screenshots = (str(r.fields.get("wechat") or "") for r in raw.records)
    inputs = tuple((raw.root or Path.cwd()) / name for name in screenshots
                   if name.lower().endswith(IMAGE_SUFFIXES))
    return Roster(officers=tuple(officers), source=raw.file, root=raw.root, specimen=specimen,
                  inputs=inputs, notes=tuple(sorted(problems)))


class _Rows:
    """The records of a roster checked one by one; with ``wanted`` (``--officer``), the
    other officers' problems are counted apart instead of failing the job."""

    def __init__(self, raw: RawRoster, base_unit: dict, allowed_extra: set[str],
                 needs: Mapping[str, str], check: _Checks, wanted: set[str] | None,
                 problems: list[Diagnostic]) -> None:
        self.raw, self.base_unit, self.allowed_extra = raw, base_unit, allowed_extra
        self.needs, self.check, self.wanted, self.problems = needs, check, wanted, problems
        self.known = set(OFFICER_FIELDS) | set(UNIT_COLUMNS) | {"extra"}
        self.first_line: dict[str, int] = {}
        self.units: dict[tuple, Unit] = {}
        self.others: list[Diagnostic] = []  # problems of officers not chosen by ``wanted``
        self.other_rows: dict[int, int] = {}  # line of any of their fields -> their record's
        self.bad_others: set[int] = set()  # records of officers not chosen with problems

    def officer(self, record: RawRecord) -> Officer | None:
        """The record's officer when it is chosen and not a duplicate; its problems noted."""
        key = id_key(record.fields.get("id") or "")
        chosen = self.wanted is None or key in self.wanted
        sink = self.problems if chosen else self.others
        if not chosen:
            self.other_rows.update(dict.fromkeys((record.line, *record.lines.values()),
                                                 record.line))
        before = len(self.others)
        for field_name, reason in self.needs.items():
            if not record.fields.get(field_name):
                sink.append(_diag(record, field_name, _("missing: {reason}").format(reason=reason)))
        officer = _build_officer(record, self.base_unit, self.known, self.allowed_extra,
                                 self.units, sink, self.raw.root, self.check)
        duplicate = key in self.first_line
        if duplicate:
            sink.append(_diag(record, "id", _('duplicate id "{id}" (first at line {line})').format(
                id=record.fields.get("id"), line=self.first_line[key])))
        if any(p.severity == "error" for p in self.others[before:]):
            self.bad_others.add(record.line)
        if duplicate:
            return None
        if key:
            self.first_line[key] = record.line
        return officer if chosen else None

    def problems_of_the_chosen(self) -> list[Diagnostic]:
        """The problems; with ``wanted``, the others' as one notice with their count."""
        if self.wanted is None:
            return self.problems
        moved = [p for p in self.problems
                 if p.subject.startswith("officer ") and p.line in self.other_rows]
        problems = [p for p in self.problems if p not in moved]
        count = len(self.bad_others | {self.other_rows[p.line] for p in moved})
        if count:
            problems.append(Diagnostic(file=self.raw.file, severity="notice", message=ngettext(
                "{count} other officer in the roster has problems; only the officers chosen "
                "are checked and printed (cardkit check lists them all)",
                "{count} other officers in the roster have problems; only the officers chosen "
                "are checked and printed (cardkit check lists them all)", count).format(
                count=count)))
        return problems


def id_key(officer_id: str) -> str:
    """What makes two ids the same: ``ＬＤ001`` and `` LD001`` are ``LD001`` (NFKC, trimmed)."""
    return unicodedata.normalize("NFKC", officer_id).strip()


def _column_problems(raw: RawRoster, allowed_extra: set[str]) -> list[Diagnostic]:
    """A spreadsheet's columns that no field stands for: a did-you-mean error for a header
    close to a field's name or alias, else one notice naming the columns kept as extra.*."""
    problems: list[Diagnostic] = []
    extras: list[str] = []
    for key, header in raw.headers.items():
        name = key.removeprefix("extra.")
        if name == key or name in allowed_extra:
            continue
        close = typo_of(header)
        looks = None if close else extra_warning(header, raw.file, raw.header_line)
        if close:
            problems.append(Diagnostic(file=raw.file, line=raw.header_line, field=header,
                                       message=_("unknown column") + _(
                                           ' (did you mean "{choice}"?)').format(choice=close)))
        elif looks:  # a printed field's name in it: a warning of its own (issue 23)
            problems.append(looks)
        else:
            extras.append(header)
    if extras:
        problems.append(Diagnostic(
            file=raw.file, line=raw.header_line, severity="notice",
            message=_("extra columns kept for templates as extra.*: {names}").format(
                names=_(", ").join(e if len(e) <= MAX_FIELD_SHOWN else e[:MAX_FIELD_SHOWN] + "…"
                                for e in extras))))
    return problems


@dataclass(frozen=True)
class QrRule:
    """The officer field a generation prints as a QR code, and the hosts it may carry."""

    field: str = "wechat"
    hosts: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Checks:
    """What a value is checked against beyond its form: placeholders, URL schemes, QR hosts."""

    specimen: bool
    qr: QrRule | None

    def url(self, text: str) -> str | None:
        return urlrules.scheme_problem(text) or self._placeholder(text, N_(
            "{host} is a placeholder host, not the unit's real address ({fix})"))

    def number(self, text: str) -> str | None:
        if not self.specimen and urlrules.placeholder_number(text):
            return f"{quoted(text)}: " + _("a placeholder number (all zeros), not a real one "
                                           "({fix})").format(fix=_(SPECIMEN_FIX))
        return None

    def qr_payload(self, text: str) -> str | None:
        problem = urlrules.qr_host_problem(text, self.qr.hosts) if self.qr is not None else None
        return problem or self._placeholder(text, N_(
            "{host} is a placeholder host, not a real code ({fix})"))

    def _placeholder(self, text: str, message: str) -> str | None:
        host = urlrules.placeholder_host(text)
        if host and not self.specimen:
            return f"{quoted(text)}: " + _(message).format(host=host, fix=_(SPECIMEN_FIX))
        return None


SPECIMEN_FIX = N_("write the real value; only a roster marked specimen: true may hold "
                  "placeholders, and its cards are marked 样张 / SPECIMEN")
URL_SCHEMES = ("https://", "http://", "weixin://", "wxp://")
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".bmp", ".gif")  # read as a screenshot...
SCREENSHOT_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff")  # ...if it is a PNG or JPEG (or WebP)


def qr_from_screenshot(name: str, root: Path | None) -> str:
    """The payload of the one QR code in a screenshot (a path relative to the roster's folder).

    Raises ValueError with the message to show when the file is missing, outside the
    roster's folder, unreadable, or holds no QR code or more than one.
    """
    folder = (root or Path.cwd()).resolve()
    path = (folder / name).resolve()
    if not path.is_relative_to(folder):
        raise ValueError(f"{quoted(name)}: " + _("a screenshot must be inside the roster's folder"))
    if not path.is_file():
        raise ValueError(f"{quoted(name)}: " + _("screenshot not found (looked in {folder})").format(
            folder=folder))
    from ..outputs import protect

    protect([path], _("a QR screenshot"))  # an input of the job: no output may replace it
    return _decode_screenshot(str(path), name)


class _Payloads:
    """The QR payloads of screenshots by the SHA-256 of their bytes: kept across jobs on
    purpose (a screenshot is decoded once while its bytes stay the same; a file replaced
    under the same name is decoded again), bounded, shared by every thread of the process."""

    LIMIT = 256

    def __init__(self) -> None:
        self._known: dict[str, str] = {}
        self._lock = threading.Lock()

    def get(self, digest: str | None) -> str | None:
        with self._lock:
            return self._known.get(digest) if digest is not None else None

    def put(self, digest: str, payload: str) -> None:
        with self._lock:
            if len(self._known) >= self.LIMIT:
                self._known.clear()
            self._known[digest] = payload


_PAYLOADS = _Payloads()


def _decode_screenshot(path: str, name: str) -> str:
    """The payload of the screenshot's one QR code, decoded once per content (the file's
    SHA-256, ``digests.file_digest``), never remembered by where the file lies."""
    known = _PAYLOADS.get(file_digest(path))
    if known is not None:
        return known
    try:
        data = read_regular(path)
    except OSError as exc:
        raise ValueError(f"{quoted(name)}: " + _("not a readable image ({reason})").format(
            reason=exc.strerror)) from None
    payload = _decoded(data, name)
    _PAYLOADS.put(hashlib.sha256(data).hexdigest(), payload)  # the bytes decoded, as read
    return payload


def _decoded(data: bytes, name: str) -> str:
    """The payload of the one QR code in a screenshot's bytes (ValueError with the message)."""
    from PIL import Image, UnidentifiedImageError

    from ..render.qr import decode

    head = data[:12]
    if not head.startswith(SCREENSHOT_MAGIC) and not (head[:4] == b"RIFF" and head[8:] == b"WEBP"):
        raise ValueError(f"{quoted(name)}: " + _(
            "not a PNG, JPEG or WebP image, whatever its name says; save the screenshot of the "
            "officer's WeChat QR code as PNG or JPEG"))
    try:
        with warnings.catch_warnings():  # a decompression bomb is refused, not warned about
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=("PNG", "JPEG", "WEBP")) as image:
                image.load()
                payloads = decode(image.convert("RGB"))
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError,
            Image.DecompressionBombWarning) as exc:
        raise ValueError(f"{quoted(name)}: " + _("not a readable image ({reason})").format(
            reason=exc)) from None
    distinct = sorted(set(payloads))
    if not distinct:
        raise ValueError(f"{quoted(name)}: " + _(
            "no QR code found in the screenshot; crop it to the officer's WeChat QR code and make "
            "sure it is sharp"))
    if len(distinct) > 1:
        listed = ", ".join(quoted(p) for p in distinct[:5])
        raise ValueError(f"{quoted(name)}: " + _(
            "{count} QR codes in the screenshot ({listed}); crop it to the officer's own "
            "code").format(count=len(distinct), listed=listed))
    if not distinct[0].startswith(URL_SCHEMES):
        raise ValueError(f"{quoted(name)}: " + _(
            'the QR code holds "{payload}", not a WeChat URL').format(
            payload=shortened(distinct[0])))
    return distinct[0]


def number_problem(key: str, text: str) -> str | None:
    """Why ``text`` is not a valid number for field ``key`` (naming spreadsheet damage), or None."""
    try:
        NUMBER_FIELDS[key](text)
        return None
    except phones.PhoneError:
        pass
    damage = phones.excel_damage(text)
    if damage:
        return damage
    if key == "mobile":
        return f"{quoted(text)}: " + _("not a valid mobile number")
    return f"{quoted(text)}: " + _("not a valid Chinese number")


def _subject(record: RawRecord) -> str:
    officer_id = record.fields.get("id")
    return f"officer {officer_id}" if officer_id else "officer (no id)"


def _diag(record: RawRecord, field: str, message: str) -> Diagnostic:
    return Diagnostic(file=record.file, line=record.line_of(field), subject=_subject(record),
                      field=field, message=message)


def _unit_fields(source: Mapping[str, object], file: str, lines: Mapping[str, int],
                 problems: list[Diagnostic], check: _Checks) -> dict[str, str]:
    """The unit's fields as text; ``web:`` entries become ``web.LABEL`` keys."""
    fields: dict[str, str] = {}
    for key, value in source.items():
        where: Where = {"file": file, "line": lines.get(key, 0), "subject": "unit", "field": key}
        if key not in UNIT_FIELDS:
            problems.append(Diagnostic(**where, message=_("unknown field")
                                       + did_you_mean(key, UNIT_FIELDS)))
            continue
        if key == "web":
            fields.update(_web_fields(value, where, problems, check))
            continue
        if key == "mascot" and isinstance(value, Mapping):  # mascot: {name, image, image_cmyk}
            fields.update(_mascot_fields(value, where, problems))
            continue
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            # cardkit.yaml is read with YAML's types: 07722812345 is already a number here
            problems.append(Diagnostic(**where, message=_(
                "written as a number (YAML reads it as {value}); put it in quotes so that "
                "leading zeros are kept").format(value=value)))
            continue
        if value is not None:
            fields[key] = unicodedata.normalize("NFC", str(value).strip())
        problems += [Diagnostic(**where, message=message) for _key, message in _lost(
            {key: fields.get(key, "")}, ("name", "address"))]
        if key == "hotline" and fields.get(key):
            message = number_problem(key, fields[key])
            if not message:
                fields[key] = phones.format_phone(fields[key])
                message = check.number(fields[key])
            if message:
                problems.append(Diagnostic(**where, message=message))
        elif key in URL_FIELDS and fields.get(key):
            message = check.url(fields[key])
            if message:
                problems.append(Diagnostic(**where, message=message))
    return fields


MASCOT_KEYS = {"name": "mascot", "image": "mascot_image", "image_cmyk": "mascot_image_cmyk"}


def _mascot_fields(value: Mapping, where: Where, problems: list[Diagnostic]) -> dict[str, str]:
    """``mascot: {name: 螺警官, image: snail.svg, image_cmyk: snail-cmyk.svg}`` as unit fields."""
    fields = {}
    for key, item in value.items():
        if key not in MASCOT_KEYS:
            at: Where = {**where, "field": f"mascot.{key}"}
            problems.append(Diagnostic(**at, message=_(
                "unknown key") + did_you_mean(str(key), MASCOT_KEYS) + _(
                " (mascot: takes name, image and image_cmyk)")))
        elif item is not None:
            fields[MASCOT_KEYS[key]] = str(item).strip()
    return fields


def _web_fields(value: object, where: Where, problems: list[Diagnostic],
                check: _Checks) -> dict[str, str]:
    """``web:`` as ``{"web.LABEL": url}``: a list of {label, url} (网上公安局, 网上警务室)."""
    if not isinstance(value, list):
        problems.append(Diagnostic(**where, message=_(
            "expected a list of {label: ..., url: ...} entries")))
        return {}
    fields = {}
    lines = getattr(value, "lines", [])
    for index, entry in enumerate(value):
        at: Where = {**where, "line": lines[index] if index < len(lines) else where["line"],
              "field": f"web[{index + 1}]"}
        if not isinstance(entry, Mapping) or set(entry) - {"label", "url"} \
                or not entry.get("label") or not entry.get("url"):
            problems.append(Diagnostic(**at, message=_(
                "expected a label and a url (label: 网上公安局, url: https://...)")))
            continue
        label, problem = textsafety.clean(str(entry["label"]).strip())
        url, url_problem = textsafety.clean(str(entry["url"]).strip())
        message = problem or url_problem or check.url(url)
        if message:
            named: Where = {**at, "field": f"web.{label}"}
            problems.append(Diagnostic(**named, message=message))
            continue
        fields[f"web.{label}"] = url
    return fields


def _build_officer(record: RawRecord, base_unit: dict[str, str], known: set[str],
                   allowed_extra: set[str], units: dict[tuple, Unit],
                   problems: list[Diagnostic], root: Path | None = None,
                   check: _Checks = _Checks(False, None)) -> Officer | None:
    """One officer from ``record``, or None when it has a problem (added to ``problems``)."""
    before = len(problems)
    values, extra = _sort_fields(record, known, allowed_extra, problems)
    problems += [_diag(record, key, message) for key, message in _lost(values)]
    _check_present(record, values, problems)
    _check_kinds(record, values, problems)
    _check_numbers(record, values, problems, check)
    wechat = _wechat(record, values.get("wechat", ""), root, problems)
    if "wechat" in values:
        values["wechat"] = wechat
    if check.qr is not None and values.get(check.qr.field):
        message = check.qr_payload(values[check.qr.field])
        if message:
            problems.append(_diag(record, check.qr.field, message))
    unit_values = _unit_values(record, values, base_unit, problems, check)
    if any(p.severity == "error" for p in problems[before:]):
        return None
    for drawing in ("mascot_image", "mascot_image_cmyk"):  # a drawing named in the roster is there
        if unit_values.get(drawing):
            unit_values[drawing] = str((root or Path.cwd()) / unit_values[drawing])
    key = tuple(sorted(unit_values.items()))
    unit = units.get(key)
    if unit is None:
        web = tuple((k[4:], v) for k, v in unit_values.items() if k.startswith("web.") and v)
        text = {k: unit_values.get(k, "") for k in UNIT_FIELDS if k != "web"}
        unit = units[key] = Unit(name=text["name"], address=text["address"], hotline=text["hotline"],
                                 website=text["website"], weibo=text["weibo"], wechat=text["wechat"],
                                 mascot=text["mascot"], mascot_image=text["mascot_image"],
                                 mascot_image_cmyk=text["mascot_image_cmyk"], web=web,
                                 specimen=check.specimen)
    return Officer(
        id=values["id"], name=values["name"], unit=unit, post=values.get("post", ""),
        phone=values.get("phone", ""), mobile=values.get("mobile", ""),
        wechat=wechat, area=values.get("area", ""), extra=extra,
        source=Source(record.file, record.line), badge=values.get("badge", ""),
    )


def _sort_fields(record: RawRecord, known: set[str], allowed_extra: set[str],
                 problems: list[Diagnostic]) -> tuple[dict[str, str], dict[str, str]]:
    """The record's known fields (stripped) and its extra fields; unknown ones are problems."""
    values: dict[str, str] = {}
    extra: dict[str, str] = {}
    for key, value in record.fields.items():
        if key.startswith("extra."):
            name = key[len("extra."):]
            if value or name in allowed_extra:
                extra[name] = value or ""
        elif key not in known and key not in allowed_extra and not key.startswith("web."):
            problems.append(_diag(record, key, _("unknown field")
                                  + did_you_mean(key, sorted(known - {"extra"}))))
        elif key in allowed_extra:
            extra[key] = value or ""
        elif value is not None:
            values[key] = value.strip()
    return values, extra


# Fields written in Chinese, where a "?" is a character an encoding could not hold.
LOSSY_FIELDS = ("name", "post", "area", "address", "unit")
LOST_FIX = N_('a "?" or "\ufffd" stands where a character was: the file lost characters when it '
              'was saved in an encoding that cannot hold them (WPS and Excel save plain "CSV" as '
              'GBK); save the sheet as "CSV UTF-8" (Excel: Save As, CSV UTF-8; WPS: Save As, '
              'CSV, encoding UTF-8) or as XLSX, and read that')


def _lost(values: Mapping[str, str], keys: Iterable[str] = LOSSY_FIELDS) -> list[tuple[str, str]]:
    """(field, message) for each Chinese value holding a "?" or U+FFFD where a character was lost."""
    found = []
    for key in keys:
        text = values.get(key) or ""
        if "\ufffd" in text or ("?" in text and _HAN.search(text)):
            found.append((key, f"{quoted(text)}: " + _(LOST_FIX)))
    return found


_HAN = re.compile("[\u3400-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")


def _check_present(record: RawRecord, values: dict[str, str], problems: list[Diagnostic]) -> None:
    for key in REQUIRED:
        if record.kinds.get(key) == "null":
            problems.append(_diag(record, key, _null_message(record, key)))
        elif not values.get(key) and record.kinds.get(key) not in ("scientific", "formatted"):
            problems.append(_diag(record, key, _("missing (required)")))
    for key, kind in record.kinds.items():
        if kind == "null" and key not in REQUIRED:
            problems.append(replace(_diag(record, key, _null_message(record, key)),
                                    severity="warning"))
    if not any(values.get(k) or record.kinds.get(k) for k in ("phone", "mobile")):
        problems.append(_diag(record, "phone", _("an officer needs a phone or a mobile number")))


def _null_message(record: RawRecord, key: str) -> str:
    word = record.readings.get(key, "null")
    return _('YAML reads the word {word} as empty (null), so {field} is left empty; if {word} '
             'is the value, put it in quotes: {field}: "{word}"').format(word=word, field=key)


def _check_kinds(record: RawRecord, values: dict[str, str], problems: list[Diagnostic]) -> None:
    """Dates and (outside the number fields) numbers the source misread; dates are dropped."""
    for key, text in list(values.items()):
        kind = record.kinds.get(key)
        if kind in ("scientific", "formatted") and (key in NUMBER_FIELDS or key == "id"):
            shown = record.readings.get(key, text)
            if kind == "scientific":
                message = _("a number cell shown in scientific notation, not as typed; its last "
                            "digits may be lost: type the number as text ({fix})")
            else:
                message = _("a number cell shown with decimals or separators, not as typed: type "
                            "the number as text ({fix})")
            problems.append(_diag(record, key, f"{quoted(shown)}: " + message.format(fix=_(TEXT_FIX))))
            values.pop(key)
        elif kind == "date":
            if key in record.readings:  # YAML
                message = f"{quoted(text)} " + _("is read by YAML as a date; put it in quotes")
            else:
                message = f"{quoted(text)}: " + _("a date cell where text belongs ({fix})").format(
                    fix=_(phones.FIX))
            problems.append(_diag(record, key, message))
            values.pop(key)
        elif key in record.numeric and key not in NUMBER_FIELDS:
            reading = record.readings.get(key, text)
            if reading != text:
                problems.append(_diag(record, key, f"{quoted(text)} " + _(
                    "is read by YAML as the number {reading}; put it in quotes").format(
                    reading=reading)))


def _check_numbers(record: RawRecord, values: dict[str, str], problems: list[Diagnostic],
                   check: _Checks) -> None:
    """Telephone numbers checked and formatted in place (placeholders refused unless specimen)."""
    for key in NUMBER_FIELDS:
        text = values.get(key)
        if not text:
            continue
        if key in record.numeric:
            problems.append(_diag(record, key, f"{quoted(text)} " + _numeric_message(record, key, text)))
            continue
        message = number_problem(key, text)
        if not message:
            values[key] = NUMBER_FIELDS[key](text)
            message = check.number(values[key])
        if message:
            problems.append(_diag(record, key, message))


def _numeric_message(record: RawRecord, key: str, text: str) -> str:
    reading = record.readings.get(key, text)
    if reading != text:
        return _("was written as a number (YAML reads it as {reading}); put it in "
                 "quotes so that leading zeros are kept").format(reading=reading)
    return _("was written as a number; put it in quotes so that leading zeros are kept")


def _wechat(record: RawRecord, wechat: str, root: Path | None, problems: list[Diagnostic]) -> str:
    """The QR payload: the URL given, or the one decoded from a screenshot ("" when wrong)."""
    if wechat and wechat.lower().endswith(IMAGE_SUFFIXES):
        try:
            return qr_from_screenshot(wechat, root)
        except ValueError as exc:
            problems.append(_diag(record, "wechat", str(exc)))
            return ""
    if wechat and not wechat.startswith(URL_SCHEMES):
        problems.append(_diag(record, "wechat", f"{quoted(wechat)}: " + _(
            "expected the URL inside the officer's WeChat QR code (https://u.wechat.com/...) "
            "or the path of a screenshot of it (.png, .jpg)")))
        return ""
    return wechat


def _unit_values(record: RawRecord, values: dict[str, str], base_unit: dict[str, str],
                 problems: list[Diagnostic], check: _Checks) -> dict[str, str]:
    """The officer's unit: the roster's or cardkit.yaml's, with the row's unit columns over it."""
    unit_values = dict(base_unit)
    for column, unit_key in [*UNIT_COLUMNS.items(),
                             *((k, k) for k in values if k.startswith("web."))]:
        if values.get(column):
            if unit_key in URL_FIELDS or unit_key.startswith("web."):
                message = check.url(values[column])
                if message:
                    problems.append(_diag(record, column, message))
            unit_values[unit_key] = values[column]
    if not unit_values.get("name"):
        problems.append(_diag(record, "unit", _(
            "no unit name: add a column 单位 (unit) with the station's full name, e.g. "
            "柳州市公安局柳东派出所, or write it once in cardkit.yaml as unit: name:")))
    return unit_values

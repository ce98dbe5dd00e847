"""Chinese telephone numbers: check them and write them the way people read them.

* mobile: 11 digits starting 13–19, written ``138 0000 0001``;
* landline: area code (010, 02X or a four-digit 0XXX) plus a 7- or 8-digit local
  number, written ``0772-2812345``;
* service numbers: 110, 119, 120, 122, 12345, 96110 and other 3–5 digit codes;
* national numbers: 400/800 + 7 digits, written ``400-123-4567``.
"""

from __future__ import annotations

import datetime as _dt
import re

from ..errors import quoted
from ..i18n import N_, _

_SEPARATORS = re.compile(r"[\s\-‐－—()（）.]")
_THREE_DIGIT_AREAS = re.compile(r"^(010|02\d)")


class PhoneError(ValueError):
    """The text is not a Chinese telephone number of the expected kind."""


def _digits(text: str) -> str:
    raw = _SEPARATORS.sub("", text.strip())
    if raw.startswith("+86"):
        raw = raw[3:]
    elif raw.startswith("0086"):
        raw = raw[4:]
    if not raw.isdigit() or not raw.isascii():
        raise PhoneError(text)
    return raw


def format_mobile(text: str) -> str:
    """Return the mobile number as ``138 0000 0001`` or raise PhoneError."""
    digits = _digits(text)
    if not re.fullmatch(r"1[3-9]\d{9}", digits):
        raise PhoneError(text)
    return f"{digits[:3]} {digits[3:7]} {digits[7:]}"


def format_phone(text: str) -> str:
    """Return a landline, service or 400/800 number in local style, or raise PhoneError.

    An 11-digit mobile number is accepted too (some officers list only a mobile).
    """
    digits = _digits(text)
    if re.fullmatch(r"1[3-9]\d{9}", digits):
        return format_mobile(digits)
    if re.fullmatch(r"(400|800)\d{7}", digits):
        return f"{digits[:3]}-{digits[3:6]}-{digits[6:]}"
    if re.fullmatch(r"1\d{2}|1\d{4}|9\d{4}", digits):
        return digits
    if digits.startswith("0"):
        area_len = 3 if _THREE_DIGIT_AREAS.match(digits) else 4
        area, local = digits[:area_len], digits[area_len:]
        if len(local) in (7, 8):
            return f"{area}-{local}"
    raise PhoneError(text)


_SCIENTIFIC = re.compile(r"^[+-]?\d+(\.\d+)?[eE]\+?\d+$")
_DECIMAL = re.compile(r"^(\d+)\.0+$")
_DATE = re.compile(
    r"^(\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}日?|\d{1,2}[-/]\d{1,2}[-/]\d{2,4}"
    r"|\d{1,2}-(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)(-\d{2,4})?"
    r"|\d{1,2}月\d{1,2}日)( \d{1,2}:\d{2}(:\d{2})?)?$",
    re.IGNORECASE,
)
_EXCEL_EPOCH = _dt.date(1899, 12, 30)
FIX = N_("format the column as Text in Excel, retype the numbers and export again")


def excel_damage(text: str) -> str | None:
    """Name what a spreadsheet did to a number that is no longer valid, or None.

    ``1.38E+10`` (scientific notation: digits lost), ``13800000001.0`` (read as a
    decimal number), ``7722812345`` (a landline that lost its leading zero),
    ``2023-03-12`` or ``45000`` (an entry Excel turned into a date or its serial number).
    """
    value = text.strip()
    if _SCIENTIFIC.match(value):
        return f"{quoted(value)}: " + _(
            "Excel's scientific notation; the last digits are lost ({fix})").format(fix=_(FIX))
    decimal = _DECIMAL.match(value)
    if decimal:
        return f"{quoted(value)}: " + _('read as a decimal number (a spreadsheet number cell); '
                                        'write it as text: "{text}"').format(text=decimal[1])
    if _DATE.match(value):
        return f"{quoted(value)}: " + _("a date where a number belongs (Excel turned the entry into a "
                                        "date; {fix})").format(fix=_(FIX))
    if value.isdigit() and value.isascii():
        if (value[0] not in "01" or value.startswith("10")) and 9 <= len(value) <= 11:
            try:
                fixed = format_phone("0" + value)
            except PhoneError:
                fixed = ""
            if fixed and not fixed.startswith("1") and " " not in fixed:
                return f"{quoted(value)}: " + _("lost its leading zero (a spreadsheet stored it as a "
                                                'number); write it as text: "{text}"').format(text=fixed)
        if len(value) == 5 and 30000 <= int(value) <= 60000:
            day = _EXCEL_EPOCH + _dt.timedelta(days=int(value))
            return f"{quoted(value)}: " + _("looks like the serial number of the date {date}, which "
                                            "Excel made of the entry ({fix})").format(
                date=day.isoformat(), fix=_(FIX))
    return None

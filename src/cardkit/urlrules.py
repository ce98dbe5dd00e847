"""What a card may link to and what is a placeholder, not a station's real value.

* URL fields (website, web addresses, Weibo) take http(s) only: ``javascript:``,
  ``file:``, ``data:`` and the rest are refused.
* A placeholder never reaches a real card: a host with a label ``example``
  (example.com, liudong.example.gov.cn) or a reserved top-level name (.example,
  .test, .invalid, .localhost), a number whose area code or subscriber part is all
  zeros (0772-0000000, 0000-1234567) or a mobile ending in eight zeros. A roster
  marked ``specimen: true`` is exempt (its cards carry a 样张 / SPECIMEN mark).
* A QR payload must be on a host its generation's ``qr.hosts`` allows (plus the
  project's ``qr_hosts``), or one of the listed ``scheme://`` forms; an IP address or
  ``localhost`` never is.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from urllib.parse import urlsplit

from .i18n import _

WEB_SCHEMES = ("http", "https")
RESERVED_TLDS = ("example", "test", "invalid", "localhost")
_DIGITS = re.compile(r"\d")


def host_of(url: str) -> str:
    """The host of ``url`` in lower case, without port or trailing dot ('' if none)."""
    try:
        host = urlsplit(url.strip()).hostname or ""
    except ValueError:
        return ""
    return host.rstrip(".").lower()


def scheme_problem(url: str) -> str | None:
    """Why ``url`` is not an http(s) address with a host, or None."""
    text = url.strip()
    scheme = text.split(":", 1)[0].lower() if ":" in text else ""
    if scheme not in WEB_SCHEMES:
        shown = f"{scheme}:" if scheme and re.fullmatch(r"[a-z][a-z0-9+.-]*", scheme) else text[:40]
        return _('"{url}": only http:// and https:// addresses may be printed (not {scheme})').format(
            url=text[:80], scheme=shown)
    if not host_of(text):
        return _('"{url}": no host in this address').format(url=text[:80])
    return None


def placeholder_host(url: str) -> str | None:
    """The host of ``url`` when it is a placeholder (a label ``example``, a reserved TLD)."""
    host = host_of(url)
    labels = host.split(".") if host else []
    if labels and ("example" in labels or labels[-1] in RESERVED_TLDS):
        return host
    return None


def placeholder_number(text: str) -> bool:
    """True for a number written with an all-zero area code or subscriber part.

    ``0772-0000000``, ``0000-1234567``, ``138 0000 0000`` (a mobile ending in eight zeros).
    ``text`` is a number as cardkit formats it (phones.format_phone / format_mobile).
    """
    digits = "".join(_DIGITS.findall(text))
    if len(digits) == 11 and digits.startswith("1"):  # a mobile
        return digits.endswith("0" * 8)
    if "-" in text:
        parts = [p for p in text.split("-") if p]
        return any(set(p) == {"0"} for p in parts)
    return False


def qr_host_problem(payload: str, allowed: Iterable[str]) -> str | None:
    """Why a QR ``payload`` may not be printed under the allow-list ``allowed``, or None.

    ``allowed`` holds host names (a listed host allows its sub-domains too) and
    ``scheme://`` forms (``wxp://``: every payload of that scheme).
    """
    allowed = [a.strip().lower() for a in allowed if str(a).strip()]
    text = payload.strip()
    lowered = text.lower()
    forms = [a for a in allowed if a.endswith("://")]
    hosts = [a for a in allowed if not a.endswith("://")]
    if any(lowered.startswith(form) for form in forms):
        return None
    listed = ", ".join(allowed) or _("none")
    scheme = lowered.split(":", 1)[0] if ":" in lowered else ""
    if scheme not in WEB_SCHEMES:
        return _('"{payload}": a QR code may carry only an http(s) address on an allowed host '
                 "or one of the forms listed in qr.hosts ({hosts})").format(
            payload=text[:80], hosts=listed)
    host = host_of(text)
    if not host:
        return _('"{payload}": no host in this address').format(payload=text[:80])
    if host == "localhost" or host.endswith(".localhost") or _is_ip(host):
        return _("host {host}: a QR code on a card never points to an IP address or "
                 "localhost").format(host=host)
    if any(host == h or host.endswith("." + h) for h in hosts):
        return None
    return _("host {host} is not allowed for this QR code (allowed: {hosts}; a project adds "
             "hosts under qr_hosts: in cardkit.yaml)").format(host=host, hosts=listed)


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True

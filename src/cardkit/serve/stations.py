"""Who the server serves: one project folder, or a bureau's folder of stations.

``cardkit serve --project DIR`` serves one station (its name: the folder's). ``--stations
DIR`` serves each subfolder as a station with its own token, kept in its folder
(``TOKEN_FILE``, readable by the server's user only); a station without one gets one at
start, written there and said once. A token identifies its station at the login page.
"""

from __future__ import annotations

import hmac
import ipaddress
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

TOKEN_FILE = ".cardkit-serve-token"
LOOPBACK_NAMES = ("localhost",)


@dataclass(frozen=True)
class Station:
    """One project folder the server serves."""

    key: str  # the station's name in cookies and pages: its folder's name
    folder: Path  # absolute
    token: str | None  # None: no login (one station on the loopback, without --token)


def is_loopback(host: str) -> bool:
    """Whether binding ``host`` keeps the server to this machine."""
    host = host.strip("[]")
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def new_token() -> str:
    return secrets.token_urlsafe(24)


def one_station(folder: Path, token: str | None) -> Station:
    folder = folder.resolve()
    return Station(key=folder.name or "station", folder=folder, token=token)


def bureau(folder: Path) -> tuple[list[Station], list[str]]:
    """Every subfolder of ``folder`` as a station, and the names of those whose token was
    made now (written to their folder)."""
    stations, made = [], []
    for sub in sorted(p for p in folder.resolve().iterdir()
                      if p.is_dir() and not p.name.startswith(".")):
        token_file = sub / TOKEN_FILE
        if token_file.is_file() and not token_file.is_symlink():
            token = token_file.read_text(encoding="utf-8").strip()
        else:
            token = new_token()
            descriptor = os.open(token_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "w", encoding="utf-8") as stream:
                stream.write(token + "\n")
            made.append(sub.name)
        if len(token) < 16:
            raise ValueError(f"{sub.name}/{TOKEN_FILE}: a token of at least 16 characters")
        stations.append(Station(key=sub.name, folder=sub, token=token))
    return stations, made


def station_of_token(stations: list[Station], given: str) -> Station | None:
    """The station whose token is ``given`` (compared in constant time)."""
    found = None
    for station in stations:
        if station.token and hmac.compare_digest(station.token.encode(), given.strip().encode()):
            found = station
    return found

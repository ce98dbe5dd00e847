"""Hostile inputs: builders for projects and rosters, and a guard that cuts the network.

Test modules here import ``no_network`` and use it on every test, so any attempt to
resolve a name or open a connection fails the test that made it.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


@contextmanager
def network_cut() -> Iterator[list[str]]:
    """Record (and refuse) every attempt to resolve a name or open a connection."""
    attempts: list[str] = []

    def refuse(what):
        def _refuse(*args, **kwargs):
            attempts.append(f"{what}{args[1:] if what == 'connect' else args}")
            raise OSError(f"network use during a test: {what}")
        return _refuse

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(socket.socket, "connect", refuse("connect"))
        patch.setattr(socket.socket, "connect_ex", refuse("connect"))
        patch.setattr(socket, "getaddrinfo", refuse("getaddrinfo"))
        patch.setattr(socket, "create_connection", refuse("create_connection"))
        yield attempts


@pytest.fixture
def no_network() -> Iterator[list[str]]:
    """The network is cut for the test; it fails if anything tried to use it."""
    with network_cut() as attempts:
        yield attempts
    assert attempts == [], f"cardkit tried the network: {attempts}"


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def roster_yaml(*officers: str, unit: str = "  name: 柳东派出所\n") -> str:
    """A YAML roster; each officer is the YAML of its fields, indented by four spaces."""
    return "unit:\n" + unit + "officers:\n" + "".join(
        "  - " + body.strip("\n").replace("\n", "\n    ") + "\n" for body in officers)


OFFICER = 'id: H1\nname: 吴明\nmobile: "13800000001"\nwechat: https://u.wechat.com/H1'

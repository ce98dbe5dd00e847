"""A real `cardkit serve` in a subprocess, and a client that talks to it as a browser does."""

from __future__ import annotations

import io
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import FULL_UNIT

httpx = pytest.importorskip("httpx")
pytest.importorskip("starlette")

HEADER = "编号,姓名,职务,电话,手机,辖区"
NAMES = ["吴明", "覃晓红", "韦建国", "蓝天佑", "黄丽娟", "莫志刚", "梁小燕", "潘永福", "陆海生"]
EPOCH = "1767225600"  # 2026-01-01: PDFs of the page and the CLI dated alike


def officer_row(prefix: str, number: int, name: str) -> str:
    return (f"{prefix}{number:03d},{name},社区民警,0772-28{number:05d},139077{number:05d},"
            f"城关社区{number}")


def roster_csv(prefix: str = "CG", count: int = 3, names: list[str] | None = None) -> bytes:
    names = names or NAMES
    rows = [HEADER] + [officer_row(prefix, i + 1, names[i % len(names)]) for i in range(count)]
    return ("\n".join(rows) + "\n").encode("utf-8")


def roster_file(kind: str, prefix: str, names: list[str]) -> tuple[str, bytes]:
    """(file name, bytes) of a roster of one officer per name, as a clerk's spreadsheet
    program or text editor writes it: csv, xlsx, xls or yaml."""
    rows = [line.split(",") for line in roster_csv(prefix, len(names), names).decode().splitlines()]
    if kind == "csv":
        return "名单.csv", roster_csv(prefix, len(names), names)
    if kind == "yaml":
        keys = ["id", "name", "post", "phone", "mobile", "area"]
        officers = "".join("  - {" + ", ".join(f'{k}: "{v}"' for k, v in zip(keys, row, strict=True))
                           + "}\n" for row in rows[1:])
        return "roster.yaml", ("officers:\n" + officers).encode("utf-8")
    out = io.BytesIO()
    if kind == "xlsx":
        import openpyxl

        book = openpyxl.Workbook()
        for row in rows:
            book.active.append(row)
        book.save(out)
        return "民警名单.xlsx", out.getvalue()
    import xlwt

    book = xlwt.Workbook()
    sheet = book.add_sheet("名单")
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            sheet.write(r, c, value)
    book.save(out)
    return "roster.xls", out.getvalue()


def bad_roster_csv() -> bytes:
    """Three officers; rows 2 and 4 have a bad phone and a bad mobile."""
    rows = roster_csv().decode().splitlines()
    rows[1] = rows[1].replace("0772-2800001", "0772-12")
    rows[3] = rows[3].replace("13907700003", "1390")
    return ("\n".join(rows) + "\n").encode("utf-8")


def station(folder: Path, unit: str = FULL_UNIT) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "cardkit.yaml").write_text("# the station's own settings\noutput: out\n" + unit,
                                         encoding="utf-8")
    return folder


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Served:
    process: subprocess.Popen
    url: str
    port: int
    log: Path  # the server's stderr (a file: a pipe nobody reads would fill and stop it)

    def stop(self, sig: int = signal.SIGINT) -> tuple[int, str]:
        """Stop the server with ``sig``: its exit status and what it wrote on stderr."""
        if self.process.poll() is None:
            self.process.send_signal(sig)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        return self.process.returncode, self.log.read_text(encoding="utf-8", errors="replace")


def start(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> Served:
    port = free_port()
    environ = dict(os.environ)
    environ.update(env or {})
    log = Path(tempfile.mkstemp(prefix="cardkit-serve-test-", suffix=".log")[1])
    with log.open("w") as stderr:
        process = subprocess.Popen([sys.executable, "-m", "cardkit", "serve", "--port", str(port), *args],
                                   cwd=cwd, env=environ, stdout=subprocess.DEVNULL, stderr=stderr)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError("the server stopped: " + log.read_text(encoding="utf-8"))
        try:
            if httpx.get(url + "/static/app.css", timeout=2).status_code == 200:
                return Served(process, url, port, log)
        except httpx.HTTPError:
            time.sleep(0.1)
    process.kill()
    raise AssertionError("the server did not answer")


@pytest.fixture(name="serve_factory")
def serve_factory_fixture():
    """``serve_factory(args, cwd, env)``: a started server, stopped after the test."""
    servers: list[Served] = []

    def make(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> Served:
        servers.append(start(args, cwd, env))
        return servers[-1]
    yield make
    for server in servers:
        server.stop(signal.SIGTERM)
        server.log.unlink(missing_ok=True)


class Browserless:
    """What a browser does, over HTTP: cookies, the CSRF token of the last page, forms."""

    def __init__(self, url: str, lang: str = "en") -> None:
        self.client = httpx.Client(base_url=url, follow_redirects=True, timeout=60,
                                   headers={"Accept-Language": lang})
        self.csrf = ""

    def get(self, path: str) -> httpx.Response:
        response = self.client.get(path)
        found = re.search(r'name="csrf" value="([^"]*)"', response.text) \
            if response.headers.get("content-type", "").startswith("text/html") else None
        if found:
            self.csrf = found.group(1)
        return response

    def post(self, path: str, data: dict | None = None, files=None,
             follow: bool = True) -> httpx.Response:
        response = self.client.post(path, data={"csrf": self.csrf, **(data or {})}, files=files,
                                    follow_redirects=follow)
        found = re.search(r'name="csrf" value="([^"]*)"', response.text)
        if found:
            self.csrf = found.group(1)
        return response

    def login(self, token: str) -> httpx.Response:
        return self.client.post("/login", data={"token": token})

    def upload(self, files: list[tuple[str, bytes]]) -> str:
        """Upload ``files``; the job's path, once its check (and previews) are done."""
        if not self.csrf:
            self.get("/")
        response = self.post("/upload", files=[("files", (n, d)) for n, d in files], follow=False)
        assert response.status_code == 303, response.text
        job = response.headers["location"]
        self.wait(job)
        return job

    def wait(self, job: str, timeout: float = 60) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            state = self.client.get(job + "/state").json()
            if state["state"] not in ("queued", "running"):
                return state
            time.sleep(0.15)
        raise AssertionError(f"{job} still {state}")

    def close(self) -> None:
        self.client.close()

    def __del__(self) -> None:
        self.client.close()

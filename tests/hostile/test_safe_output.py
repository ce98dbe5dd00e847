"""Output is all or nothing, the same bytes every time, and says nothing about the machine.

Ctrl-C is sent as a terminal sends it: SIGINT to the whole process group of a real
``cardkit`` process, while it is laying out a larger roster or writing the file.
"""

from __future__ import annotations

import getpass
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import EXAMPLE_ROSTER, copy_example, run_cli
from hostile_helpers import no_network, write

pytestmark = pytest.mark.usefixtures("no_network")
__all__ = ["no_network"]

EARLIER = b"%PDF-1.7 the earlier file, which must survive\n"

# Runs cardkit as its console script does, saying on stderr when a stage starts so the
# test knows when to press Ctrl-C; ``fsync`` in the env makes the write itself the moment.
WRAPPER = """\
import os, signal, sys
import cardkit.render.faces as render
layout = render.FaceRenderer.layout
def announced(self, *args, **kwargs):
    sys.stderr.write("STAGE layout\\n"); sys.stderr.flush()
    return layout(self, *args, **kwargs)
render.FaceRenderer.layout = announced
if os.environ.get("CTRL_C_AT") == "fsync":
    real_fsync = os.fsync
    def fsync(fd):
        os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C while the temporary file is being written
        return real_fsync(fd)
    os.fsync = fsync
from cardkit.cli import main
main(sys.argv[1:])
"""


def big_roster(folder: Path, officers: int = 150) -> Path:
    rows = [f'  - id: H{i:03d}\n    name: 吴明\n    mobile: "138{i:08d}"' for i in range(officers)]
    return write(folder / "big.yaml", "specimen: true\nunit:\n  name: 柳东派出所\nofficers:\n"
                 + "\n".join(rows) + "\n")


def start(folder: Path, args: list[str], **env: str) -> subprocess.Popen:
    script = write(folder / "run_cardkit.py", WRAPPER)
    return subprocess.Popen([sys.executable, str(script), *args], cwd=folder,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env={**os.environ, "LANG": "C.UTF-8", **env}, start_new_session=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))


def ctrl_c_during_layout(proc: subprocess.Popen) -> tuple[int, bytes, str]:
    line = proc.stderr.readline()
    assert line == b"STAGE layout\n", line
    time.sleep(0.5)  # well inside the layout of 150 cards (several seconds)
    os.killpg(proc.pid, signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    return proc.returncode, out, said(err)


def said(err: bytes) -> list[str]:
    """What cardkit said on stderr (the wrapper's stage lines and blank lines left out)."""
    return [ln for ln in err.decode().splitlines() if ln.strip() and not ln.startswith("STAGE")]


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".") or "part" in p.name)


def test_ctrl_c_during_layout_leaves_the_earlier_file_and_no_temporary(tmp_path):
    big_roster(tmp_path)
    write(tmp_path / "cards.pdf", EARLIER)
    proc = start(tmp_path, ["print", "--gen", "2002", "--roster", "big.yaml", "-o", "cards.pdf"])
    code, out, err = ctrl_c_during_layout(proc)
    assert code == 130
    assert err == ["interrupted"]
    assert (tmp_path / "cards.pdf").read_bytes() == EARLIER
    assert leftovers(tmp_path) == []


def test_ctrl_c_while_writing_leaves_the_earlier_file_and_no_temporary(tmp_path):
    write(tmp_path / "cards.pdf", EARLIER)
    proc = start(tmp_path, ["-q", "print", "--gen", "2002", "--roster", str(EXAMPLE_ROSTER),
                            "--officer", "LD001", "-o", "cards.pdf"], CTRL_C_AT="fsync")
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert err.startswith(b"STAGE layout\n") and said(err) == ["interrupted"]
    assert (tmp_path / "cards.pdf").read_bytes() == EARLIER
    assert leftovers(tmp_path) == []


def test_ctrl_c_with_output_to_stdout_writes_nothing(tmp_path):
    big_roster(tmp_path)
    proc = start(tmp_path, ["print", "--gen", "2002", "--roster", "big.yaml", "-o", "-"])
    code, out, err = ctrl_c_during_layout(proc)
    assert code == 130 and out == b""
    assert err == ["interrupted"]


def test_a_refused_render_writes_nothing_to_stdout(cli, tmp_path):
    write(tmp_path / "templates" / "front.html", '{% extends "!builtin/front.html" %}'
          '{% block decoration %}<img src="http://127.0.0.1:9/x.png">{% endblock %}')
    result = cli(["print", "--gen", "2002", "--roster", str(EXAMPLE_ROSTER), "-o", "-"],
                 cwd=tmp_path)
    assert result.code == 1 and result.stdout == b""
    assert result.err_lines[0].startswith("error: refused to read http://127.0.0.1:9/x.png")


def test_an_output_path_that_is_a_folder_is_one_line_and_keeps_the_folder(cli, tmp_path):
    (tmp_path / "cards.pdf").mkdir()
    result = cli(["print", "--gen", "2002", "--roster", str(EXAMPLE_ROSTER), "--officer", "LD001",
                  "-o", "cards.pdf"], cwd=tmp_path)
    assert result.code == 2  # a usage error: cardkit only ever replaces a regular file
    assert result.err_lines == ["error: -o cards.pdf: a folder, not a regular file; cardkit only "
                                "creates or replaces regular files"]
    assert (tmp_path / "cards.pdf").is_dir() and leftovers(tmp_path) == []


# --------------------------------------------------------------------------------------------
# Reproducible, and nothing of the machine inside

MARKER = "cardkit-leak-marker"
INPUTS_TIME = 1700000000  # 2023-11-14T22:13:20Z: the same inputs, copied with their times


def _print_in(folder: Path, **env: str) -> bytes:
    copy_example(folder / "roster.yaml")
    write(folder / "templates" / "assets" / "seal.svg",
          '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
          '<circle cx="5" cy="5" r="4" fill="#c01c28"/></svg>')
    write(folder / "generations" / "site.yaml",
          'extends: "2022"\nmascot:\n  image: seal.svg\n  caption: 螺警官\n')
    for path in folder.rglob("*"):
        os.utime(path, (INPUTS_TIME, INPUTS_TIME))
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        result = run_cli(["-q", "print", "--gen", "site", "--roster", "roster.yaml",
                          "--officer", "LD001", "--officer", "LD002", "-o", "cards.pdf"], cwd=folder)
    finally:
        for key, value in old.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    assert result.code == 0, result.stderr
    return (folder / "cards.pdf").read_bytes()


@pytest.fixture(scope="module")
def two_folders(tmp_path_factory):
    """The same project printed from two folders with different names, at different times."""
    a = tmp_path_factory.mktemp(f"{MARKER}-{getpass.getuser()}-a")
    b = tmp_path_factory.mktemp("elsewhere-b") / "deeper" / "still"
    b.mkdir(parents=True)
    first = _print_in(a)
    time.sleep(1.1)  # a clock in the output would now differ
    return first, _print_in(b), a


def test_same_project_in_two_folders_gives_the_same_bytes(two_folders):
    first, second, _ = two_folders
    assert first == second


def _all_bytes(data: bytes) -> bytes:
    """Every object and every decoded stream, font programs left out (binary glyph data)."""
    import io

    import pikepdf

    chunks = []
    with pikepdf.open(io.BytesIO(data)) as pdf:
        fonts = set()
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.Dictionary) and obj.get("/Type") == "/FontDescriptor":
                for key in ("/FontFile", "/FontFile2", "/FontFile3"):
                    if key in obj:
                        fonts.add(obj[key].objgen)
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.Stream):
                chunks.append(repr(obj.stream_dict).encode())
                if obj.objgen not in fonts:
                    chunks.append(obj.read_bytes())
            else:
                chunks.append(repr(obj).encode("utf-8", "replace"))
        chunks.append(repr(pdf.trailer).encode())
    return b"\n".join(chunks)


def test_no_paths_user_or_host_names_in_the_pdf(two_folders):
    first, _, folder = two_folders
    everything = _all_bytes(first)
    assert MARKER.encode() not in first  # the raw file, fonts included
    for needle in (MARKER, str(folder), "/tmp", "/work", "/home", "/root", "/usr/share",
                   "file:", "seal.svg", "roster.yaml", os.path.expanduser("~")):
        assert needle.encode() not in everything, needle
    host = socket.gethostname()
    for word in {getpass.getuser(), host} - {""}:
        if len(word) >= 4:  # shorter words turn up by chance in compressed or binary data
            assert word.encode() not in everything, word


def test_source_date_epoch_sets_the_dates_and_nothing_else(tmp_path_factory, two_folders):
    import io

    import pikepdf

    first, _, _ = two_folders
    dated = _print_in(tmp_path_factory.mktemp("dated"), SOURCE_DATE_EPOCH="1234567890")
    with pikepdf.open(io.BytesIO(dated)) as pdf:
        info = pdf.docinfo
        assert str(info["/CreationDate"]) == str(info["/ModDate"]) == "D:20090213233130Z"
        assert "/Metadata" not in pdf.Root  # no XMP with a second, unfixed date
    with pikepdf.open(io.BytesIO(first)) as pdf:  # no SOURCE_DATE_EPOCH: the newest input
        assert str(pdf.docinfo["/CreationDate"]) == "D:20231114221320Z"


def test_no_attachments_annotations_or_scripts_in_the_pdf(two_folders):
    import io

    import pikepdf

    first, _, _ = two_folders
    with pikepdf.open(io.BytesIO(first)) as pdf:
        assert "/Names" not in pdf.Root and "/OpenAction" not in pdf.Root
        assert "/AA" not in pdf.Root and "/AcroForm" not in pdf.Root
        assert all("/Annots" not in page.obj for page in pdf.pages)
        kinds = {str(o.get("/Type")) for o in pdf.objects if isinstance(o, pikepdf.Dictionary)}
        assert "/EmbeddedFile" not in kinds and "/Filespec" not in kinds


def test_sigterm_unwinds_like_ctrl_c_with_exit_143(tmp_path):
    big_roster(tmp_path)
    write(tmp_path / "cards.pdf", EARLIER)
    proc = start(tmp_path, ["print", "--gen", "2002", "--roster", "big.yaml", "--jobs", "1",
                            "-o", "cards.pdf"], CARDKIT_STAMP="0")  # laid out: long enough
    assert first_stage(proc) == b"STAGE layout\n"
    time.sleep(0.5)
    os.kill(proc.pid, signal.SIGTERM)  # a scheduler stopping the job: the process only
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 143 and said(err) == ["interrupted"]
    assert (tmp_path / "cards.pdf").read_bytes() == EARLIER
    assert leftovers(tmp_path) == []


def test_the_pdf_gets_the_mode_a_new_file_gets_or_keeps_its_own(cli, tmp_path):
    args = ["-q", "print", "--gen", "2002", "--roster", str(EXAMPLE_ROSTER), "--officer", "LD001",
            "-o", "cards.pdf"]
    old = os.umask(0o027)
    try:
        assert cli(args, cwd=tmp_path).code == 0
        assert (tmp_path / "cards.pdf").stat().st_mode & 0o777 == 0o640  # not mkstemp's 0600
        (tmp_path / "cards.pdf").chmod(0o664)
        assert cli(args, cwd=tmp_path).code == 0
        assert (tmp_path / "cards.pdf").stat().st_mode & 0o777 == 0o664
    finally:
        os.umask(old)


@pytest.mark.parametrize("value", ["abc", "1e9", "-5", "99999999999999", "１２"])
def test_a_malformed_source_date_epoch_stops_the_job(cli, tmp_path, monkeypatch, value):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", value)
    result = cli(["print", "--gen", "2002", "--roster", str(EXAMPLE_ROSTER), "--officer", "LD001",
                  "-o", "cards.pdf"], cwd=tmp_path)
    assert result.code == 1 and not (tmp_path / "cards.pdf").exists()
    assert result.err_lines == [f"error: SOURCE_DATE_EPOCH={value!r}: expected whole seconds "
                                "since 1970-01-01 UTC, from 0 to 253402300799"]


def first_stage(proc) -> bytes:
    """The first ``STAGE`` line the job announces (warnings about the roster may come first)."""
    while True:
        line = proc.stderr.readline()
        if not line or line.startswith(b"STAGE "):
            return line

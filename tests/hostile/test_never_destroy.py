"""Never destroy a file (issue 12, items 1-7, 15, 16).

An output never names an input of the job nor another output, and only ever
replaces a regular file; the PDF and its ledger succeed or fail together; a
write that fails (disk full, full or closed stdout, a read-only folder) is one
``error:`` line, exit 1, the earlier file untouched, no temporary left; a killed
job leaves no workers; Ctrl-C never prints a traceback.

Runs as root in CI: ``/dev/null`` and ``/dev/full`` must survive every test.
"""

from __future__ import annotations

import json
import os
import pty
import resource
import shutil
import signal
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import EXAMPLE_ROSTER, REPO, copy_example
from hostile_helpers import no_network, roster_yaml, write

pytestmark = pytest.mark.usefixtures("no_network")
__all__ = ["no_network"]

EARLIER = b"%PDF-1.7 the earlier file, which must survive\n"
ENV = {"LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "LANGUAGE": "", "PYTHONPATH": str(REPO / "src")}
ONE = ["--gen", "2002", "--roster", str(EXAMPLE_ROSTER), "--officer", "LD001"]
FAKE = {"FAKE_FACES": str(REPO / "tests")}  # the wrapper's jobs make fake faces (below)

# cardkit as its console script runs it, with a big job's part and chunk sizes made small
# (PART/CHUNK in the environment), its faces made by the fake face source where the layout is
# not the point (FAKE_FACES: tests/fakefaces.py; SLOW: seconds per chunk), SIGXFSZ ignored (a
# file-size limit then makes write() fail with EFBIG, as a full disk fails with ENOSPC) and
# each stage announced on stderr.
WRAPPER = """\
import os, signal, sys
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
import cardkit.api as api
import cardkit.render.batch as batch
import cardkit.render.faces as render
if os.environ.get("PART"):
    api.PART = int(os.environ["PART"])
if os.environ.get("CHUNK"):
    batch.CHUNK = int(os.environ["CHUNK"])
if os.environ.get("FAKE_FACES"):  # faces from tests/fakefaces.py, each chunk taking its time
    sys.path.insert(0, os.environ["FAKE_FACES"])
    import fakefaces
    source = fakefaces.FakeFaces(slow=float(os.environ.get("SLOW", "0")),
                                 announce=bool(os.environ.get("ANNOUNCE")))
    batch.face_source = lambda: source
elif os.environ.get("ANNOUNCE"):
    layout = render.FaceRenderer.layout
    def announced(self, *args, **kwargs):
        sys.stderr.write("STAGE layout\\n"); sys.stderr.flush()
        return layout(self, *args, **kwargs)
    render.FaceRenderer.layout = announced
from cardkit.cli import main
main()
"""


def wrapper(folder: Path) -> Path:
    return write(folder / ".." / f"run-{folder.name}.py", WRAPPER).resolve()


def limit_file_size(size: int):
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))
    return apply


def run(folder: Path, args: list[str], *, fsize: int | None = None, stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE, timeout: float = 180, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(wrapper(folder)), "--lang", "en", *args],
                          cwd=folder, stdin=stdin, stdout=stdout, stderr=subprocess.PIPE,
                          env={**os.environ, **ENV, **env}, timeout=timeout,
                          preexec_fn=limit_file_size(fsize) if fsize else None)


def lines(err: bytes) -> list[str]:
    return [ln for ln in err.decode().splitlines() if ln.strip() and not ln.startswith("STAGE")]


def listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def roster_of(folder: Path, officers: int, name: str = "big.yaml") -> Path:
    rows = [f'  - id: H{i:04d}\n    name: 吴明\n    mobile: "1381{i:07d}"' for i in range(officers)]
    return write(folder / name, "unit:\n  name: 柳东派出所\nofficers:\n" + "\n".join(rows) + "\n")


# --------------------------------------------------------------------------------------------
# 1. An output never names an input of the job, nor another output

@pytest.fixture
def site(tmp_path: Path) -> Path:
    """A project with its own roster, generation, template, asset and screenshot."""
    from PIL import Image

    copy_example(tmp_path / "roster.yaml")
    write(tmp_path / "cardkit.yaml", "roster: roster.yaml\n")
    write(tmp_path / "generations" / "site.yaml", 'extends: "2002"\n')
    write(tmp_path / "templates" / "assets" / "seal.svg",
          '<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"/>')
    import segno

    segno.make("https://u.wechat.com/EXAMPLE001", error="m").save(
        str(tmp_path / "qr.png"), scale=8, border=4)
    Image.open(tmp_path / "qr.png").load()
    write(tmp_path / "shot.yaml", roster_yaml(
        'id: S1\nname: 吴明\nmobile: "13800000001"\nwechat: qr.png'))
    return tmp_path


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}


@pytest.mark.parametrize(("output", "what"), [
    ("roster.yaml", "the roster roster.yaml"),
    ("./sub/../roster.yaml", "the roster roster.yaml"),
    ("cardkit.yaml", "cardkit.yaml"),
    ("generations/site.yaml", "a generation file"),
    ("templates/assets/seal.svg", "a template file"),
])
def test_o_never_names_an_input(cli, site, output, what):
    (site / "sub").mkdir()
    before = snapshot(site)
    result = cli(["print", "--gen", "site", "--officer", "LD001", "-o", output], cwd=site)
    assert result.code == 2, result.stderr
    assert len(result.err_lines) == 1
    line = result.err_lines[0]
    assert line.startswith(f"error: -o {output}: this is {what}"), line
    assert "never writes over a file the job reads" in line
    assert snapshot(site) == before


def test_a_symlink_or_hard_link_to_the_roster_is_the_roster(cli, site):
    (site / "link.pdf").symlink_to("roster.yaml")
    os.link(site / "roster.yaml", site / "hard.pdf")
    before = snapshot(site)
    for name in ("link.pdf", "hard.pdf"):
        result = cli(["print", "--gen", "site", "--officer", "LD001", "-o", name], cwd=site)
        assert result.code == 2 and len(result.err_lines) == 1, result.stderr
        assert result.err_lines[0].startswith(f"error: -o {name}: this is the roster roster.yaml")
    assert snapshot(site) == before and (site / "link.pdf").is_symlink()


def test_the_report_never_names_an_input_nor_the_pdf(cli, site):
    before = snapshot(site)
    result = cli(["print", "--gen", "site", "--officer", "LD001", "-o", "cards.pdf",
                  "--report", "generations/site.yaml"], cwd=site)
    assert result.code == 2
    assert result.err_lines[0].startswith("error: --report generations/site.yaml: this is a "
                                          "generation file")
    result = cli(["print", "--gen", "site", "--officer", "LD001", "-o", "cards.pdf",
                  "--report", "./cards.pdf"], cwd=site)
    assert result.code == 2
    assert result.err_lines == ["error: --report ./cards.pdf and -o cards.pdf are the same file"]
    assert snapshot(site) == before


def test_the_changed_since_report_is_an_input(cli, site):
    assert cli(["-q", "print", "--gen", "site", "--officer", "LD001", "-o", "a.pdf",
                "--report", "ledger.json"], cwd=site).code == 0
    before = snapshot(site)
    result = cli(["print", "--gen", "site", "-o", "ledger.json", "--changed-since",
                  "ledger.json"], cwd=site)
    assert result.code == 2 and len(result.err_lines) == 1
    assert "this is the --changed-since report ledger.json" in result.err_lines[0]
    assert snapshot(site) == before


def test_a_qr_screenshot_is_an_input(cli, site):
    before = snapshot(site)
    result = cli(["print", "--gen", "site", "--roster", "shot.yaml", "-o", "qr.png"], cwd=site)
    assert result.code == 2, result.stderr
    assert result.err_lines == ["error: -o qr.png: this is a QR screenshot qr.png; cardkit never "
                                "writes over a file the job reads"]
    assert (site / "qr.png").read_bytes() == before["qr.png"]


@pytest.mark.parametrize("command", [["exhibit", "--gen", "site"], ["calibrate"]])
def test_other_writing_commands_never_name_an_input(cli, site, command):
    before = snapshot(site)
    result = cli([*command, "-o", "cardkit.yaml"], cwd=site)
    assert result.code == 2 and len(result.err_lines) == 1, result.stderr
    assert result.err_lines[0].startswith("error: -o cardkit.yaml: this is cardkit.yaml")
    assert snapshot(site) == before


def test_diff_png_never_names_an_input(cli, site):
    before = snapshot(site)
    result = cli(["diff", "2002", "site", "--png", "roster.yaml"], cwd=site)
    assert result.code == 2 and result.err_lines[-1].startswith(
        "error: --png roster.yaml: this is the roster"), result.stderr
    assert snapshot(site) == before


# --------------------------------------------------------------------------------------------
# 2. Only a regular file is ever replaced; a symlink is kept

@pytest.mark.parametrize(("device", "numbers"), [("null", (1, 3)), ("full", (1, 7))])
def test_a_device_is_refused_and_survives(cli, tmp_path, device, numbers):
    """As root, the device is a copy of /dev/null or /dev/full made in the test's folder, so
    that a regression replaces that copy, never the machine's own device."""
    if os.geteuid() == 0:
        target = tmp_path / device
        try:
            os.mknod(target, 0o666 | stat.S_IFCHR, os.makedev(*numbers))
        except PermissionError:  # a container without CAP_MKNOD: never risk the real device
            pytest.skip("cannot make a device node here")
        target = str(target)
    else:
        target = f"/dev/{device}"
    result = cli(["print", *ONE, "-o", target], cwd=tmp_path)
    assert result.code == 2
    assert result.err_lines == [f"error: -o {target}: a device, not a regular file; cardkit only "
                                "creates or replaces regular files"]
    assert stat.S_ISCHR(os.stat(target).st_mode)
    result = cli(["print", *ONE, "-o", "cards.pdf", "--report", target], cwd=tmp_path)
    assert result.code == 2 and result.err_lines[0].startswith(f"error: --report {target}: a device")
    assert stat.S_ISCHR(os.stat(target).st_mode)
    assert [p for p in listing(tmp_path) if p != device] == []
    for real in ("/dev/null", "/dev/full"):
        assert stat.S_ISCHR(os.stat(real).st_mode), real


def test_a_fifo_socket_or_folder_is_refused(cli, tmp_path):
    os.mkfifo(tmp_path / "fifo.pdf")
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(tmp_path / "sock.pdf"))
    (tmp_path / "folder.pdf").mkdir()
    try:
        for name, kind in (("fifo.pdf", "a FIFO (named pipe)"), ("sock.pdf", "a socket"),
                           ("folder.pdf", "a folder")):
            result = cli(["print", *ONE, "-o", name], cwd=tmp_path)
            assert result.code == 2
            assert result.err_lines == [f"error: -o {name}: {kind}, not a regular file; "
                                        "cardkit only creates or replaces regular files"]
    finally:
        server.close()
    assert stat.S_ISFIFO(os.stat(tmp_path / "fifo.pdf").st_mode)
    assert stat.S_ISSOCK(os.stat(tmp_path / "sock.pdf").st_mode)
    assert (tmp_path / "folder.pdf").is_dir()
    assert listing(tmp_path) == ["fifo.pdf", "folder.pdf", "sock.pdf"]


def test_a_symlinked_output_replaces_the_file_it_points_to(cli, tmp_path):
    (tmp_path / "real").mkdir()
    write(tmp_path / "real" / "cards.pdf", EARLIER)
    (tmp_path / "cards.pdf").symlink_to("real/cards.pdf")
    assert cli(["-q", "print", *ONE, "-o", "cards.pdf"], cwd=tmp_path).code == 0
    assert (tmp_path / "cards.pdf").is_symlink()
    assert os.readlink(tmp_path / "cards.pdf") == "real/cards.pdf"
    assert (tmp_path / "real" / "cards.pdf").read_bytes().startswith(b"%PDF-1.")
    assert (tmp_path / "real" / "cards.pdf").read_bytes() != EARLIER
    assert listing(tmp_path) == ["cards.pdf", "real"] and listing(tmp_path / "real") == ["cards.pdf"]


# --------------------------------------------------------------------------------------------
# 3. The PDF and its ledger succeed or fail together

def test_an_output_ending_in_a_slash_names_a_folder(cli, tmp_path):
    result = cli(["print", *ONE, "-o", "cards.pdf", "--report", "new/"], cwd=tmp_path)
    assert result.code == 2
    assert result.err_lines == ["error: --report new/: a folder, not a regular file; cardkit "
                                "only creates or replaces regular files"]
    assert listing(tmp_path) == []


def test_a_report_that_is_a_folder_leaves_the_pdf_untouched(cli, tmp_path):
    write(tmp_path / "cards.pdf", EARLIER)
    (tmp_path / "some" / "folder").mkdir(parents=True)
    result = cli(["print", *ONE, "-o", "cards.pdf", "--report", "some/folder/"], cwd=tmp_path)
    assert result.code == 2 and len(result.err_lines) == 1
    assert result.err_lines[0].startswith("error: --report some/folder/: a folder")
    assert (tmp_path / "cards.pdf").read_bytes() == EARLIER
    assert listing(tmp_path) == ["cards.pdf", "some"]


def test_when_the_second_move_fails_the_first_is_rolled_back(tmp_path, monkeypatch):
    from cardkit import outputs

    write(tmp_path / "cards.pdf", EARLIER)
    write(tmp_path / "ledger.json", b"{}\n")
    real_replace = os.replace

    def replace(src, dst):
        if str(dst).endswith("ledger.json"):
            raise OSError(28, "No space left on device")
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(outputs.OutputError) as caught:
        outputs.write_together((tmp_path / "cards.pdf", b"%PDF new", "-o"),
                               (tmp_path / "ledger.json", b'{"new": 1}\n', "--report"))
    assert "ledger.json" in caught.value.message and "no space left" in caught.value.message
    assert (tmp_path / "cards.pdf").read_bytes() == EARLIER
    assert (tmp_path / "ledger.json").read_bytes() == b"{}\n"
    assert listing(tmp_path) == ["cards.pdf", "ledger.json"]
    # A first output that did not exist before is removed again.
    (tmp_path / "cards.pdf").unlink()
    with pytest.raises(outputs.OutputError):
        outputs.write_together((tmp_path / "cards.pdf", b"%PDF new", "-o"),
                               (tmp_path / "ledger.json", b'{"new": 1}\n', "--report"))
    assert listing(tmp_path) == ["ledger.json"]


# --------------------------------------------------------------------------------------------
# 4. The same mode whatever the job's size

def test_a_job_in_parts_gets_the_same_mode_as_a_small_one(cli, tmp_path, monkeypatch,
                                                          fake_faces):
    from cardkit import api

    monkeypatch.setattr(api, "PART", 8)
    roster_of(tmp_path, 20)
    old = os.umask(0o022)
    try:
        for name, args in (("small.pdf", ["--officer", "H0001"]), ("big.pdf", [])):
            result = cli(["-q", "print", "--gen", "2002", "--roster", "big.yaml", "--jobs", "1",
                          *args, "-o", name, "--report", name + ".json"], cwd=tmp_path)
            assert result.code == 0, result.stderr
            for file in (name, name + ".json"):
                assert (tmp_path / file).stat().st_mode & 0o777 == 0o644, file
        (tmp_path / "big.pdf").chmod(0o600)
        assert cli(["-q", "print", "--gen", "2002", "--roster", "big.yaml", "--jobs", "1",
                    "-o", "big.pdf"], cwd=tmp_path).code == 0
        assert (tmp_path / "big.pdf").stat().st_mode & 0o777 == 0o600  # kept
    finally:
        os.umask(old)
    assert listing(tmp_path) == ["big.pdf", "big.pdf.json", "big.yaml", "small.pdf",
                                 "small.pdf.json"]


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can give a file away")
def test_root_replacing_a_users_file_keeps_its_owner(cli, tmp_path):
    write(tmp_path / "cards.pdf", EARLIER)
    os.chown(tmp_path / "cards.pdf", 65534, 65534)
    (tmp_path / "cards.pdf").chmod(0o640)
    assert cli(["-q", "print", *ONE, "-o", "cards.pdf"], cwd=tmp_path).code == 0
    info = (tmp_path / "cards.pdf").stat()
    assert (info.st_uid, info.st_gid, info.st_mode & 0o777) == (65534, 65534, 0o640)
    assert (tmp_path / "cards.pdf").read_bytes() != EARLIER


# --------------------------------------------------------------------------------------------
# 5. A terminal is no place for a PDF, nor a source of a roster

def _on_a_terminal(folder: Path, args: list[str], stream: str) -> tuple[int, bytes, list[str]]:
    primary, secondary = pty.openpty()
    try:
        proc = subprocess.Popen([sys.executable, str(wrapper(folder)), "--lang", "en", *args],
                                cwd=folder, env={**os.environ, **ENV},
                                stdin=secondary if stream == "stdin" else subprocess.DEVNULL,
                                stdout=secondary if stream == "stdout" else subprocess.PIPE,
                                stderr=subprocess.PIPE)
        os.close(secondary)
        try:
            _, err = proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
            pytest.fail(f"cardkit waited on the terminal ({stream})")
        shown = b""
        os.set_blocking(primary, False)
        try:
            while chunk := os.read(primary, 65536):
                shown += chunk
        except OSError:
            pass
        return proc.returncode, shown, lines(err)
    finally:
        os.close(primary)


def test_o_dash_on_a_terminal_is_refused_with_a_hint(tmp_path):
    code, shown, err = _on_a_terminal(tmp_path, ["print", *ONE, "-o", "-"], "stdout")
    assert code == 2 and b"%PDF" not in shown
    assert err == ["error: -o -: standard output is a terminal; redirect it to a file "
                   "(> cards.pdf) or a pipe (| lpr)"]


def test_roster_dash_from_a_terminal_is_refused_instead_of_waiting(tmp_path):
    code, _, err = _on_a_terminal(tmp_path, ["print", "--gen", "2002", "--roster", "-",
                                             "-o", "cards.pdf"], "stdin")
    assert code == 2
    assert err == ["error: --roster -: standard input is a terminal; pipe or redirect the "
                   "roster (< roster.csv)"]
    assert listing(tmp_path) == []


# --------------------------------------------------------------------------------------------
# 6. A failed write is the user's problem: one line, exit 1, nothing lost, nothing left

def test_a_full_disk_keeps_the_earlier_file_and_leaves_no_temporary(tmp_path):
    write(tmp_path / "cards.pdf", EARLIER)
    result = run(tmp_path, ["print", *ONE, "-o", "cards.pdf"], fsize=64 * 1024)
    assert result.returncode == 1
    assert lines(result.stderr) == ["error: cannot write cards.pdf: no space left (the disk or "
                                    "the file size limit is full)"]
    assert (tmp_path / "cards.pdf").read_bytes() == EARLIER
    assert listing(tmp_path) == ["cards.pdf"]


@pytest.mark.parametrize("room", [8 * 1024, 200 * 1024])
def test_a_full_disk_while_writing_or_merging_parts(tmp_path, room):
    roster_of(tmp_path, 48)
    write(tmp_path / "cards.pdf", EARLIER)
    # A part (8 officers) is about 10 KB (its fonts' programs come with the merge), the merged
    # file about 290 KB: the first limit stops the first part, the second the merge.
    result = run(tmp_path, ["print", "--gen", "2002", "--roster", "big.yaml", "--jobs", "1",
                            "-o", "cards.pdf"], fsize=room, PART="8")
    assert result.returncode == 1, result.stderr
    assert lines(result.stderr) == ["error: cannot write cards.pdf: no space left (the disk or "
                                    "the file size limit is full)"]
    assert (tmp_path / "cards.pdf").read_bytes() == EARLIER
    assert listing(tmp_path) == ["big.yaml", "cards.pdf"]


def test_a_full_stdout(tmp_path):
    with open("/dev/full", "wb") as full:
        result = run(tmp_path, ["print", *ONE, "-o", "-"], stdout=full)
        assert result.returncode == 1
        assert lines(result.stderr) == ["error: cannot write standard output: no space left (the "
                                        "disk or the file size limit is full)"]
        result = run(tmp_path, ["check", "--gen", "2002", "--json"], stdout=full)
        assert result.returncode == 1
        assert lines(result.stderr) == ["error: cannot write standard output: no space left (the "
                                        "disk or the file size limit is full)"]
    assert stat.S_ISCHR(os.stat("/dev/full").st_mode) and listing(tmp_path) == []


def test_a_closed_stdout(tmp_path):
    read_end, write_end = os.pipe()
    os.close(read_end)  # nobody reads: the write gets EPIPE
    try:
        result = run(tmp_path, ["print", *ONE, "-o", "-"], stdout=write_end)
    finally:
        os.close(write_end)
    assert result.returncode == 1
    assert lines(result.stderr) == ["error: cannot write standard output: Broken pipe"]
    result = subprocess.run([sys.executable, "-m", "cardkit", "--lang", "en", "check", "--gen",
                             "2002", "--json"], cwd=tmp_path, stderr=subprocess.PIPE, timeout=180,
                            env={**os.environ, **ENV}, preexec_fn=lambda: os.close(1))  # >&-
    assert result.returncode == 1
    assert lines(result.stderr) == ["error: cannot write standard output: Bad file descriptor"]


def _without_root_powers() -> None:
    """Root writes into any folder (CAP_DAC_OVERRIDE): drop that power for the child."""
    if os.geteuid() != 0:
        return
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    PR_CAPBSET_DROP, CAP_DAC_OVERRIDE = 24, 1
    if libc.prctl(PR_CAPBSET_DROP, CAP_DAC_OVERRIDE, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "cannot drop CAP_DAC_OVERRIDE")


def test_a_read_only_folder():
    import tempfile

    tmp_path = Path(tempfile.mkdtemp())  # searchable by everyone (pytest's is not)
    os.chmod(tmp_path, 0o755)
    folder = tmp_path / "ro"
    folder.mkdir()
    write(folder / "cards.pdf", EARLIER)
    folder.chmod(0o555)
    try:
        try:
            result = subprocess.run([sys.executable, "-m", "cardkit", "--lang", "en", "print",
                                     *ONE, "-o", "cards.pdf"], cwd=folder, capture_output=True,
                                    timeout=180, env={**os.environ, **ENV, "HOME": str(tmp_path)},
                                    preexec_fn=_without_root_powers)
        except subprocess.SubprocessError:  # a container that cannot drop the capability
            pytest.skip("cannot drop CAP_DAC_OVERRIDE here")
        assert result.returncode == 1, result.stderr
        assert lines(result.stderr) == ["error: cannot write cards.pdf: Permission denied"]
        assert (folder / "cards.pdf").read_bytes() == EARLIER and listing(folder) == ["cards.pdf"]
    finally:
        folder.chmod(0o755)
        shutil.rmtree(tmp_path)


# --------------------------------------------------------------------------------------------
# 7. kill -9 leaves no workers and the next run cleans up; Ctrl-C is quiet

def _children(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.add(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def start_big_job(folder: Path, **env: str) -> subprocess.Popen:
    """big.yaml printed with two workers, in its own session, each layout announced."""
    return subprocess.Popen([sys.executable, str(wrapper(folder)), "--lang", "en", "print",
                             "--gen", "2002", "--roster", "big.yaml", "--jobs", "2",
                             "-o", "cards.pdf"], cwd=folder, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, start_new_session=True,
                            preexec_fn=ctrl_c_as_in_a_terminal,
                            env={**os.environ, **ENV, "ANNOUNCE": "1", **env})


def ctrl_c_as_in_a_terminal() -> None:
    """A shell's background job inherits SIGINT ignored; a terminal's job does not."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_kill_9_of_a_big_job_leaves_no_workers_and_the_next_run_cleans_up(tmp_path):
    roster_of(tmp_path, 40)
    write(tmp_path / "cards.pdf", EARLIER)
    proc = start_big_job(tmp_path, PART="16", CHUNK="4", **FAKE, SLOW="0.5")
    try:
        assert first_stage(proc) == b"STAGE layout\n"
        deadline = time.monotonic() + 60
        workers: set[int] = set()
        while len(workers) < 2 and time.monotonic() < deadline:
            workers = _children(proc.pid)
            time.sleep(0.05)
        assert len(workers) >= 2, workers
        assert [p for p in tmp_path.iterdir() if p.name.endswith(".parts")]
        proc.kill()
        proc.wait(timeout=10)
        deadline = time.monotonic() + 10
        while any(_alive(w) for w in workers) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not [w for w in workers if _alive(w)], "workers outlived their parent"
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.stderr.close()
    assert (tmp_path / "cards.pdf").read_bytes() == EARLIER
    # What a job killed while merging leaves: its temporary and the backup of a rollback.
    stale = next(p for p in tmp_path.iterdir() if p.name.endswith(".parts")).name[:-len(".parts")]
    write(tmp_path / (stale + ".part"), b"%PDF- half")
    write(tmp_path / (stale + ".old.part"), EARLIER)
    result = run(tmp_path, ["-q", "print", "--gen", "2002", "--roster", "big.yaml", "--jobs", "2",
                            "-o", "cards.pdf"], PART="16", CHUNK="4", **FAKE)
    assert result.returncode == 0, result.stderr
    assert listing(tmp_path) == ["big.yaml", "cards.pdf"]  # the stale parts folder etc. are gone


@pytest.mark.parametrize("delay", [0.2, 0.9, 1.7, 2.6])
def test_ctrl_c_at_any_moment_is_one_line_and_exit_130(tmp_path, delay):
    # stamped, plates laid out afresh (no cache: kept ones would end the job at once); the
    # later moments in a job long enough to still be running: 400 officers laid out
    roster_of(tmp_path, 60 if delay < 1 else 400)
    write(tmp_path / "cards.pdf", EARLIER)
    env = {"CARDKIT_CACHE": "0"} if delay < 1 else {"CARDKIT_STAMP": "0"}
    proc = start_big_job(tmp_path, CHUNK="10", **env)
    assert first_stage(proc) == b"STAGE layout\n"
    time.sleep(delay)
    os.killpg(proc.pid, signal.SIGINT)  # as a terminal sends it: to every process of the job
    _, err = proc.communicate(timeout=60)
    if proc.returncode == 0:
        pytest.skip("the job finished before Ctrl-C")
    assert proc.returncode == 130, err
    assert lines(err) == ["interrupted"], err.decode()
    assert (tmp_path / "cards.pdf").read_bytes() == EARLIER
    assert listing(tmp_path) == ["big.yaml", "cards.pdf"]


def test_ctrl_c_in_a_finaliser_is_delivered_not_printed():
    """Ctrl-C landing in ``FontConfiguration.__del__`` (3 of 10 tries before) is not lost."""
    code = """
import signal, sys
from cardkit.cli import main
class Finalised:
    def __del__(self):
        raise KeyboardInterrupt  # what SIGINT does when it lands inside a finaliser
import cardkit.api as api
real = api.list_generations
def listing(project):
    import time
    Finalised()
    end = time.monotonic() + 10
    while time.monotonic() < end:
        pass
    return real(project)
api.list_generations = listing
sys.argv[1:] = ["--lang", "en", "list"]
main()
"""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=120,
                            env={**os.environ, **ENV})
    assert result.returncode == 130, result.stderr
    assert lines(result.stderr) == ["interrupted"]


# --------------------------------------------------------------------------------------------
# 15. check --json is valid JSON whatever the terminal's encoding

@pytest.mark.parametrize("encoding", ["ascii", "latin-1", "gb18030", "utf-8"])
def test_check_json_is_valid_json_in_any_encoding(tmp_path, encoding):
    write(tmp_path / "r.yaml", roster_yaml('id: H1\nname: 吴𪚥é\nmobile: "12"'))
    result = run(tmp_path, ["check", "--gen", "2002", "--roster", "r.yaml", "--json"],
                 PYTHONIOENCODING=encoding)
    assert result.returncode == 1, result.stderr
    data = json.loads(result.stdout.decode("utf-8"))
    assert data["ok"] is False
    assert any("吴𪚥é" in p["message"] or "吴𪚥é" in p["subject"] for p in data["problems"]) or any(
        '"12"' in p["message"] for p in data["problems"])
    assert result.stdout.isascii() or encoding == "utf-8"


# --------------------------------------------------------------------------------------------
# 16. The font cache: no empty temporaries on a full disk, no home folder made up

FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
CACHE = """
import signal, sys
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
from cardkit.render import fontcache
print(len(fontcache.code_points(sys.argv[1])))
"""


@pytest.mark.skipif(not Path(FONT).is_file(), reason="needs Noto Sans CJK")
def test_the_font_cache_leaves_no_temporary_on_a_full_disk(tmp_path):
    result = subprocess.run([sys.executable, "-c", CACHE, FONT], capture_output=True, timeout=120,
                            env={**os.environ, **ENV, "XDG_CACHE_HOME": str(tmp_path)},
                            preexec_fn=limit_file_size(100))
    assert result.returncode == 0, result.stderr
    assert int(result.stdout) > 40000
    assert [p.name for p in (tmp_path / "cardkit" / "cmap").iterdir()] == []


@pytest.mark.skipif(not Path(FONT).is_file(), reason="needs Noto Sans CJK")
def test_the_font_cache_never_creates_a_home_folder(tmp_path):
    home = tmp_path / "nonexistent"
    env = {k: v for k, v in os.environ.items() if k != "XDG_CACHE_HOME"}
    result = subprocess.run([sys.executable, "-c", CACHE, FONT], capture_output=True, timeout=120,
                            env={**env, **ENV, "HOME": str(home)})
    assert result.returncode == 0, result.stderr
    assert not home.exists() and listing(tmp_path) == []
    # An existing home gets its cache as before.
    home.mkdir()
    result = subprocess.run([sys.executable, "-c", CACHE, FONT], capture_output=True, timeout=120,
                            env={**env, **ENV, "HOME": str(home)})
    assert result.returncode == 0, result.stderr
    assert len(list((home / ".cache" / "cardkit" / "cmap").glob("*.ranges"))) == 1


# --------------------------------------------------------------------------------------------
# Found in review: the shell may open an input for cardkit's standard output

@pytest.mark.parametrize("mode", ["ab", "r+b"])  # `-o - >> roster.yaml`, `-o - 1<> roster.yaml`
def test_stdout_open_on_the_roster_is_refused_and_the_roster_kept(tmp_path, mode):
    roster = roster_of(tmp_path, 2)
    before = roster.read_bytes()
    with open(roster, mode) as stdout:
        result = run(tmp_path, ["print", "--gen", "2002", "--roster", "big.yaml", "-o", "-"],
                     stdout=stdout)
    assert result.returncode == 2, result.stderr
    assert lines(result.stderr) == ["error: -o -: standard output is the roster big.yaml; "
                                    "cardkit never writes over a file the job reads"]
    assert roster.read_bytes() == before


def test_a_job_of_absurdly_many_copies_is_refused_before_any_layout(tmp_path):
    from cardkit.limits import MAX_CARDS

    roster_of(tmp_path, 10)
    result = run(tmp_path, ["print", "--gen", "2002", "--roster", "big.yaml", "--copies",
                            str(MAX_CARDS // 10 + 1), "-o", "cards.pdf"], ANNOUNCE="1")
    assert result.returncode == 1, result.stderr
    assert lines(result.stderr) == [
        f"error: {MAX_CARDS + 10} cards (10 officers x --copies {MAX_CARDS // 10 + 1}) are more "
        f"than one job's limit of {MAX_CARDS}; print fewer copies, or split the roster with --shard"]
    assert b"STAGE layout" not in result.stderr  # refused before a single face was laid out
    assert listing(tmp_path) == ["big.yaml"]


def first_stage(proc) -> bytes:
    """The first ``STAGE`` line the job announces (warnings about the roster may come first)."""
    while True:
        line = proc.stderr.readline()
        if not line or line.startswith(b"STAGE "):
            return line

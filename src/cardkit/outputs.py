"""Every file cardkit writes: whole or not at all, never over an input, never a device.

One helper for every output (the PDF, the ``--report`` ledger, PNG previews,
samples, the exhibit, the calibration target, scaffolded files, the font
cache):

- the content goes to a temporary file in the target's own folder, is flushed
  to the disk (``fsync``) and only then moved over the target (``os.replace``),
  so a reader sees the earlier file or the new one, never half of one;
- a new file gets the mode the umask gives, a replaced file keeps its mode
  (and, run as root, its owner); a symlink keeps pointing where it did, and the
  file it points to is the one replaced;
- only a regular file is ever replaced: a folder, device (``/dev/null``,
  ``/dev/full``), FIFO or socket is refused (exit 2);
- an output never names a file the job reads (``protect``) nor another output;
- several outputs (the PDF and its ledger) are committed together: both are
  complete on disk before either is moved, and if the second move fails the
  first is rolled back;
- any failure (disk full, a read-only folder, Ctrl-C) removes the temporaries
  and leaves the earlier file as it was; write errors are the user's problem
  (``OutputError``, one ``error:`` line, exit 1), not an internal error.

Temporary names carry the writer's process id, so that a later run can remove
what a killed job (``kill -9``) left behind: ``sweep`` deletes the temporaries
and parts folders of processes that no longer exist on this machine.
"""

from __future__ import annotations

import errno
import functools
import hashlib
import os
import re
import shutil
import stat
import sys
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

from .errors import CardkitError, ExitStatus, UsageError
from .i18n import _
from .jobstate import Input, current, reset

STDOUT = "-"
Content = bytes | Callable[[object], None]  # the bytes, or a function writing to a binary handle
_FULL = (errno.ENOSPC, errno.EFBIG, errno.EDQUOT)


class OutputError(CardkitError):
    """Writing an output failed: disk full, read-only folder, closed stdout (exit 1)."""

    exit_status = ExitStatus.INPUT_ERROR

    def __init__(self, message: str = "", reason: str = "") -> None:
        super().__init__(message)
        self.reason = reason  # why, without the file's name


# --- which files the job reads -------------------------------------------------------------

def _inputs() -> dict[str, Input]:
    """The running job's record of the files it reads (``jobstate``)."""
    return current().inputs


def forget_inputs() -> None:
    """Start a new command: no input known yet."""
    reset()


def protect(paths: Iterable[str | Path | None], what: str) -> None:
    """Remember ``paths`` as inputs of the job: no output may name them."""
    for path in paths:
        if path is None or str(path) == STDOUT:
            continue
        real = os.path.realpath(path)
        try:
            info = os.stat(real)
            ident = (info.st_dev, info.st_ino) if stat.S_ISREG(info.st_mode) else None
        except OSError:
            ident = None
        _inputs().setdefault(real, Input(what, _as_shown(path), real, ident))


def record_design(paths: Iterable[str | Path], what: str) -> None:
    """Files that shape the cards (a stylesheet a layout ``@import``ed, a font, an image, the
    stock's file): inputs of the job (no output may name them) whose bytes go in the ledger,
    so that a change to any of them makes ``--changed-since`` print every officer again."""
    from .digests import file_digest

    paths = [p for p in paths if p is not None]
    protect(paths, what)
    files = current().layout_files
    for path in paths:
        real = os.path.realpath(path)
        if real not in files:
            files[real] = file_digest(real) or ""


SETTING = "cardkit.yaml#"  # a setting that shapes the cards, as the ledger names it


def record_setting(name: str, value: object) -> None:
    """A setting of cardkit.yaml that moves what is printed (a printer's calibration,
    ``printers.NAME``): kept beside the design files as ``cardkit.yaml#NAME`` with the digest
    of its value, so that a change to it makes ``--changed-since`` print every officer again."""
    from .digests import value_digest

    current().layout_files[SETTING + name] = value_digest(value)


def _as_shown(path: str | Path) -> str:
    """A path as short as it can be told: relative to the working folder when inside it."""
    text = str(path)
    if os.path.isabs(text):
        try:
            relative = os.path.relpath(text)
        except ValueError:
            return text
        if not relative.startswith(".."):
            return relative
    return text


def protect_project(project, roster: str | Path | None = None) -> None:
    """The files of a project every rendering command reads: settings, generations, templates."""
    protect([project.config_path] if project.config_path else [], "cardkit.yaml")
    for folder in project.layers("generations"):
        protect(sorted(folder.glob("*.yaml")), _("a generation file"))
    for folder in project.layers("templates"):
        protect(sorted(p for p in folder.rglob("*") if p.is_file()), _("a template file"))
    if roster is not None:
        protect([roster], _("the roster"))


def _input_named(target: str | Path) -> Input | None:
    real = os.path.realpath(target)
    inputs = _inputs()
    if real in inputs:
        return inputs[real]
    try:
        info = os.stat(real)
    except OSError:
        return None
    ident = (info.st_dev, info.st_ino)
    return next((i for i in inputs.values() if i.ident == ident), None)


def check_target(target: str | Path | None, option: str = "-o",
                 others: Iterable[tuple[str, str | Path | None]] = ()) -> None:
    """Refuse, before any work, an output that cardkit must not write (exit 2).

    ``others`` are the job's other outputs as (option, path): no two may be one file.
    """
    if target is None:
        return
    if str(target) == STDOUT:
        if _is_terminal(sys.stdout):
            raise UsageError(_("{option} -: standard output is a terminal; redirect it to a file "
                               "(> cards.pdf) or a pipe (| lpr)").format(option=option))
        found = _stdout_input()
        if found is not None:  # `-o - >> roster.yaml`: the shell opened an input for writing
            raise UsageError(_("{option} -: standard output is {what} {input}; cardkit never "
                               "writes over a file the job reads").format(
                option=option, what=found.what, input=found.shown))
        return
    found = _input_named(target)
    if found is not None:
        raise UsageError(_("{option} {target}: this is {what} {input}; cardkit never writes over "
                           "a file the job reads").format(option=option, target=target,
                                                          what=found.what, input=found.shown))
    kind = _not_regular(target)
    if not kind and str(target).endswith(("/", os.sep)):
        kind = _("a folder")
    if kind:
        raise UsageError(_("{option} {target}: {kind}, not a regular file; cardkit only creates "
                           "or replaces regular files").format(option=option, target=target,
                                                               kind=kind))
    for other_option, other in others:
        if other is None or str(other) == STDOUT:
            continue
        if _same_file(target, other):
            raise UsageError(_("{option} {target} and {other_option} {other} are the same file")
                             .format(option=option, target=target, other_option=other_option,
                                     other=other))


def _stdout_input() -> Input | None:
    """The input of the job that standard output is open on, if it is one (same device/inode)."""
    try:
        info = os.fstat(sys.stdout.fileno())
    except (AttributeError, ValueError, OSError):
        return None
    if not stat.S_ISREG(info.st_mode):
        return None
    ident = (info.st_dev, info.st_ino)
    return next((i for i in _inputs().values() if i.ident == ident), None)


def _same_file(a: str | Path, b: str | Path) -> bool:
    if os.path.realpath(a) == os.path.realpath(b):
        return True
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _not_regular(target: str | Path) -> str:
    """What ``target`` is when it exists and is not a regular file (symlinks followed)."""
    try:
        mode = os.stat(target).st_mode
    except OSError:
        return ""
    if stat.S_ISREG(mode):
        return ""
    if stat.S_ISDIR(mode):
        return _("a folder")
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return _("a device")
    if stat.S_ISFIFO(mode):
        return _("a FIFO (named pipe)")
    if stat.S_ISSOCK(mode):
        return _("a socket")
    return _("a special file")


def _is_terminal(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError, OSError):
        return False


# --- writing ----------------------------------------------------------------------------

def _reason(exc: OSError) -> str:
    if exc.errno in _FULL:
        return _("no space left (the disk or the file size limit is full)")
    return exc.strerror or str(exc)


def failed(target: str | Path, exc: OSError | OutputError) -> OutputError:
    """``cannot write TARGET: why`` (``exc`` may be the failure of a temporary part of it)."""
    reason = exc.reason if isinstance(exc, OutputError) else _reason(exc)
    return OutputError(_("cannot write {target}: {reason}").format(target=target, reason=reason),
                       reason)


def _tag() -> str:
    """This process, on this machine (boot and pid namespace): ``MACHINE-PID``."""
    return f"{_machine()}-{os.getpid()}"


@functools.cache
def _machine() -> str:
    """This boot of this machine, in this pid namespace (where a pid means a process)."""
    parts = []
    try:
        parts.append(Path("/proc/sys/kernel/random/boot_id").read_text().strip())
    except OSError:
        parts.append("")
    try:
        parts.append(str(os.stat("/proc/self/ns/pid").st_ino))
    except OSError:
        parts.append("")
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:8]


_LEFT = re.compile(r"^\.(?P<name>.+)\.(?P<machine>[0-9a-f]{8})-(?P<pid>\d+)\.[^.]+(?:\.old)?"
                   r"\.(?:part|parts)$")


def sweep(folder: Path, name: str) -> None:
    """Remove what killed cardkit processes on this machine left beside ``name`` in ``folder``."""
    machine = _machine()
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        match = _LEFT.match(entry.name)
        if not match or match["name"] != name or match["machine"] != machine:
            continue
        if process_alive(int(match["pid"])):
            continue
        try:
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path, ignore_errors=True)
            else:
                os.unlink(entry.path)
        except OSError:
            pass


def process_alive(pid: int) -> bool:
    """Whether process ``pid`` runs (this one included): a folder it owns is not swept."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _real_target(target: Path) -> Path:
    """The file a write to ``target`` replaces: a symlink's destination, else ``target``."""
    if target.is_symlink():
        return Path(os.path.realpath(target))
    return target


def _new_file_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def temporary_folder(target: str | Path) -> Path:
    """A folder beside ``target`` for a big job's parts (removed by the caller; a killed
    job's is removed by the next run's ``sweep``)."""
    real = _real_target(Path(target))
    try:
        real.parent.mkdir(parents=True, exist_ok=True)
        sweep(real.parent, real.name)
        return Path(tempfile.mkdtemp(dir=real.parent, prefix=f".{real.name}.{_tag()}.",
                                     suffix=".parts"))
    except OSError as exc:
        raise failed(target, exc) from None


class Pending:
    """An output written to its temporary, not yet moved into place."""

    def __init__(self, target: str | Path, content: Content, *, option: str = "-o",
                 exclusive: bool = False) -> None:
        self.shown = str(target)
        self.option = option
        self.stdout = self.shown == STDOUT
        self.exclusive = exclusive
        self.tmp: Path | None = None
        if self.stdout:
            check_target(target, option)
            self.data = content if isinstance(content, bytes) else _collect(content)
            return
        check_target(target, option)
        self.target = _real_target(Path(target))
        folder = self.target.parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
            sweep(folder, self.target.name)
            fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{self.target.name}.{_tag()}.",
                                       suffix=".part")
        except OSError as exc:
            raise failed(target, exc) from None
        self.tmp = Path(tmp)
        try:
            with os.fdopen(fd, "wb") as handle:
                if isinstance(content, bytes):
                    handle.write(content)
                else:
                    content(handle)
                handle.flush()
                os.fsync(handle.fileno())
            self._give_mode(self.tmp)
        except BaseException as exc:  # Ctrl-C included: the temporary goes
            self.discard()
            if isinstance(exc, OSError):
                raise failed(target, exc) from None
            raise

    def _give_mode(self, tmp: Path) -> None:
        """mkstemp makes 0600: give what a new file gets, or what the replaced file had.

        Best effort: a FAT memory stick has no modes and refuses to change them.
        """
        try:
            info = os.stat(self.target)
        except OSError:
            info = None
        try:
            os.chmod(tmp, stat.S_IMODE(info.st_mode) if info else _new_file_mode())
            if info and os.geteuid() == 0 and (info.st_uid, info.st_gid) != (0, 0):
                os.chown(tmp, info.st_uid, info.st_gid)
        except OSError:
            pass

    def discard(self) -> None:
        if self.tmp is not None:
            try:
                os.unlink(self.tmp)
            except OSError:
                pass
            self.tmp = None

    def move(self, keep: bool = False) -> Path | None:
        """Put the temporary in place; with ``keep``, return a backup of the earlier file
        (for a rollback)."""
        if self.stdout:
            write_stdout(self.data)
            return None
        check_target(self.shown, self.option)  # still no input, no device, no folder
        tmp = self.tmp
        assert tmp is not None, "an output is moved once"
        if self.exclusive:
            try:
                try:
                    os.link(tmp, self.target)  # fails if it exists: never clobbers
                except FileExistsError:
                    raise
                except OSError:  # no hard links (FAT): claim the name, then fill it
                    os.close(os.open(self.target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
                    os.replace(tmp, self.target)
                    self.tmp = None
            except FileExistsError:
                raise OutputError(f"{self.shown}: " + _(
                    "already exists; cardkit does not overwrite it")) from None
            self.discard()
            return None
        backup = None
        if keep and os.path.lexists(self.target):
            backup = tmp.with_name(tmp.name[:-len(".part")] + ".old.part")
            try:
                os.link(self.target, backup)
            except OSError:
                shutil.copy2(self.target, backup)
        try:
            os.replace(tmp, self.target)
        except BaseException:
            if backup is not None:
                backup.unlink(missing_ok=True)
            raise
        self.tmp = None
        sync_folder(self.target.parent)
        return backup


def _collect(content: Callable[[object], None]) -> bytes:
    import io

    buffer = io.BytesIO()
    content(buffer)
    return buffer.getvalue()


def sync_folder(folder: Path) -> None:
    """Sync ``folder`` (a rename in it reaches the disk), where the filesystem allows."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def commit(*pending: Pending) -> list[str]:
    """Move every prepared output into place, or none: a failed move rolls back the earlier ones.

    Outputs to standard output go last (what is written there cannot be taken back).
    """
    order = sorted(pending, key=lambda p: p.stdout)
    moved: list[tuple[Pending, Path | None, bool]] = []
    current = ""
    try:
        for item in order:
            current = item.shown
            existed = not item.stdout and os.path.lexists(item.target)
            moved.append((item, item.move(keep=len(order) > 1), existed))
    except BaseException as exc:
        _roll_back(moved)
        for item in order:
            item.discard()
        if isinstance(exc, OSError):
            raise failed(current, exc) from None
        raise
    for _item, backup, _existed in moved:
        if backup is not None:
            try:
                os.unlink(backup)
            except OSError:
                pass
    return [_shown(p) for p in pending]


def _roll_back(moved: list[tuple[Pending, Path | None, bool]]) -> None:
    """Put back what the moves replaced (the earlier file, or nothing), last move first."""
    for item, backup, existed in reversed(moved):
        if item.stdout:
            continue
        try:
            if backup is not None:
                os.replace(backup, item.target)
            elif not existed:
                os.unlink(item.target)
        except OSError:
            pass


def _shown(item: Pending) -> str:
    return "<stdout>" if item.stdout else item.shown


def write_file(target: str | Path, content: Content, *, option: str = "-o",
               exclusive: bool = False) -> str:
    """Write one output all at once, or not at all (``-`` = standard output)."""
    return commit(Pending(target, content, option=option, exclusive=exclusive))[0]


def write_together(*outputs: tuple[str | Path, Content, str]) -> list[str]:
    """Write several outputs (target, content, option) that succeed or fail together."""
    prepared: list[Pending] = []
    try:
        for target, content, option in outputs:
            prepared.append(Pending(target, content, option=option))
    except BaseException:
        for item in prepared:
            item.discard()
        raise
    return commit(*prepared)


def write_stdout(data: bytes) -> None:
    """``data`` on standard output; a closed or full stdout is the user's problem (exit 1)."""
    if _is_terminal(sys.stdout):
        raise UsageError(_("{option} -: standard output is a terminal; redirect it to a file "
                           "(> cards.pdf) or a pipe (| lpr)").format(option="-o"))
    if sys.stdout is None:  # started with standard output closed (>&-)
        raise OutputError(_("cannot write standard output: {reason}").format(
            reason=os.strerror(errno.EBADF)))
    stream = getattr(sys.stdout, "buffer", sys.stdout)
    try:
        sys.stdout.flush()
        _write_all(stream, data)
        stream.flush()
    except OSError as exc:
        silence_stdout()
        raise OutputError(_("cannot write standard output: {reason}").format(
            reason=_reason(exc))) from None


def _write_all(stream, data: bytes) -> None:
    """Every byte of ``data``, or an ``OSError``.

    A write to a pipe whose reader went away (``| head -c 100``) returns the bytes the pipe
    took; the rest must be written again, which then fails with EPIPE. A stream that takes
    nothing at all is a short write too.
    """
    view = memoryview(data)
    while view:
        count = stream.write(view)
        if not count:
            raise OSError(errno.EIO, _("short write: standard output took {written} of {total} "
                                       "bytes").format(written=len(data) - len(view),
                                                       total=len(data)))
        view = view[count:]


def silence_stdout() -> None:
    """After a failed write, point stdout at /dev/null so the exit does not fail again."""
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, ValueError, OSError):
        return
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, fd)
        os.close(null)
    except OSError:
        pass


def write_json(value, **dumps) -> None:
    """JSON on standard output, valid whatever the terminal's encoding: UTF-8 bytes when the
    stream is UTF-8, ASCII with escapes otherwise."""
    import json

    encoding = (getattr(sys.stdout, "encoding", None) or "ascii").lower().replace("-", "")
    utf8 = encoding in ("utf8", "utf_8")
    text = json.dumps(value, ensure_ascii=not utf8, **dumps) + "\n"
    write_stdout(text.encode("utf-8"))


__all__ = ["OutputError", "Pending", "check_target", "commit", "forget_inputs", "process_alive",
           "protect", "protect_project", "silence_stdout", "sweep", "temporary_folder", "write_file",
           "write_json", "write_stdout", "write_together"]

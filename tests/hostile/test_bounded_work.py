"""Bounded work (issue 12 item 10, check at print's scale item 11): caps on a template's
output and loops, on the time and memory of a chunk, and on a generation's list sizes."""

from __future__ import annotations

import time

import pytest
from conftest import copy_example
from hostile_helpers import no_network, write
from jinja2.sandbox import SecurityError

from cardkit import limits
from cardkit.design import templating

pytestmark = pytest.mark.usefixtures("no_network")
__all__ = ["no_network"]

CAP = limits.MAX_OUTPUT_CHARS


def render(source: str) -> str:
    env = templating.make_environment([])
    return templating.render(env.from_string(source), {})


@pytest.mark.parametrize("source", [
    "{{ 'x'|center(N) }}", "{{ 'x'.ljust(N) }}", "{{ 'x'.rjust(N) }}", "{{ '%*d'|format(N, 1) }}",
    "{{ '%*d' % (N, 1) }}", "{{ '%Nd' % 1 }}", "{{ '{:>N}'.format(1) }}", "{{ 'x'|indent(N - 1, true) }}",
    "{{ ('x' * 1000)|replace('x', 'x' * (N // 1000)) }}",
])
def test_string_widths_are_allowed_at_the_cap_and_refused_just_past(source):
    assert len(render(source.replace("N", str(CAP)))) == CAP
    start = time.process_time()
    with pytest.raises(SecurityError, match="may not make more than"):
        render(source.replace("N", str(CAP + 1000)))
    assert time.process_time() - start < 0.5  # refused before it allocates


def test_doubling_in_a_macro_stops_at_twice_the_cap():
    macro = ("{% macro d(s, n) %}{% if n %}{{ d(s ~ s, n - 1) }}{% else %}{{ s|length }}"
             "{% endif %}{% endmacro %}")
    assert render(macro + "{{ d('x', 20) }}") == str(2**20)  # 1 MiB: under the cap
    with pytest.raises(SecurityError, match="may not make more than"):
        render(macro + "{{ d('x', 60) }}")


def test_doubling_in_a_namespace_stops_too():
    loop = ("{% set ns = namespace(s='x') %}{% for i in range(K) %}{% set ns.s = ns.s ~ ns.s %}"
            "{% endfor %}{{ ns.s|length }}")
    assert render(loop.replace("K", "20")) == str(2**20)
    with pytest.raises(SecurityError, match="may not make more than"):
        render(loop.replace("K", "60"))


def test_streamed_output_is_counted_while_it_renders():
    loop = ("{% set s = 'x' * 100 %}{% for i in range(20) %}{% for j in range(K) %}{{ s }}"
            "{% endfor %}{% endfor %}")
    assert len(render(loop.replace("K", str(CAP // 2000)))) == CAP
    with pytest.raises(SecurityError, match="may not make more than"):
        render(loop.replace("K", str(CAP // 2000 + 1)))


def test_nested_loops_that_print_nothing_stop_at_the_iteration_cap():
    limit = templating.MAX_ITERATIONS
    at = (f"{{% for i in range({limit // 1000 - 1}) %}}{{% for j in range(1000) %}}"
          "{% endfor %}{% endfor %}")
    assert render(at) == ""  # (limit/1000 - 1) outer + 1000 per outer: just under
    with pytest.raises(SecurityError, match="may not loop more than"):
        render("{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}")


@pytest.fixture
def site(tmp_path):
    copy_example(tmp_path / "roster.yaml")
    write(tmp_path / "cardkit.yaml", "roster: roster.yaml\n")
    return tmp_path


def test_a_front_that_centres_a_billion_is_one_line_naming_the_cap(cli, site):
    write(site / "templates" / "front.html", '{% extends "!builtin/front.html" %}'
          "{% block decoration %}{{ 'x'|center(1000000000) }}{% endblock %}")
    result = cli(["print", "--gen", "2002", "-o", "out.pdf"], cwd=site)
    assert result.code == 1 and not (site / "out.pdf").exists()
    assert result.err_lines == [
        f"error: {site / 'templates' / 'front.html'}:1: template: a template may not make more "
        "than 2,000,000 characters (it asked for 1,000,000,000)"]


# a limit may land inside an import, which leaves the module's file to the garbage collector
@pytest.mark.filterwarnings("ignore::ResourceWarning",
                            "ignore::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_chunk_past_the_time_limit_is_stopped_with_the_limit_named(cli, site, jobs,
                                                                     monkeypatch):
    # the chunk builds its plates: from an empty cache (kept ones stamp the example roster in
    # less than the limit)
    monkeypatch.setenv("XDG_CACHE_HOME", str(site / "cache"))
    result = cli(["print", "--gen", "2022", "--time-limit", "0.05", "--jobs", jobs,
                  "-o", "out.pdf"], cwd=site)
    assert result.code == 1 and not (site / "out.pdf").exists()
    # (the interrupted chunk may have been inside a font lookup's fc-list; its reaping is
    # noted for the next round, so only the error lines are read here)
    errors = [line for line in result.err_lines if line.startswith("error:")]
    assert errors[-1].startswith("error: rendering officers 1 to ")
    assert "took longer than 0.05 s, the limit (limits: render_seconds" in result.stderr


def test_the_time_limit_from_cardkit_yaml_and_generous_defaults(cli, site, monkeypatch):
    assert cli(["check", "--gen", "2022"], cwd=site).code == 0  # the defaults
    write(site / "cardkit.yaml", "roster: roster.yaml\nlimits:\n  render_seconds: 0.05\n")
    # the run above kept its plates (render/stamp/store.py): from them the job takes less
    # than 0.05 s, so this one lays out afresh
    monkeypatch.setenv("CARDKIT_CACHE", "0")
    result = cli(["check", "--gen", "2022"], cwd=site)
    assert result.code == 1 and "took longer than 0.05 s" in result.stderr


def test_a_chunk_past_the_memory_limit_is_stopped_with_the_limit_named(cli, site, monkeypatch):
    monkeypatch.setenv("CARDKIT_CACHE", "0")  # laid out here: kept plates would grow nothing
    result = cli(["check", "--gen", "2022", "--memory-limit", "1", "--jobs", "1"], cwd=site)
    assert result.code == 1
    assert "past the limit of 1 MiB (limits: render_memory_mib" in result.stderr


def test_a_bad_limits_setting_is_refused(cli, site):
    write(site / "cardkit.yaml", "roster: roster.yaml\nlimits:\n  render_seconds: -1\n")
    result = cli(["check", "--gen", "2022"], cwd=site)
    assert result.code == 1 and "render_seconds: -1 is not a positive number" in result.stderr


@pytest.mark.parametrize("count, refused", [(limits.MAX_LIST_ITEMS, False),
                                            (limits.MAX_LIST_ITEMS + 1, False), (100_000, True)])
def test_a_generation_with_100000_tips_is_refused_up_front(cli, site, count, refused):
    del refused
    lines = "".join(f"    - 提示{i}\n" for i in range(count))
    write(site / "generations" / "many.yaml", 'extends: "2022"\ntips:\n  title: 提示\n  lines:\n'
          + lines)
    start = time.monotonic()
    result = cli(["check", "--gen", "many"], cwd=site)
    if count > limits.MAX_LIST_ITEMS:
        assert result.code == 1
        assert result.err_lines[:-1] == [
            f"error: generations/many.yaml:5: tips.lines: {count:,} items; a generation may list "
            f"at most {limits.MAX_LIST_ITEMS} here"]
        assert time.monotonic() - start < 60  # refused when loaded, nothing laid out
    else:
        assert "at most" not in result.stderr


def test_an_absurd_field_list_is_refused_up_front(cli, site):
    write(site / "generations" / "f.yaml", 'extends: "2022"\nfields:\n'
          + "".join(f"  - f{i}\n" for i in range(10_000)))
    result = cli(["check", "--gen", "f"], cwd=site)
    assert result.code == 1
    assert f"fields: 10,000 items; a generation may list at most {limits.MAX_FIELDS}" in result.stderr


def test_check_lays_out_in_prints_chunks(monkeypatch, site, cli):
    """check renders chunk by chunk (print's CHUNK), not the whole roster as one document."""
    from cardkit.render import batch
    from cardkit.render.faces import FaceRenderer

    officers = "".join(
        f"  - id: C{i:03d}\n    name: 吴明\n    mobile: \"1381234{i:04d}\"\n"
        f"    wechat: https://u.wechat.com/C{i:03d}\n" for i in range(batch.CHUNK + 5))
    write(site / "big.yaml", "unit:\n  name: 柳东派出所\nofficers:\n" + officers)
    sizes = []
    layout = FaceRenderer.layout

    def counting(self, faces, extra_roots=(), **options):
        sizes.append(len(faces))
        return layout(self, faces, extra_roots, **options)

    monkeypatch.setattr(FaceRenderer, "layout", counting)
    monkeypatch.setenv("CARDKIT_CACHE", "0")  # counted here: no plate kept by another test
    monkeypatch.setenv("CARDKIT_STAMP", "0")  # every officer laid out by WeasyPrint
    result = cli(["check", "--gen", "2002", "--roster", "big.yaml", "--jobs", "1"], cwd=site)
    assert result.code == 0, result.stderr
    assert len(sizes) == 2 and max(sizes) <= batch.CHUNK + 1  # fronts + the shared back
    sizes.clear()
    monkeypatch.setenv("CARDKIT_STAMP", "1")  # the plate's 4 pages and the back, laid out
    result = cli(["check", "--gen", "2002", "--roster", "big.yaml", "--jobs", "1"], cwd=site)
    assert result.code == 0, result.stderr  # together; then stamps
    assert sizes == [5]


@pytest.mark.parametrize("extra, refused", [(limits.MAX_COLUMNS - 5, False),
                                            (100_000, True)])
def test_a_roster_with_an_absurd_field_list_is_refused_up_front(cli, site, extra, refused):
    header = ["id", "name", "mobile", "wechat", "unit"] + [f"x{i}" for i in range(extra)]
    row = ["LD001", "吴明", "13812345678", "https://u.wechat.com/A", "柳东派出所"] + ["v"] * extra
    write(site / "wide.csv", ",".join(header) + "\n" + ",".join(row) + "\n")
    result = cli(["check", "--gen", "2002", "--roster", "wide.csv"], cwd=site)
    line = (f"error: wide.csv:2: {extra + 5:,} fields (columns); a roster may have at most "
            f"{limits.MAX_COLUMNS}")
    if refused:
        assert result.code == 1
        assert result.err_lines[:-1] == [line]
    else:  # at the limit: read, its x columns kept as extra columns (one notice)
        assert result.code == 0 and line not in result.err_lines


@pytest.mark.parametrize("image", ["svg", "png"])
def test_a_limit_reached_while_an_asset_is_read_is_the_limit_not_a_refusal(tmp_path, monkeypatch,
                                                                          image):
    """The time cap can fire while WeasyPrint reads an image: the job ends with the limit's
    own line, not 'refused to read … cannot be read (LimitExceeded …)' (WeasyPrint swallows
    what an SVG image raises, and turns the rest into its own fatal error)."""
    from weasyprint import HTML

    from cardkit.design.fetcher import RootedFetcher, refusals_are_errors

    asset = tmp_path / f"mascot.{image}"
    asset.write_bytes(b"<svg xmlns='http://www.w3.org/2000/svg' width='4' height='4'/>"
                      if image == "svg" else b"\x89PNG\r\n\x1a\n")

    def too_late(self, url, headers):
        raise limits.LimitExceeded("rendering officers 1 to 12 took longer than 0.05 s")

    monkeypatch.setattr(RootedFetcher, "_fetch", too_late)
    fetcher = RootedFetcher([tmp_path])
    with pytest.raises(limits.LimitExceeded, match="took longer than 0.05 s"):
        with refusals_are_errors(fetcher):
            HTML(string=f'<img src="{asset.as_uri()}">', url_fetcher=fetcher).render()


def test_a_limit_a_library_swallowed_is_still_the_limit():
    """The limit's exception landing in code that catches what it calls (WeasyPrint's image
    fetch logs "Failed to load image", and cardkit then reports a hole in the card): the job
    ends naming the limit, not what the library made of it."""
    from cardkit.errors import InputError
    from cardkit.limits import LimitExceeded, Limits, capped

    with pytest.raises(LimitExceeded, match="took longer than 0.05 s"):
        with capped(Limits(seconds=0.05), "drawing a card"):
            try:
                while True:  # until the watchdog interrupts this thread
                    pass
            except LimitExceeded:
                pass  # swallowed, as a library's broad except would
            raise InputError("Failed to load image: the card would have a hole there")


def _held_lock() -> None:
    import threading

    lock = threading.Lock()
    lock.acquire()
    lock.acquire()  # never released: waits for ever


def _empty_pipe() -> None:
    import os

    read, write = os.pipe()
    try:
        os.read(read, 1)  # nothing is ever written: waits for ever
    finally:
        os.close(read)
        os.close(write)


@pytest.mark.parametrize("blocked", [lambda: time.sleep(30), _held_lock, _empty_pipe],
                         ids=["sleep", "lock", "pipe"])
def test_a_limit_ends_a_body_blocked_in_a_system_call_when_it_trips(blocked):
    """``--time-limit`` always ends a job: a body blocked in a system call (a sleep, a lock's
    wait, a read) is woken by the limit's signal, not left until the call returns, if ever
    (``_thread.interrupt_main`` would only have set a flag for the next bytecode)."""
    from cardkit.limits import LimitExceeded, Limits, capped

    started = time.monotonic()
    with pytest.raises(LimitExceeded, match="took longer than 0.2 s"):
        with capped(Limits(seconds=0.2), "drawing a card"):
            blocked()
    assert time.monotonic() - started < 10


# Run in a child process: without the fix, the first leaves a watchdog that signals for ever
# and the second kills the process with SIGUSR2.
_SLOW_STEP = """
import os, signal, sys, threading, time
from types import SimpleNamespace
from cardkit import limits

def slow(step, seconds):  # the thread doing ``step`` is descheduled there for ``seconds``
    def stepped(*args):
        time.sleep(seconds)
        return step(*args)
    return stepped

class SlowToStop(threading.Event):
    def set(self):
        if threading.current_thread() is threading.main_thread():
            time.sleep(0.3)
        super().set()

class Slow(threading.Thread):  # to start ("start"), and to end after its last signal
    def start(self):
        super().start()
        time.sleep(0.3 if sys.argv[1] == "start" else 0)

    def run(self):
        super().run()
        time.sleep(0.1)

limits.RESEND_SECONDS = 0.05
since = limits.started()
if sys.argv[1] in ("stop", "start"):
    limits.threading = SimpleNamespace(**vars(threading))
    limits.threading.Event = SlowToStop if sys.argv[1] == "stop" else threading.Event
    limits.threading.Thread = Slow
    time.sleep(0.1 if sys.argv[1] == "start" else 0)  # an earlier stretch used the time up
else:
    limits.signal = SimpleNamespace(**vars(signal))
    limits.signal.pthread_kill = slow(signal.pthread_kill, 0.3)
    threading.Timer(0.15, signal.pthread_kill,
                    (threading.main_thread().ident, signal.SIGINT)).start()
try:
    with limits.capped(limits.Limits(seconds=0.05), "drawing a card", since):
        try:
            time.sleep(0.1 if sys.argv[1] == "interrupt" else 5)
        except limits.LimitExceeded:
            pass  # swallowed by a library: the limit is sent again
    print("ended")
except limits.LimitExceeded as exc:
    print("limit:", exc)
except KeyboardInterrupt:
    print("interrupted")
print("watchdogs:", sum(t.name == "cardkit-limits" for t in threading.enumerate()))
time.sleep(0.3)
print("handler restored:", signal.getsignal(signal.SIGUSR2) is signal.SIG_DFL)
"""


@pytest.mark.parametrize("case, ends", [("stop", "limit: drawing a card took longer than 0.05 s"),
                                        ("start", "limit: drawing a card took longer than 0.05 s"),
                                        ("interrupt", "interrupted")])
def test_a_resent_limit_or_a_ctrl_c_in_cappeds_own_clean_up_leaves_nothing_behind(case, ends):
    """The limit's signal is sent again every ``RESEND_SECONDS``: one landing while capped
    stops its watchdog ("stop": the main thread slow there), or starts it ("start": the work
    began in an earlier stretch, ``since``, whose time is up), must not leave the handler
    installed and the watchdog signalling for ever; and Ctrl-C while
    capped waits for the watchdog ("interrupt": the watchdog slow to send its signal) must
    not put SIG_DFL back before the watchdog's last signal, which would then kill the
    process ("User defined signal 2") instead of the Ctrl-C's exit 130. The watchdog is gone
    when capped ends (a fork may come next: ``batch.can_fork``)."""
    import subprocess
    import sys

    run = subprocess.run([sys.executable, "-c", _SLOW_STEP, case], capture_output=True,
                         text=True, timeout=60)
    assert run.returncode == 0, (run.returncode, run.stderr)
    first, *rest = run.stdout.splitlines() or [""]
    assert [first[:len(ends)], *rest] == [ends, "watchdogs: 0", "handler restored: True"], run.stderr


_AS_THE_BODY_ENDS = """
import contextlib, signal, sys, threading, time
from cardkit import limits

def as_the_with_statement_leaves(frame, event, arg):
    # the limit's signal handled where the interpreter checks for it as the with statement
    # calls capped's __exit__ (its first instruction): the handler gets __exit__'s frame
    if event == "call" and frame.f_code is contextlib._GeneratorContextManager.__exit__.__code__:
        sys.settrace(None)
        signal.getsignal(signal.SIGUSR2)(signal.SIGUSR2, frame)

try:
    with limits.capped(limits.Limits(seconds=0.05), "drawing a card"):
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR2})  # held: handled below
        while not signal.getsignal(signal.SIGUSR2).__self__.tripped:
            time.sleep(0.01)
        sys.settrace(as_the_with_statement_leaves)
    print("ended")
except limits.LimitExceeded as exc:
    print("limit:", exc)
    kept = exc  # as the CLI's exit keeps it (SystemExit's context), with its traceback
print("watchdogs:", sum(t.name == "cardkit-limits" for t in threading.enumerate()))
print("handler restored:", signal.getsignal(signal.SIGUSR2) is signal.SIG_DFL)
"""


def test_a_limit_handled_as_the_body_ends_still_ends_the_watch():
    """The limit's signal can be handled as the with statement calls capped's ``__exit__``,
    before capped's generator is resumed: raising there would leave capped's clean-up
    unrun (until the generator is collected), its handler installed and its watchdog
    signalling every half second into whatever runs next. The handler lets it pass there:
    capped raises the limit itself once it has ended its watch."""
    import subprocess
    import sys

    try:
        run = subprocess.run([sys.executable, "-c", _AS_THE_BODY_ENDS], capture_output=True,
                             text=True, timeout=10)
    except subprocess.TimeoutExpired as exc:  # the watch, ended at exit, waits for ever
        pytest.fail(f"hung at exit: {exc.stdout!r}")
    ends = "limit: drawing a card took longer than 0.05 s"
    first, *rest = run.stdout.splitlines() or [""]
    assert [first[:len(ends)], *rest] == [ends, "watchdogs: 0", "handler restored: True"], \
        (run.returncode, run.stdout, run.stderr)


def test_the_limit_waits_for_pypdfium2_to_hand_its_objects_back():
    """The limit's signal handled inside pypdfium2's own code (a document opened, not yet
    handed back: left open, pypdfium2's exit hook would say so in a second stderr line) is
    not raised there: it is sent again, and raised in cardkit's code."""
    import sys

    from cardkit.limits import LimitExceeded, Limits, _Watch

    watch = _Watch(Limits(seconds=1), "drawing a card")
    watch.tripped.append("drawing a card took longer than 1 s")

    def frame_of(module: str):
        space = {"__name__": module, "sys": sys}
        exec("def here():\n    return sys._getframe()\n", space)
        return space["here"]()

    watch.handler(0, frame_of("pypdfium2._helpers.document"))  # deferred: no exception
    with pytest.raises(LimitExceeded):
        watch.handler(0, frame_of("cardkit.preflight"))
    with pytest.raises(LimitExceeded):
        watch.handler(0, frame_of("pypdfium2_lookalike"))


def test_the_limit_speaks_the_jobs_language():
    """The watchdog words the limit's message in the job's own language (a Chinese job's
    limit in Chinese, whatever the process's), not in its thread's default."""
    from cardkit.i18n import using
    from cardkit.limits import LimitExceeded, Limits, capped

    with using("zh"), pytest.raises(LimitExceeded) as raised:
        with capped(Limits(seconds=0.05), "排版第 1 至第 12 位民警"):
            time.sleep(5)
    assert str(raised.value).startswith("排版第 1 至第 12 位民警超过时间上限 0.05 秒"), raised.value


_HANDLED_INTERRUPT = """
import sys
from pathlib import Path
from cardkit import api, open_project

def interrupted(*args, **kwargs):
    # a Ctrl-C landing in code that exec runs (dataclasses make their methods so, as a
    # job imports modules lazily): CPython marks the process to die by SIGINT at its exit
    exec("raise KeyboardInterrupt", {})

api._print_job = api._check_job = interrupted
project = open_project(Path(sys.argv[1]))
try:
    if sys.argv[2] == "print":
        api.print_cards(project, api.PrintOptions(gen="2022", roster=[]))
    else:
        api.check(project, "2022")
except KeyboardInterrupt:
    print("handled")
"""


@pytest.mark.parametrize("call", ["print", "check"])
def test_a_caller_that_handles_a_ctrl_c_in_a_job_ends_with_its_own_exit_status(call, tmp_path):
    """A library caller catches the ``KeyboardInterrupt`` of a job and goes on: its process
    ends as it chooses (exit 0 here), not killed by SIGINT at the interpreter's exit
    (``limits.hand_on_interrupt``: it was, now and then, with ``jobs=2``)."""
    import subprocess
    import sys

    run = subprocess.run([sys.executable, "-c", _HANDLED_INTERRUPT, str(tmp_path), call],
                         capture_output=True, text=True, timeout=60)
    assert (run.returncode, run.stdout) == (0, "handled\n"), run.stderr

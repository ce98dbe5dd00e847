"""Benchmark: `cardkit print` end to end on fictional rosters, beside a plain-WeasyPrint baseline.

    .venv/bin/python bench/bench.py                      # N = 10, 1000, 10000
    .venv/bin/python bench/bench.py --sizes 10,1000 --repeat 3
    .venv/bin/python bench/bench.py --huge               # adds N = 160000 (about 50 minutes on 2 cores)
    .venv/bin/python bench/bench.py --command check --sizes 2000 --no-baseline   # `cardkit check`
    .venv/bin/python bench/bench.py --sizes 10 --paired cold --repeat 15   # cold against baseline, in pairs

Each measurement is a fresh process, timed from its start to its exit (the PDF
is on disk then). Reported per size: the median wall time of the runs, cards
per second, peak memory and PDF size per card. Peak memory is given twice: the
largest single process (``wait4`` rusage of the child, its workers included) and
the sum over the process tree, sampled every 50 ms from /proc, as RSS (pages the
workers share with the parent they forked from count once per process: it
overstates) and as PSS (shared pages split between their processes: what the
machine needs).
CPU seconds (user + system, workers included) are recorded too: on a shared
machine they vary less than wall time. The load average is written to the JSON.
The table goes to stdout, the same figures as JSON to ``--json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

from roster import write_roster  # noqa: E402

GEN = "2022"
COMMAND = "print"  # or "check" (--command): the same roster, preflighted, nothing written


def cardkit_command(roster: Path, output: Path, jobs: int | None) -> list[str]:
    if COMMAND == "check":
        command = [sys.executable, "-m", "cardkit", "-v", "check", "--gen", GEN,
                   "--roster", str(roster)]
    else:
        command = [sys.executable, "-m", "cardkit", "-v", "print", "--gen", GEN, "--layout",
                   "sheet", "--duplex", "long", "--roster", str(roster), "-o", str(output)]
    if jobs:
        command += ["--jobs", str(jobs)]
    return command


def baseline_command(roster: Path, output: Path) -> list[str]:
    return [sys.executable, str(HERE / "baseline.py"), "--gen", GEN, "--roster", str(roster),
            "-o", str(output)]


def _tree_rss(root: int) -> tuple[int, int]:
    """Resident bytes of ``root`` and all its descendants, now: the sum of their RSS (pages
    workers share with the parent they forked from count once per process) and of their
    PSS (each shared page split between the processes sharing it: what the tree needs)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    page = os.sysconf("SC_PAGE_SIZE")
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as handle:
                fields = handle.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        pid, ppid = int(entry), int(fields[1])
        children.setdefault(ppid, []).append(pid)
        rss[pid] = int(fields[21]) * page
    total = proportional = 0
    todo = [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        proportional += _pss(pid)
        todo += children.get(pid, [])
    return total, proportional


def _pss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as handle:
            for line in handle:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


# cardkit: stamping, with the plates kept from an earlier job on the same design (a warm-up
# run of ten officers before anything is timed: render/stamp/store.py); cold: stamping with an
# empty cache folder for every run (the first job on a design, a fresh CI machine); laid-out:
# every officer laid out by WeasyPrint (CARDKIT_STAMP=0: the render stage before stamping)
TOOLS = ("cardkit", "cold", "laid-out", "baseline")
CACHE: dict[str, Path] = {}  # "warm": the cache folder the timed runs share


def measure(command: list[str], cwd: Path, env: dict | None = None) -> dict:
    """Run ``command``; its wall time, exit status, peak RSS (largest process, tree sum)."""
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", **(env or {})}
    start = time.perf_counter()
    proc = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    peak_tree = peak_pss = 0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak_tree, peak_pss
        while not stop.is_set():
            rss, pss = _tree_rss(proc.pid)
            peak_tree, peak_pss = max(peak_tree, rss), max(peak_pss, pss)
            stop.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    err = proc.stderr.read() if proc.stderr else b""
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    stop.set()
    sampler.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    return {"wall_s": wall, "status": proc.returncode, "peak_rss_mib": usage.ru_maxrss / 1024,
            "cpu_s": usage.ru_utime + usage.ru_stime,  # the process and its workers
            "peak_tree_mib": peak_tree / 2**20, "peak_pss_mib": peak_pss / 2**20,
            "stderr": err.decode("utf-8", "replace")[-2000:]}


def run_case(tool: str, n: int, roster: Path, work: Path, repeat: int, jobs: int | None) -> dict:
    output = work / f"{tool}-{n}.pdf"
    command = (baseline_command(roster, output) if tool == "baseline"
               else cardkit_command(roster, output, jobs))
    env = {"CARDKIT_STAMP": "0" if tool == "laid-out" else "1",
           "XDG_CACHE_HOME": str(CACHE["warm"])}
    runs = []
    for _ in range(repeat):
        output.unlink(missing_ok=True)
        if tool == "cold":
            env["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="cold-", dir=work)
        run = measure(command, REPO, env)
        if run["status"] != 0:
            raise SystemExit(f"bench: {tool} N={n} failed ({run['status']}):\n{run['stderr']}")
        run["pdf_bytes"] = output.stat().st_size if output.exists() else 0
        runs.append(run)
    wall = statistics.median(r["wall_s"] for r in runs)
    size = runs[-1]["pdf_bytes"]
    stamped = re.search(r"^(\d+) officers?'s? cards? (?:were|was) filled", runs[-1]["stderr"], re.M)
    return {
        "tool": tool, "officers": n, "cards": n, "runs": len(runs),
        "wall_s": round(wall, 3), "wall_s_all": [round(r["wall_s"], 3) for r in runs],
        "cards_per_s": round(n / wall, 2),
        "cpu_s": round(statistics.median(r["cpu_s"] for r in runs), 3),
        "cards_per_cpu_s": round(n / statistics.median(r["cpu_s"] for r in runs), 2),
        "peak_rss_mib": round(statistics.median(r["peak_rss_mib"] for r in runs), 1),
        "peak_tree_mib": round(statistics.median(r["peak_tree_mib"] for r in runs), 1),
        "peak_pss_mib": round(statistics.median(r["peak_pss_mib"] for r in runs), 1),
        "cpu_ms_per_card": round(1000 * statistics.median(r["cpu_s"] for r in runs) / n, 2),
        "stamped_share": round(int(stamped[1]) / n, 4) if stamped else None,
        "pdf_bytes": size, "pdf_kib_per_card": round(size / 1024 / n, 2),
        "command": _shown(command, work),
    }


def paired(tool: str, n: int, roster: Path, work: Path, pairs: int, jobs: int | None) -> dict:
    """``pairs`` runs of ``tool`` and of the baseline, alternating (the first of a pair
    alternates too), and the median of the per-pair ratios of wall time: on a shared machine
    whose speed drifts, two runs side by side see the same machine, where two series taken
    one after the other may not."""
    tool_runs, base_runs = [], []
    for number in range(pairs):
        order = [tool, "baseline"] if number % 2 == 0 else ["baseline", tool]
        for which in order:
            row = run_case(which, n, roster, work, 1, jobs)
            (tool_runs if which == tool else base_runs).append(row["wall_s"])
    ratios = [a / b for a, b in zip(tool_runs, base_runs, strict=True)]
    return {"tool": tool, "officers": n, "pairs": pairs,
            "wall_s": round(statistics.median(tool_runs), 3),
            "baseline_wall_s": round(statistics.median(base_runs), 3),
            "ratio_median": round(statistics.median(ratios), 3),
            "ratio_min": round(min(ratios), 3), "ratio_max": round(max(ratios), 3),
            "wall_s_all": tool_runs, "baseline_wall_s_all": base_runs}


def _shown(command: list[str], work: Path) -> str:
    """``command`` as the JSON keeps it: paths inside the repository relative to it, and
    those in the bench's work folder under ``WORKDIR/``, so a result names no machine's
    folders."""
    root, folder = str(REPO) + os.sep, str(work) + os.sep
    return " ".join(part.replace(folder, "WORKDIR/").replace(root, "") for part in command)


def startup(repeat: int) -> list[dict]:
    rows = []
    for label, args in (("cardkit --help", ["--help"]), ("cardkit list", ["list"])):
        runs = [measure([sys.executable, "-m", "cardkit", *args], REPO)["wall_s"]
                for _ in range(max(repeat, 3))]
        rows.append({"command": label, "wall_s": round(statistics.median(runs), 3)})
    return rows


def table(rows: list[dict]) -> str:
    lines = [f"{'N':>7} {'tool':<9} {'runs':>4} {'wall s':>9} {'cards/s':>9} {'× base':>7} "
             f"{'cpu s':>8} {'ms/card':>8} {'RSS MiB':>8} {'tree MiB':>9} {'PSS MiB':>8} "
             f"{'KiB/card':>9} "
             f"{'stamped':>8}"]
    base = {r["officers"]: r for r in rows if r["tool"] == "baseline"}
    for r in rows:
        ratio = ""
        if r["tool"] != "baseline" and r["officers"] in base:
            ratio = f"{r['cards_per_s'] / base[r['officers']]['cards_per_s']:.1f}"
        share = "" if r.get("stamped_share") is None else f"{r['stamped_share']:.0%}"
        lines.append(f"{r['officers']:>7} {r['tool']:<9} {r['runs']:>4} {r['wall_s']:>9.2f} "
                     f"{r['cards_per_s']:>9.1f} {ratio:>7} {r['cpu_s']:>8.1f} "
                     f"{r['cpu_ms_per_card']:>8.1f} {r['peak_rss_mib']:>8.0f} "
                     f"{r['peak_tree_mib']:>9.0f} {r['peak_pss_mib']:>8.0f} "
                     f"{r['pdf_kib_per_card']:>9.2f} {share:>8}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10,1000,10000",
                        help="officers per roster, comma-separated (default 10,1000,10000)")
    parser.add_argument("--huge", action="store_true", help="also N = 160000 (opt-in, long)")
    parser.add_argument("--repeat", type=int, default=3,
                        help="runs per case under 10000 officers; the median is quoted")
    parser.add_argument("--repeat-large", type=int, default=1,
                        help="runs per case from 10000 officers on (default 1)")
    parser.add_argument("--baseline-max", type=int, default=10000,
                        help="no baseline above this many officers (default 10000)")
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--tools", default="cardkit,cold,laid-out,baseline",
                        help="which to time, comma-separated: cardkit (stamping, plates kept from "
                             "a warm-up job), cold (stamping, an empty cache each run), laid-out "
                             "(CARDKIT_STAMP=0), baseline (default: all four)")
    parser.add_argument("--jobs", type=int, help="pass --jobs N to cardkit (default: its own)")
    parser.add_argument("--command", choices=["print", "check"], default="print",
                        help="time `cardkit print` (default) or `cardkit check` (no baseline)")
    parser.add_argument("--json", default=str(HERE / "results.json"), help="where to write JSON")
    parser.add_argument("--stations", type=int, default=3, choices=[1, 2, 3],
                        help="stations the roster's officers belong to (default 3, as a "
                             "bureau's roster; 1: a station's own)")
    parser.add_argument("--paired", choices=[t for t in TOOLS if t != "baseline"],
                        help="time this tool and the baseline in alternating pairs, --repeat "
                             "pairs a size, and give the median of the per-pair ratios")
    parser.add_argument("--workdir", help="rosters and PDFs go here (default: a temp folder)")
    args = parser.parse_args(argv)

    global COMMAND
    COMMAND = args.command
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    if args.huge and 160000 not in sizes:
        sizes.append(160000)
    work = Path(args.workdir or tempfile.mkdtemp(prefix="cardkit-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    CACHE["warm"] = work / "cache"
    if args.paired:
        if COMMAND == "check":
            parser.error("--paired times print against the baseline; check has none")
        return _main_paired(args, sizes, work)
    if "cardkit" in args.tools.split(","):  # plates kept, as after an earlier job on the design
        warm_up(work, args.jobs)
    rows = []
    for n in sizes:
        roster = write_roster(n, work / f"roster-{n}.csv", stations=args.stations)
        repeat = args.repeat if n < 10000 else args.repeat_large
        wanted = [t.strip() for t in args.tools.split(",")]
        tools = [t for t in TOOLS if t in wanted]
        if args.no_baseline or n > args.baseline_max:
            tools = [t for t in tools if t not in ("baseline", "laid-out", "cold")]
        if COMMAND == "check":
            tools = [t for t in tools if t != "baseline"]
        for tool in tools:
            row = run_case(tool, n, roster, work, repeat, args.jobs)
            rows.append(row)
            print(f"bench: {tool} N={n}: {row['wall_s']:.2f} s, {row['cards_per_s']:.1f} cards/s",
                  file=sys.stderr, flush=True)
    starts = startup(args.repeat)
    result = {
        "command": COMMAND, "generation": GEN, "stations": args.stations, "layout": "sheet", "duplex": "long",
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "platform": platform.platform()},
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "load_average_after": os.getloadavg(),  # other work on the machine skews the figures
        "rows": rows, "startup": starts,
    }
    Path(args.json).write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
    print(table(rows))
    for s in starts:
        print(f"{s['command']}: {s['wall_s']:.3f} s")
    print(f"JSON: {args.json}")
    return 0


def _main_paired(args: argparse.Namespace, sizes: list[int], work: Path) -> int:
    if args.paired == "cardkit":  # plates kept, as after an earlier job on the design
        warm_up(work, args.jobs)
    rows = []
    for n in sizes:
        roster = write_roster(n, work / f"roster-{n}.csv", stations=args.stations)
        row = paired(args.paired, n, roster, work, args.repeat, args.jobs)
        rows.append(row)
        print(f"bench: {args.paired} N={n}: {row['wall_s']:.2f} s against the baseline's "
              f"{row['baseline_wall_s']:.2f} s; per pair {row['ratio_median']:.2f} "
              f"({row['ratio_min']:.2f} to {row['ratio_max']:.2f}, {row['pairs']} pairs)")
    result = {"command": COMMAND, "generation": GEN, "stations": args.stations,
              "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                          "platform": platform.platform()},
              "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
              "load_average_after": os.getloadavg(), "paired": rows}
    Path(args.json).write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
    print(f"JSON: {args.json}")
    return 0


def warm_up(work: Path, jobs: int | None) -> None:
    """Ten officers printed first into the warm cache: plates kept, as after an earlier job."""
    run = measure(cardkit_command(write_roster(10, work / "warm-up.csv"), work / "warm-up.pdf",
                                  jobs), REPO, {"XDG_CACHE_HOME": str(CACHE["warm"])})
    if run["status"] != 0:
        raise SystemExit(f"bench: the warm-up run failed:\n{run['stderr']}")


if __name__ == "__main__":
    sys.exit(main())

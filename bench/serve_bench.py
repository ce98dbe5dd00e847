"""How `cardkit serve` holds up across many jobs: memory and time per job (issue 24).

Starts `cardkit serve` on a fresh station folder, then runs JOBS uploads one after another
(``--parallel N`` at a time), each of OFFICERS fictional officers: upload, wait for the
check and previews, make the office PDF, download it, say "done". It prints, every few
jobs, the server's own RSS and the PSS of its whole process tree (the forkserver and any
worker alive), and at the end the time per job (median and slowest) and the growth of the
server's memory from the first jobs to the last (bounded memory means no growth) and the
peak PSS of the process tree while workers run.

    .venv/bin/python bench/serve_bench.py [--jobs 50] [--officers 10] [--parallel 2]

Not part of the test run (tests/serve proves behaviour; this measures).
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench import _tree_rss  # noqa: E402 (the tree's RSS and PSS, read from /proc)

UNIT = """unit:
  name: 柳州市公安局城关派出所
  address: 柳州市城中区城关路1号
  hotline: "0772-2810110"
  mascot: 螺警官
  web:
    - {label: 网上公安局, url: "https://wsgaj.chengguan-pcs.cn/"}
    - {label: 网上警务室, url: "https://jwsh.chengguan-pcs.cn/"}
"""
NAMES = ["吴明", "覃晓红", "韦建国", "蓝天佑", "黄丽娟", "莫志刚", "梁小燕", "潘永福"]


def roster(job: int, officers: int) -> bytes:
    rows = ["编号,姓名,职务,电话,手机,辖区"]
    for i in range(officers):
        rows.append(f"J{job:03d}{i:03d},{NAMES[i % len(NAMES)]},社区民警,0772-28{i + 1:05d},"
                    f"139077{i + 1:05d},城关社区{i + 1}")
    return ("\n".join(rows) + "\n").encode("utf-8")


def _rss(pid: int) -> int:
    with open(f"/proc/{pid}/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def one_job(url: str, number: int, officers: int) -> float:
    start = time.perf_counter()
    with httpx.Client(base_url=url, timeout=600) as client:
        page = client.get("/").text
        csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
        job = client.post("/upload", data={"csrf": csrf},
                          files=[("files", ("roster.csv", roster(number, officers)))]).headers["location"]
        _wait(client, job)
        ids = [f"J{number:03d}{i:03d}" for i in range(officers)]
        client.post(job + "/print", data={"csrf": csrf, "kind": "office", "officer": ids})
        _wait(client, job)
        pdf = client.get(job + "/file/office.pdf")
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF"), pdf.status_code
        client.post(job + "/done", data={"csrf": csrf})
    return time.perf_counter() - start


def _wait(client: httpx.Client, job: str) -> None:
    while client.get(job + "/state").json()["state"] in ("queued", "running"):
        time.sleep(0.1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=50)
    parser.add_argument("--officers", type=int, default=10)
    parser.add_argument("--parallel", type=int, default=2)
    parser.add_argument("--port", type=int, default=8791)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="serve-bench-") as folder:
        station = Path(folder) / "station"
        station.mkdir()
        (station / "cardkit.yaml").write_text(UNIT, encoding="utf-8")
        env = {**os.environ, "XDG_CACHE_HOME": str(Path(folder) / "cache")}
        server = subprocess.Popen([sys.executable, "-m", "cardkit", "serve", "--project", str(station),
                                   "--port", str(args.port), "--workers", str(args.parallel)],
                                  env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        url = f"http://127.0.0.1:{args.port}"
        try:
            for _ in range(300):
                try:
                    httpx.get(url + "/static/app.css")
                    break
                except httpx.HTTPError:
                    time.sleep(0.1)
            times: list[float] = []
            memory: list[tuple[int, int, int]] = []
            lock = threading.Lock()
            peak = [0]
            running = threading.Event()

            def sample() -> None:  # the tree's PSS while workers run, every 50 ms
                while not running.wait(0.05):
                    peak[0] = max(peak[0], _tree_rss(server.pid)[1])
            sampler = threading.Thread(target=sample, daemon=True)
            sampler.start()
            started = time.perf_counter()
            for first in range(0, args.jobs, args.parallel):
                batch = range(first, min(args.jobs, first + args.parallel))
                threads = [threading.Thread(target=lambda n=n: _record(url, n, args.officers, times, lock))
                           for n in batch]
                for thread in threads:
                    thread.start()
                for thread in threads:
                    thread.join()
                done = first + len(batch)
                memory.append((done, _rss(server.pid), _tree_rss(server.pid)[1]))
                if done % 10 == 0 or done == args.jobs:
                    print(f"after {done:3d} jobs: server RSS {memory[-1][1] / 2**20:6.1f} MiB, "
                          f"tree PSS {memory[-1][2] / 2**20:6.1f} MiB", flush=True)
            wall = time.perf_counter() - started
            running.set()
        finally:
            server.terminate()
            server.wait(30)
    print(f"{args.jobs} jobs of {args.officers} officers, {args.parallel} at a time: {wall:.1f} s; "
          f"per job median {statistics.median(times):.2f} s, slowest {max(times):.2f} s, "
          f"throughput {wall / args.jobs:.2f} s/job")
    early = statistics.mean(m[1] for m in memory[:3])
    late = statistics.mean(m[1] for m in memory[-3:])
    print(f"server RSS: first jobs {early / 2**20:.1f} MiB, last jobs {late / 2**20:.1f} MiB "
          f"(growth {(late - early) / 2**20:+.1f} MiB); peak PSS of the server's process tree "
          f"{peak[0] / 2**20:.1f} MiB; server exit status {server.returncode}")


def _record(url: str, number: int, officers: int, times: list[float], lock: threading.Lock) -> None:
    elapsed = one_job(url, number, officers)
    with lock:
        times.append(elapsed)


if __name__ == "__main__":
    main()

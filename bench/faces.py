"""CPU milliseconds per card face, for template and stylesheet authors.

    .venv/bin/python bench/faces.py                       # 100 officers, generation 2022
    .venv/bin/python bench/faces.py --gen 2012 --officers 200 --repeat 5 --project DIR

Lays out the fronts of a fictional roster as one WeasyPrint document (what a
``--jobs`` worker does with a chunk), then renders and preflights the same officers
front and back as ``cardkit print`` does; prints the median CPU time per face and
per officer over ``--repeat`` runs in this one process (after a warm-up, so imports
and font loading are not counted). Compare two stylesheets by running it on two
checkouts or projects one after the other, on a quiet machine.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from roster import write_roster  # noqa: E402


def cpu_ms(action, count: int) -> float:
    start = time.process_time()
    action()
    return 1000 * (time.process_time() - start) / count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gen", default="2022")
    parser.add_argument("--officers", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--project", default=str(HERE.parent),
                        help="project folder (default: the repository)")
    args = parser.parse_args(argv)

    from cardkit import api
    from cardkit.design import generations
    from cardkit.preflight import check_faces
    from cardkit.project import open_project
    from cardkit.render import batch
    from cardkit.render.faces import FaceRenderer

    project = open_project(args.project)
    gen = generations.load(project, args.gen)
    with tempfile.TemporaryDirectory() as folder:
        roster = write_roster(args.officers, Path(folder) / "roster.csv")
        officers = list(api.load_roster(project, gen, roster).officers)
    renderer = FaceRenderer(project, gen)
    fronts = [renderer.face_html(o, "front", renderer.qr_for(o)) for o in officers]
    renderer.layout(fronts[:3])  # warm-up: imports, fonts
    batch.render_checked(project, gen, officers[:3], ("front", "back"), check=check_faces, jobs=1)

    layout = [cpu_ms(lambda: renderer.layout(fronts), len(fronts)) for _ in range(args.repeat)]
    checked = [cpu_ms(lambda: batch.render_checked(project, gen, officers, ("front", "back"),
                                                   check=check_faces, jobs=1),
                      len(officers)) for _ in range(args.repeat)]
    print(f"generation {args.gen}, {len(officers)} officers, {args.repeat} runs (median CPU ms)")
    print(f"  front face laid out and written:           {statistics.median(layout):6.1f} ms per face")
    print(f"  officer rendered and preflighted (2 faces): {statistics.median(checked):6.1f} ms per officer")
    return 0


if __name__ == "__main__":
    sys.exit(main())

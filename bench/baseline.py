"""The baseline: the same cards as ONE plain WeasyPrint document, none of cardkit's optimisations.

Every officer's front and back are rendered from cardkit's templates (the same
HTML cardkit lays out), one page each, into a single document written by
WeasyPrint: no shared backs, no chunks, no workers, no imposition, no preflight.

    python bench/baseline.py --roster R.csv -o out.pdf [--gen 2022]
"""

from __future__ import annotations

import argparse
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--roster", required=True)
    parser.add_argument("-o", "--output", required=True)
    parser.add_argument("--gen", default="2022")
    args = parser.parse_args()

    from weasyprint import HTML

    from cardkit.api import load_roster
    from cardkit.design import generations
    from cardkit.project import open_project
    from cardkit.render.faces import SIDES, FaceRenderer

    project = open_project(None)
    gen = generations.load(project, args.gen)
    roster = load_roster(project, gen, args.roster)
    renderer = FaceRenderer(project, gen)
    faces = []
    for officer in roster.officers:
        qr = renderer.qr_for(officer)
        faces += [renderer.face_html(officer, side, qr) for side in SIDES]
    html = renderer.document_html(faces)
    base_url = renderer.template_dirs[0].as_uri() + "/"
    HTML(string=html, base_url=base_url).write_pdf(Path(args.output))


if __name__ == "__main__":
    main()

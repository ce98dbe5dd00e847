"""Sample output of every generation, for CI to publish: PDFs, PNG previews, an index page.

Everything written is byte-reproducible: the PDFs have fixed metadata and
content-derived ids, the PNGs carry no time, and the index lists files in a
fixed order.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from pathlib import Path

from ..design import generations
from ..project import Project

SAMPLE_DPI = 200


@dataclass
class GenerationSamples:
    id: str
    title: str
    year: int | None
    summary: str
    files: dict[str, str]  # kind -> file name, relative to the output folder


@dataclass
class SamplesResult:
    folder: str
    index: str
    generations: list[GenerationSamples] = field(default_factory=list)

    @property
    def files(self) -> list[str]:
        names = [name for g in self.generations for name in g.files.values()]
        return [*names, "index.html"] if self.index else names


def ordered(project: Project, only: list[str] | None = None) -> list[str]:
    """Generation ids by year, then id (generations without a year last)."""
    ids = list(only) if only else list(generations.available(project))
    loaded = {gen_id: generations.load(project, gen_id) for gen_id in ids}
    return sorted(ids, key=lambda g: (loaded[g].year is None, loaded[g].year or 0, g))


def write_samples(project: Project, out_dir: str | Path | None = None,
                  gen_ids: list[str] | None = None, roster: str | Path | None = None,
                  dpi: int = SAMPLE_DPI, png_only: bool = False) -> SamplesResult:
    """For each generation: sheet PDF, 1-up PDF, PNG of front and back; then index.html.

    ``png_only`` writes only the PNGs (GEN-front.png, GEN-back.png): the README's pictures.
    """
    from ..api import PrintOptions, print_cards, roster_path
    from ..outputs import check_target, protect_project, write_file
    from .preview import check_dpi, face_images, render_pages, safe_name, write_png

    check_dpi(dpi)
    folder = Path(out_dir) if out_dir else project.output_dir / "samples"
    protect_project(project, roster_path(project, roster))
    check_target(folder / "index.html", "-o")
    result = SamplesResult(folder=str(folder), index="" if png_only else str(folder / "index.html"))
    for gen_id in ordered(project, gen_ids):
        gen = generations.load(project, gen_id)
        stem = safe_name(gen_id)
        if png_only:
            files = {}
            for _, side, image in face_images(project, gen_id, roster, None, dpi):
                files[side] = f"{stem}-{side}.png"
                write_png(image, folder / files[side], dpi)
            result.generations.append(GenerationSamples(
                id=gen.id, title=gen.title, year=gen.year, summary=gen.summary, files=files))
            continue
        files = {"sheet": f"{stem}-sheet.pdf", "cards": f"{stem}-1up.pdf"}
        print_cards(project, PrintOptions(gen=gen_id, roster=roster, layout="sheet",
                                          output=folder / files["sheet"]))
        print_cards(project, PrintOptions(gen=gen_id, roster=roster, layout="cards",
                                          output=folder / files["cards"]))
        # The 1-up file starts with the first officer's front and back.
        front, back = render_pages(folder / files["cards"], [0, 1], dpi)
        for side, image in (("front", front), ("back", back)):
            files[side] = f"{stem}-{side}.png"
            write_png(image, folder / files[side], dpi)
        result.generations.append(GenerationSamples(
            id=gen.id, title=gen.title, year=gen.year, summary=gen.summary, files=files))
    if not png_only:
        write_file(folder / "index.html", index_html(result.generations).encode("utf-8"))
    return result


def index_html(entries: list[GenerationSamples]) -> str:
    """A self-contained page linking every sample (relative links: publish the folder as is)."""
    e = html.escape
    rows = []
    for g in entries:
        year = f"{g.year}" if g.year is not None else ""
        label = " · ".join(dict.fromkeys(x for x in (g.id, year) if x))
        rows.append(f"""<section>
<h2>{e(g.title)} <small>{e(label)}</small></h2>
<p>{e(g.summary)}</p>
<div class="faces">
<figure><img src="{e(g.files['front'])}" alt="{e(g.id)} 正面"><figcaption>正面 front</figcaption></figure>
<figure><img src="{e(g.files['back'])}" alt="{e(g.id)} 背面"><figcaption>背面 back</figcaption></figure>
</div>
<p><a href="{e(g.files['sheet'])}">A4 拼版 sheet PDF</a> ·
<a href="{e(g.files['cards'])}">单张 1-up PDF</a></p>
</section>""")
    body = "\n".join(rows)
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>cardkit samples · 警民联系卡样张</title>
<style>
body {{ font-family: "Noto Sans CJK SC", sans-serif; margin: 2em auto; max-width: 60em; color: #222; }}
section {{ border-top: 1px solid #ccc; padding: 1em 0; }}
h2 small {{ color: #777; font-weight: normal; }}
.faces {{ display: flex; gap: 1.5em; flex-wrap: wrap; }}
figure {{ margin: 0; }}
img {{ width: 22em; box-shadow: 0 1px 4px #0004; }}
figcaption {{ color: #777; font-size: 0.85em; }}
</style>
</head>
<body>
<h1>警民联系卡样张 · cardkit samples</h1>
{body}
</body>
</html>
"""

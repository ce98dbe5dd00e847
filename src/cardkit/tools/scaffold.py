"""Scaffolds: a new bureau's working folder (`init`) and a new generation (`new`).

What is written prints as it is: `cardkit init DIR && cardkit --project DIR print
--gen local` works with no edits, with fictional officers to be replaced. The comments
are in the user's language (Chinese under a Chinese locale or ``--lang zh``).
"""

from __future__ import annotations

import datetime
import json
import re
from pathlib import Path

from ..design import generations, schema
from ..errors import InputError, UsageError
from ..i18n import N_, _
from ..project import CONFIG_KEYS, CONFIG_NAME, Project, open_project

GEN_ID = re.compile(r"^[\w][\w.-]*$")
DEFAULT_GEN = "local"
DEFAULT_BASE = "2022"

ROSTER_COMMENTS = (
    N_("The unit's officers (a specimen: names and numbers are fictional; put in real ones)."),
    N_("Fields: see docs/reference.md. A CSV/XLSX roster works too, with Chinese headers "
       "(编号 姓名 职务 电话 手机 微信 辖区)."),
    N_("specimen: true marks a specimen: placeholder numbers and addresses are allowed, and "
       "every card carries a 样张 / SPECIMEN mark.\nDelete that line once the data are real: "
       "placeholders are refused then."),
)
TEMPLATES_README = N_(
    "A file here overrides cardkit's built-in template of the same name\n"
    "(front.html, back.html, card.css, blocks/*.html). An override can extend the one it\n"
    "replaces: {example}. Empty: the built-ins are used.\n")
ROSTER = """\
specimen: true
unit:
  name: 示例县公安局城关派出所
  address: 示例县城关镇人民路1号
  hotline: "0000-1234567"
  web:
    - label: 网上公安局
      url: https://wsgaj.example.gov.cn
    - label: 网上警务室
      url: https://jwsh.example.gov.cn
  # 本单位自己的卡通形象（名字和图片，图片放在名单旁边），印在 2022 版背面；没有就不印：
  # mascot: {name: 城关小警, image: mascot.svg}
officers:
  - id: CG001
    name: 张卫东
    post: 社区民警
    phone: "0000-1234501"
    mobile: "13900000001"
    wechat: https://u.wechat.com/EXAMPLE-CG001
    area: 东关社区
  - id: CG002
    name: 李秀英
    post: 社区民警
    phone: "0000-1234502"
    mobile: "13900000002"
    wechat: https://u.wechat.com/EXAMPLE-CG002
    area: 西关社区
"""


def _comment(text: str) -> list[str]:
    return [f"# {line}".rstrip() for line in text.splitlines()]


def _roster_text() -> str:
    return "\n".join(line for text in ROSTER_COMMENTS for line in _comment(_(text))) + "\n" + ROSTER


def _config_text() -> str:
    lines = _comment(_("cardkit settings for this folder. Every setting:"))
    lines += [f"#   {key}: {_(text)}" for key, text in CONFIG_KEYS.items()]
    lines += ["roster: roster.yaml", "output: out", "paper: A4", ""]
    return "\n".join(lines)


def generation_text(gen_id: str, base: generations.Generation, year: int | None = None) -> str:
    """A generation file that extends ``base``, listing every key the schema knows.

    ``year`` is the id itself when the id is a year (``cardkit new 2024``), else this year.
    """
    if year is None and re.fullmatch(r"(19|20)\d\d", gen_id):
        year = int(gen_id)
    year = year or datetime.date.today().year
    lines = _comment(_(
        "Generation {id}: builds on {base} ({title}); state only what differs.\n"
        "`cardkit show {id}` prints the resolved result, `cardkit diff {base} {id}`\n"
        "what differs. Keys a generation may set (see docs/reference.md):").format(
            id=gen_id, base=base.id, title=base.title))
    lines += [f"#   {key}: {text}" for key, text in schema.summary().items()]
    lines += [
        f"title: {json.dumps(f'警民联系卡（{gen_id}）', ensure_ascii=False)}",
        f"year: {year}",
        f'extends: "{base.id}"',
        f"summary: {json.dumps(f'在 {base.id} 版基础上的本单位版本', ensure_ascii=False)}",
    ]
    colors = base.colors
    if colors:
        lines.append("# colors:  # " + _("the base's colours; uncomment and change what differs"))
        lines += [f'#   {key}: "{value}"' for key, value in colors.items()]
    return "\n".join(lines) + "\n"


def _check_id(gen_id: str) -> None:
    if not GEN_ID.match(gen_id):
        raise UsageError(f"generation id {gen_id!r}: " + _("use letters, digits, '-', '_' or '.'"))


def _write_new(files: dict[Path, str]) -> list[str]:
    existing = [str(p) for p in files if p.exists()]
    if existing:
        raise InputError(f"{existing[0]}: " + _("already exists; cardkit does not overwrite it"))
    from ..outputs import write_file

    # exclusive: a file that appeared meanwhile is still never overwritten
    return [write_file(path, text.encode("utf-8"), option=str(path), exclusive=True)
            for path, text in files.items()]


def init(directory: str | Path, base: str = DEFAULT_BASE, gen_id: str = DEFAULT_GEN) -> list[str]:
    """Create cardkit.yaml, roster.yaml, generations/GEN.yaml and templates/ in ``directory``."""
    _check_id(gen_id)
    root = Path(directory)
    if root.exists() and not root.is_dir():
        raise InputError(f"{root}: " + _("exists and is not a folder"))
    base_gen = generations.load(open_project(root if root.is_dir() else None), base)
    files = {
        root / CONFIG_NAME: _config_text(),
        root / "roster.yaml": _roster_text(),
        root / "generations" / f"{gen_id}.yaml": generation_text(gen_id, base_gen),
        root / "templates" / "README.md": "# templates/\n\n" + _(TEMPLATES_README).format(
            example='`{% extends "!builtin/front.html" %}`'),
        root / ".gitignore": "out/\n",
    }
    written = _write_new(files)
    generations.load(open_project(root), gen_id)  # the scaffold must resolve as written
    return written


def new_generation(project: Project, gen_id: str, base: str) -> str:
    """Write generations/GEN.yaml in the project, extending ``base``."""
    _check_id(gen_id)
    if gen_id == base:
        raise UsageError(_("generation {id} cannot extend itself").format(id=gen_id))
    base_gen = generations.load(project, base)
    target = project.root / "generations" / f"{gen_id}.yaml"
    written = _write_new({target: generation_text(gen_id, base_gen)})[0]
    generations.load(project, gen_id)
    return written

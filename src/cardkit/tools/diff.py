"""What changed between two generations: resolved fields, blocks shown, and a picture."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..design import generations
from ..project import Project

# Chinese names of the blocks a face can show (for the exhibition sheet and `diff`).
BLOCK_LABELS = {
    "unit": "单位", "name": "姓名", "post": "职务", "area": "辖区", "phone": "电话",
    "mobile": "手机", "address": "地址", "hotline": "值班电话", "promise": "服务承诺",
    "qr": "二维码", "mascot": "卡通形象", "website": "网站", "advice": "民警叮咛",
    "tips": "安全防范提示", "web": "网上公安网址", "fraud_tips": "反诈提示", "badge": "警号",
}
SIDE_LABELS = {"front": "正面", "back": "背面"}
_MISSING = object()


@dataclass(frozen=True)
class Change:
    key: str  # dotted path, e.g. colors.background
    old: Any  # _MISSING when the key is new
    new: Any  # _MISSING when the key was dropped

    @property
    def kind(self) -> str:
        if self.old is _MISSING:
            return "added"
        if self.new is _MISSING:
            return "removed"
        return "changed"

    def format(self) -> str:
        if self.kind == "added":
            return f"+ {self.key}: {show_value(self.new)}"
        if self.kind == "removed":
            return f"- {self.key}: {show_value(self.old)}"
        return f"~ {self.key}: {show_value(self.old)} -> {show_value(self.new)}"

    def as_dict(self) -> dict[str, Any]:
        entry: dict[str, Any] = {"key": self.key, "change": self.kind}
        if self.old is not _MISSING:
            entry["old"] = self.old
        if self.new is not _MISSING:
            entry["new"] = self.new
        return entry


def show_value(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def flatten(data: Any, prefix: str = "") -> dict[str, Any]:
    """Mappings become dotted keys; lists and scalars are leaves."""
    if isinstance(data, dict):
        flat: dict[str, Any] = {}
        for key, value in data.items():
            flat.update(flatten(value, f"{prefix}.{key}" if prefix else str(key)))
        return flat
    return {prefix: data}


def changes(old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    """Every resolved field that differs, in a stable order (the new file's first)."""
    a, b = flatten(old), flatten(new)
    keys = list(dict.fromkeys([*b, *a]))
    return [Change(k, a.get(k, _MISSING), b.get(k, _MISSING))
            for k in keys if a.get(k, _MISSING) != b.get(k, _MISSING)]


def compare(project: Project, gen_a: str, gen_b: str) -> list[Change]:
    first = generations.load(project, gen_a)
    second = generations.load(project, gen_b)
    return changes(dict(first.data), dict(second.data))  # every resolved key, not the sections


def block_changes(before: Any | None, after: Any) -> list[str]:
    """Lines like ``背面新增：安全防范提示`` for the blocks a generation adds or drops."""
    lines = []
    for side in ("front", "back"):
        old = before.shows(side) if before is not None else []
        new = after.shows(side)
        added = [BLOCK_LABELS.get(b, b) for b in new if b not in old]
        dropped = [BLOCK_LABELS.get(b, b) for b in old if b not in new]
        if before is not None and added:
            lines.append(f"{SIDE_LABELS[side]}新增：{'、'.join(added)}")
        if dropped:
            lines.append(f"{SIDE_LABELS[side]}去掉：{'、'.join(dropped)}")
    return lines


def side_by_side(project: Project, gen_a: str, gen_b: str, target: str | Path,
                 roster: str | Path | None = None, officer: str | None = None,
                 dpi: int = 150) -> str:
    """A PNG: GEN_A's front and back on the left, GEN_B's on the right, labelled."""
    from PIL import Image, ImageDraw

    from ..api import roster_path
    from ..outputs import check_target, protect_project
    from .preview import face_images, write_png

    protect_project(project, roster_path(project, roster))
    check_target(target, "--png")
    columns = []
    for gen_id in (gen_a, gen_b):
        faces = face_images(project, gen_id, roster, [officer] if officer else None, dpi)
        columns.append((gen_id, [image for _, _, image in faces]))
    pad = int(dpi / 25.4 * 5)  # 5 mm
    label_h = int(dpi / 25.4 * 8)
    col_w = max(img.width for _, imgs in columns for img in imgs)
    col_h = sum(img.height for img in columns[0][1]) + pad
    col_h = max(col_h, sum(img.height for img in columns[1][1]) + pad)
    canvas = Image.new("RGB", (2 * col_w + 3 * pad, label_h + col_h + 2 * pad), "#f2f2f2")
    draw = ImageDraw.Draw(canvas)
    font = _label_font(int(label_h * 0.6))
    for i, (gen_id, images) in enumerate(columns):
        x = pad + i * (col_w + pad)
        title = generations.load(project, gen_id).title
        draw.text((x, pad // 2), f"{gen_id}  {title}", fill="#222222", font=font)
        y = pad + label_h
        for image in images:
            draw.rectangle((x - 1, y - 1, x + image.width, y + image.height), outline="#999999")
            canvas.paste(image, (x, y))
            y += image.height + pad
    return write_png(canvas, target, dpi, option="--png")


def _label_font(size: int) -> Any:
    """A CJK font for the labels (Noto Sans CJK when fontconfig finds it)."""
    import shutil
    import subprocess

    from PIL import ImageFont

    if shutil.which("fc-match"):
        try:
            found = subprocess.run(["fc-match", "-f", "%{file}|%{index}", "Noto Sans CJK SC:bold"],
                                   capture_output=True, text=True, timeout=10, check=False).stdout
            path, _, index = found.partition("|")
            if path:
                return ImageFont.truetype(path, size, index=int(index or 0))
        except (OSError, subprocess.SubprocessError):
            pass
    return ImageFont.load_default(size)

"""Fictional rosters of any size for the benchmark (names and numbers are made up)."""

from __future__ import annotations

import csv
import random
from pathlib import Path

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐韦覃莫蒙黎廖陆"
GIVEN = "明华红建国小兰伟芳军敏静丽强磊洋艳勇杰娟涛超秀霞平刚桂英东海波宁"
POSTS = ("社区民警", "社区辅警", "驻村民警", "所长", "副所长", "教导员")
AREAS = ("柳东村", "新柳社区", "官塘村", "雒容镇", "洛埠社区", "大龙潭社区", "文笔社区", "白沙村")
UNITS = (
    ("柳州市公安局柳东派出所", "柳州市柳东新区示例大道1号", "0772-0000000"),
    ("柳州市公安局示例一派出所", "柳州市城中区示例路2号", "0772-0000100"),
    ("柳州市公安局示例二派出所", "柳州市鱼峰区示例街3号", "0772-0000200"),
)
HEADER = ["编号", "姓名", "职务", "电话", "手机", "微信", "辖区", "单位", "地址", "值班电话",
          "网上公安局", "网上警务室", "卡通形象", "mascot_image", "mascot_image_cmyk"]
# The placeholders (example.gov.cn, 0772-0000000) pass because write_roster puts a
# cardkit.yaml saying specimen: true beside the roster (it applies to that folder's rosters).
WEB = ("https://wsgaj.example.gov.cn", "https://jwsh.example.gov.cn", "螺警官",
       "mascot-snail.svg", "mascot-snail-cmyk.svg")  # the Liudong example's, copied beside
DRAWINGS = Path(__file__).resolve().parent.parent / "examples" / "liudong"


def officers(n: int, seed: int = 2022, stations: int = len(UNITS)):
    """``n`` fictional officers as CSV rows, the same for the same ``n``, ``seed`` and
    ``stations``: the roster cut into that many stations (1 to 3) in order, as a bureau's
    roster of several stations is; one is a station's own roster."""
    if not 1 <= stations <= len(UNITS):
        raise ValueError(f"stations: 1 to {len(UNITS)}, not {stations}")
    rng = random.Random(seed)
    for i in range(1, n + 1):
        unit, address, hotline = UNITS[(i - 1) * stations // max(n, 1)]
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.randint(1, 2)))
        yield [
            f"BK{i:06d}", name, rng.choice(POSTS),
            f"0772-{i % 10_000_000:07d}", f"138{i % 100_000_000:08d}",
            f"https://u.wechat.com/BENCH{i:06d}", rng.choice(AREAS), unit, address, hotline,
            *WEB,
        ]


def write_roster(n: int, path: Path, seed: int = 2022, stations: int = len(UNITS)) -> Path:
    """Write a CSV roster of ``n`` fictional officers of ``stations`` stations (UTF-8,
    Chinese headers)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(officers(n, seed, stations))
    for name in WEB[3:]:  # the mascot's drawings, which the rows name
        target = path.parent / name
        if not target.exists():
            target.write_bytes((DRAWINGS / name).read_bytes())
    marker = path.parent / "cardkit.yaml"
    if not marker.exists():
        marker.write_text("specimen: true  # fictional officers, placeholder numbers\n",
                          encoding="utf-8")
    return path


if __name__ == "__main__":
    import sys

    # roster.py N PATH [STATIONS]
    write_roster(int(sys.argv[1]), Path(sys.argv[2]),
                 stations=int(sys.argv[3]) if len(sys.argv) > 3 else len(UNITS))

"""Generate a realistic village resident sheet (CSV, UTF-8) of any size for the benchmarks.

Households of 1–6 people in grids '1网格'…'N网格' of one village, invented names, checksum-valid ID
numbers under the unassigned address code 430599 (plus ~0.5 % invalid ones: bad check digit,
Excel scientific notation, wrong length), mobiles with the unissued prefix 154, addresses by group.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from fangkong.core.validators import id_check_char  # noqa: E402

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国志春梅海燕玉红德文小永晓子涵轩浩然欣怡佳俊宇雨"
HEADER = [
    "姓名",
    "身份证号码",
    "联系电话",
    "户主姓名",
    "与户主关系",
    "家庭住址",
    "网格",
    "低保",
    "独居老人",
]
RELATIONS = ["户主", "配偶", "子", "女", "父亲", "母亲"]


def rows(n: int, *, grids: int = 8, seed: int = 1) -> list[list[str]]:
    rng = random.Random(seed)
    base = dt.date(1930, 1, 1)
    out: list[list[str]] = []
    used: set[str] = set()
    household = 0
    while len(out) < n:
        household += 1
        size = rng.choice([1, 2, 2, 3, 3, 3, 4, 4, 5, 6])
        surname = rng.choice(SURNAMES)
        head = surname + rng.choice(GIVEN) + rng.choice(GIVEN)
        grid = f"{household % grids + 1}网格"
        address = f"前进村{household % 40 + 1}组{household}号"
        for i in range(size):
            if len(out) >= n:
                break
            name = head if i == 0 else surname + rng.choice(GIVEN) + rng.choice(GIVEN)
            while True:
                birth = base + dt.timedelta(days=rng.randrange(32000))
                first17 = f"430599{birth:%Y%m%d}{rng.randrange(1000):03d}"
                if first17 not in used:
                    used.add(first17)
                    break
            number = first17 + id_check_char(first17)
            roll = rng.random()
            if roll < 0.002:
                number = number[:17] + ("0" if number[17] != "0" else "1")
            elif roll < 0.003:
                number = f"{float(number[:17]) * 10:.14E}".replace("E+", "E+")
            elif roll < 0.005:
                number = number[:16]
            phone = f"154{rng.randrange(10**8):08d}" if rng.random() < 0.8 else ""
            out.append(
                [
                    name,
                    number,
                    phone,
                    head,
                    RELATIONS[min(i, len(RELATIONS) - 1)],
                    address,
                    grid,
                    "是" if rng.random() < 0.03 else "",
                    "是" if size == 1 and rng.random() < 0.3 else "",
                ]
            )
    return out


def write(path: Path, n: int) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADER)
        writer.writerows(rows(n))
    return path


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("path", type=Path)
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    write(args.path, args.rows)

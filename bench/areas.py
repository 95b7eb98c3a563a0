"""A county's area tree in the NBS layout, and how long ``fangkong import_areas`` takes on it.

Writes ``county.csv`` (统计用区划代码, 城乡分类代码, 名称: the county, 16 townships and about 12
villages each, names invented, village names with 村委会/居委会 as the NBS publishes them) and
``grids.csv`` (村, 网格名称, 网格编号, 组/楼栋: five grids per village in two groups), then imports
both into a fresh SQLite database with the real command and prints the times and the counts,
then imports them again (no change expected).

    python3 -m uv run --frozen python bench/areas.py [--out DIR] [--townships 16] [--villages 12]
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

COUNTY = ("430599", "样例县")
SYLLABLES = (
    "东西南北新老大小上下前后金银石桥河湾塘坪岭冲坡山林田湖溪港源泉桂竹松柏杨柳梅兰荷莲枫桃李"
)


def _name(rng: random.Random, used: set[str], length: int = 2) -> str:
    while True:
        name = "".join(rng.choice(SYLLABLES) for _ in range(length))
        if name not in used:
            used.add(name)
            return name


def write_files(out: Path, townships: int, villages: int, grids: int, seed: int = 2020) -> int:
    rng = random.Random(seed)
    used: set[str] = set()
    county_code = COUNTY[0] + "000000"
    areas = 1
    with (
        (out / "county.csv").open("w", encoding="utf-8", newline="") as fh_codes,
        (out / "grids.csv").open("w", encoding="utf-8", newline="") as fh_grids,
    ):
        codes = csv.writer(fh_codes)
        sheet = csv.writer(fh_grids)
        codes.writerow(["统计用区划代码", "城乡分类代码", "名称"])
        sheet.writerow(["村", "网格名称", "网格编号", "组/楼栋"])
        codes.writerow([county_code, "", COUNTY[1]])
        for t in range(1, townships + 1):
            kind = "镇" if t % 3 else "街道"
            township = f"{COUNTY[0]}{100 + t:03d}000"
            codes.writerow([township, "", _name(rng, used) + kind])
            areas += 1
            count = villages + rng.randint(-2, 2)
            for v in range(1, count + 1):
                community = kind == "街道" and v <= 3
                code = f"{township[:9]}{(1 if community else 200) + v:03d}"
                base = _name(rng, used)
                name = base + ("社区居委会" if community else "村委会")
                codes.writerow([code, "111" if community else "220", name])
                areas += 1
                for g in range(1, grids + 1):
                    group = "1组" if g <= (grids + 1) // 2 else "2组"
                    sheet.writerow([code, f"{base}{g}网格", f"{g:02d}", group])
                    areas += 1
                areas += 2  # the two groups
    return areas


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path)
    parser.add_argument("--townships", type=int, default=16)
    parser.add_argument("--villages", type=int, default=12)
    parser.add_argument("--grids", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        out = args.out or Path(tmp)
        out.mkdir(parents=True, exist_ok=True)
        expected = write_files(out, args.townships, args.villages, args.grids)
        env = dict(
            os.environ,
            DATABASE_URL=f"sqlite:///{Path(tmp) / 'bench.sqlite3'}",
            FANGKONG_VAR_DIR=tmp,
            DJANGO_SETTINGS_MODULE="config.settings.base",
        )
        fangkong = [sys.executable, "-m", "fangkong"]
        subprocess.run([*fangkong, "migrate", "-v0"], env=env, check=True)  # noqa: S603
        print(f"areas in the files: {expected}")
        for attempt in ("first run", "second run"):
            for name, extra in (("county.csv", []), ("grids.csv", ["--county", COUNTY[0]])):
                started = time.perf_counter()
                done = subprocess.run(  # noqa: S603
                    [*fangkong, "import_areas", str(out / name), *extra, "--format", "json"],
                    env=env,
                    capture_output=True,
                    text=True,
                )
                seconds = time.perf_counter() - started
                print(f"{attempt} {name}: {seconds:.2f} s (process) · {done.stdout.strip()[:220]}")


if __name__ == "__main__":
    main()

from __future__ import annotations

import factory

from fangkong.areas.models import Area, Level


class AreaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Area

    name = factory.Sequence(lambda n: f"区域{n}")
    level = Level.COUNTY
    code = factory.Sequence(lambda n: f"{430500 + n:06d}000000")
    parent = None


def build_tree() -> dict[str, Area]:
    """county 双清区 → 火车站乡 → 前进村 (grids 01, 02) and 白云村 (grid 01)."""
    county = AreaFactory(name="双清区", level=Level.COUNTY, code="430502000000")
    township = AreaFactory(
        name="火车站乡", level=Level.TOWNSHIP, code="430502005000", parent=county
    )
    qianjin = AreaFactory(name="前进村", level=Level.VILLAGE, code="430502005201", parent=township)
    baiyun = AreaFactory(name="白云村", level=Level.VILLAGE, code="430502005202", parent=township)
    return {
        "county": county,
        "township": township,
        "qianjin": qianjin,
        "baiyun": baiyun,
        "qianjin_g1": AreaFactory(name="前进村1网格", level=Level.GRID, code="01", parent=qianjin),
        "qianjin_g2": AreaFactory(name="前进村2网格", level=Level.GRID, code="02", parent=qianjin),
        "baiyun_g1": AreaFactory(name="白云村1网格", level=Level.GRID, code="01", parent=baiyun),
    }

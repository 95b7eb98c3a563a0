"""Where someone came from: free text ("湖北武汉", "武汉市江岸区", "孝感") to a province and a city.

A small table, not a gazetteer: all 34 provincial-level divisions, every prefecture-level city of
湖北 (and the districts of 武汉), and the capitals and large cities of the other provinces. Text
that names nothing in the table is "not recognised" (the visit keeps the text as typed; a person
reads it). The scan is left to right, longest name first, so "湖北京山" is 湖北 (not 北京) and
"吉林省吉林市" is the province and then the city.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

# code (12 digits), full name, short names
PROVINCES: list[tuple[str, str, tuple[str, ...]]] = [
    ("110000000000", "北京市", ("北京",)),
    ("120000000000", "天津市", ("天津",)),
    ("130000000000", "河北省", ("河北",)),
    ("140000000000", "山西省", ("山西",)),
    ("150000000000", "内蒙古自治区", ("内蒙古", "内蒙")),
    ("210000000000", "辽宁省", ("辽宁",)),
    ("220000000000", "吉林省", ("吉林",)),
    ("230000000000", "黑龙江省", ("黑龙江",)),
    ("310000000000", "上海市", ("上海",)),
    ("320000000000", "江苏省", ("江苏",)),
    ("330000000000", "浙江省", ("浙江",)),
    ("340000000000", "安徽省", ("安徽",)),
    ("350000000000", "福建省", ("福建",)),
    ("360000000000", "江西省", ("江西",)),
    ("370000000000", "山东省", ("山东",)),
    ("410000000000", "河南省", ("河南",)),
    ("420000000000", "湖北省", ("湖北", "鄂")),
    ("430000000000", "湖南省", ("湖南",)),
    ("440000000000", "广东省", ("广东",)),
    ("450000000000", "广西壮族自治区", ("广西",)),
    ("460000000000", "海南省", ("海南",)),
    ("500000000000", "重庆市", ("重庆",)),
    ("510000000000", "四川省", ("四川",)),
    ("520000000000", "贵州省", ("贵州",)),
    ("530000000000", "云南省", ("云南",)),
    ("540000000000", "西藏自治区", ("西藏",)),
    ("610000000000", "陕西省", ("陕西",)),
    ("620000000000", "甘肃省", ("甘肃",)),
    ("630000000000", "青海省", ("青海",)),
    ("640000000000", "宁夏回族自治区", ("宁夏",)),
    ("650000000000", "新疆维吾尔自治区", ("新疆",)),
    ("710000000000", "台湾省", ("台湾",)),
    ("810000000000", "香港特别行政区", ("香港",)),
    ("820000000000", "澳门特别行政区", ("澳门",)),
]

# Prefecture-level cities (and the directly administered county-level cities of 湖北).
CITIES: list[tuple[str, str, tuple[str, ...]]] = [
    # 湖北: every city
    ("420100000000", "武汉市", ("武汉", "汉口", "武昌", "汉阳")),
    ("420200000000", "黄石市", ("黄石",)),
    ("420300000000", "十堰市", ("十堰",)),
    ("420500000000", "宜昌市", ("宜昌",)),
    ("420600000000", "襄阳市", ("襄阳", "襄樊")),
    ("420700000000", "鄂州市", ("鄂州",)),
    ("420800000000", "荆门市", ("荆门",)),
    ("420900000000", "孝感市", ("孝感",)),
    ("421000000000", "荆州市", ("荆州",)),
    ("421100000000", "黄冈市", ("黄冈",)),
    ("421200000000", "咸宁市", ("咸宁",)),
    ("421300000000", "随州市", ("随州",)),
    ("422800000000", "恩施土家族苗族自治州", ("恩施州", "恩施")),
    ("429004000000", "仙桃市", ("仙桃",)),
    ("429005000000", "潜江市", ("潜江",)),
    ("429006000000", "天门市", ("天门",)),
    ("429021000000", "神农架林区", ("神农架",)),
    # 湖南 (the demo county's province)
    ("430100000000", "长沙市", ("长沙",)),
    ("430200000000", "株洲市", ("株洲",)),
    ("430300000000", "湘潭市", ("湘潭",)),
    ("430400000000", "衡阳市", ("衡阳",)),
    ("430500000000", "邵阳市", ("邵阳",)),
    ("430600000000", "岳阳市", ("岳阳",)),
    ("430700000000", "常德市", ("常德",)),
    ("430900000000", "益阳市", ("益阳",)),
    ("431000000000", "郴州市", ("郴州",)),
    ("431100000000", "永州市", ("永州",)),
    ("431200000000", "怀化市", ("怀化",)),
    ("431300000000", "娄底市", ("娄底",)),
    # capitals and large cities elsewhere
    ("130100000000", "石家庄市", ("石家庄",)),
    ("140100000000", "太原市", ("太原",)),
    ("150100000000", "呼和浩特市", ("呼和浩特",)),
    ("210100000000", "沈阳市", ("沈阳",)),
    ("210200000000", "大连市", ("大连",)),
    ("220100000000", "长春市", ("长春",)),
    ("220200000000", "吉林市", ("吉林",)),
    ("230100000000", "哈尔滨市", ("哈尔滨",)),
    ("320100000000", "南京市", ("南京",)),
    ("320500000000", "苏州市", ("苏州",)),
    ("330100000000", "杭州市", ("杭州",)),
    ("330200000000", "宁波市", ("宁波",)),
    ("330300000000", "温州市", ("温州",)),
    ("340100000000", "合肥市", ("合肥",)),
    ("350100000000", "福州市", ("福州",)),
    ("350200000000", "厦门市", ("厦门",)),
    ("360100000000", "南昌市", ("南昌",)),
    ("360400000000", "九江市", ("九江",)),
    ("370100000000", "济南市", ("济南",)),
    ("370200000000", "青岛市", ("青岛",)),
    ("410100000000", "郑州市", ("郑州",)),
    ("411500000000", "信阳市", ("信阳",)),
    ("440100000000", "广州市", ("广州",)),
    ("440300000000", "深圳市", ("深圳",)),
    ("441900000000", "东莞市", ("东莞",)),
    ("440600000000", "佛山市", ("佛山",)),
    ("450100000000", "南宁市", ("南宁",)),
    ("460100000000", "海口市", ("海口",)),
    ("510100000000", "成都市", ("成都",)),
    ("520100000000", "贵阳市", ("贵阳",)),
    ("530100000000", "昆明市", ("昆明",)),
    ("540100000000", "拉萨市", ("拉萨",)),
    ("610100000000", "西安市", ("西安",)),
    ("620100000000", "兰州市", ("兰州",)),
    ("630100000000", "西宁市", ("西宁",)),
    ("640100000000", "银川市", ("银川",)),
    ("650100000000", "乌鲁木齐市", ("乌鲁木齐",)),
]

# Districts of 武汉 (county level), so a district-level risk area can be matched too.
COUNTIES: list[tuple[str, str, tuple[str, ...]]] = [
    ("420102000000", "江岸区", ()),
    ("420103000000", "江汉区", ()),
    ("420104000000", "硚口区", ()),
    ("420105000000", "汉阳区", ()),
    ("420106000000", "武昌区", ()),
    ("420107000000", "青山区", ()),
    ("420111000000", "洪山区", ()),
    ("420112000000", "东西湖区", ("东西湖",)),
    ("420113000000", "汉南区", ()),
    ("420114000000", "蔡甸区", ("蔡甸",)),
    ("420115000000", "江夏区", ("江夏",)),
    ("420116000000", "黄陂区", ("黄陂",)),
    ("420117000000", "新洲区", ("新洲",)),
]

_SUFFIXES = ("特别行政区", "自治区", "自治州", "省", "市", "州", "区", "县", "地区")


def province_code(code: str) -> str:
    return code[:2] + "0" * 10


def city_code(code: str) -> str:
    return code[:4] + "0" * 8


@dataclass(frozen=True)
class Place:
    """What a text names: a province, maybe a city in it, maybe a district of that city."""

    province_code: str = ""
    province: str = ""
    city_code: str = ""
    city: str = ""
    county_code: str = ""
    county: str = ""

    @property
    def recognised(self) -> bool:
        return bool(self.province_code)

    @property
    def code(self) -> str:
        """The most precise code known (county, else city, else province)."""
        return self.county_code or self.city_code or self.province_code

    @property
    def name(self) -> str:
        """'湖北省武汉市' — province and city, for grouping figures by origin."""
        if self.province == self.city:
            return self.province
        return self.province + self.city

    def codes(self) -> set[str]:
        return {c for c in (self.province_code, self.city_code, self.county_code) if c}


_NAMES: dict[str, str] = {}  # code -> full name
# Each name (full and short) with the codes it can mean, kinds in order province, city, county.
_LOOKUP: dict[str, list[tuple[str, str]]] = {}


def _add(kind: str, code: str, full: str, shorts: tuple[str, ...]) -> None:
    _NAMES[code] = full
    names = {full, *shorts}
    for name in names:
        _LOOKUP.setdefault(name, []).append((kind, code))


for _code, _full, _shorts in PROVINCES:
    _add("province", _code, _full, _shorts)
for _code, _full, _shorts in CITIES:
    _add("city", _code, _full, _shorts)
for _code, _full, _shorts in COUNTIES:
    _add("county", _code, _full, _shorts)
_BY_LENGTH = sorted(_LOOKUP, key=len, reverse=True)
_MAX = max(map(len, _BY_LENGTH))
_NOISE = re.compile(r"[\s,，。.;；:：()（）\[\]【】\"'“”]+")


def _tokens(text: str) -> list[list[tuple[str, str]]]:
    """Left to right, longest name first; unknown characters are skipped one at a time."""
    text = _NOISE.sub("", text).removeprefix("中国")
    found = []
    i = 0
    while i < len(text):
        for length in range(min(_MAX, len(text) - i), 0, -1):
            piece = text[i : i + length]
            if piece in _LOOKUP and (length > 1 or piece == "鄂"):
                found.append(_LOOKUP[piece])
                # A suffix right after a short name ("武汉" + "市") belongs to it.
                i += length
                for suffix in _SUFFIXES:
                    if text.startswith(suffix, i):
                        i += len(suffix)
                        break
                break
        else:
            i += 1
    return found


@lru_cache(maxsize=4096)
def place_of(text: str) -> Place:
    """The province, city and district a text names; an empty ``Place`` if none is known.

    Remembered per process (the table is fixed, a ``Place`` immutable): at a checkpoint the same
    few origins are typed all day."""
    province = city = county = ""
    for meanings in _tokens(text or ""):
        kinds = dict(meanings)
        if not province and "province" in kinds and not (city or county):
            province = kinds["province"]
            continue
        if not city and "city" in kinds:
            code = kinds["city"]
            if not province or province_code(code) == province:
                city = code
                province = province or province_code(code)
                continue
        if not county and "county" in kinds:
            code = kinds["county"]
            if (not city or city_code(code) == city) and (
                not province or province_code(code) == province
            ):
                county = code
                city = city or city_code(code)
                province = province or province_code(code)
    if not province:
        return Place()
    if not city and _NAMES[province].endswith("市"):  # a municipality is its own city
        city = province
    return Place(
        province_code=province,
        province=_NAMES[province],
        city_code=city,
        city=_NAMES.get(city, ""),
        county_code=county,
        county=_NAMES.get(county, ""),
    )


_ROUTE_SPLIT = re.compile(r"[-—–~→>＞、，,;；/／\s]+|经|途经|转|到|至")


def places_on_route(route: str) -> list[Place]:
    """Each recognised stop of a route typed as '广州-武汉-长沙' or '武汉经岳阳到邵阳'."""
    places = [place_of(part) for part in _ROUTE_SPLIT.split(route or "") if part]
    return [p for p in places if p.recognised]

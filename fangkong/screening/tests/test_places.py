"""The place matcher and the risk-area rule: names and codes, dates in force, routes."""

from __future__ import annotations

import datetime as dt

import pytest

from fangkong.screening.models import RiskArea, RiskLevel
from fangkong.screening.places import place_of, places_on_route
from fangkong.screening.risk import travel_assess


@pytest.mark.parametrize(
    ("text", "name", "code"),
    [
        ("湖北武汉", "湖北省武汉市", "420100000000"),
        ("武汉市江岸区", "湖北省武汉市", "420102000000"),
        ("孝感", "湖北省孝感市", "420900000000"),
        ("湖北省黄冈市麻城", "湖北省黄冈市", "421100000000"),
        ("湖北", "湖北省", "420000000000"),
        ("湖北京山", "湖北省", "420000000000"),  # 京山 is in 湖北, not 北京
        ("汉口", "湖北省武汉市", "420100000000"),
        ("恩施州", "湖北省恩施土家族苗族自治州", "422800000000"),
        ("中国 广东 深圳", "广东省深圳市", "440300000000"),
        ("吉林省吉林市", "吉林省吉林市", "220200000000"),
        ("吉林", "吉林省", "220000000000"),
        ("北京", "北京市", "110000000000"),
        ("上海市浦东新区", "上海市", "310000000000"),
        ("浙江温州", "浙江省温州市", "330300000000"),
        ("武汉, 湖北", "湖北省武汉市", "420100000000"),
    ],
)
def test_place_of_recognises_provinces_cities_and_districts(text, name, code):
    place = place_of(text)
    assert place.recognised
    assert (place.name, place.code) == (name, code)


@pytest.mark.parametrize("text", ["", "   ", "本地", "外出打工", "XYZ"])
def test_unknown_text_is_not_recognised(text):
    assert not place_of(text).recognised


def test_a_city_in_another_province_is_not_taken_for_the_province():
    # "广东孝感" is nonsense: the province wins, the city of another province is dropped.
    place = place_of("广东孝感")
    assert place.province_code == "440000000000" and place.city_code == ""


def test_route_stops():
    assert [p.name for p in places_on_route("广州-武汉-长沙")] == [
        "广东省广州市",
        "湖北省武汉市",
        "湖南省长沙市",
    ]
    assert [p.city for p in places_on_route("武汉经岳阳到邵阳")] == ["武汉市", "岳阳市", "邵阳市"]


def _risk(level, code, start, end=None, pk=None):
    return RiskArea(pk=pk, name=code, level=level, code=code, valid_from=start, valid_to=end)


HUBEI = _risk(RiskLevel.PROVINCE, "420000000000", dt.date(2020, 1, 1), pk=1)
WUHAN = _risk(RiskLevel.CITY, "420100000000", dt.date(2020, 1, 1), pk=2)
JIANGAN = _risk(RiskLevel.COUNTY, "420102000000", dt.date(2020, 1, 1), dt.date(2020, 3, 1), pk=3)
ALL = [HUBEI, WUHAN, JIANGAN]
VISIT = dt.date(2020, 1, 27)


def assess(travel_from, returned_on=dt.date(2020, 1, 20), route="", risk_areas=ALL):
    return travel_assess(
        travel_from=travel_from,
        route=route,
        returned_on=returned_on,
        visited_on=VISIT,
        risk_areas=risk_areas,
    )


def test_the_most_precise_risk_area_in_force_is_named():
    assert assess("湖北武汉").risk_area == WUHAN
    assert assess("孝感").risk_area == HUBEI
    assert assess("武汉市江岸区").risk_area == JIANGAN
    assert assess("湖北").risk_area == HUBEI


def test_only_risk_areas_in_force_on_the_day_back_count():
    assert assess("武汉", returned_on=dt.date(2019, 12, 20)).risk_area is None
    assert assess("武汉市江岸区", returned_on=dt.date(2020, 3, 2)).risk_area == WUHAN
    ended = _risk(RiskLevel.CITY, "420100000000", dt.date(2020, 1, 1), dt.date(2020, 1, 10))
    assert assess("武汉", returned_on=dt.date(2020, 1, 11), risk_areas=[ended]).risk_area is None
    assert assess("武汉", returned_on=dt.date(2020, 1, 10), risk_areas=[ended]).risk_area == ended


def test_an_unknown_date_back_counts_as_the_visit_day():
    later = _risk(RiskLevel.CITY, "420100000000", dt.date(2020, 1, 25))
    assert assess("武汉", returned_on=None, risk_areas=[later]).risk_area == later


def test_a_route_through_a_risk_area_counts():
    result = assess("广东深圳", route="深圳-武汉-邵阳")
    assert result.via_risk_area and result.risk_area == WUHAN
    assert result.origin.name == "广东省深圳市"


def test_other_places_and_no_travel_are_not_risk():
    assert not assess("广东深圳").via_risk_area
    assert not assess("").via_risk_area
    assert not assess("外地").via_risk_area

"""The shared value parsers of ``fangkong.core.sheets``: every accepted form of a value reads the
same, and what cannot be read says so."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from fangkong.core.sheets.reading import csv_encoding, normalise_header, row_kind
from fangkong.core.sheets.values import (
    EXCEL_EPOCH,
    DateColumn,
    Unreadable,
    id_type_of,
    lost_characters,
    parse_date,
    parse_flag,
    parse_id_number,
    parse_name,
    parse_other_id,
    parse_phones,
    upgrade_id15,
)
from fangkong.core.validators import id_check_char, validate_id_number

days = st.dates(min_value=dt.date(1955, 1, 1), max_value=dt.date(2099, 12, 31))


def written_forms(day: dt.date) -> list[object]:
    """Every way a village sheet writes that day."""
    serial = (day - EXCEL_EPOCH).days
    return [
        day,
        dt.datetime.combine(day, dt.time(9, 30)),
        day.isoformat(),
        f"{day.isoformat()} 08:00:00",
        f"{day:%Y%m%d}",
        int(f"{day:%Y%m%d}"),
        f"{day.year}.{day.month}.{day.day}",
        f"{day.year}/{day.month}/{day.day}",
        f"{day.year}年{day.month}月{day.day}日",
        f"{day.year}-{day.month}-{day.day}",
        float(serial),
        serial,
        str(serial),
        f" {day.year}．{day.month}．{day.day} ",  # full-width dots
    ]


@settings(max_examples=60, deadline=None)
@given(days)
def test_every_accepted_form_of_a_day_reads_as_that_day(day):
    for form in written_forms(day):
        assert parse_date(form) == day, form
    assert parse_date(f"{day.month}月{day.day}日", year=day.year) == day
    assert parse_date(f"{day.month}.{day.day}", year=day.year) == day


@settings(max_examples=40, deadline=None)
@given(days)
def test_a_date_without_year_takes_the_year_of_the_dates_above_it(day):
    column = DateColumn(today=dt.date(2100, 1, 1))
    assert column.read(day.isoformat()) == day
    assert column.read(f"{day.month}月{day.day}日") == day


def test_a_date_without_year_and_no_context_is_not_in_the_future():
    column = DateColumn(today=dt.date(2020, 2, 10))
    assert column.read("1月23日") == dt.date(2020, 1, 23)
    assert column.read("12月30日") is not None
    assert DateColumn(today=dt.date(2020, 2, 10)).read("12月30日") == dt.date(2019, 12, 30)


@pytest.mark.parametrize("value", ["昨天", "2020-02-30", "13/45", "1月23日", "2020-13-01", "12"])
def test_unreadable_dates_say_so(value):
    with pytest.raises(Unreadable):
        parse_date(value)


def test_empty_dates_are_none():
    assert parse_date(None) is None and parse_date("  ") is None


first15 = st.builds(
    lambda region, birth, seq: f"{region}{birth:%y%m%d}{seq:03d}",
    st.sampled_from(["430502", "430599", "110101", "440305"]),
    st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(1999, 12, 31)),
    st.integers(min_value=0, max_value=999),
)


@settings(max_examples=80, deadline=None)
@given(first15)
def test_a_15_digit_number_upgraded_passes_the_check(number):
    upgraded = upgrade_id15(number)
    assert len(upgraded) == 18 and upgraded[6:8] == "19"
    assert upgraded[:6] + upgraded[8:17] == number
    assert validate_id_number(upgraded) == upgraded
    assert parse_id_number(number) == (upgraded, True)


def test_id_numbers_from_excel_cells():
    first17 = "43059919900101001"
    number = first17 + id_check_char(first17)
    assert parse_id_number(f"'{number}") == (number, False)
    assert parse_id_number(f" {number.lower()} ") == (number, False)
    with pytest.raises(ValidationError) as error:
        parse_id_number("4.30599199001011E+17")
    assert error.value.code == "id_scientific"
    with pytest.raises(ValidationError) as error:
        parse_id_number(4.305991990010101e17)  # an 18-digit number cell: digits lost
    assert error.value.code == "id_scientific"
    assert parse_id_number(430599620101052.0)[1] is True  # a 15-digit number cell is exact
    with pytest.raises(ValidationError) as error:
        parse_id_number("4305**********001X")  # a masked export
    assert error.value.code == "id_masked"
    with pytest.raises(ValidationError) as error:
        parse_other_id("C1*****78")  # a masked passport number is not a number either
    assert error.value.code == "id_masked"


@pytest.mark.parametrize(
    ("cell", "phone", "extra"),
    [
        ("15412340116", "15412340116", []),
        ("15412340116/15412340117", "15412340116", ["15412340117"]),
        ("15412340116，15412340117", "15412340116", ["15412340117"]),
        ("15412340116 15412340117", "15412340116", ["15412340117"]),
        ("86-15412340114", "15412340114", []),
        ("+86 154 1234 0114", "15412340114", []),
        ("8615412340114", "15412340114", []),
        ("0739-5221234", "0739-5221234", []),
        ("0739 5221234", "0739-5221234", []),
        ("0739-5221234-801", "0739-5221234", ["分机 801"]),
        ("0739-5221234转801", "0739-5221234", ["分机 801"]),
        ("15412340116/无", "15412340116", ["无"]),
        (15412340116.0, "15412340116", []),
        ("", "", []),
    ],
)
def test_phones(cell, phone, extra):
    found = parse_phones(cell)
    assert (found.phone, found.extra) == (phone, extra)


def test_a_cell_with_no_readable_phone_is_unreadable():
    with pytest.raises(Unreadable):
        parse_phones("138123")


@pytest.mark.parametrize(
    ("cell", "value"),
    [
        ("是", True),
        ("√", True),
        ("Y", True),
        ("有", True),
        ("否", False),
        ("", False),
        (None, False),
    ],
)
def test_flags(cell, value):
    assert parse_flag(cell) is value


def test_an_unknown_flag_is_unreadable():
    with pytest.raises(Unreadable):
        parse_flag("也许")


@pytest.mark.parametrize(
    ("cell", "name"),
    [
        ("Anna Müller", "Anna Müller"),
        ("  Anna   Müller ", "Anna Müller"),
        ("JEAN-LUC Picard", "JEAN-LUC Picard"),
        ("张  三", "张三"),
        ("𠮷林", "𠮷林"),
        ("Ｌｉ Ｗｅｉ", "Li Wei"),
    ],
)
def test_names_keep_latin_spacing_and_case(cell, name):
    assert parse_name(cell) == name


def test_lost_characters():
    assert lost_characters("?林") and lost_characters("？林") and lost_characters("\ufffd林")
    assert not lost_characters("𠮷林")


@pytest.mark.parametrize(
    ("cell", "kind", "known"),
    [
        ("", "resident_id", True),
        ("居民身份证", "resident_id", True),
        ("港澳台居民居住证", "residence_permit", True),
        ("外国人永久居留身份证", "foreign_pr", True),
        ("护照", "passport", True),
        ("台胞证", "taiwan", True),
        ("其他", "other", True),
        ("军官证", "other", False),
    ],
)
def test_id_types(cell, kind, known):
    assert id_type_of(cell) == (kind, known)


def test_csv_encodings():
    text = "姓名,身份证号\n"
    assert csv_encoding(text.encode("utf-8-sig")) == "utf-8-sig"
    assert csv_encoding(text.encode("utf-8")) == "utf-8"
    assert csv_encoding(text.encode("utf-16")) == "utf-16"
    assert csv_encoding(text.encode("utf-16-le")) == "utf-16-le"
    assert csv_encoding(text.encode("gbk")) == "gb18030"


def test_headers_and_rows_that_are_not_people():
    assert normalise_header("现住址（详细到门牌号）") == "现住址"
    assert normalise_header(" 姓 名* ") == "姓名"
    assert row_kind(["合计", "", "12人"]) == "total"
    assert row_kind(["填表人：张三", "", "联系电话：0739-5221234"]) == "footer"
    assert row_kind(["一、返乡人员", "", ""]) == "section"
    assert row_kind(["", "", ""]) == "blank"
    assert row_kind(["张三", "", ""]) == ""  # a person without an ID: rejected, not hidden

"""居民身份证 numbers and phone numbers: what the register accepts, how it normalises, what it refuses."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from fangkong.core.masking import mask_id, mask_phone
from fangkong.core.validators import (
    id_birth_date,
    id_check_char,
    id_sex,
    normalise_text,
    validate_id_number,
    validate_phone,
    validate_yuan,
)

ID_CHARS = "0123456789X"
# 1990-01-01, male (sequence 001 → 17th digit 1), checksum computed below.
KNOWN_FIRST17 = "43050219900101001"
KNOWN_ID = KNOWN_FIRST17 + id_check_char(KNOWN_FIRST17)


def _make(region: str, birth: dt.date, seq: int) -> str:
    first17 = f"{region}{birth:%Y%m%d}{seq:03d}"
    return first17 + id_check_char(first17)


def _code(value: object, validator=validate_id_number) -> str | None:
    with pytest.raises(ValidationError) as info:
        validator(value)
    return info.value.code


valid_ids = st.builds(
    _make,
    region=st.text(alphabet="0123456789", min_size=6, max_size=6),
    # Today as the validator sees it (Asia/Shanghai), not the machine's clock.
    birth=st.dates(min_value=dt.date(1900, 1, 1), max_value=timezone.localdate()),
    seq=st.integers(min_value=0, max_value=999),
)


# --- 居民身份证 numbers -------------------------------------------------------------------------


def test_check_char_of_a_published_example():
    # The worked example of GB 11643-1999: 11010519491231002 → X.
    assert id_check_char("11010519491231002") == "X"
    assert validate_id_number("11010519491231002X") == "11010519491231002X"


@settings(max_examples=300, deadline=None)
@given(number=valid_ids)
def test_every_valid_number_passes(number):
    assert validate_id_number(number) == number


@settings(max_examples=150, deadline=None)
@given(number=valid_ids, position=st.integers(min_value=0, max_value=17), data=st.data())
def test_every_single_character_change_fails(number, position, data):
    replacement = data.draw(st.sampled_from([c for c in ID_CHARS if c != number[position]]))
    changed = number[:position] + replacement + number[position + 1 :]
    with pytest.raises(ValidationError) as info:
        validate_id_number(changed)
    # An X inside the 17 digits is a format error, a broken date a date error, else the checksum.
    assert info.value.code in {"id_format", "id_birth_date", "id_future", "id_checksum"}


def test_single_change_of_a_plain_digit_is_a_checksum_error():
    changed = KNOWN_ID[:15] + ("2" if KNOWN_ID[15] != "2" else "3") + KNOWN_ID[16:]
    assert _code(changed) == "id_checksum"


@pytest.mark.parametrize(
    "typed",
    [
        "".join(chr(ord(c) + 0xFEE0) for c in KNOWN_ID),  # full-width digits (IME input)
        f"  {KNOWN_ID}  ",
        f"\t{KNOWN_ID}\n",
        f"{KNOWN_ID[:6]} {KNOWN_ID[6:14]} {KNOWN_ID[14:]}",
    ],
    ids=["full-width", "spaces", "tabs-newline", "grouped"],
)
def test_normalisation_accepts_what_people_type(typed):
    assert validate_id_number(typed) == KNOWN_ID


def test_lower_case_x_is_accepted_and_upper_cased():
    assert validate_id_number("11010519491231002x") == "11010519491231002X"
    assert validate_id_number("１１０１０５１９４９１２３１００２ｘ") == "11010519491231002X"


# "Tomorrow" taken just before midnight would be today by the time it is validated.
@pytest.mark.usefixtures("steady_clock")
def test_future_birth_date_is_rejected():
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    first17 = f"430502{tomorrow:%Y%m%d}001"
    assert _code(first17 + id_check_char(first17)) == "id_future"


def test_today_is_a_possible_birth_date():
    today = timezone.localdate()
    first17 = f"430502{today:%Y%m%d}001"
    assert validate_id_number(first17 + id_check_char(first17))


def test_impossible_date_is_rejected():
    first17 = "43050219900230001"  # 30 February
    assert _code(first17 + id_check_char(first17)) == "id_birth_date"


def test_birth_year_before_1880_is_rejected():
    first17 = "43050218700101001"
    assert _code(first17 + id_check_char(first17)) == "id_birth_date"


@pytest.mark.parametrize("value", [KNOWN_ID[:17], KNOWN_ID + "1", "430502", KNOWN_ID[:15]])
def test_wrong_length_is_rejected(value):
    assert _code(value) == "id_length"


@pytest.mark.parametrize("value", ["4.30502199001011E+17", "4.30502199001011e+17", "4.3E17"])
def test_excel_scientific_notation_is_rejected_with_its_own_message(value):
    with pytest.raises(ValidationError) as info:
        validate_id_number(value)
    assert info.value.code == "id_scientific"
    assert "E+17" in str(info.value.messages[0]) or "E17" in str(info.value.messages[0])


@pytest.mark.parametrize("value", ["", "   ", None])
def test_empty_is_required(value):
    assert _code(value) == "id_required"


@pytest.mark.parametrize("value", ["43050219900X01001" + "1", "4305021990010100A1"])
def test_letters_inside_are_a_format_error(value):
    assert _code(value) == "id_format"


def test_sex_and_birth_date_are_derived():
    assert id_sex(KNOWN_ID) == "M"
    assert id_birth_date(KNOWN_ID) == dt.date(1990, 1, 1)
    female17 = "43050219851231002"
    female = female17 + id_check_char(female17)
    assert id_sex(female) == "F"
    assert id_birth_date(female) == dt.date(1985, 12, 31)
    assert id_birth_date("43050219900230001X") is None


@settings(max_examples=100, deadline=None)
@given(number=valid_ids)
def test_derivation_agrees_with_the_digits(number):
    assert id_birth_date(number) == dt.date(
        int(number[6:10]), int(number[10:12]), int(number[12:14])
    )
    assert id_sex(number) == ("M" if int(number[16]) % 2 else "F")


def test_normalise_text():
    assert normalise_text("  ａｂ１２ x ") == "AB12X"
    assert normalise_text(None) == ""


# --- phones --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    ["13812345678", "+86 138 1234 5678", "+8613812345678", "0086 13812345678", "138-1234-5678"],
)
def test_mobile_numbers_are_normalised_to_11_digits(typed):
    assert validate_phone(typed) == "13812345678"


def test_full_width_mobile_is_accepted():
    assert validate_phone("１３８１２３４５６７８") == "13812345678"


def test_mobile_with_an_impossible_prefix_is_rejected():
    assert _code("12345678901", validate_phone) == "phone_mobile_prefix"


@pytest.mark.parametrize("typed", ["0739-5221234", "07395221234", "(0739) 5221234", "0739 5221234"])
def test_landline_is_accepted_and_normalised(typed):
    assert validate_phone(typed) == "0739-5221234"


def test_landline_with_a_two_digit_area_code():
    assert validate_phone("010-62345678") == "010-62345678"
    assert validate_phone("02162345678") == "021-62345678"


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("abc", "phone_format"),
        ("138abcd5678", "phone_format"),
        ("12345", "phone_invalid"),
        ("5221234", "phone_invalid"),  # a landline without its area code
        ("1381234567", "phone_invalid"),  # 10 digits
        ("138123456789", "phone_invalid"),  # 12 digits
        ("", "phone_required"),
    ],
)
def test_garbage_is_rejected(typed, code):
    assert _code(typed, validate_phone) == code


# --- masking -------------------------------------------------------------------------------


def test_mask_id():
    assert mask_id(KNOWN_ID) == KNOWN_ID[:4] + "*" * 10 + KNOWN_ID[-4:]
    assert mask_id("") == ""
    assert mask_id("E1234567") == "E*******"  # short passport-like numbers keep only one char
    assert KNOWN_ID[4:14] not in mask_id(KNOWN_ID)


def test_mask_phone():
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("0739-5221234") == "0739-***1234"
    assert mask_phone("") == ""


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("56.5", "56.50"),
        ("¥56.50", "56.50"),
        ("1,000元", "1000.00"),
        ("５６", "56.00"),
        ("", "0.00"),
    ],
)
def test_yuan_amounts_are_read_to_the_fen(raw, expected):
    assert validate_yuan(raw, field="money", maximum=Decimal(100000)) == Decimal(expected)


@pytest.mark.parametrize("raw", ["-1", "abc", "100000.01", "NaN", "1e9"])
def test_a_bad_amount_names_its_field(raw):
    with pytest.raises(ValidationError) as error:
        validate_yuan(raw, field="money_spent", maximum=Decimal(100000))
    assert list(error.value.message_dict) == ["money_spent"]

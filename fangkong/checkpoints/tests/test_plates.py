"""Plates: ordinary (7 characters) and new-energy (8), typed any way people type them."""

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from fangkong.checkpoints.plates import (
    DIGITS,
    LETTERS,
    NEW_ENERGY_LETTERS,
    PROVINCES,
    SUFFIXES,
    is_new_energy,
    validate_plate,
)

province = st.sampled_from(PROVINCES)
letter = st.sampled_from(LETTERS)
alnum = st.sampled_from(LETTERS + DIGITS)
digit = st.sampled_from(DIGITS)
energy = st.sampled_from(NEW_ENERGY_LETTERS)

ordinary = st.builds(
    lambda p, o, rest: p + o + "".join(rest),
    province,
    letter,
    st.lists(alnum, min_size=5, max_size=5),
)
with_suffix = st.builds(
    lambda p, o, rest, s: p + o + "".join(rest) + s,
    province,
    letter,
    st.lists(alnum, min_size=4, max_size=4),
    st.sampled_from(SUFFIXES),
)
small_green = st.builds(
    lambda p, o, e, a, ds: p + o + e + a + "".join(ds),
    province,
    letter,
    energy,
    alnum,
    st.lists(digit, min_size=4, max_size=4),
)
large_green = st.builds(
    lambda p, o, ds, e: p + o + "".join(ds) + e,
    province,
    letter,
    st.lists(digit, min_size=5, max_size=5),
    energy,
)


@given(st.one_of(ordinary, with_suffix, small_green, large_green))
def test_every_well_formed_plate_is_accepted_as_it_is(plate):
    assert validate_plate(plate) == plate


@given(st.one_of(small_green, large_green))
def test_green_plates_are_new_energy(plate):
    assert is_new_energy(validate_plate(plate))


@given(ordinary, st.sampled_from(["", " ", "·", "•", ".", "-"]))
def test_the_way_it_is_typed_does_not_matter(plate, separator):
    typed = plate[:2].lower() + separator + plate[2:].lower()
    assert validate_plate(typed) == plate
    # Full-width letters and digits from a Chinese keyboard.
    full = "".join(chr(ord(c) + 0xFEE0) if c.isascii() else c for c in plate)
    assert validate_plate(full) == plate


@given(ordinary, st.sampled_from("IO"), st.integers(min_value=2, max_value=6))
def test_i_and_o_are_refused(plate, bad, position):
    wrong = plate[:position] + bad + plate[position + 1 :]
    with pytest.raises(ValidationError) as error:
        validate_plate(wrong)
    assert error.value.code == "plate_io"


@given(ordinary, st.integers(min_value=1, max_value=3))
def test_too_short_or_too_long(plate, cut):
    with pytest.raises(ValidationError):
        validate_plate(plate[:-cut])
    with pytest.raises(ValidationError):
        validate_plate(plate + "12345"[:cut] + "9")


@pytest.mark.parametrize(
    "plate,code",
    [
        ("", "plate_required"),
        ("AE12345", "plate_province"),
        ("港E12345", "plate_province"),
        ("湘512345", "plate_format"),  # the office is a letter
        ("湘ED1234A", "plate_format"),  # a green plate has 4 digits at the end
        ("湘EX12345", "plate_format"),  # X is no new-energy letter
        ("湘E1234D5", "plate_format"),
    ],
)
def test_known_bad_plates(plate, code):
    with pytest.raises(ValidationError) as error:
        validate_plate(plate)
    assert error.value.code == code


@pytest.mark.parametrize(
    "plate",
    ["湘E12345", "鄂A8B8C8", "湘ED12345", "粤BFA1234", "湘E12345D", "京A1234学", "湘E1234挂"],
)
def test_real_looking_plates(plate):
    assert validate_plate(plate) == plate

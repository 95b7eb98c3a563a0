"""The lean reader of a hot write (``core.lean``) never accepts a body its serializer refuses, and
gives the same validated data for one it accepts; the lean writer gives the serializer's answer.
Random bodies (hypothesis) against a serializer with every kind of field the hot paths use."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rest_framework import serializers

from fangkong.core.lean import Fallback, Lean


class Person(serializers.Serializer):
    name = serializers.CharField(max_length=5)
    home = serializers.BooleanField(required=False)
    back = serializers.DateField(required=False, allow_null=True)
    note = serializers.CharField(max_length=8, required=False, allow_blank=True, default="")


class Body(serializers.Serializer):
    kind = serializers.ChoiceField(choices=[("in", "In"), ("out", "Out")])
    slot = serializers.ChoiceField(choices=[1, 2], required=False)
    colour = serializers.ChoiceField(
        choices=[("red", "Red")], required=False, allow_blank=True, default=""
    )
    plate = serializers.CharField(max_length=6, required=False, allow_blank=True)
    label = serializers.CharField(min_length=2, max_length=4)
    day = serializers.DateField()
    seen = serializers.BooleanField(default=False)
    people_count = serializers.IntegerField(min_value=1, max_value=9, required=False)
    temperature = serializers.DecimalField(
        max_digits=3,
        decimal_places=1,
        min_value=Decimal("34.0"),
        max_value=Decimal("43.0"),
        required=False,
        allow_null=True,
        default=None,
    )
    people = Person(many=True, required=False, default=list)


LEAN = Lean(Body)

_text = st.one_of(
    st.sampled_from(["", " ", "ab", " abc ", "abcd", "abcde", "abcdefg", "a\x00b", "\ud800x"]),
    st.text(max_size=8),
)
_any = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-3, max_value=12),
    st.floats(allow_nan=True, allow_infinity=True),
    _text,
    st.sampled_from(
        ["in", "out", "red", "1", "2", "2020-02-01", "2020-02-30", "2020-2-1", "36.5", "36.55"]
    ),
    st.sampled_from(["37", "42.9", "43.1", "NaN", "1e1", " 36.6 ", "٣٦.٥"]),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.sampled_from(["name"]), st.text(max_size=3), max_size=1),
)
_person = st.fixed_dictionaries(
    {},
    optional={
        "name": st.one_of(_text, _any),
        "home": st.one_of(st.booleans(), _any),
        "back": st.one_of(st.sampled_from(["2020-01-31", None]), _any),
        "note": st.one_of(_text, _any),
    },
)
_body = st.fixed_dictionaries(
    {},
    optional={
        "kind": st.one_of(st.sampled_from(["in", "out", "", "up"]), _any),
        "slot": st.one_of(st.sampled_from([1, 2, "1", "3", True]), _any),
        "colour": st.one_of(st.sampled_from(["red", ""]), _any),
        "plate": _text,
        "label": st.one_of(_text, _any),
        "day": st.one_of(st.sampled_from(["2020-02-01", "2020-13-01", " 2020-02-01"]), _any),
        "seen": st.one_of(st.booleans(), _any),
        "people_count": st.one_of(st.integers(min_value=0, max_value=10), _any),
        "temperature": st.one_of(st.sampled_from(["36.5", 36.5, 37, "36.55", None]), _any),
        "people": st.one_of(st.lists(_person, max_size=3), _any),
        "extra": _any,
    },
)


def _same_as_the_serializer(body: object) -> bool:
    """True when the lean reader took the body (and then it must agree with the serializer)."""
    serializer = Body(data=body)
    valid = serializer.is_valid()
    try:
        lean = LEAN.read(body, user=None)
    except Fallback:
        return False
    assert valid, (body, serializer.errors)  # never accepts what the serializer refuses
    assert lean == serializer.validated_data
    assert [type(v) for v in lean.values()] == [type(v) for v in serializer.validated_data.values()]
    return True


@settings(max_examples=400, deadline=None)
@given(_body)
def test_random_bodies_are_read_as_the_serializer_reads_them(body):
    _same_as_the_serializer(body)


@pytest.mark.parametrize(
    "body",
    [
        {"kind": "in", "label": "ab", "day": "2020-02-01"},
        {
            "kind": "out",
            "slot": 2,
            "colour": "red",
            "plate": " 湘A1 ",
            "label": "abcd",
            "day": "2020-02-29",
            "seen": True,
            "people_count": 3,
            "temperature": "36.5",
            "people": [{"name": "王", "home": False, "back": None}, {"name": " 李 ", "note": ""}],
        },
        {"kind": "in", "label": "ab", "day": "2020-02-01", "temperature": 37, "slot": "1"},
    ],
)
def test_well_formed_bodies_take_the_lean_path(body):
    assert _same_as_the_serializer(body)


@pytest.mark.parametrize(
    "body",
    [
        [],
        "x",
        {"kind": "in", "day": "2020-02-01"},  # a required field missing
        {"kind": "in", "label": "a", "day": "2020-02-01"},  # too short
        {"kind": "in", "label": "ab", "day": "2020-02-01", "seen": "true"},  # DRF takes it
        {"kind": "in", "label": "ab", "day": "2020-02-01", "people": [{"name": None}]},
    ],
)
def test_anything_else_goes_to_the_serializer(body):
    assert not _same_as_the_serializer(body)


class Row:
    def __init__(self, **values):
        self.__dict__.update(values)


def test_the_answer_is_the_serializers():
    class Answer(serializers.Serializer):
        kind = serializers.ChoiceField(choices=[("in", "In")], read_only=True)
        label = serializers.CharField(read_only=True)
        day = serializers.DateField(read_only=True)
        at = serializers.DateTimeField(read_only=True)
        temperature = serializers.DecimalField(max_digits=3, decimal_places=1, read_only=True)
        seen = serializers.BooleanField(read_only=True)
        count = serializers.IntegerField(read_only=True)
        double = serializers.SerializerMethodField()

        def get_double(self, row):
            return row.count * 2

    row = Row(
        kind="in",
        label="王",
        day=dt.date(2020, 2, 1),
        at=dt.datetime(2020, 2, 1, 1, 2, 3, tzinfo=dt.UTC),
        temperature=Decimal("36.5"),
        seen=True,
        count=4,
    )
    assert Lean(Answer).write(row) == Answer(row).data
    row.temperature = None
    assert Lean(Answer).write(row) == Answer(row).data


def test_a_field_it_does_not_know_is_refused_when_built():
    class Other(serializers.Serializer):
        mail = serializers.EmailField()

    with pytest.raises(TypeError):
        Lean(Other).read({}, user=None)

"""A hot API write's body read, and its answer written, without DRF's serializer machinery
(issue 19).

On the three hot POSTs (a check-in, a passage, a household visit) DRF's serializer spent about a
third of the request's Python: copying its fields, walking them for the body and again for the
answer, nested serializers built for each request. ``Lean`` reads the same serializer's fields
once per process and compiles from them a plain reader and a plain writer:

- ``read(data, user)``: the validated data the serializer would give, for a body it is sure of
  (JSON object, values of the types JSON gives for each field, each within its field's limits and
  validators). Anything else — a missing required field, a wrong type, a value a validator refuses,
  an id the caller does not see — raises ``Fallback`` and the serializer reads the body instead:
  its answer, 400 or not, is then exactly what it always was (the same messages in the user's
  language, the same field names and shapes). The lean reader never accepts a body the serializer
  would refuse (a test checks both on random bodies).
- ``write(instance)``: the serializer's ``data`` for the instance, field by field with each
  field's own ``to_representation`` where it converts (dates, times, decimals).

The serializer stays the source of the schema (drf-spectacular reads it), of the errors and of
every other action. A field of a kind this module does not know makes ``Lean`` refuse the
serializer when it is built (``TypeError``): a hot serializer that grows such a field is then
noticed by its tests, not silently read wrong.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

from django.core import validators as django_validators
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from rest_framework import ISO_8601, relations, serializers
from rest_framework import fields as drf_fields
from rest_framework.exceptions import ValidationError
from rest_framework.settings import api_settings
from rest_framework.validators import ProhibitSurrogateCharactersValidator


class Fallback(Exception):  # noqa: N818 - not an error: the serializer reads this body instead
    """Not a body the lean reader is sure of: the serializer reads it (and answers its errors)."""


_EMPTY = drf_fields.empty
_NUL_OR_SURROGATE = re.compile("[\x00\ud800-\udfff]")
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}\Z")

type Reader = Callable[[Any, Any], Any]  # (value from the body, user) -> validated value


class LeanLookup:
    """A related field the lean reader can read: ``lean_lookup(user, data)`` is what the field's
    ``to_internal_value`` finds for ``user`` (None for an id the user does not see; DRF's
    ``ValidationError`` for a value of the wrong type)."""

    def lean_lookup(self, user: Any, data: Any) -> Any:
        raise NotImplementedError


def _run(field: drf_fields.Field, others: list[Any]) -> Callable[[Any], None]:
    """The field's validators not already checked inline, as DRF runs them."""

    def check(value: Any) -> None:
        for validator in others:
            try:
                validator(value)
            except (ValidationError, DjangoValidationError):
                raise Fallback from None

    return check


def _char(field: serializers.CharField) -> Reader:
    """DRF's ``CharField.run_validation`` for a JSON string (other types: the serializer)."""
    trim, blank = field.trim_whitespace, field.allow_blank
    longest: int | None = None
    shortest: int | None = None
    others = []
    for validator in field.validators:
        kind = type(validator)
        limit = getattr(validator, "limit_value", None)
        if kind is django_validators.MaxLengthValidator and type(limit) is int:
            longest = limit
        elif kind is django_validators.MinLengthValidator and type(limit) is int:
            shortest = limit
        elif kind not in (
            django_validators.ProhibitNullCharactersValidator,
            ProhibitSurrogateCharactersValidator,
        ):
            others.append(validator)  # pragma: no cover - none on the hot serializers today
    if getattr(field, "requires_context", False) or any(
        getattr(v, "requires_context", False) for v in others
    ):
        raise TypeError(f"Lean cannot read {field!r}")
    check = _run(field, others)

    def read(value: Any, user: Any) -> Any:
        if type(value) is not str:
            raise Fallback
        if trim:
            value = value.strip()
        if not value:
            if blank:
                return ""  # as DRF: a blank value is not run through the validators
            raise Fallback
        if (
            (longest is not None and len(value) > longest)
            or (shortest is not None and len(value) < shortest)
            or _NUL_OR_SURROGATE.search(value)
        ):
            raise Fallback
        if others:
            check(value)
        return value

    return read


def _choice(field: serializers.ChoiceField) -> Reader:
    choices, blank = dict(field.choice_strings_to_values), field.allow_blank
    if field.validators:
        raise TypeError(f"Lean cannot read {field!r}")

    def read(value: Any, user: Any) -> Any:
        if value == "" and blank:
            return ""
        kind = type(value)
        if kind is str or kind is int:
            try:
                return choices[str(value)]
            except KeyError:
                raise Fallback from None
        raise Fallback

    return read


def _boolean(field: serializers.BooleanField) -> Reader:
    if field.validators:
        raise TypeError(f"Lean cannot read {field!r}")

    def read(value: Any, user: Any) -> Any:
        if value is True or value is False:
            return value
        raise Fallback

    return read


def _date(field: serializers.DateField) -> Reader:
    formats = getattr(field, "input_formats", None) or api_settings.DATE_INPUT_FORMATS
    if field.validators or list(formats) != [ISO_8601]:
        raise TypeError(f"Lean cannot read {field!r}")

    def read(value: Any, user: Any) -> Any:
        # ``parse_date`` (what DRF calls) gives ``date.fromisoformat`` for these strings
        if type(value) is not str or not _ISO_DAY.match(value):
            raise Fallback
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            raise Fallback from None

    return read


def _own(field: drf_fields.Field) -> Reader:
    """A field whose own conversion needs nothing of the request (a number): DRF's
    ``to_internal_value`` and validators, without the serializer around them."""
    if any(getattr(v, "requires_context", False) for v in field.validators):
        raise TypeError(f"Lean cannot read {field!r}")

    def read(value: Any, user: Any) -> Any:
        if type(value) is bool or type(value) not in (str, int, float):
            raise Fallback
        try:
            converted = field.to_internal_value(value)
            field.run_validators(converted)
        except (ValidationError, DjangoValidationError):
            raise Fallback from None
        return converted

    return read


def _related(field: Any) -> Reader:
    if not isinstance(field, LeanLookup) or getattr(field, "validators", None):
        raise TypeError(f"Lean cannot read {field!r}: give it a lean_lookup")

    def read(value: Any, user: Any) -> Any:
        try:
            found = field.lean_lookup(user, value)
        except ValidationError:
            raise Fallback from None
        if found is None:
            raise Fallback
        return found

    return read


_OWN = (serializers.DecimalField, serializers.IntegerField)


def _reader_of(field: drf_fields.Field) -> Reader:
    kind = type(field)
    if isinstance(field, serializers.ListSerializer):
        return _many(field)
    if isinstance(field, relations.RelatedField):
        return _related(field)
    if kind is serializers.CharField:
        return _char(field)  # type: ignore[arg-type]
    if kind is serializers.ChoiceField:
        return _choice(field)  # type: ignore[arg-type]
    if kind is serializers.BooleanField:
        return _boolean(field)  # type: ignore[arg-type]
    if kind is serializers.DateField:
        return _date(field)  # type: ignore[arg-type]
    if kind in _OWN:
        return _own(field)
    raise TypeError(f"Lean cannot read {field!r}")


def _plan(serializer: serializers.Serializer, *, validated: bool) -> Reader:
    """The reader of a serializer's writable fields (DRF's ``Serializer.to_internal_value`` and
    ``Field.validate_empty_values``); ``validated``: the serializer's own ``validate`` is taken
    care of by the caller."""
    cls = type(serializer)
    if serializer.validators or (
        not validated and cls.validate is not serializers.Serializer.validate
    ):
        raise TypeError(f"Lean cannot read {cls.__name__}: it validates the whole body")
    steps = []
    for name, field in serializer.fields.items():
        if field.read_only:
            continue
        if field.source_attrs != [name] or hasattr(cls, f"validate_{name}"):
            raise TypeError(f"Lean cannot read {cls.__name__}.{name}")
        default = field.default
        if default is not _EMPTY and getattr(default, "requires_context", False):
            raise TypeError(f"Lean cannot read {cls.__name__}.{name}: its default")
        steps.append((name, _reader_of(field), field.required, default, field.allow_null))

    def read(data: Any, user: Any) -> dict[str, Any]:
        if type(data) is not dict:
            raise Fallback  # a form, a list, a string: the serializer says what is wrong
        out: dict[str, Any] = {}
        for name, reader, required, default, allow_null in steps:
            value = data.get(name, _EMPTY)
            if value is _EMPTY:
                if required:
                    raise Fallback
                if default is not _EMPTY:
                    out[name] = default() if callable(default) else default
                continue
            if value is None:
                if not allow_null:
                    raise Fallback
                out[name] = None
                continue
            out[name] = reader(value, user)
        return out

    return read


def _many(field: serializers.ListSerializer) -> Reader:
    child = field.child
    if (
        field.validators
        or not isinstance(child, serializers.Serializer)
        or type(field).to_internal_value is not serializers.ListSerializer.to_internal_value
        or getattr(field, "max_length", None) is not None
        or getattr(field, "min_length", None) is not None
    ):
        raise TypeError(f"Lean cannot read {field!r}")
    allow_empty = field.allow_empty
    item = _plan(child, validated=False)

    def read(value: Any, user: Any) -> Any:
        if type(value) is not list or (not value and not allow_empty):
            raise Fallback
        return [item(entry, user) for entry in value]

    return read


# --- the answer --------------------------------------------------------------------------------

type Writer = Callable[[Any], Any]

_AS_IS = (str, int, bool)


def _writer_of(
    serializer: serializers.Serializer, name: str, field: drf_fields.Field
) -> Callable[[Any], Any]:
    """The value of one field of the answer, from the instance (DRF's ``get_attribute`` then
    ``to_representation``; None stays None)."""
    cls, kind = type(serializer), type(field)
    if isinstance(field, serializers.SerializerMethodField):
        method = getattr(serializer, field.method_name)
        return method  # type: ignore[no-any-return]
    if isinstance(field, serializers.ListSerializer):
        child, source = field.child, field.source
        if not isinstance(child, serializers.Serializer) or source is None:
            raise TypeError(f"Lean cannot write {cls.__name__}.{name}")
        item = _writer(child)

        def many(instance: Any) -> Any:
            related = getattr(instance, source)
            rows = related.all() if isinstance(related, models.Manager) else related
            return [item(row) for row in rows]

        return many
    if isinstance(field, relations.PrimaryKeyRelatedField) and field.pk_field is None:
        if len(field.source_attrs) != 1 or not field.use_pk_only_optimization():
            raise TypeError(f"Lean cannot write {cls.__name__}.{name}")
        attname = serializer.Meta.model._meta.get_field(field.source).attname  # type: ignore[attr-defined]

        def key(instance: Any) -> Any:
            return getattr(instance, attname)  # the key, as ``PKOnlyObject`` gives it

        return key
    if isinstance(field, relations.RelatedField | serializers.BaseSerializer):
        raise TypeError(f"Lean cannot write {cls.__name__}.{name}")
    attrs = field.source_attrs
    plain = kind in (
        serializers.CharField,
        serializers.ChoiceField,
        serializers.IntegerField,
        serializers.BooleanField,
    )
    convert = field.to_representation
    single = attrs[0] if len(attrs) == 1 else None

    def value(instance: Any) -> Any:
        if single is not None:
            found = getattr(instance, single)
            if found is not None and type(found) not in _AS_IS and callable(found):
                found = field.get_attribute(instance)  # a method: DRF calls it
        else:
            found = field.get_attribute(instance)
        if found is None:
            return None
        if plain and type(found) is str and kind is not serializers.ChoiceField:
            return found
        if plain and type(found) is bool and kind is serializers.BooleanField:
            return found
        return convert(found)

    return value


def _writer(serializer: serializers.Serializer, *, finished: bool = False) -> Writer:
    """The answer of a serializer (``finished``: its own ``to_representation`` is done by the
    caller's ``finish``)."""
    if (
        not finished
        and type(serializer).to_representation is not serializers.Serializer.to_representation
    ):
        raise TypeError(f"Lean cannot write {type(serializer).__name__}: its to_representation")
    steps = [
        (name, _writer_of(serializer, name, field))
        for name, field in serializer.fields.items()
        if not field.write_only
    ]

    def write(instance: Any) -> dict[str, Any]:
        return {name: value(instance) for name, value in steps}

    return write


class Lean:
    """The lean reader and writer of ``serializer_class`` (built at first use, once per process).

    ``validate(attrs, user)``: what the serializer's own ``validate`` does for a body it accepts
    (raise ``Fallback`` where it would refuse); needed when the serializer has one.
    ``finish(data, instance)``: what the serializer's own ``to_representation`` adds."""

    def __init__(
        self,
        serializer_class: type[serializers.Serializer],
        *,
        validate: Callable[[dict[str, Any], Any], dict[str, Any]] | None = None,
        finish: Callable[[dict[str, Any], Any], dict[str, Any]] | None = None,
    ) -> None:
        self.serializer_class, self.validate, self.finish = serializer_class, validate, finish
        self._built: tuple[Reader, Writer] | None = None

    def _build(self) -> tuple[Reader, Writer]:
        if self._built is None:
            cls = self.serializer_class
            proto = cls(context={})
            has_validate = cls.validate is not serializers.Serializer.validate
            if has_validate and self.validate is None:
                raise TypeError(f"Lean cannot read {cls.__name__}: give it a validate")
            self._built = (
                _plan(proto, validated=has_validate),
                _writer(proto, finished=self.finish is not None),
            )
        return self._built

    def read(self, data: Any, user: Any) -> dict[str, Any]:
        """The validated data, or ``Fallback``."""
        attrs = self._build()[0](data, user)
        return self.validate(attrs, user) if self.validate is not None else attrs

    def write(self, instance: Any) -> dict[str, Any]:
        data = self._build()[1](instance)
        return self.finish(data, instance) if self.finish is not None else data


class LeanCreateMixin:
    """Put before ``CreateModelMixin`` on a hot write's viewset: a body the lean reader is sure
    of is written by ``lean_save(request, attrs)`` (the same service call as the serializer's
    ``create``) and answered by the lean writer; any other body goes to DRF's ``create`` as
    before."""

    lean: Lean

    def lean_save(self, request: Any, attrs: dict[str, Any]) -> Any:
        raise NotImplementedError

    def create(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        from rest_framework.response import Response

        try:
            attrs = self.lean.read(request.data, request.user)
        except Fallback:
            return super().create(request, *args, **kwargs)  # type: ignore[misc]
        return Response(self.lean.write(self.lean_save(request, attrs)), status=201)

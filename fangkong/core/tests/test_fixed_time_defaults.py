"""No model field has a fixed date or time as its default.

Django's system check warns (fields.W161) about a fixed date/time default when
it runs within seconds of that value, so a fixed ``dt.time(12, 0)`` made
``check --deploy --fail-level WARNING`` (and the production test that runs it)
fail only when CI happened to run at 12:00 UTC. A callable default is never
checked that way.
"""

import datetime as dt

from django.apps import apps


def test_no_date_or_time_field_has_a_fixed_default():
    fixed = [
        f"{model._meta.label}.{field.name} = {field.default!r}"
        for model in apps.get_models()
        if model.__module__.startswith("fangkong.")
        for field in model._meta.local_fields
        if field.has_default() and isinstance(field.default, (dt.date, dt.time, dt.datetime))
    ]
    assert fixed == []


def test_time_defaults_pass_the_check_at_their_own_time_of_day(monkeypatch):
    # The real field check, run as if the clock read each default time exactly
    # (the moment the old fixed defaults warned and failed `check --deploy`).
    from django.db import models as db_models
    from django.db.models import fields as model_fields

    checked = []
    for model in apps.get_models():
        if not model.__module__.startswith("fangkong."):
            continue
        for field in model._meta.local_fields:
            if not isinstance(field, db_models.TimeField) or not field.has_default():
                continue
            at = dt.datetime.combine(dt.date(2026, 11, 30), field.get_default())
            monkeypatch.setattr(model_fields, "_get_naive_now", lambda at=at: at)
            warnings = [m.id for m in field.check() if m.id == "fields.W161"]
            assert warnings == [], f"{model._meta.label}.{field.name}"
            checked.append(field.name)
    # The policy's four check-in times and the report deadlines' four.
    assert len(checked) >= 8

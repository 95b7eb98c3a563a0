"""The seeded 2020 policy's evening check-in runs until 22:00, not 20:00: the rule is a
morning and an evening reading (每日早晚各测一次), and an evening reading taken at 21:00 is on
time, not a missed check-in. Only the seeded row, and only if nobody changed its window."""

import datetime as dt

from django.db import migrations

SEEDED = {"effective_from": dt.date(2020, 1, 1), "county__isnull": True}


def evening_until_22(apps, schema_editor):
    policy = apps.get_model("monitoring", "ObservationPolicy")
    policy.objects.filter(**SEEDED, slot2_end=dt.time(20, 0)).update(slot2_end=dt.time(22, 0))


def evening_until_20(apps, schema_editor):
    policy = apps.get_model("monitoring", "ObservationPolicy")
    policy.objects.filter(**SEEDED, slot2_end=dt.time(22, 0)).update(slot2_end=dt.time(20, 0))


class Migration(migrations.Migration):
    dependencies = [("monitoring", "0006_case_ended_at")]

    operations = [migrations.RunPython(evening_until_22, evening_until_20)]

"""The 2020 policy: 14 days at home or at a centralised site, two check-ins a day, 37.3 °C."""

import datetime as dt
from decimal import Decimal

from django.db import migrations


def seed(apps, schema_editor):
    policy = apps.get_model("monitoring", "ObservationPolicy")
    policy.objects.get_or_create(
        effective_from=dt.date(2020, 1, 1),
        defaults={
            "name": "2020 新冠肺炎防控方案",
            "home_days": 14,
            "centralised_days": 14,
            "slot1_start": dt.time(6, 0),
            "slot1_end": dt.time(12, 0),
            "slot2_start": dt.time(12, 0),
            "slot2_end": dt.time(22, 0),
            "fever_threshold": Decimal("37.3"),
        },
    )


class Migration(migrations.Migration):
    dependencies = [("monitoring", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]

"""Each case keeps its household's area (denormalised, indexed with the county): the figures and
the dashboard count cases by area without joining the residents and their households. The column
is added empty, filled from the register for the existing cases, then made required."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def fill_areas(apps, schema_editor):
    ObservationCase = apps.get_model("monitoring", "ObservationCase")
    Resident = apps.get_model("registry", "Resident")
    ObservationCase.objects.update(
        area_id=Subquery(
            Resident.objects.filter(pk=OuterRef("resident_id")).values("household__area_id")[:1]
        )
    )


class Migration(migrations.Migration):
    dependencies = [
        ("areas", "0003_dated_areas"),
        ("registry", "0005_import_profiles"),
        ("monitoring", "0005_slot_names_and_late_readings"),
    ]

    operations = [
        migrations.AddField(
            model_name="observationcase",
            name="area",
            field=models.ForeignKey(
                db_index=False,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="areas.area",
            ),
        ),
        migrations.RunPython(fill_areas, migrations.RunPython.noop, elidable=True),
        migrations.AlterField(
            model_name="observationcase",
            name="area",
            field=models.ForeignKey(
                db_index=False,
                editable=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="areas.area",
            ),
        ),
        migrations.AddIndex(
            model_name="observationcase",
            index=models.Index(fields=["county", "area"], name="case_county_area"),
        ),
    ]

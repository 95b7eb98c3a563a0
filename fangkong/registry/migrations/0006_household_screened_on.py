"""A household keeps the first day a visit of its county's screening found someone
(``screened_on``), indexed with its county and area: the dashboard counts households and those
screened in one pass over the households. Filled from the visits by screening's migration 0004."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("areas", "0003_dated_areas"),
        ("registry", "0005_import_profiles"),
    ]

    operations = [
        migrations.AddField(
            model_name="household",
            name="screened_on",
            field=models.DateField(blank=True, editable=False, null=True),
        ),
        migrations.RemoveIndex(model_name="household", name="household_county_area"),
        migrations.AddIndex(
            model_name="household",
            index=models.Index(
                fields=["county", "area", "screened_on"], name="household_county_area_scr"
            ),
        ),
    ]

"""Each household visit keeps its household's area (denormalised, indexed with the county):
coverage and the dashboard count visits by area without joining the households. The column is
added empty, filled from the register for the existing visits, then made required; the
households' first day screened (registry 0006) is filled from the visits here too."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def fill_areas(apps, schema_editor):
    HouseholdVisit = apps.get_model("screening", "HouseholdVisit")
    Household = apps.get_model("registry", "Household")
    HouseholdVisit.objects.update(
        area_id=Subquery(Household.objects.filter(pk=OuterRef("household_id")).values("area_id")[:1])
    )
    # The first day a visit of the household's county found someone (registry 0006's column).
    first = (
        HouseholdVisit.objects.filter(
            household_id=OuterRef("pk"), county_id=OuterRef("county_id"), outcome="visited"
        )
        .order_by("visited_on")
        .values("visited_on")[:1]
    )
    Household.objects.update(screened_on=Subquery(first))


class Migration(migrations.Migration):
    dependencies = [
        ("areas", "0003_dated_areas"),
        ("registry", "0006_household_screened_on"),
        ("screening", "0003_list_feedback_outcomes_and_deadline"),
    ]

    operations = [
        migrations.AddField(
            model_name="householdvisit",
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
            model_name="householdvisit",
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
            model_name="householdvisit",
            index=models.Index(fields=["county", "area"], name="visit_county_area"),
        ),
    ]

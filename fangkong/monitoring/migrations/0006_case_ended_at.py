from django.db import migrations, models

ENDS = ["released", "ended_early"]
ENDED_STATES = ["released", "ended_early", "transferred"]


def ended_at_from_history(apps, schema_editor):
    """Cases ended before this field: the moment of their last end event (release, early end);
    a case with no such event keeps no time and counts on the start of its ``ended_on``."""
    Case = apps.get_model("monitoring", "ObservationCase")
    Event = apps.get_model("monitoring", "CaseEvent")
    ended = Case.objects.filter(status__in=ENDED_STATES, ended_on__isnull=False)
    for case in ended.iterator(chunk_size=2000):
        at = (
            Event.objects.filter(case_id=case.pk, kind__in=ENDS)
            .order_by("-at", "-pk")
            .values_list("at", flat=True)
            .first()
        )
        if at is not None:
            Case.objects.filter(pk=case.pk).update(ended_at=at)


class Migration(migrations.Migration):
    dependencies = [
        ("monitoring", "0005_slot_names_and_late_readings"),
    ]

    operations = [
        migrations.AddField(
            model_name="observationcase",
            name="ended_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="ended at"),
        ),
        migrations.RunPython(ended_at_from_history, migrations.RunPython.noop),
    ]

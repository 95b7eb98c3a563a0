"""Staff phones encrypted at rest, like the residents': the plain column is copied into an
encrypted one (each value sealed with the field key as it is written), then replaced by it."""

from django.db import migrations

import fangkong.core.fields


def seal(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    for pk, phone in User.objects.exclude(phone="").values_list("pk", "phone").iterator():
        User.objects.filter(pk=pk).update(phone_sealed=phone)


def unseal(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    for user in User.objects.exclude(phone_sealed="").only("pk", "phone_sealed").iterator():
        User.objects.filter(pk=user.pk).update(phone=user.phone_sealed[:20])


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_api_token")]

    operations = [
        migrations.AddField(
            model_name="user",
            name="phone_sealed",
            field=fangkong.core.fields.EncryptedTextField(blank=True, verbose_name="phone"),
        ),
        migrations.RunPython(seal, unseal),
        migrations.RemoveField(model_name="user", name="phone"),
        migrations.RenameField(model_name="user", old_name="phone_sealed", new_name="phone"),
    ]

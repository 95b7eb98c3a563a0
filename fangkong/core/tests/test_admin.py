"""The Django admin: records that services own are read-only there, and every label an operator
reads is Chinese (and the right Chinese: an area has a 名称, a person a 姓名)."""

from __future__ import annotations

import re

import pytest
from django.contrib import admin
from django.contrib.admin.utils import label_for_field
from django.urls import reverse
from django.utils import translation

from fangkong.accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

# Records written only by services (scope, rules, audit): view only in the admin.
SERVICE_OWNED = {
    "registry.household",
    "registry.resident",
    "monitoring.observationcase",
    "monitoring.caseevent",
    "monitoring.checkin",
    "monitoring.alert",
    "checkpoints.passage",
    "checkpoints.householdpass",
    "screening.householdvisit",
    "reports.dailyreport",
    "workforce.pointentry",
    "core.auditevent",
}
LATIN_WORD = re.compile(r"[A-Za-z]{3,}")


def _registry() -> dict[str, admin.ModelAdmin]:
    return {m._meta.label_lower: a for m, a in admin.site._registry.items()}


def test_records_that_services_own_are_read_only(client, rf):
    superuser = UserFactory(username="root", is_superuser=True, is_staff=True)
    request = rf.get("/")
    request.user = superuser
    registry = _registry()
    assert set(registry) >= SERVICE_OWNED
    for label in SERVICE_OWNED:
        model_admin = registry[label]
        assert not model_admin.has_add_permission(request), label
        assert not model_admin.has_change_permission(request), label
        assert not model_admin.has_delete_permission(request), label
        assert model_admin.has_view_permission(request), label
    client.force_login(superuser)
    for label in SERVICE_OWNED:
        app, model = label.split(".")
        assert client.get(reverse(f"admin:{app}_{model}_changelist")).status_code == 200
        assert client.post(reverse(f"admin:{app}_{model}_add"), {}).status_code == 403


def test_the_pages_of_read_only_records_are_labelled_in_chinese(rf):
    request = rf.get("/")
    request.user = UserFactory(username="root", is_superuser=True, is_staff=True)
    registry = _registry()
    with translation.override("zh-hans"):
        for label in SERVICE_OWNED:
            model_admin = registry[label]
            for name in model_admin.get_fields(request):
                text = str(label_for_field(name, model_admin.model, model_admin))
                assert not LATIN_WORD.search(text), (label, name, text)


def test_admin_labels_are_chinese_and_an_area_has_no_person_name():
    with translation.override("zh-hans"):
        for model, model_admin in admin.site._registry.items():
            # Django's, django-axes' (lock-outs) and django-tasks-db's (task results) tables
            # keep their own labels.
            if model._meta.app_label in {"auth", "authtoken", "axes", "django_tasks_database"}:
                continue
            label = str(model._meta.verbose_name)
            assert not LATIN_WORD.search(label), (model, label)
            for name in model_admin.get_list_display(None):  # type: ignore[arg-type]
                text = str(label_for_field(name, model, model_admin))
                assert not LATIN_WORD.search(text), (model.__name__, name, text)
        from fangkong.areas.models import Area
        from fangkong.registry.models import Resident

        assert str(Area._meta.get_field("name").verbose_name) == "名称"
        assert str(Resident._meta.get_field("name").verbose_name) == "姓名"

"""催报: from the missing list, the cadre's name and phone (tap to call) and a notice in the app to
the village's accounts, seen on the village's report page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from fangkong.core.models import AuditAction, AuditEvent
from fangkong.monitoring.tests.factories import local
from fangkong.reports import rollup, services
from fangkong.reports.models import Reminder

DAY = dt.date(2026, 11, 20)


@pytest.fixture
def named(users):
    users["stranger"].last_name, users["stranger"].first_name = "王", "五"
    users["stranger"].phone = "15400001111"
    users["stranger"].save()
    return users


def test_missing_list_names_the_cadre_with_the_phone(tree, named, clock):
    clock.set(local(DAY, 16, 30))
    result = rollup.rollup(tree["township"], DAY)
    baiyun = next(v for v in result.missing if v.area == tree["baiyun"])
    assert baiyun.contacts == [("王五", "15400001111")] and baiyun.reminded_at is None


def test_a_reminder_reaches_the_village_accounts_once_per_ten_minutes(tree, named, clock):
    users = named
    clock.set(local(DAY, 16, 30))
    sent = services.reminder_send(by=users["township"], village=tree["baiyun"], day=DAY)
    assert sent == 1
    notice = Reminder.objects.get()
    assert notice.recipient == users["stranger"] and notice.county == tree["county"]
    assert AuditEvent.objects.filter(
        action=AuditAction.CREATE, detail__contains="reminder"
    ).exists()
    with pytest.raises(ValidationError):
        services.reminder_send(by=users["township"], village=tree["baiyun"], day=DAY)
    clock.set(local(DAY, 16, 41))
    assert services.reminder_send(by=users["county_admin"], village=tree["baiyun"], day=DAY) == 1
    assert rollup.rollup(tree["township"], DAY).missing[-1].reminded_at == local(DAY, 16, 41)
    for name in ("cadre", "viewer", "stranger"):
        with pytest.raises(PermissionDenied):
            services.reminder_send(by=users[name], village=tree["baiyun"], day=DAY)
    services.report_submit(by=users["stranger"], area=tree["baiyun"], day=DAY)
    clock.set(local(DAY, 17, 0))
    with pytest.raises(ValidationError):  # it has reported now
        services.reminder_send(by=users["township"], village=tree["baiyun"], day=DAY)


def test_from_the_page_to_the_village_cadre(client, tree, named, clock):
    users = named
    clock.set(local(DAY, 16, 30))
    url = reverse("reports:remind", args=[tree["baiyun"].pk]) + f"?date={DAY}"
    client.force_login(users["township"])
    page = client.get(reverse("reports:area_rollup", args=[tree["township"].pk]))
    assert b"tel:15400001111" in page.content and "王五".encode() in page.content
    assert url.encode() in page.content.replace(b"&amp;", b"&")
    assert client.post(url).status_code == 302
    client.force_login(users["cadre"])  # another village's cadre: 404
    assert client.post(url).status_code == 404
    client.force_login(users["viewer"])
    assert client.post(url).status_code == 403 and Reminder.objects.count() == 1
    client.force_login(users["stranger"])
    page = client.get(reverse("reports:village_report", args=[tree["baiyun"].pk]))
    assert len(page.context["reminders"]) == 1
    assert Reminder.objects.get().read_at is not None
    again = client.get(reverse("reports:village_report", args=[tree["baiyun"].pk]))
    assert again.context["reminders"] == []

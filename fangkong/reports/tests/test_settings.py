"""A county chooses the figures of its village report and the due times of each level."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from fangkong.areas.models import Level
from fangkong.areas.tests.factories import AreaFactory
from fangkong.core.models import AuditEvent
from fangkong.monitoring.tests.factories import local
from fangkong.reports import exporting, figures, rollup, services
from fangkong.reports.models import CountyReportForm, ReportDeadline

DAY = dt.date(2026, 11, 20)
URL = reverse("reports:settings")


def test_a_percentage_brings_its_parts_and_the_registry_order_is_kept():
    keys = figures.with_parts(["at_home", "screening_coverage", "no_such_figure"])
    assert keys == ["households", "households_screened", "screening_coverage", "at_home"]


def test_without_a_choice_the_county_uses_the_standard_form(tree, django_assert_num_queries):
    with django_assert_num_queries(1):
        form = figures.form_for(tree["county"].pk)
    assert form is figures.VILLAGE_DAILY


def test_the_county_form_decides_what_is_frozen_rolled_up_and_exported(users, tree, clock):
    clock.set(local(DAY, 15))
    CountyReportForm.objects.create(county=tree["county"], figure_keys=["at_home", "new_today"])
    report = services.report_submit(by=users["cadre"], area=tree["qianjin"], day=DAY)
    assert set(report.figures) == {"at_home", "new_today"}
    result = rollup.rollup(tree["township"], DAY)
    assert [f.key for f in result.form.figures] == ["at_home", "new_today"]
    assert set(result.live) == {"at_home", "new_today"}
    table = exporting.report_table(by=users["township"], area=tree["township"], day=DAY)
    assert len([h for h in table.headers if "(" in h]) == 2
    # Another county keeps the standard form.
    other = AreaFactory(name="北塔区", level=Level.COUNTY, code="430511000000")
    assert figures.form_for(other.pk) is figures.VILLAGE_DAILY


def test_a_county_admin_chooses_figures_on_the_settings_page(client, users, tree):
    client.force_login(users["county_admin"])
    page = client.get(URL)
    assert page.status_code == 200
    assert "monitored_now" in page.content.decode()
    response = client.post(URL, {"which": "figures", "figure_keys": ["screening_coverage"]})
    assert response.status_code == 302
    chosen = CountyReportForm.objects.get(county=tree["county"])
    assert chosen.figure_keys == ["households", "households_screened", "screening_coverage"]
    assert AuditEvent.objects.filter(detail="report settings: figures").count() == 1


def test_nothing_chosen_is_an_error_and_changes_nothing(client, users, tree):
    client.force_login(users["county_admin"])
    response = client.post(URL, {"which": "figures"})
    assert response.status_code == 200
    assert response.context["figure_form"].errors["figure_keys"]
    assert not CountyReportForm.objects.exists()


def test_due_times_per_level_must_be_in_order(client, users, tree):
    client.force_login(users["county_admin"])
    bad = {"which": "deadlines", "deadline": "18:00", "township_deadline": "17:00"}
    response = client.post(URL, {**bad, "county_deadline": "19:00"})
    assert response.status_code == 200
    assert response.context["deadline_form"].non_field_errors()
    assert not ReportDeadline.objects.exists()
    good = {"deadline": "15:00", "township_deadline": "16:30", "county_deadline": "18:00"}
    assert client.post(URL, {"which": "deadlines", **good}).status_code == 302
    due = ReportDeadline.objects.due_times(tree["county"].pk)
    assert due == {
        "village": dt.time(15),
        "township": dt.time(16, 30),
        "county": dt.time(18),
        "amend_alone": dt.time(16, 30),  # until the townships' deadline unless set
        "cutoff": dt.time(16),
    }
    # The village deadline is what marks a report late.
    assert services.deadline_of(tree["qianjin"], DAY) == local(DAY, 15)
    assert rollup.rollup(tree["township"], DAY).due["township"] == dt.time(16, 30)


def test_the_database_refuses_due_times_out_of_order(tree):
    with pytest.raises(IntegrityError), transaction.atomic():
        ReportDeadline.objects.create(
            county=tree["county"],
            deadline=dt.time(17),
            township_deadline=dt.time(16),
            county_deadline=dt.time(18),
        )


@pytest.mark.parametrize("who", ["township", "cadre", "viewer", "stranger", "grid_worker"])
def test_only_a_county_admin_changes_report_settings(client, users, tree, who):
    client.force_login(users[who])
    assert client.get(URL).status_code == 403
    assert client.post(URL, {"which": "figures", "figure_keys": ["at_home"]}).status_code == 403
    assert not CountyReportForm.objects.exists()


def test_anonymous_is_sent_to_the_login(client, tree):
    response = client.get(URL)
    assert response.status_code == 302
    assert "login" in response["Location"]

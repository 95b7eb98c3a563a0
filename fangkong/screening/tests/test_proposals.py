"""A visit that finds a resident via a risk area, or in contact with a case, proposes an
observation case for a person on the monitoring side to confirm."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from fangkong.monitoring import services as monitoring
from fangkong.monitoring.models import Category, Mode, ObservationCase, Source, Status
from fangkong.monitoring.tests.factories import open_case
from fangkong.screening.services import visit_ref
from fangkong.screening.tests.conftest import DAY
from fangkong.screening.tests.factories import record_visit

pytestmark = pytest.mark.django_db


def test_a_returnee_and_a_contact_get_proposed_cases(users, homes, township_round):
    household = homes["qianjin_g1"][0]
    head, other = household.residents.order_by("pk")
    visit = record_visit(
        township_round,
        household,
        by=users["grid_worker"],
        visited_on=DAY,
        people=[
            {"resident": head, "travel_from": "湖北武汉", "returned_on": dt.date(2020, 1, 20)},
            {"resident": other, "contact_with_case": True},
            {"name": "来访亲戚", "travel_from": "武汉"},  # a visitor: not in the register
        ],
    )
    cases = {c.resident_id: c for c in ObservationCase.objects.all()}
    assert set(cases) == {head.pk, other.pk}
    returnee, contact = cases[head.pk], cases[other.pk]
    assert (returnee.status, returnee.category, returnee.mode) == (
        Status.PROPOSED,
        Category.RETURNEE,
        Mode.HOME,
    )
    assert returnee.start_date == dt.date(2020, 1, 20)  # counts from the day back
    assert returnee.planned_end == dt.date(2020, 2, 3)
    assert (contact.category, contact.start_date) == (Category.CLOSE_CONTACT, DAY)
    for case in (returnee, contact):
        assert case.source == Source.SCREENING and case.source_ref == visit_ref(visit)
        assert case.grid_worker == users["grid_worker"]
        assert case.county_id == visit.county_id
    # A person confirms it on the monitoring side.
    confirmed = monitoring.case_confirm(by=users["doctor"], case=returnee)
    assert confirmed.status == Status.ACTIVE


def test_no_proposal_without_risk_or_when_a_case_is_open(users, homes, township_round):
    household = homes["qianjin_g1"][0]
    head, other = household.residents.order_by("pk")
    existing = open_case(by=users["cadre"], resident=head, start=DAY)
    record_visit(
        township_round,
        household,
        by=users["grid_worker"],
        visited_on=DAY,
        people=[
            {"resident": head, "travel_from": "湖北武汉"},  # already under observation
            {"resident": other, "travel_from": "广东深圳"},  # not a risk area
        ],
    )
    assert list(ObservationCase.objects.all()) == [existing]
    # A second visit finding the same returnee proposes nothing twice.
    household2 = homes["qianjin_g1"][1]
    resident = household2.residents.order_by("pk").first()
    for day in (DAY, DAY + dt.timedelta(days=1)):
        record_visit(
            township_round,
            household2,
            by=users["grid_worker"],
            visited_on=day,
            people=[{"resident": resident, "travel_from": "武汉"}],
        )
    assert ObservationCase.objects.filter(resident=resident).count() == 1


def test_a_refused_visit_proposes_nothing(users, homes, township_round):
    household = homes["qianjin_g1"][0]
    head = household.residents.order_by("pk").first()
    with pytest.raises(ValidationError):
        record_visit(
            township_round,
            household,
            by=users["grid_worker"],
            visited_on=DAY,
            people=[
                {"resident": head, "travel_from": "武汉"},
                {"name": "", "travel_from": "武汉"},  # no name: the visit is refused
            ],
        )
    assert not ObservationCase.objects.exists()


def test_the_visit_page_shows_and_links_the_proposal(client, users, homes, township_round):
    household = homes["qianjin_g1"][0]
    head = household.residents.order_by("pk").first()
    visit = record_visit(
        township_round,
        household,
        by=users["grid_worker"],
        visited_on=DAY,
        people=[{"resident": head, "travel_from": "湖北武汉"}],
    )
    case = ObservationCase.objects.get()
    client.force_login(users["cadre"])
    response = client.get(reverse("screening:visit_detail", kwargs={"pk": visit.pk}))
    body = response.content.decode()
    assert reverse("monitoring:case_detail", kwargs={"pk": case.pk}) in body
    assert response.context["people"][0][1] == case
    client.force_login(users["stranger"])
    response = client.get(reverse("screening:visit_detail", kwargs={"pk": visit.pk}))
    assert response.status_code == 404

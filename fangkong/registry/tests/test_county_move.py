"""A household that moves to another county, taken in by the destination county's administrator
from a page: its residents, cases, passes and errands follow, and every row of every
county-scoped table keeps the county of its source (the tenant key), after the whole demo too."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from fangkong.accounts.models import Role, User
from fangkong.accounts.tests.factories import UserFactory
from fangkong.areas.models import Area, Level
from fangkong.areas.tests.factories import AreaFactory
from fangkong.care.models import Errand
from fangkong.checkpoints.models import HouseholdPass
from fangkong.core.models import AuditEvent
from fangkong.core.tenancy import county_mismatches, county_scoped_models
from fangkong.monitoring.models import CheckIn, ObservationCase
from fangkong.monitoring.tests.factories import resident_in
from fangkong.registry.models import Household, Resident
from fangkong.registry.tests.factories import make_id_number

pytestmark = pytest.mark.django_db


def _other_county() -> tuple[Area, Area, User]:
    county = AreaFactory(name="邵东县", level=Level.COUNTY, code="430521000000")
    township = AreaFactory(name="两市镇", level=Level.TOWNSHIP, code="430521001000", parent=county)
    village = AreaFactory(name="新村", level=Level.VILLAGE, code="430521001201", parent=township)
    admin = UserFactory(username="shaodong_admin", role=Role.COUNTY_ADMIN, area=county)
    return county, village, admin


def _assert_every_row_keeps_its_sources_county() -> None:
    for model in county_scoped_models():
        assert not county_mismatches(model).exists(), model.__name__


def test_the_destination_county_admin_takes_a_household_in_from_a_page(client, tree, users):
    resident = resident_in(tree["qianjin_g1"], id_number=make_id_number())
    household = resident.household
    county, village, admin = _other_county()
    client.force_login(admin)
    url = reverse("registry:household_move_in")
    page = client.get(url)
    assert page.status_code == 200
    assert "新村" in page.content.decode() and "前进村" not in page.content.decode()

    response = client.post(
        url, {"id_number": resident.id_number, "area": village.pk, "reason": "举家搬迁"}
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("registry:household_detail", args=[household.pk])
    resident.refresh_from_db()
    household.refresh_from_db()
    assert (household.county_id, resident.county_id) == (county.pk, county.pk)
    assert client.get(response["Location"]).status_code == 200  # the new county sees it
    client.force_login(users["county_admin"])  # the old one no longer does
    assert client.get(response["Location"]).status_code == 404
    assert AuditEvent.objects.filter(field="county", object_id=str(household.pk)).count() == 2
    _assert_every_row_keeps_its_sources_county()


def test_the_move_is_refused_to_other_roles_and_explained(client, tree, users):
    resident = resident_in(tree["qianjin_g1"], id_number=make_id_number())
    county, village, admin = _other_county()
    url = reverse("registry:household_move_in")
    # Roles other than a county administrator: 403, the page included.
    officer = UserFactory(username="shaodong_officer", role=Role.TOWNSHIP_OFFICER, area=county)
    client.force_login(officer)
    assert client.get(url).status_code == 403
    # A county administrator cannot pull a household into an area outside their county.
    client.force_login(users["county_admin"])
    response = client.post(
        url, {"id_number": resident.id_number, "area": village.pk, "reason": "搬迁"}
    )
    assert response.status_code == 200 and "area" in response.context["form"].errors
    # Nobody with this number in another county: said beside the field.
    client.force_login(admin)
    response = client.post(
        url, {"id_number": make_id_number(), "area": village.pk, "reason": "搬迁"}
    )
    assert response.context["form"].errors["id_number"]
    # A reason is needed; nothing moved meanwhile.
    response = client.post(url, {"id_number": resident.id_number, "area": village.pk})
    assert response.context["form"].errors["reason"]
    assert Household.objects.get(pk=resident.household_id).county_id == tree["county"].pk
    client.logout()
    assert client.get(url).status_code == 302  # anonymous: to the login page


def test_a_member_already_registered_in_the_destination_stops_the_move(tree, users):
    from django.core.exceptions import ValidationError

    from fangkong.registry import services

    resident = resident_in(tree["qianjin_g1"], id_number=make_id_number())
    county, village, admin = _other_county()
    twin = resident_in(village, id_number=resident.id_number)
    with pytest.raises(ValidationError):
        services.household_move_county(
            by=admin, household=resident.household, area=village, reason="搬迁"
        )
    assert Resident.objects.get(pk=resident.pk).county_id == tree["county"].pk
    assert twin.county_id == county.pk


def test_after_the_demo_and_a_county_move_every_row_keeps_its_sources_county(client):
    call_command("load_demo", stdout=io.StringIO())
    _assert_every_row_keeps_its_sources_county()

    with_case = set(ObservationCase.objects.values_list("resident__household_id", flat=True))
    with_pass = set(HouseholdPass.objects.values_list("household_id", flat=True))
    with_errand = set(Errand.objects.values_list("household_id", flat=True))
    busiest = (with_case & with_pass & with_errand) or (with_case & (with_pass | with_errand))
    household = Household.objects.get(pk=min(busiest))
    member = household.residents.exclude(id_number="").first()
    assert member is not None
    county, village, admin = _other_county()
    client.force_login(admin)
    response = client.post(
        reverse("registry:household_move_in"),
        {"id_number": member.id_number, "area": village.pk, "reason": "举家搬迁"},
    )
    assert response.status_code == 302

    _assert_every_row_keeps_its_sources_county()
    moved = ObservationCase.objects.filter(resident__household=household)
    assert moved.exists() and set(moved.values_list("county_id", flat=True)) == {county.pk}
    assert set(CheckIn.objects.filter(case__in=moved).values_list("county_id", flat=True)) <= {
        county.pk
    }
    for rows in (
        HouseholdPass.objects.filter(household=household),
        Errand.objects.filter(household=household),
        Resident.objects.filter(household=household),
    ):
        assert set(rows.values_list("county_id", flat=True)) <= {county.pk}
    assert ObservationCase.objects.in_area(village).filter(resident__household=household).exists()

"""A household that moves to another county takes its passes with it (the tenant key); its
household contact with the old county's worker ends."""

from __future__ import annotations

import datetime as dt

from fangkong.checkpoints import services
from fangkong.checkpoints.models import HouseholdPass
from fangkong.monitoring.tests.factories import resident_in
from fangkong.registry.tests.factories import move_to_another_county
from fangkong.workforce.models import HouseholdContact
from fangkong.workforce.tests.factories import make_worker


def test_passes_follow_the_household_to_another_county(users, tree):
    resident = resident_in(tree["qianjin_g1"])
    household = resident.household
    household_pass = services.pass_issue(
        by=users["cadre"],
        household=household,
        valid_from=dt.date(2020, 2, 1),
        valid_until=dt.date(2020, 2, 10),
    )
    HouseholdContact.objects.create(worker=make_worker(tree["qianjin_g1"]), household=household)
    other_county, village = move_to_another_county(household)
    assert HouseholdPass.objects.get(pk=household_pass.pk).county_id == other_county.pk
    assert not HouseholdContact.objects.exists()

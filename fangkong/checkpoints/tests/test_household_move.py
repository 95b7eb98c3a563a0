"""A household that moves to another county takes its passes with it (the tenant key); its
household contact with the old county's worker ends."""

from __future__ import annotations

import datetime as dt

from fangkong.areas.models import Level
from fangkong.areas.tests.factories import AreaFactory
from fangkong.checkpoints import services
from fangkong.checkpoints.models import HouseholdPass
from fangkong.monitoring.tests.factories import resident_in
from fangkong.registry import services as registry_services
from fangkong.workforce.models import HouseholdContact
from fangkong.workforce.tests.factories import make_worker


def test_passes_follow_the_household_to_another_county(users, tree, monkeypatch):
    resident = resident_in(tree["qianjin_g1"])
    household = resident.household
    household_pass = services.pass_issue(
        by=users["cadre"],
        household=household,
        valid_from=dt.date(2020, 2, 1),
        valid_until=dt.date(2020, 2, 10),
    )
    HouseholdContact.objects.create(worker=make_worker(tree["qianjin_g1"]), household=household)
    other_county = AreaFactory(name="邵东县", level=Level.COUNTY, code="430521000000")
    village = AreaFactory(
        name="新村",
        level=Level.VILLAGE,
        code="430521001201",
        parent=AreaFactory(
            name="两市镇", level=Level.TOWNSHIP, code="430521001000", parent=other_county
        ),
    )
    monkeypatch.setattr(registry_services, "_check_area", lambda *, by, area: None)
    registry_services.household_update(by=users["county_admin"], household=household, area=village)
    assert HouseholdPass.objects.get(pk=household_pass.pk).county_id == other_county.pk
    assert not HouseholdContact.objects.exists()

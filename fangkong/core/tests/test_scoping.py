"""The one scope rule every QuerySet of personal data shares."""

from django.contrib.auth.models import AnonymousUser

from fangkong.registry.models import Household
from fangkong.registry.tests.factories import HouseholdFactory


def test_for_user_is_the_area_subtree_and_nothing_without_one(tree, users):
    mine = HouseholdFactory(area=tree["qianjin_g1"])
    theirs = HouseholdFactory(area=tree["baiyun_g1"])
    assert list(Household.objects.for_user(users["grid_worker"])) == [mine]
    assert set(Household.objects.for_user(users["township"])) == {mine, theirs}
    assert not Household.objects.for_user(AnonymousUser()).exists()
    users["cadre"].area = None
    assert not Household.objects.for_user(users["cadre"]).exists()

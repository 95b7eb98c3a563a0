"""The area tree: materialised paths, subtree queries, code rules, the tree page and adding areas."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from fangkong.accounts.models import Role
from fangkong.accounts.tests.factories import PASSWORD, UserFactory
from fangkong.areas.models import Area, Level
from fangkong.areas.tests.factories import AreaFactory
from fangkong.core.models import AuditAction, AuditEvent


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


@pytest.fixture
def other_county(db):
    """邵东市 with one township and one village: a second tenant."""
    county = AreaFactory(name="邵东市", level=Level.COUNTY, code="430521000000")
    township = AreaFactory(name="两市镇", level=Level.TOWNSHIP, code="430521100000", parent=county)
    village = AreaFactory(name="东风村", level=Level.VILLAGE, code="430521100201", parent=township)
    admin = UserFactory(username="other_admin", role=Role.COUNTY_ADMIN, area=county)
    return {"county": county, "township": township, "village": village, "admin": admin}


# --- the model -----------------------------------------------------------------------------


def test_path_depth_and_county_are_computed(tree):
    county, township, qianjin, grid = (
        tree["county"],
        tree["township"],
        tree["qianjin"],
        tree["qianjin_g1"],
    )
    assert county.path == "430502000000/"
    assert township.path == "430502000000/430502005000/"
    assert grid.path == "430502000000/430502005000/430502005201/01/"
    assert [a.depth for a in (county, township, qianjin, grid)] == [0, 1, 2, 3]
    for area in tree.values():
        area.refresh_from_db()
        assert area.county_id == county.pk
    # Two grids with the same local code in different villages have different paths.
    assert tree["baiyun_g1"].path != grid.path and tree["baiyun_g1"].code == grid.code


def test_subtree_is_exactly_the_subtree_in_one_query(tree, other_county, django_assert_num_queries):
    with django_assert_num_queries(1):
        qianjin = list(Area.objects.subtree(tree["qianjin"]))
    assert {a.name for a in qianjin} == {"前进村", "前进村1网格", "前进村2网格"}
    with django_assert_num_queries(1):
        township = set(Area.objects.subtree(tree["township"]))
    assert township == {tree[k] for k in tree if k != "county"}
    assert set(Area.objects.subtree(tree["county"])) == set(tree.values())
    assert set(Area.objects.subtree(tree["qianjin_g1"])) == {tree["qianjin_g1"]}


def test_ancestors_and_full_name(tree):
    grid = tree["qianjin_g1"]
    assert list(grid.ancestors()) == [tree["county"], tree["township"], tree["qianjin"]]
    assert grid.full_name() == "火车站乡 前进村 前进村1网格"
    assert grid.is_within(tree["township"]) and not grid.is_within(tree["baiyun"])


def test_changing_a_code_moves_the_descendants(tree):
    qianjin = tree["qianjin"]
    qianjin.code = "430502005209"
    qianjin.save()
    for key in ("qianjin_g1", "qianjin_g2"):
        tree[key].refresh_from_db()
        assert tree[key].path == f"430502000000/430502005000/430502005209/{tree[key].code}/"
    tree["baiyun_g1"].refresh_from_db()
    assert tree["baiyun_g1"].path == "430502000000/430502005000/430502005202/01/"
    assert set(Area.objects.subtree(qianjin)) == {qianjin, tree["qianjin_g1"], tree["qianjin_g2"]}


def test_changing_a_township_code_moves_every_level_below(tree):
    township = tree["township"]
    township.code = "430502006000"
    township.save()
    paths = set(Area.objects.exclude(pk=tree["county"].pk).values_list("path", flat=True))
    assert all(p.startswith("430502000000/430502006000/") for p in paths)
    assert len(paths) == 6


def _area(**kwargs) -> Area:
    return Area(**kwargs)


def test_clean_rejects_a_village_under_a_county(tree):
    area = _area(name="错村", level=Level.VILLAGE, code="430502000201", parent=tree["county"])
    with pytest.raises(ValidationError) as info:
        area.full_clean()
    assert "level" in info.value.message_dict


def test_clean_rejects_a_village_code_outside_its_township(tree):
    area = _area(name="错村", level=Level.VILLAGE, code="430502006201", parent=tree["township"])
    with pytest.raises(ValidationError) as info:
        area.full_clean()
    assert "code" in info.value.message_dict


def test_clean_accepts_a_village_with_its_townships_prefix(tree):
    area = _area(name="新村", level=Level.VILLAGE, code="430502005203", parent=tree["township"])
    area.full_clean()


def test_clean_rejects_a_township_code_outside_its_county(tree):
    area = _area(name="错乡", level=Level.TOWNSHIP, code="430503001000", parent=tree["county"])
    with pytest.raises(ValidationError) as info:
        area.full_clean()
    assert "code" in info.value.message_dict


def test_clean_pads_a_six_digit_county_code(db):
    area = _area(name="大祥区", level=Level.COUNTY, code="430503")
    area.full_clean()
    assert area.code == "430503000000"
    area.save()
    assert area.path == "430503000000/"


@pytest.mark.parametrize("code", ["4305020052", "43050200520X", ""])
def test_clean_rejects_a_malformed_division_code(tree, code):
    area = _area(name="错村", level=Level.VILLAGE, code=code, parent=tree["township"])
    with pytest.raises(ValidationError) as info:
        area.full_clean()
    assert "code" in info.value.message_dict


def test_clean_rejects_a_grid_code_with_a_slash(tree):
    area = _area(name="错网格", level=Level.GRID, code="0/1", parent=tree["qianjin"])
    with pytest.raises(ValidationError) as info:
        area.full_clean()
    assert "code" in info.value.message_dict


def test_only_a_county_has_no_parent(db):
    with pytest.raises(ValidationError) as info:
        _area(name="孤乡", level=Level.TOWNSHIP, code="430502009000").full_clean()
    assert "parent" in info.value.message_dict


def test_a_grid_code_is_unique_within_its_village(tree):
    area = _area(name="重复", level=Level.GRID, code="01", parent=tree["qianjin"])
    with pytest.raises(ValidationError):
        area.full_clean()


# --- the tree page -------------------------------------------------------------------------


def test_tree_page_needs_login(client, tree):
    response = client.get("/areas/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_user_without_area_gets_403(client, db):
    user = UserFactory(username="nobody", role=Role.COUNTY_ADMIN, area=None)
    login(client, user)
    assert client.get("/areas/").status_code == 403


# --- adding an area ------------------------------------------------------------------------


def test_county_admin_adds_a_grid_under_a_village(client, users, tree):
    login(client, users["county_admin"])
    url = f"/areas/{tree['qianjin'].pk}/add/"
    assert client.get(url).status_code == 200
    response = client.post(url, {"name": "前进村3网格", "level": "grid", "code": "03"})
    assert response.status_code == 302
    grid = Area.objects.get(name="前进村3网格")
    assert grid.parent == tree["qianjin"]
    assert grid.path == tree["qianjin"].path + "03/"
    assert grid.county_id == tree["county"].pk
    event = AuditEvent.objects.get(action=AuditAction.CREATE, object_type="area")
    assert event.user == users["county_admin"] and event.area == grid


def test_add_refuses_a_level_not_allowed_under_the_parent(client, users, tree):
    login(client, users["county_admin"])
    url = f"/areas/{tree['qianjin'].pk}/add/"
    response = client.post(url, {"name": "错乡", "level": "township", "code": "430502007000"})
    assert response.status_code == 200
    assert "level" in response.context["form"].errors
    assert not Area.objects.filter(name="错乡").exists()


def test_add_shows_a_duplicate_code_as_a_form_error(client, users, tree):
    login(client, users["county_admin"])
    url = f"/areas/{tree['qianjin'].pk}/add/"
    response = client.post(url, {"name": "又一个1网格", "level": "grid", "code": "01"})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not Area.objects.filter(name="又一个1网格").exists()


def test_add_shows_a_village_code_outside_the_township_as_a_form_error(client, users, tree):
    login(client, users["county_admin"])
    url = f"/areas/{tree['township'].pk}/add/"
    response = client.post(url, {"name": "错村", "level": "village", "code": "430502006201"})
    assert response.status_code == 200
    assert "code" in response.context["form"].errors


def test_nothing_can_be_added_under_a_grid(client, users, tree):
    login(client, users["county_admin"])
    response = client.post(
        f"/areas/{tree['qianjin_g1'].pk}/add/", {"name": "x", "level": "grid", "code": "09"}
    )
    assert response.status_code == 302
    assert not Area.objects.filter(name="x").exists()


@pytest.mark.parametrize("role", ["cadre", "township", "grid_worker", "viewer", "stranger"])
def test_other_roles_get_403(client, users, tree, role):
    login(client, users[role])
    url = f"/areas/{tree['qianjin'].pk}/add/"
    assert client.get(url).status_code == 403
    assert client.post(url, {"name": "x", "level": "grid", "code": "09"}).status_code == 403
    assert not Area.objects.filter(name="x").exists()


def test_county_admin_of_another_county_gets_404(client, users, tree, other_county):
    login(client, other_county["admin"])
    url = f"/areas/{tree['qianjin'].pk}/add/"
    assert client.get(url).status_code == 404
    assert client.post(url, {"name": "x", "level": "grid", "code": "09"}).status_code == 404
    assert not Area.objects.filter(name="x").exists()
    # ... and can add in his own county.
    own = f"/areas/{other_county['village'].pk}/add/"
    assert (
        client.post(own, {"name": "东风村1网格", "level": "grid", "code": "01"}).status_code == 302
    )
    assert Area.objects.get(name="东风村1网格").county_id == other_county["county"].pk


def test_add_needs_login(client, tree):
    response = client.get(f"/areas/{tree['qianjin'].pk}/add/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")

"""Changing the tree safely: rename, correct a code (one UPDATE for the whole subtree), move a
grid, retire from a date, delete only what holds nothing; the tree page at county size."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fangkong.accounts.models import Role
from fangkong.accounts.tests.factories import UserFactory
from fangkong.areas import services
from fangkong.areas.models import Area, Level
from fangkong.areas.tests.factories import AreaFactory
from fangkong.core.models import AuditAction, AuditEvent
from fangkong.registry.tests.factories import HouseholdFactory
from fangkong.reports import rollup

DAY = dt.date(2020, 2, 1)


@pytest.fixture
def other_county(db):
    county = AreaFactory(name="邵东市", level=Level.COUNTY, code="430521000000")
    township = AreaFactory(name="两市镇", level=Level.TOWNSHIP, code="430521100000", parent=county)
    village = AreaFactory(name="东风村", level=Level.VILLAGE, code="430521100201", parent=township)
    admin = UserFactory(username="other_admin", role=Role.COUNTY_ADMIN, area=county)
    return {"county": county, "township": township, "village": village, "admin": admin}


def _updates(queries) -> list[str]:
    return [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith("UPDATE")]


def test_correcting_a_township_code_moves_every_code_and_path_in_one_update(users, tree):
    township = Area.objects.select_related("parent").get(pk=tree["township"].pk)
    with CaptureQueriesContext(connection) as small:
        services.area_change_code(by=users["county_admin"], area=township, code="430502006000")
    assert len(_updates(small.captured_queries)) == 1
    village = Area.objects.get(name="前进村")
    assert village.code == "430502006201"
    assert village.path == "430502000000/430502006000/430502006201/"
    grid = Area.objects.get(pk=tree["qianjin_g2"].pk)
    assert grid.code == "02" and grid.path == "430502000000/430502006000/430502006201/02/"
    assert Area.objects.get(pk=tree["county"].pk).path == "430502000000/"
    event = AuditEvent.objects.get(field="code")
    assert event.detail == "430502005000→430502006000" and event.user == users["county_admin"]
    # Ten more villages with grids below: still one UPDATE and the same number of queries.
    for n in range(10):
        v = AreaFactory(
            name=f"新村{n}", level=Level.VILLAGE, code=f"4305020063{n:02d}", parent=township
        )
        AreaFactory(name=f"新村{n}1网格", level=Level.GRID, code="01", parent=v)
    township = Area.objects.select_related("parent").get(pk=township.pk)
    with CaptureQueriesContext(connection) as big:
        services.area_change_code(by=users["county_admin"], area=township, code="430502007000")
    assert len(_updates(big.captured_queries)) == 1
    assert len(big.captured_queries) == len(small.captured_queries)
    assert Area.objects.filter(code__startswith="430502007", level=Level.VILLAGE).count() == 12
    assert not Area.objects.filter(path__contains="430502006").exists()


def test_correcting_a_village_code_leaves_the_grid_codes(users, tree):
    services.area_change_code(by=users["county_admin"], area=tree["qianjin"], code="430502005209")
    assert set(Area.objects.filter(parent=tree["qianjin"]).values_list("code", "path")) == {
        ("01", "430502000000/430502005000/430502005209/01/"),
        ("02", "430502000000/430502005000/430502005209/02/"),
    }


@pytest.mark.parametrize(
    "code",
    [
        "430502005202",  # 白云村's code
        "430502006201",  # not under its township
        "43050200520",  # wrong length
    ],
)
def test_a_bad_code_correction_is_refused_and_changes_nothing(users, tree, code):
    before = list(Area.objects.order_by("pk").values_list("code", "path"))
    with pytest.raises(ValidationError) as info:
        services.area_change_code(by=users["county_admin"], area=tree["qianjin"], code=code)
    assert "code" in info.value.message_dict
    assert list(Area.objects.order_by("pk").values_list("code", "path")) == before


def test_a_grid_code_correction_refuses_a_sibling_code(users, tree):
    with pytest.raises(ValidationError):
        services.area_change_code(by=users["county_admin"], area=tree["qianjin_g1"], code="02")
    services.area_change_code(by=users["county_admin"], area=tree["qianjin_g1"], code="09")
    assert Area.objects.get(pk=tree["qianjin_g1"].pk).path.endswith("/430502005201/09/")


def test_moving_a_grid_to_another_village_takes_its_households(users, tree):
    grid = tree["qianjin_g2"]
    household = HouseholdFactory(area=grid)
    services.area_move(by=users["county_admin"], area=grid, parent=tree["baiyun"])
    grid.refresh_from_db()
    assert grid.parent == tree["baiyun"] and grid.path == tree["baiyun"].path + "02/"
    household.refresh_from_db()
    assert household.area.is_within(tree["baiyun"])
    # 白云村 already has a grid 01: moving 前进村's grid 01 there is refused.
    with pytest.raises(ValidationError):
        services.area_move(by=users["county_admin"], area=tree["qianjin_g1"], parent=tree["baiyun"])
    with pytest.raises(ValidationError):  # only grids and groups move
        services.area_move(by=users["county_admin"], area=tree["qianjin"], parent=tree["township"])


def test_move_to_another_county_is_refused(users, tree, other_county):
    with pytest.raises(PermissionDenied):
        services.area_move(
            by=users["county_admin"], area=tree["qianjin_g1"], parent=other_county["village"]
        )


def test_an_area_with_households_cannot_be_deleted_nor_retired_until_they_moved(users, tree):
    admin = users["county_admin"]
    grid = tree["qianjin_g2"]
    household = HouseholdFactory(area=grid)
    with pytest.raises(ValidationError):
        services.area_delete(by=admin, area=grid)
    with pytest.raises(ValidationError):
        services.area_retire(by=admin, area=grid, day=DAY)
    household.area = tree["qianjin_g1"]
    household.save()
    services.area_retire(by=admin, area=grid, day=DAY)
    grid.refresh_from_db()
    assert grid.retired_on == DAY
    assert Area.objects.filter(pk=grid.pk).exists()  # kept in history


def test_delete_of_an_empty_area_and_refusals(users, tree):
    admin = users["county_admin"]
    with pytest.raises(ValidationError):  # has grids below
        services.area_delete(by=admin, area=tree["qianjin"])
    grid = services.area_create(
        by=admin, parent=tree["qianjin"], name="误建网格", level=Level.GRID, code="09"
    )
    services.area_delete(by=admin, area=grid)
    assert not Area.objects.filter(name="误建网格").exists()
    assert AuditEvent.objects.filter(
        action=AuditAction.DELETE, detail__startswith="误建网格"
    ).exists()
    with pytest.raises(ValidationError):  # a user works there
        services.area_delete(by=admin, area=users["grid_worker"].area)


def test_retiring_a_village_retires_its_grids_and_reports_stop_expecting_it(users, tree):
    admin = users["county_admin"]
    services.area_retire(by=admin, area=tree["baiyun"], day=DAY)
    assert Area.objects.get(pk=tree["baiyun_g1"].pk).retired_on == DAY
    township = tree["township"]
    before = rollup.rollup(township, DAY - dt.timedelta(days=1), live=False)
    after = rollup.rollup(township, DAY, live=False)
    assert before.expected == 2 and after.expected == 1
    assert [row.area.name for row in after.missing] == ["前进村"]  # 白云村 is not "missing"
    services.area_reinstate(by=admin, area=tree["baiyun"])
    assert rollup.rollup(township, DAY, live=False).expected == 2


def test_a_village_added_today_does_not_lower_last_weeks_completeness(users, tree):
    today = dt.date(2020, 2, 10)
    services.area_create(
        by=None,
        parent=tree["township"],
        name="新村",
        level=Level.VILLAGE,
        code="430502005203",
        established_on=today,
    )
    assert rollup.rollup(tree["township"], today - dt.timedelta(days=7), live=False).expected == 2
    assert rollup.rollup(tree["township"], today, live=False).expected == 3
    assert {a.name for a in Area.objects.expected_on(today)} == {"前进村", "白云村", "新村"}


# Created just before midnight, it would be "yesterday's" area when the date is compared.
@pytest.mark.usefixtures("steady_clock")
def test_an_area_created_on_the_page_is_expected_from_today(users, tree):
    from django.utils import timezone

    area = services.area_create(
        by=users["county_admin"],
        parent=tree["township"],
        name="新村",
        level=Level.VILLAGE,
        code="430502005203",
    )
    assert area.established_on == timezone.localdate()


def test_only_the_county_admin_of_the_subtree_changes_areas(users, tree, other_county):
    for role in ("cadre", "township", "viewer"):
        with pytest.raises(PermissionDenied):
            services.area_rename(by=users[role], area=tree["qianjin"], name="x")
        with pytest.raises(PermissionDenied):
            services.area_change_code(by=users[role], area=tree["qianjin"], code="430502005209")
    with pytest.raises(PermissionDenied):
        services.area_retire(by=other_county["admin"], area=tree["qianjin"], day=DAY)


# --- pages ---------------------------------------------------------------------------------


def test_tree_page_shows_the_top_and_its_children_and_loads_more_when_opened(client, users, tree):
    HouseholdFactory.create_batch(2, area=tree["qianjin_g1"])
    HouseholdFactory(area=tree["baiyun_g1"], address="白云村1号")
    client.force_login(users["county_admin"])
    response = client.get("/areas/")
    top = response.context["top"]
    assert top["area"] == tree["county"] and top["households"] == 3
    assert [n["area"] for n in top["children"]] == [tree["township"]]
    assert "前进村" not in response.content.decode()  # not loaded until opened
    fragment = client.get(f"/areas/{tree['township'].pk}/children/", headers={"HX-Request": "true"})
    rows = {n["area"].name: n["households"] for n in fragment.context["nodes"]}
    assert rows == {"前进村": 2, "白云村": 1}
    assert "<html" not in fragment.content.decode()


def test_tree_page_opens_the_way_to_an_area_and_searches(client, users, tree):
    client.force_login(users["county_admin"])
    response = client.get(f"/areas/?open={tree['qianjin_g2'].pk}")
    body = response.content.decode()
    assert f'id="area-{tree["qianjin_g2"].pk}"' in body
    response = client.get("/areas/?q=430502005202")
    assert [r["area"] for r in response.context["results"]] == [tree["baiyun"]]
    response = client.get("/areas/?q=网格")
    assert len(response.context["results"]) == 3
    assert response.context["results"][0]["trail"] == "双清区 › 火车站乡 › 前进村"


def test_tree_page_and_search_stay_in_the_users_subtree(client, users, tree):
    client.force_login(users["stranger"])
    response = client.get("/areas/")
    assert response.context["top"]["area"] == tree["baiyun"]
    assert "前进村" not in response.content.decode()
    assert client.get("/areas/?q=前进").context["results"] == []
    assert client.get(f"/areas/{tree['qianjin'].pk}/children/").status_code == 404
    assert "前进村" not in client.get(f"/areas/?open={tree['qianjin_g1'].pk}").content.decode()


def test_adding_an_area_returns_to_it_in_the_tree(client, users, tree):
    client.force_login(users["county_admin"])
    response = client.post(
        f"/areas/{tree['qianjin'].pk}/add/", {"name": "前进村3网格", "level": "grid", "code": "03"}
    )
    grid = Area.objects.get(name="前进村3网格")
    assert response["Location"] == f"/areas/?open={grid.pk}#area-{grid.pk}"


def test_edit_page_renames_corrects_moves_retires(client, users, tree):
    client.force_login(users["county_admin"])
    url = f"/areas/{tree['qianjin_g2'].pk}/"
    assert client.get(url).status_code == 200
    assert client.post(url, {"action": "rename", "name": "前进村二网格"}).status_code == 302
    assert client.post(url, {"action": "code", "code": "12"}).status_code == 302
    response = client.post(url, {"action": "move", "parent": tree["baiyun"].pk})
    assert response.status_code == 302
    grid = Area.objects.get(pk=tree["qianjin_g2"].pk)
    assert (grid.name, grid.code, grid.parent) == ("前进村二网格", "12", tree["baiyun"])
    assert client.post(url, {"action": "retire", "retired_on": "2020-02-01"}).status_code == 302
    assert Area.objects.get(pk=grid.pk).retired_on == DAY
    # A bad code is shown on the page, in the form.
    response = client.post(f"/areas/{tree['qianjin'].pk}/", {"action": "code", "code": "123"})
    assert response.status_code == 200 and response.context["forms"]["code"].errors


def test_edit_page_refuses_other_roles_and_other_counties(client, users, tree, other_county):
    url = f"/areas/{tree['qianjin'].pk}/"
    for role in ("cadre", "township", "viewer", "stranger"):
        client.force_login(users[role])
        assert client.get(url).status_code == 403
        assert client.post(url, {"action": "rename", "name": "x"}).status_code == 403
    client.force_login(other_county["admin"])
    assert client.get(url).status_code == 404
    assert client.post(url, {"action": "rename", "name": "x"}).status_code == 404
    assert Area.objects.get(pk=tree["qianjin"].pk).name == "前进村"
    # One's own county is changed from above, not by its own administrator.
    client.force_login(users["county_admin"])
    assert client.get(f"/areas/{tree['county'].pk}/").status_code == 404

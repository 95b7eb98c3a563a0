"""Screening pages: owner can, stranger 404, read-only 403 on writes, anonymous to login."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from fangkong.registry.tests.factories import HouseholdFactory
from fangkong.screening.models import HouseholdVisit, RiskArea, ScreeningRound
from fangkong.screening.tests.conftest import DAY, first_resident
from fangkong.screening.tests.factories import RoundFactory, record_visit

pytestmark = pytest.mark.django_db


def url(name, **kwargs):
    return reverse(f"screening:{name}", kwargs=kwargs or None)


# --- rounds --------------------------------------------------------------------------------


def test_round_list_is_scoped(client, users, tree, township_round):
    village_round = RoundFactory(area=tree["qianjin"], created_by=users["cadre"], name="前进村复查")
    client.force_login(users["grid_worker"])
    body = client.get(url("round_list")).content.decode()
    assert "春节返乡人员全面排查" in body and "前进村复查" in body  # his township's and village's
    client.force_login(users["stranger"])
    response = client.get(url("round_list"))
    assert list(response.context["page"]) == [township_round]
    assert village_round.name not in response.content.decode()


def test_round_list_queries_do_not_grow(client, users, tree, homes, django_assert_max_num_queries):
    client.force_login(users["county_admin"])
    for _n in range(3):
        RoundFactory(area=tree["qianjin"], created_by=users["cadre"])
    with django_assert_max_num_queries(7) as first:
        client.get(url("round_list"))
    for _n in range(10):
        RoundFactory(area=tree["baiyun"], created_by=users["cadre"])
    with django_assert_max_num_queries(len(first.captured_queries)):
        response = client.get(url("round_list"))
    assert len(response.context["page"]) == 13


def test_round_create(client, users, tree):
    client.force_login(users["cadre"])
    assert client.get(url("round_create")).status_code == 200
    response = client.post(
        url("round_create"),
        {"area": tree["qianjin"].pk, "name": "全面排查", "started_on": "2020-01-25"},
    )
    screening_round = ScreeningRound.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("round_detail", pk=screening_round.pk)
    assert screening_round.created_by == users["cadre"]


def test_round_create_refuses_other_areas_and_roles(client, users, tree):
    client.force_login(users["stranger"])
    response = client.post(
        url("round_create"), {"area": tree["qianjin"].pk, "name": "x", "started_on": "2020-01-25"}
    )
    assert response.status_code == 200 and "area" in response.context["form"].errors
    for who in ("viewer", "grid_worker"):
        client.force_login(users[who])
        assert client.get(url("round_create")).status_code == 403
        assert client.post(url("round_create"), {}).status_code == 403
    client.logout()
    assert client.get(url("round_create")).status_code == 302
    assert not ScreeningRound.objects.exists()


def test_round_detail_shows_coverage_and_drills_down(client, users, tree, homes, township_round):
    record_visit(
        township_round,
        homes["qianjin_g1"][0],
        by=users["grid_worker"],
        visited_on=DAY,
        people=[{"resident": first_resident(homes["qianjin_g1"][0]), "travel_from": "湖北武汉"}],
    )
    client.force_login(users["township"])
    response = client.get(url("round_detail", pk=township_round.pk))
    assert response.status_code == 200
    coverage = response.context["coverage"]
    assert (coverage.households, coverage.visited) == (7, 1)
    assert [r.name for r in coverage.children] == ["前进村", "白云村"]
    assert response.context["returnees"].via_risk_area == 1
    response = client.get(url("round_detail", pk=township_round.pk), {"area": tree["qianjin"].pk})
    assert response.context["coverage"].households == 5
    assert [a.name for a in response.context["trail"]] == ["火车站乡", "前进村"]
    assert client.get(url("round_detail", pk=township_round.pk), {"area": "x"}).status_code == 400


def test_a_grid_worker_sees_his_grid_of_the_township_round(
    client, users, tree, homes, township_round
):
    client.force_login(users["grid_worker"])
    response = client.get(url("round_detail", pk=township_round.pk))
    assert response.context["area"] == tree["qianjin_g1"]
    assert response.context["coverage"].households == 3
    # Above or beside his grid: not there for him.
    for area in ("qianjin", "qianjin_g2", "baiyun_g1"):
        response = client.get(url("round_detail", pk=township_round.pk), {"area": tree[area].pk})
        assert response.status_code == 404


def test_round_detail_stranger_and_anonymous(client, users, tree, homes):
    village_round = RoundFactory(area=tree["qianjin"], created_by=users["cadre"])
    client.force_login(users["stranger"])
    assert client.get(url("round_detail", pk=village_round.pk)).status_code == 404
    assert client.get(url("unvisited", pk=village_round.pk)).status_code == 404
    client.logout()
    assert client.get(url("round_detail", pk=village_round.pk)).status_code == 302


def test_round_detail_queries_do_not_grow(
    client, users, tree, homes, township_round, django_assert_max_num_queries
):
    client.force_login(users["township"])
    with django_assert_max_num_queries(12) as first:
        client.get(url("round_detail", pk=township_round.pk))
    for _ in range(10):
        household = HouseholdFactory(area=tree["baiyun_g1"])
        record_visit(township_round, household, by=users["township"], visited_on=DAY)
    with django_assert_max_num_queries(len(first.captured_queries)):
        client.get(url("round_detail", pk=township_round.pk))


def test_round_close(client, users, township_round):
    client.force_login(users["cadre"])  # a village cadre: not his round to close
    assert (
        client.post(
            url("round_close", pk=township_round.pk), {"ended_on": "2020-02-02"}
        ).status_code
        == 403
    )
    client.force_login(users["viewer"])
    assert (
        client.post(
            url("round_close", pk=township_round.pk), {"ended_on": "2020-02-02"}
        ).status_code
        == 403
    )
    client.force_login(users["township"])
    assert client.get(url("round_close", pk=township_round.pk)).status_code == 200
    response = client.post(url("round_close", pk=township_round.pk), {"ended_on": "2020-02-02"})
    assert response.status_code == 302
    township_round.refresh_from_db()
    assert township_round.ended_on == dt.date(2020, 2, 2)


# --- unvisited and the visit form ----------------------------------------------------------


def test_unvisited_list(client, users, tree, homes, township_round):
    g1 = homes["qianjin_g1"]
    record_visit(
        township_round,
        g1[0],
        by=users["grid_worker"],
        visited_on=DAY,
        people=[{"resident": first_resident(g1[0])}],
    )
    record_visit(township_round, g1[1], by=users["grid_worker"], visited_on=DAY)  # nobody home
    client.force_login(users["grid_worker"])
    response = client.get(url("unvisited", pk=township_round.pk))
    households = list(response.context["page"])
    assert households == [g1[1], g1[2]]
    assert households[0].nobody_home_on == DAY and households[1].nobody_home_on is None
    body = response.content.decode()
    assert g1[1].head_name in body and g1[1].address in body
    assert url("visit_create", pk=township_round.pk, household_pk=g1[2].pk) in body
    client.force_login(users["viewer"])
    response = client.get(url("unvisited", pk=township_round.pk), {"area": tree["baiyun"].pk})
    assert list(response.context["page"]) == homes["baiyun_g1"]
    assert "/visit/" not in response.content.decode()  # read-only: no links to the form


def test_unvisited_queries_do_not_grow(
    client, users, tree, homes, township_round, django_assert_max_num_queries
):
    client.force_login(users["township"])
    with django_assert_max_num_queries(8) as first:
        client.get(url("unvisited", pk=township_round.pk))
    for _ in range(15):
        HouseholdFactory(area=tree["baiyun_g1"])
    with django_assert_max_num_queries(len(first.captured_queries)):
        response = client.get(url("unvisited", pk=township_round.pk))
    assert len(response.context["page"]) == 22


def _visit_post(household, **extra):
    head, other = household.residents.order_by("pk")
    data = {
        "visited_on": DAY.isoformat(),
        "method": "door",
        "outcome": "visited",
        f"r{head.pk}-at_home": "on",
        f"r{head.pk}-travel_from": "湖北武汉",
        f"r{head.pk}-returned_on": "2020-01-20",
        f"r{head.pk}-cough": "on",
        "v0-name": "来访亲戚",
        "v0-at_home": "on",
    }
    data.update(extra)
    return data


def test_grid_worker_records_a_visit(client, users, homes, township_round):
    household = homes["qianjin_g1"][0]
    client.force_login(users["grid_worker"])
    form_url = url("visit_create", pk=township_round.pk, household_pk=household.pk)
    response = client.get(form_url)
    assert response.status_code == 200
    assert len(response.context["resident_forms"]) == 2
    response = client.post(form_url, _visit_post(household))
    assert response.status_code == 302
    assert response["Location"] == url("unvisited", pk=township_round.pk)
    visit = HouseholdVisit.objects.get()
    assert visit.by == users["grid_worker"] and visit.outcome == "visited"
    people = {p.name: p for p in visit.people.all()}
    head, other = household.residents.order_by("pk")
    assert set(people) == {head.name, other.name, "来访亲戚"}
    assert people[head.name].via_risk_area and people[head.name].cough
    assert people[other.name].at_home is False
    assert people["来访亲戚"].resident is None
    # The visit is in the history, one click away.
    assert client.get(url("visit_detail", pk=visit.pk)).status_code == 200


def test_nobody_home_in_one_tap(client, users, homes, township_round):
    household = homes["qianjin_g1"][0]
    client.force_login(users["grid_worker"])
    response = client.post(
        url("visit_create", pk=township_round.pk, household_pk=household.pk),
        {"visited_on": DAY.isoformat(), "method": "door", "outcome": "nobody_home"},
    )
    assert response.status_code == 302
    visit = HouseholdVisit.objects.get()
    assert visit.outcome == "nobody_home" and not visit.people.exists()
    unvisited = client.get(url("unvisited", pk=township_round.pk)).context["page"]
    assert household in list(unvisited)


def test_visit_form_errors_name_the_field(client, users, homes, township_round):
    household = homes["qianjin_g1"][0]
    client.force_login(users["grid_worker"])
    form_url = url("visit_create", pk=township_round.pk, household_pk=household.pk)
    response = client.post(form_url, _visit_post(household, visited_on="2019-01-01"))
    assert response.status_code == 200
    assert "visited_on" in response.context["form"].errors
    response = client.post(form_url, _visit_post(household, visited_on="not a date"))
    assert "visited_on" in response.context["form"].errors
    head = household.residents.order_by("pk").first()
    response = client.post(form_url, _visit_post(household, **{f"r{head.pk}-returned_on": "x"}))
    assert response.status_code == 200
    # Back after the visit: the message names the person.
    late = {f"r{head.pk}-returned_on": "2020-02-20"}
    response = client.post(form_url, _visit_post(household, **late))
    assert response.status_code == 200
    assert head.name in " ".join(response.context["form"].non_field_errors())
    assert not HouseholdVisit.objects.exists()


def test_visit_form_scope(client, users, tree, homes, township_round):
    own = homes["qianjin_g1"][0]
    client.force_login(users["grid_worker"])
    other_grid = homes["qianjin_g2"][0]
    assert (
        client.get(
            url("visit_create", pk=township_round.pk, household_pk=other_grid.pk)
        ).status_code
        == 404
    )
    client.force_login(users["stranger"])
    response = client.post(
        url("visit_create", pk=township_round.pk, household_pk=own.pk), _visit_post(own)
    )
    assert response.status_code == 404
    client.force_login(users["viewer"])
    response = client.post(
        url("visit_create", pk=township_round.pk, household_pk=own.pk), _visit_post(own)
    )
    assert response.status_code == 403
    client.logout()
    assert (
        client.get(url("visit_create", pk=township_round.pk, household_pk=own.pk)).status_code
        == 302
    )
    assert not HouseholdVisit.objects.exists()


def test_visit_detail_scope(client, users, homes, township_round):
    household = homes["qianjin_g1"][0]
    visit = record_visit(
        township_round,
        household,
        by=users["grid_worker"],
        visited_on=DAY,
        people=[{"resident": first_resident(household), "travel_from": "武汉"}],
    )
    client.force_login(users["cadre"])
    response = client.get(url("visit_detail", pk=visit.pk))
    assert (
        response.status_code == 200 and first_resident(household).name in response.content.decode()
    )
    client.force_login(users["stranger"])
    assert client.get(url("visit_detail", pk=visit.pk)).status_code == 404
    client.logout()
    assert client.get(url("visit_detail", pk=visit.pk)).status_code == 302


# --- risk areas ----------------------------------------------------------------------------


def test_county_admin_manages_risk_areas(client, users):
    client.force_login(users["county_admin"])
    assert client.get(url("risk_areas")).status_code == 200
    data = {"name": "武汉市", "level": "city", "code": "420100000000", "valid_from": "2020-01-01"}
    assert client.post(url("risk_areas"), data).status_code == 302
    risk_area = RiskArea.objects.get()
    response = client.post(url("risk_areas"), {**data, "code": "420100"})
    assert response.status_code == 200 and "code" in response.context["form"].errors
    edit = url("risk_area_edit", pk=risk_area.pk)
    assert client.post(edit, {**data, "valid_to": "2020-04-08"}).status_code == 302
    risk_area.refresh_from_db()
    assert risk_area.valid_to == dt.date(2020, 4, 8)
    for who in ("cadre", "viewer", "township"):
        client.force_login(users[who])
        assert client.get(url("risk_areas")).status_code == 403
        assert client.post(edit, {**data, "valid_to": "2020-01-02"}).status_code == 403
    risk_area.refresh_from_db()
    assert risk_area.valid_to == dt.date(2020, 4, 8)


def test_drill_down_by_htmx_renders_only_the_area(client, users, tree, homes, township_round):
    client.force_login(users["township"])
    response = client.get(
        url("round_detail", pk=township_round.pk),
        {"area": tree["qianjin"].pk},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="coverage-section",
    )
    body = response.content.decode()
    assert body.lstrip().startswith('<section id="coverage-section"')
    assert "<html" not in body and "前进村1网格" in body


def test_every_page_sends_anonymous_to_login_and_refuses_viewer_writes(
    client, users, homes, township_round, risk_areas
):
    household = homes["qianjin_g1"][0]
    visit = record_visit(township_round, household, by=users["grid_worker"], visited_on=DAY)
    reads = [
        url("round_list"),
        url("round_detail", pk=township_round.pk),
        url("unvisited", pk=township_round.pk),
        url("visit_detail", pk=visit.pk),
    ]
    writes = [
        url("round_create"),
        url("round_close", pk=township_round.pk),
        url("visit_create", pk=township_round.pk, household_pk=household.pk),
        url("risk_areas"),
        url("risk_area_edit", pk=risk_areas[0].pk),
    ]
    for page in reads + writes:
        response = client.get(page)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], page
        assert client.post(page, {}).status_code == 302, page
    client.force_login(users["viewer"])
    data = {"ended_on": "2020-02-02", "outcome": "nobody_home", "visited_on": DAY.isoformat()}
    for page in writes:
        assert client.post(page, data).status_code == 403, page
    for page in reads:
        assert client.get(page).status_code == 200, page
    assert HouseholdVisit.objects.count() == 1
    township_round.refresh_from_db()
    assert township_round.ended_on is None


def test_pages_speak_chinese(client, users, township_round):
    """The app's own catalogue (fangkong/screening/locale) is compiled and used."""
    client.force_login(users["township"])
    body = client.get(url("round_list"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "排查轮次" in body and "新建排查轮次" in body
    body = client.get(url("round_detail", pk=township_round.pk)).content.decode()
    assert "待走访住户" in body and "Households to visit" not in body

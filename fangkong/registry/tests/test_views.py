"""Register pages: lists and search, detail, forms, duplicate IDs, reveal and the audit log."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fangkong.accounts.models import Role
from fangkong.accounts.tests.factories import UserFactory
from fangkong.areas.models import Level
from fangkong.areas.tests.factories import AreaFactory
from fangkong.core.models import AuditAction, AuditEvent
from fangkong.core.validators import id_check_char
from fangkong.registry.models import Household, Resident
from fangkong.registry.tests.factories import HouseholdFactory, ResidentFactory

LIST = "/register/households/"
CREATE = "/register/households/new/"


def login(client, user):
    client.force_login(user)
    return client


def _id(first17: str) -> str:
    return first17 + id_check_char(first17)


# A man born 1990-01-01 and a woman born 1985-12-31.
MALE_ID = _id("43050219900101001")
FEMALE_ID = _id("43050219851231002")


@pytest.fixture
def qianjin(tree):
    """One household of 前进村 with two residents (ID, phone) and one of 白云村."""
    household = HouseholdFactory(
        area=tree["qianjin_g1"], head_name="王大山", address="前进村幸福路8号", phone="13912345678"
    )
    head = ResidentFactory(
        household=household,
        name="王大山",
        relationship="head",
        id_number=MALE_ID,
        phone="13687654321",
    )
    wife = ResidentFactory(household=household, name="刘小红", id_number=FEMALE_ID, phone="")
    other = HouseholdFactory(area=tree["baiyun_g1"], head_name="赵白云", address="白云村3号")
    return {"household": household, "head": head, "wife": wife, "baiyun": other}


def _households(response) -> list[Household]:
    return list(response.context["page"].object_list)


# --- list and search -----------------------------------------------------------------------


def test_owner_sees_own_households_and_stranger_does_not(client, users, qianjin):
    login(client, users["cadre"])
    response = client.get(LIST)
    assert response.status_code == 200
    assert _households(response) == [qianjin["household"]]
    assert "王大山" in response.content.decode()

    login(client, users["stranger"])
    response = client.get(LIST)
    assert _households(response) == [qianjin["baiyun"]]
    assert "王大山" not in response.content.decode()


def test_county_sees_both_villages(client, users, qianjin):
    login(client, users["viewer"])
    assert set(_households(client.get(LIST))) == {qianjin["household"], qianjin["baiyun"]}


def test_stranger_cannot_filter_by_an_area_of_another_village(client, users, tree, qianjin):
    login(client, users["stranger"])
    assert client.get(LIST, {"area": tree["qianjin_g1"].pk}).status_code == 404
    assert client.get(LIST, {"area": "x"}).status_code == 400
    login(client, users["cadre"])
    response = client.get(LIST, {"area": tree["qianjin_g1"].pk})
    assert _households(response) == [qianjin["household"]]
    assert _households(client.get(LIST, {"area": tree["qianjin_g2"].pk})) == []


@pytest.mark.parametrize(
    "query",
    [
        "王大山",  # head's name
        "刘小红",  # a member's name
        "幸福路",  # address fragment
        MALE_ID,  # full ID of a member
        MALE_ID[:6] + " " + MALE_ID[6:],  # typed with a blank
        FEMALE_ID,
        "13687654321",  # a member's phone
        "+86 136 8765 4321",
        "13912345678",  # the household's contact phone
    ],
)
def test_search_finds_the_household(client, users, qianjin, query):
    login(client, users["cadre"])
    response = client.get(LIST, {"q": query})
    assert _households(response) == [qianjin["household"]]


def test_search_by_id_with_lower_case_x(client, users, tree):
    number = "11010519491231002X"  # the worked example of GB 11643-1999
    household = HouseholdFactory(area=tree["qianjin_g1"])
    ResidentFactory(household=household, id_number=number)
    login(client, users["cadre"])
    assert _households(client.get(LIST, {"q": number.lower()})) == [household]


@pytest.mark.parametrize(
    "query",
    [MALE_ID[:14], MALE_ID[:17], MALE_ID[4:], "1368765", "87654321", "13687654320"],
    ids=["id-first-14", "id-first-17", "id-last-14", "phone-prefix", "phone-tail", "other-phone"],
)
def test_partial_id_or_phone_finds_nothing(client, users, qianjin, query):
    login(client, users["cadre"])
    assert _households(client.get(LIST, {"q": query})) == []


def test_stranger_cannot_find_another_villages_household_by_id(client, users, qianjin):
    login(client, users["stranger"])
    assert _households(client.get(LIST, {"q": MALE_ID})) == []
    assert _households(client.get(LIST, {"q": "王大山"})) == []


def test_search_by_htmx_renders_only_the_results(client, users, qianjin):
    login(client, users["cadre"])
    response = client.get(LIST, {"q": "王"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="results")
    body = response.content.decode()
    assert body.lstrip().startswith('<section id="results"')
    assert "<html" not in body and "王大山" in body


def _list_queries(client, n: int, tree) -> int:
    for i in range(n):
        household = HouseholdFactory(area=tree["qianjin_g1" if i % 2 else "qianjin_g2"])
        ResidentFactory.create_batch(2, household=household, id_number="")
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(LIST)
    assert response.status_code == 200
    assert len(_households(response)) == min(Household.objects.count(), 20)
    return len(ctx.captured_queries)


def test_list_runs_a_constant_number_of_queries(client, users, tree):
    login(client, users["cadre"])
    few = _list_queries(client, 5, tree)
    many = _list_queries(client, 35, tree)  # 40 in all, two pages
    assert few == many
    assert few <= 6  # session, user, count, page (+ the user's area for the menu)


def test_search_runs_a_constant_number_of_queries(client, users, tree):
    login(client, users["cadre"])
    _list_queries(client, 5, tree)
    with CaptureQueriesContext(connection) as few:
        client.get(LIST, {"q": "前进村"})
    _list_queries(client, 35, tree)
    with CaptureQueriesContext(connection) as many:
        client.get(LIST, {"q": "前进村"})
    assert len(few.captured_queries) == len(many.captured_queries)


# --- detail --------------------------------------------------------------------------------


def test_household_detail(client, users, qianjin):
    url = f"/register/households/{qianjin['household'].pk}/"
    login(client, users["grid_worker"])
    response = client.get(url)
    assert response.status_code == 200
    assert list(response.context["household"].residents.all()) == [qianjin["head"], qianjin["wife"]]
    login(client, users["stranger"])
    assert client.get(url).status_code == 404


def test_grid_worker_of_another_grid_gets_404(client, tree, qianjin):
    worker = UserFactory(username="g2", role=Role.GRID_WORKER, area=tree["qianjin_g2"])
    login(client, worker)
    assert client.get(f"/register/households/{qianjin['household'].pk}/").status_code == 404
    assert client.get(f"/register/residents/{qianjin['head'].pk}/").status_code == 404


def test_resident_detail_404_for_stranger(client, users, qianjin):
    url = f"/register/residents/{qianjin['head'].pk}/"
    login(client, users["cadre"])
    assert client.get(url).status_code == 200
    login(client, users["stranger"])
    assert client.get(url).status_code == 404


def test_detail_pages_need_login(client, qianjin):
    response = client.get(f"/register/households/{qianjin['household'].pk}/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


# --- privacy on pages ----------------------------------------------------------------------


def test_pages_show_masked_numbers_never_full_ones(client, users, qianjin):
    login(client, users["cadre"])
    pages = [
        LIST,
        f"{LIST}?q=王",
        f"/register/households/{qianjin['household'].pk}/",
        f"/register/residents/{qianjin['head'].pk}/",
        "/",
        "/areas/",
    ]
    for url in pages:
        body = client.get(url).content.decode()
        for full in (MALE_ID, FEMALE_ID, "13687654321", "13912345678"):
            assert full not in body, (url, full)
    household_page = client.get(f"/register/households/{qianjin['household'].pk}/").content.decode()
    assert "4305**********" + MALE_ID[-4:] in household_page
    assert "4305**********" + FEMALE_ID[-4:] in household_page
    assert "136****4321" in household_page and "139****5678" in household_page
    resident_page = client.get(f"/register/residents/{qianjin['head'].pk}/").content.decode()
    assert "4305**********" + MALE_ID[-4:] in resident_page
    assert "136****4321" in resident_page
    assert "139****5678" in client.get(LIST).content.decode()


def test_reveal_buttons_only_for_roles_that_may_reveal(client, users, qianjin):
    url = f"/register/residents/{qianjin['head'].pk}/"
    reveal = f"/register/reveal/resident/{qianjin['head'].pk}/id_number/"
    login(client, users["cadre"])
    assert reveal in client.get(url).content.decode()
    login(client, users["viewer"])
    body = client.get(url).content.decode()
    assert reveal not in body
    assert "4305**********" + MALE_ID[-4:] in body


# --- read-only users -----------------------------------------------------------------------


def test_viewer_gets_403_on_every_form_page(client, users, tree, qianjin):
    household, resident = qianjin["household"], qianjin["head"]
    login(client, users["viewer"])
    data = {"area": tree["qianjin_g1"].pk, "head_name": "新户", "address": "新地址", "name": "新人"}
    before = (Household.objects.count(), Resident.objects.count(), AuditEvent.objects.count())
    for url in (
        CREATE,
        f"/register/households/{household.pk}/edit/",
        f"/register/households/{household.pk}/residents/new/",
        f"/register/residents/{resident.pk}/edit/",
    ):
        assert client.get(url).status_code == 403, url
        assert client.post(url, data).status_code == 403, url
    assert (Household.objects.count(), Resident.objects.count(), AuditEvent.objects.count()) == (
        before
    )
    household.refresh_from_db()
    assert household.head_name == "王大山"


def test_viewer_sees_the_register_but_no_write_buttons(client, users, qianjin):
    login(client, users["viewer"])
    response = client.get(f"/register/households/{qianjin['household'].pk}/")
    assert response.status_code == 200
    assert "/edit/" not in response.content.decode()
    assert CREATE not in client.get(LIST).content.decode()


def test_stranger_gets_404_on_forms_of_another_village(client, users, qianjin):
    login(client, users["stranger"])
    household, resident = qianjin["household"], qianjin["head"]
    for url in (
        f"/register/households/{household.pk}/edit/",
        f"/register/households/{household.pk}/residents/new/",
        f"/register/residents/{resident.pk}/edit/",
    ):
        assert client.get(url).status_code == 404, url
        assert client.post(url, {"name": "x", "head_name": "x"}).status_code == 404, url


# --- creating and editing ------------------------------------------------------------------


def test_grid_worker_creates_a_household_and_adds_a_resident(client, users, tree):
    worker = users["grid_worker"]
    login(client, worker)
    form = client.get(CREATE).context["form"]
    assert set(form.fields["area"].queryset) == {tree["qianjin_g1"]}
    assert form.fields["area"].initial == tree["qianjin_g1"].pk

    response = client.post(
        CREATE,
        {
            "area": tree["qianjin_g1"].pk,
            "head_name": "陈新",
            "address": "前进村新建路1号",
            "phone": "+86 137 0000 1111",
        },
    )
    household = Household.objects.get(head_name="陈新")
    assert response.status_code == 302
    assert response["Location"] == f"/register/households/{household.pk}/"
    assert household.area == tree["qianjin_g1"]
    assert household.county_id == tree["county"].pk
    assert household.phone == "13700001111"
    assert AuditEvent.objects.filter(
        action=AuditAction.CREATE, object_type="household", user=worker
    ).exists()

    response = client.post(
        f"/register/households/{household.pk}/residents/new/",
        {
            "name": "陈新",
            "relationship": "head",
            "id_type": "resident_id",
            "id_number": MALE_ID,
            "residence_status": "permanent",
            "phone": "13700001111",
            "elderly_alone": "on",
        },
    )
    assert response.status_code == 302
    resident = Resident.objects.get(household=household)
    assert resident.id_number == MALE_ID
    assert resident.county_id == tree["county"].pk
    assert resident.elderly_alone is True
    assert AuditEvent.objects.filter(
        action=AuditAction.CREATE, object_type="resident", object_id=str(resident.pk)
    ).exists()


def test_grid_worker_cannot_create_a_household_in_another_grid(client, users, tree):
    login(client, users["grid_worker"])
    response = client.post(
        CREATE, {"area": tree["qianjin_g2"].pk, "head_name": "越界", "address": "前进村2网格"}
    )
    assert response.status_code == 200
    assert "area" in response.context["form"].errors
    assert not Household.objects.filter(head_name="越界").exists()


def test_a_household_cannot_hang_on_a_township(client, users, tree):
    login(client, users["county_admin"])
    response = client.post(
        CREATE, {"area": tree["township"].pk, "head_name": "乡户", "address": "乡里"}
    )
    assert response.status_code == 200
    assert "area" in response.context["form"].errors
    assert not Household.objects.filter(head_name="乡户").exists()


def test_household_edit_moves_within_scope(client, users, tree, qianjin):
    login(client, users["cadre"])
    household = qianjin["household"]
    response = client.post(
        f"/register/households/{household.pk}/edit/",
        {"area": tree["qianjin_g2"].pk, "head_name": "王大山", "address": "前进村幸福路9号"},
    )
    assert response.status_code == 302
    household.refresh_from_db()
    assert household.area == tree["qianjin_g2"] and household.address == "前进村幸福路9号"
    # ... but not into the other village.
    response = client.post(
        f"/register/households/{household.pk}/edit/",
        {"area": tree["baiyun_g1"].pk, "head_name": "王大山", "address": "白云村"},
    )
    assert response.status_code == 200
    household.refresh_from_db()
    assert household.area == tree["qianjin_g2"]


def _resident_data(**overrides) -> dict[str, str]:
    data = {
        "name": "孙新",
        "relationship": "child",
        "id_type": "resident_id",
        "id_number": MALE_ID,
        "residence_status": "permanent",
    }
    data.update(overrides)
    return data


def test_resident_form_shows_the_checksum_error_beside_the_id_number(client, users, tree):
    household = HouseholdFactory(area=tree["qianjin_g1"])
    login(client, users["cadre"])
    bad = MALE_ID[:17] + ("0" if MALE_ID[17] != "0" else "1")
    response = client.post(
        f"/register/households/{household.pk}/residents/new/", _resident_data(id_number=bad)
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert [e.code for e in form.errors.as_data()["id_number"]] == ["id_checksum"]
    assert not form.non_field_errors()
    html = response.content.decode()
    input_at = html.index('name="id_number"')
    error_at = html.index('id="id_id_number_error"')
    next_field_at = html.index('name="sex"')
    assert input_at < error_at < next_field_at  # the message sits right after the ID input
    assert str(form.errors["id_number"][0]) in html
    assert not Resident.objects.exists()


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("4.30502199001011E+17", "id_scientific"),
        ("43050219900230001X", "id_birth_date"),
        ("4305021990", "id_length"),
        ("", "id_required"),
    ],
)
def test_resident_form_id_errors(client, users, tree, value, code):
    household = HouseholdFactory(area=tree["qianjin_g1"])
    login(client, users["cadre"])
    response = client.post(
        f"/register/households/{household.pk}/residents/new/", _resident_data(id_number=value)
    )
    assert response.status_code == 200
    assert [e.code for e in response.context["form"].errors.as_data()["id_number"]] == [code]


def test_other_documents_are_not_checked_as_resident_ids(client, users, tree):
    household = HouseholdFactory(area=tree["qianjin_g1"])
    login(client, users["cadre"])
    response = client.post(
        f"/register/households/{household.pk}/residents/new/",
        _resident_data(
            id_type="passport", id_number="e1234 5678", sex="F", birth_date="1970-05-06"
        ),
    )
    assert response.status_code == 302
    resident = Resident.objects.get()
    assert resident.id_number == "E12345678"
    assert resident.sex == "F" and resident.birth_date == dt.date(1970, 5, 6)


def test_full_width_id_is_stored_normalised(client, users, tree):
    household = HouseholdFactory(area=tree["qianjin_g1"])
    login(client, users["cadre"])
    typed = " " + "".join(chr(ord(c) + 0xFEE0) for c in MALE_ID) + " "
    response = client.post(
        f"/register/households/{household.pk}/residents/new/", _resident_data(id_number=typed)
    )
    assert response.status_code == 302
    assert Resident.objects.get().id_number == MALE_ID


def test_sex_and_birth_date_come_from_the_id_whatever_was_posted(client, users, tree):
    household = HouseholdFactory(area=tree["qianjin_g1"])
    login(client, users["cadre"])
    response = client.post(
        f"/register/households/{household.pk}/residents/new/",
        _resident_data(id_number=MALE_ID, sex="F", birth_date="2001-02-03"),
    )
    assert response.status_code == 302
    resident = Resident.objects.get()
    assert resident.sex == "M"
    assert resident.birth_date == dt.date(1990, 1, 1)

    # ... also when the ID is corrected on the edit page.
    response = client.post(
        f"/register/residents/{resident.pk}/edit/",
        _resident_data(id_number=FEMALE_ID, sex="M", birth_date="1990-01-01"),
    )
    assert response.status_code == 302
    resident.refresh_from_db()
    assert (resident.sex, resident.birth_date) == ("F", dt.date(1985, 12, 31))


def test_same_id_twice_names_the_existing_person_when_visible(client, users, qianjin):
    login(client, users["cadre"])
    household = HouseholdFactory(area=qianjin["household"].area, head_name="另一户")
    response = client.post(
        f"/register/households/{household.pk}/residents/new/",
        _resident_data(id_number=MALE_ID.lower()),
    )
    assert response.status_code == 200
    errors = response.context["form"].errors["id_number"]
    assert len(errors) == 1
    assert "王大山" in errors[0] and "前进村幸福路8号" in errors[0]
    assert "王大山" in response.content.decode()
    assert Resident.objects.filter(household=household).count() == 0


def test_same_id_twice_is_generic_when_the_person_is_not_visible(client, users, tree, qianjin):
    login(client, users["stranger"])
    household = HouseholdFactory(area=tree["baiyun_g1"], head_name="白云户", address="白云村9号")
    response = client.post(
        f"/register/households/{household.pk}/residents/new/",
        _resident_data(id_number=MALE_ID),
    )
    assert response.status_code == 200
    errors = response.context["form"].errors["id_number"]
    assert len(errors) == 1
    body = response.content.decode()
    for secret in ("王大山", "前进村", "幸福路", "刘小红"):
        assert secret not in errors[0]
        assert secret not in body
    assert not Resident.objects.filter(household=household).exists()
    assert Resident.objects.count() == 2


def test_the_same_id_in_another_county_is_allowed(client, qianjin):
    county = AreaFactory(name="邵东市", level=Level.COUNTY, code="430521000000")
    township = AreaFactory(name="两市镇", level=Level.TOWNSHIP, code="430521100000", parent=county)
    village = AreaFactory(name="东风村", level=Level.VILLAGE, code="430521100201", parent=township)
    cadre = UserFactory(username="dongfeng", role=Role.VILLAGE_CADRE, area=village)
    household = HouseholdFactory(area=village, head_name="东风户", address="东风村1号")
    login(client, cadre)
    response = client.post(
        f"/register/households/{household.pk}/residents/new/", _resident_data(id_number=MALE_ID)
    )
    assert response.status_code == 302
    assert Resident.objects.get(household=household).county_id == county.pk


def test_editing_a_resident_keeps_its_own_id(client, users, qianjin):
    login(client, users["cadre"])
    head = qianjin["head"]
    response = client.post(
        f"/register/residents/{head.pk}/edit/",
        _resident_data(name="王大山", id_number=MALE_ID, relationship="head"),
    )
    assert response.status_code == 302
    # ... and cannot take the wife's.
    response = client.post(
        f"/register/residents/{head.pk}/edit/",
        _resident_data(name="王大山", id_number=FEMALE_ID, relationship="head"),
    )
    assert response.status_code == 200
    assert "刘小红" in response.context["form"].errors["id_number"][0]
    head.refresh_from_db()
    assert head.id_number == MALE_ID


# --- reveal --------------------------------------------------------------------------------


def _reveal_url(kind: str, pk: int, field: str) -> str:
    return f"/register/reveal/{kind}/{pk}/{field}/"


def test_reveal_returns_the_full_number_and_is_audited(client, users, qianjin):
    head = qianjin["head"]
    login(client, users["cadre"])
    response = client.post(
        _reveal_url("resident", head.pk, "id_number"),
        REMOTE_ADDR="10.1.2.3",
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert MALE_ID in response.content.decode()
    event = AuditEvent.objects.get(action=AuditAction.REVEAL)
    assert event.user == users["cadre"]
    assert event.username == "cadre"
    assert event.ip == "10.1.2.3"
    assert event.field == "id_number"
    assert (event.object_type, event.object_id) == ("resident", str(head.pk))
    assert event.area == qianjin["household"].area


@pytest.mark.parametrize(
    ("kind", "field", "expected"),
    [("resident", "phone", "13687654321"), ("household", "phone", "13912345678")],
)
def test_reveal_phones(client, users, qianjin, kind, field, expected):
    obj = qianjin["head"] if kind == "resident" else qianjin["household"]
    login(client, users["grid_worker"])
    response = client.post(_reveal_url(kind, obj.pk, field))
    assert response.status_code == 200
    assert expected in response.content.decode()
    assert AuditEvent.objects.filter(action=AuditAction.REVEAL, field=field).count() == 1


def test_reveal_by_get_is_405(client, users, qianjin):
    login(client, users["cadre"])
    response = client.get(_reveal_url("resident", qianjin["head"].pk, "id_number"))
    assert response.status_code == 405
    assert MALE_ID not in response.content.decode()
    assert not AuditEvent.objects.filter(action=AuditAction.REVEAL).exists()


def test_reveal_of_an_unknown_field_is_400(client, users, qianjin):
    login(client, users["cadre"])
    for url in (
        _reveal_url("resident", qianjin["head"].pk, "name"),
        _reveal_url("household", qianjin["household"].pk, "id_number"),
        _reveal_url("user", users["cadre"].pk, "password"),
    ):
        assert client.post(url).status_code == 400, url
    assert not AuditEvent.objects.filter(action=AuditAction.REVEAL).exists()


def test_reveal_is_403_for_the_viewer(client, users, qianjin):
    login(client, users["viewer"])
    response = client.post(_reveal_url("resident", qianjin["head"].pk, "id_number"))
    assert response.status_code == 403
    assert MALE_ID not in response.content.decode()
    assert not AuditEvent.objects.filter(action=AuditAction.REVEAL).exists()


def test_reveal_is_404_for_the_stranger(client, users, qianjin):
    login(client, users["stranger"])
    for url in (
        _reveal_url("resident", qianjin["head"].pk, "id_number"),
        _reveal_url("resident", qianjin["head"].pk, "phone"),
        _reveal_url("household", qianjin["household"].pk, "phone"),
    ):
        response = client.post(url)
        assert response.status_code == 404, url
        assert MALE_ID not in response.content.decode()
    assert not AuditEvent.objects.filter(action=AuditAction.REVEAL).exists()


def test_reveal_needs_login(client, qianjin):
    response = client.post(_reveal_url("resident", qianjin["head"].pk, "id_number"))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


# --- audit log -----------------------------------------------------------------------------


def test_audit_log_is_for_county_admins_of_their_own_county(client, users, tree, qianjin):
    login(client, users["cadre"])
    client.post(_reveal_url("resident", qianjin["head"].pk, "id_number"))
    other_county = AreaFactory(name="邵东市", level=Level.COUNTY, code="430521000000")
    other_admin = UserFactory(username="other_admin", role=Role.COUNTY_ADMIN, area=other_county)
    AuditEvent.objects.create(
        user=other_admin, username="other_admin", action=AuditAction.EXPORT, area=other_county
    )

    for role in ("cadre", "township", "grid_worker", "viewer", "stranger"):
        login(client, users[role])
        assert client.get("/audit/").status_code == 403, role

    login(client, users["county_admin"])
    response = client.get("/audit/")
    assert response.status_code == 200
    events = [e for e in response.context["page"].object_list if e.action != AuditAction.LOGIN]
    assert [(e.username, e.action) for e in events] == [("cadre", AuditAction.REVEAL)]
    assert "other_admin" not in response.content.decode()

    login(client, other_admin)
    events = client.get("/audit/").context["page"].object_list
    events = [e for e in events if e.action != AuditAction.LOGIN]
    assert [(e.username, e.action) for e in events] == [("other_admin", AuditAction.EXPORT)]


def test_audit_log_filters(client, users, qianjin):
    login(client, users["cadre"])
    client.post(_reveal_url("resident", qianjin["head"].pk, "id_number"))
    login(client, users["grid_worker"])
    client.post(_reveal_url("resident", qianjin["head"].pk, "phone"))
    login(client, users["county_admin"])
    by_cadre = client.get("/audit/", {"user": "cadre"}).context["page"].object_list
    assert [e.action for e in by_cadre] == [AuditAction.REVEAL, AuditAction.LOGIN]
    assert len(client.get("/audit/", {"action": "reveal"}).context["page"].object_list) == 2
    assert len(client.get("/audit/", {"action": "export"}).context["page"].object_list) == 0
    # The log never holds the values themselves.
    assert MALE_ID not in client.get("/audit/").content.decode()


def test_audit_log_needs_login(client, db):
    response = client.get("/audit/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")

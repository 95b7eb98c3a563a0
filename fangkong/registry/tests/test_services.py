"""Register services: scope and role checks of their own (the API and commands rely on them too),
and all-or-nothing writes."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from fangkong.accounts.models import Role
from fangkong.accounts.tests.factories import UserFactory
from fangkong.areas import services as area_services
from fangkong.areas.models import Area, Level
from fangkong.areas.tests.factories import AreaFactory
from fangkong.core.models import AuditAction, AuditEvent
from fangkong.registry import services
from fangkong.registry.models import Household, Resident
from fangkong.registry.tests.factories import HouseholdFactory, ResidentFactory, make_id_number


@pytest.fixture
def qianjin(tree):
    household = HouseholdFactory(area=tree["qianjin_g1"], head_name="王大山", address="前进村8号")
    resident = ResidentFactory(household=household, name="王大山", phone="13687654321")
    return {"household": household, "resident": resident}


def _counts() -> tuple[int, int, int]:
    return Household.objects.count(), Resident.objects.count(), AuditEvent.objects.count()


# --- households ----------------------------------------------------------------------------


def test_household_create_in_scope(users, tree):
    household = services.household_create(
        by=users["grid_worker"], area=tree["qianjin_g1"], head_name="陈新", address="新建路1号"
    )
    assert household.county_id == tree["county"].pk
    event = AuditEvent.objects.get()
    assert (event.action, event.user, event.area) == (
        AuditAction.CREATE,
        users["grid_worker"],
        tree["qianjin_g1"],
    )


@pytest.mark.parametrize(
    ("role", "area"),
    [
        ("stranger", "qianjin_g1"),  # another village
        ("grid_worker", "qianjin_g2"),  # another grid of his village
        ("grid_worker", "baiyun_g1"),
        ("cadre", "baiyun"),
        ("viewer", "qianjin_g1"),  # read-only, though the area is in his scope
    ],
)
def test_household_create_outside_scope_or_role_is_refused(users, tree, role, area):
    before = _counts()
    with pytest.raises(PermissionDenied):
        services.household_create(by=users[role], area=tree[area], head_name="x", address="x")
    assert _counts() == before


def test_household_create_by_a_user_without_area_is_refused(tree):
    user = UserFactory(username="floating", role=Role.VILLAGE_CADRE, area=None)
    with pytest.raises(PermissionDenied):
        services.household_create(by=user, area=tree["qianjin_g1"], head_name="x", address="x")
    assert not Household.objects.exists()


def test_household_create_on_a_township_is_a_validation_error(users, tree):
    with pytest.raises(ValidationError) as info:
        services.household_create(
            by=users["county_admin"], area=tree["township"], head_name="x", address="x"
        )
    assert "area" in info.value.message_dict
    assert not Household.objects.exists()


def test_household_update_cannot_move_out_of_scope(users, tree, qianjin):
    household = qianjin["household"]
    with pytest.raises(PermissionDenied):
        services.household_update(
            by=users["cadre"], household=household, area=tree["baiyun_g1"], address="白云村"
        )
    household.refresh_from_db()
    assert household.area == tree["qianjin_g1"] and household.address == "前进村8号"


def test_household_update_of_another_village_is_refused(users, tree, qianjin):
    with pytest.raises(PermissionDenied):
        services.household_update(
            by=users["stranger"],
            household=qianjin["household"],
            area=tree["baiyun_g1"],
            head_name="抢走",
        )
    qianjin["household"].refresh_from_db()
    assert qianjin["household"].area == tree["qianjin_g1"]


def test_household_update_by_viewer_is_refused(users, tree, qianjin):
    with pytest.raises(PermissionDenied):
        services.household_update(
            by=users["viewer"], household=qianjin["household"], area=tree["qianjin_g1"]
        )


def test_household_update_ignores_fields_it_does_not_own(users, tree, qianjin):
    household = services.household_update(
        by=users["cadre"],
        household=qianjin["household"],
        area=tree["qianjin_g2"],
        address="前进村9号",
        county=tree["township"],
        phone_index="forged",
    )
    household.refresh_from_db()
    assert household.area == tree["qianjin_g2"]
    assert household.county_id == tree["county"].pk
    assert household.phone_index != "forged"


# --- residents -----------------------------------------------------------------------------


def test_resident_create_derives_sex_and_birth_date(users, qianjin):
    number = make_id_number(sex="F", seq=5)
    resident = services.resident_create(
        by=users["doctor"],
        household=qianjin["household"],
        name="刘小红",
        id_number=number,
        sex="M",
        birth_date=None,
    )
    assert resident.sex == "F"
    assert resident.birth_date is not None and f"{resident.birth_date:%Y%m%d}" == number[6:14]


@pytest.mark.parametrize("role", ["stranger", "viewer"])
def test_resident_create_outside_scope_or_role_is_refused(users, qianjin, role):
    before = _counts()
    with pytest.raises(PermissionDenied):
        services.resident_create(
            by=users[role], household=qianjin["household"], name="x", id_number=make_id_number()
        )
    assert _counts() == before


@pytest.mark.parametrize("role", ["stranger", "viewer"])
def test_resident_update_outside_scope_or_role_is_refused(users, qianjin, role):
    resident = qianjin["resident"]
    with pytest.raises(PermissionDenied):
        services.resident_update(by=users[role], resident=resident, name="改名")
    resident.refresh_from_db()
    assert resident.name == "王大山"
    assert not AuditEvent.objects.exists()


def test_failed_resident_create_writes_nothing(users, qianjin):
    """A duplicate ID is refused before anything is written: no resident, no audit row."""
    existing = qianjin["resident"]
    before = _counts()
    with pytest.raises(ValidationError) as info:
        services.resident_create(
            by=users["cadre"],
            household=qianjin["household"],
            name="重复",
            id_number=existing.id_number,
        )
    assert [e.code for e in info.value.error_dict["id_number"]] == ["id_duplicate"]
    assert _counts() == before
    assert not Resident.objects.filter(name="重复").exists()


@pytest.mark.django_db(transaction=True)
def test_resident_create_is_all_or_nothing(users, tree):
    """The household disappears while the form is open: the resident row and its audit row are
    both written, then the transaction fails on commit (foreign key) and neither stays."""
    household = HouseholdFactory(area=tree["qianjin_g1"])
    Household.objects.filter(pk=household.pk).delete()  # another user deletes it meanwhile
    before = AuditEvent.objects.count()
    with pytest.raises(IntegrityError):
        services.resident_create(
            by=users["cadre"], household=household, name="孤儿", id_number=make_id_number()
        )
    assert not Resident.objects.exists()
    assert AuditEvent.objects.count() == before


@pytest.mark.django_db(transaction=True)
def test_a_failure_after_the_service_rolls_its_audit_row_back_with_it(users, tree):
    """Services join the caller's transaction: when the caller fails, nothing of theirs stays."""
    household = HouseholdFactory(area=tree["qianjin_g1"])
    with pytest.raises(RuntimeError), transaction.atomic():
        services.resident_create(
            by=users["cadre"], household=household, name="回滚", id_number=make_id_number()
        )
        assert Resident.objects.filter(name="回滚").exists()
        raise RuntimeError("the import failed on the next row")
    assert not Resident.objects.filter(name="回滚").exists()
    assert not AuditEvent.objects.filter(object_type="resident").exists()


# --- reveal --------------------------------------------------------------------------------


def test_value_reveal_writes_the_audit_row(users, qianjin):
    resident = qianjin["resident"]
    value = services.value_reveal(by=users["cadre"], obj=resident, field="phone", ip="10.0.0.9")
    assert value == "13687654321"
    event = AuditEvent.objects.get()
    assert (event.action, event.field, event.ip, event.object_id) == (
        AuditAction.REVEAL,
        "phone",
        "10.0.0.9",
        str(resident.pk),
    )


@pytest.mark.parametrize("role", ["stranger", "viewer"])
def test_value_reveal_outside_scope_or_role_is_refused(users, qianjin, role):
    """The API or a command may call the service directly: it checks scope itself."""
    with pytest.raises(PermissionDenied):
        services.value_reveal(by=users[role], obj=qianjin["resident"], field="phone", ip=None)
    with pytest.raises(PermissionDenied):
        services.value_reveal(by=users[role], obj=qianjin["household"], field="phone", ip=None)
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize("field", ["name", "id_number_index", "notes"])
def test_value_reveal_of_other_fields_is_refused(users, qianjin, field):
    with pytest.raises(PermissionDenied):
        services.value_reveal(by=users["cadre"], obj=qianjin["resident"], field=field, ip=None)
    assert not AuditEvent.objects.exists()


# --- areas ---------------------------------------------------------------------------------


def test_area_create_is_for_county_admins_within_their_county(users, tree):
    area = area_services.area_create(
        by=users["county_admin"], parent=tree["baiyun"], name="白云村2网格", level="grid", code="02"
    )
    assert area.path == tree["baiyun"].path + "02/"
    for role in ("cadre", "township", "viewer"):
        with pytest.raises(PermissionDenied):
            area_services.area_create(
                by=users[role], parent=tree["qianjin"], name="x", level="grid", code="09"
            )
    other = AreaFactory(name="邵东市", level=Level.COUNTY, code="430521000000")
    admin = UserFactory(username="other_admin", role=Role.COUNTY_ADMIN, area=other)
    with pytest.raises(PermissionDenied):
        area_services.area_create(
            by=admin, parent=tree["qianjin"], name="x", level="grid", code="09"
        )
    with pytest.raises(PermissionDenied):  # a new county is not made from the web
        area_services.area_create(
            by=users["county_admin"], parent=None, name="x", level="county", code="430599000000"
        )
    assert not Area.objects.filter(name="x").exists()


def test_area_create_validates_before_writing(users, tree):
    with pytest.raises(ValidationError):
        area_services.area_create(
            by=users["county_admin"],
            parent=tree["township"],
            name="错村",
            level="village",
            code="430502006201",
        )
    assert not Area.objects.filter(name="错村").exists()
    assert not AuditEvent.objects.exists()


def test_area_rename_is_scoped(users, tree):
    other = AreaFactory(name="邵东市", level=Level.COUNTY, code="430521000000")
    admin = UserFactory(username="other_admin", role=Role.COUNTY_ADMIN, area=other)
    with pytest.raises(PermissionDenied):
        area_services.area_rename(by=admin, area=tree["qianjin"], name="改名村")
    with pytest.raises(PermissionDenied):
        area_services.area_rename(by=users["cadre"], area=tree["qianjin"], name="改名村")
    tree["qianjin"].refresh_from_db()
    assert tree["qianjin"].name == "前进村"
    area_services.area_rename(by=users["county_admin"], area=tree["qianjin"], name=" 新前进村 ")
    tree["qianjin"].refresh_from_db()
    assert tree["qianjin"].name == "新前进村"

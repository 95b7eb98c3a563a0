"""The county administrator's accounts: create, edit, disable, reset a password (one-time, changed
at the first login), create from a sheet; roles never above one's own, areas never outside the
subtree; every change audited. Counties are created by a superuser or a province administrator."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from fangkong.accounts.models import Role, User
from fangkong.accounts.tests.factories import PASSWORD, UserFactory
from fangkong.areas.models import Area, Level
from fangkong.areas.tests.factories import AreaFactory
from fangkong.core.models import AuditAction, AuditEvent


@pytest.fixture
def other_county(db):
    county = AreaFactory(name="邵东市", level=Level.COUNTY, code="430521000000")
    village = AreaFactory(
        name="东风村",
        level=Level.VILLAGE,
        code="430521100201",
        parent=AreaFactory(name="两市镇", level=Level.TOWNSHIP, code="430521100000", parent=county),
    )
    admin = UserFactory(username="other_admin", role=Role.COUNTY_ADMIN, area=county)
    cadre = UserFactory(username="other_cadre", role=Role.VILLAGE_CADRE, area=village)
    return {"county": county, "village": village, "admin": admin, "cadre": cadre}


def _new(client, **data):
    payload = {
        "username": "qianjin_new",
        "first_name": "王新",
        "phone": "13912345678",
        "role": Role.VILLAGE_CADRE,
        "area": "",
    }
    payload.update(data)
    return client.post("/accounts/users/new/", payload)


def test_admin_creates_an_account_who_must_change_the_one_time_password(client, users, tree):
    client.force_login(users["county_admin"])
    response = _new(client, area=tree["qianjin"].pk)
    assert response.status_code == 200
    password = response.context["password"]
    account = User.objects.get(username="qianjin_new")
    assert account.area == tree["qianjin"] and account.role == Role.VILLAGE_CADRE
    assert account.phone == "13912345678" and account.must_change_password
    assert account.check_password(password)
    event = AuditEvent.objects.get(action=AuditAction.CREATE, object_type="user")
    assert event.user == users["county_admin"] and event.area == tree["qianjin"]
    assert password not in event.detail and "139" not in event.detail
    # The person logs in with it and is sent to choose a password before anything else.
    client.logout()
    assert client.login(username="qianjin_new", password=password)
    response = client.get("/")
    assert response.status_code == 302 and response["Location"] == "/accounts/password/"
    assert client.get("/api/v1/areas/").status_code == 403
    response = client.post(
        "/accounts/password/",
        {
            "old_password": password,
            "new_password1": "qianjin-2020-ok",
            "new_password2": "qianjin-2020-ok",
        },
    )
    assert response.status_code == 302
    account.refresh_from_db()
    assert not account.must_change_password
    assert client.get("/").status_code == 200


def test_phone_is_validated_like_residents_phones(client, users, tree):
    client.force_login(users["county_admin"])
    response = _new(client, area=tree["qianjin"].pk, phone="1291234567")
    assert response.status_code == 200 and "phone" in response.context["form"].errors
    assert not User.objects.filter(username="qianjin_new").exists()
    _new(client, area=tree["qianjin"].pk, phone="0739-5221234", username="landline")
    assert User.objects.get(username="landline").phone == "0739-5221234"


def test_no_role_above_ones_own_and_no_area_outside_the_subtree(client, users, tree, other_county):
    client.force_login(users["county_admin"])
    response = _new(client, area=tree["qianjin"].pk, role=Role.PROVINCE_ADMIN)
    assert "role" in response.context["form"].errors
    response = _new(client, area=other_county["village"].pk)
    assert "area" in response.context["form"].errors
    assert not User.objects.filter(username="qianjin_new").exists()


def test_edit_changes_role_and_area_and_audits_each(client, users, tree):
    client.force_login(users["county_admin"])
    doctor = users["doctor"]
    response = client.post(
        f"/accounts/users/{doctor.pk}/",
        {"first_name": "赵医生", "phone": "", "role": Role.GRID_WORKER, "area": tree["baiyun"].pk},
    )
    assert response.status_code == 302
    doctor.refresh_from_db()
    assert (doctor.role, doctor.area) == (Role.GRID_WORKER, tree["baiyun"])
    fields = set(AuditEvent.objects.filter(object_type="user").values_list("field", flat=True))
    assert {"role", "area", "account"} <= fields
    assert AuditEvent.objects.get(field="role").detail == "doctor→grid_worker"


def test_disable_and_enable(client, users, tree):
    client.force_login(users["county_admin"])
    cadre = users["cadre"]
    assert client.post(f"/accounts/users/{cadre.pk}/active/", {"active": "0"}).status_code == 200
    cadre.refresh_from_db()
    assert not cadre.is_active
    assert not client.login(username="cadre", password=PASSWORD) or False
    client.force_login(users["county_admin"])
    client.post(f"/accounts/users/{cadre.pk}/active/", {"active": "1"})
    cadre.refresh_from_db()
    assert cadre.is_active
    assert AuditEvent.objects.filter(field="is_active").count() == 2
    # Not oneself.
    admin = users["county_admin"]
    client.post(f"/accounts/users/{admin.pk}/active/", {"active": "0"})
    admin.refresh_from_db()
    assert admin.is_active


def test_reset_password_shows_a_one_time_password_once(client, users, tree):
    client.force_login(users["county_admin"])
    cadre = users["cadre"]
    response = client.post(f"/accounts/users/{cadre.pk}/password/")
    assert response.status_code == 200
    password = response.context["password"]
    assert "no-store" in response["Cache-Control"] or "no-cache" in response["Cache-Control"]
    cadre.refresh_from_db()
    assert cadre.check_password(password) and not cadre.check_password(PASSWORD)
    assert cadre.must_change_password
    event = AuditEvent.objects.get(field="password")
    assert event.user == users["county_admin"] and password not in event.detail
    assert client.get(f"/accounts/users/{cadre.pk}/password/").status_code == 405


@pytest.mark.parametrize("role", ["township", "cadre", "grid_worker", "viewer", "stranger"])
def test_other_roles_get_403(client, users, tree, role):
    client.force_login(users[role])
    doctor = users["doctor"]
    assert client.get("/accounts/users/").status_code == 403
    assert client.get("/accounts/users/new/").status_code == 403
    assert _new(client, area=tree["qianjin"].pk).status_code == 403
    assert client.get(f"/accounts/users/{doctor.pk}/").status_code == 403
    assert client.post(f"/accounts/users/{doctor.pk}/password/").status_code == 403
    assert client.post(f"/accounts/users/{doctor.pk}/active/", {"active": "0"}).status_code == 403
    assert client.get("/accounts/users/import/").status_code == 403
    assert client.get("/accounts/counties/").status_code == 403
    doctor.refresh_from_db()
    assert doctor.is_active and doctor.check_password(PASSWORD)
    assert not User.objects.filter(username="qianjin_new").exists()


def test_admin_of_another_county_gets_404(client, users, tree, other_county):
    client.force_login(other_county["admin"])
    doctor = users["doctor"]
    assert client.get(f"/accounts/users/{doctor.pk}/").status_code == 404
    assert client.post(f"/accounts/users/{doctor.pk}/password/").status_code == 404
    assert client.post(f"/accounts/users/{doctor.pk}/active/", {"active": "0"}).status_code == 404
    doctor.refresh_from_db()
    assert doctor.is_active and doctor.check_password(PASSWORD)
    response = client.get("/accounts/users/")
    assert [u.username for u in response.context["page"]] == ["other_admin", "other_cadre"]


def test_a_county_admin_cannot_touch_a_higher_account_in_the_subtree(client, users, tree):
    boss = UserFactory(username="province", role=Role.PROVINCE_ADMIN, area=tree["qianjin"])
    client.force_login(users["county_admin"])
    assert client.post(f"/accounts/users/{boss.pk}/password/").status_code == 403


# --- the sheet ------------------------------------------------------------------------------

SHEET = (
    "用户名,姓名,手机号,角色,区域\n"
    "qj_cadre,王某,13912345678,村干部,430502005201\n"
    "qj_grid1,李某,,网格员,430502005201/01\n"
    "by_doctor,张某,,村医,白云村\n"
    ",无名,,村干部,430502005201\n"  # no user name
    "cadre,重名,,村干部,430502005201\n"  # taken
    "qj_bad_phone,赵某,123,村干部,430502005201\n"  # phone
    "qj_boss,钱某,,省级管理员,430502005201\n"  # unknown role
    "qj_far,孙某,,村干部,430521100201\n"  # outside the county
    "qj_cadre,周某,,村干部,430502005201\n"  # repeated in the file
)


def test_sheet_creates_the_good_rows_and_reports_every_bad_one(client, users, tree):
    client.force_login(users["county_admin"])
    upload = SimpleUploadedFile("users.csv", SHEET.encode(), content_type="text/csv")
    response = client.post("/accounts/users/import/", {"file": upload})
    result = response.context["result"]
    assert result.created == 3 and result.rejected == 6
    assert {(e.row, e.column) for e in result.errors} == {
        (5, "用户名"),
        (6, "用户名"),
        (7, "手机号"),
        (8, "角色"),
        (9, "区域"),
        (10, "用户名"),
    }
    assert User.objects.get(username="qj_grid1").area == tree["qianjin_g1"]
    assert User.objects.get(username="by_doctor").role == Role.DOCTOR
    created = {u.username: u.password for u in result.users}
    assert User.objects.get(username="qj_cadre").check_password(created["qj_cadre"])
    assert created["qj_cadre"] in response.content.decode()
    assert AuditEvent.objects.filter(action=AuditAction.CREATE, object_type="user").count() == 3


def test_sheet_dry_run_creates_nothing(client, users, tree):
    client.force_login(users["county_admin"])
    upload = SimpleUploadedFile("users.csv", SHEET.encode(), content_type="text/csv")
    result = client.post("/accounts/users/import/", {"file": upload, "dry_run": "on"}).context[
        "result"
    ]
    assert result.created == 3 and not result.applied
    assert not User.objects.filter(username="qj_cadre").exists()


def test_import_users_command(users, tree, tmp_path, capsys):
    path = tmp_path / "users.csv"
    path.write_text(SHEET, encoding="utf-8")
    with pytest.raises(SystemExit) as info:
        call_command("import_users", str(path), "--county", "430502", "--format", "json")
    assert info.value.code == 1
    out = json.loads(capsys.readouterr().out)
    assert out["created"] == 3 and len(out["errors"]) == 6
    assert User.objects.get(username="qj_cadre").must_change_password
    with pytest.raises(SystemExit) as info:
        call_command("import_users", str(path), "--county", "430599")
    assert info.value.code == 2


# --- counties -------------------------------------------------------------------------------


def test_superuser_creates_a_county_and_its_first_administrator(client, db):
    root = User.objects.create_superuser("root", password=PASSWORD)
    client.force_login(root)
    assert client.get("/").status_code == 302  # a superuser without an area starts here
    assert client.get("/accounts/counties/").status_code == 200
    response = client.post(
        "/accounts/counties/",
        {
            "name": "邵东市",
            "code": "430521",
            "admin_username": "sd_admin",
            "admin_name": "邵东管理员",
            "admin_phone": "13912345678",
        },
    )
    assert response.status_code == 200
    county = Area.objects.get(code="430521000000")
    admin = User.objects.get(username="sd_admin")
    assert (admin.role, admin.area, admin.must_change_password) == (
        Role.COUNTY_ADMIN,
        county,
        True,
    )
    assert admin.check_password(response.context["password"])
    # Twice the same code: refused, on the form.
    again = client.post(
        "/accounts/counties/",
        {"name": "邵东市", "code": "430521", "admin_username": "x", "admin_name": "x"},
    )
    assert again.status_code == 200 and again.context["form"].errors


def test_province_admin_creates_counties_and_a_county_admin_cannot(client, users, tree):
    province = UserFactory(username="prov", role=Role.PROVINCE_ADMIN, area=None)
    client.force_login(province)
    assert client.get("/accounts/counties/").status_code == 200
    client.force_login(users["county_admin"])
    assert client.get("/accounts/counties/").status_code == 403


# --- error pages ----------------------------------------------------------------------------


def test_403_and_404_are_chinese_pages(client, users, tree):
    client.force_login(users["viewer"])
    response = client.get("/accounts/users/")
    assert response.status_code == 403
    body = response.content.decode()
    assert "没有权限" in body and "Forbidden" not in body
    response = client.get("/areas/999999/children/")
    assert response.status_code == 404
    assert "找不到" in response.content.decode()

"""The one access table: least privilege for checkpoint staff, exports for the roles that report
upward, the stock rule of a store's own area, and the README rendered from the table."""

from __future__ import annotations

import pathlib

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from fangkong.accounts.access import ACCESS, Cap, Role, access_table_markdown, may, require
from fangkong.accounts.models import Role as ModelRole
from fangkong.accounts.tests.factories import UserFactory
from fangkong.supplies import services as supplies
from fangkong.supplies.tests.factories import store_and_item

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(tree):
    return UserFactory(username="staff", role=Role.CHECKPOINT_STAFF, area=tree["qianjin"])


def test_every_role_has_a_row_and_the_model_uses_the_same_roles():
    assert set(ACCESS) == set(Role)
    assert ModelRole is Role


def test_checkpoint_staff_are_refused_the_register_export(client, staff):
    client.force_login(staff)
    assert client.get(reverse("registry:export")).status_code == 403
    response = client.post(reverse("registry:export"), {"kind": "residents", "format": "csv"})
    assert response.status_code == 403


def test_checkpoint_staff_are_refused_the_register_lists_pages_and_api(client, staff):
    client.force_login(staff)
    assert client.get(reverse("registry:household_list")).status_code == 403
    assert client.get("/api/v1/households/").status_code == 403
    assert client.get("/api/v1/residents/").status_code == 403
    # ... but keep their desk.
    assert client.get(reverse("checkpoints:list")).status_code == 200


def test_register_export_only_for_the_roles_that_report_upward(client, users):
    for name in ("cadre", "township", "county_admin"):
        client.force_login(users[name])
        assert client.get(reverse("registry:export")).status_code == 200, name
    for name in ("grid_worker", "doctor", "viewer"):
        client.force_login(users[name])
        assert client.get(reverse("registry:export")).status_code == 403, name


def test_the_register_stays_readable_by_its_roles(client, users):
    client.force_login(users["grid_worker"])
    assert client.get(reverse("registry:household_list")).status_code == 200
    assert client.get("/api/v1/households/").status_code == 200


def test_require_checks_role_and_area(tree, users):
    cadre = users["cadre"]
    require(cadre, tree["qianjin_g1"], Cap.REGISTER_WRITE)
    with pytest.raises(PermissionDenied):
        require(cadre, tree["baiyun"], Cap.REGISTER_WRITE)  # another village
    with pytest.raises(PermissionDenied):
        require(users["viewer"], tree["qianjin"], Cap.REGISTER_WRITE)  # a read-only role
    assert not may(users["grid_worker"], Cap.REGISTER_EXPORT)


def test_only_a_stores_own_area_hands_out_and_those_above_it_by_grant(tree, users, staff):
    township_store, item = store_and_item(
        by=users["township"], area=tree["township"], stock=50, name="乡物资库"
    )
    village_store, _ = store_and_item(by=users["township"], area=tree["qianjin"], stock=50)

    def hand_out(by, store):
        return supplies.stock_hand_out(
            by=by,
            store=store,
            item=item,
            quantity=1,
            recipient_kind="other",
            recipient_name="某某",
        )

    # A village's people may not empty the township's store (issue 17).
    for name in ("cadre", "grid_worker", "doctor"):
        with pytest.raises(PermissionDenied):
            hand_out(users[name], township_store)
    with pytest.raises(PermissionDenied):
        hand_out(staff, township_store)
    # The village store: its own village's staff, its grids included, and the township above.
    for person in (users["cadre"], users["grid_worker"], staff, users["township"]):
        hand_out(person, village_store)
    # Another village's cadre: neither.
    with pytest.raises(PermissionDenied):
        hand_out(users["stranger"], village_store)
    # The township's own store: its officer.
    assert hand_out(users["township"], township_store).store == township_store


def test_readme_shows_the_table_as_the_code_has_it():
    readme = pathlib.Path(__file__).resolve().parents[3] / "README.md"
    table = access_table_markdown()
    assert table in readme.read_text(encoding="utf-8"), f"Put this table in the README:\n{table}"

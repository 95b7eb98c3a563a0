"""An audit row of an edit says which fields changed; personal values never appear in it (ID and
phone numbers masked, names, addresses and health flags named only)."""

from __future__ import annotations

from fangkong.core.models import AuditEvent
from fangkong.registry import services
from fangkong.registry.tests.factories import HouseholdFactory, ResidentFactory


def test_a_resident_edit_records_what_changed_without_personal_values(tree, users):
    resident = ResidentFactory(
        household=HouseholdFactory(area=tree["qianjin_g1"]), name="王小明", phone="15412345678"
    )
    services.resident_update(
        by=users["cadre"],
        resident=resident,
        name="王晓明",
        phone="15487654321",
        residence_status="away",
        chronic_illness=True,
    )
    detail = AuditEvent.objects.get(action="update", object_id=str(resident.pk)).detail
    assert "phone: 154****5678 → 154****4321" in detail
    assert "residence_status: permanent → away" in detail
    assert "name" in detail and "chronic_illness" in detail
    for secret in ("王小明", "王晓明", "15412345678", "15487654321", "True"):
        assert secret not in detail
    assert "id_number" not in detail  # unchanged fields are not listed


def test_a_household_edit_records_its_move_and_named_fields(tree, users):
    household = HouseholdFactory(area=tree["qianjin_g1"], address="前进村1组3号")
    services.household_update(
        by=users["cadre"], household=household, area=tree["qianjin_g2"], address="前进村2组8号"
    )
    detail = AuditEvent.objects.get(action="update", object_id=str(household.pk)).detail
    assert f"area: {tree['qianjin_g1'].pk} → {tree['qianjin_g2'].pk}" in detail
    assert "address" in detail and "前进村" not in detail

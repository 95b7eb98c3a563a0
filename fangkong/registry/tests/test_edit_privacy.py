"""Edit pages never send full ID or phone numbers to the browser; a save race is a form error."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from fangkong.accounts.tests.factories import PASSWORD
from fangkong.core.models import AuditEvent
from fangkong.registry import services
from fangkong.registry.models import Resident
from fangkong.registry.tests.factories import HouseholdFactory, ResidentFactory, make_id_number


@pytest.fixture
def resident(tree):
    return ResidentFactory(household=HouseholdFactory(area=tree["qianjin_g1"]))


def test_resident_edit_page_shows_masked_values_only(client, users, resident):
    client.login(username="grid_worker", password=PASSWORD)
    html = client.get(f"/register/residents/{resident.pk}/edit/").content.decode()
    assert resident.id_number not in html and resident.phone not in html
    assert resident.id_masked in html and resident.phone_masked in html
    html = client.get(f"/register/households/{resident.household.pk}/edit/").content.decode()
    assert resident.household.phone not in html
    assert not AuditEvent.objects.filter(action="reveal").exists()


def test_empty_fields_keep_the_numbers_and_typed_ones_replace_them(client, users, resident):
    client.login(username="grid_worker", password=PASSWORD)
    form = {
        "name": "新名字",
        "relationship": "head",
        "id_type": "resident_id",
        "id_number": "",
        "phone": "",
        "residence_status": "permanent",
    }
    response = client.post(f"/register/residents/{resident.pk}/edit/", form)
    assert response.status_code == 302
    kept = Resident.objects.get(pk=resident.pk)
    assert (kept.name, kept.id_number, kept.phone) == ("新名字", resident.id_number, resident.phone)
    new_id = make_id_number(sex="F")
    form |= {"id_number": new_id, "phone": "13912345678"}
    assert client.post(f"/register/residents/{resident.pk}/edit/", form).status_code == 302
    changed = Resident.objects.get(pk=resident.pk)
    assert (changed.id_number, changed.phone, changed.sex) == (new_id, "13912345678", "F")


def test_a_duplicate_saved_in_a_race_is_a_field_error_not_a_500(users, tree, resident, monkeypatch):
    """Two people save the same ID at once: the second passes the check, the database refuses."""
    monkeypatch.setattr(services, "_check_duplicate_id", lambda **kwargs: None)
    other = HouseholdFactory(area=tree["qianjin_g1"])
    with pytest.raises(ValidationError) as info:
        services.resident_create(
            by=users["cadre"], household=other, name="同号", id_number=resident.id_number
        )
    assert "id_number" in info.value.message_dict
    assert Resident.objects.filter(name="同号").count() == 0


def test_search_by_full_id_is_posted_and_never_put_in_links(client, users, resident):
    client.login(username="grid_worker", password=PASSWORD)
    response = client.post("/register/households/", {"q": resident.id_number})
    html = response.content.decode()
    assert response.status_code == 200 and resident.household.head_name in html
    assert f"q={resident.id_number}" not in html
    home = client.get("/").content.decode()
    assert 'method="post" role="search"' in home

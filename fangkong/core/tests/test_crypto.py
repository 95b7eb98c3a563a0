"""Field encryption: AES-GCM round trip, fresh nonces, a keyed blind index, nothing plain at rest."""

from __future__ import annotations

import base64

import pytest
from cryptography.exceptions import InvalidTag
from django.db import connection
from django.test import override_settings

from fangkong.core import crypto
from fangkong.registry.models import Household, Resident
from fangkong.registry.tests.factories import HouseholdFactory, ResidentFactory, make_id_number

OTHER_KEY = base64.urlsafe_b64encode(b"another-32-byte-key-for-testing!").decode()


@pytest.mark.parametrize("plain", ["430502199001010013", "13812345678", "0739-5221234", "张三 ①"])
def test_round_trip(plain):
    token = crypto.encrypt(plain)
    assert token.startswith("v1:")
    assert plain not in token
    assert crypto.decrypt(token) == plain


def test_each_encryption_uses_a_fresh_nonce():
    tokens = {crypto.encrypt("430502199001010013") for _ in range(20)}
    assert len(tokens) == 20
    assert {crypto.decrypt(t) for t in tokens} == {"430502199001010013"}


def test_tampered_ciphertext_is_refused():
    token = crypto.encrypt("13812345678")
    blob = bytearray(base64.urlsafe_b64decode(token[3:]))
    blob[-1] ^= 1
    with pytest.raises(InvalidTag):
        crypto.decrypt("v1:" + base64.urlsafe_b64encode(bytes(blob)).decode())


def test_unknown_version_is_refused():
    with pytest.raises(ValueError, match="version"):
        crypto.decrypt("v0:abc")


def test_another_key_cannot_decrypt():
    token = crypto.encrypt("13812345678")
    with override_settings(FIELD_ENCRYPTION_KEY=OTHER_KEY), pytest.raises(InvalidTag):
        crypto.decrypt(token)


def test_blind_index_is_deterministic_and_kind_separated():
    a = crypto.blind_index("13812345678", kind="phone")
    assert a == crypto.blind_index("13812345678", kind="phone")
    assert len(a) == 32
    assert a != crypto.blind_index("13812345678", kind="id")
    assert a != crypto.blind_index("13812345679", kind="phone")
    assert "13812345678" not in a


def test_blind_index_depends_on_the_key():
    a = crypto.blind_index("13812345678", kind="phone")
    with override_settings(FIELD_ENCRYPTION_KEY=OTHER_KEY):
        assert crypto.blind_index("13812345678", kind="phone") != a


def test_blind_index_is_not_a_plain_hash():
    import hashlib

    value = "430502199001010013"
    plain_hashes = {
        hashlib.sha256(value.encode()).hexdigest()[:32],
        hashlib.sha256(f"id:{value}".encode()).hexdigest()[:32],
        hashlib.md5(value.encode()).hexdigest(),  # noqa: S324 - what an attacker would try
    }
    assert crypto.blind_index(value, kind="id") not in plain_hashes


def _raw_rows(table: str) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
        return cursor.fetchall()


def test_no_plaintext_id_or_phone_in_the_database(tree):
    secrets: list[str] = []
    for i in range(5):
        household = HouseholdFactory(
            area=tree["qianjin_g1"], phone=f"1390000{i:04d}", address=f"前进村{i}号"
        )
        secrets.append(household.phone)
        for j in range(2):
            resident = ResidentFactory(
                household=household,
                id_number=make_id_number(seq=i * 10 + j),
                phone=f"1360000{i}{j:03d}",
            )
            secrets += [resident.id_number, resident.phone]
    landline = HouseholdFactory(area=tree["qianjin_g2"], phone="0739-5221234")
    secrets.append(landline.phone)
    # What a leak would look like besides the whole value: the middle of an ID (birth date and
    # sequence), the landline without its dash.
    fragments = [s for s in secrets if len(s) == 18] + ["07395221234"]
    fragments += [s[6:17] for s in secrets if len(s) == 18]

    rows = _raw_rows("registry_resident") + _raw_rows("registry_household")
    assert len(rows) == 5 * 2 + 6
    cells = [str(cell) for row in rows for cell in row if cell is not None]
    for value in secrets + fragments:
        assert not any(value in cell for cell in cells), value

    # ... while the application still reads them back.
    assert set(Resident.objects.values_list("id_number", flat=True)) <= set(secrets)
    assert Household.objects.get(pk=landline.pk).phone == "0739-5221234"


def test_stored_values_are_ciphertext_with_fresh_nonces(tree):
    household = HouseholdFactory(area=tree["qianjin_g1"])
    a = ResidentFactory(household=household, phone="13812345678")
    b = ResidentFactory(household=household, phone="13812345678")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT phone, phone_index FROM registry_resident WHERE id IN (%s, %s) ORDER BY id",
            [a.pk, b.pk],
        )
        (phone_a, index_a), (phone_b, index_b) = cursor.fetchall()
    assert phone_a.startswith("v1:") and phone_b.startswith("v1:")
    assert phone_a != phone_b  # same value, different ciphertext: equal values cannot be spotted
    assert index_a == index_b  # ... but the blind index finds them both
    assert Resident.objects.filter(phone_index=index_a).count() == 2

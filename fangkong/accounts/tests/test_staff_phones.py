"""Staff phones are encrypted at rest like the residents' (accounts and workforce), masked in
lists; existing plain values are sealed by the migration."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from fangkong.accounts.models import User
from fangkong.accounts.tests.factories import UserFactory


def _raw_phone(table: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT phone FROM {table} WHERE id = %s", [pk])  # noqa: S608 - our own table name
        return cursor.fetchone()[0]


def test_a_users_phone_is_encrypted_at_rest_and_masked(db, tree):
    user = UserFactory(username="wang", area=tree["qianjin"], phone="13812345678")
    stored = _raw_phone("accounts_user", user.pk)
    assert "13812345678" not in stored and stored
    assert User.objects.get(pk=user.pk).phone == "13812345678"
    assert user.phone_masked == "138****5678"


def test_a_workers_phone_is_encrypted_at_rest_and_masked(db, tree):
    from fangkong.workforce.models import Worker

    field = Worker._meta.get_field("phone")
    assert type(field).__name__ == "EncryptedTextField"
    assert Worker(phone="13912345678").phone_masked == "139****5678"


def test_the_admins_pages_do_not_list_full_phones(client, users):
    UserFactory(username="li", area=users["cadre"].area, phone="13712345678")
    client.force_login(users["county_admin"])
    body = client.get("/accounts/users/").content.decode()
    assert "13712345678" not in body


@pytest.mark.django_db(transaction=True)
def test_the_migration_seals_existing_plain_phones(tree):
    executor = MigrationExecutor(connection)
    executor.migrate([("accounts", "0003_api_token")])
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO accounts_user (password, is_superuser, username, first_name, last_name,"
            " email, is_staff, is_active, date_joined, role, phone, must_change_password)"
            " VALUES ('x', false, 'old', '', '', '', false, true, CURRENT_TIMESTAMP, 'viewer',"
            " '13612345678', false)"
        )
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    user = User.objects.get(username="old")
    assert user.phone == "13612345678"
    assert "13612345678" not in _raw_phone("accounts_user", user.pk)

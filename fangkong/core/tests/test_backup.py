"""Back up a loaded database while it is in use, restore it into a new place, compare; and the
field key check: fangkong refuses to start with a key that does not match the data, and never
makes a new key over existing data."""

from __future__ import annotations

import base64
import json
import os
import secrets
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
KEY = base64.urlsafe_b64encode(b"k" * 32).decode()

LOAD = """
import django
django.setup()
from fangkong.areas.tests.factories import build_tree
from fangkong.registry.tests.factories import HouseholdFactory, ResidentFactory, make_id_number
tree = build_tree()
for n in range(12):
    household = HouseholdFactory(area=tree["qianjin_g1"])
    ResidentFactory(household=household, id_number=make_id_number(region="430599", seq=30 + n))
"""

COUNTS = """
import django, json
django.setup()
from fangkong.areas.models import Area
from fangkong.registry.models import Household, Resident
first = Resident.objects.order_by("pk").first()
print(json.dumps({
    "areas": Area.objects.count(), "households": Household.objects.count(),
    "residents": Resident.objects.count(), "first_id": first.id_number if first else None,
}))
"""


def fangkong(
    var: Path,
    *args: str,
    key: str = KEY,
    code: str | None = None,
    check: bool = True,
    DATABASE_URL: str = "",  # noqa: N803 - the variable's name
):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FANGKONG_", "DATABASE"))}
    env |= {
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "FANGKONG_VAR_DIR": str(var),
        "FANGKONG_SECRET_KEY": "s" * 50,
    }
    if DATABASE_URL:
        env["DATABASE_URL"] = DATABASE_URL
    if key:
        env["FANGKONG_FIELD_KEY"] = key
    command = (
        [sys.executable, "-c", textwrap.dedent(code)]
        if code
        else [
            sys.executable,
            "-m",
            "fangkong",
            *args,
        ]
    )
    done = subprocess.run(  # noqa: S603
        command, capture_output=True, text=True, env=env, cwd=ROOT, timeout=300, check=False
    )
    if check:
        assert done.returncode == 0, done.stdout + done.stderr
    return done


def test_backup_while_in_use_then_restore_into_a_new_place(tmp_path):
    old, new = tmp_path / "old", tmp_path / "new"
    fangkong(old, "migrate", "-v", "0")
    fangkong(old, code=LOAD)
    before = json.loads(fangkong(old, code=COUNTS).stdout)
    assert before["residents"] == 12 and before["first_id"].startswith("430599")

    # a connection holds a write transaction open while the backup runs (the server is in use)
    import sqlite3

    busy = sqlite3.connect(old / "fangkong.sqlite3")
    busy.execute("BEGIN")
    busy.execute("UPDATE core_auditevent SET detail = detail")
    archive = tmp_path / "fangkong-backup.sqlite3"
    done = fangkong(old, "backup", str(archive))
    busy.rollback()
    busy.close()
    assert "keys.json" in done.stdout and oct(archive.stat().st_mode & 0o777) == "0o600"

    restored = fangkong(new, "restore", str(archive))
    assert "field key check: ok" in restored.stdout
    after = json.loads(fangkong(new, code=COUNTS).stdout)
    assert after == before  # counts and a decrypted ID number

    # a second restore over data needs --force
    again = fangkong(new, "restore", str(archive), check=False)
    assert again.returncode != 0 and "--force" in again.stderr


def test_the_wrong_key_stops_fangkong_with_a_clear_message(tmp_path):
    var = tmp_path / "var"
    fangkong(var, "migrate", "-v", "0")
    fangkong(var, code=LOAD)
    other = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
    checked = fangkong(var, "check", key=other, check=False)
    assert checked.returncode != 0
    assert "fangkong.E001" in checked.stderr and "does not match" in checked.stderr
    served = fangkong(var, key=other, check=False, code="import config.wsgi")
    assert served.returncode != 0 and "does not match" in served.stderr
    assert fangkong(var, "check").returncode == 0  # the right key


def test_no_new_key_is_made_over_an_existing_database(tmp_path):
    var = tmp_path / "var"
    fangkong(var, "migrate", "-v", "0", key="")  # keys.json made on first use
    assert (var / "keys.json").exists()
    (var / "keys.json").rename(tmp_path / "keys.json.saved")
    refused = fangkong(var, "check", key="", check=False)
    assert refused.returncode != 0 and "does not make a new key" in refused.stderr
    assert not (var / "keys.json").exists()


@pytest.mark.postgresql
def test_postgresql_backup_restores_into_a_new_database(transactional_db, tmp_path):
    """pg_dump of a loaded database (the test database itself), pg_restore into a new one by
    ``fangkong restore``, then the counts and a decrypted ID number read there by fangkong."""
    import psycopg
    from django.db import connection

    from fangkong.areas.models import Area
    from fangkong.areas.tests.factories import build_tree
    from fangkong.core import backup
    from fangkong.registry.models import Household, Resident
    from fangkong.registry.tests.factories import (
        HouseholdFactory,
        ResidentFactory,
        make_id_number,
    )

    tree = build_tree()
    for n in range(12):
        household = HouseholdFactory(area=tree["qianjin_g1"])
        ResidentFactory(household=household, id_number=make_id_number(region="430599", seq=30 + n))
    first = Resident.objects.order_by("pk").first()
    before = {
        "areas": Area.objects.count(),
        "households": Household.objects.count(),
        "residents": Resident.objects.count(),
        "first_id": first.id_number if first else None,
    }
    archive = tmp_path / "fangkong.pgdump"
    backup.backup(archive)
    assert oct(archive.stat().st_mode & 0o777) == "0o600"

    db = connection.settings_dict
    name = f"fangkong_restore_{secrets.token_hex(4)}"
    admin = psycopg.connect(
        host=db["HOST"],
        port=db["PORT"],
        user=db["USER"],
        password=db["PASSWORD"],
        dbname="postgres",
        autocommit=True,
    )
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        url = f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{name}"
        var, key = tmp_path / "new", settings.FIELD_ENCRYPTION_KEY
        restored = fangkong(var, "restore", str(archive), key=key, DATABASE_URL=url)
        assert "field key check: ok" in restored.stdout
        after = json.loads(fangkong(var, key=key, code=COUNTS, DATABASE_URL=url).stdout)
        assert after == before  # counts and a decrypted ID number
        wrong = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
        refused = fangkong(var, "check", key=wrong, check=False, DATABASE_URL=url)
        assert refused.returncode != 0 and "does not match" in refused.stderr
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()

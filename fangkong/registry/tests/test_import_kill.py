"""kill -9 in the middle of an import leaves nothing written (a real process, a real SIGKILL)."""

from __future__ import annotations

import base64
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from fangkong.registry.tests.factories import make_id_number
from fangkong.registry.tests.test_import import sheet_csv

CHILD = r"""
import os, sys, time
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from fangkong.areas.models import Area
from fangkong.registry.importing import residents_import
from fangkong.registry.importing import importer
importer.BATCH = 200
county = Area(name="双清区", level="county", code="430502000000"); county.save()
township = Area(name="火车站乡", level="township", code="430502005000", parent=county); township.save()
village = Area(name="前进村", level="village", code="430502005201", parent=township); village.save()
Area(name="前进村1网格", level="grid", code="01", parent=village).save()
progress_file = sys.argv[2]

def progress(n):
    with open(progress_file, "w") as fh:
        fh.write(str(n))
    time.sleep(0.2)  # slow enough to be killed in the middle

residents_import(source=__import__("pathlib").Path(sys.argv[1]), filename="a.csv",
                 area=village, by=None, progress=progress)
print("finished")
"""


def test_sigkill_mid_import_leaves_the_database_untouched(tmp_path: Path):
    rows = [
        [
            f"人{i}",
            make_id_number(region="430599", seq=i % 100),
            "",
            f"人{i}",
            "户主",
            f"{i}号",
            "1网格",
            "",
            "",
        ]
        for i in range(3000)
    ]
    sheet = tmp_path / "a.csv"
    sheet.write_bytes(sheet_csv(rows))
    progress_file = tmp_path / "progress"
    database = tmp_path / "db.sqlite3"
    env = os.environ | {
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "DATABASE_URL": f"sqlite:///{database}",
        "FANGKONG_VAR_DIR": str(tmp_path),
        "FANGKONG_SECRET_KEY": "kill-test-secret-key-0123456789-0123456789",
        "FANGKONG_FIELD_KEY": base64.urlsafe_b64encode(b"k" * 32).decode(),
    }
    child = subprocess.Popen(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", CHILD, str(sheet), str(progress_file)],
        env=env,
        cwd=Path(__file__).resolve().parents[3],
    )
    try:
        # the child migrates a fresh database first: minutes on a loaded machine, not seconds
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            if progress_file.exists() and int(progress_file.read_text() or 0) >= 1000:
                break
            assert child.poll() is None, "the import ended before it could be killed"
            time.sleep(0.05)
        else:
            raise AssertionError("the import never got going")
        written_before_kill = int(progress_file.read_text())
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == -signal.SIGKILL
    assert written_before_kill >= 1000  # batches had been sent to the database
    with sqlite3.connect(database) as conn:
        residents = conn.execute("SELECT count(*) FROM registry_resident").fetchone()[0]
        households = conn.execute("SELECT count(*) FROM registry_household").fetchone()[0]
        areas = conn.execute("SELECT count(*) FROM areas_area").fetchone()[0]
    assert areas == 4  # the committed set-up is there …
    assert (residents, households) == (0, 0)  # … and nothing of the killed import

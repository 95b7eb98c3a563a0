"""The import's PostgreSQL write path: binary COPY into the real tables, ids reserved from the
sequences, one transaction. Runs in CI's PostgreSQL step (skipped, with the reason, on SQLite)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fangkong.registry.importing import residents_import
from fangkong.registry.models import Household, Resident, id_index, phone_index
from fangkong.registry.tests.factories import make_id_number

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db]

HEADER = "姓名,身份证号码,联系电话,户主姓名,与户主关系,家庭住址,网格,低保,独居老人"


def sheet(households: int, size: int = 3) -> tuple[bytes, list[str]]:
    """``households`` households of ``size`` people in grids 01 and 02 of 前进村."""
    lines, ids = [HEADER], []
    for h in range(households):
        head = f"王{h}"
        for i in range(size):
            number = make_id_number(
                region="430599", birth=dt.date(1950, 1, 1) + dt.timedelta(days=h * 7 + i), seq=i
            )
            ids.append(number)
            phone = f"154{h:04d}{i:04d}" if i == 0 else ""
            name = head if i == 0 else f"王{h}子{i}"
            relation = "户主" if i == 0 else "子"
            low = "是" if h % 5 == 0 else ""
            lines.append(
                f"{name},{number},{phone},{head},{relation},前进村{h}号,{h % 2 + 1}网格,{low},"
            )
    return ("\n".join(lines) + "\n").encode(), ids


def run(data: bytes, area, **kwargs):
    return residents_import(source=io.BytesIO(data), filename="a.csv", area=area, by=None, **kwargs)


@pytest.mark.parametrize("workers", [1, 2])
def test_copied_rows_read_back_through_the_orm(tree, workers):
    assert connection.vendor == "postgresql"
    data, ids = sheet(40)
    result = run(data, tree["qianjin"], workers=workers)
    assert (result.rows, result.created, result.rejected) == (120, 120, 0)
    assert result.households_created == 40 == Household.objects.count()
    for number in ids[:7]:
        person = Resident.objects.select_related("household").get(id_number_index=id_index(number))
        assert person.id_number == number  # decrypts: the cipher went in as text, unchanged
        assert person.birth_date == dt.date(
            int(number[6:10]), int(number[10:12]), int(number[12:14])
        )
        assert person.county_id == tree["county"].pk
        assert person.household.area.parent == tree["qianjin"]
        assert person.created_at.tzinfo is not None
        assert person.created_at == person.household.created_at  # one stamp for the import
    head = Resident.objects.get(id_number_index=id_index(ids[0]))
    assert head.relationship == "head" and head.low_income and not head.elderly_alone
    assert head.phone == "15400000000" and head.phone_index == phone_index("15400000000")
    assert head.household.phone == "15400000000"  # the head's phone is the household's
    assert head.household.residents.count() == 3
    # The ids came from the sequence: the next household the ORM saves does not collide.
    later = Household.objects.create(
        area=tree["qianjin_g1"], address="前进村新1号", head_name="新户"
    )
    assert later.pk > max(Household.objects.exclude(pk=later.pk).values_list("pk", flat=True))
    again = run(data, tree["qianjin"], workers=workers)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 120)


def test_the_queries_do_not_grow_with_the_rows(tree):
    """The rows go in by COPY (not logged as queries); the statements around them are the same
    few for 6 rows and for 600."""
    small, _ = sheet(2)
    with CaptureQueriesContext(connection) as few:
        run(small, tree["qianjin"])
    Resident.objects.all().delete()
    Household.objects.all().delete()
    big, _ = sheet(200)
    with CaptureQueriesContext(connection) as many:
        result = run(big, tree["qianjin"])
    assert result.created == 600 == Resident.objects.count()
    assert len(many) == len(few), [q["sql"][:80] for q in many.captured_queries]


def test_a_failure_after_the_copy_leaves_nothing_written(tree):
    data, _ = sheet(30)

    def fail(rows: int) -> None:  # called once the first batch is in the tables
        assert Resident.objects.count() == 90  # the COPY happened, inside the transaction
        raise RuntimeError("stop")

    with pytest.raises(RuntimeError):
        run(data, tree["qianjin"], progress=fail)
    assert Resident.objects.count() == 0 and Household.objects.count() == 0

"""The importer, through its three doors: the function, the command and the web upload."""

from __future__ import annotations

import io
import json
import re

import pytest
import xlsxwriter
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from fangkong.accounts.tests.factories import PASSWORD
from fangkong.core.models import AuditEvent
from fangkong.registry.importing import SheetError, residents_import
from fangkong.registry.models import Household, ImportJob, Resident
from fangkong.registry.tests.factories import make_id_number

ID_A = make_id_number(region="430599", seq=11, sex="M")
ID_B = make_id_number(region="430599", seq=12, sex="F")
ID_C = make_id_number(region="430599", seq=13, sex="M")


def sheet_csv(rows: list[list[str]], *, title: bool = True, encoding: str = "utf-8-sig") -> bytes:
    lines = []
    if title:
        lines.append("前进村人口登记表,,,,,,,,")
    lines.append("姓名,身份证号码,联系电话,户主姓名,与户主关系,家庭住址,网格,低保,学历")
    lines += [",".join(r) for r in rows]
    return ("\n".join(lines) + "\n").encode(encoding)


GOOD = [
    ["王大明", ID_A, "13812345678", "王大明", "户主", "前进村1组1号", "1网格", "否", "初中"],
    ["李小红", ID_B.lower(), "", "王大明", "配偶", "前进村1组1号", "1网格", "是", ""],
    ["张三", ID_C, "0739-5221234", "张三", "户主", "前进村2组3号", "02", "", ""],
]


def run(data: bytes, area, *, name="a.csv", by=None, dry_run=False):
    return residents_import(
        source=io.BytesIO(data), filename=name, area=area, by=by, dry_run=dry_run
    )


def test_import_creates_households_and_residents_in_the_named_grids(tree, users):
    result = run(sheet_csv(GOOD), tree["qianjin"], by=users["cadre"])
    assert (result.rows, result.created, result.rejected) == (3, 3, 0)
    assert result.unmapped_columns == ["学历"]
    wang = Resident.objects.get(name="王大明")
    assert wang.household.area == tree["qianjin_g1"]
    assert wang.household.residents.count() == 2
    assert Resident.objects.get(name="张三").household.area == tree["qianjin_g2"]
    li = Resident.objects.get(name="李小红")
    assert li.id_number == ID_B.upper() and li.sex == "F" and li.low_income
    assert Resident.objects.get(name="张三").phone == "0739-5221234"
    event = AuditEvent.objects.get(action="import")
    assert event.user == users["cadre"] and event.rows == 3


def test_reimport_is_unchanged_and_a_changed_phone_updates(tree):
    run(sheet_csv(GOOD), tree["qianjin"])
    again = run(sheet_csv(GOOD), tree["qianjin"])
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    changed = [row[:] for row in GOOD]
    changed[0][2] = "13912345678"
    third = run(sheet_csv(changed), tree["qianjin"])
    assert (third.created, third.updated, third.unchanged) == (0, 1, 2)
    assert Resident.objects.get(name="王大明").phone == "13912345678"
    assert Resident.objects.count() == 3 and Household.objects.count() == 2


def test_bad_rows_are_reported_with_row_column_and_code(tree):
    bad = [
        *GOOD,
        ["", "", "", "", "", "", "", "", ""],  # blank: skipped, not counted
        ["李四", "4.30502199001011E+17", "", "李四", "户主", "前进村2组4号", "1网格", "", ""],
        [
            "赵五",
            ID_A[:-1] + ("0" if ID_A[-1] != "0" else "1"),
            "",
            "",
            "户主",
            "x",
            "1网格",
            "",
            "",
        ],
        [
            "钱六",
            make_id_number(region="430599", seq=20),
            "138123",
            "钱六",
            "户主",
            "y",
            "1网格",
            "",
            "",
        ],
        [
            "孙七",
            make_id_number(region="430599", seq=21),
            "",
            "孙七",
            "户主",
            "z",
            "99网格",
            "",
            "",
        ],
        ["王二", ID_A, "13812345679", "王大明", "子", "前进村1组1号", "1网格", "否", ""],
        [
            "周八",
            make_id_number(region="430599", seq=22),
            "",
            "周八",
            "户主",
            "w",
            "1网格",
            "也许",
            "",
        ],
    ]
    result = run(sheet_csv(bad), tree["qianjin"])
    codes = {(e.row, e.column, e.code) for e in result.errors}
    assert codes == {
        (7, "身份证号码", "id_scientific"),
        (8, "身份证号码", "id_checksum"),
        (11, "身份证号码", "id_repeated"),
    }
    repeated = next(e for e in result.errors if e.code == "id_repeated")
    assert re.search(r"(?<!\d)3(?!\d)", repeated.message)  # the earlier row, 3, is named
    # What the register can live without is a warning: the person is kept.
    warnings = {(w.row, w.column, w.code) for w in result.warnings}
    assert warnings == {
        (9, "联系电话", "phone_invalid"),
        (10, "网格", "choice_unknown"),
        (12, "低保", "choice_unknown"),
    }
    assert (result.rows, result.created, result.rejected) == (9, 6, 3)
    assert all(e.message for e in result.errors + result.warnings)
    assert Resident.objects.count() == 6
    assert Resident.objects.get(name="钱六").phone == ""
    assert "网格：99网格" in Resident.objects.get(name="孙七").notes
    zhou = Resident.objects.get(name="周八")
    assert not zhou.low_income and "低保：也许" in zhou.notes


def test_gbk_csv_and_xlsx_with_merged_title(tree, tmp_path):
    gbk = run(sheet_csv(GOOD, encoding="gbk"), tree["qianjin"])
    assert gbk.created == 3
    path = tmp_path / "登记表.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet()
    ws.merge_range(0, 0, 0, 5, "前进村人口登记表")
    ws.write_row(2, 0, ["序号", "公民身份号码", "姓名", "手机号码", "住址", "组"])
    ws.write_row(3, 0, [1, ID_A, "王大明", 13812345670, "新地址1号", "01"])
    ws.write_row(4, 0, [2, 4.30502199001011e17, "错号", "", "新地址2号", "01"])
    wb.close()
    result = residents_import(source=path, filename=path.name, area=tree["qianjin"], by=None)
    assert (result.rows, result.updated, result.rejected) == (2, 1, 1)
    assert result.errors[0].row == 5 and result.errors[0].code == "id_scientific"
    wang = Resident.objects.get(name="王大明")
    assert wang.phone == "13812345670" and wang.household.address == "新地址1号"


def test_without_grid_column_households_go_to_the_area(tree):
    data = f"姓名,身份证号,住址\n王大明,{ID_A},前进村5号\n"
    result = run(data.encode(), tree["qianjin"])
    assert result.created == 1
    assert Resident.objects.get().household.area == tree["qianjin"]


def test_dry_run_writes_nothing(tree):
    result = run(sheet_csv(GOOD), tree["qianjin"], dry_run=True)
    assert result.created == 3 and result.dry_run
    assert Resident.objects.count() == 0 and Household.objects.count() == 0


def test_unusable_files_raise_sheet_error(tree):
    with pytest.raises(SheetError):
        run(b"just,some,words\n1,2,3\n", tree["qianjin"])
    with pytest.raises(SheetError):
        run(b"\x00\x01garbage", tree["qianjin"], name="x.xlsx")
    with pytest.raises(SheetError):
        run(b"a", tree["qianjin"], name="x.pdf")


def test_import_refuses_an_area_outside_the_users_scope(tree, users):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        run(sheet_csv(GOOD), tree["baiyun"], by=users["cadre"])
    with pytest.raises(PermissionDenied):
        run(sheet_csv(GOOD), tree["qianjin"], by=users["viewer"])
    assert Resident.objects.count() == 0


@pytest.mark.serial  # forks worker processes: not inside an xdist worker's threads
def test_command_json_output_and_exit_codes(tree, tmp_path, capsys):
    path = tmp_path / "a.csv"
    path.write_bytes(sheet_csv([*GOOD, ["坏", "123", "", "", "", "x", "1网格", "", ""]]))
    with pytest.raises(SystemExit) as exit_info:
        call_command("import_residents", str(path), "--area", "430502005201", "--format", "json")
    assert exit_info.value.code == 1
    out = json.loads(capsys.readouterr().out)
    assert out["rows"] == 4 and out["created"] == 3 and out["rejected"] == 1
    assert out["errors"][0] == {
        "row": 6,
        "column": "身份证号码",
        "code": "id_length",
        "message": out["errors"][0]["message"],
    }
    with pytest.raises(SystemExit) as exit_info:
        call_command("import_residents", str(path), "--area", "999999999999", "--format", "json")
    assert exit_info.value.code == 2
    assert "error" in json.loads(capsys.readouterr().out)
    path.write_bytes(sheet_csv(GOOD))
    with pytest.raises(SystemExit) as exit_info:
        call_command("import_residents", str(path), "--area", "430502005201", "--format", "json")
    assert exit_info.value.code == 0
    assert json.loads(capsys.readouterr().out)["unchanged"] == 3


# -- the web door -------------------------------------------------------------------------


def upload(client, area, data=None, name="登记.csv"):
    return client.post(
        "/register/import/",
        {"area": area.pk, "file": SimpleUploadedFile(name, data or sheet_csv(GOOD))},
    )


def test_web_upload_preview_import_and_error_report(client, tree, users):
    client.login(username="cadre", password=PASSWORD)
    bad = [*GOOD, ["坏", "123", "", "", "", "x", "1网格", "", ""]]
    response = upload(client, tree["qianjin"], sheet_csv(bad))
    assert response.status_code == 302
    job = ImportJob.objects.get()
    preview = client.get(response["Location"])
    assert preview.status_code == 200
    assert "学历" in preview.content.decode() and "王大明" in preview.content.decode()
    status = client.post(response["Location"], {"mode": "import"})
    assert status.status_code == 302
    page = client.get(status["Location"])
    assert page.status_code == 200
    job.refresh_from_db()
    assert job.status == "done" and job.result["created"] == 3 and job.result["rejected"] == 1
    assert 'id="import-errors"' in page.content.decode()
    report = client.get(f"/register/import/{job.token}/errors.xlsx")
    assert report.status_code == 200
    from python_calamine import CalamineWorkbook

    rows = (
        CalamineWorkbook.from_filelike(io.BytesIO(b"".join(report.streaming_content)))
        .get_sheet_by_index(0)
        .to_python()
    )
    assert rows[0][0] == "原行号" and rows[0][-1] == "错误原因"
    assert len(rows) == 2 and rows[1][0] == "6" and rows[1][1] == "坏"


def test_web_dry_run_then_import(client, tree, users):
    client.login(username="cadre", password=PASSWORD)
    location = upload(client, tree["qianjin"])["Location"]
    client.post(location, {"mode": "check"})
    assert Resident.objects.count() == 0
    assert ImportJob.objects.get().result["created"] == 3
    client.post(location, {"mode": "import"})
    assert Resident.objects.count() == 3


def test_web_upload_rejects_non_sheets_with_a_message(client, tree, users):
    client.login(username="cadre", password=PASSWORD)
    response = upload(client, tree["qianjin"], b"%PDF-1.4", name="x.pdf")
    assert response.status_code == 200 and ".xlsx" in response.content.decode()
    assert ImportJob.objects.count() == 0


def test_web_import_scope(client, tree, users):
    client.login(username="cadre", password=PASSWORD)
    location = upload(client, tree["qianjin"])["Location"]
    job = ImportJob.objects.get()
    # another village's cadre cannot see or start the job, nor import into 前进村
    client.login(username="stranger", password=PASSWORD)
    assert client.get(location).status_code == 404
    assert client.post(location, {"mode": "import"}).status_code == 404
    assert client.get(f"/register/import/{job.token}/status/").status_code == 404
    response = upload(client, tree["qianjin"])
    assert response.status_code == 200 and ImportJob.objects.count() == 1
    # read-only users cannot upload at all
    client.login(username="viewer", password=PASSWORD)
    assert client.get("/register/import/").status_code == 403
    assert upload(client, tree["qianjin"]).status_code == 403
    client.logout()
    assert client.get("/register/import/").status_code == 302
    assert Resident.objects.count() == 0


def test_template_download_has_the_columns_we_read(client, tree, users):
    client.login(username="grid_worker", password=PASSWORD)
    response = client.get("/register/import/template.xlsx")
    from python_calamine import CalamineWorkbook

    rows = (
        CalamineWorkbook.from_filelike(io.BytesIO(b"".join(response.streaming_content)))
        .get_sheet_by_index(0)
        .to_python()
    )
    assert rows[0][:2] == ["姓名", "身份证号"]


def test_an_interrupted_import_leaves_nothing_half_written(tree, monkeypatch):
    """Batches already sent to the database are rolled back when the import dies mid-way."""
    from fangkong.registry.importing import importer

    monkeypatch.setattr(importer, "BATCH", 300)
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
        for i in range(2500)
    ]
    seen = []

    def die(n: int) -> None:
        seen.append((n, Resident.objects.count()))
        if n >= 2000:
            raise KeyboardInterrupt  # what Ctrl-C (or the process dying) does mid-import

    with pytest.raises(KeyboardInterrupt):
        residents_import(
            source=io.BytesIO(sheet_csv(rows)),
            filename="a.csv",
            area=tree["qianjin"],
            by=None,
            progress=die,
        )
    assert seen[-1][1] > 0  # rows had been written inside the transaction …
    assert Resident.objects.count() == 0 and Household.objects.count() == 0  # … and are gone
    assert not AuditEvent.objects.filter(action="import").exists()


@pytest.mark.serial  # forks worker processes: not inside an xdist worker's threads
def test_worker_processes_give_the_same_result(tree, monkeypatch):
    from fangkong.registry.importing import importer

    monkeypatch.setattr(importer, "BATCH", 50)
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
        for i in range(400)
    ]
    rows[7][1] = "123"
    data = sheet_csv(rows)
    single = run(data, tree["qianjin"], dry_run=True)
    parallel = residents_import(
        source=io.BytesIO(data), filename="a.csv", area=tree["qianjin"], by=None, workers=2
    )
    assert single.as_json() == parallel.as_json()
    assert parallel.rejected >= 1 and parallel.errors[0].row == 10
    assert Resident.objects.count() == parallel.created


@pytest.mark.parametrize("workers", [1, 2])
def test_a_repeated_id_counts_once_when_the_rows_agree_and_is_refused_when_not(
    tree, monkeypatch, workers
):
    """The file's own repeats: the same person written again (even with other blanks or
    full-width digits) is one person; the same ID with other details is refused, naming the
    first row. With small chunks and two workers, the repeats are read by other processes."""
    from fangkong.registry.importing import importer

    monkeypatch.setattr(importer, "BATCH", 2)
    head = ["王大明", ID_A, "13812345678", "王大明", "户主", "前进村1组1号", "1网格", "否", ""]
    rows = [
        head,  # row 3
        ["李小红", ID_B, "", "王大明", "配偶", "前进村1组1号", "1网格", "", ""],
        head,  # row 5: the same row again
        [" 王大明 ", ID_A.lower(), "１３８１２３４５６７８", "王大明", "户主", "前进村1组1号"]
        + ["1网格", "否", ""],  # row 6: the same person, written otherwise
        ["王大明", ID_A, "13812345679", "王大明", "户主", "前进村1组1号", "1网格", "否", ""],
        ["王大明", ID_A, "13812345678", "王大明", "户主", "前进村1组2号", "1网格", "否", ""],
        ["李小红", ID_B, "", "王大明", "配偶", "前进村1组1号", "1网格", "是", ""],  # row 9
    ]
    result = residents_import(
        source=io.BytesIO(sheet_csv(rows)),
        filename="a.csv",
        area=tree["qianjin"],
        by=None,
        workers=workers,
    )
    assert (result.rows, result.created, result.unchanged) == (7, 2, 2)
    assert [(e.row, e.code) for e in result.errors] == [
        (7, "id_repeated"),  # another phone
        (8, "id_repeated"),  # another address: another household
        (9, "id_repeated"),  # another flag
    ]
    assert all(re.search(r"(?<!\d)[34](?!\d)", e.message) for e in result.errors)
    assert Resident.objects.get(name="王大明").phone == "13812345678"


def test_status_page_shows_a_progress_bar_while_running(client, tree, users):
    from fangkong.core import board

    client.login(username="cadre", password=PASSWORD)
    upload(client, tree["qianjin"], sheet_csv(GOOD))
    job = ImportJob.objects.get()
    job.status = ImportJob.Status.RUNNING
    job.save()
    board.progress_set(f"import:{job.token}", 2, 5)  # the worker writes it during the import
    response = client.get(f"/register/import/{job.token}/status/", HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert 'value="2" max="5"' in html and 'hx-trigger="every 1s"' in html
    assert "<html" not in html  # htmx polls get the fragment only
    board.progress_clear(f"import:{job.token}")  # the board outlives the test database's flush


def test_row_count_for_the_progress_bar(tmp_path):
    from fangkong.core.sheets import count_rows

    path = tmp_path / "a.csv"
    path.write_bytes(sheet_csv(GOOD))
    assert count_rows(path) == 2 + len(GOOD)

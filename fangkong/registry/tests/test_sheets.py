"""Real sheets in, and back out (issue 14): the shared case files, each with what a cadre expects.

The files live in ``../shared/cases/import/`` beside the clone (every value in them invented);
they are read as they are, never copied into the repository.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
import xlsxwriter
from django.utils import translation

from fangkong.areas.models import Level
from fangkong.areas.tests.factories import AreaFactory
from fangkong.core.validators import validate_id_number
from fangkong.registry.exporting import csv_stream, export_prepare
from fangkong.registry.importing import residents_import
from fangkong.registry.models import Household, IdType, Relationship, Resident
from fangkong.registry.tests.factories import HouseholdFactory, ResidentFactory

ROOT = Path(__file__).resolve().parents[3]


def _cases_dir() -> Path:
    for base in (ROOT.parent, ROOT.parent.parent):  # CI: ../shared; a worktree: ../../shared
        path = base / "shared" / "cases" / "import"
        if path.is_dir():
            return path
    raise AssertionError(f"the shared case sheets are missing (looked beside {ROOT})")


CASES = _cases_dir()


def run(name: str, area, *, by=None, dry_run: bool = False):
    path = CASES / name
    return residents_import(source=path, filename=path.name, area=area, by=by, dry_run=dry_run)


def snapshot() -> list[tuple]:
    """Everything an import could change, to compare before and after."""
    people = [
        (r.pk, r.name, r.id_number, r.phone, r.household_id, r.relationship, r.notes)
        for r in Resident.objects.order_by("pk")
    ]
    households = list(
        Household.objects.order_by("pk").values_list(
            "pk", "area_id", "number", "address", "head_name"
        )
    )
    return [*people, *households]


def test_m01_two_phones_in_a_cell_keep_the_first_and_note_the_second(tree, users):
    result = run("m01_phone_two_numbers.csv", tree["qianjin"], by=users["cadre"])
    assert (result.created, result.rejected) == (1, 0)
    person = Resident.objects.get(name="丁电话")
    assert person.phone == "15412340116"
    assert "15412340117" in person.notes
    assert [w.code for w in result.warnings] == ["phone_more"]
    again = run("m01_phone_two_numbers.csv", tree["qianjin"], by=users["cadre"])
    assert (again.unchanged, again.updated) == (1, 0)
    assert Resident.objects.get(name="丁电话").notes.count("15412340117") == 1


def test_m02_country_code_before_a_mobile(tree):
    result = run("m02_phone_86_dash.csv", tree["qianjin"])
    assert (result.created, result.rejected, result.warnings) == (1, 0, [])
    assert Resident.objects.get(name="乙电话").phone == "15412340114"


def test_m03_fifteen_digit_id_is_upgraded_with_a_warning(tree):
    result = run("m03_id_15_digits.csv", tree["qianjin"])
    assert (result.created, result.rejected) == (1, 0)
    person = Resident.objects.get(name="一代证")
    assert person.id_number.startswith("43059919620101052")
    assert validate_id_number(person.id_number) == person.id_number
    assert person.birth_date.isoformat() == "1962-01-01" and person.sex == "F"
    assert [w.code for w in result.warnings] == ["id_upgraded"]


def test_m04_latin_name_and_passport_kept_as_written(tree):
    result = run("m04_latin_name_passport.csv", tree["qianjin"])
    assert (result.created, result.rejected) == (1, 0)
    person = Resident.objects.get(id_type=IdType.PASSPORT)
    assert person.name == "Anna Müller"
    assert person.id_number == "C12345678"


def test_m05_residence_permit_is_checked_like_an_id_card(tree):
    result = run("m05_idtype_residence_permit.csv", tree["qianjin"])
    assert (result.created, result.rejected, result.warnings) == (1, 0, [])
    person = Resident.objects.get(name="陈大文")
    assert person.id_type == IdType.RESIDENCE_PERMIT
    assert person.birth_date.isoformat() == "1985-01-01" and person.sex == "M"


def test_m06_a_gbk_copy_never_overwrites_the_good_name(tree):
    first = run("m06a_rare_name_utf8.csv", tree["qianjin"])
    assert first.created == 1
    second = run("m06b_same_sheet_saved_by_excel_as_gbk.csv", tree["qianjin"])
    assert (second.created, second.updated, second.unchanged, second.rejected) == (0, 0, 1, 0)
    assert [w.code for w in second.warnings] == ["name_lost_characters"]
    assert Resident.objects.get().name == "𠮷林"
    assert Household.objects.get().address == "前进村5组2号"  # the GBK address read right


def test_m07_reimport_without_head_column_makes_no_ghost_household(tree):
    first = run("m07_reimport_no_head_column.csv", tree["qianjin"])
    assert (first.created, first.households_created) == (1, 1)
    before = snapshot()
    second = run("m07_reimport_no_head_column.csv", tree["qianjin"])
    assert (second.unchanged, second.households_created) == (1, 0)
    assert snapshot() == before
    assert not Household.objects.filter(residents__isnull=True).exists()


def test_m08_another_villages_person_is_refused_untouched(tree, users):
    theirs = ResidentFactory(
        household=HouseholdFactory(area=tree["qianjin_g1"], address="前进村3组8号"),
        name="前进人",
        id_number="430599199110110017",
        phone="15412348888",
    )
    before = snapshot()
    dry = run("m08_other_village_same_id.csv", tree["baiyun"], by=users["stranger"], dry_run=True)
    real = run("m08_other_village_same_id.csv", tree["baiyun"], by=users["stranger"])
    assert snapshot() == before
    theirs.refresh_from_db()
    assert theirs.household.area == tree["qianjin_g1"] and theirs.phone == "15412348888"
    assert (real.created, real.updated, real.rejected) == (0, 0, 1)
    assert real.errors[0].code == "registered_elsewhere"
    # The dry run says exactly what the import says, and neither names the area or the person.
    assert dry.as_json()["errors"] == real.as_json()["errors"]
    assert "前进" not in real.errors[0].message and "前进人" not in str(real.as_json())
    assert Household.objects.count() == 1  # no household made for the refused row


def test_m12a_own_export_as_downloaded_reimports_unchanged(tree):
    gutang = AreaFactory(
        name="古塘社区", level=Level.VILLAGE, code="430502005203", parent=tree["township"]
    )
    grid = AreaFactory(name="古塘社区1网格", level=Level.GRID, code="01", parent=gutang)
    household = HouseholdFactory(
        area=grid, number="2040001", address="古塘社区1组1号", head_name="龚欣建"
    )
    ResidentFactory(
        household=household,
        name="龚欣建",
        id_number="43059919801205001X",
        phone="15456950257",
        relationship=Relationship.HEAD,
        notes="",
    )
    before = snapshot()
    result = run("m12a_export_as_downloaded_1row.csv", gutang)
    assert (result.rows, result.unchanged, result.updated, result.rejected) == (1, 1, 0, 0)
    assert result.households_created == 0 and result.unmapped_columns == []
    assert snapshot() == before


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_export_then_import_is_unchanged_for_every_row(tree, users, language):
    g1, g2 = tree["qianjin_g1"], tree["qianjin_g2"]
    h1 = HouseholdFactory(area=g1, number="1001", address="前进村1组1号", head_name="王一")
    h2 = HouseholdFactory(area=g2, number="", address="前进村2组2号", head_name="李二")
    ResidentFactory(household=h1, name="王一", relationship=Relationship.HEAD, notes="")
    ResidentFactory(
        household=h1, name="王小一", relationship=Relationship.CHILD, phone="", notes=""
    )
    ResidentFactory(household=h2, name="李二", relationship=Relationship.HEAD, notes="有备注")
    ResidentFactory(
        household=h2, name="Li Er Jr", relationship=Relationship.SPOUSE, low_income=True, notes=""
    )
    before = snapshot()
    with translation.override(language):
        export = export_prepare(
            by=users["county_admin"], kind="residents", full=True, reason="核对"
        )
        body = "".join(csv_stream(export))
    headers = next(csv.reader(io.StringIO(body[1:])))
    assert "名称" not in headers and "IP地址" not in headers
    if language == "zh-hans":
        assert headers[:3] == ["姓名", "证件类型", "证件号码"] and "家庭住址" in headers
    result = residents_import(
        source=io.BytesIO(body.encode("utf-8")),
        filename="export.csv",
        area=tree["qianjin"],
        by=users["cadre"],
    )
    assert (result.rows, result.unchanged, result.rejected) == (4, 4, 0), result.as_json()
    assert result.unmapped_columns == [] and result.households_created == 0
    assert snapshot() == before


def _xlsx(tmp_path: Path, build) -> Path:
    path = tmp_path / "sheet.xlsx"
    workbook = xlsxwriter.Workbook(str(path))
    build(workbook)
    workbook.close()
    return path


def test_notes_sheet_first_grouped_header_merged_cells_and_footer(tree, tmp_path):
    """A template as they come: 填表说明 first, a title, 联系方式 over two sub-headers, the
    address and the head merged over a household's rows, a 合计 row and the 填表人 footer."""

    def build(workbook):
        notes = workbook.add_worksheet("填表说明")
        notes.write(0, 0, "1. 姓名、身份证号必填")
        notes.write(1, 0, "2. 证件类型：居民身份证、护照")
        ws = workbook.add_worksheet("人员名单")
        ws.merge_range(0, 0, 0, 5, "前进村返乡人员登记表")
        ws.merge_range(1, 0, 2, 0, "户主")
        ws.merge_range(1, 1, 2, 1, "姓名")
        ws.merge_range(1, 2, 2, 2, "身份证号")
        ws.merge_range(1, 3, 1, 4, "联系方式")
        ws.write(2, 3, "手机号码")
        ws.write(2, 4, "家庭住址")
        ws.merge_range(1, 5, 2, 5, "人员类型")
        ws.merge_range(3, 0, 4, 0, "赵一")
        ws.merge_range(3, 4, 4, 4, "前进村7组1号")
        ws.write_row(3, 1, ["赵一", "430599196004040672", "15412340116"])
        ws.write(3, 5, "业主")
        ws.write_row(4, 1, ["钱二", "430599196002020467", "86-15412340114"])
        ws.write(4, 5, "租户")
        ws.write_row(5, 0, ["合计", "2人"])
        ws.write_row(7, 0, ["填表人：张三", "", "审核人：李四"])

    path = _xlsx(tmp_path, build)
    result = residents_import(source=path, filename=path.name, area=tree["qianjin"], by=None)
    assert result.sheet_name == "人员名单"
    assert (result.rows, result.created, result.rejected) == (2, 2, 0), result.as_json()
    assert {s["kind"] for s in result.skipped} == {"total", "footer"}
    zhao, qian = Resident.objects.get(name="赵一"), Resident.objects.get(name="钱二")
    assert zhao.household == qian.household
    assert zhao.household.address == "前进村7组1号" and zhao.household.head_name == "赵一"
    assert qian.phone == "15412340114"
    assert "人员类型：租户" in qian.notes  # unknown choice: a note and a warning, not a rejection
    assert {w.code for w in result.warnings} == {"choice_unknown"}


def test_address_composed_from_estate_building_unit_room(tree):
    data = (
        "姓名,身份证号,小区,楼栋,单元,房号,现住址（详细到门牌号）\n"
        "孙楼,430599196606060144,阳光小区,3,2,301,\n"
    ).encode("gb18030")
    result = residents_import(
        source=io.BytesIO(data), filename="c.csv", area=tree["qianjin"], by=None
    )
    assert result.created == 1, result.as_json()
    assert Household.objects.get().address == "阳光小区3栋2单元301室"


def test_utf16_unicode_text_from_excel(tree):
    data = "姓名\t身份证号\t家庭住址\n周文\t430599196606060144\t前进村1号\n".encode("utf-16")
    result = residents_import(
        source=io.BytesIO(data), filename="u.csv", area=tree["qianjin"], by=None
    )
    assert (result.created, result.rejected) == (1, 0)


# -- the column map: preview page, profiles, command line ------------------------------------

ODD_LAYOUT = (
    "姓名,身份证号,人员住址,学历\n"  # 人员住址 is in no dictionary: the user says what it is
    "吴列,430599196606060144,前进村9组9号,初中\n"
).encode()


def test_preview_column_choice_saved_as_a_profile_then_used_with_one_click(client, tree, users):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from fangkong.accounts.tests.factories import PASSWORD
    from fangkong.registry.models import ImportJob, ImportProfile

    client.login(username="cadre", password=PASSWORD)

    def upload() -> str:
        response = client.post(
            "/register/import/",
            {"area": tree["qianjin"].pk, "file": SimpleUploadedFile("名单.csv", ODD_LAYOUT)},
        )
        assert response.status_code == 302
        return response["Location"]

    location = upload()
    page = client.get(location).content.decode()
    assert 'name="col-2"' in page and "人员住址" in page
    # Without a choice the address column is missing: the row has no household.
    job = ImportJob.objects.get()
    client.post(
        location,
        {
            "mode": "map",
            "key-2": "人员住址",
            "col-2": "address",
            "key-3": "学历",
            "col-3": "",
            "save_as": "每周名单",
        },
    )
    job.refresh_from_db()
    assert job.columns == {"人员住址": "address", "学历": ""}
    profile = ImportProfile.objects.get()
    assert (profile.area, profile.name) == (tree["qianjin"], "每周名单")
    client.post(location, {"mode": "import"})
    job.refresh_from_db()
    assert job.result["created"] == 1, job.result
    assert Household.objects.get().address == "前进村9组9号"
    # Next week's sheet: one click on the profile, then import: unchanged.
    second = upload()
    assert "每周名单" in client.get(second).content.decode()
    client.post(second, {"mode": "profile", "profile": "每周名单"})
    client.post(second, {"mode": "import"})
    latest = ImportJob.objects.order_by("-pk").first()
    assert latest.result["unchanged"] == 1 and latest.result["unmapped_columns"] == ["学历"]
    # Another village's cadre neither sees the job nor the profile.
    client.login(username="stranger", password=PASSWORD)
    assert (
        client.post(location, {"mode": "map", "key-2": "人员住址", "col-2": "name"}).status_code
        == 404
    )
    assert not ImportProfile.objects.for_area(tree["baiyun"]).exists()
    job.refresh_from_db()
    assert job.columns == {"人员住址": "address", "学历": ""}


@pytest.mark.serial  # the command forks worker processes
def test_command_profile_map_and_refusal(tree, users, tmp_path, capsys):
    import json

    from django.core.management import call_command

    from fangkong.registry.importing.jobs import profile_save

    path = tmp_path / "名单.csv"
    path.write_bytes(ODD_LAYOUT)
    map_file = tmp_path / "map.csv"
    map_file.write_text("人员住址,家庭住址\n学历,忽略\n", encoding="utf-8")
    args = [str(path), "--area", "430502005201", "--format", "json"]
    with pytest.raises(SystemExit) as done:
        call_command("import_residents", *args, "--map", str(map_file))
    assert done.value.code == 0
    assert json.loads(capsys.readouterr().out)["created"] == 1
    profile_save(by=None, area=tree["township"], name="乡镇名单", columns={"人员住址": "address"})
    with pytest.raises(SystemExit) as done:
        call_command("import_residents", *args, "--profile", "乡镇名单")
    assert done.value.code == 0
    assert json.loads(capsys.readouterr().out)["unchanged"] == 1
    with pytest.raises(SystemExit) as done:
        call_command("import_residents", *args, "--profile", "没有")
    assert done.value.code == 2
    # Not allowed to import there: one line in Chinese, exit 2, nothing written.
    with pytest.raises(SystemExit) as done:
        call_command("import_residents", str(path), "--area", "430502005201", "--user", "stranger")
    assert done.value.code == 2
    captured = capsys.readouterr()
    assert "无权导入" in captured.err and "Traceback" not in captured.err + captured.out
    assert len(captured.err.strip().splitlines()) == 1


def test_an_interrupted_web_import_is_marked_failed_and_can_start_again(client, tree, users):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from fangkong.accounts.tests.factories import PASSWORD
    from fangkong.registry.importing import jobs
    from fangkong.registry.models import ImportJob

    client.login(username="cadre", password=PASSWORD)
    location = client.post(
        "/register/import/",
        {"area": tree["qianjin"].pk, "file": SimpleUploadedFile("a.csv", ODD_LAYOUT)},
    )["Location"]
    job = ImportJob.objects.get()
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.RUNNING)  # process died
    assert client.post(location, {"mode": "import"}).status_code == 403
    assert jobs.import_jobs_fail_interrupted() == 1
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED and job.error
    page = client.get(f"/register/import/{job.token}/status/").content.decode()
    assert job.error in page
    client.post(location, {"mode": "map", "key-2": "人员住址", "col-2": "address"})
    client.post(location, {"mode": "import"})
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE and job.result["created"] == 1


def test_api_import_with_a_profile(tree, users):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from rest_framework.test import APIClient

    from fangkong.registry.importing.jobs import profile_save

    profile_save(
        by=users["cadre"], area=tree["qianjin"], name="周报", columns={"人员住址": "address"}
    )
    api = APIClient()
    api.force_authenticate(users["cadre"])

    def post(**extra):
        return api.post(
            "/api/v1/imports/",
            {"file": SimpleUploadedFile("a.csv", ODD_LAYOUT), "area": tree["qianjin"].pk, **extra},
            format="multipart",
        )

    assert post().status_code == 422  # without the profile the address column is unknown
    done = post(profile="周报")
    assert done.status_code == 200 and done.json()["created"] == 1, done.json()
    assert post(profile="没有").status_code == 400
    stranger = APIClient()
    stranger.force_authenticate(users["stranger"])
    refused = stranger.post(
        "/api/v1/imports/",
        {
            "file": SimpleUploadedFile("a.csv", ODD_LAYOUT),
            "area": tree["qianjin"].pk,
            "profile": "周报",
        },
        format="multipart",
    )
    assert refused.status_code == 400 and Resident.objects.count() == 1

"""The area tree from a file: NBS division codes and grid sheets, through the command, the page
and the API (one importer); every bad row reported; a re-run changes nothing."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from fangkong.accounts.models import Role
from fangkong.accounts.tests.factories import UserFactory
from fangkong.areas.importing import clean_name, import_areas, strip_committee_suffix
from fangkong.areas.models import Area, Level
from fangkong.areas.tests.factories import AreaFactory
from fangkong.core.models import AuditAction, AuditEvent

NBS = """统计用区划代码,城乡分类代码,名称
430521000000,,邵东市
430521100000,,两市镇
430521100201,111,东风村委会
430521100202,220,　新 桥村
430521101000,,大禾塘街道
430521101001,111,古塘社区居委会
"""


def _run(text: str, tmp_path, name: str = "codes.csv", encoding: str = "utf-8", **kwargs):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return import_areas(path, path.name, **kwargs)


def test_nbs_codes_create_the_tree_with_parents_from_the_codes(db, tmp_path):
    result = _run(NBS, tmp_path)
    assert result.rejected == 0 and result.created == 6 and result.applied
    county = Area.objects.get(code="430521000000")
    assert county.level == Level.COUNTY and county.name == "邵东市" and county.parent is None
    village = Area.objects.get(code="430521100202")
    assert village.name == "新桥村"  # full-width and stray spaces cleaned
    assert village.parent.code == "430521100000" and village.level == Level.VILLAGE
    assert village.path == "430521000000/430521100000/430521100202/"
    assert village.county_id == county.pk
    # 村委会/居委会 kept as written by default.
    assert Area.objects.get(code="430521100201").name == "东风村委会"
    assert Area.objects.get(code="430521101001").parent.name == "大禾塘街道"
    event = AuditEvent.objects.get(action=AuditAction.IMPORT)
    assert event.area == county and event.rows == 6


def test_a_second_run_changes_nothing_and_says_so(db, tmp_path):
    _run(NBS, tmp_path)
    before = list(Area.objects.order_by("pk").values_list("pk", "path", "name"))
    again = _run(NBS, tmp_path)
    assert again.no_change and not again.applied and again.unchanged == 6
    assert "No change" in again.summary() or "没有变化" in again.summary()
    assert list(Area.objects.order_by("pk").values_list("pk", "path", "name")) == before
    assert AuditEvent.objects.filter(action=AuditAction.IMPORT).count() == 1


def test_strip_committee_option_and_renames(db, tmp_path):
    _run(NBS, tmp_path)
    result = _run(NBS, tmp_path, strip_committee=True)
    assert result.changed == 2 and result.created == 0
    assert Area.objects.get(code="430521100201").name == "东风村"
    assert Area.objects.get(code="430521101001").name == "古塘社区"


@pytest.mark.parametrize(
    ("raw", "stripped"),
    [
        ("前进村委会", "前进村"),
        ("前进村村民委员会", "前进村"),
        ("古塘社区居委会", "古塘社区"),
        ("东风居民委员会", "东风社区"),
        ("白云村", "白云村"),
    ],
)
def test_committee_suffix(raw, stripped):
    assert strip_committee_suffix(raw) == stripped


def test_rare_characters_outside_gbk_are_kept():
    assert clean_name(" 𠙶村\u3000") == "𠙶村"


def test_gbk_csv_is_read(db, tmp_path):
    result = _run(NBS, tmp_path, encoding="gbk")
    assert result.created == 6
    assert Area.objects.get(code="430521100201").name == "东风村委会"


def test_xlsx_with_title_rows_and_level_and_parent_columns(db, tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["2023年统计用区划代码"])
    sheet.append(["代码", "名称", "级别", "上级代码"])
    sheet.append(["430521000000", "邵东市", "3", ""])
    sheet.append(["430521100000", "两市镇", "4", "430521000000"])
    sheet.append([430521100201, "东风村", "5", "430521100000"])  # a number in Excel
    sheet.append(["430521100202", "错级村", "4", "430521100000"])  # level does not fit
    sheet.append(["430521100203", "错父村", "5", "430521101000"])  # not under its parent
    path = tmp_path / "codes.xlsx"
    book.save(path)
    result = import_areas(path, path.name)
    assert result.created == 3
    errors = {(e.row, e.column) for e in result.errors}
    assert errors == {(6, "级别"), (7, "上级代码")}
    assert Area.objects.get(code="430521100201").parent.code == "430521100000"


def test_headerless_nbs_copy(db, tmp_path):
    text = "430521000000,邵东市\n430521100000,两市镇\n430521100201,111,东风村\n"
    result = _run(text, tmp_path)
    assert result.created == 3 and not result.errors


def test_every_bad_row_is_reported_and_the_good_rows_applied(db, tmp_path):
    AreaFactory(name="双清区", level=Level.COUNTY, code="430502000000")
    text = (
        NBS
        + "4305211002,短码村\n"  # wrong length
        + "43052110020X,字母村\n"  # not digits
        + "430521109201,111,孤村\n"  # unknown parent (township 109 nowhere)
        + "430502005201,111,外县村\n"  # another county
        + "430521100201,111,重复村\n"  # the code again, another name
        + "430521100203,1111,类码村\n"  # urban-rural class of 4 digits
        + "430521100204,111,\n"  # no name
    )
    result = _run(text, tmp_path)
    by_row = {e.row: e for e in result.errors}
    assert set(by_row) == {8, 9, 10, 11, 12, 13, 14}
    assert by_row[8].column == "统计用区划代码" and "12" in by_row[8].message
    assert by_row[10].code == "430521109201"
    assert by_row[13].column == "城乡分类代码"
    assert by_row[14].column == "名称"
    assert result.rejected == 7 and result.created == 6
    assert Area.objects.filter(code__startswith="430521").count() == 6


def test_a_code_used_by_another_area_is_refused(db, tmp_path):
    _run(NBS, tmp_path)
    # 430521100201 exists as a village; a file that says it is a grid's parent township …
    text = "统计用区划代码,名称,级别\n430521100201,东风村,乡\n"
    result = _run(text, tmp_path)
    assert result.errors[0].column == "级别"


def test_unusable_file_writes_nothing(db, tmp_path):
    from fangkong.areas.importing import AreaImportError

    with pytest.raises(AreaImportError):
        _run("姓名,地址\n张三,前进村\n", tmp_path)
    assert not Area.objects.exists()


def test_county_above_rows_are_skipped(db, tmp_path):
    text = "统计用区划代码,城乡分类代码,名称\n430000000000,,湖南省\n430500000000,,邵阳市\n"
    text += NBS.split("\n", 1)[1]
    result = _run(text, tmp_path)
    assert result.skipped == 2 and result.created == 6 and not result.errors


# --- grids ---------------------------------------------------------------------------------


def test_grid_sheet_by_village_code_or_name_with_groups(tree, tmp_path):
    text = (
        "村,网格名称,网格编号,组/楼栋\n"
        "430502005201,前进村3网格,,\n"
        "白云村,白云村2网格,07,\n"
        "前进村,前进村4网格,,3组\n"
        "前进村,前进村5网格,,3组\n"
        "前进村,前进村1网格,,\n"  # already there: unchanged
        "无名村,某网格,,\n"  # unknown village
        "430502005000,乡里网格,,\n"  # a township, not a village
    )
    result = _run(text, tmp_path, name="grids.csv", county_code="430502")
    assert result.kind == "grids"
    assert {e.row for e in result.errors} == {7, 8}
    assert result.created == 5 and result.unchanged == 1  # 4 grids and the group 3组
    qianjin = tree["qianjin"]
    g3 = Area.objects.get(name="前进村3网格")
    assert g3.parent == qianjin and g3.code == "03" and g3.level == Level.GRID
    assert Area.objects.get(name="白云村2网格").code == "07"
    group = Area.objects.get(name="3组")
    assert group.level == Level.GROUP and group.parent == qianjin
    assert set(Area.objects.filter(parent=group).values_list("name", flat=True)) == {
        "前进村4网格",
        "前进村5网格",
    }
    assert Area.objects.get(name="前进村5网格").path.startswith(group.path)
    again = _run(text, tmp_path, name="grids.csv", county_code="430502")
    assert again.no_change


# --- the command ---------------------------------------------------------------------------


def test_command_json_and_exit_codes(db, tmp_path, capsys):
    path = tmp_path / "codes.csv"
    path.write_text(NBS + "4305211002,短码村\n", encoding="utf-8")
    with pytest.raises(SystemExit) as exit_info:
        call_command("import_areas", str(path), "--format", "json")
    assert exit_info.value.code == 1
    out = json.loads(capsys.readouterr().out)
    assert out["created"] == 6 and out["rejected"] == 1
    assert out["errors"][0]["row"] == 8
    with pytest.raises(SystemExit) as exit_info:
        call_command("import_areas", str(path), "--dry-run", "--format", "json")
    out = json.loads(capsys.readouterr().out)
    assert out["no_change"] is True
    with pytest.raises(SystemExit) as exit_info:
        call_command("import_areas", str(tmp_path / "missing.csv"))
    assert exit_info.value.code == 2


def test_command_dry_run_writes_nothing(db, tmp_path, capsys):
    path = tmp_path / "codes.csv"
    path.write_text(NBS, encoding="utf-8")
    with pytest.raises(SystemExit) as exit_info:
        call_command("import_areas", str(path), "--dry-run")
    assert exit_info.value.code == 0
    assert not Area.objects.exists()


# --- the page and the API ------------------------------------------------------------------


def _upload(text: str, name: str = "codes.csv"):
    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


GRID_FILE = "村,网格名称\n430502005201,前进村3网格\n430502005202,白云村2网格\n"


def test_page_previews_then_applies(client, users, tree, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    client.force_login(users["county_admin"])
    assert client.get("/areas/import/").status_code == 200
    response = client.post("/areas/import/", {"file": _upload(GRID_FILE, "grids.csv")})
    assert response.status_code == 200
    assert response.context["result"].created == 2
    assert not Area.objects.filter(name="前进村3网格").exists()  # a preview writes nothing
    token = response.context["token"]
    response = client.post("/areas/import/apply/", {"token": token})
    assert response.status_code == 302
    assert Area.objects.get(name="前进村3网格").parent == tree["qianjin"]
    # The token is spent: applying again writes nothing and says so.
    before = Area.objects.count()
    response = client.post("/areas/import/apply/", {"token": token})
    assert response.status_code == 302 and response["Location"] == "/areas/import/"
    assert Area.objects.count() == before


def test_page_refuses_a_file_of_another_county(client, users, tree, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    client.force_login(users["county_admin"])
    response = client.post("/areas/import/", {"file": _upload(NBS)})
    result = response.context["result"]
    assert result.created == 0 and result.rejected == 6
    assert not Area.objects.filter(code__startswith="430521").exists()


def test_another_users_token_is_404(client, users, tree, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    client.force_login(users["county_admin"])
    token = client.post("/areas/import/", {"file": _upload(GRID_FILE, "g.csv")}).context["token"]
    other = UserFactory(username="admin2", role=Role.COUNTY_ADMIN, area=tree["county"])
    client.force_login(other)
    assert client.post("/areas/import/apply/", {"token": token}).status_code == 302
    assert not Area.objects.filter(name="前进村3网格").exists()


@pytest.mark.parametrize("role", ["cadre", "township", "viewer", "stranger"])
def test_page_and_api_refuse_other_roles(client, users, tree, role, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    client.force_login(users[role])
    assert client.get("/areas/import/").status_code == 403
    assert client.post("/areas/import/", {"file": _upload(GRID_FILE)}).status_code == 403
    response = client.post("/api/v1/areas/import/", {"file": _upload(GRID_FILE)})
    assert response.status_code == 403
    assert not Area.objects.filter(name="前进村3网格").exists()


def test_api_imports_for_the_county_admin(client, users, tree):
    client.force_login(users["county_admin"])
    response = client.post(
        "/api/v1/areas/import/", {"file": _upload(GRID_FILE, "g.csv"), "dry_run": "true"}
    )
    assert response.status_code == 200 and response.json()["created"] == 2
    assert not Area.objects.filter(name="前进村3网格").exists()
    response = client.post("/api/v1/areas/import/", {"file": _upload(GRID_FILE, "g.csv")})
    assert response.status_code == 200 and response.json()["applied"] is True
    bad = "村,网格名称\n430502005209,某网格\n"
    response = client.post("/api/v1/areas/import/", {"file": _upload(bad, "g.csv")})
    assert response.status_code == 422
    assert response.json()["errors"][0]["row"] == 2
    response = client.post("/api/v1/areas/import/", {"file": _upload("x,y\n1,2\n", "g.csv")})
    assert response.status_code == 400


def test_api_admin_of_another_county_cannot_reach_ours(client, tree, tmp_path):
    county = AreaFactory(name="邵东市", level=Level.COUNTY, code="430521000000")
    admin = UserFactory(username="sd_admin", role=Role.COUNTY_ADMIN, area=county)
    client.force_login(admin)
    response = client.post("/api/v1/areas/import/", {"file": _upload(GRID_FILE, "g.csv")})
    assert response.status_code == 422
    assert {e["message"] for e in response.json()["errors"]}
    assert not Area.objects.filter(name="前进村3网格").exists()


def test_short_codes_zero_based_levels_and_a_parent_column(db, tmp_path):
    text = (
        "code,name,level,pcode\n"
        "430521,邵东市,2,430500\n"
        "430521100,两市镇,3,430521\n"
        "430521100201,东风村,4,430521100\n"
    )
    result = _run(text, tmp_path)
    assert result.created == 3 and not result.errors
    assert Area.objects.get(code="430521100000").name == "两市镇"


def test_a_county_without_its_row_is_created_under_its_code_with_a_warning(db, tmp_path):
    result = _run(NBS.replace("430521000000,,邵东市\n", ""), tmp_path)
    assert result.created == 5 and result.warnings
    county = Area.objects.get(code="430521000000")
    assert county.name == "430521" and county.level == Level.COUNTY
    assert Area.objects.filter(county=county).count() == 6

"""Small malicious files against the sheet reader, with the memory they may take asserted.

Each file is built here, byte for byte the kind an attacker (any user who may import) can send:
a workbook with one cell at XFD1048576, the same with a lying ``<dimension>``, a zip bomb, a CSV
with a cell over 128 KB, a NUL byte. The memory tests read the file in a fresh Python process and
assert its peak resident size (``ru_maxrss``), and that of the parser child it starts.
"""

from __future__ import annotations

import io
import json
import os
import stat
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from fangkong.core import exports, uploads
from fangkong.core.audit import scrub
from fangkong.core.sheets import read_sheet
from fangkong.core.sheets.columns import REGISTER as ALIASES
from fangkong.core.uploads import SheetError
from fangkong.registry.importing import residents_import
from fangkong.registry.models import ImportJob, Resident
from fangkong.registry.tests.factories import make_id_number

HEADER = ["姓名", "身份证号", "联系电话", "家庭住址", "备注"]
ID_A = make_id_number(region="430599", seq=21, sex="M")
ID_B = make_id_number(region="430599", seq=22, sex="F")


def xlsx_with_far_cell(path: Path, *, lie: bool = False) -> Path:
    """Headers in row 1 and one cell at the last column and row (XFD1048576)."""
    book = exports.workbook(str(path))
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, HEADER)
    sheet.write(1048575, 16383, "x")
    book.close()
    if lie:  # the same file, declaring a small range: only the parser meets the far cell
        _rewrite(path, b'<dimension ref="A1:XFD1048576"/>', b'<dimension ref="A1:E2"/>')
    return path


def _rewrite(path: Path, old: bytes, new: bytes) -> None:
    with zipfile.ZipFile(path) as source:
        parts = {info.filename: source.read(info) for info in source.infolist()}
    sheet = parts["xl/worksheets/sheet1.xml"]
    assert old in sheet
    parts["xl/worksheets/sheet1.xml"] = sheet.replace(old, new)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in parts.items():
            target.writestr(name, data)


def zip_bomb(path: Path, *, unpacked_mb: int = 120) -> Path:
    """A valid-looking workbook whose sheet part unpacks to ``unpacked_mb`` of whitespace."""
    small = path.with_name("small.xlsx")
    book = exports.workbook(str(small))
    book.add_worksheet().write_row(0, 0, HEADER)
    book.close()
    with zipfile.ZipFile(small) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                with out.open(info.filename, "w", force_zip64=True) as part:
                    head, tail = data.split(b"<sheetData>")
                    part.write(head + b"<sheetData>")
                    block = b" " * (1024 * 1024)
                    for _ in range(unpacked_mb):
                        part.write(block)
                    part.write(tail)
            else:
                out.writestr(info.filename, data)
    return path


def _read_in_fresh_process(path: Path, memory_mb: int) -> dict:
    """Read the sheet in a new interpreter; its error and peak memory (self, and the parser)."""
    script = textwrap.dedent(
        f"""
        import json, resource, django
        django.setup()
        from fangkong.core.sheets import read_sheet
        from fangkong.core.uploads import SheetError
        from pathlib import Path
        try:
            from fangkong.core.sheets.columns import REGISTER as ALIASES
            sheet = read_sheet(Path({str(path)!r}), {path.name!r}, aliases=ALIASES)
            rows = sum(1 for _ in sheet.rows)
            error = None
        except SheetError as e:
            rows, error = None, str(e)
        print(json.dumps({{
            "error": error, "rows": rows,
            # VmHWM, not ru_maxrss: Linux keeps ru_maxrss across exec (pytest's own size)
            "self_kb": int(next(l for l in open("/proc/self/status") if l.startswith("VmHWM"))
                           .split()[1]),
            "children_kb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
        }}))
        """
    )
    env = os.environ | {
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "FANGKONG_SHEET_MEMORY_MB": str(memory_mb),
    }
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env=env,
        cwd=settings.BASE_DIR,
        timeout=120,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture(autouse=True)
def english():
    """Messages matched in English here (the fresh processes below speak zh-hans, the default)."""
    from django.utils import translation

    with translation.override("en"):
        yield


PROCESS_BUDGET_KB = 250 * 1024  # Django and the apps take about 100 MB; a sheet may not add much


def test_a_cell_at_xfd1048576_is_refused_by_its_declared_dimension(tmp_path):
    path = xlsx_with_far_cell(tmp_path / "far.xlsx")
    assert path.stat().st_size < 10_000
    with pytest.raises(SheetError, match="16384"):
        read_sheet(path, "far.xlsx", aliases=ALIASES)
    measured = _read_in_fresh_process(path, memory_mb=256)
    assert "16384" in measured["error"]
    assert measured["self_kb"] < PROCESS_BUDGET_KB


def test_a_far_cell_behind_a_lying_dimension_dies_in_the_child_not_the_server(tmp_path):
    path = xlsx_with_far_cell(tmp_path / "liar.xlsx", lie=True)
    measured = _read_in_fresh_process(path, memory_mb=256)
    assert measured["error"] and "256 MB" in measured["error"]  # the memory it would need
    assert measured["self_kb"] < PROCESS_BUDGET_KB
    # The parser stopped at its limit (ru_maxrss of a child counts from its fork: about the
    # size of the process that started it, plus what the parser took).
    assert measured["children_kb"] < measured["self_kb"] + 256 * 1024


def test_a_zip_bomb_is_refused_before_it_is_unpacked(tmp_path):
    path = zip_bomb(tmp_path / "bomb.xlsx")
    assert path.stat().st_size < 2 * 1024 * 1024
    measured = _read_in_fresh_process(path, memory_mb=256)
    assert measured["error"] and "压缩炸弹" in measured["error"]  # "zip bomb", in zh-hans
    assert measured["self_kb"] < PROCESS_BUDGET_KB


def test_a_normal_workbook_still_reads_through_the_child(tmp_path):
    path = tmp_path / "ok.xlsx"
    book = exports.workbook(str(path))
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, HEADER)
    sheet.write_row(1, 0, ["王大明", ID_A, "13812345678", "前进村1组", ""])
    book.close()
    sheet_read = read_sheet(path, "ok.xlsx", aliases=ALIASES)
    assert [cells[:2] for _n, cells in sheet_read.rows] == [["王大明", ID_A]]
    assert uploads.declared_rows(path) == 2


def _csv(rows: list[list[str]]) -> bytes:
    return ("\n".join(",".join(r) for r in [HEADER, *rows]) + "\n").encode()


def test_a_cell_over_128_kb_and_a_nul_byte_are_row_errors(tree):
    long_note = "很" * (130 * 1024)
    data = _csv(
        [
            ["王大明", ID_A, "13812345678", "前进村1组1号", long_note],
            ["李\x00小红", ID_B, "", "前进村1组2号", ""],
            ["张三", make_id_number(region="430599", seq=23, sex="M"), "", "前进村2组", ""],
        ]
    )
    result = residents_import(
        source=io.BytesIO(data), filename="a.csv", area=tree["qianjin"], by=None
    )
    assert (result.rows, result.created, result.rejected) == (3, 1, 2)
    by_row = {e.row: e for e in result.errors}
    assert by_row[2].column == "备注" and by_row[2].code == "cell_too_long"
    assert by_row[3].column == "姓名" and by_row[3].code == "cell_nul"
    assert list(Resident.objects.values_list("name", flat=True)) == ["张三"]


def test_a_cell_over_a_megabyte_stops_the_file_with_a_clear_message(tree):
    data = _csv([["王大明", ID_A, "", "", "x" * (2 * 1024 * 1024)]])
    with pytest.raises(SheetError, match="Row 2"):
        residents_import(source=io.BytesIO(data), filename="a.csv", area=tree["qianjin"], by=None)
    assert not Resident.objects.exists()


def test_rows_and_columns_are_bounded(tree, settings):
    settings.FANGKONG_SHEET_MAX_ROWS = 5
    data = _csv([["某", ID_A, "", "", ""]] * 10)
    with pytest.raises(SheetError, match="more than 5 rows"):
        residents_import(source=io.BytesIO(data), filename="a.csv", area=tree["qianjin"], by=None)
    settings.FANGKONG_SHEET_MAX_ROWS = 100
    wide = _csv([["某", ID_A, *["x"] * 200]])
    with pytest.raises(SheetError, match="more than 100 columns"):
        residents_import(source=io.BytesIO(wide), filename="a.csv", area=tree["qianjin"], by=None)


def test_the_error_list_is_capped_and_counts_the_rest(tree):
    data = _csv([["", "", "", "", f"{n}"] for n in range(1500)])
    result = residents_import(
        source=io.BytesIO(data), filename="a.csv", area=tree["qianjin"], by=None
    )
    assert result.rejected == 1500
    assert len(result.errors) == uploads.MAX_ERRORS
    assert result.as_json()["errors_truncated"] is True


def test_uploads_are_0600_and_removed_when_the_import_is_done(tree, users, client):
    client.force_login(users["cadre"])
    data = _csv(
        [
            ["王大明", ID_A, "13812345678", "前进村1组1号", ""],
            ["坏行", "123", "", "", ""],
        ]
    )
    upload = SimpleUploadedFile("a.csv", data)
    response = client.post(
        "/register/import/", {"area": tree["qianjin"].pk, "file": upload}, follow=False
    )
    assert response.status_code == 302, response.content[:500]
    job = ImportJob.objects.get()
    stored = Path(job.stored_path)
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    assert stat.S_IMODE(stored.parent.stat().st_mode) == 0o700
    client.post(f"/register/import/{job.token}/", {"mode": "import"})
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE
    assert not stored.exists()  # the upload went with the import
    sealed = stored.with_suffix(".errors")
    assert stat.S_IMODE(sealed.stat().st_mode) == 0o600
    assert "坏行".encode() not in sealed.read_bytes()  # sealed with the field key
    report = client.get(f"/register/import/{job.token}/errors.xlsx")
    assert report.status_code == 200
    body = b"".join(report.streaming_content)
    with zipfile.ZipFile(io.BytesIO(body)) as book:
        assert "坏行" in book.read("xl/worksheets/sheet1.xml").decode()


def test_expired_uploads_are_removed(settings):
    path = uploads.store_upload([b"abc"], ".csv")
    os.utime(path, (0, 0))
    fresh = uploads.store_upload([b"abc"], ".csv")
    assert uploads.remove_expired_uploads() == 1
    assert not path.exists() and fresh.exists()


def test_exports_write_formulas_as_text(tmp_path):
    evil = ['=HYPERLINK("http://x")', "+1", "-2+3", "@SUM(A1)", "\tx", "\ry", "普通", 12, -5]
    out = io.StringIO()
    exports.csv_writer(out).writerow(evil)
    cells = out.getvalue().strip().split(",")
    assert all(c.lstrip('"').startswith("'") for c in cells[:6]), cells
    assert cells[6:] == ["普通", "12", "-5"]
    path = tmp_path / "e.xlsx"
    book = exports.workbook(str(path))
    book.add_worksheet().write_row(0, 0, evil)
    book.close()
    with zipfile.ZipFile(path) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in xml and "HYPERLINK" not in xml  # a shared string, not a formula


def test_every_export_goes_through_the_writer_helper():
    """No module but core.exports builds an xlsxwriter workbook or a csv.writer."""
    root = Path(settings.BASE_DIR) / "fangkong"
    offenders = []
    for path in root.rglob("*.py"):
        if "tests" in path.parts or path.name == "exports.py":
            continue
        text = path.read_text()
        if "xlsxwriter.Workbook(" in text or "csv.writer(" in text:
            offenders.append(str(path.relative_to(root)))
    assert offenders == []


def test_the_audit_log_never_holds_a_full_number():
    text = f"residents.csv q={ID_A}; phone 13812345678, 0739-5221234 on 2020-01-23, 12 rows"
    cleaned = scrub(text)
    assert ID_A not in cleaned and "13812345678" not in cleaned and "5221234" not in cleaned
    assert "2020-01-23" in cleaned and "12 rows" in cleaned

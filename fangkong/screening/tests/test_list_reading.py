"""Reading a reconciliation list (协查名单) through the shared sheet layer: the same date, phone
and ID parsers as the register import, other column names, permit holders, warnings not losses."""

from __future__ import annotations

import datetime as dt
import io

import xlsxwriter

from fangkong.registry.tests.factories import make_id_number
from fangkong.screening.reconciliation import list_read

A, B, C, D, E = (make_id_number(region="430599", seq=n) for n in range(30, 35))


def test_dates_in_every_form_and_other_column_names():
    text = (
        "序号,姓名,公民身份号码,证件类型,联系方式,滞汉居住地址,离汉时间\n"
        f"1,甲,{A},,15412340101/15412340102,武汉市江岸区,20200123\n"
        f"2,乙,{B},,86-15412340103,武汉市武昌区,2020.1.22\n"
        f"3,丙,{C},,,武汉市洪山区,1月21日\n"
        f"4,丁,{D},,,孝感市,43850\n"
        "5,陈大文,810000198501010133,港澳台居民居住证,,香港,2020/1/20\n"
        f"6,戊,{E},,123,武汉,昨天\n"
        "合计,6人,,,,,\n"
        "填表人：张三,,,,,,\n"
    )
    reading = list_read(io.BytesIO(text.encode("gbk")), "名单.csv")
    rows = {r.name: r for r in reading.rows}
    assert reading.rejected == []
    assert set(rows) == {"甲", "乙", "丙", "丁", "陈大文", "戊"}
    assert rows["甲"].reported_on == dt.date(2020, 1, 23) and rows["甲"].origin == "武汉市江岸区"
    assert rows["甲"].phone == "15412340101"
    assert rows["乙"].reported_on == dt.date(2020, 1, 22) and rows["乙"].phone == "15412340103"
    assert rows["丙"].reported_on == dt.date(2020, 1, 21)  # the year of the rows above
    assert rows["丁"].reported_on == dt.date(2020, 1, 20)  # an Excel serial number
    assert rows["陈大文"].id_number == "810000198501010133"
    # An unreadable date or phone: the person is kept without it, with a warning.
    assert rows["戊"].reported_on is None and rows["戊"].phone == ""
    assert {(w["row"], w["column"]) for w in reading.warnings} == {
        (2, "联系方式"),
        (7, "联系方式"),
        (7, "离汉时间"),
    }
    assert [s["kind"] for s in reading.skipped] == ["total", "footer"]


def test_xlsx_list_with_notes_sheet_first_and_date_cells(tmp_path):
    path = tmp_path / "转运名单.xlsx"
    workbook = xlsxwriter.Workbook(str(path))
    workbook.add_worksheet("填表说明").write(0, 0, "请按要求填写")
    sheet = workbook.add_worksheet("转运名单")
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    sheet.write_row(0, 0, ["姓名", "身份证号", "来源地", "转运时间"])
    sheet.write_row(1, 0, ["甲", A, "武汉"])
    sheet.write_datetime(1, 3, dt.date(2020, 1, 25), date_format)
    old = make_id_number(region="430599", birth=dt.date(1962, 1, 1), seq=40)
    sheet.write_row(2, 0, ["乙", old[:6] + old[8:17], "孝感", "2020-01-26"])  # 15 digits
    workbook.close()
    with path.open("rb") as handle:
        reading = list_read(handle, path.name)
    assert [(r.name, r.reported_on) for r in reading.rows] == [
        ("甲", dt.date(2020, 1, 25)),
        ("乙", dt.date(2020, 1, 26)),
    ]
    assert reading.rows[1].id_number == old
    assert [w["reason"] for w in reading.warnings] == ["15 位身份证号已升级为 18 位。"]

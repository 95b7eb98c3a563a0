"""The register's columns: canonical field → the column names seen in village sheets.

Kept as data in one place; compared after ``fangkong.core.sheets.normalise_header``."""

from __future__ import annotations

ALIASES: dict[str, tuple[str, ...]] = {
    "name": ("姓名", "名字", "居民姓名", "人员姓名", "成员姓名", "name"),
    "id_number": (
        "身份证号",
        "身份证号码",
        "公民身份号码",
        "身份证",
        "证件号码",
        "证件号",
        "居民身份证号",
        "居民身份证号码",
        "idnumber",
    ),
    "id_type": ("证件类型", "证件种类"),
    "phone": ("联系电话", "手机号码", "手机号", "电话", "联系方式", "手机", "电话号码", "phone"),
    "head_name": ("户主姓名", "户主"),
    "relationship": ("与户主关系", "关系", "与户主的关系"),
    "address": ("家庭住址", "住址", "地址", "现住址", "居住地址", "家庭地址", "address"),
    "household_number": ("户号", "户编号", "户籍编号"),
    "group": ("组", "村民小组", "组别", "小组", "所在组", "楼栋", "楼栋号"),
    "grid": ("网格", "所属网格", "网格名称", "网格编号"),
    "sex": ("性别",),
    "birth_date": ("出生日期", "出生年月"),
    "residence_status": ("居住状态", "人员类型", "居住情况", "常住/流动"),
    "low_income": ("低保", "是否低保", "低保户"),
    "elderly_alone": ("独居", "独居老人", "是否独居", "是否独居老人"),
    "chronic_illness": ("慢性病", "重病", "慢性病/重病", "是否慢性病", "重大疾病"),
    "pregnant": ("孕产妇", "是否孕产妇"),
    "disabled": ("残疾", "残疾人", "是否残疾"),
    "notes": ("备注", "说明"),
}

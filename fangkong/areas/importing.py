"""The area tree from a file: the statistical division codes (NBS layout) or a grid sheet.

One importer behind ``fangkong import_areas``, the county administrator's upload page and
``POST /api/v1/areas/import/``. It reads the file with the shared sheet reader, plans what it
would create, change or refuse (row, column, reason), and applies the good rows in one
transaction; a second run of the same file plans nothing and says so.

Division codes: 12 digits, 6 for the county, 3 for the township, 3 for the village; a row's
parent is derived from its code (or checked against a parent column when there is one). Rows
above the county (province, city) are skipped. The urban-rural class (城乡分类代码) is read and
checked (3 digits) but not stored.

Grid sheet: a village (its 12-digit code or its name), the grid's name, an optional local grid
code (the next free number otherwise) and an optional group/building the grid sits in.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.areas.models import Area, Level
from fangkong.core.audit import audit_record
from fangkong.core.models import AuditAction
from fangkong.core.sheets import reading as reader

if TYPE_CHECKING:
    from fangkong.accounts.models import User

ALIASES: dict[str, tuple[str, ...]] = {
    "code": (
        "统计用区划代码",
        "区划代码",
        "行政区划代码",
        "统计用区划代码和城乡划分代码",
        "代码",
        "编码",
        "区划编码",
        "code",
        "areacode",
        "area_code",
        "divisioncode",
    ),
    "name": ("名称", "区划名称", "单位名称", "地名", "网格名称", "网格名", "网格", "name"),
    "level": ("级别", "层级", "等级", "区划级别", "level"),
    "parent": (
        "上级代码",
        "上级区划代码",
        "父级代码",
        "上级编码",
        "上级",
        "parent",
        "pcode",
        "parentcode",
        "parent_code",
    ),
    "category": ("城乡分类代码", "城乡分类", "城乡属性代码", "城乡属性", "category", "type"),
    "village": (
        "村",
        "村名",
        "村名称",
        "村代码",
        "村编码",
        "所属村",
        "所属村社区",
        "村社区",
        "村/社区",
        "村居",
        "社区",
        "village",
    ),
    "grid_code": ("网格编号", "网格代码", "网格编码", "gridcode"),
    "group": ("组", "村民小组", "小组", "组别", "楼栋", "组/楼栋", "小组/楼栋", "group"),
}
# Column header shown in errors when the file has none.
DEFAULT_COLUMNS = {"code": "统计用区划代码", "name": "名称", "category": "城乡分类代码"}

_SPACES = re.compile(r"[\s\u3000\u200b\ufeff]+")
_CJK = re.compile(r"[\u3400-\u9fff\U00020000-\U0003ffff]")
LEVEL_WORDS: dict[str, str] = {
    "1": "province",
    "2": "city",
    "3": Level.COUNTY,
    "4": Level.TOWNSHIP,
    "5": Level.VILLAGE,
    "省": "province",
    "province": "province",
    "市": "city",
    "地": "city",
    "city": "city",
    "县": Level.COUNTY,
    "区": Level.COUNTY,
    "县区": Level.COUNTY,
    "county": Level.COUNTY,
    "district": Level.COUNTY,
    "乡": Level.TOWNSHIP,
    "镇": Level.TOWNSHIP,
    "乡镇": Level.TOWNSHIP,
    "街道": Level.TOWNSHIP,
    "乡镇街道": Level.TOWNSHIP,
    "town": Level.TOWNSHIP,
    "township": Level.TOWNSHIP,
    "村": Level.VILLAGE,
    "社区": Level.VILLAGE,
    "村社区": Level.VILLAGE,
    "村居": Level.VILLAGE,
    "village": Level.VILLAGE,
    "community": Level.VILLAGE,
}


LEVEL_INDEX = {"province": 1, "city": 2, Level.COUNTY: 3, Level.TOWNSHIP: 4, Level.VILLAGE: 5}
INDEX_LEVEL = {n: level for level, n in LEVEL_INDEX.items()}


class AreaImportError(Exception):
    """The file or the county cannot be used at all (nothing is imported)."""


def clean_name(value: object, *, strip_committee: bool = False) -> str:
    """Full-width and stray spaces out (none inside Chinese names); 村委会/居委会 kept as written
    unless ``strip_committee``. Characters outside GBK are kept as they are."""
    text = reader.cell_text(value)
    text = _SPACES.sub(" ", text).strip()
    if _CJK.search(text):
        text = text.replace(" ", "")
    if strip_committee:
        text = strip_committee_suffix(text)
    return text


def strip_committee_suffix(name: str) -> str:
    """前进村委会 → 前进村, 古塘社区居委会 → 古塘社区, 东风居民委员会 → 东风社区."""
    for suffix, place in (
        ("村民委员会", "村"),
        ("村委会", "村"),
        ("居民委员会", "社区"),
        ("居委会", "社区"),
    ):
        if name.endswith(suffix) and len(name) > len(suffix):
            base = name[: -len(suffix)]
            if base.endswith(("村", "社区", "居", "村居")):
                return base
            return base + place
    return name


def division_level(code: str) -> str:
    """province / city / county / township / village from the shape of a 12-digit code."""
    if code[2:] == "0" * 10:
        return "province"
    if code[4:] == "0" * 8:
        return "city"
    if code[6:] == "0" * 6:
        return Level.COUNTY
    if code[9:] == "000":
        return Level.TOWNSHIP
    return Level.VILLAGE


def division_parent(code: str, level: str) -> str:
    if level == Level.TOWNSHIP:
        return code[:6] + "000000"
    if level == Level.VILLAGE:
        return code[:9] + "000"
    return ""


def _digits(value: object) -> str:
    text = reader.cell_text(value)
    return _SPACES.sub("", text)


@dataclass
class RowError:
    row: int
    column: str
    code: str
    message: str


@dataclass
class PlannedArea:
    row: int
    action: str  # create, change, unchanged
    level: str
    code: str
    name: str
    parent: str  # the parent's code (or 'village code/group name' for a grid in a group)
    old_name: str = ""
    parent_key: int = 0  # grids and groups: the parent's pk, or -row of a group planned here

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        del data["parent_key"]
        return data

    @property
    def level_label(self) -> str:
        return str(Level(self.level).label) if self.level in Level.values else self.level


@dataclass
class AreaImportResult:
    kind: str = ""  # divisions or grids
    county: str = ""
    rows: int = 0
    created: int = 0
    changed: int = 0
    unchanged: int = 0
    skipped: int = 0
    rejected: int = 0
    applied: bool = False
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    plan: list[PlannedArea] = field(default_factory=list)

    @property
    def no_change(self) -> bool:
        return not self.created and not self.changed

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "county": self.county,
            "rows": self.rows,
            "created": self.created,
            "changed": self.changed,
            "unchanged": self.unchanged,
            "skipped": self.skipped,
            "rejected": self.rejected,
            "applied": self.applied,
            "no_change": self.no_change,
            "seconds": round(self.seconds, 3),
            "warnings": self.warnings,
            "errors": [asdict(e) for e in self.errors],
            "plan": [p.as_json() for p in self.plan if p.action != "unchanged"],
        }

    def summary(self) -> str:
        if self.no_change:
            return _("No change: the tree already matches the file (%(n)d areas).") % {
                "n": self.unchanged
            } + (" " + _("%(n)d rows refused.") % {"n": self.rejected} if self.rejected else "")
        figures = {
            "created": self.created,
            "changed": self.changed,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
        }
        if self.applied:
            return (
                _(
                    "Created %(created)d, changed %(changed)d, %(unchanged)d unchanged, "
                    "%(rejected)d rows refused."
                )
                % figures
            )
        return (
            _(
                "%(created)d to create, %(changed)d to change, %(unchanged)d unchanged, "
                "%(rejected)d rows refused."
            )
            % figures
        )


@dataclass
class _Record:
    row: int
    cells: dict[str, str]


def _read(source: Path | IO[bytes], filename: str) -> tuple[str, dict[str, str], Iterator[_Record]]:
    """(kind, column header by field, records). A division list without a header (as copied
    from the NBS pages: code, [urban-rural class,] name) is read by the shape of its cells."""
    try:
        sheet = reader.read_sheet(source, filename, aliases=ALIASES)
    except reader.SheetError as error:
        if hasattr(source, "seek"):
            source.seek(0)  # type: ignore[union-attr]
        headerless = _headerless(source, filename)
        if headerless is None:
            raise AreaImportError(
                _(
                    "No header row found: a division list needs a code column (统计用区划代码) "
                    "and a name column (名称); a grid sheet a village column (村) and a grid "
                    "name column (网格名称)."
                )
            ) from error
        return "divisions", dict(DEFAULT_COLUMNS), headerless
    fields = set(sheet.mapping.values())
    if "village" in fields:
        kind = "grids"
    elif "code" in fields:
        kind = "divisions"
    else:
        raise AreaImportError(
            _(
                "The file has neither a code column (统计用区划代码) nor a village column (村): "
                "columns found: %(columns)s"
            )
            % {"columns": "、".join(h for h in sheet.headers if h)}
        )

    def records() -> Iterator[_Record]:
        for number, row in sheet.rows:
            cells = {
                key: reader.cell_text(row[col]) if col < len(row) else ""
                for col, key in sheet.mapping.items()
            }
            yield _Record(number, cells)

    return kind, sheet.column_names, records()


def _headerless(source: Path | IO[bytes], filename: str) -> Iterator[_Record] | None:
    suffix = Path(filename).suffix.lower()
    if suffix == ".csv":
        rows: Iterator[list[Any]] = reader._csv_rows(source, [])  # noqa: SLF001 - the shared reader
    elif suffix in {".xlsx", ".xlsm", ".xls"}:
        rows = reader._excel_rows(reader._workbook(source, suffix).get_sheet_by_index(0))  # noqa: SLF001
    else:
        return None
    head: list[tuple[int, list[str]]] = []
    for number, row in enumerate(rows, start=1):
        cells = [reader.cell_text(c) for c in row]
        if any(cells):
            head.append((number, cells))
        if len(head) >= 5:
            break
    if not head or not all(
        re.fullmatch(r"\d{12}", _digits(cells[0])) for _n, cells in head if cells
    ):
        return None

    def records() -> Iterator[_Record]:
        def one(number: int, cells: list[str]) -> _Record | None:
            if not any(cells):
                return None
            if len(cells) >= 3 and re.fullmatch(r"\d{3}", cells[1].strip()):
                return _Record(number, {"code": cells[0], "category": cells[1], "name": cells[2]})
            return _Record(number, {"code": cells[0], "name": cells[1] if len(cells) > 1 else ""})

        last = 0
        for number, cells in head:
            last = number
            if (record := one(number, cells)) is not None:
                yield record
        number = last
        for row in rows:
            number += 1
            if (record := one(number, [reader.cell_text(c) for c in row])) is not None:
                yield record

    return records()


class _Planner:
    def __init__(
        self,
        *,
        county: Area | None,
        county_code: str,
        columns: dict[str, str],
        strip_committee: bool,
    ) -> None:
        self.county = county
        self.county_code = county_code
        self.columns = columns
        self.strip_committee = strip_committee
        self.result = AreaImportResult(county=county_code)

    def column(self, key: str) -> str:
        return self.columns.get(key) or DEFAULT_COLUMNS.get(key, key)

    def refuse(self, row: int, key: str, code: str, message: str) -> None:
        self.result.errors.append(RowError(row, self.column(key), code, message))


def _existing_divisions(county_code: str) -> dict[str, Area]:
    """Every administrative area whose code is in the county's 6-digit prefix (any county)."""
    return {
        a.code: a
        for a in Area.objects.filter(
            code__startswith=county_code[:6],
            level__in=[Level.COUNTY, Level.TOWNSHIP, Level.VILLAGE],
        )
    }


def plan_divisions(
    records: Iterator[_Record],
    *,
    county: Area | None,
    county_code: str,
    columns: dict[str, str],
    strip_committee: bool,
) -> tuple[AreaImportResult, str]:
    """Check every row; return the plan and the county's name (from the file or the tree)."""
    p = _Planner(
        county=county, county_code=county_code, columns=columns, strip_committee=strip_committee
    )
    result = p.result
    result.kind = "divisions"
    existing = _existing_divisions(county_code)
    seen: dict[str, tuple[int, str]] = {}
    level_offset: int | None = None
    county_name = county.name if county else ""
    planned: list[PlannedArea] = []
    for record in records:
        result.rows += 1
        row = record.row
        raw = record.cells.get("code", "")
        code = _digits(raw)
        name = clean_name(record.cells.get("name", ""), strip_committee=strip_committee)
        if not code:
            p.refuse(row, "code", raw, _("The code is empty."))
            continue
        if not code.isdigit():
            p.refuse(row, "code", raw, _("A division code has only digits."))
            continue
        if len(code) in {6, 9}:
            code = code.ljust(12, "0")  # a county or township written without its zeros
        if len(code) != 12:
            p.refuse(
                row,
                "code",
                raw,
                _("Wrong length: %(n)d digits, a statistical division code has 12.")
                % {"n": len(code)},
            )
            continue
        level = division_level(code)
        if level in {"province", "city"}:
            result.skipped += 1
            continue
        if code[:6] != county_code[:6]:
            p.refuse(
                row,
                "code",
                code,
                _("This code is not in the county %(county)s.") % {"county": county_code},
            )
            continue
        if given := record.cells.get("level", "").strip().lower():
            given_level = LEVEL_WORDS.get(given)
            if given.isdigit():
                # Numbered levels: 1 province … 5 village, or counted from 0 (0 province …).
                if level_offset is None and int(given) + 1 == LEVEL_INDEX[level]:
                    level_offset = 1
                elif level_offset is None:
                    level_offset = 0
                given_level = INDEX_LEVEL.get(int(given) + level_offset)
            if given_level != level:
                p.refuse(
                    row,
                    "level",
                    code,
                    _("The level “%(given)s” does not fit the code, which is a %(level)s.")
                    % {"given": given, "level": Level(level).label},
                )
                continue
        category = _digits(record.cells.get("category", ""))
        if category and (not category.isdigit() or len(category) != 3):
            p.refuse(
                row,
                "category",
                code,
                _("The urban-rural class code has 3 digits (e.g. 111, 220)."),
            )
            continue
        if category and level != Level.VILLAGE:
            p.refuse(
                row, "category", code, _("Only a village or community has an urban-rural class.")
            )
            continue
        parent = division_parent(code, level)
        if given_parent := _digits(record.cells.get("parent", "")):
            given_parent = given_parent.ljust(12, "0") if given_parent.isdigit() else given_parent
            if level == Level.COUNTY:
                pass  # the county's own parent (the city) is outside the tree
            elif given_parent != parent:
                p.refuse(
                    row,
                    "parent",
                    code,
                    _(
                        "The code is not under its parent %(parent)s (it would be under %(derived)s)."
                    )
                    % {"parent": given_parent, "derived": parent},
                )
                continue
        if not name:
            p.refuse(row, "name", code, _("The name is empty."))
            continue
        if len(name) > 100:
            p.refuse(row, "name", code, _("The name is longer than 100 characters."))
            continue
        if code in seen:
            first_row, first_name = seen[code]
            if first_name != name:
                p.refuse(
                    row,
                    "code",
                    code,
                    _("The code is already used in row %(row)d by “%(name)s”.")
                    % {"row": first_row, "name": first_name},
                )
            else:
                result.skipped += 1
            continue
        current = existing.get(code)
        if current is not None and (
            current.level != level or (county is not None and current.county_id != county.pk)
        ):
            p.refuse(
                row,
                "code",
                code,
                _("The code is already used by another area: %(name)s (%(level)s).")
                % {"name": current.name, "level": current.get_level_display()},
            )
            continue
        seen[code] = (row, name)
        if level == Level.COUNTY:
            county_name = county_name or name
        if current is None:
            planned.append(PlannedArea(row, "create", level, code, name, parent))
        elif current.name != name:
            planned.append(PlannedArea(row, "change", level, code, name, parent, current.name))
        else:
            planned.append(PlannedArea(row, "unchanged", level, code, name, parent))
    # Parents: in the tree or in the file (a township refused above leaves its villages orphans).
    known = (
        {county_code}
        | {a.code for a in existing.values() if a.level != Level.VILLAGE}
        | {p_.code for p_ in planned if p_.level != Level.VILLAGE}
    )
    kept: list[PlannedArea] = []
    for item in planned:
        if item.level != Level.COUNTY and item.parent not in known:
            if item.level == Level.VILLAGE and item.parent[:6] + "000000" not in known:
                why = _("Unknown parent: neither its township %(t)s nor its county is known.")
            else:
                why = _(
                    "Unknown parent: the township %(t)s is neither in the tree nor in the file."
                )
            p.refuse(item.row, "code", item.code, why % {"t": item.parent})
            if item.level == Level.TOWNSHIP:
                known.discard(item.code)
            continue
        kept.append(item)
    # A township refused for an unknown parent takes its villages with it.
    result.plan = [i for i in kept if i.level != Level.VILLAGE or i.parent in known]
    for item in kept:
        if item not in result.plan:
            p.refuse(
                item.row,
                "code",
                item.code,
                _("Unknown parent: the township %(t)s was refused.") % {"t": item.parent},
            )
    _count(result)
    return result, county_name


def _count(result: AreaImportResult) -> None:
    result.created = sum(p.action == "create" for p in result.plan)
    result.changed = sum(p.action == "change" for p in result.plan)
    result.unchanged = sum(p.action == "unchanged" for p in result.plan)
    result.rejected = len({e.row for e in result.errors})
    result.errors.sort(key=lambda e: e.row)


def _next_code(taken: set[str]) -> str:
    n = 1
    while f"{n:02d}" in taken:
        n += 1
    code = f"{n:02d}"
    taken.add(code)
    return code


def plan_grids(
    records: Iterator[_Record],
    *,
    county: Area,
    columns: dict[str, str],
    strip_committee: bool,
) -> AreaImportResult:
    p = _Planner(
        county=county, county_code=county.code, columns=columns, strip_committee=strip_committee
    )
    result = p.result
    result.kind = "grids"
    areas = list(Area.objects.subtree(county).filter(retired_on__isnull=True))
    villages = {a.code: a for a in areas if a.level == Level.VILLAGE}
    by_name: dict[str, list[Area]] = {}
    for each in villages.values():
        by_name.setdefault(each.name, []).append(each)
    children: dict[int, dict[str, Area]] = {}  # parent pk → code → area
    for a in Area.objects.subtree(county).filter(level__in=[Level.GROUP, Level.GRID]):
        if a.parent_id is not None:
            children.setdefault(a.parent_id, {})[a.code] = a
    new_groups: dict[tuple[int, str], PlannedArea] = {}
    new_codes: dict[int, set[str]] = {}  # parent key → local codes planned
    seen: dict[tuple[str, str], int] = {}
    for record in records:
        result.rows += 1
        row = record.row
        ref = clean_name(record.cells.get("village", ""))
        name = clean_name(record.cells.get("name", ""), strip_committee=strip_committee)
        if not ref:
            p.refuse(row, "village", "", _("The village is empty."))
            continue
        if ref.isdigit():
            found_by_code = villages.get(ref)
            if found_by_code is None:
                other = Area.objects.filter(code=ref).first() if len(ref) == 12 else None
                if len(ref) != 12:
                    why = _("Wrong length: %(n)d digits, a village's code has 12.") % {
                        "n": len(ref)
                    }
                elif other is not None and other.level != Level.VILLAGE:
                    why = _("%(name)s is a %(level)s: a grid goes under a village.") % {
                        "name": other.name,
                        "level": other.get_level_display(),
                    }
                else:
                    why = _("Unknown parent: no village with this code in the county.")
                p.refuse(row, "village", ref, why)
                continue
            village = found_by_code
        else:
            found = by_name.get(ref) or by_name.get(strip_committee_suffix(ref)) or []
            if len(found) != 1:
                p.refuse(
                    row,
                    "village",
                    ref,
                    _("Unknown parent: no village of this name in the county.")
                    if not found
                    else _("More than one village has this name: give its 12-digit code."),
                )
                continue
            village = found[0]
        if not name:
            p.refuse(row, "name", village.code, _("The grid's name is empty."))
            continue
        if len(name) > 100:
            p.refuse(row, "name", village.code, _("The name is longer than 100 characters."))
            continue
        group_name = clean_name(record.cells.get("group", ""))
        code = _SPACES.sub("", record.cells.get("grid_code", ""))
        if code and (len(code) > 12 or "/" in code):
            p.refuse(row, "grid_code", code, _("Enter a local code of at most 12 characters."))
            continue
        key = (village.code, group_name + "/" + name)
        if key in seen:
            p.refuse(
                row,
                "name",
                village.code,
                _("This grid is already in row %(row)d.") % {"row": seen[key]},
            )
            continue
        # The grid's parent: the village or a group/building in it (existing or new).
        parent_key: int  # a pk, or -(row) of a planned group
        parent_label = village.code
        if group_name:
            group = next(
                (
                    a
                    for a in children.get(village.pk, {}).values()
                    if a.level == Level.GROUP and a.name == group_name
                ),
                None,
            )
            parent_label = f"{village.code}/{group_name}"
            if group is not None:
                parent_key = group.pk
            else:
                planned_group = new_groups.get((village.pk, group_name))
                if planned_group is None:
                    taken = new_codes.setdefault(village.pk, set(children.get(village.pk, {})))
                    planned_group = PlannedArea(
                        row, "create", Level.GROUP, _next_code(taken), group_name, village.code
                    )
                    new_groups[(village.pk, group_name)] = planned_group
                    result.plan.append(planned_group)
                parent_key = -planned_group.row
        else:
            parent_key = village.pk
        siblings = children.get(parent_key, {}) if parent_key > 0 else {}
        same_name = next(
            (a for a in siblings.values() if a.level == Level.GRID and a.name == name), None
        )
        taken = new_codes.setdefault(parent_key, set(siblings))
        if code:
            current = siblings.get(code)
            if current is not None and current.level != Level.GRID:
                p.refuse(
                    row,
                    "grid_code",
                    code,
                    _("The code is already used by another area: %(name)s (%(level)s).")
                    % {"name": current.name, "level": current.get_level_display()},
                )
                continue
            if current is None and code in taken:
                p.refuse(row, "grid_code", code, _("The code is already used in this file."))
                continue
            if current is None and same_name is not None:
                p.refuse(
                    row,
                    "grid_code",
                    code,
                    _("%(name)s already exists with the code %(code)s.")
                    % {"name": name, "code": same_name.code},
                )
                continue
            taken.add(code)
            if current is None:
                item = PlannedArea(row, "create", Level.GRID, code, name, parent_label)
            elif current.name != name:
                item = PlannedArea(
                    row, "change", Level.GRID, code, name, parent_label, current.name
                )
            else:
                item = PlannedArea(row, "unchanged", Level.GRID, code, name, parent_label)
        elif same_name is not None:
            item = PlannedArea(row, "unchanged", Level.GRID, same_name.code, name, parent_label)
        else:
            item = PlannedArea(row, "create", Level.GRID, _next_code(taken), name, parent_label)
        seen[key] = row
        item.parent_key = parent_key
        result.plan.append(item)
    for group_item in new_groups.values():
        group_item.parent_key = villages[group_item.parent].pk
    _count(result)
    return result


def _resolve_county(county_code: str | None, user: User | None) -> tuple[Area | None, str]:
    if user is not None:
        if not user.is_county_admin or user.area is None:
            raise AreaImportError(_("Only a county administrator imports areas."))
        county = (
            user.area if user.area.county_id is None else Area.objects.get(pk=user.area.county_id)
        )
        if county_code and _pad(county_code) != county.code:
            raise AreaImportError(_("You may import areas into your own county only."))
        return county, county.code
    if not county_code:
        return None, ""
    code = _pad(county_code)
    if not (code.isdigit() and len(code) == 12):
        raise AreaImportError(_("A county's code has 6 or 12 digits."))
    return Area.objects.filter(code=code, level=Level.COUNTY).first(), code


def _pad(code: str) -> str:
    code = _SPACES.sub("", code)
    return code + "000000" if len(code) == 6 else code


def import_areas(
    source: Path | IO[bytes],
    filename: str,
    *,
    by: User | None = None,
    county_code: str | None = None,
    county_name: str = "",
    dry_run: bool = False,
    strip_committee: bool = False,
    today: dt.date | None = None,
) -> AreaImportResult:
    """Read, check, and (unless ``dry_run``) apply. ``by`` is the county administrator of the web
    page and the API (the county is theirs); the command passes no user and may name the county
    or let the file's codes name it (and create it when the file has its row)."""
    started = time.perf_counter()
    county, code = _resolve_county(county_code, by)
    try:
        kind, columns, records = _read(source, filename)
    except reader.SheetError as error:
        raise AreaImportError(str(error)) from error
    if kind == "grids":
        if county is None:
            raise AreaImportError(
                _("Name the county (--county CODE) whose villages the grid sheet refers to.")
            )
        result = plan_grids(
            records, county=county, columns=columns, strip_committee=strip_committee
        )
    else:
        if not code:
            records, code = _peek_county(records)
            county = Area.objects.filter(code=code, level=Level.COUNTY).first()
        result, found_name = plan_divisions(
            records,
            county=county,
            county_code=code,
            columns=columns,
            strip_committee=strip_committee,
        )
        county_name = county_name or found_name
        if county is None and not county_name:
            # A county's list of townships and villages without its own row: the county is
            # created under its code, to be renamed on the tree page.
            county_name = code[:6]
            result.warnings.append(
                _(
                    "The file has no row for the county %(code)s: it is created with its code as "
                    "its name; rename it on the tree page (or give --county-name)."
                )
                % {"code": code}
            )
    result.county = code
    if not dry_run and not result.no_change:
        try:
            _apply(
                result, by=by, county=county, county_code=code, county_name=county_name, today=today
            )
        except IntegrityError as error:
            raise AreaImportError(
                _(
                    "The tree changed while the file was being imported; nothing was written. Try again."
                )
            ) from error
        result.applied = True
    result.seconds = time.perf_counter() - started
    return result


def _peek_county(records: Iterator[_Record]) -> tuple[Iterator[_Record], str]:
    """The county of a division list without --county: the first county-level or lower code."""
    buffered: list[_Record] = []
    code = ""
    for record in records:
        buffered.append(record)
        digits = _digits(record.cells.get("code", ""))
        if (
            len(digits) == 12
            and digits.isdigit()
            and division_level(digits)
            not in {
                "province",
                "city",
            }
        ):
            code = digits[:6] + "000000"
            break
    if not code:
        raise AreaImportError(_("The file has no county, township or village code."))

    def chained() -> Iterator[_Record]:
        yield from buffered
        yield from records

    return chained(), code


@transaction.atomic
def _apply(
    result: AreaImportResult,
    *,
    by: User | None,
    county: Area | None,
    county_code: str,
    county_name: str,
    today: dt.date | None,
) -> None:
    """Write the plan: new areas level by level in bulk (paths computed here), renames in bulk,
    one audit event. Dated from today: they are expected to report from today, not before."""
    day = today or timezone.localdate()
    if county is None:
        county = Area(name=county_name, level=Level.COUNTY, code=county_code, established_on=day)
        county.save()
    if result.kind == "divisions":
        by_code = {
            a.code: a
            for a in Area.objects.subtree(county).filter(
                level__in=[Level.COUNTY, Level.TOWNSHIP, Level.VILLAGE]
            )
        }
        renames: list[Area] = []
        for level in (Level.COUNTY, Level.TOWNSHIP, Level.VILLAGE):
            new: list[Area] = []
            for item in result.plan:
                if item.level != level:
                    continue
                if item.action == "change":
                    area = by_code[item.code]
                    area.name = item.name
                    renames.append(area)
                elif item.action == "create":
                    if level == Level.COUNTY:
                        continue  # created above (or already there)
                    parent = by_code[item.parent]
                    new.append(_new_area(parent, item, day))
            for area in Area.objects.bulk_create(new):
                by_code[area.code] = area
        if renames:
            Area.objects.bulk_update(renames, ["name"])
    else:
        parents: dict[int, Area] = {}
        ids = {i.parent_key for i in result.plan if i.parent_key > 0}
        for area in Area.objects.filter(pk__in=ids):
            parents[area.pk] = area
        groups = [i for i in result.plan if i.level == Level.GROUP]
        created_groups = Area.objects.bulk_create(
            [_new_area(parents[g.parent_key], g, day) for g in groups]
        )
        for item, area in zip(groups, created_groups, strict=True):
            parents[-item.row] = area
        grids = [i for i in result.plan if i.level == Level.GRID and i.action == "create"]
        Area.objects.bulk_create([_new_area(parents[g.parent_key], g, day) for g in grids])
        for item in result.plan:
            if item.level == Level.GRID and item.action == "change":
                Area.objects.filter(parent=parents[item.parent_key], code=item.code).update(
                    name=item.name
                )
    audit_record(
        user=by,
        action=AuditAction.IMPORT,
        area=county,
        rows=result.created + result.changed,
        detail=f"areas:{result.kind} created={result.created} changed={result.changed}",
    )


def _new_area(parent: Area, item: PlannedArea, day: dt.date) -> Area:
    return Area(
        parent=parent,
        county_id=parent.county_id or parent.pk,
        name=item.name,
        level=item.level,
        code=item.code,
        path=f"{parent.path}{item.code}/",
        depth=parent.depth + 1,
        established_on=day,
    )

"""``fangkong import_residents PATH --area CODE``: the same importer as the web upload and API.

Exit status: 0 nothing rejected, 1 some rows rejected, 2 the file, the area, the column map or
the user's right to import there is unusable (one line in Chinese, no traceback).
``--profile NAME`` uses a column profile saved on the preview page; ``--map FILE`` a map file.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandParser
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from fangkong.accounts.models import User
from fangkong.areas.models import Area
from fangkong.registry.importing import SheetError, residents_import
from fangkong.registry.importing.jobs import read_column_map
from fangkong.registry.models import ImportProfile


class Command(BaseCommand):
    help = "Import residents from an .xlsx, .xls or .csv sheet into an area (village or grid)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument("--area", required=True, help="division code or local path code")
        parser.add_argument("--dry-run", action="store_true", help="validate, write nothing")
        parser.add_argument("--format", choices=["text", "json"], default="text")
        parser.add_argument(
            "--jobs",
            type=int,
            default=min(os.cpu_count() or 1, 4),
            help="processes that validate and encrypt rows (default: the CPUs, at most 4)",
        )
        parser.add_argument("--sheet", help="the worksheet to read (default: the best header)")
        columns = parser.add_mutually_exclusive_group()
        columns.add_argument("--profile", help="a column profile saved for the area (its name)")
        columns.add_argument(
            "--map",
            type=Path,
            help='a column map file: JSON {"列名": "字段"} or CSV lines 列名,字段 (empty: ignore)',
        )
        parser.add_argument(
            "--user",
            help="import as this user (their scope and role are checked; default: system)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        as_json = options["format"] == "json"
        out = sys.stdout
        console = Console(file=out, stderr=False)
        err = Console(stderr=True)

        def fail(message: str) -> None:
            if as_json:
                out.write(json.dumps({"error": message}, ensure_ascii=False) + "\n")
            else:
                err.print(f"[red]{message}[/red]")
            sys.exit(2)

        path: Path = options["path"]
        if not path.is_file():
            fail(f"文件不存在: {path}")
        area = Area.objects.filter(code=options["area"]).order_by("depth").first()
        if area is None:
            area = Area.objects.filter(path__endswith=f"/{options['area']}/").first()
        if area is None:
            fail(f"找不到区域代码 {options['area']}")
            return
        user = None
        if options.get("user"):
            user = User.objects.filter(username=options["user"]).select_related("area").first()
            if user is None:
                fail(f"找不到用户 {options['user']}")
        if user is not None and (not user.can_write_register or not user.can_see_area(area)):
            fail(f"用户 {user.username} 无权导入到 {area.name}")  # type: ignore[union-attr]
        columns: dict[str, str] | None = None
        sheet_name = options.get("sheet")
        if options.get("profile"):
            profile = (
                ImportProfile.objects.for_area(area).filter(name=options["profile"]).first()  # type: ignore[arg-type]
            )
            if profile is None:
                fail(f"找不到导入方案 {options['profile']}")
                return
            columns, sheet_name = dict(profile.columns), sheet_name or profile.sheet_name or None
        elif options.get("map"):
            try:
                columns = read_column_map(options["map"])
            except (OSError, UnicodeDecodeError) as error:
                fail(f"无法读取列映射文件: {error}")
            except SheetError as error:
                fail(str(error))
        show_progress = not as_json and console.is_terminal
        progress = Progress(
            TextColumn("导入"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
            disable=not show_progress,
        )
        with progress:
            task = progress.add_task("rows", total=None)
            try:
                result = residents_import(
                    source=path,
                    filename=path.name,
                    area=area,  # type: ignore[arg-type]
                    by=user,
                    dry_run=options["dry_run"],
                    progress=lambda n: progress.update(task, completed=n),
                    workers=max(1, options["jobs"]),
                    sheet_name=sheet_name,
                    columns=columns,
                )
            except SheetError as error:
                fail(str(error))
                return
            except PermissionDenied:
                fail("无权导入到该区域")
                return
        if as_json:
            out.write(json.dumps(result.as_json(), ensure_ascii=False) + "\n")
        else:
            title = "校验结果(未写入)" if result.dry_run else "导入结果"
            console.print(
                f"{title}: {result.rows} 行, 新增 {result.created}, 更新 {result.updated}, "
                f"未变 {result.unchanged}, 拒绝 {result.rejected}"
            )
            if result.sheet_name:
                console.print(f"工作表: {result.sheet_name}")
            if result.unmapped_columns:
                console.print("未识别的列: " + ", ".join(result.unmapped_columns))
            if result.skipped:
                console.print(
                    f"跳过 {len(result.skipped)} 行非人员行(合计、标题、填表人): "
                    + ", ".join(str(s["row"]) for s in result.skipped[:20])
                )
            if result.warnings:
                console.print(f"提醒 {len(result.warnings)} 条(人员已导入):")
                for w in result.warnings[:50]:
                    console.print(f"  第 {w.row} 行 {w.column}: {w.message}")
            if result.errors:
                table = Table("行", "列", "代码", "原因")
                for e in result.errors[:200]:
                    table.add_row(str(e.row), e.column, e.code, e.message)
                console.print(table)
                if len(result.errors) > 200:
                    console.print(f"…另有 {len(result.errors) - 200} 条错误")
        sys.exit(1 if result.rejected else 0)

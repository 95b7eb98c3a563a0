"""``fangkong load_demo``: the demo county of seed 002: its users and register (``registry.demo``),
then each capability's own demo in the order they build on each other. Idempotent."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from fangkong.care import demo as care_demo
from fangkong.measures import demo as measures_demo
from fangkong.monitoring import demo as monitoring_demo
from fangkong.registry import demo as registry_demo
from fangkong.reports import demo as reports_demo
from fangkong.screening import demo as screening_demo
from fangkong.supplies import demo as supplies_demo
from fangkong.workforce import demo as workforce_demo


class Command(BaseCommand):
    help = "Load the demo county (双清区火车站乡, 4,248 households) and one demo login per role."

    def handle(self, *args: Any, **options: Any) -> None:
        console = Console(file=self.stdout._out)  # type: ignore[arg-type]  # the real stream
        started = time.monotonic()
        with transaction.atomic():
            areas = registry_demo.build_areas()
            users = registry_demo.build_users(areas)
        with Progress(console=console, transient=True) as progress:
            task = progress.add_task("households", total=registry_demo.TOTAL_HOUSEHOLDS)
            households, residents = registry_demo.build_register(
                areas, progress=lambda n: progress.advance(task, n)
            )
        if households:
            console.print(
                f"demo: {households} households, {residents} residents "
                f"in {time.monotonic() - started:.1f} s"
            )
        else:
            console.print("demo: the demo county is already loaded; nothing added")
        screening = screening_demo.build_screening(areas)
        if screening:
            console.print(
                f"demo: screening round {screening.round.name}: {screening.visits} visits, "
                f"{screening.people} people checked"
            )
        monitored = monitoring_demo.build_monitoring(areas)
        if monitored:
            console.print(
                f"demo: {monitored['cases']} people under observation "
                f"({monitored['released']} released), {monitored['checkins']} check-ins"
            )
        if staffed := workforce_demo.build_workforce(areas):
            console.print(
                f"demo: {staffed['checkpoints']} checkpoints, {staffed['passages']} passages "
                f"and {staffed['passes']} passes in {workforce_demo.DAYS} days; "
                f"{staffed['workers']} people at work in {staffed['branches']} branches, "
                f"{staffed['shifts']} shifts, {staffed['points']} red points"
            )
        if supplies_demo.build_supplies(areas):
            console.print("demo: stores of the township and its villages, with their stock")
        if measured := measures_demo.build_measures(areas):
            console.print(
                f"demo: {measured['disinfections']} disinfections, {measured['venues']} venues "
                f"closed, {measured['inspections']} inspections"
            )
        if cared := care_demo.build_care(areas):
            console.print(
                f"demo: {cared['errands']} errands ({cared['waiting']} waiting), "
                f"{cared['plans']} care plans"
            )
        if reported := reports_demo.build_reports(areas):
            console.print(
                f"demo: {reported} daily reports of the {reports_demo.DAYS} days before today "
                "(today's are the cadres' to submit)"
            )
        table = Table(title=f"Demo logins (password: {registry_demo.DEMO_PASSWORD})")
        table.add_column("user")
        table.add_column("role")
        table.add_column("area")
        for spec in (u for u in users if u.listed):
            table.add_row(spec.username, str(spec.role.label), areas[spec.area_code].name)
        console.print(table)

"""Every URL the project registers keeps the area rule: walk them all, so no page can forget it.

For each route, with the objects of 前进村 filled in:

* anonymous: a page redirects to the login page, an API route answers 401/403, for every method;
* the county administrator (who may see 前进村; or the owner named in ``OWNERS``) gets the page:
  proves the URL really points at an object, so the checks below are not passing by accident;
* ``stranger``, a village cadre of 白云村 in the same county: a route about a 前进村 object is a 404
  (405 for a method the route does not have, 403 for a role gate that answers the same for a
  missing object), never a 2xx or a redirect, whatever the method; a route without an object may
  answer (it is his own list, form or home page) but never shows anything of 前进村, and nothing
  he posts (a form, a JSON body, an uploaded sheet aimed at 前进村) is written;
* ``viewer``, read-only for the whole county: whatever he posts anywhere, nothing is written and
  nothing is revealed.

A new route with an object in its URL must be added to ``OBJECT_KWARGS`` (or be a DRF route whose
basename is in ``API_BASENAMES``): the walk fails loudly otherwise.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.resolvers import RegexPattern, RoutePattern

from fangkong.accounts.models import Role, User
from fangkong.accounts.tests.factories import UserFactory
from fangkong.areas.models import Area
from fangkong.care import services as care_services
from fangkong.care.models import CarePlan, CareVisit, Errand
from fangkong.checkpoints import services as checkpoint_services
from fangkong.checkpoints.models import Checkpoint, HouseholdPass, Passage, PreRegistration
from fangkong.core.clock import today_local
from fangkong.core.models import AuditAction, AuditEvent
from fangkong.measures import services as measure_services
from fangkong.measures.models import (
    Accountability,
    Disinfection,
    Finding,
    Gathering,
    Inspection,
    KeyPlace,
    Publicity,
    Venue,
    VenueCheck,
)
from fangkong.monitoring import services as monitoring_services
from fangkong.monitoring.models import Alert, CheckIn, ObservationCase
from fangkong.registry.importing import jobs as import_jobs
from fangkong.registry.models import Household, ImportJob, Resident
from fangkong.registry.tests.factories import HouseholdFactory, ResidentFactory, make_id_number
from fangkong.reports import services as report_services
from fangkong.reports.models import DailyReport
from fangkong.screening import services as screening_services
from fangkong.screening.models import (
    HouseholdVisit,
    ReconciliationEntry,
    ReconciliationList,
    RiskArea,
    ScreeningRound,
)
from fangkong.screening.tests.factories import RiskAreaFactory, RoundFactory, record_visit
from fangkong.supplies import services as supply_services
from fangkong.supplies.models import Donation, LedgerEntry, StockBalance, Store
from fangkong.workforce import services as workforce_services
from fangkong.workforce.models import (
    PartyBranch,
    PointEntry,
    PointRule,
    Post,
    Shift,
    ShiftAssignment,
    Team,
    TeamMember,
    Worker,
)

# Routes left out of the walk, and why. Anything else is walked.
SKIPPED_PREFIXES = {
    "admin/": "Django admin: its own staff login, for superusers of the deployment, not scoped",
    "i18n/": "set_language: public by design, stores a language choice and shows no data",
    settings.STATIC_URL: "static files (WhiteNoise serves them; no view, no data)",
}
SKIPPED_NAMES = {
    "accounts:login": "must be reachable anonymously: it is where everyone is sent",
    "accounts:logout": "must work for anyone; it only ends the session",
    "api-schema": "the OpenAPI description of /api/v1/: field names and shapes, no data",
    "api-token": "obtaining an API token is the API's login: reachable anonymously by design",
    "healthz": "the monitoring's health check: no login, answers only whether the database does",
    "self_report": (
        "the personal self-report link (/r/<token>/) needs no account by design: only the holder "
        "of the unguessable token reaches one person's form (tested in monitoring/tests/test_views.py)"
    ),
    "self_register": (
        "a checkpoint's self-registration poster (/k/<token>/) needs no account by design: it "
        "shows a form and stores a pending entry, never reads anything back (tested in "
        "checkpoints/tests/test_views.py)"
    ),
    "errand_request": (
        "the errand form on the same personal link (/r/<token>/errand/): no account by design, "
        "same token and rate limit (tested in care/tests/test_views.py)"
    ),
}

SECRET_HEAD = "保密户主甲"
SECRET_ADDRESS = "前进村幸福路8号"
SECRET_RESIDENT = "保密居民乙"
SECRET_ID = make_id_number(seq=77)
SECRET_PHONE = "13912340077"
SECRET_HOUSEHOLD_PHONE = "13912340088"


@dataclass(frozen=True)
class Objects:
    village: Area
    grid: Area
    household: Household
    resident: Resident
    import_job: ImportJob
    round: ScreeningRound
    visit: HouseholdVisit
    risk_area: RiskArea
    case: ObservationCase
    alert: Alert
    reconciliation_list: ReconciliationList
    entry: ReconciliationEntry
    report: DailyReport
    checkpoint: Checkpoint
    passage: Passage
    household_pass: HouseholdPass
    pre_registration: PreRegistration
    worker: Worker
    shift: Shift
    assignment: ShiftAssignment
    assignment_in: ShiftAssignment
    branch: PartyBranch
    team: Team
    point: PointEntry
    errand: Errand
    care_plan: CarePlan
    store: Store
    donation: Donation
    key_place: KeyPlace
    gathering: Gathering
    venue: Venue
    inspection: Inspection
    finding: Finding
    account: User | None = None  # an account of 前进村 (the county administrator manages it)


KwargsFor = Callable[[Objects], dict[str, object]]


def _handed_out(o: Objects) -> object:
    """The hand-out from 前进村's store to one of its households."""
    from fangkong.supplies.models import LedgerEntry

    return LedgerEntry.objects.filter(store=o.store, kind="handed_out").order_by("pk").first()


def _report_version(o: Objects) -> object:
    """The first version of 前进村's submitted report (an amendment the level above acknowledges)."""
    from fangkong.reports.models import ReportVersion

    version = ReportVersion.objects.filter(report=o.report).order_by("pk").first()
    assert version is not None
    return version.pk


# Web routes whose URL holds an object of 前进村, by URL name.
OBJECT_KWARGS: dict[str, KwargsFor] = {
    "areas:area_add": lambda o: {"parent_pk": o.village.pk},
    "areas:area_edit": lambda o: {"pk": o.village.pk},
    "areas:children": lambda o: {"pk": o.village.pk},
    # The county's settings (county administrator only: 403 for every other role).
    "county_settings-detail": lambda o: {"pk": o.village.county_id},
    "accounts:user_edit": lambda o: {"pk": o.account.pk},  # type: ignore[union-attr]
    "accounts:user_active": lambda o: {"pk": o.account.pk},  # type: ignore[union-attr]
    "accounts:user_password": lambda o: {"pk": o.account.pk},  # type: ignore[union-attr]
    "registry:household_detail": lambda o: {"pk": o.household.pk},
    "registry:household_edit": lambda o: {"pk": o.household.pk},
    "registry:resident_create": lambda o: {"household_pk": o.household.pk},
    "registry:resident_detail": lambda o: {"pk": o.resident.pk},
    "registry:resident_edit": lambda o: {"pk": o.resident.pk},
    "registry:reveal": lambda o: {"kind": "resident", "pk": o.resident.pk, "field": "id_number"},
    "registry:import_preview": lambda o: {"token": o.import_job.token},
    "registry:import_status": lambda o: {"token": o.import_job.token},
    "registry:import_errors": lambda o: {"token": o.import_job.token},
    "registry:export_status": lambda o: _export_job(o),
    "registry:export_download": lambda o: _export_job(o),
    "screening:round_detail": lambda o: {"pk": o.round.pk},
    "screening:round_close": lambda o: {"pk": o.round.pk},
    "screening:unvisited": lambda o: {"pk": o.round.pk},
    "screening:visit_create": lambda o: {"pk": o.round.pk, "household_pk": o.household.pk},
    "screening:visit_detail": lambda o: {"pk": o.visit.pk},
    # Risk areas are not 前进村's: a county administrator's page, 403 for everyone else.
    "screening:risk_area_edit": lambda o: {"pk": o.risk_area.pk},
    "monitoring:case_detail": lambda o: {"pk": o.case.pk},
    "monitoring:case_confirm": lambda o: {"pk": o.case.pk},
    "monitoring:case_release": lambda o: {"pk": o.case.pk},
    "monitoring:case_end_early": lambda o: {"pk": o.case.pk},
    "monitoring:case_end_undo": lambda o: {"pk": o.case.pk},
    "monitoring:case_extend": lambda o: {"pk": o.case.pk},
    "monitoring:checkin_create": lambda o: {"pk": o.case.pk},
    "monitoring:case_link": lambda o: {"pk": o.case.pk},
    "monitoring:alert_handle": lambda o: {"pk": o.alert.pk},
    "monitoring:village_help": lambda o: {"pk": o.village.pk},
    "screening:list_detail": lambda o: {"pk": o.reconciliation_list.pk},
    "screening:list_feedback": lambda o: {"pk": o.reconciliation_list.pk},
    "screening:list_deadline": lambda o: {"pk": o.reconciliation_list.pk},
    "screening:entry_close": lambda o: {"pk": o.entry.pk},
    "reports:village_report": lambda o: {"pk": o.village.pk},
    "reports:village_amend": lambda o: {"pk": o.village.pk},
    "reports:area_rollup": lambda o: {"pk": o.village.pk},
    "reports:area_export": lambda o: {"pk": o.village.pk},
    "reports:dashboard": lambda o: {"pk": o.village.pk},
    "reports:figure_records": lambda o: {"key": "households", "pk": o.village.pk},
    "reports:remind": lambda o: {"pk": o.village.pk},
    # The township's sheet (a village sends its report, not a sheet): 火车站乡 is above 前进村.
    "reports:sheet_send": lambda o: {"pk": o.village.parent_id},
    "reports:amendment_acknowledge": lambda o: {"kind": "report", "pk": _report_version(o)},
    "checkpoints:desk": lambda o: {"pk": o.checkpoint.pk},
    "checkpoints:desk_check": lambda o: {"pk": o.checkpoint.pk},
    "checkpoints:edit": lambda o: {"pk": o.checkpoint.pk},
    "checkpoints:scan": lambda o: {"pk": o.checkpoint.pk},
    "checkpoints:poster": lambda o: {"pk": o.checkpoint.pk},
    "checkpoints:pending_confirm": lambda o: {
        "pk": o.checkpoint.pk,
        "pre_pk": o.pre_registration.pk,
    },
    "checkpoints:referral_propose": lambda o: {"pk": o.passage.pk},
    "checkpoints:pass_create": lambda o: {"household_pk": o.household.pk},
    "checkpoints:pass_detail": lambda o: {"pk": o.household_pass.pk},
    "pass_check": lambda o: {"token": o.household_pass.token},
    "workforce:clock_in": lambda o: {"pk": o.assignment.pk},
    "workforce:clock_out": lambda o: {"pk": o.assignment_in.pk},
    "workforce:swap": lambda o: {"pk": o.assignment.pk},
    "workforce:call_partner": lambda o: {"pk": o.assignment.pk},
    "workforce:shift_assign": lambda o: {"pk": o.shift.pk},
    "workforce:worker_detail": lambda o: {"pk": o.worker.pk},
    # Clocking out needs a clock-in: the assignment already clocked in.
    "assignment-clock-out": lambda o: {"pk": o.assignment_in.pk},
    "care:errand_detail": lambda o: {"pk": o.errand.pk},
    "care:errand_take": lambda o: {"pk": o.errand.pk},
    "care:errand_assign": lambda o: {"pk": o.errand.pk},
    "care:errand_done": lambda o: {"pk": o.errand.pk},
    "care:errand_cancel": lambda o: {"pk": o.errand.pk},
    "care:errand_repay": lambda o: {"pk": o.errand.pk},
    "care:plan_detail": lambda o: {"pk": o.care_plan.pk},
    "care:plan_visit": lambda o: {"pk": o.care_plan.pk},
    "care:plan_end": lambda o: {"pk": o.care_plan.pk},
    "supplies:store_detail": lambda o: {"pk": o.store.pk},
    "supplies:movement": lambda o: {"pk": o.store.pk, "kind": "handout"},
    "supplies:donation_receipt": lambda o: {"pk": o.donation.pk},
    "supplies:entry_correct": lambda o: {"pk": _handed_out(o).pk},  # type: ignore[attr-defined]
    # Lists from above are the township's: their API by object, not by basename (the list of
    # lists names no 前进村 data to prove a leak check with).
    "reconciliation_list-detail": lambda o: {"pk": o.reconciliation_list.pk},
    "reconciliation_list-feedback": lambda o: {"pk": o.reconciliation_list.pk},
    "reconciliation_list-deadline": lambda o: {"pk": o.reconciliation_list.pk},
    "measures:disinfection_record": lambda o: {"pk": o.key_place.pk},
    "measures:gathering_outcome": lambda o: {"pk": o.gathering.pk},
    "measures:venue_check": lambda o: {"pk": o.venue.pk},
    "measures:inspection_detail": lambda o: {"pk": o.inspection.pk},
    "measures:finding_add": lambda o: {"pk": o.inspection.pk},
    "measures:accountability_add": lambda o: {"pk": o.inspection.pk},
    "measures:finding_close": lambda o: {"pk": o.finding.pk},
    # An API token of the upload's owner (the cadre): only its owner may revoke it.
    "accounts:token_revoke": lambda o: {"pk": _cadre_token(o)},
}


def _export_job(o: Objects) -> dict[str, object]:
    """A large export of 前进村's register queued by the cadre (only its owner opens it)."""
    import secrets

    from fangkong.registry.models import ExportJob

    job = ExportJob.objects.filter(user=o.import_job.user, scope=o.village).first()
    if job is None:
        job = ExportJob.objects.create(
            token=secrets.token_hex(16),
            user=o.import_job.user,
            scope=o.village,
            area=o.village,
            kind="residents",
            filename="export.xlsx",
            status=ExportJob.Status.DONE,
        )
        # The finished file, sealed as the worker leaves it (its download answers the owner).
        from fangkong.core import crypto
        from fangkong.registry.export_jobs import export_path

        path = export_path(job)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(crypto.encrypt_bytes(b"PK"))
    return {"token": job.token}


def _cadre_token(o: Objects) -> int:
    from fangkong.accounts.models import ApiToken
    from fangkong.accounts.tokens import api_token_issue

    existing = ApiToken.objects.filter(user=o.import_job.user).first()
    return existing.pk if existing else api_token_issue(user=o.import_job.user)[0].pk


# String kwargs that name an object (replaced by a missing one to compare answers); other string
# kwargs (``kind``, ``field``) are part of the route and stay as they are.
OBJECT_STR_KWARGS = {"token"}
# Who, besides the stranger, may open each object route: the positive control. The county
# administrator sees all of 前进村; a route whose object belongs to one user (an upload, say)
# names that user here (a key of the ``users`` fixture).
OWNERS: dict[str, str] = {
    # An upload is seen by the user who made it only.
    "registry:import_preview": "cadre",
    "registry:import_status": "cadre",
    "registry:import_errors": "cadre",
    "registry:export_status": "cadre",
    "registry:export_download": "cadre",
    "accounts:token_revoke": "cadre",
    # One clocks in and out of one's own shifts only.
    "workforce:clock_in": "grid_worker",
    "workforce:clock_out": "grid_worker",
    "assignment-clock-in": "grid_worker",
    "assignment-clock-out": "grid_worker",
    # Counties are created by a province / system administrator (no area of their own).
    "accounts:county_list": "province_admin",
}
DEFAULT_OWNER = "county_admin"
# DRF router routes are named ``<basename>-<action>``; ``pk`` is an object of that basename.
API_BASENAMES: dict[str, Callable[[Objects], object]] = {
    "area": lambda o: o.village,
    "household": lambda o: o.household,
    "resident": lambda o: o.resident,
    "round": lambda o: o.round,
    "visit": lambda o: o.visit,
    "case": lambda o: o.case,
    "alert": lambda o: o.alert,
    "reconciliation_entry": lambda o: o.entry,
    "ledger": lambda o: _handed_out(o),
    "report": lambda o: o.report,
    "checkpoint": lambda o: o.checkpoint,
    "passage": lambda o: o.passage,
    "pass": lambda o: o.household_pass,
    "shift": lambda o: o.shift,
    "assignment": lambda o: o.assignment,
    "worker": lambda o: o.worker,
    "branch": lambda o: o.branch,
    "team": lambda o: o.team,
    "point": lambda o: o.point,
    "errand": lambda o: o.errand,
    "care_plan": lambda o: o.care_plan,
    "store": lambda o: o.store,
    "donation": lambda o: o.donation,
    "key_place": lambda o: o.key_place,
    "gathering": lambda o: o.gathering,
    "venue": lambda o: o.venue,
    "inspection": lambda o: o.inspection,
    "finding": lambda o: o.finding,
}
# Nested API routes name their parent objects by kwarg.
API_PARENT_KWARGS: dict[str, Callable[[Objects], object]] = {
    "area_pk": lambda o: o.village,
    "household_pk": lambda o: o.household,
    "resident_pk": lambda o: o.resident,
}
# API routes whose default answer (the caller's own area) is a roll-up above the villages: the
# county's control request names a township so that 前进村 appears in it (the stranger asks with
# no query, i.e. for his own area; his request for another area is refused in the app's tests).
CONTROL_QUERY: dict[str, Callable[[Objects], dict[str, object]]] = {
    "report-live": lambda o: {"area": o.village.parent_id},
}
FORMAT_KWARG = "format"

# 404: not there for him; 405: a method the route does not have; 403: a role gate that answers
# the same for any object, existing or not (checked against a missing pk, so it confirms nothing).
SAFE_STATUSES_FOR_STRANGER_ON_OBJECTS = {403, 404, 405}
MISSING_PK = 987654321


@dataclass(frozen=True)
class Route:
    name: str
    pattern: str
    kwargs: tuple[str, ...]

    @property
    def is_api(self) -> bool:
        return self.pattern.startswith("api/")

    @property
    def object_kwargs(self) -> tuple[str, ...]:
        return tuple(k for k in self.kwargs if k != FORMAT_KWARG)

    @property
    def id(self) -> str:
        return self.name + (f"({','.join(self.kwargs)})" if self.kwargs else "")


def _pattern_kwargs(pattern: RoutePattern | RegexPattern) -> list[str]:
    if isinstance(pattern, RoutePattern):
        return list(pattern.converters)
    return list(pattern.regex.groupindex)


def _walk(
    patterns: list, prefix: str = "", namespace: str = "", kwargs: tuple[str, ...] = ()
) -> Iterator[Route | tuple[str, str]]:
    for entry in patterns:
        here = prefix + str(entry.pattern).lstrip("^").rstrip("$")
        entry_kwargs = kwargs + tuple(_pattern_kwargs(entry.pattern))
        skip = next((why for p, why in SKIPPED_PREFIXES.items() if here.startswith(p)), None)
        if skip:
            yield (here, skip)
            continue
        if isinstance(entry, URLResolver):
            ns = entry.namespace
            child_ns = f"{namespace}:{ns}" if namespace and ns else (ns or namespace)
            yield from _walk(entry.url_patterns, here, child_ns, entry_kwargs)
        else:
            assert isinstance(entry, URLPattern)
            name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name
            if name in SKIPPED_NAMES:
                yield (here, SKIPPED_NAMES[name])
                continue
            if not name:
                pytest.fail(
                    f"URL pattern {here!r} has no name: name it so the scope walk can test it"
                )
            yield Route(name=name, pattern=here, kwargs=tuple(dict.fromkeys(entry_kwargs)))


def all_routes() -> list[Route]:
    routes = [r for r in _walk(get_resolver().url_patterns) if isinstance(r, Route)]
    return list({r.id: r for r in routes}.values())


ROUTES = all_routes()


def _kwargs_for(route: Route, objects: Objects) -> dict[str, object]:
    kwargs: dict[str, object] = {}
    if route.object_kwargs:
        if route.name in OBJECT_KWARGS:
            kwargs.update(OBJECT_KWARGS[route.name](objects))
        elif route.is_api and (m := re.fullmatch(r"(?P<base>[\w]+)-[\w-]+", route.name)):
            base = m["base"]
            for key in route.object_kwargs:
                if key == "pk" and base in API_BASENAMES:
                    kwargs["pk"] = API_BASENAMES[base](objects).pk  # type: ignore[attr-defined]
                elif key in API_PARENT_KWARGS:
                    kwargs[key] = API_PARENT_KWARGS[key](objects).pk  # type: ignore[attr-defined]
        missing = set(route.object_kwargs) - set(kwargs)
        if missing:
            pytest.fail(
                f"URL {route.name!r} ({route.pattern}) has {sorted(missing)} in its path and no "
                "object mapping: add it to OBJECT_KWARGS (or API_BASENAMES) in test_scope_urls.py"
            )
    if FORMAT_KWARG in route.kwargs:
        kwargs[FORMAT_KWARG] = "json"
    return kwargs


def _url(route: Route, objects: Objects, *, missing: bool = False) -> str:
    kwargs = _kwargs_for(route, objects)
    if missing:
        kwargs = {
            k: MISSING_PK if isinstance(v, int) else "0" * 32 if k in OBJECT_STR_KWARGS else v
            for k, v in kwargs.items()
        }
    return reverse(route.name, kwargs=kwargs or None)


def _import_job(user, area: Area) -> ImportJob:
    """An upload of the 前进村 cadre with one good and one rejected row, checked (dry run)."""
    sheet = (
        "姓名,身份证号,家庭住址\n"
        f"{SECRET_RESIDENT}丙,{make_id_number(seq=66)},{SECRET_ADDRESS}\n"
        f"{SECRET_RESIDENT}丁,4.30502199001011E+17,{SECRET_ADDRESS}\n"
    )
    upload = SimpleUploadedFile("前进村登记.csv", sheet.encode(), content_type="text/csv")
    job = import_jobs.import_job_create(by=user, area=area, upload=upload)
    return import_jobs.import_job_start(by=user, job=job, dry_run=True)


# The walk is about scope, not time, but it builds "today's" report, shifts and check-ins and then
# asks for today's pages: started at a steady office hour, it cannot straddle midnight (the amend
# page of "today" was a 404 when the objects were made on the 30th and the page asked after 00:00).
pytestmark = pytest.mark.usefixtures("steady_clock")


@pytest.fixture
def objects(tree, users) -> Objects:
    users["province_admin"] = UserFactory(
        username="province_admin", role=Role.PROVINCE_ADMIN, area=None
    )
    household = HouseholdFactory(
        area=tree["qianjin_g1"],
        head_name=SECRET_HEAD,
        address=SECRET_ADDRESS,
        phone=SECRET_HOUSEHOLD_PHONE,
    )
    resident = ResidentFactory(
        household=household,
        name=SECRET_RESIDENT,
        id_number=SECRET_ID,
        phone=SECRET_PHONE,
        chronic_illness=True,  # flagged: it has a care plan
    )
    # The stranger's own village has a household too, so his lists are not trivially empty.
    own = HouseholdFactory(area=tree["baiyun_g1"], head_name="白云户主", address="白云村1号")
    ResidentFactory(household=own, name="白云居民", id_number=make_id_number(seq=11))
    # A screening round of 前进村 with a visit that found the resident back from 武汉.
    risk_area = RiskAreaFactory()
    screening_round = RoundFactory(area=tree["qianjin"], created_by=users["cadre"])
    visit = record_visit(
        screening_round, household, by=users["cadre"], people=[{"resident": resident}]
    )
    # 前进村's resident is under observation, with a fever check-in and its open alert.
    # Yesterday: its morning check-in is open whatever the hour the tests run.
    yesterday = today_local() - dt.timedelta(days=1)
    case = monitoring_services.case_open(
        by=users["cadre"],
        resident=resident,
        category="returnee",
        mode="home",
        start_date=yesterday,
    )
    checkin = monitoring_services.checkin_record(
        case=case, by=users["cadre"], temperature="38.1", day=yesterday, slot=1
    )
    # A reconciliation list of the township naming the resident: a task for 前进村1网格.
    reconciliation_list = screening_services.list_upload(
        by=users["township"],
        source=io.BytesIO(f"姓名,身份证号\n{SECRET_RESIDENT},{SECRET_ID}\n".encode()),
        filename="协查名单.csv",
        title="协查名单",
        received_on=yesterday,
    )
    # A checkpoint of 前进村 where the resident passed, a pass of the household, a visitor's
    # pending self-registration; a party member of 前进村 (the grid worker's worker record) on
    # two running shifts there (one clocked in), in a branch and a team, with points.
    checkpoint = Checkpoint.objects.create(
        area=tree["qianjin"], name="前进村东口", kind="village_entrance"
    )
    passage = checkpoint_services.passage_register(
        by=users["cadre"],
        checkpoint=checkpoint,
        details=checkpoint_services.PassageDetails(
            direction="in", name=SECRET_RESIDENT, phone=SECRET_PHONE, id_number=SECRET_ID
        ),
        outcome="referred",
    )
    household_pass = checkpoint_services.pass_issue(
        by=users["cadre"],
        household=household,
        valid_from=yesterday,
        valid_until=yesterday + dt.timedelta(days=10),
    )
    pre_registration = checkpoint_services.pre_registration_submit(
        checkpoint=checkpoint,
        details=checkpoint_services.PassageDetails(
            direction="in", name=SECRET_RESIDENT + "丁", phone=SECRET_PHONE, travel_from="长沙"
        ),
    )
    worker = Worker.objects.create(
        area=tree["qianjin_g1"], name="前进村党员张", kind="party_member", user=users["grid_worker"]
    )
    post = Post.objects.create(
        area=tree["qianjin"], name="前进村东口岗", kind="checkpoint", checkpoint=checkpoint
    )
    now = dt.datetime.now(dt.UTC)
    shift = Shift.objects.create(
        post=post,
        day=today_local(),
        starts_at=now - dt.timedelta(minutes=5),
        ends_at=now + dt.timedelta(hours=8),
    )
    earlier = Shift.objects.create(
        post=post,
        day=today_local(),
        starts_at=now - dt.timedelta(hours=1),
        ends_at=now + dt.timedelta(hours=7),
    )
    assignment = ShiftAssignment.objects.create(shift=shift, worker=worker)
    assignment_in = ShiftAssignment.objects.create(
        shift=earlier, worker=worker, clock_in_at=now - dt.timedelta(hours=1)
    )
    branch = PartyBranch.objects.create(area=tree["qianjin"], name="前进村党支部")
    branch.members.add(worker)
    team = Team.objects.create(area=tree["qianjin"], name="前进村工作队")
    TeamMember.objects.create(team=team, worker=worker, serves_in=tree["qianjin_g1"])
    PointRule.objects.create(county=tree["county"], kind="shift_worked", points=5)
    point = workforce_services.points_grant(
        record=assignment_in, kind="shift_worked", day=today_local(), worker=worker
    )
    care = _care_and_measures(tree, users, household, resident, yesterday)
    return Objects(
        account=users["doctor"],
        checkpoint=checkpoint,
        passage=passage,
        household_pass=household_pass,
        pre_registration=pre_registration,
        worker=worker,
        shift=shift,
        assignment=assignment,
        assignment_in=assignment_in,
        branch=branch,
        team=team,
        point=point,
        **care,
        village=tree["qianjin"],
        grid=tree["qianjin_g1"],
        household=household,
        resident=resident,
        import_job=_import_job(users["cadre"], tree["qianjin"]),
        round=screening_round,
        visit=visit,
        risk_area=risk_area,
        case=case,
        alert=Alert.objects.get(checkin=checkin),
        reconciliation_list=reconciliation_list,
        entry=reconciliation_list.entries.get(),
        # 前进村's daily report of today, submitted by its cadre.
        report=report_services.report_submit(
            by=users["cadre"], area=tree["qianjin"], day=today_local()
        ),
    )


def _care_and_measures(tree, users, household, resident, yesterday) -> dict[str, object]:
    """前进村's errands (one open, one done), an overdue care plan, a store handing out to the
    household, a donation, key places (one done today, one not), a gathering, a venue and an
    inspection with a finding and a person held accountable."""
    cadre, village, grid = users["cadre"], tree["qianjin"], tree["qianjin_g1"]
    errand = care_services.errand_request(
        by=cadre, household=household, kind="medicine", details="降压药两盒"
    )
    done = care_services.errand_request(
        by=cadre, household=household, kind="groceries", details="米"
    )
    care_services.errand_done(by=cadre, errand=done, money_spent="35.50")
    plan = care_services.care_plan_create(
        by=cadre,
        resident=resident,
        kind="doctor_visit",
        description="每周上门",
        every_days=1,
        starts_on=yesterday,
        responsible=cadre,
    )
    store = supply_services.store_create(
        by=cadre, area=village, name="前进村物资点", kind="village"
    )
    item = supply_services.item_create(by=cadre, name="84消毒液", category="disinfectant")
    supply_services.stock_receive(by=cadre, store=store, item=item, quantity=20)
    supply_services.stock_hand_out(
        by=cadre,
        store=store,
        item=item,
        quantity=2,
        recipient_kind="household",
        household=household,
    )
    donation = supply_services.donation_record(
        by=cadre,
        area=village,
        donor_name="前进村党员岳某",
        donor_kind="person",
        received_on=yesterday,
        late_reason="补录",
        money="10000",
    )
    place = measure_services.place_create(by=cadre, area=grid, name="前进村村部", kind="office")
    done_place = measure_services.place_create(
        by=cadre, area=grid, name="前进村垃圾站", kind="bins"
    )
    measure_services.disinfection_record(
        by=cadre, place=done_place, agent=item, quantity=1, store=store
    )
    gathering = measure_services.gathering_report(
        by=cadre,
        area=village,
        kind="funeral",
        family=SECRET_HEAD,
        event_date=yesterday,
        outcome="simplified",
    )
    venue = measure_services.venue_create(
        by=cadre, area=village, name="前进村饭店", kind="restaurant", status="closed"
    )
    measure_services.publicity_record(by=cadre, area=village, kind="letter", quantity=300)
    inspection = measure_services.inspection_record(
        by=users["township"],
        area=village,
        day=yesterday,
        mode="unannounced",
        checklist={"on_post": False},
        summary="前进村卡口暗访",
    )
    finding = measure_services.finding_add(
        by=users["township"],
        inspection=inspection,
        item="on_post",
        description="前进村卡口无人值守",
        deadline=today_local(),
    )
    measure_services.accountability_add(
        by=users["township"], inspection=inspection, person_name="王某", measure="criticism"
    )
    return {
        "errand": errand,
        "care_plan": plan,
        "store": store,
        "donation": donation,
        "key_place": place,
        "gathering": gathering,
        "venue": venue,
        "inspection": inspection,
        "finding": finding,
    }


def _payload(objects: Objects, *, with_file: bool = True) -> dict[str, object]:
    """What someone trying to write into 前进村 would post to any form or API."""
    data: dict[str, object] = {
        "area": objects.grid.pk,
        "household": objects.household.pk,
        "parent": objects.village.pk,
        "head_name": "越权户主",
        "address": "越权地址",
        "name": "越权居民",
        "relationship": "other",
        "id_type": "resident_id",
        "id_number": make_id_number(seq=99),
        "residence_status": "permanent",
        "phone": "13700000000",
        "level": "grid",
        "code": "09",
        # monitoring: a case, a temperature, an alert handled
        "resident": objects.resident.pk,
        "case": objects.case.pk,
        "category": "returnee",
        "mode": "home",
        "start_date": "2020-02-01",
        "date": "2020-02-01",
        "slot": 1,
        "temperature": "36.5",
        "action": "other",
        "note": "越权处置",
        # screening: a reconciliation entry closed
        "outcome": "not_in_area",
        "reason": "越权",
        "days": 7,
        # care, supplies, measures: an errand done, stock handed out, a finding closed …
        "kind": "medicine",
        "details": "越权代办",
        "money_spent": "10",
        "amount": "1",
        "store": objects.store.pk,
        "quantity": 1,
        "recipient_kind": "household",
        "family": "越权",
        "event_date": "2020-02-01",
        "place": objects.key_place.pk,
        "status": "open",
        "closure": "越权整改",
        "person_name": "越权",
        "measure": "criticism",
        "description": "越权",
        "deadline": "2020-02-01",
        "donor_name": "越权",
        "donor_kind": "person",
        "money": "1",
        "received_on": "2020-02-01",
        "every_days": 1,
        "starts_on": "2020-02-01",
        "change": -1,
        "threshold": 1,
        "checklist": "",
    }
    if with_file:  # for uploads: a sheet of people to put into 前进村
        sheet = f"姓名,身份证号,家庭住址\n越权居民,{make_id_number(seq=98)},越权地址\n"
        data["file"] = SimpleUploadedFile("越权.csv", sheet.encode(), content_type="text/csv")
    return data


def _text(response) -> str:
    """Everything a response carries, as text: streamed files and the XML inside xlsx/zip too."""
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if body[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            body = b"".join(archive.read(name) for name in archive.namelist())
    return body.decode(errors="replace")


def _leaks(response) -> list[str]:
    text = _text(response)
    markers = [
        "前进村",
        SECRET_HEAD,
        SECRET_ADDRESS,
        SECRET_RESIDENT,
        SECRET_ID,
        SECRET_ID[-4:] + '"',  # not even the tail of a masked ID in JSON
        SECRET_PHONE,
        SECRET_HOUSEHOLD_PHONE,
    ]
    return [m for m in markers if m in text]


# Audit rows a read may legitimately leave (an export of one's own area is audited, not refused).
READ_ACTIONS = {AuditAction.EXPORT, AuditAction.LOGIN, AuditAction.LOGIN_FAILED}


def _snapshot() -> tuple:
    return (
        list(Household.objects.order_by("pk").values_list("pk", "area_id", "head_name", "address")),
        list(
            Resident.objects.order_by("pk").values_list(
                "pk", "household_id", "name", "id_number_index"
            )
        ),
        list(Area.objects.order_by("pk").values_list("pk", "path", "name")),
        list(
            ScreeningRound.objects.order_by("pk").values_list("pk", "area_id", "name", "ended_on")
        ),
        list(HouseholdVisit.objects.order_by("pk").values_list("pk", "household_id", "is_latest")),
        list(RiskArea.objects.order_by("pk").values_list("pk", "code", "valid_from", "valid_to")),
        list(
            ObservationCase.objects.order_by("pk").values_list(
                "pk", "status", "planned_end", "link_hash"
            )
        ),
        list(CheckIn.objects.order_by("pk").values_list("pk", "temperature")),
        list(Alert.objects.filter(kind="fever").order_by("pk").values_list("pk", "handled_at")),
        list(DailyReport.objects.order_by("pk").values_list("pk", "version", "remarks")),
        list(Checkpoint.objects.order_by("pk").values_list("pk", "name", "register_token")),
        list(Passage.objects.order_by("pk").values_list("pk", "outcome", "case_id")),
        list(HouseholdPass.objects.order_by("pk").values_list("pk", "revoked_at")),
        list(PreRegistration.objects.order_by("pk").values_list("pk", "passage_id", "dismissed")),
        list(ShiftAssignment.objects.order_by("pk").values_list("pk", "worker_id", "clock_in_at")),
        list(Shift.objects.order_by("pk").values_list("pk", "starts_at")),
        list(PointEntry.objects.order_by("pk").values_list("pk", "points")),
        list(PointRule.objects.order_by("pk").values_list("pk", "kind", "points")),
        list(
            Errand.objects.order_by("pk").values_list(
                "pk", "status", "assignee_id", "money_spent", "money_repaid"
            )
        ),
        list(CarePlan.objects.order_by("pk").values_list("pk", "ends_on")),
        list(CareVisit.objects.order_by("pk").values_list("pk")),
        list(StockBalance.objects.order_by("pk").values_list("pk", "quantity", "low_threshold")),
        list(LedgerEntry.objects.order_by("pk").values_list("pk")),
        list(Donation.objects.order_by("pk").values_list("pk")),
        list(KeyPlace.objects.order_by("pk").values_list("pk", "until")),
        list(Disinfection.objects.order_by("pk").values_list("pk")),
        list(Gathering.objects.order_by("pk").values_list("pk", "outcome")),
        list(Venue.objects.order_by("pk").values_list("pk")),
        list(VenueCheck.objects.order_by("pk").values_list("pk")),
        list(Publicity.objects.order_by("pk").values_list("pk")),
        list(Inspection.objects.order_by("pk").values_list("pk")),
        list(Finding.objects.order_by("pk").values_list("pk", "closed_on")),
        list(Accountability.objects.order_by("pk").values_list("pk")),
        list(
            AuditEvent.objects.exclude(action__in=READ_ACTIONS)
            .order_by("pk")
            .values_list("pk", "action", "username")
        ),
    )


METHODS = ("get", "post", "put", "patch", "delete")


def _request(client, method: str, url: str, objects: Objects):
    if method == "post":
        return client.post(url, _payload(objects))
    if method in {"put", "patch"}:
        return getattr(client, method)(
            url, _payload(objects, with_file=False), content_type="application/json"
        )
    return getattr(client, method)(url)


def test_the_walk_finds_the_routes_we_know():
    """A broken walker would test nothing: it must at least see the pages of the foundation."""
    names = {r.name for r in ROUTES}
    assert {
        "home",
        "accounts:profile",
        "areas:tree",
        "areas:area_add",
        "registry:household_list",
        "registry:household_detail",
        "registry:resident_edit",
        "registry:reveal",
        "core:audit_log",
    } <= names
    skipped = [r for r in _walk(get_resolver().url_patterns) if not isinstance(r, Route)]
    assert any(path.startswith("admin/") for path, _why in skipped)
    assert not names & set(SKIPPED_NAMES)
    assert not any(r.pattern.startswith(("admin/", "i18n/")) for r in ROUTES)


def test_every_object_route_is_mapped(objects):
    for route in ROUTES:
        _url(route, objects)  # fails loudly for an unmapped object route


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.id)
def test_anonymous_is_sent_to_login(client, objects, route):
    url = _url(route, objects)
    for method in METHODS:
        response = _request(client, method, url, objects)
        if route.is_api:
            assert response.status_code in {401, 403}, (method, url, response.status_code)
        else:
            assert response.status_code == 302, (method, url, response.status_code)
            assert response["Location"].startswith(reverse("accounts:login") + "?next="), (
                method,
                url,
            )
        assert not _leaks(response), (method, url)


def _owner_response(client, url: str, objects: Objects):
    response = client.get(url)
    if response.status_code == 405:  # a POST-only route (reveal, an API upload)
        response = client.post(url, _payload(objects))
    return response


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.id)
def test_stranger_of_another_village(client, users, objects, route):
    url = _url(route, objects)
    # Someone who may see 前进村 gets the page: the URL is right and the object is there.
    client.force_login(users[OWNERS.get(route.name, DEFAULT_OWNER)])
    control = _owner_response(client, url, objects)
    if route.object_kwargs and control.request["REQUEST_METHOD"] == "POST":
        # A POST-only action on the object (handle, take, close …): past the object lookup, it
        # does the work (200/201) or says what is wrong with our generic payload (400).
        # A classic form action may also redirect to the page it came from (not to the login).
        redirected = control.status_code == 302 and not control["Location"].startswith(
            reverse("accounts:login")
        )
        assert control.status_code in {200, 201, 400} or redirected, (url, control.status_code)
    elif route.object_kwargs:
        assert control.status_code == 200, (url, control.status_code)
    else:  # reachable (a POST-only route may answer 400/422 to our payload)
        assert control.status_code not in {401, 403, 404, 405}, (url, control.status_code)
        assert control.status_code < 500, (url, control.status_code)
    client.logout()

    client.force_login(users["stranger"])
    before = _snapshot()
    statuses = {}
    for method in METHODS:
        response = _request(client, method, url, objects)
        statuses[method] = response.status_code
        assert response.status_code < 500, (method, url, response.status_code)
        assert not _leaks(response), (method, url, _leaks(response))
        if route.object_kwargs:
            assert response.status_code in SAFE_STATUSES_FOR_STRANGER_ON_OBJECTS, (
                method,
                url,
                response.status_code,
            )
            # The same answer as for an object that does not exist: no way to tell it is there.
            missing = _request(client, method, _url(route, objects, missing=True), objects)
            assert missing.status_code == response.status_code, (method, url, statuses)
    if route.object_kwargs:
        # Whichever method the route serves, he is refused (404, or 403 by a role gate).
        assert {statuses["get"], statuses["post"]} & {403, 404}, (url, statuses)
    assert _snapshot() == before, f"{url}: the stranger's requests changed something"


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.id)
def test_read_only_viewer_writes_and_reveals_nothing(client, users, objects, route):
    url = _url(route, objects)
    client.force_login(users["viewer"])
    before = _snapshot()
    for method in ("post", "put", "patch", "delete"):
        response = _request(client, method, url, objects)
        assert response.status_code < 500, (method, url, response.status_code)
        assert response.status_code not in {201, 204}, (method, url, response.status_code)
        assert SECRET_ID not in _text(response), (method, url)
    assert _snapshot() == before, f"{url}: a read-only user's request wrote something"


API_ROUTES = [r for r in ROUTES if r.is_api]


def test_api_routes_are_walked_when_registered():
    """The API under /api/v1/ is in the walk as soon as it is registered (no list to keep)."""
    from config import api_urls

    if api_urls.urlpatterns:
        assert API_ROUTES, "config/api_urls.py registers routes but the walk found none"
        assert all(r.pattern.startswith("api/v1/") for r in API_ROUTES)
    for route in API_ROUTES:
        if route.object_kwargs:
            assert route.name in OBJECT_KWARGS or route.name.split("-")[0] in API_BASENAMES


@pytest.mark.parametrize(
    "route", [r for r in API_ROUTES if not r.object_kwargs], ids=lambda r: r.id
)
def test_api_lists_show_the_stranger_nothing_of_another_village(client, users, objects, route):
    url = _url(route, objects)
    client.force_login(users["county_admin"])
    base = route.name.removesuffix("(format)").split("(")[0]
    control = CONTROL_QUERY.get(base)
    admin = client.get(url, control(objects) if control else None)
    client.force_login(users["stranger"])
    response = client.get(url)
    # The same route answers him as it answers the county (200, or 405 for a POST-only route) ...
    assert response.status_code == admin.status_code
    assert response.status_code in {200, 405}
    # ... with nothing of 前进村 in it, while the county's answer has it.
    assert not _leaks(response)
    if admin.status_code == 200 and route.name.split("-")[0] in API_BASENAMES:
        assert _leaks(admin), (
            f"{url}: the control answer has no 前进村 data, the check proves nothing"
        )

"""Writes to screening: risk areas, rounds, visits. Web forms, the API and the demo come through
here."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.accounts.access import Cap, may, require
from fangkong.accounts.models import Role
from fangkong.areas.models import Area, Level
from fangkong.core import rows
from fangkong.core.audit import audit_record
from fangkong.core.models import AuditAction
from fangkong.core.rows import Insert, fetch_one
from fangkong.core.signals import work_done
from fangkong.core.validators import normalise_text
from fangkong.monitoring import services as monitoring
from fangkong.monitoring.models import Category, Mode, ObservationCase, Source, Status
from fangkong.registry.models import Household, Resident, id_index
from fangkong.screening.models import (
    FOUND_AT_HOME,
    EntryOutcome,
    HouseholdVisit,
    MatchKind,
    PersonCheck,
    ReconciliationEntry,
    ReconciliationList,
    RiskArea,
    RiskLevel,
    ScreeningRound,
    VisitMethod,
    VisitOutcome,
    mark_screened,
)
from fangkong.screening.reconciliation import list_read
from fangkong.screening.risk import risk_areas_all, travel_assess

if TYPE_CHECKING:
    from fangkong.accounts.models import User

ROUND_AREA_LEVELS = {Level.TOWNSHIP, Level.VILLAGE}
RISK_AREA_FIELDS = ("name", "level", "code", "valid_from", "valid_to")


# --- risk areas ----------------------------------------------------------------------------


def _check_risk_area(risk_area: RiskArea) -> None:
    errors: dict[str, str] = {}
    code = risk_area.code or ""
    if len(code) != 12 or not code.isdigit():
        errors["code"] = _("Enter the 12-digit division code.")
    elif risk_area.level == RiskLevel.PROVINCE and not code.endswith("0" * 10):
        errors["code"] = _("A province's code ends in ten zeros (e.g. 420000000000).")
    elif risk_area.level == RiskLevel.CITY and (code.endswith("0" * 10) or code[4:] != "0" * 8):
        errors["code"] = _("A city's code ends in eight zeros (e.g. 420100000000).")
    elif risk_area.level == RiskLevel.COUNTY and (code[4:6] == "00" or code[6:] != "0" * 6):
        errors["code"] = _("A county's code ends in six zeros (e.g. 420102000000).")
    if risk_area.valid_to and risk_area.valid_to < risk_area.valid_from:
        errors["valid_to"] = _("The end date is before the start date.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def risk_area_save(*, by: User, risk_area: RiskArea | None = None, **fields: Any) -> RiskArea:
    """Create or change a risk area (county administrators)."""
    require(by, None, Cap.RISK_AREAS_MANAGE)
    risk_area = risk_area or RiskArea()
    created = risk_area.pk is None
    for key, value in fields.items():
        if key in RISK_AREA_FIELDS:
            setattr(risk_area, key, value)
    _check_risk_area(risk_area)
    duplicate = RiskArea.objects.filter(code=risk_area.code, valid_from=risk_area.valid_from)
    if duplicate.exclude(pk=risk_area.pk).exists():
        raise ValidationError({"valid_from": _("This risk area already counts from that date.")})
    risk_area.save()
    audit_record(
        user=by,
        action=AuditAction.CREATE if created else AuditAction.UPDATE,
        obj=risk_area,
        detail=f"{risk_area.name} {risk_area.code} {risk_area.valid_from}–{risk_area.valid_to or ''}",
    )
    return risk_area


# --- rounds --------------------------------------------------------------------------------


@transaction.atomic
def round_create(
    *,
    by: User,
    area: Area,
    name: str,
    started_on: dt.date,
    ended_on: dt.date | None = None,
) -> ScreeningRound:
    require(by, area, Cap.SCREENING_MANAGE)
    if area.level not in ROUND_AREA_LEVELS:
        raise ValidationError(
            {
                "area": _("A round covers a township or a village, not a %(level)s.")
                % {"level": Level(area.level).label}
            }
        )
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Give the round a name.")})
    if ended_on is not None and ended_on < started_on:
        raise ValidationError({"ended_on": _("The end date is before the start date.")})
    screening_round = ScreeningRound(
        area=area, name=name, started_on=started_on, ended_on=ended_on, created_by=by
    )
    screening_round.save()
    audit_record(user=by, action=AuditAction.CREATE, area=area, obj=screening_round)
    return screening_round


@transaction.atomic
def round_close(*, by: User, round: ScreeningRound, ended_on: dt.date) -> ScreeningRound:
    """End a round on a date; visits after that date would fall outside it, so none may exist."""
    require(by, round.area, Cap.SCREENING_MANAGE)
    if ended_on < round.started_on:
        raise ValidationError({"ended_on": _("The end date is before the start date.")})
    if round.visits.filter(visited_on__gt=ended_on).exists():
        raise ValidationError({"ended_on": _("Visits were recorded after this date.")})
    round.ended_on = ended_on
    round.save(update_fields=["ended_on"])
    audit_record(user=by, action=AuditAction.UPDATE, area=round.area, obj=round, field="ended_on")
    return round


# --- visits --------------------------------------------------------------------------------


@dataclass
class PersonEntry:
    """One person at a visit, as the form or the API gives it."""

    resident: Resident | None = None
    name: str = ""
    at_home: bool = True
    travel_from: str = ""
    returned_on: dt.date | None = None
    route: str = ""
    fever: bool = False
    cough: bool = False
    fatigue: bool = False
    other_symptoms: str = ""
    contact_with_case: bool = False

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> PersonEntry:
        names = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in data.items() if k in names})


def _person_errors(
    entry: PersonEntry, *, household: Household, visited_on: dt.date
) -> dict[str, str]:
    errors: dict[str, str] = {}
    if entry.resident is not None and entry.resident.household_id != household.pk:
        errors["resident"] = _("This person is not a member of the household.")
    if entry.resident is None and not entry.name.strip():
        errors["name"] = _("Give the visitor's name.")
    if (entry.returned_on or entry.route.strip()) and not entry.travel_from.strip():
        errors["travel_from"] = _("Say where the person came from.")
    if entry.returned_on and entry.returned_on > visited_on:
        errors["returned_on"] = _("The date back is after the visit.")
    return errors


def _check_visit(
    *,
    by: User,
    round: ScreeningRound,
    household: Household,
    visited_on: dt.date,
    outcome: str,
    people: list[PersonEntry],
) -> None:
    require(by, household.area, Cap.SCREENING_WRITE)
    assert by.area is not None  # noqa: S101 - require() refuses a user without an area
    if not (round.area.is_within(by.area) or by.area.is_within(round.area)):
        raise PermissionDenied
    errors: dict[str, Any] = {}
    if not round.covers(household.area):
        errors["household"] = _("This household is not in the round's area.")
    if visited_on < round.started_on:
        errors["visited_on"] = _("The round starts on %(day)s.") % {"day": round.started_on}
    elif round.ended_on and visited_on > round.ended_on:
        errors["visited_on"] = _("The round ended on %(day)s.") % {"day": round.ended_on}
    elif visited_on > timezone.localdate():
        errors["visited_on"] = _("The date is in the future.")
    if outcome not in VisitOutcome.values:
        errors["outcome"] = _("Choose an outcome.")
    elif outcome == VisitOutcome.NOBODY_HOME and people:
        errors["people"] = _("Nobody was home: record no people.")
    elif outcome == VisitOutcome.VISITED and not people:
        errors["people"] = _("Record at least one person, or choose 'nobody home'.")
    person_errors = []
    seen: set[str] = set()
    for n, entry in enumerate(people, start=1):
        found = _person_errors(entry, household=household, visited_on=visited_on)
        key = _person_key(entry, household)
        if key in seen:
            found.setdefault("name", _("This person is listed twice."))
        seen.add(key)
        if found:
            # Name the person (the message goes back to a form with several people on it).
            who = entry.resident.name if entry.resident is not None else entry.name.strip()
            label = who or _("Person %(n)s") % {"n": n}
            person_errors.append(f"{label}: " + " ".join(found.values()))
    if person_errors:
        errors["people"] = person_errors
    if errors:
        raise ValidationError(errors)


def _person_key(entry: PersonEntry, household: Household) -> str:
    if entry.resident is not None:
        return f"r{entry.resident.pk}"
    return f"v{household.pk}:{entry.name.strip()}"[:80]


@transaction.atomic
def visit_record(
    *,
    by: User,
    round: ScreeningRound,
    household: Household,
    visited_on: dt.date,
    method: str = VisitMethod.DOOR,
    outcome: str = VisitOutcome.VISITED,
    notes: str = "",
    people: list[PersonEntry] | None = None,
) -> HouseholdVisit:
    """Record a visit; the latest by date becomes the household's state in the round."""
    people = people or []
    if method not in VisitMethod.values:
        raise ValidationError({"method": _("Choose how the household was reached.")})
    _check_visit(
        by=by,
        round=round,
        household=household,
        visited_on=visited_on,
        outcome=outcome,
        people=people,
    )
    # Serialise visits of one household: lock the household row (no-op on SQLite, which
    # serialises writers anyway). Then the visit that counted until now stops counting if this
    # one is as late or later, and says its date: one statement (issue 19: the lock, the read of
    # the current visit and its update were three, each compiled by the ORM).
    statements = _visit_statements()
    locked = fetch_one(statements.lock, [household.pk])
    if locked is None:  # deleted since it was read (a household with no visit yet may be)
        raise Http404
    screened, county_id = locked  # as locked: what a visit that came first left there
    current = fetch_one(
        statements.demote,
        [rows.day(visited_on), round.county_id, round.pk, household.pk],
    )
    is_latest = current is None or visited_on >= _as_date(current[0])
    visit = HouseholdVisit(
        county_id=round.county_id,
        round=round,
        household=household,
        area_id=household.area_id,
        visited_on=visited_on,
        by=by,
        method=method,
        outcome=outcome,
        notes=notes,
        is_latest=is_latest,
    )
    try:
        # No savepoint of its own (issue 19): a clash leaves this function by the error below,
        # and its own ``atomic`` (a transaction, or a savepoint when nested) undoes it.
        with transaction.atomic(savepoint=False):
            statements.insert_visit.one(visit)  # what ``HouseholdVisit.save`` does, built once
    except IntegrityError as error:
        raise ValidationError(
            _("Another visit of this household was saved at the same moment; try again.")
        ) from error
    # The writes whose results nobody reads (the household's first day screened, the audit row,
    # the points entry) go at the end, in one round trip (issue 19).
    with rows.together():
        if (
            outcome == VisitOutcome.VISITED
            and county_id == round.county_id
            and (screened is None or _as_date(screened) > visited_on)
        ):  # the household's first day found by the screening is this one (else no statement)
            mark_screened(household_id=household.pk, county_id=round.county_id, day=visited_on)
        risk_areas = risk_areas_all()
        checks = [
            _person_check(visit, entry, household=household, risk_areas=risk_areas)
            for entry in people
        ]
        statements.insert_checks.later_rows(checks)  # their keys are not needed
        _known_people(visit, checks)
        _propose_cases(visit=visit, checks=checks, by=by)
        audit_record(
            user=by,
            action=AuditAction.CREATE,
            area=household.area,
            obj=visit,
            rows=len(checks),
            detail=f"round {round.pk}: {outcome}",
        )
        work_done.send(
            sender=HouseholdVisit, record=visit, person=by, kind="household_visited", day=visited_on
        )
    return visit


class _VisitStatements:
    """The statements of a visit, spelled once per process (issue 19)."""

    def __init__(self) -> None:
        lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
        self.lock = (
            f"SELECT screened_on, county_id FROM {Household._meta.db_table} WHERE id = %s{lock}"  # noqa: S608
        )
        # The current visit keeps counting only if it is later than this one.
        self.demote = (
            f"UPDATE {HouseholdVisit._meta.db_table} SET is_latest = (visited_on > %s) "  # noqa: S608
            "WHERE county_id = %s AND round_id = %s AND household_id = %s AND is_latest "
            "RETURNING visited_on"
        )
        self.insert_visit = Insert(HouseholdVisit)
        self.insert_checks = Insert(PersonCheck)


_statements: list[_VisitStatements] = []


def _visit_statements() -> _VisitStatements:
    if not _statements:
        _statements.append(_VisitStatements())
    return _statements[0]


def _as_date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)  # SQLite: text


def _known_people(visit: HouseholdVisit, checks: list[PersonCheck]) -> None:
    """``visit.people.all()`` answers with the rows just written, in the order written (the
    order of their keys), so the API's answer reads them back with no query."""
    people = visit.people.all()
    people._result_cache = list(checks)  # type: ignore[attr-defined]
    people._prefetch_done = True  # type: ignore[attr-defined]
    visit._prefetched_objects_cache = {"people": people}  # type: ignore[attr-defined]


def _person_check(
    visit: HouseholdVisit, entry: PersonEntry, *, household: Household, risk_areas: list[RiskArea]
) -> PersonCheck:
    travel_from = entry.travel_from.strip()
    route = entry.route.strip()
    assessment = travel_assess(
        travel_from=travel_from,
        route=route,
        returned_on=entry.returned_on,
        visited_on=visit.visited_on,
        risk_areas=risk_areas,
    )
    return PersonCheck(
        county_id=visit.county_id,
        visit=visit,
        resident=entry.resident,
        name=entry.resident.name if entry.resident is not None else entry.name.strip(),
        person_key=_person_key(entry, household),
        at_home=entry.at_home,
        travel_from=travel_from,
        returned_on=entry.returned_on,
        route=route,
        origin_code=assessment.origin.code,
        origin_name=assessment.origin.name,
        via_risk_area=assessment.via_risk_area,
        risk_area=assessment.risk_area,
        fever=entry.fever,
        cough=entry.cough,
        fatigue=entry.fatigue,
        other_symptoms=entry.other_symptoms.strip(),
        contact_with_case=entry.contact_with_case,
    )


# --- proposed observation cases --------------------------------------------------------------


def visit_ref(visit: HouseholdVisit) -> str:
    """The ``source_ref`` of the cases a visit proposed."""
    return f"visit:{visit.pk}"


def _proposal_category(check: PersonCheck) -> str | None:
    if check.contact_with_case:
        return Category.CLOSE_CONTACT
    if check.via_risk_area:
        return Category.RETURNEE
    return None


def _propose_cases(
    *, visit: HouseholdVisit, checks: list[PersonCheck], by: User
) -> list[ObservationCase]:
    """A registered resident found via a risk area or in contact with a case, with no open case,
    gets a proposed observation case (home observation) for a person on the monitoring side to
    confirm. Same transaction as the visit; a proposal that cannot be made (no policy in force on
    its start date, a case opened a moment ago) leaves the visit as it is."""
    candidates = {
        check.resident_id: check
        for check in checks
        if check.resident is not None and _proposal_category(check) is not None
    }
    if not candidates:
        return []
    already_open = set(
        ObservationCase.objects.filter(
            county_id=visit.county_id,
            resident_id__in=list(candidates),
            status__in=[Status.PROPOSED, Status.ACTIVE],
        ).values_list("resident_id", flat=True)
    )
    grid_worker = by if by.role == Role.GRID_WORKER else None
    proposed: list[ObservationCase] = []
    for resident_id, check in candidates.items():
        category = _proposal_category(check)
        if resident_id in already_open or check.resident is None or category is None:
            continue
        # A returnee's period counts from the day back; a contact's from the day found.
        start = check.returned_on if category == Category.RETURNEE else None
        try:
            case = monitoring.case_open(
                by=by,
                resident=check.resident,
                category=category,
                mode=Mode.HOME,
                start_date=start or visit.visited_on,
                grid_worker=grid_worker,
                source=Source.SCREENING,
                source_ref=visit_ref(visit),
                proposed=True,
            )
        except ValidationError:
            continue
        proposed.append(case)
    return proposed


# --- list reconciliation (协查名单) ----------------------------------------------------------


def _same_name(a: str, b: str) -> bool:
    return normalise_text(a) == normalise_text(b)


@transaction.atomic
def list_upload(
    *, by: User, source: IO[bytes], filename: str, title: str, received_on: dt.date
) -> ReconciliationList:
    """Read a list, keep its good rows as entries matched against the register of the county.

    An entry found in the uploader's area becomes a task for the resident's grid; found
    elsewhere in the county, it is forwarded to that area; not found, or found under another
    name, it stays with the uploader's area. Bad rows are kept on the list with row, column and
    reason."""
    area = require(by, None, Cap.LISTS_MANAGE)
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": _("Give the list a title.")})
    reading = list_read(source, filename)
    reconciliation = ReconciliationList(
        area=area,
        title=title[:100],
        filename=filename[:200],
        received_on=received_on,
        uploaded_by=by,
        rows_read=len(reading.rows) + len({r["row"] for r in reading.rejected}),
        rejected=reading.rejected,
    )
    reconciliation.save()
    indexes = {row.id_number: id_index(row.id_number) or "" for row in reading.rows}
    residents = {
        r.id_number_index: r
        for r in Resident.objects.filter(
            county_id=area.county_id, id_number_index__in=list(indexes.values())
        ).select_related("household__area")
    }
    entries: list[ReconciliationEntry] = []
    for row in reading.rows:
        resident = residents.get(indexes[row.id_number])
        assigned = area
        if resident is None:
            match = MatchKind.NOT_FOUND
        else:
            home = resident.household.area
            in_scope = home.is_within(area)
            if not _same_name(resident.name, row.name):
                match = MatchKind.CONFLICT
                assigned = home if in_scope else area
            else:
                match = MatchKind.IN_SCOPE if in_scope else MatchKind.ELSEWHERE
                assigned = home
        entries.append(
            ReconciliationEntry(
                county_id=reconciliation.county_id,
                list=reconciliation,
                row=row.row,
                name=row.name,
                id_number=row.id_number,
                id_number_index=indexes[row.id_number],
                phone=row.phone,
                origin=row.origin,
                reported_on=row.reported_on,
                match=match,
                resident=resident,
                assigned_area=assigned,
            )
        )
    ReconciliationEntry.objects.bulk_create(entries, batch_size=1000)
    audit_record(
        user=by,
        action=AuditAction.IMPORT,
        area=area,
        obj=reconciliation,
        rows=len(entries),
        detail=f"{filename[:80]}: {len(reading.rejected)} rejected",
    )
    return reconciliation


@transaction.atomic
def entry_close(
    *,
    by: User,
    entry: ReconciliationEntry,
    outcome: str,
    note: str = "",
    propose_case: bool = False,
    category: str = Category.RETURNEE,
) -> ReconciliationEntry:
    """Close an entry with what was found; verified at home, it may propose an observation case."""
    entry = (
        ReconciliationEntry.objects.select_for_update(of=("self",))
        .select_related("assigned_area", "resident__household__area")
        .get(pk=entry.pk)
    )
    require(by, entry.assigned_area, Cap.LISTS_WRITE)
    if not entry.is_open:
        raise ValidationError(_("This entry is already closed."))
    if outcome not in EntryOutcome.values:
        raise ValidationError({"outcome": _("Choose what was found.")})
    note = (note or "").strip()
    if outcome == EntryOutcome.OTHER and not note:
        raise ValidationError({"note": _("Say what was found.")})
    if propose_case:
        resident = entry.resident_shown
        if outcome not in FOUND_AT_HOME or resident is None:
            raise ValidationError(
                {
                    "propose_case": _(
                        "A case is proposed only for a registered person verified at home."
                    )
                }
            )
        try:
            monitoring.case_open(
                by=by,
                resident=resident,
                category=category,
                mode=Mode.HOME,
                start_date=min(entry.reported_on or timezone.localdate(), timezone.localdate()),
                source=Source.RECONCILIATION,
                source_ref=entry_ref(entry),
                proposed=True,
            )
        except ValidationError as error:
            messages = error.messages
            raise ValidationError({"propose_case": messages}) from error
    entry.outcome = outcome
    entry.note = note[:500]
    entry.closed_by = by
    entry.closed_at = timezone.now()
    entry.save(update_fields=["outcome", "note", "closed_by", "closed_at"])
    audit_record(
        user=by, action=AuditAction.UPDATE, area=entry.assigned_area, obj=entry, field="outcome"
    )
    return entry


def can_send_feedback(user: User, reconciliation: ReconciliationList) -> bool:
    """Who answers the level above for a list: its uploaders' roles, over the list's area."""
    return may(user, Cap.LISTS_MANAGE, reconciliation.area)


@transaction.atomic
def list_set_deadline(
    *, by: User, reconciliation: ReconciliationList, deadline: dt.date | None
) -> ReconciliationList:
    """When the level above wants the results (None: no deadline)."""
    if not can_send_feedback(by, reconciliation):
        raise PermissionDenied
    if deadline is not None and deadline < reconciliation.received_on:
        raise ValidationError({"deadline": _("The deadline cannot be before the list came.")})
    reconciliation.deadline = deadline
    reconciliation.save(update_fields=["deadline"])
    audit_record(
        user=by,
        action=AuditAction.UPDATE,
        area=reconciliation.area,
        obj=reconciliation,
        field="deadline",
    )
    return reconciliation


def entry_ref(entry: ReconciliationEntry) -> str:
    """The ``source_ref`` of a case proposed from a reconciliation entry."""
    return f"reconciliation:{entry.pk}"

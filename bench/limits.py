"""The true limit of each hot write path: the same database work, by hand, in the same server.

Issue 19, part 1. A bare view that touches no database is not the limit of a write that must
check a token, validate, encrypt, audit and award points. Each view here does what the API path
does to the database — the same rows in the same tables (record, alert when due, audit row,
points entry), under the same indexes and constraints, in one transaction — with hand-written SQL
and no ORM or DRF: the token and the user (with their area and worker) by one query, the scoped
object by one query, one statement per row written, the points entry as one INSERT … SELECT from
the county's scheme. Validation, encryption, the blind index and the place matcher are the same
functions the product calls (that work is needed); configuration that changes rarely (risk
areas, the fever threshold) is read once per process and re-read every few seconds, as the
product now does too.

Only the bench's URLconf (``checkins_urls``) routes here; the product never does. Each view
answers 201 with a small JSON body (200 for a passage that repeats one made seconds before, as
the API does), 400 for bad input, 401 for a bad token, 404 for an object outside the caller's area.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from fangkong.checkpoints.plates import validate_plate
from fangkong.checkpoints.services import repeat_lock_key
from fangkong.core.clock import local_tz
from fangkong.core.crypto import blind_index, encrypt
from fangkong.core.validators import validate_id_number, validate_phone
from fangkong.monitoring.services import validate_temperature
from fangkong.screening.places import place_of
from fangkong.screening.risk import risk_area_of

WRITERS = {
    "checkins": {"county_admin", "township_officer", "village_cadre", "grid_worker", "doctor"},
    "passages": {"county_admin", "township_officer", "village_cadre", "checkpoint_staff"},
    "visits": {"county_admin", "township_officer", "village_cadre", "grid_worker"},
}
REPEAT_WINDOW = dt.timedelta(minutes=2)
CONFIG_SECONDS = 5.0


def _fail(status: int, detail: Any) -> JsonResponse:
    return JsonResponse(
        {"detail": detail}, status=status, json_dumps_params={"ensure_ascii": False}
    )


def _ts(value: dt.datetime) -> Any:
    return connection.ops.adapt_datetimefield_value(value)


def _day(value: dt.date) -> Any:
    return connection.ops.adapt_datefield_value(value)


def _user(request: HttpRequest, kind: str) -> dict[str, Any] | JsonResponse:
    """The token's user, area and worker: one query."""
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if not header.startswith("Token "):
        return _fail(401, "no token")
    digest = hashlib.sha256(header[6:].strip().encode()).hexdigest()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT u.id, u.username, u.role, a.id, a.path, a.county_id, w.id, w.area_id "
            "FROM accounts_apitoken t JOIN accounts_user u ON u.id = t.user_id "
            "JOIN areas_area a ON a.id = u.area_id "
            "LEFT JOIN workforce_worker w ON w.user_id = u.id "
            "WHERE t.digest = %s AND t.revoked_at IS NULL AND t.expires_at > %s "
            "AND u.is_active AND NOT u.must_change_password",
            [digest, _ts(timezone.now())],
        )
        row = cursor.fetchone()
    if row is None:
        return _fail(401, "invalid token")
    user = dict(
        zip(
            ("id", "username", "role", "area", "path", "county", "worker", "worker_area"),
            row,
            strict=True,
        )
    )
    if user["role"] not in WRITERS[kind]:
        return _fail(403, "not allowed")
    return user


def _audit(
    cursor: Any, user: dict[str, Any], area: int, kind: str, pk: int, rows: Any, detail: str
) -> None:
    cursor.execute(
        "INSERT INTO core_auditevent (at, user_id, username, action, area_id, object_type, "
        'object_id, field, "rows", ip, detail) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)',
        [
            _ts(timezone.now()),
            user["id"],
            user["username"],
            "create",
            area,
            kind,
            str(pk),
            "",
            rows,
            None,
            detail,
        ],
    )


def _points(
    cursor: Any, user: dict[str, Any], county: int, kind: str, model: Any, pk: int, day: dt.date
) -> None:
    """The points entry, if the county's scheme rewards this kind: one INSERT … SELECT."""
    record_type = ContentType.objects.get_for_model(model).pk  # cached per process by Django
    cursor.execute(
        "INSERT INTO workforce_pointentry (county_id, area_id, worker_id, user_id, kind, points, "
        "day, record_type_id, record_id, reason, by_id, created_at) "
        "SELECT %s, %s, %s, %s, %s, r.points, %s, %s, %s, '', NULL, %s FROM workforce_pointrule r "
        "WHERE r.county_id = %s AND r.kind = %s AND r.active AND r.points <> 0",
        [
            county,
            user["worker_area"] or user["area"],
            user["worker"],
            user["id"],
            kind,
            _day(day),
            record_type,
            pk,
            _ts(timezone.now()),
            county,
            kind,
        ],
    )


def _body(request: HttpRequest) -> dict[str, Any] | JsonResponse:
    try:
        data = json.loads(request.body)
    except ValueError:
        return _fail(400, "not JSON")
    return data if isinstance(data, dict) else _fail(400, "not an object")


# --- check-in ---------------------------------------------------------------------------------


@csrf_exempt
def checkin(request: HttpRequest) -> JsonResponse:
    from fangkong.monitoring.models import CheckIn

    user = _user(request, "checkins")
    if isinstance(user, JsonResponse):
        return user
    data = _body(request)
    if isinstance(data, JsonResponse):
        return data
    try:
        temperature = validate_temperature(data.get("temperature"))
        slot = int(data.get("slot"))
        day = dt.date.fromisoformat(str(data.get("date")))
        case_id = int(data.get("case"))
    except (ValidationError, TypeError, ValueError):
        return _fail(400, "bad input")
    if slot not in (1, 2):
        return _fail(400, "bad slot")
    now = timezone.now()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.county_id, c.status, c.start_date, c.area_id, r.name, p.fever_threshold, "
            "p.slot1_start, p.slot1_end, p.slot2_start, p.slot2_end "
            "FROM monitoring_observationcase c JOIN registry_resident r ON r.id = c.resident_id "
            "JOIN areas_area a ON a.id = c.area_id "
            "JOIN monitoring_observationpolicy p ON p.id = c.policy_id "
            "WHERE c.id = %s AND c.county_id = %s AND a.path LIKE %s",
            [case_id, user["county"], user["path"] + "%"],
        )
        row = cursor.fetchone()
        if row is None:
            return _fail(404, "no such case")
        county, status, start, area, name, fever, s1, e1, s2, e2 = row
        fever = Decimal(str(fever))
        start = start if isinstance(start, dt.date) else dt.date.fromisoformat(start)
        today = timezone.localdate(now, local_tz())
        if status != "active" or day > today or day < start:
            return _fail(400, "not open")
        opens = s1 if slot == 1 else s2
        closes = e1 if slot == 1 else e2
        if isinstance(opens, str):
            opens, closes = dt.time.fromisoformat(opens), dt.time.fromisoformat(closes)
        if day == today and now < dt.datetime.combine(day, opens, tzinfo=local_tz()):
            return _fail(400, "not yet")
        late = now > dt.datetime.combine(day, closes, tzinfo=local_tz())
        source = "doctor" if user["role"] == "doctor" else "worker"
        try:
            with transaction.atomic():
                cursor.execute(
                    "INSERT INTO monitoring_checkin (county_id, case_id, date, slot, temperature, "
                    "symptoms, source, by_id, at, late) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, "
                    "%s, %s) RETURNING id",
                    [
                        county,
                        case_id,
                        _day(day),
                        slot,
                        str(temperature),
                        str(data.get("symptoms") or "")[:200],
                        source,
                        user["id"],
                        _ts(now),
                        late,
                    ],
                )
                pk = cursor.fetchone()[0]
        except IntegrityError:
            return _fail(400, "already recorded")
        if temperature >= fever:
            cursor.execute(
                "INSERT INTO monitoring_alert (county_id, case_id, kind, date, slot, checkin_id, "
                "raised_at, action, note, handled_by_id, handled_at) VALUES (%s, %s, 'fever', %s, "
                "%s, %s, %s, '', '', NULL, NULL)",
                [county, case_id, _day(day), slot, pk, _ts(now)],
            )
        cursor.execute(
            "UPDATE monitoring_alert SET checkin_id = %s, action = 'reached', note = %s, "
            "handled_by_id = %s, handled_at = %s WHERE county_id = %s AND case_id = %s AND "
            "kind = 'missed' AND date = %s AND slot = %s AND handled_at IS NULL",
            [pk, "late", user["id"], _ts(now), county, case_id, _day(day), slot],
        )
        _audit(cursor, user, area, "checkin", pk, None, "")
        _points(cursor, user, county, "checkin_taken", CheckIn, pk, day)
    return JsonResponse(
        {
            "id": pk,
            "case": case_id,
            "resident_name": name,
            "date": day.isoformat(),
            "slot": slot,
            "temperature": str(temperature),
            "source": source,
            "at": timezone.localtime(now, local_tz()).isoformat(),
            "fever": temperature >= fever,
        },
        status=201,
        json_dumps_params={"ensure_ascii": False},
    )


# --- configuration read once per process ------------------------------------------------------

_config: dict[str, Any] = {"at": 0.0}


def _risk_areas_and_fever() -> tuple[list[Any], Decimal]:
    from fangkong.screening.models import RiskArea

    if time.monotonic() - _config["at"] > CONFIG_SECONDS:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT id, name, level, code, valid_from, valid_to FROM screening_riskarea"
            )
            areas = [
                RiskArea(id=i, name=n, level=lv, code=c, valid_from=_date(f), valid_to=_date(t))
                for i, n, lv, c, f, t in cursor.fetchall()
            ]
            cursor.execute(
                "SELECT fever_threshold FROM monitoring_observationpolicy WHERE county_id IS NULL "
                "ORDER BY effective_from DESC LIMIT 1"
            )
            row = cursor.fetchone()
        _config.update(
            at=time.monotonic(), risk=areas, fever=Decimal(str(row[0])) if row else Decimal("37.3")
        )
    return _config["risk"], _config["fever"]


def _date(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(value)


def _risk_area(text: str, day: dt.date, risk_areas: list[Any]) -> tuple[str, Any]:
    if not text:
        return "", None
    origin = place_of(text)
    found = risk_area_of([origin] if origin.recognised else [], day, risk_areas)
    return origin.name, found


# --- passage ------------------------------------------------------------------------------------


@csrf_exempt
def passage(request: HttpRequest) -> JsonResponse:
    user = _user(request, "passages")
    if isinstance(user, JsonResponse):
        return user
    data = _body(request)
    if isinstance(data, JsonResponse):
        return data
    now = timezone.now()
    day = timezone.localdate(now, local_tz())
    risk_areas, fever = _risk_areas_and_fever()
    try:
        plate = validate_plate(data.get("plate")) if data.get("subject") == "vehicle" else ""
        phone = validate_phone(data["phone"]) if data.get("phone") else ""
        id_number = (
            validate_id_number(data["id_number"], today=day) if data.get("id_number") else ""
        )
        reading = validate_temperature(data["temperature"]) if data.get("temperature") else None
        people = int(data.get("people") or 1)
        checkpoint_id = int(data["checkpoint"])
    except (ValidationError, KeyError, TypeError, ValueError):
        return _fail(400, "bad input")
    direction, outcome = data.get("direction"), data.get("outcome")
    if direction not in ("in", "out") or outcome not in (
        "allowed",
        "turned_back",
        "referred",
        "fever_clinic",
    ):
        return _fail(400, "bad input")
    if reading is not None and reading >= fever and outcome == "allowed":
        return _fail(400, "fever")
    travel_from = str(data.get("travel_from") or "").strip()[:100]
    origin_name, risk = _risk_area(travel_from, day, risk_areas)
    occupants = []
    for seat, o in enumerate(data.get("occupants") or [], start=1):
        try:
            o_phone = validate_phone(o["phone"]) if o.get("phone") else ""
        except ValidationError:
            return _fail(400, "bad occupant")
        o_from = str(o.get("travel_from") or "").strip()[:100] or travel_from
        o_risk = _risk_area(o_from, day, risk_areas)[1] if o_from != travel_from else risk
        via = o_risk is not None
        decided = o.get("outcome") or ("referred" if via and outcome == "allowed" else outcome)
        if (via or decided in ("referred", "fever_clinic")) and not o_phone:
            return _fail(400, "phone missing")
        occupants.append((seat, str(o.get("name") or "")[:50], o_phone, o_from, via, decided))
    if (
        risk is not None
        and direction == "in"
        and data.get("subject") == "vehicle"
        and len(occupants) < people
    ):
        return _fail(400, "occupants needed")
    id_index = blind_index(id_number, kind="id") if id_number else None
    # The registered resident by ID number, read before the checkpoint is locked (as the API
    # does): the lock is held only for the statements that need it.
    resident_id, resident_name = None, ""
    if id_index:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT id, name FROM registry_resident WHERE county_id = %s AND id_number_index = %s "
                "LIMIT 1",
                [user["county"], id_index],
            )
            found = cursor.fetchone()
        if found is not None:
            resident_id, resident_name = found
    # The same car or person at this checkpoint and direction one at a time (so that a repeat
    # sent twice at once is seen), as the API does (``repeat_locks``): advisory locks by plate and
    # ID number on PostgreSQL, taken by the statement that reads the checkpoint in scope.
    keys = sorted(
        {
            repeat_lock_key(checkpoint_id, direction, what, value)
            for what, value in (("plate", plate), ("id", id_index or ""))
            if value
        }
        if connection.vendor == "postgresql"
        else set()
    )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT "
            + "".join("pg_advisory_xact_lock(%s), " for _ in keys)
            + "c.county_id, c.area_id, c.active FROM checkpoints_checkpoint c "
            "JOIN areas_area a ON a.id = c.area_id WHERE c.id = %s AND c.county_id = %s "
            "AND a.path LIKE %s",
            [*keys, checkpoint_id, user["county"], user["path"] + "%"],
        )
        row = cursor.fetchone()
        if row is None:
            return _fail(404, "no such checkpoint")
        county, area, active = row[-3:]
        if not active:
            return _fail(400, "out of service")
        # The passage written unless it repeats one made seconds before: the check and the
        # write in one statement (as the API does).
        match, params = [], []
        if plate:
            match.append("(p.subject = 'vehicle' AND p.plate = %s)")
            params.append(plate)
        if id_index:
            match.append("p.id_number_index = %s")
            params.append(id_index)
        repeat = (
            "p.county_id = %s AND p.checkpoint_id = %s AND p.direction = %s AND p.at >= %s "
            "AND p.at <= %s AND (" + " OR ".join(match) + ")"
        )
        repeat_params = [
            county,
            checkpoint_id,
            direction,
            _ts(now - REPEAT_WINDOW),
            _ts(now + REPEAT_WINDOW),
            *params,
        ]
        name = (
            str(data.get("name") or "").strip()[:50]
            or (occupants[0][1] if occupants else "")
            or resident_name
        )
        via_risk = risk is not None or any(o[4] for o in occupants)
        cursor.execute(
            "INSERT INTO checkpoints_passage (county_id, checkpoint_id, at, day, direction, subject, "
            "plate, vehicle_type, people, name, phone, id_number, id_number_index, travel_from, "
            "origin_name, via_risk_area, risk_area_id, destination, purpose, temperature, outcome, "
            "source, household_pass_id, resident_id, case_id, by_id, notes, occupants_listed) SELECT "
            "%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, "
            "%s, NULL, %s, NULL, %s, %s, %s"
            + (
                f" WHERE NOT EXISTS (SELECT 1 FROM checkpoints_passage p WHERE {repeat})"
                if match
                else ""
            )
            + " RETURNING id",
            [
                county,
                checkpoint_id,
                _ts(now),
                _day(day),
                direction,
                data.get("subject") or "person",
                plate,
                (data.get("vehicle_type") or "car") if plate else "",
                len(occupants) or people,
                name,
                encrypt(phone) if phone else "",
                encrypt(id_number) if id_number else "",
                id_index or "",
                travel_from,
                origin_name,
                via_risk,
                risk.pk if risk is not None else None,
                str(data.get("destination") or "")[:100],
                str(data.get("purpose") or "")[:100],
                str(reading) if reading is not None else None,
                outcome,
                "staff",
                resident_id,
                user["id"],
                "",
                bool(occupants),
                *(repeat_params if match else []),
            ],
        )
        written = cursor.fetchone()
        if written is None:  # a repeat: the passage it repeats
            cursor.execute(
                f"SELECT p.id FROM checkpoints_passage p WHERE {repeat} ORDER BY p.at DESC LIMIT 1",
                repeat_params,
            )
            return JsonResponse({"id": cursor.fetchone()[0], "repeated": True}, status=200)
        pk = written[0]
        if occupants:
            cursor.execute(
                "INSERT INTO checkpoints_passageoccupant (county_id, passage_id, position, name, "
                "phone, id_number, id_number_index, travel_from, via_risk_area, destination, "
                "temperature, outcome, resident_id, case_id) VALUES "
                + ", ".join(
                    ["(%s, %s, %s, %s, %s, '', '', %s, %s, '', NULL, %s, NULL, NULL)"]
                    * len(occupants)
                ),
                [
                    v
                    for seat, o_name, o_phone, o_from, via, decided in occupants
                    for v in (
                        county,
                        pk,
                        seat,
                        o_name,
                        encrypt(o_phone) if o_phone else "",
                        o_from,
                        via,
                        decided,
                    )
                ],
            )
        _audit(cursor, user, area, "passage", pk, None, f"{direction} {outcome}")
    return JsonResponse(
        {
            "id": pk,
            "checkpoint": checkpoint_id,
            "plate": plate,
            "via_risk_area": via_risk,
            "repeated": False,
        },
        status=201,
        json_dumps_params={"ensure_ascii": False},
    )


# --- household visit ------------------------------------------------------------------------------


@csrf_exempt
def visit(request: HttpRequest) -> JsonResponse:
    from fangkong.screening.models import HouseholdVisit

    user = _user(request, "visits")
    if isinstance(user, JsonResponse):
        return user
    data = _body(request)
    if isinstance(data, JsonResponse):
        return data
    now = timezone.now()
    risk_areas, _fever = _risk_areas_and_fever()
    try:
        round_id, household_id = int(data["round"]), int(data["household"])
        visited_on = dt.date.fromisoformat(str(data["visited_on"]))
        people = list(data.get("people") or [])
    except (KeyError, TypeError, ValueError):
        return _fail(400, "bad input")
    outcome = data.get("outcome") or "visited"
    if outcome not in ("visited", "nobody_home", "refused", "moved_out") or (
        outcome == "visited"
    ) != bool(people):
        return _fail(400, "bad outcome")
    if visited_on > timezone.localdate(now, local_tz()):
        return _fail(400, "future")
    resident_ids = [int(p["resident"]) for p in people if p.get("resident")]
    with transaction.atomic(), connection.cursor() as cursor:
        lock = " FOR UPDATE OF h" if connection.vendor == "postgresql" else ""
        # The round (over, inside or around the caller's area) and the household (in the
        # caller's area and the round's), the household locked: one query.
        cursor.execute(
            "SELECT r.county_id, r.started_on, r.ended_on, h.area_id, h.screened_on, h.county_id "
            "FROM screening_screeninground r "
            "JOIN areas_area ra ON ra.id = r.area_id, registry_household h "
            "JOIN areas_area ha ON ha.id = h.area_id WHERE r.id = %s AND h.id = %s "
            "AND h.county_id = %s AND r.county_id = h.county_id AND ha.path LIKE %s "
            "AND ha.path LIKE ra.path || '%%' AND (ra.path LIKE %s OR %s LIKE ra.path || '%%')"
            + lock,
            [
                round_id,
                household_id,
                user["county"],
                user["path"] + "%",
                user["path"] + "%",
                user["path"],
            ],
        )
        row = cursor.fetchone()
        if row is None:
            return _fail(404, "no such round or household")
        county, started, ended, area, screened, household_county = row
        started, ended = _date(started), _date(ended)
        if visited_on < started or (ended is not None and visited_on > ended):
            return _fail(400, "outside the round")
        names: dict[int, str] = {}
        if resident_ids:
            cursor.execute(
                "SELECT id, name FROM registry_resident WHERE household_id = %s AND id IN ("
                + ", ".join(["%s"] * len(resident_ids))
                + ")",
                [household_id, *resident_ids],
            )
            names = dict(cursor.fetchall())
            if len(names) != len(set(resident_ids)):
                return _fail(400, "not of the household")
        # The visit that counted until now stops counting if this one is as late or later.
        cursor.execute(
            "UPDATE screening_householdvisit SET is_latest = %s WHERE county_id = %s AND "
            "round_id = %s AND household_id = %s AND is_latest AND visited_on <= %s",
            [False, county, round_id, household_id, _day(visited_on)],
        )
        is_latest = True
        if cursor.rowcount == 0:
            cursor.execute(
                "SELECT 1 FROM screening_householdvisit WHERE county_id = %s AND round_id = %s AND "
                "household_id = %s AND is_latest",
                [county, round_id, household_id],
            )
            is_latest = cursor.fetchone() is None
        cursor.execute(
            "INSERT INTO screening_householdvisit (county_id, round_id, household_id, area_id, "
            "visited_on, by_id, method, outcome, notes, is_latest, created_at) VALUES (%s, %s, %s, "
            "%s, %s, %s, %s, %s, %s, %s, %s) RETURNING id",
            [
                county,
                round_id,
                household_id,
                area,
                _day(visited_on),
                user["id"],
                data.get("method") or "door",
                outcome,
                str(data.get("notes") or ""),
                is_latest,
                _ts(now),
            ],
        )
        pk = cursor.fetchone()[0]
        screened = _date(screened)
        if (
            outcome == "visited"
            and household_county == county
            and (screened is None or screened > visited_on)
        ):  # the household's first day found by the screening (read with its lock)
            cursor.execute(
                "UPDATE registry_household SET screened_on = %s WHERE id = %s AND county_id = %s "
                "AND (screened_on IS NULL OR screened_on > %s)",
                [_day(visited_on), household_id, county, _day(visited_on)],
            )
        rows = []
        for p in people:
            resident = int(p["resident"]) if p.get("resident") else None
            name = names[resident] if resident is not None else str(p.get("name") or "").strip()
            travel_from = str(p.get("travel_from") or "").strip()
            origin_name, risk = _risk_area(travel_from, visited_on, risk_areas)
            origin = place_of(travel_from) if travel_from else None
            key = f"r{resident}" if resident is not None else f"v{household_id}:{name}"[:80]
            rows.append(
                (
                    county,
                    pk,
                    resident,
                    name,
                    key,
                    bool(p.get("at_home", True)),
                    travel_from,
                    origin.code if origin else "",
                    origin_name,
                    risk is not None,
                    risk.pk if risk is not None else None,
                    bool(p.get("fever")),
                    bool(p.get("cough")),
                    bool(p.get("contact_with_case")),
                )
            )
        if rows:
            cursor.execute(
                "INSERT INTO screening_personcheck (county_id, visit_id, resident_id, name, "
                "person_key, at_home, travel_from, returned_on, route, origin_code, origin_name, "
                "via_risk_area, risk_area_id, fever, cough, fatigue, other_symptoms, "
                "contact_with_case) VALUES "
                + ", ".join(
                    ["(%s, %s, %s, %s, %s, %s, %s, NULL, '', %s, %s, %s, %s, %s, %s, %s, '', %s)"]
                    * len(rows)
                ),
                [v for r in rows for v in (*r[:11], r[11], r[12], False, r[13])],
            )
        _audit(cursor, user, area, "householdvisit", pk, len(rows), f"round {round_id}: {outcome}")
        _points(cursor, user, county, "household_visited", HouseholdVisit, pk, visited_on)
    return JsonResponse(
        {"id": pk, "round": round_id, "household": household_id, "is_latest": is_latest},
        status=201,
    )

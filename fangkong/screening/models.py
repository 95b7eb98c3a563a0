"""Screening (摸底排查): risk areas, rounds that cover every household of an area, and visits.

A visit belongs to a round and a household and records, for each person, who was home, travel
history and symptoms. The latest visit of a household in a round is its state in that round
(``is_latest``, kept by ``services.visit_record`` and held unique by the database). Visits and the
checks of people carry ``county``, the tenant key.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Self

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fangkong.areas.models import Area
from fangkong.core import rows
from fangkong.core.fields import EncryptedTextField
from fangkong.core.masking import mask_id, mask_phone
from fangkong.core.scoping import AreaScopedQuerySet
from fangkong.core.tenancy import CountyScoped
from fangkong.registry.models import Household, Resident, id_index

if TYPE_CHECKING:
    from fangkong.accounts.models import User


def _ancestor_paths(area: Area) -> list[str]:
    parts = area.path.strip("/").split("/")
    return ["/".join(parts[:i]) + "/" for i in range(1, len(parts) + 1)]


class RiskLevel(models.TextChoices):
    PROVINCE = "province", _("Province")
    CITY = "city", _("City")
    COUNTY = "county", _("County / district")


class RiskAreaQuerySet(models.QuerySet["RiskArea"]):
    def in_force_on(self, day: dt.date) -> RiskAreaQuerySet:
        return self.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day), valid_from__lte=day)


class RiskArea(models.Model):
    """A province, city or county whose travellers are screened (e.g. 湖北省, 武汉市 in 2020).

    Matched by division code against where a person came from (``places.place_of``)."""

    name = models.CharField(pgettext_lazy("thing", "name"), max_length=50)
    level = models.CharField(_("level"), max_length=10, choices=RiskLevel.choices)
    code = models.CharField(
        _("division code"),
        max_length=12,
        help_text=_(
            "12-digit division code, e.g. 420000000000 for 湖北省, 420100000000 for 武汉市."
        ),
    )
    valid_from = models.DateField(_("counts from"))
    valid_to = models.DateField(_("counts until"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RiskAreaQuerySet.as_manager()

    class Meta:
        verbose_name = _("risk area")
        verbose_name_plural = _("risk areas")
        ordering = ["code", "valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="riskarea_dates_in_order",
            ),
            models.UniqueConstraint(fields=["code", "valid_from"], name="riskarea_code_from"),
        ]

    def __str__(self) -> str:
        return self.name


class ScreeningRoundQuerySet(models.QuerySet["ScreeningRound"]):
    def for_user(self, user: User) -> ScreeningRoundQuerySet:
        """Rounds over the user's area or inside it, and rounds over an area that contains it (a
        grid worker works in his township's round)."""
        area = getattr(user, "area", None)
        if not user.is_authenticated or area is None:
            return self.none()
        return self.filter(county_id=area.county_id).filter(
            Q(area__path__startswith=area.path) | Q(area__path__in=_ancestor_paths(area))
        )

    def open_on(self, day: dt.date) -> ScreeningRoundQuerySet:
        return self.filter(Q(ended_on__isnull=True) | Q(ended_on__gte=day), started_on__lte=day)


class ScreeningRound(CountyScoped):
    """A screening round (排查轮次) over every household of a township's or village's subtree."""

    county_source = "area"

    area = models.ForeignKey(
        Area, verbose_name=_("area"), on_delete=models.PROTECT, related_name="screening_rounds"
    )
    name = models.CharField(pgettext_lazy("thing", "name"), max_length=100)
    started_on = models.DateField(_("start date"))
    ended_on = models.DateField(_("end date"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScreeningRoundQuerySet.as_manager()

    class Meta:
        verbose_name = _("screening round")
        verbose_name_plural = _("screening rounds")
        ordering = ["-started_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("started_on")),
                name="round_dates_in_order",
            ),
        ]
        indexes = [models.Index(fields=["county", "area"], name="round_county_area")]

    def __str__(self) -> str:
        return self.name

    @property
    def is_open(self) -> bool:
        return self.ended_on is None

    def covers(self, area: Area) -> bool:
        return area.county_id == self.county_id and area.path.startswith(self.area.path)


class VisitMethod(models.TextChoices):
    DOOR = "door", _("At the door")
    PHONE = "phone", _("By phone")


class VisitOutcome(models.TextChoices):
    VISITED = "visited", _("Visited")
    NOBODY_HOME = "nobody_home", _("Nobody home")


def mark_screened(*, household_id: int, county_id: int, day: dt.date) -> None:
    """A visit of ``county_id``'s screening found someone on ``day``: the household's first such
    day (``Household.screened_on``) is that day if it had none or a later one, and the household
    is (still) in that county. One hand-written UPDATE (issue 19: every visit runs it; the ORM
    compiled it for longer than the database ran it); inside ``rows.together()``, sent with the
    other writes at the end of the block."""
    rows.later(
        f"UPDATE {Household._meta.db_table} SET screened_on = %s WHERE id = %s "  # noqa: S608
        "AND county_id = %s AND (screened_on IS NULL OR screened_on > %s)",
        [rows.day(day), household_id, county_id, rows.day(day)],
    )


def screened_on(household_id: int, county_id: int) -> dt.date | None:
    """The household's first day found by a visit of ``county_id``'s screening, from the visits."""
    return (
        HouseholdVisit.objects.filter(
            household_id=household_id, county_id=county_id, outcome=VisitOutcome.VISITED
        )
        .order_by("visited_on")
        .values_list("visited_on", flat=True)
        .first()
    )


class HouseholdVisitQuerySet(AreaScopedQuerySet["HouseholdVisit"]):
    def in_area(self, area: Area) -> Self:
        """By the household's own area, kept on the visit (see ``HouseholdVisit.area``), even for
        a whole county: a household taken in by another county leaves its visits in the round's
        county (their tenant key), where they no longer count (nor in any area below it)."""
        return self.filter(county_id=area.county_id, area__path__startswith=area.path)

    def bulk_create(self, objs, *args, **kwargs):  # type: ignore[no-untyped-def, override]
        """Visits written in bulk take their household's area too (``save`` is not called)."""
        objs = list(objs)
        missing = {o.household_id for o in objs if o.area_id is None}
        if missing:
            areas = dict(Household.objects.filter(pk__in=missing).values_list("pk", "area_id"))
            for o in objs:
                if o.area_id is None:
                    o.area_id = areas[o.household_id]
        created = super().bulk_create(objs, *args, **kwargs)
        first: dict[tuple[int, int], dt.date] = {}
        for o in objs:
            if o.outcome == VisitOutcome.VISITED:
                key = (o.household_id, o.county_id)
                first[key] = min(first.get(key, o.visited_on), o.visited_on)
        for (household_id, county_id), day in first.items():
            mark_screened(household_id=household_id, county_id=county_id, day=day)
        return created

    def current(self) -> HouseholdVisitQuerySet:
        """The visit that counts for each household in each round (its latest)."""
        return self.filter(is_latest=True)

    def visited(self) -> HouseholdVisitQuerySet:
        return self.filter(outcome=VisitOutcome.VISITED)


class HouseholdVisit(CountyScoped):
    """One visit (走访) of a household in a round, at the door or by phone."""

    county_source = "round"

    round = models.ForeignKey(
        ScreeningRound, verbose_name=_("round"), on_delete=models.PROTECT, related_name="visits"
    )
    household = models.ForeignKey(
        Household, verbose_name=_("household"), on_delete=models.PROTECT, related_name="visits"
    )
    visited_on = models.DateField(_("date"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("visited by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    method = models.CharField(
        _("how"), max_length=10, choices=VisitMethod.choices, default=VisitMethod.DOOR
    )
    outcome = models.CharField(
        _("outcome"), max_length=12, choices=VisitOutcome.choices, default=VisitOutcome.VISITED
    )
    notes = models.TextField(_("notes"), blank=True)
    is_latest = models.BooleanField(default=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    # The household's area (a grid or a village), kept on the visit so that coverage and the
    # dashboard count visits by area without joining the households. Set on creation (``save``,
    # ``bulk_create``) and kept right by the register's moves (``registry.signals.places_changed``,
    # received in ``screening.receivers``).
    area = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="+", editable=False, db_index=False
    )

    objects = HouseholdVisitQuerySet.as_manager()

    class Meta:
        verbose_name = _("household visit")
        verbose_name_plural = _("household visits")
        ordering = ["-visited_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["county", "round", "household"],
                condition=Q(is_latest=True),
                name="visit_one_latest_per_household_round",
            ),
        ]
        indexes = [
            models.Index(fields=["county", "round", "is_latest"], name="visit_round_latest"),
            models.Index(fields=["county", "visited_on"], name="visit_county_day"),
            # The visits of a set of areas by the day, with their ids (to join their person
            # checks) in the index itself: a roll-up's risk-area travellers read the visits of
            # its areas alone from it, never a visit row (the id a key column, not INCLUDE,
            # which SQLite lacks). Serves every (county, area) lookup as the index before it.
            models.Index(
                fields=["county", "area", "visited_on", "id"], name="visit_county_area_day"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.visited_on} {self.household_id} {self.outcome}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.area_id is None:
            if HouseholdVisit.household.is_cached(self):
                self.area_id = self.household.area_id
            else:
                self.area_id = Household.objects.values_list("area_id", flat=True).get(
                    pk=self.household_id
                )
        adding = self._state.adding
        super().save(*args, **kwargs)  # type: ignore[arg-type]
        if adding and self.outcome == VisitOutcome.VISITED:
            mark_screened(
                household_id=self.household_id, county_id=self.county_id, day=self.visited_on
            )


class PersonCheckQuerySet(AreaScopedQuerySet["PersonCheck"]):
    def in_area(self, area: Area) -> Self:
        return self.under(area, "visit__area__path")

    def travelled(self) -> PersonCheckQuerySet:
        return self.exclude(travel_from="")

    def via_risk_area(self) -> PersonCheckQuerySet:
        """People found to have been in a risk area: candidates for home observation."""
        return self.filter(via_risk_area=True)


class PersonCheck(CountyScoped):
    """One person at a visit: a resident of the household or a visitor, by name."""

    county_source = "visit"

    visit = models.ForeignKey(HouseholdVisit, on_delete=models.CASCADE, related_name="people")
    resident = models.ForeignKey(
        Resident,
        verbose_name=_("resident"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="screening_checks",
    )
    name = models.CharField(pgettext_lazy("person", "name"), max_length=50)
    # Identifies the person across visits: "r<resident id>" or "v<household id>:<name>".
    person_key = models.CharField(max_length=80, editable=False)
    at_home = models.BooleanField(_("at home"), default=True)
    travel_from = models.CharField(_("came from"), max_length=100, blank=True)
    returned_on = models.DateField(_("date back"), null=True, blank=True)
    route = models.CharField(_("route"), max_length=200, blank=True)
    origin_code = models.CharField(max_length=12, blank=True, editable=False)
    origin_name = models.CharField(_("origin"), max_length=60, blank=True, editable=False)
    via_risk_area = models.BooleanField(_("via a risk area"), default=False, editable=False)
    risk_area = models.ForeignKey(
        RiskArea, on_delete=models.PROTECT, null=True, blank=True, related_name="+", editable=False
    )
    fever = models.BooleanField(_("fever"), default=False)
    cough = models.BooleanField(_("cough"), default=False)
    fatigue = models.BooleanField(_("fatigue"), default=False)
    other_symptoms = models.CharField(_("other symptoms"), max_length=200, blank=True)
    contact_with_case = models.BooleanField(
        _("contact with a confirmed or suspected case"), default=False
    )

    objects = PersonCheckQuerySet.as_manager()

    class Meta:
        verbose_name = _("person check")
        verbose_name_plural = _("person checks")
        ordering = ["visit_id", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["visit", "resident"],
                condition=Q(resident__isnull=False),
                name="personcheck_resident_once_per_visit",
            ),
            models.UniqueConstraint(fields=["visit", "person_key"], name="personcheck_person_once"),
            models.CheckConstraint(condition=~Q(name=""), name="personcheck_has_name"),
            models.CheckConstraint(
                condition=Q(via_risk_area=False) | Q(risk_area__isnull=False),
                name="personcheck_risk_area_named",
            ),
        ]
        indexes = [
            models.Index(fields=["county", "via_risk_area"], name="personcheck_county_risk"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def has_symptoms(self) -> bool:
        return self.fever or self.cough or self.fatigue or bool(self.other_symptoms)


def visited_in(round: ScreeningRound) -> Exists:
    """For a household queryset: its latest visit in the round found someone at home."""
    return Exists(
        HouseholdVisit.objects.filter(
            county_id=round.county_id,
            round=round,
            household=OuterRef("pk"),
            is_latest=True,
            outcome=VisitOutcome.VISITED,
        )
    )


# --- list reconciliation (协查名单) ----------------------------------------------------------


class ReconciliationListQuerySet(models.QuerySet["ReconciliationList"]):
    def for_user(self, user: User) -> ReconciliationListQuerySet:
        """Lists uploaded in the user's area or below, and lists with an entry for his area."""
        area = getattr(user, "area", None)
        if not user.is_authenticated or area is None:
            return self.none()
        mine = Q(area__path__startswith=area.path)
        for_me = Exists(
            ReconciliationEntry.objects.filter(
                county_id=area.county_id,
                list=OuterRef("pk"),
                assigned_area__path__startswith=area.path,
            )
        )
        return self.filter(county_id=area.county_id).filter(mine | for_me)


class ReconciliationList(CountyScoped):
    """A list from higher up (协查名单): people to find in the register and verify at home."""

    county_source = "area"

    area = models.ForeignKey(
        Area, verbose_name=_("area"), on_delete=models.PROTECT, related_name="reconciliation_lists"
    )
    title = models.CharField(_("title"), max_length=100)
    filename = models.CharField(_("file"), max_length=200, blank=True)
    received_on = models.DateField(_("received on"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    rows_read = models.PositiveIntegerField(_("rows read"), default=0)
    deadline = models.DateField(
        _("results due"), null=True, blank=True, help_text=_("When the level above wants them.")
    )
    # Rows that could not be used: [{"row": 5, "column": "身份证号", "reason": "…"}].
    rejected = models.JSONField(_("rejected rows"), default=list, blank=True)

    objects = ReconciliationListQuerySet.as_manager()

    class Meta:
        verbose_name = _("reconciliation list")
        verbose_name_plural = _("reconciliation lists")
        ordering = ["-uploaded_at", "-pk"]
        indexes = [models.Index(fields=["county", "area"], name="reclist_county_area")]

    def __str__(self) -> str:
        return self.title


class MatchKind(models.TextChoices):
    IN_SCOPE = "in_scope", _("In our area: to verify")
    ELSEWHERE = "elsewhere", _("Elsewhere in the county: forwarded")
    NOT_FOUND = "not_found", _("Not in the register")
    CONFLICT = "conflict", _("Found with different details")


class EntryOutcome(models.TextChoices):
    """The result classes of a list's feedback sheet, as the level above reads them."""

    VERIFIED_AT_HOME = "verified_at_home", _("Verified at home")
    NOT_IN_AREA = "not_in_area", _("Not in the area")
    ALREADY_OBSERVED = "already_observed", _("Already under observation")
    INFO_WRONG = "info_wrong", _("Information wrong")
    MISSED_FIRST = "missed_first", _("Missed in the first screening")
    PAST_PERIOD = "past_period", _("Past the screening period")
    OTHER = "other", _("Other (see note)")


# Outcomes that find the person at home: a case may be proposed from them.
FOUND_AT_HOME = {EntryOutcome.VERIFIED_AT_HOME, EntryOutcome.MISSED_FIRST}


class ReconciliationEntryQuerySet(models.QuerySet["ReconciliationEntry"]):
    def for_user(self, user: User) -> ReconciliationEntryQuerySet:
        """Entries assigned to the user's area or below (a forwarded entry is its new area's)."""
        area = getattr(user, "area", None)
        if not user.is_authenticated or area is None:
            return self.none()
        return self.filter(county_id=area.county_id, assigned_area__path__startswith=area.path)

    def open(self) -> ReconciliationEntryQuerySet:
        return self.filter(closed_at__isnull=True)


class ReconciliationEntry(CountyScoped):
    """One person on a list, matched against the register and tracked until closed."""

    county_source = "list"

    list = models.ForeignKey(ReconciliationList, on_delete=models.CASCADE, related_name="entries")
    row = models.PositiveIntegerField(_("row"))
    name = models.CharField(pgettext_lazy("person", "name"), max_length=50)
    id_number = EncryptedTextField(_("ID number"))
    id_number_index = models.CharField(max_length=32, editable=False)
    phone = EncryptedTextField(_("phone"), blank=True)
    origin = models.CharField(_("came from"), max_length=100, blank=True)
    reported_on = models.DateField(_("date"), null=True, blank=True)
    match = models.CharField(_("match"), max_length=10, choices=MatchKind.choices)
    resident = models.ForeignKey(
        Resident,
        verbose_name=_("resident"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reconciliation_entries",
    )
    # Who verifies it: the resident's household area, or the list's area when not found here.
    assigned_area = models.ForeignKey(
        Area, verbose_name=_("assigned to"), on_delete=models.PROTECT, related_name="+"
    )
    outcome = models.CharField(
        _("outcome"), max_length=20, choices=EntryOutcome.choices, blank=True
    )
    note = models.CharField(_("note"), max_length=500, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    objects = ReconciliationEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("reconciliation entry")
        verbose_name_plural = _("reconciliation entries")
        ordering = ["list_id", "row"]
        constraints = [
            models.UniqueConstraint(
                fields=["county", "list", "id_number_index"], name="recentry_id_once_per_list"
            ),
            models.CheckConstraint(
                condition=Q(closed_at__isnull=True, outcome="")
                | (Q(closed_at__isnull=False) & ~Q(outcome="")),
                name="recentry_closed_has_outcome",
            ),
        ]
        indexes = [
            models.Index(fields=["county", "assigned_area", "closed_at"], name="recentry_task"),
        ]

    def __str__(self) -> str:
        return f"{self.list_id}:{self.row} {self.name}"

    def save(self, *args: object, **kwargs: object) -> None:
        self.id_number_index = id_index(self.id_number) or ""
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    @property
    def resident_shown(self) -> Resident | None:
        """The matched resident, for those who see the entry: only when it is assigned to the
        resident's own area (a name conflict outside the uploader's area keeps the person out of
        sight). Needs ``resident__household``."""
        resident = self.resident
        if resident is None or resident.household.area_id != self.assigned_area_id:
            return None
        return resident

    @property
    def id_masked(self) -> str:
        return mask_id(self.id_number)

    @property
    def phone_masked(self) -> str:
        return mask_phone(self.phone)

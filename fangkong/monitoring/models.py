"""Key-person monitoring: observation cases, their history, twice-daily check-ins and alerts.

Periods, check-in slots and the fever threshold are dated settings (``ObservationPolicy``): a case
keeps the policy in force on its start date, so a later policy never rewrites an old case. Every
large table carries ``county``, the tenant key, set from the resident's household on write.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Self

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fangkong.areas.models import Area
from fangkong.core.clock import local_tz
from fangkong.core.scoping import AreaScopedQuerySet
from fangkong.core.tenancy import CountyScoped
from fangkong.registry.models import household_area_id

TEMPERATURE_MIN = Decimal("35.0")
TEMPERATURE_MAX = Decimal("42.0")


# The rule's names of the two daily check-ins (每日早晚各测一次体温): 早, 晚.
SLOT_NAMES = {
    1: pgettext_lazy("check-in slot", "Morning"),
    2: pgettext_lazy("check-in slot", "Evening"),
}
SLOT_CHOICES = list(SLOT_NAMES.items())


class Category(models.TextChoices):
    CLOSE_CONTACT = "close_contact", _("Close contact")
    SECONDARY_CONTACT = "secondary_contact", _("Secondary contact")
    RETURNEE = "returnee", _("Returnee from a risk area")
    SUSPECTED = "suspected", _("Suspected case")
    CONFIRMED = "confirmed", _("Confirmed case (transferred)")
    OTHER = "other", _("Other")


class Mode(models.TextChoices):
    HOME = "home", _("Home observation")
    CENTRALISED = "centralised", _("Centralised observation")


# The check-in slots' default times are functions, not fixed values: Django's
# system check (fields.W161) warns about a fixed time default whenever it runs
# within 10 seconds of that time of day (UTC), so `check --deploy --fail-level
# WARNING` failed at 06:00, 12:00 and 22:00 UTC.
def morning_from() -> dt.time:
    """Default start of the first check-in: 06:00 (local time)."""
    return dt.time(6, 0)


def noon() -> dt.time:
    """Default end of the first check-in and start of the second: 12:00."""
    return dt.time(12, 0)


def evening_until() -> dt.time:
    """Default end of the second check-in: 22:00."""
    return dt.time(22, 0)


class ObservationPolicyQuerySet(models.QuerySet["ObservationPolicy"]):
    def in_force_on(
        self, day: dt.date, county: Area | int | None = None
    ) -> ObservationPolicy | None:
        """The latest policy in force on ``day``: the county's own, or one for every county (a
        county's own policy of the same date wins)."""
        county_id = county.pk if isinstance(county, Area) else county
        rules = models.Q(county__isnull=True)
        if county_id is not None:
            rules |= models.Q(county_id=county_id)
        return (
            self.filter(rules, effective_from__lte=day)
            .order_by("-effective_from", models.F("county_id").desc(nulls_last=True))
            .first()
        )


class ObservationPolicy(models.Model):
    """The rules in force from a date until the next policy's date."""

    name = models.CharField(pgettext_lazy("thing", "name"), max_length=100)
    county = models.ForeignKey(
        Area,
        verbose_name=_("county"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty: every county that has no policy of its own."),
    )
    effective_from = models.DateField(_("in force from"))
    home_days = models.PositiveSmallIntegerField(_("home observation, days"), default=14)
    centralised_days = models.PositiveSmallIntegerField(
        _("centralised observation, days"), default=14
    )
    category_days = models.JSONField(
        _("periods by category"),
        default=dict,
        blank=True,
        help_text=_('Overrides by category and mode, e.g. {"close_contact": {"home": 14}}.'),
    )
    slot1_name = models.CharField(
        _("name of the first check-in"), max_length=20, blank=True, help_text=_("Empty: morning.")
    )
    slot1_start = models.TimeField(_("morning check-in from"), default=morning_from)
    slot1_end = models.TimeField(_("morning check-in until"), default=noon)
    slot2_name = models.CharField(
        _("name of the second check-in"),
        max_length=20,
        blank=True,
        help_text=_("Empty: evening."),
    )
    slot2_start = models.TimeField(_("evening check-in from"), default=noon)
    slot2_end = models.TimeField(
        _("evening check-in until"),
        default=evening_until,
        help_text=_("Readings are taken until then; after it the check-in is missed."),
    )
    fever_threshold = models.DecimalField(
        _("fever threshold (°C)"), max_digits=3, decimal_places=1, default=Decimal("37.3")
    )
    end_undo_hours = models.PositiveSmallIntegerField(
        _("a mistaken end can be undone within (hours)"),
        default=72,
        help_text=_("0: an ended or released observation cannot be undone."),
    )

    objects = ObservationPolicyQuerySet.as_manager()

    class Meta:
        verbose_name = _("observation policy")
        verbose_name_plural = _("observation policies")
        ordering = ["-effective_from"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(slot1_start__lt=models.F("slot1_end"))
                & models.Q(slot1_end__lte=models.F("slot2_start"))
                & models.Q(slot2_start__lt=models.F("slot2_end")),
                name="policy_slots_in_order",
            ),
            models.UniqueConstraint(
                fields=["county", "effective_from"], name="policy_one_per_county_and_date"
            ),
            models.UniqueConstraint(
                fields=["effective_from"],
                condition=models.Q(county__isnull=True),
                name="policy_one_general_per_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.effective_from})"

    def period_days(self, category: str, mode: str) -> int:
        override = (self.category_days or {}).get(category, {})
        if isinstance(override, dict) and mode in override:
            return int(override[mode])
        return self.home_days if mode == Mode.HOME else self.centralised_days

    def slots(self) -> list[tuple[int, dt.time, dt.time]]:
        return [(1, self.slot1_start, self.slot1_end), (2, self.slot2_start, self.slot2_end)]

    def slot_at(self, moment: dt.datetime) -> int | None:
        """The slot open at this moment (local time), or None between slots."""
        local = timezone.localtime(moment, local_tz()).time()
        for number, start, end in self.slots():
            if start <= local < end:
                return number
        return None

    def slot_start(self, day: dt.date, slot: int) -> dt.datetime:
        start = self.slot1_start if slot == 1 else self.slot2_start
        return dt.datetime.combine(day, start, tzinfo=local_tz())

    def slot_end(self, day: dt.date, slot: int) -> dt.datetime:
        end = self.slot1_end if slot == 1 else self.slot2_end
        return dt.datetime.combine(day, end, tzinfo=local_tz())

    def slot_name(self, slot: int) -> str:
        """The check-in's name as the rule says it (早/晚 unless the policy names it)."""
        own = self.slot1_name if slot == 1 else self.slot2_name
        return own or str(SLOT_NAMES.get(slot, slot))

    def slot_label(self, slot: int) -> str:
        start, end = (
            (self.slot1_start, self.slot1_end) if slot == 1 else (self.slot2_start, self.slot2_end)
        )
        return f"{self.slot_name(slot)} {start:%H:%M}–{end:%H:%M}"

    def is_late(self, day: dt.date, slot: int, at: dt.datetime) -> bool:
        """A reading typed after its check-in's window closed."""
        return at > self.slot_end(day, slot)


class Status(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    ACTIVE = "active", _("Under observation")
    RELEASED = "released", _("Released")
    ENDED_EARLY = "ended_early", _("Ended early")
    TRANSFERRED = "transferred", _("Transferred")


class Source(models.TextChoices):
    SCREENING = "screening", _("Screening visit")
    RECONCILIATION = "reconciliation", _("List reconciliation")
    MANUAL = "manual", _("Entered by hand")


# States in which a case was (or is) under observation: counted by the figures.
OBSERVED_STATES = [Status.ACTIVE, Status.RELEASED, Status.ENDED_EARLY, Status.TRANSFERRED]


def under_observation_on(day: dt.date) -> models.Q:
    """The one rule for "under observation on ``day``" (the report's figures, the dashboard, the
    lists): in an observed state, started by that day, and not yet released or ended."""
    return models.Q(status__in=OBSERVED_STATES, start_date__lte=day) & (
        models.Q(ended_on__isnull=True) | models.Q(ended_on__gt=day)
    )


class ObservationCaseQuerySet(AreaScopedQuerySet["ObservationCase"]):
    def in_area(self, area: Area) -> Self:
        # ``area`` is the household's own area, kept on the case (see ``ObservationCase.area``).
        return self.under(area, "area__path")

    def bulk_create(self, objs, *args, **kwargs):  # type: ignore[no-untyped-def, override]
        """Cases written in bulk take their household's area too (``save`` is not called)."""
        objs = list(objs)
        missing = {o.resident_id for o in objs if o.area_id is None}
        if missing:
            from fangkong.registry.models import Resident

            areas = dict(
                Resident.objects.filter(pk__in=missing).values_list("pk", "household__area_id")
            )
            for o in objs:
                if o.area_id is None:
                    o.area_id = areas[o.resident_id]
        return super().bulk_create(objs, *args, **kwargs)

    def active(self) -> ObservationCaseQuerySet:
        return self.filter(status=Status.ACTIVE)

    def active_on(self, day: dt.date) -> ObservationCaseQuerySet:
        """Under observation on that day: started, and not yet released or ended."""
        return self.filter(under_observation_on(day))


class ObservationCase(CountyScoped):
    county_source = "resident"
    resident = models.ForeignKey(
        "registry.Resident",
        verbose_name=_("resident"),
        on_delete=models.PROTECT,
        related_name="observation_cases",
    )
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    mode = models.CharField(_("mode"), max_length=12, choices=Mode.choices, default=Mode.HOME)
    site_name = models.CharField(_("centralised site"), max_length=100, blank=True)
    policy = models.ForeignKey(
        ObservationPolicy, verbose_name=_("policy"), on_delete=models.PROTECT, related_name="+"
    )
    period_days = models.PositiveSmallIntegerField(_("period (days)"))
    start_date = models.DateField(_("start date"))
    planned_end = models.DateField(_("planned end"))
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    # When the end (release, early end, transfer) was recorded: the daily report counts a
    # release in the report day (16:00 to 16:00) of this moment, or of the start of ``ended_on``
    # when the release is dated another day than it was typed.
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.ACTIVE
    )
    grid_worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible grid worker"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    doctor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible doctor"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    source = models.CharField(
        _("source"), max_length=16, choices=Source.choices, default=Source.MANUAL
    )
    source_ref = models.CharField(_("source reference"), max_length=100, blank=True)
    link_hash = models.CharField(max_length=64, null=True, blank=True, unique=True, editable=False)
    opened_at = models.DateTimeField(_("opened at"), default=timezone.now)
    # The area of the resident's household (a grid or a village), kept on the case so that the
    # figures and the dashboard count cases by area without joining a million residents and
    # their households. Set on creation (``save``, ``bulk_create``) and kept right by the
    # register's moves (``registry.signals.places_changed``, received in ``receivers``).
    area = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="+", editable=False, db_index=False
    )

    objects = ObservationCaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("observation case")
        verbose_name_plural = _("observation cases")
        ordering = ["-start_date", "-pk"]
        indexes = [
            models.Index(fields=["county", "status", "start_date"], name="case_county_status"),
            # (county, area) and every column the live figures count by (the dashboard's cards
            # and table, ``reports.live``): a township's 5,000 cases are counted from the index
            # alone (PostgreSQL: an index-only scan, 600 pages read instead of 5,400) rather
            # than one heap page per case. It replaces the (county, area) index (same number of
            # indexes); a case's columns change only when it is opened, released or ended.
            models.Index(
                fields=[
                    "county",
                    "area",
                    "status",
                    "start_date",
                    "ended_on",
                    "mode",
                    "opened_at",
                    "ended_at",
                ],
                name="case_county_area_figures",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(planned_end__gte=models.F("start_date")),
                name="case_end_after_start",
            ),
            models.CheckConstraint(
                condition=~models.Q(mode="centralised") | ~models.Q(site_name=""),
                name="case_centralised_has_site",
            ),
            models.UniqueConstraint(
                fields=["county", "resident"],
                condition=models.Q(status__in=["proposed", "active"]),
                name="case_one_open_per_resident",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.resident} · {self.get_category_display()}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.area_id is None:
            self.area_id = household_area_id(self.resident)
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    @property
    def is_open(self) -> bool:
        return self.status in {Status.PROPOSED, Status.ACTIVE}

    def day_number(self, day: dt.date) -> int:
        return (day - self.start_date).days + 1


class EventKind(models.TextChoices):
    OPENED = "opened", _("Opened")
    CONFIRMED = "confirmed", _("Confirmed")
    RELEASED = "released", _("Released")
    ENDED_EARLY = "ended_early", _("Ended early")
    EXTENDED = "extended", _("Extended")
    END_UNDONE = "end_undone", _("End undone")
    LINK_ISSUED = "link_issued", _("Self-report link issued")


class CaseEvent(CountyScoped):
    """One change to a case: who, when, what, why. Never edited."""

    county_source = "case"

    case = models.ForeignKey(ObservationCase, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("time"), default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    kind = models.CharField(_("what"), max_length=12, choices=EventKind.choices)
    from_status = models.CharField(max_length=12, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=12, choices=Status.choices, blank=True)
    detail = models.CharField(_("detail"), max_length=200, blank=True)
    reason = models.CharField(_("reason"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.kind}"


class CheckInSource(models.TextChoices):
    WORKER = "worker", _("Grid worker")
    DOCTOR = "doctor", _("Doctor")
    SELF = "self", _("Self-reported")


class CheckInQuerySet(AreaScopedQuerySet["CheckIn"]):
    def in_area(self, area: Area) -> Self:
        return self.under(area, "case__area__path")


class CheckIn(CountyScoped):
    county_source = "case"
    case = models.ForeignKey(ObservationCase, on_delete=models.CASCADE, related_name="checkins")
    date = models.DateField(_("date"))
    slot = models.PositiveSmallIntegerField(_("slot"), choices=SLOT_CHOICES)
    temperature = models.DecimalField(_("temperature (°C)"), max_digits=3, decimal_places=1)
    symptoms = models.CharField(_("symptoms"), max_length=200, blank=True)
    source = models.CharField(_("reported by"), max_length=8, choices=CheckInSource.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    at = models.DateTimeField(_("time"), default=timezone.now)
    late = models.BooleanField(
        _("late"), default=False, help_text=_("Typed after the check-in's window closed.")
    )

    objects = CheckInQuerySet.as_manager()

    class Meta:
        verbose_name = _("check-in")
        verbose_name_plural = _("check-ins")
        ordering = ["-date", "-slot", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["county", "case", "date", "slot"], name="checkin_one_per_case_slot"
            ),
            models.CheckConstraint(
                condition=models.Q(temperature__gte=TEMPERATURE_MIN)
                & models.Q(temperature__lte=TEMPERATURE_MAX),
                name="checkin_temperature_range",
            ),
            models.CheckConstraint(condition=models.Q(slot__in=[1, 2]), name="checkin_slot_1_2"),
        ]
        indexes = [models.Index(fields=["county", "date"], name="checkin_county_date")]

    def __str__(self) -> str:
        return f"{self.date} {self.slot}: {self.temperature}"


class AlertKind(models.TextChoices):
    FEVER = "fever", _("Fever")
    MISSED = "missed", _("Missed check-in")


class AlertAction(models.TextChoices):
    RECHECKED_NORMAL = "rechecked_normal", _("Rechecked: normal")
    FEVER_CLINIC = "fever_clinic", _("Sent to the fever clinic")
    HOSPITAL = "hospital", _("Transferred to hospital")
    REACHED = "reached", _("Reached the person: reported late")
    OTHER = "other", _("Other (see note)")


class AlertQuerySet(AreaScopedQuerySet["Alert"]):
    def in_area(self, area: Area) -> Self:
        return self.under(area, "case__area__path")

    def open(self) -> AlertQuerySet:
        return self.filter(handled_at__isnull=True)


class Alert(CountyScoped):
    """A fever or a missed slot: open until someone records what was done."""

    county_source = "case"

    case = models.ForeignKey(ObservationCase, on_delete=models.CASCADE, related_name="alerts")
    kind = models.CharField(_("kind"), max_length=8, choices=AlertKind.choices)
    date = models.DateField(_("date"))
    slot = models.PositiveSmallIntegerField(_("slot"))
    checkin = models.ForeignKey(
        CheckIn, on_delete=models.CASCADE, null=True, blank=True, related_name="alerts"
    )
    raised_at = models.DateTimeField(_("raised at"), default=timezone.now)
    action = models.CharField(
        _("action taken"), max_length=20, choices=AlertAction.choices, blank=True
    )
    note = models.CharField(_("note"), max_length=500, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handled by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    handled_at = models.DateTimeField(_("handled at"), null=True, blank=True)

    objects = AlertQuerySet.as_manager()

    class Meta:
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        ordering = ["-raised_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["county", "case", "date", "slot", "kind"], name="alert_one_per_slot_kind"
            ),
        ]
        indexes = [models.Index(fields=["county", "handled_at"], name="alert_county_open")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.date} {self.slot}"

    @property
    def is_open(self) -> bool:
        return self.handled_at is None


class VillageHelp(models.Model):
    """What a village tells the people it observes (issue 15): the number to call, printed on the
    self-report sheet and shown on the self-report page, and what to do when a reading is a fever
    (shown to a resident who reports one). One row per village; a default text when none is set.
    The number is the village's duty line, not a person's private number."""

    area = models.OneToOneField(
        Area, verbose_name=_("village"), on_delete=models.CASCADE, related_name="+"
    )
    phone = models.CharField(
        _("number to call"),
        max_length=30,
        blank=True,
        help_text=_("The village's duty phone, e.g. the village committee or the doctor."),
    )
    fever_advice = models.TextField(
        _("what to do with a fever"),
        max_length=1000,
        blank=True,
        help_text=_("Shown to a resident who reports a fever. Empty: the standard advice."),
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("village self-report help")
        verbose_name_plural = _("village self-report help")

    def __str__(self) -> str:
        return f"{self.area} {self.phone}"

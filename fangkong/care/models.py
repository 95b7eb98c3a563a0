"""Care for people at home: errands (红色代办) for households under observation, and care plans
for vulnerable residents (a doctor's visit every week, a daily call to an elderly person alone).

Every row carries ``county``, the tenant key, set from the household on write. Dates that figures
count by (requested, closed, visited) are stored as local dates beside the moments.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Self

from django.conf import settings
from django.db import models
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.areas.models import Area
from fangkong.core.scoping import AreaScopedQuerySet
from fangkong.core.tenancy import CountyScoped


class ErrandKind(models.TextChoices):
    GROCERIES = "groceries", _("Groceries")
    MEDICINE = "medicine", _("Medicine")
    GAS_WATER = "gas_water", _("Gas or water")
    REPAIRS = "repairs", _("Repairs")
    DOCTOR_VISIT = "doctor_visit", _("A doctor's visit")
    OTHER = "other", _("Other")


class ErrandSource(models.TextChoices):
    LINK = "link", _("Personal link")
    PHONE = "phone", _("Phone call")
    WORKER = "worker", _("Worker")


class ErrandStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    ASSIGNED = "assigned", _("Taken")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_ERRAND_STATES = [ErrandStatus.REQUESTED, ErrandStatus.ASSIGNED]


class ErrandQuerySet(AreaScopedQuerySet["Errand"]):
    def in_area(self, area: Area) -> Self:
        return self.filter(county_id=area.county_id, household__area__path__startswith=area.path)

    def open(self) -> Self:
        return self.filter(status__in=OPEN_ERRAND_STATES)

    def done_by(self, day: dt.date) -> Self:
        return self.filter(status=ErrandStatus.DONE, closed_on__lte=day)


class Errand(CountyScoped):
    county_source = "household"
    household = models.ForeignKey(
        "registry.Household",
        verbose_name=_("household"),
        on_delete=models.PROTECT,
        related_name="errands",
    )
    # The observation case whose personal link asked for it (links die with the case).
    case = models.ForeignKey(
        "monitoring.ObservationCase",
        verbose_name=_("observation case"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="errands",
    )
    kind = models.CharField(_("kind"), max_length=16, choices=ErrandKind.choices)
    details = models.CharField(_("what is needed"), max_length=500)
    needed_by = models.DateField(_("needed by"), null=True, blank=True)
    source = models.CharField(_("asked through"), max_length=8, choices=ErrandSource.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=ErrandStatus.choices, default=ErrandStatus.REQUESTED
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    requested_on = models.DateField(_("requested on"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("done by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="errands",
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    assigned_at = models.DateTimeField(_("taken at"), null=True, blank=True)
    # Done or cancelled: when, on which local date, and what was said.
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    note = models.CharField(_("note"), max_length=500, blank=True)
    money_spent = models.DecimalField(
        _("money advanced (yuan)"), max_digits=10, decimal_places=2, default=Decimal("0")
    )
    money_repaid = models.DecimalField(
        _("money repaid (yuan)"), max_digits=10, decimal_places=2, default=Decimal("0")
    )
    repaid_at = models.DateTimeField(_("repaid at"), null=True, blank=True)

    objects = ErrandQuerySet.as_manager()

    class Meta:
        verbose_name = _("errand")
        verbose_name_plural = _("errands")
        ordering = ["-requested_at", "-pk"]
        indexes = [
            models.Index(fields=["county", "status", "closed_on"], name="errand_county_status"),
            models.Index(fields=["county", "requested_on"], name="errand_county_requested"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(money_spent__gte=0) & Q(money_repaid__gte=0),
                name="errand_money_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(money_repaid__lte=models.F("money_spent")),
                name="errand_repaid_at_most_spent",
            ),
            models.CheckConstraint(
                condition=~Q(status="done")
                | (Q(assignee__isnull=False) & Q(closed_on__isnull=False)),
                name="errand_done_has_person_and_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.details[:30]}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_ERRAND_STATES

    @property
    def outstanding(self) -> Decimal:
        """Money the helper advanced and has not been repaid yet."""
        return self.money_spent - self.money_repaid


class CareKind(models.TextChoices):
    DOCTOR_VISIT = "doctor_visit", _("Doctor's home visit")
    PHONE_CALL = "phone_call", _("Phone call")
    HOME_VISIT = "home_visit", _("Home visit")
    DELIVERY = "delivery", _("Delivery of food or medicine")
    OTHER = "other", _("Other")


class CarePlanQuerySet(AreaScopedQuerySet["CarePlan"]):
    def in_area(self, area: Area) -> Self:
        return self.filter(
            county_id=area.county_id, resident__household__area__path__startswith=area.path
        )

    def running_on(self, day: dt.date) -> Self:
        return self.filter(starts_on__lte=day).filter(Q(ends_on__isnull=True) | Q(ends_on__gte=day))

    def with_last_visit(self, day: dt.date) -> Self:
        """``last_visit``: the date of the latest visit up to ``day`` (None when none yet)."""
        return self.annotate(last_visit=Max("visits__date", filter=Q(visits__date__lte=day)))


class CarePlan(CountyScoped):
    """Regular care for one vulnerable resident: what, how often, who does it."""

    county_source = "resident"

    resident = models.ForeignKey(
        "registry.Resident",
        verbose_name=_("resident"),
        on_delete=models.PROTECT,
        related_name="care_plans",
    )
    kind = models.CharField(_("kind"), max_length=16, choices=CareKind.choices)
    description = models.CharField(_("what to do"), max_length=300)
    every_days = models.PositiveSmallIntegerField(
        _("every (days)"), help_text=_("1 for every day, 7 for every week.")
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("who does it"),
        on_delete=models.PROTECT,
        related_name="care_plans",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = CarePlanQuerySet.as_manager()

    class Meta:
        verbose_name = _("care plan")
        verbose_name_plural = _("care plans")
        ordering = ["starts_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(every_days__gte=1) & Q(every_days__lte=90), name="care_plan_every_days"
            ),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="care_plan_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.resident} · {self.get_kind_display()}"

    def due_on(self, last_visit: dt.date | None) -> dt.date:
        """The date the next visit is due, given the date of the latest one."""
        if last_visit is None:
            return self.starts_on
        return last_visit + dt.timedelta(days=self.every_days)

    def days_overdue(self, last_visit: dt.date | None, day: dt.date) -> int:
        """How many days past due on ``day`` (0 when not overdue): a visit due today is not yet
        overdue; one due yesterday and not done is one day overdue."""
        return max((day - self.due_on(last_visit)).days, 0)


class CareVisitQuerySet(AreaScopedQuerySet["CareVisit"]):
    def in_area(self, area: Area) -> Self:
        return self.filter(
            county_id=area.county_id,
            plan__resident__household__area__path__startswith=area.path,
        )


class CareVisit(CountyScoped):
    """One visit or call of a care plan. Never edited."""

    county_source = "plan"

    plan = models.ForeignKey(CarePlan, on_delete=models.CASCADE, related_name="visits")
    date = models.DateField(_("date"))
    at = models.DateTimeField(_("time"), default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(_("note"), max_length=500, blank=True)

    objects = CareVisitQuerySet.as_manager()

    class Meta:
        verbose_name = _("care visit")
        verbose_name_plural = _("care visits")
        ordering = ["-date", "-pk"]
        indexes = [models.Index(fields=["county", "date"], name="care_visit_county_date")]

    def __str__(self) -> str:
        return f"{self.date} {self.plan}"

"""Screening (摸底排查): risk areas, rounds that cover every household of an area, and visits.

A visit belongs to a round and a household and records, for each person, who was home, travel
history and symptoms. The latest visit of a household in a round is its state in that round
(``is_latest``, kept by ``services.visit_record`` and held unique by the database). Visits and the
checks of people carry ``county``, the tenant key.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from fangkong.areas.models import Area
from fangkong.registry.models import Household, Resident

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

    name = models.CharField(_("name"), max_length=50)
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


class ScreeningRound(models.Model):
    """A screening round (排查轮次) over every household of a township's or village's subtree."""

    county = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+", editable=False)
    area = models.ForeignKey(
        Area, verbose_name=_("area"), on_delete=models.PROTECT, related_name="screening_rounds"
    )
    name = models.CharField(_("name"), max_length=100)
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

    def save(self, *args: object, **kwargs: object) -> None:
        self.county_id = self.area.county_id  # type: ignore[assignment]
        super().save(*args, **kwargs)  # type: ignore[arg-type]

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


class HouseholdVisitQuerySet(models.QuerySet["HouseholdVisit"]):
    def for_user(self, user: User) -> HouseholdVisitQuerySet:
        area = getattr(user, "area", None)
        if not user.is_authenticated or area is None:
            return self.none()
        return self.in_area(area)

    def in_area(self, area: Area) -> HouseholdVisitQuerySet:
        return self.filter(county_id=area.county_id, household__area__path__startswith=area.path)

    def current(self) -> HouseholdVisitQuerySet:
        """The visit that counts for each household in each round (its latest)."""
        return self.filter(is_latest=True)

    def visited(self) -> HouseholdVisitQuerySet:
        return self.filter(outcome=VisitOutcome.VISITED)


class HouseholdVisit(models.Model):
    """One visit (走访) of a household in a round, at the door or by phone."""

    county = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+", editable=False)
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
        ]

    def __str__(self) -> str:
        return f"{self.visited_on} {self.household_id} {self.outcome}"


class PersonCheckQuerySet(models.QuerySet["PersonCheck"]):
    def in_area(self, area: Area) -> PersonCheckQuerySet:
        return self.filter(
            county_id=area.county_id, visit__household__area__path__startswith=area.path
        )

    def travelled(self) -> PersonCheckQuerySet:
        return self.exclude(travel_from="")

    def via_risk_area(self) -> PersonCheckQuerySet:
        """People found to have been in a risk area: candidates for home observation."""
        return self.filter(via_risk_area=True)


class PersonCheck(models.Model):
    """One person at a visit: a resident of the household or a visitor, by name."""

    county = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+", editable=False)
    visit = models.ForeignKey(HouseholdVisit, on_delete=models.CASCADE, related_name="people")
    resident = models.ForeignKey(
        Resident,
        verbose_name=_("resident"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="screening_checks",
    )
    name = models.CharField(_("name"), max_length=50)
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

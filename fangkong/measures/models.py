"""Field measures: disinfection of key places (日清扫、日消毒), gatherings talked out of or down
(weddings postponed, funerals simplified), venues closed, publicity work, and inspections (督查)
with findings and people held accountable. Every row carries ``county``, the tenant key."""

from __future__ import annotations

import datetime as dt
from typing import Any, Self

from django.conf import settings
from django.db import models
from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fangkong.areas.models import Area
from fangkong.core.scoping import AreaFieldQuerySet, AreaScopedQuerySet
from fangkong.core.tenancy import CountyScoped


def _user_fk(label: Any, **kwargs: Any) -> Any:
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=label,
        on_delete=models.PROTECT,
        related_name="+",
        **kwargs,
    )


class _AreaRow(CountyScoped):
    """A record of an area: its county is set from the area on write."""

    county_source = "area"

    area = models.ForeignKey(
        Area, verbose_name=_("area"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        abstract = True


# --- disinfection ------------------------------------------------------------------------------


class PlaceKind(models.TextChoices):
    OFFICE = "office", _("Office building")
    PUBLIC_PLACE = "public_place", _("Public place")
    BINS = "bins", _("Rubbish bins")
    MARKET = "market", _("Market")
    OTHER = "other", _("Other")


class KeyPlaceQuerySet(AreaFieldQuerySet["KeyPlace"]):
    def planned_on(self, day: dt.date) -> Self:
        """The daily plan: every place in use on that day is to be disinfected that day."""
        return self.filter(since__lte=day).filter(Q(until__isnull=True) | Q(until__gte=day))


class KeyPlace(_AreaRow):
    """A place on the daily disinfection plan, with the person in charge of it (专人)."""

    name = models.CharField(pgettext_lazy("thing", "name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=12, choices=PlaceKind.choices)
    responsible = _user_fk(_("person in charge"), null=True, blank=True)
    since = models.DateField(_("on the plan since"))
    until = models.DateField(_("on the plan until"), null=True, blank=True)

    objects = KeyPlaceQuerySet.as_manager()

    class Meta:
        verbose_name = _("key place")
        verbose_name_plural = _("key places")
        ordering = ["area__path", "name"]
        constraints = [
            models.UniqueConstraint(fields=["county", "area", "name"], name="key_place_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class DisinfectionQuerySet(AreaScopedQuerySet["Disinfection"]):
    def in_area(self, area: Area) -> Self:
        return self.filter(county_id=area.county_id, place__area__path__startswith=area.path)


class Disinfection(CountyScoped):
    """Who disinfected which place on which day, with which agent taken from which store."""

    county_source = "place"

    place = models.ForeignKey(KeyPlace, on_delete=models.PROTECT, related_name="disinfections")
    day = models.DateField(_("date"))
    at = models.DateTimeField(_("time"), default=timezone.now)
    by = _user_fk(_("by"))
    # The agent taken from stock: a hand-out of the supplies ledger, or none (cleaning only).
    entry = models.OneToOneField(
        "supplies.LedgerEntry",
        verbose_name=_("agent taken from stock"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    note = models.CharField(_("note"), max_length=300, blank=True)

    objects = DisinfectionQuerySet.as_manager()

    class Meta:
        verbose_name = _("disinfection")
        verbose_name_plural = _("disinfections")
        ordering = ["-day", "-at", "-pk"]
        indexes = [models.Index(fields=["county", "day"], name="disinfection_county_day")]

    def __str__(self) -> str:
        return f"{self.day} {self.place}"


# --- gatherings -------------------------------------------------------------------------------


class GatheringKind(models.TextChoices):
    WEDDING = "wedding", _("Wedding")
    FUNERAL = "funeral", _("Funeral")
    BANQUET = "banquet", _("Banquet")
    OTHER = "other", _("Other gathering")


class GatheringOutcome(models.TextChoices):
    PENDING = "pending", _("Being talked to")
    DISSUADED = "dissuaded", _("Dissuaded")
    POSTPONED = "postponed", _("Postponed")
    SIMPLIFIED = "simplified", _("Simplified")
    CANCELLED = "cancelled", _("Cancelled")


class GatheringQuerySet(AreaFieldQuerySet["Gathering"]):
    pass


class Gathering(_AreaRow):
    """A wedding, funeral or banquet reported to the village (weddings ahead, funerals within a
    day), and what came of talking to the family."""

    kind = models.CharField(_("kind"), max_length=10, choices=GatheringKind.choices)
    family = models.CharField(_("family"), max_length=100)
    event_date = models.DateField(
        _("date"), help_text=_("The planned day; for a funeral, the day of the death.")
    )
    reported_on = models.DateField(_("reported on"))
    expected_people = models.PositiveIntegerField(_("people expected"), null=True, blank=True)
    outcome = models.CharField(
        _("outcome"),
        max_length=10,
        choices=GatheringOutcome.choices,
        default=GatheringOutcome.PENDING,
    )
    outcome_on = models.DateField(_("outcome on"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    by = _user_fk(_("recorded by"))

    objects = GatheringQuerySet.as_manager()

    class Meta:
        verbose_name = _("gathering")
        verbose_name_plural = _("gatherings")
        ordering = ["-reported_on", "-pk"]
        indexes = [models.Index(fields=["county", "reported_on"], name="gathering_county_day")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.family}"

    @property
    def reported_late(self) -> bool:
        """Weddings and banquets are reported before the day; funerals within a day of it."""
        if self.kind == GatheringKind.FUNERAL:
            return self.reported_on > self.event_date + dt.timedelta(days=1)
        return self.reported_on >= self.event_date


# --- venues -----------------------------------------------------------------------------------


class VenueKind(models.TextChoices):
    RESTAURANT = "restaurant", _("Restaurant")
    TEAHOUSE = "teahouse", _("Teahouse")
    MARKET = "market", _("Market")
    ENTERTAINMENT = "entertainment", _("Entertainment venue")
    OTHER = "other", _("Other")


class VenueStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CONDITIONS = "conditions", _("Open with conditions")
    CLOSED = "closed", _("Closed")


class VenueQuerySet(AreaFieldQuerySet["Venue"]):
    def with_status(self, day: dt.date) -> Self:
        """``status``: what the latest check up to ``day`` found (None before the first)."""
        latest = VenueCheck.objects.filter(venue=OuterRef("pk"), day__lte=day).order_by(
            "-day", "-pk"
        )
        return self.annotate(
            status=Subquery(latest.values("status")[:1]),
            checked_on=Subquery(latest.values("day")[:1]),
        )


class Venue(_AreaRow):
    name = models.CharField(pgettext_lazy("thing", "name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=14, choices=VenueKind.choices)
    address = models.CharField(_("address"), max_length=200, blank=True)

    objects = VenueQuerySet.as_manager()

    class Meta:
        verbose_name = _("venue")
        verbose_name_plural = _("venues")
        ordering = ["area__path", "kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["county", "area", "name"], name="venue_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class VenueCheckQuerySet(AreaScopedQuerySet["VenueCheck"]):
    def in_area(self, area: Area) -> Self:
        return self.filter(county_id=area.county_id, venue__area__path__startswith=area.path)


class VenueCheck(CountyScoped):
    """A visit to a venue: the status it is to keep from that day (closed, open with conditions),
    and whether it kept the last one. A venue's status is its latest check's."""

    county_source = "venue"

    venue = models.ForeignKey(Venue, on_delete=models.CASCADE, related_name="checks")
    day = models.DateField(_("date"))
    status = models.CharField(_("status"), max_length=10, choices=VenueStatus.choices)
    conditions = models.CharField(_("conditions / note"), max_length=300, blank=True)
    complied = models.BooleanField(_("kept to the rules"), default=True)
    by = _user_fk(_("checked by"))
    at = models.DateTimeField(default=timezone.now, editable=False)

    objects = VenueCheckQuerySet.as_manager()

    class Meta:
        verbose_name = _("venue check")
        verbose_name_plural = _("venue checks")
        ordering = ["-day", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="conditions") | ~Q(conditions=""),
                name="venue_check_conditions_named",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.venue} {self.status}"


# --- publicity --------------------------------------------------------------------------------


class PublicityKind(models.TextChoices):
    BROADCAST = "broadcast", _("Loudspeaker broadcasts (村村响)")
    VAN_TRIP = "van_trip", _("Publicity van trips")
    LETTER = "letter", _("Letters to residents")
    LEAFLET = "leaflet", _("Leaflets")
    BANNER = "banner", _("Banners and posters")
    CHAT_MESSAGE = "chat_message", _("Messages to chat groups")


PUBLICITY_UNITS = {
    PublicityKind.BROADCAST: _("times"),
    PublicityKind.VAN_TRIP: _("trips"),
    PublicityKind.LETTER: _("copies"),
    PublicityKind.LEAFLET: _("copies"),
    PublicityKind.BANNER: _("pieces"),
    PublicityKind.CHAT_MESSAGE: _("messages"),
}


class PublicityQuerySet(AreaFieldQuerySet["Publicity"]):
    pass


class Publicity(_AreaRow):
    day = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=14, choices=PublicityKind.choices)
    quantity = models.PositiveIntegerField(_("how many"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    by = _user_fk(_("recorded by"))

    objects = PublicityQuerySet.as_manager()

    class Meta:
        verbose_name = _("publicity")
        verbose_name_plural = _("publicity")
        ordering = ["-day", "-pk"]
        indexes = [models.Index(fields=["county", "day"], name="publicity_county_day")]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="publicity_quantity_positive")
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.get_kind_display()} {self.quantity}"

    @property
    def unit(self) -> str:
        return str(PUBLICITY_UNITS[self.kind])  # type: ignore[index]


# --- inspections ------------------------------------------------------------------------------


class InspectionMode(models.TextChoices):
    ANNOUNCED = "announced", _("Announced (明察)")
    UNANNOUNCED = "unannounced", _("Unannounced (暗访)")


# What an inspection looks at: the checklist (key, label), in the order it is shown.
CHECKLIST = [
    ("on_post", _("People on post")),
    ("screening", _("Screening and monitoring")),
    ("gatherings", _("Gathering control")),
    ("disinfection", _("Disinfection")),
    ("publicity", _("Publicity")),
    ("checkpoints", _("Checkpoints")),
]
CHECKLIST_KEYS = [key for key, _label in CHECKLIST]


class InspectionQuerySet(AreaFieldQuerySet["Inspection"]):
    pass


class Inspection(_AreaRow):
    """One inspection visit of an area: what the checklist found, the findings to put right and
    the people held accountable."""

    day = models.DateField(_("date"))
    mode = models.CharField(_("how"), max_length=12, choices=InspectionMode.choices)
    team = models.CharField(_("team"), max_length=100, blank=True)
    # {checklist key: true (in order) | false (a finding)}, for the items looked at.
    checklist = models.JSONField(_("checklist"), default=dict)
    summary = models.CharField(_("summary"), max_length=500, blank=True)
    by = _user_fk(_("inspector"))
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = InspectionQuerySet.as_manager()

    class Meta:
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")
        ordering = ["-day", "-pk"]
        indexes = [models.Index(fields=["county", "day"], name="inspection_county_day")]

    def __str__(self) -> str:
        return f"{self.day} {self.area}"

    def checklist_rows(self) -> list[tuple[str, str, bool | None]]:
        return [(key, str(label), self.checklist.get(key)) for key, label in CHECKLIST]


class _OfInspection[M: models.Model](AreaScopedQuerySet[M]):
    def in_area(self, area: Area) -> Self:
        return self.filter(county_id=area.county_id, inspection__area__path__startswith=area.path)


class FindingQuerySet(_OfInspection["Finding"]):
    def open_on(self, day: dt.date) -> Self:
        return self.filter(inspection__day__lte=day).filter(
            Q(closed_on__isnull=True) | Q(closed_on__gt=day)
        )


class Finding(CountyScoped):
    """Something found wrong, with the date by which it must be put right, and its closure."""

    county_source = "inspection"

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="findings")
    item = models.CharField(_("checklist item"), max_length=20, choices=CHECKLIST)
    description = models.CharField(_("what was found"), max_length=500)
    deadline = models.DateField(_("to put right by"))
    closed_on = models.DateField(_("put right on"), null=True, blank=True)
    closed_by = _user_fk(_("closed by"), null=True, blank=True)
    closure = models.CharField(_("how it was put right"), max_length=500, blank=True)

    objects = FindingQuerySet.as_manager()

    class Meta:
        verbose_name = _("finding")
        verbose_name_plural = _("findings")
        ordering = ["deadline", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True) | ~Q(closure=""), name="finding_closure_said"
            ),
        ]

    def __str__(self) -> str:
        return self.description[:50]

    def is_overdue(self, day: dt.date) -> bool:
        return self.closed_on is None and self.deadline < day


class AccountabilityMeasure(models.TextChoices):
    CRITICISM = "criticism", _("Criticised in a notice")
    ADMONITION = "admonition", _("Admonishing talk")
    WARNING = "warning", _("Warning")
    REMOVAL = "removal", _("Removed from post")
    OTHER = "other", _("Other")


class AccountabilityQuerySet(_OfInspection["Accountability"]):
    pass


class Accountability(CountyScoped):
    """A person held accountable after an inspection (组织处理)."""

    county_source = "inspection"

    inspection = models.ForeignKey(
        Inspection, on_delete=models.CASCADE, related_name="accountabilities"
    )
    finding = models.ForeignKey(
        Finding, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    person_name = models.CharField(_("person"), max_length=50)
    position = models.CharField(_("position"), max_length=100, blank=True)
    measure = models.CharField(_("measure"), max_length=12, choices=AccountabilityMeasure.choices)
    day = models.DateField(_("date"))
    by = _user_fk(_("recorded by"))

    objects = AccountabilityQuerySet.as_manager()

    class Meta:
        verbose_name = _("person held accountable")
        verbose_name_plural = _("people held accountable")
        ordering = ["-day", "-pk"]

    def __str__(self) -> str:
        return f"{self.person_name} · {self.get_measure_display()}"

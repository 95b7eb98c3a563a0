"""Checkpoints (卡口, 检疫站, 监测点), the passages registered there, household passes and the
visitors' own registrations before the barrier.

Every large table carries ``county``, the tenant key, set from the checkpoint's (or household's)
area on write. ID and phone numbers are encrypted with a blind index, as in the register.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from typing import Self

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fangkong.areas.models import Area
from fangkong.core.fields import EncryptedTextField
from fangkong.core.masking import mask_id, mask_phone
from fangkong.core.scoping import AreaFieldQuerySet, AreaScopedQuerySet
from fangkong.core.tenancy import CountyScoped


def new_token() -> str:
    return secrets.token_urlsafe(12)


class CheckpointKind(models.TextChoices):
    VILLAGE_ENTRANCE = "village_entrance", _("Village entrance")
    ROAD_STATION = "road_station", _("Quarantine station on a road")
    GATE = "gate", _("Building or compound gate")


class CheckpointQuerySet(AreaFieldQuerySet["Checkpoint"]):
    pass


class Checkpoint(CountyScoped):
    county_source = "area"
    area = models.ForeignKey(
        Area, verbose_name=_("area"), on_delete=models.PROTECT, related_name="checkpoints"
    )
    name = models.CharField(pgettext_lazy("thing", "name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=CheckpointKind.choices)
    opens_at = models.TimeField(
        _("opens at"), null=True, blank=True, help_text=_("Empty: round the clock.")
    )
    closes_at = models.TimeField(_("closes at"), null=True, blank=True)
    active = models.BooleanField(_("in service"), default=True)
    # The public self-registration link of the poster (printed, so kept in clear; a new poster
    # makes a new one).
    register_token = models.CharField(max_length=32, unique=True, default=new_token, editable=False)

    objects = CheckpointQuerySet.as_manager()

    class Meta:
        verbose_name = _("checkpoint")
        verbose_name_plural = _("checkpoints")
        ordering = ["area__path", "name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["county", "area", "name"], name="checkpoint_name_unique"
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def round_the_clock(self) -> bool:
        return self.opens_at is None or self.closes_at is None

    @property
    def hours(self) -> str:
        if self.round_the_clock:
            return str(_("24 hours"))
        return f"{self.opens_at:%H:%M}–{self.closes_at:%H:%M}"


class Direction(models.TextChoices):
    IN = "in", _("In")
    OUT = "out", _("Out")


class Subject(models.TextChoices):
    PERSON = "person", _("Person on foot")
    VEHICLE = "vehicle", _("Vehicle")


class VehicleType(models.TextChoices):
    CAR = "car", _("Car")
    TRUCK = "truck", _("Truck")
    BUS = "bus", _("Bus")
    MOTORCYCLE = "motorcycle", _("Motorcycle / e-bike")
    TRICYCLE = "tricycle", _("Tricycle / farm vehicle")
    OTHER = "other", _("Other")


class Outcome(models.TextChoices):
    ALLOWED = "allowed", _("Allowed")
    TURNED_BACK = "turned_back", _("Turned back")
    REFERRED = "referred", _("Referred for observation")
    FEVER_CLINIC = "fever_clinic", _("Sent to the fever clinic")


class PassageSource(models.TextChoices):
    STAFF = "staff", _("Registered by staff")
    PASS = "pass", _("Pass scanned")
    SELF = "self", _("Self-registered, confirmed by staff")


class PassageQuerySet(AreaScopedQuerySet["Passage"]):
    def in_area(self, area: Area) -> Self:
        return self.filter(county_id=area.county_id, checkpoint__area__path__startswith=area.path)


class Passage(CountyScoped):
    """One crossing of a checkpoint: a person on foot or a vehicle with its people."""

    county_source = "checkpoint"

    county = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="+", editable=False, db_index=False
    )
    checkpoint = models.ForeignKey(
        Checkpoint, verbose_name=_("checkpoint"), on_delete=models.PROTECT, related_name="passages"
    )
    at = models.DateTimeField(_("time"), default=timezone.now)
    day = models.DateField(_("date"))
    direction = models.CharField(_("direction"), max_length=3, choices=Direction.choices)
    subject = models.CharField(_("who"), max_length=8, choices=Subject.choices)
    plate = models.CharField(_("plate"), max_length=10, blank=True)
    vehicle_type = models.CharField(
        _("vehicle type"), max_length=12, choices=VehicleType.choices, blank=True
    )
    people = models.PositiveSmallIntegerField(_("number of people"), default=1)
    name = models.CharField(pgettext_lazy("person", "name"), max_length=50, blank=True)
    phone = EncryptedTextField(_("phone"), blank=True)
    id_number = EncryptedTextField(_("ID number"), blank=True)
    id_number_index = models.CharField(max_length=32, blank=True, editable=False)
    travel_from = models.CharField(_("where from"), max_length=100, blank=True)
    origin_name = models.CharField(max_length=100, blank=True, editable=False)
    via_risk_area = models.BooleanField(_("from a risk area"), default=False, editable=False)
    risk_area = models.ForeignKey(
        "screening.RiskArea",
        verbose_name=_("risk area"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    destination = models.CharField(_("where to"), max_length=100, blank=True)
    purpose = models.CharField(_("why"), max_length=100, blank=True)
    temperature = models.DecimalField(
        _("temperature (°C)"), max_digits=3, decimal_places=1, null=True, blank=True
    )
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices)
    source = models.CharField(
        _("source"), max_length=6, choices=PassageSource.choices, default=PassageSource.STAFF
    )
    household_pass = models.ForeignKey(
        "checkpoints.HouseholdPass",
        verbose_name=_("pass"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="uses",
    )
    resident = models.ForeignKey(
        "registry.Resident",
        verbose_name=_("registered resident"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    case = models.ForeignKey(
        "monitoring.ObservationCase",
        verbose_name=_("proposed observation case"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("registered by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    notes = models.CharField(_("notes"), max_length=200, blank=True)
    # True when the vehicle's people are listed one by one (``occupants``): the figures then
    # count them person by person, with their own outcomes.
    occupants_listed = models.BooleanField(default=False, editable=False)

    objects = PassageQuerySet.as_manager()

    class Meta:
        verbose_name = _("passage")
        verbose_name_plural = _("passages")
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["county", "day"], name="passage_county_day"),
            models.Index(fields=["county", "checkpoint", "at"], name="passage_county_cp_at"),
            models.Index(fields=["county", "household_pass", "day"], name="passage_county_pass"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(subject="vehicle") | ~models.Q(plate=""),
                name="passage_vehicle_has_plate",
            ),
            models.CheckConstraint(condition=models.Q(people__gte=1), name="passage_people_1"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.plate or self.name} {self.outcome}"

    @property
    def id_masked(self) -> str:
        return mask_id(self.id_number)

    @property
    def phone_masked(self) -> str:
        return mask_phone(self.phone)


class OccupantQuerySet(AreaScopedQuerySet["PassageOccupant"]):
    def in_area(self, area: Area) -> Self:
        return self.filter(
            county_id=area.county_id, passage__checkpoint__area__path__startswith=area.path
        )


class PassageOccupant(CountyScoped):
    """One person in a vehicle: each with their own ID, phone, temperature, destination and
    outcome (a fever or a risk origin decides for that person, not for the car)."""

    county_source = "passage"
    county = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="+", editable=False, db_index=False
    )
    passage = models.ForeignKey(
        Passage, verbose_name=_("passage"), on_delete=models.CASCADE, related_name="occupants"
    )
    position = models.PositiveSmallIntegerField(_("seat"), default=1)
    name = models.CharField(pgettext_lazy("person", "name"), max_length=50)
    phone = EncryptedTextField(_("phone"), blank=True)
    id_number = EncryptedTextField(_("ID number"), blank=True)
    id_number_index = models.CharField(max_length=32, blank=True, editable=False)
    travel_from = models.CharField(_("where from"), max_length=100, blank=True)
    via_risk_area = models.BooleanField(_("from a risk area"), default=False, editable=False)
    destination = models.CharField(_("where to"), max_length=100, blank=True)
    temperature = models.DecimalField(
        _("temperature (°C)"), max_digits=3, decimal_places=1, null=True, blank=True
    )
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices)
    resident = models.ForeignKey(
        "registry.Resident",
        verbose_name=_("registered resident"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    case = models.ForeignKey(
        "monitoring.ObservationCase",
        verbose_name=_("proposed observation case"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = OccupantQuerySet.as_manager()

    class Meta:
        verbose_name = _("occupant")
        verbose_name_plural = _("occupants")
        ordering = ["passage", "position", "pk"]
        indexes = [models.Index(fields=["county", "passage"], name="occupant_county_passage")]

    def __str__(self) -> str:
        return f"{self.position} {self.name}"

    @property
    def id_masked(self) -> str:
        return mask_id(self.id_number)

    @property
    def phone_masked(self) -> str:
        return mask_phone(self.phone)


class PassQuerySet(AreaScopedQuerySet["HouseholdPass"]):
    def in_area(self, area: Area) -> Self:
        return self.filter(county_id=area.county_id, household__area__path__startswith=area.path)

    def valid_on(self, day: dt.date) -> PassQuerySet:
        return self.filter(revoked_at__isnull=True, valid_from__lte=day, valid_until__gte=day)


class HouseholdPass(CountyScoped):
    """通行证 / 出入证 of one household: who may use it, until when, how often."""

    county_source = "household"

    household = models.ForeignKey(
        "registry.Household",
        verbose_name=_("household"),
        on_delete=models.PROTECT,
        related_name="passes",
    )
    number = models.CharField(_("pass number"), max_length=20, editable=False)
    token = models.CharField(max_length=32, unique=True, default=new_token, editable=False)
    holders = models.ManyToManyField(
        "registry.Resident",
        verbose_name=_("who may use it"),
        blank=True,
        related_name="+",
        help_text=_("Nobody chosen: any member of the household."),
    )
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"))
    uses_allowed = models.PositiveSmallIntegerField(
        _("times out allowed"),
        null=True,
        blank=True,
        help_text=_("e.g. 1 time out every 2 days for shopping; empty: no limit."),
    )
    every_days = models.PositiveSmallIntegerField(_("every … days"), default=1)
    rule_note = models.CharField(_("usage rule"), max_length=100, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False
    )
    issued_at = models.DateTimeField(default=timezone.now, editable=False)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True, editable=False)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    revoke_reason = models.CharField(_("reason"), max_length=200, blank=True, editable=False)

    objects = PassQuerySet.as_manager()

    class Meta:
        verbose_name = _("pass")
        verbose_name_plural = _("passes")
        ordering = ["-issued_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["county", "number"], name="pass_number_unique"),
            models.CheckConstraint(
                condition=models.Q(valid_until__gte=models.F("valid_from")),
                name="pass_until_after_from",
            ),
            models.CheckConstraint(condition=models.Q(every_days__gte=1), name="pass_every_1"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    def rule_text(self) -> str:
        if not self.uses_allowed:
            return self.rule_note or str(_("No limit"))
        text = _("%(n)d time(s) out every %(d)d day(s)") % {
            "n": self.uses_allowed,
            "d": self.every_days,
        }
        return f"{text} {self.rule_note}".strip()


class PreRegistrationQuerySet(models.QuerySet["PreRegistration"]):
    def pending(self, now: dt.datetime | None = None) -> PreRegistrationQuerySet:
        now = now or timezone.now()
        return self.filter(
            passage__isnull=True, dismissed=False, created_at__gte=now - PRE_REGISTRATION_TTL
        )


PRE_REGISTRATION_TTL = dt.timedelta(hours=6)


class PreRegistration(CountyScoped):
    """What a visitor typed on their own phone from the checkpoint's poster: pending until staff
    take the temperature and confirm (a passage), or dismiss it. Expires after six hours."""

    county_source = "checkpoint"

    checkpoint = models.ForeignKey(
        Checkpoint, on_delete=models.CASCADE, related_name="pre_registrations"
    )
    code = models.CharField(_("code"), max_length=6, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    direction = models.CharField(_("direction"), max_length=3, choices=Direction.choices)
    subject = models.CharField(_("who"), max_length=8, choices=Subject.choices)
    plate = models.CharField(_("plate"), max_length=10, blank=True)
    people = models.PositiveSmallIntegerField(_("number of people"), default=1)
    name = models.CharField(pgettext_lazy("person", "name"), max_length=50)
    phone = EncryptedTextField(_("phone"))
    id_number = EncryptedTextField(_("ID number"), blank=True)
    travel_from = models.CharField(_("where from"), max_length=100)
    destination = models.CharField(_("where to"), max_length=100, blank=True)
    purpose = models.CharField(_("why"), max_length=100, blank=True)
    # The other people in the vehicle as the visitor typed them (issue 15): a JSON list of
    # {"name", "phone", "id_number"}, encrypted whole (names too), gone with the registration.
    others = EncryptedTextField(_("other people in the vehicle"), blank=True, default="")
    passage = models.OneToOneField(
        Passage, on_delete=models.SET_NULL, null=True, blank=True, related_name="pre_registration"
    )
    dismissed = models.BooleanField(default=False)

    objects = PreRegistrationQuerySet.as_manager()

    class Meta:
        verbose_name = _("self-registration")
        verbose_name_plural = _("self-registrations")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["county", "checkpoint", "created_at"], name="prereg_cp_created")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def phone_masked(self) -> str:
        return mask_phone(self.phone)

    @property
    def id_masked(self) -> str:
        return mask_id(self.id_number)

    @property
    def other_people(self) -> list[dict[str, str]]:
        """The other people the visitor listed, in seat order (seat 2 on): name, phone, ID."""
        if not self.others:
            return []
        rows = json.loads(self.others)
        return [
            {k: str(row.get(k, "")) for k in ("name", "phone", "id_number")}
            for row in rows
            if isinstance(row, dict)
        ]

"""People at work and their organisations, duty rosters with clock-in, and red points.

- ``Worker``: a party member, volunteer, cadre, doctor, first secretary (第一书记), deputy or
  committee member (两代表一委员), optionally linked to a registered resident and to a login
  (``accounts.User``; at most one worker per user).
- ``PartyBranch`` (incl. 临时党支部 set up for the epidemic) and ``Team`` (e.g. seed 004's "four
  teams") with their members and the areas where they serve.
- ``HouseholdContact`` (联户): the households a worker is responsible for.
- ``Post`` / ``Shift`` / ``ShiftAssignment``: rosters for checkpoints, buildings and offices, with
  clock-in and clock-out; ``ShiftSwap`` keeps every swap with its reason.
- ``PointRule`` (the scheme, per county) and ``PointEntry`` (the ledger): each entry links to the
  record that earned it, once per (record, kind), held by a unique constraint.
"""

from __future__ import annotations

import datetime as dt
from typing import Self

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fangkong.areas.models import Area
from fangkong.core.fields import EncryptedTextField
from fangkong.core.masking import mask_phone
from fangkong.core.scoping import AreaFieldQuerySet, AreaScopedQuerySet
from fangkong.core.tenancy import CountyScoped

# Clocking in this long after the start is late; no clock-in by then is a missed clock-in.
LATE_AFTER = dt.timedelta(minutes=10)
# Clock-in opens this long before the start.
CLOCK_IN_OPENS = dt.timedelta(minutes=30)
# Clocking out more than this long before the end is leaving early (issue 15): flagged, and the
# shift's points are prorated to the time worked.
EARLY_BEFORE = dt.timedelta(minutes=10)


class WorkerKind(models.TextChoices):
    PARTY_MEMBER = "party_member", _("Party member")
    VOLUNTEER = "volunteer", _("Volunteer")
    CADRE = "cadre", _("Cadre")
    DOCTOR = "doctor", _("Doctor")
    FIRST_SECRETARY = "first_secretary", _("First secretary")
    DEPUTY = "deputy", _("Deputy or committee member")
    OTHER = "other", _("Other")


class WorkerQuerySet(AreaFieldQuerySet["Worker"]):
    pass


class PartyBranchQuerySet(AreaFieldQuerySet["PartyBranch"]):
    pass


class TeamQuerySet(AreaFieldQuerySet["Team"]):
    pass


class PostQuerySet(AreaFieldQuerySet["Post"]):
    pass


class Worker(CountyScoped):
    county_source = "area"
    county = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="+", editable=False, db_index=False
    )
    area = models.ForeignKey(
        Area, verbose_name=_("area"), on_delete=models.PROTECT, related_name="workers"
    )
    name = models.CharField(pgettext_lazy("person", "name"), max_length=50)
    kind = models.CharField(_("kind"), max_length=20, choices=WorkerKind.choices)
    party_member = models.BooleanField(_("party member"), default=False)
    organisation = models.CharField(_("organisation"), max_length=100, blank=True)
    phone = EncryptedTextField(_("phone"), blank=True)
    resident = models.ForeignKey(
        "registry.Resident",
        verbose_name=_("resident"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("login"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="worker",
    )

    objects = WorkerQuerySet.as_manager()

    class Meta:
        verbose_name = _("worker")
        verbose_name_plural = _("workers")
        ordering = ["area__path", "name", "pk"]
        indexes = [models.Index(fields=["county", "area"], name="worker_county_area")]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: object, **kwargs: object) -> None:
        if self.kind in {WorkerKind.PARTY_MEMBER, WorkerKind.FIRST_SECRETARY}:
            self.party_member = True
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    @property
    def phone_masked(self) -> str:
        return mask_phone(self.phone)


class PartyBranch(CountyScoped):
    county_source = "area"
    area = models.ForeignKey(
        Area, verbose_name=_("area"), on_delete=models.PROTECT, related_name="party_branches"
    )
    name = models.CharField(pgettext_lazy("thing", "name"), max_length=100)
    temporary = models.BooleanField(
        _("temporary branch"), default=False, help_text=_("临时党支部 set up for the epidemic.")
    )
    set_up_on = models.DateField(_("set up on"), null=True, blank=True)
    dissolved_on = models.DateField(_("dissolved on"), null=True, blank=True)
    secretary = models.ForeignKey(
        Worker,
        verbose_name=_("secretary"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="branches_led",
    )
    members = models.ManyToManyField(
        Worker, verbose_name=_("members"), blank=True, related_name="branches"
    )

    objects = PartyBranchQuerySet.as_manager()

    class Meta:
        verbose_name = _("party branch")
        verbose_name_plural = _("party branches")
        ordering = ["area__path", "temporary", "name", "pk"]

    def __str__(self) -> str:
        return self.name


class Team(CountyScoped):
    """A team sent to work in areas (e.g. cadres of 118 organisations sent to villages)."""

    county_source = "area"

    area = models.ForeignKey(
        Area,
        verbose_name=_("organised by (area)"),
        on_delete=models.PROTECT,
        related_name="teams",
    )
    name = models.CharField(pgettext_lazy("thing", "name"), max_length=100)
    description = models.CharField(_("description"), max_length=200, blank=True)
    dispatched_to = models.ManyToManyField(
        Area, verbose_name=_("dispatched to"), blank=True, related_name="+"
    )

    objects = TeamQuerySet.as_manager()

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ["area__path", "name", "pk"]

    def __str__(self) -> str:
        return self.name


class TeamMember(CountyScoped):
    county_source = "team"
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    worker = models.ForeignKey(Worker, on_delete=models.CASCADE, related_name="team_memberships")
    serves_in = models.ForeignKey(
        Area,
        verbose_name=_("serves in"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("team member")
        verbose_name_plural = _("team members")
        constraints = [
            models.UniqueConstraint(fields=["county", "team", "worker"], name="team_member_once")
        ]

    def __str__(self) -> str:
        return f"{self.team} · {self.worker}"


class HouseholdContactQuerySet(AreaScopedQuerySet["HouseholdContact"]):
    def in_area(self, area: Area) -> Self:
        return self.filter(county_id=area.county_id, household__area__path__startswith=area.path)


class HouseholdContact(CountyScoped):
    """联户: one worker is responsible for a household (one worker per household)."""

    county_source = "household"

    worker = models.ForeignKey(Worker, on_delete=models.CASCADE, related_name="contacts")
    household = models.ForeignKey(
        "registry.Household", on_delete=models.CASCADE, related_name="contact_workers"
    )
    since = models.DateField(_("since"), default=timezone.localdate)

    objects = HouseholdContactQuerySet.as_manager()

    class Meta:
        verbose_name = _("household contact")
        verbose_name_plural = _("household contacts")
        constraints = [
            models.UniqueConstraint(
                fields=["county", "household"], name="household_contact_one_worker"
            )
        ]

    def __str__(self) -> str:
        return f"{self.worker} · {self.household_id}"


class PostKind(models.TextChoices):
    CHECKPOINT = "checkpoint", _("Checkpoint")
    BUILDING = "building", _("Building")
    OFFICE = "office", _("Office")


class Post(CountyScoped):
    """A place that is staffed: a checkpoint, a building, an office."""

    county_source = "area"

    area = models.ForeignKey(
        Area, verbose_name=_("area"), on_delete=models.PROTECT, related_name="posts"
    )
    name = models.CharField(pgettext_lazy("thing", "name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=12, choices=PostKind.choices)
    checkpoint = models.OneToOneField(
        "checkpoints.Checkpoint",
        verbose_name=_("checkpoint"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="post",
    )
    min_staff = models.PositiveSmallIntegerField(_("people per shift"), default=2)

    objects = PostQuerySet.as_manager()

    class Meta:
        verbose_name = _("post")
        verbose_name_plural = _("posts")
        ordering = ["area__path", "name", "pk"]

    def __str__(self) -> str:
        return self.name


class ShiftPattern(models.Model):
    """How a day is cut into shifts, e.g. 24 hours in three: 00:00, 08:00, 16:00 for 8 hours."""

    name = models.CharField(pgettext_lazy("thing", "name"), max_length=50, unique=True)
    starts = models.JSONField(
        _("shift starts"), help_text=_('Local start times, e.g. ["00:00", "08:00", "16:00"].')
    )
    hours = models.PositiveSmallIntegerField(_("hours per shift"))

    class Meta:
        verbose_name = _("shift pattern")
        verbose_name_plural = _("shift patterns")

    def __str__(self) -> str:
        return self.name

    def start_times(self) -> list[dt.time]:
        return [dt.time.fromisoformat(s) for s in self.starts]


class ShiftQuerySet(AreaScopedQuerySet["Shift"]):
    def in_area(self, area: Area) -> Self:
        return self.filter(county_id=area.county_id, post__area__path__startswith=area.path)

    def on_day(self, day: dt.date) -> ShiftQuerySet:
        return self.filter(day=day)

    def with_staffing(self) -> ShiftQuerySet:
        return self.annotate(
            assigned=models.Count("assignments", distinct=True),
            clocked_in=models.Count(
                "assignments",
                filter=models.Q(assignments__clock_in_at__isnull=False),
                distinct=True,
            ),
        )


class Shift(CountyScoped):
    county_source = "post"
    county = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="+", editable=False, db_index=False
    )
    post = models.ForeignKey(
        Post, verbose_name=_("post"), on_delete=models.CASCADE, related_name="shifts"
    )
    day = models.DateField(_("date"))
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    min_staff = models.PositiveSmallIntegerField(_("people needed"), default=1)

    objects = ShiftQuerySet.as_manager()

    class Meta:
        verbose_name = _("shift")
        verbose_name_plural = _("shifts")
        ordering = ["starts_at", "post_id"]
        indexes = [models.Index(fields=["county", "day"], name="shift_county_day")]
        constraints = [
            models.UniqueConstraint(fields=["county", "post", "starts_at"], name="shift_once"),
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="shift_ends_after"
            ),
        ]

    def __str__(self) -> str:
        local = timezone.localtime(self.starts_at)
        end = timezone.localtime(self.ends_at)
        return f"{self.post} {local:%m-%d %H:%M}–{end:%H:%M}"


class AssignmentQuerySet(AreaScopedQuerySet["ShiftAssignment"]):
    def in_area(self, area: Area) -> Self:
        return self.filter(county_id=area.county_id, shift__post__area__path__startswith=area.path)

    def on_duty_at(self, moment: dt.datetime) -> AssignmentQuerySet:
        """Clocked in on a shift running at that moment, not clocked out."""
        return self.filter(
            shift__starts_at__lte=moment,
            shift__ends_at__gt=moment,
            clock_in_at__isnull=False,
            clock_out_at__isnull=True,
        )


class ShiftAssignment(CountyScoped):
    """One person on one shift (pairs: two assignments), with the clock-in and clock-out."""

    county_source = "shift"

    county = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="+", editable=False, db_index=False
    )
    shift = models.ForeignKey(Shift, on_delete=models.CASCADE, related_name="assignments")
    worker = models.ForeignKey(
        Worker, verbose_name=_("worker"), on_delete=models.PROTECT, related_name="assignments"
    )
    clock_in_at = models.DateTimeField(_("clocked in"), null=True, blank=True)
    clock_out_at = models.DateTimeField(_("clocked out"), null=True, blank=True)
    late = models.BooleanField(_("late"), default=False)

    objects = AssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("shift assignment")
        verbose_name_plural = _("shift assignments")
        ordering = ["shift__starts_at", "pk"]
        indexes = [models.Index(fields=["county", "worker"], name="assignment_county_worker")]
        constraints = [
            models.UniqueConstraint(fields=["county", "shift", "worker"], name="assignment_once"),
            models.CheckConstraint(
                condition=models.Q(clock_out_at__isnull=True)
                | models.Q(clock_in_at__isnull=False, clock_out_at__gte=models.F("clock_in_at")),
                name="assignment_out_after_in",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.shift} · {self.worker}"

    def missed(self, now: dt.datetime | None = None) -> bool:
        """No clock-in by the start plus the grace period."""
        now = now or timezone.now()
        return self.clock_in_at is None and now > self.shift.starts_at + LATE_AFTER

    @property
    def left_early(self) -> bool:
        """Clocked out more than ``EARLY_BEFORE`` before the shift's end."""
        return self.clock_out_at is not None and (
            self.clock_out_at < self.shift.ends_at - EARLY_BEFORE
        )

    @property
    def worked(self) -> dt.timedelta | None:
        """The time worked within the shift (clock-in to clock-out), once clocked out."""
        if self.clock_in_at is None or self.clock_out_at is None:
            return None
        start = max(self.clock_in_at, self.shift.starts_at)
        end = min(self.clock_out_at, self.shift.ends_at)
        return max(end - start, dt.timedelta(0))

    @property
    def worked_share(self) -> float:
        """The share of the shift worked, for its points: 1 for a full shift (within the grace
        periods at both ends: late by ``LATE_AFTER`` at most, out ``EARLY_BEFORE`` early at
        most), otherwise the time worked over the shift's length."""
        worked = self.worked
        if worked is None:
            return 0.0
        full = not self.left_early and not (
            self.clock_in_at and self.clock_in_at > self.shift.starts_at + LATE_AFTER
        )
        if full:
            return 1.0
        return min(1.0, worked / (self.shift.ends_at - self.shift.starts_at))


class ShiftSwap(CountyScoped):
    county_source = "assignment"
    assignment = models.ForeignKey(ShiftAssignment, on_delete=models.CASCADE, related_name="swaps")
    from_worker = models.ForeignKey(Worker, on_delete=models.PROTECT, related_name="+")
    to_worker = models.ForeignKey(Worker, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(_("reason"), max_length=200)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("shift swap")
        verbose_name_plural = _("shift swaps")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.from_worker} → {self.to_worker}"


class PointRule(models.Model):
    """One line of a county's red points scheme: a kind of work and what it earns."""

    county = models.ForeignKey(
        Area,
        verbose_name=_("county"),
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"level": "county"},
    )
    kind = models.CharField(
        _("kind of work"),
        max_length=40,
        help_text=_("The key sent with the work, e.g. shift_worked, household_visited."),
    )
    label = models.CharField(_("label"), max_length=100, blank=True)
    points = models.IntegerField(_("points"))
    active = models.BooleanField(_("in force"), default=True)

    class Meta:
        verbose_name = _("points rule")
        verbose_name_plural = _("points scheme")
        ordering = ["county_id", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["county", "kind"], name="point_rule_kind_once")
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.points}"


ADJUSTMENT = "adjustment"


class PointEntryQuerySet(AreaFieldQuerySet["PointEntry"]):
    pass


class PointEntry(CountyScoped):
    """One line of the ledger. Earned entries link to their record (content type + id) and are
    unique per (record, kind); adjustments have no record, a reason and the secretary who made
    them. ``worker`` is the person's worker record when there is one; the points stay with the
    ``user`` otherwise."""

    county_source = "area"

    county = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="+", editable=False, db_index=False
    )
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    worker = models.ForeignKey(
        Worker, on_delete=models.PROTECT, null=True, blank=True, related_name="points"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    kind = models.CharField(_("kind"), max_length=40)
    points = models.IntegerField(_("points"))
    day = models.DateField(_("date"))
    record_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    record_id = models.PositiveBigIntegerField(null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = PointEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("points entry")
        verbose_name_plural = _("points ledger")
        ordering = ["-day", "-pk"]
        indexes = [
            models.Index(fields=["county", "day"], name="points_county_day"),
            models.Index(fields=["county", "worker"], name="points_county_worker"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["county", "record_type", "record_id", "kind"],
                condition=models.Q(record_id__isnull=False),
                name="points_once_per_record_kind",
            ),
            models.CheckConstraint(
                condition=models.Q(record_id__isnull=False)
                | (models.Q(kind=ADJUSTMENT) & ~models.Q(reason="") & models.Q(by__isnull=False)),
                name="points_record_or_reasoned_adjustment",
            ),
            models.CheckConstraint(
                condition=models.Q(worker__isnull=False) | models.Q(user__isnull=False),
                name="points_have_a_person",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.kind} {self.points:+d}"

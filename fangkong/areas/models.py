"""The administrative tree: county → township → village → (group/building) → grid.

Each area keeps a materialised ``path`` built from the codes of its ancestors and itself
(``430502000000/430502005000/430502005201/01/``), so a subtree is one indexed prefix query at any
depth, and ``county`` (the tenant key of every large table) without a walk up the tree.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Concat, Replace, Substr
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

if TYPE_CHECKING:
    from fangkong.accounts.models import User


class Level(models.TextChoices):
    COUNTY = "county", _("County / district")
    TOWNSHIP = "township", _("Township / street")
    VILLAGE = "village", _("Village / community")
    GROUP = "group", _("Group / building")
    GRID = "grid", _("Grid")


LEVEL_ORDER = [Level.COUNTY, Level.TOWNSHIP, Level.VILLAGE, Level.GROUP, Level.GRID]
ADMINISTRATIVE_LEVELS = {Level.COUNTY, Level.TOWNSHIP, Level.VILLAGE}
# Which levels may sit directly under which.
CHILD_LEVELS: dict[str, set[str]] = {
    Level.COUNTY: {Level.TOWNSHIP},
    Level.TOWNSHIP: {Level.VILLAGE},
    Level.VILLAGE: {Level.GROUP, Level.GRID},
    Level.GROUP: {Level.GRID},
    Level.GRID: set(),
}


# How many leading digits of a descendant's division code come from an area of each level.
PREFIX_LENGTH: dict[str, int] = {Level.COUNTY: 6, Level.TOWNSHIP: 9, Level.VILLAGE: 12}


def existed_on(day: dt.date) -> models.Q:
    return (models.Q(established_on__isnull=True) | models.Q(established_on__lte=day)) & (
        models.Q(retired_on__isnull=True) | models.Q(retired_on__gt=day)
    )


def expected_on(day: dt.date) -> models.Q:
    return existed_on(day) & models.Q(level=Level.VILLAGE)


class AreaQuerySet(models.QuerySet["Area"]):
    def subtree(self, area: Area) -> AreaQuerySet:
        """The area and everything below it: one prefix query on the indexed path."""
        return self.filter(path__startswith=area.path)

    def for_user(self, user: User) -> AreaQuerySet:
        area = getattr(user, "area", None)
        if not user.is_authenticated or area is None:
            return self.none()
        return self.subtree(area)

    def children_of(self, area: Area) -> AreaQuerySet:
        return self.filter(parent=area)

    def existing_on(self, day: dt.date) -> AreaQuerySet:
        """Areas that existed on ``day``: established by then (or since always) and not retired."""
        return self.filter(existed_on(day))

    def expected_on(self, day: dt.date) -> AreaQuerySet:
        """The villages expected to send a daily report on ``day``: completeness and timeliness
        count a village only on the days it existed and was not retired."""
        return self.filter(expected_on(day))

    def with_expected(self, day: dt.date) -> AreaQuerySet:
        """Each area annotated ``expected`` (a village expected to report on ``day``), for
        callers that read the whole subtree in one query anyway."""
        return self.annotate(
            expected=models.Case(
                models.When(expected_on(day), then=models.Value(True)),
                default=models.Value(False),
                output_field=models.BooleanField(),
            )
        )

    def recode_subtree(
        self, *, old_path: str, new_path: str, old_code: str, new_code: str, level: str
    ) -> int:
        """Give an area a new code: its path, its descendants' paths and (below a county or a
        township) the division codes of the townships and villages below, in ONE UPDATE."""
        text = models.CharField()
        updates: dict[str, models.Expression] = {}
        n = PREFIX_LENGTH.get(level, 0)
        if n:
            # The county, township and village segments are the first 39 characters of every
            # path (13 each): the old prefix is replaced there and in the codes below.
            old_prefix, new_prefix = old_code[:n], new_code[:n]
            head = Replace(
                Concat(models.Value("/"), Substr("path", 1, 39), output_field=text),
                models.Value("/" + old_prefix),
                models.Value("/" + new_prefix),
            )
            updates["path"] = Concat(Substr(head, 2), Substr("path", 40), output_field=text)
            updates["code"] = models.Case(
                models.When(
                    level__in=list(ADMINISTRATIVE_LEVELS),
                    then=Concat(models.Value(new_prefix), Substr("code", n + 1), output_field=text),
                ),
                default=models.F("code"),
            )
        else:  # a group or grid: its own code and the paths below it
            updates["path"] = Concat(
                models.Value(new_path), Substr("path", len(old_path) + 1), output_field=text
            )
            updates["code"] = models.Case(
                models.When(path=old_path, then=models.Value(new_code)), default=models.F("code")
            )
        return self.filter(path__startswith=old_path).update(**updates)

    def current(self) -> AreaQuerySet:
        """Areas not retired (retired ones stay in history, out of the forms' choices)."""
        return self.filter(retired_on__isnull=True)


class Area(models.Model):
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent area"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    county = models.ForeignKey(
        "self",
        verbose_name=_("county"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    name = models.CharField(pgettext_lazy("thing", "name"), max_length=100)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    code = models.CharField(
        _("code"),
        max_length=12,
        help_text=_(
            "12-digit statistical division code for counties, townships and villages; "
            "a short local code (e.g. 01) for groups and grids."
        ),
    )
    path = models.CharField(_("path"), max_length=255, unique=True, editable=False)
    depth = models.PositiveSmallIntegerField(_("depth"), default=0, editable=False)
    established_on = models.DateField(
        _("established on"),
        null=True,
        blank=True,
        help_text=_("Expected to report from this day; empty: since always."),
    )
    retired_on = models.DateField(
        _("retired on"),
        null=True,
        blank=True,
        help_text=_("No longer expected to report from this day; kept in history."),
    )

    objects = AreaQuerySet.as_manager()

    class Meta:
        verbose_name = _("area")
        verbose_name_plural = _("areas")
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "code"], name="area_code_unique_in_parent"),
            models.UniqueConstraint(
                fields=["code"],
                condition=models.Q(level__in=["county", "township", "village"]),
                name="area_division_code_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: object, **kwargs: object) -> None:
        old_path = self.path
        self.path = (self.parent.path if self.parent else "") + f"{self.code}/"
        self.depth = self.parent.depth + 1 if self.parent else 0
        self.county_id = self.parent.county_id if self.parent else self.pk
        super().save(*args, **kwargs)  # type: ignore[arg-type]
        if self.parent is None and self.county_id != self.pk:
            self.county_id = self.pk
            Area.objects.filter(pk=self.pk).update(county_id=self.pk)
        if old_path and old_path != self.path:
            # The code changed (Django admin): the subtree follows, in one statement.
            old_code = old_path.rstrip("/").rsplit("/", 1)[-1]
            Area.objects.exclude(pk=self.pk).recode_subtree(
                old_path=old_path,
                new_path=self.path,
                old_code=old_code,
                new_code=self.code,
                level=self.level,
            )

    def clean(self) -> None:
        code = (self.code or "").strip()
        self.code = code
        if self.level in ADMINISTRATIVE_LEVELS:
            if len(code) == 6 and code.isdigit() and self.level == Level.COUNTY:
                self.code = code = code + "000000"
            if len(code) != 12 or not code.isdigit():
                raise ValidationError(
                    {"code": _("Counties, townships and villages use the 12-digit division code.")}
                )
        elif not code or len(code) > 12 or "/" in code:
            raise ValidationError({"code": _("Enter a local code of at most 12 characters.")})
        if self.parent is None:
            if self.level != Level.COUNTY:
                raise ValidationError({"parent": _("Only a county has no parent area.")})
        elif self.level not in CHILD_LEVELS[self.parent.level]:
            raise ValidationError(
                {
                    "level": _("A %(child)s cannot be placed under a %(parent)s.")
                    % {
                        "child": Level(self.level).label,
                        "parent": Level(self.parent.level).label,
                    }
                }
            )
        if self.level == Level.TOWNSHIP and self.parent and code[:6] != self.parent.code[:6]:
            raise ValidationError({"code": _("A township's code starts with its county's code.")})
        if self.level == Level.VILLAGE and self.parent and code[:9] != self.parent.code[:9]:
            raise ValidationError({"code": _("A village's code starts with its township's code.")})

    @property
    def is_retired(self) -> bool:
        return self.retired_on is not None

    @property
    def is_administrative(self) -> bool:
        return self.level in ADMINISTRATIVE_LEVELS

    def full_name(self) -> str:
        """'火车站乡 前进村 1网格' — the names from the township down, for addresses and lists."""
        names = list(self.ancestors().exclude(level=Level.COUNTY).values_list("name", flat=True))
        return " ".join([*names, self.name])

    def lineage_paths(self) -> list[str]:
        """The paths of the county, the township … down to this area itself."""
        parts = self.path.strip("/").split("/")
        return ["/".join(parts[:i]) + "/" for i in range(1, len(parts) + 1)]

    def ancestors(self) -> AreaQuerySet:
        return Area.objects.filter(path__in=self.lineage_paths()[:-1]).order_by("depth")

    def is_within(self, other: Area) -> bool:
        return self.path.startswith(other.path)

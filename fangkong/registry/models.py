"""The register: households and the residents who live in them.

ID and phone numbers are encrypted at rest (``EncryptedTextField``) and found by their HMAC blind
index (``*_index``). Every row carries ``county``, the tenant key, set from its area on write.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Self

from django.db import models
from django.db.models import Count
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fangkong.areas.models import Area
from fangkong.core import crypto
from fangkong.core.fields import EncryptedTextField
from fangkong.core.masking import mask_id, mask_phone
from fangkong.core.scoping import AreaScopedQuerySet
from fangkong.core.tenancy import CountyScoped

if TYPE_CHECKING:
    from fangkong.accounts.models import User


def id_index(number: str) -> str | None:
    """The blind index of an ID number; NULL (not '') when there is none, so that the unique
    (county, index) constraint is a plain index every lookup can use."""
    return crypto.blind_index(number, kind="id") if number else None


def phone_index(number: str) -> str:
    return crypto.blind_index(number, kind="phone") if number else ""


class HouseholdQuerySet(AreaScopedQuerySet["Household"]):
    def in_area(self, area: Area) -> Self:
        return self.under(area, "area__path")

    def with_member_count(self) -> HouseholdQuerySet:
        return self.annotate(member_count=Count("residents"))

    def search(self, query: str) -> HouseholdQuerySet:
        """Name or address fragments, or an exact full ID / phone number via the blind index."""
        from fangkong.core.validators import normalise_text

        query = query.strip()
        if not query:
            return self
        token = normalise_text(query)
        condition = (
            models.Q(head_name__contains=query)
            | models.Q(address__contains=query)
            | models.Q(number=query)
            | models.Q(residents__name__contains=query)
        )
        if len(token) >= 11:
            digits = token.removeprefix("+86")
            condition |= (
                models.Q(residents__id_number_index=id_index(token))
                | models.Q(residents__phone_index=phone_index(digits))
                | models.Q(phone_index=phone_index(digits))
            )
        matching = self.filter(condition).values("pk")
        return self.filter(pk__in=matching)


class Household(CountyScoped):
    county_source = "area"
    # The tenant key; its lookups are served by the composite indexes that start with it.
    county = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="+", editable=False, db_index=False
    )
    area = models.ForeignKey(
        Area,
        verbose_name=_("grid / area"),
        on_delete=models.PROTECT,
        related_name="households",
    )
    number = models.CharField(_("household number"), max_length=30, blank=True)
    address = models.CharField(_("address"), max_length=200)
    head_name = models.CharField(_("household head"), max_length=50)
    phone = EncryptedTextField(_("contact phone"), blank=True)
    phone_index = models.CharField(max_length=32, blank=True, db_index=True, editable=False)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # The first day a visit of this county's screening found someone at home or on the phone
    # (None: never). Kept by ``HouseholdVisit.save`` / ``bulk_create`` (visits are only ever
    # added) and set again when the household moves to another county, so the dashboard counts
    # households and those screened in one pass over the households (issue 19).
    screened_on = models.DateField(null=True, blank=True, editable=False)

    objects = HouseholdQuerySet.as_manager()

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        ordering = ["area__path", "address", "pk"]
        indexes = [
            models.Index(fields=["county", "area", "screened_on"], name="household_county_area_scr")
        ]

    def __str__(self) -> str:
        return f"{self.head_name} · {self.address}"

    def save(self, *args: object, **kwargs: object) -> None:
        self.phone_index = phone_index(self.phone)
        if not self._state.adding and not args and kwargs.get("update_fields") is None:
            # ``screened_on`` is the visits' to keep (a visit recorded while the household's
            # page was open must not be undone by saving the page).
            kwargs["update_fields"] = [
                f.name
                for f in self._meta.concrete_fields
                if not f.primary_key and f.name != "screened_on"
            ]
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    @property
    def phone_masked(self) -> str:
        return mask_phone(self.phone)


class IdType(models.TextChoices):
    RESIDENT_ID = "resident_id", _("Resident identity card")
    HK_MACAO = "hk_macao", _("Mainland travel permit for Hong Kong and Macao residents")
    TAIWAN = "taiwan", _("Mainland travel permit for Taiwan residents")
    PASSPORT = "passport", _("Passport")
    OTHER = "other", _("Other")
    # Numbers that follow GB 11643 like the identity card (checked the same way).
    RESIDENCE_PERMIT = (
        "residence_permit",
        _("Residence permit for Hong Kong, Macao and Taiwan residents"),
    )
    FOREIGN_PR = "foreign_pr", _("Foreign permanent resident ID card")


# Document kinds whose number is checked like the identity card (birth date, sex, check digit).
GB11643_ID_TYPES = frozenset({IdType.RESIDENT_ID, IdType.RESIDENCE_PERMIT, IdType.FOREIGN_PR})


class Sex(models.TextChoices):
    MALE = "M", _("Male")
    FEMALE = "F", _("Female")


class Relationship(models.TextChoices):
    HEAD = "head", _("Head of household")
    SPOUSE = "spouse", _("Spouse")
    CHILD = "child", _("Child")
    PARENT = "parent", _("Parent")
    GRANDCHILD = "grandchild", _("Grandchild")
    SIBLING = "sibling", _("Sibling")
    OTHER = "other", _("Other")


class ResidenceStatus(models.TextChoices):
    PERMANENT = "permanent", _("Permanent resident")
    AWAY = "away", _("Away")
    INCOMING = "incoming", _("Incoming / temporary")


VULNERABLE_FLAGS = [
    ("low_income", _("Subsistence allowance")),
    ("elderly_alone", _("Elderly living alone")),
    ("chronic_illness", _("Chronic or serious illness")),
    ("pregnant", _("Pregnant or postpartum")),
    ("disabled", _("Disabled")),
]


# The resident fields people write (forms, API, services), in the order forms show them.
RESIDENT_FIELDS = (
    "name",
    "relationship",
    "id_type",
    "id_number",
    "sex",
    "birth_date",
    "phone",
    "residence_status",
    "low_income",
    "elderly_alone",
    "chronic_illness",
    "pregnant",
    "disabled",
    "notes",
)
HOUSEHOLD_FIELDS = ("number", "head_name", "address", "phone", "notes")


class ResidentQuerySet(AreaScopedQuerySet["Resident"]):
    def in_area(self, area: Area) -> Self:
        return self.under(area, "household__area__path")

    def vulnerable(self) -> ResidentQuerySet:
        q = models.Q()
        for flag, _label in VULNERABLE_FLAGS:
            q |= models.Q(**{flag: True})
        return self.filter(q)


class Resident(CountyScoped):
    county_source = "household"
    # The tenant key; its lookups are served by the composite indexes that start with it.
    county = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="+", editable=False, db_index=False
    )
    household = models.ForeignKey(
        Household, verbose_name=_("household"), on_delete=models.CASCADE, related_name="residents"
    )
    relationship = models.CharField(
        _("relationship to head"),
        max_length=20,
        choices=Relationship.choices,
        default=Relationship.OTHER,
    )
    name = models.CharField(pgettext_lazy("person", "name"), max_length=50)
    id_type = models.CharField(
        _("ID type"), max_length=20, choices=IdType.choices, default=IdType.RESIDENT_ID
    )
    id_number = EncryptedTextField(_("ID number"), blank=True)
    id_number_index = models.CharField(max_length=32, null=True, blank=True, editable=False)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices, blank=True)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    phone = EncryptedTextField(_("phone"), blank=True)
    phone_index = models.CharField(max_length=32, blank=True, db_index=True, editable=False)
    residence_status = models.CharField(
        _("residence status"),
        max_length=20,
        choices=ResidenceStatus.choices,
        default=ResidenceStatus.PERMANENT,
    )
    low_income = models.BooleanField(_("subsistence allowance"), default=False)
    elderly_alone = models.BooleanField(_("elderly living alone"), default=False)
    chronic_illness = models.BooleanField(_("chronic or serious illness"), default=False)
    pregnant = models.BooleanField(_("pregnant or postpartum"), default=False)
    disabled = models.BooleanField(_("disabled"), default=False)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ResidentQuerySet.as_manager()

    class Meta:
        verbose_name = _("resident")
        verbose_name_plural = _("residents")
        ordering = ["household_id", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["county", "id_number_index"],
                name="resident_id_number_unique_in_county",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: object, **kwargs: object) -> None:
        self.id_number_index = id_index(self.id_number)
        self.phone_index = phone_index(self.phone)
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    @property
    def id_masked(self) -> str:
        return mask_id(self.id_number)

    @property
    def phone_masked(self) -> str:
        return mask_phone(self.phone)

    @property
    def vulnerable_labels(self) -> list[str]:
        return [str(label) for flag, label in VULNERABLE_FLAGS if getattr(self, flag)]


def household_area_id(resident: Resident) -> int:
    """The area of the resident's household (what cases keep as their own area), with no query
    when the household is loaded and one small one otherwise."""
    if Resident.household.is_cached(resident):
        return resident.household.area_id
    return Household.objects.values_list("area_id", flat=True).get(pk=resident.household_id)


class ImportJobQuerySet(models.QuerySet["ImportJob"]):
    def for_user(self, user: User) -> ImportJobQuerySet:
        """A user's own uploads, in an area they still see."""
        area = getattr(user, "area", None)
        if not user.is_authenticated or area is None:
            return self.none()
        return self.filter(user=user, area__path__startswith=area.path)


class ImportJob(models.Model):
    """One uploaded sheet: previewed, then imported (in the background for large files)."""

    class Status(models.TextChoices):
        UPLOADED = "uploaded", _("Uploaded")
        QUEUED = "queued", _("Waiting for the task worker")
        RUNNING = "running", _("Importing")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    token = models.CharField(max_length=32, unique=True, editable=False)
    user = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, related_name="+", editable=False
    )
    area = models.ForeignKey(Area, verbose_name=_("area"), on_delete=models.PROTECT)
    filename = models.CharField(_("file"), max_length=255)
    stored_path = models.CharField(max_length=500, editable=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.UPLOADED)
    dry_run = models.BooleanField(default=False)
    # The user's choices on the preview page: the worksheet, and header → field ("" = ignore).
    sheet_name = models.CharField(max_length=100, blank=True)
    columns = models.JSONField(null=True, blank=True)
    result = models.JSONField(null=True, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # The task worker's run of it (django-tasks-db's result id) and the rows in the file.
    task_id = models.CharField(max_length=64, blank=True, editable=False)
    total_rows = models.PositiveIntegerField(null=True, blank=True, editable=False)

    objects = ImportJobQuerySet.as_manager()

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.filename


class ImportProfileQuerySet(models.QuerySet["ImportProfile"]):
    def for_area(self, area: Area) -> ImportProfileQuerySet:
        """The profiles an import into ``area`` may use: saved for it or for an area above it."""
        return self.filter(area__path__in=area.lineage_paths())


class ImportProfile(models.Model):
    """A column map saved under a name for an area, so next week's sheet of the same layout
    imports with one click (the preview page, or ``import_residents --profile NAME``)."""

    area = models.ForeignKey(Area, verbose_name=_("area"), on_delete=models.CASCADE)
    name = models.CharField(_("name"), max_length=50)
    # Normalised header → field key ("" = ignore the column); see fangkong.core.sheets.
    columns = models.JSONField(default=dict)
    sheet_name = models.CharField(max_length=100, blank=True)
    created_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = ImportProfileQuerySet.as_manager()

    class Meta:
        verbose_name = _("import profile")
        verbose_name_plural = _("import profiles")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["area", "name"], name="importprofile_name_per_area")
        ]

    def __str__(self) -> str:
        return self.name


class ExportJobQuerySet(models.QuerySet["ExportJob"]):
    def for_user(self, user: User) -> ExportJobQuerySet:
        """A user's own large exports, in an area they still see."""
        area = getattr(user, "area", None)
        if not user.is_authenticated or area is None:
            return self.none()
        return self.filter(user=user, scope__path__startswith=area.path)


class ExportJob(models.Model):
    """A large export of the register written by the task worker: audited when asked for, the
    file sealed with the field key until it expires (``FANGKONG_UPLOAD_TTL_HOURS``)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting for the task worker")
        RUNNING = "running", _("Writing")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    token = models.CharField(max_length=32, unique=True, editable=False)
    user = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, related_name="+", editable=False
    )
    scope = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+", editable=False)
    area = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="+", null=True, blank=True, editable=False
    )
    kind = models.CharField(max_length=20, editable=False)
    query = models.CharField(max_length=100, blank=True, editable=False)
    full = models.BooleanField(default=False, editable=False)
    filename = models.CharField(max_length=255, editable=False)
    rows = models.PositiveIntegerField(default=0, editable=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    error = models.TextField(blank=True)
    task_id = models.CharField(max_length=64, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = ExportJobQuerySet.as_manager()

    class Meta:
        verbose_name = _("export")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.filename

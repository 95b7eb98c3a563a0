"""Users: each bound to one area and one role; the area's subtree is everything they may see."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils.translation import gettext_lazy as _

from fangkong.areas.models import Area


class Role(models.TextChoices):
    COUNTY_ADMIN = "county_admin", _("County administrator")
    TOWNSHIP_OFFICER = "township_officer", _("Township officer")
    VILLAGE_CADRE = "village_cadre", _("Village cadre")
    GRID_WORKER = "grid_worker", _("Grid worker")
    DOCTOR = "doctor", _("Village doctor")
    CHECKPOINT_STAFF = "checkpoint_staff", _("Checkpoint staff")
    INSPECTOR = "inspector", _("Inspector")
    VIEWER = "viewer", _("Read-only viewer")


# Roles that may change the household and resident register within their scope.
REGISTER_WRITERS = {
    Role.COUNTY_ADMIN,
    Role.TOWNSHIP_OFFICER,
    Role.VILLAGE_CADRE,
    Role.GRID_WORKER,
    Role.DOCTOR,
}
# Roles that work in the field beyond the register: errands, care visits, hand-outs of supplies,
# disinfection, gatherings (checkpoint staff stand for the volunteers and party members on duty).
FIELD_WORKERS = REGISTER_WRITERS | {Role.CHECKPOINT_STAFF}
# Roles that keep the stores of supplies and take donations.
STOREKEEPERS = {Role.COUNTY_ADMIN, Role.TOWNSHIP_OFFICER, Role.VILLAGE_CADRE}
# Roles that inspect (督查) and hold people to account.
INSPECTORS = {Role.COUNTY_ADMIN, Role.TOWNSHIP_OFFICER, Role.INSPECTOR}
# Roles that may reveal a full ID or phone number (each reveal is audited).
REVEALERS = REGISTER_WRITERS
# Roles that write nothing at all.
READ_ONLY_ROLES = {Role.VIEWER}


class User(AbstractUser):
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.VIEWER)
    area = models.ForeignKey(
        Area,
        verbose_name=_("area"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        help_text=_("The user sees this area and everything below it."),
    )
    phone = models.CharField(_("phone"), max_length=20, blank=True)

    objects = UserManager()  # type: ignore[misc]  # django-stubs declares it on the base class

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    @property
    def is_read_only(self) -> bool:
        return self.role in READ_ONLY_ROLES

    @property
    def can_write_register(self) -> bool:
        return self.role in REGISTER_WRITERS and self.area_id is not None

    @property
    def can_reveal(self) -> bool:
        return self.role in REVEALERS and self.area_id is not None

    @property
    def is_county_admin(self) -> bool:
        return self.role == Role.COUNTY_ADMIN and self.area_id is not None

    def can_see_area(self, area: Area) -> bool:
        return self.area is not None and area.is_within(self.area)


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def live(self) -> ApiTokenQuerySet:
        from django.utils import timezone

        return self.filter(revoked_at__isnull=True, expires_at__gt=timezone.now())


class ApiToken(models.Model):
    """An API token: only its SHA-256 is stored (the token is shown once, when made); it expires,
    and is revoked on a password change, on logout, or from the profile page."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    digest = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(_("token"), max_length=8, editable=False)  # to tell them apart
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API token")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.prefix}…"

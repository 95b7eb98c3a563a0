"""Users: each bound to one area and one role; the area's subtree is everything they may see."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils.translation import gettext_lazy as _

from fangkong.areas.models import Area


class Role(models.TextChoices):
    PROVINCE_ADMIN = "province_admin", _("Province / system administrator")
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
# Who may give which role: an administrator gives roles up to their own rank, never above.
ROLE_RANK: dict[str, int] = {
    Role.PROVINCE_ADMIN: 100,
    Role.COUNTY_ADMIN: 90,
    Role.TOWNSHIP_OFFICER: 70,
    Role.INSPECTOR: 60,
    Role.VILLAGE_CADRE: 50,
    Role.GRID_WORKER: 30,
    Role.DOCTOR: 30,
    Role.CHECKPOINT_STAFF: 20,
    Role.VIEWER: 10,
}


class ScopedUserManager(UserManager["User"]):
    def for_user(self, user: User) -> models.QuerySet[User]:
        """The accounts an administrator manages: those bound to an area of their subtree."""
        area = getattr(user, "area", None)
        if not user.is_authenticated or area is None:
            return self.none()
        return self.filter(area__path__startswith=area.path)


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
    must_change_password = models.BooleanField(
        _("must change the password"),
        default=False,
        help_text=_("Set by a password reset: the one-time password is changed at the next login."),
    )

    objects = ScopedUserManager()  # type: ignore[misc]  # django-stubs declares it on the base

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

    @property
    def can_create_counties(self) -> bool:
        """A superuser or a province/system administrator sets up counties and their first
        administrator."""
        return self.is_superuser or self.role == Role.PROVINCE_ADMIN

    @property
    def can_manage_accounts(self) -> bool:
        return self.is_county_admin

    def can_see_area(self, area: Area) -> bool:
        return self.area is not None and area.is_within(self.area)

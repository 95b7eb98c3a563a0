"""Users: each bound to one area and one role; the area's subtree is everything they may see."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils.translation import gettext_lazy as _

from fangkong.accounts.access import Cap, Role, caps_of, may
from fangkong.areas.models import Area
from fangkong.core.fields import EncryptedTextField
from fangkong.core.masking import mask_phone

__all__ = ["ROLE_RANK", "Role", "User"]

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
    # Encrypted at rest like the residents' (AES-GCM, core.fields); lists show ``phone_masked``.
    phone = EncryptedTextField(_("phone"), blank=True)
    must_change_password = models.BooleanField(
        _("must change the password"),
        default=False,
        help_text=_("Set by a password reset: the one-time password is changed at the next login."),
    )

    objects = ScopedUserManager()  # type: ignore[misc]  # django-stubs declares it on the base

    @property
    def phone_masked(self) -> str:
        return mask_phone(self.phone)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def may(self, capability: Cap, area: Area | None = None) -> bool:
        """What the access table (``accounts.access``) grants the user's role, in the user's area."""
        return may(self, capability, area)

    @property
    def is_read_only(self) -> bool:
        return all(c.verb == "read" for c in caps_of(self.role))

    @property
    def can_read_register(self) -> bool:
        return self.may(Cap.REGISTER_READ)

    @property
    def can_export_register(self) -> bool:
        return self.may(Cap.REGISTER_EXPORT)

    @property
    def can_write_register(self) -> bool:
        return self.may(Cap.REGISTER_WRITE)

    @property
    def can_reveal(self) -> bool:
        return self.may(Cap.REGISTER_REVEAL)

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
        return self.may(Cap.ACCOUNTS_MANAGE)

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

import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from engagement.models.directory import Organization
from engagement.models.reference import OrganizationKind


class Role(models.TextChoices):
    BD_MEMBER = "bd_member", _("Business-development member")
    PROGRAM_MANAGER = "program_manager", _("Program manager")
    INTEGRATOR = "integrator", _("Integrator")
    ADMIN = "admin", _("Administrator")


TEAM_ROLES = (Role.BD_MEMBER, Role.INTEGRATOR)


class Team(models.Model):
    """A business-development team of one Japanese company; it owns its CRM records."""

    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=200)
    company = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="teams",
        limit_choices_to={"kind": OrganizationKind.JAPANESE_COMPANY},
    )
    program_manager = models.ForeignKey(
        "engagement.User",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        limit_choices_to={"role": "program_manager"},
        help_text=_("Told about follow-ups long overdue; when empty, every program manager is."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.BD_MEMBER)
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.PROTECT, related_name="members"
    )
    language = models.CharField(max_length=8, choices=settings.LANGUAGES, default="en")
    time_zone = models.CharField(max_length=64, default=settings.DEFAULT_USER_TIME_ZONE)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(role__in=TEAM_ROLES) | models.Q(team__isnull=False),
                name="user_team_role_has_team",
            ),
            models.CheckConstraint(
                condition=models.Q(role__in=Role.values), name="user_role_valid"
            ),
        ]

    @property
    def is_program_manager(self) -> bool:
        return self.role == Role.PROGRAM_MANAGER

    @property
    def is_admin_role(self) -> bool:
        return self.role == Role.ADMIN or self.is_superuser


def _hash_key(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    """An integrator's key. Only its SHA-256 is stored; the key itself is shown once."""

    PREFIX_LENGTH = 8

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=PREFIX_LENGTH, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    read_only = models.BooleanField(default=False)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "name"],
                condition=models.Q(revoked_at=None),
                name="api_token_live_name_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def generate_key() -> str:
        return secrets.token_urlsafe(32)

    @staticmethod
    def hash_key(raw: str) -> str:
        return _hash_key(raw)

    @property
    def is_live(self) -> bool:
        if self.revoked_at is not None:
            return False
        return self.expires_at is None or self.expires_at > timezone.now()

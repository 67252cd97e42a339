"""Teams, users and API tokens."""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email, validate_slug
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from engagement.errors import Conflict, ValidationFailed
from engagement.models import (
    TEAM_ROLES,
    ApiToken,
    Organization,
    OrganizationKind,
    OrganizationNameKey,
    Role,
    Team,
    User,
)
from engagement.normalize import normalize_name


def company_find(name: str) -> Organization | None:
    """Find a Japanese company by any spelling of its English or Japanese name."""
    key = normalize_name(name)
    hit = (
        OrganizationNameKey.objects.filter(
            country="JP", key=key, organization__kind=OrganizationKind.JAPANESE_COMPANY
        )
        .select_related("organization")
        .first()
    )
    return hit.organization if hit else None


@transaction.atomic
def team_create(*, slug: str, company_name: str, name: str = "") -> Team:
    errors: dict[str, list[str]] = {}
    try:
        validate_slug(slug)
    except DjangoValidationError:
        errors["slug"] = ["Use letters, numbers, hyphens or underscores."]
    company = company_find(company_name)
    if company is None:
        errors["company"] = [f"No Japanese company named {company_name!r} in the directory."]
    if errors or company is None:
        raise ValidationFailed(errors)
    existing = Team.objects.filter(slug=slug).first()
    if existing is not None:
        raise Conflict(
            f"Team {slug!r} already exists (company {existing.company}).",
            errors={"slug": ["Already taken."]},
            existing=existing,
        )
    return Team.objects.create(slug=slug, company=company, name=name or f"{company.name} BD")


@transaction.atomic
def user_create(
    *,
    username: str,
    role: str,
    team_slug: str | None = None,
    email: str = "",
    password: str,
    language: str = "en",
    time_zone: str | None = None,
    check_password: bool = True,
) -> User:
    errors: dict[str, list[str]] = {}
    if not username.strip():
        errors["username"] = ["This field is required."]
    elif User.objects.filter(username=username).exists():
        raise Conflict(f"User {username!r} already exists.", errors={"username": ["Taken."]})
    if role not in Role.values:
        errors["role"] = [f"Must be one of: {', '.join(Role.values)}."]
    team = None
    if team_slug:
        team = Team.objects.filter(slug=team_slug).first()
        if team is None:
            errors["team"] = [f"No team with slug {team_slug!r}."]
    elif role in TEAM_ROLES:
        errors["team"] = [f"A {role} belongs to a team: pass --team SLUG."]
    if email:
        try:
            validate_email(email)
        except DjangoValidationError:
            errors["email"] = ["Enter a valid email address."]
    if language not in dict(settings.LANGUAGES):
        errors["language"] = ["Use en or ja."]
    tz = time_zone or settings.DEFAULT_USER_TIME_ZONE
    try:
        zoneinfo.ZoneInfo(tz)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        errors["time_zone"] = [f"{tz!r} is not an IANA time zone."]
    if check_password and not errors:
        try:
            validate_password(password, User(username=username, email=email))
        except DjangoValidationError as exc:
            errors["password"] = list(exc.messages)
    if errors:
        raise ValidationFailed(errors)
    user = User(
        username=username,
        email=email,
        role=role,
        team=team,
        language=language,
        time_zone=tz,
        is_staff=role == Role.ADMIN,
        is_superuser=role == Role.ADMIN,
    )
    user.set_password(password)
    user.save()
    return user


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    key: str  # shown once; only its hash is stored


@transaction.atomic
def api_token_create(
    *, user: User, name: str, read_only: bool = False, expires_at: datetime | None = None
) -> IssuedToken:
    errors: dict[str, list[str]] = {}
    if not name.strip():
        errors["name"] = ["This field is required."]
    if expires_at is not None and expires_at <= timezone.now():
        errors["expires_at"] = ["Must be in the future."]
    if errors:
        raise ValidationFailed(errors)
    if ApiToken.objects.filter(user=user, name=name, revoked_at=None).exists():
        raise Conflict(
            f"{user.username} already has a live token named {name!r}.",
            errors={"name": ["Taken by a live token."]},
        )
    key = ApiToken.generate_key()
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=key[: ApiToken.PREFIX_LENGTH],
        key_hash=ApiToken.hash_key(key),
        read_only=read_only,
        expires_at=expires_at,
    )
    return IssuedToken(token=token, key=key)


def api_token_revoke(*, token: ApiToken) -> ApiToken:
    # Conditional so that revoking twice keeps the first revocation time.
    ApiToken.objects.filter(pk=token.pk, revoked_at=None).update(revoked_at=timezone.now())
    token.refresh_from_db()
    return token


def api_token_authenticate(raw_key: str) -> ApiToken | None:
    token = (
        ApiToken.objects.select_related("user", "user__team")
        .filter(key_hash=ApiToken.hash_key(raw_key))
        .first()
    )
    if token is None or not token.is_live or not token.user.is_active:
        return None
    now = timezone.now()
    # Record use at most once a minute: a busy integrator should not mean a write per request.
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


def user_preferences_update(
    *, user: User, language: str | None = None, time_zone: str | None = None
) -> User:
    # The one write here a person makes on a page: its refusals are in their language (the
    # others are made by management commands, which speak English).
    errors: dict[str, Any] = {}
    if language is not None and language not in dict(settings.LANGUAGES):
        errors["language"] = [_("Use en or ja.")]
    if time_zone is not None:
        try:
            zoneinfo.ZoneInfo(time_zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            errors["time_zone"] = [
                _("%(time_zone)s is not an IANA time zone.") % {"time_zone": repr(time_zone)}
            ]
    if errors:
        raise ValidationFailed(errors)
    if language is not None:
        user.language = language
    if time_zone is not None:
        user.time_zone = time_zone
    user.save(update_fields=["language", "time_zone"])
    return user

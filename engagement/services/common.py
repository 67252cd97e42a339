"""Helpers shared by services: resolving reference codes, claiming a versioned row, and the
business calendar."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterable
from typing import TypeVar

from django.conf import settings
from django.db.models import F, Model
from django.utils import timezone

from engagement.errors import StaleWrite

M = TypeVar("M", bound=Model)


def resolve_codes(
    model: type[M],
    codes: Iterable[str] | None,
    field: str,
    errors: dict[str, list[str]],
    *,
    code_field: str = "code",
) -> list[M]:
    """Turn reference codes into rows; unknown codes become an error on `field`."""
    wanted = [str(c).strip() for c in (codes or []) if str(c).strip()]
    if not wanted:
        return []
    found = {
        getattr(o, code_field): o
        for o in model._default_manager.filter(**{f"{code_field}__in": wanted})
    }
    unknown = [c for c in dict.fromkeys(wanted) if c not in found]
    if unknown:
        errors.setdefault(field, []).append(f"Unknown code(s): {', '.join(unknown)}.")
    return [found[c] for c in dict.fromkeys(wanted) if c in found]


def claim_version(obj: Model, expected_version: int | None) -> None:
    """Bump `obj`'s version in one conditional UPDATE.

    When the caller read an older version (`expected_version`), no row matches and the write is
    refused: two people saving stale copies cannot both win, on SQLite as on PostgreSQL,
    because the check and the write are the same statement.
    """
    model = type(obj)
    rows = model._default_manager.filter(pk=obj.pk)
    if expected_version is not None:
        rows = rows.filter(version=expected_version)
    if rows.update(version=F("version") + 1) != 1:
        current = model._default_manager.filter(pk=obj.pk).values_list("version", flat=True).first()
        raise StaleWrite(
            f"This {model._meta.verbose_name} was changed by someone else "
            f"(you edited version {expected_version}, it is now at version {current}). "
            "Reload it and apply your change again."
        )
    obj.version = model._default_manager.filter(pk=obj.pk).values_list("version", flat=True).get()


def business_today(now: dt.datetime | None = None) -> dt.date:
    """Today in the business time zone (DEFAULT_USER_TIME_ZONE). Contract dates (an MoU's
    effective and expiry dates, milestones) are calendar days there: an MoU expiring on the 30th
    expires at midnight in Tokyo, whether a web request, a worker in UTC or a command asks."""
    zone = zoneinfo.ZoneInfo(settings.DEFAULT_USER_TIME_ZONE)
    return (now or timezone.now()).astimezone(zone).date()

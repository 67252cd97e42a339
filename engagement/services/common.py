"""Helpers shared by services: resolving reference codes, claiming a versioned row, and the
business calendar."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterable
from typing import Any, TypeVar

from django.conf import settings
from django.db import connections
from django.db.models import F, Model
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from engagement.errors import StaleWrite
from engagement.models import (
    Contact,
    Engagement,
    FollowUp,
    Incentive,
    MoU,
    Organization,
    Partnership,
    Pilot,
    Project,
)

M = TypeVar("M", bound=Model)
# The records written with a version that a stale copy cannot overwrite (claim_version).
VersionedRecord = (
    Engagement | Partnership | MoU | Pilot | FollowUp | Organization | Contact | Project | Incentive
)

# What refusals call a record, in the reader's language: most models do not translate their
# verbose_name. Keyed by model_name; the English is the model's verbose_name(_plural).
RECORD_NAMES = {
    "organization": (gettext_lazy("organization"), gettext_lazy("organizations")),
    "contact": (gettext_lazy("contact"), gettext_lazy("contacts")),
    "engagement": (gettext_lazy("engagement"), gettext_lazy("engagements")),
    "partnership": (gettext_lazy("partnership"), gettext_lazy("partnerships")),
    "mou": (gettext_lazy("MoU"), gettext_lazy("MoUs")),
    "pilot": (gettext_lazy("pilot"), gettext_lazy("pilots")),
    "milestone": (gettext_lazy("milestone"), gettext_lazy("milestones")),
    "kpi": (gettext_lazy("KPI"), gettext_lazy("KPIs")),
    "followup": (gettext_lazy("follow-up"), gettext_lazy("follow-ups")),
    "user": (gettext_lazy("user"), gettext_lazy("users")),
}


def record_name(model: type[Model], *, plural: bool = False) -> str:
    """The name of `model`'s records for a message, in the active language."""
    names = RECORD_NAMES.get(model._meta.model_name or "")
    if names is None:
        return str(model._meta.verbose_name_plural if plural else model._meta.verbose_name)
    return str(names[1] if plural else names[0])


def choice_labels(choices: Any, codes: Iterable[str]) -> str:
    """Statuses (or any choices) by their labels in the active language, as "Planned or
    Running": a refusal never shows a status's code."""
    labels = []
    for code in codes:
        try:
            labels.append(str(choices(code).label))
        except ValueError:
            labels.append(str(code))
    return _(" or ").join(labels)


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
        errors.setdefault(field, []).append(
            _("Unknown code(s): %(codes)s.") % {"codes": ", ".join(unknown)}
        )
    return [found[c] for c in dict.fromkeys(wanted) if c in found]


def claim_version(obj: VersionedRecord, expected_version: int | None) -> None:
    """Bump `obj`'s version in one conditional UPDATE.

    When the caller read an older version (`expected_version`), no row matches and the write is
    refused: two people saving stale copies cannot both win, on SQLite as on PostgreSQL,
    because the check and the write are the same statement.
    """
    model = type(obj)
    bumped = _bump_version(model, obj.pk, expected_version)
    if bumped is None:
        current = model._default_manager.filter(pk=obj.pk).values_list("version", flat=True).first()
        raise StaleWrite(
            _(
                "This %(record)s was changed by someone else (you edited version "
                "%(expected)s, it is now at version %(current)s). Reload it and apply your "
                "change again."
            )
            % {"record": record_name(model), "expected": expected_version, "current": current}
        )
    obj.version = bumped


def _column(field: object) -> str:
    """A concrete field's column name."""
    column = getattr(field, "column", None)
    if not isinstance(column, str):
        raise TypeError(f"{field!r} has no column of its own.")
    return column


def _bump_version(model: type[Model], pk: int, expected: int | None) -> int | None:
    """The row's version after adding one to it, None when no row (of that version) matched.
    The row is then locked by this transaction's UPDATE."""
    rows = model._default_manager.filter(pk=pk)
    if expected is not None:
        claimed = rows.filter(version=expected).update(version=F("version") + 1)
        return expected + 1 if claimed else None
    connection = connections[rows.db]
    # Django has no flag for UPDATE ... RETURNING; on the two databases this runs on, INSERT's
    # flag stands for it (PostgreSQL: both; SQLite: both came in 3.35).
    if not connection.features.can_return_columns_from_insert:
        # No RETURNING here (SQLite before 3.35): read the new version back.
        if not rows.update(version=F("version") + 1):
            return None
        return int(rows.values_list("version", flat=True).get())
    quote = connection.ops.quote_name
    meta = model._meta
    version, key = quote(_column(meta.get_field("version"))), quote(_column(meta.pk))
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {quote(meta.db_table)} SET {version} = {version} + 1 "
            f"WHERE {key} = %s RETURNING {version}",
            [pk],
        )
        row = cursor.fetchone()
    return None if row is None else int(row[0])


def business_today(now: dt.datetime | None = None) -> dt.date:
    """Today in the business time zone (DEFAULT_USER_TIME_ZONE). Contract dates (an MoU's
    effective and expiry dates, milestones) are calendar days there: an MoU expiring on the 30th
    expires at midnight in Tokyo, whether a web request, a worker in UTC or a command asks."""
    zone = zoneinfo.ZoneInfo(settings.DEFAULT_USER_TIME_ZONE)
    return (now or timezone.now()).astimezone(zone).date()

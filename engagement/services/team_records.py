"""Helpers shared by the services that write team-owned records."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db.models import Model
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from engagement import policy
from engagement.errors import NotPermitted, ValidationFailed
from engagement.models import Organization, Team, TimelineEvent, Tombstone, User
from engagement.services.common import record_name


def team_for_new_record(actor: policy.Actor, team: Team | None, model: type[Model]) -> Team:
    """The caller's team owns what the caller creates; system callers name the team."""
    if policy.is_system(actor):
        if team is None:
            raise ValidationFailed({"team": [_("A team is required.")]})
        return team
    if not policy.can_create(actor, model):
        raise NotPermitted(
            _("Your role may not create %(records)s: only members of a company's team can.")
            % {"records": record_name(model, plural=True)}
        )
    if team is not None and team.pk != actor.team_id and not policy.is_admin(actor):
        raise NotPermitted(_("You may only create records for your own team."))
    return team or actor.team


def check_change(actor: policy.Actor, obj: Model) -> None:
    if not policy.can_change(actor, obj):
        raise NotPermitted(
            _("You may not change this %(record)s.") % {"record": record_name(type(obj))}
        )


def as_date(
    value: Any, field: str, errors: dict[str, list[str]], *, required: bool = False
) -> dt.date | None:
    if value in (None, ""):
        if required:
            errors.setdefault(field, []).append(_("This field is required."))
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        parsed = parse_date(value) if isinstance(value, str) else None
    except ValueError:  # well formed but impossible, such as 2026-02-30
        parsed = None
    if parsed is None:
        errors.setdefault(field, []).append(_("Enter a date as YYYY-MM-DD."))
    return parsed


def as_datetime(
    value: Any, field: str, errors: dict[str, list[str]], *, required: bool = False
) -> dt.datetime | None:
    if value in (None, ""):
        if required:
            errors.setdefault(field, []).append(_("This field is required."))
        return None
    try:
        parsed = (
            value
            if isinstance(value, dt.datetime)
            else (parse_datetime(value) if isinstance(value, str) else None)
        )
    except ValueError:  # well formed but impossible, such as 2026-02-30T10:00
        parsed = None
    if parsed is None:
        errors.setdefault(field, []).append(_("Enter a date and time in ISO 8601."))
        return None
    if timezone.is_naive(parsed):
        # A time without an offset is read in the person's own time zone.
        parsed = timezone.make_aware(parsed, timezone.get_current_timezone())
    return parsed


def decimal_problem(value: Decimal, *, max_digits: int, decimal_places: int) -> str | None:
    """Why `value` cannot be stored in a DecimalField of that size, or None when it can."""
    if not value.is_finite():
        return _("Enter a number.")
    whole = max_digits - decimal_places
    if value.adjusted() >= whole or abs(value.quantize(Decimal(1).scaleb(-decimal_places))) >= (
        Decimal(10) ** whole
    ):
        return _("At most %(digits)s digits before the decimal point.") % {"digits": whole}
    return None


def resolve_ids(
    model: type[Model],
    values: Iterable[Any] | None,
    field: str,
    errors: dict[str, list[str]],
    queryset=None,
) -> list[Model]:
    items = list(values or [])
    objs = [v for v in items if isinstance(v, model)]
    ids: list[int] = []
    for v in items:
        if isinstance(v, model):
            continue
        try:
            ids.append(int(v))
        except (TypeError, ValueError):
            errors.setdefault(field, []).append(_("%(value)s is not an id.") % {"value": repr(v)})
    if ids:
        found = {
            o.pk: o
            for o in (queryset if queryset is not None else model._default_manager).filter(
                pk__in=ids
            )
        }
        missing = [i for i in dict.fromkeys(ids) if i not in found]
        if missing:
            errors.setdefault(field, []).append(
                _("No %(record)s with id(s) %(ids)s.")
                % {"record": record_name(model), "ids": ", ".join(map(str, missing))}
            )
        objs.extend(found[i] for i in dict.fromkeys(ids) if i in found)
    return objs


def team_members(team: Team):
    return User.objects.filter(team=team, is_active=True)


def record_event(
    *,
    team: Team,
    kind: str,
    obj: Model,
    actor: policy.Actor,
    at: dt.datetime | None = None,
    partnership=None,
    organizations: Iterable[Organization] = (),
    data: dict | None = None,
) -> TimelineEvent:
    event = TimelineEvent.objects.create(
        team=team,
        kind=kind,
        at=at or timezone.now(),
        actor=policy.person(actor),
        partnership=partnership,
        object_type=obj._meta.model_name,
        object_id=obj.pk,
        data=data or {},
    )
    orgs = list(organizations)
    if orgs:
        event.organizations.set(orgs)
    return event


def tombstone(resource: str, obj: Model, team: Team | None) -> None:
    Tombstone.objects.create(resource=resource, object_id=obj.pk, team=team)

"""Checking what a project or an incentive is given, field by field, before it is saved: every
problem is reported at once, with the field it belongs to."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Model
from django.utils.translation import gettext as _

from engagement import policy
from engagement.errors import Conflict, NotPermitted, ValidationFailed
from engagement.models import Capability, Incentive, MemberState, Organization, Project, Thrust
from engagement.rules import INCENTIVE_TEXT, PROJECT_TEXT, TextLimit
from engagement.services import hooks
from engagement.services.common import business_today, resolve_codes
from engagement.services.projects.parsing import CODE, YEARS, parse_month, parse_year


def may_write(actor: policy.Actor, model: type[Model], obj: Model | None = None) -> None:
    allowed = policy.can_create(actor, model) if obj is None else policy.can_change(actor, obj)
    if not allowed:
        raise NotPermitted(
            _("Only program managers and administrators record projects and incentives.")
        )


def _text(data, current, field, errors, *, limit: TextLimit, required=False) -> str:
    value = str(data.get(field, getattr(current, field, "") if current else "") or "").strip()
    if required and not value:
        errors[field] = [_("This field is required.")]
    else:
        limit.check(value, field, errors)
    return value


def _texts(data, current, limits: dict[str, TextLimit], errors, *, required) -> dict[str, str]:
    """Each text `limits` names, by _text with its own limit."""
    return {
        field: _text(data, current, field, errors, limit=limit, required=field in required)
        for field, limit in limits.items()
    }


def _choice(data, current, field, choices, errors) -> str:
    value = str(data.get(field, getattr(current, field, "") if current else "") or "")
    if value not in choices:
        errors[field] = [_("Must be one of: %(values)s.") % {"values": ", ".join(choices)}]
    return value


def _year(data, current, field, errors) -> int | None:
    if field not in data:
        return getattr(current, field, None) if current else None
    if data[field] in (None, ""):
        return None
    year = parse_year(data[field])
    if year is None:
        errors[field] = [
            _("A year from %(first)s to %(last)s.") % {"first": YEARS[0], "last": YEARS[1]}
        ]
    return year


def _code(data, current, errors) -> str:
    if current is not None:
        if "code" in data and data["code"] != current.code:
            errors["code"] = [_("A code is stable: the API and imports address the record by it.")]
        return current.code
    code = str(data.get("code") or "").strip().upper()
    if not CODE.match(code):
        errors["code"] = [
            _(
                "2 to 60 capital letters, digits, dots, hyphens or underscores, "
                "e.g. MY-ROHM-KELANTAN."
            )
        ]
    return code


def _organization(data, current, field, errors) -> Organization | None:
    if field not in data:
        return getattr(current, field) if current else None
    value = data[field]
    if value in (None, ""):
        return None
    found = Organization.objects.filter(pk=value).first() if str(value).isdigit() else None
    if found is None:
        errors[field] = [_("No organization has id %(id)s.") % {"id": value}]
    return found


def _m2m(data, field, model, errors) -> list | None:
    if field not in data:
        return None  # unchanged
    return resolve_codes(model, data[field], field, errors)


def refuse_taken_code(model: type[Model], code: str) -> None:
    existing = model._default_manager.filter(code=code).first()
    if existing is not None:
        raise Conflict(
            _("The code %(code)s is already used by %(name)s.")
            % {"code": code, "name": existing.name_en},
            errors={"code": [_("Already used.")]},
            existing=existing,
        )


def project_clean(data: dict[str, Any], current: Project | None) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    if current is not None and "phase" in data and data["phase"] != current.phase:
        errors["phase"] = [_("Change the phase with the phase change, which tells followers.")]
    clean: dict[str, Any] = {
        "code": _code(data, current, errors),
        **_texts(
            data, current, PROJECT_TEXT, errors, required=("name_en", "owner_name", "sources")
        ),
        "owner": _organization(data, current, "owner", errors),
        "kind": _choice(data, current, "kind", Project.Kind.values, errors),
        "announced_year": _year(data, current, "announced_year", errors),
        "production_start_year": _year(data, current, "production_start_year", errors),
    }
    if current is None:
        clean["phase"] = _choice(data, None, "phase", Project.Phase.values, errors)
    clean["phase_as_of"] = clean_phase_as_of(data, current, errors)
    country = str(data.get("country", current.country.iso2 if current else "") or "").upper()
    clean["country"] = MemberState.objects.filter(iso2=country).first()
    if clean["country"] is None:
        errors["country"] = [_("%(code)s is not an ASEAN member state code.") % {"code": country}]
    capabilities = _m2m(data, "capabilities", Capability, errors)
    if errors:
        raise ValidationFailed(errors)
    return {"fields": clean, "capabilities": capabilities}


def clean_phase_as_of(data, current, errors) -> dt.date | None:
    if "phase_as_of" not in data and current is not None:
        return current.phase_as_of
    as_of = parse_month(data.get("phase_as_of"))
    if as_of is None:
        errors["phase_as_of"] = [_("The month of the latest source: YYYY-MM or a date.")]
    elif as_of > business_today().replace(day=1):
        errors["phase_as_of"] = [_("A phase is as of a source, not a month still to come.")]
    return as_of


def incentive_clean(data: dict[str, Any], current: Incentive | None) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    clean: dict[str, Any] = {
        "code": _code(data, current, errors),
        **_texts(
            data, current, INCENTIVE_TEXT, errors, required=("name_en", "agency_name", "sources")
        ),
        "agency": _organization(data, current, "agency", errors),
        "kind": _choice(data, current, "kind", Incentive.Kind.values, errors),
    }
    country = str(data.get("country", current.country if current else "") or "").upper()
    if country != "JP" and not MemberState.objects.filter(iso2=country).exists():
        errors["country"] = [
            _("%(code)s is neither an ASEAN member state code nor JP.") % {"code": country}
        ]
    clean["country"] = country
    clean["deadline"] = current.deadline if current else None
    if "deadline" in data:
        clean["deadline"] = _date(data["deadline"], "deadline", errors)
    capabilities = _m2m(data, "capabilities", Capability, errors)
    thrusts = _m2m(data, "thrusts", Thrust, errors)
    if errors:
        raise ValidationFailed(errors)
    return {"fields": clean, "capabilities": capabilities, "thrusts": thrusts}


def _date(value: Any, field: str, errors: dict[str, list[str]]) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        errors[field] = [_("Enter a date as YYYY-MM-DD.")]
        return None


def save_cleaned(obj: Project | Incentive, clean: dict[str, Any], actor: policy.Actor) -> Any:
    for field, value in clean.pop("fields").items():
        setattr(obj, field, value)
    obj._history_user = policy.person(actor)
    obj.save()
    for field, items in clean.items():
        if items is not None:
            getattr(obj, field).set(items)
    counterpart_written(obj)
    return obj


def counterpart_written(obj: Project | Incentive) -> None:
    """Suggestions read a project's phase and needs and an incentive's deadline: say so."""
    if isinstance(obj, Project):
        hooks.counterpart_changed(project=obj)
    else:
        hooks.counterpart_changed(incentive=obj)

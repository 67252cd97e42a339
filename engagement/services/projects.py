"""Writes to projects and incentives (shared market intelligence: program managers and
administrators record them), following them, and telling followers what changed.

- `project_phase_change` claims the change with a conditional UPDATE on the phase the caller
  saw, records the history and tells each follower once (key `project-phase:<id>:<phase>:<user>`):
  a double submit, or the same change sent twice, notifies once.
- `incentive_deadlines` is the background job: followers of an incentive, and of its member
  state, hear of its deadline INCENTIVE_DEADLINE_NOTICE_DAYS before, once per notice.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Model
from django.utils import translation
from django.utils.translation import gettext as _

from engagement import policy
from engagement.errors import Conflict, NotPermitted, StaleWrite, ValidationFailed
from engagement.models import (
    Capability,
    Follow,
    Incentive,
    MemberState,
    Notification,
    OpportunityFollow,
    Organization,
    OrganizationNameKey,
    Project,
    Thrust,
    User,
)
from engagement.normalize import normalize_name
from engagement.services.common import business_today, claim_version, resolve_codes
from engagement.services.notifications import notify

CODE = re.compile(r"^[A-Z0-9][A-Z0-9._-]{1,59}$")
YEARS = (1990, 2100)

# --- Parsing shared with the reference loader ----------------------------------------------------


def parse_month(value: Any) -> dt.date | None:
    """ "2025-08" or a date → the first day of that month; None when it is neither."""
    if isinstance(value, dt.date):
        return value.replace(day=1)
    text = str(value or "").strip()
    try:
        if re.fullmatch(r"\d{4}-\d{2}", text):
            return dt.date.fromisoformat(f"{text}-01")
        return dt.date.fromisoformat(text).replace(day=1)
    except ValueError:
        return None


def parse_year(value: Any) -> int | None:
    text = str(value if value is not None else "").strip()
    if not re.fullmatch(r"\d{4}", text):
        return None
    year = int(text)
    return year if YEARS[0] <= year <= YEARS[1] else None


# --- Finding owners and agencies in the directory ------------------------------------------------


def _name_candidates(name: str) -> list[str]:
    """The name as written, and before its parenthesis: "ROHM (ROHM Electronics (Malaysia),
    formerly ...)" is ROHM; an agency list "MIDA, MITI" is looked up by its first agency."""
    first = re.split(r"[,;]| with | and ", name, maxsplit=1)[0]
    out = [name, name.split(" (", 1)[0], first, first.split(" (", 1)[0]]
    return [n for n in dict.fromkeys(s.strip() for s in out) if n]


def _in_directory(name: str, countries: Iterable[str]) -> Organization | None:
    keys = [k for k in (normalize_name(n) for n in _name_candidates(name)) if k]
    if not keys:
        return None
    hits = {
        (nk.key, nk.country): nk.organization_id
        for nk in OrganizationNameKey.objects.filter(key__in=keys, country__in=list(countries))
    }
    for key in keys:  # the most specific spelling first
        for country in countries:
            if (key, country) in hits:
                return Organization.objects.get(pk=hits[(key, country)])
    # The directory's name may carry an abbreviation the source does not: "... for GaN (NSTIC)".
    for org in Organization.objects.filter(country__in=list(countries), name__contains=" ("):
        if normalize_name(org.name.split(" (", 1)[0]) in keys:
            return org
    return None


def owner_in_directory(owner_name: str, country: str) -> Organization | None:
    """The directory's organization for a project owner: an institution of the project's
    member state, or a Japanese company. Foreign owners (Infineon, Intel) are not in it."""
    return _in_directory(owner_name, [country, "JP"])


def agency_in_directory(agency_name: str, country: str) -> Organization | None:
    return _in_directory(agency_name, [country, ""])


@transaction.atomic
def projects_link_directory() -> int:
    """Link projects and incentives with no organization to the directory's, where it now has
    them (after the demo directory is loaded). Only fills blanks, so it is safe to run again."""
    linked = 0
    for project in Project.objects.filter(owner__isnull=True).select_related("country"):
        owner = owner_in_directory(project.owner_name, project.country.iso2)
        if owner is not None:
            _link(project, "owner", owner)
            linked += 1
    for incentive in Incentive.objects.filter(agency__isnull=True):
        agency = agency_in_directory(incentive.agency_name, incentive.country)
        if agency is not None:
            _link(incentive, "agency", agency)
            linked += 1
    return linked


def _link(obj: Project | Incentive, field: str, organization: Organization) -> None:
    claim_version(obj, None)
    setattr(obj, field, organization)
    obj.save(update_fields=[field, "version", "updated_at"])


# --- Validation ------------------------------------------------------------------------------


def _may_write(actor: Any, model: type[Model], obj: Model | None = None) -> None:
    if actor is None:  # system writes: loaders, commands
        return
    allowed = policy.can_create(actor, model) if obj is None else policy.can_change(actor, obj)
    if not allowed:
        raise NotPermitted(
            _("Only program managers and administrators record projects and incentives.")
        )


def _text(data, current, field, errors, *, limit=None, required=False) -> str:
    value = str(data.get(field, getattr(current, field, "") if current else "") or "").strip()
    if required and not value:
        errors[field] = [_("This field is required.")]
    elif limit and len(value) > limit:
        errors[field] = [_("At most %(limit)s characters.") % {"limit": limit}]
    return value


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


def _refuse_taken_code(model: type[Model], code: str) -> None:
    existing = model._default_manager.filter(code=code).first()
    if existing is not None:
        raise Conflict(
            _("The code %(code)s is already used by %(name)s.")
            % {"code": code, "name": existing.name_en},
            errors={"code": [_("Already used.")]},
            existing=existing,
        )


def _project_clean(data: dict[str, Any], current: Project | None) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    if current is not None and "phase" in data and data["phase"] != current.phase:
        errors["phase"] = [_("Change the phase with the phase change, which tells followers.")]
    clean: dict[str, Any] = {
        "code": _code(data, current, errors),
        "name_en": _text(data, current, "name_en", errors, limit=200, required=True),
        "name_ja": _text(data, current, "name_ja", errors, limit=200),
        "owner_name": _text(data, current, "owner_name", errors, limit=300, required=True),
        "owner": _organization(data, current, "owner", errors),
        "site": _text(data, current, "site", errors, limit=300),
        "kind": _choice(data, current, "kind", Project.Kind.values, errors),
        "technology": _text(data, current, "technology", errors),
        "sources": _text(data, current, "sources", errors, required=True),
        "note": _text(data, current, "note", errors),
        "announced_year": _year(data, current, "announced_year", errors),
        "production_start_year": _year(data, current, "production_start_year", errors),
    }
    if current is None:
        clean["phase"] = _choice(data, None, "phase", Project.Phase.values, errors)
    clean["phase_as_of"] = _phase_as_of(data, current, errors)
    country = str(data.get("country", current.country.iso2 if current else "") or "").upper()
    clean["country"] = MemberState.objects.filter(iso2=country).first()
    if clean["country"] is None:
        errors["country"] = [_("%(code)s is not an ASEAN member state code.") % {"code": country}]
    capabilities = _m2m(data, "capabilities", Capability, errors)
    if errors:
        raise ValidationFailed(errors)
    return {"fields": clean, "capabilities": capabilities}


def _phase_as_of(data, current, errors) -> dt.date | None:
    if "phase_as_of" not in data and current is not None:
        return current.phase_as_of
    as_of = parse_month(data.get("phase_as_of"))
    if as_of is None:
        errors["phase_as_of"] = [_("The month of the latest source: YYYY-MM or a date.")]
    elif as_of > business_today().replace(day=1):
        errors["phase_as_of"] = [_("A phase is as of a source, not a month still to come.")]
    return as_of


def _incentive_clean(data: dict[str, Any], current: Incentive | None) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    clean: dict[str, Any] = {
        "code": _code(data, current, errors),
        "name_en": _text(data, current, "name_en", errors, limit=200, required=True),
        "name_ja": _text(data, current, "name_ja", errors, limit=200),
        "agency_name": _text(data, current, "agency_name", errors, limit=300, required=True),
        "agency": _organization(data, current, "agency", errors),
        "kind": _choice(data, current, "kind", Incentive.Kind.values, errors),
        "who_can_apply": _text(data, current, "who_can_apply", errors),
        "benefit": _text(data, current, "benefit", errors),
        "sources": _text(data, current, "sources", errors, required=True),
        "note": _text(data, current, "note", errors),
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


def _save(obj: Project | Incentive, clean: dict[str, Any], actor: Any) -> Any:
    for field, value in clean.pop("fields").items():
        setattr(obj, field, value)
    obj._history_user = actor
    obj.save()
    for field, items in clean.items():
        if items is not None:
            getattr(obj, field).set(items)
    return obj


# --- Projects --------------------------------------------------------------------------------


@transaction.atomic
def project_create(*, actor: Any = None, **data: Any) -> Project:
    _may_write(actor, Project)
    clean = _project_clean(data, None)
    _refuse_taken_code(Project, clean["fields"]["code"])
    try:
        with transaction.atomic():
            return _save(Project(), clean, actor)
    except IntegrityError:
        # Someone created the same code between our check and our write.
        _refuse_taken_code(Project, clean["fields"]["code"])
        raise


@transaction.atomic
def project_update(
    *, actor: Any = None, project: Project, expected_version: int | None = None, **changes: Any
) -> Project:
    """Change a project's facts; its phase changes through project_phase_change."""
    _may_write(actor, Project, project)
    clean = _project_clean(changes, project)
    claim_version(project, expected_version)
    return _save(project, clean, actor)


@transaction.atomic
def project_phase_change(
    *,
    actor: Any = None,
    project: Project,
    phase: str,
    phase_as_of: Any,
    expected_version: int | None = None,
    source: str = "",
) -> Project:
    """Move a project to `phase` as of a source's month, and tell its followers once.

    The claim is one conditional UPDATE on the phase the caller saw (and its version, when
    given): of two identical submissions one changes the phase and the other is refused."""
    _may_write(actor, Project, project)
    errors: dict[str, list[str]] = {}
    if phase not in Project.Phase.values:
        errors["phase"] = [
            _("Must be one of: %(values)s.") % {"values": ", ".join(Project.Phase.values)}
        ]
    elif phase == project.phase:
        errors["phase"] = [_("The project is already at this phase.")]
    as_of = _phase_as_of({"phase_as_of": phase_as_of}, None, errors)
    if errors:
        raise ValidationFailed(errors)
    seen = project.phase
    rows = Project.objects.filter(pk=project.pk, phase=seen)
    if expected_version is not None:
        rows = rows.filter(version=expected_version)
    if rows.update(phase=phase, phase_as_of=as_of, version=F("version") + 1) != 1:
        raise StaleWrite(
            _("This project changed since you read it (another phase change?). Reload it.")
        )
    project.refresh_from_db()
    if source.strip():
        project.sources = f"{project.sources}\n{source.strip()}".strip()
    project._history_user = actor
    project._change_reason = f"phase {seen} → {phase}"
    project.save()  # the history row of the change
    _tell_followers(project, seen)
    return project


def _tell_followers(project: Project, previous: str) -> None:
    followers = User.objects.filter(opportunity_follows__project=project, is_active=True).order_by(
        "pk"
    )
    for user in followers:
        with translation.override(user.language):
            values = {
                "name": project.display_name,
                "phase": project.get_phase_display(),
                "previous": Project.Phase(previous).label,
                "month": project.phase_as_of.strftime("%Y-%m"),
            }
            subject = _("%(name)s is now at %(phase)s") % values
            body = _("%(name)s moved from %(previous)s to %(phase)s (as of %(month)s).") % values
        notify(
            user=user,
            kind=Notification.Kind.PROJECT_PHASE,
            key=f"project-phase:{project.pk}:{project.phase}:{user.pk}",
            subject=subject,
            body=body,
            url=f"/projects/{project.code}/",
        )


# --- Incentives ------------------------------------------------------------------------------


@transaction.atomic
def incentive_create(*, actor: Any = None, **data: Any) -> Incentive:
    _may_write(actor, Incentive)
    clean = _incentive_clean(data, None)
    _refuse_taken_code(Incentive, clean["fields"]["code"])
    try:
        with transaction.atomic():
            return _save(Incentive(), clean, actor)
    except IntegrityError:
        _refuse_taken_code(Incentive, clean["fields"]["code"])
        raise


@transaction.atomic
def incentive_update(
    *,
    actor: Any = None,
    incentive: Incentive,
    expected_version: int | None = None,
    **changes: Any,
) -> Incentive:
    _may_write(actor, Incentive, incentive)
    clean = _incentive_clean(changes, incentive)
    claim_version(incentive, expected_version)
    return _save(incentive, clean, actor)


# --- Following -------------------------------------------------------------------------------


@transaction.atomic
def opportunity_follow(
    *, user: Any, project: Project | None = None, incentive: Incentive | None = None
) -> OpportunityFollow:
    """Follow (pursue) a project or an incentive; following it twice is refused."""
    if (project is None) == (incentive is None):
        raise ValidationFailed({"subject": [_("Follow exactly one project or incentive.")]})
    try:
        with transaction.atomic():
            return OpportunityFollow.objects.create(user=user, project=project, incentive=incentive)
    except IntegrityError:
        raise Conflict(
            _("You already follow it."), errors={"subject": [_("Already followed.")]}
        ) from None


@transaction.atomic
def opportunity_unfollow(*, user: Any, follow: OpportunityFollow) -> None:
    if follow.user_id != user.pk:
        raise NotPermitted(_("That is not your follow."))
    follow.delete()


# --- The deadline job ------------------------------------------------------------------------


def _deadline_people(incentive: Incentive) -> list[User]:
    """Who follows the incentive, or the member state it is offered in."""
    ids = set(
        OpportunityFollow.objects.filter(incentive=incentive).values_list("user_id", flat=True)
    ) | set(
        Follow.objects.filter(member_state__iso2=incentive.country).values_list(
            "user_id", flat=True
        )
    )
    return list(User.objects.filter(is_active=True, pk__in=ids).order_by("pk"))


def incentive_deadline_notices(*, today: dt.date, dry_run: bool = False) -> list[str]:
    """At each of INCENTIVE_DEADLINE_NOTICE_DAYS before an incentive's deadline, tell its
    followers (and its member state's) once: the key names the incentive, its deadline (a moved
    deadline is news again), the notice and the person, so a second run tells no one."""
    notices = sorted(settings.INCENTIVE_DEADLINE_NOTICE_DAYS)
    if not notices:
        return []
    due = Incentive.objects.filter(
        deadline__gt=today, deadline__lte=today + dt.timedelta(days=max(notices))
    ).order_by("deadline", "pk")
    actions: list[str] = []
    for incentive in due:
        left = (incentive.deadline - today).days
        notice = next(n for n in notices if left <= n)
        for person in _deadline_people(incentive):
            key = (
                f"incentive-deadline:{incentive.pk}:{incentive.deadline.isoformat()}:"
                f"{notice}:{person.pk}"
            )
            if dry_run:
                if not Notification.objects.filter(dedupe_key=key).exists():
                    actions.append(f"tell {person.username} {incentive.code} closes in {left} days")
                continue
            with translation.override(person.language):
                values = {
                    "name": incentive.display_name,
                    "days": left,
                    "date": incentive.deadline.isoformat(),
                }
                subject = _("%(name)s closes in %(days)d days") % values
                body = (
                    _(
                        "The deadline of %(name)s is %(date)s. Check the terms with the agency "
                        "before applying: they change often."
                    )
                    % values
                )
            if notify(
                user=person,
                kind=Notification.Kind.INCENTIVE_DEADLINE,
                key=key,
                subject=subject,
                body=body,
                url=f"/incentives/{incentive.code}/",
            ):
                actions.append(f"told {person.username} {incentive.code} closes in {left} days")
    return actions

"""Pilots with their milestones and KPIs."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from engagement import policy
from engagement.errors import Conflict, ValidationFailed
from engagement.models import KPI, Milestone, Partnership, Pilot, TimelineEvent, User
from engagement.rules import KPI_TEXT, MILESTONE_TITLE, PILOT_OBJECTIVE
from engagement.services.common import choice_labels, claim_version
from engagement.services.team_records import (
    as_date,
    check_change,
    decimal_problem,
    record_event,
    resolve_ids,
    tombstone,
)
from engagement.services.webhooks import webhook_emit

# Whole sentences, one per case, so that each language words it its own way (marked here,
# translated when raised).
END_BEFORE_START = {
    "planned_end_on": gettext_noop("The planned end (%(end)s) is before the start (%(start)s)."),
    "actual_end_on": gettext_noop("The actual end (%(end)s) is before the start (%(start)s)."),
}
WRONG_STATUS = {
    "start": gettext_noop("This pilot is %(status)s; to start it, it must be %(expected)s."),
    "complete": gettext_noop("This pilot is %(status)s; to complete it, it must be %(expected)s."),
    "cancel": gettext_noop("This pilot is %(status)s; to cancel it, it must be %(expected)s."),
}


def _event(pilot: Pilot, actor: policy.Actor, kind: str, **data: Any) -> None:
    p = pilot.partnership
    record_event(
        team=p.team,
        kind=kind,
        obj=pilot,
        actor=actor,
        partnership=p,
        organizations=[p.company, *p.counterparts.all()],
        data={"objective": pilot.objective[:200], **data},
    )


def _member(value: Any, pilot_team_id: int, field: str, errors: dict) -> User | None:
    if value in (None, ""):
        return None
    found = resolve_ids(
        User,
        [value],
        field,
        errors,
        queryset=User.objects.filter(team_id=pilot_team_id, is_active=True),
    )
    return found[0] if found else None


def _decimal(value: Any, field: str, errors: dict, *, required: bool) -> Decimal | None:
    if value in (None, ""):
        if required:
            errors.setdefault(field, []).append(_("This field is required."))
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        errors.setdefault(field, []).append(_("Enter a number."))
        return None
    # KPI targets and actuals are DecimalField(max_digits=16, decimal_places=4).
    problem = decimal_problem(number, max_digits=16, decimal_places=4)
    if problem:
        errors.setdefault(field, []).append(problem)
        return None
    return number


def _milestone_specs(items: list[dict], starts_on, team_id: int, errors: dict) -> list[dict]:
    out = []
    for i, item in enumerate(items or []):
        where = f"milestones.{i}"
        sub: dict[str, list[str]] = {}
        title = str(item.get("title") or "").strip()
        if not title:
            sub.setdefault("title", []).append(_("This field is required."))
        MILESTONE_TITLE.check(title, "title", sub)
        due = as_date(item.get("due_on"), "due_on", sub, required=True)
        if due and starts_on and due < starts_on:
            sub.setdefault("due_on", []).append(
                _("Due %(due)s is before the pilot starts (%(start)s).")
                % {"due": due, "start": starts_on}
            )
        owner = _member(item.get("owner"), team_id, "owner", sub)
        for k, v in sub.items():
            errors.setdefault(f"{where}.{k}", []).extend(v)
        out.append({"title": title, "due_on": due, "owner": owner})
    return out


def _kpi_specs(items: list[dict], errors: dict) -> list[dict]:
    out, names = [], set()
    for i, item in enumerate(items or []):
        where = f"kpis.{i}"
        name = str(item.get("name") or "").strip()
        if not name:
            errors.setdefault(f"{where}.name", []).append(_("This field is required."))
        elif name in names:
            errors.setdefault(f"{where}.name", []).append(
                _("KPI %(name)s is listed twice.") % {"name": repr(name)}
            )
        names.add(name)
        unit = str(item.get("unit") or "").strip()
        KPI_TEXT["name"].check(name, f"{where}.name", errors)
        KPI_TEXT["unit"].check(unit, f"{where}.unit", errors)
        target = _decimal(item.get("target"), f"{where}.target", errors, required=True)
        actual = _decimal(item.get("actual"), f"{where}.actual", errors, required=False)
        out.append(
            {
                "name": name,
                "target": target,
                "actual": actual,
                "unit": unit,
            }
        )
    return out


def _dates(data: dict, current: Pilot | None, errors: dict) -> dict:
    clean = {}
    for field in ("starts_on", "planned_end_on", "actual_end_on"):
        if field in data:
            clean[field] = as_date(data[field], field, errors)
    start = clean.get("starts_on", current.starts_on if current else None)
    for field, problem in END_BEFORE_START.items():
        end = clean.get(field, getattr(current, field) if current else None)
        if start and end and end < start:
            errors.setdefault(field, []).append(_(problem) % {"end": end, "start": start})
    return clean


@transaction.atomic
def pilot_create(
    *,
    actor: policy.Actor,
    partnership: Partnership,
    objective: str,
    owner: Any = None,
    milestones: list[dict] | None = None,
    kpis: list[dict] | None = None,
    **data: Any,
) -> Pilot:
    check_change(actor, partnership)
    errors: dict[str, list[str]] = {}
    if not (objective or "").strip():
        errors["objective"] = [_("This field is required.")]
    PILOT_OBJECTIVE.check((objective or "").strip(), "objective", errors)
    if data.get("status", "planned") != "planned":
        errors["status"] = [_("A new pilot is planned; start it with the start action.")]
    data.pop("status", None)
    dates = _dates(data, None, errors)
    owner_obj = _member(
        owner if owner is not None else getattr(actor, "pk", None),
        partnership.team_id,
        "owner",
        errors,
    )
    ms = _milestone_specs(milestones or [], dates.get("starts_on"), partnership.team_id, errors)
    ks = _kpi_specs(kpis or [], errors)
    if errors:
        raise ValidationFailed(errors)
    pilot = Pilot(partnership=partnership, objective=objective.strip(), owner=owner_obj, **dates)
    pilot._history_user = policy.person(actor)
    pilot.save()
    Milestone.objects.bulk_create(Milestone(pilot=pilot, **m) for m in ms)
    KPI.objects.bulk_create(KPI(pilot=pilot, **k) for k in ks)
    _event(pilot, actor, TimelineEvent.Kind.PILOT, action="created")
    return pilot


@transaction.atomic
def pilot_update(
    *, actor: policy.Actor, pilot: Pilot, expected_version: int | None = None, **changes: Any
) -> Pilot:
    check_change(actor, pilot)
    errors: dict[str, list[str]] = {}
    if "status" in changes and changes["status"] != pilot.status:
        errors["status"] = [_("Use the start, complete or cancel action.")]
    if "objective" in changes:
        if not (changes["objective"] or "").strip():
            errors["objective"] = [_("This field is required.")]
        PILOT_OBJECTIVE.check((changes["objective"] or "").strip(), "objective", errors)
        pilot.objective = (changes["objective"] or "").strip()
    if "owner" in changes:
        pilot.owner = _member(changes["owner"], pilot.partnership.team_id, "owner", errors)
    dates = _dates(changes, pilot, errors)
    start = dates.get("starts_on", pilot.starts_on)
    if start and "starts_on" in dates:
        early = pilot.milestones.filter(due_on__lt=start).values_list("title", flat=True)
        if early:
            errors.setdefault("starts_on", []).append(
                _("Milestones due before %(start)s: %(titles)s.")
                % {"start": start, "titles": ", ".join(early)}
            )
    if errors:
        raise ValidationFailed(errors)
    for field, value in dates.items():
        setattr(pilot, field, value)
    claim_version(pilot, expected_version)
    pilot._history_user = policy.person(actor)
    pilot.save()
    return pilot


def _wrong_status(pilot: Pilot, expected: tuple[str, ...], action: str) -> Conflict:
    return Conflict(
        _(WRONG_STATUS[action])
        % {
            "status": pilot.get_status_display(),
            "expected": choice_labels(Pilot.Status, expected),
        },
        errors={"status": [_("Is %(status)s.") % {"status": pilot.get_status_display()}]},
    )


def _check_status(pilot: Pilot, expected: tuple[str, ...], action: str) -> None:
    """Refuse an action the pilot's stored status does not allow before checking its dates, so
    completing a planned pilot says it is planned rather than that its dates are wrong. (_move's
    conditional UPDATE remains the claim.)"""
    pilot.refresh_from_db(fields=["status"])
    if pilot.status not in expected:
        raise _wrong_status(pilot, expected, action)


def _move(
    pilot: Pilot,
    actor: policy.Actor,
    expected: tuple[str, ...],
    to: str,
    action: str,
    **fields: Any,
) -> Pilot:
    check_change(actor, pilot)
    now = timezone.now()
    rows = Pilot.objects.filter(pk=pilot.pk, status__in=expected).update(
        status=to, version=F("version") + 1, last_activity_at=now, updated_at=now, **fields
    )
    if rows != 1:
        pilot.refresh_from_db(fields=["status"])
        raise _wrong_status(pilot, expected, action)
    pilot.refresh_from_db()
    pilot._history_user = policy.person(actor)
    pilot.save(update_fields=["updated_at"])
    _event(pilot, actor, TimelineEvent.Kind.PILOT, action=action, status=to)
    return pilot


@transaction.atomic
def pilot_start(*, actor: policy.Actor, pilot: Pilot, starts_on: Any = None) -> Pilot:
    check_change(actor, pilot)
    _check_status(pilot, (Pilot.Status.PLANNED,), "start")
    errors: dict[str, list[str]] = {}
    start = as_date(starts_on, "starts_on", errors) or pilot.starts_on or timezone.localdate()
    if pilot.planned_end_on and pilot.planned_end_on < start:
        errors["starts_on"] = [
            _("The planned end (%(end)s) is before %(start)s.")
            % {"end": pilot.planned_end_on, "start": start}
        ]
    if pilot.milestones.filter(due_on__lt=start).exists():
        errors.setdefault("starts_on", []).append(
            _("Some milestones are due before %(start)s.") % {"start": start}
        )
    if errors:
        raise ValidationFailed(errors)
    return _move(
        pilot, actor, (Pilot.Status.PLANNED,), Pilot.Status.RUNNING, "start", starts_on=start
    )


@transaction.atomic
def pilot_complete(*, actor: policy.Actor, pilot: Pilot, actual_end_on: Any = None) -> Pilot:
    check_change(actor, pilot)
    _check_status(pilot, (Pilot.Status.RUNNING, Pilot.Status.AT_RISK), "complete")
    errors: dict[str, list[str]] = {}
    end = as_date(actual_end_on, "actual_end_on", errors) or timezone.localdate()
    if pilot.starts_on and end < pilot.starts_on:
        errors["actual_end_on"] = [
            _("The end (%(end)s) is before the start (%(start)s).")
            % {"end": end, "start": pilot.starts_on}
        ]
    if errors:
        raise ValidationFailed(errors)
    return _move(
        pilot,
        actor,
        (Pilot.Status.RUNNING, Pilot.Status.AT_RISK),
        Pilot.Status.COMPLETED,
        "complete",
        actual_end_on=end,
    )


@transaction.atomic
def pilot_cancel(*, actor: policy.Actor, pilot: Pilot) -> Pilot:
    return _move(
        pilot,
        actor,
        (Pilot.Status.PLANNED, Pilot.Status.RUNNING, Pilot.Status.AT_RISK),
        Pilot.Status.CANCELLED,
        "cancel",
    )


@transaction.atomic
def milestone_add(
    *, actor: policy.Actor, pilot: Pilot, title: str, due_on: Any, owner: Any = None
) -> Milestone:
    check_change(actor, pilot)
    errors: dict[str, list[str]] = {}
    [spec] = _milestone_specs(
        [{"title": title, "due_on": due_on, "owner": owner}],
        pilot.starts_on,
        pilot.partnership.team_id,
        errors,
    )
    if errors:
        raise ValidationFailed({k.removeprefix("milestones.0."): v for k, v in errors.items()})
    milestone = Milestone(pilot=pilot, **spec)
    milestone._history_user = policy.person(actor)
    milestone.save()
    return milestone


@transaction.atomic
def milestone_complete(
    *, actor: policy.Actor, milestone: Milestone, done_on: Any = None
) -> Milestone:
    check_change(actor, milestone)
    errors: dict[str, list[str]] = {}
    done = as_date(done_on, "done_on", errors) or timezone.localdate()
    if done > timezone.localdate():
        errors["done_on"] = [_("%(date)s is in the future.") % {"date": done}]
    if errors:
        raise ValidationFailed(errors)
    if Milestone.objects.filter(pk=milestone.pk, done_on__isnull=True).update(done_on=done) != 1:
        raise Conflict(
            _("Milestone %(title)s is already done.") % {"title": repr(milestone.title)},
            errors={"done_on": [_("Already done.")]},
        )
    milestone.refresh_from_db()
    milestone._history_user = policy.person(actor)
    milestone.save()
    pilot = milestone.pilot
    Pilot.objects.filter(pk=pilot.pk).update(last_activity_at=timezone.now())
    p = pilot.partnership
    record_event(
        team=p.team,
        kind=TimelineEvent.Kind.MILESTONE,
        obj=milestone,
        actor=actor,
        partnership=p,
        organizations=[p.company, *p.counterparts.all()],
        data={"title": milestone.title, "done_on": done.isoformat(), "pilot": pilot.pk},
    )
    return milestone


@transaction.atomic
def kpi_record(*, actor: policy.Actor, kpi: KPI, actual: Any) -> KPI:
    check_change(actor, kpi)
    errors: dict[str, list[str]] = {}
    value = _decimal(actual, "actual", errors, required=True)
    if errors:
        raise ValidationFailed(errors)
    kpi.actual = value
    kpi._history_user = policy.person(actor)
    kpi.save(update_fields=["actual"])
    Pilot.objects.filter(pk=kpi.pilot_id).update(last_activity_at=timezone.now())
    return kpi


@transaction.atomic
def kpi_add(*, actor: policy.Actor, pilot: Pilot, name: str, target: Any, unit: str = "") -> KPI:
    check_change(actor, pilot)
    errors: dict[str, list[str]] = {}
    [spec] = _kpi_specs([{"name": name, "target": target, "unit": unit}], errors)
    if errors:
        raise ValidationFailed({k.removeprefix("kpis.0."): v for k, v in errors.items()})
    try:
        with transaction.atomic():
            return KPI.objects.create(pilot=pilot, **spec)
    except IntegrityError:
        raise Conflict(
            _("This pilot already has a KPI named %(name)s.") % {"name": repr(name)},
            errors={"name": [_("Already used on this pilot.")]},
        ) from None


@transaction.atomic
def pilot_delete(*, actor: policy.Actor, pilot: Pilot) -> None:
    check_change(actor, pilot)
    tombstone("pilots", pilot, pilot.partnership.team)
    pilot._history_user = policy.person(actor)
    pilot.delete()


def _flag(pilot: Pilot, actor: policy.Actor, src: str, dst: str, reason: str) -> bool:
    """Move between running and at_risk without counting as activity on the pilot.
    Returns False when the pilot was not in `src` (someone else got there first)."""
    rows = Pilot.objects.filter(pk=pilot.pk, status=src).update(
        status=dst, risk_reason=reason, version=F("version") + 1, updated_at=timezone.now()
    )
    if rows != 1:
        return False
    pilot.refresh_from_db()
    pilot._history_user = policy.person(actor)
    pilot.save(update_fields=["updated_at"])
    _event(
        pilot,
        actor,
        TimelineEvent.Kind.PILOT,
        action="at_risk" if dst == "at_risk" else "recovered",
        status=dst,
        reason=reason,
    )
    return True


@transaction.atomic
def pilot_flag_at_risk(*, actor: policy.Actor, pilot: Pilot, reason: str) -> bool:
    if not (reason or "").strip():
        raise ValidationFailed({"reason": [_("Say why the pilot is at risk.")]})
    if flagged := _flag(pilot, actor, Pilot.Status.RUNNING, Pilot.Status.AT_RISK, reason.strip()):
        webhook_emit(
            "pilot.at_risk",
            pilot,
            data={
                "id": pilot.pk,
                "team": pilot.partnership.team.slug,
                "partnership": pilot.partnership_id,
                "reason": reason.strip(),
            },
        )
    return flagged


@transaction.atomic
def pilot_recover(*, actor: policy.Actor, pilot: Pilot) -> bool:
    return _flag(pilot, actor, Pilot.Status.AT_RISK, Pilot.Status.RUNNING, "")

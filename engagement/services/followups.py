"""Follow-ups: who does what by when, about which record."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from engagement import policy
from engagement.errors import Conflict, ValidationFailed
from engagement.models import (
    Engagement,
    FollowUp,
    MoU,
    Organization,
    Partnership,
    Pilot,
    Team,
    TimelineEvent,
    User,
)
from engagement.rules import FOLLOWUP_NOTE, FOLLOWUP_OUTCOME
from engagement.services.common import claim_version, record_name
from engagement.services.team_records import (
    as_date,
    check_change,
    record_event,
    team_for_new_record,
    team_members,
    tombstone,
)
from engagement.services.webhooks import webhook_emit

# How long after marking a follow-up done or cancelled its "Undo" still reopens it.
UNDO_WINDOW = dt.timedelta(minutes=10)

SUBJECT_MODELS: dict[str, type] = {
    "engagement": Engagement,
    "partnership": Partnership,
    "mou": MoU,
    "pilot": Pilot,
    "organization": Organization,
}


def _subject_team_id(kind: str, obj) -> int | None:
    if kind in ("engagement", "partnership"):
        return obj.team_id
    if kind in ("mou", "pilot"):
        return obj.partnership.team_id
    return None  # organizations are shared


def resolve_subject(subject: Any, team: Team, errors: dict[str, list[str]]):
    """`subject` is (kind, obj-or-id), {"type": kind, "id": id} or None."""
    if subject in (None, "", {}):
        return None, None
    if isinstance(subject, dict):
        kind, ident = subject.get("type"), subject.get("id")
    else:
        kind, ident = subject
    model = SUBJECT_MODELS.get(kind)
    if model is None:
        errors["subject"] = [
            _("type must be one of: %(values)s.") % {"values": ", ".join(SUBJECT_MODELS)}
        ]
        return None, None
    obj = (
        ident
        if isinstance(ident, model)
        else model._default_manager.filter(pk=ident if str(ident).isdigit() else None).first()
    )
    if obj is None or _subject_team_id(kind, obj) not in (None, team.pk):
        # Another team's record is reported exactly like a missing one.
        errors["subject"] = [
            _("No %(type)s with id %(id)s.")
            % {"type": record_name(model), "id": repr(getattr(ident, "pk", ident))}
        ]
        return None, None
    return kind, obj


def _owner(
    owner: Any, team: Team, actor: policy.Actor, errors: dict[str, list[str]]
) -> User | None:
    if owner in (None, ""):
        owner = actor
    if owner is None:
        errors["owner"] = [_("This field is required.")]
        return None
    owner_obj = (
        owner
        if isinstance(owner, User)
        else team_members(team).filter(pk=owner if str(owner).isdigit() else None).first()
    )
    if owner_obj is None or owner_obj.team_id != team.pk:
        errors["owner"] = [
            _("User %(user)s is not a member of team %(team)s.")
            % {"user": repr(getattr(owner, "pk", owner)), "team": team.slug}
        ]
        return None
    return owner_obj


def _subject_organizations(kind: str | None, obj) -> list[Organization]:
    if kind == "organization":
        return [obj]
    if kind == "engagement":
        return list(obj.organizations.all())
    if kind == "partnership":
        return [obj.company, *obj.counterparts.all()]
    if kind in ("mou", "pilot"):
        return [obj.partnership.company, *obj.partnership.counterparts.all()]
    return []


@transaction.atomic
def followup_source_taken(source_key: str) -> bool:
    """Whether a follow-up opened for `source_key` exists: what `followup_create` claims with
    it, read by a dry run."""
    return FollowUp.objects.filter(source_key=source_key).exists()


def followup_create(
    *,
    actor: policy.Actor,
    due_on: Any,
    note: str,
    owner: Any = None,
    priority: str = "normal",
    subject: Any = None,
    due_time: dt.time | None = None,
    team: Team | None = None,
    source_key: str | None = None,
) -> FollowUp:
    team = team_for_new_record(actor, team, FollowUp)
    errors: dict[str, list[str]] = {}
    due = as_date(due_on, "due_on", errors, required=True)
    if not (note or "").strip():
        errors["note"] = [_("This field is required.")]
    FOLLOWUP_NOTE.check((note or "").strip(), "note", errors)
    if priority not in FollowUp.Priority.values:
        errors["priority"] = [
            _("Must be one of: %(values)s.") % {"values": ", ".join(FollowUp.Priority.values)}
        ]
    owner_obj = _owner(owner, team, actor, errors)
    kind, obj = resolve_subject(subject, team, errors)
    if errors:
        raise ValidationFailed(errors)
    followup = FollowUp(
        team=team,
        owner=owner_obj,
        due_on=due,
        due_time=due_time,
        priority=priority,
        note=note.strip(),
        source_key=source_key,
        created_by=policy.person(actor),
    )
    if kind:
        setattr(followup, kind, obj)
    followup._history_user = policy.person(actor)
    try:
        with transaction.atomic():
            followup.save()
    except IntegrityError:
        if source_key and followup_source_taken(source_key):
            raise Conflict(
                _("A follow-up for %(key)s already exists.") % {"key": source_key}
            ) from None
        raise
    record_event(
        team=team,
        kind=TimelineEvent.Kind.FOLLOWUP_CREATED,
        obj=followup,
        actor=actor,
        partnership=obj
        if kind == "partnership"
        else getattr(obj, "partnership", None)
        if kind in ("mou", "pilot", "engagement")
        else None,
        organizations=_subject_organizations(kind, obj),
        data={"note": followup.note, "due_on": due.isoformat(), "owner": owner_obj.get_username()},
    )
    webhook_emit(
        "followup.created",
        followup,
        data={
            "id": followup.pk,
            "team": team.slug,
            "due_on": due,
            "owner": owner_obj.get_username(),
            "priority": priority,
            "subject": {"type": kind, "id": obj.pk} if kind else None,
        },
    )
    return followup


def _record(
    actor: policy.Actor, followup: FollowUp, kind: str, at: dt.datetime, **data: Any
) -> None:
    followup._history_user = policy.person(actor)
    followup.save(update_fields=["updated_at"])  # one history row for the change
    subject_kind, obj = followup.subject
    record_event(
        team=followup.team,
        kind=kind,
        obj=followup,
        actor=actor,
        at=at,
        partnership=followup.partnership
        or (obj.partnership if subject_kind in ("mou", "pilot", "engagement") else None),
        organizations=_subject_organizations(subject_kind, obj),
        data={"note": followup.note, "due_on": followup.due_on.isoformat(), **data},
    )


def _already(followup: FollowUp) -> Conflict:
    label = followup.get_status_display()
    return Conflict(
        _("This follow-up is already %(status)s.") % {"status": label},
        errors={"status": [_("Already %(status)s.") % {"status": label}]},
    )


def _finish(
    actor: policy.Actor, followup: FollowUp, status: str, kind: str, outcome: str = ""
) -> FollowUp:
    check_change(actor, followup)
    now = timezone.now()
    # Claim the row: only an open follow-up moves, so a double click or a retried request
    # finishes it once and records one event.
    rows = FollowUp.objects.filter(pk=followup.pk, status=FollowUp.Status.OPEN).update(
        status=status,
        outcome=outcome,
        completed_at=now if status == FollowUp.Status.DONE else None,
        completed_by=policy.person(actor),
        version=F("version") + 1,
        updated_at=now,
    )
    followup.refresh_from_db()
    if rows != 1:
        raise _already(followup)
    _record(actor, followup, kind, now, **({"outcome": outcome} if outcome else {}))
    return followup


def clean_outcome(outcome: Any) -> str:
    """The outcome of a follow-up marked done, trimmed; refused beyond its limit."""
    text = (outcome or "").strip()
    FOLLOWUP_OUTCOME.enforce(text, "outcome")
    return text


@transaction.atomic
def followup_complete(*, actor: policy.Actor, followup: FollowUp, outcome: str = "") -> FollowUp:
    text = clean_outcome(outcome)
    followup = _finish(
        actor, followup, FollowUp.Status.DONE, TimelineEvent.Kind.FOLLOWUP_DONE, text
    )
    webhook_emit(
        "followup.completed",
        followup,
        data={
            "id": followup.pk,
            "team": followup.team.slug,
            "due_on": followup.due_on,
            "completed_at": followup.completed_at,
        },
    )
    return followup


@transaction.atomic
def followup_cancel(*, actor: policy.Actor, followup: FollowUp) -> FollowUp:
    return _finish(
        actor, followup, FollowUp.Status.CANCELLED, TimelineEvent.Kind.FOLLOWUP_CANCELLED
    )


@transaction.atomic
def followup_reopen(*, actor: policy.Actor, followup: FollowUp) -> FollowUp:
    """Undo marking a follow-up done or cancelled: open again, as it was, within UNDO_WINDOW
    of being finished. Later, a finished follow-up stays finished (create a new one)."""
    check_change(actor, followup)
    now = timezone.now()
    if followup.status == FollowUp.Status.OPEN:
        raise Conflict(
            _("This follow-up is already open."),
            errors={"status": [_("Already open.")]},
        )
    finished = (
        TimelineEvent.objects.filter(
            object_type=FollowUp._meta.model_name,
            object_id=followup.pk,
            kind__in=[TimelineEvent.Kind.FOLLOWUP_DONE, TimelineEvent.Kind.FOLLOWUP_CANCELLED],
        )
        .order_by("-at", "-id")
        .values_list("at", flat=True)
        .first()
    )
    if finished is None or now - finished > UNDO_WINDOW:
        raise Conflict(
            _(
                "This follow-up was finished more than %(minutes)s minutes ago and can no "
                "longer be undone. Create a new follow-up instead."
            )
            % {"minutes": int(UNDO_WINDOW.total_seconds() // 60)},
            errors={"status": [_("Too late to undo.")]},
        )
    # Claim the row as _finish does: a second click reopens it once.
    rows = FollowUp.objects.filter(pk=followup.pk, status=followup.status).update(
        status=FollowUp.Status.OPEN,
        outcome="",
        completed_at=None,
        completed_by=None,
        version=F("version") + 1,
        updated_at=now,
    )
    followup.refresh_from_db()
    if rows != 1:
        raise _already(followup)
    _record(actor, followup, TimelineEvent.Kind.FOLLOWUP_REOPENED, now)
    return followup


@transaction.atomic
def followup_update(
    *, actor: policy.Actor, followup: FollowUp, expected_version: int | None = None, **changes: Any
) -> FollowUp:
    check_change(actor, followup)
    errors: dict[str, list[str]] = {}
    if "status" in changes and changes["status"] != followup.status:
        errors["status"] = [_("Use the complete or cancel action to change the status.")]
    if "due_on" in changes:
        followup.due_on = as_date(changes["due_on"], "due_on", errors, required=True)
    if "due_time" in changes:
        followup.due_time = changes["due_time"]
    if "note" in changes:
        if not (changes["note"] or "").strip():
            errors["note"] = [_("This field is required.")]
        FOLLOWUP_NOTE.check((changes["note"] or "").strip(), "note", errors)
        followup.note = (changes["note"] or "").strip()
    if "priority" in changes:
        if changes["priority"] not in FollowUp.Priority.values:
            errors["priority"] = [
                _("Must be one of: %(values)s.") % {"values": ", ".join(FollowUp.Priority.values)}
            ]
        followup.priority = changes["priority"]
    if "owner" in changes:
        followup.owner = _owner(changes["owner"], followup.team, actor, errors)
    if "subject" in changes:
        kind, obj = resolve_subject(changes["subject"], followup.team, errors)
        for name in FollowUp.SUBJECT_FIELDS:
            setattr(followup, name, obj if name == kind else None)
    if errors:
        raise ValidationFailed(errors)
    claim_version(followup, expected_version)
    followup._history_user = policy.person(actor)
    followup.save()
    return followup


@transaction.atomic
def followup_delete(*, actor: policy.Actor, followup: FollowUp) -> None:
    check_change(actor, followup)
    tombstone("follow-ups", followup, followup.team)
    followup._history_user = policy.person(actor)
    followup.delete()

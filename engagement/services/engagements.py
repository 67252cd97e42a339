"""Logging engagements (meetings, calls, visits, ...), with their next step as a follow-up."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from engagement import policy
from engagement.errors import Conflict, NotPermitted, ValidationFailed
from engagement.models import (
    Contact,
    Engagement,
    Initiative,
    Organization,
    Partnership,
    Pilot,
    Team,
    Thrust,
    TimelineEvent,
    Tombstone,
    User,
)
from engagement.rules import ENGAGEMENT_TEXT
from engagement.services.common import claim_version, resolve_codes
from engagement.services.followups import followup_create
from engagement.services.team_records import (
    as_date,
    as_datetime,
    check_change,
    record_event,
    resolve_ids,
    team_for_new_record,
    tombstone,
)
from engagement.services.webhooks import webhook_emit

M2M = ("organizations", "contacts", "participants", "thrusts", "initiatives")


def _validate(data: dict[str, Any], team: Team, current: Engagement | None) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    clean: dict[str, Any] = {}
    if current is None or "occurred_at" in data:
        clean["occurred_at"] = as_datetime(
            data.get("occurred_at"), "occurred_at", errors, required=True
        )
    if current is None or "kind" in data:
        kind = data.get("kind")
        if kind not in Engagement.Kind.values:
            errors["kind"] = [
                _("Must be one of: %(values)s.") % {"values": ", ".join(Engagement.Kind.values)}
            ]
        clean["kind"] = kind
    for field, limit in ENGAGEMENT_TEXT.items():
        if current is None or field in data:
            clean[field] = str(data.get(field) or "").strip()
            limit.check(clean[field], field, errors)
    if "summary" in clean and not clean["summary"]:
        errors["summary"] = [_("This field is required.")]
    if current is None or "organizations" in data:
        orgs = resolve_ids(Organization, data.get("organizations"), "organizations", errors)
        if not orgs and "organizations" not in errors:
            errors["organizations"] = [_("Name at least one organization.")]
        clean["organizations"] = orgs
    if "contacts" in data:
        # The team's own contacts only: another team's contact answers like an unknown id.
        clean["contacts"] = resolve_ids(
            Contact,
            data.get("contacts"),
            "contacts",
            errors,
            queryset=Contact.objects.filter(team=team),
        )
        org_ids = {
            o.pk
            for o in clean.get("organizations") or (current.organizations.all() if current else [])
        }
        strangers = [c.pk for c in clean["contacts"] if c.organization_id not in org_ids]
        if strangers:
            errors.setdefault("contacts", []).append(
                _("Contact(s) %(ids)s work at none of the organizations.")
                % {"ids": ", ".join(map(str, strangers))}
            )
    if "participants" in data:
        clean["participants"] = resolve_ids(
            User,
            data.get("participants"),
            "participants",
            errors,
            queryset=User.objects.filter(team=team),
        )
    if "thrusts" in data:
        clean["thrusts"] = resolve_codes(Thrust, data.get("thrusts"), "thrusts", errors)
    if "initiatives" in data:
        clean["initiatives"] = resolve_codes(
            Initiative, data.get("initiatives"), "initiatives", errors
        )
    if "partnership" in data:
        clean["partnership"] = None
        if data["partnership"] not in (None, ""):
            found = resolve_ids(
                Partnership,
                [data["partnership"]],
                "partnership",
                errors,
                queryset=Partnership.objects.filter(team=team),
            )
            clean["partnership"] = found[0] if found else None
    if data.get("next_step_due") not in (None, ""):
        clean["next_step_due"] = as_date(data["next_step_due"], "next_step_due", errors)
        next_step = clean.get("next_step", current.next_step if current else "")
        if not next_step:
            errors["next_step"] = [_("Say what the next step is when you give it a date.")]
    if errors:
        raise ValidationFailed(errors)
    return clean


def _apply(eng: Engagement, clean: dict[str, Any]) -> None:
    for field, value in clean.items():
        if field not in M2M and field != "next_step_due":
            setattr(eng, field, value)


def _set_links(eng: Engagement, clean: dict[str, Any]) -> None:
    for field in M2M:
        if field in clean:
            getattr(eng, field).set(clean[field])


def _touch_pilots(partnership: Partnership | None, at) -> None:
    # An engagement on a partnership is activity on its running pilots (see stalled pilots).
    if partnership is not None:
        Pilot.objects.filter(
            partnership=partnership, status__in=["running", "at_risk"], last_activity_at__lt=at
        ).update(last_activity_at=at)


def _next_step_owner(actor: policy.Actor, team: Team) -> User | None:
    """The person who logged it, or (for an admin or a system import) the team's first BD member."""
    if getattr(actor, "team_id", None) == team.pk:
        return actor
    return User.objects.filter(team=team, role="bd_member", is_active=True).order_by("pk").first()


@transaction.atomic
def engagement_log(*, actor: policy.Actor, team: Team | None = None, **data: Any) -> Engagement:
    """Record an interaction. Only when, kind, one organization and a summary are required;
    a next step with a date (`next_step_due`) creates a follow-up in the same transaction."""
    team = team_for_new_record(actor, team, Engagement)
    clean = _validate(data, team, None)
    eng = Engagement(team=team, created_by=policy.person(actor))
    _apply(eng, clean)
    eng._history_user = policy.person(actor)
    eng.save()
    _set_links(eng, clean)
    record_event(
        team=team,
        kind=TimelineEvent.Kind.ENGAGEMENT,
        obj=eng,
        actor=actor,
        at=eng.occurred_at,
        partnership=eng.partnership,
        organizations=clean["organizations"],
        data={"kind": eng.kind, "summary": eng.summary[:500]},
    )
    _touch_pilots(eng.partnership, min(eng.occurred_at, timezone.now()))
    if clean.get("next_step_due"):
        followup_create(
            actor=actor,
            team=team,
            due_on=clean["next_step_due"],
            note=eng.next_step,
            subject=("engagement", eng),
            owner=_next_step_owner(actor, team),
        )
    webhook_emit(
        "engagement.created",
        eng,
        data={
            "id": eng.pk,
            "team": team.slug,
            "kind": eng.kind,
            "occurred_at": eng.occurred_at,
            "partnership": eng.partnership_id,
            "organizations": [o.pk for o in clean["organizations"]],
        },
    )
    return eng


@transaction.atomic
def engagement_update(
    *,
    actor: policy.Actor,
    engagement: Engagement,
    expected_version: int | None = None,
    **changes: Any,
) -> Engagement:
    check_change(actor, engagement)
    clean = _validate(changes, engagement.team, engagement)
    claim_version(engagement, expected_version)
    _apply(engagement, clean)
    engagement._history_user = policy.person(actor)
    engagement.save()
    _set_links(engagement, clean)
    if clean.get("next_step_due"):
        followup_create(
            actor=actor,
            team=engagement.team,
            due_on=clean["next_step_due"],
            note=engagement.next_step,
            subject=("engagement", engagement),
        )
    return engagement


@transaction.atomic
def engagement_delete(*, actor: policy.Actor, engagement: Engagement) -> None:
    check_change(actor, engagement)
    tombstone("engagements", engagement, engagement.team)
    # Its follow-ups go with it (cascade): say so to syncing clients and clear their events.
    followup_ids = list(engagement.followups.values_list("pk", flat=True))
    for pk in followup_ids:
        Tombstone.objects.create(resource="follow-ups", object_id=pk, team=engagement.team)
    TimelineEvent.objects.filter(object_type="followup", object_id__in=followup_ids).delete()
    TimelineEvent.objects.filter(object_type="engagement", object_id=engagement.pk).delete()
    engagement._history_user = policy.person(actor)
    engagement.delete()


@transaction.atomic
def engagement_restore(
    *, actor: policy.Actor, engagement_id: int, without_partnership: bool = False
) -> Engagement:
    """Bring back a deleted engagement from its history, with the same id and its links. When
    its partnership has been deleted since, it is refused (409) unless `without_partnership`."""
    # Another team's engagement, deleted or not, is reported exactly like one that never
    # existed: the answer must not tell which ids are in use.
    missing = ValidationFailed(
        {"id": [_("No deleted engagement with id %(id)s.") % {"id": engagement_id}]}
    )
    current = Engagement.objects.filter(pk=engagement_id).first()
    if current is not None:
        if not policy.can_view(actor, current):
            raise missing
        raise ValidationFailed(
            {"id": [_("Engagement %(id)s is not deleted.") % {"id": engagement_id}]}
        )
    history = Engagement.history.filter(id=engagement_id)
    last = history.exclude(history_type="-").order_by("-history_date", "-history_id").first()
    if last is None:
        raise missing
    if not policy.is_system(actor):
        own_team = actor.is_active and actor.team_id == last.team_id
        if not (own_team or policy.is_admin(actor)):
            raise missing
        if not policy.can_create(actor, Engagement):
            raise NotPermitted(_("Your role may not restore engagements."))
    partnership_gone = (
        last.partnership_id is not None
        and not Partnership.objects.filter(pk=last.partnership_id).exists()
    )
    if partnership_gone and not without_partnership:
        raise Conflict(
            _(
                "The partnership this engagement belonged to (id %(id)s) has been deleted. "
                'To restore the engagement without it, send "without_partnership": true.'
            )
            % {"id": last.partnership_id},
            errors={"partnership": [_("This partnership has been deleted.")]},
        )
    eng = last.instance
    if partnership_gone:
        eng.partnership = None
    if eng.created_by_id and not User.objects.filter(pk=eng.created_by_id).exists():
        eng.created_by = None  # its author's account is gone (the link is SET_NULL anyway)
    eng._history_user = policy.person(actor)
    eng.save(force_insert=True)
    # auto_now_add stamped the time of the restore; the record dates from when it was logged.
    eng.created_at = last.created_at
    Engagement.objects.filter(pk=eng.pk).update(created_at=eng.created_at)
    for field in M2M:
        through_rows = getattr(last, field).all()
        target = Engagement._meta.get_field(field).related_model._meta.model_name
        ids = [getattr(row, f"{target}_id") for row in through_rows]
        model = Engagement._meta.get_field(field).related_model
        getattr(eng, field).set(model._default_manager.filter(pk__in=ids))
    record_event(
        team=eng.team,
        kind=TimelineEvent.Kind.ENGAGEMENT,
        obj=eng,
        actor=actor,
        at=eng.occurred_at,
        partnership=eng.partnership,
        organizations=eng.organizations.all(),
        data={"kind": eng.kind, "summary": eng.summary[:500], "restored": True},
    )
    return eng

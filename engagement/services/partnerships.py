"""The partnership pipeline: creating deals and moving them through their stages."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from engagement import policy, stages
from engagement.errors import RuleRefused, StaleWrite, ValidationFailed
from engagement.models import (
    Initiative,
    MemberState,
    Organization,
    OrganizationKind,
    Partnership,
    PartnershipType,
    Stage,
    StageChange,
    Team,
    TimelineEvent,
    User,
)
from engagement.rules import PARTNERSHIP_TEXT, REASON
from engagement.services.common import claim_version, resolve_codes
from engagement.services.team_records import (
    as_date,
    check_change,
    decimal_problem,
    record_event,
    resolve_ids,
    team_for_new_record,
    tombstone,
)
from engagement.services.webhooks import webhook_emit

_CURRENCY = re.compile(r"^[A-Z]{3}$")
FIELDS = (
    "title",
    "company",
    "counterparts",
    "initiatives",
    "partnership_type",
    "owner",
    "priority_country",
    "expected_value",
    "currency",
    "target_date",
    "notes",
)


def _validate(data: dict[str, Any], team: Team, current: Partnership | None) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    clean: dict[str, Any] = {}
    new = current is None
    if "stage" in data and current is not None and data["stage"] != current.stage:
        errors["stage"] = [_("Change the stage with the transition action.")]
    if new or "title" in data:
        clean["title"] = str(data.get("title") or "").strip()
        if not clean["title"]:
            errors["title"] = [_("This field is required.")]
        PARTNERSHIP_TEXT["title"].check(clean["title"], "title", errors)
    if new or "company" in data:
        company = data.get("company") or team.company_id
        found = resolve_ids(Organization, [company], "company", errors)
        if found and found[0].pk != team.company_id:
            errors["company"] = [
                _("Team %(team)s works for %(company)s; its partnerships are for that company.")
                % {"team": team.slug, "company": team.company.name}
            ]
        clean["company"] = found[0] if found else None
    if new or "counterparts" in data:
        parts = resolve_ids(Organization, data.get("counterparts"), "counterparts", errors)
        if not parts and "counterparts" not in errors:
            errors["counterparts"] = [_("Name at least one ASEAN counterpart.")]
        wrong = [o.pk for o in parts if o.kind != OrganizationKind.ASEAN_INSTITUTION]
        if wrong:
            errors["counterparts"] = [
                _("Not ASEAN institutions: %(ids)s.") % {"ids": ", ".join(map(str, wrong))}
            ]
        clean["counterparts"] = parts
    if "initiatives" in data:
        clean["initiatives"] = resolve_codes(Initiative, data["initiatives"], "initiatives", errors)
    if new or "partnership_type" in data:
        code = data.get("partnership_type")
        ptype = PartnershipType.objects.filter(code=code).first() if code else None
        if ptype is None:
            errors["partnership_type"] = [
                _("Unknown partnership type code: %(code)s.") % {"code": repr(code)}
                if code
                else _("This field is required.")
            ]
        clean["partnership_type"] = ptype
    if "owner" in data or new:
        owner = data.get("owner")
        if owner in (None, ""):
            clean["owner"] = None
        else:
            found = resolve_ids(
                User,
                [owner],
                "owner",
                errors,
                queryset=User.objects.filter(team=team, is_active=True),
            )
            clean["owner"] = found[0] if found else None
    if "priority_country" in data:
        iso = str(data["priority_country"] or "").upper()
        clean["priority_country"] = MemberState.objects.filter(iso2=iso).first() if iso else None
        if iso and clean["priority_country"] is None:
            errors["priority_country"] = [
                _("%(code)s is not an ASEAN member state code.") % {"code": iso}
            ]
    if "expected_value" in data:
        raw = data["expected_value"]
        try:
            clean["expected_value"] = None if raw in (None, "") else Decimal(str(raw))
        except InvalidOperation:
            errors["expected_value"] = [_("Enter a number.")]
        else:
            value = clean["expected_value"]
            if value is not None and value.is_finite() and value < 0:
                errors["expected_value"] = [_("Must not be negative.")]
            elif value is not None and (
                problem := decimal_problem(value, max_digits=16, decimal_places=2)
            ):
                errors["expected_value"] = [problem]
    if "currency" in data:
        clean["currency"] = str(data["currency"] or "").strip().upper()
        if clean["currency"] and not _CURRENCY.match(clean["currency"]):
            errors["currency"] = [_("Use a three-letter ISO 4217 code such as JPY or USD.")]
    value = clean.get("expected_value", current.expected_value if current else None)
    currency = clean.get("currency", current.currency if current else "")
    if value is not None and not currency and "currency" not in errors:
        errors["currency"] = [_("Give the currency of the expected value.")]
    if "target_date" in data:
        clean["target_date"] = as_date(data["target_date"], "target_date", errors)
    if "notes" in data:
        clean["notes"] = str(data["notes"] or "")
        PARTNERSHIP_TEXT["notes"].check(clean["notes"].strip(), "notes", errors)
    if errors:
        raise ValidationFailed(errors)
    return clean


def _apply(p: Partnership, clean: dict[str, Any]) -> None:
    for field, value in clean.items():
        if field not in ("counterparts", "initiatives"):
            setattr(p, field, value)


def _links(p: Partnership, clean: dict[str, Any]) -> None:
    for field in ("counterparts", "initiatives"):
        if field in clean:
            getattr(p, field).set(clean[field])


@transaction.atomic
def partnership_create(
    *,
    actor: policy.Actor,
    team: Team | None = None,
    identified_at: dt.datetime | None = None,
    **data: Any,
) -> Partnership:
    """Open a deal at stage `identified`. `identified_at` (not in the future) dates it, for
    importing a pipeline kept elsewhere."""
    team = team_for_new_record(actor, team, Partnership)
    data.setdefault("owner", actor.pk if getattr(actor, "team_id", None) == team.pk else None)
    clean = _validate(data, team, None)
    if identified_at is not None and identified_at > timezone.now():
        raise ValidationFailed({"identified_at": [_("Must not be in the future.")]})
    p = Partnership(
        team=team, stage=Stage.IDENTIFIED, stage_changed_at=identified_at or timezone.now()
    )
    _apply(p, clean)
    p._history_user = policy.person(actor)
    p.save()
    _links(p, clean)
    StageChange.objects.create(
        partnership=p,
        from_stage="",
        to_stage=p.stage,
        actor=policy.person(actor),
        at=p.stage_changed_at,
    )
    record_event(
        team=team,
        kind=TimelineEvent.Kind.PARTNERSHIP,
        obj=p,
        actor=actor,
        partnership=p,
        organizations=[p.company, *clean["counterparts"]],
        at=p.stage_changed_at,
        data={"title": p.title, "stage": p.stage},
    )
    webhook_emit(
        "partnership.created",
        p,
        data={"id": p.pk, "team": team.slug, "title": p.title, "stage": p.stage},
    )
    return p


@transaction.atomic
def partnership_update(
    *,
    actor: policy.Actor,
    partnership: Partnership,
    expected_version: int | None = None,
    **changes: Any,
) -> Partnership:
    check_change(actor, partnership)
    clean = _validate(changes, partnership.team, partnership)
    claim_version(partnership, expected_version)
    _apply(partnership, clean)
    partnership._history_user = policy.person(actor)
    partnership.save()
    _links(partnership, clean)
    return partnership


@transaction.atomic
def partnership_transition(
    *,
    actor: policy.Actor,
    partnership: Partnership,
    to: str,
    reason: str = "",
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> Partnership:
    """Move a partnership to another stage under the rules in engagement.stages.

    `at` records when the move happened, for importing a pipeline's history; it may not be in
    the future nor before the partnership's last move.
    """
    check_change(actor, partnership)
    reason = (reason or "").strip()
    REASON.enforce(reason, "reason")
    if to not in stages.ALL_STAGES:
        unknown = _("Unknown stage %(stage)s; one of: %(stages)s.") % {
            "stage": repr(to),
            "stages": ", ".join(stages.ALL_STAGES),
        }
        raise ValidationFailed({"to": [unknown]})
    src = partnership.stage
    rule = stages.move(src, to, resume_stage=partnership.resume_stage)
    # Messages name the stages as the reader's pages do, never by their codes.
    names = {"src": Stage(src).label, "to": Stage(to).label}
    if not rule.allowed:
        why_not = str(rule.why_not)
        raise RuleRefused(
            _("Cannot move from %(src)s to %(to)s: %(why_not)s") % {**names, "why_not": why_not},
            errors={"to": [why_not]},
        )
    if rule.needs_reason and not reason:
        raise ValidationFailed(
            {"reason": [_("Moving from %(src)s to %(to)s needs a reason.") % names]}
        )
    now = timezone.now()
    if at is not None:
        if at > now or at < partnership.stage_changed_at:
            last = f"{partnership.stage_changed_at:%Y-%m-%d %H:%M}"
            raise ValidationFailed(
                {
                    "at": [
                        _("A move's time must be between the last move (%(last)s) and now.")
                        % {"last": last}
                    ]
                }
            )
        now = at
    # Conditional on the stage we checked: of two people moving the same deal at once, the
    # second finds the stage changed and is refused instead of recording a move from a stage
    # the deal had already left.
    guard = Partnership.objects.filter(pk=partnership.pk, stage=src)
    if expected_version is not None:
        guard = guard.filter(version=expected_version)
    if guard.update(version=F("version") + 1) != 1:
        raise StaleWrite(_("This partnership changed since you read it; reload and try again."))
    # Reload the whole row (now ours until commit) so saving the move cannot write back fields
    # someone else changed since this copy was read.
    partnership.refresh_from_db()
    partnership.stage = to
    partnership.stage_changed_at = now
    if to in stages.PAUSED and src in stages.PIPELINE:
        partnership.resume_stage = src
    elif to in stages.PIPELINE:
        partnership.resume_stage = ""
    partnership.lost_reason = reason if to == Stage.LOST else ""
    partnership._history_user = policy.person(actor)
    partnership.save()
    StageChange.objects.create(
        partnership=partnership,
        from_stage=src,
        to_stage=to,
        reason=reason,
        at=now,
        actor=policy.person(actor),
    )
    record_event(
        team=partnership.team,
        kind=TimelineEvent.Kind.STAGE,
        obj=partnership,
        actor=actor,
        at=now,
        partnership=partnership,
        organizations=[partnership.company, *partnership.counterparts.all()],
        data={"from": src, "to": to, "reason": reason},
    )
    webhook_emit(
        "partnership.stage_changed",
        partnership,
        data={
            "id": partnership.pk,
            "team": partnership.team.slug,
            "from": src,
            "to": to,
            "reason": reason,
        },
    )
    return partnership


@transaction.atomic
def partnership_delete(*, actor: policy.Actor, partnership: Partnership) -> None:
    check_change(actor, partnership)
    tombstone("partnerships", partnership, partnership.team)
    partnership._history_user = policy.person(actor)
    partnership.delete()

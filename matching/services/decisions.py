"""Deciding on a suggestion: accept (opens a partnership), reject (with a reason), snooze.

Who may: the company's business-development team, or a program manager
(engagement.policy.can_decide_matches_for). Each decision is claimed with a conditional UPDATE
on the suggestion's status, so a double submit acts once, and is recorded as a MatchDecision
(team-owned: who, when, why), which is also what learning fits on.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from engagement import policy
from engagement.actors import SystemActor
from engagement.errors import Conflict, NotPermitted, ValidationFailed
from engagement.models import MemberState, OrganizationKind, PartnershipType, Role, Team
from engagement.services.common import business_today
from engagement.services.partnerships import partnership_create
from matching.models import MatchDecision, MatchSuggestion, RejectReason, SuggestionStatus
from matching.partnership_types import infer_partnership_type

OPEN = (SuggestionStatus.NEW, SuggestionStatus.SNOOZED)
SNOOZE_MAX = dt.timedelta(days=366)

# A program manager accepting for a company opens the partnership for its team: policy lets them
# decide matches, not write team records, so the partnership is written as the decision.
ACCEPTED_FOR_TEAM = SystemActor("match acceptance by a program manager")


def _check(actor: policy.Actor, suggestion: MatchSuggestion) -> None:
    if not policy.can_decide_matches_for(actor, suggestion.company_id):
        raise NotPermitted(
            _(
                "Only the company's business-development team or a program manager may decide "
                "on its suggestions."
            )
        )


def _claim(suggestion: MatchSuggestion, status: str, **fields: Any) -> None:
    """Move an open suggestion to `status` in one conditional UPDATE: of two people deciding at
    once, the second finds it decided and is refused."""
    rows = MatchSuggestion.objects.filter(pk=suggestion.pk, status__in=OPEN).update(
        status=status, **fields
    )
    if rows != 1:
        now = MatchSuggestion.objects.filter(pk=suggestion.pk).values_list("status", flat=True)
        current = now.first()
        if current is None:  # a recompute replaced it
            raise Conflict(
                _("This suggestion was replaced by a newer recompute; reload the suggestions."),
                errors={"status": [_("Replaced by a newer suggestion.")]},
            )
        raise Conflict(
            _("This suggestion was already %(status)s.") % {"status": current},
            errors={
                "status": [
                    _("Already %(status)s; only new or snoozed suggestions are decided.")
                    % {"status": current}
                ]
            },
        )
    suggestion.refresh_from_db()


def _record(
    suggestion: MatchSuggestion, decision: str, actor: policy.Actor, now, **extra
) -> MatchDecision:
    return MatchDecision.objects.create(
        suggestion=suggestion,
        team=suggestion.team or Team.objects.filter(company_id=suggestion.company_id).first(),
        company_id=suggestion.company_id,
        organization_id=suggestion.organization_id,
        initiative_id=suggestion.initiative_id,
        project_id=suggestion.project_id,
        incentive_id=suggestion.incentive_id,
        decision=decision,
        components={k: v.get("value") for k, v in suggestion.components.items()},
        score=suggestion.score,
        model_version=suggestion.model_version,
        company_fingerprint=suggestion.company_fingerprint,
        counterpart_fingerprint=suggestion.counterpart_fingerprint,
        decided_by=policy.person(actor),
        decided_at=now,
        **extra,
    )


def _team_for(actor: policy.Actor, suggestion: MatchSuggestion) -> Team:
    team = getattr(actor, "team", None)
    if team is not None and team.company_id == suggestion.company_id:
        return team
    team = Team.objects.filter(company_id=suggestion.company_id).order_by("pk").first()
    if team is None:
        name = suggestion.company.name
        raise Conflict(
            _(
                "%(name)s has no business-development team to own the partnership; create one "
                "(manage.py create_team SLUG --company %(quoted)s) and accept again."
            )
            % {"name": name, "quoted": repr(name)},
            errors={"team": [_("%(name)s has no team.") % {"name": name}]},
        )
    return team


def suggested_partnership_type(suggestion: MatchSuggestion) -> str:
    """The type an accepted suggestion most likely becomes (the person accepting may change it)."""
    r = suggestion.reasons or {}
    matched = [*r.get("give", []), *(need for _offer, need in r.get("supplies", []))]
    if suggestion.initiative_id:
        return infer_partnership_type(matched=matched, thrust=suggestion.initiative.thrust.code)
    if suggestion.project_id:
        # A plant being built buys: a supply agreement unless what is offered says otherwise.
        return infer_partnership_type(matched=matched, counterpart_type="manufacturer")
    if suggestion.incentive_id:
        return infer_partnership_type(matched=[], counterpart_type="investment_agency")
    return infer_partnership_type(
        matched=matched, counterpart_type=suggestion.organization.org_type.code
    )


@transaction.atomic
def match_accept(
    *,
    actor: policy.Actor,
    suggestion: MatchSuggestion,
    partnership_type: str | None = None,
    title: str | None = None,
    counterparts: Sequence[int] | None = None,
    now: dt.datetime | None = None,
) -> MatchSuggestion:
    """Open a partnership at stage `identified` for the company's team and link it back.

    An initiative is not a party to a partnership: accepting one names the ASEAN institution(s)
    to approach about it in `counterparts`. A project's owner (an incentive's agency) is the
    counterpart when the directory has it; otherwise `counterparts` names whom to approach."""
    _check(actor, suggestion)
    now = now or timezone.now()
    team = _team_for(actor, suggestion)
    ptype = partnership_type or suggested_partnership_type(suggestion)
    if not PartnershipType.objects.filter(code=ptype).exists():
        raise ValidationFailed(
            {
                "partnership_type": [
                    _("Unknown partnership type code: %(code)s.") % {"code": repr(ptype)}
                ]
            }
        )
    parties = [int(c) for c in counterparts or [] if str(c).strip()]
    default = default_party(suggestion)
    if default and default not in parties:
        parties.insert(0, default)
    if not parties:
        if suggestion.project_id or suggestion.incentive_id:
            message = _(
                "The directory does not have this project's owner or this programme's agency: "
                "name the organization(s) to approach about it."
            )
        else:
            message = _("Name the ASEAN institution(s) to approach about this initiative.")
        raise ValidationFailed({"counterparts": [message]})
    _claim(suggestion, SuggestionStatus.ACCEPTED, decided_by=_who(actor), decided_at=now)
    extra: dict[str, Any] = {}
    if suggestion.initiative_id:
        extra["initiatives"] = [suggestion.initiative.code]
    country = _country(suggestion)
    if country and MemberState.objects.filter(iso2=country).exists():
        extra["priority_country"] = country
    # The company's own BD member opens it as theirs; a program manager's acceptance opens it
    # for the company's team (policy lets them decide matches, not write team records), as a
    # system write that the decision itself records.
    creator = actor if _is_member(actor, team) else ACCEPTED_FOR_TEAM
    partnership = partnership_create(
        actor=creator,
        team=team,
        title=(title or "").strip() or _title(suggestion),
        counterparts=parties,
        partnership_type=ptype,
        notes=f"Accepted from match suggestion {suggestion.pk}.",
        **extra,
    )
    MatchSuggestion.objects.filter(pk=suggestion.pk).update(partnership=partnership)
    suggestion.partnership = partnership
    decision = _record(
        suggestion, MatchDecision.Decision.ACCEPTED, actor, now, partnership=partnership
    )
    _emit_accepted(decision, suggestion, team, partnership)
    return suggestion


def default_party(suggestion: MatchSuggestion) -> int | None:
    """The organization a partnership is opened with without being named: the suggested
    institution, a project's owner, an incentive's agency (when the directory has them)."""
    if suggestion.organization_id:
        return suggestion.organization_id
    # A partnership's counterparts are ASEAN institutions (a project owner may be a Japanese
    # company of the directory: then it is named, not taken).
    found = None
    if suggestion.project_id:
        found = suggestion.project.owner
    elif suggestion.incentive_id:
        found = suggestion.incentive.agency
    if found is not None and found.kind == OrganizationKind.ASEAN_INSTITUTION:
        return found.pk
    return None


def _country(suggestion: MatchSuggestion) -> str:
    if suggestion.organization_id:
        return suggestion.organization.country
    if suggestion.project_id:
        return suggestion.project.country.iso2
    if suggestion.incentive_id:
        return suggestion.incentive.country
    return ""


def _who(actor: policy.Actor):
    return policy.person(actor)


def _is_member(actor: policy.Actor, team: Team) -> bool:
    return getattr(actor, "team_id", None) == team.pk and getattr(actor, "role", "") in (
        Role.BD_MEMBER,
        Role.INTEGRATOR,
    )


def _title(suggestion: MatchSuggestion) -> str:
    return f"{suggestion.company.name} × {suggestion.counterpart_label}"[:200]


def _emit_accepted(decision, suggestion, team, partnership) -> None:
    from engagement.services.webhooks import webhook_emit

    webhook_emit(
        "match.accepted",
        decision,
        data={
            "id": suggestion.pk,
            "team": team.slug,
            "company": suggestion.company_id,
            "counterpart": {
                "type": suggestion.kind,
                "id": suggestion.counterpart_id,
            },
            "partnership": partnership.pk,
        },
    )


@transaction.atomic
def match_reject(
    *,
    actor: policy.Actor,
    suggestion: MatchSuggestion,
    reason: str,
    note: str = "",
    now: dt.datetime | None = None,
) -> MatchSuggestion:
    """Reject with a reason from RejectReason (and, for "other", a note). The pair is not
    suggested again for MATCH_REJECTION_COOLDOWN_DAYS unless either profile changes."""
    _check(actor, suggestion)
    note = (note or "").strip()
    if reason not in RejectReason.values:
        raise ValidationFailed(
            {"reason": [_("One of: %(values)s.") % {"values": ", ".join(RejectReason.values)}]}
        )
    if reason == RejectReason.OTHER and not note:
        raise ValidationFailed({"note": [_("Say why when the reason is 'other'.")]})
    now = now or timezone.now()
    _claim(suggestion, SuggestionStatus.REJECTED, decided_by=_who(actor), decided_at=now)
    _record(suggestion, MatchDecision.Decision.REJECTED, actor, now, reason=reason, note=note)
    return suggestion


@transaction.atomic
def match_snooze(
    *,
    actor: policy.Actor,
    suggestion: MatchSuggestion,
    until: dt.date,
    now: dt.datetime | None = None,
) -> MatchSuggestion:
    """Hide a suggestion until a date (within a year); it competes again from that day."""
    _check(actor, suggestion)
    now = now or timezone.now()
    today = business_today(now)  # a snooze date is a day of the business calendar
    if not isinstance(until, dt.date) or until <= today or until > today + SNOOZE_MAX:
        raise ValidationFailed({"until": [_("A date after today and within a year.")]})
    _claim(
        suggestion,
        SuggestionStatus.SNOOZED,
        snoozed_until=until,
        decided_by=_who(actor),
        decided_at=now,
    )
    _record(suggestion, MatchDecision.Decision.SNOOZED, actor, now, snoozed_until=until)
    return suggestion

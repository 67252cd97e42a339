"""Reads of suggestions and decisions, scoped by the access policy, in a fixed number of queries."""

from __future__ import annotations

from typing import cast

from django.db.models import Q, QuerySet

from engagement import policy
from engagement.models import (
    Capability,
    Incentive,
    Initiative,
    MemberState,
    Organization,
    OrgType,
    Thrust,
)
from matching.explain import Explanation, Labels, render
from matching.models import MatchDecision, MatchSuggestion, SuggestionStatus
from matching.reason_types import ReasonCodes, ReasonItem
from matching.structured import structure


def suggestions_visible(*, user: policy.Actor) -> QuerySet[MatchSuggestion]:
    """Suggestions for the user's own company (program managers: every company)."""
    qs = MatchSuggestion.objects.select_related(
        "company",
        "team",
        "organization",
        "organization__org_type",
        "initiative",
        "initiative__thrust",
        "project",
        "project__country",
        "project__owner",
        "incentive",
        "incentive__agency",
        "partnership",
        "decided_by",
    )
    return policy.scope(user, qs)


def suggestion_visible(*, user: policy.Actor, pk: object) -> MatchSuggestion | None:
    try:
        number = int(pk)  # type: ignore[call-overload]  # anything a caller sent; not a number: None
    except (TypeError, ValueError):
        return None
    return suggestions_visible(user=user).filter(pk=number).first()


def decisions_visible(*, user: policy.Actor) -> QuerySet[MatchDecision]:
    qs = MatchDecision.objects.select_related(
        "company", "organization", "initiative", "project", "incentive", "decided_by"
    )
    return policy.scope(user, qs)


def review_queue(
    *,
    user: policy.Actor,
    company: int | None = None,
    thrust: str = "",
    country: str = "",
    purpose: str = "",
    min_score: float | None = None,
    status: str = SuggestionStatus.NEW,
) -> QuerySet[MatchSuggestion]:
    """The suggestions to review, best first within each company."""
    qs = suggestions_visible(user=user)
    if purpose:
        qs = qs.filter(purpose=purpose)
    if status:
        qs = qs.filter(status=status)
    if company:
        qs = qs.filter(company_id=company)
    if thrust:
        qs = filter_thrust(qs, thrust)
    if country:
        qs = qs.filter(
            Q(organization__country__iexact=country)
            | Q(project__country__iso2__iexact=country)
            | Q(incentive__country__iexact=country)
        )
    if min_score is not None:
        qs = qs.filter(score__gte=min_score)
    return qs.order_by("company__name", "company_id", "rank", "id")


def filter_thrust(qs: QuerySet[MatchSuggestion], thrust: str) -> QuerySet[MatchSuggestion]:
    """Counterparts on a thrust: an institution that declares it, an initiative under it."""
    on_thrust = Organization.objects.filter(thrusts__code=thrust).values("pk")
    incentives = Incentive.objects.filter(thrusts__code=thrust).values("pk")
    return qs.filter(
        Q(organization__in=on_thrust)
        | Q(initiative__thrust__code=thrust)
        | Q(incentive__in=incentives)
    )


def companies_with_suggestions(*, user: policy.Actor) -> QuerySet[Organization]:
    ids = suggestions_visible(user=user).values("company_id")
    return Organization.objects.filter(pk__in=ids).order_by("name")


def _names(
    model: type[Capability | MemberState | Thrust | OrgType | Initiative], key: str = "code"
) -> dict[str, tuple[str, str]]:
    rows = model._default_manager.values_list(key, "name_en", "name_ja")
    return {code: (en, ja) for code, en, ja in rows}


def explanation_labels() -> Labels:
    """The reference data explanations name, in both languages (a few queries per page)."""
    return Labels(
        capabilities=_names(Capability),
        states=_names(MemberState, "iso2"),
        thrusts=_names(Thrust),
        org_types=_names(OrgType),
        initiatives=_names(Initiative),
        agencies=_agencies(),
    )


def _agencies() -> dict[str, tuple[str, str]]:
    """An incentive's code → its agency: the directory's organization when it has one."""
    rows = Incentive.objects.values_list("code", "agency_name", "agency__name", "agency__name_ja")
    return {code: (org or named, ja or "") for code, named, org, ja in rows}


def counterpart_name(suggestion: MatchSuggestion, lang: str | None) -> str:
    japanese = (lang or "").startswith("ja")
    i = suggestion.initiative  # no query when it has none
    if i is not None:
        return f"{i.code} {(i.name_ja if japanese and i.name_ja else i.name_en)}"
    for opportunity in (suggestion.project, suggestion.incentive):
        if opportunity is not None:
            return opportunity.name_ja if japanese and opportunity.name_ja else opportunity.name_en
    org = suggestion.organization
    if org is None:
        return ""
    return org.name_ja if japanese and org.name_ja else org.name


def structured_reasons(suggestion: MatchSuggestion) -> dict[str, list[ReasonItem]]:
    """Reasons for and against, each naming the facts of both sides (matching.reasons)."""
    return structure(
        cast(ReasonCodes, suggestion.reasons or {}),
        suggestion.components or {},
        kind=suggestion.kind,
        purpose=suggestion.purpose,
    )


def explain(suggestion: MatchSuggestion, lang: str | None, labels: Labels) -> Explanation:
    return render(
        structured_reasons(suggestion),
        counterpart=counterpart_name(suggestion, lang),
        kind=suggestion.kind,
        lang=lang,
        labels=labels,
    )

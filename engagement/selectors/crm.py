"""Reads of team-owned records, scoped by the access policy and fetched in a fixed number of
queries whatever the page size."""

from __future__ import annotations

from typing import TypeVar

from django.db.models import Model, Prefetch, QuerySet

from engagement import policy
from engagement.models import (
    KPI,
    Engagement,
    FollowUp,
    Milestone,
    MoU,
    Partnership,
    Pilot,
    User,
)


def engagements_visible(*, user: policy.Actor) -> QuerySet[Engagement]:
    # The author is shown by id: no need to build the user.
    qs = Engagement.objects.select_related("team").prefetch_related(
        "organizations", "contacts", "participants", "thrusts", "initiatives"
    )
    return policy.scope(user, qs)


def engagements_listed(*, user: policy.Actor) -> QuerySet[Engagement]:
    """The engagements a user may see, with only what the list shows (team, author,
    organizations)."""
    qs = Engagement.objects.select_related("team", "created_by").prefetch_related("organizations")
    return policy.scope(user, qs)


def partnerships_visible(*, user: policy.Actor) -> QuerySet[Partnership]:
    qs = Partnership.objects.select_related(
        "team", "company", "partnership_type", "owner", "priority_country"
    ).prefetch_related("counterparts", "initiatives")
    return policy.scope(user, qs)


def mous_visible(*, user: policy.Actor) -> QuerySet[MoU]:
    qs = MoU.objects.select_related(
        "partnership", "partnership__team", "predecessor", "successor"
    ).prefetch_related("parties", "thrusts")
    return policy.scope(user, qs)


def pilots_visible(*, user: policy.Actor) -> QuerySet[Pilot]:
    qs = Pilot.objects.select_related("partnership", "partnership__team", "owner").prefetch_related(
        Prefetch("milestones", queryset=Milestone.objects.select_related("owner")), "kpis"
    )
    return policy.scope(user, qs)


def milestones_visible(*, user: policy.Actor) -> QuerySet[Milestone]:
    return policy.scope(user, Milestone.objects.select_related("pilot__partnership"))


def kpis_visible(*, user: policy.Actor) -> QuerySet[KPI]:
    return policy.scope(user, KPI.objects.select_related("pilot__partnership"))


def team_members(*, user: policy.Actor, team_id: int) -> list[User]:
    """The active members of a team that `user` may see, to choose an owner from."""
    qs = User.objects.filter(team_id=team_id, is_active=True).order_by("username")
    return list(policy.scope(user, qs))


def followups_visible(*, user: policy.Actor) -> QuerySet[FollowUp]:
    qs = FollowUp.objects.select_related("team", "owner", "completed_by")
    return policy.scope(user, qs)


M = TypeVar("M", bound=Model)


def visible(user: policy.Actor, model: type[M], pk: object) -> M | None:
    """One record of `model` that `user` may see, or None (the API answers 404 either way)."""
    try:
        number = int(pk)  # type: ignore[call-overload]  # anything a caller sent; not a number: None
    except (TypeError, ValueError):
        return None
    return policy.scope(user, model._default_manager.all()).filter(pk=number).first()

"""Reads of team-owned records, scoped by the access policy and fetched in a fixed number of
queries whatever the page size."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet

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


def engagements_visible(*, user: Any) -> QuerySet[Engagement]:
    # The author is shown by id: no need to build the user.
    qs = Engagement.objects.select_related("team").prefetch_related(
        "organizations", "contacts", "participants", "thrusts", "initiatives"
    )
    return policy.scope(user, qs)


def engagements_listed(*, user: Any) -> QuerySet[Engagement]:
    """The engagements a user may see, with only what the list shows (team, author,
    organizations)."""
    qs = Engagement.objects.select_related("team", "created_by").prefetch_related("organizations")
    return policy.scope(user, qs)


def partnerships_visible(*, user: Any) -> QuerySet[Partnership]:
    qs = Partnership.objects.select_related(
        "team", "company", "partnership_type", "owner", "priority_country"
    ).prefetch_related("counterparts", "initiatives")
    return policy.scope(user, qs)


def mous_visible(*, user: Any) -> QuerySet[MoU]:
    qs = MoU.objects.select_related(
        "partnership", "partnership__team", "predecessor", "successor"
    ).prefetch_related("parties", "thrusts")
    return policy.scope(user, qs)


def pilots_visible(*, user: Any) -> QuerySet[Pilot]:
    qs = Pilot.objects.select_related("partnership", "partnership__team", "owner").prefetch_related(
        Prefetch("milestones", queryset=Milestone.objects.select_related("owner")), "kpis"
    )
    return policy.scope(user, qs)


def milestones_visible(*, user: Any) -> QuerySet[Milestone]:
    return policy.scope(user, Milestone.objects.select_related("pilot__partnership"))


def kpis_visible(*, user: Any) -> QuerySet[KPI]:
    return policy.scope(user, KPI.objects.select_related("pilot__partnership"))


def team_members(*, user: Any, team_id: int) -> list[User]:
    """The active members of a team that `user` may see, to choose an owner from."""
    qs = User.objects.filter(team_id=team_id, is_active=True).order_by("username")
    return list(policy.scope(user, qs))


def followups_visible(*, user: Any) -> QuerySet[FollowUp]:
    qs = FollowUp.objects.select_related("team", "owner", "completed_by")
    return policy.scope(user, qs)


def visible(user: Any, model, pk: Any):
    """One record of `model` that `user` may see, or None (the API answers 404 either way)."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    return policy.scope(user, model._default_manager.all()).filter(pk=pk).first()

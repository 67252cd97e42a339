"""Which teams' records refer to a shared organization.

The directory's stewardship rules (engagement.policy) and its delete guard ask this: a team may
keep editing a record it entered only while no other team's work points at it, and nobody may
remove a record that any team's work points at.

Every team-owned model (one with `policy_team_path`) that refers to Organization counts, found
from the model graph rather than listed by hand, so a new kind of team record is covered the day
it is added. A model that is derived rather than worked on (match suggestions, proposals) opts
out with `counts_as_directory_reference = False`. A team whose own company the organization is
counts for that team.
"""

from __future__ import annotations

from collections import Counter

from django.db.models import Count

from engagement.models import Organization, Team


def _referring_relations() -> list[tuple[type, str, str]]:
    """(model, lookup to the organization, lookup to the owning team id) per relation."""
    out = []
    for rel in Organization._meta.related_objects:
        model = rel.related_model
        team_path = getattr(model, "policy_team_path", None)
        if team_path is None or not getattr(model, "counts_as_directory_reference", True):
            continue
        out.append((model, rel.field.name, f"{team_path}_id"))
    return out


def team_reference_counts(organization: Organization) -> Counter[int]:
    """team id → number of that team's records referring to `organization`."""
    counts: Counter[int] = Counter()
    for model, org_lookup, team_lookup in _referring_relations():
        rows = (
            model._default_manager.filter(**{org_lookup: organization})
            .values(team_lookup)
            .annotate(n=Count("pk", distinct=True))
            .values_list(team_lookup, "n")
        )
        for team_id, n in rows:
            if team_id is not None:
                counts[team_id] += n
    for team_id in Team.objects.filter(company=organization).values_list("pk", flat=True):
        counts[team_id] += 1
    return counts


def referred_to_by_other_teams(organization: Organization, team_id: int | None) -> bool:
    return any(t != team_id for t in team_reference_counts(organization))

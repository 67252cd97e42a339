"""The pipeline board: a team's partnerships as cards in a column per stage, with each column's
count and value, read in a fixed number of queries however many cards there are."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from engagement import policy, stages
from engagement.models import FollowUp, Partnership, Team
from engagement.selectors.crm import partnerships_visible


@dataclass(frozen=True)
class BoardFilters:
    team: Team | None = None
    owner: int | None = None
    country: str = ""
    thrust: str = ""
    partnership_type: str = ""


@dataclass
class Column:
    stage: str
    cards: list[Partnership] = field(default_factory=list)
    # (currency, total) in currency order: values in different currencies are never added up.
    totals: list[tuple[str, Decimal]] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.cards)


def _filtered(qs: QuerySet[Partnership], f: BoardFilters) -> QuerySet[Partnership]:
    if f.team is not None:
        qs = qs.filter(team=f.team)
    if f.owner is not None:
        qs = qs.filter(owner_id=f.owner)
    if f.partnership_type:
        qs = qs.filter(partnership_type__code=f.partnership_type)
    # Through a subquery, so a deal with two initiatives of the thrust is still one card.
    if f.thrust:
        links = Partnership.initiatives.through.objects.filter(initiative__thrust__code=f.thrust)
        qs = qs.filter(pk__in=links.values("partnership_id"))
    if f.country:
        # The member state a deal is about: its priority country, else its counterparts' (as
        # the partnership list counts it).
        iso = f.country.upper()
        parts = Partnership.counterparts.through.objects.filter(organization__country=iso)
        qs = qs.filter(
            Q(priority_country__iso2=iso)
            | Q(priority_country__isnull=True, pk__in=parts.values("partnership_id"))
        )
    return qs


def _next_followup() -> Subquery:
    open_ones = FollowUp.objects.filter(
        partnership=OuterRef("pk"), status=FollowUp.Status.OPEN
    ).order_by("due_on", "pk")
    return Subquery(open_ones.values("due_on")[:1])


def pipeline_board(*, user: policy.Actor, filters: BoardFilters) -> list[Column]:
    """A column per stage (the pipeline's, then on hold and lost), each card a partnership the
    user may see, with `next_followup` (the earliest open follow-up's date or None) and
    `days_in_stage`."""
    qs = _filtered(partnerships_visible(user=user), filters).annotate(
        next_followup=_next_followup()
    )
    columns = {s: Column(stage=s) for s in stages.ALL_STAGES}
    today = timezone.localdate()
    sums: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for p in qs.order_by("stage_changed_at", "pk"):
        p.days_in_stage = _days_since(p.stage_changed_at, today)
        columns[p.stage].cards.append(p)
        if p.expected_value is not None:
            sums[p.stage][p.currency] += p.expected_value
    for stage, by_currency in sums.items():
        columns[stage].totals = sorted(by_currency.items())
    return list(columns.values())


def _days_since(moment: dt.datetime, today: dt.date) -> int:
    return max((today - timezone.localtime(moment).date()).days, 0)

"""Reads of the implementation watch, and the coverage map that joins it to the pipeline."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet

from engagement import policy
from engagement.models import (
    ImplementationStatus,
    Initiative,
    MemberState,
    Partnership,
    PolicyUpdate,
    Stage,
    Thrust,
)
from engagement.services.common import business_today

ENGAGED_STAGES = (Stage.MOU_SIGNED, Stage.PILOT, Stage.AGREEMENT, Stage.ACTIVE)
PIPELINE_STAGES = (Stage.IDENTIFIED, Stage.CONTACTED, Stage.EXPLORING, Stage.MOU_NEGOTIATION)
LIVE_STATUSES = (ImplementationStatus.Status.LAUNCHED, ImplementationStatus.Status.IN_PROGRESS)


def current_statuses(
    *,
    initiative_ids: Iterable[int] | None = None,
    state_ids: Iterable[int] | None = None,
    as_of: dt.date | None = None,
) -> dict[tuple[int, int], ImplementationStatus]:
    """The latest observation in effect per (initiative, member state), by effective date then
    by when it was recorded: one announced for a later date is not current until that day (of
    the business calendar; `as_of` to ask about another day). Matching reads the same rule
    (matching.services.loading.live_statuses). One query."""
    as_of = as_of or business_today()
    qs = ImplementationStatus.objects.select_related("initiative", "member_state").filter(
        effective_on__lte=as_of
    )
    if initiative_ids is not None:
        qs = qs.filter(initiative_id__in=initiative_ids)
    if state_ids is not None:
        qs = qs.filter(member_state_id__in=state_ids)
    current: dict[tuple[int, int], ImplementationStatus] = {}
    for row in qs.order_by(
        "initiative_id", "member_state_id", "-effective_on", "-recorded_at", "-id"
    ):
        current.setdefault((row.initiative_id, row.member_state_id), row)
    return current


def status_history(
    *, initiative: Initiative | None = None, member_state: MemberState | None = None
) -> list[ImplementationStatus]:
    qs = ImplementationStatus.objects.select_related("initiative", "member_state", "recorded_by")
    if initiative is not None:
        qs = qs.filter(initiative=initiative)
    if member_state is not None:
        qs = qs.filter(member_state=member_state)
    return list(qs.order_by("-effective_on", "-recorded_at", "-id"))


def policy_updates(
    *,
    initiative: Initiative | None = None,
    member_state: MemberState | None = None,
    thrust: Thrust | None = None,
    since: dt.datetime | None = None,
) -> QuerySet[PolicyUpdate]:
    qs = PolicyUpdate.objects.prefetch_related("member_states", "thrusts", "initiatives")
    if initiative is not None:
        qs = qs.filter(Q(initiatives=initiative) | Q(thrusts=initiative.thrust_id))
    if member_state is not None:
        qs = qs.filter(member_states=member_state)
    if thrust is not None:
        qs = qs.filter(thrusts=thrust)
    if since is not None:
        qs = qs.filter(created_at__gte=since)
    return qs.distinct().order_by("-published_on", "-id")


@dataclass
class Cell:
    initiative: Initiative
    state: MemberState
    engaged: int = 0
    pipeline: int = 0
    status: ImplementationStatus | None = None

    @property
    def bucket(self) -> str:
        if self.engaged:
            return "engaged"
        if self.pipeline:
            return "pipeline"
        return "absent"

    @property
    def gap(self) -> bool:
        """Launched or under way here, and no Japanese partner engaged: where to look first."""
        return self.status is not None and self.status.status in LIVE_STATUSES and self.engaged == 0


@dataclass
class CoverageRow:
    initiative: Initiative
    cells: list[Cell] = field(default_factory=list)


@dataclass
class Coverage:
    states: list[MemberState]
    rows: list[CoverageRow]


def in_member_state(state: MemberState) -> Q:
    """Partnerships that count in `state`, as a filter: the rule of _partnership_countries (its
    priority country, else the countries of its counterparts), so that a member state's
    timeline and the coverage map agree on where a partnership is."""
    return Q(priority_country=state) | Q(
        priority_country__isnull=True, counterparts__country=state.iso2
    )


def _partnership_countries(user: policy.Actor) -> list[tuple[int, str, set[int], set[int]]]:
    """(id, stage, initiative ids, country ids) for every partnership the user may see. Where a
    partnership counts: its priority country, else its counterparts' (see in_member_state)."""
    qs = policy.scope(
        user, Partnership.objects.filter(stage__in=ENGAGED_STAGES + PIPELINE_STAGES)
    ).prefetch_related("initiatives", "counterparts")
    states = {m.iso2: m.pk for m in MemberState.objects.all()}
    out = []
    for p in qs:
        countries = (
            {p.priority_country_id}
            if p.priority_country_id
            else {states[c.country] for c in p.counterparts.all() if c.country in states}
        )
        out.append((p.pk, p.stage, {i.pk for i in p.initiatives.all()}, countries))
    return out


def coverage_matrix(
    *, user: policy.Actor, thrust: str | None = None, gaps_only: bool = False
) -> Coverage:
    """Initiatives (by thrust) × member states: partnerships engaged or in pipeline there, and
    the current implementation status. A fixed number of queries."""
    states = list(MemberState.objects.order_by("iso2"))
    chosen = Initiative.objects.select_related("thrust").order_by("thrust__code", "code")
    if thrust:
        chosen = chosen.filter(thrust__code=thrust)
    initiatives = list(chosen)
    counts: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0])
    for _pk, stage, inits, countries in _partnership_countries(user):
        slot = 0 if stage in ENGAGED_STAGES else 1
        for i in inits:
            for c in countries:
                counts[(i, c)][slot] += 1
    statuses = current_statuses(initiative_ids=[i.pk for i in initiatives])
    rows = []
    for init in initiatives:
        row = CoverageRow(init)
        for state in states:
            engaged, pipeline = counts.get((init.pk, state.pk), (0, 0))
            row.cells.append(
                Cell(init, state, engaged, pipeline, statuses.get((init.pk, state.pk)))
            )
        if not gaps_only or any(c.gap for c in row.cells):
            rows.append(row)
    return Coverage(states=states, rows=rows)


def launched_since(*, since: dt.date) -> list[ImplementationStatus]:
    return list(
        ImplementationStatus.objects.filter(effective_on__gte=since)
        .select_related("initiative", "member_state")
        .order_by("-effective_on")
    )

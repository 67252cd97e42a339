"""Pipeline figures: counts and value by stage, thrust and member state, stage-to-stage
conversion and median time in stage, for one team or (program managers) all teams."""

from __future__ import annotations

import datetime as dt
import itertools
import statistics
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, QuerySet, Sum

from engagement import policy, stages
from engagement.models import Partnership, StageChange, Team

CENT = Decimal("0.01")


@dataclass(frozen=True)
class PipelineSummary:
    by_stage: list[dict[str, Any]]
    by_thrust: list[dict[str, Any]]
    by_country: list[dict[str, Any]]
    conversion: list[dict[str, Any]]
    median_days_in_stage: dict[str, float | None]
    total: int


def _partnerships(user: policy.Actor, team: Team | None) -> QuerySet[Partnership]:
    qs = policy.scope(user, Partnership.objects.all())
    return qs.filter(team=team) if team is not None else qs


def pipeline_summary(*, user: policy.Actor, team: Team | None = None) -> PipelineSummary:
    qs = _partnerships(user, team)
    counts = {r["stage"]: r["n"] for r in qs.order_by().values("stage").annotate(n=Count("id"))}
    values: dict[str, dict[str, str]] = defaultdict(dict)
    for r in (
        qs.exclude(expected_value=None)
        .order_by()
        .values("stage", "currency")
        .annotate(total=Sum("expected_value"))
    ):
        # Two decimal places, as stored: SQLite sums decimals as floats ("1234.56000000000",
        # "3000000") where PostgreSQL answers "1234.56" and "3000000.00".
        values[r["stage"]][r["currency"]] = str(Decimal(r["total"]).quantize(CENT))
    by_stage = [
        {"stage": s, "count": counts.get(s, 0), "value": values.get(s, {})}
        for s in stages.ALL_STAGES
    ]
    by_thrust: list[dict[str, Any]] = [
        {"thrust": r["initiatives__thrust__code"], "count": r["count"]}
        for r in qs.exclude(initiatives=None)
        .order_by()
        .values("initiatives__thrust__code")
        .annotate(count=Count("id", distinct=True))
        .order_by("initiatives__thrust__code")
    ]
    # Sorted here: "no country" comes first on every backend (PostgreSQL sorts NULL last).
    by_country = sorted(
        (
            {"country": r["priority_country__iso2"] or "", "count": r["count"]}
            for r in qs.order_by().values("priority_country__iso2").annotate(count=Count("id"))
        ),
        key=lambda row: row["country"],
    )
    changes = list(
        StageChange.objects.filter(partnership__in=qs.values("pk"))
        .order_by("partnership_id", "at", "id")
        .values_list("partnership_id", "to_stage", "at")
    )
    return PipelineSummary(
        by_stage=by_stage,
        by_thrust=by_thrust,
        by_country=by_country,
        conversion=_conversion(changes),
        median_days_in_stage=_median_days(changes),
        total=sum(counts.values()),
    )


# A stage change as (partnership id, stage it moved to, when), in partnership and time order.
StageMove = tuple[int, str, dt.datetime]


def _conversion(changes: list[StageMove]) -> list[dict[str, Any]]:
    """Of the partnerships that reached a stage, the share that reached the next one."""
    furthest: dict[int, int] = {}
    for pid, stage, _at in changes:
        if stage in stages.PIPELINE:
            furthest[pid] = max(furthest.get(pid, -1), stages.PIPELINE.index(stage))
    reached = [sum(1 for f in furthest.values() if f >= i) for i in range(len(stages.PIPELINE))]
    out: list[dict[str, Any]] = []
    for i in range(len(stages.PIPELINE) - 1):
        rate = round(reached[i + 1] / reached[i], 4) if reached[i] else None
        out.append(
            {
                "from": stages.PIPELINE[i],
                "to": stages.PIPELINE[i + 1],
                "reached": reached[i],
                "advanced": reached[i + 1],
                "rate": rate,
            }
        )
    return out


def _median_days(changes: list[StageMove]) -> dict[str, float | None]:
    spans: dict[str, list[float]] = defaultdict(list)
    for (pid, stage, at), (next_pid, _next_stage, next_at) in itertools.pairwise(changes):
        if pid == next_pid:
            spans[stage].append((next_at - at).total_seconds() / 86400)
    return {
        s: (round(statistics.median(spans[s]), 2) if spans.get(s) else None)
        for s in stages.ALL_STAGES
    }

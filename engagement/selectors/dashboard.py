"""Reads behind the dashboard, the follow-up list and the partnership page.

Each function runs a fixed number of queries whatever the amount of data: lists are cut to a
page, relations come through select_related/prefetch_related, and the chart figures are
aggregated by the database (or read as narrow value rows and folded in Python).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypeVar

from django.db.models import Count, Model, Prefetch, Q, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from engagement import policy, stages
from engagement.models import (
    Engagement,
    FollowUp,
    MemberState,
    Milestone,
    MoU,
    Organization,
    Partnership,
    Pilot,
    Stage,
    Team,
    Thrust,
)
from engagement.selectors.crm import engagements_visible, followups_visible, mous_visible

M = TypeVar("M", bound=Model)

LIST_LIMIT = 10
FOLLOWUP_LIMIT = 50
WEEKS = 12
MOU_HORIZON_DAYS = 90


def teams_visible(*, user: policy.Actor) -> QuerySet[Team]:
    return policy.scope(user, Team.objects.select_related("company")).order_by("name", "slug")


def team_filter(*, user: policy.Actor, slug: str | None) -> Team | None:
    """The team a program manager chose with `?team=slug`; None for "all teams" and for
    everyone else (their own team is their scope already)."""
    if not slug or not policy.sees_all_teams(user):
        return None
    return teams_visible(user=user).filter(slug=slug).first()


def _in_team(qs: QuerySet[M], team: Team | None, path: str = "team") -> QuerySet[M]:
    return qs.filter(**{path: team}) if team is not None else qs


def followups_with_subjects(qs: QuerySet[FollowUp]) -> QuerySet[FollowUp]:
    """Follow-ups with whatever they are about, to link each to its record in one query."""
    return qs.select_related(
        "team",
        "owner",
        "partnership",
        "engagement__partnership",
        "mou__partnership",
        "pilot__partnership",
        "organization",
    )


def followups_open(
    *, user: policy.Actor, owner: Any = None, team: Team | None = None
) -> QuerySet[FollowUp]:
    """Open follow-ups the user may see, overdue first (by due date)."""
    qs = followups_with_subjects(followups_visible(user=user)).filter(status=FollowUp.Status.OPEN)
    if owner is not None:
        qs = qs.filter(owner=owner)
    return _in_team(qs, team).order_by("due_on", "due_time", "id")


@dataclass(frozen=True)
class FollowUpGroups:
    overdue: list[FollowUp]
    today: list[FollowUp]
    this_week: list[FollowUp]

    @property
    def empty(self) -> bool:
        return not (self.overdue or self.today or self.this_week)


def followups_due(*, user: policy.Actor, team: Team | None, today: dt.date) -> FollowUpGroups:
    """A team member's own open follow-ups; a program manager's view of the teams' ones.
    Overdue, due today, due in the next seven days."""
    owner = None if policy.sees_all_teams(user) else user
    rows = list(
        followups_open(user=user, owner=owner, team=team).filter(
            due_on__lte=today + dt.timedelta(days=7)
        )[:FOLLOWUP_LIMIT]
    )
    return FollowUpGroups(
        overdue=[f for f in rows if f.due_on < today],
        today=[f for f in rows if f.due_on == today],
        this_week=[f for f in rows if f.due_on > today],
    )


def mous_expiring(*, user: policy.Actor, team: Team | None, today: dt.date) -> list[MoU]:
    qs = mous_visible(user=user).filter(
        status__in=[MoU.Status.SIGNED, MoU.Status.ACTIVE],
        expires_on__gte=today,
        expires_on__lte=today + dt.timedelta(days=MOU_HORIZON_DAYS),
    )
    return list(_in_team(qs, team, "partnership__team").order_by("expires_on", "id")[:LIST_LIMIT])


def pilots_at_risk(*, user: policy.Actor, team: Team | None, today: dt.date) -> list[Pilot]:
    """Pilots flagged at risk, and running pilots with an overdue milestone."""
    overdue = Milestone.objects.filter(done_on__isnull=True, due_on__lt=today).order_by("due_on")
    late = Milestone.objects.filter(done_on__isnull=True, due_on__lt=today).values("pilot_id")
    qs = (
        policy.scope(user, Pilot.objects.all())
        .filter(Q(status=Pilot.Status.AT_RISK) | Q(status=Pilot.Status.RUNNING, pk__in=late))
        .select_related("partnership", "partnership__team", "owner")
        .prefetch_related(Prefetch("milestones", queryset=overdue, to_attr="overdue_milestones"))
    )
    return list(_in_team(qs, team, "partnership__team").order_by("-updated_at", "-id")[:LIST_LIMIT])


def engagements_recent(
    *, user: policy.Actor, team: Team | None, limit: int = LIST_LIMIT
) -> list[Engagement]:
    qs = engagements_visible(user=user).select_related("partnership")
    return list(_in_team(qs, team).order_by("-occurred_at", "-id")[:limit])


# --- Charts ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class FunnelRow:
    stage: str
    count: int
    value: dict[str, Decimal]  # currency -> total expected value


def funnel(*, user: policy.Actor, team: Team | None) -> list[FunnelRow]:
    """Partnerships per stage, in pipeline order, then on hold and lost; with their expected
    value summed per currency. Two queries."""
    qs = _in_team(policy.scope(user, Partnership.objects.all()), team).order_by()
    counts = dict(qs.values_list("stage").annotate(n=Count("id")))
    values: dict[str, dict[str, Decimal]] = defaultdict(dict)
    for stage, currency, total in (
        qs.exclude(expected_value=None)
        .values_list("stage", "currency")
        .annotate(total=Sum("expected_value"))
        .order_by("stage", "currency")
    ):
        values[stage][currency] = total
    return [FunnelRow(s, counts.get(s, 0), dict(values.get(s, {}))) for s in stages.ALL_STAGES]


@dataclass(frozen=True)
class Heatmap:
    thrusts: list[Thrust]
    states: list[MemberState]
    cells: dict[tuple[str, str], int]  # (thrust code, iso2) -> partnerships
    unplaced: int  # partnerships naming no initiative or no member state

    @property
    def max(self) -> int:
        return max(self.cells.values(), default=0)

    def count(self, thrust: str, iso2: str) -> int:
        return self.cells.get((thrust, iso2), 0)


def partnership_heatmap(*, user: policy.Actor, team: Team | None) -> Heatmap:
    """Partnerships not lost, by strategic thrust (through their initiatives) and member state
    (their priority country, else their counterparts' countries). Four queries."""
    qs = (
        _in_team(policy.scope(user, Partnership.objects.all()), team)
        .exclude(stage=Stage.LOST)
        .order_by()
    )
    thrusts_of: dict[int, set[str]] = defaultdict(set)
    for pk, code in qs.filter(initiatives__isnull=False).values_list(
        "pk", "initiatives__thrust__code"
    ):
        thrusts_of[pk].add(code)
    states_of: dict[int, set[str]] = defaultdict(set)
    priority: dict[int, str] = {}
    for pk, prio, country in qs.values_list(
        "pk", "priority_country__iso2", "counterparts__country"
    ):
        if prio:
            priority[pk] = prio
        elif country:
            states_of[pk].add(country)
    for pk, iso in priority.items():
        states_of[pk] = {iso}
    states = list(MemberState.objects.order_by("name_en"))
    known = {s.iso2 for s in states}
    cells: dict[tuple[str, str], int] = defaultdict(int)
    placed = set()
    for pk, codes in thrusts_of.items():
        for iso in states_of.get(pk, set()) & known:
            placed.add(pk)
            for code in codes:
                cells[(code, iso)] += 1
    every = set(states_of) | set(thrusts_of) | set(priority)
    return Heatmap(
        thrusts=list(Thrust.objects.order_by("position", "code")),
        states=states,
        cells=dict(cells),
        unplaced=len(every - placed),
    )


@dataclass(frozen=True)
class Week:
    start: dt.date
    count: int


def weekly_activity(*, user: policy.Actor, team: Team | None, today: dt.date) -> list[Week]:
    """Engagements per week (weeks start on Monday, in the reader's time zone) over the last
    twelve weeks, this one included. One query, grouped by day in the database."""
    first = today - dt.timedelta(days=today.weekday()) - dt.timedelta(weeks=WEEKS - 1)
    tz = timezone.get_current_timezone()
    since = dt.datetime.combine(first, dt.time.min, tzinfo=tz)
    qs = _in_team(policy.scope(user, Engagement.objects.all()), team).filter(occurred_at__gte=since)
    per_day = (
        qs.order_by()
        .annotate(day=TruncDate("occurred_at", tzinfo=tz))
        .values_list("day")
        .annotate(n=Count("id"))
    )
    weeks = {first + dt.timedelta(weeks=i): 0 for i in range(WEEKS)}
    for day, n in per_day:
        start = day - dt.timedelta(days=day.weekday())
        if start in weeks:
            weeks[start] += n
    return [Week(start, n) for start, n in weeks.items()]


@dataclass
class Dashboard:
    today: dt.date
    team: Team | None
    teams: list[Team]
    followups: FollowUpGroups
    mous_expiring: list[MoU]
    pilots_at_risk: list[Pilot]
    recent: list[Engagement]
    funnel: list[FunnelRow]
    heatmap: Heatmap
    weeks: list[Week]
    extra: dict[str, Any] = field(default_factory=dict)


def dashboard(*, user: policy.Actor, team_slug: str | None = None) -> Dashboard:
    today = timezone.localdate()
    team = team_filter(user=user, slug=team_slug)
    return Dashboard(
        today=today,
        team=team,
        teams=list(teams_visible(user=user)) if policy.sees_all_teams(user) else [],
        followups=followups_due(user=user, team=team, today=today),
        mous_expiring=mous_expiring(user=user, team=team, today=today),
        pilots_at_risk=pilots_at_risk(user=user, team=team, today=today),
        recent=engagements_recent(user=user, team=team),
        funnel=funnel(user=user, team=team),
        heatmap=partnership_heatmap(user=user, team=team),
        weeks=weekly_activity(user=user, team=team, today=today),
    )


# --- Partnership page -----------------------------------------------------------------------


def partnership_followups(*, user: policy.Actor, partnership: Partnership) -> list[FollowUp]:
    """Open follow-ups about the partnership or anything on it (engagements, MoUs, pilots)."""
    qs = followups_with_subjects(followups_visible(user=user)).filter(
        Q(partnership=partnership)
        | Q(engagement__partnership=partnership)
        | Q(mou__partnership=partnership)
        | Q(pilot__partnership=partnership),
        status=FollowUp.Status.OPEN,
    )
    return list(qs.order_by("due_on", "id")[:FOLLOWUP_LIMIT])


def partnership_mous(*, user: policy.Actor, partnership: Partnership) -> list[MoU]:
    return list(mous_visible(user=user).filter(partnership=partnership).order_by("-created_at"))


def partnership_pilots(*, user: policy.Actor, partnership: Partnership) -> list[Pilot]:
    qs = (
        policy.scope(user, Pilot.objects.all())
        .filter(partnership=partnership)
        .select_related("owner")
        .prefetch_related(
            Prefetch("milestones", queryset=Milestone.objects.select_related("owner")), "kpis"
        )
    )
    return list(qs.order_by("-created_at", "-id"))


def organization_partnerships(
    *, user: policy.Actor, organization: Organization
) -> list[Partnership]:
    """Partnerships the user may see in which the organization is a counterpart or the company."""
    from engagement.selectors.crm import partnerships_visible

    qs = partnerships_visible(user=user).filter(
        Q(counterparts=organization) | Q(company=organization)
    )
    return list(qs.distinct().order_by("-updated_at", "-id")[:50])

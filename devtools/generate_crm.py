"""Synthetic engagements in bulk, for scale tests and benchmarks (e.g. 1,000,000).

They are spread over the existing teams (a team is made for the first synthetic companies
when there are too few), each with one or two ASEAN organizations, a thrust, and its timeline
event, so list endpoints and timelines are measured on realistic rows. Bulk inserts in
batches keep memory flat: the rows never all sit in memory at once.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable

from django.db import transaction
from django.utils import timezone

from engagement.models import (
    Engagement,
    Organization,
    OrganizationKind,
    Team,
    Thrust,
    TimelineEvent,
)

KINDS = [k for k, _ in Engagement.Kind.choices]
SUBJECTS = [
    "cleanroom upgrade",
    "dicing line",
    "operator training",
    "RISC-V course",
    "service hub",
    "power devices",
    "wafer supply",
    "test capacity",
    "ATP expansion",
]
MIN_TEAMS = 5


def _teams(rng: random.Random) -> list[Team]:
    teams = list(Team.objects.order_by("pk"))
    if len(teams) >= MIN_TEAMS:
        return teams
    have = {t.company_id for t in teams}
    companies = (
        Organization.objects.filter(kind=OrganizationKind.JAPANESE_COMPANY)
        .exclude(pk__in=have)
        .order_by("pk")[: MIN_TEAMS - len(teams)]
    )
    for company in companies:
        teams.append(
            Team.objects.create(
                slug=f"gen-{company.pk}", name=f"{company.name} BD", company=company
            )
        )
    if not teams:
        raise RuntimeError(
            "No Japanese company to own engagements: run generate_demo "
            "with --companies first, or load_demo."
        )
    return teams


def generate_engagements(
    *,
    count: int,
    seed: int = 1,
    batch_size: int = 5000,
    progress: Callable[[int], None] | None = None,
) -> int:
    rng = random.Random(seed)
    teams = _teams(rng)
    orgs = list(
        Organization.objects.filter(kind=OrganizationKind.ASEAN_INSTITUTION).values_list(
            "pk", flat=True
        )
    )
    thrusts = list(Thrust.objects.values_list("pk", flat=True))
    if not orgs:
        raise RuntimeError("No ASEAN institutions: run generate_demo with --institutions first.")
    now = timezone.now()
    made = 0
    while made < count:
        n = min(batch_size, count - made)
        _batch(rng, n, teams, orgs, thrusts, now)
        made += n
        if progress:
            progress(n)
    return made


@transaction.atomic
def _batch(rng, n, teams, orgs, thrusts, now) -> None:
    specs = []
    for _ in range(n):
        team = rng.choice(teams)
        when = now - dt.timedelta(minutes=rng.randrange(0, 3 * 365 * 24 * 60))
        specs.append(
            (
                team,
                when,
                rng.choice(KINDS),
                rng.sample(orgs, rng.randint(1, 2)),
                rng.choice(thrusts),
                rng.choice(SUBJECTS),
            )
        )
    engagements = Engagement.objects.bulk_create(
        [
            Engagement(
                team=team,
                occurred_at=when,
                kind=kind,
                summary=f"{kind.replace('_', ' ').capitalize()} about {subject}.",
            )
            for team, when, kind, _o, _t, subject in specs
        ]
    )
    org_links, thrust_links, events = [], [], []
    for eng, (team, when, kind, org_ids, thrust_id, _s) in zip(engagements, specs, strict=True):
        org_links.extend(
            Engagement.organizations.through(engagement_id=eng.pk, organization_id=o)
            for o in org_ids
        )
        thrust_links.append(Engagement.thrusts.through(engagement_id=eng.pk, thrust_id=thrust_id))
        events.append(
            TimelineEvent(
                team=team,
                at=when,
                kind=TimelineEvent.Kind.ENGAGEMENT,
                object_type="engagement",
                object_id=eng.pk,
                data={"kind": kind, "summary": eng.summary},
            )
        )
    Engagement.organizations.through.objects.bulk_create(org_links)
    Engagement.thrusts.through.objects.bulk_create(thrust_links)
    events = TimelineEvent.objects.bulk_create(events)
    event_links = [
        TimelineEvent.organizations.through(timelineevent_id=ev.pk, organization_id=o)
        for ev, (_t, _w, _k, org_ids, _th, _s) in zip(events, specs, strict=True)
        for o in org_ids
    ]
    TimelineEvent.organizations.through.objects.bulk_create(event_links)

"""Demo CRM records for the demo teams: engagements, partnerships in every stage, MoUs (some
expiring soon), pilots (one at risk) and follow-ups (some overdue), dated relative to today.

Idempotent: a team that already has partnerships gets nothing more.
"""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction
from django.utils import timezone

from engagement import stages
from engagement.actors import LOADER
from engagement.models import (
    Contact,
    Organization,
    OrganizationKind,
    Partnership,
    Stage,
    Team,
    User,
)
from engagement.services.directory import contact_create
from engagement.services.engagements import engagement_log
from engagement.services.followups import followup_create
from engagement.services.mous import mou_create, mou_sign
from engagement.services.partnerships import partnership_create, partnership_transition
from engagement.services.pilots import pilot_create, pilot_flag_at_risk, pilot_start

# Stage to reach, partnership type, expected value in JPY millions, MoU expiry in days.
PLAN = (
    (Stage.IDENTIFIED, "supply_agreement", None, None),
    (Stage.CONTACTED, "training_programme", 40, None),
    (Stage.EXPLORING, "joint_rd_centre", 300, None),
    (Stage.MOU_NEGOTIATION, "service_hub", 500, None),
    (Stage.MOU_SIGNED, "training_programme", 60, 25),
    (Stage.PILOT, "pilot_project", 120, 80),
    (Stage.AGREEMENT, "equipment_leasing", 900, 400),
    (Stage.ACTIVE, "service_hub", 1500, 700),
    (Stage.ON_HOLD, "investment", 2000, None),
    (Stage.LOST, "technology_licensing", 150, None),
)
KINDS = ("meeting", "call", "site_visit", "event", "email", "workshop")


def _counterparts(team: Team, rng: random.Random) -> list[Organization]:
    """Institutions that need what the team's company offers come first."""
    offers = set(team.company.capabilities.values_list("pk", flat=True))
    insts = list(
        Organization.objects.filter(kind=OrganizationKind.ASEAN_INSTITUTION)
        .prefetch_related("needs")
        .order_by("name")
    )
    rng.shuffle(insts)
    insts.sort(key=lambda o: -len(offers & {c.pk for c in o.needs.all()}))
    return insts


def _walk(p: Partnership, target: str, actor: User, start: dt.datetime) -> None:
    """Move through the pipeline to `target`, a couple of weeks per stage."""
    at = start
    path = (
        list(stages.PIPELINE[1 : stages.PIPELINE.index(target) + 1])
        if target in stages.PIPELINE
        else list(stages.PIPELINE[1:3])
    )
    for stage in path:
        at += dt.timedelta(days=12)
        partnership_transition(actor=actor, partnership=p, to=stage, at=at)
    if target == Stage.ON_HOLD:
        partnership_transition(actor=actor, partnership=p, to=target, at=at + dt.timedelta(days=5))
    if target == Stage.LOST:
        partnership_transition(
            actor=actor,
            partnership=p,
            to=target,
            at=at + dt.timedelta(days=5),
            reason="Counterpart chose a local supplier.",
        )


# Fictional people, one per counterpart and team: each team knows its own contacts (two teams
# working with one institution each have their own), as team-owned contacts work.
DEMO_PEOPLE = {
    "MY": ("Nurul Aisyah", "Tan Wei Ming", "Ahmad Faiz", "Lim Mei Ling"),
    "SG": ("Grace Tan", "Rajesh Kumar", "Lee Jun Hao", "Chua Hui Min"),
    "TH": ("Somchai Prasert", "Nattaya Srisuk", "Anan Chaiyaporn", "Kanya Wongsa"),
    "VN": ("Nguyen Thi Lan", "Tran Minh Duc", "Pham Quoc Huy", "Le Thu Ha"),
    "ID": ("Budi Santoso", "Siti Rahayu", "Andi Wijaya", "Dewi Lestari"),
    "PH": ("Maria Santos", "Jose Reyes", "Ana Cruz", "Paolo Garcia"),
}
DEMO_TITLES = ("Director, Industry Relations", "Deputy Dean (Research)", "Head of Partnerships")


def _demo_contact(team: Team, actor: User, inst: Organization, rng: random.Random) -> Contact:
    existing = Contact.objects.filter(team=team, organization=inst).first()
    if existing is not None:
        return existing
    name = rng.choice(DEMO_PEOPLE.get(inst.country, DEMO_PEOPLE["MY"]))
    return contact_create(
        actor=actor,
        organization=inst.pk,
        name=name,
        title=rng.choice(DEMO_TITLES),
        email=f"{name.lower().replace(' ', '.')}.{inst.pk}.{team.slug}@example.org",
        notes=f"Demo contact of {team.name}.",
    )


def _team_demo(team: Team, actor: User, rng: random.Random, now: dt.datetime) -> int:
    today = timezone.localdate()
    counterparts = _counterparts(team, rng)
    created = 0
    for i, (target, ptype, value, expiry_days) in enumerate(PLAN):
        inst = counterparts[i % len(counterparts)]
        person = _demo_contact(team, actor, inst, rng)
        start = now - dt.timedelta(days=150 - i * 3)
        p = partnership_create(
            actor=actor,
            title=f"{team.company.name} × {inst.name}"[:200],
            counterparts=[inst.pk],
            partnership_type=ptype,
            priority_country=inst.country or None,
            expected_value=value * 1_000_000 if value else None,
            currency="JPY" if value else "",
            target_date=today + dt.timedelta(days=90 + 30 * i),
            initiatives=list(inst.thrusts.values_list("initiatives__code", flat=True)[:1]),
            identified_at=start,
        )
        _walk(p, target, actor, start)
        count = rng.randint(1, 3)
        for k in range(count):
            # Spread over the deal's life up to now, so recent weeks show activity too.
            when = start + (now - start) * (k + 1) / (count + 1)
            overdue = k == 0 and i % 3 == 0
            engagement_log(
                actor=actor,
                occurred_at=min(when, now),
                kind=rng.choice(KINDS),
                organizations=[inst.pk, team.company.pk],
                contacts=[person.pk],
                partnership=p.pk,
                summary=f"Discussed {p.partnership_type.name_en.lower()} with {inst.name}.",
                next_step="Send follow-up material" if overdue or k == 1 else "",
                next_step_due=(today - dt.timedelta(days=3 + i))
                if overdue
                else (today + dt.timedelta(days=7 + i) if k == 1 else None),
            )
        if target in (Stage.MOU_NEGOTIATION,):
            mou_create(
                actor=actor, partnership=p, title=f"MoU: {p.title}"[:200], status="negotiating"
            )
        if expiry_days is not None:
            mou = mou_create(
                actor=actor,
                partnership=p,
                title=f"MoU: {p.title}"[:200],
                effective_on=today - dt.timedelta(days=60),
                expires_on=today + dt.timedelta(days=expiry_days),
            )
            mou_sign(actor=actor, mou=mou, signed_on=today - dt.timedelta(days=61))
        if target == Stage.PILOT:
            pilot = pilot_create(
                actor=actor,
                partnership=p,
                objective=f"Pilot with {inst.name}",
                starts_on=today - dt.timedelta(days=45),
                planned_end_on=today + dt.timedelta(days=60),
                milestones=[
                    {"title": "Equipment installed", "due_on": today - dt.timedelta(days=10)},
                    {"title": "First results", "due_on": today + dt.timedelta(days=30)},
                ],
                kpis=[{"name": "Operators trained", "target": 20, "unit": "people"}],
            )
            pilot_start(actor=actor, pilot=pilot)
            pilot_flag_at_risk(
                actor=actor, pilot=pilot, reason="Milestone 'Equipment installed' is overdue."
            )
        followup_create(
            actor=actor,
            due_on=today + dt.timedelta(days=i - 2),
            note=f"Check in with {inst.name}",
            subject=("partnership", p),
            priority="high" if i % 4 == 0 else "normal",
        )
        created += 1
    return created


@transaction.atomic
def demo_crm_load(*, seed: int = 2026) -> int:
    rng = random.Random(seed)
    now = timezone.now()
    created = 0
    for team in Team.objects.select_related("company").order_by("slug"):
        if Partnership.objects.filter(team=team).exists():
            continue
        actor = User.objects.filter(team=team, role="bd_member").order_by("username").first()
        if actor is None:
            continue
        created += _team_demo(team, actor, rng, now)
    return created


# Illustrative observations for the implementation watch, marked as demo data in their note.
DEMO_STATUSES = (
    ("T6-02", "VN", "launched", -250, "Education-industry linkage programme for chip design"),
    ("T6-03", "MY", "in_progress", -200, "Workforce training under the national strategy"),
    ("T3-03", "MY", "launched", -400, "Semiconductor zones in Penang and Kulim"),
    ("T1-01", "TH", "planned", -120, "Shared pilot line announced in the Eastern corridor"),
    ("T4-03", "ID", "in_progress", -90, "Tax holiday scheme for back-end investment"),
    ("T2-01", "SG", "launched", -500, "Technology transfer office network"),
)


@transaction.atomic
def demo_watch_load() -> int:
    from engagement.models import ImplementationStatus
    from engagement.services.watch import implementation_status_record, policy_update_create

    if ImplementationStatus.objects.exists():
        return 0
    today = timezone.localdate()
    for code, state, status, days, note in DEMO_STATUSES:
        implementation_status_record(
            actor=LOADER,
            initiative=code,
            member_state=state,
            status=status,
            effective_on=today + dt.timedelta(days=days),
            note=f"{note} (demo data)",
            source_title="Demo data: illustrative, not an official announcement",
        )
    policy_update_create(
        actor=LOADER,
        kind="call_for_partners",
        published_on=today - dt.timedelta(days=3),
        title="Viet Nam invites partners for chip-design training (demo)",
        title_ja="ベトナムが半導体設計研修のパートナーを募集（デモ）",
        member_states=["VN"],
        thrusts=["T6"],
        initiatives=["T6-02"],
        source_title="Demo data: illustrative, not an official announcement",
    )
    return len(DEMO_STATUSES)


# One institution entered twice, as happens in a shared directory: a team added "Penang
# Development Corp." without finding the existing record, and logged a visit against it. The
# program managers' duplicates view lists the pair, and a merge brings the visit across.
DEMO_DUPLICATE = "Penang Development Corp."
DEMO_DUPLICATE_OF = "Penang Development Corporation (PDC)"


@transaction.atomic
def demo_duplicate_load() -> int:
    from engagement.services.directory import organization_create

    original = Organization.objects.filter(name=DEMO_DUPLICATE_OF).first()
    team = Team.objects.order_by("slug").first()
    if (
        original is None
        or team is None
        or Organization.objects.filter(name=DEMO_DUPLICATE).exists()
    ):
        return 0
    actor = User.objects.filter(team=team, role="bd_member").order_by("username").first()
    duplicate = organization_create(
        actor=actor,
        kind=original.kind,
        org_type=original.org_type.code,
        name=DEMO_DUPLICATE,
        country=original.country,
        needs=list(original.needs.values_list("code", flat=True)),
        thrusts=list(original.thrusts.values_list("code", flat=True)),
    )
    engagement_log(
        actor=actor,
        team=team,
        occurred_at=timezone.now() - dt.timedelta(days=12),
        kind="site_visit",
        organizations=[duplicate.pk],
        summary="Visit to Batu Kawan Industrial Park: land and utilities for a service centre.",
    )
    return 1

"""The background jobs. Each one is a scan of what is due now, so a lost task is picked up by
the next run, and each action is claimed (a unique key, or a conditional UPDATE) so a job run
twice, or on two workers at once, acts once.

Every job takes `now` and `dry_run`: with dry_run it reports what it would do and writes nothing.
"""

from __future__ import annotations

import datetime as dt
import time
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, Max, OuterRef, Q
from django.utils import translation
from django.utils.translation import gettext as _

from engagement import stages
from engagement.errors import Conflict
from engagement.models import (
    FollowUp,
    Milestone,
    MoU,
    Notification,
    Partnership,
    Pilot,
    Role,
    Stage,
    User,
)
from engagement.services.common import business_today
from engagement.services.followups import followup_create
from engagement.services.mous import mou_activate_due, mou_expire_due
from engagement.services.notifications import notify
from engagement.services.pilots import pilot_flag_at_risk, pilot_recover
from engagement.services.projects import incentive_deadline_notices
from engagement.services.webhooks import webhook_emit


@dataclass
class JobResult:
    job: str
    actions: list[str] = field(default_factory=list)

    def did(self, text: str) -> None:
        self.actions.append(text)


def _local(now: dt.datetime, user: User) -> dt.datetime:
    try:
        tz = zoneinfo.ZoneInfo(user.time_zone or settings.DEFAULT_USER_TIME_ZONE)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        tz = zoneinfo.ZoneInfo(settings.DEFAULT_USER_TIME_ZONE)
    return now.astimezone(tz)


def _team_people(team_id: int) -> list[User]:
    return list(
        User.objects.filter(team_id=team_id, role=Role.BD_MEMBER, is_active=True).order_by("pk")
    )


def _program_managers(team) -> list[User]:
    if team.program_manager_id and team.program_manager.is_active:
        return [team.program_manager]
    return list(User.objects.filter(role=Role.PROGRAM_MANAGER, is_active=True))


# --- Overdue follow-ups ----------


def overdue_followups(*, now: dt.datetime, dry_run: bool = False) -> JobResult:
    """Each morning in the owner's time zone, one reminder per overdue follow-up per day; after
    OVERDUE_ESCALATION_DAYS the team's program manager is told too, once."""
    result = JobResult("overdue_followups")
    candidates = (
        FollowUp.objects.filter(
            status=FollowUp.Status.OPEN, due_on__lt=(now + dt.timedelta(days=1)).date()
        )
        .select_related("owner", "team", "team__program_manager")
        .order_by("due_on", "pk")
    )
    for f in candidates:
        local = _local(now, f.owner)
        today = local.date()
        if f.due_on >= today or local.hour < settings.REMINDER_LOCAL_HOUR:
            continue
        days = (today - f.due_on).days
        with translation.override(f.owner.language):
            subject = _("Overdue follow-up: %(note)s") % {"note": f.note[:80]}
            body = _("Due %(due)s, %(days)d day(s) overdue.") % {"due": f.due_on, "days": days}
        key = f"overdue:{f.pk}:{today.isoformat()}"
        if dry_run:
            if not Notification.objects.filter(dedupe_key=key).exists():
                result.did(
                    f"remind {f.owner.username}: '{f.note[:60]}' (due {f.due_on}, "
                    f"{days} day(s) overdue)"
                )
        elif _remind_overdue(f, key, subject, body, days):
            result.did(f"reminded {f.owner.username} of follow-up {f.pk}")
            if settings.JOB_THROTTLE_SECONDS:
                time.sleep(settings.JOB_THROTTLE_SECONDS)  # a test and ops knob, 0 by default
        if days >= settings.OVERDUE_ESCALATION_DAYS:
            _escalate(f, days, result, dry_run)
    return result


def _remind_overdue(f: FollowUp, key: str, subject: str, body: str, days: int) -> bool:
    """The reminder and its webhook event commit together, once per follow-up per day."""
    with transaction.atomic():
        created = notify(
            user=f.owner,
            kind=Notification.Kind.FOLLOWUP_OVERDUE,
            key=key,
            subject=subject,
            body=body,
            url="/follow-ups/",
        )
        if created:
            webhook_emit(
                "followup.overdue",
                f,
                key=key,
                data={
                    "id": f.pk,
                    "team": f.team.slug,
                    "due_on": f.due_on.isoformat(),
                    "days_overdue": days,
                },
            )
    return bool(created)


def _escalate(f: FollowUp, days: int, result: JobResult, dry_run: bool) -> None:
    for pm in _program_managers(f.team):
        key = f"overdue-escalated:{f.pk}:{pm.pk}"
        if dry_run:
            if not Notification.objects.filter(dedupe_key=key).exists():
                result.did(
                    f"tell program manager {pm.username}: {f.team.name}'s follow-up "
                    f"'{f.note[:60]}' is {days} days overdue"
                )
            continue
        with translation.override(pm.language):
            subject = _("%(team)s: follow-up %(days)d days overdue") % {
                "team": f.team.name,
                "days": days,
            }
            body = _("%(owner)s's follow-up '%(note)s' was due %(due)s.") % {
                "owner": f.owner.username,
                "note": f.note[:200],
                "due": f.due_on,
            }
        if notify(
            user=pm,
            kind=Notification.Kind.FOLLOWUP_ESCALATED,
            key=key,
            subject=subject,
            body=body,
            url="/follow-ups/",
        ):
            result.did(f"told {pm.username} about follow-up {f.pk}")


# --- MoU expiry ----------


def mou_expiry(*, now: dt.datetime, dry_run: bool = False) -> JobResult:
    """At 90, 30 and 7 days before expiry (MOU_EXPIRY_NOTICE_DAYS) tell the partnership owner
    and open one renewal follow-up per MoU; on the effective date mark a signed MoU active, on
    the expiry date mark it expired. Dates are days of the business calendar."""
    result = JobResult("mou_expiry")
    today = business_today(now)
    notices = sorted(settings.MOU_EXPIRY_NOTICE_DAYS)
    horizon = today + dt.timedelta(days=max(notices))
    mous = (
        MoU.objects.filter(
            status__in=[MoU.Status.SIGNED, MoU.Status.ACTIVE],
            expires_on__isnull=False,
            expires_on__lte=horizon,
        )
        .select_related("partnership", "partnership__owner", "partnership__team")
        .order_by("expires_on", "pk")
    )
    for mou in mous:
        left = (mou.expires_on - today).days
        if left <= 0:
            continue
        notice = next(n for n in notices if left <= n)
        people = (
            [mou.partnership.owner]
            if mou.partnership.owner
            else _team_people(mou.partnership.team_id)
        )
        if dry_run:
            if not FollowUp.objects.filter(source_key=f"mou-renewal:{mou.pk}").exists():
                result.did(
                    f"open a renewal follow-up for MoU '{mou.title[:60]}' "
                    f"(expires {mou.expires_on}, in {left} days)"
                )
            for person in people:
                if not Notification.objects.filter(
                    dedupe_key=f"mou-expiring:{mou.pk}:{notice}:{person.pk}"
                ).exists():
                    result.did(
                        f"tell {person.username} MoU '{mou.title[:60]}' expires in {left} days"
                    )
            continue
        _renewal_followup(mou, people, left, result)
        # The key makes the event once per MoU per notice level, however often the job runs.
        webhook_emit(
            "mou.expiring",
            mou,
            key=f"{mou.pk}:{notice}",
            data={
                "id": mou.pk,
                "team": mou.partnership.team.slug,
                "partnership": mou.partnership_id,
                "expires_on": mou.expires_on.isoformat(),
                "days_left": left,
            },
        )
        for person in people:
            with translation.override(person.language):
                subject = _("MoU expires in %(days)d days: %(title)s") % {
                    "days": left,
                    "title": mou.title[:80],
                }
                body = _("%(title)s expires on %(date)s. Plan its renewal.") % {
                    "title": mou.title,
                    "date": mou.expires_on,
                }
            if notify(
                user=person,
                kind=Notification.Kind.MOU_EXPIRING,
                key=f"mou-expiring:{mou.pk}:{notice}:{person.pk}",
                subject=subject,
                body=body,
                url=f"/partnerships/{mou.partnership_id}/",
            ):
                result.did(f"told {person.username} MoU {mou.pk} expires in {left} days")
    _activate(today, result, dry_run)
    _expire(today, result, dry_run)
    return result


def _activate(today: dt.date, result: JobResult, dry_run: bool) -> None:
    if dry_run:
        for mou in MoU.objects.filter(status=MoU.Status.SIGNED, effective_on__lte=today).exclude(
            expires_on__lte=today
        ):
            result.did(f"mark MoU '{mou.title[:60]}' active (effective {mou.effective_on})")
        return
    for pk in mou_activate_due(today=today):
        result.did(f"marked MoU {pk} active")


def _renewal_followup(mou: MoU, people: list[User], left: int, result: JobResult) -> None:
    if not people:
        return
    try:
        with transaction.atomic():
            followup_create(
                team=mou.partnership.team,
                owner=people[0],
                due_on=mou.expires_on - dt.timedelta(days=min(left, 7) if left > 7 else 0),
                note=f"Renew MoU '{mou.title[:150]}' (expires {mou.expires_on})",
                subject=("mou", mou),
                priority="high",
                source_key=f"mou-renewal:{mou.pk}",
            )
        result.did(f"opened a renewal follow-up for MoU {mou.pk}")
    except Conflict:
        pass  # opened by an earlier run


def _expire(today: dt.date, result: JobResult, dry_run: bool) -> None:
    if dry_run:
        for mou in MoU.objects.filter(
            status__in=[MoU.Status.SIGNED, MoU.Status.ACTIVE], expires_on__lte=today
        ):
            result.did(f"mark MoU '{mou.title[:60]}' expired (expiry date {mou.expires_on})")
        return
    for pk in mou_expire_due(today=today):
        mou = MoU.objects.select_related("partnership__owner").get(pk=pk)
        result.did(f"marked MoU {pk} expired")
        for person in (
            [mou.partnership.owner]
            if mou.partnership.owner
            else _team_people(mou.partnership.team_id)
        ):
            with translation.override(person.language):
                subject = _("MoU expired: %(title)s") % {"title": mou.title[:80]}
            notify(
                user=person,
                kind=Notification.Kind.MOU_EXPIRED,
                key=f"mou-expired:{pk}:{person.pk}",
                subject=subject,
                body=subject,
                url=f"/partnerships/{mou.partnership_id}/",
            )


# --- Stalled pilots ----------


def stalled_pilots(*, now: dt.datetime, dry_run: bool = False) -> JobResult:
    """A running pilot with an overdue milestone, or no activity for PILOT_STALL_DAYS, becomes
    at risk with a follow-up for its owner; an at-risk pilot with neither recovers."""
    result = JobResult("stalled_pilots")
    today = business_today(now)
    quiet_since = now - dt.timedelta(days=settings.PILOT_STALL_DAYS)
    overdue = Milestone.objects.filter(pilot=OuterRef("pk"), done_on__isnull=True, due_on__lt=today)
    pilots = (
        Pilot.objects.filter(status__in=[Pilot.Status.RUNNING, Pilot.Status.AT_RISK])
        .annotate(late=Exists(overdue))
        .select_related("partnership", "partnership__team", "owner", "partnership__owner")
        .order_by("pk")
    )
    for pilot in pilots:
        # Exactly PILOT_STALL_DAYS without activity is stalled ("no activity for 30 days").
        stalled = pilot.late or pilot.last_activity_at <= quiet_since
        if pilot.status == Pilot.Status.RUNNING and stalled:
            reason = (
                _("A milestone is overdue.")
                if pilot.late
                else _("No activity for %(days)d days.") % {"days": settings.PILOT_STALL_DAYS}
            )
            if dry_run:
                result.did(f"flag pilot '{pilot.objective[:60]}' at risk: {reason}")
            else:
                _flag(pilot, reason, today, result)
        elif pilot.status == Pilot.Status.AT_RISK and not stalled:
            if dry_run:
                result.did(f"clear the risk on pilot '{pilot.objective[:60]}'")
            elif pilot_recover(pilot=pilot):
                result.did(f"pilot {pilot.pk} recovered")
    return result


def _flag(pilot: Pilot, reason: str, today: dt.date, result: JobResult) -> None:
    with transaction.atomic():
        # The status change is the claim: only the run that moves it creates the follow-up.
        if not pilot_flag_at_risk(pilot=pilot, reason=reason):
            return
        owner = pilot.owner or pilot.partnership.owner
        if owner is not None:
            followup_create(
                team=pilot.partnership.team,
                owner=owner,
                due_on=today + dt.timedelta(days=3),
                priority="high",
                note=f"Pilot at risk: {reason}",
                subject=("pilot", pilot),
                source_key=f"pilot-risk:{pilot.pk}:{pilot.version}",
            )
            with translation.override(owner.language):
                subject = _("Pilot at risk: %(objective)s") % {"objective": pilot.objective[:80]}
            notify(
                user=owner,
                kind=Notification.Kind.PILOT_AT_RISK,
                key=f"pilot-risk:{pilot.pk}:{pilot.version}",
                subject=subject,
                body=reason,
                url=f"/partnerships/{pilot.partnership_id}/",
            )
    result.did(f"flagged pilot {pilot.pk} at risk")


# --- Stale partnerships ----------


def stale_partnerships(*, now: dt.datetime, dry_run: bool = False) -> JobResult:
    """An open partnership with no engagement for PARTNERSHIP_STALE_DAYS gets a nudge to its
    owner, at most once a week."""
    result = JobResult("stale_partnerships")
    since = now - dt.timedelta(days=settings.PARTNERSHIP_STALE_DAYS)
    open_stages = [s for s in stages.PIPELINE if s != Stage.ACTIVE]
    week = business_today(now).isocalendar()
    qs = (
        Partnership.objects.filter(
            stage__in=open_stages, owner__isnull=False, stage_changed_at__lte=since
        )
        .annotate(last=Max("engagements__occurred_at"))
        # Exactly PARTNERSHIP_STALE_DAYS since the last engagement is stale.
        .filter(Q(last__isnull=True) | Q(last__lte=since))
        .select_related("owner")
        .order_by("pk")
    )
    for p in qs:
        key = f"stale:{p.pk}:{week.year}-W{week.week:02d}"
        if dry_run:
            if not Notification.objects.filter(dedupe_key=key).exists():
                result.did(
                    f"nudge {p.owner.username}: no engagement on '{p.title[:60]}' "
                    f"since {p.last:%Y-%m-%d}"
                    if p.last
                    else f"nudge {p.owner.username}: no engagement yet on '{p.title[:60]}'"
                )
            continue
        with translation.override(p.owner.language):
            subject = _("No engagement for %(days)d days: %(title)s") % {
                "days": settings.PARTNERSHIP_STALE_DAYS,
                "title": p.title[:80],
            }
        if notify(
            user=p.owner,
            kind=Notification.Kind.PARTNERSHIP_STALE,
            key=key,
            subject=subject,
            body=subject,
            url=f"/partnerships/{p.pk}/",
        ):
            result.did(f"nudged {p.owner.username} about partnership {p.pk}")
    return result


# --- Weekly digest ----------


def _followed_news(user: User, today: dt.date) -> list[str]:
    """Status changes and policy updates of the last week about the member states, thrusts and
    initiatives the user follows."""
    from engagement.models import Follow, ImplementationStatus, PolicyUpdate

    follows = list(Follow.objects.filter(user=user))
    if not follows:
        return []
    since = today - dt.timedelta(days=7)
    states = [f.member_state_id for f in follows if f.member_state_id]
    thrusts = [f.thrust_id for f in follows if f.thrust_id]
    inits = [f.initiative_id for f in follows if f.initiative_id]
    about = (
        Q(member_state_id__in=states)
        | Q(initiative_id__in=inits)
        | Q(initiative__thrust_id__in=thrusts)
    )
    statuses = (
        ImplementationStatus.objects.filter(about, recorded_at__date__gte=since)
        .select_related("initiative", "member_state")
        .order_by("-effective_on")[:20]
    )
    updates = (
        PolicyUpdate.objects.filter(
            Q(member_states__in=states) | Q(initiatives__in=inits) | Q(thrusts__in=thrusts),
            created_at__date__gte=since,
        )
        .distinct()
        .order_by("-published_on")[:20]
    )
    lines = [
        f"{s.effective_on} {s.member_state.display_name} {s.initiative.code} "
        f"{s.initiative.display_name}: {s.get_status_display()}"
        + (f" ({s.source_title or s.source_url})" if s.source_title or s.source_url else "")
        for s in statuses
    ]
    lines += [f"{u.published_on} {u.get_kind_display()}: {u.display_title}" for u in updates]
    return lines


def _digest_lines(user: User, today: dt.date) -> list[str]:
    from engagement import policy

    lines: list[str] = []
    mine = FollowUp.objects.filter(owner=user, status=FollowUp.Status.OPEN)
    overdue = list(mine.filter(due_on__lt=today).order_by("due_on")[:20])
    upcoming = list(
        mine.filter(due_on__gte=today, due_on__lte=today + dt.timedelta(days=7)).order_by("due_on")[
            :20
        ]
    )
    expiring = list(
        policy.scope(
            user,
            MoU.objects.filter(
                status__in=[MoU.Status.SIGNED, MoU.Status.ACTIVE],
                expires_on__gte=today,
                expires_on__lte=today + dt.timedelta(days=90),
            ),
        ).order_by("expires_on")[:20]
    )
    at_risk = list(
        policy.scope(user, Pilot.objects.filter(status=Pilot.Status.AT_RISK)).order_by("pk")[:20]
    )
    sections = (
        (_("Overdue follow-ups"), [f"{f.due_on} {f.note[:100]}" for f in overdue]),
        (_("Follow-ups due this week"), [f"{f.due_on} {f.note[:100]}" for f in upcoming]),
        (_("MoUs expiring within 90 days"), [f"{m.expires_on} {m.title[:100]}" for m in expiring]),
        (_("Pilots at risk"), [f"{p.objective[:100]}: {p.risk_reason}" for p in at_risk]),
        (_("From what you follow"), _followed_news(user, today)),
    )
    for title, items in sections:
        if items:
            lines.append(f"{title} ({len(items)})")
            lines.extend(f"  - {item}" for item in items)
            lines.append("")
    return lines


def weekly_digest(*, now: dt.datetime, dry_run: bool = False) -> JobResult:
    """Once a week (DIGEST_WEEKDAY, from REMINDER_LOCAL_HOUR in the user's time zone), each
    user's overdue and upcoming follow-ups, expiring MoUs and pilots at risk, in their language."""
    result = JobResult("weekly_digest")
    for user in User.objects.filter(is_active=True).order_by("pk"):
        local = _local(now, user)
        if local.weekday() != settings.DIGEST_WEEKDAY or local.hour < settings.REMINDER_LOCAL_HOUR:
            continue
        week = local.date().isocalendar()
        key = f"digest:{user.pk}:{week.year}-W{week.week:02d}"
        if Notification.objects.filter(dedupe_key=key).exists():
            continue
        with translation.override(user.language):
            lines = _digest_lines(user, local.date())
            subject = _("Your week in the AFISS tracker (%(week)s)") % {
                "week": f"{week.year}-W{week.week:02d}"
            }
        if not lines:
            continue
        if dry_run:
            items = sum(1 for line in lines if line.startswith("  - "))
            result.did(f"send {user.username} a digest of {items} item(s)")
        elif notify(
            user=user,
            kind=Notification.Kind.DIGEST,
            key=key,
            subject=subject,
            body="\n".join(lines).strip(),
            url="/",
        ):
            result.did(f"sent {user.username} the weekly digest")
    return result


def purge_idempotency_records(*, now: dt.datetime, dry_run: bool = False) -> JobResult:
    """Forget stored answers to Idempotency-Key requests after IDEMPOTENCY_TTL_HOURS: a client
    retries within minutes, and some answers hold a secret shown once (a webhook endpoint's,
    an API token's) that must not stay in the database for good."""
    from engagement.models import IdempotencyRecord

    result = JobResult("purge_idempotency_records")
    old = IdempotencyRecord.objects.filter(
        created_at__lt=now - dt.timedelta(hours=settings.IDEMPOTENCY_TTL_HOURS)
    )
    if dry_run:
        count = old.count()
    else:
        count, _by_model = old.delete()
    if count:
        result.did(f"forget {count} stored idempotency answer(s)")
    return result


def incentive_deadlines(*, now: dt.datetime, dry_run: bool = False) -> JobResult:
    """INCENTIVE_DEADLINE_NOTICE_DAYS before an incentive's deadline (days of the business
    calendar), tell who follows it or its member state, once per notice
    (engagement.services.projects)."""
    result = JobResult("incentive_deadlines")
    for action in incentive_deadline_notices(today=business_today(now), dry_run=dry_run):
        result.did(action)
    return result


JOBS: dict[str, Callable[..., JobResult]] = {
    "overdue_followups": overdue_followups,
    "mou_expiry": mou_expiry,
    "stalled_pilots": stalled_pilots,
    "stale_partnerships": stale_partnerships,
    "weekly_digest": weekly_digest,
    "purge_idempotency_records": purge_idempotency_records,
    "incentive_deadlines": incentive_deadlines,
}


def run_job(name: str, *, now: dt.datetime, dry_run: bool = False) -> JobResult:
    if name not in JOBS:
        raise KeyError(f"Unknown job {name!r}; one of: {', '.join(JOBS)}")
    return JOBS[name](now=now, dry_run=dry_run)

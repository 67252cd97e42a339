"""The weekly digest: each person's week ahead and the news they follow, on their digest day."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext as _

from engagement.models import FollowUp, MoU, Notification, Pilot, User
from engagement.services.jobs.base import JobResult, job, local_time
from engagement.services.notifications import notified, notify


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


@job(
    title="Weekly digest",
    claims="one digest per user per ISO week (digest:<user>:<week>)",
)
def weekly_digest(*, now: dt.datetime, dry_run: bool = False) -> JobResult:
    """Once a week (DIGEST_WEEKDAY, from REMINDER_LOCAL_HOUR in the user's time zone), each
    user's overdue and upcoming follow-ups, expiring MoUs and pilots at risk, in their language."""
    result = JobResult("weekly_digest")
    for user in User.objects.filter(is_active=True).order_by("pk"):
        local = local_time(now, user)
        if local.weekday() != settings.DIGEST_WEEKDAY or local.hour < settings.REMINDER_LOCAL_HOUR:
            continue
        week = local.date().isocalendar()
        key = f"digest:{user.pk}:{week.year}-W{week.week:02d}"
        if notified(key):
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

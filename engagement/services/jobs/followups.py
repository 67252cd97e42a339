"""Overdue follow-ups: a reminder to the owner each morning, and the team's program manager
told once the follow-up is long overdue."""

from __future__ import annotations

import datetime as dt
import time

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from engagement.models import FollowUp, Notification
from engagement.services.jobs.base import JobResult, job, local_time, program_managers
from engagement.services.notifications import notified, notify
from engagement.services.webhooks import webhook_emit


@job(
    title="Overdue follow-ups",
    claims=(
        "one reminder per follow-up per day (notification key overdue:<follow-up>:<day>); one"
        " escalation per follow-up and program manager (overdue-escalated:<follow-"
        "up>:<manager>)"
    ),
)
def overdue_followups(*, now: dt.datetime, dry_run: bool = False) -> JobResult:
    """Each morning in the owner's time zone, one reminder per overdue follow-up per day; after
    OVERDUE_ESCALATION_DAYS the team's program manager is told too, once."""
    result = JobResult("overdue_followups")
    candidates = (
        FollowUp.objects.filter(
            status=FollowUp.Status.OPEN, due_on__lt=(now + dt.timedelta(days=1)).date()
        )
        .select_related(
            "owner",
            "team",
            "team__program_manager",
            "partnership",
            "mou",
            "pilot",
            "organization",
            "engagement__partnership",
        )
        .order_by("due_on", "pk")
    )
    for f in candidates:
        local = local_time(now, f.owner)
        today = local.date()
        if f.due_on >= today or local.hour < settings.REMINDER_LOCAL_HOUR:
            continue
        days = (today - f.due_on).days
        with translation.override(f.owner.language):
            subject = _("Overdue follow-up: %(note)s") % {"note": f.note[:80]}
            body = _("Due %(due)s, %(days)d day(s) overdue.") % {"due": f.due_on, "days": days}
            about = followup_about(f)
            if about:
                body += "\n" + _("About: %(record)s") % {"record": about[0]}
        key = f"overdue:{f.pk}:{today.isoformat()}"
        if dry_run:
            if not notified(key):
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


def followup_about(f: FollowUp) -> tuple[str, str] | None:
    """The record a follow-up is about, as (its name, its page), for a notification to name and
    link; None for a follow-up about nothing with a page of its own."""
    if f.partnership_id:
        return f.partnership.title, f"/partnerships/{f.partnership_id}/"
    if f.mou_id:
        return f.mou.title, f"/partnerships/{f.mou.partnership_id}/"
    if f.pilot_id:
        return (
            f.pilot.objective[:80],
            f"/partnerships/{f.pilot.partnership_id}/",
        )
    if f.organization_id:
        return (
            f.organization.display_name,
            f"/organizations/{f.organization_id}/",
        )
    if f.engagement_id and f.engagement.partnership_id:
        partnership = f.engagement.partnership
        return partnership.title, f"/partnerships/{partnership.pk}/"
    return None


def _remind_overdue(f: FollowUp, key: str, subject: str, body: str, days: int) -> bool:
    """The reminder and its webhook event commit together, once per follow-up per day."""
    with transaction.atomic():
        created = notify(
            user=f.owner,
            kind=Notification.Kind.FOLLOWUP_OVERDUE,
            key=key,
            subject=subject,
            body=body,
            # The owner's list, at this follow-up: where it is done or moved.
            url=f"/follow-ups/#followup-{f.pk}",
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
    for pm in program_managers(f.team):
        key = f"overdue-escalated:{f.pk}:{pm.pk}"
        if dry_run:
            if not notified(key):
                result.did(
                    f"tell program manager {pm.username}: {f.team.name}'s follow-up "
                    f"'{f.note[:60]}' is {days} days overdue"
                )
            continue
        with translation.override(pm.language):
            subject = _("%(team)s: follow-up %(days)d days overdue: %(note)s") % {
                "team": f.team.name,
                "days": days,
                "note": f.note[:80],
            }
            body = _("%(owner)s's follow-up '%(note)s' was due %(due)s.") % {
                "owner": f.owner.username,
                "note": f.note[:200],
                "due": f.due_on,
            }
            about = followup_about(f)
            if about:
                body += "\n" + _("About: %(record)s") % {"record": about[0]}
        if notify(
            user=pm,
            kind=Notification.Kind.FOLLOWUP_ESCALATED,
            key=key,
            subject=subject,
            body=body,
            # The program manager's own follow-up list does not show the owner's: the link goes
            # to the record the follow-up is about, else to the dashboard, which lists the
            # teams' overdue follow-ups for a program manager.
            url=about[1] if about else f"/#followup-{f.pk}",
        ):
            result.did(f"told {pm.username} about follow-up {f.pk}")

"""The pipeline going quiet: running pilots with no news flagged at risk, and partnerships with
no engagement nudged."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, Max, OuterRef, Q
from django.utils import translation
from django.utils.translation import gettext as _

from engagement import stages
from engagement.actors import SCHEDULED
from engagement.models import Milestone, Notification, Partnership, Pilot, Stage
from engagement.services.common import business_today
from engagement.services.followups import followup_create
from engagement.services.jobs.base import JobResult, job
from engagement.services.notifications import notified, notify
from engagement.services.pilots import pilot_flag_at_risk, pilot_recover


@job(
    title="Stalled pilots",
    claims=(
        "the move to at risk is a version-checked UPDATE; its follow-up and notice are keyed "
        "by the pilot and its version (pilot-risk:<pilot>:<version>)"
    ),
)
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
            elif pilot_recover(actor=SCHEDULED, pilot=pilot):
                result.did(f"pilot {pilot.pk} recovered")
    return result


def _flag(pilot: Pilot, reason: str, today: dt.date, result: JobResult) -> None:
    with transaction.atomic():
        # The status change is the claim: only the run that moves it creates the follow-up.
        if not pilot_flag_at_risk(actor=SCHEDULED, pilot=pilot, reason=reason):
            return
        owner = pilot.owner or pilot.partnership.owner
        if owner is not None:
            followup_create(
                actor=SCHEDULED,
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


@job(
    title="Stale partnerships",
    claims="one nudge per partnership per ISO week (stale:<partnership>:<week>)",
)
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
            if not notified(key):
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

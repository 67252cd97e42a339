"""MoU expiry: signed MoUs made active on their effective date and expired on their expiry date,
and their owners told ahead of the expiry."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from engagement.actors import SCHEDULED
from engagement.errors import Conflict
from engagement.models import MoU, Notification, User
from engagement.services.common import business_today
from engagement.services.followups import followup_create, followup_source_taken
from engagement.services.jobs.base import JobResult, job, team_people
from engagement.services.mous import (
    mou_activate_due,
    mou_expire_due,
    mous_due_to_activate,
    mous_due_to_expire,
)
from engagement.services.notifications import notified, notify
from engagement.services.webhooks import webhook_emit


@job(
    title="MoU expiry",
    claims=(
        "status moves by conditional UPDATE from signed/active; one renewal follow-up per MoU"
        " (source key mou-renewal:<MoU>); one notice per MoU, notice day and person (mou-"
        "expiring:<MoU>:<days>:<person>); one expiry notice per person (mou-"
        "expired:<MoU>:<person>)"
    ),
)
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
            else team_people(mou.partnership.team_id)
        )
        if dry_run:
            if not followup_source_taken(f"mou-renewal:{mou.pk}"):
                result.did(
                    f"open a renewal follow-up for MoU '{mou.title[:60]}' "
                    f"(expires {mou.expires_on}, in {left} days)"
                )
            for person in people:
                if not notified(f"mou-expiring:{mou.pk}:{notice}:{person.pk}"):
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
        for mou in mous_due_to_activate(today=today):
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
                actor=SCHEDULED,
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
        for mou in mous_due_to_expire(today=today):
            result.did(f"mark MoU '{mou.title[:60]}' expired (expiry date {mou.expires_on})")
        return
    for pk in mou_expire_due(today=today):
        mou = MoU.objects.select_related("partnership__owner").get(pk=pk)
        result.did(f"marked MoU {pk} expired")
        for person in (
            [mou.partnership.owner]
            if mou.partnership.owner
            else team_people(mou.partnership.team_id)
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

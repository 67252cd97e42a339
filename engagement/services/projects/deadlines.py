"""The incentive deadline notices: followers of an incentive, and of its member state, hear of its
deadline INCENTIVE_DEADLINE_NOTICE_DAYS before, once per notice."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from engagement.models import Follow, Incentive, Notification, OpportunityFollow, User
from engagement.services.notifications import notified, notify


def _deadline_people(incentive: Incentive) -> list[User]:
    """Who follows the incentive, or the member state it is offered in."""
    ids = set(
        OpportunityFollow.objects.filter(incentive=incentive).values_list("user_id", flat=True)
    ) | set(
        Follow.objects.filter(member_state__iso2=incentive.country).values_list(
            "user_id", flat=True
        )
    )
    return list(User.objects.filter(is_active=True, pk__in=ids).order_by("pk"))


def incentive_deadline_notices(*, today: dt.date, dry_run: bool = False) -> list[str]:
    """At each of INCENTIVE_DEADLINE_NOTICE_DAYS before an incentive's deadline, tell its
    followers (and its member state's) once: the key names the incentive, its deadline (a moved
    deadline is news again), the notice and the person, so a second run tells no one."""
    notices = sorted(settings.INCENTIVE_DEADLINE_NOTICE_DAYS)
    if not notices:
        return []
    due = Incentive.objects.filter(
        deadline__gt=today, deadline__lte=today + dt.timedelta(days=max(notices))
    ).order_by("deadline", "pk")
    actions: list[str] = []
    for incentive in due:
        left = (incentive.deadline - today).days
        notice = next(n for n in notices if left <= n)
        for person in _deadline_people(incentive):
            key = (
                f"incentive-deadline:{incentive.pk}:{incentive.deadline.isoformat()}:"
                f"{notice}:{person.pk}"
            )
            if dry_run:
                if not notified(key):
                    actions.append(f"tell {person.username} {incentive.code} closes in {left} days")
                continue
            with translation.override(person.language):
                values = {
                    "name": incentive.display_name,
                    "days": left,
                    "date": incentive.deadline.isoformat(),
                }
                subject = _("%(name)s closes in %(days)d days") % values
                body = (
                    _(
                        "The deadline of %(name)s is %(date)s. Check the terms with the agency "
                        "before applying: they change often."
                    )
                    % values
                )
            if notify(
                user=person,
                kind=Notification.Kind.INCENTIVE_DEADLINE,
                key=key,
                subject=subject,
                body=body,
                url=f"/incentives/{incentive.code}/",
            ):
                actions.append(f"told {person.username} {incentive.code} closes in {left} days")
    return actions

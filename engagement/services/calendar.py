"""Private iCalendar feeds: a user's open follow-ups, MoU expiries and pilot milestones."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from icalendar import Calendar, Event

from engagement.models import CalendarFeed, FollowUp, Milestone, MoU, User
from engagement.models.crm import _calendar_token


def calendar_feed_get(*, user: User) -> CalendarFeed:
    feed, _ = CalendarFeed.objects.get_or_create(user=user)
    return feed


@transaction.atomic
def calendar_feed_regenerate(*, user: User) -> CalendarFeed:
    """Give the feed a new address; the old one stops working at once."""
    feed, created = CalendarFeed.objects.get_or_create(user=user)
    if not created:
        feed.token = _calendar_token()
        feed.save(update_fields=["token"])
    return feed


def _event(uid: str, summary: str, day: dt.date, description: str, stamp: dt.datetime) -> Event:
    event = Event()
    event.add("uid", uid)
    event.add("summary", summary)
    event.add("dtstart", day)
    event.add("dtend", day + dt.timedelta(days=1))
    event.add("dtstamp", stamp)
    if description:
        event.add("description", description)
    return event


def calendar_render(*, user: User, host: str) -> bytes:
    """The user's own items only: follow-ups they own, expiries of MoUs on partnerships they
    own, and pilot milestones they own (all within their team by construction)."""
    now = timezone.now()
    cal = Calendar()
    cal.add("prodid", "-//AFISS Partnership Tracker//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", f"AFISS Tracker: {user.get_username()}")
    for f in FollowUp.objects.filter(owner=user, status=FollowUp.Status.OPEN).order_by("due_on"):
        cal.add_component(
            _event(f"followup-{f.pk}@{host}", f"Follow-up: {f.note[:80]}", f.due_on, f.note, now)
        )
    mous = MoU.objects.filter(
        partnership__owner=user, status__in=["signed", "active"], expires_on__isnull=False
    ).select_related("partnership")
    for m in mous:
        if m.expires_on is None:  # excluded by the query; the type says it may be
            continue
        cal.add_component(
            _event(
                f"mou-expiry-{m.pk}@{host}",
                f"MoU expires: {m.title}",
                m.expires_on,
                m.partnership.title,
                now,
            )
        )
    milestones = Milestone.objects.filter(owner=user, done_on__isnull=True).select_related(
        "pilot__partnership"
    )
    for ms in milestones:
        cal.add_component(
            _event(
                f"milestone-{ms.pk}@{host}",
                f"Milestone: {ms.title}",
                ms.due_on,
                ms.pilot.partnership.title,
                now,
            )
        )
    return bytes(cal.to_ical())

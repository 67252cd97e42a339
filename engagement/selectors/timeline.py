"""One chronological feed of what happened, for an organization, a partnership or a team.

Services write TimelineEvent rows as they act, so a page of the feed is one query however long
the history is; overdue follow-ups, which nobody "does", are read by a second query. Two
queries per page, whatever its length.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from engagement import policy
from engagement.errors import ValidationFailed
from engagement.models import FollowUp, Organization, Partnership, Team, TimelineEvent

MAX_PAGE = 200


@dataclass(frozen=True)
class Entry:
    at: dt.datetime
    kind: str
    object_type: str
    object_id: int
    actor: str
    partnership_id: int | None
    partnership_title: str
    data: dict
    event_id: int | None  # None for derived entries (overdue follow-ups)


@dataclass(frozen=True)
class TimelinePage:
    entries: list[Entry]
    next_cursor: str | None


def _events(
    user: Any,
    *,
    organization: Organization | None,
    partnership: Partnership | None,
    team: Team | None,
) -> QuerySet[TimelineEvent]:
    qs = policy.scope(user, TimelineEvent.objects.all())
    if organization is not None:
        qs = qs.filter(organizations=organization)
    if partnership is not None:
        qs = qs.filter(partnership=partnership)
    if team is not None:
        qs = qs.filter(team=team)
    return qs


def _cursor(event: TimelineEvent) -> str:
    delta = event.at - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    return f"{delta // dt.timedelta(microseconds=1)}_{event.pk}"


def _parse_cursor(cursor: str | None) -> tuple[dt.datetime, int] | None:
    if not cursor:
        return None
    # Microseconds since the epoch and the event id: nothing in it needs URL encoding.
    try:
        micros, _, ident = cursor.partition("_")
        at = dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(microseconds=int(micros))
        return at, int(ident)
    except (ValueError, OverflowError):
        raise ValidationFailed({"cursor": ["This cursor is not one the timeline gave."]}) from None


def timeline(
    *,
    user: Any,
    organization: Organization | None = None,
    partnership: Partnership | None = None,
    team: Team | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> TimelinePage:
    limit = max(1, min(limit, MAX_PAGE))
    events = _events(user, organization=organization, partnership=partnership, team=team)
    position = _parse_cursor(cursor)
    page_qs = events
    if position is not None:
        at, ident = position
        page_qs = events.filter(at__lt=at) | events.filter(at=at, id__lt=ident)
    rows = list(page_qs.select_related("actor", "partnership").order_by("-at", "-id")[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    entries = [
        Entry(
            at=e.at,
            kind=e.kind,
            object_type=e.object_type,
            object_id=e.object_id,
            actor=e.actor.get_username() if e.actor else "",
            partnership_id=e.partnership_id,
            partnership_title=e.partnership.title if e.partnership else "",
            data=e.data,
            event_id=e.pk,
        )
        for e in rows
    ]
    entries = _merge_overdue(entries, events, position, more)
    next_cursor = _cursor(rows[-1]) if more and rows else None
    return TimelinePage(entries=entries, next_cursor=next_cursor)


def _merge_overdue(
    entries: list[Entry],
    events: QuerySet[TimelineEvent],
    position: tuple[dt.datetime, int] | None,
    more: bool,
) -> list[Entry]:
    """Add an "overdue" entry, at its due date, for each open follow-up of this feed that is
    past due, when that date falls inside this page."""
    today = timezone.localdate()
    created = events.filter(kind=TimelineEvent.Kind.FOLLOWUP_CREATED).values("object_id")
    overdue = FollowUp.objects.filter(
        pk__in=created, status=FollowUp.Status.OPEN, due_on__lt=today
    ).select_related("owner", "partnership")
    upper = position[0] if position else None
    lower = entries[-1].at if (more and entries) else None
    tz = timezone.get_current_timezone()
    extra = []
    for f in overdue:
        at = dt.datetime.combine(f.due_on + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
        if (upper is None or at < upper) and (lower is None or at >= lower):
            extra.append(
                Entry(
                    at=at,
                    kind="followup_overdue",
                    object_type="followup",
                    object_id=f.pk,
                    actor=f.owner.get_username(),
                    partnership_id=f.partnership_id,
                    partnership_title=f.partnership.title if f.partnership else "",
                    data={"note": f.note, "due_on": f.due_on.isoformat()},
                    event_id=None,
                )
            )
    return sorted(entries + extra, key=lambda e: (e.at, e.event_id or 0), reverse=True)

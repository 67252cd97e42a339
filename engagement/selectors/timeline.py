"""One chronological feed of what happened, for an organization, a partnership or a team, and
for an initiative or a member state of the implementation watch.

Services write TimelineEvent rows as they act, so a page of the feed is one query however long
the history is; overdue follow-ups, which nobody "does", are read by a second query. Two
queries per page, whatever its length. The watch's feed merges the events of the partnerships
about its subject with two shared sources, implementation statuses and policy updates: three
queries per page.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db.models import Model, Q, QuerySet
from django.utils import timezone

from engagement import policy
from engagement.errors import ValidationFailed
from engagement.models import (
    FollowUp,
    ImplementationStatus,
    Initiative,
    MemberState,
    Organization,
    Partnership,
    PolicyUpdate,
    Team,
    TimelineEvent,
    User,
)
from engagement.selectors.watch import in_member_state, policy_updates

M = TypeVar("M", bound=Model)

MAX_PAGE = 200
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


@dataclass(frozen=True)
class Entry:
    at: dt.datetime
    kind: str
    object_type: str
    object_id: int
    actor: str
    partnership_id: int | None
    partnership_title: str
    data: dict[str, Any]
    event_id: int | None  # None for derived entries (overdue follow-ups)


@dataclass(frozen=True)
class TimelinePage:
    entries: list[Entry]
    next_cursor: str | None


def _events(
    user: policy.Actor,
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


def _micros(at: dt.datetime) -> int:
    return (at - EPOCH) // dt.timedelta(microseconds=1)


def _cursor(event: TimelineEvent) -> str:
    return f"{_micros(event.at)}_{event.pk}"


def _parse_cursor(cursor: str | None) -> tuple[dt.datetime, int] | None:
    if not cursor:
        return None
    # Microseconds since the epoch and the event id: nothing in it needs URL encoding.
    try:
        micros, _, ident_text = cursor.partition("_")
        at = EPOCH + dt.timedelta(microseconds=int(micros))
        ident = int(ident_text)
    except (ValueError, OverflowError):
        raise _bad_cursor() from None
    # A hand-made id past 64 bits would reach the database and fail there.
    if not 0 < ident <= _MAX_ID:
        raise _bad_cursor()
    return at, ident


def _bad_cursor() -> ValidationFailed:
    return ValidationFailed({"cursor": ["This cursor is not one the timeline gave."]})


def timeline(
    *,
    user: policy.Actor,
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
    entries = [_event_entry(e) for e in rows]
    entries = _merge_overdue(entries, events, position, more)
    next_cursor = _cursor(rows[-1]) if more and rows else None
    return TimelinePage(entries=entries, next_cursor=next_cursor)


def _event_entry(e: TimelineEvent) -> Entry:
    """An event read with select_related("actor", "partnership")."""
    return Entry(
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


# --- An initiative's or a member state's feed (the implementation watch) --------------------

# At the same instant partnership events come first, then policy updates, then statuses. The
# rank is part of the cursor, so that every page breaks ties the same way.
STATUS, POLICY, EVENT = 0, 1, 2
_DATED_RANKS = {"implementation_status": STATUS, "policy_update": POLICY}
# The largest id a row can have; SQLite refuses larger numbers instead of comparing them.
_MAX_ID = 2**63 - 1


@dataclass(frozen=True)
class _Position:
    """Where the previous page ended. `at` is in the reader's time zone, where dated entries
    start their day."""

    at: dt.datetime
    rank: int
    ident: int


def watch_timeline(
    *,
    user: policy.Actor,
    initiative: Initiative | None = None,
    member_state: MemberState | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> TimelinePage:
    """What happened about an initiative or a member state (exactly one), newest first.

    An initiative's: its statuses in every member state, the policy updates linked to it or to
    its thrust, the events of the partnerships linked to it. A member state's: the statuses of
    every initiative there, the policy updates linked to it, the events of the partnerships that
    count there on the coverage map. Statuses and policy updates are shared; events are those
    of the teams the user may see. A dated entry sits at the start of its day in the reader's
    time zone (UTC over the API).

    Each page reads up to limit + 1 rows of each source past the cursor and merges them: the
    newest `limit` of the merge are the page, and a row left over means there is another."""
    if (initiative is None) == (member_state is None):
        raise TypeError("watch_timeline needs an initiative or a member state.")
    limit = max(1, min(limit, MAX_PAGE))
    position = _parse_position(cursor)
    merged = sorted(
        [
            *_status_entries(user, initiative, member_state, position, limit + 1),
            *_policy_entries(user, initiative, member_state, position, limit + 1),
            *_partnership_entries(user, initiative, member_state, position, limit + 1),
        ],
        key=_sort_key,
        reverse=True,
    )
    entries = merged[:limit]
    next_cursor = _watch_cursor(entries[-1]) if len(merged) > limit else None
    return TimelinePage(entries=entries, next_cursor=next_cursor)


def _status_entries(
    user: policy.Actor,
    initiative: Initiative | None,
    member_state: MemberState | None,
    position: _Position | None,
    count: int,
) -> list[Entry]:
    qs = ImplementationStatus.objects.all()
    if initiative is not None:
        qs = qs.filter(initiative=initiative)
    if member_state is not None:
        qs = qs.filter(member_state=member_state)
    qs = _dated_after(policy.scope(user, qs), "effective_on", STATUS, position)
    rows = qs.select_related("initiative", "member_state", "recorded_by")
    return [_status_entry(s) for s in rows.order_by("-effective_on", "-id")[:count]]


def _policy_entries(
    user: policy.Actor,
    initiative: Initiative | None,
    member_state: MemberState | None,
    position: _Position | None,
    count: int,
) -> list[Entry]:
    # policy_updates() holds the linking rule; the feed shows no links, so none of its prefetches.
    qs = policy_updates(initiative=initiative, member_state=member_state).prefetch_related(None)
    qs = _dated_after(policy.scope(user, qs), "published_on", POLICY, position)
    rows = qs.select_related("recorded_by").order_by("-published_on", "-id")[:count]
    return [_policy_entry(u) for u in rows]


def _partnership_entries(
    user: policy.Actor,
    initiative: Initiative | None,
    member_state: MemberState | None,
    position: _Position | None,
    count: int,
) -> list[Entry]:
    partnerships = Partnership.objects.all()
    if initiative is not None:
        partnerships = partnerships.filter(initiatives=initiative)
    if member_state is not None:
        partnerships = partnerships.filter(in_member_state(member_state))
    events = policy.scope(
        user, TimelineEvent.objects.filter(partnership__in=partnerships.values("pk"))
    )
    if position is not None:
        events = events.filter(_older(Q(at__lt=position.at), Q(at=position.at), EVENT, position))
    rows = events.select_related("actor", "partnership").order_by("-at", "-id")[:count]
    return [_event_entry(e) for e in rows]


def _older(before: Q, same_time: Q, rank: int, position: _Position) -> Q:
    """The rows of a source of `rank` that come after `position`: those before its time, and at
    its very time those of a lower rank, or of its rank with a lower id."""
    if rank < position.rank:
        return before | same_time
    if rank == position.rank:
        return before | (same_time & Q(pk__lt=position.ident))
    return before


def _dated_after(qs: QuerySet[M], field: str, rank: int, position: _Position | None) -> QuerySet[M]:
    if position is None:
        return qs
    day = position.at.date()
    if position.at > _day_start(day):
        # The page ended during that day, after its start: the whole day is older.
        return qs.filter(**{f"{field}__lte": day})
    return qs.filter(_older(Q(**{f"{field}__lt": day}), Q(**{field: day}), rank, position))


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_current_timezone())


def _username(user: User | None) -> str:
    return user.get_username() if user else ""


def _status_entry(s: ImplementationStatus) -> Entry:
    return Entry(
        at=_day_start(s.effective_on),
        kind="implementation_status",
        object_type="implementation_status",
        object_id=s.pk,
        actor=_username(s.recorded_by),
        partnership_id=None,
        partnership_title="",
        data={
            "initiative": s.initiative.code,
            "member_state": s.member_state.iso2,
            "status": s.status,
            "effective_on": s.effective_on.isoformat(),
            "note": s.note,
            "source_url": s.source_url,
            "source_title": s.source_title,
            "source_publisher": s.source_publisher,
        },
        event_id=None,
    )


def _policy_entry(u: PolicyUpdate) -> Entry:
    return Entry(
        at=_day_start(u.published_on),
        kind="policy_update",
        object_type="policy_update",
        object_id=u.pk,
        actor=_username(u.recorded_by),
        partnership_id=None,
        partnership_title="",
        data={
            "kind": u.kind,
            "published_on": u.published_on.isoformat(),
            "title": u.title,
            "title_ja": u.title_ja,
            "summary": u.summary,
            "summary_ja": u.summary_ja,
            "source_url": u.source_url,
            "source_title": u.source_title,
            "source_publisher": u.source_publisher,
        },
        event_id=None,
    )


def _sort_key(e: Entry) -> tuple[dt.datetime, int, int]:
    if e.event_id is not None:
        return e.at, EVENT, e.event_id
    return e.at, _DATED_RANKS[e.kind], e.object_id


def _watch_cursor(e: Entry) -> str:
    at, rank, ident = _sort_key(e)
    return f"{_micros(at)}_{rank}_{ident}"


def _parse_position(cursor: str | None) -> _Position | None:
    if not cursor:
        return None
    try:
        micros, rank, ident = (int(part) for part in cursor.split("_"))
        at = EPOCH + dt.timedelta(microseconds=micros)
        # Converted now, so that a time at the edge of the calendar is refused here.
        at = at.astimezone(timezone.get_current_timezone())
    except (ValueError, OverflowError):
        raise _bad_cursor() from None
    if rank not in (STATUS, POLICY, EVENT) or not 0 < ident <= _MAX_ID:
        raise _bad_cursor()
    return _Position(at=at, rank=rank, ident=ident)

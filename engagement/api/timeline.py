"""The answer of every timeline endpoint: one page of a feed, newest first, and `next`, the
address of the older page (the same query with the feed's cursor)."""

from __future__ import annotations

import re
from collections.abc import Callable

from django import forms
from drf_spectacular.utils import OpenApiParameter
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from engagement.api import crm_serializers as s
from engagement.errors import ValidationFailed
from engagement.selectors.timeline import MAX_PAGE, TimelinePage, timeline, watch_timeline

# A cursor is a position: microseconds since the epoch (negative before 1970), the watch
# feed's rank of the kind of entry (0 status, 1 policy update, 2 event), and the row's id.
# Every string of these patterns reads as a position (the years stay within the calendar, the
# id within 64 bits); anything else is not a cursor.
_MICROS = r"(?:-[0-9]{1,16}|[0-9]{1,17})"
_ID = r"[1-9][0-9]{0,17}"
EVENT_CURSOR = rf"^{_MICROS}_{_ID}$"
WATCH_CURSOR = rf"^{_MICROS}_[0-2]_{_ID}$"
_BAD_CURSOR = "This cursor is not one the timeline gave."


def timeline_parameters(cursor_pattern: str) -> list[OpenApiParameter]:
    return [
        OpenApiParameter(
            "cursor",
            {"type": "string", "pattern": cursor_pattern},
            description="From a previous page's `next`.",
        ),
        OpenApiParameter(
            "limit",
            {"type": "integer", "minimum": 1, "maximum": MAX_PAGE},
            description=f"Entries per page (1 to {MAX_PAGE}, default 50).",
        ),
    ]


TIMELINE_PARAMETERS = timeline_parameters(EVENT_CURSOR)
WATCH_TIMELINE_PARAMETERS = timeline_parameters(WATCH_CURSOR)


def _limit(request) -> int:
    field = forms.IntegerField(min_value=1, max_value=MAX_PAGE)
    raw = request.query_params.get("limit")
    if raw is None:
        return 50
    try:
        return field.clean(raw)
    except forms.ValidationError as exc:
        raise ValidationError({"limit": exc.messages}) from None


def _cursor(request, pattern: str) -> str | None:
    cursor = request.query_params.get("cursor")
    if cursor is not None and not re.fullmatch(pattern, cursor):
        raise ValidationError({"cursor": [_BAD_CURSOR]})
    return cursor


def timeline_response(
    request, feed: Callable[..., TimelinePage] = timeline, **subject: object
) -> Response:
    pattern = WATCH_CURSOR if feed is watch_timeline else EVENT_CURSOR
    limit, cursor = _limit(request), _cursor(request, pattern)
    try:
        page = feed(user=request.user, cursor=cursor, limit=limit, **subject)
    except ValidationFailed as exc:
        # Only a cursor the feed cannot read: a malformed request, not a refused one.
        raise ValidationError(exc.errors) from None
    next_url = None
    if page.next_cursor:
        query = request.query_params.copy()
        query["cursor"] = page.next_cursor
        next_url = request.build_absolute_uri(request.path) + "?" + query.urlencode()
    return Response(
        {"next": next_url, "results": s.TimelineEntrySerializer(page.entries, many=True).data}
    )

"""The answer of every timeline endpoint: one page of a feed, newest first, and `next`, the
address of the older page (the same query with the feed's cursor)."""

from __future__ import annotations

from collections.abc import Callable

from drf_spectacular.utils import OpenApiParameter
from rest_framework.response import Response

from engagement.api import crm_serializers as s
from engagement.errors import ValidationFailed
from engagement.selectors.timeline import TimelinePage, timeline

TIMELINE_PARAMETERS = [
    OpenApiParameter("cursor", str, description="From a previous page's `next`."),
    OpenApiParameter("limit", int, description="Entries per page (1 to 200, default 50)."),
]


def timeline_response(
    request, feed: Callable[..., TimelinePage] = timeline, **subject: object
) -> Response:
    try:
        limit = int(request.query_params.get("limit", 50))
    except ValueError:
        raise ValidationFailed({"limit": ["A whole number."]}) from None
    page = feed(
        user=request.user, cursor=request.query_params.get("cursor"), limit=limit, **subject
    )
    next_url = None
    if page.next_cursor:
        query = request.query_params.copy()
        query["cursor"] = page.next_cursor
        next_url = request.build_absolute_uri(request.path) + "?" + query.urlencode()
    return Response(
        {"next": next_url, "results": s.TimelineEntrySerializer(page.entries, many=True).data}
    )

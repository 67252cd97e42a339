"""The floor for `manage.py bench_api`: plain Django views that return the same rows as the
API's engagements and organizations lists (same access scope, same order, same fields and
related ids or codes, one page of keyset pagination), as JSON built from `.values()`; and for
one engagement, its row (GET) and a change of its summary (PATCH: one conditional UPDATE of
the row, with its version, then the row).

No framework: the token is checked with the same service, then the rows in one query and their
links in another, the same query the API runs (engagement.api.related.linked_values). What the
API costs above this is the cost of its conventions (DRF, serializers, filters, throttling).
Mounted by config/urls.py only when devtools is installed and the environment sets
BENCH_FLOOR_VIEWS=1.
"""

from __future__ import annotations

import json

from django.db.models import F
from django.http import JsonResponse
from django.urls import path
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from engagement import policy
from engagement.api.related import linked_values
from engagement.models import Engagement, Organization
from engagement.services.accounts import api_token_authenticate

MAX_PAGE = 500


def _user(request):
    header = request.headers.get("Authorization", "")
    keyword, _, key = header.partition(" ")
    token = api_token_authenticate(key.strip()) if keyword == "Token" else None
    return token.user if token is not None else None


def _link(model, rows: list[dict], relations: dict[str, str]) -> None:
    """Each row's linked ids or codes, read as the API reads them: every relation in one query
    (engagement.api.related.linked_values), so that the floor does the same database work."""
    found = linked_values(model, relations, [r["id"] for r in rows])
    for row in rows:
        for name in relations:
            row[name] = found[name].get(row["id"], [])


def _page(request, model, fields: list[str], relations: dict[str, str]):
    user = _user(request)
    if user is None:
        return JsonResponse({"detail": "Authentication required."}, status=401)
    size = min(int(request.GET.get("page_size", 50)), MAX_PAGE)
    after = int(request.GET.get("after", 0))
    qs = policy.scope(user, model.objects.all()).filter(pk__gt=after).order_by("pk")
    rows = list(qs.values(*fields)[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    _link(model, rows, relations)
    next_url = None
    if more:
        next_url = request.build_absolute_uri(
            f"{request.path}?page_size={size}&after={rows[-1]['id']}"
        )
    return JsonResponse({"next": next_url, "results": rows})


ENGAGEMENT_FIELDS = [
    "id",
    "team__slug",
    "occurred_at",
    "kind",
    "partnership_id",
    "summary",
    "outcome",
    "next_step",
    "created_by_id",
    "version",
    "created_at",
    "updated_at",
]


# The linked values each page shows, as the API's views name them (their `many_values`).
ENGAGEMENT_RELATIONS = {
    "organizations": "pk",
    "contacts": "pk",
    "participants": "pk",
    "thrusts": "code",
    "initiatives": "code",
}
ORGANIZATION_RELATIONS = {
    "capabilities": "code",
    "needs": "code",
    "thrusts": "code",
    "priority_countries": "iso2",
    "presence_countries": "iso2",
}


@csrf_exempt
def engagement(request, pk: int):
    """One engagement (GET), or its summary changed (PATCH {"summary": ...})."""
    user = _user(request)
    if user is None:
        return JsonResponse({"detail": "Authentication required."}, status=401)
    mine = policy.scope(user, Engagement.objects.all()).filter(pk=pk)
    if request.method == "PATCH":
        summary = json.loads(request.body or b"{}").get("summary")
        if not isinstance(summary, str):
            return JsonResponse({"summary": ["A string is required."]}, status=400)
        mine.update(summary=summary, version=F("version") + 1, updated_at=timezone.now())
    rows = list(mine.values(*ENGAGEMENT_FIELDS))
    if not rows:
        return JsonResponse({"detail": "Not found."}, status=404)
    _link(Engagement, rows, ENGAGEMENT_RELATIONS)
    return JsonResponse(rows[0])


def engagements(request):
    return _page(request, Engagement, ENGAGEMENT_FIELDS, ENGAGEMENT_RELATIONS)


def organizations(request):
    m = Organization
    return _page(
        request,
        m,
        [
            "id",
            "kind",
            "org_type__code",
            "name",
            "name_ja",
            "country",
            "website",
            "description",
            "description_ja",
            "accepting_partners",
            "source",
            "version",
            "created_at",
            "updated_at",
        ],
        ORGANIZATION_RELATIONS,
    )


urlpatterns = [
    path("engagements/", engagements, name="bench-floor-engagements"),
    path("engagements/<int:pk>/", engagement, name="bench-floor-engagement"),
    path("organizations/", organizations, name="bench-floor-organizations"),
]

"""The floor for `manage.py bench_api`: plain Django views that return the same rows as the
API's engagements and organizations lists (same access scope, same order, same fields and
related ids or codes, one page of keyset pagination), as JSON built from `.values()`; and for
one engagement, its row (GET) and a change of its summary (PATCH: one conditional UPDATE of
the row, with its version, then the row).

No framework: the token is checked with the same service, then one query per table. What the
API costs above this is the cost of its conventions (DRF, serializers, filters, throttling).
Mounted by config/urls.py only when devtools is installed and the environment sets
BENCH_FLOOR_VIEWS=1.
"""

from __future__ import annotations

import json
from collections import defaultdict

from django.db.models import F
from django.http import JsonResponse
from django.urls import path
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from engagement import policy
from engagement.models import Engagement, Organization
from engagement.services.accounts import api_token_authenticate

MAX_PAGE = 500


def _user(request):
    header = request.headers.get("Authorization", "")
    keyword, _, key = header.partition(" ")
    token = api_token_authenticate(key.strip()) if keyword == "Token" else None
    return token.user if token is not None else None


def _link(rows: list[dict], relations: dict[str, tuple]) -> None:
    ids = [r["id"] for r in rows]
    for name, (through, own, other) in relations.items():
        linked = defaultdict(list)
        for owner, value in through.objects.filter(**{f"{own}__in": ids}).values_list(own, other):
            linked[owner].append(value)
        for row in rows:
            row[name] = linked.get(row["id"], [])


def _page(request, model, fields: list[str], relations: dict[str, tuple]):
    user = _user(request)
    if user is None:
        return JsonResponse({"detail": "Authentication required."}, status=401)
    size = min(int(request.GET.get("page_size", 50)), MAX_PAGE)
    after = int(request.GET.get("after", 0))
    qs = policy.scope(user, model.objects.all()).filter(pk__gt=after).order_by("pk")
    rows = list(qs.values(*fields)[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    _link(rows, relations)
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


def _engagement_relations() -> dict[str, tuple]:
    m = Engagement
    return {
        "organizations": (m.organizations.through, "engagement_id", "organization_id"),
        "contacts": (m.contacts.through, "engagement_id", "contact_id"),
        "participants": (m.participants.through, "engagement_id", "user_id"),
        "thrusts": (m.thrusts.through, "engagement_id", "thrust__code"),
        "initiatives": (m.initiatives.through, "engagement_id", "initiative__code"),
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
    _link(rows, _engagement_relations())
    return JsonResponse(rows[0])


def engagements(request):
    return _page(request, Engagement, ENGAGEMENT_FIELDS, _engagement_relations())


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
        {
            "capabilities": (m.capabilities.through, "organization_id", "capability__code"),
            "needs": (m.needs.through, "organization_id", "capability__code"),
            "thrusts": (m.thrusts.through, "organization_id", "thrust__code"),
            "priority_countries": (
                m.priority_countries.through,
                "organization_id",
                "memberstate__iso2",
            ),
            "presence_countries": (
                m.presence_countries.through,
                "organization_id",
                "memberstate__iso2",
            ),
        },
    )


urlpatterns = [
    path("engagements/", engagements, name="bench-floor-engagements"),
    path("engagements/<int:pk>/", engagement, name="bench-floor-engagement"),
    path("organizations/", organizations, name="bench-floor-organizations"),
]

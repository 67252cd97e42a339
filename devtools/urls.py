"""The floor for `manage.py bench_api`: plain Django views that return the same rows as the
API's engagements and organizations lists (same access scope, same order, same fields and
related ids or codes, one page of keyset pagination), as JSON built from `.values()`.

No framework: the token is checked with the same service, then one query per table. What the
API costs above this is the cost of its conventions (DRF, serializers, filters, throttling).
Mounted by config/urls.py only when devtools is installed and the environment sets
BENCH_FLOOR_VIEWS=1.
"""

from __future__ import annotations

from collections import defaultdict

from django.http import JsonResponse
from django.urls import path

from engagement import policy
from engagement.models import Engagement, Organization
from engagement.services.accounts import api_token_authenticate

MAX_PAGE = 500


def _user(request):
    header = request.headers.get("Authorization", "")
    keyword, _, key = header.partition(" ")
    token = api_token_authenticate(key.strip()) if keyword == "Token" else None
    return token.user if token is not None else None


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
    ids = [r["id"] for r in rows]
    for name, (through, own, other) in relations.items():
        linked = defaultdict(list)
        for owner, value in through.objects.filter(**{f"{own}__in": ids}).values_list(own, other):
            linked[owner].append(value)
        for row in rows:
            row[name] = linked.get(row["id"], [])
    next_url = None
    if more:
        next_url = request.build_absolute_uri(
            f"{request.path}?page_size={size}&after={rows[-1]['id']}"
        )
    return JsonResponse({"next": next_url, "results": rows})


def engagements(request):
    m = Engagement
    return _page(
        request,
        m,
        [
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
        ],
        {
            "organizations": (m.organizations.through, "engagement_id", "organization_id"),
            "contacts": (m.contacts.through, "engagement_id", "contact_id"),
            "participants": (m.participants.through, "engagement_id", "user_id"),
            "thrusts": (m.thrusts.through, "engagement_id", "thrust__code"),
            "initiatives": (m.initiatives.through, "engagement_id", "initiative__code"),
        },
    )


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
    path("organizations/", organizations, name="bench-floor-organizations"),
]

"""Reads of the shared directory, with every relation fetched in a fixed number of queries."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from engagement import policy
from engagement.models import Capability, Contact, MemberState, Organization, Thrust
from engagement.normalize import normalize_name


def _prefetches() -> list[Prefetch]:
    caps = Capability.objects.only("id", "code", "name_en", "name_ja")
    states = MemberState.objects.only("id", "iso2", "name_en", "name_ja")
    return [
        Prefetch("capabilities", queryset=caps),
        Prefetch("needs", queryset=caps),
        Prefetch("thrusts", queryset=Thrust.objects.only("id", "code", "name_en", "name_ja")),
        Prefetch("priority_countries", queryset=states),
        Prefetch("presence_countries", queryset=states),
    ]


def organizations_visible(*, user: Any) -> QuerySet[Organization]:
    qs = Organization.objects.select_related("org_type").prefetch_related(*_prefetches())
    return policy.scope(user, qs)


def organizations_search(queryset: QuerySet[Organization], text: str) -> QuerySet[Organization]:
    """Finds English and Japanese names in any spelling (full/half width, legal forms) and
    words in the descriptions."""
    text = (text or "").strip()
    if not text:
        return queryset
    key = normalize_name(text)
    condition = (
        Q(name__icontains=text)
        | Q(name_ja__icontains=text)
        | Q(description__icontains=text)
        | Q(description_ja__icontains=text)
    )
    if key:
        condition |= Q(name_keys__key__contains=key)
    return queryset.filter(condition).distinct()


def contacts_visible(*, user: Any) -> QuerySet[Contact]:
    return policy.scope(user, Contact.objects.select_related("organization", "team"))

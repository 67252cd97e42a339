"""Reads of the shared directory, with every relation fetched in a fixed number of queries."""

from __future__ import annotations

from functools import reduce
from operator import and_
from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from engagement import policy
from engagement.models import Capability, Contact, MemberState, Organization, Thrust
from engagement.normalize import normalize_name, search_key


def _prefetches() -> list[Prefetch[Any]]:
    caps = Capability.objects.only("id", "code", "name_en", "name_ja")
    states = MemberState.objects.only("id", "iso2", "name_en", "name_ja")
    return [
        Prefetch("capabilities", queryset=caps),
        Prefetch("needs", queryset=caps),
        Prefetch("thrusts", queryset=Thrust.objects.only("id", "code", "name_en", "name_ja")),
        Prefetch("priority_countries", queryset=states),
        Prefetch("presence_countries", queryset=states),
    ]


def organizations_visible(*, user: policy.Actor) -> QuerySet[Organization]:
    qs = Organization.objects.select_related("org_type").prefetch_related(*_prefetches())
    return policy.scope(user, qs)


def organizations_search(queryset: QuerySet[Organization], text: str) -> QuerySet[Organization]:
    """Organizations whose English or Japanese name holds every word typed, anywhere in it
    ("penang" finds InvestPenang), compared as the global search compares them: on the stored
    `search_text`, folded by the same `search_key` (case, accents, width and kana script), so
    `Nang` finds Đà Nẵng and `ﾃﾞｨｽｺ` finds DISCO. Also a name written with its legal form
    ("DISCO Corporation", through the duplicate guard's keys) and the descriptions as typed."""
    text = (text or "").strip()
    words = search_key(text).split()
    if not words:
        return queryset
    condition = reduce(and_, (Q(search_text__contains=word) for word in words))
    condition |= Q(description__icontains=text) | Q(description_ja__icontains=text)
    key = normalize_name(text)
    if key:
        condition |= Q(name_keys__key__contains=key)
    return queryset.filter(condition).distinct()


def contacts_visible(*, user: policy.Actor) -> QuerySet[Contact]:
    return policy.scope(user, Contact.objects.select_related("organization", "team"))

"""The global search: organizations, contacts, partnerships, engagements and projects whose
names hold every word typed, in any case, accent, width or kana script
(engagement.normalize.search_key). Each kind is read through the access policy, so another
team's contacts, partnerships and engagements are never found."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import reduce
from operator import and_
from typing import Any

from django.db.models import Q, QuerySet

from engagement import policy
from engagement.models import Contact, Engagement, Organization, Partnership, Project
from engagement.normalize import has_japanese, search_key

LIMIT = 20


@dataclass
class SearchResults:
    words: list[str]
    organizations: list[Organization] = field(default_factory=list)
    contacts: list[Contact] = field(default_factory=list)
    partnerships: list[Partnership] = field(default_factory=list)
    engagements: list[Engagement] = field(default_factory=list)
    projects: list[Project] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(
            len(group)
            for group in (
                self.organizations,
                self.contacts,
                self.partnerships,
                self.engagements,
                self.projects,
            )
        )


def _word(column: str, word: str) -> Q:
    """A word written in kana or kanji may sit anywhere (Japanese puts no spaces between
    words); any other word starts a word, so `nang` finds Da Nang but not Penang."""
    if has_japanese(word):
        return Q(**{f"{column}__contains": word})
    return Q(**{f"{column}__startswith": word}) | Q(**{f"{column}__contains": f" {word}"})


def _all_words(column: str, words: list[str]) -> Q:
    return reduce(and_, (_word(column, w) for w in words))


def _holds_all(words: list[str], *texts: str) -> bool:
    """`_all_words` for text read into Python."""
    key = f" {search_key(*texts)}"
    return all((w in key) if has_japanese(w) else (f" {w}" in key) for w in words)


def _organizations(user: policy.Actor, words: list[str]) -> QuerySet[Organization]:
    # Archived organizations stay reachable from the records that refer to them, not found.
    return policy.scope(user, Organization.objects.filter(archived_at__isnull=True)).filter(
        _all_words("search_text", words)
    )


def _partnerships(
    user: policy.Actor, words: list[str], org_ids: QuerySet[Organization, Any]
) -> list[Partnership]:
    """By title (folded here: titles have no stored key, and a team's deals are few) or by a
    counterpart the words name."""
    visible = policy.scope(user, Partnership.objects.all())
    by_title = [pk for pk, title in visible.values_list("pk", "title") if _holds_all(words, title)]
    by_counterpart = visible.filter(counterparts__in=org_ids).values("pk")
    found = (
        visible.filter(Q(pk__in=by_title) | Q(pk__in=by_counterpart))
        .select_related("team", "partnership_type")
        .prefetch_related("counterparts")
        .order_by("-updated_at", "-pk")
    )
    return list(found[:LIMIT])


def _engagements(
    user: policy.Actor, typed: list[str], org_ids: QuerySet[Organization, Any]
) -> list[Engagement]:
    """With an organization the words name, or whose summary holds the words as typed."""
    visible = policy.scope(user, Engagement.objects.all())
    in_summary = reduce(and_, (Q(summary__icontains=w) for w in typed))
    found = (
        visible.filter(Q(organizations__in=org_ids) | in_summary)
        .distinct()
        .select_related("team", "partnership")
        .prefetch_related("organizations")
        .order_by("-occurred_at", "-pk")
    )
    return list(found[:LIMIT])


def _projects(user: policy.Actor, words: list[str]) -> list[Project]:
    # A few dozen real projects: folded here rather than keyed in a column.
    rows = policy.scope(user, Project.objects.all()).values_list(
        "pk", "code", "name_en", "name_ja", "owner_name", "site"
    )
    pks = [pk for pk, *texts in rows if _holds_all(words, *texts)]
    return list(
        Project.objects.filter(pk__in=pks).select_related("country").order_by("code")[:LIMIT]
    )


def global_search(*, user: policy.Actor, text: str) -> SearchResults:
    words = search_key(text or "").split()
    results = SearchResults(words=words)
    if not words:
        return results
    orgs = _organizations(user, words)
    results.organizations = list(orgs.order_by("name", "pk")[:LIMIT])
    org_ids = orgs.values("pk")
    results.contacts = list(
        policy.scope(user, Contact.objects.filter(_all_words("search_text", words)))
        .select_related("organization")
        .order_by("name", "pk")[:LIMIT]
    )
    results.partnerships = _partnerships(user, words, org_ids)
    results.engagements = _engagements(user, text.split(), org_ids)
    results.projects = _projects(user, words)
    return results


def organizations_named(*, user: policy.Actor, text: str, limit: int = 10) -> list[Organization]:
    """The organizations whose names hold every word typed (the global search's rule), for a
    typeahead: at most `limit`, by name."""
    words = search_key(text or "").split()
    if not words:
        return []
    return list(_organizations(user, words).order_by("name", "pk")[:limit])

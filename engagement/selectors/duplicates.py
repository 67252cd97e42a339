"""What the duplicates view and the merge page read: likely pairs among the directory's live
records (engagement.duplicates), and what a merge would move."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Count, Max, Q, Sum

from engagement.duplicates import REASON_LABELS, LikelyPair, Named, host_of, likely_duplicates
from engagement.duplicates import likely_pairs as find_pairs
from engagement.models import DuplicateDismissal, Organization, OrganizationMerge
from engagement.normalize import search_key
from engagement.services.merges import can_undo, fk_relations, m2m_relations


@dataclass(frozen=True)
class PairRow:
    pair: LikelyPair
    first: Organization
    second: Organization
    reasons: list[str]


# On 100,000 organizations the pairs take seconds to find: they are kept until a name, a website,
# an archive or a dismissal changes what they would be.
CACHE_SECONDS = 24 * 3600


def _cache_key() -> str:
    live = Organization.objects.aggregate(n=Count("pk"), at=Max("updated_at"), v=Sum("version"))
    dismissed = DuplicateDismissal.objects.aggregate(n=Count("pk"), last=Max("pk"))
    parts = [live["n"], live["at"], live["v"], dismissed["n"], dismissed["last"]]
    return "duplicates:" + ":".join(str(p) for p in parts).replace(" ", "_")


def _all_pairs() -> list[LikelyPair]:
    rows = Organization.objects.filter(archived_at__isnull=True).values_list(
        "pk", "country", "name", "name_ja", "website"
    )
    dismissed = set(DuplicateDismissal.objects.values_list("first_id", "second_id"))
    return [
        p for p in find_pairs(Named(*row) for row in rows) if (p.first, p.second) not in dismissed
    ]


def likely_pairs(*, limit: int = 200) -> tuple[list[PairRow], int]:
    """The strongest `limit` likely pairs a program manager has not dismissed, and how many
    there are in all."""
    pairs: list[LikelyPair] = cache.get_or_set(_cache_key(), _all_pairs, CACHE_SECONDS) or []
    shown = pairs[:limit]
    ids = {p.first for p in shown} | {p.second for p in shown}
    orgs = Organization.objects.select_related("org_type").in_bulk(ids)
    out = [
        PairRow(p, orgs[p.first], orgs[p.second], [str(REASON_LABELS[r]) for r in p.reasons])
        for p in shown
    ]
    return out, len(pairs)


def merge_preview(merged: Organization) -> list[tuple[str, int]]:
    """(kind of record, how many) that refer to `merged` and would move in a merge."""
    out: list[tuple[str, int]] = []
    for model, field, _one in fk_relations():
        n = model._default_manager.filter(**{field: merged}).count()
        if n:
            out.append((str(model._meta.verbose_name_plural), n))
    for _label, through, owner, target in m2m_relations():
        n = through._default_manager.filter(**{target: merged}).count()
        owner_model = through._meta.get_field(owner).related_model
        if n and isinstance(owner_model, type):
            out.append((str(owner_model._meta.verbose_name_plural), n))
    merged_counts: dict[str, int] = {}
    for name, n in out:
        merged_counts[name] = merged_counts.get(name, 0) + n
    return sorted(merged_counts.items())


def recent_merges(limit: int = 20) -> list[OrganizationMerge]:
    merges = list(
        OrganizationMerge.objects.select_related("survivor", "merged", "by").order_by("-at", "-id")[
            :limit
        ]
    )
    for m in merges:
        m.undoable = can_undo(m)
    return merges


def undoable_merges_into(org: Organization) -> list[OrganizationMerge]:
    merges = list(
        OrganizationMerge.objects.filter(Q(survivor=org), undone_at__isnull=True).select_related(
            "merged"
        )
    )
    return [m for m in merges if can_undo(m)]


# At most this many organizations of the country are compared with a new one.
CANDIDATES = 2000


def likely_duplicates_of(org: Organization) -> list[tuple[Organization, list[str]]]:
    """The live organizations `org` likely duplicates (just after it was created), with the
    reasons. The database narrows the field first: the same country, and a word of its names
    in theirs, or its website's host in their website."""
    words = [w for w in search_key(org.name, org.name_ja).split() if len(w) >= 3][:8]
    near = Q()
    for word in words:
        near |= Q(search_text__contains=word)
    host = host_of(org.website)
    if host:
        near |= Q(website__icontains=host)
    if not near:
        return []
    rows = (
        Organization.objects.filter(near, country=org.country, archived_at__isnull=True)
        .exclude(pk=org.pk)
        .values_list("pk", "country", "name", "name_ja", "website")[:CANDIDATES]
    )
    new = Named(org.pk, org.country, org.name, org.name_ja, org.website)
    pairs = likely_duplicates(new, [Named(*row) for row in rows])
    others = Organization.objects.in_bulk(
        [p.second if p.first == org.pk else p.first for p in pairs]
    )
    return [
        (
            others[p.second if p.first == org.pk else p.first],
            [str(REASON_LABELS[r]) for r in p.reasons],
        )
        for p in pairs
    ]

"""The lists people work with (directory, partnerships, engagements, follow-ups): which filters
each keeps in its URL and which columns sort it. One spec per list, read by the list page (to
filter, order and draw sortable headers) and by saved views (to keep only what the list
understands), so the two cannot disagree.

`?sort=key` sorts ascending, `?sort=-key` descending; an unknown key falls back to the list's
default. Every order ends with the primary key, so pages never shuffle rows of equal value."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db.models import Case, F, IntegerField, OrderBy, Value, When
from django.db.models.expressions import Expression
from django.http import QueryDict
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from engagement import stages
from engagement.models import FollowUp, ListName


def _rank(field_name: str, values: Sequence[str]) -> Expression:
    """The position of a code in its business order (stages, priorities), not the alphabet."""
    whens = [When(**{field_name: v}, then=Value(i)) for i, v in enumerate(values)]
    return Case(*whens, default=Value(len(values)), output_field=IntegerField())


@dataclass(frozen=True)
class Sort:
    key: str
    label: Promise
    # What to order by: model fields or lookups, or a function making an expression.
    by: tuple[str | Callable[[], Expression], ...]


@dataclass(frozen=True)
class ListSpec:
    name: str
    filters: tuple[str, ...]
    sorts: tuple[Sort, ...]
    default_sort: str
    # Query keys kept by a saved view besides filters and sort (e.g. the follow-ups' view tab).
    extra: tuple[str, ...] = field(default=())

    def sort_keys(self) -> set[str]:
        return {s.key for s in self.sorts}

    def current(self, value: str | None) -> tuple[str, bool]:
        """(key, descending) of `?sort=`; the default when absent or unknown."""
        raw = (value or "").strip()
        key = raw.removeprefix("-")
        if key not in self.sort_keys():
            raw = self.default_sort
            key = raw.removeprefix("-")
        return key, raw.startswith("-")

    def order_by(self, value: str | None) -> list[OrderBy]:
        key, descending = self.current(value)
        sort = next(s for s in self.sorts if s.key == key)
        # The column itself goes the chosen way; what breaks its ties reads ascending
        # (countries Z→A, each country's names still A→Z).
        order: list[OrderBy] = []
        for i, part in enumerate(sort.by):
            expression = part() if callable(part) else F(part)
            order.append(
                expression.desc(nulls_last=True)
                if descending and i == 0
                else expression.asc(nulls_last=True)
            )
        order.append(F("id").desc() if descending else F("id").asc())
        return order

    def clean_query(self, query: str | QueryDict) -> str:
        """The part of a list's query string a saved view keeps: known filters with a value,
        a known sort; in a stable order. Page numbers and anything else are dropped."""
        params = QueryDict(query) if isinstance(query, str) else query
        kept: list[tuple[str, str]] = []
        for key in (*self.filters, *self.extra):
            for v in params.getlist(key):
                if v.strip():
                    kept.append((key, v.strip()))
        sort = params.get("sort", "").strip()
        if sort and sort.removeprefix("-") in self.sort_keys():
            kept.append(("sort", sort))
        return urlencode(kept)


PRIORITY_ORDER = [FollowUp.Priority.HIGH, FollowUp.Priority.NORMAL, FollowUp.Priority.LOW]

SPECS: dict[str, ListSpec] = {
    ListName.ORGANIZATIONS: ListSpec(
        name=ListName.ORGANIZATIONS,
        filters=("q", "kind", "org_type", "country", "capability", "thrust"),
        sorts=(
            Sort("name", _("Name"), ("name",)),
            Sort("type", _("Type"), ("org_type__code", "name")),
            Sort("country", _("Country"), ("country", "name")),
            Sort("updated", _("Last changed"), ("updated_at",)),
        ),
        default_sort="name",
    ),
    ListName.PARTNERSHIPS: ListSpec(
        name=ListName.PARTNERSHIPS,
        filters=("q", "stage", "team", "thrust", "country", "initiative", "owner"),
        sorts=(
            Sort("title", _("Title"), ("title",)),
            Sort("stage", _("Stage"), (lambda: _rank("stage", list(stages.ALL_STAGES)),)),
            Sort("value", _("Expected value"), ("expected_value",)),
            Sort("target", _("Target date"), ("target_date",)),
            Sort("updated", _("Last changed"), ("updated_at",)),
        ),
        default_sort="-updated",
    ),
    ListName.ENGAGEMENTS: ListSpec(
        name=ListName.ENGAGEMENTS,
        filters=("q", "kind", "country", "team", "since", "until"),
        sorts=(
            Sort("when", _("Date"), ("occurred_at",)),
            Sort("kind", _("Kind"), ("kind", "occurred_at")),
            Sort("team", _("Team"), ("team__name", "occurred_at")),
        ),
        default_sort="-when",
    ),
    ListName.FOLLOWUPS: ListSpec(
        name=ListName.FOLLOWUPS,
        filters=("team", "priority"),
        sorts=(
            Sort("due", _("Due"), ("due_on", "due_time")),
            Sort("priority", _("Priority"), (lambda: _rank("priority", PRIORITY_ORDER), "due_on")),
            Sort("owner", _("Owner"), ("owner__username", "due_on")),
        ),
        default_sort="due",
        extra=("view",),
    ),
}


def spec(name: str) -> ListSpec:
    return SPECS[name]

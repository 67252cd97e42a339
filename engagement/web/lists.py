"""What the list pages share: the sort order of `?sort=`, the user's saved views of the list,
and the bulk actions a reader may take on a selection of its rows.

The filters and sort orders themselves are the list's spec (engagement.lists)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from engagement import policy
from engagement.lists import ListSpec, spec
from engagement.models import ListName, SavedView
from engagement.models.lists import SAVED_VIEW_NAME_MAX
from engagement.selectors.crm import team_members


@dataclass(frozen=True)
class BulkAction:
    code: str
    label: Promise
    # Which fields of the bulk form the action reads (the page shows only those).
    fields: tuple[str, ...] = ()
    writes: bool = True


EXPORT = BulkAction("export", _("Export selection (CSV)"), writes=False)
ASSIGN = BulkAction("assign_owner", _("Assign owner"), ("owner",))
FOLLOWUPS = BulkAction("followups", _("Add a follow-up to each"), ("due_on", "note", "owner"))
RESCHEDULE = BulkAction("reschedule", _("Move to a new date"), ("due_on",))

BULK_ACTIONS: dict[str, tuple[BulkAction, ...]] = {
    ListName.ORGANIZATIONS: (FOLLOWUPS, EXPORT),
    ListName.PARTNERSHIPS: (ASSIGN, FOLLOWUPS, EXPORT),
    ListName.ENGAGEMENTS: (FOLLOWUPS, EXPORT),
    ListName.FOLLOWUPS: (ASSIGN, RESCHEDULE, EXPORT),
}


class BulkForm(forms.Form):
    """The fields an action reads; which are required, and what is allowed, is the service's
    to say (engagement.services.lists), as for one record at a time."""

    owner = forms.IntegerField(label=_("Owner"), required=False, min_value=1, max_value=2**31 - 1)
    due_on = forms.DateField(
        label=_("Due"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    note = forms.CharField(label=_("Note"), required=False)


def bulk_actions(user: policy.Actor, list_name: str) -> list[BulkAction]:
    """The actions `user` may take here: exports for every reader, writes for team members
    who write in the pages (program managers and integrators read; see policy)."""
    writes = policy.writes_in_pages(user) and bool(getattr(user, "team_id", None))
    return [a for a in BULK_ACTIONS[list_name] if writes or not a.writes]


def ordered(request, list_name: str, queryset: QuerySet) -> QuerySet:
    return queryset.order_by(*spec(list_name).order_by(request.GET.get("sort")))


def list_context(request, list_name: str) -> dict[str, Any]:
    """The sort, saved views and bulk actions of a list page, for its template."""
    list_spec: ListSpec = spec(list_name)
    key, descending = list_spec.current(request.GET.get("sort"))
    user = request.user
    actions = bulk_actions(user, list_name)
    needs_members = any("owner" in a.fields for a in actions)
    return {
        "list_name": list_name,
        "sort_key": key,
        "sort_descending": descending,
        "saved_views": list(
            policy.scope(user, SavedView.objects.filter(list_name=list_name)).only(
                "id", "name", "query"
            )
        ),
        "current_view_query": list_spec.clean_query(request.GET),
        "saved_view_name_max": SAVED_VIEW_NAME_MAX,
        "bulk_actions": actions,
        "bulk_fields": sorted({f for a in actions for f in a.fields}),
        "bulk_members": team_members(user=user, team_id=user.team_id) if needs_members else [],
    }

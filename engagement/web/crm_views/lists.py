"""Saved views and bulk actions of the list pages (directory, partnerships, engagements,
follow-ups).

Each write goes through engagement.services.lists; a refusal is a message on the list the form
came from, and nothing has been written. Exports are CSV files of the selected rows with the
columns the page shows, in the reader's language."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Model, QuerySet
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, ngettext, override
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from engagement import policy
from engagement.api.export import csv_stream
from engagement.errors import NotPermitted, ServiceError
from engagement.models import (
    Engagement,
    FollowUp,
    ListName,
    Organization,
    Partnership,
    SavedView,
)
from engagement.services import lists as service
from engagement.web.crm_views.common import (
    form_errors_text,
    refusal_message,
    refusal_text,
    refuse,
)
from engagement.web.lists import BULK_ACTIONS, BulkForm, bulk_actions
from engagement.web.navigation import safe_next
from engagement.web.once import once
from engagement.web.timeline import stage_label

LIST_URLS = {
    ListName.ORGANIZATIONS: "organization-list",
    ListName.PARTNERSHIPS: "partnership-list",
    ListName.ENGAGEMENTS: "engagement-list",
    ListName.FOLLOWUPS: "followup-list",
}
MODELS: dict[str, type[Model]] = {
    ListName.ORGANIZATIONS: Organization,
    ListName.PARTNERSHIPS: Partnership,
    ListName.ENGAGEMENTS: Engagement,
    ListName.FOLLOWUPS: FollowUp,
}


def _list_name(name: str) -> str:
    if name not in ListName.values:
        raise Http404
    return name


def _back(request, list_name: str) -> HttpResponse:
    return redirect(safe_next(request, reverse(LIST_URLS[list_name])))


# Saved views ---------------------------------------------------------------------------------


@login_required
@require_POST
def saved_view_save(request, name: str):
    list_name = _list_name(name)
    try:
        view = service.saved_view_save(
            actor=request.user,
            list_name=list_name,
            name=request.POST.get("name", ""),
            query=request.POST.get("query", ""),
        )
    except ServiceError as exc:
        messages.error(request, refusal_text(exc))
        return _back(request, list_name)
    messages.success(request, _("View saved: %(name)s.") % {"name": view.name})
    url = reverse(LIST_URLS[list_name])
    return redirect(f"{url}?{view.query}" if view.query else url)


@login_required
@require_POST
def saved_view_delete(request, pk: int):
    # Someone else's view is not found, as if it did not exist.
    view = get_object_or_404(policy.scope(request.user, SavedView.objects.all()), pk=pk)
    list_name = view.list_name
    service.saved_view_delete(actor=request.user, view=view)
    messages.success(request, _("View deleted: %(name)s.") % {"name": view.name})
    return _back(request, list_name)


# Bulk actions --------------------------------------------------------------------------------


@login_required
@require_POST
@once
def bulk_action(request, name: str):
    list_name = _list_name(name)
    code = request.POST.get("action", "")
    allowed = bulk_actions(request.user, list_name)
    action = next((a for a in allowed if a.code == code), None)
    if action is None:
        # A reader (program manager, integrator) who asks for anything but an export is
        # refused, as on every other form that writes; a writer who chose nothing is told so.
        writes = any(a.writes for a in allowed)
        if not writes or any(a.code == code for a in BULK_ACTIONS[list_name]):
            return refuse(request, refusal_message(request.user))
        messages.error(request, _("Choose what to do with the selected rows."))
        return _back(request, list_name)
    form = BulkForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors_text(form))
        return _back(request, list_name)
    data = form.cleaned_data
    try:
        records = service.selection(
            actor=request.user, queryset=_rows(list_name), ids=request.POST.getlist("ids")
        )
        if action.code == "export":
            return _export(list_name, records)
        if action.code == "assign_owner":
            n = service.bulk_assign_owner(actor=request.user, records=records, owner=data["owner"])
            done = ngettext(
                "%(n)d row now has a new owner.", "%(n)d rows now have a new owner.", n
            ) % {"n": n}
        elif action.code == "followups":
            n = len(
                service.bulk_followups(
                    actor=request.user,
                    subjects=records,
                    due_on=data["due_on"],
                    note=data["note"],
                    owner=data["owner"],
                )
            )
            done = ngettext("%(n)d follow-up added.", "%(n)d follow-ups added.", n) % {"n": n}
        else:
            n = service.bulk_reschedule(
                actor=request.user, followups=records, due_on=data["due_on"]
            )
            done = ngettext(
                "%(n)d follow-up moved to %(date)s.", "%(n)d follow-ups moved to %(date)s.", n
            ) % {"n": n, "date": data["due_on"].isoformat()}
    except NotPermitted:
        return refuse(request, refusal_message(request.user))
    except ServiceError as exc:
        messages.error(request, refusal_text(exc))
        return _back(request, list_name)
    messages.success(request, done)
    return _back(request, list_name)


# Exports -------------------------------------------------------------------------------------


def _date(value: dt.date | dt.datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value).date()
    return value.isoformat()


def _names(orgs) -> str:
    return "; ".join(o.display_name for o in orgs)


COLUMNS: dict[str, list[tuple[Callable[[], str], Callable[[Any], Any]]]] = {
    ListName.ORGANIZATIONS: [
        (lambda: _("Name"), lambda o: o.name),
        (lambda: _("Name (Japanese)"), lambda o: o.name_ja),
        (lambda: _("Type"), lambda o: o.org_type.display_name if o.org_type_id else ""),
        (lambda: _("Country"), lambda o: o.country),
        (lambda: _("Website"), lambda o: o.website),
    ],
    ListName.PARTNERSHIPS: [
        (lambda: _("Title"), lambda p: p.title),
        (lambda: _("Team"), lambda p: p.team.name),
        (lambda: _("Stage"), lambda p: stage_label(p.stage)),
        (lambda: _("Counterparts"), lambda p: _names(p.counterparts.all())),
        (lambda: _("Owner"), lambda p: p.owner.get_username() if p.owner_id else ""),
        (lambda: _("Expected value"), lambda p: p.expected_value),
        (lambda: _("Currency"), lambda p: p.currency),
        (lambda: _("Target date"), lambda p: _date(p.target_date)),
    ],
    ListName.ENGAGEMENTS: [
        (lambda: _("Date"), lambda e: _date(e.occurred_at)),
        (lambda: _("Kind"), lambda e: e.get_kind_display()),
        (lambda: _("Team"), lambda e: e.team.name),
        (lambda: _("Organizations"), lambda e: _names(e.organizations.all())),
        (lambda: _("Summary"), lambda e: e.summary),
        (lambda: _("Next step"), lambda e: e.next_step),
    ],
    ListName.FOLLOWUPS: [
        (lambda: _("Due"), lambda f: _date(f.due_on)),
        (lambda: _("Priority"), lambda f: f.get_priority_display()),
        (lambda: _("Owner"), lambda f: f.owner.get_username()),
        (lambda: _("Team"), lambda f: f.team.name),
        (lambda: _("Note"), lambda f: f.note),
        (lambda: _("About"), lambda f: str(f.subject or "")),
    ],
}
# What the export of each list reads beside the rows: (select_related, prefetch_related).
RELATED = {
    ListName.ORGANIZATIONS: (("org_type",), ()),
    ListName.PARTNERSHIPS: (("team", "owner"), ("counterparts",)),
    ListName.ENGAGEMENTS: (("team",), ("organizations",)),
    ListName.FOLLOWUPS: (("team", "owner", *FollowUp.SUBJECT_FIELDS), ()),
}


def _rows(list_name: str) -> QuerySet:
    """A list's records with what its export reads, so that the selection is read once."""
    joins, prefetch = RELATED[list_name]
    return MODELS[list_name]._default_manager.select_related(*joins).prefetch_related(*prefetch)


def _export(list_name: str, records: Sequence[Model]) -> HttpResponse:
    """The selected rows as CSV (UTF-8 with BOM, formulas neutralised as the API's exports)."""
    columns = COLUMNS[list_name]

    # The rows are written while the response streams, after the request's language has been
    # switched off: they are written in the reader's language explicitly.
    language = get_language()

    def rows() -> Iterator[list[Any]]:
        with override(language):
            for record in records:
                yield [value(record) for _label, value in columns]

    response = StreamingHttpResponse(
        csv_stream([label() for label, _value in columns], rows()),
        content_type="text/csv; charset=utf-8",
    )
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    response["Content-Disposition"] = f'attachment; filename="{list_name}-{stamp}.csv"'
    return response

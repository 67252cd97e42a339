"""Pilots on the partnership page: planning one, starting, completing or cancelling it, adding
milestones and KPIs, completing a milestone and recording a KPI's value."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from engagement import policy
from engagement.errors import NotPermitted, ServiceError
from engagement.selectors.crm import (
    kpis_visible,
    milestones_visible,
    pilots_visible,
    team_members,
)
from engagement.services.pilots import (
    kpi_add,
    kpi_record,
    milestone_add,
    milestone_complete,
    pilot_cancel,
    pilot_complete,
    pilot_create,
    pilot_start,
)
from engagement.web import forms
from engagement.web.crm_views.common import refusal_message, refuse
from engagement.web.crm_views.page import act, partnership_or_404
from engagement.web.navigation import safe_next
from engagement.web.once import once


@login_required
@require_POST
@once
def pilot_create_view(request, pk: int):
    p = partnership_or_404(request, pk)
    members = team_members(user=request.user, team_id=p.team_id)
    form = forms.PilotCreateForm(request.POST, prefix="pilot-new", members=members)

    def call(d):
        pilot_create(actor=request.user, partnership=p, **d)

    return act(request, p, form, "pilot", call, success=_("Pilot planned."), anchor="pilots")


def _on_pilot(
    request,
    pk: int,
    action: str,
    form_class: type,
    service: Callable[..., Any],
    *,
    success: str,
    with_members: bool = False,
) -> HttpResponse:
    """One action on a pilot: its form (fields named after the service's arguments, prefixed by
    the pilot and the action) and its service."""
    pilot = pilots_visible(user=request.user).filter(pk=pk).first()
    if pilot is None:
        raise Http404
    p = pilot.partnership
    extra = {"members": team_members(user=request.user, team_id=p.team_id)} if with_members else {}
    form = form_class(request.POST, prefix=f"pilot-{pilot.pk}-{action}", **extra)

    def call(d):
        service(actor=request.user, pilot=pilot, **d)

    return act(request, p, form, (action, pilot.pk), call, success=success, anchor=f"pilot-{pk}")


@login_required
@require_POST
def pilot_start_view(request, pk: int):
    return _on_pilot(
        request, pk, "start", forms.PilotStartForm, pilot_start, success=_("Pilot started.")
    )


@login_required
@require_POST
def pilot_complete_view(request, pk: int):
    return _on_pilot(
        request,
        pk,
        "complete",
        forms.PilotCompleteForm,
        pilot_complete,
        success=_("Pilot completed."),
    )


@login_required
@require_POST
def pilot_cancel_view(request, pk: int):
    return _on_pilot(
        request, pk, "cancel", forms.PilotCancelForm, pilot_cancel, success=_("Pilot cancelled.")
    )


@login_required
@require_POST
@once
def milestone_add_view(request, pk: int):
    return _on_pilot(
        request,
        pk,
        "milestone",
        forms.MilestoneAddForm,
        milestone_add,
        success=_("Milestone added."),
        with_members=True,
    )


@login_required
@require_POST
@once
def kpi_add_view(request, pk: int):
    return _on_pilot(request, pk, "kpi", forms.KPIAddForm, kpi_add, success=_("KPI added."))


@login_required
@require_POST
def kpi_record_view(request, pk: int):
    kpi = kpis_visible(user=request.user).filter(pk=pk).first()
    if kpi is None:
        raise Http404
    form = forms.KPIRecordForm(request.POST, prefix=f"kpi-{kpi.pk}-record")

    def call(d):
        kpi_record(actor=request.user, kpi=kpi, actual=d["actual"])

    return act(
        request,
        kpi.pilot.partnership,
        form,
        ("record", kpi.pk),
        call,
        success=_("Recorded %(name)s.") % {"name": kpi.name},
        anchor=f"pilot-{kpi.pilot_id}",
    )


@login_required
@require_POST
def milestone_complete_view(request, pk: int):
    milestone = milestones_visible(user=request.user).filter(pk=pk).first()
    if milestone is None:
        raise Http404
    p = milestone.pilot.partnership
    if not policy.can_change_in_pages(request.user, milestone):
        return refuse(request, refusal_message(request.user))
    try:
        milestone_complete(actor=request.user, milestone=milestone)
    except NotPermitted:
        return refuse(request, refusal_message(request.user))
    except ServiceError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, _("Milestone “%(title)s” done.") % {"title": milestone.title})
    return redirect(safe_next(request, f"{reverse('partnership-detail', args=[p.pk])}#pilots"))

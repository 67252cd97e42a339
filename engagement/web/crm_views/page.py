"""The partnership page, and the one way its forms act.

Every form on the page posts to its own view, which calls `act`: check that the reader may
change the partnership on these pages, validate the form, call the one service of that write.
On success, back to the page (at the part that changed); on a refusal, the page again with the
service's messages next to the fields they name, and nothing written.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from engagement import policy, stages
from engagement.errors import Conflict, NotPermitted, ServiceError
from engagement.models import MoU, Partnership, Pilot
from engagement.selectors import dashboard as dash
from engagement.selectors.crm import partnerships_visible, team_members
from engagement.selectors.timeline import timeline
from engagement.web import forms
from engagement.web.crm_views.common import log_url, refusal_message, refuse, status_for
from engagement.web.navigation import safe_next
from engagement.web.numbers import plain_decimal
from engagement.web.timeline import stage_label, timeline_context

PILOT_OPEN = (Pilot.Status.PLANNED, Pilot.Status.RUNNING, Pilot.Status.AT_RISK)
PILOT_RUNNING = (Pilot.Status.RUNNING, Pilot.Status.AT_RISK)
MOU_TERMINABLE = (MoU.Status.DRAFT, MoU.Status.NEGOTIATING, MoU.Status.SIGNED, MoU.Status.ACTIVE)


def partnership_or_404(request, pk: int) -> Partnership:
    p = partnerships_visible(user=request.user).filter(pk=pk).first()
    if p is None:
        raise Http404
    return p


def _stepper(p: Partnership) -> list[dict[str, Any]]:
    """The pipeline's stages, each marked done, current or ahead."""
    current = p.resume_stage if p.stage in stages.PAUSED else p.stage
    at = stages.PIPELINE.index(current) if current in stages.PIPELINE else -1
    return [
        {
            "code": s,
            "label": stage_label(s),
            "state": "done" if i < at else ("current" if i == at else "ahead"),
        }
        for i, s in enumerate(stages.PIPELINE)
    ]


def _mou_forms(mou: MoU, bound: dict) -> None:
    """What may be done to `mou` now, and a form for each (the one that was refused, bound)."""
    pre = f"mou-{mou.pk}"
    mou.sign_form = bound.get(("sign", mou.pk)) or forms.MoUSignForm(
        prefix=f"{pre}-sign", initial={"signed_on": timezone.localdate()}
    )
    mou.renew_form = bound.get(("renew", mou.pk)) or forms.MoURenewForm(
        prefix=f"{pre}-renew",
        initial={"effective_on": mou.expires_on} if mou.expires_on else None,
    )
    mou.terminate_form = bound.get(("terminate", mou.pk)) or forms.MoUTerminateForm(
        prefix=f"{pre}-terminate"
    )
    mou.doc_form = bound.get(("document", mou.pk)) or forms.MoUDocumentForm(prefix=f"{pre}-doc")
    has_successor = hasattr(mou, "successor") and mou.successor is not None
    renewable = mou.status in MoU.SIGNED_STATES and mou.status != MoU.Status.RENEWED
    # A refused form stays on the page to say why, even when the MoU has since moved on.
    mou.can_sign = mou.status in (MoU.Status.DRAFT, MoU.Status.NEGOTIATING) or (
        ("sign", mou.pk) in bound
    )
    mou.can_renew = (renewable and not has_successor) or ("renew", mou.pk) in bound
    mou.can_terminate = mou.status in MOU_TERMINABLE or ("terminate", mou.pk) in bound


def _pilot_forms(pilot: Pilot, bound: dict, members: list) -> None:
    pre = f"pilot-{pilot.pk}"
    pilot.start_form = bound.get(("start", pilot.pk)) or forms.PilotStartForm(prefix=f"{pre}-start")
    pilot.complete_form = bound.get(("complete", pilot.pk)) or forms.PilotCompleteForm(
        prefix=f"{pre}-complete"
    )
    pilot.cancel_form = bound.get(("cancel", pilot.pk)) or forms.PilotCancelForm(
        prefix=f"{pre}-cancel"
    )
    pilot.milestone_form = bound.get(("milestone", pilot.pk)) or forms.MilestoneAddForm(
        prefix=f"{pre}-milestone", members=members
    )
    pilot.kpi_form = bound.get(("kpi", pilot.pk)) or forms.KPIAddForm(prefix=f"{pre}-kpi")
    pilot.kpi_rows = list(pilot.kpis.all())
    for kpi in pilot.kpi_rows:
        kpi.record_form = bound.get(("record", kpi.pk)) or forms.KPIRecordForm(
            prefix=f"kpi-{kpi.pk}-record", initial={"actual": plain_decimal(kpi.actual)}
        )
    # As for MoUs, a refused form stays on the page to say why.
    is_open = pilot.status in PILOT_OPEN
    pilot.can_start = pilot.status == Pilot.Status.PLANNED or ("start", pilot.pk) in bound
    pilot.can_complete = pilot.status in PILOT_RUNNING or ("complete", pilot.pk) in bound
    pilot.can_cancel = is_open or ("cancel", pilot.pk) in bound
    pilot.can_add = is_open or any((a, pilot.pk) in bound for a in ("milestone", "kpi"))
    pilot.can_record = pilot.status != Pilot.Status.CANCELLED or any(
        ("record", k.pk) in bound for k in pilot.kpi_rows
    )


def render_partnership(
    request, p: Partnership, *, bound: dict | None = None, status: int = 200
) -> HttpResponse:
    bound = bound or {}
    user = request.user
    can_change = policy.can_change_in_pages(user, p)
    members = team_members(user=user, team_id=p.team_id) if can_change else []
    moves = [
        {**m, "label": stage_label(m["to"])}
        for m in stages.allowed_moves(p.stage, resume_stage=p.resume_stage)
    ]
    mous = dash.partnership_mous(user=user, partnership=p)
    for mou in mous:
        _mou_forms(mou, bound)
    pilots = dash.partnership_pilots(user=user, partnership=p)
    for pilot in pilots:
        _pilot_forms(pilot, bound, members)
    context = {
        "p": p,
        "can_change": can_change,
        "stepper": _stepper(p),
        "moves": moves,
        "paused": p.stage in stages.PAUSED,
        "transition_form": bound.get("transition")
        or forms.TransitionForm(initial={"version": p.version}),
        "mous": mous,
        "mou_form": bound.get("mou") or forms.MoUCreateForm(prefix="mou-new"),
        "pilots": pilots,
        "pilot_form": bound.get("pilot")
        or forms.PilotCreateForm(prefix="pilot-new", members=members, initial={"owner": user.pk}),
        "followups": dash.partnership_followups(user=user, partnership=p),
        "followup_form": bound.get("followup") or forms.FollowUpForm(prefix="fu-new"),
        "timeline": timeline_context(request, timeline, partnership=p),
        "log_url": log_url(request, partnership=p.pk),
        "today": timezone.localdate(),
        "read_only_message": refusal_message(user),
    }
    return render(request, "engagement/partnership_detail.html", context, status=status)


def act(
    request,
    p: Partnership,
    form,
    key: Any,
    call: Callable[[dict], Any],
    *,
    success: str,
    anchor: str,
    aliases: dict | None = None,
) -> HttpResponse:
    """Validate `form`, call the service; on success go back to the partnership page, on a
    refusal show the page again with the messages next to the form's fields."""
    if not policy.can_change_in_pages(request.user, p):
        return refuse(request, refusal_message(request.user))
    status = 400
    if form.is_valid():
        try:
            call(form.cleaned_data)
        except NotPermitted:
            return refuse(request, refusal_message(request.user))
        except ServiceError as exc:
            placed = any((aliases or {}).get(k, k) in form.fields for k in exc.errors)
            if isinstance(exc, Conflict) and not placed:
                # The record moved on (signed, cancelled, ... since the page was drawn): the
                # service's sentence says so better than a field the form does not show.
                form.add_error(None, exc.detail)
            else:
                forms.show_service_error(form, exc, aliases)
            status = status_for(exc)
        else:
            messages.success(request, success)
            default = f"{reverse('partnership-detail', args=[p.pk])}#{anchor}"
            return redirect(safe_next(request, default))
    fresh = partnership_or_404(request, p.pk)  # what the database holds, unchanged
    return render_partnership(request, fresh, bound={key: form}, status=status)

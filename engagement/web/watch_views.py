"""The coverage map and the implementation watch pages."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from engagement import policy
from engagement.errors import ServiceError
from engagement.models import (
    Follow,
    ImplementationStatus,
    Initiative,
    MemberState,
    PolicyUpdate,
    Thrust,
)
from engagement.selectors.timeline import watch_timeline
from engagement.selectors.watch import Coverage, coverage_matrix, status_history
from engagement.services.watch import (
    follow_add,
    follow_remove,
    implementation_status_record,
    policy_update_create,
)
from engagement.web.coverage import coverage_csv, coverage_png, coverage_svg
from engagement.web.navigation import safe_next
from engagement.web.once import once
from engagement.web.timeline import timeline_context


def _next(request) -> str:
    return safe_next(request, "/coverage/")


PROVENANCE_FILTERS = {
    # Official: ASEAN's own list (status or provenance official); report: the report's reading.
    "official": lambda i: i.status == Initiative.Status.OFFICIAL or i.provenance == "official",
    "report": lambda i: i.provenance == "report",
}


def _coverage(request):
    thrust = request.GET.get("thrust") or None
    gaps_only = request.GET.get("gaps") == "1"
    matrix = coverage_matrix(user=request.user, thrust=thrust, gaps_only=gaps_only)
    keep = PROVENANCE_FILTERS.get(request.GET.get("provenance", ""))
    if keep is not None:
        matrix = Coverage(states=matrix.states, rows=[r for r in matrix.rows if keep(r.initiative)])
    return matrix, thrust, gaps_only


@login_required
def coverage(request):
    matrix, thrust, gaps_only = _coverage(request)
    return render(
        request,
        "engagement/coverage.html",
        {
            "coverage": matrix,
            "thrust": thrust,
            "gaps_only": gaps_only,
            "provenance": request.GET.get("provenance", ""),
            "thrusts": Thrust.objects.all(),
            "query": request.GET.urlencode(),
            "can_record": policy.can_create(request.user, ImplementationStatus),
            "statuses": ImplementationStatus.Status.choices,
            "initiatives": Initiative.objects.order_by("code"),
        },
    )


@login_required
def coverage_export(request, fmt: str):
    matrix, _thrust, _gaps = _coverage(request)
    if fmt == "csv":
        response = HttpResponse(coverage_csv(matrix), content_type="text/csv; charset=utf-8")
    elif fmt == "svg":
        response = HttpResponse(coverage_svg(matrix), content_type="image/svg+xml")
    elif fmt == "png":
        response = HttpResponse(coverage_png(matrix), content_type="image/png")
    else:
        raise Http404
    response["Content-Disposition"] = f'attachment; filename="coverage.{fmt}"'
    return response


@login_required
@require_POST
@once
def status_record(request):
    try:
        implementation_status_record(
            actor=request.user,
            initiative=request.POST.get("initiative"),
            member_state=request.POST.get("member_state"),
            status=request.POST.get("status"),
            effective_on=request.POST.get("effective_on"),
            note=request.POST.get("note", ""),
            source_url=request.POST.get("source_url", ""),
            source_title=request.POST.get("source_title", ""),
            source_publisher=request.POST.get("source_publisher", ""),
            source_date=request.POST.get("source_date") or None,
        )
    except ServiceError as exc:
        details = "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.errors.items())
        messages.error(request, f"{exc.detail} {details}")
    else:
        messages.success(request, _("Implementation status recorded."))
    return redirect(_next(request))


@login_required
def initiative_detail(request, code: str):
    initiative = get_object_or_404(Initiative.objects.select_related("thrust"), code=code)
    return _watch_detail(request, "initiative", initiative)


@login_required
def member_state_detail(request, iso2: str):
    state = get_object_or_404(MemberState, iso2=iso2.upper())
    return _watch_detail(request, "member_state", state)


def _watch_detail(request, kind: str, subject: Initiative | MemberState) -> HttpResponse:
    """`kind` names the subject as the selectors and Follow do: initiative or member_state."""
    about = {kind: subject}
    return render(
        request,
        "engagement/watch_detail.html",
        {
            "subject": subject,
            "kind": kind,
            "history": status_history(**about),
            "timeline": timeline_context(request, watch_timeline, **about),
            "follow": Follow.objects.filter(user=request.user, **about).first(),
            "can_record": policy.can_create(request.user, PolicyUpdate),
            "kinds": PolicyUpdate.Kind.choices,
        },
    )


@login_required
@require_POST
def follow_toggle(request):
    kind, code = request.POST.get("kind"), request.POST.get("code", "")
    target = (
        {"member_state": code}
        if kind == "member_state"
        else ({"initiative": code} if kind == "initiative" else {"thrust": code})
    )
    lookup = (
        {"member_state__iso2": code}
        if kind == "member_state"
        else ({"initiative__code": code} if kind == "initiative" else {"thrust__code": code})
    )
    existing = Follow.objects.filter(user=request.user, **lookup).first()
    try:
        if existing:
            follow_remove(user=request.user, follow=existing)
        else:
            follow_add(user=request.user, **target)
    except ServiceError as exc:
        messages.error(request, exc.detail)
    return redirect(_next(request))


@login_required
@require_POST
@once
def policy_update_record(request):
    try:
        policy_update_create(
            actor=request.user,
            kind=request.POST.get("kind"),
            published_on=request.POST.get("published_on"),
            title=request.POST.get("title", ""),
            title_ja=request.POST.get("title_ja", ""),
            summary=request.POST.get("summary", ""),
            summary_ja=request.POST.get("summary_ja", ""),
            source_url=request.POST.get("source_url", ""),
            source_title=request.POST.get("source_title", ""),
            member_states=request.POST.getlist("member_states"),
            initiatives=request.POST.getlist("initiatives"),
            thrusts=request.POST.getlist("thrusts"),
        )
    except ServiceError as exc:
        details = "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.errors.items())
        messages.error(request, f"{exc.detail} {details}")
    else:
        messages.success(request, _("Policy update recorded."))
    return redirect(_next(request))

"""Partnerships: the pipeline list, the page, opening one, editing its fields, moving it to
another stage, and adding a follow-up to it."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from engagement import policy, stages
from engagement.errors import NotPermitted, ServiceError
from engagement.lists import spec
from engagement.models import ListName, Partnership, Thrust
from engagement.selectors import dashboard as dash
from engagement.selectors.crm import partnerships_visible, team_members
from engagement.services.followups import followup_create
from engagement.services.partnerships import (
    partnership_create,
    partnership_transition,
    partnership_update,
)
from engagement.web import forms
from engagement.web.crm_views.common import (
    PAGE_SIZE,
    refusal_message,
    refuse,
    status_for,
)
from engagement.web.crm_views.page import act, partnership_or_404, render_partnership
from engagement.web.lists import list_context, ordered
from engagement.web.navigation import safe_next
from engagement.web.once import once
from engagement.web.timeline import stage_label


def _partnership_filters(request) -> dict[str, str]:
    return {k: request.GET.get(k, "").strip() for k in spec(ListName.PARTNERSHIPS).filters}


@login_required
def partnership_list(request):
    f = _partnership_filters(request)
    qs = partnerships_visible(user=request.user)
    sees_all = policy.sees_all_teams(request.user)
    team = dash.team_filter(user=request.user, slug=f["team"])
    if team is not None:
        qs = qs.filter(team=team)
    if f["stage"] in stages.ALL_STAGES:
        qs = qs.filter(stage=f["stage"])
    distinct = False
    if f["thrust"]:
        qs = qs.filter(initiatives__thrust__code=f["thrust"])
        distinct = True
    if f["initiative"]:
        qs = qs.filter(initiatives__code=f["initiative"])
        distinct = True
    if f["country"]:
        iso = f["country"].upper()
        qs = qs.filter(
            Q(priority_country__iso2=iso)
            | Q(priority_country__isnull=True, counterparts__country=iso)
        )
        distinct = True
    if f["q"]:
        qs = qs.filter(
            Q(title__icontains=f["q"])
            | Q(notes__icontains=f["q"])
            | Q(counterparts__name__icontains=f["q"])
            | Q(counterparts__name_ja__icontains=f["q"])
        )
        distinct = True
    if f["owner"] == "me":
        qs = qs.filter(owner=request.user)
    elif f["owner"] == "none":
        qs = qs.filter(owner__isnull=True)
    elif f["owner"].isdigit() and len(f["owner"]) < 10:
        qs = qs.filter(owner_id=int(f["owner"]))
    if distinct:
        # Ids, not DISTINCT rows: the sort may order by an expression (stage order).
        qs = partnerships_visible(user=request.user).filter(pk__in=qs.values("pk"))
    qs = ordered(request, ListName.PARTNERSHIPS, qs)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "engagement/partnership_list.html",
        {
            **list_context(request, ListName.PARTNERSHIPS),
            "page": page,
            "filters": f,
            "owners": team_members(user=request.user, team_id=request.user.team_id)
            if request.user.team_id
            else [],
            "stages": [(s, stage_label(s)) for s in stages.ALL_STAGES],
            "teams": list(dash.teams_visible(user=request.user)) if sees_all else [],
            "thrusts": Thrust.objects.all() if f["thrust"] else [],
            "sees_all": sees_all,
            "can_create": policy.can_create(request.user, Partnership)
            and bool(request.user.team_id),
        },
    )


@login_required
def partnership_detail(request, pk: int):
    return render_partnership(request, partnership_or_404(request, pk))


@login_required
@require_http_methods(["GET", "POST"])
@once
def partnership_new(request):
    user = request.user
    if not (policy.can_create(user, Partnership) and user.team_id):
        return refuse(request, _("Only members of a company's team open partnerships."))
    form = forms.PartnershipForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                p = partnership_create(actor=user, **form.service_data())
            except ServiceError as exc:
                forms.show_service_error(form, exc)
                status = status_for(exc)
            else:
                messages.success(request, _("Partnership created."))
                return redirect("partnership-detail", pk=p.pk)
    return render(request, "engagement/partnership_form.html", {"form": form}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def partnership_edit(request, pk: int):
    """The partnership's fields, saved only over the version the form was drawn from: of two
    people editing at once, the second is told to reload instead of undoing the first."""
    p = partnership_or_404(request, pk)
    user = request.user
    if not policy.can_change_in_pages(user, p):
        return refuse(request, refusal_message(user))
    form = forms.PartnershipEditForm(
        request.POST if request.method == "POST" else None,
        partnership=p,
        members=team_members(user=user, team_id=p.team_id),
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                partnership_update(
                    actor=user,
                    partnership=p,
                    expected_version=form.cleaned_data["version"],
                    **form.service_data(),
                )
            except NotPermitted:
                return refuse(request, refusal_message(user))
            except ServiceError as exc:
                forms.show_service_error(form, exc)
                status = status_for(exc)
            else:
                messages.success(request, _("Partnership saved."))
                return redirect(safe_next(request, reverse("partnership-detail", args=[p.pk])))
    return render(
        request, "engagement/partnership_form.html", {"form": form, "p": p}, status=status
    )


@login_required
@require_POST
def partnership_transition_view(request, pk: int):
    p = partnership_or_404(request, pk)
    form = forms.TransitionForm(request.POST)

    def call(d):
        partnership_transition(
            actor=request.user,
            partnership=p,
            to=d["to"],
            reason=d.get("reason") or "",
            expected_version=d.get("version"),
        )

    return act(
        request,
        p,
        form,
        "transition",
        call,
        success=_("Stage changed."),
        anchor="stage",
    )


@login_required
@require_POST
@once
def partnership_followup_create(request, pk: int):
    p = partnership_or_404(request, pk)
    form = forms.FollowUpForm(request.POST, prefix="fu-new")

    def call(d):
        followup_create(
            actor=request.user, due_on=d["due_on"], note=d["note"], subject=("partnership", p)
        )

    return act(
        request,
        p,
        form,
        "followup",
        call,
        success=_("Follow-up added."),
        anchor="followups",
        aliases={"subject": None},
    )

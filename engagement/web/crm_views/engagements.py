"""Logging an engagement from anywhere (the header button)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from engagement import policy
from engagement.errors import ServiceError
from engagement.models import Engagement, Organization, Stage
from engagement.selectors.crm import partnerships_visible
from engagement.selectors.directory import organizations_visible
from engagement.services.engagements import engagement_log
from engagement.web import forms
from engagement.web.crm_views.common import int_or_none, refuse, status_for
from engagement.web.navigation import safe_next
from engagement.web.once import once


@login_required
@require_http_methods(["GET", "POST"])
@once
def engagement_new(request):
    """Log an engagement in a few seconds: the organization and partnership you came from are
    filled in, the time defaults to now (in your time zone), and you return where you were."""
    user = request.user
    if not (policy.can_create(user, Engagement) and user.team_id):
        return refuse(request, _("Only members of a company's team log engagements."))
    source = request.POST if request.method == "POST" else request.GET
    org_id = int_or_none(source.get("organization"))
    org = organizations_visible(user=user).filter(pk=org_id).first() if org_id else None
    team_partnerships = list(
        partnerships_visible(user=user)
        .filter(team_id=user.team_id)
        .exclude(stage=Stage.LOST)
        .order_by("title")
    )
    partnership = next(
        (p for p in team_partnerships if p.pk == int_or_none(source.get("partnership"))), None
    )
    if request.method == "POST":
        chosen = request.POST.getlist("organizations")
    else:
        chosen = [org.pk] if org else []
        if partnership is not None:
            chosen += [c.pk for c in partnership.counterparts.all() if c.pk not in chosen]
    default_next = (
        reverse("partnership-detail", args=[partnership.pk])
        if partnership
        else reverse("organization-detail", args=[org.pk])
        if org
        else reverse("dashboard")
    )
    next_url = safe_next(request, default_next)
    form = forms.EngagementForm(
        request.POST or None,
        initial={
            "occurred_at": timezone.localtime().replace(second=0, microsecond=0),
            "kind": Engagement.Kind.MEETING,
            "organizations": chosen,
            "partnership": partnership.pk if partnership else None,
        },
        organizations=policy.scope(user, Organization.objects.order_by("name", "id")),
        partnerships=team_partnerships,
        contacts=forms.contacts_of(chosen, user=user),
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                engagement_log(actor=user, **form.service_data())
            except ServiceError as exc:
                forms.show_service_error(form, exc)
                status = status_for(exc)
            else:
                messages.success(request, _("Engagement logged."))
                return redirect(next_url)
    return render(
        request,
        "engagement/engagement_form.html",
        {
            "form": form,
            "next": next_url,
            "organization": org,
            "partnership": partnership,
            "focus_summary": bool(chosen),
        },
        status=status,
    )

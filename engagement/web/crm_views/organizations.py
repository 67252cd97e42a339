"""The organization page: profile, contacts, the reader's team's partnerships and timeline."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render

from engagement import policy
from engagement.models import OrganizationKind
from engagement.selectors import dashboard as dash
from engagement.selectors.directory import organizations_visible
from engagement.selectors.timeline import timeline
from engagement.web.crm_views.common import log_url
from engagement.web.timeline import timeline_context


@login_required
def organization_detail(request, pk: int):
    org = (
        organizations_visible(user=request.user).prefetch_related("contacts").filter(pk=pk).first()
    )
    if org is None or not policy.can_view(request.user, org):
        raise Http404
    return render(
        request,
        "engagement/organization_detail.html",
        {
            "org": org,
            "contacts": list(org.contacts.all()),
            "can_change": policy.can_change(request.user, org),
            "partnerships": dash.organization_partnerships(user=request.user, organization=org),
            "timeline": timeline_context(request, timeline, organization=org),
            "log_url": log_url(request, organization=org.pk),
            "is_institution": org.kind == OrganizationKind.ASEAN_INSTITUTION,
            "sees_all": policy.sees_all_teams(request.user),
        },
    )

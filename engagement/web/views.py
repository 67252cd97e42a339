"""Server-rendered pages: the directory, preferences and the calendar feed. The CRM pages
(dashboard, partnerships, MoUs, pilots, engagements, follow-ups, organization page) are in the
crm_views package."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from engagement.errors import ServiceError
from engagement.models import (
    CalendarFeed,
    Capability,
    ListName,
    MemberState,
    OrganizationKind,
    OrgType,
    Thrust,
)
from engagement.selectors.directory import organizations_search, organizations_visible
from engagement.services.accounts import user_preferences_update
from engagement.services.calendar import calendar_feed_regenerate, calendar_render
from engagement.web.lists import list_context, ordered
from engagement.web.navigation import safe_next

PAGE_SIZE = 25


def _directory_filters(request) -> dict[str, str]:
    keys = ("q", "kind", "org_type", "country", "capability", "thrust")
    return {k: request.GET.get(k, "").strip() for k in keys}


@login_required
def organization_list(request):
    f = _directory_filters(request)
    # Archived organizations stay reachable from the records that refer to them, not listed.
    qs = organizations_visible(user=request.user).filter(archived_at__isnull=True)
    if f["kind"] in OrganizationKind.values:
        qs = qs.filter(kind=f["kind"])
    if f["org_type"]:
        qs = qs.filter(org_type__code=f["org_type"])
    if f["country"]:
        qs = qs.filter(country=f["country"].upper())
    if f["capability"]:
        qs = qs.filter(capabilities__code=f["capability"])
    if f["thrust"]:
        qs = qs.filter(thrusts__code=f["thrust"])
    qs = organizations_search(qs, f["q"])
    qs = ordered(request, ListName.ORGANIZATIONS, qs)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "engagement/organization_list.html",
        {
            **list_context(request, ListName.ORGANIZATIONS),
            "page": page,
            "filters": f,
            "query": query.urlencode(),
            "kinds": OrganizationKind.choices,
            "org_types": OrgType.objects.all(),
            "states": MemberState.objects.all(),
            "capabilities": Capability.objects.filter(parent__isnull=False),
            "thrusts": Thrust.objects.all(),
        },
    )


@login_required
@require_POST
def preferences(request):
    try:
        user_preferences_update(
            user=request.user,
            language=request.POST.get("language") or None,
            time_zone=request.POST.get("time_zone") or None,
        )
    except ServiceError as exc:
        messages.error(request, "; ".join(m for ms in exc.errors.values() for m in ms))
    else:
        messages.success(request, _("Preferences saved."))
    return redirect(safe_next(request, "/"))


def calendar_feed(request, token: str):
    """Calendar clients cannot sign in: the unguessable token in the address is the key."""
    feed = CalendarFeed.objects.select_related("user").filter(token=token).first()
    if feed is None or not feed.user.is_active:
        raise Http404
    body = calendar_render(user=feed.user, host=request.get_host().split(":")[0])
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, max-age=300"
    return response


@login_required
@require_POST
def calendar_regenerate(request):
    calendar_feed_regenerate(user=request.user)
    messages.success(request, _("Your calendar address was changed; the old one no longer works."))
    return redirect(safe_next(request, "/"))

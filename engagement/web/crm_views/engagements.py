"""Logging an engagement from anywhere (the header button)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from engagement import policy
from engagement.errors import ServiceError
from engagement.models import Contact, Engagement, Organization, Stage
from engagement.selectors.crm import partnerships_visible
from engagement.selectors.directory import organizations_visible
from engagement.selectors.search import organizations_named
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
                eng = engagement_log(actor=user, **form.service_data())
            except ServiceError as exc:
                forms.show_service_error(form, exc)
                status = status_for(exc)
            else:
                if _wants_json(request):
                    return _logged_json(eng)
                messages.success(request, _("Engagement logged."))
                return redirect(next_url)
        if _wants_json(request):
            return _errors_json(form, status)
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


# --- Quick capture: the dialog every page opens (the "Log" button, or the key `n`) ----------
# It posts to `engagement_new` above, asking for JSON, so the form and the service validate it
# exactly as the full page does. It sends no one-time token: `once` keeps only redirects, and
# the dialog's script sends each form once (its button is disabled while it is sent).

TYPEAHEAD_LIMIT = 10


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _logged_json(eng: Engagement) -> JsonResponse:
    """Where the new engagement shows: its partnership's page, else its first organization's."""
    if eng.partnership_id:
        url = reverse("partnership-detail", args=[eng.partnership_id])
        name = eng.partnership.title
    else:
        org = eng.organizations.order_by("name", "pk").first()
        url = reverse("organization-detail", args=[org.pk]) if org else reverse("dashboard")
        name = org.display_name if org else ""
    return JsonResponse(
        {
            "id": eng.pk,
            "message": _("Engagement logged."),
            "url": url,
            "link": _("Open %(name)s") % {"name": name},
        },
        status=201,
    )


def _errors_json(form, status: int) -> JsonResponse:
    """Each message by the field it is about; "__all__" for the form as a whole."""
    errors = {name: [str(m) for m in msgs] for name, msgs in form.errors.items()}
    labels = {name: str(form.fields[name].label) for name in errors if name in form.fields}
    return JsonResponse(
        {
            "message": _("The engagement was not saved: check the fields marked."),
            "errors": errors,
            "labels": labels,
        },
        status=status,
    )


@login_required
@require_GET
def organization_typeahead(request):
    """At most ten organizations whose names hold the words typed, in any script, case, accent
    or width (the global search's rule), each with the reader's own team's contacts there."""
    user = request.user
    orgs = organizations_named(
        user=user, text=request.GET.get("q", "")[:200], limit=TYPEAHEAD_LIMIT
    )
    contacts: dict[int, list[dict]] = {o.pk: [] for o in orgs}
    if orgs and user.team_id:
        for c in policy.scope(
            user, Contact.objects.filter(team_id=user.team_id, organization__in=orgs)
        ).order_by("name", "pk"):
            contacts[c.organization_id].append({"id": c.pk, "name": c.name})
    return JsonResponse(
        {
            "results": [
                {"id": o.pk, "name": o.display_name, "contacts": contacts[o.pk]} for o in orgs
            ]
        }
    )

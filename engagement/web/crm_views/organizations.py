"""The organization page (profile, the reader's team's contacts, partnerships and timeline),
suggested edits to it, and the program managers' queue of suggested edits."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from engagement import policy
from engagement.errors import ServiceError
from engagement.models import Contact, Organization, OrganizationKind, Role, SuggestedEdit
from engagement.rules import SUGGESTION_NOTE
from engagement.selectors import dashboard as dash
from engagement.selectors.directory import contacts_visible, organizations_visible
from engagement.selectors.duplicates import undoable_merges_into
from engagement.selectors.timeline import timeline
from engagement.services import suggested_edits as edits
from engagement.web.crm_views.common import log_url, refusal_text, refuse
from engagement.web.directory_forms import SuggestedEditForm
from engagement.web.forms import show_service_error
from engagement.web.once import once
from engagement.web.timeline import timeline_context


def _visible_org(request, pk: int):
    org = organizations_visible(user=request.user).filter(pk=pk).first()
    if org is None or not policy.can_view(request.user, org):
        raise Http404
    return org


def _suggests_in_pages(user) -> bool:
    # Integrators write through the API (where they may POST a suggested edit too).
    return user.role in (Role.BD_MEMBER,) and user.team_id is not None


@login_required
def organization_detail(request, pk: int):
    return _render_detail(request, _visible_org(request, pk))


def _render_detail(request, org, suggest_form=None, status: int = 200):
    user = request.user
    write = policy.organization_write(user, org)
    if suggest_form is None and write == policy.SUGGEST and _suggests_in_pages(user):
        suggest_form = SuggestedEditForm(organization=org)
    contacts = list(contacts_visible(user=user).filter(organization=org))
    for c in contacts:
        c.can_edit = policy.can_change_in_pages(user, c)
    writes = policy.writes_in_pages(user)
    return render(
        request,
        "engagement/organization_detail.html",
        {
            "org": org,
            "contacts": contacts,
            "can_change": write == policy.DIRECT,
            "can_edit_in_pages": write == policy.DIRECT and writes,
            "can_add_contacts": writes and bool(user.team_id) and policy.can_create(user, Contact),
            "suggest_form": suggest_form,
            "partnerships": dash.organization_partnerships(user=user, organization=org),
            "timeline": timeline_context(request, timeline, organization=org),
            "log_url": log_url(request, organization=org.pk),
            "is_institution": org.kind == OrganizationKind.ASEAN_INSTITUTION,
            "sees_all": policy.sees_all_teams(user),
            "undoable_merges": undoable_merges_into(org) if policy.sees_all_teams(user) else [],
        },
        status=status,
    )


@login_required
@require_POST
@once
def organization_suggest(request, pk: int):
    """Propose a change to a shared organization; a program manager applies or declines it."""
    org = _visible_org(request, pk)
    if not _suggests_in_pages(request.user):
        return refuse(request, _("Only business-development members propose changes here."))
    form = SuggestedEditForm(request.POST, organization=org)
    if form.is_valid():
        try:
            edits.suggested_edit_create(
                actor=request.user,
                organization=org,
                changes=form.changes(),
                reason=form.cleaned_data["reason"],
            )
        except ServiceError as exc:
            show_service_error(form, exc)
        else:
            messages.success(
                request, _("Your suggestion was sent to the program managers for review.")
            )
            return redirect("organization-detail", pk=org.pk)
    return _render_detail(request, org, suggest_form=form, status=400)


@login_required
def suggested_edit_queue(request):
    """Program managers: pending suggestions with the difference to the current record."""
    if not policy.sees_all_teams(request.user):
        return refuse(request, _("Only program managers review suggested edits."))
    pending = (
        SuggestedEdit.objects.filter(status=SuggestedEdit.Status.PENDING)
        .select_related("organization", "team", "proposed_by")
        .order_by("created_at", "id")
    )
    rows = [{"edit": e, "diff": _labelled(edits.suggested_edit_diff(e))} for e in pending[:100]]
    recent = (
        SuggestedEdit.objects.exclude(status=SuggestedEdit.Status.PENDING)
        .select_related("organization", "team", "decided_by")
        .order_by("-decided_at", "-id")[:20]
    )
    return render(
        request,
        "engagement/suggested_edits.html",
        {"rows": rows, "recent": list(recent), "note_max": SUGGESTION_NOTE.max_length},
    )


def _labelled(diff: list[dict]) -> list[dict]:
    """Field names as the reader's language calls them, not as the code does."""
    for row in diff:
        row["label"] = Organization._meta.get_field(row["field"]).verbose_name
    return diff


@login_required
@require_POST
def suggested_edit_decide(request, pk: int, decision: str):
    if decision not in ("apply", "decline"):
        raise Http404
    if not policy.sees_all_teams(request.user):
        return refuse(request, _("Only program managers review suggested edits."))
    edit = get_object_or_404(SuggestedEdit.objects.select_related("organization"), pk=pk)
    service = edits.suggested_edit_apply if decision == "apply" else edits.suggested_edit_decline
    try:
        service(actor=request.user, edit=edit, note=request.POST.get("note", ""))
    except ServiceError as exc:
        messages.error(request, refusal_text(exc))
    else:
        if decision == "apply":
            messages.success(request, _("Applied to %(name)s.") % {"name": edit.organization})
        else:
            messages.success(request, _("Declined."))
    return redirect(reverse("suggested-edit-queue"))

"""One record per organization, for program managers: the likely duplicates in the directory,
a merge page that says what will move before anything does, undo, and "not duplicates"."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from engagement import policy
from engagement.errors import ServiceError
from engagement.models import Organization, OrganizationMerge
from engagement.selectors import duplicates as dup
from engagement.services import merges
from engagement.web.crm_views.common import int_or_none, refuse


def _refused(request):
    return refuse(request, _("Only program managers review duplicates and merge organizations."))


@login_required
def duplicate_list(request):
    if not policy.can_create(request.user, OrganizationMerge):
        return _refused(request)
    rows, total = dup.likely_pairs()
    return render(
        request,
        "engagement/duplicates.html",
        {"rows": rows, "total": total, "merges": dup.recent_merges()},
    )


def _pair(request) -> tuple[Organization, Organization]:
    source = request.POST if request.method == "POST" else request.GET
    keep, merge = int_or_none(source.get("keep")), int_or_none(source.get("merge"))
    if keep is None or merge is None:
        raise Http404
    found = Organization.objects.select_related("org_type").in_bulk([keep, merge])
    if keep not in found or merge not in found:
        raise Http404
    return found[keep], found[merge]


@login_required
@require_http_methods(["GET", "POST"])
def organization_merge(request):
    """GET: both records side by side and what the merge would move; POST: merge."""
    if not policy.can_create(request.user, OrganizationMerge):
        return _refused(request)
    survivor, merged = _pair(request)
    status = 200
    if request.method == "POST":
        try:
            merges.organization_merge(actor=request.user, survivor=survivor, merged=merged)
        except ServiceError as exc:
            messages.error(request, exc.detail)
            status = 409 if exc.code == "conflict" else 400
        else:
            messages.success(
                request,
                _("%(merged)s was merged into %(kept)s. You can undo this for 24 hours.")
                % {"merged": merged.display_name, "kept": survivor.display_name},
            )
            return redirect("organization-detail", pk=survivor.pk)
    return render(
        request,
        "engagement/organization_merge.html",
        {
            "survivor": survivor,
            "merged": merged,
            "moves": dup.merge_preview(merged),
            "swap": f"{reverse('organization-merge')}?keep={merged.pk}&merge={survivor.pk}",
        },
        status=status,
    )


@login_required
@require_POST
def merge_undo(request, pk: int):
    if not policy.can_create(request.user, OrganizationMerge):
        return _refused(request)
    merge = get_object_or_404(OrganizationMerge.objects.select_related("merged"), pk=pk)
    try:
        merges.organization_merge_undo(actor=request.user, merge=merge)
    except ServiceError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(
            request,
            _("The merge was undone: %(name)s is back in the directory with its records.")
            % {"name": merge.merged.display_name},
        )
    return redirect("organization-detail", pk=merge.merged_id)


@login_required
@require_POST
def duplicate_dismiss(request):
    if not policy.can_create(request.user, OrganizationMerge):
        return _refused(request)
    first, second = _pair(request)
    try:
        merges.duplicate_dismiss(actor=request.user, first=first, second=second)
    except ServiceError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(
            request,
            _("%(a)s and %(b)s are no longer listed as likely duplicates.")
            % {"a": first.display_name, "b": second.display_name},
        )
    return redirect("duplicate-list")

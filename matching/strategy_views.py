"""The matching strategy page: a company's team says where it wants to be, what it works on,
what it seeks and what it rules out; suggestions follow a minute later."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from engagement.errors import ServiceError
from engagement.models import MemberState, Organization, OrganizationKind, OrgType, Thrust
from matching.models import Purpose
from matching.services import strategy

FIELDS = ("priority_countries", "thrusts", "purposes", "excluded_countries", "excluded_org_types")


@login_required
def strategy_page(request, company: int):
    org = Organization.objects.filter(pk=company, kind=OrganizationKind.JAPANESE_COMPANY).first()
    if org is None or not strategy.may_see_strategy(request.user, org):
        raise Http404
    can_change = strategy.may_change_strategy(request.user, org)
    errors: dict[str, list[str]] = {}
    status = 200
    if request.method == "POST":
        if not can_change:
            raise Http404
        try:
            strategy.matching_strategy_update(
                actor=request.user,
                company=org,
                **{f: request.POST.getlist(f) for f in FIELDS},
            )
        except ServiceError as exc:
            errors = exc.errors or {"": [exc.detail]}
            status = 400
        else:
            messages.success(
                request, _("Strategy saved: the suggestions follow within a minute or two.")
            )
            return redirect("match-strategy", company=org.pk)
    current = strategy.matching_strategy(org)
    if request.method == "POST":
        current = {f: request.POST.getlist(f) for f in FIELDS}
    return render(
        request,
        "matching/strategy.html",
        {
            "company": org,
            "current": current,
            "errors": errors,
            "can_change": can_change,
            "states": MemberState.objects.order_by("name_en"),
            "thrusts": Thrust.objects.order_by("code"),
            "purposes": Purpose.choices,
            "types": OrgType.objects.filter(kind=OrganizationKind.ASEAN_INSTITUTION).order_by(
                "position", "code"
            ),
        },
        status=status,
    )

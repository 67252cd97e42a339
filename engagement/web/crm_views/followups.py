"""My follow-ups, and finishing one (done or cancelled) from any page that lists it."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from engagement import policy
from engagement.errors import NotPermitted, ServiceError
from engagement.selectors import dashboard as dash
from engagement.selectors.crm import followups_visible
from engagement.services.calendar import calendar_feed_get
from engagement.services.followups import followup_cancel, followup_complete
from engagement.web.crm_views.common import read_only_message, refuse
from engagement.web.navigation import safe_next


@login_required
def followup_list(request):
    today = timezone.localdate()
    rows = list(dash.followups_open(user=request.user, owner=request.user)[:200])
    feed = calendar_feed_get(user=request.user)
    return render(
        request,
        "engagement/followup_list.html",
        {
            "followups": rows,
            "today": today,
            "overdue": sum(1 for f in rows if f.due_on < today),
            "calendar_url": request.build_absolute_uri(reverse("calendar-feed", args=[feed.token])),
        },
    )


def _finish_followup(request, pk: int, action: Callable, done_message: str) -> HttpResponse:
    followup = followups_visible(user=request.user).filter(pk=pk).first()
    if followup is None:
        raise Http404
    if not policy.can_change(request.user, followup):
        return refuse(request, read_only_message())
    try:
        action(actor=request.user, followup=followup)
    except NotPermitted:
        return refuse(request, read_only_message())
    except ServiceError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, done_message % {"note": followup.note[:80]})
    return redirect(safe_next(request, reverse("followup-list")))


@login_required
@require_POST
def followup_done(request, pk: int):
    return _finish_followup(request, pk, followup_complete, _("Done: %(note)s"))


@login_required
@require_POST
def followup_cancel_view(request, pk: int):
    return _finish_followup(request, pk, followup_cancel, _("Cancelled: %(note)s"))

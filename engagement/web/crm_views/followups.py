"""Follow-ups: mine or my team's, and moving one from any page that lists it: a new date, another
owner in the team, done (with what came of it), cancelled after a confirmation, and undone for a
few minutes after.

Each write is one service of engagement.services.followups; a refusal is shown as a message on
the page the form came from, and nothing has been written."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from engagement import policy
from engagement.errors import NotPermitted, ServiceError
from engagement.models import FollowUp, ListName
from engagement.selectors import dashboard as dash
from engagement.selectors.crm import followups_visible, team_members
from engagement.services.calendar import calendar_feed_get
from engagement.services.followups import (
    followup_cancel,
    followup_complete,
    followup_reopen,
    followup_update,
)
from engagement.web import forms
from engagement.web.crm_views.common import (
    form_errors_text,
    refusal_message,
    refusal_text,
    refuse,
)
from engagement.web.lists import list_context, ordered
from engagement.web.navigation import safe_next

LIST_LIMIT = 200
VIEWS = ("mine", "team")
# The tag of a success message that offers to undo (see the `undo_followup` filter).
UNDO_TAG = "undo-followup-"


@login_required
def followup_list(request):
    user = request.user
    today = timezone.localdate()
    sees_all = policy.sees_all_teams(user)
    view = request.GET.get("view")
    if view not in VIEWS:
        # Someone without a team owns no follow-up: their page is the teams' ones.
        view = "mine" if user.team_id else "team"
    team = dash.team_filter(user=user, slug=request.GET.get("team")) if view == "team" else None
    qs = dash.followups_open(user=user, owner=user if view == "mine" else None, team=team)
    priority = request.GET.get("priority", "")
    if priority in FollowUp.Priority.values:
        qs = qs.filter(priority=priority)
    rows = list(ordered(request, ListName.FOLLOWUPS, qs)[:LIST_LIMIT])
    writes = policy.writes_in_pages(user) and bool(user.team_id)
    for f in rows:
        f.movable = writes and policy.can_change_in_pages(user, f)
    members = team_members(user=user, team_id=user.team_id) if writes else []
    feed = calendar_feed_get(user=user)
    return render(
        request,
        "engagement/followup_list.html",
        {
            **list_context(request, ListName.FOLLOWUPS),
            "followups": rows,
            "priorities": FollowUp.Priority.choices,
            "priority": priority,
            "today": today,
            "view": view,
            "sees_all": sees_all,
            "teams": list(dash.teams_visible(user=user)) if sees_all else [],
            "team": team,
            "members": members,
            "show_owner": view == "team",
            "outcome_max": FollowUp.OUTCOME_MAX,
            "truncated": len(rows) == LIST_LIMIT,
            "overdue": sum(1 for f in rows if f.due_on < today),
            "calendar_url": request.build_absolute_uri(reverse("calendar-feed", args=[feed.token])),
        },
    )


def _guarded(request, pk: int) -> FollowUp | HttpResponse:
    """The follow-up if the reader may change it in the pages; a refusal page if they only
    read it; 404 if it is another team's or missing."""
    followup = followups_visible(user=request.user).filter(pk=pk).first()
    if followup is None:
        raise Http404
    if not policy.can_change_in_pages(request.user, followup):
        return refuse(request, refusal_message(request.user))
    return followup


def _back(request) -> HttpResponse:
    return redirect(safe_next(request, reverse("followup-list")))


def _short(followup: FollowUp) -> str:
    return followup.note[:80]


def _write(
    request,
    pk: int,
    action: Callable[[FollowUp], object],
    success: Callable[[FollowUp], str],
    form=None,
) -> HttpResponse:
    """Check access, then the form, write through the service and say what happened; back to
    the page the form was on. Done and cancelled messages carry the Undo button."""
    followup = _guarded(request, pk)
    if isinstance(followup, HttpResponse):
        return followup
    if form is not None and not form.is_valid():
        messages.error(request, form_errors_text(form))
        return _back(request)
    try:
        action(followup)
    except NotPermitted:
        return refuse(request, refusal_message(request.user))
    except ServiceError as exc:
        messages.error(request, refusal_text(exc))
    else:
        finished = followup.status != FollowUp.Status.OPEN
        messages.success(
            request, success(followup), extra_tags=f"{UNDO_TAG}{followup.pk}" if finished else ""
        )
    return _back(request)


@login_required
@require_POST
def followup_done(request, pk: int):
    form = forms.FollowUpDoneForm(request.POST)
    return _write(
        request,
        pk,
        lambda f: followup_complete(
            actor=request.user, followup=f, outcome=form.cleaned_data["outcome"]
        ),
        lambda f: _("Done: %(note)s") % {"note": _short(f)},
        form,
    )


@login_required
@require_http_methods(["GET", "POST"])
def followup_cancel_view(request, pk: int):
    """GET asks for confirmation (the page the Cancel link opens); POST cancels."""
    if request.method == "GET":
        followup = _guarded(request, pk)
        if isinstance(followup, HttpResponse):
            return followup
        return render(
            request,
            "engagement/followup_cancel_confirm.html",
            {
                "f": followup,
                "today": timezone.localdate(),
                "next": safe_next(request, reverse("followup-list")),
            },
        )
    return _write(
        request,
        pk,
        lambda f: followup_cancel(actor=request.user, followup=f),
        lambda f: _("Cancelled: %(note)s") % {"note": _short(f)},
    )


@login_required
@require_POST
def followup_reopen_view(request, pk: int):
    """The Undo button of a "Done" or "Cancelled" message."""
    return _write(
        request,
        pk,
        lambda f: followup_reopen(actor=request.user, followup=f),
        lambda f: _("Open again: %(note)s") % {"note": _short(f)},
    )


@login_required
@require_POST
def followup_reschedule(request, pk: int):
    form = forms.FollowUpRescheduleForm(request.POST)

    def when(f: FollowUp) -> str:
        return f.due_on.isoformat() + (f" {f.due_time:%H:%M}" if f.due_time else "")

    return _write(
        request,
        pk,
        lambda f: followup_update(
            actor=request.user,
            followup=f,
            expected_version=form.cleaned_data["version"],
            due_on=form.cleaned_data["due_on"],
            due_time=form.cleaned_data["due_time"],
        ),
        lambda f: _("%(note)s: now due %(date)s.") % {"note": _short(f), "date": when(f)},
        form,
    )


@login_required
@require_POST
def followup_reassign(request, pk: int):
    form = forms.FollowUpReassignForm(request.POST)
    return _write(
        request,
        pk,
        lambda f: followup_update(
            actor=request.user,
            followup=f,
            expected_version=form.cleaned_data["version"],
            owner=form.cleaned_data["owner"],
        ),
        lambda f: (
            _("%(note)s: now with %(owner)s.")
            % {"note": _short(f), "owner": f.owner.get_username()}
        ),
        form,
    )

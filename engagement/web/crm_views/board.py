"""The pipeline board: a column per stage, the team's partnerships as cards, moved by dragging
a card to another column or with its "Move to" form (which works without script).

A move is the partnership page's move: the same form and the same service
(partnership_transition), so the stage rules and the reason a backward move needs apply as they
do there. A refused move draws the board again with the service's message on the card.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from engagement import policy, stages
from engagement.errors import NotPermitted, ServiceError
from engagement.models import MemberState, PartnershipType, Thrust
from engagement.selectors import dashboard as dash
from engagement.selectors.board import BoardFilters, pipeline_board
from engagement.selectors.crm import team_members
from engagement.services.partnerships import partnership_transition
from engagement.web import forms
from engagement.web.charts import money
from engagement.web.crm_views.common import int_or_none, refusal_message, refuse, status_for
from engagement.web.crm_views.page import partnership_or_404
from engagement.web.timeline import stage_label

FILTER_KEYS = ("team", "owner", "country", "thrust", "type")


def _query(request) -> dict[str, str]:
    return {k: request.GET.get(k, "").strip() for k in FILTER_KEYS}


def _filters(request, query: dict[str, str]) -> BoardFilters:
    return BoardFilters(
        team=dash.team_filter(user=request.user, slug=query["team"]),
        owner=int_or_none(query["owner"]),
        country=query["country"],
        thrust=query["thrust"],
        partnership_type=query["type"],
    )


def _owners(request, f: BoardFilters) -> list:
    team_id = f.team.pk if f.team is not None else request.user.team_id
    return team_members(user=request.user, team_id=team_id) if team_id else []


def _card_moves(p) -> list[dict]:
    return [
        {**m, "label": stage_label(m["to"])}
        for m in stages.allowed_moves(p.stage, resume_stage=p.resume_stage)
    ]


def render_board(
    request, *, refused: int | None = None, form=None, status: int = 200
) -> HttpResponse:
    """The board; `refused` names the card whose move was refused and `form` holds why."""
    query = _query(request)
    f = _filters(request, query)
    columns = pipeline_board(user=request.user, filters=f)
    user = request.user
    sees_all = policy.sees_all_teams(user)
    for column in columns:
        column.label = stage_label(column.stage)
        # Short, as the dashboard's pipeline by stage reads them (JPY 40 M; 4,000万 in Japanese).
        column.value_labels = [money(total, currency) for currency, total in column.totals]
        for p in column.cards:
            p.can_move = policy.can_change_in_pages(user, p)
            p.moves = _card_moves(p) if p.can_move else []
            p.move_form = form if p.pk == refused else None
    here = {k: v for k, v in query.items() if v}
    context = {
        "columns": columns,
        "query": query,
        "query_string": urlencode(here),
        "filtered": bool(here),
        "sees_all": sees_all,
        "teams": list(dash.teams_visible(user=user)) if sees_all else [],
        "owners": _owners(request, f),
        "countries": list(MemberState.objects.order_by("iso2")),
        "thrusts": list(Thrust.objects.order_by("code")),
        "types": list(PartnershipType.objects.order_by("code")),
        "refused": refused,
        "form": form,
        "read_only_message": refusal_message(user),
        "writes": policy.writes_in_pages(user) and bool(user.team_id),
    }
    return render(request, "engagement/pipeline_board.html", context, status=status)


@login_required
@require_GET
def pipeline_board_view(request):
    return render_board(request)


def _board_url(request, anchor: str = "") -> str:
    query = request.GET.urlencode()
    return f"{reverse('pipeline-board')}{'?' + query if query else ''}{anchor}"


@login_required
@require_http_methods(["GET", "POST"])
def board_move(request, pk: int):
    """Move one card (a drop or its "Move to" form); the board's filters ride in the query.
    Reached by GET (a refused move's page reloaded, or its language switched), it is the board."""
    if request.method == "GET":
        return redirect(_board_url(request))
    p = partnership_or_404(request, pk)
    user = request.user
    if not policy.can_change_in_pages(user, p):
        return refuse(request, refusal_message(user))
    form = forms.TransitionForm(request.POST)
    status = 400
    if form.is_valid():
        d = form.cleaned_data
        try:
            partnership_transition(
                actor=user,
                partnership=p,
                to=d["to"],
                reason=d.get("reason") or "",
                expected_version=d.get("version"),
            )
        except NotPermitted:
            return refuse(request, refusal_message(user))
        except ServiceError as exc:
            forms.show_service_error(form, exc)
            status = status_for(exc)
        else:
            messages.success(
                request,
                _("%(title)s moved to %(stage)s.")
                % {"title": p.title, "stage": stage_label(d["to"])},
            )
            return redirect(_board_url(request, f"#card-{p.pk}"))
    return render_board(request, refused=p.pk, form=form, status=status)

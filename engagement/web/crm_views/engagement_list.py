"""The engagements list: the team's meetings, calls, visits and events, newest first, with
filters kept in the URL, sortable columns, saved views and bulk actions (a follow-up on each,
an export of the selection). Program managers see every team's, with a team filter."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.shortcuts import render
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from engagement import policy
from engagement.lists import spec
from engagement.models import Engagement, ListName, MemberState
from engagement.selectors import dashboard as dash
from engagement.selectors.crm import engagements_listed
from engagement.web.crm_views.common import PAGE_SIZE
from engagement.web.lists import list_context, ordered


def _date(value: str, problems: list[str], label: str) -> dt.date | None:
    if not value:
        return None
    try:
        parsed = parse_date(value)
    except ValueError:
        parsed = None
    if parsed is None:
        problems.append(_("%(field)s: enter a date as YYYY-MM-DD.") % {"field": label})
    return parsed


def _filtered(request, qs: QuerySet[Engagement], f: dict[str, str], problems: list[str]):
    team = dash.team_filter(user=request.user, slug=f["team"])
    if team is not None:
        qs = qs.filter(team=team)
    if f["kind"] in Engagement.Kind.values:
        qs = qs.filter(kind=f["kind"])
    since = _date(f["since"], problems, _("From"))
    until = _date(f["until"], problems, _("To"))
    if since:
        qs = qs.filter(occurred_at__date__gte=since)
    if until:
        qs = qs.filter(occurred_at__date__lte=until)
    # Filters across organizations select ids, so that a row is listed once and sorts alike.
    if f["country"]:
        iso = f["country"].upper()
        qs = qs.filter(pk__in=Engagement.objects.filter(organizations__country=iso).values("pk"))
    if f["q"]:
        text = f["q"]
        matching = Engagement.objects.filter(
            Q(summary__icontains=text)
            | Q(outcome__icontains=text)
            | Q(next_step__icontains=text)
            | Q(organizations__name__icontains=text)
            | Q(organizations__name_ja__icontains=text)
        )
        qs = qs.filter(pk__in=matching.values("pk"))
    return qs


@login_required
def engagement_list(request):
    user = request.user
    f = {k: request.GET.get(k, "").strip() for k in spec(ListName.ENGAGEMENTS).filters}
    problems: list[str] = []
    qs = _filtered(request, engagements_listed(user=user), f, problems)
    qs = ordered(request, ListName.ENGAGEMENTS, qs)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    sees_all = policy.sees_all_teams(user)
    return render(
        request,
        "engagement/engagement_list.html",
        {
            **list_context(request, ListName.ENGAGEMENTS),
            "page": page,
            "filters": f,
            "problems": problems,
            "kinds": Engagement.Kind.choices,
            "states": MemberState.objects.all(),
            "sees_all": sees_all,
            "teams": list(dash.teams_visible(user=user)) if sees_all else [],
            "can_log": policy.writes_in_pages(user)
            and bool(user.team_id)
            and policy.can_create(user, Engagement),
        },
    )
